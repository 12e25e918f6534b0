/*
 * The known-file store written: an import in one transaction (the rows of
 * its kind dropped, the new ones added, the source recorded, the
 * generation moved on), the NSRL database read into it, the sources
 * listed and removed.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "known_i.h"
#include "profilefs/hash.h"
#include "profilefs/util.h"

/* the builds remembered (beyond: asked of the store), and the longest
 * names that are */
#define KNOWN_BUILD_MEMO 65536
struct build_key {
	char windows[32], update[24], released[12];
};

/* the page cache an import may use: random keys inserted into a large
 * table touch pages all over it */
#define KNOWN_IMPORT_CACHE_KIB 65536

static const char *const write_sql[KW_N] = {
	[KW_FILE] = "INSERT OR IGNORE INTO wb_file VALUES (?1, ?2, ?3, ?4)",
	[KW_BUILD_ADD] = "INSERT OR IGNORE INTO wb_build (windows, upd,"
			 " released) VALUES (?1, ?2, ?3)",
	[KW_BUILD_ID] = "SELECT id FROM wb_build"
			" WHERE windows = ?1 AND upd = ?2 AND released = ?3",
	[KW_SHIP] = "INSERT OR IGNORE INTO wb_ship VALUES (?1, ?2)",
};

static void imp_free(struct cache_known_imp *m)
{
	int i;

	for (i = 0; i < KW_N; i++)
		sqlite3_finalize(m->st[i]);
	util_hash_free(m->builds);
	pthread_mutex_unlock(&m->k->wmu);
	free(m);
}

int cache_known_import_begin(struct cache_known *k, const char *kind,
			     struct cache_known_imp **out)
{
	struct cache_known_imp *m;
	char sql[96];
	int rc, i;

	if (!k->w || strlen(kind) >= sizeof(m->kind))
		return -EINVAL;
	m = calloc(1, sizeof(*m));
	if (!m)
		return -ENOMEM;
	m->k = k;
	strcpy(m->kind, kind);
	if (util_hash_new(sizeof(struct build_key), sizeof(int64_t),
			  KNOWN_BUILD_MEMO, NULL, &m->builds)) {
		free(m);
		return -ENOMEM;
	}
	pthread_mutex_lock(&k->wmu);
	snprintf(sql, sizeof(sql), "PRAGMA cache_size = -%d",
		 KNOWN_IMPORT_CACHE_KIB);
	if ((rc = known_db_exec(k->w, sql)) ||
	    (rc = known_db_exec(k->w, "BEGIN IMMEDIATE"))) {
		imp_free(m);
		return rc;
	}
	for (i = 0; i < KW_N; i++)
		if (sqlite3_prepare_v2(k->w, write_sql[i], -1, &m->st[i],
				       NULL) != SQLITE_OK) {
			rc = known_db_fail(k->w, write_sql[i]);
			goto out_rollback;
		}
	if (!strcmp(kind, "nsrl"))
		rc = known_db_exec(k->w, "DELETE FROM nsrl;"
					 "DELETE FROM nsrl_product");
	else
		rc = known_db_exec(k->w, "DELETE FROM wb_ship;"
					 "DELETE FROM wb_file;"
					 "DELETE FROM wb_build");
	if (rc)
		goto out_rollback;
	*out = m;
	return 0;
out_rollback:
	cache_known_import_rollback(m);
	return rc;
}

void cache_known_import_rollback(struct cache_known_imp *m)
{
	if (!m)
		return;
	known_db_exec(m->k->w, "ROLLBACK");
	imp_free(m);
}

/* steps st to its end (or one row when row is set: its first column);
 * resets it: 0, -ENOENT (no row), or -errno */
static int step(sqlite3 *db, sqlite3_stmt *st, int64_t *row)
{
	int rc = sqlite3_step(st);

	if (rc == SQLITE_ROW && row)
		*row = sqlite3_column_int64(st, 0);
	if (rc == SQLITE_DONE)
		rc = row ? -ENOENT : 0;
	else if (rc == SQLITE_ROW)
		rc = 0;
	else
		rc = known_db_fail(db, sqlite3_sql(st));
	sqlite3_reset(st);
	sqlite3_clear_bindings(st);
	return rc;
}

static int build_id_sql(struct cache_known_imp *m, const char *const *b,
			int64_t *id)
{
	sqlite3_stmt *add = m->st[KW_BUILD_ADD], *get = m->st[KW_BUILD_ID];
	int i, rc;

	for (i = 0; i < 3; i++) {
		sqlite3_bind_text(add, i + 1, b[i] ? b[i] : "", -1,
				  SQLITE_STATIC);
		sqlite3_bind_text(get, i + 1, b[i] ? b[i] : "", -1,
				  SQLITE_STATIC);
	}
	rc = step(m->k->w, add, NULL);
	if (rc) {
		sqlite3_reset(get);
		sqlite3_clear_bindings(get);
		return rc;
	}
	return step(m->k->w, get, id);
}

/* the key of a build's names, 0; -1 when one is too long to be a key */
static int build_key(const char *const *b, struct build_key *k)
{
	const char *s[3] = { b[0] ? b[0] : "", b[1] ? b[1] : "",
			     b[2] ? b[2] : "" };

	memset(k, 0, sizeof(*k));
	if (strlen(s[0]) >= sizeof(k->windows) ||
	    strlen(s[1]) >= sizeof(k->update) ||
	    strlen(s[2]) >= sizeof(k->released))
		return -1;
	strcpy(k->windows, s[0]);
	strcpy(k->update, s[1]);
	strcpy(k->released, s[2]);
	return 0;
}

/* a build's id: remembered, else from the store (added when new) */
static int build_id(struct cache_known_imp *m, const char *const *b,
		    int64_t *id)
{
	struct build_key key;
	int64_t *v;
	int rc;

	if (build_key(b, &key))
		return build_id_sql(m, b, id);
	v = util_hash_get(m->builds, &key);
	if (v) {
		*id = *v;
		return 0;
	}
	rc = build_id_sql(m, b, id);
	if (!rc && util_hash_put(m->builds, &key, (void **)&v) == 0)
		*v = *id;
	return rc;
}

int cache_known_wb_put(struct cache_known_imp *m, const uint8_t sha256[32],
		       const char *name, unsigned machine, const char *version,
		       const char *const *builds, size_t nbuilds)
{
	sqlite3_stmt *st = m->st[KW_FILE];
	size_t i;
	int rc;

	sqlite3_bind_blob(st, 1, sha256, 32, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, name, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 3, machine);
	sqlite3_bind_text(st, 4, version ? version : "", -1, SQLITE_STATIC);
	if ((rc = step(m->k->w, st, NULL)))
		return rc;
	for (i = 0; i < nbuilds; i++) {
		int64_t id;

		if ((rc = build_id(m, builds + 3 * i, &id)))
			return rc;
		st = m->st[KW_SHIP];
		sqlite3_bind_blob(st, 1, sha256, 32, SQLITE_STATIC);
		sqlite3_bind_int64(st, 2, id);
		if ((rc = step(m->k->w, st, NULL)))
			return rc;
	}
	return 0;
}

/* The end of an import or a removal whose last statement gave rc: on
 * success the generation moves on and it is committed, its pages taken
 * out of the -wal, which is then cut short; else (or if that fails) the
 * store is as it was. m is gone either way. */
static int import_end(struct cache_known_imp *m, int rc)
{
	sqlite3 *db = m->k->w;

	if (rc || (rc = known_db_bump(db)) ||
	    (rc = known_db_exec(db, "COMMIT"))) {
		cache_known_import_rollback(m);
		return rc;
	}
	sqlite3_wal_checkpoint_v2(db, NULL, SQLITE_CHECKPOINT_TRUNCATE, NULL,
				  NULL);
	imp_free(m);
	return 0;
}

int cache_known_import_commit(struct cache_known_imp *m, const char *path,
			      uint64_t rows, const char *release)
{
	sqlite3 *db = m->k->w;
	sqlite3_stmt *st = NULL;
	int rc;

	if (sqlite3_prepare_v2(db,
			       "INSERT OR REPLACE INTO sources"
			       " VALUES (?1, ?2, ?3, ?4, ?5)",
			       -1, &st, NULL) != SQLITE_OK)
		return import_end(m, known_db_fail(db, "sources"));
	sqlite3_bind_text(st, 1, m->kind, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, path, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 3, (int64_t)time(NULL));
	sqlite3_bind_int64(st, 4, (int64_t)rows);
	if (release)
		sqlite3_bind_text(st, 5, release, -1, SQLITE_STATIC);
	rc = step(db, st, NULL);
	sqlite3_finalize(st);
	return import_end(m, rc);
}

/* ---- the sources --------------------------------------------------- */

int cache_known_sources(struct cache_known *k, struct cache_known_source **out,
			size_t *n)
{
	struct known_reader *r = &k->r[0];
	struct cache_known_source *v = NULL, *nv;
	sqlite3_stmt *st;
	size_t len = 0;
	int rc;

	pthread_mutex_lock(&r->mu);
	if (sqlite3_prepare_v2(r->db,
			       "SELECT kind, path, release, imported, rows"
			       " FROM sources ORDER BY kind",
			       -1, &st, NULL) != SQLITE_OK) {
		rc = known_db_fail(r->db, "sources");
		goto out;
	}
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		nv = realloc(v, (len + 1) * sizeof(*v));
		if (!nv) {
			rc = -ENOMEM;
			break;
		}
		v = nv;
		v[len].kind = cache_col_dup(st, 0);
		v[len].path = cache_col_dup(st, 1);
		v[len].release = cache_col_dup(st, 2);
		v[len].imported = sqlite3_column_int64(st, 3);
		v[len].rows = (uint64_t)sqlite3_column_int64(st, 4);
		len++;
	}
	if (rc == SQLITE_DONE)
		rc = 0;
	else if (rc > 0)
		rc = known_db_fail(r->db, "sources");
	sqlite3_finalize(st);
out:
	pthread_mutex_unlock(&r->mu);
	if (rc) {
		cache_known_sources_free(v, len);
		return rc;
	}
	*out = v;
	*n = len;
	return 0;
}

void cache_known_sources_free(struct cache_known_source *v, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++) {
		free(v[i].kind);
		free(v[i].path);
		free(v[i].release);
	}
	free(v);
}

int cache_known_remove(struct cache_known *k, const char *kind)
{
	struct cache_known_imp *m;
	sqlite3_stmt *st = NULL;
	int rc;

	/* the import's begin drops the kind's rows */
	if ((rc = cache_known_import_begin(k, kind, &m)))
		return rc;
	if (sqlite3_prepare_v2(k->w, "DELETE FROM sources WHERE kind = ?1", -1,
			       &st, NULL) != SQLITE_OK)
		return import_end(m, known_db_fail(k->w, "sources"));
	sqlite3_bind_text(st, 1, kind, -1, SQLITE_STATIC);
	rc = step(k->w, st, NULL);
	sqlite3_finalize(st);
	if (!rc && sqlite3_changes(k->w) == 0)
		rc = -ENOENT;
	return import_end(m, rc);
}

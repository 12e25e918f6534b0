/*
 * The known-file store: its file opened (ours, or refused), its schema,
 * the sources, the generation and the lookup.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "known_i.h"
#include "profilefs/util.h"

/*
 * Compact on purpose: SHA-256s as 32-byte BLOB keys of WITHOUT ROWID
 * tables; an NSRL product (name, version, OS, manufacturer) stored once
 * and named by id; a winbindex build (Windows version, update, date)
 * likewise. Text columns are '' rather than NULL where a UNIQUE must
 * see two unknowns as the same.
 */
static const char schema[] =
	"CREATE TABLE meta (key TEXT PRIMARY KEY, value INTEGER NOT NULL)"
	" WITHOUT ROWID;"
	"CREATE TABLE sources (kind TEXT PRIMARY KEY, path TEXT NOT NULL,"
	" imported INTEGER NOT NULL, rows INTEGER NOT NULL, release TEXT);"
	"CREATE TABLE nsrl_product (id INTEGER PRIMARY KEY,"
	" product TEXT NOT NULL, version TEXT NOT NULL, os TEXT NOT NULL,"
	" mfg TEXT NOT NULL, UNIQUE (product, version, os, mfg));"
	"CREATE TABLE nsrl (sha256 BLOB NOT NULL, product INTEGER NOT NULL,"
	" name TEXT, size INTEGER, PRIMARY KEY (sha256, product))"
	" WITHOUT ROWID;"
	"CREATE TABLE wb_build (id INTEGER PRIMARY KEY,"
	" windows TEXT NOT NULL, upd TEXT NOT NULL, released TEXT NOT NULL,"
	" UNIQUE (windows, upd, released));"
	"CREATE TABLE wb_file (sha256 BLOB NOT NULL, name TEXT NOT NULL,"
	" machine INTEGER NOT NULL, version TEXT NOT NULL,"
	" PRIMARY KEY (sha256, name)) WITHOUT ROWID;"
	"CREATE INDEX wb_file_nmv ON wb_file (name, machine, version);"
	"CREATE TABLE wb_ship (sha256 BLOB NOT NULL, build INTEGER NOT NULL,"
	" PRIMARY KEY (sha256, build)) WITHOUT ROWID;";

static const char *const reader_sql[KQ_N] = {
	[KQ_SOURCES] = "SELECT count(*) FROM sources",
	[KQ_WB_FILES] = "SELECT count(*) FROM wb_file WHERE sha256 = ?1",
	/* the newest first */
	[KQ_WB_BUILDS] = "SELECT b.windows, b.upd, b.released FROM wb_ship s"
			 " JOIN wb_build b ON b.id = s.build"
			 " WHERE s.sha256 = ?1"
			 " ORDER BY b.released DESC, b.windows DESC, b.upd",
	[KQ_NSRL] = "SELECT p.product, p.version, p.os, p.mfg FROM nsrl n"
		    " LEFT JOIN nsrl_product p ON p.id = n.product"
		    " WHERE n.sha256 = ?1"
		    " ORDER BY p.product, p.version, p.os, p.mfg",
	[KQ_OF_VERSION] = "SELECT count(*) FROM wb_file"
			  " WHERE name = ?1 AND machine = ?2 AND version = ?3",
	[KQ_NAME_MACHINE] = "SELECT count(*) FROM (SELECT 1 FROM wb_file"
			    " WHERE name = ?1 AND machine = ?2 LIMIT 1)",
	[KQ_GEN] = "SELECT value FROM meta WHERE key = 'generation'",
};

int known_db_fail(sqlite3 *db, const char *what)
{
	log_err("known-file store: %s: %s", what, sqlite3_errmsg(db));
	return cache_sqlite_errno(sqlite3_extended_errcode(db));
}

int known_db_exec(sqlite3 *db, const char *sql)
{
	if (sqlite3_exec(db, sql, NULL, NULL, NULL) != SQLITE_OK)
		return known_db_fail(db, sql);
	return 0;
}

int known_db_bump(sqlite3 *db)
{
	return known_db_exec(db, "UPDATE meta SET value = value + 1"
				 " WHERE key = 'generation'");
}

/* the first column of the first row of sql as an integer; -errno */
static int db_int(sqlite3 *db, const char *sql, int64_t *out)
{
	sqlite3_stmt *st;
	int rc;

	if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) != SQLITE_OK)
		return known_db_fail(db, sql);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		*out = sqlite3_column_int64(st, 0);
		rc = 0;
	} else {
		rc = rc == SQLITE_DONE ? -ENOENT : known_db_fail(db, sql);
	}
	sqlite3_finalize(st);
	return rc;
}

/* ours, of our schema (0), one to be made (1), else -EPROTO */
static int judge(sqlite3 *db, const char *path)
{
	int64_t app = 0, ver = 0, tables = 0;
	int rc;

	if ((rc = db_int(db, "PRAGMA application_id", &app)) ||
	    (rc = db_int(db, "PRAGMA user_version", &ver)) ||
	    (rc = db_int(db, "SELECT count(*) FROM sqlite_master", &tables)))
		goto refused;
	if (app == KNOWN_APP_ID && ver == KNOWN_SCHEMA)
		return 0;
	if (app == 0 && ver == 0 && tables == 0)
		return 1;
	rc = -EPROTO;
refused:
	log_err("known-file store: %s is not a known-file store of this "
		"version; left as it is",
		path);
	return rc == -EPROTO || rc == -EBADMSG || rc == -EIO ? -EPROTO : rc;
}

static int make_schema(sqlite3 *db)
{
	char sql[160];
	int rc;

	if ((rc = known_db_exec(db, "BEGIN IMMEDIATE")))
		return rc;
	/* a store made again starts from a generation no earlier store
	 * reached, so that a render key naming it is never reused */
	snprintf(sql, sizeof(sql),
		 "INSERT INTO meta VALUES ('generation', %lld);"
		 "PRAGMA application_id = %d; PRAGMA user_version = %d",
		 (long long)time(NULL) << 20, KNOWN_APP_ID, KNOWN_SCHEMA);
	if ((rc = known_db_exec(db, schema)) || (rc = known_db_exec(db, sql)))
		goto out_rollback;
	return known_db_exec(db, "COMMIT");
out_rollback:
	known_db_exec(db, "ROLLBACK");
	return rc;
}

static int open_writer(struct cache_known *k)
{
	int rc;

	if ((rc = cache_mkdir_parents(k->path)))
		return rc;
	if (sqlite3_open_v2(k->path, &k->w,
			    SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE |
				    SQLITE_OPEN_NOMUTEX,
			    NULL) != SQLITE_OK)
		return k->w ? known_db_fail(k->w, "open") : -ENOMEM;
	sqlite3_busy_timeout(k->w, CACHE_WRITE_BUSY_MS);
	if (sqlite3_db_readonly(k->w, "main") == 1) {
		log_err("known-file store: %s cannot be written", k->path);
		return -EROFS;
	}
	rc = judge(k->w, k->path);
	if (rc < 0)
		return rc;
	if ((rc == 1 && (rc = make_schema(k->w))) ||
	    (rc = known_db_exec(k->w, "PRAGMA journal_mode = WAL")) ||
	    (rc = known_db_exec(k->w, "PRAGMA synchronous = NORMAL")))
		return rc;
	return 0;
}

static int open_reader(struct cache_known *k, struct known_reader *r)
{
	int i, rc;

	if (sqlite3_open_v2(k->path, &r->db,
			    SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX,
			    NULL) != SQLITE_OK)
		return r->db ? known_db_fail(r->db, "open") : -ENOMEM;
	sqlite3_busy_timeout(r->db, CACHE_READ_BUSY_MS);
	if ((rc = known_db_exec(r->db, "PRAGMA query_only = 1")))
		return rc;
	if (!k->w && (rc = judge(r->db, k->path)) != 0)
		return rc < 0 ? rc : -ENOENT; /* empty: nothing imported */
	for (i = 0; i < KQ_N; i++)
		if (sqlite3_prepare_v3(r->db, reader_sql[i], -1,
				       SQLITE_PREPARE_PERSISTENT, &r->st[i],
				       NULL) != SQLITE_OK)
			return known_db_fail(r->db, reader_sql[i]);
	return 0;
}

void cache_known_close(struct cache_known *k)
{
	int i, j;

	if (!k)
		return;
	for (i = 0; i < KNOWN_READERS; i++) {
		for (j = 0; j < KQ_N; j++)
			sqlite3_finalize(k->r[i].st[j]);
		sqlite3_close(k->r[i].db);
		pthread_mutex_destroy(&k->r[i].mu);
	}
	sqlite3_close(k->w);
	pthread_mutex_destroy(&k->wmu);
	free(k->path);
	free(k);
}

int cache_known_open(const char *path, int write, struct cache_known **out)
{
	struct cache_known *k = calloc(1, sizeof(*k));
	struct stat st;
	int rc = -ENOMEM, i;

	if (!k)
		return -ENOMEM;
	pthread_mutex_init(&k->wmu, NULL);
	for (i = 0; i < KNOWN_READERS; i++)
		pthread_mutex_init(&k->r[i].mu, NULL);
	if (!(k->path = strdup(path)))
		goto out_close;
	if (!write && (stat(path, &st) < 0 || !S_ISREG(st.st_mode))) {
		rc = -ENOENT; /* a reader does not make it */
		goto out_close;
	}
	if (write && (rc = open_writer(k)))
		goto out_close;
	for (i = 0; i < KNOWN_READERS; i++)
		if ((rc = open_reader(k, &k->r[i])))
			goto out_close;
	*out = k;
	return 0;

out_close:
	cache_known_close(k);
	return rc;
}

/* an idle reader, else the next in turn; held until reader_put() */
static struct known_reader *reader_get(struct cache_known *k)
{
	struct known_reader *r;
	int i;

	for (i = 0; i < KNOWN_READERS; i++)
		if (pthread_mutex_trylock(&k->r[i].mu) == 0)
			return &k->r[i];
	r = &k->r[__atomic_fetch_add(&k->next_r, 1, __ATOMIC_RELAXED) %
		  KNOWN_READERS];
	pthread_mutex_lock(&r->mu);
	return r;
}

static void reader_put(struct known_reader *r)
{
	pthread_mutex_unlock(&r->mu);
}

/* runs a reader's statement with its text and integer parameters (NULL
 * text: not bound), each row to row(); the rows seen or -errno */
static int run(struct known_reader *r, int id, const uint8_t *sha,
	       const char *t1, int64_t i2, const char *t3,
	       int (*row)(sqlite3_stmt *, void *), void *ctx)
{
	sqlite3_stmt *st = r->st[id];
	int rc, n = 0, stop = 0;

	if (sha)
		sqlite3_bind_blob(st, 1, sha, 32, SQLITE_STATIC);
	if (t1)
		sqlite3_bind_text(st, 1, t1, -1, SQLITE_STATIC);
	if (sqlite3_bind_parameter_count(st) >= 2)
		sqlite3_bind_int64(st, 2, i2);
	if (t3)
		sqlite3_bind_text(st, 3, t3, -1, SQLITE_STATIC);
	while (!stop && (rc = sqlite3_step(st)) == SQLITE_ROW) {
		n++;
		stop = row(st, ctx);
	}
	if (stop < 0)
		rc = stop;
	else if (stop || rc == SQLITE_DONE)
		rc = n;
	else
		rc = known_db_fail(r->db, reader_sql[id]);
	sqlite3_reset(st);
	sqlite3_clear_bindings(st);
	return rc;
}

static int row_i64(sqlite3_stmt *st, void *ctx)
{
	*(int64_t *)ctx = sqlite3_column_int64(st, 0);
	return 1;
}

struct rows {
	cache_known_row_fn fn;
	void *ctx;
	char what;
	int done; /* fn said stop: the rest are only counted */
	uint64_t n;
};

static const char *col(sqlite3_stmt *st, int i)
{
	const char *s = (const char *)sqlite3_column_text(st, i);

	return s && *s ? s : NULL;
}

static int row_pass(sqlite3_stmt *st, void *ctx)
{
	struct rows *w = ctx;

	w->n++;
	if (!w->done)
		w->done = w->fn(
			w->ctx, w->what, col(st, 0), col(st, 1), col(st, 2),
			sqlite3_column_count(st) > 3 ? col(st, 3) : NULL);
	return 0;
}

/* what no source knows the SHA-256 of: winbindex's name and version */
static int find_name(struct known_reader *r, const struct cache_known_ask *q,
		     struct cache_known_found *f)
{
	int64_t n = 0;
	int rc;

	if (!q->name || !q->machine || q->lang_variant)
		return 0;
	if (q->version && *q->version) {
		rc = run(r, KQ_OF_VERSION, NULL, q->name, q->machine,
			 q->version, row_i64, &n);
		if (rc < 0)
			return rc;
		f->of_version = (uint64_t)n;
		if (n)
			return 0;
	}
	rc = run(r, KQ_NAME_MACHINE, NULL, q->name, q->machine, NULL, row_i64,
		 &n);
	f->name_machine = n > 0;
	return rc < 0 ? rc : 0;
}

int cache_known_find(struct cache_known *k, const struct cache_known_ask *q,
		     cache_known_row_fn row, void *ctx,
		     struct cache_known_found *out)
{
	struct known_reader *r = reader_get(k);
	struct cache_known_found f = { 0 };
	struct rows w = { .fn = row, .ctx = ctx };
	int64_t n = 0;
	int rc;

	rc = run(r, KQ_SOURCES, NULL, NULL, 0, NULL, row_i64, &n);
	if (rc < 0 || !(f.sources = (uint64_t)n))
		goto out;
	if (q->sha256) {
		rc = run(r, KQ_WB_FILES, q->sha256, NULL, 0, NULL, row_i64, &n);
		if (rc < 0)
			goto out;
		f.wb_files = (uint64_t)n;
		w.what = 'w';
		if (f.wb_files && (rc = run(r, KQ_WB_BUILDS, q->sha256, NULL, 0,
					    NULL, row_pass, &w)) < 0)
			goto out;
		f.builds = w.n;
		w.what = 'n';
		w.n = 0;
		w.done = 0;
		rc = run(r, KQ_NSRL, q->sha256, NULL, 0, NULL, row_pass, &w);
		if (rc < 0)
			goto out;
		f.products = w.n;
	}
	rc = f.wb_files || f.products ? 0 : find_name(r, q, &f);
out:
	reader_put(r);
	if (rc < 0)
		return rc;
	*out = f;
	return 0;
}

int cache_known_generation(struct cache_known *k, int64_t *gen)
{
	struct known_reader *r = reader_get(k);
	int rc = run(r, KQ_GEN, NULL, NULL, 0, NULL, row_i64, gen);

	reader_put(r);
	return rc < 0 ? rc : rc == 0 ? -ENOENT : 0;
}

/*
 * The catalog index (Authenticode): each catalog's member digests. Writes
 * go in a transaction (struct cache_txn) whose commits move the catalog
 * generation on.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cache_i.h"
#include "profilefs/util.h"

const char *const cache_catalog_sql[ST_N] = {
	[ST_CAT_LIST] = "SELECT path, size, mtime_ns, ctime_ns, sha256 "
			"FROM catalogs ORDER BY path",
	[ST_CAT_PUT] = "INSERT INTO catalogs (path, size, mtime_ns, ctime_ns, "
		       "sha256) VALUES (?, ?, ?, ?, ?) ON CONFLICT (path) DO "
		       "UPDATE SET size = excluded.size, "
		       "mtime_ns = excluded.mtime_ns, "
		       "ctime_ns = excluded.ctime_ns, sha256 = excluded.sha256 "
		       "RETURNING id",
	[ST_CAT_SEAL] = "UPDATE catalogs SET sha256 = ? WHERE id = ?",
	[ST_CAT_CLEAR] = "DELETE FROM catalog_members WHERE catalog = ?",
	[ST_CAT_MEMBER] = "INSERT OR IGNORE INTO catalog_members (digest, "
			  "catalog) VALUES (?, ?)",
	[ST_CAT_DROP] = "DELETE FROM catalogs WHERE path = ? RETURNING id",
	[ST_CAT_FIND] =
		"SELECT c.path, c.sha256 FROM catalog_members m JOIN catalogs "
		"c "
		"ON c.id = m.catalog WHERE m.digest = ? ORDER BY c.path",
	[ST_CAT_GEN_GET] = "SELECT value FROM meta WHERE key = "
			   "'catalog_generation'",
	[ST_CAT_GEN_BUMP] = "UPDATE meta SET value = value + 1 WHERE key = "
			    "'catalog_generation'",
};

static int run(struct cache_txn *t, int id, const struct cache_arg *args,
	       size_t nargs, cache_row_fn row, void *ctx)
{
	if (!t->open)
		return -EIO;
	t->dirty = 1; /* every catalog write changes the index */
	return cache_run(&t->c->w, id, args, nargs, row, ctx);
}

void cache_catalogs_free(struct cache_catalog *v, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		free(v[i].path);
	free(v);
}

struct cat_list {
	struct cache_catalog *v;
	size_t n;
};

/* whether column i holds a SHA-256; if so, copied to out */
static int sha256_col(sqlite3_stmt *st, int i, uint8_t out[32])
{
	const void *p = sqlite3_column_blob(st, i);

	if (!p || sqlite3_column_bytes(st, i) != 32)
		return 0;
	memcpy(out, p, 32);
	return 1;
}

static int row_catalog(sqlite3_stmt *st, void *ctx)
{
	struct cat_list *l = ctx;
	struct cache_catalog *p = realloc(l->v, (l->n + 1) * sizeof(*p));

	if (!p)
		return -ENOMEM;
	l->v = p;
	p[l->n].path = cache_col_dup(st, 0);
	if (!p[l->n].path)
		return -ENOMEM;
	p[l->n].size = (uint64_t)sqlite3_column_int64(st, 1);
	p[l->n].mtime_ns = sqlite3_column_int64(st, 2);
	/* NULL (a row of schema 4) reads as 0: a ctime no file has */
	p[l->n].ctime_ns = sqlite3_column_int64(st, 3);
	p[l->n].has_sha256 = sha256_col(st, 4, p[l->n].sha256);
	l->n++;
	return 0;
}

int cache_catalog_list(struct cache *c, struct cache_catalog **out, size_t *n)
{
	struct cat_list l = { NULL, 0 };
	int rc = cache_read(c, ST_CAT_LIST, CACHE_NOARGS, row_catalog, &l);

	if (rc < 0) {
		cache_catalogs_free(l.v, l.n);
		return rc;
	}
	*out = l.v;
	*n = l.n;
	return 0;
}

static int clear_members(struct cache_txn *t, int64_t id)
{
	int rc = run(t, ST_CAT_CLEAR, CACHE_ARGS(A_I64(id)), NULL, NULL);

	return rc < 0 ? rc : 0;
}

static int put(struct cache_txn *t, const struct cache_catalog *cat,
	       int64_t *id, struct cache_arg sha256)
{
	int64_t got = 0;
	int rc = run(t, ST_CAT_PUT,
		     CACHE_ARGS(A_TEXT(cat->path), A_I64(cat->size),
				A_I64(cat->mtime_ns), A_I64(cat->ctime_ns),
				sha256),
		     cache_row_i64, &got);

	if (rc == 0)
		rc = -EIO; /* RETURNING gives a row or fails */
	if (rc < 0)
		return rc;
	rc = clear_members(t, got);
	if (!rc)
		*id = got;
	return rc;
}

int cache_catalog_put(struct cache_txn *t, const struct cache_catalog *cat,
		      int64_t *id)
{
	if (!cat->has_sha256)
		return -EINVAL; /* a row that could never be used */
	return put(t, cat, id, A_BLOB(cat->sha256, 32));
}

int cache_catalog_pending(struct cache_txn *t, const struct cache_catalog *cat,
			  int64_t *id)
{
	return put(t, cat, id, (struct cache_arg){ .kind = ARG_NULL });
}

int cache_catalog_seal(struct cache_txn *t, int64_t id,
		       const uint8_t sha256[32], int keep_members)
{
	int rc = keep_members ? 0 : clear_members(t, id);

	if (!rc)
		rc = run(t, ST_CAT_SEAL,
			 CACHE_ARGS(A_BLOB(sha256, 32), A_I64(id)), NULL, NULL);
	return rc < 0 ? rc : 0;
}

int cache_catalog_member_add(struct cache_txn *t, int64_t id,
			     const uint8_t *digest, size_t len)
{
	int rc = run(t, ST_CAT_MEMBER,
		     CACHE_ARGS(A_BLOB(digest, len), A_I64(id)), NULL, NULL);

	return rc < 0 ? rc : 0;
}

int cache_catalog_drop(struct cache_txn *t, const char *path)
{
	int64_t id = -1;
	int rc = run(t, ST_CAT_DROP, CACHE_ARGS(A_TEXT(path)), cache_row_i64,
		     &id);

	if (rc <= 0)
		return rc;
	return clear_members(t, id);
}

struct find {
	cache_catalog_cb cb;
	void *ctx;
};

static int row_find(sqlite3_stmt *st, void *ctx)
{
	struct find *f = ctx;
	const char *path = (const char *)sqlite3_column_text(st, 0);
	uint8_t sha256[32];

	if (!path)
		return 0;
	return f->cb(f->ctx, path, sha256_col(st, 1, sha256) ? sha256 : NULL) !=
	       0;
}

int cache_catalog_find(struct cache *c, const uint8_t *digest, size_t len,
		       cache_catalog_cb cb, void *ctx)
{
	struct find f = { cb, ctx };
	int rc = cache_read(c, ST_CAT_FIND, CACHE_ARGS(A_BLOB(digest, len)),
			    row_find, &f);

	return rc < 0 ? rc : 0;
}

int cache_catalogs_generation(struct cache *c, int64_t *gen)
{
	int rc =
		cache_read(c, ST_CAT_GEN_GET, CACHE_NOARGS, cache_row_i64, gen);

	return rc < 0 ? rc : rc == 0 ? -EIO : 0;
}

/*
 * Staging. Member digests are random keys: inserted one by one into the
 * (digest, catalog) B-tree of a million members they touch a page each,
 * and a commit every CACHE_BATCH_MS writes every touched page again (a
 * catalog of 1.5 M members took 80 s that way). So they go first into a
 * temporary table of the write connection (appended, in a temporary file:
 * bounded memory), and at the seal into the index by ranges of their
 * first byte, each range sorted by SQLite's sorter (bounded memory too),
 * so that the index is written nearly in order, one batch per range.
 */
#define STAGE_RANGES 16

struct cache_cat_stage {
	sqlite3_stmt *ins;
	int64_t id;
};

static int exec_w(struct cache_txn *t, const char *sql)
{
	if (sqlite3_exec(t->c->w.db, sql, NULL, NULL, NULL) != SQLITE_OK)
		return cache_fail(&t->c->w, sql);
	return 0;
}

int cache_catalog_stage_begin(struct cache_txn *t, int64_t id,
			      struct cache_cat_stage **out)
{
	struct cache_cat_stage *s;
	int rc;

	if (!t->open)
		return -EIO;
	s = calloc(1, sizeof(*s));
	if (!s)
		return -ENOMEM;
	s->id = id;
	rc = exec_w(t, "CREATE TEMP TABLE IF NOT EXISTS cat_stage "
		       "(digest BLOB NOT NULL)");
	if (!rc)
		rc = exec_w(t, "DELETE FROM temp.cat_stage");
	if (!rc && sqlite3_prepare_v3(t->c->w.db,
				      "INSERT INTO temp.cat_stage VALUES (?)",
				      -1, SQLITE_PREPARE_PERSISTENT, &s->ins,
				      NULL) != SQLITE_OK)
		rc = cache_fail(&t->c->w, "INSERT INTO temp.cat_stage");
	if (rc) {
		free(s);
		return rc;
	}
	*out = s;
	return 0;
}

int cache_catalog_stage_add(struct cache_txn *t, struct cache_cat_stage *s,
			    const uint8_t *digest, size_t len)
{
	int rc;

	if (!t->open)
		return -EIO;
	sqlite3_bind_blob(s->ins, 1, digest, (int)len, SQLITE_STATIC);
	rc = sqlite3_step(s->ins);
	sqlite3_reset(s->ins);
	sqlite3_clear_bindings(s->ins);
	return rc == SQLITE_DONE ? 0 : cache_fail(&t->c->w, "cat_stage");
}

/* the staged members whose first byte is in [lo, hi), into the index */
static int merge_range(struct cache_txn *t, int64_t id, unsigned lo,
		       unsigned hi)
{
	char sql[320], upper[32] = "";

	if (hi < 256)
		snprintf(upper, sizeof(upper), " AND digest < X'%02x'", hi);
	snprintf(sql, sizeof(sql),
		 "INSERT OR IGNORE INTO catalog_members (digest, catalog) "
		 "SELECT digest, %lld FROM temp.cat_stage WHERE digest >= "
		 "X'%02x'%s ORDER BY digest",
		 (long long)id, lo, upper);
	t->dirty = 1;
	return exec_w(t, sql);
}

int cache_catalog_stage_end(struct cache_txn *t, struct cache_cat_stage *s,
			    int keep, const struct util_stop *stop)
{
	unsigned r;
	int rc = 0;

	if (!s)
		return 0;
	for (r = 0; keep && r < STAGE_RANGES && !rc; r++) {
		rc = util_stop_check(stop);
		if (!rc)
			rc = t->open ? merge_range(t, s->id,
						   r * (256 / STAGE_RANGES),
						   (r + 1) *
							   (256 / STAGE_RANGES))
				     : -EIO;
		/* the write connection is let go between ranges */
		if (!rc)
			rc = cache_txn_batch(t);
	}
	sqlite3_finalize(s->ins);
	if (t->open)
		exec_w(t, "DELETE FROM temp.cat_stage");
	free(s);
	return rc;
}

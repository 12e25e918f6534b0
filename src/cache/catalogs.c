/*
 * The catalog index (Authenticode): each catalog's member digests. Writes
 * go in a transaction (struct cache_txn) whose commits move the catalog
 * generation on.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "cache_i.h"

const char *const cache_catalog_sql[ST_N] = {
	[ST_CAT_LIST] = "SELECT path, size, mtime_ns FROM catalogs ORDER BY "
			"path",
	[ST_CAT_PUT] = "INSERT INTO catalogs (path, size, mtime_ns) VALUES "
		       "(?, ?, ?) ON CONFLICT (path) DO UPDATE SET "
		       "size = excluded.size, mtime_ns = excluded.mtime_ns "
		       "RETURNING id",
	[ST_CAT_CLEAR] = "DELETE FROM catalog_members WHERE catalog = ?",
	[ST_CAT_MEMBER] = "INSERT OR IGNORE INTO catalog_members (digest, "
			  "catalog) VALUES (?, ?)",
	[ST_CAT_DROP] = "DELETE FROM catalogs WHERE path = ? RETURNING id",
	[ST_CAT_FIND] =
		"SELECT c.path FROM catalog_members m JOIN catalogs c "
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

int cache_catalog_put(struct cache_txn *t, const char *path, uint64_t size,
		      int64_t mtime_ns, int64_t *id)
{
	int64_t got = 0;
	int rc = run(t, ST_CAT_PUT,
		     CACHE_ARGS(A_TEXT(path), A_I64(size), A_I64(mtime_ns)),
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

	return path && f->cb(f->ctx, path) != 0;
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

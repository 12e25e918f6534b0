/*
 * Profiles: an identity (device, inode, size, mtime, ctime) leads to
 * content (by SHA-256), the content to its parts; an identity also
 * remembers the size of its rendered profile.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "cache_i.h"
#include "profilefs/util.h"

const char *const cache_profile_sql[ST_N] = {
	[ST_FIND] = "SELECT c.size, c.md5, c.sha1, c.sha256, c.sha384, "
		    "c.sha512, c.ssdeep FROM files f JOIN content c "
		    "ON c.sha256 = f.sha256 WHERE f.dev = ? AND f.ino = ? "
		    "AND f.size = ? AND f.mtime_ns = ? AND f.ctime_ns = ?",
	[ST_CONTENT] = "SELECT size, md5, sha1, sha256, sha384, sha512, "
		       "ssdeep FROM content WHERE sha256 = ?",
	[ST_PART] = "SELECT data FROM parts WHERE sha256 = ? AND name = ? "
		    "AND version = ?",
	[ST_PUT_CONTENT] = "INSERT OR REPLACE INTO content (sha256, size, md5, "
			   "sha1, sha384, sha512, ssdeep) "
			   "VALUES (?, ?, ?, ?, ?, ?, ?)",
	[ST_PUT_PART] = "INSERT OR REPLACE INTO parts (sha256, name, version, "
			"data) VALUES (?, ?, ?, ?)",
	[ST_PUT_FILE] = "INSERT OR REPLACE INTO files (dev, ino, size, "
			"mtime_ns, ctime_ns, sha256) VALUES (?, ?, ?, ?, ?, ?)",
	[ST_RSIZE_GET] = "SELECT render_key, render_size FROM files WHERE "
			 "dev = ? AND ino = ? AND size = ? AND mtime_ns = ? "
			 "AND ctime_ns = ?",
	[ST_RSIZE_PUT] = "UPDATE files SET render_key = ?, render_size = ? "
			 "WHERE dev = ? AND ino = ? AND size = ? AND "
			 "mtime_ns = ? AND ctime_ns = ?",
};

#define IDENT_ARGS(id)                                                         \
	A_I64((id)->dev), A_I64((id)->ino), A_I64((id)->size),                 \
		A_I64((id)->mtime_ns), A_I64((id)->ctime_ns)

/* An identity stored before schema 5 has no ctime: it matches nothing. */
static int ident_known(const struct cache_ident *id)
{
	return id->ctime_ns != CACHE_CTIME_UNKNOWN;
}

static int unhex(const unsigned char *s, int n, uint8_t *out, size_t len)
{
	return n < 0 ? -EINVAL
		     : util_unhex((const char *)s, (size_t)n, out, len);
}

#define COL_HEX(st, i, field)                                                  \
	unhex(sqlite3_column_text(st, i), sqlite3_column_bytes(st, i), field,  \
	      sizeof(field))

/* Reads size, md5, sha1, sha256, sha384, sha512, ssdeep from a row; a row
 * that does not decode is treated as missing. */
static int row_content(sqlite3_stmt *st, void *ctx)
{
	struct cache_content ct, *out = ctx;
	const unsigned char *fz;
	int fzlen;

	memset(&ct, 0, sizeof(ct));
	ct.size = (uint64_t)sqlite3_column_int64(st, 0);
	fz = sqlite3_column_text(st, 6);
	fzlen = sqlite3_column_bytes(st, 6);
	if (COL_HEX(st, 1, ct.dg.md5) || COL_HEX(st, 2, ct.dg.sha1) ||
	    COL_HEX(st, 3, ct.dg.sha256) || COL_HEX(st, 4, ct.dg.sha384) ||
	    COL_HEX(st, 5, ct.dg.sha512) || !fz || fzlen < 0 ||
	    (size_t)fzlen >= sizeof(ct.dg.ssdeep)) {
		log_warn("cache: a content row does not decode; treating it "
			 "as missing");
		return -ENOENT;
	}
	memcpy(ct.dg.ssdeep, fz, (size_t)fzlen);
	*out = ct;
	return 1;
}

/* a lookup's row count as 0 / -ENOENT */
static int found(int rc)
{
	return rc < 0 ? rc : rc == 0 ? -ENOENT : 0;
}

int cache_find(struct cache *c, const struct cache_ident *id,
	       struct cache_content *out)
{
	if (!ident_known(id))
		return -ENOENT;
	return found(cache_read(c, ST_FIND, CACHE_ARGS(IDENT_ARGS(id)),
				row_content, out));
}

int cache_find_content(struct cache *c, const uint8_t sha256[32],
		       struct cache_content *out)
{
	return found(cache_read(c, ST_CONTENT, CACHE_ARGS(A_HEX(sha256, 32)),
				row_content, out));
}

struct blob {
	void *data;
	size_t len;
};

static int row_blob(sqlite3_stmt *st, void *ctx)
{
	struct blob *b = ctx;
	int n = sqlite3_column_bytes(st, 0);
	const void *p = sqlite3_column_blob(st, 0);

	b->len = n > 0 ? (size_t)n : 0;
	b->data = malloc(b->len ? b->len : 1);
	if (!b->data)
		return -ENOMEM;
	if (b->len)
		memcpy(b->data, p, b->len);
	return 1;
}

int cache_get_part(struct cache *c, const uint8_t sha256[32], const char *name,
		   int version, void **data, size_t *len)
{
	struct blob b = { NULL, 0 };
	int rc = found(cache_read(
		c, ST_PART,
		CACHE_ARGS(A_HEX(sha256, 32), A_TEXT(name), A_I64(version)),
		row_blob, &b));

	if (!rc) {
		*data = b.data;
		*len = b.len;
	}
	return rc;
}

static int put_all(struct cache_conn *k, const struct cache_ident *id,
		   const struct cache_content *ct,
		   const struct cache_part *parts, size_t nparts)
{
	const uint8_t *sha = ct->dg.sha256;
	size_t i;
	int rc;

	rc = cache_run(k, ST_PUT_CONTENT,
		       CACHE_ARGS(A_HEX(sha, 32), A_I64(ct->size),
				  A_HEX(ct->dg.md5, sizeof(ct->dg.md5)),
				  A_HEX(ct->dg.sha1, sizeof(ct->dg.sha1)),
				  A_HEX(ct->dg.sha384, sizeof(ct->dg.sha384)),
				  A_HEX(ct->dg.sha512, sizeof(ct->dg.sha512)),
				  A_TEXT(ct->dg.ssdeep)),
		       NULL, NULL);
	for (i = 0; rc >= 0 && i < nparts; i++)
		rc = cache_run(k, ST_PUT_PART,
			       CACHE_ARGS(A_HEX(sha, 32), A_TEXT(parts[i].name),
					  A_I64(parts[i].version),
					  A_BLOB(parts[i].data, parts[i].len)),
			       NULL, NULL);
	if (rc >= 0)
		rc = cache_run(k, ST_PUT_FILE,
			       CACHE_ARGS(IDENT_ARGS(id), A_HEX(sha, 32)), NULL,
			       NULL);
	return rc < 0 ? rc : 0;
}

/* commits when rc is 0, else rolls back: the first failure */
static int txn_done(struct cache_txn *t, int rc)
{
	int end = cache_txn_close(t, rc == 0);

	return rc ? rc : end;
}

/* The write connection's busy handler waits (with backoff, up to
 * CACHE_WRITE_BUSY_MS) for another process's writer; this waits only
 * for our own turn, so a store is not dropped while an indexer runs. */
int cache_store(struct cache *c, const struct cache_ident *id,
		const struct cache_content *ct, const struct cache_part *parts,
		size_t nparts)
{
	struct cache_txn t;
	int rc;

	if (!ident_known(id))
		return -EINVAL;
	rc = cache_txn_open(c, &t, -1);
	if (rc)
		return rc;
	rc = put_all(&c->w, id, ct, parts, nparts);
	return txn_done(&t, rc);
}

struct rsize {
	const uint8_t *key;
	uint64_t size;
	int match;
};

static int row_rsize(sqlite3_stmt *st, void *ctx)
{
	struct rsize *r = ctx;

	r->match = sqlite3_column_type(st, 1) == SQLITE_INTEGER &&
		   (!r->key ||
		    (sqlite3_column_bytes(st, 0) == 32 &&
		     memcmp(sqlite3_column_blob(st, 0), r->key, 32) == 0));
	r->size = (uint64_t)sqlite3_column_int64(st, 1);
	return 1;
}

int cache_render_size_get(struct cache *c, const struct cache_ident *id,
			  const uint8_t key[32], uint64_t *size)
{
	struct rsize r = { key, 0, 0 };
	int rc;

	if (!ident_known(id))
		return -ENOENT;
	rc = cache_read(c, ST_RSIZE_GET, CACHE_ARGS(IDENT_ARGS(id)), row_rsize,
			&r);
	if (rc < 0)
		return rc;
	if (!r.match)
		return -ENOENT;
	*size = r.size;
	return 0;
}

int cache_render_size_put(struct cache *c, const struct cache_ident *id,
			  const uint8_t key[32], uint64_t size)
{
	struct cache_txn t;
	int rc;

	if (!ident_known(id))
		return -ENOENT;
	rc = cache_txn_open(c, &t, -1);
	if (rc)
		return rc;
	rc = cache_run(&c->w, ST_RSIZE_PUT,
		       CACHE_ARGS(A_BLOB(key, 32), A_I64(size), IDENT_ARGS(id)),
		       NULL, NULL);
	if (rc >= 0)
		rc = cache_changes(&c->w) ? 0 : -ENOENT;
	return txn_done(&t, rc < 0 ? rc : 0);
}

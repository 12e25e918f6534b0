#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <sqlite3.h>

#include "profilefs/cache.h"
#include "profilefs/util.h"

/* "PrFs": lets us tell our database from any other SQLite file */
#define CACHE_APP_ID 0x50724673

enum {
	ST_FIND,
	ST_CONTENT,
	ST_PART,
	ST_PUT_CONTENT,
	ST_PUT_PART,
	ST_PUT_FILE,
	ST_N
};

static const char *const cache_sql[ST_N] = {
	[ST_FIND] = "SELECT c.size, c.md5, c.sha1, c.sha256, c.sha384, "
		    "c.sha512, c.ssdeep FROM files f JOIN content c "
		    "ON c.sha256 = f.sha256 WHERE f.dev = ? AND f.ino = ? "
		    "AND f.size = ? AND f.mtime_ns = ?",
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
			"mtime_ns, sha256) VALUES (?, ?, ?, ?, ?)",
};

/*
 * Schema history. Each step upgrades from version i to i + 1 and runs in
 * the same transaction as the user_version bump, so a crash leaves either
 * the old schema or the new one.
 */
static const char *const cache_upgrade[CACHE_SCHEMA_VERSION] = {
	/* 0 -> 1 */
	"CREATE TABLE content ("
	" sha256 TEXT PRIMARY KEY, size INTEGER NOT NULL,"
	" md5 TEXT NOT NULL, sha1 TEXT NOT NULL, sha384 TEXT NOT NULL,"
	" sha512 TEXT NOT NULL, ssdeep TEXT NOT NULL) WITHOUT ROWID;"
	"CREATE INDEX content_md5 ON content (md5);"
	"CREATE INDEX content_sha1 ON content (sha1);"
	"CREATE TABLE files ("
	" dev INTEGER NOT NULL, ino INTEGER NOT NULL, size INTEGER NOT NULL,"
	" mtime_ns INTEGER NOT NULL, sha256 TEXT NOT NULL,"
	" PRIMARY KEY (dev, ino, size, mtime_ns)) WITHOUT ROWID;"
	"CREATE TABLE parts ("
	" sha256 TEXT NOT NULL, name TEXT NOT NULL, version INTEGER NOT NULL,"
	" data BLOB NOT NULL, PRIMARY KEY (sha256, name)) WITHOUT ROWID;",
};

struct cache {
	sqlite3 *db;
	sqlite3_stmt *st[ST_N];
	pthread_mutex_t lock;
};

static int cache_fail(struct cache *c, const char *what)
{
	int code = sqlite3_extended_errcode(c->db);

	log_err("cache: %s: %s", what, sqlite3_errmsg(c->db));
	return code == SQLITE_NOMEM ? -ENOMEM : -EIO;
}

static int exec(struct cache *c, const char *sql)
{
	if (sqlite3_exec(c->db, sql, NULL, NULL, NULL) != SQLITE_OK)
		return cache_fail(c, sql);
	return 0;
}

static int pragma_int(struct cache *c, const char *sql, int *out)
{
	sqlite3_stmt *st;
	int rc;

	if (sqlite3_prepare_v2(c->db, sql, -1, &st, NULL) != SQLITE_OK)
		return cache_fail(c, sql);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW)
		*out = sqlite3_column_int(st, 0);
	sqlite3_finalize(st);
	return rc == SQLITE_ROW ? 0 : cache_fail(c, sql);
}

static int table_count(struct cache *c, int *out)
{
	return pragma_int(c, "SELECT count(*) FROM sqlite_schema", out);
}

/* Creates or upgrades the schema; refuses a database that is not ours. */
static int cache_schema(struct cache *c)
{
	int app, ver, ntables, rc, i;
	char sql[64];

	rc = exec(c, "BEGIN IMMEDIATE");
	if (rc)
		return rc;
	if ((rc = pragma_int(c, "PRAGMA application_id", &app)) ||
	    (rc = pragma_int(c, "PRAGMA user_version", &ver)) ||
	    (rc = table_count(c, &ntables)))
		goto out_rollback;
	if ((app != CACHE_APP_ID && (app != 0 || ntables != 0)) ||
	    ver > CACHE_SCHEMA_VERSION || ver < 0) {
		log_err("cache: %s is not a profilefs cache of schema <= %d "
			"(application_id %#x, schema %d)",
			sqlite3_db_filename(c->db, "main"),
			CACHE_SCHEMA_VERSION, (unsigned)app, ver);
		rc = -EPROTO;
		goto out_rollback;
	}
	for (i = ver; i < CACHE_SCHEMA_VERSION; i++) {
		rc = exec(c, cache_upgrade[i]);
		if (rc)
			goto out_rollback;
	}
	snprintf(sql, sizeof(sql), "PRAGMA application_id = %d", CACHE_APP_ID);
	if ((rc = exec(c, sql)))
		goto out_rollback;
	snprintf(sql, sizeof(sql), "PRAGMA user_version = %d",
		 CACHE_SCHEMA_VERSION);
	if ((rc = exec(c, sql)))
		goto out_rollback;
	return exec(c, "COMMIT");

out_rollback:
	sqlite3_exec(c->db, "ROLLBACK", NULL, NULL, NULL);
	return rc;
}

static int mkdir_parents(const char *path)
{
	char *dup = strdup(path), *p;
	int rc = 0;

	if (!dup)
		return -ENOMEM;
	for (p = dup + 1; *p; p++) {
		if (*p != '/')
			continue;
		*p = '\0';
		if (mkdir(dup, 0700) < 0 && errno != EEXIST) {
			rc = -errno;
			break;
		}
		*p = '/';
	}
	free(dup);
	return rc;
}

void cache_close(struct cache *c)
{
	int i;

	if (!c)
		return;
	for (i = 0; i < ST_N; i++)
		sqlite3_finalize(c->st[i]);
	sqlite3_close(c->db);
	pthread_mutex_destroy(&c->lock);
	free(c);
}

int cache_open(const char *path, struct cache **out)
{
	struct cache *c = calloc(1, sizeof(*c));
	int rc, i;

	if (!c)
		return -ENOMEM;
	pthread_mutex_init(&c->lock, NULL);
	rc = mkdir_parents(path);
	if (rc) {
		log_err("cache: cannot create the folder of %s: %s", path,
			strerror(-rc));
		goto out_free;
	}
	if (sqlite3_open_v2(path, &c->db,
			    SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE |
				    SQLITE_OPEN_NOMUTEX,
			    NULL) != SQLITE_OK) {
		rc = c->db ? cache_fail(c, "open") : -ENOMEM;
		goto out_free;
	}
	sqlite3_busy_timeout(c->db, 10000);
	if ((rc = exec(c, "PRAGMA journal_mode = WAL")) ||
	    (rc = exec(c, "PRAGMA synchronous = NORMAL")) ||
	    (rc = cache_schema(c)))
		goto out_free;
	for (i = 0; i < ST_N; i++) {
		if (sqlite3_prepare_v3(c->db, cache_sql[i], -1,
				       SQLITE_PREPARE_PERSISTENT, &c->st[i],
				       NULL) != SQLITE_OK) {
			rc = cache_fail(c, cache_sql[i]);
			goto out_free;
		}
	}
	*out = c;
	return 0;

out_free:
	cache_close(c);
	return rc;
}

/* ---- hex columns ------------------------------------------------------ */

static int unhex(const unsigned char *s, int n, uint8_t *out, size_t len)
{
	size_t i;

	if (!s || n < 0 || (size_t)n != 2 * len)
		return -EINVAL;
	for (i = 0; i < 2 * len; i++) {
		int c = s[i], v;

		if (c >= '0' && c <= '9')
			v = c - '0';
		else if (c >= 'a' && c <= 'f')
			v = c - 'a' + 10;
		else
			return -EINVAL;
		if (i % 2 == 0)
			out[i / 2] = (uint8_t)(v << 4);
		else
			out[i / 2] |= (uint8_t)v;
	}
	return 0;
}

static void bind_hex(sqlite3_stmt *st, int col, const uint8_t *p, size_t n)
{
	char hex[2 * 64 + 1];

	dg_hex(p, n, hex, 0);
	sqlite3_bind_text(st, col, hex, (int)(2 * n), SQLITE_TRANSIENT);
}

#define COL_HEX(st, i, field)                                                  \
	unhex(sqlite3_column_text(st, i), sqlite3_column_bytes(st, i), field,  \
	      sizeof(field))

/* Reads size, md5, sha1, sha256, sha384, sha512, ssdeep from a row. */
static int row_content(sqlite3_stmt *st, struct cache_content *out)
{
	struct cache_content ct;
	const unsigned char *fz;
	int fzlen;

	memset(&ct, 0, sizeof(ct));
	ct.size = (uint64_t)sqlite3_column_int64(st, 0);
	fz = sqlite3_column_text(st, 6);
	fzlen = sqlite3_column_bytes(st, 6);
	if (COL_HEX(st, 1, ct.dg.md5) || COL_HEX(st, 2, ct.dg.sha1) ||
	    COL_HEX(st, 3, ct.dg.sha256) || COL_HEX(st, 4, ct.dg.sha384) ||
	    COL_HEX(st, 5, ct.dg.sha512) || !fz || fzlen < 0 ||
	    (size_t)fzlen >= sizeof(ct.dg.ssdeep))
		return -EINVAL;
	memcpy(ct.dg.ssdeep, fz, (size_t)fzlen);
	*out = ct;
	return 0;
}

static int step_content(struct cache *c, sqlite3_stmt *st,
			struct cache_content *out)
{
	int rc = sqlite3_step(st);

	if (rc == SQLITE_ROW) {
		rc = row_content(st, out);
		if (rc)
			log_warn("cache: a content row does not decode; "
				 "treating it as missing");
		rc = rc ? -ENOENT : 0;
	} else if (rc == SQLITE_DONE) {
		rc = -ENOENT;
	} else {
		rc = cache_fail(c, "lookup");
	}
	sqlite3_reset(st);
	sqlite3_clear_bindings(st);
	return rc;
}

int cache_find(struct cache *c, const struct cache_ident *id,
	       struct cache_content *out)
{
	sqlite3_stmt *st = c->st[ST_FIND];
	int rc;

	pthread_mutex_lock(&c->lock);
	sqlite3_bind_int64(st, 1, (sqlite3_int64)id->dev);
	sqlite3_bind_int64(st, 2, (sqlite3_int64)id->ino);
	sqlite3_bind_int64(st, 3, (sqlite3_int64)id->size);
	sqlite3_bind_int64(st, 4, id->mtime_ns);
	rc = step_content(c, st, out);
	pthread_mutex_unlock(&c->lock);
	return rc;
}

int cache_find_content(struct cache *c, const uint8_t sha256[32],
		       struct cache_content *out)
{
	sqlite3_stmt *st = c->st[ST_CONTENT];
	int rc;

	pthread_mutex_lock(&c->lock);
	bind_hex(st, 1, sha256, 32);
	rc = step_content(c, st, out);
	pthread_mutex_unlock(&c->lock);
	return rc;
}

int cache_get_part(struct cache *c, const uint8_t sha256[32], const char *name,
		   int version, void **data, size_t *len)
{
	sqlite3_stmt *st = c->st[ST_PART];
	int rc;

	pthread_mutex_lock(&c->lock);
	bind_hex(st, 1, sha256, 32);
	sqlite3_bind_text(st, 2, name, -1, SQLITE_STATIC);
	sqlite3_bind_int(st, 3, version);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		int n = sqlite3_column_bytes(st, 0);
		const void *p = sqlite3_column_blob(st, 0);
		void *copy = malloc(n > 0 ? (size_t)n : 1);

		if (!copy) {
			rc = -ENOMEM;
		} else {
			if (n > 0)
				memcpy(copy, p, (size_t)n);
			*data = copy;
			*len = (size_t)n;
			rc = 0;
		}
	} else if (rc == SQLITE_DONE) {
		rc = -ENOENT;
	} else {
		rc = cache_fail(c, "part lookup");
	}
	sqlite3_reset(st);
	sqlite3_clear_bindings(st);
	pthread_mutex_unlock(&c->lock);
	return rc;
}

static int step_done(struct cache *c, sqlite3_stmt *st, const char *what)
{
	int rc = sqlite3_step(st);

	sqlite3_reset(st);
	sqlite3_clear_bindings(st);
	return rc == SQLITE_DONE ? 0 : cache_fail(c, what);
}

static int put_all(struct cache *c, const struct cache_ident *id,
		   const struct cache_content *ct,
		   const struct cache_part *parts, size_t nparts)
{
	sqlite3_stmt *st = c->st[ST_PUT_CONTENT];
	const uint8_t *sha = ct->dg.sha256;
	size_t i;
	int rc;

	bind_hex(st, 1, sha, 32);
	sqlite3_bind_int64(st, 2, (sqlite3_int64)ct->size);
	bind_hex(st, 3, ct->dg.md5, sizeof(ct->dg.md5));
	bind_hex(st, 4, ct->dg.sha1, sizeof(ct->dg.sha1));
	bind_hex(st, 5, ct->dg.sha384, sizeof(ct->dg.sha384));
	bind_hex(st, 6, ct->dg.sha512, sizeof(ct->dg.sha512));
	sqlite3_bind_text(st, 7, ct->dg.ssdeep, -1, SQLITE_STATIC);
	if ((rc = step_done(c, st, "store content")))
		return rc;
	st = c->st[ST_PUT_PART];
	for (i = 0; i < nparts; i++) {
		bind_hex(st, 1, sha, 32);
		sqlite3_bind_text(st, 2, parts[i].name, -1, SQLITE_STATIC);
		sqlite3_bind_int(st, 3, parts[i].version);
		sqlite3_bind_blob(st, 4, parts[i].len ? parts[i].data : "",
				  (int)parts[i].len, SQLITE_STATIC);
		if ((rc = step_done(c, st, "store part")))
			return rc;
	}
	st = c->st[ST_PUT_FILE];
	sqlite3_bind_int64(st, 1, (sqlite3_int64)id->dev);
	sqlite3_bind_int64(st, 2, (sqlite3_int64)id->ino);
	sqlite3_bind_int64(st, 3, (sqlite3_int64)id->size);
	sqlite3_bind_int64(st, 4, id->mtime_ns);
	bind_hex(st, 5, sha, 32);
	return step_done(c, st, "store file");
}

int cache_store(struct cache *c, const struct cache_ident *id,
		const struct cache_content *ct, const struct cache_part *parts,
		size_t nparts)
{
	int rc;

	pthread_mutex_lock(&c->lock);
	rc = exec(c, "BEGIN IMMEDIATE");
	if (!rc) {
		rc = put_all(c, id, ct, parts, nparts);
		if (!rc)
			rc = exec(c, "COMMIT");
		if (rc)
			sqlite3_exec(c->db, "ROLLBACK", NULL, NULL, NULL);
	}
	pthread_mutex_unlock(&c->lock);
	return rc;
}

char *cache_default_path(void)
{
	const char *xdg = getenv("XDG_CACHE_HOME");
	const char *home = getenv("HOME");
	char *p = NULL;
	int n;

	if (geteuid() == 0)
		return strdup("/var/cache/profilefs/cache.db");
	if (xdg && xdg[0] == '/')
		n = asprintf(&p, "%s/profilefs/cache.db", xdg);
	else if (home && home[0])
		n = asprintf(&p, "%s/.cache/profilefs/cache.db", home);
	else
		return NULL;
	return n < 0 ? NULL : p;
}

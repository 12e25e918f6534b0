#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
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
	ST_REPO_GET,
	ST_REPO_LIST,
	ST_REPO_INSERT,
	ST_REPO_UPDATE,
	ST_RFILE_GET,
	ST_RFILE_SEEN,
	ST_RFILE_INSERT,
	ST_RFILE_UPDATE,
	ST_RTEXT_DROP,
	ST_RLINES_DROP,
	ST_RLINE_ADD,
	ST_RTEXT_ADD,
	ST_RFILE_NLINES,
	ST_GEN_GET,
	ST_GEN_BUMP,
	ST_SEARCH,
	ST_CAT_LIST,
	ST_CAT_PUT,
	ST_CAT_CLEAR,
	ST_CAT_MEMBER,
	ST_CAT_DROP,
	ST_CAT_FIND,
	ST_CAT_GEN_GET,
	ST_CAT_GEN_BUMP,
	ST_N
};

#define REPO_COLS                                                              \
	"id, name, path, url, branch, license, license_file, indexed_at, "     \
	"files, lines"

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
	[ST_REPO_GET] = "SELECT " REPO_COLS " FROM rule_repos WHERE name = ?",
	[ST_REPO_LIST] = "SELECT " REPO_COLS " FROM rule_repos ORDER BY name",
	[ST_REPO_INSERT] = "INSERT INTO rule_repos (name, path, url, branch, "
			   "license, license_file, indexed_at, files, lines) "
			   "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
	[ST_REPO_UPDATE] = "UPDATE rule_repos SET name = ?, path = ?, url = ?, "
			   "branch = ?, license = ?, license_file = ?, "
			   "indexed_at = ?, files = ?, lines = ? WHERE id = ?",
	[ST_RFILE_GET] = "SELECT size, mtime_ns FROM rule_files WHERE repo = ? "
			 "AND path = ?",
	[ST_RFILE_SEEN] = "UPDATE rule_files SET pass = ? WHERE repo = ? AND "
			  "path = ?",
	[ST_RFILE_INSERT] =
		"INSERT INTO rule_files (repo, path, size, "
		"mtime_ns, pass) VALUES (?, ?, ?, ?, ?) "
		"ON CONFLICT (repo, path) DO UPDATE SET "
		"size = excluded.size, mtime_ns = excluded.mtime_ns, "
		"pass = excluded.pass RETURNING id",
	[ST_RFILE_UPDATE] = "UPDATE rule_files SET nlines = (SELECT count(*) "
			    "FROM rule_lines WHERE file = ?1) WHERE id = ?1",
	[ST_RTEXT_DROP] = "DELETE FROM rule_text WHERE rowid IN (SELECT id "
			  "FROM rule_lines WHERE file = ?)",
	[ST_RLINES_DROP] = "DELETE FROM rule_lines WHERE file = ?",
	[ST_RLINE_ADD] = "INSERT INTO rule_lines (file, line) VALUES (?, ?)",
	[ST_RTEXT_ADD] = "INSERT INTO rule_text (rowid, text) VALUES (?, ?)",
	[ST_RFILE_NLINES] = "SELECT count(*), coalesce(sum(nlines), 0) FROM "
			    "rule_files WHERE repo = ?",
	[ST_GEN_GET] = "SELECT value FROM meta WHERE key = 'rules_generation'",
	[ST_GEN_BUMP] = "UPDATE meta SET value = value + 1 WHERE key = "
			"'rules_generation'",
	[ST_SEARCH] = "SELECT r.name, f.path, l.line, t.text FROM rule_text t "
		      "JOIN rule_lines l ON l.id = t.rowid "
		      "JOIN rule_files f ON f.id = l.file "
		      "JOIN rule_repos r ON r.id = f.repo "
		      "WHERE rule_text MATCH ? ORDER BY r.name, f.path, l.line",
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
	/* 1 -> 2: the rules index; each line's text in an FTS5 table whose
	 * tokens keep '.', '_', '-' and '$' (so "comsvcs.dll" is one token
	 * and "x-comsvcs.dmp" another) */
	"CREATE TABLE meta (key TEXT PRIMARY KEY, value INTEGER NOT NULL)"
	" WITHOUT ROWID;"
	"INSERT INTO meta VALUES ('rules_generation', 0);"
	"CREATE TABLE rule_repos ("
	" id INTEGER PRIMARY KEY, name TEXT UNIQUE NOT NULL, path TEXT NOT "
	"NULL,"
	" url TEXT, branch TEXT, license TEXT, license_file TEXT,"
	" indexed_at INTEGER NOT NULL DEFAULT 0,"
	" files INTEGER NOT NULL DEFAULT 0, lines INTEGER NOT NULL DEFAULT 0);"
	"CREATE TABLE rule_files ("
	" id INTEGER PRIMARY KEY, repo INTEGER NOT NULL, path TEXT NOT NULL,"
	" size INTEGER NOT NULL, mtime_ns INTEGER NOT NULL,"
	" pass INTEGER NOT NULL, nlines INTEGER NOT NULL DEFAULT 0,"
	" UNIQUE (repo, path));"
	"CREATE TABLE rule_lines (id INTEGER PRIMARY KEY,"
	" file INTEGER NOT NULL, line INTEGER NOT NULL);"
	"CREATE INDEX rule_lines_file ON rule_lines (file);"
	"CREATE VIRTUAL TABLE rule_text USING fts5 (text, tokenize ="
	" \"unicode61 remove_diacritics 0 tokenchars '._-$'\");",
	/* 2 -> 3: the catalog index: each catalog's member digests (PE image
	 * hashes, or whole-file hashes), SHA-1 or SHA-256 */
	"INSERT INTO meta VALUES ('catalog_generation', 0);"
	"CREATE TABLE catalogs ("
	" id INTEGER PRIMARY KEY, path TEXT UNIQUE NOT NULL,"
	" size INTEGER NOT NULL, mtime_ns INTEGER NOT NULL);"
	"CREATE TABLE catalog_members ("
	" digest BLOB NOT NULL, catalog INTEGER NOT NULL,"
	" PRIMARY KEY (digest, catalog)) WITHOUT ROWID;"
	"CREATE INDEX catalog_members_catalog ON catalog_members (catalog);",
};

struct cache {
	sqlite3 *db;
	sqlite3_stmt *st[ST_N];
	pthread_mutex_t lock;
};

/* SQLite's result as -errno: what the callers tell apart */
static int sqlite_errno(int code)
{
	switch (code & 0xff) {
	case SQLITE_NOMEM:
		return -ENOMEM;
	case SQLITE_NOTADB:
	case SQLITE_CORRUPT:
		return -EBADMSG;
	case SQLITE_READONLY:
	case SQLITE_CANTOPEN:
	case SQLITE_PERM:
	case SQLITE_AUTH:
		return -EROFS;
	case SQLITE_FULL:
		return -ENOSPC;
	case SQLITE_BUSY:
	case SQLITE_LOCKED:
		return -EBUSY;
	default:
		return -EIO;
	}
}

static int cache_fail(struct cache *c, const char *what)
{
	int code = sqlite3_extended_errcode(c->db);

	log_err("cache: %s: %s", what, sqlite3_errmsg(c->db));
	return sqlite_errno(code);
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

/* A database whose pages do not add up is not served from. */
static int quick_check(struct cache *c)
{
	sqlite3_stmt *st;
	int rc;

	if (sqlite3_prepare_v2(c->db, "PRAGMA quick_check(1)", -1, &st, NULL) !=
	    SQLITE_OK)
		return cache_fail(c, "quick_check");
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW &&
	    strcmp((const char *)sqlite3_column_text(st, 0), "ok") != 0) {
		log_err("cache: %s fails its check: %s",
			sqlite3_db_filename(c->db, "main"),
			sqlite3_column_text(st, 0));
		rc = -EBADMSG;
	} else {
		rc = rc == SQLITE_ROW ? 0 : cache_fail(c, "quick_check");
	}
	sqlite3_finalize(st);
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
	    (rc = cache_schema(c)) || (rc = quick_check(c)))
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

static int step_done(struct cache *c, sqlite3_stmt *st, const char *what)
{
	int rc = sqlite3_step(st);

	sqlite3_reset(st);
	sqlite3_clear_bindings(st);
	return rc == SQLITE_DONE ? 0 : cache_fail(c, what);
}

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

/* ---- the rules index ------------------------------------------------ */

static void done(sqlite3_stmt *st)
{
	sqlite3_reset(st);
	sqlite3_clear_bindings(st);
}

static char *col_dup(sqlite3_stmt *st, int i)
{
	const unsigned char *t = sqlite3_column_text(st, i);

	return t ? strdup((const char *)t) : NULL;
}

static void bind_str(sqlite3_stmt *st, int i, const char *s)
{
	if (s)
		sqlite3_bind_text(st, i, s, -1, SQLITE_STATIC);
	else
		sqlite3_bind_null(st, i);
}

void cache_repo_clear(struct cache_repo *r)
{
	free(r->name);
	free(r->path);
	free(r->url);
	free(r->branch);
	free(r->license);
	free(r->license_file);
	memset(r, 0, sizeof(*r));
}

void cache_repos_free(struct cache_repo *r, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		cache_repo_clear(&r[i]);
	free(r);
}

static int row_repo(sqlite3_stmt *st, struct cache_repo *r)
{
	memset(r, 0, sizeof(*r));
	r->id = sqlite3_column_int64(st, 0);
	r->name = col_dup(st, 1);
	r->path = col_dup(st, 2);
	r->url = col_dup(st, 3);
	r->branch = col_dup(st, 4);
	r->license = col_dup(st, 5);
	r->license_file = col_dup(st, 6);
	r->indexed_at = sqlite3_column_int64(st, 7);
	r->files = (uint64_t)sqlite3_column_int64(st, 8);
	r->lines = (uint64_t)sqlite3_column_int64(st, 9);
	if (!r->name || !r->path) {
		cache_repo_clear(r);
		return -ENOMEM;
	}
	return 0;
}

int cache_repo_get(struct cache *c, const char *name, struct cache_repo *out)
{
	sqlite3_stmt *st = c->st[ST_REPO_GET];
	int rc;

	pthread_mutex_lock(&c->lock);
	bind_str(st, 1, name);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW)
		rc = row_repo(st, out);
	else
		rc = rc == SQLITE_DONE ? -ENOENT : cache_fail(c, "repository");
	done(st);
	pthread_mutex_unlock(&c->lock);
	return rc;
}

int cache_repo_list(struct cache *c, struct cache_repo **out, size_t *n)
{
	sqlite3_stmt *st = c->st[ST_REPO_LIST];
	struct cache_repo *arr = NULL, *p;
	size_t count = 0;
	int rc;

	pthread_mutex_lock(&c->lock);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		p = realloc(arr, (count + 1) * sizeof(*arr));
		if (!p) {
			rc = SQLITE_NOMEM;
			break;
		}
		arr = p;
		if (row_repo(st, &arr[count])) {
			rc = SQLITE_NOMEM;
			break;
		}
		count++;
	}
	rc = rc == SQLITE_DONE
		     ? 0
		     : (rc == SQLITE_NOMEM ? -ENOMEM
					   : cache_fail(c, "repositories"));
	done(st);
	pthread_mutex_unlock(&c->lock);
	if (rc) {
		cache_repos_free(arr, count);
		return rc;
	}
	*out = arr;
	*n = count;
	return 0;
}

int cache_repo_put(struct cache *c, struct cache_repo *r)
{
	sqlite3_stmt *st = c->st[r->id ? ST_REPO_UPDATE : ST_REPO_INSERT];
	int rc;

	pthread_mutex_lock(&c->lock);
	bind_str(st, 1, r->name);
	bind_str(st, 2, r->path);
	bind_str(st, 3, r->url);
	bind_str(st, 4, r->branch);
	bind_str(st, 5, r->license);
	bind_str(st, 6, r->license_file);
	sqlite3_bind_int64(st, 7, r->indexed_at);
	sqlite3_bind_int64(st, 8, (sqlite3_int64)r->files);
	sqlite3_bind_int64(st, 9, (sqlite3_int64)r->lines);
	if (r->id)
		sqlite3_bind_int64(st, 10, r->id);
	rc = sqlite3_step(st) == SQLITE_DONE ? 0 : cache_fail(c, "repository");
	if (!rc && !r->id)
		r->id = sqlite3_last_insert_rowid(c->db);
	done(st);
	pthread_mutex_unlock(&c->lock);
	return rc;
}

static int step_file(struct cache *c, int id, int64_t file)
{
	sqlite3_stmt *st = c->st[id];
	int rc;

	sqlite3_bind_int64(st, 1, file);
	rc = step_done(c, st, "rule file");
	return rc;
}

/* drops a file's lines from the index (the caller holds the lock) */
static int drop_lines(struct cache *c, int64_t file)
{
	int rc = step_file(c, ST_RTEXT_DROP, file);

	return rc ? rc : step_file(c, ST_RLINES_DROP, file);
}

/* runs one statement with one text parameter; the rows it changed */
static int exec_name(struct cache *c, const char *sql, const char *name,
		     int *changes)
{
	sqlite3_stmt *st;
	int rc;

	if (sqlite3_prepare_v2(c->db, sql, -1, &st, NULL) != SQLITE_OK)
		return cache_fail(c, sql);
	bind_str(st, 1, name);
	rc = sqlite3_step(st) == SQLITE_DONE ? 0 : cache_fail(c, sql);
	sqlite3_finalize(st);
	if (changes)
		*changes = sqlite3_changes(c->db);
	return rc;
}

int cache_repo_remove(struct cache *c, const char *name)
{
	sqlite3_stmt *st;
	int rc, gone = 0;

	pthread_mutex_lock(&c->lock);
	rc = exec(c, "BEGIN IMMEDIATE");
	if (rc)
		goto out;
	if (sqlite3_prepare_v2(
		    c->db,
		    "SELECT f.id FROM rule_files f JOIN rule_repos r "
		    "ON r.id = f.repo WHERE r.name = ?",
		    -1, &st, NULL) != SQLITE_OK) {
		rc = cache_fail(c, "remove");
		goto out_rollback;
	}
	bind_str(st, 1, name);
	while (!rc && sqlite3_step(st) == SQLITE_ROW)
		rc = drop_lines(c, sqlite3_column_int64(st, 0));
	sqlite3_finalize(st);
	if (!rc)
		rc = exec_name(
			c,
			"DELETE FROM rule_files WHERE repo IN (SELECT id "
			"FROM rule_repos WHERE name = ?)",
			name, NULL);
	if (!rc)
		rc = exec_name(c, "DELETE FROM rule_repos WHERE name = ?", name,
			       &gone);
	if (!rc && !gone)
		rc = -ENOENT;
	if (!rc) {
		st = c->st[ST_GEN_BUMP];
		rc = sqlite3_step(st) == SQLITE_DONE
			     ? 0
			     : cache_fail(c, "generation");
		done(st);
	}
	if (!rc) {
		rc = exec(c, "COMMIT");
		goto out;
	}
out_rollback:
	sqlite3_exec(c->db, "ROLLBACK", NULL, NULL, NULL);
out:
	pthread_mutex_unlock(&c->lock);
	return rc;
}

int cache_rules_begin(struct cache *c)
{
	int rc;

	pthread_mutex_lock(&c->lock);
	rc = exec(c, "BEGIN IMMEDIATE");
	pthread_mutex_unlock(&c->lock);
	return rc;
}

/* moves a generation counter on and commits (or rolls back) */
static int commit_bump(struct cache *c, sqlite3_stmt *st, const char *what)
{
	int rc;

	pthread_mutex_lock(&c->lock);
	rc = step_done(c, st, what);
	if (!rc)
		rc = exec(c, "COMMIT");
	if (rc)
		sqlite3_exec(c->db, "ROLLBACK", NULL, NULL, NULL);
	pthread_mutex_unlock(&c->lock);
	return rc;
}

int cache_rules_commit(struct cache *c)
{
	return commit_bump(c, c->st[ST_GEN_BUMP], "generation");
}

void cache_rules_rollback(struct cache *c)
{
	pthread_mutex_lock(&c->lock);
	sqlite3_exec(c->db, "ROLLBACK", NULL, NULL, NULL);
	pthread_mutex_unlock(&c->lock);
}

int cache_rule_file_get(struct cache *c, int64_t repo, const char *path,
			uint64_t *size, int64_t *mtime_ns)
{
	sqlite3_stmt *st = c->st[ST_RFILE_GET];
	int rc;

	pthread_mutex_lock(&c->lock);
	sqlite3_bind_int64(st, 1, repo);
	bind_str(st, 2, path);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		*size = (uint64_t)sqlite3_column_int64(st, 0);
		*mtime_ns = sqlite3_column_int64(st, 1);
		rc = 0;
	} else {
		rc = rc == SQLITE_DONE ? -ENOENT : cache_fail(c, "rule file");
	}
	done(st);
	pthread_mutex_unlock(&c->lock);
	return rc;
}

int cache_rule_file_seen(struct cache *c, int64_t repo, const char *path,
			 int64_t pass)
{
	sqlite3_stmt *st = c->st[ST_RFILE_SEEN];
	int rc;

	pthread_mutex_lock(&c->lock);
	sqlite3_bind_int64(st, 1, pass);
	sqlite3_bind_int64(st, 2, repo);
	bind_str(st, 3, path);
	rc = step_done(c, st, "rule file");
	pthread_mutex_unlock(&c->lock);
	return rc;
}

/* steps an INSERT ... RETURNING id: its id, or the failure; the lock is
 * held */
static int step_id(struct cache *c, sqlite3_stmt *st, const char *what,
		   int64_t *id)
{
	int rc = sqlite3_step(st);

	if (rc == SQLITE_ROW) {
		*id = sqlite3_column_int64(st, 0);
		rc = 0;
	} else {
		rc = cache_fail(c, what);
	}
	done(st);
	return rc;
}

int cache_rule_file_put(struct cache *c, int64_t repo, const char *path,
			uint64_t size, int64_t mtime_ns, int64_t pass,
			int64_t *id)
{
	sqlite3_stmt *st = c->st[ST_RFILE_INSERT];
	int rc;

	pthread_mutex_lock(&c->lock);
	sqlite3_bind_int64(st, 1, repo);
	bind_str(st, 2, path);
	sqlite3_bind_int64(st, 3, (sqlite3_int64)size);
	sqlite3_bind_int64(st, 4, mtime_ns);
	sqlite3_bind_int64(st, 5, pass);
	rc = step_id(c, st, "rule file", id);
	if (!rc)
		rc = drop_lines(c, *id);
	pthread_mutex_unlock(&c->lock);
	return rc;
}

int cache_rule_line_add(struct cache *c, int64_t file, uint32_t line,
			const char *text, size_t len)
{
	sqlite3_stmt *st = c->st[ST_RLINE_ADD];
	int rc;

	pthread_mutex_lock(&c->lock);
	sqlite3_bind_int64(st, 1, file);
	sqlite3_bind_int64(st, 2, line);
	rc = step_done(c, st, "rule line");
	if (!rc) {
		st = c->st[ST_RTEXT_ADD];
		sqlite3_bind_int64(st, 1, sqlite3_last_insert_rowid(c->db));
		sqlite3_bind_text(st, 2, text, (int)len, SQLITE_STATIC);
		rc = sqlite3_step(st) == SQLITE_DONE
			     ? 0
			     : cache_fail(c, "rule line");
		done(st);
	}
	pthread_mutex_unlock(&c->lock);
	return rc;
}

int cache_rule_files_prune(struct cache *c, int64_t repo, int64_t pass,
			   uint64_t *files, uint64_t *lines)
{
	sqlite3_stmt *st;
	int rc = 0;

	pthread_mutex_lock(&c->lock);
	if (sqlite3_prepare_v2(c->db,
			       "SELECT id FROM rule_files WHERE repo = ? AND "
			       "pass != ?",
			       -1, &st, NULL) != SQLITE_OK) {
		rc = cache_fail(c, "prune");
		goto out;
	}
	sqlite3_bind_int64(st, 1, repo);
	sqlite3_bind_int64(st, 2, pass);
	while (!rc && sqlite3_step(st) == SQLITE_ROW)
		rc = drop_lines(c, sqlite3_column_int64(st, 0));
	sqlite3_finalize(st);
	if (!rc && sqlite3_prepare_v2(c->db,
				      "DELETE FROM rule_files WHERE repo = ? "
				      "AND pass != ?",
				      -1, &st, NULL) == SQLITE_OK) {
		sqlite3_bind_int64(st, 1, repo);
		sqlite3_bind_int64(st, 2, pass);
		rc = sqlite3_step(st) == SQLITE_DONE ? 0
						     : cache_fail(c, "prune");
		sqlite3_finalize(st);
	}
	if (!rc && sqlite3_prepare_v2(c->db,
				      "UPDATE rule_files SET nlines = (SELECT "
				      "count(*) FROM rule_lines WHERE file = "
				      "rule_files.id) WHERE repo = ?",
				      -1, &st, NULL) == SQLITE_OK) {
		sqlite3_bind_int64(st, 1, repo);
		rc = sqlite3_step(st) == SQLITE_DONE ? 0
						     : cache_fail(c, "prune");
		sqlite3_finalize(st);
	}
	st = c->st[ST_RFILE_NLINES];
	sqlite3_bind_int64(st, 1, repo);
	if (!rc && sqlite3_step(st) == SQLITE_ROW) {
		*files = (uint64_t)sqlite3_column_int64(st, 0);
		*lines = (uint64_t)sqlite3_column_int64(st, 1);
	}
	done(st);
out:
	pthread_mutex_unlock(&c->lock);
	return rc;
}

static int meta_get(struct cache *c, sqlite3_stmt *st, int64_t *gen)
{
	int rc;

	pthread_mutex_lock(&c->lock);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		*gen = sqlite3_column_int64(st, 0);
		rc = 0;
	} else {
		rc = cache_fail(c, "generation");
	}
	done(st);
	pthread_mutex_unlock(&c->lock);
	return rc;
}

int cache_rules_generation(struct cache *c, int64_t *gen)
{
	return meta_get(c, c->st[ST_GEN_GET], gen);
}

int cache_rules_search(struct cache *c, const char *match, cache_rule_cb cb,
		       void *ctx)
{
	sqlite3_stmt *st = c->st[ST_SEARCH];
	int rc;

	pthread_mutex_lock(&c->lock);
	bind_str(st, 1, match);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		const char *text = (const char *)sqlite3_column_text(st, 3);
		int n = sqlite3_column_bytes(st, 3);

		if (cb(ctx, (const char *)sqlite3_column_text(st, 0),
		       (const char *)sqlite3_column_text(st, 1),
		       (uint32_t)sqlite3_column_int64(st, 2), text ? text : "",
		       n > 0 ? (size_t)n : 0))
			break;
	}
	rc = (rc == SQLITE_ROW || rc == SQLITE_DONE) ? 0
						     : cache_fail(c, "search");
	done(st);
	pthread_mutex_unlock(&c->lock);
	return rc;
}

int cache_open_or_rebuild(const char *path, struct cache **out)
{
	static const char *const side[] = { "", "-wal", "-shm" };
	char stamp[32], from[4096], to[4096];
	struct tm tm;
	time_t now;
	size_t i;
	int rc;

	rc = cache_open(path, out);
	if (rc != -EBADMSG && rc != -EPROTO)
		return rc;
	now = time(NULL);
	gmtime_r(&now, &tm);
	strftime(stamp, sizeof(stamp), "%Y%m%dT%H%M%SZ", &tm);
	for (i = 0; i < 3; i++) {
		snprintf(from, sizeof(from), "%s%s", path, side[i]);
		snprintf(to, sizeof(to), "%s.unusable-%s%s", path, stamp,
			 side[i]);
		if (rename(from, to) < 0 && errno != ENOENT) {
			log_err("cache: cannot move %s aside: %s", from,
				strerror(errno));
			return rc;
		}
	}
	log_warn("cache: %s was %s; moved aside to %s.unusable-%s, starting "
		 "a new cache",
		 path,
		 rc == -EPROTO ? "not a profilefs cache of this version"
			       : "damaged",
		 path, stamp);
	return cache_open(path, out);
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

/* ---- the catalog index ------------------------------------------------ */

void cache_catalogs_free(struct cache_catalog *v, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		free(v[i].path);
	free(v);
}

int cache_catalog_list(struct cache *c, struct cache_catalog **out, size_t *n)
{
	sqlite3_stmt *st = c->st[ST_CAT_LIST];
	struct cache_catalog *v = NULL, *grown;
	size_t k = 0;
	int rc;

	pthread_mutex_lock(&c->lock);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		const char *path = (const char *)sqlite3_column_text(st, 0);

		grown = realloc(v, (k + 1) * sizeof(*v));
		if (!grown || !path || !(grown[k].path = strdup(path))) {
			v = grown ? grown : v;
			rc = -ENOMEM;
			break;
		}
		v = grown;
		v[k].size = (uint64_t)sqlite3_column_int64(st, 1);
		v[k].mtime_ns = sqlite3_column_int64(st, 2);
		k++;
	}
	if (rc == SQLITE_DONE)
		rc = 0;
	else if (rc != -ENOMEM)
		rc = cache_fail(c, "catalog list");
	done(st);
	pthread_mutex_unlock(&c->lock);
	if (rc) {
		cache_catalogs_free(v, k);
		return rc;
	}
	*out = v;
	*n = k;
	return 0;
}

int cache_catalogs_begin(struct cache *c)
{
	return cache_rules_begin(c);
}

int cache_catalogs_commit(struct cache *c)
{
	return commit_bump(c, c->st[ST_CAT_GEN_BUMP], "catalog generation");
}

void cache_catalogs_rollback(struct cache *c)
{
	cache_rules_rollback(c);
}

/* drops the members of catalog id; the lock is held */
static int clear_members(struct cache *c, int64_t id)
{
	sqlite3_stmt *st = c->st[ST_CAT_CLEAR];

	sqlite3_bind_int64(st, 1, id);
	return step_done(c, st, "catalog members");
}

int cache_catalog_put(struct cache *c, const char *path, uint64_t size,
		      int64_t mtime_ns, int64_t *id)
{
	sqlite3_stmt *st = c->st[ST_CAT_PUT];
	int rc;

	pthread_mutex_lock(&c->lock);
	bind_str(st, 1, path);
	sqlite3_bind_int64(st, 2, (sqlite3_int64)size);
	sqlite3_bind_int64(st, 3, mtime_ns);
	rc = step_id(c, st, "catalog", id);
	if (!rc)
		rc = clear_members(c, *id);
	pthread_mutex_unlock(&c->lock);
	return rc;
}

int cache_catalog_member_add(struct cache *c, int64_t id, const uint8_t *digest,
			     size_t len)
{
	sqlite3_stmt *st = c->st[ST_CAT_MEMBER];
	int rc;

	pthread_mutex_lock(&c->lock);
	sqlite3_bind_blob(st, 1, digest, (int)len, SQLITE_TRANSIENT);
	sqlite3_bind_int64(st, 2, id);
	rc = step_done(c, st, "catalog member");
	pthread_mutex_unlock(&c->lock);
	return rc;
}

int cache_catalog_drop(struct cache *c, const char *path)
{
	sqlite3_stmt *st = c->st[ST_CAT_DROP];
	int64_t id = -1;
	int rc;

	pthread_mutex_lock(&c->lock);
	bind_str(st, 1, path);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW)
		id = sqlite3_column_int64(st, 0);
	rc = rc == SQLITE_DONE ? 0 : cache_fail(c, "catalog drop");
	done(st);
	if (!rc && id >= 0)
		rc = clear_members(c, id);
	pthread_mutex_unlock(&c->lock);
	return rc;
}

int cache_catalog_find(struct cache *c, const uint8_t *digest, size_t len,
		       cache_catalog_cb cb, void *ctx)
{
	sqlite3_stmt *st = c->st[ST_CAT_FIND];
	int rc;

	pthread_mutex_lock(&c->lock);
	sqlite3_bind_blob(st, 1, digest, (int)len, SQLITE_TRANSIENT);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		const char *path = (const char *)sqlite3_column_text(st, 0);

		if (path && cb(ctx, path))
			break;
	}
	rc = (rc == SQLITE_ROW || rc == SQLITE_DONE)
		     ? 0
		     : cache_fail(c, "catalog lookup");
	done(st);
	pthread_mutex_unlock(&c->lock);
	return rc;
}

int cache_catalogs_generation(struct cache *c, int64_t *gen)
{
	return meta_get(c, c->st[ST_CAT_GEN_GET], gen);
}

/*
 * The schema: its history of upgrades, applied when the cache is opened,
 * and the check that the database is ours and whole.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "cache_i.h"
#include "profilefs/util.h"

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
	/* 3 -> 4: an identity's rendered profile size, valid for the render
	 * key it was made with (NULL: not known) */
	"ALTER TABLE files ADD COLUMN render_key BLOB;"
	"ALTER TABLE files ADD COLUMN render_size INTEGER;",
	/* 4 -> 5: ctime joins the identity (mtime can be put back after a
	 * rewrite; ctime cannot). A primary key cannot change in place, so
	 * the table is copied; the old rows get a ctime no lookup matches
	 * (CACHE_CTIME_UNKNOWN) and are profiled once more when next seen,
	 * while content and parts stay. And a catalog's ctime (a swap that
	 * puts size and mtime back still moves it) and the SHA-256 of the
	 * bytes it was indexed from (its verdict is made from those bytes
	 * only); older rows have neither and are indexed again. */
	"CREATE TABLE files5 ("
	" dev INTEGER NOT NULL, ino INTEGER NOT NULL, size INTEGER NOT NULL,"
	" mtime_ns INTEGER NOT NULL, ctime_ns INTEGER NOT NULL,"
	" sha256 TEXT NOT NULL, render_key BLOB, render_size INTEGER,"
	" PRIMARY KEY (dev, ino, size, mtime_ns, ctime_ns)) WITHOUT ROWID;"
	"INSERT INTO files5 SELECT dev, ino, size, mtime_ns,"
	" -9223372036854775808, sha256, render_key, render_size FROM files;"
	"DROP TABLE files;"
	"ALTER TABLE files5 RENAME TO files;"
	"ALTER TABLE catalogs ADD COLUMN ctime_ns INTEGER;"
	"ALTER TABLE catalogs ADD COLUMN sha256 BLOB;",
	/* 5 -> 6: a rule repository's include and exclude globs (one a
	 * line, NULL for none), and whether the default excludes (test data,
	 * deprecated rules) apply (the repositories indexed before get them
	 * at their next pass), and which facts the user gave (--url,
	 * --license), which a pass does not read again. */
	"ALTER TABLE rule_repos ADD COLUMN includes TEXT;"
	"ALTER TABLE rule_repos ADD COLUMN excludes TEXT;"
	"ALTER TABLE rule_repos ADD COLUMN default_excludes INTEGER NOT NULL"
	" DEFAULT 1;"
	"ALTER TABLE rule_repos ADD COLUMN pinned INTEGER NOT NULL DEFAULT 0;"
	/* and a number drawn for the database, so that the rules generation
	 * of one rules index does not repeat another's (rendered sizes are
	 * stored under keys that hold it) */
	"INSERT OR IGNORE INTO meta VALUES ('rules_instance',"
	" abs(random() % 2147483648));",
};

static int pragma_int(struct cache_conn *k, const char *sql, int *out)
{
	sqlite3_stmt *st;
	int rc;

	if (sqlite3_prepare_v2(k->db, sql, -1, &st, NULL) != SQLITE_OK)
		return cache_fail(k, sql);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW)
		*out = sqlite3_column_int(st, 0);
	sqlite3_finalize(st);
	return rc == SQLITE_ROW ? 0 : cache_fail(k, sql);
}

/* Creates or upgrades the schema; refuses a database that is not ours. */
int cache_schema(struct cache_conn *k)
{
	int app = 0, ver = 0, ntables = 0, rc, i;
	char sql[64];

	rc = cache_exec(k, "BEGIN IMMEDIATE");
	if (rc)
		return rc;
	if ((rc = pragma_int(k, "PRAGMA application_id", &app)) ||
	    (rc = pragma_int(k, "PRAGMA user_version", &ver)) ||
	    (rc = pragma_int(k, "SELECT count(*) FROM sqlite_schema",
			     &ntables)))
		goto out_rollback;
	if ((app != CACHE_APP_ID && (app != 0 || ntables != 0)) ||
	    ver > CACHE_SCHEMA_VERSION || ver < 0) {
		log_err("cache: %s is not a profilefs cache of schema <= %d "
			"(application_id %#x, schema %d)",
			sqlite3_db_filename(k->db, "main"),
			CACHE_SCHEMA_VERSION, (unsigned)app, ver);
		rc = -EPROTO;
		goto out_rollback;
	}
	for (i = ver; i < CACHE_SCHEMA_VERSION; i++) {
		rc = cache_exec(k, cache_upgrade[i]);
		if (rc)
			goto out_rollback;
	}
	snprintf(sql, sizeof(sql), "PRAGMA application_id = %d", CACHE_APP_ID);
	if ((rc = cache_exec(k, sql)))
		goto out_rollback;
	snprintf(sql, sizeof(sql), "PRAGMA user_version = %d",
		 CACHE_SCHEMA_VERSION);
	if ((rc = cache_exec(k, sql)))
		goto out_rollback;
	return cache_exec(k, "COMMIT");

out_rollback:
	sqlite3_exec(k->db, "ROLLBACK", NULL, NULL, NULL);
	return rc;
}

/* A database whose pages do not add up is not served from. */
int cache_quick_check(struct cache_conn *k)
{
	sqlite3_stmt *st;
	int rc;

	if (sqlite3_prepare_v2(k->db, "PRAGMA quick_check(1)", -1, &st, NULL) !=
	    SQLITE_OK)
		return cache_fail(k, "quick_check");
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW &&
	    strcmp((const char *)sqlite3_column_text(st, 0), "ok") != 0) {
		log_err("cache: %s fails its check: %s",
			sqlite3_db_filename(k->db, "main"),
			sqlite3_column_text(st, 0));
		rc = -EBADMSG;
	} else {
		rc = rc == SQLITE_ROW ? 0 : cache_fail(k, "quick_check");
	}
	sqlite3_finalize(st);
	return rc;
}

/*
 * The database: opening, the schema and its upgrades, the two connections,
 * busy handling, write transactions, and the one statement runner.
 */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

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

int cache_fail(struct cache_conn *k, const char *what)
{
	int code = sqlite3_extended_errcode(k->db);

	log_err("cache: %s: %s", what, sqlite3_errmsg(k->db));
	return sqlite_errno(code);
}

int64_t cache_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void sleep_us(long us)
{
	struct timespec ts = { us / 1000000, (us % 1000000) * 1000 };

	while (nanosleep(&ts, &ts) < 0 && errno == EINTR)
		;
}

/* Waits out another connection's lock within the connection's budget.
 * Short sleeps first: another process's indexer lets go of the write lock
 * only for a moment between its batches. */
static int on_busy(void *arg, int n)
{
	struct cache_conn *k = arg;
	int64_t now = cache_now_ms();

	if (n == 0)
		k->busy_since = now;
	if (now - k->busy_since >= k->busy_ms)
		return 0;
	sleep_us(n < 100 ? 1000 : n < 1000 ? 2000 : 10000);
	return 1;
}

/* ---- turns on a connection ------------------------------------------ */

static void conn_lock(struct cache_conn *k)
{
	uint64_t mine;

	pthread_mutex_lock(&k->mu);
	mine = k->next++;
	while (mine != k->serving)
		pthread_cond_wait(&k->turn_cv, &k->mu);
	pthread_mutex_unlock(&k->mu);
}

static void conn_unlock(struct cache_conn *k)
{
	pthread_mutex_lock(&k->mu);
	k->serving++;
	pthread_cond_broadcast(&k->turn_cv);
	pthread_mutex_unlock(&k->mu);
}

/* ---- the statement runner ------------------------------------------- */

static int bind_all(sqlite3_stmt *st, const struct cache_arg *a, size_t n)
{
	char hex[2 * 64 + 1];
	size_t i;
	int rc = SQLITE_OK;

	for (i = 0; i < n && rc == SQLITE_OK; i++) {
		int col = (int)i + 1;

		switch (a[i].kind) {
		case ARG_I64:
			rc = sqlite3_bind_int64(st, col, a[i].i);
			break;
		case ARG_TEXT:
			rc = sqlite3_bind_text(st, col, a[i].p, (int)a[i].n,
					       SQLITE_STATIC);
			break;
		case ARG_BLOB:
			rc = sqlite3_bind_blob(st, col, a[i].n ? a[i].p : "",
					       (int)a[i].n, SQLITE_STATIC);
			break;
		case ARG_HEX:
			if (a[i].n > 64)
				return SQLITE_RANGE;
			dg_hex(a[i].p, a[i].n, hex, 0);
			rc = sqlite3_bind_text(st, col, hex, (int)(2 * a[i].n),
					       SQLITE_TRANSIENT);
			break;
		case ARG_NULL:
			rc = sqlite3_bind_null(st, col);
			break;
		}
	}
	return rc;
}

int cache_run(struct cache_conn *k, int id, const struct cache_arg *args,
	      size_t nargs, cache_row_fn row, void *ctx)
{
	sqlite3_stmt *st = k->st[id];
	int rc, rows = 0, stop = 0;

	if (bind_all(st, args, nargs) != SQLITE_OK) {
		rc = cache_fail(k, sqlite3_sql(st));
		goto out;
	}
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		rows++;
		stop = row ? row(st, ctx) : 0;
		if (stop)
			break;
	}
	if (stop < 0)
		rc = stop;
	else if (rc == SQLITE_ROW || rc == SQLITE_DONE)
		rc = rows;
	else
		rc = cache_fail(k, sqlite3_sql(st));
out:
	sqlite3_reset(st);
	sqlite3_clear_bindings(st);
	return rc;
}

/* takes k's turn when nobody holds or waits for it; 1 when taken */
static int conn_trylock(struct cache_conn *k)
{
	int idle;

	pthread_mutex_lock(&k->mu);
	idle = k->next == k->serving;
	if (idle)
		k->next++;
	pthread_mutex_unlock(&k->mu);
	return idle;
}

int cache_read(struct cache *c, int id, const struct cache_arg *args,
	       size_t nargs, cache_row_fn row, void *ctx)
{
	struct cache_conn *k = NULL;
	int rc, i;

	for (i = 0; i < CACHE_READERS && !k; i++)
		if (conn_trylock(&c->r[i]))
			k = &c->r[i];
	if (!k) {
		k = &c->r[__atomic_fetch_add(&c->next_r, 1, __ATOMIC_RELAXED) %
			  CACHE_READERS];
		conn_lock(k);
	}
	rc = cache_run(k, id, args, nargs, row, ctx);
	conn_unlock(k);
	return rc;
}

char *cache_col_dup(sqlite3_stmt *st, int i)
{
	const unsigned char *t = sqlite3_column_text(st, i);

	return t ? strdup((const char *)t) : NULL;
}

int cache_row_i64(sqlite3_stmt *st, void *ctx)
{
	*(int64_t *)ctx = sqlite3_column_int64(st, 0);
	return 1;
}

int cache_changes(struct cache_conn *k)
{
	return sqlite3_changes(k->db);
}

static int exec(struct cache_conn *k, const char *sql)
{
	if (sqlite3_exec(k->db, sql, NULL, NULL, NULL) != SQLITE_OK)
		return cache_fail(k, sql);
	return 0;
}

/* ---- write transactions --------------------------------------------- */

static int txn_begin(struct cache_txn *t)
{
	struct cache_conn *k = &t->c->w;
	int rc;

	conn_lock(k);
	rc = exec(k, "BEGIN IMMEDIATE");
	if (rc) {
		conn_unlock(k);
		return rc;
	}
	t->open = 1;
	t->ops = 0;
	t->began_ms = cache_now_ms();
	return 0;
}

/* commits (moving the generation on if anything it covers changed) or
 * rolls back, and lets go of the write connection */
/*
 * Ends the open transaction. The generation moves on at the last commit
 * only (last), once for a whole indexing run: a batch's commit makes its
 * rows visible, but what the profiles are keyed by (render keys, the rows
 * memo) changes when the run is done, not every 50 ms of it.
 */
static int txn_end(struct cache_txn *t, int commit, int last)
{
	struct cache_conn *k = &t->c->w;
	int rc = 0;

	if (!t->open)
		return commit ? -EIO : 0;
	if (commit && last && (t->dirty || t->moved) && t->bump >= 0)
		rc = cache_run(k, t->bump, CACHE_NOARGS, NULL, NULL);
	if (commit && rc >= 0)
		rc = exec(k, "COMMIT");
	if (!commit || rc < 0)
		sqlite3_exec(k->db, "ROLLBACK", NULL, NULL, NULL);
	if (commit && rc >= 0) {
		t->moved = !last && (t->moved || t->dirty);
		t->dirty = 0;
	}
	t->open = 0;
	conn_unlock(k);
	return rc < 0 ? rc : 0;
}

int cache_txn_open(struct cache *c, struct cache_txn *t, int bump)
{
	memset(t, 0, sizeof(*t));
	t->c = c;
	t->bump = bump;
	return txn_begin(t);
}

int cache_txn_close(struct cache_txn *t, int commit)
{
	return txn_end(t, commit, 1);
}

int cache_txn_begin(struct cache *c, enum cache_index what,
		    struct cache_txn **out)
{
	struct cache_txn *t = malloc(sizeof(*t));
	int rc;

	if (!t)
		return -ENOMEM;
	rc = cache_txn_open(c, t,
			    what == CACHE_INDEX_RULES ? ST_GEN_BUMP
						      : ST_CAT_GEN_BUMP);
	if (rc) {
		free(t);
		return rc;
	}
	*out = t;
	return 0;
}

int cache_txn_batch(struct cache_txn *t)
{
	int rc;

	if (!t->open)
		return -EIO;
	if (++t->ops < CACHE_BATCH_OPS &&
	    cache_now_ms() - t->began_ms < CACHE_BATCH_MS)
		return 0;
	rc = txn_end(t, 1, 0);
	if (rc)
		return rc;
	/* the lock is free now: a writer of this process takes its turn in
	 * txn_begin(); one of another process needs a moment to see it */
	sleep_us(CACHE_BATCH_GAP_US);
	return txn_begin(t);
}

int cache_txn_commit(struct cache_txn *t)
{
	int rc = txn_end(t, 1, 1);

	free(t);
	return rc;
}

void cache_txn_rollback(struct cache_txn *t)
{
	if (!t)
		return;
	txn_end(t, 0, 1);
	/* batches committed before it changed what profiles show */
	if (t->moved && t->bump >= 0 && txn_begin(t) == 0 && txn_end(t, 1, 1))
		log_warn("cache: an index changed, but its generation did not "
			 "move on");
	free(t);
}

/* ---- opening ---------------------------------------------------------- */

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
static int cache_schema(struct cache_conn *k)
{
	int app = 0, ver = 0, ntables = 0, rc, i;
	char sql[64];

	rc = exec(k, "BEGIN IMMEDIATE");
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
		rc = exec(k, cache_upgrade[i]);
		if (rc)
			goto out_rollback;
	}
	snprintf(sql, sizeof(sql), "PRAGMA application_id = %d", CACHE_APP_ID);
	if ((rc = exec(k, sql)))
		goto out_rollback;
	snprintf(sql, sizeof(sql), "PRAGMA user_version = %d",
		 CACHE_SCHEMA_VERSION);
	if ((rc = exec(k, sql)))
		goto out_rollback;
	return exec(k, "COMMIT");

out_rollback:
	sqlite3_exec(k->db, "ROLLBACK", NULL, NULL, NULL);
	return rc;
}

/* A database whose pages do not add up is not served from. */
static int quick_check(struct cache_conn *k)
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

/* ---- the file before SQLite sees it ----------------------------------- */

/*
 * A file at the cache path that is not ours must come out of a refusal
 * byte for byte the same, with no -wal or -shm made beside it; SQLite
 * opened read-write would already switch it to WAL mode and make both.
 * So its header is read here first, with pread. Layout (big-endian):
 *
 *   0  "SQLite format 3\0"     40  schema cookie (0: never had a table)
 *  16  page size (1: 65536)    60  user_version (our schema)
 *  28  pages in the file       68  application_id
 *
 * A committed transaction may still be in the -wal only (a cache made
 * moments before a crash: page 1 in the main file says application_id 0,
 * no tables), so the last committed copy of page 1 in the -wal, if any,
 * is the header that counts.
 */
#define HDR_LEN	       100
#define WAL_HDR	       32
#define WAL_FRAME_HDR  24
#define WAL_MAX_FRAMES 65536 /* a bound on the scan; beyond: not judged */

static uint32_t be32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 |
	       (uint32_t)p[2] << 8 | p[3];
}

/*
 * The last committed page 1 in PATH-wal into hdr: 1 when found, 0 when
 * there is none (no -wal, empty, a stale one, or only uncommitted frames).
 * Frames count while their salts match the -wal header's; checksums are
 * not verified: SQLite's own check after opening is the second line.
 */
static int wal_page1(const char *path, uint8_t hdr[HDR_LEN])
{
	char wal[4096];
	uint8_t wh[WAL_HDR], fh[WAL_FRAME_HDR], page1[HDR_LEN];
	uint32_t psize, magic;
	off_t off;
	int fd, n, have = 0, found = 0;

	if (snprintf(wal, sizeof(wal), "%s-wal", path) >= (int)sizeof(wal))
		return 0;
	fd = open(wal, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
	if (fd < 0)
		return 0;
	if (pread(fd, wh, WAL_HDR, 0) != WAL_HDR)
		goto out;
	magic = be32(wh);
	psize = be32(wh + 8);
	if ((magic != 0x377f0682 && magic != 0x377f0683) || psize < 512 ||
	    psize > 65536 || (psize & (psize - 1)))
		goto out;
	off = WAL_HDR;
	for (n = 0; n < WAL_MAX_FRAMES; n++) {
		if (pread(fd, fh, WAL_FRAME_HDR, off) != WAL_FRAME_HDR ||
		    memcmp(fh + 8, wh + 16, 8) != 0)
			break;
		if (be32(fh) == 1) {
			if (pread(fd, page1, HDR_LEN, off + WAL_FRAME_HDR) !=
			    HDR_LEN)
				break;
			have = 1;
		}
		/* a commit frame: what came before it counts */
		if (be32(fh + 4) != 0 && have) {
			memcpy(hdr, page1, HDR_LEN);
			found = 1;
		}
		off += WAL_FRAME_HDR + (off_t)psize;
	}
out:
	close(fd);
	return found;
}

int cache_probe(const char *path, char *why, size_t len)
{
	static const uint8_t magic[16] = "SQLite format 3";
	uint8_t hdr[HDR_LEN];
	struct stat st;
	uint32_t app;
	int32_t ver;
	ssize_t n;
	int fd, rc = -EPROTO;

	fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK);
	if (fd < 0)
		return 0; /* absent: made new; unreadable: opening says so */
	if (fstat(fd, &st) < 0) {
		rc = 0;
		goto out;
	}
	if (!S_ISREG(st.st_mode)) {
		snprintf(why, len, "not a regular file");
		goto out;
	}
	/* SQLite takes an empty file for a new database, and so do we */
	if (st.st_size == 0) {
		rc = 0;
		goto out;
	}
	n = pread(fd, hdr, HDR_LEN, 0);
	if (n < 0) {
		rc = 0;
		goto out;
	}
	if (n < (ssize_t)sizeof(magic) || memcmp(hdr, magic, sizeof(magic))) {
		snprintf(why, len, "not an SQLite database");
		goto out;
	}
	/* cut short: ours (by its application_id) is damaged, which
	 * opening finds and has moved aside; anybody else's is left */
	if (n < HDR_LEN) {
		if (n >= 72 && be32(hdr + 68) == CACHE_APP_ID)
			rc = 0;
		else
			snprintf(why, len, "an SQLite database cut short");
		goto out;
	}
	wal_page1(path, hdr);
	app = be32(hdr + 68);
	ver = (int32_t)be32(hdr + 60);
	if (app == 0 && be32(hdr + 40) == 0) {
		rc = 0; /* no table ever: an empty database */
	} else if (app != CACHE_APP_ID) {
		snprintf(why, len,
			 "another program's SQLite database (application_id "
			 "%#x)",
			 (unsigned)app);
	} else if (ver < 0 || ver > CACHE_SCHEMA_VERSION) {
		snprintf(why, len,
			 "a profilefs cache of schema %d, newer than this "
			 "profilefs knows (%d)",
			 (int)ver, CACHE_SCHEMA_VERSION);
	} else {
		rc = 0;
	}
out:
	close(fd);
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

/* Only we read the cache: a profile's facts are the facts of a file the
 * other users may not be able to read. */
static void private_file(const char *path, int create)
{
	struct stat st;
	int fd = open(path,
		      O_RDWR | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK |
			      (create ? O_CREAT : 0),
		      0600);

	if (fd < 0)
		return; /* absent, or not ours to change: opening says so */
	if (fstat(fd, &st) == 0 && S_ISREG(st.st_mode) &&
	    st.st_uid == geteuid() && (st.st_mode & 077))
		fchmod(fd, st.st_mode & 0700);
	close(fd);
}

/*
 * The database made here 0600 whatever the umask (SQLite gives the -wal
 * and -shm it makes the database's mode), and one of ours made before
 * with wider modes narrowed, with its -wal and -shm.
 */
static void private_files(const char *path)
{
	static const char *const side[] = { "-wal", "-shm" };
	char p[4096];
	size_t i;

	private_file(path, 1);
	for (i = 0; i < 2; i++)
		if (snprintf(p, sizeof(p), "%s%s", path, side[i]) <
		    (int)sizeof(p))
			private_file(p, 0);
}

static const char *sql_of(int i)
{
	if (cache_profile_sql[i])
		return cache_profile_sql[i];
	if (cache_rules_sql[i])
		return cache_rules_sql[i];
	return cache_catalog_sql[i];
}

static int conn_open(struct cache_conn *k, const char *path, int busy_ms)
{
	k->busy_ms = busy_ms;
	if (sqlite3_open_v2(path, &k->db,
			    SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE |
				    SQLITE_OPEN_NOMUTEX,
			    NULL) != SQLITE_OK)
		return k->db ? cache_fail(k, "open") : -ENOMEM;
	sqlite3_busy_handler(k->db, on_busy, k);
	return 0;
}

static int conn_prepare(struct cache_conn *k)
{
	int i;

	for (i = 0; i < ST_N; i++) {
		if (sqlite3_prepare_v3(k->db, sql_of(i), -1,
				       SQLITE_PREPARE_PERSISTENT, &k->st[i],
				       NULL) != SQLITE_OK)
			return cache_fail(k, sql_of(i));
	}
	return 0;
}

static void conn_close(struct cache_conn *k)
{
	int i;

	for (i = 0; i < ST_N; i++)
		sqlite3_finalize(k->st[i]);
	sqlite3_close(k->db);
	pthread_mutex_destroy(&k->mu);
	pthread_cond_destroy(&k->turn_cv);
}

void cache_close(struct cache *c)
{
	int i;

	if (!c)
		return;
	for (i = 0; i < CACHE_READERS; i++)
		conn_close(&c->r[i]);
	conn_close(&c->w);
	free(c);
}

int cache_open(const char *path, struct cache **out)
{
	struct cache *c = calloc(1, sizeof(*c));
	char why[128];
	int rc, i;

	if (!c)
		return -ENOMEM;
	pthread_mutex_init(&c->w.mu, NULL);
	pthread_cond_init(&c->w.turn_cv, NULL);
	for (i = 0; i < CACHE_READERS; i++) {
		pthread_mutex_init(&c->r[i].mu, NULL);
		pthread_cond_init(&c->r[i].turn_cv, NULL);
	}
	rc = cache_probe(path, why, sizeof(why));
	if (rc) {
		log_err("cache: %s is %s; left as it is", path, why);
		goto out_free;
	}
	rc = mkdir_parents(path);
	if (rc) {
		log_err("cache: cannot create the folder of %s: %s", path,
			strerror(-rc));
		goto out_free;
	}
	private_files(path);
	if ((rc = conn_open(&c->w, path, CACHE_WRITE_BUSY_MS)) ||
	    (rc = exec(&c->w, "PRAGMA journal_mode = WAL")) ||
	    (rc = exec(&c->w, "PRAGMA synchronous = NORMAL")) ||
	    (rc = cache_schema(&c->w)) || (rc = quick_check(&c->w)) ||
	    (rc = conn_prepare(&c->w)))
		goto out_free;
	/* the reader opens a database that is ours and in WAL mode; it is
	 * kept from writing so a slip cannot take the write lock */
	for (i = 0; i < CACHE_READERS; i++)
		if ((rc = conn_open(&c->r[i], path, CACHE_READ_BUSY_MS)) ||
		    (rc = exec(&c->r[i], "PRAGMA query_only = 1")) ||
		    (rc = conn_prepare(&c->r[i])))
			goto out_free;
	*out = c;
	return 0;

out_free:
	cache_close(c);
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

	/* only a damaged cache of ours; anything else is not ours to move */
	rc = cache_open(path, out);
	if (rc != -EBADMSG)
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
	log_warn("cache: %s was damaged; moved aside to %s.unusable-%s, "
		 "starting a new cache",
		 path, path, stamp);
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

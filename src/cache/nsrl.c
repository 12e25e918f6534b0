/*
 * An NSRL RDS v3 database read into a known-file import. The RDS is
 * SQLite (up to 150 GB): opened read-only and immutable, never written,
 * read through the views NIST keeps for RDS v2 readers (FILE, PKG, OS,
 * MFG; hashes as uppercase hex text). Memory stays bounded whatever its
 * size: the rows are streamed by one prepared SELECT into a staging
 * table (appended), then merged into the store sorted by SHA-256 (by
 * SQLite's external sorter), since random keys inserted one by one into
 * a large B-tree would rewrite a page each.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "known_i.h"
#include "profilefs/util.h"

/* rows between two questions to stop, and two progress reports */
#define NSRL_STOP_ROWS	   4096
#define NSRL_PROGRESS_ROWS 65536

static const char *const nsrl_views[] = { "FILE", "PKG", "OS", "MFG" };

/* "file:" and path, percent-escaped, "?immutable=1": the RDS is read as a
 * file nothing writes (no lock, no -journal looked for) */
static char *nsrl_uri(const char *path)
{
	size_t n = strlen(path), i, o = 0;
	char *u = malloc(3 * n + 32);

	if (!u)
		return NULL;
	o = (size_t)sprintf(u, "file:");
	for (i = 0; i < n; i++) {
		unsigned char c = (unsigned char)path[i];

		if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
		    (c >= '0' && c <= '9') || strchr("/-._~", c))
			u[o++] = (char)c;
		else
			o += (size_t)sprintf(u + o, "%%%02X", c);
	}
	strcpy(u + o, "?immutable=1");
	return u;
}

/* 0 when db has the four views (or tables); else -EPROTO, why says
 * which is missing */
static int nsrl_check(sqlite3 *db, char *why, size_t len)
{
	sqlite3_stmt *st;
	size_t i;
	int rc = 0;

	if (sqlite3_prepare_v2(db,
			       "SELECT count(*) FROM sqlite_master WHERE"
			       " type IN ('view', 'table') AND name = ?1"
			       " COLLATE NOCASE",
			       -1, &st, NULL) != SQLITE_OK) {
		snprintf(why, len, "not an SQLite database (%s)",
			 sqlite3_errmsg(db));
		return -EPROTO;
	}
	for (i = 0; i < sizeof(nsrl_views) / sizeof(nsrl_views[0]); i++) {
		sqlite3_bind_text(st, 1, nsrl_views[i], -1, SQLITE_STATIC);
		if (sqlite3_step(st) != SQLITE_ROW) {
			snprintf(why, len, "not an SQLite database (%s)",
				 sqlite3_errmsg(db));
			rc = -EPROTO;
		} else if (sqlite3_column_int(st, 0) == 0) {
			snprintf(why, len,
				 "not an NSRL RDS v3 database: no %s view",
				 nsrl_views[i]);
			rc = -EPROTO;
		}
		sqlite3_reset(st);
		if (rc)
			break;
	}
	sqlite3_finalize(st);
	return rc;
}

static int prepare(sqlite3 *db, const char *sql, sqlite3_stmt **st, char *why,
		   size_t len)
{
	if (sqlite3_prepare_v2(db, sql, -1, st, NULL) == SQLITE_OK)
		return 0;
	snprintf(why, len, "not an NSRL RDS v3 database (%s)",
		 sqlite3_errmsg(db));
	return -EPROTO;
}

/* 64 hex digits, either case, into 32 bytes: 0, or -1 */
static int unhex32(const unsigned char *s, int n, uint8_t out[32])
{
	return n == 64 && !util_unhex((const char *)s, 64, out, 32) ? 0 : -1;
}

/* "name version" of two columns, either absent; NULL on no memory */
static char *joined(sqlite3_stmt *st, int a, int b)
{
	const char *x = (const char *)sqlite3_column_text(st, a);
	const char *y = (const char *)sqlite3_column_text(st, b);
	char *s = NULL;

	if (asprintf(&s, "%s%s%s", x ? x : "", x && *x && y && *y ? " " : "",
		     y ? y : "") < 0)
		return NULL;
	return s;
}

static const char *text(sqlite3_stmt *st, int i)
{
	const char *s = (const char *)sqlite3_column_text(st, i);

	return s ? s : "";
}

struct nsrl_run {
	sqlite3 *src, *dst;
	const struct util_stop *stop;
	cache_known_progress_fn progress;
	void *ctx;
	char *why;
	size_t whylen;
	uint64_t rows;
};

/* the packages: each product stored once, the package mapped to it */
static int read_packages(struct nsrl_run *n)
{
	sqlite3_stmt *in = NULL, *add = NULL, *map = NULL;
	int rc;

	if ((rc = prepare(n->src,
			  "SELECT p.package_id, p.name, p.version, o.name,"
			  " o.version, m.name FROM PKG p"
			  " LEFT JOIN OS o ON o.operating_system_id ="
			  " p.operating_system_id"
			  " LEFT JOIN MFG m ON m.manufacturer_id ="
			  " p.manufacturer_id",
			  &in, n->why, n->whylen)))
		goto out;
	if (sqlite3_prepare_v2(n->dst,
			       "INSERT OR IGNORE INTO nsrl_product"
			       " (product, version, os, mfg)"
			       " VALUES (?1, ?2, ?3, ?4)",
			       -1, &add, NULL) != SQLITE_OK ||
	    sqlite3_prepare_v2(
		    n->dst,
		    "INSERT OR REPLACE INTO temp.kn_pkg SELECT ?1, id FROM"
		    " nsrl_product WHERE product = ?2 AND version = ?3"
		    " AND os = ?4 AND mfg = ?5",
		    -1, &map, NULL) != SQLITE_OK) {
		rc = known_db_fail(n->dst, "packages");
		goto out;
	}
	while ((rc = sqlite3_step(in)) == SQLITE_ROW) {
		char *os = joined(in, 3, 4);

		if (!os) {
			rc = -ENOMEM;
			goto out;
		}
		sqlite3_bind_text(add, 1, text(in, 1), -1, SQLITE_TRANSIENT);
		sqlite3_bind_text(add, 2, text(in, 2), -1, SQLITE_TRANSIENT);
		sqlite3_bind_text(add, 3, os, -1, SQLITE_TRANSIENT);
		sqlite3_bind_text(add, 4, text(in, 5), -1, SQLITE_TRANSIENT);
		sqlite3_bind_int64(map, 1, sqlite3_column_int64(in, 0));
		sqlite3_bind_text(map, 2, text(in, 1), -1, SQLITE_TRANSIENT);
		sqlite3_bind_text(map, 3, text(in, 2), -1, SQLITE_TRANSIENT);
		sqlite3_bind_text(map, 4, os, -1, SQLITE_TRANSIENT);
		sqlite3_bind_text(map, 5, text(in, 5), -1, SQLITE_TRANSIENT);
		free(os);
		if (sqlite3_step(add) != SQLITE_DONE ||
		    sqlite3_step(map) != SQLITE_DONE) {
			rc = known_db_fail(n->dst, "packages");
			goto out;
		}
		sqlite3_reset(add);
		sqlite3_reset(map);
	}
	if (rc == SQLITE_DONE)
		rc = 0;
	else
		rc = known_db_fail(n->src, "PKG");
out:
	sqlite3_finalize(in);
	sqlite3_finalize(add);
	sqlite3_finalize(map);
	return rc;
}

/* the FILE rows, appended to the staging table */
static int read_files(struct nsrl_run *n)
{
	sqlite3_stmt *in = NULL, *put = NULL;
	uint64_t seen = 0;
	int rc;

	if ((rc = prepare(n->src,
			  "SELECT sha256, file_name, file_size, package_id"
			  " FROM FILE",
			  &in, n->why, n->whylen)))
		return rc;
	if (sqlite3_prepare_v2(n->dst,
			       "INSERT INTO temp.kn_stage VALUES (?1, ?2, ?3,"
			       " ?4)",
			       -1, &put, NULL) != SQLITE_OK) {
		rc = known_db_fail(n->dst, "staging");
		goto out;
	}
	while ((rc = sqlite3_step(in)) == SQLITE_ROW) {
		uint8_t sha[32];

		if (++seen % NSRL_STOP_ROWS == 0 &&
		    (rc = util_stop_check(n->stop)))
			goto out;
		if (n->progress && seen % NSRL_PROGRESS_ROWS == 0)
			n->progress(n->ctx, seen, "reading");
		/* a row without a well-formed SHA-256 names nothing */
		if (unhex32(sqlite3_column_text(in, 0),
			    sqlite3_column_bytes(in, 0), sha))
			continue;
		sqlite3_bind_blob(put, 1, sha, 32, SQLITE_TRANSIENT);
		sqlite3_bind_value(put, 2, sqlite3_column_value(in, 1));
		sqlite3_bind_value(put, 3, sqlite3_column_value(in, 2));
		sqlite3_bind_value(put, 4, sqlite3_column_value(in, 3));
		if (sqlite3_step(put) != SQLITE_DONE) {
			rc = known_db_fail(n->dst, "staging");
			goto out;
		}
		sqlite3_reset(put);
	}
	rc = rc == SQLITE_DONE ? 0 : known_db_fail(n->src, "FILE");
	n->rows = seen;
out:
	sqlite3_finalize(in);
	sqlite3_finalize(put);
	return rc;
}

/* asked by SQLite during the merge: nonzero interrupts it */
static int merge_stop(void *arg)
{
	return util_stop_check(arg) != 0;
}

static int merge(struct nsrl_run *n)
{
	int rc;

	if (n->progress)
		n->progress(n->ctx, n->rows, "sorting");
	sqlite3_progress_handler(n->dst, 100000, merge_stop, (void *)n->stop);
	rc = known_db_exec(
		n->dst, "INSERT OR IGNORE INTO nsrl"
			" SELECT s.sha256, coalesce(m.product, 0), s.name,"
			" s.size FROM temp.kn_stage s LEFT JOIN temp.kn_pkg m"
			" ON m.package_id = s.package"
			" ORDER BY s.sha256, 2");
	sqlite3_progress_handler(n->dst, 0, NULL, NULL);
	if (rc && util_stop_check(n->stop))
		return util_stop_check(n->stop);
	n->rows = (uint64_t)sqlite3_changes(n->dst);
	return rc;
}

/* the RDS's version, from its VERSION table when there is one */
static char *release_of(sqlite3 *src)
{
	sqlite3_stmt *st;
	char *r = NULL;

	if (sqlite3_prepare_v2(src, "SELECT version FROM VERSION LIMIT 1", -1,
			       &st, NULL) != SQLITE_OK)
		return NULL;
	if (sqlite3_step(st) == SQLITE_ROW && sqlite3_column_text(st, 0))
		r = strndup((const char *)sqlite3_column_text(st, 0), 64);
	sqlite3_finalize(st);
	return r;
}

int cache_known_nsrl_read(struct cache_known_imp *m, const char *db,
			  const struct util_stop *stop,
			  cache_known_progress_fn progress, void *ctx,
			  char *why, size_t whylen, uint64_t *rows,
			  char **release)
{
	struct nsrl_run n = { .dst = m->k->w,
			      .stop = stop,
			      .progress = progress,
			      .ctx = ctx,
			      .why = why,
			      .whylen = whylen };
	char *uri = nsrl_uri(db);
	int rc;

	*why = '\0';
	if (!uri)
		return -ENOMEM;
	rc = sqlite3_open_v2(uri, &n.src,
			     SQLITE_OPEN_READONLY | SQLITE_OPEN_URI |
				     SQLITE_OPEN_NOMUTEX,
			     NULL);
	free(uri);
	if (rc != SQLITE_OK) {
		snprintf(why, whylen, "cannot open it (%s)",
			 n.src ? sqlite3_errmsg(n.src) : "no memory");
		rc = -EPROTO;
		goto out;
	}
	if ((rc = nsrl_check(n.src, why, whylen)) ||
	    (rc = known_db_exec(n.dst,
				"CREATE TEMP TABLE kn_pkg (package_id INTEGER"
				" PRIMARY KEY, product INTEGER NOT NULL);"
				"CREATE TEMP TABLE kn_stage (sha256 BLOB,"
				" name TEXT, size INTEGER, package INTEGER)")))
		goto out;
	if ((rc = read_packages(&n)) || (rc = read_files(&n)) ||
	    (rc = merge(&n)))
		goto out_drop;
	*rows = n.rows;
	*release = release_of(n.src);
out_drop:
	known_db_exec(n.dst, "DROP TABLE temp.kn_stage;"
			     "DROP TABLE temp.kn_pkg");
out:
	sqlite3_close(n.src);
	return rc;
}

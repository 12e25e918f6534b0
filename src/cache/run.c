/*
 * The cache's connections taken in turn, SQLite's errors as -errno, and
 * the one statement runner every query of the cache goes through.
 */
#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cache_i.h"
#include "profilefs/util.h"

int cache_sqlite_errno(int code)
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
	return cache_sqlite_errno(code);
}

int64_t cache_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

void cache_sleep_us(long us)
{
	struct timespec ts = { us / 1000000, (us % 1000000) * 1000 };

	while (nanosleep(&ts, &ts) < 0 && errno == EINTR)
		;
}

/* Waits out another connection's lock within the connection's budget.
 * Short sleeps first: another process's indexer lets go of the write lock
 * only for a moment between its batches. */
int cache_on_busy(void *arg, int n)
{
	struct cache_conn *k = arg;
	int64_t now = cache_now_ms();

	if (n == 0)
		k->busy_since = now;
	if (now - k->busy_since >= k->busy_ms)
		return 0;
	cache_sleep_us(n < 100 ? 1000 : n < 1000 ? 2000 : 10000);
	return 1;
}

/* ---- turns on a connection ------------------------------------------ */

void cache_conn_lock(struct cache_conn *k)
{
	uint64_t mine;

	pthread_mutex_lock(&k->mu);
	mine = k->next++;
	while (mine != k->serving)
		pthread_cond_wait(&k->turn_cv, &k->mu);
	pthread_mutex_unlock(&k->mu);
}

void cache_conn_unlock(struct cache_conn *k)
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
		cache_conn_lock(k);
	}
	rc = cache_run(k, id, args, nargs, row, ctx);
	cache_conn_unlock(k);
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

int cache_exec(struct cache_conn *k, const char *sql)
{
	if (sqlite3_exec(k->db, sql, NULL, NULL, NULL) != SQLITE_OK)
		return cache_fail(k, sql);
	return 0;
}

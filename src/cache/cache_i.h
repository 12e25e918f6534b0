/*
 * cache internals: the connections, the statements and the one runner that
 * binds, steps and resets them.
 *
 * Two connections to one WAL database. The write connection serves stores,
 * indexers and upgrades, one transaction at a time, and may wait out
 * another process's write lock (SQLITE_BUSY). The read connections serve
 * lookups only: a WAL reader reads the last commit and never waits for a
 * writer, so a lookup is never queued behind a store that is waiting; a
 * lookup takes an idle one, so it is not queued behind a long search.
 * Each connection has its own lock, taken in turn (first come, first
 * served), so a batching indexer cannot starve a store of the same process.
 */
#ifndef PROFILEFS_CACHE_I_H
#define PROFILEFS_CACHE_I_H

#include <pthread.h>
#include <stddef.h>
#include <stdint.h>

#include <sqlite3.h>

#include "profilefs/cache.h"

/* "PrFs": lets us tell our database from any other SQLite file */
#define CACHE_APP_ID 0x50724673

/* how long a write waits out another process's lock before it fails */
#define CACHE_WRITE_BUSY_MS 30000
/* a WAL reader is only ever busy for a moment (recovery, a WAL reset) */
#define CACHE_READ_BUSY_MS 100
/* a pause between an indexer's batches, so that a writer of another
 * process (whose busy handler polls) finds the write lock free */
#define CACHE_BATCH_GAP_US 2000

enum {
	/* profiles.c */
	ST_FIND,
	ST_CONTENT,
	ST_PART,
	ST_PUT_CONTENT,
	ST_PUT_PART,
	ST_PUT_FILE,
	ST_RSIZE_GET,
	ST_RSIZE_PUT,
	/* rules.c */
	ST_REPO_GET,
	ST_REPO_LIST,
	ST_REPO_INSERT,
	ST_REPO_UPDATE,
	ST_REPO_FILES,
	ST_REPO_DROP_FILES,
	ST_REPO_DROP,
	ST_RFILE_GET,
	ST_RFILE_SEEN,
	ST_RFILE_INSERT,
	ST_RTEXT_DROP,
	ST_RLINES_DROP,
	ST_RLINE_ADD,
	ST_RTEXT_ADD,
	ST_PRUNE_IDS,
	ST_PRUNE_DROP,
	ST_PRUNE_NLINES,
	ST_RFILE_NLINES,
	ST_GEN_GET,
	ST_GEN_BUMP,
	ST_SEARCH,
	/* catalogs.c */
	ST_CAT_LIST,
	ST_CAT_PUT,
	ST_CAT_SEAL,
	ST_CAT_CLEAR,
	ST_CAT_MEMBER,
	ST_CAT_DROP,
	ST_CAT_FIND,
	ST_CAT_GEN_GET,
	ST_CAT_GEN_BUMP,
	ST_N
};

/* each concern's statements, by their ST_ index (NULL for the others') */
extern const char *const cache_profile_sql[ST_N];
extern const char *const cache_rules_sql[ST_N];
extern const char *const cache_catalog_sql[ST_N];

struct cache_conn {
	sqlite3 *db;
	sqlite3_stmt *st[ST_N];
	int busy_ms;	    /* the busy handler's budget */
	int64_t busy_since; /* when the current wait began, in ms */
	pthread_mutex_t mu; /* guards the turn counters */
	pthread_cond_t turn_cv;
	uint64_t next, serving; /* a ticket lock: FIFO turns */
};

/* read connections: a long lookup (a rules search) holds one of them, so
 * stat's lookups take another */
#define CACHE_READERS 4

struct cache {
	struct cache_conn w; /* writes: stores, indexers, upgrades */
	struct cache_conn
		r[CACHE_READERS]; /* lookups: never wait for a writer */
	unsigned next_r;	  /* where a reader who must wait queues */
};

/* A write transaction owns the write connection from BEGIN to COMMIT or
 * ROLLBACK; between an indexer's batches it lets go. */
struct cache_txn {
	struct cache *c;
	int bump;  /* the generation its last commit moves on, or -1 */
	int open;  /* BEGIN done, and the write connection is ours */
	int dirty; /* something the generation covers has changed in this
		    * batch */
	int moved; /* ... in a batch committed already: the last commit
		    * (or a rollback) moves the generation on, once */
	unsigned ops;
	int64_t began_ms;
};

/* A statement's parameter. */
struct cache_arg {
	enum { ARG_I64, ARG_TEXT, ARG_BLOB, ARG_HEX, ARG_NULL } kind;
	int64_t i;
	const void *p;
	size_t n;
};

#define A_I64(v) ((struct cache_arg){ .kind = ARG_I64, .i = (int64_t)(v) })
#define A_TEXT(s)                                                              \
	((struct cache_arg){ .kind = (s) ? ARG_TEXT : ARG_NULL,                \
			     .p = (s),                                         \
			     .n = (s) ? strlen(s) : 0 })
#define A_TEXTN(s, len)                                                        \
	((struct cache_arg){ .kind = ARG_TEXT, .p = (s), .n = (len) })
#define A_BLOB(b, len)                                                         \
	((struct cache_arg){ .kind = ARG_BLOB, .p = (b), .n = (len) })
/* bytes stored as lowercase hex text */
#define A_HEX(b, len)                                                          \
	((struct cache_arg){ .kind = ARG_HEX, .p = (b), .n = (len) })
#define CACHE_ARGS(...)                                                        \
	(const struct cache_arg[]){ __VA_ARGS__ },                             \
		sizeof((const struct cache_arg[]){ __VA_ARGS__ }) /            \
			sizeof(struct cache_arg)
#define CACHE_NOARGS NULL, 0

/* Called per row: 0 for the next row, > 0 to stop, < 0 (-errno) to fail. */
typedef int (*cache_row_fn)(sqlite3_stmt *st, void *ctx);

/* Binds args, steps statement id to its end (or until row stops), resets.
 * The number of rows seen (>= 0), or -errno. The caller holds k. */
int cache_run(struct cache_conn *k, int id, const struct cache_arg *args,
	      size_t nargs, cache_row_fn row, void *ctx);
/* cache_run() on an idle read connection (else the next in turn), taking
 * and releasing its lock */
int cache_read(struct cache *c, int id, const struct cache_arg *args,
	       size_t nargs, cache_row_fn row, void *ctx);

/* A write transaction on the stack (cache_store and the like): bump is the
 * generation statement its commit runs, or -1. */
int cache_txn_open(struct cache *c, struct cache_txn *t, int bump);
int cache_txn_close(struct cache_txn *t, int commit);

/* ---- run.c ---------------------------------------------------------- */

/* SQLite's result code as -errno: what the callers tell apart */
int cache_sqlite_errno(int code);
/* SQLite's result as -errno, logged */
int cache_fail(struct cache_conn *k, const char *what);
/* a row's column, copied (NULL for NULL or out of memory) */
char *cache_col_dup(sqlite3_stmt *st, int i);
/* row callback: the first column as int64 into *(int64_t *)ctx, stops */
int cache_row_i64(sqlite3_stmt *st, void *ctx);
/* the rows the last write statement changed */
int cache_changes(struct cache_conn *k);
/* a monotonic clock in ms */
int64_t cache_now_ms(void);
/* sleeps us microseconds, through signals */
void cache_sleep_us(long us);
/* the busy handler of a connection (arg): waits within its budget */
int cache_on_busy(void *arg, int n);
/* a connection's turn, first come first served */
void cache_conn_lock(struct cache_conn *k);
void cache_conn_unlock(struct cache_conn *k);
/* runs sql (no rows wanted): 0 or -errno, logged */
int cache_exec(struct cache_conn *k, const char *sql);

/* ---- db.c ----------------------------------------------------------- */

/* the folders above path made (0700) where missing: 0 or -errno */
int cache_mkdir_parents(const char *path);

/* ---- schema.c ------------------------------------------------------- */

/* Creates or upgrades the schema; refuses a database that is not ours. */
int cache_schema(struct cache_conn *k);
/* A database whose pages do not add up is not served from (-EBADMSG). */
int cache_quick_check(struct cache_conn *k);

#endif

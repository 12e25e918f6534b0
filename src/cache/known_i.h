/*
 * The known-file store's connections, shared by its lookups (known.c)
 * and its imports (known_import.c).
 */
#ifndef PROFILEFS_CACHE_KNOWN_I_H
#define PROFILEFS_CACHE_KNOWN_I_H

#include <pthread.h>

#include <sqlite3.h>

#include "cache_i.h"

/* "PrKn": a known-file store, told from the cache and any other file */
#define KNOWN_APP_ID 0x50724b6e
#define KNOWN_SCHEMA 1
/* read connections: lookups of many threads at once */
#define KNOWN_READERS 4

/* a reader's statements */
enum {
	KQ_SOURCES,
	KQ_WB_FILES,
	KQ_WB_BUILDS,
	KQ_NSRL,
	KQ_OF_VERSION,
	KQ_NAME_MACHINE,
	KQ_GEN,
	KQ_N
};

struct known_reader {
	pthread_mutex_t mu;
	sqlite3 *db;
	sqlite3_stmt *st[KQ_N];
};

struct cache_known {
	char *path;
	sqlite3 *w; /* imports and removals; NULL for a reader's store */
	pthread_mutex_t wmu;
	struct known_reader r[KNOWN_READERS];
	unsigned next_r;
};

/* an import's statements */
enum {
	KW_FILE,
	KW_BUILD_ADD,
	KW_BUILD_ID,
	KW_SHIP,
	KW_N,
};

/* an import: the write connection held, in one transaction */
struct util_hash;
struct cache_known_imp {
	struct cache_known *k;
	/* winbindex's builds by (windows, update, released): their ids
	 * (a few thousand builds, each named by many files) */
	struct util_hash *builds;
	char kind[16];
	sqlite3_stmt *st[KW_N];
};

/* SQLite's last error on db, logged with what, as -errno */
int known_db_fail(sqlite3 *db, const char *what);
/* sql run on db, no rows wanted: 0 or -errno (logged) */
int known_db_exec(sqlite3 *db, const char *sql);
/* the generation moved on, in the write transaction */
int known_db_bump(sqlite3 *db);

#endif

/* Private to the known module: the store's handle. */
#ifndef PROFILEFS_KNOWN_I_H
#define PROFILEFS_KNOWN_I_H

#include <pthread.h>

#include "profilefs/cache.h"
#include "profilefs/known.h"

struct known {
	char *path;
	int writable;		/* opened with create: imports and removals */
	pthread_mutex_t mu;	/* taken only while the store is not open */
	struct cache_known *db; /* set once, read with acquire */
	int failed;		/* opening failed once: logged, not again */
};

/* the store, opened when it exists; NULL while it does not */
struct cache_known *known_db(struct known *k);

/* A winbindex folder of NAME.json.gz files into the import m: each file
 * gunzipped (at most KNOWN_WB_INFLATED bytes) and read entry by entry
 * (json-c parses each key and entry), one file at a time. -EPROTO with
 * imp->why naming the file. */
#define KNOWN_WB_INFLATED (512u << 20)
int known_wb_read(struct cache_known_imp *m, const char *dir,
		  struct known_import *imp);

#endif

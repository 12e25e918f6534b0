/*
 * Windows catalogs for a mount: the folders that hold them, an index of
 * their member digests in the cache, and the verdict of each catalog's
 * signature.
 *
 * Indexing is incremental (size, mtime and ctime): a catalog is read again
 * only when it changed, and dropped when it is gone. ctime because size
 * and mtime can be put back after a swap (zero padding, touch -r), ctime
 * cannot from user space. A mount looks again every CATALOG_RESCAN
 * seconds on a thread of its own (never on a request: a large catalog
 * takes seconds to index), so a changed catalog is seen without a remount.
 *
 * Each catalog is indexed with the SHA-256 of the bytes its members were
 * read from, and its verdict is made from bytes with that SHA-256 only: a
 * verdict reads the catalog once, hashes it and compares. A catalog whose
 * bytes differ is not used (a file it listed is not vouched for by bytes
 * that may not list it) and is marked stale: the rescanning thread is
 * woken and indexes it again even if its size, mtime and ctime say it did
 * not change. Verdicts are memoised by the catalog's SHA-256, so a
 * swapped file never inherits one and two copies share one.
 *
 * Locks: scan_lock serialises scans; lock guards the memo of verdicts
 * (held while one is made) and the stale list, and is never held while a
 * folder is scanned (a scan takes it, inside scan_lock, only to take the
 * stale list).
 * The generation is read without a lock (atomically), so that getattr
 * never waits for a verdict.
 *
 * The files: catalogs.c makes and frees; cat_dirs.c the folders;
 * cat_index.c the index and the rescanning thread; cat_verdict.c the
 * verdicts.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

#include "profilefs/cache.h"
#include "profilefs/caps.h"
#include "profilefs/catalogs.h"
#include "profilefs/hash.h"
#include "profilefs/sig.h"
#include "profilefs/tree.h"
#include "profilefs/util.h"
#include "catalogs_i.h"

int svc_catalogs_new(struct cache *cache, struct svc_catalogs **out)
{
	struct svc_catalogs *c = calloc(1, sizeof(*c));
	pthread_condattr_t ca;

	if (!c)
		return -ENOMEM;
	c->cache = cache;
	c->memo_gen = -1;
	if (util_hash_new(32, sizeof(struct sig_verdict *), CATALOG_MEMO, NULL,
			  &c->memo)) {
		free(c);
		return -ENOMEM;
	}
	c->gen = -1;
	pthread_mutex_init(&c->scan_lock, NULL);
	pthread_mutex_init(&c->lock, NULL);
	pthread_condattr_init(&ca);
	pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
	pthread_cond_init(&c->wake, &ca);
	pthread_condattr_destroy(&ca);
	util_cond_init(&c->ready_cond);
	*out = c;
	return 0;
}

void svc_catalogs_free(struct svc_catalogs *c)
{
	size_t i;

	if (!c)
		return;
	svc_catalogs_stop(c);
	cat_memo_drop(c);
	for (i = 0; i < c->nstale; i++)
		free(c->stale[i]);
	for (i = 0; i < c->ndirs; i++) {
		free(c->dirs[i].path);
		free(c->dirs[i].rel);
		if (c->dirs[i].own)
			tree_close(c->dirs[i].tree);
	}
	free(c->dirs);
	util_hash_free(c->memo);
	pthread_cond_destroy(&c->wake);
	pthread_cond_destroy(&c->ready_cond);
	pthread_mutex_destroy(&c->lock);
	pthread_mutex_destroy(&c->scan_lock);
	free(c);
}

void svc_catalogs_set_cache(struct svc_catalogs *c, struct cache *cache)
{
	pthread_mutex_lock(&c->scan_lock);
	pthread_mutex_lock(&c->lock);
	c->cache = cache;
	cat_memo_drop(c);
	c->memo_gen = -1;
	__atomic_store_n(&c->ready, 0, __ATOMIC_RELEASE);
	__atomic_store_n(&c->gen, -1, __ATOMIC_RELEASE);
	pthread_mutex_unlock(&c->lock);
	pthread_mutex_unlock(&c->scan_lock);
}

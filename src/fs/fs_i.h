/* Private to the fs module: the mount's state and its operations table. */
#ifndef PROFILEFS_FS_I_H
#define PROFILEFS_FS_I_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>

#include "profilefs/fs.h"

struct fuse_operations;

struct fh;

struct fs {
	const struct fs_config *cfg;
	int rootfd;
	struct svc *pv;
	struct cache *cache;
	/* open files: a release that has not come by unmount is freed then */
	pthread_mutex_t fh_lock;
	struct fh *fh_list;
	/* what the kernel holds (--kernel-cache); NULL: its caches off */
	struct kcache *kc;
	/* reads of a profile's bytes served (the stats' profile_reads) */
	atomic_ullong profile_reads;
};

/* kcache.c: the size the kernel was told of each path, and the key of
 * the bytes its page cache holds for it */
struct kcache;
int kcache_new(struct kcache **out);
void kcache_free(struct kcache *k);
/* the kernel was told size (getattr) */
void kcache_told(struct kcache *k, const char *path, uint64_t size);
/* a readdirplus entry of size, which the kernel may not take */
void kcache_plus(struct kcache *k, const char *path, uint64_t size);
/* At an open of a source file whose bytes are those of key (its
 * identity), which always reads through the page cache: may the kernel
 * keep its pages from before? */
int kcache_keep(struct kcache *k, const char *path, const uint8_t key[32]);
/* At an open of path whose bytes are now size bytes made of key (NULL:
 * none known): *page_cache when the kernel's size is that size (else the
 * open reads direct), *keep when its pages from before are of key. */
void kcache_open(struct kcache *k, const char *path, uint64_t size,
		 const uint8_t key[32], int *page_cache, int *keep);

/* Frees the open files left at unmount. */
void fs_close_all(struct fs *fs);

const struct fuse_operations *fs_operations(void);

#endif

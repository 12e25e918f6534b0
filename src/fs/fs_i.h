/* Private to the fs module: the mount's state and its operations table. */
#ifndef PROFILEFS_FS_I_H
#define PROFILEFS_FS_I_H

#include <pthread.h>

#include "profilefs/fs.h"

struct fuse_operations;

struct fh;

struct fs {
	const struct fs_config *cfg;
	int rootfd;
	struct fs_provider *pv;
	struct cache *cache;
	/* open files: a release that has not come by unmount is freed then */
	pthread_mutex_t fh_lock;
	struct fh *fh_list;
};

/* Frees the open files left at unmount. */
void fs_close_all(struct fs *fs);

const struct fuse_operations *fs_operations(void);

/*
 * Fills cfg from the command line and checks it: SOURCE is a directory,
 * MOUNTPOINT a directory, neither inside the other, the cache not inside
 * MOUNTPOINT, the extension list well formed. Prints what is wrong and
 * returns 2 (usage) or 1.
 */
int fs_config_parse(struct fs_config *cfg, const char *source,
		    const char *mountpoint, const char *cache, int no_cache,
		    const char *drive, const char *exts, int sniff_mz);
void fs_config_free(struct fs_config *cfg);

#endif

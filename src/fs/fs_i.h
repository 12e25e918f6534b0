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
	struct svc *pv;
	struct cache *cache;
	/* open files: a release that has not come by unmount is freed then */
	pthread_mutex_t fh_lock;
	struct fh *fh_list;
};

/* Frees the open files left at unmount. */
void fs_close_all(struct fs *fs);

const struct fuse_operations *fs_operations(void);

#endif

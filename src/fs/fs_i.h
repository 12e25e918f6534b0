/* Private to the fs module: the mount's state and its operations table. */
#ifndef PROFILEFS_FS_I_H
#define PROFILEFS_FS_I_H

#include "profilefs/fs.h"

struct fuse_operations;

struct fs {
	const struct fs_config *cfg;
	int rootfd;
	struct fs_provider *pv;
	struct cache *cache;
};

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

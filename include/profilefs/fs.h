/*
 * fs: the FUSE front end. The read-only overlay of the source and the
 * profiles beside its binaries: each operation maps a mounted path to a
 * source file or to the profile service (service.h), and every write is
 * refused with -EROFS.
 *
 * Errors: 0 or -errno, passed to FUSE unchanged.
 */
#ifndef PROFILEFS_FS_H
#define PROFILEFS_FS_H

#include <stddef.h>
#include <stdint.h>
#include <sys/stat.h>

#include "profilefs/service.h"

struct tree;

/* ---- the mount -------------------------------------------------------- */

/*
 * The service a mount serves from, built by its caller: start() once the
 * daemon has detached (so that the cache's SQLite handle and locks belong
 * to the process that serves), over the source's descriptor, with the
 * mount's word on whether a request's caller is gone (svc_setup's
 * caller_gone); 0 or -errno, *pv set and *cached whether it has a cache.
 * stop() once the loop is over, then frees what start() made.
 */
struct fs_service {
	int (*start)(void *ctx, struct tree *tree, int (*caller_gone)(void),
		     struct svc **pv, int *cached);
	void (*stop)(void *ctx);
	void *ctx;
};

struct fs_config {
	const char *source;	/* absolute, resolved */
	const char *mountpoint; /* absolute, resolved */
	struct tree *tree; /* the source, opened (and closed) by the caller */
	const struct svc_names *names; /* the binaries */
	int foreground;
	/* the profiles shown beside a binary: FS_FORMAT(SVC_MD) |
	 * FS_FORMAT(SVC_JSON) as --formats says (0: Markdown alone) */
	unsigned formats;
	/* the profiles-only view's name at the root (one file name) */
	const char *view;
	/* --warm: every binary's profile computed in the background */
	int warm;
	/* --stat-computes: a stat of a profile beside its binary computes
	 * it when its size is not known, as the view's does (else it says
	 * the cache's hint of its size, or 0) */
	int stat_computes;
	/* --kernel-cache: seconds the kernel keeps names and attributes,
	 * with its page cache used where it holds what a read gives now;
	 * 0: no kernel caching */
	unsigned kernel_cache;
	struct fs_service service;
};

#define FS_FORMAT(f) (1u << (unsigned)(f))

/* Mounts, detaches unless foreground, starts the service (cfg->service),
 * serves until unmounted or signalled, stops the service. argc/argv: the
 * FUSE options left over. Detached, the command returns once the service
 * has started, with fs_exit_status() of its start; a start that fails
 * (-EINVAL: refused, said on stderr) unmounts first. */
int fs_main(const struct fs_config *cfg, int argc, char **argv);

/* The exit status of a mount that ended with rc: 0, 2 for -EINVAL (a
 * usage error: an option's value refused), 1 else. */
int fs_exit_status(int rc);

/* Is the mountpoint (absolute, resolved) a profilefs mount already (the
 * mount on top there is fuse.profilefs)? 1 or 0. */
int fs_mounted_at(const char *mountpoint);

#endif

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

/* ---- the mount -------------------------------------------------------- */

struct fs_config {
	const char *source;	/* absolute, resolved */
	const char *mountpoint; /* absolute, resolved */
	const char *drive;
	const char *cache_path; /* NULL: no cache */
	const char *rules_path; /* the rules index; NULL: none */
	struct svc_names *names;
	struct prof_limits limits;
	uint64_t
		memory; /* svc_setup's: the computations' budget (0: default) */
	int foreground;
	int trust_metadata; /* svc_setup's: cache rows believed unchecked */
	const char *volume_name;       /* svc_setup's: --volume-id, or NULL */
	struct sig_trust *trust;       /* owned */
	struct svc_catalogs *catalogs; /* owned: --catalogs, and the CatRoot */
	/* the profiles shown beside a binary: FS_FORMAT(SVC_MD) |
	 * FS_FORMAT(SVC_JSON) as --formats says (0: Markdown alone) */
	unsigned formats;
	/* the profiles-only view's name at the root (one file name) */
	const char *view;
	/* --warm: every binary's profile computed in the background */
	int warm;
	/* --kernel-cache: seconds the kernel keeps names and attributes,
	 * with its page cache used where it holds what a read gives now;
	 * 0: no kernel caching */
	unsigned kernel_cache;
};

#define FS_FORMAT(f) (1u << (unsigned)(f))

/* Mounts, detaches unless foreground, opens the cache, serves until
 * unmounted or signalled. argc/argv: the FUSE options left over. */
int fs_main(const struct fs_config *cfg, int argc, char **argv);

#endif

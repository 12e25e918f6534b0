/*
 * service: profiles without FUSE, in one include: the service itself
 * (svc.h), its background pool (prefetch.h), the catalog index
 * (catalogs.h), the signing options (signing.h), the names of binaries
 * (names.h), and the volumes (below). The FUSE front end (fs) and
 * `profilefs profile` (cli) both sit on it.
 *
 * Errors: 0 or -errno, passed to FUSE unchanged.
 */
#ifndef PROFILEFS_SERVICE_H
#define PROFILEFS_SERVICE_H

/* the service's modules, each with its own header */
#include "profilefs/catalogs.h"
#include "profilefs/names.h"
#include "profilefs/prefetch.h"
#include "profilefs/signing.h"
#include "profilefs/svc.h"

/* ---- volumes ------------------------------------------------------- */

/*
 * Which file system a file lives on, by what survives a remount: st_dev
 * changes whenever a loop device or a FUSE (ntfs-3g) mount is set up
 * again, so a cache keyed by it computes every profile again.
 *
 * svc_volume_id() finds the /proc/self/mountinfo line of the file's st_dev
 * and probes its source with libblkid (read-only, O_NOATIME, a few KB):
 * - a block device that is the file system's own device (st_rdev equals
 *   st_dev: ext4, xfs, ntfs3, vfat, fuseblk; not btrfs, whose subvolumes
 *   repeat inode numbers under one UUID), or the image file or device of
 *   a FUSE mount made by root or by our own user (ntfs-3g mounts an image
 *   file directly; its mountinfo source is that file): identity =
 *   "uuid:" TYPE ":" UUID, with TYPE the on-disk type blkid reports (so
 *   ntfs-3g and ntfs3 mounts of one NTFS volume agree; NTFS reports its
 *   serial as UUID);
 * - anything else (tmpfs, overlay, no UUID, a source we cannot open or
 *   do not trust): "dev:" MAJOR ":" MINOR, today's behaviour;
 * - with a user-given name (--volume-id), "name:" NAME for every dev: the
 *   user names the volume of the whole source tree.
 * The id is the first 8 bytes of the SHA-256 of that string, big-endian.
 * The UUID is what the disk says: a crafted image can claim another's,
 * as it can claim any inode, size and times.
 *
 * Ids are memoised per dev (at most SVC_VOLUME_MEMO; older ones are
 * computed again); the memo is thread-safe and no lock is held while
 * mountinfo is read or a device probed.
 */
#define SVC_VOLUME_MEMO 64

struct svc_volumes;

/* name: the user's --volume-id value, or NULL. -ENOMEM, -EINVAL (empty
 * name). */
int svc_volumes_new(const char *name, struct svc_volumes **out);
void svc_volumes_free(struct svc_volumes *v);
/* The 64-bit identity of the file system of a file whose st_dev is dev. */
uint64_t svc_volume_id(struct svc_volumes *v, dev_t dev);
/*
 * What svc_volume_id() chose for dev, for the log and the tests:
 * "uuid ext4 0b6a...", "dev 0:53" or "name NAME". -ENOSPC when it does
 * not fit in n bytes (out then holds as much as fits).
 */
int svc_volume_describe(struct svc_volumes *v, dev_t dev, char *out, size_t n);

/* For the tests: the mountinfo line of dev in text (len bytes), with the
 * fields unescaped (\040 is a space). -ENOENT when no line names dev. */
struct svc_mount {
	char fstype[64];
	char source[4096];
	long long user_id; /* FUSE's user_id= super option; -1 when absent */
};
int svc_volume_find_mount(const char *text, size_t len, dev_t dev,
			  struct svc_mount *out);

#endif

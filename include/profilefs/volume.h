/*
 * volume: the identity of the file system a file of a POSIX tree lives on
 * (tree_volume_id() of a POSIX tree). Used by src/tree/posix.c, and by
 * the tests.
 */
#ifndef PROFILEFS_VOLUME_H
#define PROFILEFS_VOLUME_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

/*
 * Which file system a file lives on, by what survives a remount: st_dev
 * changes whenever a loop device or a FUSE (ntfs-3g) mount is set up
 * again, so a cache keyed by it computes every profile again.
 *
 * tree_vols_id() finds the /proc/self/mountinfo line of the file's st_dev
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
 * Ids are memoised per dev (at most TREE_VOLUME_MEMO; older ones are
 * computed again); the memo is thread-safe and no lock is held while
 * mountinfo is read or a device probed.
 */
#define TREE_VOLUME_MEMO 64

struct tree_vols;

/* name: the user's --volume-id value, or NULL. -ENOMEM, -EINVAL (empty
 * name). */
/* The id of a volume's key string ("uuid:TYPE:UUID", "name:NAME", "ntfs:SERIAL"
 * ...): the first 8 bytes of its SHA-256, big-endian, so that `sha256sum |
 * cut -c1-16` gives it in hex. 0 or -ENOMEM. */
int tree_volume_key_id(const char *key, uint64_t *id);

int tree_vols_new(const char *name, struct tree_vols **out);
void tree_vols_free(struct tree_vols *v);
/* The 64-bit identity of the file system of a file whose st_dev is dev. */
uint64_t tree_vols_id(struct tree_vols *v, dev_t dev);
/*
 * What tree_vols_id() chose for dev, for the log and the tests:
 * "uuid ext4 0b6a...", "dev 0:53" or "name NAME". -ENOSPC when it does
 * not fit in n bytes (out then holds as much as fits).
 */
int tree_vols_describe(struct tree_vols *v, dev_t dev, char *out, size_t n);

/* For the tests: the mountinfo line of dev in text (len bytes), with the
 * fields unescaped (\040 is a space). -ENOENT when no line names dev. */
struct tree_mount {
	char fstype[64];
	char source[4096];
	long long user_id; /* FUSE's user_id= super option; -1 when absent */
};
int tree_vols_find_mount(const char *text, size_t len, dev_t dev,
			 struct tree_mount *out);

#endif

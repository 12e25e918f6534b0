/*
 * parts: what a disk image or block device holds, for tree_open(): a bare
 * NTFS volume, or the partitions of an MBR or GPT disk (with, for each,
 * whether an NTFS volume starts there).
 *
 * Everything is read through a callback (pread of the device, or a buffer
 * in the fuzz target) and nothing read is trusted: a partition's bounds
 * are checked against the device's size, the GPT header's and entries'
 * CRCs must match, a chain of extended boot records is followed for at
 * most PARTS_MAX links. Reads: a few sectors, and at most
 * PARTS_GPT_BYTES of GPT entries.
 *
 * Errors: 0 or -errno (-EIO and the callback's own).
 */
#ifndef PROFILEFS_TREE_PARTS_H
#define PROFILEFS_TREE_PARTS_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

/* partitions kept (and extended boot records followed) */
#define PARTS_MAX 128
/* bytes of GPT partition entries read (128 entries of 128 bytes is the
 * usual 16 KiB) */
#define PARTS_GPT_BYTES (1u << 20)

/* reads up to n bytes at off: the count read (short only at the end) or
 * -errno */
typedef ssize_t (*parts_read_fn)(void *arg, void *buf, size_t n, uint64_t off);

enum parts_scheme { PARTS_NONE, PARTS_BARE, PARTS_MBR, PARTS_GPT };

struct part {
	unsigned number; /* 1-based: MBR 1-4 primary, 5.. logical; GPT's */
	uint64_t offset; /* bytes from the start of the device */
	uint64_t size;	 /* bytes */
	char type[48];	 /* "0x07", "Microsoft basic data", a GUID */
	int ntfs;	 /* its first sector is an NTFS boot sector */
};

struct parts {
	enum parts_scheme scheme;
	unsigned sector; /* the sector size the table was found with */
	size_t n;
	struct part p[PARTS_MAX];
};

/* whether the 512 bytes at s begin an NTFS boot sector ("NTFS    " OEM
 * id at offset 3) */
int parts_is_ntfs(const uint8_t *s);

/*
 * What the device of size bytes that read() reads holds: a bare NTFS
 * volume (scheme PARTS_BARE, no partitions), an MBR or GPT disk and its
 * partitions, or nothing known (PARTS_NONE). 0, or -errno of a read that
 * failed (a short read is not an error: the device holds nothing known).
 */
int parts_scan(parts_read_fn read, void *arg, uint64_t size, struct parts *out);

/* "MBR", "GPT", "NTFS volume", "unknown" */
const char *parts_scheme_name(enum parts_scheme s);

#endif

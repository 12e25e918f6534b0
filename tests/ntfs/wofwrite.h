/*
 * wofwrite: a writer of system-compressed (WOF) streams, for the tests:
 * the WofCompressedData stream of a file's bytes, as Windows lays it out
 * (see src/tree/wof.h), and the reparse point that names its format. It
 * can also damage what it writes, as a hostile volume would.
 */
#ifndef PROFILEFS_TESTS_WOFWRITE_H
#define PROFILEFS_TESTS_WOFWRITE_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "wof.h"

enum wofw_damage {
	WOFW_INTACT,
	WOFW_BAD_TABLE, /* the middle table entry points past the stream */
	WOFW_TRUNCATED, /* the stream ends halfway through its middle chunk */
	WOFW_GARBAGE,	/* a compressed chunk's bytes overwritten */
};

struct wofw_opts {
	enum wof_format fmt;
	int raw_last; /* the last chunk stored raw whatever it compresses to */
	enum wofw_damage damage;
};

/* reads up to n bytes of the real file at off (0 at its end, -errno) */
typedef ssize_t (*wofw_in_fn)(void *arg, void *buf, size_t n, uint64_t off);

/*
 * Writes the stream of a file of size bytes that in() gives to out_fd
 * (seekable: the table goes first, written last) from offset 0; *stream
 * its size. 0 or -errno (-EINVAL: a damage the file is too small for).
 */
int wofw_write(const struct wofw_opts *o, wofw_in_fn in, void *arg,
	       uint64_t size, int out_fd, uint64_t *stream);

/* the reparse buffer (tag, length, reserved, then the 20 bytes of
 * WOF_EXTERNAL_INFO and FILE_PROVIDER_EXTERNAL_INFO_V1) ntfs-3g's
 * system.ntfs_reparse_data takes: WOFW_REPARSE_SIZE bytes */
#define WOFW_REPARSE_SIZE 28
void wofw_reparse(enum wof_format fmt, uint8_t out[WOFW_REPARSE_SIZE]);

/* "xpress4k", "lzx", "xpress8k", "xpress16k" (any case): 0 or -EINVAL */
int wofw_parse_format(const char *s, enum wof_format *fmt);

#endif

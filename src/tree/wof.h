/*
 * wof: the bytes of a system-compressed ("CompactOS", WOF) file.
 *
 * Windows stores such a file as a sparse unnamed data stream of the
 * file's real size, a named stream "WofCompressedData" holding a chunk
 * table and the compressed chunks, and a reparse point of tag
 * IO_REPARSE_TAG_WOF (0x80000017) naming the format: XPRESS with 4, 8 or
 * 16 KiB chunks, or LZX with 32 KiB chunks.
 *
 * The stream: (nchunks - 1) offsets, 4 bytes each when the real size is
 * below 4 GiB and 8 bytes otherwise, each the start of chunk i + 1
 * counted from the end of the table (chunk 0 starts there); a chunk whose
 * stored size equals its real size is stored raw. Every chunk but the
 * last is of the chunk size. Decompression is libwim's
 * (wimlib_create_decompressor).
 *
 * Nothing here trusts the stream: offsets must increase and stay inside
 * the stream, a chunk must decompress to exactly its size; else the read
 * fails with -EIO and wof_why() says why. Memory: the chunk table is read
 * in pieces (never all of it for a huge file), one compressed and one
 * decompressed chunk are held, plus a few decompressed chunks cached.
 *
 * Errors: 0 or -errno.
 */
#ifndef PROFILEFS_TREE_WOF_H
#define PROFILEFS_TREE_WOF_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#define WOF_REPARSE_TAG 0x80000017u
#define WOF_STREAM_NAME "WofCompressedData"

enum wof_format {
	WOF_XPRESS4K = 0,
	WOF_LZX = 1,
	WOF_XPRESS8K = 2,
	WOF_XPRESS16K = 3,
};

/* reads up to n bytes of the WofCompressedData stream at off: the count
 * read (0 at its end) or -errno */
typedef ssize_t (*wof_read_fn)(void *arg, void *buf, size_t n, uint64_t off);

/*
 * The format a WOF reparse point's data (len bytes) names: 0 with *fmt,
 * or -EINVAL (with why, n bytes) for data that is not a WOF file
 * provider's version 1 record (WOF_EXTERNAL_INFO version 1, provider 2;
 * FILE_PROVIDER_EXTERNAL_INFO_V1 version 1, algorithm 0 to 3), or
 * -ENOTSUP for a WIM-backed file (provider 1), whose bytes are in a WIM
 * elsewhere.
 */
int wof_reparse_format(const void *data, size_t len, enum wof_format *fmt,
		       char *why, size_t n);

/* "XPRESS4K", "LZX", "XPRESS8K", "XPRESS16K" */
const char *wof_format_name(enum wof_format fmt);

struct wof;

/*
 * A reader of the real bytes of a file of size bytes stored in fmt, whose
 * compressed stream (stream_size bytes) read() gives. The chunk table
 * is checked as it is read, not here. -ENOMEM, -EINVAL (stream_size too
 * small for the table).
 */
int wof_open(enum wof_format fmt, uint64_t size, uint64_t stream_size,
	     wof_read_fn read, void *arg, struct wof **out);
/* Up to n real bytes at off (0 past the end), or -EIO for a damaged
 * stream (wof_why() says where and why), -errno of read(). */
ssize_t wof_pread(struct wof *w, void *buf, size_t n, uint64_t off);
/* why the last -EIO: "" when there was none */
const char *wof_why(const struct wof *w);
void wof_close(struct wof *w);

#endif

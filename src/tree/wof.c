/*
 * wof: the real bytes of a system-compressed file, from its
 * WofCompressedData stream.
 *
 *   +-------------------------------+---------+---------+-----+---------+
 *   | table: nchunks - 1 offsets    | chunk 0 | chunk 1 | ... | chunk   |
 *   | (LE32, or LE64 from 4 GiB)    |         |         |     | n - 1   |
 *   +-------------------------------+---------+---------+-----+---------+
 *   ^ 0                             ^ data: offsets count from here
 *
 * Entry k is where chunk k + 1 starts; chunk 0 starts at the data and
 * the last chunk ends at the stream's end. A chunk stored in as many
 * bytes as it holds is raw; any other is compressed (XPRESS or LZX, by
 * libwim). The table is read in windows of WOF_TABLE_WINDOW entries, so
 * a file of terabytes costs no more memory than a small one.
 *
 * What is checked: each chunk's offsets (increasing, inside the stream,
 * no more stored bytes than real ones) as the chunk is read, and that
 * libwim decodes its bytes to exactly its size. Not checkable: a chunk
 * whose bytes are wrong but still decode (libwim reads past a chunk's end
 * as zero bits, so one cut short may decode to wrong bytes); WOF keeps
 * no checksum.
 *
 * Thread safety: none inside. The caller serialises every call on one
 * struct wof (the NTFS source holds its file's lock around wof_pread());
 * distinct struct wof may be used from distinct threads at once.
 */
#include "wof.h"

#include <errno.h>
#include <inttypes.h>
#include <limits.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <wimlib.h>

/* entries of the chunk table held at once (8 KiB of offsets) */
#define WOF_TABLE_WINDOW 1024
/* decompressed chunks kept (each at most 32 KiB) */
#define WOF_CACHE 4
/* the bytes of the table read per read() call */
#define WOF_TABLE_READ 4096

struct wof_slot {
	uint64_t chunk; /* UINT64_MAX: empty */
	uint64_t used;	/* the age: larger is more recent */
	uint8_t *data;
};

struct wof {
	enum wof_format fmt;
	uint64_t size;
	uint64_t stream_size;
	wof_read_fn read;
	void *arg;
	unsigned shift;	     /* log2 of the chunk size */
	uint32_t chunk_size; /* 4, 8, 16 or 32 KiB */
	uint64_t nchunks;
	unsigned entry_size; /* 4 or 8 */
	uint64_t table_size; /* (nchunks - 1) * entry_size */
	uint64_t data_size;  /* stream_size - table_size */
	struct wimlib_decompressor *dec;

	/* entries [tab_first, tab_first + tab_n) of the table */
	uint64_t tab_first;
	size_t tab_n;
	uint64_t tab[WOF_TABLE_WINDOW];

	uint8_t *cbuf; /* one compressed chunk */
	struct wof_slot cache[WOF_CACHE];
	uint64_t clock;
	char why[192];
};

static uint32_t le32(const uint8_t *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 |
	       (uint32_t)p[3] << 24;
}

static uint64_t le64(const uint8_t *p)
{
	return (uint64_t)le32(p) | (uint64_t)le32(p + 4) << 32;
}

static int say(char *why, size_t n, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
static int say(char *why, size_t n, const char *fmt, ...)
{
	va_list ap;

	if (why && n) {
		va_start(ap, fmt);
		vsnprintf(why, n, fmt, ap);
		va_end(ap);
	}
	return -EINVAL;
}

/*
 * data: WOF_EXTERNAL_INFO { ULONG Version = 1; ULONG Provider; } then,
 * for the file provider (2), FILE_PROVIDER_EXTERNAL_INFO_V1 { ULONG
 * Version = 1; ULONG Algorithm; ULONG Flags; }, without the reparse
 * buffer's own header (tag, length, reserved).
 */
int wof_reparse_format(const void *data, size_t len, enum wof_format *fmt,
		       char *why, size_t n)
{
	const uint8_t *p = data;
	uint32_t v, provider, algo;

	if (!p || len < 8)
		return say(why, n, "wof reparse data of %zu bytes, want 20",
			   len);
	v = le32(p);
	provider = le32(p + 4);
	if (v != 1)
		return say(why, n, "wof version %" PRIu32 ", want 1", v);
	if (provider == 1) {
		say(why, n, "wim-backed file (wof provider 1)");
		return -ENOTSUP;
	}
	if (provider != 2)
		return say(why, n, "wof provider %" PRIu32 ", want 2",
			   provider);
	if (len < 20)
		return say(why, n, "wof reparse data of %zu bytes, want 20",
			   len);
	v = le32(p + 8);
	algo = le32(p + 12);
	if (v != 1)
		return say(why, n, "file provider version %" PRIu32 ", want 1",
			   v);
	if (algo > WOF_XPRESS16K)
		return say(why, n, "compression algorithm %" PRIu32, algo);
	*fmt = (enum wof_format)algo;
	return 0;
}

const char *wof_format_name(enum wof_format fmt)
{
	switch (fmt) {
	case WOF_XPRESS4K:
		return "XPRESS4K";
	case WOF_LZX:
		return "LZX";
	case WOF_XPRESS8K:
		return "XPRESS8K";
	case WOF_XPRESS16K:
		return "XPRESS16K";
	}
	return "unknown";
}

static int fmt_shift(enum wof_format fmt, unsigned *shift,
		     enum wimlib_compression_type *ctype)
{
	*ctype = WIMLIB_COMPRESSION_TYPE_XPRESS;
	switch (fmt) {
	case WOF_XPRESS4K:
		*shift = 12;
		return 0;
	case WOF_XPRESS8K:
		*shift = 13;
		return 0;
	case WOF_XPRESS16K:
		*shift = 14;
		return 0;
	case WOF_LZX:
		/* WOF's LZX: a 32 KiB window, the chunk size; libwim's LZX
		 * with a 32 KiB block is that variant (E8 translation of
		 * the WIM flavour, one chunk per call) */
		*shift = 15;
		*ctype = WIMLIB_COMPRESSION_TYPE_LZX;
		return 0;
	}
	return -EINVAL;
}

static int lib_rc;

/* libwim's one-time setup, which wimlib_create_decompressor() would
 * otherwise run itself, once per thread that races there */
static void lib_init(void)
{
	lib_rc = wimlib_global_init(0);
}

int wof_open(enum wof_format fmt, uint64_t size, uint64_t stream_size,
	     wof_read_fn read, void *arg, struct wof **out)
{
	static pthread_once_t once = PTHREAD_ONCE_INIT;
	enum wimlib_compression_type ctype;
	struct wof *w;
	unsigned shift, i;

	if (!read || fmt_shift(fmt, &shift, &ctype))
		return -EINVAL;
	pthread_once(&once, lib_init);
	if (lib_rc)
		return -ENOMEM;
	w = calloc(1, sizeof(*w));
	if (!w)
		return -ENOMEM;
	w->fmt = fmt;
	w->size = size;
	w->stream_size = stream_size;
	w->read = read;
	w->arg = arg;
	w->shift = shift;
	w->chunk_size = (uint32_t)1 << shift;
	w->nchunks = (size >> shift) + ((size & (w->chunk_size - 1)) != 0);
	w->entry_size = size > UINT32_MAX ? 8 : 4;
	w->table_size = w->nchunks ? (w->nchunks - 1) * w->entry_size : 0;
	if (w->table_size > stream_size) {
		free(w);
		return -EINVAL;
	}
	w->data_size = stream_size - w->table_size;
	if (wimlib_create_decompressor(ctype, w->chunk_size, &w->dec)) {
		free(w);
		return -ENOMEM;
	}
	w->cbuf = malloc(w->chunk_size);
	if (!w->cbuf)
		goto out_nomem;
	for (i = 0; i < WOF_CACHE; i++) {
		w->cache[i].chunk = UINT64_MAX;
		w->cache[i].data = malloc(w->chunk_size);
		if (!w->cache[i].data)
			goto out_nomem;
	}
	*out = w;
	return 0;
out_nomem:
	wof_close(w);
	return -ENOMEM;
}

void wof_close(struct wof *w)
{
	unsigned i;

	if (!w)
		return;
	wimlib_free_decompressor(w->dec);
	free(w->cbuf);
	for (i = 0; i < WOF_CACHE; i++)
		free(w->cache[i].data);
	free(w);
}

const char *wof_why(const struct wof *w)
{
	return w->why;
}

static int fault(struct wof *w, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
static int fault(struct wof *w, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(w->why, sizeof(w->why), fmt, ap);
	va_end(ap);
	return -EIO;
}

/* exactly n bytes of the stream at off: 0, -EIO at a short stream, or
 * read()'s -errno */
static int read_exact(struct wof *w, void *buf, size_t n, uint64_t off,
		      uint64_t chunk)
{
	uint8_t *p = buf;
	size_t done = 0;
	ssize_t r;

	while (done < n) {
		r = w->read(w->arg, p + done, n - done, off + done);
		if (r < 0)
			return (int)r;
		if (r == 0 || (size_t)r > n - done)
			return fault(w,
				     "chunk %" PRIu64
				     ": the stream ends at %" PRIu64
				     " of %" PRIu64 " bytes",
				     chunk, off + done, w->stream_size);
		done += (size_t)r;
	}
	return 0;
}

/* entries from first on into the window; they are checked as a chunk
 * uses them, so a damaged entry spoils its two chunks only */
static int load_table(struct wof *w, uint64_t first, uint64_t chunk)
{
	uint8_t buf[WOF_TABLE_READ];
	uint64_t nent = w->nchunks - 1, left;
	size_t n = 0, per = WOF_TABLE_READ / w->entry_size, got, j;
	int r;

	w->tab_n = 0;
	left = nent - first;
	if (left > WOF_TABLE_WINDOW)
		left = WOF_TABLE_WINDOW;
	while (n < left) {
		got = left - n < per ? (size_t)(left - n) : per;
		r = read_exact(w, buf, got * w->entry_size,
			       (first + n) * w->entry_size, chunk);
		if (r)
			return r;
		for (j = 0; j < got; j++, n++)
			w->tab[n] = w->entry_size == 8 ? le64(buf + 8 * j)
						       : le32(buf + 4 * j);
	}
	w->tab_first = first;
	w->tab_n = n;
	return 0;
}

/* where chunk i's stored bytes start and end, counted from the data */
static int chunk_bounds(struct wof *w, uint64_t i, uint64_t *start,
			uint64_t *end)
{
	uint64_t lo = i ? i - 1 : 0, hi = i + 1 < w->nchunks ? i : lo;
	int r;

	if (w->nchunks > 1 && (w->tab_n == 0 || lo < w->tab_first ||
			       hi >= w->tab_first + w->tab_n)) {
		r = load_table(w, lo, i);
		if (r)
			return r;
	}
	*start = i ? w->tab[i - 1 - w->tab_first] : 0;
	*end = i + 1 < w->nchunks ? w->tab[i - w->tab_first] : w->data_size;
	return 0;
}

/* decompresses (or copies) chunk i, of len real bytes, into out */
static int load_chunk(struct wof *w, uint64_t i, uint32_t len, uint8_t *out)
{
	uint64_t start, end, stored;
	int r;

	r = chunk_bounds(w, i, &start, &end);
	if (r)
		return r;
	if (end > w->data_size)
		return fault(w,
			     "chunk %" PRIu64 ": chunk table offset %" PRIu64
			     " past the stream's %" PRIu64 " data bytes",
			     i, end, w->data_size);
	if (end < start)
		return fault(w,
			     "chunk %" PRIu64
			     ": chunk table offsets decrease (%" PRIu64
			     " then %" PRIu64 ")",
			     i, start, end);
	stored = end - start;
	if (stored > len)
		return fault(w,
			     "chunk %" PRIu64 ": %" PRIu64
			     " stored bytes for %" PRIu32 " real ones",
			     i, stored, len);
	if (stored == 0)
		return fault(w, "chunk %" PRIu64 ": stored in 0 bytes", i);
	if (stored == len)
		return read_exact(w, out, len, w->table_size + start, i);
	r = read_exact(w, w->cbuf, (size_t)stored, w->table_size + start, i);
	if (r)
		return r;
	if (wimlib_decompress(w->cbuf, (size_t)stored, out, len, w->dec))
		return fault(w,
			     "chunk %" PRIu64 ": %" PRIu64
			     " bytes do not decompress (%s) to %" PRIu32,
			     i, stored, wof_format_name(w->fmt), len);
	return 0;
}

/* chunk i's real bytes, from the cache or loaded into its oldest slot */
static int get_chunk(struct wof *w, uint64_t i, const uint8_t **data)
{
	struct wof_slot *s = &w->cache[0];
	uint64_t base = i << w->shift;
	uint32_t len = w->size - base < w->chunk_size
			       ? (uint32_t)(w->size - base)
			       : w->chunk_size;
	unsigned k;
	int r;

	for (k = 0; k < WOF_CACHE; k++) {
		if (w->cache[k].chunk == i) {
			w->cache[k].used = ++w->clock;
			*data = w->cache[k].data;
			return 0;
		}
		if (w->cache[k].used < s->used)
			s = &w->cache[k];
	}
	s->chunk = UINT64_MAX;
	s->used = 0;
	r = load_chunk(w, i, len, s->data);
	if (r)
		return r;
	s->chunk = i;
	s->used = ++w->clock;
	*data = s->data;
	return 0;
}

ssize_t wof_pread(struct wof *w, void *buf, size_t n, uint64_t off)
{
	uint8_t *p = buf;
	const uint8_t *data;
	size_t done = 0, take;
	uint64_t i, in;
	int r;

	if (off >= w->size || n == 0)
		return 0;
	if (n > w->size - off)
		n = (size_t)(w->size - off);
	if (n > SSIZE_MAX)
		n = SSIZE_MAX;
	while (done < n) {
		i = (off + done) >> w->shift;
		in = (off + done) & (w->chunk_size - 1);
		r = get_chunk(w, i, &data);
		if (r)
			return done ? (ssize_t)done : r;
		take = w->chunk_size - in;
		if (take > n - done)
			take = n - done;
		memcpy(p + done, data + in, take);
		done += take;
	}
	return (ssize_t)done;
}

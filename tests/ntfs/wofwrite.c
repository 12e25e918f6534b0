/*
 * wofwrite: the WofCompressedData stream of a file, made chunk by chunk
 * with libwim's compressor. A chunk that does not shrink is stored raw,
 * as Windows does; the chunks of zeros (a sparse file's holes) reuse one
 * compressed zero chunk, so a file of gigabytes of zeros is quick.
 */
#include "wofwrite.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include <wimlib.h>

static void put_le32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)v;
	p[1] = (uint8_t)(v >> 8);
	p[2] = (uint8_t)(v >> 16);
	p[3] = (uint8_t)(v >> 24);
}

static void put_le(uint8_t *p, uint64_t v, unsigned n)
{
	unsigned i;

	for (i = 0; i < n; i++)
		p[i] = (uint8_t)(v >> (8 * i));
}

void wofw_reparse(enum wof_format fmt, uint8_t out[WOFW_REPARSE_SIZE])
{
	memset(out, 0, WOFW_REPARSE_SIZE);
	put_le32(out, WOF_REPARSE_TAG);
	out[4] = 20;	       /* ReparseDataLength; Reserved stays 0 */
	put_le32(out + 8, 1);  /* WOF_EXTERNAL_INFO.Version */
	put_le32(out + 12, 2); /* .Provider: FILE */
	put_le32(out + 16, 1); /* FILE_PROVIDER_EXTERNAL_INFO_V1.Version */
	put_le32(out + 20, (uint32_t)fmt);
	/* Flags: 0 */
}

int wofw_parse_format(const char *s, enum wof_format *fmt)
{
	static const enum wof_format all[] = { WOF_XPRESS4K, WOF_LZX,
					       WOF_XPRESS8K, WOF_XPRESS16K };
	size_t i;

	for (i = 0; i < sizeof(all) / sizeof(all[0]); i++)
		if (strcasecmp(s, wof_format_name(all[i])) == 0) {
			*fmt = all[i];
			return 0;
		}
	return -EINVAL;
}

static int pwrite_all(int fd, const void *buf, size_t n, uint64_t off)
{
	const uint8_t *p = buf;
	ssize_t r;

	while (n) {
		r = pwrite(fd, p, n, (off_t)off);
		if (r < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		p += r;
		n -= (size_t)r;
		off += (uint64_t)r;
	}
	return 0;
}

static int read_all(wofw_in_fn in, void *arg, uint8_t *buf, size_t n,
		    uint64_t off)
{
	size_t done = 0;
	ssize_t r;

	while (done < n) {
		r = in(arg, buf + done, n - done, off + done);
		if (r < 0)
			return (int)r;
		if (r == 0)
			return -EIO; /* the input is shorter than its size */
		done += (size_t)r;
	}
	return 0;
}

static int all_zero(const uint8_t *p, size_t n)
{
	return n == 0 || (p[0] == 0 && memcmp(p, p + 1, n - 1) == 0);
}

struct wofw {
	const struct wofw_opts *o;
	struct wimlib_compressor *c;
	uint32_t chunk;
	uint8_t *in, *out, *zero; /* zero: the compressed zero chunk */
	size_t zero_len;
	uint64_t *ends; /* where each chunk ends, from the data */
	uint64_t nchunks;
	uint64_t size;
};

/* chunk i's stored form (len real bytes in w->in): *p, *n */
static void encode(struct wofw *w, uint64_t i, size_t len, const uint8_t **p,
		   size_t *n)
{
	size_t c = 0;

	*p = w->in;
	*n = len;
	if (w->o->raw_last && i + 1 == w->nchunks)
		return;
	if (len == w->chunk && w->zero && all_zero(w->in, len)) {
		*p = w->zero;
		*n = w->zero_len;
		return;
	}
	if (len > 1)
		c = wimlib_compress(w->in, len, w->out, len - 1, w->c);
	if (c == 0)
		return; /* raw: it does not shrink */
	*p = w->out;
	*n = c;
	if (len == w->chunk && !w->zero && all_zero(w->in, len) &&
	    (w->zero = malloc(c))) {
		memcpy(w->zero, w->out, c);
		w->zero_len = c;
	}
}

static int write_chunks(struct wofw *w, wofw_in_fn in, void *arg, uint64_t size,
			int fd, uint64_t table)
{
	uint64_t i, pos = 0, base;
	const uint8_t *p;
	size_t len, n;
	int r;

	for (i = 0; i < w->nchunks; i++) {
		base = i * w->chunk;
		len = size - base < w->chunk ? (size_t)(size - base) : w->chunk;
		r = read_all(in, arg, w->in, len, base);
		if (r)
			return r;
		encode(w, i, len, &p, &n);
		r = pwrite_all(fd, p, n, table + pos);
		if (r)
			return r;
		pos += n;
		w->ends[i] = pos;
	}
	return 0;
}

static int write_table(struct wofw *w, int fd, unsigned esz)
{
	uint8_t buf[4096];
	uint64_t k, nent = w->nchunks ? w->nchunks - 1 : 0;
	size_t b = 0;
	int r;

	for (k = 0; k < nent; k++) {
		put_le(buf + b, w->ends[k], esz);
		b += esz;
		if (b == sizeof(buf) || k + 1 == nent) {
			r = pwrite_all(fd, buf, b, (k + 1) * esz - b);
			if (r)
				return r;
			b = 0;
		}
	}
	return 0;
}

/* a compressed chunk to spoil: the middle one, else the first after it,
 * else any before (the middle is raw) */
static int garbage(struct wofw *w, int fd, uint64_t table)
{
	uint64_t i, k, start, n, len;
	uint32_t x = 2463534242u;
	uint8_t buf[256];
	size_t j;

	for (k = 0; k < w->nchunks; k++) {
		i = (w->nchunks / 2 + k) % w->nchunks;
		start = i ? w->ends[i - 1] : 0;
		n = w->ends[i] - start;
		len = w->size - i * w->chunk < w->chunk ? w->size - i * w->chunk
							: w->chunk;
		if (n == len)
			continue; /* raw: garbage would read as data */
		if (n > sizeof(buf))
			n = sizeof(buf);
		for (j = 0; j < n; j++) {
			x ^= x << 13;
			x ^= x >> 17;
			x ^= x << 5;
			buf[j] = (uint8_t)x;
		}
		return pwrite_all(fd, buf, (size_t)n, table + start);
	}
	return -EINVAL;
}

static int damage(struct wofw *w, int fd, unsigned esz, uint64_t table,
		  uint64_t *stream)
{
	uint8_t e[8];
	uint64_t mid;

	switch (w->o->damage) {
	case WOFW_INTACT:
		return 0;
	case WOFW_BAD_TABLE:
		if (w->nchunks < 2)
			return -EINVAL;
		put_le(e, *stream - table + 4096, esz);
		return pwrite_all(fd, e, esz, (w->nchunks - 1) / 2 * esz);
	case WOFW_TRUNCATED:
		if (w->nchunks < 2)
			return -EINVAL;
		mid = w->nchunks / 2;
		*stream = table + w->ends[mid - 1] +
			  (w->ends[mid] - w->ends[mid - 1]) / 2;
		return ftruncate(fd, (off_t)*stream) ? -errno : 0;
	case WOFW_GARBAGE:
		return garbage(w, fd, table);
	}
	return -EINVAL;
}

int wofw_write(const struct wofw_opts *o, wofw_in_fn in, void *arg,
	       uint64_t size, int out_fd, uint64_t *stream)
{
	struct wofw w = { .o = o, .size = size };
	enum wimlib_compression_type ct = WIMLIB_COMPRESSION_TYPE_XPRESS;
	unsigned esz = size > UINT32_MAX ? 8 : 4;
	uint64_t table, total;
	int r = -ENOMEM;

	switch (o->fmt) {
	case WOF_XPRESS4K:
		w.chunk = 4096;
		break;
	case WOF_XPRESS8K:
		w.chunk = 8192;
		break;
	case WOF_XPRESS16K:
		w.chunk = 16384;
		break;
	case WOF_LZX:
		w.chunk = 32768;
		ct = WIMLIB_COMPRESSION_TYPE_LZX;
		break;
	default:
		return -EINVAL;
	}
	w.nchunks = size / w.chunk + (size % w.chunk != 0);
	if (o->damage != WOFW_INTACT && w.nchunks == 0)
		return -EINVAL;
	table = w.nchunks ? (w.nchunks - 1) * esz : 0;
	if (wimlib_create_compressor(ct, w.chunk, 0, &w.c))
		return -ENOMEM;
	w.in = malloc(w.chunk);
	w.out = malloc(w.chunk);
	w.ends = calloc(w.nchunks ? w.nchunks : 1, sizeof(*w.ends));
	if (!w.in || !w.out || !w.ends)
		goto out;
	if (ftruncate(out_fd, 0)) {
		r = -errno;
		goto out;
	}
	r = write_chunks(&w, in, arg, size, out_fd, table);
	if (!r)
		r = write_table(&w, out_fd, esz);
	total = table + (w.nchunks ? w.ends[w.nchunks - 1] : 0);
	if (!r)
		r = damage(&w, out_fd, esz, table, &total);
	if (!r)
		*stream = total;
out:
	wimlib_free_compressor(w.c);
	free(w.in);
	free(w.out);
	free(w.zero);
	free(w.ends);
	return r;
}

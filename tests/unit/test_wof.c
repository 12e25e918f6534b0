/*
 * wof: the reader of system-compressed streams against the writer of
 * tests/ntfs/wofwrite.c (libwim's compressor), in all four formats; a
 * synthesised stream of a file over 4 GiB (8-byte table entries, offsets
 * above 4 GiB) read without any of it on disk; damaged streams give -EIO
 * with a reason, never a crash.
 */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include <wimlib.h>

#include "t.h"
#include "wof.h"
#include "wofwrite.h"

static const enum wof_format all[] = { WOF_XPRESS4K, WOF_LZX, WOF_XPRESS8K,
				       WOF_XPRESS16K };

struct mem {
	const uint8_t *p;
	size_t n;
};

static ssize_t mem_read(void *arg, void *buf, size_t n, uint64_t off)
{
	const struct mem *m = arg;

	if (off >= m->n)
		return 0;
	if (n > m->n - off)
		n = m->n - (size_t)off;
	memcpy(buf, m->p + off, n);
	return (ssize_t)n;
}

struct fd_src {
	int fd;
	uint64_t bytes; /* read so far */
	int fail;	/* read() fails with -fail */
};

static ssize_t fd_read(void *arg, void *buf, size_t n, uint64_t off)
{
	struct fd_src *s = arg;
	ssize_t r;

	if (s->fail)
		return -s->fail;
	/* in odd pieces, as a fragmented stream is read */
	if (n > 1000)
		n = 1000;
	r = pread(s->fd, buf, n, (off_t)off);
	if (r < 0)
		return -errno;
	s->bytes += (uint64_t)r;
	return r;
}

/* a file like a binary: runs of text, tables of small numbers, and some
 * noise that does not compress */
static uint8_t *sample(size_t n, uint32_t seed)
{
	uint8_t *p = malloc(n ? n : 1);
	uint32_t x = seed | 1;
	size_t i;

	for (i = 0; p && i < n; i++) {
		x ^= x << 13;
		x ^= x >> 17;
		x ^= x << 5;
		if ((i / 3000) % 3 == 0)
			p[i] = "This program cannot be run in DOS mode. "[i %
									  40];
		else if ((i / 3000) % 3 == 1)
			p[i] = (uint8_t)((i / 8) & 0x1f);
		else
			p[i] = (uint8_t)x;
	}
	return p;
}

/* the stream of data (n bytes) in a memfd: its fd, *size the stream's */
static int make_stream(const struct wofw_opts *o, const uint8_t *data, size_t n,
		       uint64_t *size)
{
	struct mem m = { data, n };
	int fd = memfd_create("wof", 0);

	if (fd < 0 || wofw_write(o, mem_read, &m, n, fd, size)) {
		if (fd >= 0)
			close(fd);
		return -1;
	}
	return fd;
}

static int read_all_back(struct wof *w, uint8_t *out, size_t n, size_t piece)
{
	size_t done = 0;
	ssize_t r;

	while (done < n) {
		r = wof_pread(w, out + done,
			      piece < n - done ? piece : n - done, done);
		if (r <= 0)
			return r ? (int)r : -EIO;
		done += (size_t)r;
	}
	return wof_pread(w, out, 1, n) == 0 ? 0 : -EIO;
}

static void round_trip(enum wof_format fmt, size_t n, int raw_last)
{
	struct wofw_opts o = { .fmt = fmt, .raw_last = raw_last };
	uint8_t *data = sample(n, (uint32_t)n), *back = malloc(n + 1);
	struct fd_src s = { 0 };
	struct wof *w = NULL;
	uint64_t size = 0;
	size_t off, k;
	ssize_t r;

	s.fd = make_stream(&o, data, n, &size);
	CHECK(s.fd >= 0);
	CHECK(wof_open(fmt, n, size, fd_read, &s, &w) == 0);
	if (!w || !back || s.fd < 0)
		goto out;
	CHECK(read_all_back(w, back, n, 4097) == 0);
	CHECK(memcmp(back, data, n) == 0);
	CHECK_STR(wof_why(w), "");
	/* reads at odd offsets, across chunks, backwards */
	for (k = 0; n && k < 40; k++) {
		off = (n - 1) - (k * 7919) % n;
		r = wof_pread(w, back, 5000, off);
		CHECK(r == (ssize_t)(n - off < 5000 ? n - off : 5000));
		CHECK(r > 0 && memcmp(back, data + off, (size_t)r) == 0);
	}
	CHECK(wof_pread(w, back, 10, (uint64_t)n + 5) == 0);
out:
	wof_close(w);
	if (s.fd >= 0)
		close(s.fd);
	free(data);
	free(back);
}

static void test_round_trips(void)
{
	static const size_t sizes[] = { 0,     1,     4095,   4096,  4097,
					32768, 32769, 100000, 300001 };
	size_t f, k;

	for (f = 0; f < 4; f++)
		for (k = 0; k < sizeof(sizes) / sizeof(sizes[0]); k++) {
			round_trip(all[f], sizes[k], 0);
			round_trip(all[f], sizes[k], 1);
		}
}

/* stored size of the last chunk: the stream's end less the last entry */
static void test_raw_last(void)
{
	size_t f, n = 70000;
	uint8_t *data = sample(n, 7), e[4];
	struct wofw_opts o = { .raw_last = 1 };
	uint64_t size = 0, start;
	uint32_t cs;
	int fd;

	for (f = 0; f < 4; f++) {
		o.fmt = all[f];
		cs = all[f] == WOF_LZX	      ? 32768
		     : all[f] == WOF_XPRESS4K ? 4096
		     : all[f] == WOF_XPRESS8K ? 8192
					      : 16384;
		fd = make_stream(&o, data, n, &size);
		CHECK(fd >= 0);
		uint64_t nch = (n + cs - 1) / cs, table = (nch - 1) * 4;
		CHECK(pread(fd, e, 4, (off_t)(table - 4)) == 4);
		start = e[0] | e[1] << 8 | (uint32_t)e[2] << 16 |
			(uint32_t)e[3] << 24;
		CHECK(size - table - start == n - (nch - 1) * cs);
		/* the whole file read back, last chunk from the raw bytes */
		round_trip(all[f], n, 1);
		close(fd);
	}
	free(data);
}

/* noise that never compresses: every chunk stored raw */
static void test_incompressible(void)
{
	size_t n = 50000, i;
	uint8_t *data = malloc(n), *back = malloc(n);
	struct wofw_opts o = { .fmt = WOF_XPRESS8K };
	struct fd_src s = { 0 };
	struct wof *w = NULL;
	uint64_t size = 0, x = 88172645463325252ull;

	for (i = 0; i < n; i++) {
		x ^= x << 13;
		x ^= x >> 7;
		x ^= x << 17;
		data[i] = (uint8_t)(x >> 24);
	}
	s.fd = make_stream(&o, data, n, &size);
	CHECK(size == n + 6 * 4); /* 7 raw chunks after 6 entries */
	CHECK(wof_open(o.fmt, n, size, fd_read, &s, &w) == 0);
	CHECK(w && read_all_back(w, back, n, 9999) == 0);
	CHECK(memcmp(back, data, n) == 0);
	wof_close(w);
	close(s.fd);
	free(data);
	free(back);
}

/* the damaged stream of a 100000-byte file: -EIO with why, a good chunk
 * before the damage still read */
static void damaged(enum wof_format fmt, enum wofw_damage d, const char *word)
{
	struct wofw_opts o = { .fmt = fmt, .damage = d };
	size_t n = 100000;
	uint8_t *data = sample(n, 3), *back = malloc(n);
	struct fd_src s = { 0 };
	struct wof *w = NULL;
	uint64_t size = 0;
	ssize_t r;
	int rr;

	s.fd = make_stream(&o, data, n, &size);
	CHECK(s.fd >= 0);
	CHECK(wof_open(fmt, n, size, fd_read, &s, &w) == 0);
	if (!w)
		goto out;
	rr = read_all_back(w, back, n, 3000);
	CHECK(rr == -EIO);
	CHECK(strstr(wof_why(w), "chunk ") == wof_why(w));
	if (!strstr(wof_why(w), word))
		fprintf(stderr, "why: %s (want %s, fmt %d damage %d)\n",
			wof_why(w), word, fmt, d);
	CHECK(strstr(wof_why(w), word) != NULL);
	/* each read again fails the same way, never a crash */
	r = wof_pread(w, back, n, 0);
	CHECK(r == -EIO || (r > 0 && r < (ssize_t)n));
	{
		/* the first chunk is undamaged */
		CHECK(wof_pread(w, back, 100, 0) == 100);
		CHECK(memcmp(back, data, 100) == 0);
	}
out:
	wof_close(w);
	if (s.fd >= 0)
		close(s.fd);
	free(data);
	free(back);
}

static void test_damaged(void)
{
	size_t f;

	for (f = 0; f < 4; f++) {
		damaged(all[f], WOFW_BAD_TABLE, "past the stream");
		damaged(all[f], WOFW_TRUNCATED, "past the stream");
		damaged(all[f], WOFW_GARBAGE, "decompress");
	}
}

/* hand-made tables: a decreasing one, a chunk longer than its size, a
 * stream cut inside the table, a read error, a stream too short */
static void test_tables(void)
{
	uint8_t s[64] = { 0 }, buf[16];
	struct mem m = { s, sizeof(s) };
	struct fd_src f = { .fd = -1, .fail = EINTR };
	struct wof *w = NULL;

	/* 3 chunks of 4 KiB (10000 bytes): entries 20, 10: chunk 1
	 * decreasing */
	s[0] = 20;
	s[4] = 10;
	CHECK(wof_open(WOF_XPRESS4K, 10000, sizeof(s), mem_read, &m, &w) == 0);
	CHECK(wof_pread(w, buf, 1, 4096) == -EIO);
	CHECK(strstr(wof_why(w), "offsets decrease (20 then 10)") != NULL);
	wof_close(w);
	/* an empty chunk 0 */
	s[0] = 0;
	s[4] = 10;
	CHECK(wof_open(WOF_XPRESS4K, 10000, sizeof(s), mem_read, &m, &w) == 0);
	CHECK(wof_pread(w, buf, 1, 0) == -EIO);
	CHECK(strstr(wof_why(w), "stored in 0 bytes") != NULL);
	wof_close(w);
	/* the table itself cut short: stream of 8 bytes, table 8, no data;
	 * the last chunk then ends at 0, before entry 1 */
	m.n = 8;
	s[0] = 0;
	s[4] = 0;
	CHECK(wof_open(WOF_XPRESS4K, 10000, 8, mem_read, &m, &w) == 0);
	CHECK(wof_pread(w, buf, 1, 9000) == -EIO);
	wof_close(w);
	/* the stream claimed larger than what read() gives */
	s[0] = 4;
	s[4] = 8;
	m.n = 10;
	CHECK(wof_open(WOF_XPRESS4K, 10000, 64, mem_read, &m, &w) == 0);
	CHECK(wof_pread(w, buf, 1, 0) == -EIO);
	CHECK(strstr(wof_why(w), "stream ends at") != NULL);
	wof_close(w);
	/* read()'s error passes through */
	CHECK(wof_open(WOF_LZX, 10000, 64, fd_read, &f, &w) == 0);
	CHECK(wof_pread(w, buf, 1, 0) == -EINTR);
	wof_close(w);
	/* too short for its table */
	CHECK(wof_open(WOF_XPRESS4K, 10000, 7, mem_read, &m, &w) == -EINVAL);
	CHECK(wof_open(WOF_XPRESS4K, 0, 0, mem_read, &m, &w) == 0);
	CHECK(wof_pread(w, buf, 1, 0) == 0);
	wof_close(w);
	CHECK(wof_open((enum wof_format)4, 10, 10, mem_read, &m, &w) ==
	      -EINVAL);
	/* the table's entries: 4 bytes to 4 GiB - 1, 8 from 4 GiB (262144
	 * chunks of 16 KiB: 262143 entries) */
	CHECK(wof_open(WOF_XPRESS16K, UINT32_MAX, 262143 * 4 - 1, mem_read, &m,
		       &w) == -EINVAL);
	CHECK(wof_open(WOF_XPRESS16K, UINT32_MAX, 262143 * 4, mem_read, &m,
		       &w) == 0);
	wof_close(w);
	CHECK(wof_open(WOF_XPRESS16K, (uint64_t)1 << 32, 262143 * 8 - 1,
		       mem_read, &m, &w) == -EINVAL);
	CHECK(wof_open(WOF_XPRESS16K, (uint64_t)1 << 32, 262143 * 8, mem_read,
		       &m, &w) == 0);
	wof_close(w);
}

/*
 * A file of 4 GiB + 3 chunks + 100 bytes in XPRESS16K, never written:
 * read() makes up each byte of its stream. Every chunk is raw (so the
 * offsets pass 4 GiB) but chunk Q, compressed, and the last, short one.
 * Chunk i's byte j is big_byte(i, j).
 */
#define BIG_CS	 16384u
#define BIG_SIZE ((uint64_t)4 << 30 | 3 * BIG_CS | 100)

struct big {
	uint64_t nchunks, table, q;
	uint8_t blob[BIG_CS];
	size_t blob_len;
	uint64_t bytes;
};

static uint8_t big_byte(uint64_t i, uint64_t j)
{
	return (uint8_t)(i * 37 + j / 64);
}

static uint64_t big_start(const struct big *b, uint64_t i)
{
	return i <= b->q ? i * BIG_CS : (i - 1) * BIG_CS + b->blob_len;
}

static uint8_t big_at(const struct big *b, uint64_t x)
{
	uint64_t rel, i;

	if (x < b->table)
		return (uint8_t)(big_start(b, x / 8 + 1) >> (8 * (x % 8)));
	rel = x - b->table;
	if (rel < b->q * BIG_CS)
		return big_byte(rel / BIG_CS, rel % BIG_CS);
	if (rel < b->q * BIG_CS + b->blob_len)
		return b->blob[rel - b->q * BIG_CS];
	rel -= b->q * BIG_CS + b->blob_len;
	i = b->q + 1 + rel / BIG_CS;
	return big_byte(i, rel % BIG_CS);
}

static ssize_t big_read(void *arg, void *buf, size_t n, uint64_t off)
{
	struct big *b = arg;
	uint64_t end = b->table + big_start(b, b->nchunks - 1) + 100;
	uint8_t *p = buf;
	size_t k;

	if (off >= end)
		return 0;
	if (n > end - off)
		n = (size_t)(end - off);
	for (k = 0; k < n; k++)
		p[k] = big_at(b, off + k);
	b->bytes += n;
	return (ssize_t)n;
}

static void check_big_range(struct wof *w, uint64_t off, size_t n)
{
	uint8_t buf[40000];
	size_t k, bad = 0;
	uint64_t x;

	CHECK(wof_pread(w, buf, n, off) == (ssize_t)n);
	for (k = 0; k < n; k++) {
		x = off + k;
		bad += buf[k] != big_byte(x / BIG_CS, x % BIG_CS);
	}
	CHECK(bad == 0);
}

static void test_big(void)
{
	struct big *b = calloc(1, sizeof(*b));
	struct wimlib_compressor *c = NULL;
	uint8_t chunk[BIG_CS];
	struct wof *w = NULL;
	uint64_t stream, k;

	b->nchunks = BIG_SIZE / BIG_CS + 1;
	b->table = (b->nchunks - 1) * 8;
	b->q = b->nchunks - 3; /* past 4 GiB */
	for (k = 0; k < BIG_CS; k++)
		chunk[k] = big_byte(b->q, k);
	CHECK(wimlib_create_compressor(WIMLIB_COMPRESSION_TYPE_XPRESS, BIG_CS,
				       0, &c) == 0);
	b->blob_len = wimlib_compress(chunk, BIG_CS, b->blob, BIG_CS - 1, c);
	wimlib_free_compressor(c);
	CHECK(b->blob_len > 0 && b->blob_len < 1000);
	stream = b->table + big_start(b, b->nchunks - 1) + 100;
	CHECK(big_start(b, b->nchunks - 1) > UINT32_MAX);
	CHECK(wof_open(WOF_XPRESS16K, BIG_SIZE, stream, big_read, b, &w) == 0);
	if (!w)
		goto out;
	check_big_range(w, 0, 40000);
	check_big_range(w, ((uint64_t)4 << 30) - 20000, 40000);
	check_big_range(w, b->q * BIG_CS - 5000, 30000);
	check_big_range(w, BIG_SIZE - 30000, 30000);
	check_big_range(w, (uint64_t)3 << 30, 100);
	CHECK(wof_pread(w, chunk, 500, BIG_SIZE - 100) == 100);
	/* the table (2 MiB here) read only in windows around the chunks */
	CHECK(b->bytes < 300000);
	CHECK_STR(wof_why(w), "");
out:
	wof_close(w);
	free(b);
}

static void test_reparse(void)
{
	uint8_t r[WOFW_REPARSE_SIZE];
	enum wof_format fmt = WOF_LZX;
	char why[100];
	size_t f;

	for (f = 0; f < 4; f++) {
		wofw_reparse(all[f], r);
		CHECK(r[0] == 0x17 && r[3] == 0x80 && r[4] == 20);
		CHECK(wof_reparse_format(r + 8, 20, &fmt, why, sizeof(why)) ==
		      0);
		CHECK(fmt == all[f]);
	}
	CHECK_STR(wof_format_name(WOF_XPRESS16K), "XPRESS16K");
	CHECK(wof_reparse_format(r + 8, 19, &fmt, why, sizeof(why)) == -EINVAL);
	CHECK(wof_reparse_format(r + 8, 4, &fmt, why, sizeof(why)) == -EINVAL);
	r[12] = 1; /* provider: WIM */
	CHECK(wof_reparse_format(r + 8, 20, &fmt, why, sizeof(why)) ==
	      -ENOTSUP);
	CHECK(strstr(why, "wim") != NULL);
	r[12] = 3;
	CHECK(wof_reparse_format(r + 8, 20, &fmt, why, sizeof(why)) == -EINVAL);
	r[12] = 2;
	r[20] = 4; /* algorithm */
	CHECK(wof_reparse_format(r + 8, 20, &fmt, why, sizeof(why)) == -EINVAL);
	CHECK(strstr(why, "algorithm 4") != NULL);
	r[20] = 0;
	r[16] = 2; /* file provider version */
	CHECK(wof_reparse_format(r + 8, 20, &fmt, NULL, 0) == -EINVAL);
	CHECK(fmt == WOF_XPRESS16K);
}

int main(void)
{
	test_reparse();
	test_round_trips();
	test_raw_last();
	test_incompressible();
	test_damaged();
	test_tables();
	test_big();
	return t_done();
}

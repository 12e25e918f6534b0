/*
 * libFuzzer target: the reader of system-compressed (WOF) streams over any
 * bytes. The input: one byte naming the format (its low 2 bits), 5 bytes
 * of the real size (little-endian: up to 1 TiB, so the 8-byte chunk
 * tables are reached), the stream. The stream is read at its start, its
 * middle, its end, across a chunk boundary and at an offset the input
 * picks; every read must give what it says (a count no larger than asked,
 * 0 past the end, or -EIO with a reason) and two reads of the same range
 * the same bytes. The input's first 20 bytes are also read as a WOF
 * reparse point's data.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "wof.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

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
	/* odd pieces: a read() may give less than asked */
	if (n > 3 && (off & 1))
		n -= 3;
	memcpy(buf, m->p + off, n);
	return (ssize_t)n;
}

static uint8_t a[70000], b[70000];

/* one read at off, checked, and the same again (from the cache) */
static void read_at(struct wof *w, uint64_t real, uint64_t off, size_t n)
{
	ssize_t r1, r2;

	if (n > sizeof(a))
		n = sizeof(a);
	r1 = wof_pread(w, a, n, off);
	if (r1 > (ssize_t)n || (r1 < 0 && r1 != -EIO))
		abort();
	if (off >= real && r1 != 0)
		abort();
	if (r1 == -EIO && wof_why(w)[0] == '\0')
		abort();
	if (r1 <= 0)
		return;
	r2 = wof_pread(w, b, (size_t)r1, off);
	if (r2 != r1 || memcmp(a, b, (size_t)r1))
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct mem m;
	struct wof *w = NULL;
	enum wof_format fmt;
	uint64_t real = 0, pick;
	char why[128];
	int i;

	if (wof_reparse_format(data, size < 20 ? size : 20, &fmt, why,
			       sizeof(why)) == 0 &&
	    (unsigned)fmt > WOF_XPRESS16K)
		abort();
	if (size < 6)
		return 0;
	fmt = (enum wof_format)(data[0] & 3);
	for (i = 5; i >= 1; i--)
		real = real << 8 | data[i];
	m.p = data + 6;
	m.n = size - 6;
	if (wof_open(fmt, real, m.n, mem_read, &m, &w))
		return 0;
	pick = m.n >= 8 ? (uint64_t)data[6] << 16 | data[7] << 8 | data[8] : 0;
	read_at(w, real, 0, 70000);
	read_at(w, real, real / 2, 5000);
	read_at(w, real, real ? real - 1 : 0, 10);
	read_at(w, real, 32768 - 3, 10);
	read_at(w, real, real ? (pick * 4093) % real : 0, 40000);
	read_at(w, real, real + 1, 10);
	wof_close(w);
	return 0;
}

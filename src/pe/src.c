/*
 * The bytes the PE parser reads (pe_i.h): a caller's buffer, or a file
 * read with tree_pread() through a small block cache. Both give the same reads:
 * every part of the parser is the same code over either.
 *
 * A block is read whole (or up to the end of the file): a pread that
 * gives fewer bytes than the file had when it was opened means the file
 * shrank, and from then on every read fails and the parse ends -EAGAIN.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "profilefs/tree.h"
#include "pe_i.h"

void pe_src_mem(struct pe_src *s, const uint8_t *buf, size_t len)
{
	memset(s, 0, sizeof(*s));
	s->buf = buf;
	s->file = NULL;
	s->len = buf ? len : 0;
}

int pe_src_file(struct pe_src *s, struct tree_file *file, uint64_t len,
		const struct util_stop *stop)
{
	uint64_t nblk = (len + PE_SRC_BLOCK - 1) / PE_SRC_BLOCK;
	size_t i;

	memset(s, 0, sizeof(*s));
	s->file = file;
	s->stop = stop;
	if (len > SIZE_MAX)
		return -EFBIG;
	s->len = (size_t)len;
	/* a small file needs only as many blocks as it has */
	if (nblk > PE_SRC_BLOCKS)
		nblk = PE_SRC_BLOCKS;
	if (!nblk)
		return 0;
	s->mem = malloc((size_t)nblk * PE_SRC_BLOCK);
	if (!s->mem)
		return -ENOMEM;
	for (i = 0; i < nblk; i++)
		s->blk[i].p = s->mem + i * PE_SRC_BLOCK;
	return 0;
}

void pe_src_free(struct pe_src *s)
{
	free(s->mem);
	s->mem = NULL;
}

/* Reads the block at off (a multiple of PE_SRC_BLOCK, before len) into b. */
static int fill(struct pe_src *s, struct pe_blk *b, uint64_t off)
{
	size_t want = s->len - off < PE_SRC_BLOCK ? (size_t)(s->len - off)
						  : PE_SRC_BLOCK;
	size_t got = 0;
	ssize_t n;
	int rc;

	b->used = 0;
	if (s->fills++ % PE_SRC_STOP_EVERY == 0) {
		rc = util_stop_check(s->stop);
		if (rc) {
			s->err = rc;
			return rc;
		}
	}
	while (got < want) {
		n = tree_pread(s->file, b->p + got, want - got, off + got);
		if (n == -EINTR)
			continue;
		if (n < 0) {
			s->err = -EIO;
			return s->err;
		}
		if (n == 0) {
			s->err = -EAGAIN;
			return s->err;
		}
		got += (size_t)n;
	}
	b->off = off;
	b->n = want;
	return 0;
}

/* The cached block holding off (< len), read in when it is not there. */
static struct pe_blk *block_at(struct pe_src *s, size_t off)
{
	uint64_t boff = off - off % PE_SRC_BLOCK;
	struct pe_blk *b = s->last, *old = NULL;
	size_t i;

	if (b && b->used && b->off == boff)
		return b;
	for (i = 0; i < PE_SRC_BLOCKS && s->blk[i].p; i++) {
		b = &s->blk[i];
		if (b->used && b->off == boff)
			goto hit;
		if (!old || b->used < old->used)
			old = b;
	}
	b = old;
	if (fill(s, b, boff))
		return NULL;
hit:
	b->used = ++s->tick;
	s->last = b;
	return b;
}

size_t pe_peek(struct pe_src *s, size_t off, size_t n, const uint8_t **p)
{
	struct pe_blk *b;
	size_t have;

	if (s->err || off >= s->len || n == 0)
		return 0;
	if (s->buf) {
		have = s->len - off;
		*p = s->buf + off;
		return have < n ? have : n;
	}
	b = block_at(s, off);
	if (!b)
		return 0;
	have = b->n - (off - b->off);
	*p = b->p + (off - b->off);
	return have < n ? have : n;
}

int pe_read(struct pe_src *s, size_t off, size_t n, void *dst)
{
	uint8_t *d = dst;
	const uint8_t *p;
	size_t got;

	if (off > s->len || n > s->len - off)
		return -ERANGE;
	while (n) {
		got = pe_peek(s, off, n, &p);
		if (!got)
			return -ERANGE;
		memcpy(d, p, got);
		d += got;
		off += got;
		n -= got;
	}
	return 0;
}

int pe_u16(struct pe_src *s, size_t off, uint16_t *out)
{
	uint8_t b[2];

	if (pe_read(s, off, 2, b))
		return -ERANGE;
	*out = (uint16_t)(b[0] | (unsigned)b[1] << 8);
	return 0;
}

int pe_u32(struct pe_src *s, size_t off, uint32_t *out)
{
	uint8_t b[4];

	if (pe_read(s, off, 4, b))
		return -ERANGE;
	*out = (uint32_t)b[0] | (uint32_t)b[1] << 8 | (uint32_t)b[2] << 16 |
	       (uint32_t)b[3] << 24;
	return 0;
}

int pe_u64(struct pe_src *s, size_t off, uint64_t *out)
{
	uint32_t lo, hi;

	if (off > s->len || 8 > s->len - off || pe_u32(s, off, &lo) ||
	    pe_u32(s, off + 4, &hi))
		return -ERANGE;
	*out = (uint64_t)hi << 32 | lo;
	return 0;
}

uint8_t *pe_read_until(struct pe_ctx *c, size_t off, size_t avail, size_t max,
		       unsigned unit, size_t *n, int *terminated)
{
	struct dynbuf b;
	const uint8_t *p;
	uint8_t pair[2];
	size_t want, got, i;
	char *out;

	*n = 0;
	*terminated = 0;
	if (off >= c->len)
		return NULL;
	if (avail > c->len - off)
		avail = c->len - off;
	want = avail / unit < max ? avail / unit * unit : max * unit;
	db_init(&b, want + 1);
	while (want && !*terminated) {
		got = pe_peek(c->s, off, want, &p);
		if (!got)
			break;
		if (unit == 2 && got < 2) {
			/* a unit across two blocks */
			if (pe_read(c->s, off, 2, pair))
				break;
			p = pair;
			got = 2;
		}
		got -= got % unit;
		for (i = 0; i < got; i += unit)
			if (!p[i] && (unit == 1 || !p[i + 1]))
				break;
		if (i < got)
			*terminated = 1;
		db_add(&b, p, i);
		off += got;
		want -= got;
	}
	if (c->s->err) {
		db_free(&b);
		return NULL;
	}
	if (db_take(&b, &out, n)) {
		db_free(&b);
		c->oom = 1;
		return NULL;
	}
	return (uint8_t *)out;
}

int pe_identify_src(struct pe_src *s, const char **why)
{
	uint32_t lfanew, sig;
	uint16_t mz;

	if (s->len == 0) {
		*why = "Not a PE image: the file is empty.";
		return 0;
	}
	if (pe_u16(s, 0, &mz) || mz != PE_DOS_MAGIC) {
		*why = "Not a PE image: the file does not start with \"MZ\".";
		return 0;
	}
	if (pe_u32(s, PE_DOS_LFANEW, &lfanew)) {
		*why = "Not a PE image: the DOS header is truncated.";
		return 0;
	}
	if (pe_u32(s, lfanew, &sig)) {
		*why = "Not a PE image: e_lfanew points past the end of the "
		       "file.";
		return 0;
	}
	if (sig != PE_NT_SIGNATURE) {
		*why = "Not a PE image: there is no \"PE\" signature at "
		       "e_lfanew (a DOS program or another format).";
		return 0;
	}
	*why = NULL;
	return 1;
}

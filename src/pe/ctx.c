/*
 * What every part of the PE parser reads and records through (pe_i.h):
 * anomalies, owned copies and growing arrays, and reads at RVAs, which are
 * translated to file offsets here and nowhere else. The parts and the
 * driver call into this file; it calls none of them.
 */
#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pe_i.h"

void pe_anomaly(struct pe_ctx *c, const char *fmt, ...)
{
	struct pe_info *pe = c->pe;
	char **slot;
	va_list ap;
	char *s;
	int n;

	if (pe->nanomalies >= CAP_PE_ANOMALIES)
		return;
	if (pe->nanomalies == CAP_PE_ANOMALIES - 1) {
		n = asprintf(&s, "More anomalies were found and not listed.");
	} else {
		va_start(ap, fmt);
		n = vasprintf(&s, fmt, ap);
		va_end(ap);
	}
	if (n < 0) {
		c->oom = 1;
		return;
	}
	slot = pe_grow(c, (void **)&pe->anomalies, &pe->nanomalies,
		       sizeof(*slot));
	if (!slot) {
		free(s);
		return;
	}
	*slot = s;
}

void *pe_grow(struct pe_ctx *c, void **arr, size_t *n, size_t sz)
{
	size_t want = *n + 1;
	char *p;

	/* capacity: 4, then doubled whenever a power of two is full */
	if (*n == 0 || (*n >= 4 && (*n & (*n - 1)) == 0)) {
		p = realloc(*arr, (*n ? 2 * *n : 4) * sz);
		if (!p) {
			c->oom = 1;
			return NULL;
		}
		*arr = p;
	}
	p = (char *)*arr + *n * sz;
	memset(p, 0, sz);
	*n = want;
	return p;
}

char *pe_strndup(struct pe_ctx *c, const void *p, size_t n)
{
	char *s = malloc(n + 1);

	if (!s) {
		c->oom = 1;
		return NULL;
	}
	memcpy(s, p, n);
	s[n] = '\0';
	return s;
}

/* ---- RVA translation -------------------------------------------------- */

int pe_rva_to_off(const struct pe_info *pe, uint64_t file_len, uint64_t rva,
		  size_t *off, size_t *avail)
{
	size_t i;

	for (i = 0; i < pe->nsections; i++) {
		const struct pe_section *s = &pe->sections[i];
		uint64_t o, end;

		if (rva < s->va_adj || rva >= s->rva_end)
			continue;
		o = rva - s->va_adj + s->raw_adj;
		/* what the file holds of this section: no further */
		end = (uint64_t)s->rawptr + s->rawsize;
		if (end > file_len)
			end = file_len;
		if (o >= end)
			return -ERANGE;
		*off = (size_t)o;
		*avail = (size_t)(end - o);
		return 0;
	}
	/* in no section: the headers, or data the loader maps 1:1 */
	if (rva >= file_len)
		return -ERANGE;
	*off = (size_t)rva;
	*avail = (size_t)(file_len - rva);
	return 0;
}

static int rva_span(struct pe_ctx *c, uint64_t rva, size_t n, size_t *off)
{
	size_t avail;

	if (pe_rva_to_off(c->pe, c->len, rva, off, &avail) || avail < n)
		return -ERANGE;
	return 0;
}

int pe_rva_u16(struct pe_ctx *c, uint64_t rva, uint16_t *v)
{
	size_t off;

	return rva_span(c, rva, 2, &off) ? -ERANGE : pe_u16(c->s, off, v);
}

int pe_rva_u32(struct pe_ctx *c, uint64_t rva, uint32_t *v)
{
	size_t off;

	return rva_span(c, rva, 4, &off) ? -ERANGE : pe_u32(c->s, off, v);
}

int pe_rva_u64(struct pe_ctx *c, uint64_t rva, uint64_t *v)
{
	size_t off;

	return rva_span(c, rva, 8, &off) ? -ERANGE : pe_u64(c->s, off, v);
}

char *pe_rva_string(struct pe_ctx *c, uint64_t rva, size_t max, int *terminated)
{
	size_t off, avail, n;

	*terminated = 0;
	if (pe_rva_to_off(c->pe, c->len, rva, &off, &avail))
		return NULL;
	return (char *)pe_read_until(c, off, avail, max, 1, &n, terminated);
}

/* Shannon entropy of the n bytes at off (all inside the file), read a
 * piece at a time; -1 when the file cannot be read. */
double pe_entropy(struct pe_ctx *c, size_t off, size_t n)
{
	/* four histograms: consecutive equal bytes do not wait on each
	 * other's increments (64-bit: a section may pass 4 GiB) */
	uint64_t count[4][256];
	size_t len = n, i, k, got;
	const uint8_t *p;
	double h = 0;

	if (n == 0)
		return 0;
	memset(count, 0, sizeof(count));
	while (n) {
		got = pe_peek(c->s, off, n, &p);
		if (!got)
			return -1;
		for (i = 0; i + 4 <= got; i += 4) {
			count[0][p[i]]++;
			count[1][p[i + 1]]++;
			count[2][p[i + 2]]++;
			count[3][p[i + 3]]++;
		}
		for (; i < got; i++)
			count[0][p[i]]++;
		off += got;
		n -= got;
	}
	n = len;
	for (k = 0; k < 256; k++) {
		uint64_t m =
			count[0][k] + count[1][k] + count[2][k] + count[3][k];

		if (m) {
			double f = (double)m / (double)n;

			h -= f * log2(f);
		}
	}
	return h;
}

/*
 * libFuzzer target: a disk's first bytes as parts_scan() reads them (the
 * MBR, the chain of extended boot records, a GPT header and its entries
 * at 512- or 4096-byte LBAs, its backup at the end). The input is the
 * whole device; every partition found must lie inside it.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "parts.h"

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
	memcpy(buf, m->p + off, n);
	return (ssize_t)n;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct mem m = { data, size };
	struct parts *ps = malloc(sizeof(*ps));
	size_t i;

	if (!ps)
		return 0;
	if (parts_scan(mem_read, &m, size, ps) == 0) {
		if (ps->n > PARTS_MAX)
			abort();
		for (i = 0; i < ps->n; i++)
			if (ps->p[i].size == 0 || ps->p[i].offset > size ||
			    ps->p[i].size > size - ps->p[i].offset ||
			    !memchr(ps->p[i].type, '\0', sizeof(ps->p[i].type)))
				abort();
	}
	free(ps);
	return 0;
}

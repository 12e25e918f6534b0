/* The one growable, capped buffer (after curl's docs/DYNBUF.md). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "profilefs/util.h"

void db_init(struct dynbuf *b, size_t cap)
{
	memset(b, 0, sizeof(*b));
	b->cap = cap;
}

void db_free(struct dynbuf *b)
{
	free(b->data);
	b->data = NULL;
	b->len = b->alloc = 0;
	b->err = 0;
}

void db_reset(struct dynbuf *b)
{
	b->len = 0;
	b->err = 0;
	if (b->data)
		b->data[0] = '\0';
}

static int db_fail(struct dynbuf *b, int err)
{
	if (!b->err)
		b->err = err;
	return err;
}

static int db_grow(struct dynbuf *b, size_t need)
{
	size_t want;
	char *p;

	if (need > b->cap || need == SIZE_MAX)
		return db_fail(b, -E2BIG);
	if (need + 1 <= b->alloc)
		return 0;
	want = b->alloc ? b->alloc : 256;
	while (want < need + 1)
		want = want > SIZE_MAX / 2 ? need + 1 : want * 2;
	if (want > b->cap + 1)
		want = b->cap + 1;
	p = realloc(b->data, want);
	if (!p)
		return db_fail(b, -ENOMEM);
	b->data = p;
	b->alloc = want;
	return 0;
}

int db_add(struct dynbuf *b, const void *p, size_t n)
{
	int rc;

	if (b->err)
		return b->err;
	if (n > SIZE_MAX - b->len)
		return db_fail(b, -E2BIG);
	rc = db_grow(b, b->len + n);
	if (rc)
		return rc;
	if (n)
		memcpy(b->data + b->len, p, n);
	b->len += n;
	b->data[b->len] = '\0';
	return 0;
}

int db_adds(struct dynbuf *b, const char *s)
{
	return db_add(b, s, strlen(s));
}

int db_addc(struct dynbuf *b, char c)
{
	return db_add(b, &c, 1);
}

int db_printf(struct dynbuf *b, const char *fmt, ...)
{
	va_list ap;
	char small[256];
	char *big;
	int n, rc;

	if (b->err)
		return b->err;
	va_start(ap, fmt);
	n = vsnprintf(small, sizeof(small), fmt, ap);
	va_end(ap);
	if (n < 0)
		return db_fail(b, -EINVAL);
	if ((size_t)n < sizeof(small))
		return db_add(b, small, (size_t)n);
	big = malloc((size_t)n + 1);
	if (!big)
		return db_fail(b, -ENOMEM);
	va_start(ap, fmt);
	vsnprintf(big, (size_t)n + 1, fmt, ap);
	va_end(ap);
	rc = db_add(b, big, (size_t)n);
	free(big);
	return rc;
}

int db_take(struct dynbuf *b, char **out, size_t *out_len)
{
	if (b->err)
		return b->err;
	if (!b->data && db_grow(b, 0))
		return b->err;
	b->data[b->len] = '\0';
	*out = b->data;
	*out_len = b->len;
	b->data = NULL;
	b->len = b->alloc = 0;
	return 0;
}

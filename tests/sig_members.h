/*
 * For the tests that compare the two ways a catalog's members are read
 * (test_sig, fuzz_sig): the members as one string, and whether two
 * readings agree. Test code: included by each, not part of the library.
 */
#ifndef PROFILEFS_TESTS_SIG_MEMBERS_H
#define PROFILEFS_TESTS_SIG_MEMBERS_H

#include <stdlib.h>
#include <string.h>

#include "profilefs/sig.h"
#include "profilefs/util.h"

/* members as length-prefixed digests; NULL forgets them */
static int collect(void *ctx, const uint8_t *digest, size_t len)
{
	struct dynbuf *b = ctx;

	if (!digest) {
		db_reset(b);
		return 0;
	}
	db_addc(b, (char)len);
	return db_add(b, digest, len);
}

struct members {
	int rc;
	char *problem;
	struct dynbuf list;
	uint8_t sha256[32];
};

static void members_free(struct members *m)
{
	free(m->problem);
	db_free(&m->list);
}

/* read by the walk (sig_catalog_stream) */
static void streamed(const struct sig_cat_src *src, unsigned flags,
		     struct members *m)
{
	db_init(&m->list, 1u << 30);
	m->problem = NULL;
	m->rc = sig_catalog_stream(src, flags, collect, &m->list, NULL,
				   m->sha256, &m->problem);
}

/* read by OpenSSL's whole decode */
static void decoded(const uint8_t *d, size_t n, struct members *m)
{
	db_init(&m->list, 1u << 30);
	m->problem = NULL;
	m->rc = sig_catalog_members(d, n, collect, &m->list, &m->problem);
}

/* the same answer: members, or the problem */
static int same(const struct members *a, const struct members *b)
{
	if (a->rc != b->rc)
		return 0;
	if (a->rc == -EINVAL)
		return a->problem && b->problem &&
		       strcmp(a->problem, b->problem) == 0;
	return a->rc != 0 ||
	       (a->list.len == b->list.len &&
		(a->list.len == 0 ||
		 memcmp(a->list.data, b->list.data, a->list.len) == 0));
}

#endif

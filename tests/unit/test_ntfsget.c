/*
 * prof_file_facts_get() (src/profile/ntfs_get.c) over a source of the
 * test's making: a tree whose ops table (src/tree/tree_i.h) answers the
 * three calls it makes (tree_facts, tree_streams, tree_stream_read). It
 * checks that only Zone.Identifier's bytes are asked for, never more than
 * CAP_ZONE_READ of them, that a POSIX-like source gives no facts at all,
 * and that the source's errors come back.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "profilefs/profile.h"
#include "../../src/tree/tree_i.h"
#include "t.h"

struct fake {
	struct tree base; /* first: the ops cast back */
	int facts_rc;	  /* tree_facts()'s return */
	struct tree_facts facts;
	const char *const *names; /* the streams; NULL: none */
	size_t n;
	const char *zone; /* Zone.Identifier's bytes */
	size_t zone_len;
	ssize_t read_rc;    /* < 0: tree_stream_read() fails so */
	int reads;	    /* calls of tree_stream_read() */
	size_t asked;	    /* the size it was asked for */
	char read_name[64]; /* the stream it was asked for */
};

static int fake_facts(struct tree *tr, const char *rel, struct tree_facts *out)
{
	struct fake *t = (struct fake *)tr;

	(void)rel;
	if (t->facts_rc)
		return t->facts_rc;
	*out = t->facts;
	return 0;
}

static int fake_streams(struct tree *tr, const char *rel,
			struct tree_stream **out, size_t *n)
{
	struct fake *t = (struct fake *)tr;
	size_t i;

	(void)rel;
	*out = calloc(t->n ? t->n : 1, sizeof(**out));
	if (!*out)
		return -ENOMEM;
	for (i = 0; i < t->n; i++) {
		(*out)[i].name = strdup(t->names[i]);
		(*out)[i].size = 100 + i;
	}
	*n = t->n;
	return 0;
}

static ssize_t fake_stream_read(struct tree *tr, const char *rel,
				const char *name, void *buf, size_t size)
{
	struct fake *t = (struct fake *)tr;
	size_t n = t->zone_len < size ? t->zone_len : size;

	(void)rel;
	t->reads++;
	t->asked = size;
	snprintf(t->read_name, sizeof(t->read_name), "%s", name);
	if (t->read_rc < 0)
		return t->read_rc;
	memcpy(buf, t->zone, n);
	return (ssize_t)n;
}

static const struct tree_ops fake_ops = {
	.facts = fake_facts,
	.streams = fake_streams,
	.stream_read = fake_stream_read,
};

static void test_posix_like(void)
{
	struct fake t = { .base.ops = &fake_ops };
	struct prof_file_facts *f = (void *)&t;

	CHECK(prof_file_facts_get(&t.base, "a.dll", &f) == 0 && f == NULL);
	CHECK(t.reads == 0);
}

static void test_only_zone(void)
{
	static const char *const names[] = { "secret", "zone.identifier",
					     "Zone.Identifier.bak" };
	char *big = malloc(3 * CAP_ZONE_READ);
	struct fake t = { .base.ops = &fake_ops };
	struct prof_file_facts *f = NULL;

	memset(big, 'x', 3 * CAP_ZONE_READ);
	memcpy(big, "[ZoneTransfer]\nZoneId=3\nHostUrl=", 32);
	t.names = names;
	t.n = 3;
	t.zone = big;
	t.zone_len = 3 * CAP_ZONE_READ;
	CHECK(prof_file_facts_get(&t.base, "a.dll", &f) == 0 && f);
	/* one read, of the Mark of the Web, bounded */
	CHECK(t.reads == 1 && t.asked == CAP_ZONE_READ);
	CHECK_STR(t.read_name, "zone.identifier");
	CHECK(f && f->has_zone && f->zone.zone_id == 3 &&
	      f->zone_read == CAP_ZONE_READ && f->zone_size == 101);
	CHECK(f && f->nstreams == 3 &&
	      strcmp(f->streams[0].name, "secret") == 0);
	prof_file_facts_free(f);
	free(big);
}

static void test_errors(void)
{
	static const char *const names[] = { "Zone.Identifier" };
	struct fake t = { .base.ops = &fake_ops };
	struct prof_file_facts *f = (void *)&t;

	t.facts_rc = -EIO;
	CHECK(prof_file_facts_get(&t.base, "a.dll", &f) == -EIO &&
	      f == (void *)&t);
	t.facts_rc = 0;
	t.names = names;
	t.n = 1;
	t.read_rc = -EIO;
	CHECK(prof_file_facts_get(&t.base, "a.dll", &f) == -EIO &&
	      f == (void *)&t);
	/* a stream gone between the listing and the read: no Mark of the
	 * Web, the listing still shown */
	t.read_rc = -ENOENT;
	CHECK(prof_file_facts_get(&t.base, "a.dll", &f) == 0 && f);
	CHECK(f && !f->has_zone && f->nstreams == 1);
	prof_file_facts_free(f);
}

int main(void)
{
	test_posix_like();
	test_only_zone();
	test_errors();
	return t_done();
}

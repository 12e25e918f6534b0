/*
 * The known-file store's handle, and the lookup of a binary in it: what
 * the store knows (cache_known_find) turned into a verdict.
 */
#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "known_i.h"
#include "profilefs/util.h"

int known_open(const char *path, int create, struct known **out)
{
	struct known *k = calloc(1, sizeof(*k));
	int rc;

	if (!k)
		return -ENOMEM;
	k->path = strdup(path);
	if (!k->path) {
		free(k);
		return -ENOMEM;
	}
	pthread_mutex_init(&k->mu, NULL);
	k->writable = create;
	rc = cache_known_open(path, create, &k->db);
	if (rc && (create || rc != -ENOENT)) {
		known_close(k);
		return rc;
	}
	*out = k;
	return 0;
}

void known_close(struct known *k)
{
	if (!k)
		return;
	cache_known_close(k->db);
	pthread_mutex_destroy(&k->mu);
	free(k->path);
	free(k);
}

const char *known_path(const struct known *k)
{
	return k->path;
}

struct cache_known *known_db(struct known *k)
{
	struct cache_known *c = __atomic_load_n(&k->db, __ATOMIC_ACQUIRE);
	struct stat st;
	int rc;

	if (c)
		return c;
	if (stat(k->path, &st) < 0 || !S_ISREG(st.st_mode) || st.st_size == 0)
		return NULL; /* not made yet: a reader does not make it */
	pthread_mutex_lock(&k->mu);
	if (!k->db && !k->failed) {
		rc = cache_known_open(k->path, 0, &c);
		if (rc == 0) {
			__atomic_store_n(&k->db, c, __ATOMIC_RELEASE);
		} else if (rc != -ENOENT && rc != -EBUSY) {
			/* (-ENOENT, -EBUSY: being made by a first import,
			 * asked again at the next lookup) */
			log_warn("known-file store %s unusable (%s): no known "
				 "file verdicts",
				 k->path, strerror(-rc));
			k->failed = 1;
		}
	}
	c = k->db;
	pthread_mutex_unlock(&k->mu);
	return c;
}

int64_t known_generation(struct known *k)
{
	struct cache_known *c;
	int64_t gen;

	if (!k)
		return -1;
	c = known_db(k);
	if (!c || cache_known_generation(c, &gen))
		return 0;
	return gen;
}

/* ---- the lookup ------------------------------------------------------ */

static char *dup_or_null(const char *s)
{
	return s ? strdup(s) : NULL;
}

/* a row of the store kept in the verdict (the first KNOWN_MAX_LIST) */
static int keep(void *ctx, char what, const char *a, const char *b,
		const char *c, const char *d)
{
	struct known_verdict *v = ctx;

	if (what == 'w') {
		struct known_windows *w;

		if (v->n_windows >= KNOWN_MAX_LIST)
			return 1;
		w = &v->windows[v->n_windows];
		w->windows = dup_or_null(a);
		w->update = dup_or_null(b);
		w->released = dup_or_null(c);
		v->n_windows++;
	} else {
		struct known_product *p;

		if (v->n_products >= KNOWN_MAX_LIST)
			return 1;
		p = &v->products[v->n_products];
		p->product = dup_or_null(a);
		p->version = dup_or_null(b);
		p->os = dup_or_null(c);
		p->manufacturer = dup_or_null(d);
		v->n_products++;
	}
	return 0;
}

/* ASCII lowercase copy, as winbindex names its files */
static char *lower(const char *s)
{
	char *d = strdup(s), *p;

	if (d)
		for (p = d; *p; p++)
			if (*p >= 'A' && *p <= 'Z')
				*p = (char)(*p - 'A' + 'a');
	return d;
}

static enum known_status decide(const struct cache_known_found *f,
				const struct known_query *q)
{
	if (!f->sources)
		return KNOWN_NO_DATA;
	if (f->wb_files)
		return KNOWN_WINBINDEX;
	if (f->products)
		return KNOWN_NSRL;
	if (q->lang_variant)
		return KNOWN_UNKNOWN;
	if (f->of_version)
		return KNOWN_MISMATCH;
	if (f->name_machine)
		return KNOWN_UNKNOWN_BUILD;
	return KNOWN_UNKNOWN;
}

/* the lists' room, the name looked up, the store asked */
static int ask(struct cache_known *c, const struct known_query *q,
	       struct known_verdict *v)
{
	struct cache_known_ask a = { .sha256 = q->sha256,
				     .machine = q->machine,
				     .version = q->version,
				     .lang_variant = q->lang_variant };
	struct cache_known_found f;
	int rc;

	v->windows = calloc(KNOWN_MAX_LIST, sizeof(*v->windows));
	v->products = calloc(KNOWN_MAX_LIST, sizeof(*v->products));
	if (!v->windows || !v->products)
		return -ENOMEM;
	if (q->name && !(v->name = lower(q->name)))
		return -ENOMEM;
	a.name = v->name;
	rc = cache_known_find(c, &a, keep, v, &f);
	if (rc)
		return rc;
	v->status = decide(&f, q);
	v->total_windows = f.builds;
	v->total_products = f.products;
	if (v->status == KNOWN_MISMATCH)
		v->builds_of_version = f.of_version;
	if (v->status == KNOWN_MISMATCH || v->status == KNOWN_UNKNOWN_BUILD) {
		v->machine = q->machine;
		if (q->version && !(v->version = strdup(q->version)))
			return -ENOMEM;
	} else {
		free(v->name);
		v->name = NULL;
	}
	if (v->status != KNOWN_WINBINDEX) {
		/* the builds belong to a winbindex verdict only */
		v->total_windows = 0;
	}
	return 0;
}

int known_lookup(struct known *k, const struct known_query *q,
		 struct known_verdict **out)
{
	struct known_verdict *v = calloc(1, sizeof(*v));
	struct cache_known *c = k ? known_db(k) : NULL;
	int rc = 0;

	if (!v)
		return -ENOMEM;
	v->status = KNOWN_NO_DATA;
	if (c)
		rc = ask(c, q, v);
	if (rc) {
		known_verdict_free(v);
		return rc;
	}
	*out = v;
	return 0;
}

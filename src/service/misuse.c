/*
 * The Possible Misuse rows of each file name (misuse_i.h): a table from
 * the lowercase name, and the lowercase original names its version
 * resource gives, to its rows, for one rules generation, emptied when
 * the rules change or it holds CAP_MISUSE_MEMO names.
 *
 * Renders hold the read lock while they use a name's rows: a lookup is
 * made without the lock, and put in under the write lock.
 */
#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "profilefs/caps.h"
#include "profilefs/hash.h"
#include "profilefs/profile.h"
#include "profilefs/rules.h"
#include "profilefs/util.h"
#include "misuse_i.h"

struct misuse_memo {
	struct rules_index *rules;
	pthread_rwlock_t lock;
	/* char *name (lowercase, owned) -> struct prof_misuse * */
	struct util_hash *names;
	int64_t gen;
};

static uint64_t name_hash(const void *key, uint64_t seed)
{
	return util_hash_str(*(char *const *)key, seed);
}

static int name_eq(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b) == 0;
}

static const struct util_hash_ops name_ops = { name_hash, name_eq };

int misuse_memo_new(struct rules_index *rules, struct misuse_memo **out)
{
	struct misuse_memo *m = calloc(1, sizeof(*m));

	if (!m)
		return -ENOMEM;
	if (util_hash_new(sizeof(char *), sizeof(struct prof_misuse *),
			  CAP_MISUSE_MEMO, &name_ops, &m->names)) {
		free(m);
		return -ENOMEM;
	}
	m->rules = rules;
	m->gen = -1;
	pthread_rwlock_init(&m->lock, NULL);
	*out = m;
	return 0;
}

static void memo_clear(struct misuse_memo *m)
{
	size_t pos = 0;
	void *key, *val;

	while (util_hash_next(m->names, &pos, &key, &val)) {
		free(*(char **)key);
		prof_misuse_free(*(struct prof_misuse **)val);
	}
	util_hash_clear(m->names);
}

void misuse_memo_free(struct misuse_memo *m)
{
	if (!m)
		return;
	memo_clear(m);
	util_hash_free(m->names);
	pthread_rwlock_destroy(&m->lock);
	free(m);
}

static const struct prof_misuse *memo_find(struct misuse_memo *m,
					   const char *low)
{
	struct prof_misuse **v = util_hash_get(m->names, &low);

	return v ? *v : NULL;
}

/* the memo's key: the lowercase name, then each original after a
 * newline (which no file name of either holds) */
static char *lower_key(const char *relpath, const char *const *originals)
{
	struct dynbuf b;
	char *p = NULL, *q;
	size_t i, n;
	int rc;

	db_init(&b, 4096);
	rc = db_adds(&b, path_base(relpath));
	for (i = 0; !rc && originals && originals[i] && i < RULES_ORIGINALS_MAX;
	     i++)
		rc = db_addc(&b, '\n') || db_adds(&b, originals[i]);
	if (rc || db_take(&b, &p, &n)) {
		db_free(&b);
		return NULL;
	}
	for (q = p; *q; q++)
		if (*q >= 'A' && *q <= 'Z')
			*q = (char)(*q + 32);
	return p;
}

/* Keeps m (taken) under the name low; the write lock is held. */
static void memo_keep(struct misuse_memo *mm, const char *low,
		      struct prof_misuse **m)
{
	char *key = strdup(low);
	void *val;

	if (key && util_hash_put(mm->names, &key, &val) == 0) {
		*(struct prof_misuse **)val = *m;
		*m = NULL;
	} else {
		free(key);
	}
}

void misuse_unhold(struct misuse_memo *m)
{
	pthread_rwlock_unlock(&m->lock);
}

const struct prof_misuse *misuse_hold(struct misuse_memo *mm,
				      const char *relpath,
				      const char *const *originals, int64_t gen)
{
	const struct prof_misuse *found;
	struct prof_misuse *m = NULL;
	char *low;

	pthread_rwlock_rdlock(&mm->lock);
	if (!mm->rules || gen < 0)
		return NULL;
	low = lower_key(relpath, originals);
	if (!low)
		return NULL;
	found = gen == mm->gen ? memo_find(mm, low) : NULL;
	if (found) {
		free(low);
		return found;
	}
	pthread_rwlock_unlock(&mm->lock);
	if (rules_index_lookup_names(mm->rules, path_base(relpath), originals,
				     CAP_MISUSE_ROWS, &m))
		log_warn("rules: lookup of %s failed", path_base(relpath));
	pthread_rwlock_wrlock(&mm->lock);
	if (gen != mm->gen || util_hash_count(mm->names) >= CAP_MISUSE_MEMO) {
		memo_clear(mm);
		mm->gen = gen;
	}
	if (m && !memo_find(mm, low))
		memo_keep(mm, low, &m);
	pthread_rwlock_unlock(&mm->lock);
	prof_misuse_free(m);
	/* another thread may have changed the memo meanwhile: look again */
	pthread_rwlock_rdlock(&mm->lock);
	found = gen == mm->gen ? memo_find(mm, low) : NULL;
	free(low);
	return found;
}

/*
 * The verified set (verified_i.h): identities in a hash table, which
 * seeds its hash (the identities come from a hostile image).
 */
#include <errno.h>
#include <pthread.h>
#include <stdlib.h>

#include "profilefs/cache.h"
#include "profilefs/hash.h"
#include "verified_i.h"

struct vset {
	pthread_mutex_t lock;
	struct util_hash *ids; /* of struct cache_ident */
};

int vset_new(size_t max, struct vset **out)
{
	struct vset *s = calloc(1, sizeof(*s));

	if (!s)
		return -ENOMEM;
	if (util_hash_new(sizeof(struct cache_ident), 0, max, NULL, &s->ids)) {
		free(s);
		return -ENOMEM;
	}
	pthread_mutex_init(&s->lock, NULL);
	*out = s;
	return 0;
}

void vset_free(struct vset *s)
{
	if (!s)
		return;
	util_hash_free(s->ids);
	pthread_mutex_destroy(&s->lock);
	free(s);
}

int vset_has(struct vset *s, const struct cache_ident *id)
{
	int yes;

	pthread_mutex_lock(&s->lock);
	yes = util_hash_get(s->ids, id) != NULL;
	pthread_mutex_unlock(&s->lock);
	return yes;
}

void vset_add(struct vset *s, const struct cache_ident *id)
{
	pthread_mutex_lock(&s->lock);
	/* full (-ENOSPC) or out of memory: checked again next time */
	(void)util_hash_put(s->ids, id, NULL);
	pthread_mutex_unlock(&s->lock);
}

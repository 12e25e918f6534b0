/*
 * Where the rules index lives, and a reader's handle on it. The index is
 * a database of its own, one per user, found by every mount and command
 * whatever their cache: a mount with another --cache sees the same rows.
 * A reader never creates it: the handle opens it on first use once the
 * file exists (looked for at each use until then: a stat), so a mount
 * started before the first `rules add` shows its rows at once.
 */
#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "profilefs/cache.h"
#include "profilefs/rules.h"
#include "profilefs/util.h"

struct rules_index {
	char *path;
	pthread_mutex_t mu; /* taken only while the database is not open */
	struct cache *c;    /* set once, read with acquire */
	int failed;	    /* opening failed once: logged, not again */
};

char *rules_default_path(void)
{
	const char *xdg = getenv("XDG_DATA_HOME");
	const char *home = getenv("HOME");
	char *p = NULL;
	int n;

	if (xdg && xdg[0] == '/')
		n = asprintf(&p, "%s/profilefs/rules.db", xdg);
	else if (geteuid() == 0)
		return strdup("/var/lib/profilefs/rules.db");
	else if (home && home[0])
		n = asprintf(&p, "%s/.local/share/profilefs/rules.db", home);
	else
		return NULL;
	return n < 0 ? NULL : p;
}

int rules_index_new(const char *path, struct rules_index **out)
{
	struct rules_index *ri = calloc(1, sizeof(*ri));

	if (!ri)
		return -ENOMEM;
	ri->path = path ? strdup(path) : rules_default_path();
	if (!ri->path) {
		free(ri);
		return path ? -ENOMEM : -ENOENT;
	}
	pthread_mutex_init(&ri->mu, NULL);
	*out = ri;
	return 0;
}

void rules_index_free(struct rules_index *ri)
{
	if (!ri)
		return;
	cache_close(ri->c);
	pthread_mutex_destroy(&ri->mu);
	free(ri->path);
	free(ri);
}

const char *rules_index_path(const struct rules_index *ri)
{
	return ri->path;
}

/* the database, opened when it exists; NULL while it does not */
static struct cache *db(struct rules_index *ri)
{
	struct cache *c = __atomic_load_n(&ri->c, __ATOMIC_ACQUIRE);
	struct stat st;

	if (c)
		return c;
	if (stat(ri->path, &st) < 0 || !S_ISREG(st.st_mode) || st.st_size == 0)
		return NULL; /* not made yet: a reader does not make it */
	pthread_mutex_lock(&ri->mu);
	if (!ri->c && !ri->failed) {
		int rc = cache_open(ri->path, &c);

		if (rc) {
			log_warn("rules index %s unusable (%s): no Possible "
				 "Misuse rows",
				 ri->path, strerror(-rc));
			ri->failed = 1;
		} else {
			__atomic_store_n(&ri->c, c, __ATOMIC_RELEASE);
		}
	}
	c = ri->c;
	pthread_mutex_unlock(&ri->mu);
	return c;
}

int64_t rules_index_generation(struct rules_index *ri)
{
	struct cache *c = db(ri);
	int64_t gen;

	if (!c || cache_rules_generation(c, &gen))
		return -1;
	return gen;
}

int rules_index_lookup_names(struct rules_index *ri, const char *name,
			     const char *const *originals, size_t cap,
			     struct prof_misuse **out)
{
	struct cache *c = db(ri);

	if (!c) {
		*out = NULL;
		return 0;
	}
	return rules_lookup_names(c, name, originals, cap, out);
}

int rules_index_lookup(struct rules_index *ri, const char *name, size_t cap,
		       struct prof_misuse **out)
{
	return rules_index_lookup_names(ri, name, NULL, cap, out);
}

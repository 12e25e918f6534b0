/*
 * What the kernel holds of each path, so that its caches are used only
 * where they hold what a read would give now (--kernel-cache).
 *
 * Two facts per path: the size the kernel was last told (getattr; a
 * readdirplus entry of another size makes it unknown, as the kernel may
 * or may not take it), and the key of the bytes its page cache got at the last
 * open that used the page cache (a profile: its render key, which moves
 * with the content, the .mui, the rules, the catalogs and the day; a
 * source file: its identity, with ctime, which no rewrite can put back).
 * A profile's open may read through the page cache only when the
 * kernel's size is the size now (else it would cut or pad the bytes: such
 * an open reads direct), and may keep the pages of an earlier open only
 * when their key is the key now. A source file always reads through the
 * page cache (mmap needs it; the kernel asks for the size again when a
 * read goes past the one it holds) and keeps its pages by identity.
 *
 * A table by the path's SHA-256 (util_hash), of at most KC_PATHS
 * paths: a path that finds no room is simply not known, which makes its
 * open read direct and drop the pages (safe, only slower). It grows with
 * the paths the kernel was told of, and is bounded whatever the tree.
 */
#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "profilefs/digest.h"
#include "profilefs/hash.h"
#include "fs_i.h"

#define KC_PATHS (1u << 16)

/* keyed by the first 16 bytes of SHA-256(path) */
struct kc_path {
	uint64_t told; /* the size the kernel was told */
	uint8_t pages[32];
	unsigned char told_ok, pages_ok;
};

struct kcache {
	pthread_mutex_t lock;
	struct util_hash *paths;
};

int kcache_new(struct kcache **out)
{
	struct kcache *k = calloc(1, sizeof(*k));

	if (!k)
		return -ENOMEM;
	if (util_hash_new(16, sizeof(struct kc_path), KC_PATHS, NULL,
			  &k->paths)) {
		free(k);
		return -ENOMEM;
	}
	pthread_mutex_init(&k->lock, NULL);
	*out = k;
	return 0;
}

void kcache_free(struct kcache *k)
{
	if (!k)
		return;
	pthread_mutex_destroy(&k->lock);
	util_hash_free(k->paths);
	free(k);
}

/* the record of path (put in, all unknown, when create), or NULL; locked */
static struct kc_path *path_of(struct kcache *k, const char *path, int create)
{
	uint8_t h[32];
	void *v;

	if (dg_sha256(path, strlen(path), h))
		return NULL;
	if (!create)
		return util_hash_get(k->paths, h);
	/* no room (or no memory): not known */
	return util_hash_put(k->paths, h, &v) >= 0 ? v : NULL;
}

void kcache_told(struct kcache *k, const char *path, uint64_t size)
{
	struct kc_path *s;

	if (!k)
		return;
	pthread_mutex_lock(&k->lock);
	s = path_of(k, path, 1);
	if (s) {
		s->told = size;
		s->told_ok = 1;
	}
	pthread_mutex_unlock(&k->lock);
}

int kcache_keep(struct kcache *k, const char *path, const uint8_t key[32])
{
	struct kc_path *s;
	int keep = 0;

	if (!k)
		return 0;
	pthread_mutex_lock(&k->lock);
	s = path_of(k, path, 1);
	if (s) {
		keep = s->pages_ok && memcmp(s->pages, key, 32) == 0;
		memcpy(s->pages, key, 32);
		s->pages_ok = 1;
	}
	pthread_mutex_unlock(&k->lock);
	return keep;
}

int kcache_size_stale(struct kcache *k, const char *path, uint64_t size)
{
	struct kc_path *s;
	int stale = 0;

	if (!k)
		return 0;
	pthread_mutex_lock(&k->lock);
	s = path_of(k, path, 1);
	/* one the table has no room for is not known: stale */
	stale = !s || !s->told_ok || s->told != size;
	if (s) {
		s->told = size;
		s->told_ok = 1;
	}
	pthread_mutex_unlock(&k->lock);
	return stale;
}

void kcache_plus(struct kcache *k, const char *path, uint64_t size)
{
	struct kc_path *s;

	if (!k)
		return;
	pthread_mutex_lock(&k->lock);
	s = path_of(k, path, 0);
	/* the kernel may or may not have taken it: not known any more */
	if (s && s->told != size)
		s->told_ok = 0;
	pthread_mutex_unlock(&k->lock);
}

void kcache_open(struct kcache *k, const char *path, uint64_t size,
		 const uint8_t key[32], int *page_cache, int *keep)
{
	struct kc_path *s;

	*page_cache = *keep = 0;
	if (!k)
		return;
	pthread_mutex_lock(&k->lock);
	s = path_of(k, path, 0);
	if (s && key && s->told_ok && s->told == size) {
		*page_cache = 1;
		*keep = s->pages_ok && memcmp(s->pages, key, 32) == 0;
		memcpy(s->pages, key, 32);
		s->pages_ok = 1;
	} else if (s) {
		/* read direct; the kernel drops the pages it had */
		s->pages_ok = 0;
	}
	pthread_mutex_unlock(&k->lock);
}

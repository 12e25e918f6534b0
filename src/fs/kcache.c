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
 * A fixed table, KC_SLOTS slots by the path's SHA-256: a path whose slot
 * another took is simply not known, which makes its open read direct and
 * drop the pages (safe, only slower). Bounded memory whatever the tree.
 */
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "profilefs/digest.h"
#include "fs_i.h"

#define KC_SLOTS (1u << 16)

struct kc_slot {
	uint8_t path[16]; /* the first bytes of SHA-256(path); 0: free */
	uint64_t told;	  /* the size the kernel was told */
	uint8_t pages[32];
	unsigned char told_ok, pages_ok;
};

struct kcache {
	pthread_mutex_t lock;
	struct kc_slot *slots; /* calloc'ed: pages untouched cost nothing */
};

int kcache_new(struct kcache **out)
{
	struct kcache *k = calloc(1, sizeof(*k));

	if (!k)
		return -1;
	k->slots = calloc(KC_SLOTS, sizeof(*k->slots));
	if (!k->slots) {
		free(k);
		return -1;
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
	free(k->slots);
	free(k);
}

/* the slot of path (made its own when create), or NULL; locked */
static struct kc_slot *slot_of(struct kcache *k, const char *path, int create)
{
	uint8_t h[32];
	struct kc_slot *s;
	uint32_t i;

	if (dg_sha256(path, strlen(path), h))
		return NULL;
	h[0] |= 1; /* never all zeros: a free slot */
	i = ((uint32_t)h[16] | (uint32_t)h[17] << 8) % KC_SLOTS;
	s = &k->slots[i];
	if (memcmp(s->path, h, sizeof(s->path)) == 0)
		return s;
	if (!create)
		return NULL;
	memset(s, 0, sizeof(*s));
	memcpy(s->path, h, sizeof(s->path));
	return s;
}

void kcache_told(struct kcache *k, const char *path, uint64_t size)
{
	struct kc_slot *s;

	if (!k)
		return;
	pthread_mutex_lock(&k->lock);
	s = slot_of(k, path, 1);
	if (s) {
		s->told = size;
		s->told_ok = 1;
	}
	pthread_mutex_unlock(&k->lock);
}

int kcache_keep(struct kcache *k, const char *path, const uint8_t key[32])
{
	struct kc_slot *s;
	int keep = 0;

	if (!k)
		return 0;
	pthread_mutex_lock(&k->lock);
	s = slot_of(k, path, 1);
	if (s) {
		keep = s->pages_ok && memcmp(s->pages, key, 32) == 0;
		memcpy(s->pages, key, 32);
		s->pages_ok = 1;
	}
	pthread_mutex_unlock(&k->lock);
	return keep;
}

void kcache_plus(struct kcache *k, const char *path, uint64_t size)
{
	struct kc_slot *s;

	if (!k)
		return;
	pthread_mutex_lock(&k->lock);
	s = slot_of(k, path, 0);
	/* the kernel may or may not have taken it: not known any more */
	if (s && s->told != size)
		s->told_ok = 0;
	pthread_mutex_unlock(&k->lock);
}

void kcache_open(struct kcache *k, const char *path, uint64_t size,
		 const uint8_t key[32], int *page_cache, int *keep)
{
	struct kc_slot *s;

	*page_cache = *keep = 0;
	if (!k)
		return;
	pthread_mutex_lock(&k->lock);
	s = slot_of(k, path, 0);
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

/*
 * The hash table (hash.h): slots of [key][value], each part aligned for
 * any scalar, and a bitmap of the slots in use; a power of two of slots
 * (at least 64), never more than half full, so that a probe always ends
 * on an empty slot.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <time.h>

#include "profilefs/hash.h"

#define HASH_MIN_SLOTS 64
#define ALIGNED(n)     (((n) + 7) & ~(size_t)7)

struct util_hash {
	size_t ksize, vsize, voff, stride;
	size_t max, count, slots; /* slots: 0 or a power of two */
	uint64_t seed;
	struct util_hash_ops ops; /* NULL members: the key's bytes */
	unsigned char *mem;	  /* slots * stride bytes */
	uint64_t *used;		  /* slots / 64 words */
};

static uint64_t mix64(uint64_t x)
{
	x += 0x9e3779b97f4a7c15ull;
	x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ull;
	x = (x ^ (x >> 27)) * 0x94d049bb133111ebull;
	return x ^ (x >> 31);
}

uint64_t util_hash_bytes(const void *p, size_t n, uint64_t seed)
{
	const unsigned char *b = p;
	uint64_t h = mix64(seed ^ n), w;

	for (; n >= 8; b += 8, n -= 8) {
		memcpy(&w, b, 8);
		h = mix64(h ^ w);
	}
	if (n) {
		w = 0;
		memcpy(&w, b, n);
		h = mix64(h ^ w);
	}
	return h;
}

uint64_t util_hash_str(const char *s, uint64_t seed)
{
	return util_hash_bytes(s, strlen(s), seed);
}

int util_hash_new(size_t ksize, size_t vsize, size_t max,
		  const struct util_hash_ops *ops, struct util_hash **out)
{
	struct util_hash *h;

	if (!ksize || !max)
		return -EINVAL;
	h = calloc(1, sizeof(*h));
	if (!h)
		return -ENOMEM;
	h->ksize = ksize;
	h->vsize = vsize;
	h->voff = ALIGNED(ksize);
	h->stride = h->voff + ALIGNED(vsize);
	h->max = max;
	if (ops)
		h->ops = *ops;
	/* unseeded, a hostile image could be made of keys that collide */
	if (getrandom(&h->seed, sizeof(h->seed), GRND_NONBLOCK) !=
	    (ssize_t)sizeof(h->seed))
		h->seed = mix64((uint64_t)time(NULL) ^ (uintptr_t)h);
	*out = h;
	return 0;
}

void util_hash_free(struct util_hash *h)
{
	if (!h)
		return;
	free(h->mem);
	free(h->used);
	free(h);
}

static unsigned char *slot(const struct util_hash *h, size_t i)
{
	return h->mem + i * h->stride;
}

static int used(const struct util_hash *h, size_t i)
{
	return (int)(h->used[i / 64] >> (i % 64) & 1);
}

static void set_used(struct util_hash *h, size_t i, int on)
{
	if (on)
		h->used[i / 64] |= 1ull << (i % 64);
	else
		h->used[i / 64] &= ~(1ull << (i % 64));
}

static size_t home(const struct util_hash *h, const void *key)
{
	uint64_t x = h->ops.hash ? h->ops.hash(key, h->seed)
				 : util_hash_bytes(key, h->ksize, h->seed);

	return (size_t)x & (h->slots - 1);
}

static int same(const struct util_hash *h, const void *a, const void *b)
{
	return h->ops.eq ? h->ops.eq(a, b) : memcmp(a, b, h->ksize) == 0;
}

/* the index of key's slot, or of the empty slot where it would go */
static size_t find(const struct util_hash *h, const void *key)
{
	size_t i = home(h, key);

	while (used(h, i) && !same(h, slot(h, i), key))
		i = (i + 1) & (h->slots - 1);
	return i;
}

void *util_hash_get(const struct util_hash *h, const void *key)
{
	size_t i;

	if (!h->count)
		return NULL;
	i = find(h, key);
	return used(h, i) ? slot(h, i) + h->voff : NULL;
}

static int grow(struct util_hash *h)
{
	size_t i, slots = h->slots ? 2 * h->slots : HASH_MIN_SLOTS;
	struct util_hash old = *h;

	if (slots > (size_t)-1 / 2 / h->stride)
		return -ENOMEM;
	h->mem = malloc(slots * h->stride);
	h->used = calloc(slots / 64, sizeof(*h->used));
	if (!h->mem || !h->used) {
		free(h->mem);
		free(h->used);
		h->mem = old.mem;
		h->used = old.used;
		return -ENOMEM;
	}
	h->slots = slots;
	for (i = 0; i < old.slots; i++)
		if (used(&old, i)) {
			size_t j = find(h, slot(&old, i));

			memcpy(slot(h, j), slot(&old, i), h->stride);
			set_used(h, j, 1);
		}
	free(old.mem);
	free(old.used);
	return 0;
}

int util_hash_put(struct util_hash *h, const void *key, void **val)
{
	unsigned char *s;
	size_t i;
	int rc;

	if (h->count) {
		i = find(h, key);
		if (used(h, i)) {
			if (val)
				*val = slot(h, i) + h->voff;
			return 1;
		}
	}
	if (h->count >= h->max)
		return -ENOSPC;
	if (2 * (h->count + 1) > h->slots) {
		rc = grow(h);
		if (rc)
			return rc;
	}
	i = find(h, key);
	s = slot(h, i);
	memcpy(s, key, h->ksize);
	memset(s + h->voff, 0, h->vsize);
	set_used(h, i, 1);
	h->count++;
	if (val)
		*val = s + h->voff;
	return 0;
}

int util_hash_del(struct util_hash *h, const void *key)
{
	size_t i, j, k, mask = h->slots - 1;

	if (!h->count)
		return -ENOENT;
	i = find(h, key);
	if (!used(h, i))
		return -ENOENT;
	/* shift back every later entry of the run that may move into the
	 * hole: one whose home is not cyclically in (i, j] */
	for (j = (i + 1) & mask; used(h, j); j = (j + 1) & mask) {
		k = home(h, slot(h, j));
		if (i <= j ? (i < k && k <= j) : (i < k || k <= j))
			continue;
		memcpy(slot(h, i), slot(h, j), h->stride);
		i = j;
	}
	set_used(h, i, 0);
	h->count--;
	return 0;
}

void util_hash_clear(struct util_hash *h)
{
	free(h->mem);
	free(h->used);
	h->mem = NULL;
	h->used = NULL;
	h->slots = 0;
	h->count = 0;
}

size_t util_hash_count(const struct util_hash *h)
{
	return h->count;
}

int util_hash_next(const struct util_hash *h, size_t *pos, void **key,
		   void **val)
{
	for (; *pos < h->slots; (*pos)++) {
		if (!used(h, *pos))
			continue;
		if (key)
			*key = slot(h, *pos);
		if (val)
			*val = slot(h, *pos) + h->voff;
		(*pos)++;
		return 1;
	}
	return 0;
}

size_t util_hash_memory(const struct util_hash *h)
{
	return h->slots * h->stride + h->slots / 8;
}

size_t util_hash_fit(size_t ksize, size_t vsize, size_t bytes)
{
	size_t per = ALIGNED(ksize) + ALIGNED(vsize), slots = HASH_MIN_SLOTS;

	/* a table of max entries grows to the least power of two of slots
	 * at least 2 * max: the largest such that fits */
	if (bytes / (per * HASH_MIN_SLOTS + HASH_MIN_SLOTS / 8) == 0)
		return 0;
	while (slots <= (size_t)-1 / 4 / per &&
	       2 * slots * per + 2 * slots / 8 <= bytes)
		slots *= 2;
	return slots / 2;
}

/*
 * hash: the one hash table of the project (util).
 *
 * Open addressing with linear probing over slots of a fixed size: each
 * slot holds a copy of the key (ksize bytes) and of the value (vsize
 * bytes, 0 for a set). A key is compared and hashed as its bytes, unless
 * the caller gives hash and eq (a key that is a pointer to a string, say:
 * ksize sizeof(char *), and the string must outlive its entry).
 *
 * Keys may come from a hostile image (identities, digests, file names): the
 * hash is seeded per table from getrandom(), so nobody can make keys that
 * all collide. The table is at most half full; it doubles as it fills, and
 * holds at most max entries (-ENOSPC past that: bounded growth). Removal
 * shifts the run back, so there are no tombstones. Not thread-safe: the
 * caller locks.
 *
 * A pointer into the table (a value returned by util_hash_get or _put)
 * stays good until the next put or del.
 */
#ifndef PROFILEFS_HASH_H
#define PROFILEFS_HASH_H

#include <stddef.h>
#include <stdint.h>

struct util_hash;

struct util_hash_ops {
	/* the hash of the key at key, mixed with seed */
	uint64_t (*hash)(const void *key, uint64_t seed);
	/* are the keys at a and b equal? */
	int (*eq)(const void *a, const void *b);
};

/* ops NULL: the key's bytes. -ENOMEM, -EINVAL (ksize 0 or max 0). */
int util_hash_new(size_t ksize, size_t vsize, size_t max,
		  const struct util_hash_ops *ops, struct util_hash **out);
void util_hash_free(struct util_hash *h);

/* The value of key (its slot's value bytes; for a set, non-NULL), or
 * NULL when key is not in. */
void *util_hash_get(const struct util_hash *h, const void *key);
/*
 * Puts key in and zeroes its value, or finds it: *val (may be NULL) is
 * then its value. 1 when key was in already, 0 when put in; -ENOSPC when
 * the table holds max entries, -ENOMEM (the table is unchanged).
 */
int util_hash_put(struct util_hash *h, const void *key, void **val);
/* Takes key out; -ENOENT when it was not in. */
int util_hash_del(struct util_hash *h, const void *key);
/* Empties the table (and gives back its memory). */
void util_hash_clear(struct util_hash *h);
size_t util_hash_count(const struct util_hash *h);
/*
 * Walks the entries: *pos 0 first, then as left by the previous call; 1
 * with *key and *val (either may be NULL) set, 0 at the end. No put or
 * del in between.
 */
int util_hash_next(const struct util_hash *h, size_t *pos, void **key,
		   void **val);

/* The bytes the table holds now (its slots and bitmap, not what values
 * point to). */
size_t util_hash_memory(const struct util_hash *h);
/* The most entries a table of ksize and vsize may be given (max) for its
 * slots and bitmap to stay within bytes however full it is (0: none). */
size_t util_hash_fit(size_t ksize, size_t vsize, size_t bytes);

/* A seeded hash of n bytes, and of a NUL-terminated string, for ops. */
uint64_t util_hash_bytes(const void *p, size_t n, uint64_t seed);
uint64_t util_hash_str(const char *s, uint64_t seed);

#endif

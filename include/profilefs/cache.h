/*
 * cache: profiles kept in SQLite, outliving the mount.
 *
 * Two keys: a file's identity (device, inode, size, mtime in ns) leads to
 * its content (SHA-256); the content holds the digests as columns (so the
 * cache can be queried by hash) and the profile's other facts as versioned
 * parts. A changed file has a new identity; a hard link or a copy with the
 * same bytes finds the content already there.
 *
 * One connection, WAL mode, every write in one transaction; the functions
 * are safe to call from many threads (a mutex inside keeps them short).
 * Errors: -ENOENT for "not cached", -EIO for a database error (logged),
 * -ENOMEM. A database that is not ours is refused with -EPROTO.
 */
#ifndef PROFILEFS_CACHE_H
#define PROFILEFS_CACHE_H

#include <stddef.h>
#include <stdint.h>

#include "profilefs/digest.h"

#define CACHE_SCHEMA_VERSION 1

struct cache;

struct cache_ident {
	uint64_t dev;
	uint64_t ino;
	uint64_t size;
	int64_t mtime_ns;
};

struct cache_content {
	uint64_t size;
	struct dg_result dg; /* dg.sha256 is the key */
};

struct cache_part {
	const char *name;
	int version;
	const void *data;
	size_t len;
};

int cache_open(const char *path, struct cache **out);
void cache_close(struct cache *c);

/* identity -> content */
int cache_find(struct cache *c, const struct cache_ident *id,
	       struct cache_content *out);
/* content by SHA-256 (a copy or hard link of a profiled file) */
int cache_find_content(struct cache *c, const uint8_t sha256[32],
		       struct cache_content *out);
/* a part of that version; *data is malloc'ed */
int cache_get_part(struct cache *c, const uint8_t sha256[32], const char *name,
		   int version, void **data, size_t *len);
/* stores content, parts and the identity in one transaction */
int cache_store(struct cache *c, const struct cache_ident *id,
		const struct cache_content *ct, const struct cache_part *parts,
		size_t nparts);

/* The default path: $XDG_CACHE_HOME/profilefs/cache.db, ~/.cache/...,
 * or /var/cache/profilefs/cache.db for root. malloc'ed. */
char *cache_default_path(void);
#define CACHE_DEFAULT_DOC                                                      \
	"$XDG_CACHE_HOME/profilefs/cache.db, ~/.cache/profilefs/cache.db, "    \
	"or /var/cache/profilefs/cache.db for root"

#endif

/*
 * The verdict of the catalog that lists a PE hash, made from bytes with
 * the SHA-256 the catalog was indexed with, and memoised by it.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "profilefs/cache.h"
#include "profilefs/caps.h"
#include "profilefs/catalogs.h"
#include "profilefs/hash.h"
#include "profilefs/sig.h"
#include "profilefs/tree.h"
#include "profilefs/util.h"
#include "catalogs_i.h"

void cat_memo_drop(struct svc_catalogs *c)
{
	size_t pos = 0;
	void *val;

	while (util_hash_next(c->memo, &pos, NULL, &val))
		sig_verdict_free(*(struct sig_verdict **)val);
	util_hash_clear(c->memo);
}

#define FIND_MAX 8 /* catalogs looked at per hash */

struct find_ctx {
	const struct svc_catalogs *c;
	char *path[FIND_MAX];
	uint8_t sha256[FIND_MAX][32];
	size_t n;
};

static int found(void *ctx, const char *path, const uint8_t *sha256)
{
	struct find_ctx *f = ctx;

	if (!cat_dir_of(f->c, path))
		return 0; /* a catalog of another mount sharing the
			     cache */
	if (!sha256)
		return 0; /* indexed before schema 5: the next scan
			     redoes it */
	f->path[f->n] = strdup(path);
	if (f->path[f->n])
		memcpy(f->sha256[f->n++], sha256, 32);
	return f->n == sizeof(f->path) / sizeof(f->path[0]);
}

/* Marks path for the next scan and wakes the rescanning thread; the
 * lock is held. A full list drops it: a later verdict marks it again.
 */
static void mark_stale(struct svc_catalogs *c, const char *path)
{
	char *p;

	if (cat_stale_has(c->stale, c->nstale, path) ||
	    c->nstale == CATALOG_STALE || !(p = strdup(path)))
		return;
	c->stale[c->nstale++] = p;
	pthread_cond_signal(&c->wake);
}

/*
 * The verdict of the catalog indexed at path from bytes with SHA-256
 * sha256, memoised by that SHA-256 per generation; the lock is held.
 * -ESTALE when the bytes there now are others (the catalog is marked
 * for the next scan): no verdict is made from bytes that were not
 * indexed.
 */
static int verdict(struct svc_catalogs *c, const char *path,
		   const uint8_t sha256[32], const struct sig_env *env,
		   int64_t gen, const struct sig_verdict **out)
{
	const struct cat_dir *d = cat_dir_of(c, path);
	struct sig_verdict *r = NULL, **kept;
	struct sig_cat_src src = { NULL, NULL, 0 };
	struct stat st;
	uint8_t now[32];
	void *slot;
	int rc;

	(void)gen; /* the memo is of gen: svc_catalogs_check() saw to it
		    */
	kept = util_hash_get(c->memo, sha256);
	if (kept) {
		*out = *kept;
		return 0;
	}
	if (!d)
		return -ENOENT;
	rc = cat_open(d, path_base(path), &src, &st);
	if (rc)
		return rc;
	/* read in parts: memory bounded whatever the catalog holds */
	rc = sig_check_catalog_src(&src, 0, path_base(path), env, NULL, now,
				   &r);
	tree_file_close(src.file);
	if (!rc && memcmp(now, sha256, 32) != 0) {
		log_warn("catalog %s: changed since it was indexed: "
			 "not used "
			 "until it is indexed again",
			 path);
		mark_stale(c, path);
		sig_verdict_free(r);
		rc = -ESTALE;
	}
	if (rc)
		return rc;
	/* (there is room: svc_catalogs_check() made it) */
	rc = util_hash_put(c->memo, sha256, &slot);
	if (rc < 0) {
		sig_verdict_free(r);
		return rc == -ENOSPC ? -ENOMEM : rc;
	}
	*(struct sig_verdict **)slot = r;
	*out = r;
	return 0;
}

/* The chosen verdict, named after the path it was found at (a memoised
 * verdict may have been made for a copy of the catalog at another
 * path). */
static int dup_named(const struct sig_verdict *v, const char *path,
		     struct sig_verdict **out)
{
	struct sig_verdict *r;
	char *name = strdup(path_base(path));
	int rc = name ? sig_verdict_dup(v, &r) : -ENOMEM;

	if (rc) {
		free(name);
		return rc;
	}
	free(r->catalog);
	r->catalog = name;
	*out = r;
	return 0;
}

int svc_catalogs_check(struct svc_catalogs *c, const uint8_t *sha1,
		       const uint8_t *sha256, const struct sig_env *env,
		       int64_t gen, struct sig_verdict **out)
{
	struct find_ctx f = { .c = c };
	const struct sig_verdict *best = NULL, *r, *next;
	const char *best_path = NULL;
	int done = 0;
	size_t i;
	int rc;

	*out = NULL;
	rc = cache_catalog_find(c->cache, sha256, 32, found, &f);
	if (!rc && f.n == 0)
		rc = cache_catalog_find(c->cache, sha1, 20, found, &f);
	if (rc || f.n == 0)
		goto out;
	/* the first catalog whose signature holds, else the first */
	pthread_mutex_lock(&c->lock);
	/* the memo is of one generation, with room for this check's:
	 * what it keeps is not dropped while the check uses it */
	if (gen != c->memo_gen ||
	    util_hash_count(c->memo) > CATALOG_MEMO - FIND_MAX) {
		cat_memo_drop(c);
		c->memo_gen = gen;
	}
	for (i = 0; i < f.n && !rc && !done; i++) {
		rc = verdict(c, f.path[i], f.sha256[i], env, gen, &r);
		if (rc == -ENOENT || rc == -EFBIG || rc == -EIO ||
		    rc == -ESTALE) {
			rc = 0; /* gone, unreadable or changed since
				   indexed */
			continue;
		}
		if (rc)
			break;
		next = sig_catalog_choose(best, r, &done);
		if (next != best)
			best_path = f.path[i];
		best = next;
	}
	if (!rc && best)
		rc = dup_named(best, best_path, out);
	pthread_mutex_unlock(&c->lock);
out:
	for (i = 0; i < f.n; i++)
		free(f.path[i]);
	return rc;
}

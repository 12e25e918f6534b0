/*
 * service: profiles without FUSE.
 *
 * Answers "what is the profile of the file at this path below the source
 * root": from the cache when it can, else computed once however many
 * callers ask at the same time (single flight), then stored. It owns the
 * memos (Possible Misuse rows per name, signature verdicts per content),
 * the catalog index, the trust set-up and the rules lookup. The FUSE front
 * end (fs) and `profilefs profile` (cli) both sit on it.
 *
 * Errors: 0 or -errno, passed to FUSE unchanged.
 */
#ifndef PROFILEFS_SERVICE_H
#define PROFILEFS_SERVICE_H

#include <stddef.h>
#include <stdint.h>
#include <sys/stat.h>

#include "profilefs/profile.h"

struct cache;

struct svc_stats {
	uint64_t computed;   /* profiles computed (files read and hashed) */
	uint64_t cache_hits; /* profiles served from the cache */
	uint64_t bytes_read; /* bytes of source files hashed */
	uint64_t errors;     /* profiles that could not be made */
	uint64_t computing;  /* profiles being computed right now */
	uint64_t renders;    /* Markdown renders of a profile */
	uint64_t stored;     /* computed profiles stored in the cache */
	uint64_t not_stored; /* computed profiles the cache did not take */
};

struct svc;

/* rootfd stays the caller's; cache may be NULL (no caching) */
int svc_new(int rootfd, const char *drive, struct cache *cache,
	    struct svc **out);
void svc_free(struct svc *pv);
void svc_set_cache(struct svc *pv, struct cache *cache);
/* what one profile may cost (default: no bounds) */
void svc_set_limits(struct svc *pv, const struct prof_limits *lim);

/*
 * The rendered profile of relpath. With compute = 0 only a cached profile
 * is returned (-ENOENT otherwise): stat and ls never compute. *md is
 * malloc'ed. -EIO when the file cannot be read, -EISDIR for a directory.
 */
int svc_profile(struct svc *pv, const char *relpath, int compute, char **md,
		size_t *len);
void svc_get_stats(struct svc *pv, struct svc_stats *out);

/* ---- signatures -------------------------------------------------------- */

struct svc_catalogs;

/* catalogs indexed into cache (which the caller keeps open) */
int svc_catalogs_new(struct cache *cache, struct svc_catalogs **out);
void svc_catalogs_free(struct svc_catalogs *c);
/* a folder of .cat files; -errno when it cannot be opened */
int svc_catalogs_add_dir(struct svc_catalogs *c, const char *dir);
size_t svc_catalogs_count_dirs(const struct svc_catalogs *c);
/* Indexes new and changed catalogs, drops the gone (progress: a count on
 * stderr). */
int svc_catalogs_sync(struct svc_catalogs *c, int progress);
/* The index's generation, after a rescan when the last is old enough; -1
 * until a scan has succeeded. */
int64_t svc_catalogs_generation(struct svc_catalogs *c);
/* The verdict of the catalog that lists the PE hash (SHA-256 or SHA-1),
 * or *out NULL when none does. */
int svc_catalogs_check(struct svc_catalogs *c, const uint8_t *sha1,
		       const uint8_t *sha256, const struct sig_env *env,
		       int64_t gen, struct sig_verdict **out);
/* Windows/System32/CatRoot/{F750E6C3-...} below rootfd, any case: its
 * path relative to rootfd (malloc'ed), or -ENOENT. */
int svc_find_catroot(int rootfd, char **rel);

/* What signatures are checked against; both stay the caller's. NULL
 * trust: no Signature section. */
void svc_set_signing(struct svc *pv, const struct sig_trust *trust,
		     struct svc_catalogs *catalogs);

/* The signing options of the mount and of `profilefs profile`. */
struct svc_signing_opts {
	char **trust; /* --trust FILE, repeatable */
	size_t ntrust;
	char **catalogs; /* --catalogs DIR, repeatable */
	size_t ncatalogs;
	int no_default_trust;
};

enum { SVC_OPT_TRUST, SVC_OPT_CATALOGS };
/* records one --trust or --catalogs value */
int svc_signing_opt(struct svc_signing_opts *o, int which, const char *value);
void svc_signing_opts_free(struct svc_signing_opts *o);
/* The anchors; 2 (with a message on stderr) for a bad --trust FILE. */
int svc_signing_trust(const struct svc_signing_opts *o, struct sig_trust **out);
/* The catalog folders (--catalogs, and the CatRoot below source when
 * source is not NULL); 2 (with a message) for a bad --catalogs DIR. */
int svc_signing_catalogs(const struct svc_signing_opts *o, const char *source,
			 struct svc_catalogs **out);
/* the cache the index lives in (set before syncing) */
void svc_catalogs_set_cache(struct svc_catalogs *c, struct cache *cache);

/* ---- names ----------------------------------------------------------- */

/* Default binary extensions, comma-separated. */
#define SVC_DEFAULT_EXTS "dll,exe,sys,ocx,cpl,drv,efi,scr,mui,acm,ax,tlb,com"

struct svc_names;

/* exts: comma-separated list without dots; sniff_mz: any file that
 * starts with "MZ" is a binary too */
int svc_names_new(const char *exts, int sniff_mz, struct svc_names **out);
void svc_names_free(struct svc_names *n);
/* Is the entry `name` (with lstat st, below dirfd) a binary? */
int svc_is_binary(const struct svc_names *n, int dirfd, const char *name,
		  const struct stat *st);

#endif

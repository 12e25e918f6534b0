/*
 * fs: the read-only overlay and the profiles beside its binaries.
 *
 * Two halves. The provider (no FUSE in it) answers "what is the profile
 * of the file at this path below the source root": from the cache when it
 * can, else computed once however many callers ask at the same time, then
 * stored. The FUSE operations (fs_main) map a mounted path to a source
 * file or to a provider call, and refuse every write with -EROFS.
 *
 * Errors: 0 or -errno, passed to FUSE unchanged.
 */
#ifndef PROFILEFS_FS_H
#define PROFILEFS_FS_H

#include <stddef.h>
#include <stdint.h>
#include <sys/stat.h>

#include "profilefs/profile.h"

struct cache;

struct fs_stats {
	uint64_t computed;   /* profiles computed (files read and hashed) */
	uint64_t cache_hits; /* profiles served from the cache */
	uint64_t bytes_read; /* bytes of source files hashed */
	uint64_t errors;     /* profiles that could not be made */
	uint64_t computing;  /* profiles being computed right now */
};

struct fs_provider;

/* rootfd stays the caller's; cache may be NULL (no caching) */
int fs_provider_new(int rootfd, const char *drive, struct cache *cache,
		    struct fs_provider **out);
void fs_provider_free(struct fs_provider *pv);
void fs_provider_set_cache(struct fs_provider *pv, struct cache *cache);
/* what one profile may cost (default: no bounds) */
void fs_provider_set_limits(struct fs_provider *pv,
			    const struct prof_limits *lim);

/*
 * The rendered profile of relpath. With compute = 0 only a cached profile
 * is returned (-ENOENT otherwise): stat and ls never compute. *md is
 * malloc'ed. -EIO when the file cannot be read, -EISDIR for a directory.
 */
int fs_profile(struct fs_provider *pv, const char *relpath, int compute,
	       char **md, size_t *len);
void fs_provider_stats(struct fs_provider *pv, struct fs_stats *out);

/* ---- signatures -------------------------------------------------------- */

struct fs_catalogs;

/* catalogs indexed into cache (which the caller keeps open) */
int fs_catalogs_new(struct cache *cache, struct fs_catalogs **out);
void fs_catalogs_free(struct fs_catalogs *c);
/* a folder of .cat files; -errno when it cannot be opened */
int fs_catalogs_add_dir(struct fs_catalogs *c, const char *dir);
size_t fs_catalogs_count_dirs(const struct fs_catalogs *c);
/* Indexes new and changed catalogs, drops the gone (progress: a count on
 * stderr). */
int fs_catalogs_sync(struct fs_catalogs *c, int progress);
/* The index's generation, after a rescan when the last is old enough; -1
 * until a scan has succeeded. */
int64_t fs_catalogs_generation(struct fs_catalogs *c);
/* The report of the catalog that lists the PE hash (SHA-256 or SHA-1),
 * or *out NULL when none does. */
int fs_catalogs_check(struct fs_catalogs *c, const uint8_t *sha1,
		      const uint8_t *sha256, const struct sig_env *env,
		      int64_t gen, struct sig_report **out);
/* Windows/System32/CatRoot/{F750E6C3-...} below rootfd, any case: its
 * path relative to rootfd (malloc'ed), or -ENOENT. */
int fs_find_catroot(int rootfd, char **rel);

/* What signatures are checked against; both stay the caller's. NULL
 * trust: no Signature section. */
void fs_provider_set_signing(struct fs_provider *pv,
			     const struct sig_trust *trust,
			     struct fs_catalogs *catalogs);

/* The signing options of the mount and of `profilefs profile`. */
struct fs_signing_opts {
	char **trust; /* --trust FILE, repeatable */
	size_t ntrust;
	char **catalogs; /* --catalogs DIR, repeatable */
	size_t ncatalogs;
	int no_default_trust;
};

#define FS_SIGNING_HELP                                                        \
	"    --trust=FILE       also trust the root certificates in FILE "     \
	"(PEM);\n"                                                             \
	"                       repeatable\n"                                  \
	"    --no-default-trust do not trust the system's CA bundle and the\n" \
	"                       shipped Microsoft roots (only --trust)\n"      \
	"    --catalogs=DIR     index the Windows catalogs (.cat) in DIR; "    \
	"the\n"                                                                \
	"                       source's "                                     \
	"Windows/System32/CatRoot/{F750E6C3-\n"                                \
	"                       38EE-11D1-85E5-00C04FC295EE} is found by "     \
	"itself\n"

enum { FS_OPT_TRUST, FS_OPT_CATALOGS };
/* records one --trust or --catalogs value */
int fs_signing_opt(struct fs_signing_opts *o, int which, const char *value);
void fs_signing_opts_free(struct fs_signing_opts *o);
/* The anchors; 2 (with a message on stderr) for a bad --trust FILE. */
int fs_signing_trust(const struct fs_signing_opts *o, struct sig_trust **out);
/* The catalog folders (--catalogs, and the CatRoot below source when
 * source is not NULL); 2 (with a message) for a bad --catalogs DIR. */
int fs_signing_catalogs(const struct fs_signing_opts *o, const char *source,
			struct fs_catalogs **out);
/* the cache the index lives in (set before syncing) */
void fs_catalogs_set_cache(struct fs_catalogs *c, struct cache *cache);

/* ---- names ----------------------------------------------------------- */

/* Default binary extensions, comma-separated. */
#define FS_DEFAULT_EXTS "dll,exe,sys,ocx,cpl,drv,efi,scr,mui,acm,ax,tlb,com"

struct fs_names;

/* exts: comma-separated list without dots; sniff_mz: any file that
 * starts with "MZ" is a binary too */
int fs_names_new(const char *exts, int sniff_mz, struct fs_names **out);
void fs_names_free(struct fs_names *n);
/* Is the entry `name` (with lstat st, below dirfd) a binary? */
int fs_is_binary(const struct fs_names *n, int dirfd, const char *name,
		 const struct stat *st);

/* ---- the mount -------------------------------------------------------- */

struct fs_config {
	const char *source;	/* absolute, resolved */
	const char *mountpoint; /* absolute, resolved */
	const char *drive;
	const char *cache_path; /* NULL: no cache */
	struct fs_names *names;
	struct prof_limits limits;
	int foreground;
	struct sig_trust *trust;      /* owned */
	struct fs_catalogs *catalogs; /* owned: --catalogs, and the CatRoot */
};

/* "4096", "64K", "1.5G" (powers of 1024) -> bytes; -EINVAL */
int fs_parse_size(const char *s, uint64_t *out);

/* `profilefs [options] SOURCE MOUNTPOINT`: the exit status */
int fs_cli_mount(int argc, char **argv);

/* Mounts, detaches unless foreground, opens the cache, serves until
 * unmounted or signalled. argc/argv: the FUSE options left over. */
int fs_main(const struct fs_config *cfg, int argc, char **argv);

#endif

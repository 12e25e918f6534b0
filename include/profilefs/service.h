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
	uint64_t cache_hits; /* profiles loaded from the cache */
	uint64_t bytes_read; /* bytes of source files hashed */
	uint64_t errors;     /* profiles that could not be made */
	uint64_t computing;  /* profiles being computed right now */
	uint64_t renders;    /* renders of a profile (Markdown or JSON) */
	uint64_t stored;     /* computed profiles stored in the cache */
	uint64_t not_stored; /* computed profiles the cache did not take */
	/* files hashed (SHA-256 only) to check that a cached profile made
	 * by another mount is of their bytes: not a profile computed */
	uint64_t verified;
	uint64_t bytes_verified; /* bytes so hashed */
	/* computations stopped because nobody waited for them any more
	 * (every reader gone) or the daemon was ending */
	uint64_t cancelled;
	/* computations waiting their turn in the memory budget right now */
	uint64_t queued;
	/* bytes the computations running now have taken of the budget */
	uint64_t budget_used;
	/* the background pool (svc_prefetch_start): binaries waiting in its
	 * queues now, binaries it has seen to (profile made, found cached,
	 * or failed), requests dropped because a queue was full */
	uint64_t prefetch_queued;
	uint64_t prefetch_done;
	uint64_t prefetch_dropped;
	/* the --warm walk: binaries found so far, and 1 once it has ended
	 * (walked everything, or stopped) */
	uint64_t warm_found;
	uint64_t warm_walked;
};

struct svc;
struct rules_index;

/* What a service serves from; every pointer stays the caller's. */
struct svc_setup {
	struct tree *tree; /* the source */
	const char *drive;
	struct cache *cache; /* NULL: no caching, and no catalogs */
	/* the rules index (rules.h); NULL: no Possible Misuse */
	struct rules_index *rules;
	struct prof_limits limits;
	const struct sig_trust *trust; /* NULL: no Signature section */
	struct svc_catalogs *catalogs; /* NULL or no folders: none */
	int rescan;   /* look at the catalogs again in the background */
	int progress; /* a count on stderr while catalogs are indexed */
	/* Serve a cached profile by the file's identity (device, inode, size,
	 * mtime, ctime) alone, as whoever stored it saw it. Off: a cache row
	 * this service did not store or check itself is used only after the
	 * file's SHA-256 is found to be the cached content's; a file
	 * rewritten with its size, mtime and ctime all put back (which whoever
	 * controls a disk image can do), or a cache row that lies, would
	 * otherwise keep its old profile. */
	int trust_metadata;
	/* Has the caller on this thread gone (its request interrupted)? Asked
	 * now and then while a computation it waits for runs: one that no
	 * caller waits for any more stops. NULL: callers never go. */
	int (*caller_gone)(void);
	/* What all computations hold together at most, in bytes (0:
	 * SVC_MEMORY_DEFAULT); one that must wait for it waits its turn. */
	uint64_t memory;
	/* large files (over CAP_LARGE_FILE) read at once (0: the number of
	 * processors online) */
	unsigned large_jobs;
};

#define SVC_MEMORY_DEFAULT (192ull << 20)

/*
 * Ends every computation and every wait for one, in every service of the
 * process, with -EINTR: the daemon is ending. Async-signal-safe (called
 * from a signal handler); there is no way back.
 */
void svc_shutdown(void);

/*
 * A service over setup: indexes the catalogs (a failure is logged, and
 * the last index is used), on the rescanning thread when rescan is asked
 * (a profile whose Signature section needs the index waits for that
 * first scan; every other answer is given at once), else before it
 * returns. -ENOMEM.
 */
int svc_open(const struct svc_setup *setup, struct svc **out);
/* Stops the rescans and frees the service (not what setup named). */
void svc_close(struct svc *pv);

/*
 * What one profile shows: the facts of the binary and, in v, its .mui's,
 * its signature verdict and its Possible Misuse rows. Held (read-only)
 * until svc_view_put(); hold it briefly: a rules or catalog change waits
 * for it.
 */
struct svc_view {
	const struct prof *prof;
	struct prof_view v;
};

/*
 * The view of relpath. With compute = 0 only a cached profile whose row
 * this service may trust (see trust_metadata) is returned (-ENOENT
 * otherwise); with compute = 1 an untrusted row is checked against the
 * file's SHA-256 (once for all callers, within the limits), and the
 * profile is computed when the check fails. -EIO when the file cannot be read,
 * -EISDIR for a directory, -ENOENT for a symlink. -EINTR when the caller
 * went (setup.caller_gone) or the service is shutting down before the
 * profile was made; -EAGAIN when CAP_COMPUTE_CALLERS callers already wait
 * for computations (so that others keep a thread).
 */
int svc_view_get(struct svc *pv, const char *relpath, int compute,
		 struct svc_view **out);
/* The same, for a caller that has relpath's lstat st already (the mount,
 * which resolved the path): relpath is not looked up again. So for every
 * *_at() call below. */
int svc_view_get_at(struct svc *pv, const char *relpath, const struct stat *st,
		    int compute, struct svc_view **out);
void svc_view_put(struct svc *pv, struct svc_view *v);

/* What a text is written in: the Markdown profile (prof_render), or the
 * JSON one (prof_render_json, pretty: what `profilefs profile
 * --format=json` prints). */
enum svc_format { SVC_MD = 0, SVC_JSON = 1, SVC_FORMATS };

/* A rendered profile: shared and read-only until svc_text_put(). */
struct svc_text {
	const char *md;
	size_t len;
};

/*
 * The profile of relpath in fmt, rendered at most once per render key
 * (everything the text depends on: the format, the content, the path
 * shown, the .mui, the rules and catalog generations, the trust, the
 * drive, the day) and kept in a memo bounded by CAP_RENDER_MEMO bytes
 * (both formats share it; their keys never collide). compute as for
 * svc_view_get().
 */
int svc_text_get(struct svc *pv, const char *relpath, enum svc_format fmt,
		 int compute, const struct svc_text **out);
int svc_text_get_at(struct svc *pv, const char *relpath, const struct stat *st,
		    enum svc_format fmt, int compute,
		    const struct svc_text **out);
void svc_text_put(struct svc *pv, const struct svc_text *t);

/*
 * The size of relpath's profile in fmt when it is cached; never computes (nor
 * reads the file), and renders only when neither the memo nor the cache
 * knows the size for its key (which it then stores with the cached
 * profile). -ENOENT when the profile is not cached, or (without
 * trust_metadata) when its cache row is not yet checked against the file
 * by this service: the check reads the whole file, which is the work of a
 * read, not of a stat.
 */
int svc_profile_size(struct svc *pv, const char *relpath, enum svc_format fmt,
		     uint64_t *size);
int svc_profile_size_at(struct svc *pv, const char *relpath,
			const struct stat *st, enum svc_format fmt,
			uint64_t *size);

/*
 * `profilefs warm`: makes sure the profile of relpath is in the cache. A
 * cache row for the file's identity with every part of today's version
 * counts as done without the file being read (*computed 0); otherwise the
 * profile is obtained as svc_view_get() with compute does (computed and
 * stored, or checked against the file's SHA-256): *computed 1. *size is
 * the file's size (0 for what is not a regular file, which has nothing to
 * store). Errors as svc_view_get().
 */
int svc_warm(struct svc *pv, const char *relpath, int *computed,
	     uint64_t *size);

/*
 * svc_profile_size() of a cached profile of a regular file, with the key
 * of its text (what the text depends on: equal keys, equal bytes), for the
 * kernel's page cache. -ENOENT when there is no such key now.
 */
int svc_profile_key(struct svc *pv, const char *relpath, enum svc_format fmt,
		    uint8_t key[32], uint64_t *size);
int svc_profile_key_at(struct svc *pv, const char *relpath,
		       const struct stat *st, enum svc_format fmt,
		       uint8_t key[32], uint64_t *size);

void svc_get_stats(struct svc *pv, struct svc_stats *out);

/* ---- the background pool (prefetch.c) ------------------------------ */

struct svc_names;

/*
 * Starts workers threads (0: as many as processors online) that make
 * profiles nobody reads yet, so that a later read or stat finds them
 * cached: each binary queued is rendered in every format of the formats
 * mask (1u << SVC_MD, 1u << SVC_JSON) through svc_text_get(), so it joins
 * a computation in flight, obeys the memory gate and the time limit, and
 * is stored in the cache. A binary whose size the cache already knows is
 * skipped. Only with a cache (without one nothing made would be kept):
 * -ENOTSUP. svc_close() (and svc_shutdown()) stop the pool; work under
 * way stops as a reader's does when it goes (-EINTR).
 */
int svc_prefetch_start(struct svc *pv, unsigned workers, unsigned formats);
/*
 * Queues relpath, a binary, for the pool ahead of the warm walk's. A path
 * already queued is not queued again. -EAGAIN when the queue holds
 * CAP_PREFETCH_QUEUE binaries (the request is dropped and counted),
 * -ENOTSUP without a pool, -ENOMEM.
 */
int svc_prefetch(struct svc *pv, const char *relpath);
/*
 * Walks the source (folders below the root, never a symlink) on a thread
 * of its own and queues every binary names finds at low priority: the
 * walk and the workers that take its binaries run at nice 19 and idle I/O
 * priority, and a binary queued by svc_prefetch() goes first. A walked
 * binary starts only while no computation waits in the memory gate, on at
 * most workers - 1 workers at once (1 with one worker). The walk waits
 * while its queue is full. -ENOTSUP without a pool.
 */
int svc_prefetch_warm(struct svc *pv, const struct svc_names *names);

/* ---- signatures -------------------------------------------------------- */

struct svc_catalogs;

/* catalogs indexed into cache (which the caller keeps open) */
int svc_catalogs_new(struct cache *cache, struct svc_catalogs **out);
void svc_catalogs_free(struct svc_catalogs *c);
/* a folder of .cat files; -errno when it cannot be opened */
int svc_catalogs_add_dir(struct svc_catalogs *c, const char *dir);
/* The folder rel of the tree t (a source's CatRoot, read as the source
 * is), shown (and keyed in the cache) as shown; t is closed with c when
 * own. -ENOMEM. */
struct tree;
int svc_catalogs_add_tree(struct svc_catalogs *c, struct tree *t,
			  const char *rel, const char *shown, int own);
size_t svc_catalogs_count_dirs(const struct svc_catalogs *c);
/* Indexes new and changed catalogs, drops the gone (progress: a count on
 * stderr). Catalogs are streamed (sig_catalog_stream), their members
 * stored in batches; a scan stops between two batches with -EINTR when
 * svc_catalogs_stop() or svc_shutdown() asks. */
int svc_catalogs_sync(struct svc_catalogs *c, int progress);
/* Has the first scan since the cache was set ended (done or failed)? A
 * mount makes it on the rescanning thread, so that it answers meanwhile;
 * a verdict that needs the index waits for it (svc_catalogs_wait, which
 * returns stop's error when it says to stop, asked every 100 ms). */
struct util_stop;
int svc_catalogs_ready(struct svc_catalogs *c);
int svc_catalogs_wait(struct svc_catalogs *c, const struct util_stop *stop);
/* The index's generation after the last scan; -1 until one succeeded. */
int64_t svc_catalogs_generation(struct svc_catalogs *c);
/* Scans at once, then every 2 s, on a thread of its own, until stopped
 * (or freed). */
int svc_catalogs_start(struct svc_catalogs *c);
void svc_catalogs_stop(struct svc_catalogs *c);
/* The verdict of the catalog that lists the PE hash (SHA-256 or SHA-1),
 * or *out NULL when none does. The catalog is read in parts
 * (sig_check_catalog_src), its verdict kept per SHA-256 until the index
 * changes. */
int svc_catalogs_check(struct svc_catalogs *c, const uint8_t *sha1,
		       const uint8_t *sha256, const struct sig_env *env,
		       int64_t gen, struct sig_verdict **out);
/* Windows/System32/CatRoot/{F750E6C3-...} in the tree t, any case: its
 * path relative to t's root (malloc'ed), or -ENOENT. */
struct tree;
int svc_find_catroot(struct tree *t, char **rel);

/* The signing options of the mount and of `profilefs profile`. */
struct svc_signing_opts {
	char **trust; /* --trust FILE, repeatable */
	size_t ntrust;
	char **catalogs; /* --catalogs DIR, repeatable */
	size_t ncatalogs;
	int no_default_trust;
	int system_trust; /* --system-trust: the system's CA bundle too */
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
/* Is the entry rel of t (with lstat st) a binary? A file's first bytes
 * (sniff_mz) are read only when may_read. */
int svc_is_binary(const struct svc_names *n, struct tree *t, const char *rel,
		  const struct stat *st, int may_read);

#endif

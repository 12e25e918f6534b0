/*
 * svc: the service itself: profiles without FUSE.
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
#ifndef PROFILEFS_SVC_H
#define PROFILEFS_SVC_H

#include <stddef.h>
#include <stdint.h>
#include <sys/stat.h>

#include "profilefs/profile.h"

struct cache;
struct tree;
struct util_stop;

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
struct prof_rich_names;
struct known;

/* What a service serves from; every pointer stays the caller's. */
struct svc_setup {
	struct tree *tree; /* the source */
	const char *drive;
	struct cache *cache; /* NULL: no caching, and no catalogs */
	/* the rules index (rules.h); NULL: no Possible Misuse */
	struct rules_index *rules;
	/* the names of Rich header entries (profile.h); NULL: "unknown" */
	const struct prof_rich_names *rich_names;
	/* the known-file store (known.h); NULL: every verdict "no data" */
	struct known *known;
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
	/* What the service holds at most, in bytes (0: SVC_MEMORY_DEFAULT):
	 * its memos and its computations, shared as below; a computation
	 * that must wait for its share waits its turn. */
	uint64_t memory;
	/* large files (over CAP_LARGE_FILE) read at once (0: the number of
	 * processors online) */
	unsigned large_jobs;
};

/*
 * One memory budget. setup.memory is shared by one rule (service.c,
 * budget_split), so that what the service keeps between requests and what
 * its computations hold together stay within it:
 * - the render memo (rendered texts): memory / 6, at most CAP_RENDER_MEMO
 *   (32 MiB of the default: as much as ever);
 * - the verified set (identities whose cache row is ours): memory / 8, as
 *   many identities as its table holds in that (util_hash_fit), at most
 *   2^20 (262144 of the default);
 * - the identities whose reading the time limit stopped (not read again):
 *   memory / 1024, as many as its table holds in that;
 * - the rest, for the computations in progress (the memory gate: each
 *   takes prof_memory() of its file before it reads, the PE reader's
 *   block cache included): 136 MiB of the default.
 * What the other memos keep is bounded by count, not bytes: the Possible
 * Misuse rows of CAP_MISUSE_MEMO names (each at most CAP_MISUSE_ROWS
 * rows), CAP_SIG_MEMO / 2 verdicts, the catalogs' verdicts, and
 * the tree's TREE_VOLUME_MEMO volumes.
 */
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
 * its signature verdict and its Possible Misuse rows. Read-only until
 * svc_view_put().
 *
 * A view holds locks: from svc_view_get() until svc_view_put() the
 * thread holds the read locks of the memo of verdicts and of the memo of
 * Possible Misuse rows, so that the verdict and the rows it points to stay
 * as they are. Hold it briefly, on one thread, and make no other call
 * into the service meanwhile: a rules or catalog change (a writer of
 * either memo) waits for it.
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
 * for computations (so that others keep a thread). With compute =
 * SVC_BY_IDENTITY, as with 0, but a cache row is believed by the file's
 * identity alone, as trust_metadata believes it (the summary's walk,
 * summary.h, which reads no binary).
 */
#define SVC_BY_IDENTITY 2
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

/* what svc_warm() did with a file */
enum svc_warmed {
	SVC_WARMED_CACHED,    /* its profile was cached: not read */
	SVC_WARMED_COMPUTED,  /* read whole: computed and stored, or checked */
	SVC_WARMED_SKIPPED,   /* not read: not a regular file, or over the
			       * size cap (nothing to store) */
	SVC_WARMED_TIMED_OUT, /* the time limit stopped the reading: its
			       * profile says so, and is not stored */
};

/*
 * What a stat may say of relpath's profile without reading the file:
 * svc_profile_size_at()'s exact size, else (Markdown) the size its last
 * render had, stored in the cache for the file's identity (device, inode,
 * size, mtime, ctime), by whichever mount or process rendered it and
 * whatever rules, catalogs and day it was rendered with. A hint: the read
 * still checks the file's content (without trust_metadata) and renders
 * now, and its text may be of another size. -ENOENT when neither is
 * known.
 */
int svc_profile_hint_at(struct svc *pv, const char *relpath,
			const struct stat *st, enum svc_format fmt,
			uint64_t *size);

/*
 * `profilefs warm`: makes sure the profile of relpath is in the cache. A
 * cache row for the file's identity with every part of today's version
 * counts as done without the file being read (SVC_WARMED_CACHED);
 * otherwise the profile is obtained as svc_view_get() with compute does
 * (computed and stored, or checked against the file's SHA-256). *what
 * says which, *read the bytes of the file read for it (as far as the
 * time limit let it). Errors as svc_view_get().
 */
int svc_warm(struct svc *pv, const char *relpath, enum svc_warmed *what,
	     uint64_t *read);

/*
 * Did this service's reading of relpath, as it is now (its identity),
 * stop at the time limit? Then it is not read again while the service
 * runs (its profile says it was stopped): 1, else 0.
 */
int svc_timed_out(struct svc *pv, const char *relpath);

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

/* ---- the background pool of the service (prefetch.h) ----------------- */

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

/* ---- for the pool (prefetch.h) ---------------------------------------- */

/*
 * The stop a computation this thread waits for asks too, beside
 * setup.caller_gone and svc_shutdown() (NULL: none): a thread that works
 * for an owner of its own (a worker of the pool) is told to stop by it.
 * stop stays the caller's until it is set again.
 */
void svc_thread_stop(const struct util_stop *stop);
/* How many computations wait their turn in the memory budget now. */
unsigned svc_waiting(struct svc *pv);
/* A stop that says stop (-EINTR) once svc_shutdown() was called: what
 * the service gives down to what it starts (the pool, the rescans). */
extern const struct util_stop svc_end_stop;

#endif

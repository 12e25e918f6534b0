/*
 * Private to the service's own files: its state, and what they share.
 *
 * Who calls whom (one way only):
 *   service.c (open, close, stats; starts and stops the pool and the
 *     rescans)
 *   -> text.c (the texts: render memo, sizes, keys)
 *   -> view.c (views: what one profile shows, and its render key)
 *   -> obtain.c (a profile from the cache, checked, or computed)
 *   -> flight.c (single flight: computations in flight, joining,
 *     cancelling; the end of the daemon)
 * and below them the modules with headers of their own: rendered.c
 * (rmemo_i.h), misuse.c (misuse_i.h), signature.c (verdicts_i.h),
 * verified.c (verified_i.h), gate.c (gate_i.h), the catalogs
 * (catalogs.h) and the source (tree.h).
 */
#ifndef PROFILEFS_SVC_I_H
#define PROFILEFS_SVC_I_H

#include <pthread.h>
#include <stdint.h>

#include "profilefs/cache.h"
#include "profilefs/service.h"
#include "gate_i.h"

struct flight;
struct misuse_memo;
struct rmemo;
struct svc_verdicts;
struct vset;

/* the generations a render shows, read once per render (-1: none) */
struct svc_gens {
	int64_t rules; /* of the rules index */
	int64_t sig;   /* of the catalog index */
	int64_t day;   /* the UTC day a verdict is made on */
	int64_t known; /* of the known-file store */
};

struct svc {
	struct tree *tree; /* the source: the setup's */
	char *drive;
	struct cache *cache;
	/* the setup's rules index: Possible Misuse */
	struct rules_index *rules;
	/* the setup's names of Rich header entries, or NULL */
	const struct prof_rich_names *rich_names;
	/* the setup's known-file store, or NULL */
	struct known *known;
	pthread_mutex_t lock; /* flights, callers and stats */
	struct flight *flights;
	unsigned callers; /* waiting for or running computations */
	int (*caller_gone)(void);
	struct gate *gate; /* the memory budget */
	struct svc_stats stats;
	struct prof_limits limits;
	/* rules lookups, kept per name until the rules change */
	struct misuse_memo *misuse;
	/* signatures: checked against trust and catalogs when shown
	 * (verdicts); NULL trust: no Signature section */
	const struct sig_trust *trust;
	struct svc_catalogs *catalogs;
	uint8_t trust_digest[32]; /* what the trust anchors are */
	struct svc_verdicts *verdicts;
	/* the rendered profiles, by render key */
	struct rmemo *rendered;
	/* the identities whose cache row this service stored or checked
	 * against the file's SHA-256: up to SVC_VERIFIED_MAX; past the
	 * cap, identities are checked again */
	int trust_metadata;
	struct vset *verified;
	/* the identities whose reading the time limit stopped: not read
	 * again (the limit is the service's, and does not change); up to
	 * the budget's share, past it read again */
	struct vset *timed_out;
	/* the background pool, or NULL */
	struct svc_pool *pool;
};

#define SVC_VERIFIED_MAX (1u << 20)

/* adds n to a counter of pv->stats */
static inline void svc_count(struct svc *pv, uint64_t *field, uint64_t n)
{
	pthread_mutex_lock(&pv->lock);
	*field += n;
	pthread_mutex_unlock(&pv->lock);
}

/* ---- flight.c: single flight ---------------------------------------- */

/* Has this thread's caller gone (or is the daemon ending)? */
int svc_caller_gone(const struct svc *pv);

/* Makes the profile of identity id for a flight, asking stop between two
 * chunks. */
typedef int flight_fn(struct svc *pv, const struct cache_ident *id,
		      const struct util_stop *stop, void *arg,
		      struct prof **out);

/*
 * The profile of identity id: joins the computation in flight for it, or
 * starts one that run makes (with arg). *p is shared, read-only, and held
 * with *f until flight_release(); on -EINTR and -EAGAIN *f is NULL, on
 * other errors *f is held (a failed flight). -EAGAIN when
 * CAP_COMPUTE_CALLERS callers already wait for computations.
 */
int flight_get(struct svc *pv, const struct cache_ident *id, flight_fn *run,
	       void *arg, struct flight **f, const struct prof **p);
void flight_release(struct svc *pv, struct flight *f);

/* ---- obtain.c: a profile, from the cache or computed ---------------- */

/* a profile held for rendering: owned, or shared through a flight */
struct held {
	struct prof *own;
	struct flight *f;
	const struct prof *p;
	struct cache_ident id; /* of a regular file, as it was looked up */
};

/* A file's identity: its volume, inode, size, mtime and ctime. */
struct cache_ident svc_ident_of(struct svc *pv, const struct stat *st);
/* May the cache row of id be believed without reading the file? */
int svc_trusted(struct svc *pv, const struct cache_ident *id);
/*
 * The profile of relpath (of lstat *st, NULL: looked up now): from the
 * cache, else (compute_ok) computed once for all who ask. -ENOENT when not
 * cached and compute_ok is 0, -EISDIR for a folder, -ENOENT for a
 * symlink. *h is to be released (a failed flight is held too).
 */
int svc_obtain(struct svc *pv, const char *relpath, const struct stat *st,
	       int compute_ok, struct held *h);
void svc_release(struct svc *pv, struct held *h);

/* ---- view.c: views and render keys ---------------------------------- */

struct svc_view_i {
	struct svc_view pub;
	struct held h, mui;
	char *mui_path;
	struct prof_file_facts *file; /* NULL: none (svc_view_put frees) */
	struct known_verdict *known;  /* NULL: none (svc_view_put frees) */
	struct svc_gens g;
	/* a section left out by a failure (logged): the text has no key */
	int degraded;
};

/* The key of a cached profile, from the cache's rows alone: -ENOENT when
 * the profile or its .mui is not cached, or its row is not trusted. */
int svc_cached_key(struct svc *pv, enum svc_format fmt, const char *relpath,
		   const struct stat *st, uint8_t key[32]);
/* The key of a view's text; -ENOENT when it has none. */
int svc_view_key(struct svc *pv, enum svc_format fmt,
		 const struct svc_view_i *v, uint8_t key[32]);

#endif

/* Private to the service: its state, shared by its files. */
#ifndef PROFILEFS_SVC_I_H
#define PROFILEFS_SVC_I_H

#include <pthread.h>
#include <stdint.h>

#include "profilefs/cache.h"
#include "profilefs/service.h"

struct flight;
struct memo;
struct sig_memo;
struct rmemo;
struct dynbuf;

/* the generations a render shows, read once per render (-1: none) */
struct svc_gens {
	int64_t rules; /* of the rules index */
	int64_t sig;   /* of the catalog index */
	int64_t day;   /* the UTC day a verdict is made on */
};

struct svc {
	struct tree *tree; /* the source: the setup's */
	char *drive;
	struct cache *cache;
	/* the setup's rules index: Possible Misuse */
	struct rules_index *rules;
	pthread_mutex_t lock; /* flights, callers and stats */
	struct flight *flights;
	unsigned callers; /* waiting for or running computations */
	int (*caller_gone)(void);
	struct gate *gate; /* the memory budget */
	struct svc_stats stats;
	/* rules lookups are kept per name until the rules change; renders
	 * hold the read lock while they use a memo's rows */
	struct prof_limits limits;
	pthread_rwlock_t memo_lock;
	struct memo *memo;
	size_t nmemo;
	int64_t memo_gen;
	/* signatures: checked against trust and catalogs when shown; the
	 * verdicts are kept per content until the catalogs change; renders
	 * hold sig_lock's read lock (taken before memo_lock) */
	const struct sig_trust *trust;
	struct svc_catalogs *catalogs;
	pthread_rwlock_t sig_lock;
	struct sig_memo *sig_memo; /* CAP_SIG_MEMO slots, or NULL */
	size_t nsig;
	int64_t sig_gen;
	int64_t sig_day;
	uint8_t trust_digest[32]; /* what the trust anchors are */
	/* the rendered profiles, by render key */
	struct rmemo *rendered;
	/* the identities whose cache row this service stored or checked
	 * against the file's SHA-256 (under lock): an open-addressing set
	 * of up to SVC_VERIFIED_MAX, probed from a seeded hash (the
	 * identities come from a hostile image); past the cap, identities
	 * are checked again */
	int trust_metadata;
	struct cache_ident *vset; /* ctime CACHE_CTIME_UNKNOWN: free slot */
	size_t vset_slots, vset_count;
	uint64_t vset_seed;
	/* the background pool, or NULL (prefetch.c) */
	struct pool *pool;
};

#define SVC_VERIFIED_MAX (1u << 20)

/* What signatures are checked against; both stay the caller's. NULL
 * trust: no Signature section. */
void svc_set_signing(struct svc *pv, const struct sig_trust *trust,
		     struct svc_catalogs *catalogs);

/* has svc_shutdown() been called? */
int svc_ending(void);

/* adds n to a counter of pv->stats */
void svc_count(struct svc *pv, uint64_t *field, uint64_t n);

struct svc_catalogs;

/* ---- prefetch.c --------------------------------------------------- */

struct pool;

/* Is this thread a worker of pv's pool that is told to stop? */
int svc_pool_stopping(const struct svc *pv);
/* Stops the pool and waits for its threads; frees it. */
void svc_pool_stop(struct svc *pv);
/* Adds the pool's counters to *out. */
void svc_pool_stats(struct svc *pv, struct svc_stats *out);

/* ---- signature.c --------------------------------------------------- */

/*
 * The signature verdict of p with sig_lock's read lock held (the caller
 * unlocks after rendering), or NULL (no signing set up, or it failed:
 * logged, and the profile goes without the section).
 */
const struct sig_verdict *svc_signature_of(struct svc *pv, const struct prof *p,
					   const struct svc_gens *g);
void svc_sig_memo_clear(struct svc *pv);

/* ---- rendered.c: the rendered profiles, bounded by bytes ---------- */

int rmemo_new(size_t budget, struct rmemo **out);
void rmemo_free(struct rmemo *m);
/* the text kept under key (a reference the caller releases), or NULL */
const struct svc_text *rmemo_get(struct rmemo *m, const uint8_t key[32]);
/* Keeps md (taken) under key and returns a reference to it, or to the
 * text another caller kept there first; NULL when out of memory. */
const struct svc_text *rmemo_put(struct rmemo *m, const uint8_t key[32],
				 char *md, size_t len);
/* A text kept by nobody but its holder (a profile that has no key). */
const struct svc_text *rmemo_own(struct rmemo *m, char *md, size_t len);
void rmemo_release(struct rmemo *m, const struct svc_text *t);
void rmemo_usage(struct rmemo *m, size_t *bytes, size_t *count);

/* ---- gate.c: the memory budget and the large-file slots ------------ */

struct gate;

/* cap bytes shared by all computations; slots large files at once */
int gate_new(uint64_t cap, unsigned slots, struct gate **out);
void gate_free(struct gate *g);
/*
 * Waits its turn for bytes (clamped to the cap: what is larger runs
 * alone) and, when large, for a slot; asks stop every 100 ms and returns
 * its error (having taken nothing) when it says to stop.
 */
int gate_enter(struct gate *g, uint64_t bytes, int large,
	       const struct util_stop *stop);
void gate_leave(struct gate *g, uint64_t bytes, int large);
void gate_usage(struct gate *g, uint64_t *used, unsigned *busy,
		unsigned *queued);

/* ---- catalogs.c -------------------------------------------------------- */

/* Appends what names this set of catalog folders (to a render key). */
void svc_catalogs_describe(const struct svc_catalogs *c, struct dynbuf *b);

#endif

/* Private to the service: its state, shared by its files. */
#ifndef PROFILEFS_SVC_I_H
#define PROFILEFS_SVC_I_H

#include <pthread.h>
#include <stdint.h>

#include "profilefs/service.h"

struct flight;
struct memo;
struct sig_memo;

struct svc {
	int rootfd;
	char *drive;
	struct cache *cache;
	pthread_mutex_t lock; /* flights and stats */
	struct flight *flights;
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
};

/* adds n to a counter of pv->stats */
void svc_count(struct svc *pv, uint64_t *field, uint64_t n);

/* ---- signature.c --------------------------------------------------- */

/*
 * The signature verdict of p with sig_lock's read lock held (the caller
 * unlocks after rendering), or NULL (no signing set up, or it failed:
 * logged, and the profile goes without the section).
 */
const struct sig_verdict *svc_signature_of(struct svc *pv,
					   const struct prof *p);
void svc_sig_memo_clear(struct svc *pv);

#endif

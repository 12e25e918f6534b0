/*
 * The service: cache first, else compute once, store, render (svc.h).
 *
 * This file makes and ends a service: it owns what the others share
 * (svc_i.h) and starts, and stops, what runs beside the requests: the
 * catalogs' rescanning thread and the background pool, each given
 * svc_end_stop so that neither calls back up into the service.
 */
#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "profilefs/cache.h"
#include "profilefs/hash.h"
#include "profilefs/service.h"
#include "profilefs/sig.h"
#include "misuse_i.h"
#include "rmemo_i.h"
#include "svc_i.h"
#include "verdicts_i.h"
#include "verified_i.h"

static void svc_free(struct svc *pv)
{
	svc_verdicts_free(pv->verdicts);
	misuse_memo_free(pv->misuse);
	vset_free(pv->verified);
	vset_free(pv->timed_out);
	gate_free(pv->gate);
	rmemo_free(pv->rendered);
	free(pv->drive);
	free(pv);
}

/* the catalog index lives in the cache: without one, no catalogs */
static struct svc_catalogs *catalogs_open(const struct svc_setup *setup)
{
	struct svc_catalogs *cats = setup->catalogs;
	int rc;

	if (!svc_catalogs_count_dirs(cats))
		return NULL;
	if (!setup->cache) {
		log_warn("catalogs are not used without a cache");
		return NULL;
	}
	svc_catalogs_set_cache(cats, setup->cache);
	/* a mount indexes on the rescanning thread, and answers */
	rc = setup->rescan ? svc_catalogs_start(cats, &svc_end_stop) : -EAGAIN;
	if (rc && setup->rescan)
		log_warn("catalogs: no rescans (no thread)");
	if (rc)
		rc = svc_catalogs_sync(cats, setup->progress, &svc_end_stop);
	if (rc)
		log_warn("catalogs not indexed: %s", strerror(-rc));
	return cats;
}

/* What signatures are checked against; NULL trust: no Signature section */
static int signing_open(struct svc *pv, const struct sig_trust *trust,
			struct svc_catalogs *catalogs)
{
	pv->trust = trust;
	pv->catalogs = catalogs;
	if (trust && sig_trust_digest(trust, pv->trust_digest))
		pv->trust = NULL; /* out of memory: no Signature section */
	return svc_verdicts_new(pv->trust, catalogs, &pv->verdicts);
}

/* the shares of the memory budget (svc.h) */
struct budget {
	size_t memo;	  /* bytes of rendered texts */
	size_t verified;  /* identities */
	size_t timed_out; /* identities */
	uint64_t gate;	  /* bytes of computations in progress */
};

/* The one rule that shares setup.memory (svc.h). */
static void budget_split(uint64_t memory, struct budget *b)
{
	uint64_t verified = memory / 8, timed_out = memory / 1024;

	b->memo = memory / 6 < CAP_RENDER_MEMO ? (size_t)(memory / 6)
					       : CAP_RENDER_MEMO;
	b->verified =
		util_hash_fit(sizeof(struct cache_ident), 0, (size_t)verified);
	if (b->verified > SVC_VERIFIED_MAX)
		b->verified = SVC_VERIFIED_MAX;
	b->timed_out =
		util_hash_fit(sizeof(struct cache_ident), 0, (size_t)timed_out);
	b->gate = memory - b->memo - verified - timed_out;
}

int svc_open(const struct svc_setup *setup, struct svc **out)
{
	struct svc *pv = calloc(1, sizeof(*pv));
	struct budget b;

	if (!pv)
		return -ENOMEM;
	budget_split(setup->memory ? setup->memory : SVC_MEMORY_DEFAULT, &b);
	pv->drive = strdup(setup->drive);
	if (!pv->drive || rmemo_new(b.memo, &pv->rendered) ||
	    gate_new(b.gate,
		     setup->large_jobs ? setup->large_jobs : util_cpus(),
		     &pv->gate) ||
	    vset_new(b.verified ? b.verified : 1, &pv->verified) ||
	    vset_new(b.timed_out ? b.timed_out : 1, &pv->timed_out) ||
	    misuse_memo_new(setup->rules, &pv->misuse)) {
		svc_free(pv);
		return -ENOMEM;
	}
	pv->caller_gone = setup->caller_gone;
	pv->tree = setup->tree;
	pv->cache = setup->cache;
	pv->rules = setup->rules;
	pv->rich_names = setup->rich_names;
	pv->known = setup->known;
	pv->limits = setup->limits;
	pv->trust_metadata = setup->trust_metadata;
	pthread_mutex_init(&pv->lock, NULL);
	if (signing_open(pv, setup->trust, catalogs_open(setup))) {
		svc_close(pv);
		return -ENOMEM;
	}
	*out = pv;
	return 0;
}

void svc_close(struct svc *pv)
{
	if (!pv)
		return;
	/* first: its workers use everything below */
	svc_pool_stop(pv->pool);
	pv->pool = NULL;
	if (pv->catalogs) {
		svc_catalogs_stop(pv->catalogs);
		svc_catalogs_set_cache(pv->catalogs, NULL);
	}
	pthread_mutex_destroy(&pv->lock);
	svc_free(pv);
}

void svc_get_stats(struct svc *pv, struct svc_stats *out)
{
	uint64_t used;
	unsigned busy, queued;

	pthread_mutex_lock(&pv->lock);
	*out = pv->stats;
	pthread_mutex_unlock(&pv->lock);
	gate_usage(pv->gate, &used, &busy, &queued);
	out->queued = queued;
	out->budget_used = used;
	if (pv->pool)
		svc_pool_stats(pv->pool, out);
}

/* ---- the background pool (prefetch.c) ------------------------------ */

int svc_prefetch_start(struct svc *pv, unsigned workers, unsigned formats)
{
	if (!pv->cache)
		return -ENOTSUP;
	if (pv->pool)
		return 0;
	return svc_pool_start(pv, pv->tree, workers, formats, &svc_end_stop,
			      &pv->pool);
}

int svc_prefetch(struct svc *pv, const char *relpath)
{
	if (!pv->pool)
		return -ENOTSUP;
	/* nothing to make: it would stop at the limit again */
	if (svc_timed_out(pv, relpath))
		return 0;
	return svc_pool_queue(pv->pool, relpath);
}

int svc_prefetch_warm(struct svc *pv, const struct svc_names *names)
{
	return pv->pool ? svc_pool_warm(pv->pool, names) : -ENOTSUP;
}

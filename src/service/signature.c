/*
 * Signature verdicts of the service: the catalog that lists a file's PE
 * hash, else its embedded signature, checked when the profile is shown
 * (they depend on the trust, the catalogs and the time) and kept per
 * content until the catalogs change.
 */
#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "profilefs/service.h"
#include "profilefs/util.h"
#include "svc_i.h"

/* the signature verdict of one content (by SHA-256), per catalog
 * generation: an open-addressing table, emptied when full */
struct sig_memo {
	uint8_t sha256[32];
	struct sig_verdict *r;
};

void svc_sig_memo_clear(struct svc *pv)
{
	size_t i;

	for (i = 0; pv->sig_memo && i < CAP_SIG_MEMO; i++)
		sig_verdict_free(pv->sig_memo[i].r);
	free(pv->sig_memo);
	pv->sig_memo = NULL;
	pv->nsig = 0;
}

void svc_set_signing(struct svc *pv, const struct sig_trust *trust,
		     struct svc_catalogs *catalogs)
{
	pthread_rwlock_wrlock(&pv->sig_lock);
	svc_sig_memo_clear(pv);
	pv->trust = trust;
	pv->catalogs = catalogs;
	memset(pv->trust_digest, 0, sizeof(pv->trust_digest));
	if (trust && sig_trust_digest(trust, pv->trust_digest))
		pv->trust = NULL; /* out of memory: no Signature section */
	pthread_rwlock_unlock(&pv->sig_lock);
}

/* the slot of sha256 in the table: its own, or the empty one to fill */
static struct sig_memo *sig_slot(struct svc *pv, const uint8_t sha256[32])
{
	size_t i, h;

	memcpy(&h, sha256, sizeof(h));
	for (i = 0; i < CAP_SIG_MEMO; i++) {
		struct sig_memo *m = &pv->sig_memo[(h + i) % CAP_SIG_MEMO];

		if (!m->r || memcmp(m->sha256, sha256, 32) == 0)
			return m;
	}
	return NULL;
}

/* The signature verdict of p, made now (the caller owns it). */
static int sig_make(struct svc *pv, const struct prof *p, int64_t gen,
		    struct sig_verdict **out)
{
	struct sig_env env = { pv->trust, time(NULL) };
	struct sig_verdict *cat = NULL, *emb = NULL;
	enum sig_unsigned why = SIG_UNSIGNED_NO_TABLE;
	int rc = 0;

	if (!p->dg.pehash)
		return sig_check_embedded(NULL, NULL, NULL, &env,
					  SIG_UNSIGNED_NO_PEHASH, out);
	if (pv->catalogs && gen >= 0)
		rc = svc_catalogs_check(pv->catalogs, p->dg.pesha1, p->dg.pe256,
					&env, gen, &cat);
	if (rc)
		log_warn("catalogs: lookup failed: %s", strerror(-rc));
	if (!svc_catalogs_count_dirs(pv->catalogs))
		why = SIG_UNSIGNED_NO_CATALOGS;
	else if (!cat)
		why = SIG_UNSIGNED_NOT_IN_CATALOG;
	rc = sig_check_embedded(&p->sig, p->dg.pesha1, p->dg.pe256, &env, why,
				&emb);
	if (rc) {
		sig_verdict_free(cat);
		return rc;
	}
	/* a catalog that holds wins, as on Windows; else the embedded one */
	*out = sig_report(cat, emb, p->sig.n || p->sig.problem);
	return 0;
}

const struct sig_verdict *svc_signature_of(struct svc *pv, const struct prof *p,
					   const struct svc_gens *g)
{
	struct sig_verdict *r = NULL;
	struct sig_memo *m;

	pthread_rwlock_rdlock(&pv->sig_lock);
	if (!pv->trust || !p->is_pe || !p->hashed)
		return NULL;
	/* the memo holds verdicts of one catalog generation and one day
	 * (validity is checked at now) */
	m = g->sig == pv->sig_gen && g->day == pv->sig_day && pv->sig_memo
		    ? sig_slot(pv, p->dg.sha256)
		    : NULL;
	if (m && m->r)
		return m->r;
	pthread_rwlock_unlock(&pv->sig_lock);
	if (sig_make(pv, p, g->sig, &r))
		log_warn("signature: not checked (out of memory)");
	pthread_rwlock_wrlock(&pv->sig_lock);
	if (g->sig != pv->sig_gen || g->day != pv->sig_day ||
	    pv->nsig >= CAP_SIG_MEMO / 2) {
		svc_sig_memo_clear(pv);
		pv->sig_gen = g->sig;
		pv->sig_day = g->day;
	}
	if (!pv->sig_memo)
		pv->sig_memo = calloc(CAP_SIG_MEMO, sizeof(*pv->sig_memo));
	m = pv->sig_memo && r ? sig_slot(pv, p->dg.sha256) : NULL;
	if (m && !m->r) {
		memcpy(m->sha256, p->dg.sha256, 32);
		m->r = r;
		pv->nsig++;
		r = NULL;
	}
	pthread_rwlock_unlock(&pv->sig_lock);
	sig_verdict_free(r);
	/* look again under the read lock: another thread may have cleared */
	pthread_rwlock_rdlock(&pv->sig_lock);
	m = g->sig == pv->sig_gen && g->day == pv->sig_day && pv->sig_memo
		    ? sig_slot(pv, p->dg.sha256)
		    : NULL;
	return m && m->r ? m->r : NULL;
}

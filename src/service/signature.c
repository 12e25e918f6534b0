/*
 * Signature verdicts of the service (verdicts_i.h): the catalog that
 * lists a file's PE hash, else its embedded signature, checked when the
 * profile is shown (they depend on the trust, the catalogs and the time)
 * and kept per content (by SHA-256) until the catalogs change: a table
 * of one catalog generation and one day, emptied when half of
 * CAP_SIG_MEMO is reached.
 */
#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "profilefs/caps.h"
#include "profilefs/catalogs.h"
#include "profilefs/hash.h"
#include "profilefs/profile.h"
#include "profilefs/sig.h"
#include "profilefs/util.h"
#include "verdicts_i.h"

#define SIG_MEMO_MAX (CAP_SIG_MEMO / 2)

struct svc_verdicts {
	const struct sig_trust *trust;
	struct svc_catalogs *catalogs;
	pthread_rwlock_t lock;
	/* SHA-256 -> struct sig_verdict * */
	struct util_hash *memo;
	int64_t gen;
	int64_t day;
};

int svc_verdicts_new(const struct sig_trust *trust,
		     struct svc_catalogs *catalogs, struct svc_verdicts **out)
{
	struct svc_verdicts *s = calloc(1, sizeof(*s));

	if (!s)
		return -ENOMEM;
	if (util_hash_new(32, sizeof(struct sig_verdict *), SIG_MEMO_MAX, NULL,
			  &s->memo)) {
		free(s);
		return -ENOMEM;
	}
	s->trust = trust;
	s->catalogs = catalogs;
	s->gen = -1;
	pthread_rwlock_init(&s->lock, NULL);
	*out = s;
	return 0;
}

static void memo_clear(struct svc_verdicts *s)
{
	size_t pos = 0;
	void *val;

	while (util_hash_next(s->memo, &pos, NULL, &val))
		sig_verdict_free(*(struct sig_verdict **)val);
	util_hash_clear(s->memo);
}

void svc_verdicts_free(struct svc_verdicts *s)
{
	if (!s)
		return;
	memo_clear(s);
	util_hash_free(s->memo);
	pthread_rwlock_destroy(&s->lock);
	free(s);
}

/* The signature verdict of p, made now (the caller owns it). */
static int sig_make(struct svc_verdicts *s, const struct prof *p, int64_t gen,
		    struct sig_verdict **out)
{
	struct sig_env env = { s->trust, time(NULL) };
	struct sig_verdict *cat = NULL, *emb = NULL;
	enum sig_unsigned why = SIG_UNSIGNED_NO_TABLE;
	int rc = 0;

	if (!p->dg.pehash)
		return sig_check_embedded(NULL, NULL, NULL, &env,
					  SIG_UNSIGNED_NO_PEHASH, out);
	if (s->catalogs && gen >= 0)
		rc = svc_catalogs_check(s->catalogs, p->dg.pesha1, p->dg.pe256,
					&env, gen, &cat);
	if (rc)
		log_warn("catalogs: lookup failed: %s", strerror(-rc));
	if (!svc_catalogs_count_dirs(s->catalogs))
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

/* the verdict kept for sha256 at gen and day, or NULL; a lock is held */
static const struct sig_verdict *memo_find(struct svc_verdicts *s,
					   const uint8_t sha256[32],
					   int64_t gen, int64_t day)
{
	struct sig_verdict **v;

	if (gen != s->gen || day != s->day)
		return NULL;
	v = util_hash_get(s->memo, sha256);
	return v ? *v : NULL;
}

void svc_verdict_unhold(struct svc_verdicts *s)
{
	pthread_rwlock_unlock(&s->lock);
}

const struct sig_verdict *svc_verdict_hold(struct svc_verdicts *s,
					   const struct prof *p, int64_t gen,
					   int64_t day)
{
	const struct sig_verdict *found;
	struct sig_verdict *r = NULL;
	void *val;

	pthread_rwlock_rdlock(&s->lock);
	if (!s->trust || !p->is_pe || !p->hashed)
		return NULL;
	/* the memo holds verdicts of one catalog generation and one day
	 * (validity is checked at now) */
	found = memo_find(s, p->dg.sha256, gen, day);
	if (found)
		return found;
	pthread_rwlock_unlock(&s->lock);
	if (sig_make(s, p, gen, &r))
		log_warn("signature: not checked (out of memory)");
	pthread_rwlock_wrlock(&s->lock);
	if (gen != s->gen || day != s->day ||
	    util_hash_count(s->memo) >= SIG_MEMO_MAX) {
		memo_clear(s);
		s->gen = gen;
		s->day = day;
	}
	if (r && util_hash_put(s->memo, p->dg.sha256, &val) == 0) {
		*(struct sig_verdict **)val = r;
		r = NULL;
	}
	pthread_rwlock_unlock(&s->lock);
	sig_verdict_free(r);
	/* look again under the read lock: another thread may have cleared */
	pthread_rwlock_rdlock(&s->lock);
	return memo_find(s, p->dg.sha256, gen, day);
}

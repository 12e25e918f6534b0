/*
 * signature.c: the signature verdicts of the service: the catalog that
 * lists a file's PE hash, else its embedded signature, checked when the
 * profile is shown (they depend on the trust, the catalogs and the time)
 * and kept per content (at most CAP_SIG_MEMO / 2) for one catalog
 * generation and one day.
 */
#ifndef PROFILEFS_VERDICTS_I_H
#define PROFILEFS_VERDICTS_I_H

#include <stdint.h>

struct prof;
struct sig_trust;
struct sig_verdict;
struct svc_catalogs;
struct svc_verdicts;

/* What signatures are checked against; both stay the caller's. NULL
 * trust: no verdicts. -ENOMEM */
int svc_verdicts_new(const struct sig_trust *trust,
		     struct svc_catalogs *catalogs, struct svc_verdicts **out);
void svc_verdicts_free(struct svc_verdicts *s);
/*
 * The signature verdict of p for catalog generation gen (-1: none) on UTC
 * day day, or NULL (no trust, not a hashed PE, or it failed: logged, and
 * the profile goes without the section). Whatever it returns, it returns
 * holding the memo's read lock, so that the verdict stays while it is
 * rendered: the caller calls svc_verdict_unhold() once, when done.
 */
const struct sig_verdict *svc_verdict_hold(struct svc_verdicts *s,
					   const struct prof *p, int64_t gen,
					   int64_t day);
void svc_verdict_unhold(struct svc_verdicts *s);

#endif

/*
 * For the tests that compare the two ways a catalog's verdict is made
 * (test_sig, fuzz_sig): sig_check_catalog over the whole catalog in
 * memory, sig_check_catalog_src reading it in parts. Every field of the
 * verdicts is compared. Test code: included by each, not part of the
 * library.
 */
#ifndef PROFILEFS_TESTS_SIG_VERDICTS_H
#define PROFILEFS_TESTS_SIG_VERDICTS_H

#include <errno.h>
#include <string.h>

#include <openssl/evp.h>

#include "profilefs/sig.h"

static int same_str(const char *a, const char *b)
{
	return (!a && !b) || (a && b && strcmp(a, b) == 0);
}

static int same_chain(const struct sig_chain *a, const struct sig_chain *b)
{
	return a->result == b->result && a->purpose == b->purpose &&
	       a->why == b->why && a->since == b->since &&
	       same_str(a->root, b->root) && same_str(a->reason, b->reason) &&
	       same_str(a->cert, b->cert) && a->oom == b->oom &&
	       a->builtin == b->builtin;
}

static int same_signer(const struct sig_signer *a, const struct sig_signer *b)
{
	if (!a || !b)
		return a == b;
	return same_str(a->serial, b->serial) &&
	       same_str(a->thumbprint, b->thumbprint) &&
	       same_str(a->issuer, b->issuer) &&
	       same_str(a->subject, b->subject);
}

static int same_verdict(const struct sig_verdict *a,
			const struct sig_verdict *b)
{
	size_t i;

	if (!a || !b)
		return a == b;
	if (a->kind != b->kind || a->status != b->status ||
	    a->index != b->index || a->unsigned_why != b->unsigned_why ||
	    !same_str(a->table_problem, b->table_problem) ||
	    a->entry_type != b->entry_type || a->count != b->count ||
	    a->p7_reason != b->p7_reason ||
	    !same_str(a->openssl_reason, b->openssl_reason) ||
	    !same_chain(&a->chain, &b->chain) ||
	    a->digest_alg != b->digest_alg ||
	    !same_str(a->digest_other, b->digest_other) ||
	    a->signed_len != b->signed_len ||
	    !a->signed_digest != !b->signed_digest ||
	    (a->signed_digest &&
	     memcmp(a->signed_digest, b->signed_digest, a->signed_len) != 0) ||
	    !same_signer(a->signer, b->signer) ||
	    a->has_signing_time != b->has_signing_time ||
	    a->signing_time != b->signing_time ||
	    a->signing_time_source != b->signing_time_source ||
	    a->ts.present != b->ts.present || a->ts.kind != b->ts.kind ||
	    a->ts.state != b->ts.state ||
	    !same_str(a->ts.authority, b->ts.authority) ||
	    !same_chain(&a->ts.chain, &b->ts.chain) ||
	    a->checked_at != b->checked_at || a->valid_at != b->valid_at ||
	    !same_str(a->table_entries_problem, b->table_entries_problem) ||
	    !same_str(a->catalog, b->catalog) || a->nsubs != b->nsubs ||
	    !same_verdict(a->embedded, b->embedded) ||
	    !same_verdict(a->catalog_failed, b->catalog_failed))
		return 0;
	for (i = 0; i < a->nsubs; i++)
		if (!same_verdict(&a->subs[i], &b->subs[i]))
			return 0;
	return 1;
}

/*
 * Both ways over d (from memory): 1 when they agree. flags as
 * sig_check_catalog_src takes them; *parts (when not NULL): the catalog
 * was read in parts (not -ENOTSUP). The SHA-256 given must be the
 * bytes'. *whole_out (when not NULL) takes the whole decode's verdict.
 */
static int verdicts_agree(const uint8_t *d, size_t n, unsigned flags,
			  const struct sig_env *env, int *parts,
			  struct sig_verdict **whole_out)
{
	struct sig_cat_src src = { NULL, d, n };
	struct sig_verdict *w = NULL, *p = NULL;
	uint8_t sha[32], got[32];
	int rw = sig_check_catalog(d, n, "x.cat", env, &w);
	int rp =
		sig_check_catalog_src(&src, flags, "x.cat", env, NULL, got, &p);
	int ok;

	EVP_Digest(d, n, sha, NULL, EVP_sha256(), NULL);
	if (parts)
		*parts = rp != -ENOTSUP;
	ok = rp == -ENOTSUP ||
	     (n > SIG_CAT_WHOLE && rp == -EFBIG &&
	      !(flags & SIG_CAT_NO_WHOLE)) ||
	     (rw == 0 && rp == 0 && same_verdict(w, p) &&
	      memcmp(sha, got, 32) == 0);
	sig_verdict_free(p);
	if (whole_out)
		*whole_out = w;
	else
		sig_verdict_free(w);
	return ok;
}

#endif

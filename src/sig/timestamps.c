/*
 * Timestamps: PKCS#9 countersignatures and RFC 3161 tokens among the
 * signer's unauthenticated attributes. The first one is recorded; a
 * trusted one (it stamps this signature, its signature verifies, its
 * chain is trusted at its own time) gives the signature its time of
 * validity. A signing-time attribute alone is the signer's word: it is
 * the signing time shown when no timestamp gives one, never the time of
 * validity.
 */
#include <stdlib.h>
#include <string.h>

#include <openssl/cms.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/objects.h>
#include <openssl/rsa.h>
#include <openssl/ts.h>

#include "sig_i.h"

/* an ASN1_TIME as time_t; 0 when unreadable */
static int time_of(const ASN1_TIME *t, time_t *out)
{
	struct tm tm;

	if (!t || ASN1_TIME_to_tm(t, &tm) != 1)
		return 0;
	*out = timegm(&tm);
	return 1;
}

/* the signing-time attribute of a signer */
static int signing_time_attr(PKCS7_SIGNER_INFO *si, time_t *out)
{
	const ASN1_TYPE *st =
		PKCS7_get_signed_attribute(si, NID_pkcs9_signingTime);

	return time_of(st && (st->type == V_ASN1_UTCTIME ||
			      st->type == V_ASN1_GENERALIZEDTIME)
			       ? (const ASN1_TIME *)st->value.utctime
			       : NULL,
		       out);
}

/* digest of the signer's encrypted digest, as a timestamp stamps it */
static int digest_of(const EVP_MD *md, const ASN1_OCTET_STRING *s,
		     unsigned char *out, unsigned *n)
{
	return md &&
	       EVP_Digest(s->data, (size_t)s->length, out, n, md, NULL) == 1;
}

/* one timestamp's findings, recorded when it is the first */
struct stamp {
	enum sig_ts_kind kind;
	enum sig_ts_state state;
	int has_time;
	time_t t;
	char *who;
	struct sig_chain chain;
};

/* The state of a timestamp whose signature holds, from its chain at its
 * own time; a trusted one gives the signature its time of validity. */
static void ts_chain(const struct sig_env *env, X509 *tsa,
		     STACK_OF(X509) * certs, struct stamp *s,
		     struct sig_work *w)
{
	sig_chain_check(env, tsa, certs, s->t, SIG_FOR_TIME_STAMPING,
			&s->chain);
	switch (s->chain.result) {
	case SIG_CH_TRUSTED:
		w->ts_trusted = 1;
		w->ts_time = s->t;
		s->state = SIG_TS_TRUSTED;
		break;
	case SIG_CH_UNTRUSTED:
		s->state = SIG_TS_UNTRUSTED_ROOT;
		break;
	default:
		s->state = SIG_TS_CHAIN_INVALID;
		break;
	}
}

/* the Signing Time and Timestamp facts, from the first timestamp */
static void ts_record(struct sig_work *w, struct stamp *s)
{
	struct sig_verdict *v = w->v;

	if (s->has_time && !v->has_signing_time) {
		v->has_signing_time = 1;
		v->signing_time = s->t;
		v->signing_time_source = s->kind == SIG_TS_RFC3161
						 ? SIG_TIME_RFC3161
						 : SIG_TIME_COUNTERSIGNATURE;
	}
	if (!v->ts.present) {
		v->ts.present = 1;
		v->ts.kind = s->kind;
		v->ts.state = s->state;
		v->ts.authority = s->who;
		v->ts.chain = s->chain;
		s->who = NULL;
		memset(&s->chain, 0, sizeof(s->chain));
	}
	free(s->who);
	sig_chain_clear(&s->chain);
}

/*
 * Does a countersignature's signature hold? Its messageDigest attribute
 * must be the hash of the signer's signature value (the attributes are
 * then what is signed, as a DER SET), and the signature value must match
 * the stamping key over their hash: the PKCS#1 form (a DigestInfo), or
 * for RSA the bare hash, as VeriSign's and Symantec's time-stamping
 * services signed them (2004-2020) and as Windows accepts.
 */
static int cs_holds(PKCS7_SIGNER_INFO *si, PKCS7_SIGNER_INFO *cs, X509 *tsa)
{
	const EVP_MD *md = EVP_get_digestbyobj(cs->digest_alg->algorithm);
	unsigned char want[EVP_MAX_MD_SIZE], tbs[EVP_MAX_MD_SIZE];
	unsigned wlen = 0, tlen = 0;
	unsigned char *der = NULL;
	const ASN1_TYPE *mdattr;
	EVP_PKEY *key = X509_get0_pubkey(tsa);
	EVP_PKEY_CTX *ctx = NULL;
	int n, ok = 0;

	if (!md || !key || !digest_of(md, si->enc_digest, want, &wlen))
		return 0;
	if (sk_X509_ATTRIBUTE_num(cs->auth_attr) > 0) {
		mdattr =
			PKCS7_get_signed_attribute(cs, NID_pkcs9_messageDigest);
		if (!mdattr || mdattr->type != V_ASN1_OCTET_STRING ||
		    (unsigned)mdattr->value.octet_string->length != wlen ||
		    memcmp(mdattr->value.octet_string->data, want, wlen) != 0)
			return 0;
		n = ASN1_item_i2d((ASN1_VALUE *)cs->auth_attr, &der,
				  ASN1_ITEM_rptr(PKCS7_ATTR_VERIFY));
		if (n <= 0 ||
		    EVP_Digest(der, (size_t)n, tbs, &tlen, md, NULL) != 1)
			goto out;
	} else {
		memcpy(tbs, want, wlen);
		tlen = wlen;
	}
	/* the PKCS#1 form: a DigestInfo of md */
	ctx = EVP_PKEY_CTX_new(key, NULL);
	ok = ctx && EVP_PKEY_verify_init(ctx) == 1 &&
	     EVP_PKEY_CTX_set_signature_md(ctx, md) == 1 &&
	     EVP_PKEY_verify(ctx, cs->enc_digest->data,
			     (size_t)cs->enc_digest->length, tbs, tlen) == 1;
	EVP_PKEY_CTX_free(ctx);
	ctx = NULL;
	/* the legacy form: RSA over the bare hash (no signature md: the
	 * recovered block is compared with tbs as it is) */
	if (!ok && EVP_PKEY_get_base_id(key) == EVP_PKEY_RSA) {
		ctx = EVP_PKEY_CTX_new(key, NULL);
		ok = ctx && EVP_PKEY_verify_init(ctx) == 1 &&
		     EVP_PKEY_CTX_set_rsa_padding(ctx, RSA_PKCS1_PADDING) ==
			     1 &&
		     EVP_PKEY_verify(ctx, cs->enc_digest->data,
				     (size_t)cs->enc_digest->length, tbs,
				     tlen) == 1;
	}
out:
	EVP_PKEY_CTX_free(ctx);
	OPENSSL_free(der);
	ERR_clear_error();
	return ok;
}

/* A PKCS#9 countersignature (the Authenticode timestamp of old). */
static void countersignature(PKCS7 *p7, PKCS7_SIGNER_INFO *si,
			     const ASN1_TYPE *val, const struct sig_env *env,
			     struct sig_work *w)
{
	struct stamp s = { .kind = SIG_TS_COUNTERSIGNATURE,
			   .state = SIG_TS_BAD_SIGNATURE };
	const unsigned char *p;
	PKCS7_SIGNER_INFO *cs;
	int verified = 0;
	X509 *tsa;

	if (val->type != V_ASN1_SEQUENCE)
		return;
	p = val->value.sequence->data;
	cs = d2i_PKCS7_SIGNER_INFO(NULL, &p, val->value.sequence->length);
	if (!cs)
		return;
	s.has_time = signing_time_attr(cs, &s.t);
	tsa = sig_signer_cert(p7, cs);
	if (tsa) {
		verified = cs_holds(si, cs, tsa);
		s.who = sig_name_of(X509_get_subject_name(tsa));
	} else {
		s.state = SIG_TS_NO_CERT;
	}
	if (verified)
		s.state = SIG_TS_NO_TIME;
	if (verified && s.has_time)
		ts_chain(env, tsa, p7->d.sign->cert, &s, w);
	ts_record(w, &s);
	ERR_clear_error();
	PKCS7_SIGNER_INFO_free(cs);
}

/*
 * An RFC 3161 timestamp token (Microsoft's unauthenticated attribute).
 * Read with the CMS API: Microsoft's tokens carry, beside certificates, an
 * attribute certificate ([1]) that PKCS#7's decoder refuses.
 */
static void rfc3161(PKCS7_SIGNER_INFO *si, const ASN1_TYPE *val,
		    const struct sig_env *env, struct sig_work *w)
{
	struct stamp s = { .kind = SIG_TS_RFC3161,
			   .state = SIG_TS_BAD_SIGNATURE };
	const unsigned char *p;
	CMS_ContentInfo *tok = NULL;
	ASN1_OCTET_STRING **content;
	TS_TST_INFO *tst = NULL;
	STACK_OF(X509) *signers = NULL, *certs = NULL;
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned mdlen = 0;

	if (val->type != V_ASN1_SEQUENCE)
		return;
	p = val->value.sequence->data;
	tok = d2i_CMS_ContentInfo(NULL, &p, val->value.sequence->length);
	content = tok ? CMS_get0_content(tok) : NULL;
	if (content && *content) {
		p = (*content)->data;
		tst = d2i_TS_TST_INFO(NULL, &p, (*content)->length);
	}
	if (!tst) {
		/* no time, no authority: only the Timestamp fact */
		s.state = SIG_TS_UNREADABLE;
		ts_record(w, &s);
		goto out;
	}
	s.has_time = time_of(TS_TST_INFO_get_time(tst), &s.t);
	if (CMS_verify(tok, NULL, NULL, NULL, NULL,
		       CMS_NO_SIGNER_CERT_VERIFY) == 1)
		signers = CMS_get0_signers(tok);
	certs = CMS_get1_certs(tok);
	if (signers && sk_X509_num(signers) == 1) {
		TS_MSG_IMPRINT *imp = TS_TST_INFO_get_msg_imprint(tst);
		X509_ALGOR *alg = TS_MSG_IMPRINT_get_algo(imp);
		ASN1_OCTET_STRING *msg = TS_MSG_IMPRINT_get_msg(imp);
		X509 *tsa = sk_X509_value(signers, 0);

		s.who = sig_name_of(X509_get_subject_name(tsa));
		if (!digest_of(EVP_get_digestbyobj(alg->algorithm),
			       si->enc_digest, md, &mdlen) ||
		    (int)mdlen != msg->length ||
		    memcmp(md, msg->data, mdlen) != 0)
			s.state = SIG_TS_OTHER_SIGNATURE;
		else
			ts_chain(env, tsa, certs, &s, w);
	}
	ts_record(w, &s);
out:
	sk_X509_free(signers);
	sk_X509_pop_free(certs, X509_free);
	TS_TST_INFO_free(tst);
	CMS_ContentInfo_free(tok);
	ERR_clear_error();
}

void sig_timestamps(PKCS7 *p7, PKCS7_SIGNER_INFO *si, const struct sig_env *env,
		    struct sig_work *w)
{
	STACK_OF(X509_ATTRIBUTE) *ua = PKCS7_get_attributes(si);
	struct sig_verdict *v = w->v;
	int i, j;

	for (i = 0; i < sk_X509_ATTRIBUTE_num(ua); i++) {
		X509_ATTRIBUTE *a = sk_X509_ATTRIBUTE_value(ua, i);
		int nid = OBJ_obj2nid(X509_ATTRIBUTE_get0_object(a));

		for (j = 0; j < X509_ATTRIBUTE_count(a) && j < 4; j++) {
			ASN1_TYPE *val = X509_ATTRIBUTE_get0_type(a, j);

			if (nid == NID_pkcs9_countersignature)
				countersignature(p7, si, val, env, w);
			else if (sig_attr_is(a, SIG_OID_RFC3161))
				rfc3161(si, val, env, w);
		}
	}
	if (!v->has_signing_time && signing_time_attr(si, &v->signing_time)) {
		v->has_signing_time = 1;
		v->signing_time_source = SIG_TIME_ATTRIBUTE;
	}
}

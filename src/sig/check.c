/*
 * Verdicts: one PKCS#7 SignedData checked the way Windows reports it.
 *
 * In order, the first failure becomes the Status sentence:
 *   the blob is a SignedData with one signer and a content to sign;
 *   (Authenticode) the signed digest equals the file's PE hash;
 *   the signature verifies (messageDigest attribute, then the signature
 *   over the attributes, with the signer's key);
 *   the chain from the signer builds to a trusted root, valid at the
 *   signing time when a trusted timestamp gives one, else now.
 * A chain that is valid up to a root we do not trust is "valid but
 * untrusted", and the sentence names that root.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/cms.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/objects.h>
#include <openssl/ts.h>
#include <openssl/x509v3.h>

#include "profilefs/caps.h"
#include "profilefs/digest.h"
#include "profilefs/util.h"
#include "sig_i.h"

/* ---- reports -------------------------------------------------------- */

int sig_report_add(struct sig_report *r, const char *label, const char *value,
		   int code)
{
	struct sig_bullet *grown = realloc(r->b, (r->n + 1) * sizeof(*grown));

	if (!grown)
		return -ENOMEM;
	r->b = grown;
	grown[r->n].label = strdup(label);
	grown[r->n].value = strdup(value);
	grown[r->n].code = code;
	if (!grown[r->n].label || !grown[r->n].value) {
		free(grown[r->n].label);
		free(grown[r->n].value);
		return -ENOMEM;
	}
	r->n++;
	return 0;
}

void sig_report_free(struct sig_report *r)
{
	size_t i;

	if (!r)
		return;
	for (i = 0; i < r->n; i++) {
		free(r->b[i].label);
		free(r->b[i].value);
	}
	free(r->b);
	free(r);
}

/* ---- one signature's verdict --------------------------------------- */

struct verdict {
	char *problem; /* the first failure (a sentence), or NULL */
	X509 *signer;  /* a reference, or NULL */
	const char *digest_alg;
	char *signed_digest; /* uppercase hex (Authenticode) */
	char *signing_time;  /* "YYYY-MM-DD HH:MM:SS UTC (source)" */
	char *timestamp;     /* who stamped it and whether that holds */
	int ts_trusted;
	time_t ts_time;
	char *checked_at;
	int trusted; /* the whole verdict: "Signature verified." */
};

static void verdict_clear(struct verdict *v)
{
	free(v->problem);
	X509_free(v->signer);
	free(v->signed_digest);
	free(v->signing_time);
	free(v->timestamp);
	free(v->checked_at);
	memset(v, 0, sizeof(*v));
}

static void set_problem(struct verdict *v, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static void set_problem(struct verdict *v, const char *fmt, ...)
{
	va_list ap;

	if (v->problem)
		return;
	va_start(ap, fmt);
	if (vasprintf(&v->problem, fmt, ap) < 0)
		v->problem = NULL;
	va_end(ap);
}

static char *dupf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

static char *dupf(const char *fmt, ...)
{
	va_list ap;
	char *s;

	va_start(ap, fmt);
	if (vasprintf(&s, fmt, ap) < 0)
		s = NULL;
	va_end(ap);
	return s;
}

static const char *md_name(int nid)
{
	switch (nid) {
	case NID_md5:
		return "MD5";
	case NID_sha1:
		return "SHA-1";
	case NID_sha256:
		return "SHA-256";
	case NID_sha384:
		return "SHA-384";
	case NID_sha512:
		return "SHA-512";
	default:
		return nid == NID_undef ? "an unknown algorithm"
					: OBJ_nid2sn(nid);
	}
}

static char *hex_upper(const unsigned char *p, size_t n)
{
	char *s = malloc(2 * n + 1);

	if (s)
		dg_hex(p, n, s, 1);
	return s;
}

/* "YYYY-MM-DD HH:MM:SS UTC" into out[32]; "" when unreadable */
static void time_text(const ASN1_TIME *t, char *out, time_t *as_time)
{
	struct tm tm;

	out[0] = '\0';
	if (!t || ASN1_TIME_to_tm(t, &tm) != 1)
		return;
	strftime(out, 32, "%Y-%m-%d %H:%M:%S UTC", &tm);
	if (as_time)
		*as_time = timegm(&tm);
}

/* the signing-time attribute of a signer, as time_text() gives it */
static void signing_time_attr(PKCS7_SIGNER_INFO *si, char *out, time_t *as_time)
{
	const ASN1_TYPE *st =
		PKCS7_get_signed_attribute(si, NID_pkcs9_signingTime);

	time_text(st && (st->type == V_ASN1_UTCTIME ||
			 st->type == V_ASN1_GENERALIZEDTIME)
			  ? (const ASN1_TIME *)st->value.utctime
			  : NULL,
		  out, as_time);
}

/* the OpenSSL reason of the last error, as a readable phrase */
static const char *openssl_reason(void)
{
	unsigned long e = ERR_peek_last_error();
	const char *r = e ? ERR_reason_error_string(e) : NULL;

	if (ERR_GET_LIB(e) == ERR_LIB_PKCS7) {
		switch (ERR_GET_REASON(e)) {
		case PKCS7_R_DIGEST_FAILURE:
			return "its message digest attribute does not match "
			       "the signed content";
		case PKCS7_R_SIGNATURE_FAILURE:
			return "the signature value does not match the "
			       "signer's public key";
		case PKCS7_R_SIGNER_CERTIFICATE_NOT_FOUND:
			return "the signer's certificate is not in it";
		default:
			break;
		}
	}
	return r ? r : "OpenSSL gave no reason";
}

enum chain { CHAIN_TRUSTED, CHAIN_UNTRUSTED, CHAIN_INVALID };

static int self_signed(X509 *x)
{
	return (X509_get_extension_flags(x) & EXFLAG_SS) != 0;
}

/*
 * Builds and checks leaf's chain at time `at`. CHAIN_UNTRUSTED: the chain
 * is valid up to *what, a root (or the issuer of the topmost certificate)
 * that is not a trust anchor. CHAIN_INVALID: *what is the reason.
 */
static enum chain chain_check(const struct sig_env *env, X509 *leaf,
			      STACK_OF(X509) * untrusted, time_t at,
			      char **what)
{
	X509_STORE_CTX *ctx = X509_STORE_CTX_new(), *ctx2 = NULL;
	X509_STORE *alone = NULL;
	STACK_OF(X509) *built = NULL;
	enum chain rc = CHAIN_INVALID;
	X509 *top;
	int err;

	*what = NULL;
	if (!ctx ||
	    !X509_STORE_CTX_init(ctx, env->trust->store, leaf, untrusted)) {
		*what = strdup("the chain could not be checked (out of "
			       "memory)");
		goto out;
	}
	X509_STORE_CTX_set_time(ctx, 0, at);
	if (X509_verify_cert(ctx) == 1) {
		rc = CHAIN_TRUSTED;
		goto out;
	}
	err = X509_STORE_CTX_get_error(ctx);
	if (err != X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT_LOCALLY &&
	    err != X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT &&
	    err != X509_V_ERR_SELF_SIGNED_CERT_IN_CHAIN &&
	    err != X509_V_ERR_DEPTH_ZERO_SELF_SIGNED_CERT) {
		X509 *bad = X509_STORE_CTX_get_current_cert(ctx);
		char *who =
			bad ? sig_name_of(X509_get_subject_name(bad)) : NULL;

		*what = dupf("%s%s%s", X509_verify_cert_error_string(err),
			     who ? " (" : "", who ? who : "");
		if (*what && who) {
			char *closed = dupf("%s)", *what);

			free(*what);
			*what = closed;
		}
		free(who);
		goto out;
	}
	/* no trusted root: is it valid up to its topmost certificate? */
	built = X509_STORE_CTX_get1_chain(ctx);
	top = built && sk_X509_num(built) > 0
		      ? sk_X509_value(built, sk_X509_num(built) - 1)
		      : leaf;
	alone = X509_STORE_new();
	ctx2 = X509_STORE_CTX_new();
	if (!alone || !ctx2 || !X509_STORE_add_cert(alone, top) ||
	    !X509_STORE_CTX_init(ctx2, alone, leaf, untrusted)) {
		*what = strdup("the chain could not be checked (out of "
			       "memory)");
		goto out;
	}
	X509_STORE_CTX_set_flags(ctx2, X509_V_FLAG_PARTIAL_CHAIN);
	X509_STORE_CTX_set_time(ctx2, 0, at);
	if (X509_verify_cert(ctx2) != 1) {
		*what = strdup(X509_verify_cert_error_string(
			X509_STORE_CTX_get_error(ctx2)));
		goto out;
	}
	rc = CHAIN_UNTRUSTED;
	*what = sig_name_of(self_signed(top) ? X509_get_subject_name(top)
					     : X509_get_issuer_name(top));
out:
	ERR_clear_error();
	sk_X509_pop_free(built, X509_free);
	X509_STORE_CTX_free(ctx2);
	X509_STORE_free(alone);
	X509_STORE_CTX_free(ctx);
	return rc;
}

/* the certificate of a signer info, from the SignedData's certificates */
static X509 *signer_cert(PKCS7 *p7, PKCS7_SIGNER_INFO *si)
{
	if (!si->issuer_and_serial || !p7->d.sign->cert)
		return NULL;
	return X509_find_by_issuer_and_serial(p7->d.sign->cert,
					      si->issuer_and_serial->issuer,
					      si->issuer_and_serial->serial);
}

/* digest of the signer's encrypted digest, as a timestamp stamps it */
static int digest_of(const EVP_MD *md, const ASN1_OCTET_STRING *s,
		     unsigned char *out, unsigned *n)
{
	return md &&
	       EVP_Digest(s->data, (size_t)s->length, out, n, md, NULL) == 1;
}

/* The state of a timestamp whose signature holds, from its chain at its
 * own time; a trusted one gives the signature its time of validity. */
static const char *ts_chain(const struct sig_env *env, X509 *tsa,
			    STACK_OF(X509) * certs, time_t t, struct verdict *v,
			    char **why)
{
	switch (chain_check(env, tsa, certs, t, why)) {
	case CHAIN_TRUSTED:
		v->ts_trusted = 1;
		v->ts_time = t;
		return "verified, trusted";
	case CHAIN_UNTRUSTED:
		return "verified, but its root is not trusted";
	default:
		return "its chain is not valid";
	}
}

/* The Signing Time and Timestamp bullets (the first timestamp's) */
static void ts_record(struct verdict *v, const char *when, const char *source,
		      const char *who, const char *state, const char *why)
{
	if (when[0] && !v->signing_time)
		v->signing_time = dupf("%s (%s)", when, source);
	if (!v->timestamp)
		v->timestamp = dupf("%s by %s: %s%s%s", source, who, state,
				    why ? ": " : "", why ? why : "");
}

/* A PKCS#9 countersignature (the Authenticode timestamp of old). */
static void countersignature(PKCS7 *p7, PKCS7_SIGNER_INFO *si,
			     const ASN1_TYPE *val, const struct sig_env *env,
			     struct verdict *v)
{
	const unsigned char *p;
	PKCS7_SIGNER_INFO *cs;
	BIO *mem = NULL, *md = NULL;
	char when[32], *who = NULL, *why = NULL;
	const char *state = "its signature does not verify";
	unsigned char buf[256];
	time_t t = 0;
	X509 *tsa;

	if (val->type != V_ASN1_SEQUENCE)
		return;
	p = val->value.sequence->data;
	cs = d2i_PKCS7_SIGNER_INFO(NULL, &p, val->value.sequence->length);
	if (!cs)
		return;
	signing_time_attr(cs, when, &t);
	tsa = signer_cert(p7, cs);
	if (tsa) {
		const EVP_MD *m =
			EVP_get_digestbyobj(cs->digest_alg->algorithm);

		mem = BIO_new_mem_buf(si->enc_digest->data,
				      si->enc_digest->length);
		md = m ? BIO_new(BIO_f_md()) : NULL;
		if (mem && md && BIO_set_md(md, m) == 1) {
			BIO_push(md, mem);
			while (BIO_read(md, buf, sizeof(buf)) > 0)
				;
			if (PKCS7_signatureVerify(md, p7, cs, tsa) == 1)
				state = NULL;
		}
		who = sig_name_of(X509_get_subject_name(tsa));
	} else {
		state = "its certificate is not in the signature";
	}
	if (!state && when[0])
		state = ts_chain(env, tsa, p7->d.sign->cert, t, v, &why);
	ts_record(v, when, "countersignature", who ? who : "an unknown signer",
		  state ? state : "it has no signing time", why);
	free(who);
	free(why);
	BIO_free(mem);
	BIO_free(md);
	ERR_clear_error();
	PKCS7_SIGNER_INFO_free(cs);
}

/*
 * An RFC 3161 timestamp token (Microsoft's unauthenticated attribute).
 * Read with the CMS API: Microsoft's tokens carry, beside certificates, an
 * attribute certificate ([1]) that PKCS#7's decoder refuses.
 */
static void rfc3161(PKCS7_SIGNER_INFO *si, const ASN1_TYPE *val,
		    const struct sig_env *env, struct verdict *v)
{
	const unsigned char *p;
	CMS_ContentInfo *tok = NULL;
	ASN1_OCTET_STRING **content;
	TS_TST_INFO *tst = NULL;
	STACK_OF(X509) *signers = NULL, *certs = NULL;
	char when[32] = "", *who = NULL, *why = NULL;
	const char *state = "its signature does not verify";
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned mdlen = 0;
	time_t t = 0;

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
		if (!v->timestamp)
			v->timestamp = strdup("an RFC 3161 timestamp that "
					      "cannot be read");
		goto out;
	}
	time_text(TS_TST_INFO_get_time(tst), when, &t);
	if (CMS_verify(tok, NULL, NULL, NULL, NULL,
		       CMS_NO_SIGNER_CERT_VERIFY) == 1)
		signers = CMS_get0_signers(tok);
	certs = CMS_get1_certs(tok);
	if (signers && sk_X509_num(signers) == 1) {
		TS_MSG_IMPRINT *imp = TS_TST_INFO_get_msg_imprint(tst);
		X509_ALGOR *alg = TS_MSG_IMPRINT_get_algo(imp);
		ASN1_OCTET_STRING *msg = TS_MSG_IMPRINT_get_msg(imp);
		X509 *tsa = sk_X509_value(signers, 0);

		who = sig_name_of(X509_get_subject_name(tsa));
		if (!digest_of(EVP_get_digestbyobj(alg->algorithm),
			       si->enc_digest, md, &mdlen) ||
		    (int)mdlen != msg->length ||
		    memcmp(md, msg->data, mdlen) != 0) {
			state = "it stamps another signature";
		} else {
			state = ts_chain(env, tsa, certs, t, v, &why);
		}
	}
	ts_record(v, when, "RFC 3161 timestamp",
		  who ? who : "an unknown authority", state, why);
out:
	free(who);
	free(why);
	sk_X509_free(signers);
	sk_X509_pop_free(certs, X509_free);
	TS_TST_INFO_free(tst);
	CMS_ContentInfo_free(tok);
	ERR_clear_error();
}

static int attr_is(const X509_ATTRIBUTE *a, const char *oid)
{
	ASN1_OBJECT *want = OBJ_txt2obj(oid, 1);
	int same =
		want && OBJ_cmp(X509_ATTRIBUTE_get0_object((X509_ATTRIBUTE *)a),
				want) == 0;

	ASN1_OBJECT_free(want);
	return same;
}

/* the timestamps among the signer's unauthenticated attributes */
static void timestamps(PKCS7 *p7, PKCS7_SIGNER_INFO *si,
		       const struct sig_env *env, struct verdict *v)
{
	STACK_OF(X509_ATTRIBUTE) *ua = PKCS7_get_attributes(si);
	int i, j;

	for (i = 0; i < sk_X509_ATTRIBUTE_num(ua); i++) {
		X509_ATTRIBUTE *a = sk_X509_ATTRIBUTE_value(ua, i);
		int nid = OBJ_obj2nid(X509_ATTRIBUTE_get0_object(a));

		for (j = 0; j < X509_ATTRIBUTE_count(a) && j < 4; j++) {
			ASN1_TYPE *val = X509_ATTRIBUTE_get0_type(a, j);

			if (nid == NID_pkcs9_countersignature)
				countersignature(p7, si, val, env, v);
			else if (attr_is(a, SIG_OID_RFC3161))
				rfc3161(si, val, env, v);
		}
	}
	if (!v->signing_time) {
		/* a signing-time attribute is the signer's word only */
		char when[32];

		signing_time_attr(si, when, NULL);
		if (when[0])
			v->signing_time =
				dupf("%s (signing-time attribute)", when);
	}
}

/*
 * Checks one SignedData. what: "signature" or "catalog signature", for
 * the sentences. pe_sha1/pe_sha256: the file's PE hashes when the content
 * is an Authenticode SpcIndirectDataContent to check them against; NULL
 * for a catalog.
 */
static void check_p7(PKCS7 *p7, const char *what, int authenticode,
		     const uint8_t *pe_sha1, const uint8_t *pe_sha256,
		     const struct sig_env *env, struct verdict *v)
{
	STACK_OF(PKCS7_SIGNER_INFO) * sis;
	PKCS7_SIGNER_INFO *si;
	const unsigned char *data, *der;
	size_t dlen, derlen;
	char *why = NULL;
	BIO *in;
	time_t at;

	if (!PKCS7_type_is_signed(p7) || !p7->d.sign) {
		set_problem(v, "The %s is not a PKCS#7 SignedData.", what);
		return;
	}
	sis = PKCS7_get_signer_info(p7);
	if (sk_PKCS7_SIGNER_INFO_num(sis) != 1) {
		set_problem(v,
			    "The %s has %d signers; exactly one is "
			    "expected.",
			    what, sk_PKCS7_SIGNER_INFO_num(sis));
		return;
	}
	si = sk_PKCS7_SIGNER_INFO_value(sis, 0);
	if (sig_content(p7, &data, &dlen, &der, &derlen)) {
		set_problem(v, "The %s has no signed content.", what);
		return;
	}
	if (si->digest_alg)
		v->digest_alg = md_name(OBJ_obj2nid(si->digest_alg->algorithm));
	if (authenticode) {
		ASN1_OBJECT *want = OBJ_txt2obj(SIG_OID_SPC_INDIRECT, 1);
		SIG_SPC_INDIRECT *ind = NULL;
		const X509_ALGOR *alg;
		const ASN1_OCTET_STRING *dig;
		const uint8_t *mine = NULL;
		size_t mlen = 0;
		int nid;

		if (want && OBJ_cmp(p7->d.sign->contents->type, want) == 0)
			ind = sig_d2i(ASN1_ITEM_rptr(SIG_SPC_INDIRECT), der,
				      derlen);
		ASN1_OBJECT_free(want);
		if (!ind) {
			set_problem(v,
				    "The %s's content is not an "
				    "Authenticode SpcIndirectDataContent.",
				    what);
			return;
		}
		X509_SIG_get0(ind->digest, &alg, &dig);
		nid = OBJ_obj2nid(alg->algorithm);
		v->digest_alg = md_name(nid);
		v->signed_digest = hex_upper(dig->data, (size_t)dig->length);
		if (nid == NID_sha1)
			mine = pe_sha1, mlen = 20;
		else if (nid == NID_sha256)
			mine = pe_sha256, mlen = 32;
		if (!mine)
			set_problem(v,
				    "The %s signs a %s digest, which is not "
				    "computed here: the file's digest was "
				    "not checked.",
				    what, v->digest_alg);
		else if ((size_t)dig->length != mlen ||
			 memcmp(mine, dig->data, mlen) != 0)
			set_problem(v,
				    "The file's digest does not match: its "
				    "%s PE hash differs from the digest "
				    "the %s signs (the file was changed "
				    "after signing).",
				    v->digest_alg, what);
		ASN1_item_free((ASN1_VALUE *)ind,
			       ASN1_ITEM_rptr(SIG_SPC_INDIRECT));
	}
	v->signer = signer_cert(p7, si);
	if (v->signer)
		X509_up_ref(v->signer);
	/* one digest algorithm that OpenSSL knows, checked first: with more
	 * (Authenticode and catalogs have one) or an unknown one, OpenSSL
	 * 3.0's PKCS7_verify leaks the BIOs it made for the digests */
	if (sk_X509_ALGOR_num(p7->d.sign->md_algs) != 1 ||
	    !EVP_get_digestbyobj(
		    sk_X509_ALGOR_value(p7->d.sign->md_algs, 0)->algorithm)) {
		set_problem(v,
			    "The %s does not verify: it names %d digest "
			    "algorithms, or one that is not known.",
			    what, sk_X509_ALGOR_num(p7->d.sign->md_algs));
	} else {
		in = BIO_new_mem_buf(data, (int)dlen);
		if (!in ||
		    PKCS7_verify(p7, NULL, NULL, in, NULL, PKCS7_NOVERIFY) != 1)
			set_problem(v, "The %s does not verify: %s.", what,
				    openssl_reason());
		BIO_free(in);
	}
	ERR_clear_error();
	timestamps(p7, si, env, v);
	at = v->ts_trusted ? v->ts_time : env->now;
	v->checked_at = strdup(v->ts_trusted ? "the signing time (a trusted "
					       "timestamp gives it)"
					     : "now (no trusted timestamp)");
	if (!v->signer) {
		set_problem(v, "The %s's signer certificate is not in it.",
			    what);
		return;
	}
	switch (chain_check(env, v->signer, p7->d.sign->cert, at, &why)) {
	case CHAIN_TRUSTED:
		v->trusted = !v->problem;
		break;
	case CHAIN_UNTRUSTED:
		set_problem(v,
			    "The %s is valid, but its chain ends in a root "
			    "that is not trusted: %s.",
			    what, why ? why : "(unnamed)");
		break;
	default:
		set_problem(v,
			    "The %s's certificate chain is not valid at "
			    "%s: %s.",
			    what, v->ts_trusted ? "the signing time" : "now",
			    why ? why : "unknown error");
		break;
	}
	free(why);
}

/* ---- bullets ------------------------------------------------------- */

static int add_signer(struct sig_report *r, X509 *x)
{
	const ASN1_INTEGER *sn = X509_get0_serialNumber(x);
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned n = 0;
	char *s, *serial;
	int rc;

	s = hex_upper(sn->data, (size_t)sn->length);
	serial = s && (sn->type & V_ASN1_NEG) ? dupf("-%s", s) : s;
	if (serial != s)
		free(s);
	rc = serial ? sig_report_add(r, "Serial", serial, 1) : -ENOMEM;
	free(serial);
	if (rc)
		return rc;
	s = X509_digest(x, EVP_sha1(), md, &n) == 1 ? hex_upper(md, n) : NULL;
	rc = s ? sig_report_add(r, "Thumbprint", s, 1) : -ENOMEM;
	free(s);
	if (rc)
		return rc;
	s = sig_name_of(X509_get_issuer_name(x));
	rc = s ? sig_report_add(r, "Issuer", s, 0) : -ENOMEM;
	free(s);
	if (rc)
		return rc;
	s = sig_name_of(X509_get_subject_name(x));
	rc = s ? sig_report_add(r, "Subject", s, 0) : -ENOMEM;
	free(s);
	return rc;
}

static int add_opt(struct sig_report *r, const char *label, const char *v,
		   int code)
{
	return v ? sig_report_add(r, label, v, code) : 0;
}

static const char *status_of(const struct verdict *v)
{
	if (v->trusted)
		return "Signature verified.";
	return v->problem ? v->problem : "The signature was not checked.";
}

/* Status, the signer, then our bullets */
static int add_verdict(struct sig_report *r, const struct verdict *v,
		       const char *catalog)
{
	int rc = sig_report_add(r, "Status", status_of(v), 0);

	if (!rc && v->signer)
		rc = add_signer(r, v->signer);
	if (!rc)
		rc = add_opt(r, "Catalog", catalog, 0);
	if (!rc)
		rc = add_opt(r, "Digest Algorithm", v->digest_alg, 0);
	if (!rc)
		rc = add_opt(r, "Signed Digest", v->signed_digest, 1);
	if (!rc)
		rc = add_opt(r, "Signing Time", v->signing_time, 0);
	if (!rc)
		rc = add_opt(r, "Timestamp", v->timestamp, 0);
	if (!rc && v->signer)
		rc = add_opt(r, "Validity Checked At", v->checked_at, 0);
	return rc;
}

/* "SHA-1, CN=…: Signature verified." for a nested or further signature */
static char *summary(const struct verdict *v)
{
	char *who = v->signer ? sig_name_of(X509_get_subject_name(v->signer))
			      : NULL;
	char *s = dupf("%s%s%s: %s", v->digest_alg ? v->digest_alg : "?",
		       who ? ", " : "", who ? who : "", status_of(v));

	free(who);
	return s;
}

static PKCS7 *p7_of(const uint8_t *der, size_t len)
{
	const unsigned char *p = der;

	return len <= 0x7fffffff ? d2i_PKCS7(NULL, &p, (long)len) : NULL;
}

/* the nested signatures of an Authenticode signature, as bullets */
static int add_nested(struct sig_report *r, PKCS7 *p7, const uint8_t *pe_sha1,
		      const uint8_t *pe_sha256, const struct sig_env *env)
{
	STACK_OF(X509_ATTRIBUTE) * ua;
	int i, j, k = 0, rc = 0;

	if (sk_PKCS7_SIGNER_INFO_num(PKCS7_get_signer_info(p7)) < 1)
		return 0;
	ua = PKCS7_get_attributes(
		sk_PKCS7_SIGNER_INFO_value(PKCS7_get_signer_info(p7), 0));
	for (i = 0; i < sk_X509_ATTRIBUTE_num(ua) && !rc; i++) {
		X509_ATTRIBUTE *a = sk_X509_ATTRIBUTE_value(ua, i);

		if (!attr_is(a, SIG_OID_NESTED))
			continue;
		for (j = 0; j < X509_ATTRIBUTE_count(a) && !rc; j++) {
			ASN1_TYPE *val = X509_ATTRIBUTE_get0_type(a, j);
			struct verdict nv = { 0 };
			char label[40], *s;
			PKCS7 *n;

			if (++k > CAP_SIG_NESTED)
				return 0;
			n = val->type == V_ASN1_SEQUENCE
				    ? p7_of(val->value.sequence->data,
					    (size_t)val->value.sequence->length)
				    : NULL;
			if (n)
				check_p7(n, "nested signature", 1, pe_sha1,
					 pe_sha256, env, &nv);
			else
				set_problem(&nv, "The nested signature "
						 "cannot be read.");
			snprintf(label, sizeof(label), "Nested Signature %d",
				 k);
			s = summary(&nv);
			rc = s ? sig_report_add(r, label, s, 0) : -ENOMEM;
			free(s);
			verdict_clear(&nv);
			PKCS7_free(n);
		}
	}
	return rc;
}

int sig_check_embedded(const struct sig_table *t, const uint8_t *pesha1,
		       const uint8_t *pe256, const struct sig_env *env,
		       const char *why_unsigned, struct sig_report **out)
{
	struct sig_report *r = calloc(1, sizeof(*r));
	struct verdict v = { 0 };
	PKCS7 *p7 = NULL;
	size_t i;
	int rc = 0;

	if (!r)
		return -ENOMEM;
	if (!t || !t->present || (t->n == 0 && !t->problem)) {
		char *s = dupf("The file is not signed: %s.", why_unsigned);

		rc = s ? sig_report_add(r, "Status", s, 0) : -ENOMEM;
		free(s);
		goto out;
	}
	if (t->n == 0) {
		rc = sig_report_add(r, "Status", t->problem, 0);
		goto out;
	}
	if (t->entries[0].type != 2)
		set_problem(&v,
			    "The first certificate entry is of type "
			    "0x%04X, not a PKCS#7 SignedData (2).",
			    t->entries[0].type);
	else if (!(p7 = p7_of(t->entries[0].data, t->entries[0].len)))
		set_problem(&v, "The signature cannot be read: its PKCS#7 "
				"data does not decode.");
	else
		check_p7(p7, "signature", 1, pesha1, pe256, env, &v);
	ERR_clear_error();
	rc = add_verdict(r, &v, NULL);
	if (!rc && p7)
		rc = add_nested(r, p7, pesha1, pe256, env);
	for (i = 1; i < t->n && !rc; i++) {
		struct verdict ev = { 0 };
		char label[40], *s;
		PKCS7 *e = t->entries[i].type == 2 ? p7_of(t->entries[i].data,
							   t->entries[i].len)
						   : NULL;

		if (e)
			check_p7(e, "signature", 1, pesha1, pe256, env, &ev);
		else
			set_problem(&ev,
				    "Not a PKCS#7 SignedData that "
				    "decodes (type 0x%04X).",
				    t->entries[i].type);
		snprintf(label, sizeof(label), "Certificate Entry %zu", i + 1);
		s = summary(&ev);
		rc = s ? sig_report_add(r, label, s, 0) : -ENOMEM;
		free(s);
		verdict_clear(&ev);
		PKCS7_free(e);
	}
	if (!rc && t->problem)
		rc = sig_report_add(r, "Certificate Table", t->problem, 0);
out:
	ERR_clear_error();
	verdict_clear(&v);
	PKCS7_free(p7);
	if (rc) {
		sig_report_free(r);
		return rc;
	}
	*out = r;
	return 0;
}

int sig_check_catalog(const uint8_t *der, size_t len, const char *name,
		      const struct sig_env *env, struct sig_report **out)
{
	struct sig_report *r = calloc(1, sizeof(*r));
	struct verdict v = { 0 };
	PKCS7 *p7 = p7_of(der, len);
	int rc;

	if (!r) {
		PKCS7_free(p7);
		return -ENOMEM;
	}
	if (p7)
		check_p7(p7, "catalog signature", 0, NULL, NULL, env, &v);
	else
		set_problem(&v, "The catalog cannot be read: it is not a "
				"PKCS#7 SignedData.");
	rc = add_verdict(r, &v, name);
	verdict_clear(&v);
	PKCS7_free(p7);
	ERR_clear_error();
	if (rc) {
		sig_report_free(r);
		return rc;
	}
	*out = r;
	return 0;
}

/*
 * The SignedData checks, in order; the first failure becomes the status:
 *   the blob is a SignedData with one signer and a content to sign;
 *   (Authenticode) the content is an SpcIndirectDataContent whose digest
 *   equals the file's PE hash;
 *   the signature verifies (messageDigest attribute, then the signature
 *   over the attributes, with the signer's key).
 * The chain and the timestamps come after (chain.c, timestamps.c).
 */
#include <stdlib.h>
#include <string.h>

#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/objects.h>

#include "sig_i.h"

int sig_fail(struct sig_verdict *v, enum sig_status s)
{
	if (v->status != SIG_NOT_CHECKED)
		return 0;
	v->status = s;
	return 1;
}

void sig_set_md(struct sig_verdict *v, int nid)
{
	const char *sn;

	free(v->digest_other);
	v->digest_other = NULL;
	switch (nid) {
	case NID_md5:
		v->digest_alg = SIG_MD_MD5;
		return;
	case NID_sha1:
		v->digest_alg = SIG_MD_SHA1;
		return;
	case NID_sha256:
		v->digest_alg = SIG_MD_SHA256;
		return;
	case NID_sha384:
		v->digest_alg = SIG_MD_SHA384;
		return;
	case NID_sha512:
		v->digest_alg = SIG_MD_SHA512;
		return;
	default:
		v->digest_alg = SIG_MD_OTHER;
		sn = nid == NID_undef ? NULL : OBJ_nid2sn(nid);
		v->digest_other = sn ? strdup(sn) : NULL;
	}
}

X509 *sig_signer_cert(PKCS7 *p7, PKCS7_SIGNER_INFO *si)
{
	if (!si->issuer_and_serial || !p7->d.sign->cert)
		return NULL;
	return X509_find_by_issuer_and_serial(p7->d.sign->cert,
					      si->issuer_and_serial->issuer,
					      si->issuer_and_serial->serial);
}

/* why PKCS7_verify refused, from OpenSSL's last error */
static void p7_reason(struct sig_verdict *v)
{
	unsigned long e = ERR_peek_last_error();
	const char *r = e ? ERR_reason_error_string(e) : NULL;

	v->p7_reason = SIG_P7_OTHER;
	if (ERR_GET_LIB(e) == ERR_LIB_PKCS7) {
		switch (ERR_GET_REASON(e)) {
		case PKCS7_R_DIGEST_FAILURE:
			v->p7_reason = SIG_P7_DIGEST_FAILURE;
			return;
		case PKCS7_R_SIGNATURE_FAILURE:
			v->p7_reason = SIG_P7_SIGNATURE_FAILURE;
			return;
		case PKCS7_R_SIGNER_CERTIFICATE_NOT_FOUND:
			v->p7_reason = SIG_P7_SIGNER_NOT_FOUND;
			return;
		default:
			break;
		}
	}
	v->openssl_reason = r ? strdup(r) : NULL;
}

/* The Authenticode content: its digest against the file's PE hash in the
 * algorithm it names. Returns 1 when the content is not an
 * SpcIndirectDataContent. */
static int indirect(PKCS7 *p7, const struct sig_pehash *ph,
		    struct sig_verdict *v)
{
	SIG_SPC_INDIRECT *ind = sig_indirect(p7);
	const X509_ALGOR *alg;
	const ASN1_OCTET_STRING *dig;
	const uint8_t *mine = NULL;
	const EVP_MD *md;
	size_t mlen = 0;
	int nid;

	if (!ind) {
		sig_fail(v, SIG_NOT_INDIRECT);
		return 1;
	}
	X509_SIG_get0(ind->digest, &alg, &dig);
	nid = OBJ_obj2nid(alg->algorithm);
	sig_set_md(v, nid);
	/* one byte more, so that an empty digest is still "there" */
	v->signed_digest = malloc((size_t)dig->length + 1);
	if (v->signed_digest) {
		memcpy(v->signed_digest, dig->data, (size_t)dig->length);
		v->signed_len = (size_t)dig->length;
	}
	md = EVP_get_digestbynid(nid);
	if (v->digest_alg < SIG_MD_OTHER && md) {
		mine = ph->md[v->digest_alg];
		mlen = (size_t)EVP_MD_get_size(md);
	}
	if (!mine)
		sig_fail(v, SIG_DIGEST_NOT_COMPUTED);
	else if ((size_t)dig->length != mlen ||
		 memcmp(mine, dig->data, mlen) != 0)
		sig_fail(v, SIG_DIGEST_MISMATCH);
	sig_indirect_free(ind);
	return 0;
}

int sig_verify(PKCS7 *p7, const struct sig_pehash *ph, struct sig_work *w,
	       PKCS7_SIGNER_INFO **si_out)
{
	struct sig_verdict *v = w->v;
	STACK_OF(PKCS7_SIGNER_INFO) * sis;
	PKCS7_SIGNER_INFO *si;
	const unsigned char *data, *der;
	size_t dlen, derlen;
	BIO *in;

	if (!PKCS7_type_is_signed(p7) || !p7->d.sign) {
		sig_fail(v, SIG_NOT_SIGNED_DATA);
		return 1;
	}
	sis = PKCS7_get_signer_info(p7);
	if (sk_PKCS7_SIGNER_INFO_num(sis) != 1) {
		if (sig_fail(v, SIG_SIGNER_COUNT))
			v->count = sk_PKCS7_SIGNER_INFO_num(sis);
		return 1;
	}
	si = sk_PKCS7_SIGNER_INFO_value(sis, 0);
	if (sig_content(p7, &data, &dlen, &der, &derlen)) {
		sig_fail(v, SIG_NO_CONTENT);
		return 1;
	}
	if (si->digest_alg)
		sig_set_md(v, OBJ_obj2nid(si->digest_alg->algorithm));
	if (ph && indirect(p7, ph, v))
		return 1;
	w->signer = sig_signer_cert(p7, si);
	if (w->signer)
		X509_up_ref(w->signer);
	/* one digest algorithm that OpenSSL knows, checked first: with more
	 * (Authenticode and catalogs have one) or an unknown one, OpenSSL
	 * 3.0's PKCS7_verify leaks the BIOs it made for the digests */
	if (sk_X509_ALGOR_num(p7->d.sign->md_algs) != 1 ||
	    !EVP_get_digestbyobj(
		    sk_X509_ALGOR_value(p7->d.sign->md_algs, 0)->algorithm)) {
		if (sig_fail(v, SIG_DIGEST_ALGS))
			v->count = sk_X509_ALGOR_num(p7->d.sign->md_algs);
	} else {
		/* (a catalog read in parts: its content's bytes from the
		 * file, where the PKCS#7's is empty) */
		in = w->content ? w->content : BIO_new_mem_buf(data, (int)dlen);
		if (!in || PKCS7_verify(p7, NULL, NULL, in, NULL,
					PKCS7_NOVERIFY) != 1) {
			if (sig_fail(v, SIG_NOT_VERIFIED))
				p7_reason(v);
		}
		if (in != w->content)
			BIO_free(in);
	}
	ERR_clear_error();
	*si_out = si;
	return 0;
}

/*
 * Which PE hashes a certificate table needs: the digest algorithm of each
 * Authenticode content in it (the entries', and the signatures nested in
 * the first signer of each). SHA-1 and SHA-256 are made in the first
 * pass over the file; the others in a second read, only when named here.
 */
#include <stdlib.h>

#include <openssl/err.h>
#include <openssl/objects.h>

#include "profilefs/caps.h"
#include "sig_i.h"

SIG_SPC_INDIRECT *sig_indirect(PKCS7 *p7)
{
	ASN1_OBJECT *want = OBJ_txt2obj(SIG_OID_SPC_INDIRECT, 1);
	const unsigned char *data, *der;
	size_t dlen, derlen;
	SIG_SPC_INDIRECT *ind = NULL;

	if (want && sig_content(p7, &data, &dlen, &der, &derlen) == 0 &&
	    OBJ_cmp(p7->d.sign->contents->type, want) == 0)
		ind = sig_d2i(ASN1_ITEM_rptr(SIG_SPC_INDIRECT), der, derlen);
	ASN1_OBJECT_free(want);
	return ind;
}

void sig_indirect_free(SIG_SPC_INDIRECT *ind)
{
	ASN1_item_free((ASN1_VALUE *)ind, ASN1_ITEM_rptr(SIG_SPC_INDIRECT));
}

int sig_attr_is(const X509_ATTRIBUTE *a, const char *oid)
{
	ASN1_OBJECT *want = OBJ_txt2obj(oid, 1);
	int same =
		want && OBJ_cmp(X509_ATTRIBUTE_get0_object((X509_ATTRIBUTE *)a),
				want) == 0;

	ASN1_OBJECT_free(want);
	return same;
}

static int md_of_nid(int nid)
{
	switch (nid) {
	case NID_md5:
		return SIG_MD_MD5;
	case NID_sha1:
		return SIG_MD_SHA1;
	case NID_sha256:
		return SIG_MD_SHA256;
	case NID_sha384:
		return SIG_MD_SHA384;
	case NID_sha512:
		return SIG_MD_SHA512;
	default:
		return SIG_MD_OTHER;
	}
}

/* the bit of the algorithm p7's Authenticode content names, or 0 */
static unsigned named(PKCS7 *p7)
{
	SIG_SPC_INDIRECT *ind = sig_indirect(p7);
	const X509_ALGOR *alg;
	const ASN1_OCTET_STRING *dig;
	unsigned bit;

	if (!ind)
		return 0;
	X509_SIG_get0(ind->digest, &alg, &dig);
	bit = 1u << md_of_nid(OBJ_obj2nid(alg->algorithm));
	sig_indirect_free(ind);
	return bit;
}

/* p7's own algorithm and its nested signatures' (one level, capped) */
static unsigned of_p7(PKCS7 *p7)
{
	STACK_OF(X509_ATTRIBUTE) * ua;
	unsigned bits = named(p7), k = 0;
	int i, j;

	if (!PKCS7_type_is_signed(p7) || !p7->d.sign ||
	    sk_PKCS7_SIGNER_INFO_num(PKCS7_get_signer_info(p7)) < 1)
		return bits;
	ua = PKCS7_get_attributes(
		sk_PKCS7_SIGNER_INFO_value(PKCS7_get_signer_info(p7), 0));
	for (i = 0; i < sk_X509_ATTRIBUTE_num(ua); i++) {
		X509_ATTRIBUTE *a = sk_X509_ATTRIBUTE_value(ua, i);

		if (!sig_attr_is(a, SIG_OID_NESTED))
			continue;
		for (j = 0; j < X509_ATTRIBUTE_count(a); j++) {
			ASN1_TYPE *val = X509_ATTRIBUTE_get0_type(a, j);
			const unsigned char *p;
			PKCS7 *n;

			if (++k > CAP_SIG_NESTED)
				return bits;
			if (val->type != V_ASN1_SEQUENCE)
				continue;
			p = val->value.sequence->data;
			n = d2i_PKCS7(NULL, &p, val->value.sequence->length);
			if (n)
				bits |= named(n);
			PKCS7_free(n);
		}
	}
	return bits;
}

unsigned sig_table_digests(const struct sig_table *t)
{
	unsigned bits = 0;
	size_t i;

	for (i = 0; t && i < t->n; i++) {
		const unsigned char *p = t->entries[i].data;
		PKCS7 *p7;

		if (t->entries[i].type != 2 || t->entries[i].len > 0x7fffffff)
			continue;
		p7 = d2i_PKCS7(NULL, &p, (long)t->entries[i].len);
		if (p7)
			bits |= of_p7(p7);
		PKCS7_free(p7);
	}
	ERR_clear_error();
	return bits;
}

uint8_t *sig_table_rare(struct sig_table *t, int md, size_t *len)
{
	switch (md) {
	case SIG_MD_MD5:
		*len = sizeof(t->pe_md5);
		return t->pe_md5;
	case SIG_MD_SHA384:
		*len = sizeof(t->pe_sha384);
		return t->pe_sha384;
	case SIG_MD_SHA512:
		*len = sizeof(t->pe_sha512);
		return t->pe_sha512;
	default:
		*len = 0;
		return NULL;
	}
}

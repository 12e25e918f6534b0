/*
 * The ASN.1 types Authenticode and catalogs add to PKCS#7, as OpenSSL
 * templates (OpenSSL decodes; nothing here reads DER by hand).
 *
 *   SpcIndirectDataContent ::= SEQUENCE {
 *       data           SpcAttributeTypeAndOptionalValue,
 *       messageDigest  DigestInfo }            -- X509_SIG in OpenSSL
 *   SpcAttributeTypeAndOptionalValue ::= SEQUENCE {
 *       type OBJECT IDENTIFIER, value ANY OPTIONAL }
 *
 *   CertificateTrustList ::= SEQUENCE {       -- a catalog's content
 *       version          INTEGER OPTIONAL,
 *       subjectUsage     SEQUENCE OF OBJECT IDENTIFIER,
 *       listIdentifier   OCTET STRING OPTIONAL,
 *       sequenceNumber   INTEGER OPTIONAL,
 *       ctlThisUpdate    Time,
 *       ctlNextUpdate    Time OPTIONAL,
 *       subjectAlgorithm AlgorithmIdentifier,
 *       trustedSubjects  SEQUENCE OF TrustedSubject OPTIONAL,
 *       ctlExtensions    [0] EXPLICIT Extensions OPTIONAL }
 *   TrustedSubject ::= SEQUENCE {
 *       subjectIdentifier OCTET STRING,
 *       subjectAttributes SET OF Attribute OPTIONAL }
 */
#include <errno.h>

#include <openssl/asn1t.h>

#include "sig_i.h"

ASN1_SEQUENCE(SIG_SPC_ATTR) = {
	ASN1_SIMPLE(SIG_SPC_ATTR, type, ASN1_OBJECT),
	ASN1_OPT(SIG_SPC_ATTR, value, ASN1_ANY),
} static_ASN1_SEQUENCE_END(SIG_SPC_ATTR)

ASN1_SEQUENCE(SIG_SPC_INDIRECT) = {
	ASN1_SIMPLE(SIG_SPC_INDIRECT, data, SIG_SPC_ATTR),
	ASN1_SIMPLE(SIG_SPC_INDIRECT, digest, X509_SIG),
} ASN1_SEQUENCE_END(SIG_SPC_INDIRECT)

ASN1_SEQUENCE(SIG_CTL_SUBJECT) = {
	ASN1_SIMPLE(SIG_CTL_SUBJECT, id, ASN1_OCTET_STRING),
	ASN1_SET_OF_OPT(SIG_CTL_SUBJECT, attrs, X509_ATTRIBUTE),
} ASN1_SEQUENCE_END(SIG_CTL_SUBJECT)

ASN1_SEQUENCE(SIG_CTL) = {
	ASN1_OPT(SIG_CTL, version, ASN1_INTEGER),
	ASN1_SEQUENCE_OF(SIG_CTL, usage, ASN1_OBJECT),
	ASN1_OPT(SIG_CTL, list_id, ASN1_OCTET_STRING),
	ASN1_OPT(SIG_CTL, seq, ASN1_INTEGER),
	ASN1_SIMPLE(SIG_CTL, this_update, ASN1_TIME),
	ASN1_OPT(SIG_CTL, next_update, ASN1_TIME),
	ASN1_SIMPLE(SIG_CTL, alg, X509_ALGOR),
	ASN1_SEQUENCE_OF_OPT(SIG_CTL, subjects, SIG_CTL_SUBJECT),
	ASN1_EXP_SEQUENCE_OF_OPT(SIG_CTL, exts, X509_EXTENSION, 0),
} ASN1_SEQUENCE_END(SIG_CTL)

void *sig_d2i(const ASN1_ITEM *it, const unsigned char *der, size_t len)
{
	const unsigned char *p = der;

	if (len > 0x7fffffff)
		return NULL;
	return ASN1_item_d2i(NULL, &p, (long)len, it);
}

int sig_content(PKCS7 *p7, const unsigned char **signed_data,
		size_t *signed_len, const unsigned char **der, size_t *der_len)
{
	PKCS7 *c;
	ASN1_TYPE *t;

	if (!PKCS7_type_is_signed(p7) || !p7->d.sign ||
	    !(c = p7->d.sign->contents))
		return -EINVAL;
	if (PKCS7_type_is_data(c)) {
		if (!c->d.data)
			return -EINVAL;
		*signed_data = *der = c->d.data->data;
		*signed_len = *der_len = (size_t)c->d.data->length;
		return 0;
	}
	t = c->d.other;
	if (!t)
		return -EINVAL;
	if (t->type == V_ASN1_OCTET_STRING) {
		*signed_data = *der = t->value.octet_string->data;
		*signed_len = *der_len = (size_t)t->value.octet_string->length;
		return 0;
	}
	if (t->type == V_ASN1_SEQUENCE) {
		const unsigned char *p = t->value.sequence->data;
		long len = 0;
		int tag, cls;

		*der = p;
		*der_len = (size_t)t->value.sequence->length;
		if (ASN1_get_object(&p, &len, &tag, &cls,
				    t->value.sequence->length) &
		    0x80)
			return -EINVAL;
		*signed_data = p;
		*signed_len = (size_t)len;
		return 0;
	}
	return -EINVAL;
}

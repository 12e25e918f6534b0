/*
 * Windows catalogs (.cat): a PKCS#7 SignedData whose content is a
 * certificate trust list. Each trusted subject (a member file) carries,
 * among its attributes, an SpcIndirectDataContent whose messageDigest is
 * the member's hash: its PE image hash for a PE file, else the hash of the
 * whole file. Those digests are what a file is looked up by.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/err.h>
#include <openssl/objects.h>

#include "sig_i.h"

/* the member digests of one trusted subject, in order */
static int subject_members(SIG_CTL_SUBJECT *s, const ASN1_OBJECT *spc,
			   sig_member_fn fn, void *ctx)
{
	int j, k, rc = 0;

	for (j = 0; j < sk_X509_ATTRIBUTE_num(s->attrs) && !rc; j++) {
		X509_ATTRIBUTE *a = sk_X509_ATTRIBUTE_value(s->attrs, j);

		if (OBJ_cmp(X509_ATTRIBUTE_get0_object(a), spc) != 0)
			continue;
		for (k = 0; k < X509_ATTRIBUTE_count(a) && !rc; k++) {
			ASN1_TYPE *t = X509_ATTRIBUTE_get0_type(a, k);
			SIG_SPC_INDIRECT *ind;
			const ASN1_OCTET_STRING *dig;

			if (t->type != V_ASN1_SEQUENCE)
				continue;
			ind = sig_d2i(ASN1_ITEM_rptr(SIG_SPC_INDIRECT),
				      t->value.sequence->data,
				      (size_t)t->value.sequence->length);
			if (!ind)
				continue;
			X509_SIG_get0(ind->digest, NULL, &dig);
			if (dig->length == 20 || dig->length == 32)
				rc = fn(ctx, dig->data, (size_t)dig->length);
			ASN1_item_free((ASN1_VALUE *)ind,
				       ASN1_ITEM_rptr(SIG_SPC_INDIRECT));
		}
	}
	return rc;
}

static int members(SIG_CTL *ctl, sig_member_fn fn, void *ctx)
{
	ASN1_OBJECT *spc = OBJ_txt2obj(SIG_OID_SPC_INDIRECT, 1);
	int i, rc = 0;

	if (!spc)
		return -ENOMEM;
	for (i = 0; i < sk_SIG_CTL_SUBJECT_num(ctl->subjects) && !rc; i++)
		rc = subject_members(sk_SIG_CTL_SUBJECT_value(ctl->subjects, i),
				     spc, fn, ctx);
	ASN1_OBJECT_free(spc);
	return rc;
}

int sig_catalog_subject(const uint8_t *der, size_t len, sig_member_fn fn,
			void *ctx)
{
	SIG_CTL_SUBJECT *s = sig_d2i(ASN1_ITEM_rptr(SIG_CTL_SUBJECT), der, len);
	ASN1_OBJECT *spc;
	int rc;

	if (!s) {
		ERR_clear_error();
		return -EINVAL;
	}
	spc = OBJ_txt2obj(SIG_OID_SPC_INDIRECT, 1);
	rc = spc ? subject_members(s, spc, fn, ctx) : -ENOMEM;
	ASN1_OBJECT_free(spc);
	ASN1_item_free((ASN1_VALUE *)s, ASN1_ITEM_rptr(SIG_CTL_SUBJECT));
	ERR_clear_error();
	return rc;
}

int sig_catalog_decode(const uint8_t *der, size_t len, sig_member_fn fn,
		       void *ctx, char **problem, int *nsubjects)
{
	const unsigned char *p = der, *data, *cder;
	size_t dlen, clen;
	ASN1_OBJECT *want = NULL;
	SIG_CTL *ctl = NULL;
	PKCS7 *p7 = NULL;
	const char *why = NULL;
	int rc = 0;

	*problem = NULL;
	if (len > 0x7fffffff)
		why = "it is too large";
	else if (!(p7 = d2i_PKCS7(NULL, &p, (long)len)))
		why = "it is not a PKCS#7 structure";
	else if (sig_content(p7, &data, &dlen, &cder, &clen))
		why = "it is not a SignedData with content";
	else if (!(want = OBJ_txt2obj(SIG_OID_CTL, 1)) ||
		 OBJ_cmp(p7->d.sign->contents->type, want) != 0)
		why = "its content is not a certificate trust list";
	else if (!(ctl = sig_d2i(ASN1_ITEM_rptr(SIG_CTL), cder, clen)))
		why = "its certificate trust list does not decode";
	else
		rc = members(ctl, fn, ctx);
	if (ctl && nsubjects)
		*nsubjects = ctl->subjects
				     ? sk_SIG_CTL_SUBJECT_num(ctl->subjects)
				     : -1;
	if (why) {
		*problem = strdup(why);
		rc = *problem ? -EINVAL : -ENOMEM;
	}
	ASN1_item_free((ASN1_VALUE *)ctl, ASN1_ITEM_rptr(SIG_CTL));
	ASN1_OBJECT_free(want);
	PKCS7_free(p7);
	ERR_clear_error();
	return rc;
}

int sig_catalog_members(const uint8_t *der, size_t len, sig_member_fn fn,
			void *ctx, char **problem)
{
	return sig_catalog_decode(der, len, fn, ctx, problem, NULL);
}

/*
 * The trust anchors, parsed only when a chain asks for them.
 *
 * OpenSSL 3 takes about 0.4 ms to parse a certificate (its public key goes
 * through the provider decoders), so the 527 roots of data/ cost 0.2 s at
 * every start, 0.6 s under ASan and 10 s under valgrind, though most
 * profiles verify no signature and a signature needs one or two roots.
 * So a file's certificates are kept as DER with the hash of their subject
 * (X509_NAME_hash_ex, which only the name needs), and the store has one
 * lookup of ours: when a chain asks for a subject the store does not hold,
 * every anchor with that subject's hash is parsed and added to the store
 * (all of them: roots that share a subject, cross-signed ones, must all be
 * there for OpenSSL to choose among). The store then answers as if it had
 * been given every root at once.
 */
#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/asn1.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/x509.h>

#include "sig_i.h"

struct sig_anchor {
	uint8_t sha256[32];
	unsigned long subject; /* X509_NAME_hash_ex of its subject */
	unsigned char *der;    /* OPENSSL_malloc'ed */
	long len;
	X509 *x;    /* once parsed (and in the store) */
	int parsed; /* tried: x is NULL when OpenSSL refused it */
};

/* the header of the next element of [*p, end): its contents' length in
 * *len, *p at the contents; -EINVAL unless DER-like (definite length) */
static int next_elem(const unsigned char **p, const unsigned char *end,
		     long *len, int *tag, int *cls)
{
	int r = ASN1_get_object(p, len, tag, cls, end - *p);

	return (r & 0x81) ? -EINVAL : 0;
}

/* the hash of the subject of the certificate der is, without parsing the
 * rest: Certificate { tbsCertificate { [0] version OPTIONAL, serial,
 * signature, issuer, validity, subject, ... }, ... } */
static int subject_hash(const unsigned char *der, long len, unsigned long *out)
{
	const unsigned char *p = der, *end = der + len, *q;
	X509_NAME *name;
	long l;
	int tag, cls, i, ok = 0;

	if (next_elem(&p, end, &l, &tag, &cls) || tag != V_ASN1_SEQUENCE)
		return -EINVAL;
	end = p + l;
	if (next_elem(&p, end, &l, &tag, &cls) || tag != V_ASN1_SEQUENCE)
		return -EINVAL;
	end = p + l;
	for (i = 0; i < 5; i++) {
		q = p;
		if (next_elem(&p, end, &l, &tag, &cls))
			return -EINVAL;
		/* no version: the first element is the serial, and one
		 * element fewer is skipped */
		if (i == 0 && cls != V_ASN1_CONTEXT_SPECIFIC) {
			p = q;
			i++;
			if (next_elem(&p, end, &l, &tag, &cls))
				return -EINVAL;
		}
		p += l;
	}
	q = p;
	name = d2i_X509_NAME(NULL, &q, end - p);
	if (!name)
		return -EINVAL;
	*out = X509_NAME_hash_ex(name, NULL, NULL, &ok);
	X509_NAME_free(name);
	return ok ? 0 : -EINVAL;
}

/* The store's lookup: parses the anchors whose subject has name's hash
 * (once each) into the store, and gives one of them that has the name.
 * The object it fills holds no reference of its own (OpenSSL takes one
 * for its caller, as with its own lookups). */
static int by_subject(X509_LOOKUP *lu, X509_LOOKUP_TYPE type,
		      const X509_NAME *name, X509_OBJECT *ret)
{
	struct sig_trust *t = X509_LOOKUP_get_method_data(lu);
	X509 *found = NULL;
	unsigned long h;
	size_t i;
	int ok = 0;

	if (type != X509_LU_X509 || !t)
		return 0;
	h = X509_NAME_hash_ex(name, NULL, NULL, &ok);
	if (!ok)
		return 0;
	pthread_mutex_lock(&t->lock);
	for (i = 0; i < t->nanchors; i++) {
		struct sig_anchor *a = &t->anchors[i];
		const unsigned char *p = a->der;

		if (a->subject != h)
			continue;
		if (!a->parsed) {
			a->parsed = 1;
			a->x = d2i_X509(NULL, &p, a->len);
			/* one already in the store is not an error */
			if (a->x)
				X509_STORE_add_cert(t->store, a->x);
		}
		if (a->x && !found &&
		    X509_NAME_cmp(X509_get_subject_name(a->x), name) == 0)
			found = a->x;
	}
	pthread_mutex_unlock(&t->lock);
	ERR_clear_error();
	/* set1 takes a reference, which the anchor's own makes needless */
	if (!found || !X509_OBJECT_set1_X509(ret, found))
		return 0;
	X509_free(found);
	return 1;
}

int sig_trust_new(struct sig_trust **out)
{
	struct sig_trust *t = calloc(1, sizeof(*t));
	X509_LOOKUP *lu;

	if (!t)
		return -ENOMEM;
	pthread_mutex_init(&t->lock, NULL);
	t->store = X509_STORE_new();
	t->method = X509_LOOKUP_meth_new("profilefs trust anchors");
	if (!t->store || !t->method ||
	    !X509_LOOKUP_meth_set_get_by_subject(t->method, by_subject) ||
	    !(lu = X509_STORE_add_lookup(t->store, t->method)) ||
	    !X509_LOOKUP_set_method_data(lu, t)) {
		sig_trust_free(t);
		return -ENOMEM;
	}
	*out = t;
	return 0;
}

void sig_trust_free(struct sig_trust *t)
{
	size_t i;

	if (!t)
		return;
	X509_STORE_free(t->store);
	X509_LOOKUP_meth_free(t->method);
	for (i = 0; i < t->nanchors; i++) {
		X509_free(t->anchors[i].x);
		OPENSSL_free(t->anchors[i].der);
	}
	free(t->anchors);
	free(t->props);
	pthread_mutex_destroy(&t->lock);
	free(t);
}

int sig_anchor_add(struct sig_trust *t, unsigned char *der, long len,
		   uint8_t sha1[20])
{
	struct sig_anchor a, *grown;

	memset(&a, 0, sizeof(a));
	a.der = der;
	a.len = len;
	if (subject_hash(der, len, &a.subject) ||
	    !EVP_Digest(der, (size_t)len, a.sha256, NULL, EVP_sha256(), NULL) ||
	    (sha1 &&
	     !EVP_Digest(der, (size_t)len, sha1, NULL, EVP_sha1(), NULL))) {
		OPENSSL_free(der);
		ERR_clear_error();
		return -EINVAL;
	}
	grown = realloc(t->anchors, (t->nanchors + 1) * sizeof(*grown));
	if (!grown) {
		OPENSSL_free(der);
		return -ENOMEM;
	}
	t->anchors = grown;
	grown[t->nanchors++] = a;
	return 0;
}

static int anchor_cmp(const void *a, const void *b)
{
	return memcmp(((const struct sig_anchor *)a)->sha256,
		      ((const struct sig_anchor *)b)->sha256, 32);
}

void sig_anchors_sort(struct sig_trust *t)
{
	size_t i, k = 0;

	if (!t->nanchors)
		return;
	qsort(t->anchors, t->nanchors, sizeof(*t->anchors), anchor_cmp);
	for (i = 1; i < t->nanchors; i++) {
		if (anchor_cmp(&t->anchors[k], &t->anchors[i]) == 0) {
			X509_free(t->anchors[i].x);
			OPENSSL_free(t->anchors[i].der);
			continue;
		}
		t->anchors[++k] = t->anchors[i];
	}
	t->nanchors = k + 1;
}

size_t sig_trust_count(const struct sig_trust *t)
{
	return t->nanchors;
}

const uint8_t *sig_anchor_sha256(const struct sig_trust *t, size_t i)
{
	return t->anchors[i].sha256;
}

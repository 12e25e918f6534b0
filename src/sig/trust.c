/* Trust anchors: an X509_STORE of the roots a chain may end in. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>

#include "sig_i.h"

int sig_trust_new(struct sig_trust **out)
{
	struct sig_trust *t = calloc(1, sizeof(*t));

	if (!t || !(t->store = X509_STORE_new())) {
		free(t);
		return -ENOMEM;
	}
	*out = t;
	return 0;
}

void sig_trust_free(struct sig_trust *t)
{
	if (!t)
		return;
	X509_STORE_free(t->store);
	free(t->props);
	free(t);
}

int sig_trust_add_system(struct sig_trust *t)
{
	/* a machine without a bundle simply has no system anchors */
	if (X509_STORE_set_default_paths(t->store) != 1)
		ERR_clear_error();
	return 0;
}

/* ---- the root program's properties ------------------------------- */

/* "['code_signing', 'time_stamping']": the purposes we judge, LISTED */
static unsigned eku_list(const char *v)
{
	unsigned bits = SIG_EKU_LISTED;

	if (strstr(v, "'code_signing'") || strstr(v, "1.3.6.1.5.5.7.3.3'"))
		bits |= SIG_EKU_CODE_SIGNING;
	if (strstr(v, "'time_stamping'") || strstr(v, "1.3.6.1.5.5.7.3.8'"))
		bits |= SIG_EKU_TIME_STAMPING;
	return bits;
}

/* "YYYY-MM-DD HH:MM:SS+00:00" (UTC); 0 when it is not that */
static time_t filetime(const char *v)
{
	struct tm tm;

	memset(&tm, 0, sizeof(tm));
	if (sscanf(v, "%4d-%2d-%2d %2d:%2d:%2d", &tm.tm_year, &tm.tm_mon,
		   &tm.tm_mday, &tm.tm_hour, &tm.tm_min, &tm.tm_sec) != 6)
		return 0;
	tm.tm_year -= 1900;
	tm.tm_mon -= 1;
	return timegm(&tm);
}

/* one "# Name: value" line into p */
static void prop_line(const char *line, struct sig_root_props *p)
{
	static const char *const names[] = {
		"# Extended key usages: ",
		"# Disallowed Filetime: ",
		"# Disallowed extended key usages: ",
		"# Not before Filetime: ",
		"# Not before extended key usages: ",
	};
	size_t i, n;

	for (i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		n = strlen(names[i]);
		if (strncmp(line, names[i], n) != 0)
			continue;
		line += n;
		switch (i) {
		case 0:
			p->eku = eku_list(line);
			break;
		case 1:
			p->disallowed = filetime(line);
			break;
		case 2:
			p->disallowed_eku = eku_list(line);
			break;
		case 3:
			p->not_before = filetime(line);
			break;
		default:
			p->not_before_eku = eku_list(line);
			break;
		}
		return;
	}
}

static int has_props(const struct sig_root_props *p)
{
	return p->eku || p->disallowed || p->disallowed_eku || p->not_before ||
	       p->not_before_eku;
}

static int add_props(struct sig_trust *t, X509 *x, struct sig_root_props *p)
{
	struct sig_root_props *grown;
	unsigned n = 0;

	if (!has_props(p))
		return 0;
	if (X509_digest(x, EVP_sha1(), p->sha1, &n) != 1 || n != 20)
		return -ENOMEM;
	grown = realloc(t->props, (t->nprops + 1) * sizeof(*grown));
	if (!grown)
		return -ENOMEM;
	t->props = grown;
	grown[t->nprops++] = *p;
	return 0;
}

static int props_cmp(const void *a, const void *b)
{
	return memcmp(((const struct sig_root_props *)a)->sha1,
		      ((const struct sig_root_props *)b)->sha1, 20);
}

int sig_trust_add_file(struct sig_trust *t, const char *path, char **err)
{
	FILE *f = fopen(path, "r");
	struct sig_root_props pending;
	char line[1024];
	BIO *pem = NULL;
	X509 *x;
	int n = 0, rc = 0;

	*err = NULL;
	if (!f) {
		if (asprintf(err, "%s: %s", path, strerror(errno)) < 0)
			*err = NULL;
		return -EINVAL;
	}
	memset(&pending, 0, sizeof(pending));
	/* comment lines gather the properties of the certificate below
	 * them; each certificate's lines go to OpenSSL's PEM reader */
	while (!rc && fgets(line, sizeof(line), f)) {
		if (line[0] == '#') {
			prop_line(line, &pending);
			continue;
		}
		if (!pem && strncmp(line, "-----BEGIN CERTIFICATE-----", 27))
			continue;
		if (!pem && !(pem = BIO_new(BIO_s_mem()))) {
			rc = -ENOMEM;
			break;
		}
		BIO_puts(pem, line);
		if (strncmp(line, "-----END CERTIFICATE-----", 25))
			continue;
		x = PEM_read_bio_X509(pem, NULL, NULL, NULL);
		BIO_free(pem);
		pem = NULL;
		if (x) {
			/* a certificate already in the store is not an
			 * error */
			X509_STORE_add_cert(t->store, x);
			rc = add_props(t, x, &pending);
			X509_free(x);
			n++;
		}
		memset(&pending, 0, sizeof(pending));
	}
	BIO_free(pem);
	ERR_clear_error();
	fclose(f);
	if (rc)
		return rc;
	qsort(t->props, t->nprops, sizeof(*t->props), props_cmp);
	if (n == 0) {
		if (asprintf(err, "%s: no PEM certificate in it", path) < 0)
			*err = NULL;
		return -EINVAL;
	}
	return 0;
}

/* the leaf's notBefore (when it was issued); 0 when unreadable */
static time_t issued(X509 *leaf)
{
	struct tm tm;

	if (ASN1_TIME_to_tm(X509_get0_notBefore(leaf), &tm) != 1)
		return 0;
	return timegm(&tm);
}

/*
 * As Microsoft's root program documents its properties (and signify
 * applies them): a root whose purposes are listed is trusted for those
 * only; a disallowed (disabled) root, or purpose, is not trusted at a
 * time of validity from its date on (a timestamp before it keeps a
 * signature valid); a not-before date distrusts leaves issued from that
 * date on, for the purposes listed with it (else for all).
 */
enum sig_root_why sig_trust_judge(const struct sig_trust *t, X509 *root,
				  X509 *leaf, enum sig_purpose purpose,
				  time_t at, time_t *since)
{
	struct sig_root_props key;
	const struct sig_root_props *p;
	unsigned bit = 1u << purpose, n = 0;

	if (!t->nprops || X509_digest(root, EVP_sha1(), key.sha1, &n) != 1)
		return SIG_ROOT_NOT_ANCHOR;
	p = bsearch(&key, t->props, t->nprops, sizeof(*p), props_cmp);
	if (!p)
		return SIG_ROOT_NOT_ANCHOR;
	if ((p->eku & SIG_EKU_LISTED) && !(p->eku & bit))
		return SIG_ROOT_PURPOSE;
	if ((p->disallowed_eku & SIG_EKU_LISTED) ? (p->disallowed_eku & bit)
						 : p->disallowed != 0) {
		if (!p->disallowed || at >= p->disallowed) {
			*since = p->disallowed;
			return SIG_ROOT_DISALLOWED;
		}
	}
	if (p->not_before && issued(leaf) >= p->not_before &&
	    (!(p->not_before_eku & SIG_EKU_LISTED) ||
	     (p->not_before_eku & bit))) {
		*since = p->not_before;
		return SIG_ROOT_NOT_BEFORE;
	}
	return SIG_ROOT_NOT_ANCHOR;
}

size_t sig_trust_count(const struct sig_trust *t)
{
	STACK_OF(X509_OBJECT) *objs = X509_STORE_get0_objects(t->store);
	size_t n = 0;
	int i;

	for (i = 0; i < sk_X509_OBJECT_num(objs); i++)
		if (X509_OBJECT_get0_X509(sk_X509_OBJECT_value(objs, i)))
			n++;
	return n;
}

/* SHA-256 over the anchors' SHA-256s, in the store's (sorted) order. */
int sig_trust_digest(const struct sig_trust *t, uint8_t out[32])
{
	STACK_OF(X509_OBJECT) *objs = X509_STORE_get0_objects(t->store);
	EVP_MD_CTX *ctx = EVP_MD_CTX_new();
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned int n;
	int i, ok;

	ok = ctx && EVP_DigestInit_ex(ctx, EVP_sha256(), NULL) == 1;
	for (i = 0; ok && i < sk_X509_OBJECT_num(objs); i++) {
		X509 *x = X509_OBJECT_get0_X509(sk_X509_OBJECT_value(objs, i));

		if (!x)
			continue;
		ok = X509_digest(x, EVP_sha256(), md, &n) == 1 &&
		     EVP_DigestUpdate(ctx, md, n) == 1;
	}
	/* the root program's properties change verdicts too */
	for (i = 0; ok && (size_t)i < t->nprops; i++) {
		const struct sig_root_props *p = &t->props[i];
		int64_t f[6] = {
			p->eku,	       p->disallowed,	  p->disallowed_eku,
			p->not_before, p->not_before_eku, 0
		};

		ok = EVP_DigestUpdate(ctx, p->sha1, 20) == 1 &&
		     EVP_DigestUpdate(ctx, f, sizeof(f)) == 1;
	}
	ok = ok && EVP_DigestFinal_ex(ctx, out, &n) == 1;
	EVP_MD_CTX_free(ctx);
	return ok ? 0 : -ENOMEM;
}

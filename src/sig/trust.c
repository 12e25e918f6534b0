/* Trust anchors: the files that give them, and what they say of each root
 * (anchors.c keeps the certificates and the store). */
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

/* "all", or "email_protection, code_signing": the purposes we judge of a
 * built-in root's, LISTED */
static unsigned purposes_list(const char *v)
{
	unsigned bits = SIG_EKU_LISTED;
	size_t n;

	while (*v) {
		v += strspn(v, ", \t");
		n = strcspn(v, ", \t\r\n");
		if (n == 3 && strncmp(v, "all", 3) == 0)
			bits |= SIG_EKU_CODE_SIGNING | SIG_EKU_TIME_STAMPING;
		else if ((n == 12 && strncmp(v, "code_signing", 12) == 0) ||
			 (n == 17 && strncmp(v, "1.3.6.1.5.5.7.3.3", 17) == 0))
			bits |= SIG_EKU_CODE_SIGNING;
		else if ((n == 13 && strncmp(v, "time_stamping", 13) == 0) ||
			 (n == 17 && strncmp(v, "1.3.6.1.5.5.7.3.8", 17) == 0))
			bits |= SIG_EKU_TIME_STAMPING;
		if (n == 0)
			break;
		v += n;
	}
	return bits;
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
		"# Purposes: ",
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
		case 4:
			p->not_before_eku = eku_list(line);
			break;
		default:
			p->builtin = purposes_list(line);
			break;
		}
		return;
	}
}

static int has_program_props(const struct sig_root_props *p)
{
	return p->eku || p->disallowed || p->disallowed_eku || p->not_before ||
	       p->not_before_eku;
}

/* every certificate a file gives is recorded: with the root program's
 * properties, as built in, or plain (trusted for every purpose); p->sha1
 * is the certificate's */
static int add_props(struct sig_trust *t, struct sig_root_props *p)
{
	struct sig_root_props *grown;

	p->program = has_program_props(p);
	p->plain = !p->program && !p->builtin;
	p->seq = t->seq++;
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

/* by sha1, then in load order */
static int props_seq_cmp(const void *a, const void *b)
{
	const struct sig_root_props *x = a, *y = b;
	int c = props_cmp(a, b);

	return c ? c : x->seq < y->seq ? -1 : x->seq > y->seq;
}

/* Sorted by sha1, one record a root: the root program's properties of
 * the last file that gives some, built-in purposes and plain joined. */
static void props_merge(struct sig_trust *t)
{
	size_t i, k = 0;

	if (!t->nprops)
		return;
	qsort(t->props, t->nprops, sizeof(*t->props), props_seq_cmp);
	for (i = 1; i < t->nprops; i++) {
		struct sig_root_props *m = &t->props[k], *q = &t->props[i];

		if (props_cmp(m, q) != 0) {
			t->props[++k] = *q;
			continue;
		}
		if (q->program) {
			m->program = 1;
			m->eku = q->eku;
			m->disallowed = q->disallowed;
			m->disallowed_eku = q->disallowed_eku;
			m->not_before = q->not_before;
			m->not_before_eku = q->not_before_eku;
		}
		m->plain |= q->plain;
		m->builtin |= q->builtin;
	}
	t->nprops = k + 1;
}

/* One PEM block's certificate (the lines in pem) as an anchor, with the
 * properties pending (props: not recorded for the system's bundle).
 * 1 when it is one, 0 when the block holds none, else -errno. */
static int add_block(struct sig_trust *t, BIO *pem,
		     struct sig_root_props *pending, int props)
{
	char *name = NULL, *header = NULL;
	unsigned char *der = NULL;
	long len = 0;
	int rc;

	if (PEM_read_bio(pem, &name, &header, &der, &len) != 1) {
		ERR_clear_error();
		return 0;
	}
	OPENSSL_free(name);
	OPENSSL_free(header);
	rc = sig_anchor_add(t, der, len, pending->sha1);
	if (rc)
		return rc == -EINVAL ? 0 : rc;
	if (props && (rc = add_props(t, pending)) != 0)
		return rc;
	return 1;
}

/* every certificate of the PEM file at path; props: record what its
 * comment lines say of each */
static int add_pem(struct sig_trust *t, const char *path, int props, char **err)
{
	FILE *f = fopen(path, "r");
	struct sig_root_props pending;
	char line[1024];
	BIO *pem = NULL;
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
		rc = add_block(t, pem, &pending, props);
		if (rc > 0) {
			n++;
			rc = 0;
		}
		BIO_free(pem);
		pem = NULL;
		memset(&pending, 0, sizeof(pending));
	}
	BIO_free(pem);
	fclose(f);
	sig_anchors_sort(t);
	props_merge(t);
	if (rc)
		return rc;
	if (n == 0) {
		if (asprintf(err, "%s: no PEM certificate in it", path) < 0)
			*err = NULL;
		return -EINVAL;
	}
	return 0;
}

int sig_trust_add_file(struct sig_trust *t, const char *path, char **err)
{
	return add_pem(t, path, 1, err);
}

/* the bundle OpenSSL would use ($SSL_CERT_FILE, else its default file);
 * its roots are no file's of ours: trusted for every purpose */
int sig_trust_add_system(struct sig_trust *t)
{
	const char *path = getenv(X509_get_default_cert_file_env());
	char *err = NULL;

	if (!path || !*path)
		path = X509_get_default_cert_file();
	/* a machine without a bundle simply has no system anchors */
	if (add_pem(t, path, 0, &err) == -ENOMEM) {
		free(err);
		return -ENOMEM;
	}
	free(err);
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
static enum sig_root_why program_judge(const struct sig_root_props *p,
				       X509 *leaf, unsigned bit, time_t at,
				       time_t *since)
{
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

/*
 * A root is trusted when the root program's properties allow it (or,
 * without any, a file gives it), or when the copy Windows keeps built in
 * is trusted for the purpose (signify joins its two stores so): that copy
 * carries none of the root program's dates, since Windows takes such a
 * root from its own Root store, never from the Certificate Trust List.
 * A root no file gives (the system's bundle) is trusted.
 */
int sig_trust_judge(const struct sig_trust *t, X509 *root, X509 *leaf,
		    enum sig_purpose purpose, time_t at, enum sig_root_why *why,
		    time_t *since, int *builtin)
{
	struct sig_root_props key;
	const struct sig_root_props *p;
	unsigned bit = 1u << purpose, n = 0;
	int others;

	*why = SIG_ROOT_NOT_ANCHOR;
	*since = 0;
	*builtin = 0;
	if (!t->nprops || X509_digest(root, EVP_sha1(), key.sha1, &n) != 1)
		return 1;
	p = bsearch(&key, t->props, t->nprops, sizeof(*p), props_cmp);
	if (!p)
		return 1;
	/* what the anchors but the built-in copy say: the root program's
	 * properties bind even a root a file gives plain (as before there
	 * were built-in roots) */
	if (p->program) {
		*why = program_judge(p, leaf, bit, at, since);
		others = *why == SIG_ROOT_NOT_ANCHOR;
	} else {
		others = p->plain;
	}
	if (others) {
		*why = SIG_ROOT_NOT_ANCHOR;
		*since = 0;
		return 1;
	}
	if (p->builtin & bit) {
		*builtin = 1;
		return 1;
	}
	/* built in for other purposes only */
	if (!p->program)
		*why = SIG_ROOT_PURPOSE;
	return 0;
}

/* SHA-256 over the anchors' SHA-256s, sorted, and their properties
 * (sorted by SHA-1): the same whatever order the files were loaded in. */
int sig_trust_digest(const struct sig_trust *t, uint8_t out[32])
{
	EVP_MD_CTX *ctx = EVP_MD_CTX_new();
	unsigned int n;
	size_t i;
	int ok;

	ok = ctx && EVP_DigestInit_ex(ctx, EVP_sha256(), NULL) == 1;
	for (i = 0; ok && i < sig_trust_count(t); i++)
		ok = EVP_DigestUpdate(ctx, sig_anchor_sha256(t, i), 32) == 1;
	/* the properties change verdicts too (the words say what the
	 * records' layout is: another layout, another identity) */
	ok = ok && EVP_DigestUpdate(ctx, "props 2", 7) == 1;
	for (i = 0; ok && i < t->nprops; i++) {
		const struct sig_root_props *p = &t->props[i];
		int64_t f[8] = { p->program,	p->eku,
				 p->disallowed, p->disallowed_eku,
				 p->not_before, p->not_before_eku,
				 p->plain,	p->builtin };

		ok = EVP_DigestUpdate(ctx, p->sha1, 20) == 1 &&
		     EVP_DigestUpdate(ctx, f, sizeof(f)) == 1;
	}
	ok = ok && EVP_DigestFinal_ex(ctx, out, &n) == 1;
	EVP_MD_CTX_free(ctx);
	return ok ? 0 : -ENOMEM;
}

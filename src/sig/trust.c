/* Trust anchors: an X509_STORE of the roots a chain may end in. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

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
	free(t);
}

int sig_trust_add_system(struct sig_trust *t)
{
	/* a machine without a bundle simply has no system anchors */
	if (X509_STORE_set_default_paths(t->store) != 1)
		ERR_clear_error();
	return 0;
}

int sig_trust_add_file(struct sig_trust *t, const char *path, char **err)
{
	FILE *f = fopen(path, "r");
	X509 *x;
	int n = 0;

	*err = NULL;
	if (!f) {
		if (asprintf(err, "%s: %s", path, strerror(errno)) < 0)
			*err = NULL;
		return -EINVAL;
	}
	while ((x = PEM_read_X509(f, NULL, NULL, NULL)) != NULL) {
		/* a certificate already in the store is not an error */
		X509_STORE_add_cert(t->store, x);
		X509_free(x);
		n++;
	}
	ERR_clear_error();
	fclose(f);
	if (n == 0) {
		if (asprintf(err, "%s: no PEM certificate in it", path) < 0)
			*err = NULL;
		return -EINVAL;
	}
	return 0;
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
	ok = ok && EVP_DigestFinal_ex(ctx, out, &n) == 1;
	EVP_MD_CTX_free(ctx);
	return ok ? 0 : -ENOMEM;
}

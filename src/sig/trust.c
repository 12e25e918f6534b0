/* Trust anchors: an X509_STORE of the roots a chain may end in. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/err.h>
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

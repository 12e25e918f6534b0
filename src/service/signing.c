/*
 * What signatures are checked against, for the mount and for `profilefs
 * profile`: the trust anchors (the roots of Microsoft's Trusted Root
 * Program with their properties and the roots Windows trusts built in,
 * shipped in data/, unless --no-default-trust; the system's CA bundle
 * with --system-trust; each --trust FILE) and the catalog folders
 * (--catalogs DIR, and the CatRoot found in the source).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "profilefs/catalogs.h"
#include "profilefs/sig.h"
#include "profilefs/signing.h"

/* the default anchors (data/README.md): the root program, and the roots
 * Windows keeps built in; each installed, else beside the sources (a
 * build that is not installed) */
static const char *const default_files[][2] = {
	{ PROFILEFS_DATADIR "/microsoft-trusted-roots.pem",
	  PROFILEFS_SRCDATA "/microsoft-trusted-roots.pem" },
	{ PROFILEFS_DATADIR "/windows-required-roots.pem",
	  PROFILEFS_SRCDATA "/windows-required-roots.pem" },
};
static const char *const default_names[] = {
	"the roots of Microsoft's root program",
	"the roots Windows trusts built in",
};

static void add_default(struct sig_trust *t, size_t k)
{
	char *err = NULL;
	size_t i;

	for (i = 0; i < 2; i++) {
		if (access(default_files[k][i], R_OK) == 0 &&
		    sig_trust_add_file(t, default_files[k][i], &err) == 0)
			break;
		free(err);
		err = NULL;
	}
	if (i == 2)
		fprintf(stderr,
			"profilefs: warning: %s are not installed (%s)\n",
			default_names[k], default_files[k][0]);
}

int svc_signing_trust(const struct svc_signing_opts *o, struct sig_trust **out,
		      char *msg, size_t msglen)
{
	struct sig_trust *t;
	char *err = NULL;
	size_t i;
	int rc;

	rc = sig_trust_new(&t);
	if (rc) {
		snprintf(msg, msglen, "%s", strerror(-rc));
		return rc;
	}
	if (o->system_trust)
		sig_trust_add_system(t);
	if (!o->no_default_trust) {
		add_default(t, 0);
		add_default(t, 1);
	}
	for (i = 0; i < o->ntrust; i++) {
		rc = sig_trust_add_file(t, o->trust[i], &err);
		if (rc) {
			snprintf(msg, msglen, "--trust %s",
				 err ? err : o->trust[i]);
			free(err);
			sig_trust_free(t);
			return rc < 0 ? rc : -EINVAL;
		}
	}
	*out = t;
	return 0;
}

int svc_signing_catalogs(const struct svc_signing_opts *o,
			 struct svc_catalogs **out, char *msg, size_t msglen)
{
	struct svc_catalogs *c;
	size_t i;
	int rc;

	rc = svc_catalogs_new(NULL, &c);
	if (rc) {
		snprintf(msg, msglen, "%s", strerror(-rc));
		return rc;
	}
	for (i = 0; i < o->ncatalogs; i++) {
		rc = svc_catalogs_add_dir(c, o->catalogs[i]);
		if (rc) {
			snprintf(msg, msglen, "--catalogs %s: %s",
				 o->catalogs[i], strerror(-rc));
			svc_catalogs_free(c);
			return rc;
		}
	}
	*out = c;
	return 0;
}

int svc_signing_catroot(struct svc_catalogs *c, struct tree *t,
			const char *source, char *err, size_t errlen)
{
	char *rel = NULL, *shown = NULL;
	int rc = 0;

	if (svc_find_catroot(t, &rel) != 0)
		return 0;
	if (asprintf(&shown, "%s/%s", strcmp(source, "/") ? source : "", rel) <
	    0)
		shown = NULL;
	/* read through the source's own tree (an NTFS volume's CatRoot is
	 * inside the volume), which stays the caller's */
	if (!shown || svc_catalogs_add_tree(c, t, rel, shown, 0) != 0) {
		snprintf(err, errlen, "catalogs in %s cannot be read", rel);
		rc = shown ? -EIO : -ENOMEM;
	}
	free(rel);
	free(shown);
	return rc;
}

void svc_signing_opts_free(struct svc_signing_opts *o)
{
	size_t i;

	for (i = 0; i < o->ntrust; i++)
		free(o->trust[i]);
	for (i = 0; i < o->ncatalogs; i++)
		free(o->catalogs[i]);
	free(o->trust);
	free(o->catalogs);
	memset(o, 0, sizeof(*o));
}

static int push(char ***v, size_t *n, const char *s)
{
	char **grown = realloc(*v, (*n + 1) * sizeof(*grown));

	if (!grown)
		return -ENOMEM;
	*v = grown;
	grown[*n] = strdup(s);
	if (!grown[*n])
		return -ENOMEM;
	(*n)++;
	return 0;
}

int svc_signing_opt(struct svc_signing_opts *o, int which, const char *value)
{
	return which == SVC_OPT_TRUST
		       ? push(&o->trust, &o->ntrust, value)
		       : push(&o->catalogs, &o->ncatalogs, value);
}

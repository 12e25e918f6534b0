/*
 * What signatures are checked against, for the mount and for `profilefs
 * profile`: the trust anchors (the roots of Microsoft's Trusted Root
 * Program with their properties and the roots Windows trusts built in,
 * shipped in data/, unless --no-default-trust; the system's CA bundle
 * with --system-trust; each --trust FILE) and the catalog folders
 * (--catalogs DIR, and the CatRoot found in the source).
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "profilefs/service.h"
#include "profilefs/sig.h"
#include "profilefs/tree.h"

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

int svc_signing_trust(const struct svc_signing_opts *o, struct sig_trust **out)
{
	struct sig_trust *t;
	char *err = NULL;
	size_t i;
	int rc;

	if (sig_trust_new(&t))
		return 1;
	if (o->system_trust)
		sig_trust_add_system(t);
	if (!o->no_default_trust) {
		add_default(t, 0);
		add_default(t, 1);
	}
	for (i = 0; i < o->ntrust; i++) {
		rc = sig_trust_add_file(t, o->trust[i], &err);
		if (rc) {
			fprintf(stderr, "profilefs: --trust %s\n",
				err ? err : o->trust[i]);
			free(err);
			sig_trust_free(t);
			return 2;
		}
	}
	*out = t;
	return 0;
}

int svc_signing_catalogs(const struct svc_signing_opts *o, const char *source,
			 struct svc_catalogs **out)
{
	struct tree *root = NULL;
	struct svc_catalogs *c;
	char *rel = NULL, *abs = NULL;
	size_t i;
	int rc;

	if (source && tree_open_posix(source, NULL, &root))
		root = NULL;
	if (svc_catalogs_new(NULL, &c)) {
		tree_close(root);
		return 1;
	}
	for (i = 0; i < o->ncatalogs; i++) {
		rc = svc_catalogs_add_dir(c, o->catalogs[i]);
		if (rc) {
			fprintf(stderr, "profilefs: --catalogs %s: %s\n",
				o->catalogs[i], strerror(-rc));
			svc_catalogs_free(c);
			tree_close(root);
			return 2;
		}
	}
	if (root && svc_find_catroot(root, &rel) == 0) {
		if (asprintf(&abs, "%s/%s", strcmp(source, "/") ? source : "",
			     rel) < 0)
			abs = NULL;
		/* read through the source's tree, which c keeps */
		if (abs && svc_catalogs_add_tree(c, root, rel, abs, 1) == 0)
			root = NULL;
		else
			fprintf(stderr,
				"profilefs: warning: catalogs in %s "
				"cannot be read\n",
				rel);
	}
	tree_close(root);
	free(rel);
	free(abs);
	*out = c;
	return 0;
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

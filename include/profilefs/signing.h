/*
 * signing: the signing options of the mount and of `profilefs profile`:
 * the trust anchors and the catalog folders they name.
 *
 * Errors: 0 or -errno; what was wrong is written into the caller's
 * buffer (err, of errlen bytes), for the caller to print: the command
 * line maps an error to its exit status.
 */
#ifndef PROFILEFS_SIGNING_H
#define PROFILEFS_SIGNING_H

#include <stddef.h>

struct sig_trust;
struct svc_catalogs;
struct tree;

struct svc_signing_opts {
	char **trust; /* --trust FILE, repeatable */
	size_t ntrust;
	char **catalogs; /* --catalogs DIR, repeatable */
	size_t ncatalogs;
	int no_default_trust;
	int system_trust; /* --system-trust: the system's CA bundle too */
};

enum { SVC_OPT_TRUST, SVC_OPT_CATALOGS };
/* records one --trust or --catalogs value; -ENOMEM */
int svc_signing_opt(struct svc_signing_opts *o, int which, const char *value);
void svc_signing_opts_free(struct svc_signing_opts *o);
/*
 * The anchors. -ENOMEM; -EINVAL for a bad --trust FILE, with "--trust
 * FILE: why" in err. The roots of Microsoft's root program missing is a
 * warning on stderr, not an error.
 */
int svc_signing_trust(const struct svc_signing_opts *o, struct sig_trust **out,
		      char *err, size_t errlen);
/*
 * The catalog folders of --catalogs. -ENOMEM; the folder's error for a
 * bad --catalogs DIR, with "--catalogs DIR: why" in err.
 */
int svc_signing_catalogs(const struct svc_signing_opts *o,
			 struct svc_catalogs **out, char *err, size_t errlen);
/*
 * Adds the source's CatRoot, found in its tree t (any case), to c: read
 * through t, which stays the caller's (c is freed before t is closed),
 * shown as source/REL. None found: nothing, 0; one that cannot be added:
 * -EIO (-ENOMEM), with "catalogs in REL cannot be read" in err.
 */
int svc_signing_catroot(struct svc_catalogs *c, struct tree *t,
			const char *source, char *err, size_t errlen);

#endif

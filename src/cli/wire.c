/*
 * The service built from the options, in one place for the mount,
 * `profilefs profile` and `profilefs warm`: the binaries' names, the
 * cache, the rules index, the trust anchors, the catalogs, and svc_open()
 * with every field of its setup. What can be refused is refused by
 * wire_prepare(), before anything is opened (and before the mount
 * detaches); wire_start() opens the databases and the service.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "profilefs/cache.h"
#include "profilefs/catalogs.h"
#include "profilefs/known.h"
#include "profilefs/profile.h"
#include "profilefs/rules.h"
#include "profilefs/service.h"
#include "profilefs/sig.h"
#include "profilefs/util.h"
#include "cli_i.h"

/* the cache's path: --cache or the default, checked; none with
 * --no-cache. 0 or 2 (said) */
static int cache_path(struct wire *w)
{
	const struct cli_opts *o = w->o;
	const char *name = cli_cmd_name(w->how.cmd);
	char *def = NULL;
	const char *path = o->cache;

	if (o->no_cache)
		return 0;
	if (!path && !(path = def = cache_default_path())) {
		if (!w->how.cache_needed && !w->how.mountpoint) {
			log_warn("no cache: every profile is computed anew");
			return 0;
		}
		fprintf(stderr,
			"%s: no cache path: set --cache, "
			"XDG_CACHE_HOME or HOME\n",
			name);
		return 2;
	}
	/* the mount detaches (to /): its paths are made absolute */
	w->cache_path =
		w->how.mountpoint ? cli_resolve_file(path) : strdup(path);
	free(def);
	if (!w->cache_path)
		return 1;
	if (w->how.mountpoint &&
	    path_within(w->cache_path, w->how.mountpoint)) {
		fprintf(stderr,
			"%s: the cache %s may not lie inside the mountpoint "
			"%s\n",
			name, w->cache_path, w->how.mountpoint);
		return 2;
	}
	/* the source is evidence, read-only: nothing of ours goes in it */
	if (w->how.mountpoint && w->how.source &&
	    path_within(w->cache_path, w->how.source)) {
		fprintf(stderr,
			"%s: the cache %s may not lie inside the source %s\n",
			name, w->cache_path, w->how.source);
		return 2;
	}
	return cli_cache_check(w->cache_path);
}

/* the anchors and the catalogs of --catalogs: 0 or 2 (said) */
static int signing(struct wire *w)
{
	const struct cli_opts *o = w->o;
	struct svc_signing_opts sign = o->sign; /* a view: nothing owned */
	char err[8192];

	if (o->no_catalogs && o->sign.ncatalogs) {
		fprintf(stderr,
			"%s: --catalogs and --no-catalogs: choose one\n",
			cli_cmd_name(w->how.cmd));
		return 2;
	}
	if (o->no_cache && o->sign.ncatalogs) {
		fprintf(stderr,
			"%s: --catalogs needs the cache (the index lives "
			"there); drop --no-cache\n",
			cli_cmd_name(w->how.cmd));
		return 2;
	}
	/* the roots shipped and the system's bundle take a second to load:
	 * not for a service that renders nothing (each --trust FILE is read
	 * all the same, and refused as the mount refuses it) */
	if (w->how.no_render) {
		sign.no_default_trust = 1;
		sign.system_trust = 0;
	}
	/* -errno, with what was wrong in err: a usage error either way */
	if (svc_signing_trust(&sign, &w->trust, err, sizeof(err)) ||
	    svc_signing_catalogs(&o->sign, &w->catalogs, err, sizeof(err))) {
		fprintf(stderr, "profilefs: %s\n", err);
		return 2;
	}
	return 0;
}

/* the table of --rich-names, read whole now (the mount has not detached,
 * and a table that cannot be used is refused): 0 or 2 (said) */
static int rich_names(struct wire *w)
{
	const char *path = w->o->rich_names;
	size_t line = 0;
	int rc;

	if (!path)
		return 0;
	rc = prof_rich_names_load(path, &w->rich_names, &line);
	if (rc == -EINVAL && line)
		fprintf(stderr,
			"%s: --rich-names %s: line %zu is not \"XXXXXXXX "
			"DESCRIPTION\" (a comp.id in 8 hex digits, then at "
			"most %u bytes), a comment or blank\n",
			cli_cmd_name(w->how.cmd), path, line,
			PROF_RICH_NAME_MAX);
	else if (rc == -EFBIG)
		fprintf(stderr, "%s: --rich-names %s: over %u MiB\n",
			cli_cmd_name(w->how.cmd), path,
			PROF_RICH_NAMES_BYTES >> 20);
	else if (rc)
		fprintf(stderr, "%s: --rich-names %s: %s\n",
			cli_cmd_name(w->how.cmd), path, strerror(-rc));
	return rc ? 2 : 0;
}

int wire_prepare(struct wire *w, const struct cli_opts *o,
		 const struct wire_how *how)
{
	int rc;

	memset(w, 0, sizeof(*w));
	w->how = *how;
	w->o = o;
	if (svc_names_new(o->ext ? o->ext : SVC_DEFAULT_EXTS, o->sniff_mz,
			  &w->names)) {
		fprintf(stderr,
			"%s: --ext wants at most 64 extensions of at "
			"most 15 characters\n",
			cli_cmd_name(how->cmd));
		return 2;
	}
	rc = cache_path(w);
	if (!rc)
		rc = cli_rules_path(o->rules, how->mountpoint, &w->rules_path);
	if (!rc)
		rc = cli_known_path(o->known, how->mountpoint, &w->known_path);
	if (!rc)
		rc = signing(w);
	if (!rc)
		rc = rich_names(w);
	return rc;
}

/*
 * The source's CatRoot, read through its tree (closed after w). A mount
 * whose catalogs cannot be indexed (unreadable, or no cache to hold the
 * index) would show a file signed only by a catalog as not signed: it is
 * refused, before it detaches, unless --no-catalogs. 0 or 2 (said).
 */
static int catroot(struct wire *w, struct tree *tree)
{
	const char *name = cli_cmd_name(w->how.cmd);
	int mount = w->how.mountpoint != NULL;
	char err[4200];

	if (!w->how.source || !w->catalogs || w->o->no_catalogs)
		return 0;
	if (svc_signing_catroot(w->catalogs, tree, w->how.source, err,
				sizeof(err))) {
		if (!mount) {
			fprintf(stderr, "%s: warning: %s\n", name, err);
			return 0;
		}
		fprintf(stderr,
			"%s: %s: --no-catalogs mounts without them (a file "
			"signed only by a catalog then shows as not signed)\n",
			name, err);
		return 2;
	}
	if (mount && !w->cache && svc_catalogs_count_dirs(w->catalogs)) {
		fprintf(stderr,
			"%s: the catalogs of %s cannot be indexed without a "
			"cache: add --no-catalogs to mount without them (a "
			"file signed only by a catalog then shows as not "
			"signed)\n",
			name, w->how.source);
		return 2;
	}
	return 0;
}

int wire_start(struct wire *w, struct tree *tree)
{
	const struct cli_opts *o = w->o;
	struct svc_setup setup = { 0 };
	int rc;

	if (w->cache_path) {
		rc = cache_open_or_rebuild(w->cache_path, &w->cache);
		/* a mount says it on the terminal: it has not detached yet */
		if (rc && w->how.mountpoint) {
			fprintf(stderr,
				"%s: cannot open or write the cache %s (%s); "
				"choose another --cache, or --no-cache to "
				"mount without one\n",
				cli_cmd_name(w->how.cmd), w->cache_path,
				strerror(-rc));
			return 2;
		}
		if (rc && w->how.cache_needed) {
			fprintf(stderr, "%s: cannot open the cache %s\n",
				cli_cmd_name(w->how.cmd), w->cache_path);
			return 1;
		}
		if (rc)
			log_warn("cache %s unusable (%s); serving without a "
				 "cache",
				 w->cache_path, strerror(-rc));
	}
	/* the rules index: opened by the service once it exists */
	if (w->rules_path && rules_index_new(w->rules_path, &w->rules))
		log_warn("no rules index: no Possible Misuse rows");
	/* the known-file store likewise (a store made after the mount is
	 * read from then on); one that is not a store of ours is refused */
	if (w->known_path) {
		rc = known_open(w->known_path, 0, &w->known);
		if (rc) {
			fprintf(stderr, "%s: the known-file store %s: %s\n",
				cli_cmd_name(w->how.cmd), w->known_path,
				rc == -EPROTO ? "not a known-file store"
					      : strerror(-rc));
			return 2;
		}
	}
	rc = catroot(w, tree);
	if (rc)
		return rc;
	setup.tree = tree;
	setup.drive = o->drive;
	setup.cache = w->cache;
	setup.rules = w->rules;
	setup.rich_names = w->rich_names;
	setup.known = w->known;
	setup.limits.max_size = o->max_size;
	setup.limits.max_seconds = o->time_limit;
	setup.trust = w->trust;
	setup.catalogs = w->catalogs;
	setup.rescan = w->how.rescan;
	setup.progress = w->how.progress;
	setup.trust_metadata = o->trust_metadata;
	setup.caller_gone = w->how.caller_gone;
	setup.memory = o->memory;
	return svc_open(&setup, &w->pv) ? 1 : 0;
}

void wire_stop(struct wire *w)
{
	svc_close(w->pv);
	cache_close(w->cache);
	rules_index_free(w->rules);
	known_close(w->known);
	w->known = NULL;
	w->pv = NULL;
	w->cache = NULL;
	w->rules = NULL;
}

void wire_close(struct wire *w)
{
	wire_stop(w);
	svc_catalogs_free(w->catalogs);
	sig_trust_free(w->trust);
	svc_names_free(w->names);
	prof_rich_names_free(w->rich_names);
	free(w->cache_path);
	free(w->rules_path);
	free(w->known_path);
	memset(w, 0, sizeof(*w));
}

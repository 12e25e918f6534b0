#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "profilefs/cache.h"
#include "profilefs/fs.h"
#include "profilefs/util.h"
#include "profilefs/rules.h"
#include "cli_i.h"

static char *resolve_dir(const char *what, const char *path)
{
	struct stat st;
	char *real = realpath(path, NULL);

	if (!real) {
		fprintf(stderr, "profilefs: %s %s: %s\n", what, path,
			strerror(errno));
		return NULL;
	}
	if (stat(real, &st) < 0 || !S_ISDIR(st.st_mode)) {
		fprintf(stderr, "profilefs: %s %s is not a directory\n", what,
			path);
		free(real);
		return NULL;
	}
	return real;
}

/* The cache file's absolute path with its folder resolved (the file itself
 * may not exist yet). */
static char *resolve_cache(const char *path)
{
	char *dup = strdup(path), *real, *out = NULL;
	const char *dir;
	const char *base;

	if (!dup)
		return NULL;
	base = path_base(path);
	dir = dup;
	if (base == path)
		dir = ".";
	else
		dup[base - path - 1] = '\0';
	real = realpath(*dir ? dir : "/", NULL);
	/* a folder that does not exist yet is made by the cache; check
	 * what we can: the path as written, made absolute */
	if (!real && errno == ENOENT && path[0] == '/')
		real = strdup(*dir ? dir : "/");
	if (real &&
	    asprintf(&out, "%s/%s", strcmp(real, "/") ? real : "", base) < 0)
		out = NULL;
	free(real);
	free(dup);
	return out;
}

int cli_cache_check(const char *path)
{
	char why[128];

	if (!cache_probe(path, why, sizeof(why)))
		return 0;
	fprintf(stderr,
		"profilefs: the cache %s is %s: not using it, and leaving "
		"it as it is (choose another --cache)\n",
		path, why);
	return 2;
}

int cli_config_parse(struct fs_config *cfg, const char *source,
		     const char *mountpoint, const char *cache, int no_cache,
		     const char *drive, const char *exts, int sniff_mz)
{
	char *def = NULL;
	int rc;

	cfg->drive = drive ? drive : "C:";
	if (!drive_ok(cfg->drive)) {
		fprintf(stderr, "profilefs: --drive wants a letter and a "
				"colon, like C:\n");
		return 2;
	}
	rc = svc_names_new(exts ? exts : SVC_DEFAULT_EXTS, sniff_mz,
			   &cfg->names);
	if (rc) {
		fprintf(stderr, "profilefs: --ext wants at most 64 extensions "
				"of at most 15 characters\n");
		return 2;
	}
	cfg->source = resolve_dir("source", source);
	cfg->mountpoint = resolve_dir("mountpoint", mountpoint);
	if (!cfg->source || !cfg->mountpoint)
		return 1;
	/* the same folder is an in-place mount: the source is opened before
	 * mounting and read by descriptor (fs_main), under the mount */
	if (strcmp(cfg->mountpoint, cfg->source) != 0 &&
	    (path_within(cfg->mountpoint, cfg->source) ||
	     path_within(cfg->source, cfg->mountpoint))) {
		fprintf(stderr,
			"profilefs: the mountpoint %s and the source "
			"%s may not lie one inside the other (they may be "
			"the same folder)\n",
			cfg->mountpoint, cfg->source);
		return 2;
	}
	if (no_cache)
		return 0;
	if (!cache)
		cache = def = cache_default_path();
	if (!cache) {
		fprintf(stderr, "profilefs: no cache path: set --cache, "
				"XDG_CACHE_HOME or HOME\n");
		return 2;
	}
	cfg->cache_path = resolve_cache(cache);
	free(def);
	if (!cfg->cache_path)
		return 1;
	if (path_within(cfg->cache_path, cfg->mountpoint)) {
		fprintf(stderr,
			"profilefs: the cache %s may not lie inside "
			"the mountpoint %s\n",
			cfg->cache_path, cfg->mountpoint);
		return 2;
	}
	/* here, before the daemon detaches and opens it */
	return cli_cache_check(cfg->cache_path);
}

int cli_rules_path(const char *given, const char *mountpoint, char **out)
{
	char *def = NULL, *p;

	*out = NULL;
	if (!given && !(given = def = rules_default_path()))
		return 0; /* no HOME: no rules index */
	p = resolve_cache(given);
	if (!p) {
		fprintf(stderr, "profilefs: the rules index %s: %s\n", given,
			strerror(errno ? errno : ENOENT));
		free(def);
		return 2;
	}
	free(def);
	if (mountpoint && path_within(p, mountpoint)) {
		fprintf(stderr,
			"profilefs: the rules index %s may not lie inside "
			"the mountpoint %s\n",
			p, mountpoint);
		free(p);
		return 2;
	}
	if (cli_cache_check(p)) {
		free(p);
		return 2;
	}
	*out = p;
	return 0;
}

void cli_config_free(struct fs_config *cfg)
{
	free((char *)cfg->rules_path);
	cfg->rules_path = NULL;
	free((char *)cfg->source);
	free((char *)cfg->mountpoint);
	free((char *)cfg->cache_path);
	svc_names_free(cfg->names);
	sig_trust_free(cfg->trust);
	svc_catalogs_free(cfg->catalogs);
	cfg->trust = NULL;
	cfg->catalogs = NULL;
	cfg->source = cfg->mountpoint = cfg->cache_path = NULL;
	cfg->names = NULL;
}

int cli_parse_size(const char *s, uint64_t *out)
{
	char *end;
	double v;

	errno = 0;
	v = strtod(s, &end);
	if (errno || end == s || v < 0)
		return -EINVAL;
	switch (*end) {
	case 'T':
	case 't':
		v *= 1024;
		/* fall through */
	case 'G':
	case 'g':
		v *= 1024;
		/* fall through */
	case 'M':
	case 'm':
		v *= 1024;
		/* fall through */
	case 'K':
	case 'k':
		v *= 1024;
		end++;
		break;
	default:
		break;
	}
	if (*end == 'B' || *end == 'b')
		end++;
	if (*end || v >= 18446744073709551616.0)
		return -EINVAL;
	*out = (uint64_t)v;
	return 0;
}

/* The paths the commands are given: folders, the cache and the rules
 * index, checked before anything is opened; and sizes. */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "profilefs/cache.h"
#include "profilefs/util.h"
#include "profilefs/rules.h"
#include "cli_i.h"

char *cli_resolve_dir(const char *what, const char *path)
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

char *cli_resolve_source(const char *what, const char *path, int *is_dir)
{
	struct stat st;
	char *real = realpath(path, NULL);

	if (!real) {
		fprintf(stderr, "profilefs: %s %s: %s\n", what, path,
			strerror(errno));
		return NULL;
	}
	if (stat(real, &st) < 0 ||
	    !(S_ISDIR(st.st_mode) || S_ISREG(st.st_mode) ||
	      S_ISBLK(st.st_mode))) {
		fprintf(stderr,
			"profilefs: %s %s is not a folder, nor a file or "
			"block device holding an NTFS volume\n",
			what, path);
		free(real);
		return NULL;
	}
	*is_dir = S_ISDIR(st.st_mode);
	return real;
}

/* The cache file's absolute path with its folder resolved (the file itself
 * may not exist yet). */
char *cli_resolve_file(const char *path)
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

int cli_rules_path(const char *given, const char *mountpoint, char **out)
{
	char *def = NULL, *p;

	*out = NULL;
	if (!given && !(given = def = rules_default_path()))
		return 0; /* no HOME: no rules index */
	p = cli_resolve_file(given);
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

int cli_known_path(const char *given, const char *mountpoint, char **out)
{
	char *def = NULL, *p;

	*out = NULL;
	if (!given) {
		char *rules = rules_default_path();

		if (!rules)
			return 0; /* no HOME: no store */
		if (asprintf(&def, "%.*s/known.db",
			     (int)(path_base(rules) - rules - 1), rules) < 0)
			def = NULL;
		free(rules);
		if (!def)
			return 2;
		given = def;
	}
	p = cli_resolve_file(given);
	if (!p) {
		fprintf(stderr, "profilefs: the known-file store %s: %s\n",
			given, strerror(errno ? errno : ENOENT));
		free(def);
		return 2;
	}
	free(def);
	if (mountpoint && path_within(p, mountpoint)) {
		fprintf(stderr,
			"profilefs: the known-file store %s may not lie "
			"inside the mountpoint %s\n",
			p, mountpoint);
		free(p);
		return 2;
	}
	*out = p;
	return 0;
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

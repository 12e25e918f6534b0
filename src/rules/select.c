/*
 * Which files of a repository are indexed: its include and exclude globs
 * and the default excludes (rules.h, docs/rules.md).
 */
#include <fnmatch.h>
#include <string.h>
#include <strings.h>

#include "profilefs/rules.h"

/* folders of test data, tests of the tools, and rules withdrawn: their
 * lines name binaries as often as the rules do, and are no evidence */
const char *const rules_default_excludes[] = {
	"test",	      "tests",	 "testdata",
	"test_data",  "testing", "regression_data",
	"deprecated", ".github", "Archive-Old-Version",
	NULL,
};

/* files that are no rules nor their documentation: licence texts (whose
 * words name binaries by chance: the GPL's "version"), images, archives,
 * binaries; and sigma's example rules (its top's other/). Globs as an
 * --exclude's, any case. */
const char *const rules_default_file_excludes[] = {
	"LICENSE*", "LICENCE*", "COPYING*", "NOTICE*", "*.png", "*.jpg",
	"*.jpeg",   "*.gif",	"*.svg",    "*.ico",   "*.bmp", "*.webp",
	"*.pdf",    "*.zip",	"*.gz",	    "*.tgz",   "*.bz2", "*.xz",
	"*.7z",	    "*.rar",	"*.tar",    "*.cab",   "*.exe", "*.dll",
	"*.bin",    "/other",	NULL,
};

/* Does one glob select rel (a '/'-separated path below the top)? */
static int glob_matches(const char *glob, size_t n, const char *rel, int fold)
{
	char pat[RULES_GLOB_MAX + 1], part[4096];
	const char *p;
	int anchored;

	if (n == 0 || n > RULES_GLOB_MAX)
		return 0;
	memcpy(pat, glob, n);
	pat[n] = '\0';
	anchored = memchr(pat, '/', n) != NULL;
	/* "rules/": the top's rules folder */
	while (n > 1 && pat[n - 1] == '/')
		pat[--n] = '\0';
	if (!anchored) {
		/* a name: any folder on the way, or the file itself */
		for (p = rel; *p;) {
			size_t k = strcspn(p, "/");

			if (k < sizeof(part)) {
				memcpy(part, p, k);
				part[k] = '\0';
				if (!fnmatch(pat, part, FNM_PERIOD | fold))
					return 1;
			}
			p += k;
			if (*p == '/')
				p++;
		}
		return 0;
	}
	/* a path from the top: the path, or a folder on the way to it */
	p = pat[0] == '/' ? pat + 1 : pat;
	if (!fnmatch(p, rel, fold))
		return 1;
	for (const char *s = strchr(rel, '/'); s; s = strchr(s + 1, '/')) {
		size_t k = (size_t)(s - rel);

		if (k >= sizeof(part))
			break;
		memcpy(part, rel, k);
		part[k] = '\0';
		if (!fnmatch(p, part, fold))
			return 1;
	}
	return 0;
}

/* Does any of the globs (one a line) select rel? */
static int any_matches(const char *globs, const char *rel)
{
	const char *g = globs;

	while (g && *g) {
		size_t n = strcspn(g, "\n");

		if (glob_matches(g, n, rel, 0))
			return 1;
		g += n;
		if (*g == '\n')
			g++;
	}
	return 0;
}

/* Is a folder on the way to rel (or rel itself, when a folder) one of the
 * default excludes? */
static int default_excluded(const char *rel, int folder)
{
	const char *p = rel;

	while (*p) {
		size_t k = strcspn(p, "/"), i;

		if (!p[k] && !folder)
			break; /* the file's own name */
		for (i = 0; rules_default_excludes[i]; i++)
			if (strlen(rules_default_excludes[i]) == k &&
			    !strncasecmp(p, rules_default_excludes[i], k))
				return 1;
		p += k;
		if (*p == '/')
			p++;
	}
	return 0;
}

/* Is rel one of the default file excludes (or below one)? */
static int default_file_excluded(const char *rel)
{
	size_t i;

	for (i = 0; rules_default_file_excludes[i]; i++)
		if (glob_matches(rules_default_file_excludes[i],
				 strlen(rules_default_file_excludes[i]), rel,
				 FNM_CASEFOLD))
			return 1;
	return 0;
}

/* Does an include glob bring in rel, a default exclude: selects it, or
 * (a folder) is a path from the top below it? */
static int brought_in(const char *includes, const char *rel, int folder)
{
	const char *g = includes;
	size_t k = strlen(rel);

	if (any_matches(includes, rel))
		return 1;
	while (folder && g && *g) {
		size_t n = strcspn(g, "\n");
		const char *p = *g == '/' ? g + 1 : g;

		if (memchr(g, '/', n) && (size_t)(g + n - p) > k &&
		    !strncmp(p, rel, k) && p[k] == '/')
			return 1;
		g += n;
		if (*g == '\n')
			g++;
	}
	return 0;
}

int rules_selected(const char *rel, int folder, const char *includes,
		   const char *excludes, int default_excludes)
{
	if (default_excludes &&
	    (default_excluded(rel, folder) || default_file_excluded(rel)) &&
	    !brought_in(includes, rel, folder))
		return 0;
	if (any_matches(excludes, rel))
		return 0;
	/* a folder may hold what an include selects */
	if (!folder && includes && *includes && !any_matches(includes, rel))
		return 0;
	return 1;
}

int rules_glob_ok(const char *glob)
{
	size_t n = strlen(glob);

	return n > 0 && n <= RULES_GLOB_MAX && !strchr(glob, '\n') &&
	       strcmp(glob, "/") != 0;
}

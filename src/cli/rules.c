/* `profilefs rules add|list|update|remove`: the rule repositories. */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "profilefs/cache.h"
#include "profilefs/rules.h"
#include "cli_i.h"

static const char rules_usage[] =
	"usage: profilefs rules add [--name=N] [--url=U] [--license=L]\n"
	"                           [--include=GLOB]... [--exclude=GLOB]... "
	"DIR...\n"
	"       profilefs rules list [-v]\n"
	"       profilefs rules update [--include=GLOB]... "
	"[--exclude=GLOB]... [NAME...]\n"
	"       profilefs rules remove NAME...\n"
	"\n"
	"Indexes local clones of detection-rule repositories (sigma, LOLBAS,\n"
	"atomic-red-team, signature-base, any folder of text files) into the\n"
	"rules index, a database of its own that every mount finds, so that\n"
	"each profile's Possible Misuse section lists the lines that name its\n"
	"binary. Mounts see the change at once.\n"
	"\n"
	"    --name=N       the repository's name (default: the last part of "
	"its\n"
	"                   URL, else the folder's name; one DIR only)\n"
	"    --url=U        its web address (default: its origin's, as git "
	"says)\n"
	"    --license=L    its license (default: the SPDX identifier of "
	"LICENSE*,\n"
	"                   COPYING*, else the file's name)\n"
	"    --include=GLOB index only the files GLOB selects (repeatable)\n"
	"    --exclude=GLOB do not index the files GLOB selects "
	"(repeatable)\n"
	"    --no-include, --no-exclude\n"
	"                   (update) drop the stored includes, excludes\n"
	"    --no-default-excludes, --default-excludes\n"
	"                   leave out (or not) the folders of test data and\n"
	"                   deprecated rules: test, tests, testdata, "
	"test_data,\n"
	"                   testing, regression_data, deprecated, .github\n"
	"                   (by default they are left out)\n"
	"    -v, --verbose  (list) each repository's globs on lines of their "
	"own\n"
	"    --rules=PATH   the rules index, default:\n"
	"                   $XDG_DATA_HOME/profilefs/rules.db, else\n"
	"                   ~/.local/share/profilefs/rules.db; for root\n"
	"                   /var/lib/profilefs/rules.db\n"
	"    -q, --quiet    no progress line\n"
	"    -h, --help     this text\n"
	"\n"
	"list prints a header line and one tab-separated line a repository:\n"
	"name, url, license, files, lines, when indexed (UTC), or\n"
	"\"incomplete\" for one whose indexing was cut short: it is not\n"
	"searched until rules add of the same DIR (or rules update)\n"
	"completes it. A GLOB without '/' matches a file's or a folder's\n"
	"name, one with '/' a path from the repository's top (its folders'\n"
	"too; '*' matches '/'). The selection is stored with the repository;\n"
	"rules update NAME with --include (--exclude) replaces the stored\n"
	"includes (excludes).\n";

struct rules_args {
	struct rules_opts o;
	const char *cache, *rules;
	int quiet, verbose;
	char *inc, *exc; /* the globs given, one a line */
};

/* glob appended to *list (one a line); 2 for a glob that cannot be one */
static int add_glob(char **list, const char *glob)
{
	char *n;

	if (!rules_glob_ok(glob)) {
		fprintf(stderr,
			"profilefs rules: %s: a glob is 1 to %d bytes, no "
			"newline\n",
			glob, RULES_GLOB_MAX);
		return 2;
	}
	if (asprintf(&n, "%s%s%s", *list ? *list : "", *list ? "\n" : "",
		     glob) < 0) {
		fprintf(stderr, "profilefs: out of memory\n");
		return 1;
	}
	free(*list);
	*list = n;
	return 0;
}

/* after a mistake: the usage lines, not the whole help */
static void short_usage(void)
{
	const char *end = strstr(rules_usage, "\n\n");

	fprintf(stderr, "%.*s\nprofilefs rules --help tells more\n",
		(int)(end - rules_usage), rules_usage);
}

static int parse(int argc, char **argv, struct rules_args *a)
{
	static const struct option longs[] = {
		{ "name", required_argument, NULL, 'n' },
		{ "url", required_argument, NULL, 'u' },
		{ "license", required_argument, NULL, 'l' },
		{ "cache", required_argument, NULL, 'c' },
		{ "rules", required_argument, NULL, 'R' },
		{ "quiet", no_argument, NULL, 'q' },
		{ "verbose", no_argument, NULL, 'v' },
		{ "include", required_argument, NULL, 'I' },
		{ "exclude", required_argument, NULL, 'X' },
		{ "no-include", no_argument, NULL, 'i' },
		{ "no-exclude", no_argument, NULL, 'x' },
		{ "default-excludes", no_argument, NULL, 'D' },
		{ "no-default-excludes", no_argument, NULL, 'N' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	int ch, rc;

	a->o.default_excludes = -1;
	while ((ch = getopt_long(argc, argv, "qvh", longs, NULL)) != -1) {
		switch (ch) {
		case 'I':
		case 'X':
			rc = add_glob(ch == 'I' ? &a->inc : &a->exc, optarg);
			if (rc)
				return rc;
			*(ch == 'I' ? &a->o.set_includes : &a->o.set_excludes) =
				1;
			break;
		case 'i':
		case 'x':
			*(ch == 'i' ? &a->o.set_includes : &a->o.set_excludes) =
				1;
			break;
		case 'D':
		case 'N':
			a->o.default_excludes = ch == 'D';
			break;
		case 'v':
			a->verbose = 1;
			break;
		case 'n':
			a->o.name = optarg;
			break;
		case 'u':
			a->o.url = optarg;
			break;
		case 'l':
			a->o.license = optarg;
			break;
		case 'c':
			a->cache = optarg;
			break;
		case 'R':
			a->rules = optarg;
			break;
		case 'q':
			a->quiet = 1;
			break;
		case 'h':
			printf("%s", rules_usage);
			exit(0);
		default:
			short_usage();
			return 2;
		}
	}
	a->o.includes = a->inc;
	a->o.excludes = a->exc;
	return 0;
}

/* Says what went wrong with one DIR or NAME; the status to add up. */
static int complain(const char *what, int rc)
{
	if (rc == -EEXIST)
		fprintf(stderr,
			"profilefs: %s: a repository of that name is "
			"indexed already (rules update, or --name)\n",
			what);
	else if (rc == -ENOENT)
		fprintf(stderr,
			"profilefs: no repository named %s (profilefs "
			"rules list)\n",
			what);
	else if (rc)
		fprintf(stderr, "profilefs: %s: %s\n", what, strerror(-rc));
	return rc != 0;
}

/* Says why DIR cannot be a repository (missing, not a folder, not
 * readable), before anything is opened: a path, not a repository's name */
static int dir_wrong(const char *dir, int rc)
{
	if (rc == -ENOENT)
		fprintf(stderr, "profilefs: %s: no such folder\n", dir);
	else if (rc == -ENOTDIR)
		fprintf(stderr, "profilefs: %s: not a folder\n", dir);
	else
		return complain(dir, rc);
	return 1;
}

/* 0 when dir is a folder, else -errno (-ENOTDIR for anything else) */
static int dir_check(const char *dir)
{
	struct stat st;

	if (stat(dir, &st) < 0)
		return -errno;
	return S_ISDIR(st.st_mode) ? 0 : -ENOTDIR;
}

/* the DIRs that are folders, the others said: how many are left */
static int add_check(int argc, char **argv, int *status)
{
	int i, left = 0;

	for (i = 0; i < argc; i++) {
		int rc = dir_check(argv[i]);

		if (rc) {
			*status |= dir_wrong(argv[i], rc);
			argv[i] = NULL;
		} else {
			left++;
		}
	}
	return left;
}

static int add(struct cache *c, struct rules_args *a, int argc, char **argv)
{
	int i, status = 0;

	for (i = 0; i < argc; i++) {
		int rc;

		if (!argv[i])
			continue; /* said by add_check() */
		rc = rules_add(c, argv[i], &a->o);
		if (rc == -ENOENT || rc == -ENOTDIR)
			dir_wrong(argv[i], rc); /* gone since */
		else
			complain(argv[i], rc);
		status |= rc != 0;
	}
	return status;
}

static int each_name(struct cache *c, int argc, char **argv, int update,
		     const struct rules_opts *o)
{
	int i, status = 0;

	if (update && argc == 0)
		return rules_update(c, NULL, o) ? 1 : 0;
	if (argc == 0) {
		fprintf(stderr, "profilefs rules remove: no NAME given\n");
		return 2;
	}
	for (i = 0; i < argc; i++)
		status |= complain(argv[i], update ? rules_update(c, argv[i], o)
						   : rules_remove(c, argv[i]));
	return status;
}

int cli_rules(int argc, char **argv)
{
	struct rules_args a;
	struct cache *c = NULL;
	const char *verb;
	char *path = NULL;
	struct stat st;
	int rc;

	memset(&a, 0, sizeof(a));
	if (argc < 2 || argv[1][0] == '-') {
		if (argc >= 2 &&
		    (!strcmp(argv[1], "-h") || !strcmp(argv[1], "--help"))) {
			printf("%s", rules_usage);
			return 0;
		}
		short_usage();
		return 2;
	}
	verb = argv[1];
	rc = parse(argc - 1, argv + 1, &a);
	if (rc)
		return rc;
	argc -= optind + 1;
	argv += optind + 1;
	a.o.progress = !a.quiet && isatty(2);
	if ((a.o.set_includes || a.o.set_excludes ||
	     a.o.default_excludes >= 0) &&
	    (!strcmp(verb, "list") || !strcmp(verb, "remove") ||
	     (!strcmp(verb, "update") && argc != 1))) {
		fprintf(stderr, "profilefs rules: the files to index are "
				"chosen with rules add, or rules update of "
				"one NAME\n");
		free(a.inc);
		free(a.exc);
		return 2;
	}
	if (strcmp(verb, "add") && strcmp(verb, "list") &&
	    strcmp(verb, "update") && strcmp(verb, "remove")) {
		fprintf(stderr, "profilefs rules: no verb %s\n", verb);
		short_usage();
		return 2;
	}
	if (a.cache) {
		fprintf(stderr,
			"profilefs rules: the rules index is a database of "
			"its own, not the cache: --rules=PATH (profilefs "
			"rules --help)\n");
		free(a.inc);
		free(a.exc);
		return 2;
	}
	rc = cli_rules_path(a.rules, NULL, &path);
	if (!rc && !path) {
		fprintf(stderr, "profilefs: no rules index path: set --rules, "
				"XDG_DATA_HOME or HOME\n");
		rc = 2;
	}
	if (rc) {
		free(a.inc);
		free(a.exc);
		return rc;
	}
	if (!strcmp(verb, "add")) {
		/* the DIRs first: a command that adds nothing makes nothing */
		if (argc < 1) {
			fprintf(stderr, "profilefs rules add: no DIR given\n");
			rc = 2;
			goto out;
		}
		if (a.o.name && argc > 1) {
			fprintf(stderr, "profilefs rules add: --name goes "
					"with one DIR\n");
			rc = 2;
			goto out;
		}
		rc = 0;
		if (!add_check(argc, argv, &rc))
			goto out;
	}
	if (strcmp(verb, "add") && (stat(path, &st) < 0 || st.st_size == 0)) {
		/* nothing indexed yet: a reader does not make the database */
		int i;

		if (!strcmp(verb, "list"))
			rc = rules_list(NULL, stdout, 0) ? 1 : 0;
		else if (argc == 0 && !strcmp(verb, "update"))
			rc = 0;
		else if (argc == 0)
			rc = each_name(NULL, argc, argv, 0, &a.o);
		for (i = 0; i < argc && strcmp(verb, "list"); i++)
			rc |= complain(argv[i], -ENOENT);
		goto out;
	}
	if (!strcmp(verb, "add") ? cache_open_or_rebuild(path, &c)
				 : cache_open(path, &c)) {
		fprintf(stderr, "profilefs: cannot open the rules index %s\n",
			path);
		rc = 1;
		goto out;
	}
	if (!strcmp(verb, "add"))
		rc |= add(c, &a, argc, argv);
	else if (!strcmp(verb, "list"))
		rc = rules_list(c, stdout, a.verbose) ? 1 : 0;
	else
		rc = each_name(c, argc, argv, !strcmp(verb, "update"), &a.o);
out:
	cache_close(c);
	free(path);
	free(a.inc);
	free(a.exc);
	return rc;
}

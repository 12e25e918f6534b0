/* `profilefs rules add|list|update|remove`: the rule repositories. */
#include <errno.h>
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
	"       profilefs rules update [--url=U] [--license=L] "
	"[--include=GLOB]...\n"
	"                              [--exclude=GLOB]... [NAME...]\n"
	"       profilefs rules remove NAME...\n";

static const char rules_about[] =
	"\n"
	"Indexes local clones of detection-rule repositories (sigma, LOLBAS,\n"
	"atomic-red-team, signature-base, any folder of text files) into the\n"
	"rules index, a database of its own that every mount finds, so that\n"
	"each profile's Possible Misuse section lists the lines that name its\n"
	"binary. Mounts see the change at once.\n"
	"\n"
	"Options (the verbs each takes in parentheses):\n";

static const char rules_tail[] =
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

static int add(struct cache *c, const struct rules_opts *ro, int argc,
	       char **argv)
{
	int i, status = 0;

	for (i = 0; i < argc; i++) {
		int rc;

		if (!argv[i])
			continue; /* said by add_check() */
		rc = rules_add(c, argv[i], ro);
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

/* the cache is not the rules index: --cache is refused, naming --rules */
static int cache_given(int argc, char **argv)
{
	for (int i = 1; i < argc && strcmp(argv[i], "--"); i++)
		if (!strcmp(argv[i], "--cache") ||
		    !strncmp(argv[i], "--cache=", 8)) {
			fprintf(stderr,
				"profilefs rules: the rules index is a "
				"database of its own, not the cache: "
				"--rules=PATH (profilefs rules --help)\n");
			return 1;
		}
	return 0;
}

static const char *const rules_verbs[] = { "add", "list", "update", "remove",
					   NULL };
static const struct cli_verbs rules_cmd = { CMD_RULES,	 rules_usage,
					    rules_about, rules_tail,
					    rules_verbs, cache_given };

/* the selection of files goes with add, or update of one NAME: 0 or 2 */
static int selection_ok(const char *verb, const struct rules_opts *ro,
			int nrest)
{
	if ((ro->url || ro->license) &&
	    (strcmp(verb, "add") && (strcmp(verb, "update") || nrest != 1))) {
		fprintf(stderr, "profilefs rules: --url and --license go with "
				"rules add, or rules update of one NAME\n");
		return 2;
	}
	if ((ro->set_includes || ro->set_excludes ||
	     ro->default_excludes >= 0) &&
	    (!strcmp(verb, "list") || !strcmp(verb, "remove") ||
	     (!strcmp(verb, "update") && nrest != 1))) {
		fprintf(stderr, "profilefs rules: the files to index are "
				"chosen with rules add, or rules update of "
				"one NAME\n");
		return 2;
	}
	return 0;
}

/* nothing indexed yet: a reader does not make the database */
static int no_index(const char *verb, int argc, char **argv,
		    const struct rules_opts *ro)
{
	int i, rc = 0;

	if (!strcmp(verb, "list"))
		return rules_list(NULL, stdout, 0) ? 1 : 0;
	if (argc == 0 && !strcmp(verb, "update"))
		return 0;
	if (argc == 0)
		return each_name(NULL, argc, argv, 0, ro);
	for (i = 0; i < argc; i++)
		rc |= complain(argv[i], -ENOENT);
	return rc;
}

/* the verb over the index at path: the exit status */
static int run(const char *verb, const char *path, int argc, char **argv,
	       const struct rules_opts *ro, int verbose)
{
	struct cache *c = NULL;
	struct stat st;
	int add_ = !strcmp(verb, "add"), rc = 0;

	if (add_) {
		/* the DIRs first: a command that adds nothing makes nothing */
		if (argc < 1) {
			fprintf(stderr, "profilefs rules add: no DIR given\n");
			return 2;
		}
		if (ro->name && argc > 1) {
			fprintf(stderr, "profilefs rules add: --name goes "
					"with one DIR\n");
			return 2;
		}
		if (!add_check(argc, argv, &rc))
			return rc;
	}
	if (!add_ && (stat(path, &st) < 0 || st.st_size == 0))
		return no_index(verb, argc, argv, ro);
	if (add_ ? cache_open_or_rebuild(path, &c) : cache_open(path, &c)) {
		fprintf(stderr, "profilefs: cannot open the rules index %s\n",
			path);
		return 1;
	}
	if (add_)
		rc |= add(c, ro, argc, argv);
	else if (!strcmp(verb, "list"))
		rc = rules_list(c, stdout, verbose) ? 1 : 0;
	else
		rc = each_name(c, argc, argv, !strcmp(verb, "update"), ro);
	cache_close(c);
	return rc;
}

int cli_rules(int argc, char **argv)
{
	struct cli_opts o = { 0 };
	struct rules_opts ro = { 0 };
	char **rest = NULL, **owned = NULL, *path = NULL;
	int nrest = 0, rc;

	rc = cli_verbs_parse(&rules_cmd, argc, argv, &o, &rest, &nrest, &owned);
	if (rc)
		goto out;
	ro.name = o.name;
	ro.url = o.url;
	ro.license = o.license;
	ro.progress = !o.quiet && isatty(2);
	ro.includes = o.include;
	ro.excludes = o.exclude;
	ro.set_includes = o.include || o.no_include;
	ro.set_excludes = o.exclude || o.no_exclude;
	ro.default_excludes = o.default_excludes;
	rc = selection_ok(argv[1], &ro, nrest);
	if (!rc)
		rc = cli_rules_path(o.rules, NULL, &path);
	if (!rc && !path) {
		fprintf(stderr, "profilefs: no rules index path: set --rules, "
				"XDG_DATA_HOME or HOME\n");
		rc = 2;
	}
	if (!rc)
		rc = run(argv[1], path, nrest, rest, &ro, o.verbose);
out:
	free(path);
	cli_opts_free_words(owned);
	free(rest);
	cli_opts_free(&o);
	return rc < 0 ? 0 : rc;
}

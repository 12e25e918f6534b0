/*
 * `profilefs summary [options] SOURCE`: the tree's summary (summary.h) on
 * standard output, the text a mount of SOURCE serves as
 * MOUNTPOINT/.profiles/SUMMARY.md to whoever may read everything, made
 * from the same cache without a mount. SOURCE is a folder, or a file or
 * block device holding an NTFS volume (--partition), as the mount's.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "profilefs/summary.h"
#include "profilefs/tree.h"
#include "cli_i.h"

static const char summary_usage[] =
	"usage: profilefs summary [options] SOURCE\n";

static const char summary_about[] =
	"\n"
	"Prints the summary of the source tree SOURCE (a folder, or a file "
	"or\n"
	"block device holding an NTFS volume) that a mount of it serves as\n"
	"MOUNTPOINT/.profiles/SUMMARY.md: counts by signature status and by\n"
	"known-file verdict, and the binaries to look at first, each a link "
	"to\n"
	"its profile in the view. Made from the profiles the cache holds "
	"(by\n"
	"the files' identities); no binary is read. Give it the options "
	"about\n"
	"the cache, the files and the signatures that the mount is given.\n"
	"\n"
	"Options (the mount's mean the same here):\n";

static const char summary_exit[] =
	"\nExit status: 0 printed, 1 the source or the cache could not be "
	"read,\n"
	"2 a usage error.\n";

static int parse(int argc, char **argv, struct cli_opts *o, char ***rest,
		 int *nrest, char ***owned)
{
	int rc = cli_opts_parse(CMD_SUMMARY, argc, argv, o, rest, nrest, owned);

	if (rc)
		return rc;
	if (o->help) {
		printf("%s%s", summary_usage, summary_about);
		cli_opts_print_help(stdout, CMD_SUMMARY);
		printf("%s", summary_exit);
		return -1;
	}
	if (*nrest != 1) {
		fprintf(stderr, "profilefs summary: give one SOURCE (--help "
				"says more)\n");
		return 2;
	}
	return 0;
}

/* the source opened as the mount opens it: 0, or the exit status */
static int open_source(const char *source, const struct cli_opts *o,
		       struct tree **tree)
{
	struct tree_opts to = { .partition = o->partition,
				.volume_name = o->volume_id };
	char err[1024] = "";
	int rc = tree_open(source, &to, tree, err, sizeof(err));

	if (!rc)
		return 0;
	if (err[0])
		fprintf(stderr, "profilefs summary: %s\n", err);
	else
		fprintf(stderr, "profilefs summary: cannot open %s: %s\n",
			source, strerror(-rc));
	return 1;
}

/* the summary of the service's tree on stdout: 0, or the exit status */
static int print(struct wire *w)
{
	struct svc_summary_how how = { .names = w->names };
	size_t len;
	char *text;
	int rc = svc_summary(w->pv, &how, &text, &len);

	if (rc) {
		fprintf(stderr, "profilefs summary: %s\n", strerror(-rc));
		return 1;
	}
	rc = fwrite(text, 1, len, stdout) != len || fflush(stdout) ? 1 : 0;
	if (rc)
		fprintf(stderr, "profilefs summary: cannot write: %s\n",
			strerror(errno));
	free(text);
	return rc;
}

int cli_summary(int argc, char **argv)
{
	struct cli_opts o = { 0 };
	struct wire wire = { 0 };
	struct tree *tree = NULL;
	char **rest = NULL, **owned = NULL, *source = NULL;
	int status, nrest = 0, is_dir = 0;

	status = parse(argc, argv, &o, &rest, &nrest, &owned);
	if (!status) {
		source = cli_resolve_source("source", rest[0], &is_dir);
		status = source ? 0 : 1;
	}
	if (!status) {
		struct wire_how how = { .cmd = CMD_SUMMARY,
					.source = source,
					.cache_needed = 1 };

		status = wire_prepare(&wire, &o, &how);
	}
	if (!status)
		status = open_source(source, &o, &tree);
	if (!status)
		status = wire_start(&wire, tree);
	if (!status)
		status = print(&wire);
	wire_close(&wire);
	tree_close(tree);
	free(source);
	cli_opts_free_words(owned);
	free(rest);
	cli_opts_free(&o);
	return status < 0 ? 0 : status;
}

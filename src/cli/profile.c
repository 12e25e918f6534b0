/*
 * `profilefs profile [-r] FILE...`: the profiles a mount would show, on
 * stdout, as Markdown, JSON, JSON Lines or CSV; batch.c makes the list and
 * runs the workers.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>

#include "profilefs/service.h"
#include "profilefs/tree.h"
#include "profilefs/util.h"
#include "batch_i.h"
#include "cli_i.h"

static const char profile_usage[] =
	"usage: profilefs profile [options] FILE...\n"
	"       profilefs profile -r [options] DIR...\n"
	"       profilefs profile [options] IMAGE:/PATH...\n"
	"       profilefs profile --root=IMAGE [options] PATH...\n";

static const char profile_about[] =
	"\n"
	"Prints the profile of each FILE to standard output, one after the\n"
	"other, exactly as a mount shows it: Markdown (each starts with its\n"
	"own --- front matter), JSON (docs/profile-json.md), or CSV (a header\n"
	"row, then one row per file, a file that failed too:\n"
	"docs/profile-csv.md). With -r, every binary below each DIR (by the\n"
	"mount's rule: --ext, --sniff-mz), sorted by path. Exit status 1 if\n"
	"any file could not be profiled (each is named on standard error), 2\n"
	"for a usage error, 130 interrupted by SIGINT, 143 by SIGTERM (every\n"
	"profile written is whole: each line of --format=jsonl parses, each\n"
	"row of --format=csv is whole).\n"
	"\n"
	"IMAGE, a file or block device holding an NTFS volume (bare, or a\n"
	"partition of a whole disk: --partition), is read without mounting "
	"it:\n"
	"IMAGE:/PATH names PATH inside it (disk.img:/Windows/notepad.exe) "
	"when no\n"
	"file of that whole name exists; with --root=IMAGE every PATH is "
	"inside\n"
	"the volume (Windows/System32, or -r Windows).\n"
	"\n"
	"Options (the mount's mean the same here):\n";

/* the options, and the FILEs in rest: 0, or the exit status (said) */
static int parse(int argc, char **argv, struct cli_opts *o, char ***rest,
		 int *nrest, char ***owned)
{
	int rc = cli_opts_parse(CMD_PROFILE, argc, argv, o, rest, nrest, owned);

	if (rc)
		return rc;
	if (o->help) {
		printf("%s%s", profile_usage, profile_about);
		cli_opts_print_help(stdout, CMD_PROFILE);
		return -1;
	}
	if (*nrest == 0) {
		fprintf(stderr, "profilefs profile: no FILE given (--help "
				"says more)\n");
		return 2;
	}
	return 0;
}

struct work {
	struct svc *pv;
	int format;	   /* enum cli_format */
	const char *drive; /* for the row of a file that failed (csv) */
};

/* the CSV row of rel: its profile's, or the failure's (then rc) */
static int one_csv(const struct work *w, const char *rel, char **out,
		   size_t *len)
{
	struct prof_view failed = { .relpath = rel, .drive = w->drive };
	struct svc_view *v;
	int rc = svc_view_get(w->pv, rel, 1, &v);

	if (rc) {
		/* -EINTR: stopped, nothing more is written */
		if (rc != -EINTR)
			prof_render_csv(NULL, &failed, strerror(-rc), out, len);
		return rc;
	}
	rc = prof_render_csv(v->prof, &v->v, NULL, out, len);
	svc_view_put(w->pv, v);
	return rc;
}

/* one file's output, as batch_run() wants it */
static int one(void *ctx, const char *rel, char **out, size_t *len)
{
	const struct work *w = ctx;
	const struct svc_text *t;
	struct svc_view *v;
	int rc;

	if (w->format == FMT_CSV)
		return one_csv(w, rel, out, len);
	if (w->format != FMT_MD) {
		rc = svc_view_get(w->pv, rel, 1, &v);
		if (rc)
			return rc;
		rc = prof_render_json(v->prof, &v->v, w->format == FMT_JSON,
				      out, len);
		svc_view_put(w->pv, v);
		return rc;
	}
	rc = svc_text_get(w->pv, rel, SVC_MD, 1, &t);
	if (rc)
		return rc;
	*out = malloc(t->len ? t->len : 1);
	if (*out) {
		memcpy(*out, t->md, t->len);
		*len = t->len;
	}
	svc_text_put(w->pv, t);
	return *out ? 0 : -ENOMEM;
}

/* the arguments' realpaths (a failure is said and counted) */
static char **resolve_args(char **args, int n, size_t *count, int *failed)
{
	char **abs = calloc((size_t)n + 1, sizeof(*abs));
	int i;

	*count = 0;
	for (i = 0; abs && i < n; i++) {
		char *a = realpath(args[i], NULL);

		if (a)
			abs[(*count)++] = a;
		else {
			batch_say(args[i], strerror(errno));
			(*failed)++;
		}
	}
	return abs;
}

static void free_args(char **abs, size_t n)
{
	size_t i;

	for (i = 0; abs && i < n; i++)
		free(abs[i]);
	free(abs);
}

/* a list made (rc from its batch_add calls): sorted with -r; 0, or 1 said */
static int list_end(const struct cli_opts *o, struct batch *b, int rc)
{
	if (rc) {
		fprintf(stderr, "profilefs: %s\n", strerror(-rc));
		return 1;
	}
	if (o->recursive)
		batch_sort(b);
	return 0;
}

/* The files to profile, below root; without -r in the order given. */
static int make_list(const struct cli_opts *o, const struct svc_names *names,
		     struct tree *tree, const char *root, char **abs,
		     size_t nabs, struct batch *b, int *failed)
{
	size_t i;
	int rc = 0;

	for (i = 0; i < nabs && !rc; i++)
		rc = batch_add(b, tree, root, abs[i], o->recursive, names,
			       failed);
	return list_end(o, b, rc);
}

/* --root, else the guess; its realpath and tree, or 1 (said) */
static int open_root(const char *given, const struct tree_opts *to, char **abs,
		     size_t nabs, char **root, struct tree **tree)
{
	int rc;

	*tree = NULL;
	if (given)
		*root = realpath(given, NULL);
	else if (batch_guess_root(abs, nabs, root))
		*root = NULL;
	rc = *root ? tree_open_posix(*root, to, tree) : -errno;
	if (rc) {
		fprintf(stderr, "profilefs: --root %s: %s\n",
			given ? given : "(guessed)", strerror(-rc));
		free(*root);
		*root = NULL;
		return 1;
	}
	return 0;
}

/* the profiles of the list, on stdout: 0, 1 when one failed, or 128 and
 * the signal that stopped it (what was written is whole) */
static int run(const struct cli_opts *o, struct svc *pv,
	       const struct batch *list, const char *root, int failed)
{
	struct work w = { .pv = pv, .format = o->format, .drive = o->drive };
	char *header;
	size_t len;
	int rc;

	/* SA_RESTART: a record being written is written whole */
	batch_catch_signals(1);
	if (o->format == FMT_CSV) {
		/* the header row, whatever follows (even no row) */
		if (prof_render_csv_header(&header, &len))
			return 1;
		rc = fwrite(header, 1, len, stdout) == len ? 0 : -EIO;
		free(header);
		if (rc)
			return 1;
	}
	rc = batch_run(list, o->jobs ? o->jobs : batch_default_jobs(), one, &w,
		       root, isatty(2), stdout);
	if (fflush(stdout) != 0)
		return 1;
	if (batch_stopped)
		return 128 + batch_stopped;
	return rc < 0 || failed + rc ? 1 : 0;
}

/* the operands inside an NTFS volume: its tree, the root shown
 * ("IMAGE:") and the list; 0, or the exit status (said) */
static int volume_list(const struct cli_opts *o, const struct svc_names *names,
		       struct tree *tree, const char *shown, const char **rels,
		       int n, struct batch *b, int *failed)
{
	int i, rc = 0;

	for (i = 0; i < n && !rc; i++)
		rc = batch_add_rel(b, tree, shown, rels[i], o->recursive, names,
				   failed);
	return list_end(o, b, rc);
}

/* a run over an NTFS volume (IMAGE:/PATH, --root=IMAGE): the status */
static int profile_volume(const struct cli_opts *o, struct wire *wire,
			  struct tree **tree, struct batch *list,
			  const char *image, const char **rels, int n)
{
	struct wire_how how = { .cmd = CMD_PROFILE,
				.source = image,
				.progress = isatty(2) };
	char *shown = NULL;
	int failed = 0, status;

	status = batch_open_volume(image, o->partition, o->volume_id, tree);
	if (!status && asprintf(&shown, "%s:", image) < 0) {
		shown = NULL;
		status = 1;
	}
	if (!status)
		status = wire_prepare(wire, o, &how);
	if (!status)
		status = volume_list(o, wire->names, *tree, shown, rels, n,
				     list, &failed);
	if (!status)
		status = wire_start(wire, *tree);
	if (!status)
		status = run(o, wire->pv, list, shown, failed);
	free(shown);
	return status;
}

int cli_profile(int argc, char **argv)
{
	struct cli_opts o = { 0 };
	struct wire wire = { 0 };
	struct batch list = { 0 };
	char *root = NULL, **abs = NULL, **rest = NULL, **owned = NULL;
	char *image = NULL;
	const char **rels = NULL;
	size_t nabs = 0;
	struct tree *tree = NULL;
	int nrest = 0, failed = 0, status;

	status = parse(argc, argv, &o, &rest, &nrest, &owned);
	if (!status)
		status = batch_volume_args(o.root, rest, nrest, &image, &rels);
	if (status)
		goto out;
	if (image) {
		status = profile_volume(&o, &wire, &tree, &list, image, rels,
					nrest);
		goto out;
	}
	abs = resolve_args(rest, nrest, &nabs, &failed);
	if (abs) {
		struct tree_opts to = { .volume_name = o.volume_id };

		status = open_root(o.root, &to, abs, nabs, &root, &tree);
	} else {
		status = 1;
	}
	if (!status) {
		struct wire_how how = { .cmd = CMD_PROFILE,
					.source = root,
					.progress = isatty(2) };

		status = wire_prepare(&wire, &o, &how);
	}
	if (!status)
		status = make_list(&o, wire.names, tree, root, abs, nabs, &list,
				   &failed);
	if (!status)
		status = wire_start(&wire, tree);
	if (!status)
		status = run(&o, wire.pv, &list, root, failed);
out:
	wire_close(&wire);
	tree_close(tree);
	batch_free(&list);
	free_args(abs, nabs);
	free(root);
	free(image);
	free(rels);
	cli_opts_free_words(owned);
	free(rest);
	cli_opts_free(&o);
	return status < 0 ? 0 : status;
}

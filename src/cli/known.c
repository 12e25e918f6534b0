/* `profilefs known add|list|remove|lookup`: the known-file data sets. */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "profilefs/known.h"
#include "profilefs/profile.h"
#include "profilefs/tree.h"
#include "profilefs/util.h"
#include "cli_i.h"

static const char known_usage[] = "usage: profilefs known add [-q] PATH...\n"
				  "       profilefs known list\n"
				  "       profilefs known remove PATH|KIND...\n"
				  "       profilefs known lookup FILE...\n";

static const char known_about[] =
	"\n"
	"Imports known-file data sets into the known-file store, a database\n"
	"of its own, so that each profile says whether its binary is known\n"
	"(docs/known.md). PATH is an NSRL RDS v3 database (*.db) or a\n"
	"winbindex data folder (by_filename_compressed/*.json.gz, in PATH,\n"
	"or in its by_filename_compressed or data/by_filename_compressed);\n"
	"which it is, is found out. Adding a kind again replaces its rows;\n"
	"each import is one transaction: one that fails, or is interrupted,\n"
	"leaves the store as it was. NSRL's \"known\" means that a file\n"
	"shipped in some product, never that it is good.\n"
	"\n"
	"Options:\n";

static const char known_tail[] =
	"\n"
	"list prints a header line and one tab-separated line a source:\n"
	"kind (nsrl, winbindex), path, when imported (UTC), rows, release.\n"
	"remove takes a source's path or kind. lookup prints, for each FILE,\n"
	"a tab-separated line: FILE, the verdict a profile shows (known\n"
	"(winbindex), known (NSRL), version mismatch, unknown build, unknown,\n"
	"no data), and what it rests on. Exit status 0, 1 when one PATH or\n"
	"FILE failed (each said on standard error), 2 for a usage error, 130\n"
	"when SIGINT stopped an import.\n";

/* ---- add: progress, and a stop on SIGINT ------------------------------ */

static volatile sig_atomic_t known_stopped;

static void on_signal(int sig)
{
	known_stopped = sig;
}

static int stop_check(void *arg)
{
	(void)arg;
	return known_stopped ? -EINTR : 0;
}

struct progress {
	int tty;
	int shown;
	double last, t0;
	const char *step; /* of the last line shown */
};

static void progress(void *ctx, const char *kind, uint64_t rows,
		     const char *step)
{
	struct progress *p = ctx;
	double now = util_now();

	/* every 0.2 s, and at once when NSRL's step changes (reading, then
	 * sorting: a long wait with no rows to count) */
	if (!p->tty ||
	    (now - p->last < 0.2 &&
	     (strcmp(kind, "nsrl") || !p->step || !strcmp(p->step, step))))
		return;
	p->last = now;
	p->step = step;
	fprintf(stderr,
		"\r\033[Kprofilefs known: %s: %llu rows, %.0f rows/s (%s)",
		kind, (unsigned long long)rows,
		now > p->t0 ? (double)rows / (now - p->t0) : 0.0, step);
	p->shown = 1;
}

static int add_one(struct known *k, const char *path, int tty)
{
	struct progress p = { .tty = tty, .t0 = util_now() };
	struct util_stop stop = { .check = stop_check };
	struct known_import imp = { .stop = &stop,
				    .progress = progress,
				    .ctx = &p };
	double t;
	int rc;

	rc = known_add(k, path, &imp);
	if (p.shown)
		fputs("\r\033[K", stderr);
	t = util_now() - p.t0;
	if (rc == -EPROTO)
		fprintf(stderr, "profilefs known: %s; the store is unchanged\n",
			imp.why);
	else if (rc == -EINTR)
		fprintf(stderr,
			"profilefs known: %s: interrupted; the store is "
			"unchanged\n",
			path);
	else if (rc == -EBADMSG)
		fprintf(stderr,
			"profilefs known: %s: a damaged database (SQLite "
			"found it malformed); the store is unchanged\n",
			path);
	else if (rc)
		fprintf(stderr,
			"profilefs known: %s: %s; the store is unchanged\n",
			path, strerror(-rc));
	else
		fprintf(stderr,
			"profilefs known: %s %s: %llu rows in %.1f s (%.0f "
			"rows/s)\n",
			imp.kind, path, (unsigned long long)imp.rows, t,
			t > 0 ? (double)imp.rows / t : 0.0);
	return rc;
}

/* each PATH imported in turn; *added: how many were */
static int add(struct known *k, int argc, char **argv, int tty, int *added)
{
	struct sigaction sa;
	int i, rc, status = 0;

	/* no SA_RESTART: the import asks between rows */
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	for (i = 0; i < argc && !known_stopped; i++) {
		rc = add_one(k, argv[i], tty);
		*added += rc == 0;
		status |= rc != 0;
	}
	if (known_stopped)
		return 128 + known_stopped;
	return status;
}

/* ---- lookup ------------------------------------------------------------- */

static void print_verdict(FILE *f, const struct known_verdict *v)
{
	size_t i;

	switch (v->status) {
	case KNOWN_WINBINDEX:
		fprintf(f, "%zu builds:", v->total_windows);
		for (i = 0; i < v->n_windows; i++)
			fprintf(f, "%s %s %s %s", i ? ";" : "",
				v->windows[i].windows, v->windows[i].update,
				v->windows[i].released ? v->windows[i].released
						       : "-");
		break;
	case KNOWN_MISMATCH:
	case KNOWN_UNKNOWN_BUILD:
		fprintf(f, "%s machine %u version %s: ", v->name, v->machine,
			v->version ? v->version : "-");
		if (v->status == KNOWN_MISMATCH)
			fprintf(f,
				"%zu builds of this version, none with "
				"these bytes",
				v->builds_of_version);
		else
			fprintf(f, "no build of this version known");
		break;
	default:
		break;
	}
	if (v->total_products) {
		fprintf(f, "%s%zu NSRL products:",
			v->status == KNOWN_NSRL ? "" : "; ", v->total_products);
		for (i = 0; i < v->n_products; i++) {
			const struct known_product *p = &v->products[i];

			fprintf(f, "%s %s %s (%s, %s)", i ? ";" : "",
				p->product ? p->product : "-",
				p->version ? p->version : "-",
				p->os ? p->os : "-",
				p->manufacturer ? p->manufacturer : "-");
		}
	} else if (v->status != KNOWN_WINBINDEX &&
		   v->status != KNOWN_MISMATCH &&
		   v->status != KNOWN_UNKNOWN_BUILD) {
		fputc('-', f);
	}
}

/* the verdict of one FILE, its profile computed as `profile` does */
static int lookup_one(struct known *k, const char *path)
{
	struct prof_limits lim = { .max_seconds = CLI_TIME_LIMIT_DEFAULT };
	char vbuf[PROF_KNOWN_VERSION_MAX];
	struct known_verdict *v = NULL;
	struct tree_file *f = NULL;
	struct known_query q;
	struct prof *p = NULL;
	struct stat st;
	int fd, rc;

	fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
	if (fd < 0)
		return -errno;
	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode)) {
		close(fd);
		return -EINVAL;
	}
	rc = tree_file_posix_fd(fd, &f);
	if (!rc)
		rc = prof_compute(f, &st, &lim, NULL, &p);
	if (!rc) {
		prof_known_query(p, path, &q, vbuf);
		rc = known_lookup(k, &q, &v);
	}
	if (!rc) {
		printf("%s\t%s\t", path, known_status_name(v->status));
		print_verdict(stdout, v);
		putchar('\n');
	}
	known_verdict_free(v);
	prof_free(p);
	tree_file_close(f);
	close(fd);
	return rc;
}

static int lookup(struct known *k, int argc, char **argv)
{
	int i, status = 0;

	for (i = 0; i < argc; i++) {
		int rc = lookup_one(k, argv[i]);

		if (rc)
			fprintf(stderr, "profilefs known: %s: %s\n", argv[i],
				strerror(-rc));
		status |= rc != 0;
	}
	return fflush(stdout) ? 1 : status;
}

/* ---- the verbs ------------------------------------------------------- */

static int remove_each(struct known *k, int argc, char **argv)
{
	int i, status = 0;

	for (i = 0; i < argc; i++) {
		int rc = k ? known_remove(k, argv[i]) : -ENOENT;

		if (rc == -ENOENT)
			fprintf(stderr,
				"profilefs known: no source %s (profilefs "
				"known list)\n",
				argv[i]);
		else if (rc)
			fprintf(stderr, "profilefs known: %s: %s\n", argv[i],
				strerror(-rc));
		status |= rc != 0;
	}
	return status;
}

/* a store made by an add that added nothing: gone again, so that a
 * failed import leaves things as they were */
static void unmake(const char *path)
{
	static const char *const side[] = { "", "-wal", "-shm" };
	char p[4096];
	size_t i;

	for (i = 0; i < 3; i++)
		if (snprintf(p, sizeof(p), "%s%s", path, side[i]) <
		    (int)sizeof(p))
			unlink(p);
}

/* the verb over the store at path: the exit status */
static int run(const char *verb, const char *path, int argc, char **argv,
	       int quiet)
{
	int write = !strcmp(verb, "add") || !strcmp(verb, "remove");
	struct known *k = NULL;
	struct stat st;
	int rc, made, added = 0;

	if (strcmp(verb, "list") && argc == 0) {
		fprintf(stderr, "profilefs known %s: no %s given\n", verb,
			!strcmp(verb, "lookup") ? "FILE" : "PATH");
		return 2;
	}
	/* removing from a store that is not there makes none */
	if (!strcmp(verb, "remove") && stat(path, &st) < 0)
		return remove_each(NULL, argc, argv);
	made = write && stat(path, &st) < 0 && errno == ENOENT;
	rc = known_open(path, write, &k);
	if (rc) {
		if (made)
			unmake(path);
		fprintf(stderr,
			"profilefs: cannot open the known-file store %s: %s\n",
			path,
			rc == -EPROTO ? "not a known-file store"
				      : strerror(-rc));
		return 1;
	}
	if (!strcmp(verb, "add"))
		rc = add(k, argc, argv, !quiet && isatty(2), &added);
	else if (!strcmp(verb, "remove"))
		rc = remove_each(k, argc, argv);
	else if (!strcmp(verb, "lookup"))
		rc = lookup(k, argc, argv);
	else
		rc = known_list(k, stdout) || fflush(stdout) ? 1 : 0;
	known_close(k);
	if (made && !added)
		unmake(path);
	return rc;
}

static const char *const known_verbs[] = { "add", "list", "remove", "lookup",
					   NULL };
static const struct cli_verbs known_cmd = { CMD_KNOWN,	 known_usage,
					    known_about, known_tail,
					    known_verbs, NULL };

int cli_known(int argc, char **argv)
{
	struct cli_opts o = { 0 };
	char **rest = NULL, **owned = NULL, *path = NULL;
	int nrest = 0, rc;

	rc = cli_verbs_parse(&known_cmd, argc, argv, &o, &rest, &nrest, &owned);
	if (!rc)
		rc = cli_known_path(o.known, NULL, &path);
	if (!rc && !path) {
		fprintf(stderr, "profilefs: no known-file store path: set "
				"--known, XDG_DATA_HOME or HOME\n");
		rc = 2;
	}
	if (!rc)
		rc = run(argv[1], path, nrest, rest, o.quiet);
	free(path);
	cli_opts_free_words(owned);
	free(rest);
	cli_opts_free(&o);
	return rc < 0 ? 0 : rc;
}

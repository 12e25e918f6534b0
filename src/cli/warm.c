/*
 * `profilefs warm [--jobs N] [options] PATH...`: fills the cache ahead of
 * the reads.
 *
 * A source tree: every binary below PATH (the mount's rule: --ext,
 * --sniff-mz) whose profile the cache does not hold for the file's
 * identity is computed and stored here, on N threads over one service
 * (svc_warm). Each profile is stored in a transaction of its own as soon
 * as it is made, so an interrupted run keeps what it finished and the
 * next run skips it (by identity, without reading the file).
 *
 * A profilefs mountpoint (its root answers user.profilefs.stats): every
 * *.md below PATH is read through the mount by N readers, so that the
 * daemon computes and stores them.
 *
 * The options about the service are the mount's (one table, options.c),
 * and it is built as the mount's is (wire.c), so that the cache and the
 * identities are the ones the mount uses.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/xattr.h>
#include <unistd.h>

#include "profilefs/service.h"
#include "profilefs/tree.h"
#include "profilefs/util.h"
#include "batch_i.h"
#include "cli_i.h"

#define STATS_XATTR "user.profilefs.stats"

static const char warm_usage[] =
	"usage: profilefs warm [--jobs N] [options] PATH...\n"
	"       profilefs warm [--jobs N] [options] IMAGE\n"
	"       profilefs warm [--jobs N] [options] --root=IMAGE PATH...\n";

static const char warm_about[] =
	"\n"
	"Fills the cache ahead of the reads. PATH is a source tree or a "
	"profilefs\n"
	"mountpoint (or a folder in one):\n"
	"  - a source tree: every binary below PATH (by the mount's rule) "
	"whose\n"
	"    profile the cache does not hold for the file's identity is "
	"computed\n"
	"    and stored; those held are not read (\"cached\"), nor is what "
	"is\n"
	"    not a regular file or is over --max-size (\"skipped\"); a file "
	"the\n"
	"    time limit stops is counted apart, and not stored.\n"
	"    Give it the options about the cache, the files and the rules\n"
	"    that the mount is given;\n"
	"  - a mountpoint: every *.md below PATH is read through the mount,\n"
	"    so that the daemon computes and caches it.\n"
	"  - IMAGE, a file (not a binary: no MZ) or block device holding an "
	"NTFS\n"
	"    volume (--partition for a whole disk): every binary in it, as "
	"for a\n"
	"    source tree; with --root=IMAGE every binary below each PATH "
	"inside\n"
	"    it, also given as IMAGE:/PATH (profilefs profile --help).\n"
	"Each profile is stored as soon as it is made: an interrupted run "
	"keeps\n"
	"what it finished, and the next run does only the rest. On a "
	"terminal a\n"
	"progress line is shown on standard error; a summary line ends "
	"every run.\n"
	"\n"
	"Options (the mount's mean the same here; for a mountpoint, only "
	"--jobs\n"
	"counts):\n";

static const char warm_exit[] =
	"\nExit status: 0 every file done, 1 a file could not be profiled or "
	"read\n"
	"(each is named on standard error), 2 a usage error, 130 interrupted "
	"by\n"
	"SIGINT, 143 by SIGTERM (what was finished stays cached).\n";

struct warm {
	struct batch list;
	uint64_t *sizes; /* of each item's binary */
	uint64_t total;	 /* of all */
	struct tree *tree;
	const char *root;
	struct svc *pv; /* a source tree; NULL: through a mount */
	int tty;
	double t0;
	/* what was done: each file is one of computed, cached, skipped,
	 * timed_out (each as enum svc_warmed) or failed */
	atomic_ullong files, bytes, done[SVC_WARMED_TIMED_OUT + 1], failed,
		read_bytes;
	pthread_mutex_t say;
	int shown; /* a progress line is on the terminal */
};

/* ---- progress ---------------------------------------------------------- */

static void clear_line(struct warm *w)
{
	if (w->shown)
		fputs("\r\033[K", stderr);
	w->shown = 0;
}

static void fail(struct warm *w, size_t i, int err)
{
	char *path = path_join(w->root, w->list.rel[i]);

	pthread_mutex_lock(&w->say);
	clear_line(w);
	batch_say(path ? path : w->list.rel[i], strerror(err));
	pthread_mutex_unlock(&w->say);
	free(path);
	atomic_fetch_add(&w->failed, 1);
}

static void tick(void *ctx)
{
	struct warm *w = ctx;
	double t = util_now() - w->t0, mb, rate;
	unsigned long long done = atomic_load(&w->bytes);
	long eta = -1;

	if (!w->tty)
		return;
	mb = (double)done / 1e6;
	rate = t > 0 ? mb / t : 0;
	if (rate > 0 && w->total >= done)
		eta = (long)((double)(w->total - done) / 1e6 / rate);
	pthread_mutex_lock(&w->say);
	fprintf(stderr,
		"\r\033[Kprofilefs warm: %llu/%zu files, %.0f/%.0f MB, "
		"%.1f MB/s",
		(unsigned long long)atomic_load(&w->files), w->list.n, mb,
		(double)w->total / 1e6, rate);
	if (eta >= 0)
		fprintf(stderr, ", ETA %ld:%02ld", eta / 60, eta % 60);
	w->shown = 1;
	pthread_mutex_unlock(&w->say);
}

/* ---- the work -------------------------------------------------------- */

static void done(struct warm *w, size_t i)
{
	atomic_fetch_add(&w->files, 1);
	atomic_fetch_add(&w->bytes, w->sizes[i]);
}

/* a source tree: through the service */
static void warm_one(void *ctx, size_t i)
{
	struct warm *w = ctx;
	enum svc_warmed what;
	uint64_t read;
	int rc;

	rc = svc_warm(w->pv, w->list.rel[i], &what, &read);
	if (rc == -EINTR && batch_stopped)
		return; /* cancelled: neither done nor failed */
	if (rc) {
		fail(w, i, -rc);
		return;
	}
	atomic_fetch_add(&w->done[what], 1);
	atomic_fetch_add(&w->read_bytes, read);
	done(w, i);
}

/* a mountpoint: every byte of the profile read through it */
static void read_one(void *ctx, size_t i)
{
	struct warm *w = ctx;
	static __thread char buf[1 << 17];
	struct tree_file *f;
	struct stat st;
	ssize_t n;
	int fd, rc;

	rc = tree_file_open(w->tree, w->list.rel[i], &f, &st);
	if (rc) {
		fail(w, i, -rc);
		return;
	}
	/* read(), not pread: a signal ends it with EINTR */
	fd = tree_file_fd(f);
	while ((n = read(fd, buf, sizeof(buf))) > 0 && !batch_stopped)
		;
	if (n < 0 && !(errno == EINTR && batch_stopped))
		fail(w, i, errno);
	else if (!batch_stopped)
		done(w, i);
	tree_file_close(f);
}

/* ---- the list ---------------------------------------------------------- */

/* the size of each item's binary: itself, or (through a mount) the file
 * its .md is beside */
static int size_list(struct warm *w, int mount)
{
	struct stat st;
	size_t i;

	w->sizes = calloc(w->list.n ? w->list.n : 1, sizeof(*w->sizes));
	if (!w->sizes)
		return -ENOMEM;
	for (i = 0; i < w->list.n; i++) {
		char *rel = w->list.rel[i];
		size_t len = strlen(rel);
		int rc;

		if (mount && len > 3) {
			rel[len - 3] = '\0';
			rc = tree_lstat(w->tree, rel, &st);
			rel[len - 3] = '.';
		} else {
			rc = tree_lstat(w->tree, rel, &st);
		}
		if (rc == 0 && S_ISREG(st.st_mode))
			w->sizes[i] = (uint64_t)st.st_size;
		w->total += w->sizes[i];
	}
	return 0;
}

/*
 * The root of the file system that holds path (the topmost folder above
 * it on the same device), when that is a profilefs mount (it answers the
 * stats xattr); NULL otherwise.
 */
static char *mount_root(const char *path)
{
	struct stat st, up;
	char *dir = strdup(path), *slash;
	char probe[16];

	if (!dir || stat(dir, &st) != 0) {
		free(dir);
		return NULL;
	}
	if (!S_ISDIR(st.st_mode) && (slash = strrchr(dir, '/')) != NULL)
		*(slash == dir ? slash + 1 : slash) = '\0';
	for (;;) {
		if (getxattr(dir, STATS_XATTR, probe, 0) > 0)
			return dir;
		if (strcmp(dir, "/") == 0)
			break;
		slash = strrchr(dir, '/');
		if (!slash)
			break;
		*(slash == dir ? slash + 1 : slash) = '\0';
		if (stat(dir, &up) != 0 || up.st_dev != st.st_dev)
			break;
	}
	free(dir);
	return NULL;
}

/* the computed= counter of a mount's stats */
static unsigned long long mount_computed(const char *root)
{
	char text[1024];
	ssize_t n = getxattr(root, STATS_XATTR, text, sizeof(text) - 1);
	char *p;

	if (n <= 0)
		return 0;
	text[n] = '\0';
	p = strstr(text, "computed=");
	return p ? strtoull(p + 9, NULL, 10) : 0;
}

/* ---- the command line -------------------------------------------------- */

/* the options, and the PATHs in rest: 0, or the exit status (said) */
static int parse(int argc, char **argv, struct cli_opts *o, char ***rest,
		 int *nrest, char ***owned)
{
	int rc = cli_opts_parse(CMD_WARM, argc, argv, o, rest, nrest, owned);

	if (rc)
		return rc;
	if (o->help) {
		printf("%s%s", warm_usage, warm_about);
		cli_opts_print_help(stdout, CMD_WARM);
		printf("%s", warm_exit);
		return -1;
	}
	if (*nrest == 0) {
		fprintf(stderr, "profilefs warm: no PATH given (--help says "
				"more)\n");
		return 2;
	}
	return 0;
}

/* The files: binaries below each PATH, or (mount) the *.md below it. */
static int make_list(struct warm *w, const struct svc_names *bins, char **abs,
		     size_t nabs, int *failed)
{
	struct svc_names *md = NULL;
	size_t i;
	int rc = 0;

	if (!bins && svc_names_new("md", 0, &md))
		return 1;
	for (i = 0; i < nabs && !rc; i++)
		rc = batch_add(&w->list, w->tree, w->root, abs[i], 1,
			       bins ? bins : md, failed);
	svc_names_free(md);
	if (!rc) {
		batch_sort(&w->list);
		rc = size_list(w, !bins);
	}
	if (rc) {
		fprintf(stderr, "profilefs warm: %s\n", strerror(-rc));
		return 1;
	}
	return 0;
}

static void summary(struct warm *w, double secs)
{
	double mb = (double)atomic_load(&w->read_bytes) / 1e6;

	pthread_mutex_lock(&w->say);
	clear_line(w);
	fprintf(stderr,
		"profilefs warm: %zu files: %llu computed, %llu cached, "
		"%llu skipped, %llu stopped by the time limit, %llu "
		"failed%s; %.1f MB read in %.2f s (%.1f MB/s)\n",
		w->list.n,
		(unsigned long long)atomic_load(&w->done[SVC_WARMED_COMPUTED]),
		(unsigned long long)atomic_load(&w->done[SVC_WARMED_CACHED]),
		(unsigned long long)atomic_load(&w->done[SVC_WARMED_SKIPPED]),
		(unsigned long long)atomic_load(&w->done[SVC_WARMED_TIMED_OUT]),
		(unsigned long long)atomic_load(&w->failed),
		batch_stopped ? ", interrupted" : "", mb, secs,
		secs > 0 ? mb / secs : 0.0);
	pthread_mutex_unlock(&w->say);
}

/* the PATHs' realpaths, all in the one mount when mount_at is set */
static int resolve(char **args, int n, char ***abs, size_t *nabs,
		   char **mount_at, int *failed)
{
	int i;

	*abs = calloc((size_t)n + 1, sizeof(**abs));
	if (!*abs)
		return 1;
	for (i = 0; i < n; i++) {
		char *a = realpath(args[i], NULL), *m;

		if (!a) {
			batch_say(args[i], strerror(errno));
			(*failed)++;
			continue;
		}
		m = mount_root(a);
		if (*nabs &&
		    (!*mount_at != !m || (m && strcmp(m, *mount_at)))) {
			fprintf(stderr,
				"profilefs warm: give the PATHs of one mount, "
				"or source trees only\n");
			free(a);
			free(m);
			return 2;
		}
		if (m && !*mount_at)
			*mount_at = m;
		else
			free(m);
		(*abs)[(*nabs)++] = a;
	}
	return *nabs ? 0 : 1;
}

/* the list's files warmed on jobs threads: the exit status */
static int run(struct warm *w, const char *mount_at, unsigned jobs, int failed)
{
	unsigned long long before = 0;

	batch_catch_signals(0); /* a read (through a mount) ends with EINTR */
	w->tty = isatty(2);
	w->t0 = util_now();
	if (mount_at)
		before = mount_computed(mount_at);
	batch_each(&w->list, jobs ? jobs : batch_default_jobs(),
		   mount_at ? read_one : warm_one, w, &batch_stopped, tick);
	if (mount_at) {
		/* what the daemon computed meanwhile (others' reads
		 * included); read_bytes: the profiles' binaries */
		unsigned long long c = mount_computed(mount_at) - before;
		unsigned long long d = atomic_load(&w->files);

		atomic_store(&w->done[SVC_WARMED_COMPUTED], c < d ? c : d);
		atomic_store(&w->done[SVC_WARMED_CACHED], d - (c < d ? c : d));
		atomic_store(&w->read_bytes, atomic_load(&w->bytes));
	}
	summary(w, util_now() - w->t0);
	failed += (int)atomic_load(&w->failed);
	return batch_stopped ? 128 + batch_stopped : failed ? 1 : 0;
}

/* the list, and for a source tree the service: 0, or the exit status */
static int prepare(struct warm *w, struct wire *wire, const struct cli_opts *o,
		   char **abs, size_t nabs, int mount, int *failed)
{
	struct wire_how how = { .cmd = CMD_WARM,
				.source = w->root,
				.cache_needed = 1,
				.no_render = 1 };
	struct tree_opts to = { .volume_name = o->volume_id };
	int status;

	status = tree_open_posix(w->root, &to, &w->tree);
	if (status) {
		batch_say(w->root, strerror(-status));
		return 1;
	}
	status = mount ? 0 : wire_prepare(wire, o, &how);
	if (!status)
		status = make_list(w, mount ? NULL : wire->names, abs, nabs,
				   failed);
	if (!status && !mount)
		status = wire_start(wire, w->tree);
	w->pv = wire->pv;
	return status;
}

/* a single operand that is a volume's file (no MZ: not a binary) or
 * device: the whole volume */
static int whole_volume(char **rest, int nrest, const struct cli_opts *o)
{
	const char *inside;
	char *image, head[2] = { 0, 0 };
	struct stat st;
	int fd, r;

	if (nrest != 1 || o->root || stat(rest[0], &st) != 0)
		return 0;
	r = batch_image_operand(rest[0], &image, &inside);
	free(image);
	if (r)
		return 0;
	if (S_ISBLK(st.st_mode))
		return 1;
	if (!S_ISREG(st.st_mode))
		return 0;
	fd = open(rest[0], O_RDONLY | O_CLOEXEC | O_NOCTTY);
	if (fd < 0)
		return 0;
	r = pread(fd, head, sizeof(head), 0) == 2;
	close(fd);
	return r && !(head[0] == 'M' && head[1] == 'Z');
}

/* the list and the service over an NTFS volume: 0, or the exit status */
static int prepare_volume(struct warm *w, struct wire *wire,
			  const struct cli_opts *o, const char *image,
			  const char **rels, int n, int *failed)
{
	struct wire_how how = { .cmd = CMD_WARM,
				.source = image,
				.cache_needed = 1,
				.no_render = 1 };
	int i, status, rc = 0;

	status = batch_open_volume(image, o->partition, o->volume_id, &w->tree);
	if (!status)
		status = wire_prepare(wire, o, &how);
	for (i = 0; !status && !rc && i < n; i++)
		rc = batch_add_rel(&w->list, w->tree, w->root, rels[i], 1,
				   wire->names, failed);
	if (!status && !rc) {
		batch_sort(&w->list);
		rc = size_list(w, 0);
	}
	if (rc) {
		fprintf(stderr, "profilefs warm: %s\n", strerror(-rc));
		status = 1;
	}
	if (!status)
		status = wire_start(wire, w->tree);
	w->pv = wire->pv;
	return status;
}

/* a run over an NTFS volume: the exit status */
static int warm_volume(struct warm *w, struct wire *wire,
		       const struct cli_opts *o, char *image, const char **rels,
		       int n)
{
	char *shown = NULL;
	int failed = 0, status = 1;

	if (asprintf(&shown, "%s:", image) >= 0) {
		w->root = shown;
		status = prepare_volume(w, wire, o, image, rels, n, &failed);
		if (!status)
			status = run(w, NULL, o->jobs, failed);
		w->root = NULL;
		free(shown);
	}
	return status;
}

int cli_warm(int argc, char **argv)
{
	struct cli_opts o = { 0 };
	struct warm w = { 0 };
	struct wire wire = { 0 };
	char **abs = NULL, *mount_at = NULL, *root = NULL, *image = NULL;
	const char **rels = NULL;
	char **rest = NULL, **owned = NULL;
	size_t nabs = 0, i;
	int status, failed = 0, nrest = 0;

	pthread_mutex_init(&w.say, NULL);
	status = parse(argc, argv, &o, &rest, &nrest, &owned);
	if (!status && whole_volume(rest, nrest, &o)) {
		static const char *all[] = { "" };

		image = realpath(rest[0], NULL);
		status = image ? warm_volume(&w, &wire, &o, image, all, 1) : 1;
		goto out;
	}
	if (!status)
		status = batch_volume_args(o.root, rest, nrest, &image, &rels);
	if (!status && image) {
		status = warm_volume(&w, &wire, &o, image, rels, nrest);
		goto out;
	}
	if (!status)
		status = resolve(rest, nrest, &abs, &nabs, &mount_at, &failed);
	if (!status && !mount_at && o.root) {
		root = realpath(o.root, NULL);
		if (!root) {
			batch_say(o.root, strerror(errno));
			status = 1;
		}
	} else if (!status && !mount_at && batch_guess_root(abs, nabs, &root)) {
		status = 1;
	}
	w.root = mount_at ? mount_at : root;
	if (!status)
		status = prepare(&w, &wire, &o, abs, nabs, mount_at != NULL,
				 &failed);
	if (!status)
		status = run(&w, mount_at, o.jobs, failed);
out:
	wire_close(&wire);
	tree_close(w.tree);
	batch_free(&w.list);
	free(w.sizes);
	for (i = 0; abs && i < nabs; i++)
		free(abs[i]);
	free(abs);
	free(mount_at);
	free(root);
	free(image);
	free(rels);
	cli_opts_free_words(owned);
	free(rest);
	cli_opts_free(&o);
	pthread_mutex_destroy(&w.say);
	return status < 0 ? 0 : status;
}

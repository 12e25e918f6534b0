/*
 * The mount's command line: FUSE's option syntax (-o a,b, -f, -d) plus
 * ours, from the table in options.c (parsed by opts.c): each as --name=V,
 * --name V and -o name=V in dash or underscore spelling (for fstab and
 * mount(8), which runs us as `profilefs SOURCE MOUNTPOINT -o OPTS`).
 *
 * Mistakes are said in one line and give 2; --help alone prints the whole
 * help.
 */
#define FUSE_USE_VERSION 312
#include <errno.h>
#include <fuse.h>
#include <fuse_log.h>
#include <fuse_lowlevel.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "profilefs/fs.h"
#include "profilefs/sig.h"
#include "profilefs/tree.h"
#include "profilefs/util.h"
#include "cli_i.h"

static const char mount_usage[] =
	"usage: profilefs [options] SOURCE MOUNTPOINT\n"
	"       profilefs profile [options] FILE...\n"
	"       profilefs rules add|list|update|remove ...\n"
	"       profilefs warm [--jobs N] [options] PATH...\n";

static const char mount_about[] =
	"\n"
	"Mounts SOURCE read-only at MOUNTPOINT (which may be SOURCE itself) "
	"and shows\n"
	"beside every binary B a Markdown profile B.md (hashes, ...), computed "
	"on\n"
	"first read and cached. SOURCE is a folder, or a file or block "
	"device\n"
	"holding an NTFS volume (bare, or a partition of a whole disk: "
	"--partition),\n"
	"read as it is without mounting it. Unmount with: fusermount3 -u "
	"MOUNTPOINT\n"
	"\n"
	"Options (each also as -o name=V or -o name_with_underscores=V, for "
	"fstab):\n";

static const char mount_more[] =
	"\n"
	"profilefs profile --help and profilefs rules --help show those "
	"commands;\n"
	"man profilefs tells more. The mount's counters:\n"
	"    getfattr -n user.profilefs.stats MOUNTPOINT\n";

#define SEE_HELP " (profilefs --help lists the options)"

static const char mount_exit[] =
	"Exit status: 0 mounted (or, with -f, unmounted cleanly), 1 the mount "
	"or the\n"
	"source failed, 2 a usage error (an option, a value or an argument).\n";

/* ---- libfuse's word on its options -------------------------------------- */

static char fuse_said[256];

static void capture_log(enum fuse_log_level level, const char *fmt, va_list ap)
{
	size_t used = strlen(fuse_said);

	/* libfuse says one thing in several calls ("...: `", arg, "'\n") */
	(void)level;
	if (!strchr(fuse_said, '\n') && used + 1 < sizeof(fuse_said))
		vsnprintf(fuse_said + used, sizeof(fuse_said) - used, fmt, ap);
}

/* what libfuse said, in one line of ours */
static void say_fuse(void)
{
	const char *s = fuse_said;
	size_t len;

	if (strncmp(s, "fuse: ", 6) == 0)
		s += 6;
	len = strcspn(s, "\n");
	fprintf(stderr, "profilefs: %.*s" SEE_HELP "\n", (int)len,
		*s ? s : "bad arguments");
}

/*
 * The options left for FUSE, tried on a struct fuse that is never
 * mounted: an unknown one is then a usage error said in one line, before
 * anything is opened. 0 or -1.
 */
static int fuse_accepts(const struct fuse_args *left)
{
	static const struct fuse_operations none;
	struct fuse_args copy = FUSE_ARGS_INIT(0, NULL);
	struct fuse *f = NULL;
	int i, ok = 1;

	for (i = 0; i < left->argc && ok; i++)
		ok = fuse_opt_add_arg(&copy, left->argv[i]) == 0;
	if (ok) {
		fuse_set_log_func(capture_log);
		f = fuse_new(&copy, &none, sizeof(none), NULL);
		fuse_set_log_func(NULL);
	}
	fuse_opt_free_args(&copy);
	if (!f)
		return -1;
	fuse_destroy(f);
	return 0;
}

/* ---- the mount ----------------------------------------------------------- */

static void print_help(void)
{
	printf("%s%s", mount_usage, mount_about);
	cli_opts_print_help(stdout, CMD_MOUNT);
	printf("\n%s%s", mount_exit, mount_more);
}

/* the service, once the daemon has detached (fs_service) */
static int start(void *ctx, struct tree *tree, int (*caller_gone)(void),
		 struct svc **pv, int *cached)
{
	struct wire *w = ctx;

	w->how.caller_gone = caller_gone;
	/* a refusal (2, said) is a usage error: fs_exit_status() */
	switch (wire_start(w, tree)) {
	case 0:
		break;
	case 2:
		return -EINVAL;
	default:
		return -EIO;
	}
	/* what the mount trusts, in its log (syslog once detached: the
	 * terminal gets only what is wrong) */
	log_info("trust: %zu root certificates (Microsoft's root program: "
		 "%s; the system's bundle: %s; --trust files: %zu)",
		 sig_trust_count(w->trust),
		 w->o->sign.no_default_trust ? "no" : "yes",
		 w->o->sign.system_trust ? "yes" : "no", w->o->sign.ntrust);
	*pv = w->pv;
	*cached = w->cache != NULL;
	return 0;
}

static void stop(void *ctx)
{
	wire_stop(ctx);
}

/* the source's tree, opened before the mount (and so before the daemon
 * detaches: what is wrong with it is said on the terminal): 0 or 1 */
static int open_source(struct fs_config *cfg, const struct cli_opts *o)
{
	struct tree_opts to = { .partition = o->partition,
				.volume_name = o->volume_id };
	char err[1024] = "";
	const char *warn;
	int rc = tree_open(cfg->source, &to, &cfg->tree, err, sizeof(err));

	if (rc) {
		if (err[0])
			fprintf(stderr, "profilefs: %s\n", err);
		else
			fprintf(stderr,
				"profilefs: cannot open the source %s: %s\n",
				cfg->source, strerror(-rc));
		return 1;
	}
	warn = tree_warning(cfg->tree);
	if (warn) {
		fprintf(stderr, "profilefs: %s: %s\n", cfg->source, warn);
		log_warn("%s: %s", cfg->source, warn);
	}
	return 0;
}

/* fills cfg and prepares w from o: 0, or the exit status */
static int configure(struct fs_config *cfg, struct wire *w,
		     const struct cli_opts *o, int source_is_dir)
{
	struct wire_how how = { .cmd = CMD_MOUNT, .rescan = 1 };
	int rc;

	/* the same folder is an in-place mount (a volume's file or device
	 * is read with pread: no folder to be inside of): the source is opened
	 * before mounting and read by descriptor (fs_main), under the mount */
	if (source_is_dir && strcmp(cfg->mountpoint, cfg->source) != 0 &&
	    (path_within(cfg->mountpoint, cfg->source) ||
	     path_within(cfg->source, cfg->mountpoint))) {
		fprintf(stderr,
			"profilefs: the mountpoint %s and the source "
			"%s may not lie one inside the other (they may be "
			"the same folder)\n",
			cfg->mountpoint, cfg->source);
		return 2;
	}
	/* a second one would hide the first, which one unmount leaves */
	if (fs_mounted_at(cfg->mountpoint)) {
		fprintf(stderr,
			"profilefs: %s is a profilefs mount already; unmount "
			"it first (fusermount3 -u %s)\n",
			cfg->mountpoint, cfg->mountpoint);
		return 2;
	}
	if (o->warm && o->no_cache) {
		fprintf(stderr,
			"profilefs: warm keeps what it computes in the "
			"cache: it cannot go with no-cache" SEE_HELP "\n");
		return 2;
	}
	rc = open_source(cfg, o);
	if (rc)
		return rc;
	how.source = cfg->source;
	how.mountpoint = cfg->mountpoint;
	how.progress = cfg->foreground;
	rc = wire_prepare(w, o, &how);
	if (rc)
		return rc;
	cfg->names = w->names;
	cfg->formats = o->formats;
	cfg->view = o->view;
	cfg->warm = o->warm;
	cfg->stat_computes = o->stat_computes;
	cfg->kernel_cache = o->kernel_cache;
	cfg->service = (struct fs_service){ start, stop, w };
	return 0;
}

/* SOURCE: the first operand, taken out of the words left for FUSE */
static char *take_source(char **rest, int *nrest)
{
	int i, dd = 0;

	for (i = 0; i < *nrest; i++) {
		if (!dd && !strcmp(rest[i], "--")) {
			dd = 1;
			continue;
		}
		if (dd || rest[i][0] != '-' || !rest[i][1])
			break;
	}
	if (i == *nrest)
		return NULL;
	char *source = rest[i];

	memmove(rest + i, rest + i + 1,
		(size_t)(*nrest - i - 1) * sizeof(*rest));
	(*nrest)--;
	return source;
}

/* the words left for FUSE parsed as its command line: 0 or 2 (said) */
static int fuse_cmdline(const char *argv0, char **rest, int nrest,
			struct fuse_args *args, struct fuse_cmdline_opts *fo)
{
	int i, rc = fuse_opt_add_arg(args, argv0);

	for (i = 0; i < nrest && !rc; i++)
		rc = fuse_opt_add_arg(args, rest[i]);
	if (rc)
		return 1;
	fuse_said[0] = '\0';
	fuse_set_log_func(capture_log);
	rc = fuse_parse_cmdline(args, fo);
	fuse_set_log_func(NULL);
	if (rc) {
		say_fuse();
		return 2;
	}
	return 0;
}

/* the operands and FUSE's options: 0, or the exit status (said) */
static int mount_args(struct fs_config *cfg, const char *argv0, char **rest,
		      int nrest, struct fuse_args *args,
		      struct fuse_cmdline_opts *fo, int *source_is_dir)
{
	char *source = take_source(rest, &nrest);
	int rc = fuse_cmdline(argv0, rest, nrest, args, fo);

	if (rc)
		return rc;
	if (!source || !fo->mountpoint) {
		fprintf(stderr,
			"profilefs: SOURCE and MOUNTPOINT are needed; "
			"profilefs --help tells more\n%s",
			mount_usage);
		return 2;
	}
	if (fuse_accepts(args)) {
		say_fuse();
		return 2;
	}
	cfg->foreground = fo->foreground;
	cfg->source = cli_resolve_source("source", source, source_is_dir);
	cfg->mountpoint = cli_resolve_dir("mountpoint", fo->mountpoint);
	return cfg->source && cfg->mountpoint ? 0 : 1;
}

int cli_mount(int argc, char **argv)
{
	struct fuse_args args = FUSE_ARGS_INIT(0, NULL);
	struct fuse_cmdline_opts fo;
	struct cli_opts o;
	struct fs_config cfg;
	struct wire w;
	char **rest = NULL, **owned = NULL;
	int nrest = 0, rc, source_is_dir = 0;

	memset(&o, 0, sizeof(o));
	memset(&fo, 0, sizeof(fo));
	memset(&cfg, 0, sizeof(cfg));
	memset(&w, 0, sizeof(w));
	rc = cli_opts_parse(CMD_MOUNT, argc, argv, &o, &rest, &nrest, &owned);
	if (rc || o.help || o.version) {
		if (!rc && o.help)
			print_help();
		else if (!rc)
			printf("profilefs %s (libfuse %s)\n", PROFILEFS_VERSION,
			       fuse_pkgversion());
		goto out;
	}
	rc = mount_args(&cfg, argv[0], rest, nrest, &args, &fo, &source_is_dir);
	if (!rc)
		rc = configure(&cfg, &w, &o, source_is_dir);
	if (rc)
		goto out;
	/* what is left in args (argv[0], -o options, -d, -s) goes to FUSE */
	if (fo.debug)
		fuse_opt_add_arg(&args, "-d");
	if (fo.singlethread)
		log_warn("-s is ignored: profilefs always serves in threads");
	rc = fs_exit_status(fs_main(&cfg, args.argc, args.argv));
out:
	wire_close(&w);
	tree_close(cfg.tree);
	free((char *)cfg.source);
	free((char *)cfg.mountpoint);
	fuse_opt_free_args(&args);
	free(fo.mountpoint);
	cli_opts_free_words(owned);
	free(rest);
	cli_opts_free(&o);
	return rc;
}

/*
 * The mount's command line: FUSE's option syntax (-o a,b, -f, -d) plus
 * ours, from the table in mopts.c: each as --name=V, --name V and -o
 * name=V in dash or underscore spelling (for fstab and mount(8), which
 * runs us as `profilefs SOURCE MOUNTPOINT -o OPTS`).
 *
 * Mistakes are said in one line and give 2; --help alone prints the whole
 * help.
 */
#define FUSE_USE_VERSION 312
#include <errno.h>
#include <limits.h>
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
#include "profilefs/util.h"
#include "cli_i.h"
#include "mopts.h"

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
	"first read and cached. Unmount with: fusermount3 -u MOUNTPOINT\n"
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

/* the options parsed by hand, before and beside the table's */
struct cli_flags {
	int help;
	int version;
	int bad; /* a table option was refused (and said so) */
	char *source;
};

struct parse {
	struct mount_opts o;
	struct cli_flags c;
};

enum { KEY_HELP = 1, KEY_VERSION, KEY_BASE = 1000 };

/* ---- values ------------------------------------------------------------ */

/* "dll:exe", "dll,exe", ".dll" -> "dll,exe"; NULL (said) when malformed */
static char *parse_exts(const char *opt, const char *v)
{
	char *out = calloc(1, strlen(v) + 1), *d = out;
	const char *p = v;

	if (!out)
		return NULL;
	for (;;) {
		size_t len = strcspn(p, ":,");
		size_t i;

		if (*p == '.' && len > 0) {
			p++;
			len--;
		}
		for (i = 0; i < len; i++)
			if (!(p[i] >= 'a' && p[i] <= 'z') &&
			    !(p[i] >= 'A' && p[i] <= 'Z') &&
			    !(p[i] >= '0' && p[i] <= '9') && p[i] != '_' &&
			    p[i] != '-')
				break;
		if (len == 0 || i < len) {
			fprintf(stderr,
				"profilefs: %s wants extensions separated by "
				"':' like dll:exe, not %s%s%s" SEE_HELP "\n",
				opt, *v ? "\"" : "an empty list", v,
				*v ? "\"" : "");
			free(out);
			return NULL;
		}
		if (d > out)
			*d++ = ',';
		memcpy(d, p, len);
		d += len;
		p += len;
		if (!*p)
			break;
		p++;
	}
	return out;
}

/* "md:json", "json" -> FS_FORMAT() bits; 0 (said) when malformed */
static unsigned parse_formats(const char *opt, const char *v)
{
	static const char *const names[SVC_FORMATS] = {
		[SVC_MD] = "md",
		[SVC_JSON] = "json",
	};
	const char *p = v;
	unsigned set = 0;
	int f;

	for (;;) {
		size_t len = strcspn(p, ":,");

		for (f = 0; f < SVC_FORMATS; f++)
			if (strlen(names[f]) == len &&
			    strncmp(p, names[f], len) == 0)
				break;
		if (f == SVC_FORMATS) {
			fprintf(stderr,
				"profilefs: %s wants md, json or md:json, "
				"not %s%s%s" SEE_HELP "\n",
				opt, *v ? "\"" : "an empty list", v,
				*v ? "\"" : "");
			return 0;
		}
		set |= FS_FORMAT(f);
		p += len;
		if (!*p)
			break;
		p++;
	}
	return set;
}

static int parse_uint(const char *v, unsigned *out)
{
	char *end;
	unsigned long n;

	if (*v < '0' || *v > '9')
		return -EINVAL;
	errno = 0;
	n = strtoul(v, &end, 10);
	if (errno || *end || n > 0xffffffffUL)
		return -EINVAL;
	*out = (unsigned)n;
	return 0;
}

static int set_str(char **field, const char *v)
{
	char *copy = strdup(v);

	if (!copy)
		return -ENOMEM;
	free(*field);
	*field = copy;
	return 0;
}

/*
 * Sets m from value (NULL: given without '='); opt is the option as the
 * user wrote it, for the message. 0, or -1 when refused (said in one line).
 */
int mopt_set(struct mount_opts *o, const struct mopt *m, const char *opt,
	     const char *v)
{
	char *field = (char *)o + m->off;
	unsigned formats;
	char *exts;

	if (m->kind == MOPT_FLAG) {
		if (v) {
			fprintf(stderr,
				"profilefs: %s takes no value" SEE_HELP "\n",
				opt);
			return -1;
		}
		*(int *)(void *)field = 1;
		return 0;
	}
	if (!v || (!*v && m->kind != MOPT_EXTS && m->kind != MOPT_FORMATS)) {
		fprintf(stderr,
			"profilefs: %s wants a value: %s=%s" SEE_HELP "\n", opt,
			m->name, m->meta);
		return -1;
	}
	switch (m->kind) {
	case MOPT_STR:
		return set_str((char **)(void *)field, v) ? -1 : 0;
	case MOPT_UINT:
		if (parse_uint(v, (unsigned *)(void *)field) == 0)
			return 0;
		fprintf(stderr,
			"profilefs: %s wants a whole number, not "
			"\"%s\"" SEE_HELP "\n",
			opt, v);
		return -1;
	case MOPT_SIZE:
		if (cli_parse_size(v, (uint64_t *)(void *)field) == 0)
			return 0;
		fprintf(stderr,
			"profilefs: %s wants a size like 512M, not "
			"\"%s\"" SEE_HELP "\n",
			opt, v);
		return -1;
	case MOPT_EXTS:
		exts = parse_exts(opt, v);
		if (!exts)
			return -1;
		free(*(char **)(void *)field);
		*(char **)(void *)field = exts;
		return 0;
	case MOPT_FORMATS:
		formats = parse_formats(opt, v);
		if (!formats)
			return -1;
		*(unsigned *)(void *)field = formats;
		return 0;
	case MOPT_TRUST:
	case MOPT_CATALOGS:
		return svc_signing_opt(&o->sign,
				       m->kind == MOPT_TRUST ? SVC_OPT_TRUST
							     : SVC_OPT_CATALOGS,
				       v)
			       ? -1
			       : 0;
	case MOPT_FLAG:
		break;
	}
	return -1;
}

/* ---- the command line -------------------------------------------------- */

/* rows of the table that we parse (the others are spelled literally) */
int mopt_parsed(const struct mopt *m)
{
	return m->name[0] != '-';
}

/* "max-size" -> "max_size" in a new string */
static char *underscored(const char *name, const char *prefix,
			 const char *suffix)
{
	char *s;

	if (asprintf(&s, "%s%s%s", prefix, name, suffix) < 0)
		return NULL;
	for (char *p = s + strlen(prefix); *p; p++)
		if (*p == '-')
			*p = '_';
	return s;
}

/*
 * The fuse_opt templates of the table: --name=, name=, name_us=, and the
 * bare names (a flag, or a valued option missing its value), each keyed
 * KEY_BASE + its row. NULL on no memory; mopt_spec_free() frees.
 */
#define SPELLINGS 8
static struct fuse_opt *mopt_spec(void)
{
	struct fuse_opt *spec =
		calloc(mopt_count * SPELLINGS + 5, sizeof(*spec));
	size_t i, n = 0;

	if (!spec)
		return NULL;
	for (i = 0; i < mopt_count; i++) {
		const struct mopt *m = &mopt_table[i];
		const char *eq = m->meta ? "=" : "";
		char *t[SPELLINGS] = { NULL };
		int k, nt = 0;

		if (!mopt_parsed(m))
			continue;
		t[nt++] = underscored(m->name, "--", eq);
		if (asprintf(&t[nt++], "--%s%s", m->name, eq) < 0)
			t[nt - 1] = NULL;
		t[nt++] = underscored(m->name, "", eq);
		if (asprintf(&t[nt++], "%s%s", m->name, eq) < 0)
			t[nt - 1] = NULL;
		if (!m->meta) { /* refused with a word: "no-cache=1" */
			if (asprintf(&t[nt++], "--%s=", m->name) < 0)
				t[nt - 1] = NULL;
			t[nt++] = underscored(m->name, "", "=");
			if (asprintf(&t[nt++], "%s=", m->name) < 0)
				t[nt - 1] = NULL;
		} else {
			t[nt++] = underscored(m->name, "--", "");
			if (asprintf(&t[nt++], "--%s", m->name) < 0)
				t[nt - 1] = NULL;
			t[nt++] = underscored(m->name, "", "");
			t[nt++] = strdup(m->name);
		}
		for (k = 0; k < nt; k++) {
			spec[n].templ = t[k];
			spec[n].value = (int)(KEY_BASE + i);
			spec[n++].offset = -1U;
			if (!t[k])
				goto fail;
		}
	}
	spec[n++] = (struct fuse_opt)FUSE_OPT_KEY("-h", KEY_HELP);
	spec[n++] = (struct fuse_opt)FUSE_OPT_KEY("--help", KEY_HELP);
	spec[n++] = (struct fuse_opt)FUSE_OPT_KEY("-V", KEY_VERSION);
	spec[n++] = (struct fuse_opt)FUSE_OPT_KEY("--version", KEY_VERSION);
	return spec;
fail:
	for (n = 0; spec[n].templ || spec[n].value; n++)
		free((char *)spec[n].templ);
	free(spec);
	return NULL;
}

static void mopt_spec_free(struct fuse_opt *spec)
{
	for (size_t n = 0; spec && spec[n].templ; n++)
		if (spec[n].value >= KEY_BASE)
			free((char *)spec[n].templ);
	free(spec);
}

/* keeps the first non-option (SOURCE) for us, the rest for libfuse */
static int mount_proc(void *data, const char *arg, int key,
		      struct fuse_args *outargs)
{
	struct parse *p = data;
	const char *eq = strchr(arg, '=');
	char opt[64];

	(void)outargs;
	if (key == KEY_HELP || key == KEY_VERSION) {
		*(key == KEY_HELP ? &p->c.help : &p->c.version) = 1;
		return 0;
	}
	if (key >= KEY_BASE) {
		snprintf(opt, sizeof(opt), "%.*s",
			 (int)(eq ? (size_t)(eq - arg) : strlen(arg)), arg);
		if (mopt_set(&p->o, &mopt_table[key - KEY_BASE], opt,
			     eq ? eq + 1 : NULL)) {
			p->c.bad = 1;
			return -1;
		}
		return 0;
	}
	if (key == FUSE_OPT_KEY_NONOPT && !p->c.source) {
		p->c.source = strdup(arg);
		return p->c.source ? 0 : -1;
	}
	return 1;
}

/* Is a the valued option of a row, spelled --name or --name_us? */
static int valued_word(const char *a)
{
	size_t i;

	if (strncmp(a, "--", 2) != 0 || strchr(a, '='))
		return 0;
	for (i = 0; i < mopt_count; i++) {
		const struct mopt *m = &mopt_table[i];
		size_t k;

		if (!mopt_parsed(m) || !m->meta ||
		    strlen(m->name) != strlen(a + 2))
			continue;
		for (k = 0; m->name[k]; k++)
			if (m->name[k] != a[2 + k] &&
			    !(m->name[k] == '-' && a[2 + k] == '_'))
				break;
		if (!m->name[k])
			return 1;
	}
	return 0;
}

/* -o's text with double-quoted spans made fuse_opt escapes: a,"b,c" ->
 * a,b\,c */
static char *unquote(const char *s)
{
	char *out = malloc(2 * strlen(s) + 1), *d = out;
	int quoted = 0;

	if (!out)
		return NULL;
	for (; *s; s++) {
		if (*s == '"')
			quoted = !quoted;
		else if (*s == ',' && quoted)
			d += sprintf(d, "\\,");
		else
			*d++ = *s;
	}
	*d = '\0';
	return out;
}

/*
 * argv as fuse_opt reads it: "--name VALUE" joined to "--name=VALUE"
 * (fuse_opt matches only the latter), -o's quotes made escapes. The new
 * strings are listed in *owned (freed by the caller with free_words).
 */
static char **normalize(int *argc, char **argv, char ***owned)
{
	char **out = calloc((size_t)*argc + 1, sizeof(*out));
	char **mine = calloc((size_t)*argc + 1, sizeof(*mine));
	int i, n = 0, nm = 0;

	if (!out || !mine)
		goto fail;
	for (i = 0; i < *argc; i++) {
		char *w = argv[i];

		if (i > 0 && valued_word(argv[i]) && i + 1 < *argc) {
			if (asprintf(&w, "%s=%s", argv[i], argv[i + 1]) < 0)
				goto fail;
			mine[nm++] = w;
			i++;
		} else if (i > 0 && strncmp(argv[i], "-o", 2) == 0 &&
			   strchr(argv[i], '"')) {
			w = unquote(argv[i]);
			if (!w)
				goto fail;
			mine[nm++] = w;
		} else if (i > 0 && i + 1 < *argc &&
			   strcmp(argv[i], "-o") == 0 &&
			   strchr(argv[i + 1], '"')) {
			out[n++] = argv[i++];
			w = unquote(argv[i]);
			if (!w)
				goto fail;
			mine[nm++] = w;
		}
		out[n++] = w;
	}
	*argc = n;
	*owned = mine;
	return out;
fail:
	for (i = 0; mine && i < nm; i++)
		free(mine[i]);
	free(mine);
	free(out);
	return NULL;
}

static void free_words(char **w)
{
	for (size_t i = 0; w && w[i]; i++)
		free(w[i]);
	free(w);
}

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

/* the table's defaults, as if given first */
int mopt_defaults(struct mount_opts *o)
{
	for (size_t i = 0; i < mopt_count; i++) {
		const struct mopt *m = &mopt_table[i];

		if (mopt_parsed(m) && m->def && mopt_set(o, m, m->name, m->def))
			return -1;
	}
	return 0;
}

void mopt_free(struct mount_opts *o)
{
	free(o->cache);
	free(o->rules);
	free(o->drive);
	free(o->ext);
	free(o->volume_id);
	free(o->view);
	svc_signing_opts_free(&o->sign);
}

static void print_help(void)
{
	printf("%s%s", mount_usage, mount_about);
	mopt_print_help(stdout);
	printf("\n%s%s", mopt_help_exit, mount_more);
}

/* fills cfg from what was parsed: 0, or the exit status */
static int configure(struct fs_config *cfg, struct parse *p,
		     const struct fuse_cmdline_opts *fo)
{
	struct mount_opts *o = &p->o;
	char err[8192];
	int rc;

	rc = cli_config_parse(cfg, p->c.source, fo->mountpoint, o->cache,
			      o->no_cache, o->drive, o->ext, o->sniff_mz);
	if (!rc)
		rc = cli_rules_path(o->rules, cfg->mountpoint,
				    (char **)&cfg->rules_path);
	if (rc)
		return rc;
	cfg->foreground = fo->foreground;
	cfg->trust_metadata = o->trust_metadata;
	cfg->formats = o->formats;
	cfg->view = o->view;
	cfg->warm = o->warm;
	if (!o->view || strchr(o->view, '/') || !strcmp(o->view, ".") ||
	    !strcmp(o->view, "..") || strlen(o->view) > NAME_MAX) {
		fprintf(stderr, "profilefs: view wants one file name, like "
				".profiles" SEE_HELP "\n");
		return 2;
	}
	if (o->warm && !cfg->cache_path) {
		fprintf(stderr,
			"profilefs: warm keeps what it computes in the "
			"cache: it cannot go with no-cache" SEE_HELP "\n");
		return 2;
	}
	cfg->volume_name = o->volume_id;
	cfg->limits.max_seconds = o->time_limit;
	cfg->limits.max_size = o->max_size;
	cfg->memory = o->memory;
	cfg->kernel_cache = o->kernel_cache;
	if (o->memory && o->memory < CLI_MEMORY_MIN) {
		fprintf(stderr, "profilefs: memory wants a size of at least "
				"16M, like 256M" SEE_HELP "\n");
		return 2;
	}
	rc = svc_signing_trust(&o->sign, &cfg->trust, err, sizeof(err));
	if (rc) {
		fprintf(stderr, "profilefs: %s\n", err);
		return rc == -ENOMEM ? 1 : 2;
	}
	/* what the mount trusts, in its log */
	log_info("trust: %zu root certificates (Microsoft's root program: "
		 "%s; the system's bundle: %s; --trust files: %zu)",
		 sig_trust_count(cfg->trust),
		 o->sign.no_default_trust ? "no" : "yes",
		 o->sign.system_trust ? "yes" : "no", o->sign.ntrust);
	rc = svc_signing_catalogs(&o->sign, cfg->source, &cfg->catalogs, err,
				  sizeof(err));
	if (rc)
		fprintf(stderr, "profilefs: %s\n", err);
	return rc ? (rc == -ENOMEM ? 1 : 2) : 0;
}

int cli_mount(int argc, char **argv)
{
	char **owned = NULL;
	char **words = normalize(&argc, argv, &owned);
	struct fuse_args args = FUSE_ARGS_INIT(argc, words);
	struct fuse_opt *spec = mopt_spec();
	struct fuse_cmdline_opts fo;
	struct parse p;
	struct fs_config cfg;
	int rc = 1;

	memset(&p, 0, sizeof(p));
	memset(&fo, 0, sizeof(fo));
	memset(&cfg, 0, sizeof(cfg));
	if (!words || !spec || mopt_defaults(&p.o))
		goto out;
	fuse_said[0] = '\0';
	fuse_set_log_func(capture_log);
	rc = fuse_opt_parse(&args, &p, spec, mount_proc) ||
	     fuse_parse_cmdline(&args, &fo);
	fuse_set_log_func(NULL);
	if (rc) {
		if (!p.c.bad)
			say_fuse();
		rc = 2;
		goto out;
	}
	if (p.c.help || fo.show_help) {
		print_help();
		goto out; /* rc 0 */
	}
	if (p.c.version || fo.show_version) {
		printf("profilefs %s (libfuse %s)\n", PROFILEFS_VERSION,
		       fuse_pkgversion());
		goto out;
	}
	if (!p.c.source || !fo.mountpoint) {
		fprintf(stderr,
			"profilefs: SOURCE and MOUNTPOINT are needed; "
			"profilefs --help tells more\n%s",
			mount_usage);
		rc = 2;
		goto out;
	}
	if (fuse_accepts(&args)) {
		say_fuse();
		rc = 2;
		goto out;
	}
	rc = configure(&cfg, &p, &fo);
	if (rc)
		goto out;
	/* what is left in args (argv[0], -o options, -d, -s) goes to FUSE */
	if (fo.debug)
		fuse_opt_add_arg(&args, "-d");
	if (fo.singlethread)
		log_warn("-s is ignored: profilefs always serves in threads");
	rc = fs_main(&cfg, args.argc, args.argv) ? 1 : 0;
out:
	cli_config_free(&cfg);
	fuse_opt_free_args(&args);
	free(fo.mountpoint);
	free(p.c.source);
	mopt_free(&p.o);
	mopt_spec_free(spec);
	free_words(owned);
	free(words);
	return rc;
}

/*
 * `profilefs profile [-r] FILE...`: the profiles a mount would show, on
 * stdout, as Markdown, JSON or JSON Lines; batch.c makes the list and runs
 * the workers.
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>

#include "profilefs/cache.h"
#include "profilefs/rules.h"
#include "profilefs/service.h"
#include "profilefs/util.h"
#include "batch_i.h"
#include "cli_i.h"

static const char profile_usage[] =
	"usage: profilefs profile [options] FILE...\n"
	"       profilefs profile -r [options] DIR...\n"
	"\n"
	"Prints the profile of each FILE to standard output, one after the\n"
	"other, exactly as a mount shows it: Markdown (each starts with its "
	"own\n"
	"--- front matter), or JSON (docs/profile-json.md). With -r, every\n"
	"binary below each DIR (by the mount's rule: --ext, --sniff-mz), "
	"sorted\n"
	"by path. Exit status 1 if any file could not be profiled (each is\n"
	"named on standard error), 2 for a usage error.\n"
	"\n"
	"    --format=FMT  md (default), json (one indented object per file) "
	"or\n"
	"                  jsonl (JSON Lines: one object per line)\n"
	"    -r, --recursive  walk each DIR (symlinks are not followed)\n"
	"    -j, --jobs=N  profile N files at a time (default: one per "
	"core);\n"
	"                  the output is the same for any N\n"
	"    --ext=LIST    with -r, the extensions of binaries, comma-separated"
	"\n"
	"                  (default: " SVC_DEFAULT_EXTS ")\n"
	"    --sniff-mz    with -r, any file that starts with MZ is a binary "
	"too\n"
	"    --root=DIR    File Path is the path below DIR, as if DIR were "
	"mounted\n"
	"                  (default: the folder that holds Windows/ above "
	"the\n"
	"                  arguments, else the argument's folder)\n"
	"    --drive=X:    drive prefix of File Path (default: C:)\n"
	"    --cache=PATH  the cache database (default: " CACHE_DEFAULT_DOC
	")\n"
	"    --no-cache    neither read nor write a cache\n"
	"    --rules=PATH  the rules index (Possible Misuse), default:\n"
	"                  $XDG_DATA_HOME/profilefs/rules.db, else\n"
	"                  ~/.local/share/profilefs/rules.db; for root\n"
	"                  /var/lib/profilefs/rules.db\n"
	"    --trust-metadata  serve a cached profile by the file's device, "
	"inode,\n"
	"                  size, mtime and ctime alone (no SHA-256 check of "
	"the\n"
	"                  file): a file rewritten with those put back keeps "
	"its\n"
	"                  old profile\n"
	"    --volume-id=NAME  the volume in the cache's file identities, as "
	"for\n"
	"                  the mount (default: its UUID, else its device "
	"number)\n"
	"    --max-size=SIZE, --time-limit=SECS   as for the "
	"mount\n" CLI_SIGNING_HELP
	"                       (the CatRoot below --root, that is)\n"
	"    -h, --help    this text\n";

enum format { FMT_MD, FMT_JSON, FMT_JSONL };

struct profile_opts {
	struct prof_limits limits;
	const char *root;
	const char *drive;
	const char *cache;
	const char *rules;
	int no_cache;
	int trust_metadata;
	const char *volume_id;
	struct svc_signing_opts sign;
	enum format format;
	int recursive;
	unsigned jobs; /* 0: one per core */
	const char *exts;
	int sniff_mz;
};

static int parse_format(const char *s, enum format *out)
{
	if (strcmp(s, "md") == 0)
		*out = FMT_MD;
	else if (strcmp(s, "json") == 0)
		*out = FMT_JSON;
	else if (strcmp(s, "jsonl") == 0)
		*out = FMT_JSONL;
	else
		return -EINVAL;
	return 0;
}

static int parse(int argc, char **argv, struct profile_opts *o)
{
	static const struct option longs[] = {
		{ "root", required_argument, NULL, 'R' },
		{ "format", required_argument, NULL, 'f' },
		{ "recursive", no_argument, NULL, 'r' },
		{ "jobs", required_argument, NULL, 'j' },
		{ "ext", required_argument, NULL, 'e' },
		{ "sniff-mz", no_argument, NULL, 'z' },
		{ "drive", required_argument, NULL, 'd' },
		{ "cache", required_argument, NULL, 'c' },
		{ "no-cache", no_argument, NULL, 'n' },
		{ "rules", required_argument, NULL, 'U' },
		{ "trust-metadata", no_argument, NULL, 'M' },
		{ "volume-id", required_argument, NULL, 'V' },
		{ "max-size", required_argument, NULL, 's' },
		{ "time-limit", required_argument, NULL, 't' },
		{ "trust", required_argument, NULL, 'T' },
		{ "catalogs", required_argument, NULL, 'C' },
		{ "no-default-trust", no_argument, NULL, 'N' },
		{ "system-trust", no_argument, NULL, 'S' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	int c;

	while ((c = getopt_long(argc, argv, "hrj:", longs, NULL)) != -1) {
		switch (c) {
		case 'R':
			o->root = optarg;
			break;
		case 'f':
			if (parse_format(optarg, &o->format)) {
				fprintf(stderr, "profilefs profile: --format "
						"wants md, json or jsonl\n");
				return 2;
			}
			break;
		case 'r':
			o->recursive = 1;
			break;
		case 'j':
			if (batch_parse_jobs(optarg, &o->jobs)) {
				fprintf(stderr,
					"profilefs profile: --jobs wants a "
					"number from 1 to %d\n",
					BATCH_MAX_JOBS);
				return 2;
			}
			break;
		case 'e':
			o->exts = optarg;
			break;
		case 'z':
			o->sniff_mz = 1;
			break;
		case 'd':
			o->drive = optarg;
			break;
		case 'U':
			o->rules = optarg;
			break;
		case 'c':
			o->cache = optarg;
			break;
		case 'n':
			o->no_cache = 1;
			break;
		case 'M':
			o->trust_metadata = 1;
			break;
		case 'V':
			if (!*optarg) {
				fprintf(stderr,
					"profilefs profile: --volume-id "
					"wants a name\n");
				return 2;
			}
			o->volume_id = optarg;
			break;
		case 's':
			if (cli_parse_size(optarg, &o->limits.max_size)) {
				fprintf(stderr, "profilefs profile: --max-size "
						"wants a size like 512M\n");
				return 2;
			}
			break;
		case 't':
			o->limits.max_seconds = (unsigned)atoi(optarg);
			break;
		case 'T':
		case 'C':
			if (svc_signing_opt(&o->sign,
					    c == 'T' ? SVC_OPT_TRUST
						     : SVC_OPT_CATALOGS,
					    optarg))
				return 1;
			break;
		case 'N':
			o->sign.no_default_trust = 1;
			break;
		case 'S':
			o->sign.system_trust = 1;
			break;
		case 'h':
			printf("%s", profile_usage);
			exit(0);
		default:
			fprintf(stderr,
				"usage: profilefs profile [-r] "
				"[options] FILE... (--help says more)\n");
			return 2;
		}
	}
	if (optind >= argc) {
		fprintf(stderr, "profilefs profile: no FILE given (--help "
				"says more)\n");
		return 2;
	}
	if (!drive_ok(o->drive)) {
		fprintf(stderr, "profilefs profile: --drive wants a letter and "
				"a colon, like C:\n");
		return 2;
	}
	return 0;
}

struct work {
	struct svc *pv;
	enum format format;
};

/* one file's output, as batch_run() wants it */
static int one(void *ctx, const char *rel, char **out, size_t *len)
{
	const struct work *w = ctx;
	const struct svc_text *t;
	struct svc_view *v;
	int rc;

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

/* The files to profile, below root; without -r in the order given. */
static int make_list(const struct profile_opts *o, int rootfd, const char *root,
		     char **abs, size_t nabs, struct batch *b, int *failed)
{
	struct svc_names *names = NULL;
	size_t i;
	int rc;

	rc = svc_names_new(o->exts ? o->exts : SVC_DEFAULT_EXTS, o->sniff_mz,
			   &names);
	if (rc) {
		fprintf(stderr, "profilefs profile: --ext wants extensions "
				"like dll,exe\n");
		return 2;
	}
	for (i = 0; i < nabs && !rc; i++)
		rc = batch_add(b, rootfd, root, abs[i], o->recursive, names,
			       failed);
	svc_names_free(names);
	if (rc) {
		fprintf(stderr, "profilefs: %s\n", strerror(-rc));
		return 1;
	}
	if (o->recursive)
		batch_sort(b);
	return 0;
}

/* --root, else the guess; its realpath and descriptor, or 1 (said) */
static int open_root(const char *given, char **abs, size_t nabs, char **root,
		     int *rootfd)
{
	*rootfd = -1;
	if (given)
		*root = realpath(given, NULL);
	else if (batch_guess_root(abs, nabs, root))
		*root = NULL;
	if (*root)
		*rootfd = open(*root, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (*rootfd < 0) {
		fprintf(stderr, "profilefs: --root %s: %s\n",
			given ? given : "(guessed)", strerror(errno));
		free(*root);
		*root = NULL;
		return 1;
	}
	return 0;
}

/* the service over rootfd, with the cache and signing options of o */
static int open_service(const struct profile_opts *o, int rootfd,
			const char *root, struct cache **cache,
			struct rules_index **rules, struct sig_trust **trust,
			struct svc_catalogs **cats, struct svc **pv)
{
	struct svc_setup setup = { 0 };
	char *def = NULL, *rules_path = NULL;
	char err[8192];
	int status = 0;

	if (!o->no_cache) {
		const char *path =
			o->cache ? o->cache : (def = cache_default_path());

		status = path ? cli_cache_check(path) : 0;
		if (!status && (!path || cache_open_or_rebuild(path, cache)))
			log_warn("no cache: every profile is computed anew");
		free(def);
		if (status)
			return status;
	}
	/* the rules index: opened by the service once it exists */
	status = cli_rules_path(o->rules, NULL, &rules_path);
	if (status)
		return status;
	if (rules_path && rules_index_new(rules_path, rules))
		log_warn("no rules index: no Possible Misuse rows");
	free(rules_path);
	status = svc_signing_trust(&o->sign, trust, err, sizeof(err));
	if (!status)
		status = svc_signing_catalogs(&o->sign, root, cats, err,
					      sizeof(err));
	if (status) {
		fprintf(stderr, "profilefs: %s\n", err);
		return status == -ENOMEM ? 1 : 2;
	}
	setup.rootfd = rootfd;
	setup.drive = o->drive;
	setup.cache = *cache;
	setup.rules = *rules;
	setup.limits = o->limits;
	setup.trust = *trust;
	setup.catalogs = *cats;
	setup.progress = isatty(2);
	setup.trust_metadata = o->trust_metadata;
	setup.volume_name = o->volume_id;
	return svc_open(&setup, pv) ? 1 : 0;
}

int cli_profile(int argc, char **argv)
{
	struct profile_opts o = { .limits.max_seconds = CLI_TIME_LIMIT_DEFAULT,
				  .drive = "C:" };
	struct svc_catalogs *cats = NULL;
	struct sig_trust *trust = NULL;
	struct svc *pv = NULL;
	struct cache *cache = NULL;
	struct rules_index *rules = NULL;
	struct batch list = { 0 };
	struct work w;
	char *root = NULL, **abs = NULL;
	size_t nabs = 0;
	int rc, rootfd = -1, failed = 0, status;

	status = parse(argc, argv, &o);
	if (!status && o.no_cache && o.sign.ncatalogs) {
		fprintf(stderr, "profilefs profile: --catalogs needs the cache "
				"(the index lives there); drop --no-cache\n");
		status = 2;
	}
	if (status)
		goto out;
	abs = resolve_args(argv + optind, argc - optind, &nabs, &failed);
	status = !abs ? 1 : open_root(o.root, abs, nabs, &root, &rootfd);
	if (!status)
		status = make_list(&o, rootfd, root, abs, nabs, &list, &failed);
	if (!status)
		status = open_service(&o, rootfd, root, &cache, &rules, &trust,
				      &cats, &pv);
	if (status)
		goto out;
	w.pv = pv;
	w.format = o.format;
	rc = batch_run(&list, o.jobs ? o.jobs : batch_default_jobs(), one, &w,
		       root, isatty(2), stdout);
	if (rc < 0 || fflush(stdout) != 0)
		status = 1;
	else
		failed += rc;
	if (failed)
		status = 1;
out:
	svc_close(pv);
	svc_catalogs_free(cats);
	sig_trust_free(trust);
	svc_signing_opts_free(&o.sign);
	cache_close(cache);
	rules_index_free(rules);
	if (rootfd >= 0)
		close(rootfd);
	batch_free(&list);
	free_args(abs, nabs);
	free(root);
	return status;
}

/* `profilefs profile FILE...`: the profiles a mount would show, on stdout. */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "profilefs/cache.h"
#include "profilefs/rules.h"
#include "profilefs/service.h"
#include "profilefs/util.h"
#include "cli_i.h"

static const char profile_usage[] =
	"usage: profilefs profile [options] FILE...\n"
	"\n"
	"Prints the Markdown profile of each FILE to standard output, one "
	"after\n"
	"the other (each starts with its own --- front matter), exactly as a\n"
	"mount shows it. Exit status 1 if any FILE could not be profiled.\n"
	"\n"
	"    --root=DIR    File Path is the path below DIR, as if DIR were "
	"mounted\n"
	"                  (default: /)\n"
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
};

static int parse(int argc, char **argv, struct profile_opts *o)
{
	static const struct option longs[] = {
		{ "root", required_argument, NULL, 'r' },
		{ "drive", required_argument, NULL, 'd' },
		{ "cache", required_argument, NULL, 'c' },
		{ "no-cache", no_argument, NULL, 'n' },
		{ "rules", required_argument, NULL, 'R' },
		{ "trust-metadata", no_argument, NULL, 'M' },
		{ "volume-id", required_argument, NULL, 'V' },
		{ "max-size", required_argument, NULL, 's' },
		{ "time-limit", required_argument, NULL, 't' },
		{ "trust", required_argument, NULL, 'T' },
		{ "catalogs", required_argument, NULL, 'C' },
		{ "no-default-trust", no_argument, NULL, 'N' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	int c;

	while ((c = getopt_long(argc, argv, "h", longs, NULL)) != -1) {
		switch (c) {
		case 'r':
			o->root = optarg;
			break;
		case 'd':
			o->drive = optarg;
			break;
		case 'R':
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
		case 'h':
			printf("%s", profile_usage);
			exit(0);
		default:
			fprintf(stderr, "%s", profile_usage);
			return 2;
		}
	}
	if (optind >= argc) {
		fprintf(stderr, "profilefs profile: no FILE given\n%s",
			profile_usage);
		return 2;
	}
	if (!drive_ok(o->drive)) {
		fprintf(stderr, "profilefs profile: --drive wants a letter and "
				"a colon, like C:\n");
		return 2;
	}
	return 0;
}

static int one(struct svc *pv, const char *root, const char *file)
{
	char *abs = realpath(file, NULL);
	const struct svc_text *t = NULL;
	const char *rel;
	int rc;

	if (!abs) {
		fprintf(stderr, "profilefs: %s: %s\n", file, strerror(errno));
		return 1;
	}
	if (!path_within(abs, root) || strcmp(abs, root) == 0) {
		fprintf(stderr, "profilefs: %s is not below --root %s\n", file,
			root);
		free(abs);
		return 1;
	}
	rel = abs + strlen(root);
	while (*rel == '/')
		rel++;
	rc = svc_text_get(pv, rel, 1, &t);
	if (rc) {
		fprintf(stderr, "profilefs: %s: %s\n", file, strerror(-rc));
	} else if (fwrite(t->md, 1, t->len, stdout) != t->len) {
		fprintf(stderr, "profilefs: cannot write: %s\n",
			strerror(errno));
		rc = -EIO;
	}
	if (t)
		svc_text_put(pv, t);
	free(abs);
	return rc ? 1 : 0;
}

int cli_profile(int argc, char **argv)
{
	struct profile_opts o = { .root = "/", .drive = "C:" };
	struct svc_setup setup = { 0 };
	struct svc_catalogs *cats = NULL;
	struct sig_trust *trust = NULL;
	struct svc *pv = NULL;
	struct cache *cache = NULL;
	struct rules_index *rules = NULL;
	char *root = NULL, *def = NULL, *rules_path = NULL;
	int rc, rootfd, i, status = 0;

	rc = parse(argc, argv, &o);
	if (rc) {
		svc_signing_opts_free(&o.sign);
		return rc;
	}
	if (o.no_cache && o.sign.ncatalogs) {
		fprintf(stderr, "profilefs profile: --catalogs needs the cache "
				"(the index lives there); drop --no-cache\n");
		svc_signing_opts_free(&o.sign);
		return 2;
	}
	root = realpath(o.root, NULL);
	rootfd = root ? open(root, O_RDONLY | O_DIRECTORY | O_CLOEXEC) : -1;
	if (rootfd < 0) {
		fprintf(stderr, "profilefs: --root %s: %s\n", o.root,
			strerror(errno));
		free(root);
		svc_signing_opts_free(&o.sign);
		return 1;
	}
	if (!o.no_cache) {
		const char *path =
			o.cache ? o.cache : (def = cache_default_path());

		status = path ? cli_cache_check(path) : 0;
		if (status)
			goto out;
		if (!path || cache_open_or_rebuild(path, &cache))
			log_warn("no cache: every profile is computed anew");
	}
	status = cli_rules_path(o.rules, NULL, &rules_path);
	if (status)
		goto out;
	if (rules_path && rules_index_new(rules_path, &rules))
		log_warn("no rules index: no Possible Misuse rows");
	status = svc_signing_trust(&o.sign, &trust);
	if (!status)
		status = svc_signing_catalogs(&o.sign, root, &cats);
	if (status)
		goto out;
	setup.rootfd = rootfd;
	setup.drive = o.drive;
	setup.cache = cache;
	setup.rules = rules;
	setup.limits = o.limits;
	setup.trust = trust;
	setup.catalogs = cats;
	setup.progress = isatty(2);
	setup.trust_metadata = o.trust_metadata;
	setup.volume_name = o.volume_id;
	if (svc_open(&setup, &pv)) {
		status = 1;
		goto out;
	}
	for (i = optind; i < argc; i++)
		status |= one(pv, root, argv[i]);
	if (fflush(stdout) != 0)
		status = 1;
out:
	svc_close(pv);
	svc_catalogs_free(cats);
	sig_trust_free(trust);
	svc_signing_opts_free(&o.sign);
	cache_close(cache);
	rules_index_free(rules);
	free(rules_path);
	close(rootfd);
	free(def);
	free(root);
	return status;
}

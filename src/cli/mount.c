/*
 * The mount's command line: FUSE's option syntax (-o a,b, -f, -d) plus
 * ours, each also usable as -o name=value (for fstab).
 */
#define FUSE_USE_VERSION 312
#include <errno.h>
#include <fuse.h>
#include <fuse_lowlevel.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "profilefs/cache.h"
#include "profilefs/fs.h"
#include "profilefs/util.h"
#include "profilefs/rules.h"
#include "cli_i.h"

static const char mount_usage[] =
	"usage: profilefs [options] SOURCE MOUNTPOINT\n"
	"       profilefs profile [options] FILE...\n"
	"       profilefs rules add|list|update|remove ...\n"
	"\n"
	"Mounts SOURCE read-only at MOUNTPOINT and shows beside every binary "
	"B\n"
	"a Markdown profile B.md (hashes, ...), computed on first read and\n"
	"cached. Unmount with: fusermount3 -u MOUNTPOINT\n"
	"\n"
	"profilefs options (also as -o name=value):\n"
	"    --cache=PATH       the cache database (default: " CACHE_DEFAULT_DOC
	")\n"
	"    --rules=PATH       the rules index (Possible Misuse), default:\n"
	"                       $XDG_DATA_HOME/profilefs/rules.db, else\n"
	"                       ~/.local/share/profilefs/rules.db; for root\n"
	"                       /var/lib/profilefs/rules.db\n"
	"    --no-cache         keep nothing: compute every profile anew\n"
	"    --drive=X:         drive prefix of File Path (default: C:)\n"
	"    --ext=LIST         binary extensions, comma-separated\n"
	"                       (default: " SVC_DEFAULT_EXTS ")\n"
	"    --sniff-mz         also treat any file starting with \"MZ\" as a "
	"binary\n"
	"    --max-size=SIZE    do not read files larger than SIZE (K, M, G, "
	"T);\n"
	"                       their profile says so (default: no cap)\n"
	"    --time-limit=SECS  stop reading a file after SECS seconds; its\n"
	"                       profile says so and is not cached (default: "
	"none)\n"
	"    --trust-metadata   serve a profile cached by an earlier mount by "
	"the\n"
	"                       file's device, inode, size, mtime and ctime "
	"alone,\n"
	"                       without reading the file to check its "
	"SHA-256;\n"
	"                       faster, but a file rewritten with all of those "
	"put\n"
	"                       back (whoever controls a disk image can) keeps "
	"its\n"
	"                       old profile. Without it, ls -l of a fresh "
	"mount\n"
	"                       shows size 0 for a profile until it is "
	"read\n"
	"    --volume-id=NAME   the source's volume in the cache's file "
	"identities\n"
	"                       (default: its UUID, found with libblkid, "
	"else its\n"
	"                       device number): a name keeps the cache across "
	"copies\n"
	"                       of one volume that have no "
	"UUID\n" CLI_SIGNING_HELP
	"    -f                 stay in the foreground\n"
	"    -d                 debug: foreground, print every FUSE request\n"
	"    -o OPT[,OPT...]    mount options (allow_other adds "
	"default_permissions;\n"
	"                       ro,nosuid,nodev are always set)\n"
	"    -h, --help         this text\n"
	"    -V, --version      the version\n"
	"\n"
	"profilefs profile --help and profilefs rules --help show those "
	"commands.\n"
	"The mount's counters: getfattr -n user.profilefs.stats MOUNTPOINT\n";

struct mount_opts {
	char *max_size;
	unsigned time_limit;
	char *cache;
	char *rules;
	int no_cache;
	char *drive;
	char *ext;
	int sniff_mz;
	int trust_metadata;
	char *volume_id;
	int help;
	int version;
	char *source;
	struct svc_signing_opts sign;
};

enum { KEY_TRUST = 100, KEY_CATALOGS };

#define MOPT(t, f, v)                                                          \
	{                                                                      \
		t, offsetof(struct mount_opts, f), v                           \
	}

/* clang-format off */
static const struct fuse_opt mount_spec[] = {
	MOPT("--cache=%s", cache, 0),
	MOPT("--rules=%s", rules, 0),
	MOPT("cache=%s", cache, 0),
	MOPT("--no-cache", no_cache, 1),
	MOPT("no_cache", no_cache, 1),
	MOPT("--drive=%s", drive, 0),
	MOPT("drive=%s", drive, 0),
	MOPT("--ext=%s", ext, 0),
	MOPT("ext=%s", ext, 0),
	MOPT("--max-size=%s", max_size, 0),
	MOPT("max_size=%s", max_size, 0),
	MOPT("--time-limit=%u", time_limit, 0),
	MOPT("time_limit=%u", time_limit, 0),
	MOPT("--sniff-mz", sniff_mz, 1),
	MOPT("sniff_mz", sniff_mz, 1),
	MOPT("--trust-metadata", trust_metadata, 1),
	MOPT("trust_metadata", trust_metadata, 1),
	MOPT("--volume-id=%s", volume_id, 0),
	MOPT("volume_id=%s", volume_id, 0),
	MOPT("--no-default-trust", sign.no_default_trust, 1),
	MOPT("no_default_trust", sign.no_default_trust, 1),
	FUSE_OPT_KEY("--trust=", KEY_TRUST),
	FUSE_OPT_KEY("trust=", KEY_TRUST),
	FUSE_OPT_KEY("--catalogs=", KEY_CATALOGS),
	FUSE_OPT_KEY("catalogs=", KEY_CATALOGS),
	MOPT("-h", help, 1),
	MOPT("--help", help, 1),
	MOPT("-V", version, 1),
	MOPT("--version", version, 1),
	FUSE_OPT_END
};
/* clang-format on */

/* keeps the first non-option (SOURCE) for us, the rest for libfuse */
static int mount_proc(void *data, const char *arg, int key,
		      struct fuse_args *outargs)
{
	struct mount_opts *o = data;

	(void)outargs;
	if (key == KEY_TRUST || key == KEY_CATALOGS)
		return svc_signing_opt(&o->sign,
				       key == KEY_TRUST ? SVC_OPT_TRUST
							: SVC_OPT_CATALOGS,
				       strchr(arg, '=') + 1)
			       ? -1
			       : 0;
	if (key == FUSE_OPT_KEY_NONOPT && !o->source) {
		o->source = strdup(arg);
		return o->source ? 0 : -1;
	}
	return 1;
}

/*
 * fuse_opt matches "--name=%s" but not "--name VALUE"; join the two words
 * so both spellings work. Returns a new argv (the strings are argv's or
 * new), or NULL.
 */
static char **join_values(int *argc, char **argv)
{
	static const char *const valued[] = { "--cache",      "--drive",
					      "--ext",	      "--max-size",
					      "--time-limit", "--trust",
					      "--catalogs" };
	const size_t nvalued = sizeof(valued) / sizeof(valued[0]);
	char **out = calloc((size_t)*argc + 1, sizeof(*out));
	int i, j, n = 0;

	if (!out)
		return NULL;
	for (i = 0; i < *argc; i++) {
		out[n] = argv[i];
		for (j = 0; (size_t)j < nvalued && i + 1 < *argc; j++) {
			if (strcmp(argv[i], valued[j]) != 0)
				continue;
			if (asprintf(&out[n], "%s=%s", argv[i], argv[i + 1]) <
			    0)
				out[n] = argv[i];
			else
				i++;
			break;
		}
		n++;
	}
	*argc = n;
	return out;
}

int cli_mount(int argc, char **argv)
{
	const int argc0 = argc;
	char **joined = join_values(&argc, argv);
	struct fuse_args args = FUSE_ARGS_INIT(argc, joined);
	struct fuse_cmdline_opts fo;
	struct mount_opts o;
	struct fs_config cfg;
	int rc = 1;

	if (!joined)
		return 1;
	memset(&o, 0, sizeof(o));
	memset(&fo, 0, sizeof(fo));
	memset(&cfg, 0, sizeof(cfg));
	if (fuse_opt_parse(&args, &o, mount_spec, mount_proc) ||
	    fuse_parse_cmdline(&args, &fo)) {
		fprintf(stderr, "%s", mount_usage);
		goto out;
	}
	if (o.help || fo.show_help) {
		printf("%s", mount_usage);
		rc = 0;
		goto out;
	}
	if (o.version || fo.show_version) {
		printf("profilefs %s (libfuse %s)\n", PROFILEFS_VERSION,
		       fuse_pkgversion());
		rc = 0;
		goto out;
	}
	if (!o.source || !fo.mountpoint) {
		fprintf(stderr,
			"profilefs: SOURCE and MOUNTPOINT are needed\n"
			"%s",
			mount_usage);
		rc = 2;
		goto out;
	}
	rc = cli_config_parse(&cfg, o.source, fo.mountpoint, o.cache,
			      o.no_cache, o.drive, o.ext, o.sniff_mz);
	if (!rc)
		rc = cli_rules_path(o.rules, cfg.mountpoint,
				    (char **)&cfg.rules_path);
	if (rc)
		goto out;
	cfg.foreground = fo.foreground;
	cfg.trust_metadata = o.trust_metadata;
	cfg.volume_name = o.volume_id;
	rc = svc_signing_trust(&o.sign, &cfg.trust);
	if (!rc)
		rc = svc_signing_catalogs(&o.sign, cfg.source, &cfg.catalogs);
	if (rc)
		goto out;
	cfg.limits.max_seconds = o.time_limit;
	if (o.max_size && cli_parse_size(o.max_size, &cfg.limits.max_size)) {
		fprintf(stderr,
			"profilefs: --max-size wants a size like 512M\n");
		rc = 2;
		goto out;
	}
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
	free(o.cache);
	free(o.rules);
	free(o.drive);
	free(o.ext);
	free(o.max_size);
	free(o.volume_id);
	free(o.source);
	svc_signing_opts_free(&o.sign);
	/* the strings join_values() made: those not in argv (fuse_opt_parse
	 * kept copies of what it needed) */
	for (int i = 0; joined && i < argc; i++) {
		int mine = 1;

		for (int j = 0; j < argc0 && mine; j++)
			mine = joined[i] != argv[j];
		if (mine)
			free(joined[i]);
	}
	free(joined);
	return rc;
}

/* Private to the command line. */
#ifndef PROFILEFS_CLI_I_H
#define PROFILEFS_CLI_I_H

#include <stdint.h>

#include "profilefs/service.h"
#include "options.h"

struct tree;
struct known;
struct prof_rich_names;

/* `profilefs [options] SOURCE MOUNTPOINT`: the exit status */
int cli_mount(int argc, char **argv);

/* `profilefs profile ...`: argv[0] is "profile"; the exit status */
int cli_profile(int argc, char **argv);

/* `profilefs warm ...`: argv[0] is "warm"; the exit status */
int cli_warm(int argc, char **argv);

/* `profilefs rules ...`: argv[0] is "rules"; the exit status */
int cli_rules(int argc, char **argv);

/* `profilefs summary ...`: argv[0] is "summary"; the exit status */
int cli_summary(int argc, char **argv);
/* `profilefs known ...`: argv[0] is "known"; the exit status */
int cli_known(int argc, char **argv);

/*
 * A command of verbs (`profilefs rules VERB`, `profilefs known VERB`):
 * its texts, its verbs (NULL-terminated), and what it refuses before its
 * options are parsed (NULL: nothing; nonzero: refused, said).
 */
struct cli_verbs {
	unsigned cmd;
	const char *usage, *about, *tail;
	const char *const *verbs;
	int (*refused)(int argc, char **argv);
};
/* argv[1] is the verb, the rest its options and operands (cli_opts_parse
 * of cmd): 0, -1 (the help printed) or the exit status (the usage said) */
int cli_verbs_parse(const struct cli_verbs *c, int argc, char **argv,
		    struct cli_opts *o, char ***rest, int *nrest,
		    char ***owned);

/* ---- paths (config.c) ------------------------------------------------- */

/* path's realpath when it is a directory, else NULL (said: "profilefs:
 * WHAT PATH: ...") */
char *cli_resolve_dir(const char *what, const char *path);
/* path's realpath when it is a folder, a regular file or a block device
 * (*is_dir tells which), else NULL (said as cli_resolve_dir() does) */
char *cli_resolve_source(const char *what, const char *path, int *is_dir);
/* a file's absolute path with its folder resolved (the file itself, and
 * its folder, may not exist yet); NULL */
char *cli_resolve_file(const char *path);

/* The rules index's path (rules.h): given (--rules) or the default, made
 * absolute and checked as cli_cache_check() does, and not inside
 * mountpoint (when not NULL); *out NULL when there is no default. 0, or 2
 * (said on stderr). */
int cli_rules_path(const char *given, const char *mountpoint, char **out);
/* The known-file store's path (known.h): given (--known) or the default,
 * known.db beside the rules index's default, made absolute, and not
 * inside mountpoint (when not NULL); *out NULL when there is no default.
 * 0, or 2 (said on stderr). */
int cli_known_path(const char *given, const char *mountpoint, char **out);

/* "4096", "64K", "1.5G" (powers of 1024) -> bytes; -EINVAL */
int cli_parse_size(const char *s, uint64_t *out);
/* 0 when path may be opened as the cache; 2 (said in one line on stderr)
 * when it is something else, which is then left alone */
int cli_cache_check(const char *path);

/* ---- the service, built from the options (wire.c) ---------------------- */

/* what differs between the commands that build a service */
struct wire_how {
	unsigned cmd;		/* CMD_MOUNT, CMD_PROFILE, CMD_WARM */
	const char *source;	/* the root (absolute): its CatRoot is found
				 * in the tree wire_start() is given */
	const char *mountpoint; /* the cache and the rules index may not lie
				 * inside; NULL: no mount */
	int cache_needed;	/* a cache that cannot be opened is an error */
	/* warm: the service stores facts and renders nothing, so the trust
	 * anchors (rendering's) are only the --trust files, checked */
	int no_render;
	int rescan;		  /* svc_setup's */
	int progress;		  /* svc_setup's */
	int (*caller_gone)(void); /* svc_setup's */
};

/* what is built; wire_close() frees it all */
struct wire {
	struct wire_how how;
	const struct cli_opts *o;
	char *cache_path; /* NULL: no cache */
	char *rules_path; /* NULL: no rules index */
	char *known_path; /* NULL: no known-file store */
	struct svc_names *names;
	struct sig_trust *trust;
	struct svc_catalogs *catalogs;
	struct cache *cache;
	struct rules_index *rules;
	struct prof_rich_names *rich_names; /* --rich-names, or NULL */
	struct known *known;		    /* the known-file store, or NULL */
	struct svc *pv;
};

/*
 * What comes before the service, checked before anything is opened: the
 * binaries' names, the cache's and the rules index's paths, the trust
 * anchors and the catalog folders. 0, or the exit status (said).
 */
int wire_prepare(struct wire *w, const struct cli_opts *o,
		 const struct wire_how *how);
/* The cache, the rules index, the source's CatRoot, and the service over
 * tree (for a mount: after the daemon has detached); tree is closed after
 * wire_close(). 0, or the exit status (said). */
int wire_start(struct wire *w, struct tree *tree);
/* Stops the service, closes the cache and the rules index (what
 * wire_start() made). */
void wire_stop(struct wire *w);
/* Stops the service and frees everything built (w may be zeroed). */
void wire_close(struct wire *w);

#endif

/*
 * The mount's options: one table (mopts.c) from which the command line is
 * parsed (mount.c), `--help` is printed and the man page's option list is
 * generated (tools/gen-man.c). Adding an option is a row there and a field
 * here (and its use in cli_mount's configure()); tests/integration/
 * test_cli.sh wants a check of it in each spelling, test_install.sh a row
 * for it in the README's table.
 *
 * Each option NAME (dash spelling, "max-size") is accepted as --NAME=V,
 * --NAME V, -o NAME=V and -o NAME_WITH_UNDERSCORES=V; a flag as --NAME or
 * -o NAME. Lists are separated by ':' (or ',' in --NAME=V, and in -o
 * inside double quotes).
 */
#ifndef PROFILEFS_MOPTS_H
#define PROFILEFS_MOPTS_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "profilefs/service.h"

/* the values, as the rows below fill them */
struct mount_opts {
	char *cache;
	char *rules; /* the rules index; NULL: the default */
	int no_cache;
	char *drive;
	char *ext; /* checked, comma-separated for svc_names_new() */
	int sniff_mz;
	unsigned formats; /* FS_FORMAT() bits of the profiles shown */
	char *view;	  /* the view's name at the root */
	int warm;
	uint64_t max_size;
	uint64_t memory; /* 0: the service's default */
	unsigned time_limit;
	int trust_metadata;
	char *volume_id;
	unsigned kernel_cache; /* seconds; 0: off */
	struct svc_signing_opts sign;
};

enum mopt_kind {
	MOPT_FLAG,     /* int, set to 1 */
	MOPT_STR,      /* char *, a copy; not empty */
	MOPT_UINT,     /* unsigned, decimal */
	MOPT_SIZE,     /* uint64_t, "512M" (cli_parse_size) */
	MOPT_EXTS,     /* char *: extensions, checked and joined with ',' */
	MOPT_FORMATS,  /* unsigned: md, json as FS_FORMAT() bits */
	MOPT_TRUST,    /* sign: --trust, repeatable */
	MOPT_CATALOGS, /* sign: --catalogs, repeatable */
};

struct mopt {
	const char *name; /* dash spelling, without "--" */
	const char *meta; /* "PATH"; NULL for a flag */
	enum mopt_kind kind;
	size_t off;	  /* of the field in struct mount_opts */
	const char *def;  /* set as if given, before the command line; shown */
	const char *help; /* one paragraph; sentences end with ". " */
};

extern const struct mopt mopt_table[];
extern const size_t mopt_count;

/* the lines of --help after the table: FUSE's options and ours */
extern const char mopt_help_tail[];
/* the exit statuses, for --help (the man page has its own words) */
extern const char mopt_help_exit[];

/* --help's option list: one row per option, wrapped to 80 columns */
void mopt_print_help(FILE *f);

/* the man page's option list: one .TP per option */
void mopt_print_roff(FILE *f);

/* ---- the parser (mount.c; `profilefs warm` shares it) ---------------- */

/* rows parsed as --NAME (the others, "-f" and the like, are spelled
 * literally and belong to the mount) */
int mopt_parsed(const struct mopt *m);
/* the table's defaults, as if given first: 0 or -1 */
int mopt_defaults(struct mount_opts *o);
/* sets m from v (NULL: given without '='); opt is the option as the user
 * wrote it, for the message. 0, or -1 when refused (said in one line) */
int mopt_set(struct mount_opts *o, const struct mopt *m, const char *opt,
	     const char *v);
void mopt_free(struct mount_opts *o);

#endif

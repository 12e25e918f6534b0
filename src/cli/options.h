/*
 * Every option of every command, in one table (options.c): its name, its
 * value, its default, its check, its help, and which commands take it.
 * From it the command lines are parsed (opts.c), each command's --help is
 * printed, the man page's option lists are generated (tools/gen-man.c) and
 * the bash completion (tools/gen-completion.c), so that none of them can
 * drift from the others. An option means the same in every command that
 * takes it.
 *
 * Adding an option is a row there and a field in struct cli_opts (and its
 * use where the service is built, wire.c, or in the command);
 * tests/integration/test_cli.sh wants a check of each mount option in each
 * spelling, test_install.sh a row for it in the README's table.
 *
 * Each option NAME (dash spelling, "max-size") is accepted as --NAME=V,
 * --NAME V, and in underscore spelling (--max_size=V); the mount also
 * takes -o NAME=V and -o NAME_WITH_UNDERSCORES=V. A flag is --NAME (or -o
 * NAME). Lists are separated by ':' (or ',' in --NAME=V, and in -o inside
 * double quotes).
 */
#ifndef PROFILEFS_OPTIONS_H
#define PROFILEFS_OPTIONS_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "profilefs/service.h"

/* the commands, as the rows' cmds bits */
enum cli_cmd {
	CMD_MOUNT = 1u << 0,
	CMD_PROFILE = 1u << 1,
	CMD_WARM = 1u << 2,
	CMD_RULES = 1u << 3,
	CMD_SUMMARY = 1u << 4,
	CMD_KNOWN = 1u << 5,
};
#define CMD_SVC (CMD_MOUNT | CMD_PROFILE | CMD_WARM | CMD_SUMMARY)
#define CMD_ALL (CMD_SVC | CMD_RULES | CMD_KNOWN)

/* the time limit of one profile when none is given (seconds), and the
 * smallest memory budget taken */
#define CLI_TIME_LIMIT_DEFAULT 120
#define CLI_MEMORY_MIN	       (16ull << 20)

/* profile's --format */
enum cli_format { FMT_MD, FMT_JSON, FMT_JSONL, FMT_CSV };

/* the values, as the rows fill them */
struct cli_opts {
	/* the service's: the mount, profile and warm */
	char *cache;
	char *rules;	  /* the rules index; NULL: the default */
	char *rich_names; /* --rich-names FILE, or NULL */
	char *known;	  /* the known-file store; NULL: the default */
	int no_cache;
	int no_catalogs; /* the mount's: no catalog index at all */
	char *drive;
	char *ext; /* checked, comma-separated for svc_names_new() */
	int sniff_mz;
	uint64_t max_size;
	uint64_t memory; /* 0: the service's default */
	unsigned time_limit;
	int trust_metadata;
	char *volume_id;
	unsigned partition; /* 1-based; 0: the only one */
	struct svc_signing_opts sign;
	/* the mount's */
	unsigned formats; /* FS_FORMAT() bits of the profiles shown */
	char *view;	  /* the view's name at the root */
	int warm;
	int stat_computes;
	unsigned kernel_cache; /* seconds; 0: off */
	/* profile's and warm's */
	unsigned jobs; /* 0: one per core */
	char *root;
	int recursive;
	int format; /* enum cli_format */
	/* rules' */
	char *name, *url, *license;
	char *include, *exclude; /* the globs given, one a line */
	int no_include, no_exclude;
	int default_excludes; /* -1: not given */
	int verbose, quiet;
	/* every command's */
	int help, version;
};

enum opt_kind {
	OPT_FLAG,     /* int, set to 1 */
	OPT_UNSET,    /* int, set to 0 */
	OPT_STR,      /* char *, a copy; not empty */
	OPT_UINT,     /* unsigned, decimal */
	OPT_SIZE,     /* uint64_t, "512M" (cli_parse_size) */
	OPT_MEMORY,   /* uint64_t, a size of CLI_MEMORY_MIN or more */
	OPT_JOBS,     /* unsigned, 1 to BATCH_MAX_JOBS */
	OPT_DRIVE,    /* char *: a letter and a colon */
	OPT_VIEW,     /* char *: one file name */
	OPT_EXTS,     /* char *: extensions, checked and joined with ',' */
	OPT_FORMATS,  /* unsigned: md, json as FS_FORMAT() bits */
	OPT_FORMAT,   /* int: md, json, jsonl, csv (enum cli_format) */
	OPT_GLOB,     /* char *: a rules glob added to the list */
	OPT_TRUST,    /* sign: --trust, repeatable */
	OPT_CATALOGS, /* sign: --catalogs, repeatable */
	OPT_FUSE,     /* the mount's, handed to FUSE: in the help only */
};

struct cli_opt {
	const char *name; /* dash spelling, without "--"; NULL: short only */
	char shrt;	  /* 'j' for -j; 0: none */
	const char *meta; /* "PATH"; NULL for a flag */
	enum opt_kind kind;
	size_t off;	  /* of the field in struct cli_opts */
	const char *def;  /* set as if given, before the command line; shown */
	unsigned cmds;	  /* CMD_* bits: the commands that take it */
	const char *help; /* one paragraph; sentences end with ". " */
};

extern const struct cli_opt cli_opt_table[];
extern const size_t cli_opt_count;

/* does the command take the row? */
int cli_opt_takes(const struct cli_opt *m, unsigned cmd);

/* may the mount take the row in -o (NAME=V)? Not FUSE's, nor --help and
 * --version */
int cli_opt_in_o(const struct cli_opt *m);

/* "profilefs", "profilefs profile": the command as its messages name it */
const char *cli_cmd_name(unsigned cmd);

/* the command's option list for --help: one row per option, wrapped to
 * 80 columns */
void cli_opts_print_help(FILE *f, unsigned cmd);

/* the command's option list for the man page: one .TP per option; for a
 * command other than the mount, those the mount takes are only named */
void cli_opts_print_roff(FILE *f, unsigned cmd);

/* the command's option words for the completion, one per line:
 * "--cache=", "--no-cache", "-j" (valued ones end with '='); kind: 0
 * every one, 'd' those whose value is a folder, 'f' a file (without the
 * '='), 'o' the mount's names for -o ("cache=", "no-cache") */
void cli_opts_print_words(FILE *f, unsigned cmd, int kind);

/* ---- the parser (opts.c) ---------------------------------------------- */

/*
 * Parses argv (argv[0] is the command's name, not parsed) for cmd into o,
 * after the table's defaults. Whatever is not an option of the command is
 * left in order in rest[] (*nrest of them): the operands, and for the
 * mount what goes to FUSE (its own options, and -o's items that are not
 * ours, gathered in one "-o" word). rest's words are argv's or owned by
 * *owned (free with cli_opts_free_words). 0, or 2 (said in one line).
 */
int cli_opts_parse(unsigned cmd, int argc, char **argv, struct cli_opts *o,
		   char ***rest, int *nrest, char ***owned);
void cli_opts_free_words(char **owned);
void cli_opts_free(struct cli_opts *o);

#endif

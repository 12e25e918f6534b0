/* Private to the command line. */
#ifndef PROFILEFS_CLI_I_H
#define PROFILEFS_CLI_I_H

#include <stdint.h>

struct fs_config;

/* `profilefs [options] SOURCE MOUNTPOINT`: the exit status */
int cli_mount(int argc, char **argv);

/*
 * Fills cfg from the command line and checks it: SOURCE is a directory,
 * MOUNTPOINT a directory, the same or neither inside the other, the cache
 * not inside
 * MOUNTPOINT, the extension list well formed. Prints what is wrong and
 * returns 2 (usage) or 1.
 */
int cli_config_parse(struct fs_config *cfg, const char *source,
		     const char *mountpoint, const char *cache, int no_cache,
		     const char *drive, const char *exts, int sniff_mz);
void cli_config_free(struct fs_config *cfg);

/* The rules index's path (rules.h): given (--rules) or the default, made
 * absolute and checked as cli_cache_check() does, and not inside
 * mountpoint (when not NULL); *out NULL when there is no default. 0, or 2
 * (said on stderr). */
int cli_rules_path(const char *given, const char *mountpoint, char **out);

/* the time limit of one profile when none is given (seconds), and the
 * smallest memory budget taken */
#define CLI_TIME_LIMIT_DEFAULT 120
#define CLI_MEMORY_MIN	       (16ull << 20)

/* "4096", "64K", "1.5G" (powers of 1024) -> bytes; -EINVAL */
int cli_parse_size(const char *s, uint64_t *out);
/* 0 when path may be opened as the cache; 2 (said in one line on stderr)
 * when it is something else, which is then left alone */
int cli_cache_check(const char *path);

/* the signing options of the mount and of `profilefs profile` */
#define CLI_SIGNING_HELP                                                       \
	"    --trust=FILE       also trust the root certificates in FILE "     \
	"(PEM);\n"                                                             \
	"                       repeatable\n"                                  \
	"    --no-default-trust do not trust the roots of Microsoft's root\n"  \
	"                       program (shipped; only --trust)\n"             \
	"    --system-trust     also trust the system's CA bundle (for "       \
	"every\n"                                                              \
	"                       purpose)\n"                                    \
	"    --catalogs=DIR     index the Windows catalogs (.cat) in DIR; "    \
	"the\n"                                                                \
	"                       source's "                                     \
	"Windows/System32/CatRoot/{F750E6C3-\n"                                \
	"                       38EE-11D1-85E5-00C04FC295EE} is found by "     \
	"itself\n"

/* `profilefs profile ...`: argv[0] is "profile"; the exit status */
int cli_profile(int argc, char **argv);

/* `profilefs warm ...`: argv[0] is "warm"; the exit status */
int cli_warm(int argc, char **argv);

/* `profilefs rules ...`: argv[0] is "rules"; the exit status */
int cli_rules(int argc, char **argv);

#endif

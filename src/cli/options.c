/*
 * Every option of every command (options.h) and the printers made from
 * them: --help (wrapped text), the man page's lists (roff, for
 * tools/gen-man.c) and the completion's words (tools/gen-completion.c).
 * Only data and stdio here, so that the generators link this file alone.
 */
#include <stddef.h>
#include <stdio.h>
#include <string.h>

#include "profilefs/cache.h"
#include "profilefs/service.h"
#include "options.h"

#define OFF(f)	offsetof(struct cli_opts, f)
#define STR(x)	#x
#define XSTR(x) STR(x)
#define RULES_DB_DOC                                                           \
	"$XDG_DATA_HOME/profilefs/rules.db, else "                             \
	"~/.local/share/profilefs/rules.db; for root "                         \
	"/var/lib/profilefs/rules.db"

/* clang-format off */
const struct cli_opt cli_opt_table[] = {
	{ "cache", 0, "PATH", OPT_STR, OFF(cache), NULL, CMD_SVC,
	  "the cache database (default: " CACHE_DEFAULT_DOC ")" },
	{ "rules", 0, "PATH", OPT_STR, OFF(rules), NULL, CMD_SVC | CMD_RULES,
	  "the rules index (Possible Misuse), a database of its own that "
	  "every mount finds whatever its cache (default: " RULES_DB_DOC ")" },
	{ "known", 0, "PATH", OPT_STR, OFF(known), NULL, CMD_SVC | CMD_KNOWN,
	  "the known-file store (NSRL, winbindex), a database of its own "
	  "(default: known.db beside the rules index)" },
	{ "no-cache", 0, NULL, OPT_FLAG, OFF(no_cache), NULL,
	  CMD_MOUNT | CMD_PROFILE,
	  "keep nothing: compute every profile anew. A mount whose cache "
	  "cannot be opened or written is refused without it" },
	{ "no-catalogs", 0, NULL, OPT_FLAG, OFF(no_catalogs), NULL, CMD_MOUNT,
	  "index no catalog, not even the source's CatRoot: a file signed "
	  "only by a catalog shows as not signed. A mount whose catalogs "
	  "cannot be indexed (a CatRoot that cannot be read, or --no-cache: "
	  "the index lives in the cache) is refused without it" },
	{ "drive", 0, "X:", OPT_DRIVE, OFF(drive), "C:", CMD_SVC,
	  "drive prefix of File Path" },
	{ "ext", 0, "LIST", OPT_EXTS, OFF(ext), SVC_DEFAULT_EXTS, CMD_SVC,
	  "binary extensions, case-insensitive, separated by ':' or ',' (in "
	  "-o, ',' inside double quotes), the same in every command: "
	  "letters, digits, '_' and '-', not empty" },
	{ "formats", 0, "LIST", OPT_FORMATS, OFF(formats), "md", CMD_MOUNT,
	  "the profiles shown beside a binary B, separated by ':' (or ',' as "
	  "in ext): md for B.md, json for B.json (the JSON profile, as "
	  "profilefs profile --format=json prints it); not empty" },
	{ "view", 0, "NAME", OPT_VIEW, OFF(view), ".profiles", CMD_MOUNT,
	  "the profiles-only view, a folder at the mount's root that is not "
	  "listed there (ls MNT/NAME reaches it): every folder of the source "
	  "and only the profiles, with exact sizes (a stat computes a profile "
	  "not yet cached, as a read does); listing one of its folders starts "
	  "computing that folder's profiles in the background on every "
	  "processor. One file name, not . or ..; a source entry of that name "
	  "at the root is hidden: another name reaches it" },
	{ "warm", 0, NULL, OPT_FLAG, OFF(warm), NULL, CMD_MOUNT,
	  "after mounting, compute the profile of every binary of the source "
	  "in the background at low priority (nice 19, idle I/O), without "
	  "delaying stat, ls or reads; progress in the user.profilefs.stats "
	  "attribute of the mount's root. Needs the cache" },
	{ "stat-computes", 0, NULL, OPT_FLAG, OFF(stat_computes), NULL,
	  CMD_MOUNT,
	  "a stat of a profile B.md whose size is not known computes it, as "
	  "the view's does, so that tar, rsync and cp -a copy it whole from "
	  "an uncached tree (ls -l then reads every binary it lists). "
	  "Without it a stat says the size the cache holds for the file, "
	  "which the read checks, or 0 when it holds none" },
	{ "sniff-mz", 0, NULL, OPT_FLAG, OFF(sniff_mz), NULL, CMD_SVC,
	  "also treat any regular file starting with \"MZ\" as a binary" },
	{ "max-size", 0, "SIZE", OPT_SIZE, OFF(max_size), NULL, CMD_SVC,
	  "do not read files larger than SIZE (K, M, G, T: powers of 1024); "
	  "their profile says so (default: no cap)" },
	{ "time-limit", 0, "SECS", OPT_UINT, OFF(time_limit),
	  XSTR(CLI_TIME_LIMIT_DEFAULT), CMD_SVC,
	  "stop reading a file after SECS seconds; its profile says so and is "
	  "not cached, and the same mount does not read that version of the "
	  "file again; 0: no limit" },
	{ "memory", 0, "SIZE", OPT_MEMORY, OFF(memory), NULL, CMD_SVC,
	  "the memory the service's work and memos share, 16M or more: a "
	  "sixth for rendered profiles (at most 32M), an eighth for the "
	  "identities checked, the rest for computations (one that does not "
	  "fit waits its turn) (default: 192M)" },
	{ "trust-metadata", 0, NULL, OPT_FLAG, OFF(trust_metadata), NULL,
	  CMD_SVC,
	  "serve a profile cached by an earlier mount by the file's device, "
	  "inode, size, mtime and ctime alone, without reading the file to "
	  "check its SHA-256; faster, but a file rewritten with all of those "
	  "put back (whoever controls a disk image can) keeps its old profile" },
	{ "volume-id", 0, "NAME", OPT_STR, OFF(volume_id), NULL, CMD_SVC,
	  "the source's volume in the cache's file identities (default: its "
	  "UUID, found with libblkid, else its device number): a name keeps "
	  "the cache across copies of one volume that have no UUID" },
	{ "partition", 0, "N", OPT_UINT, OFF(partition), NULL, CMD_SVC,
	  "the partition N (1-based) of a whole-disk image or device holding "
	  "several; listed when the choice is ambiguous" },
	{ "kernel-cache", 0, "SECS", OPT_UINT, OFF(kernel_cache), "1",
	  CMD_MOUNT,
	  "let the kernel keep names and attributes for SECS seconds, list "
	  "folders with their attributes (readdirplus), and serve a profile "
	  "or a source file from its page cache when what it holds is what a "
	  "read gives now (a profile of the same render key, a file of the "
	  "same identity, ctime included): a changed file's new bytes and "
	  "profile are read at once, its new size shows within SECS seconds. "
	  "0: the kernel caches nothing (every stat and read asks the "
	  "daemon)" },
	{ "trust", 0, "FILE", OPT_TRUST, 0, NULL, CMD_SVC,
	  "also trust the root certificates in FILE (PEM); repeatable" },
	{ "no-default-trust", 0, NULL, OPT_FLAG, OFF(sign.no_default_trust),
	  NULL, CMD_SVC,
	  "do not trust the roots of Microsoft's Trusted Root Program nor "
	  "the roots Windows keeps built in (both shipped in data/, with "
	  "their purposes)" },
	{ "system-trust", 0, NULL, OPT_FLAG, OFF(sign.system_trust), NULL,
	  CMD_SVC,
	  "also trust the system's CA bundle (every purpose)" },
	{ "rich-names", 0, "FILE", OPT_STR, OFF(rich_names), NULL, CMD_SVC,
	  "name the Rich header's entries (the tool and Visual Studio release "
	  "of each comp.id) from FILE: lines \"XXXXXXXX DESCRIPTION\", the "
	  "comp.id in 8 hex digits, '#' comments (the layout of richprint's "
	  "comp_id.txt); profilefs ships no such table. Without it, or for a "
	  "comp.id FILE does not list: unknown" },
	{ "catalogs", 0, "DIR", OPT_CATALOGS, 0, NULL, CMD_SVC,
	  "index the Windows catalogs (.cat) in DIR too; repeatable. The "
	  "source's Windows/System32/CatRoot/"
	  "{F750E6C3-38EE-11D1-85E5-00C04FC295EE} is found by itself" },
	/* profile's and warm's */
	{ "root", 0, "DIR", OPT_STR, OFF(root), NULL, CMD_PROFILE | CMD_WARM,
	  "File Path is the path below DIR, as if DIR were mounted (default: "
	  "the folder that holds Windows/ above the arguments, else the "
	  "argument's folder); its CatRoot is found by itself. A file or "
	  "block device holding an NTFS volume instead: the PATHs are inside "
	  "it (Windows/System32)" },
	{ "format", 0, "FMT", OPT_FORMAT, OFF(format), "md", CMD_PROFILE,
	  "md (Markdown, each profile with its own --- front matter), json "
	  "(one indented object per file), jsonl (JSON Lines: one object "
	  "per line) or csv (a header row, then one row of fixed columns "
	  "per file, a file that failed too: docs/profile-csv.md)" },
	{ "recursive", 'r', NULL, OPT_FLAG, OFF(recursive), NULL, CMD_PROFILE,
	  "walk each DIR: every binary below it (by --ext and --sniff-mz), "
	  "sorted by path; symlinks are not followed" },
	{ "jobs", 'j', "N", OPT_JOBS, OFF(jobs), NULL, CMD_PROFILE | CMD_WARM,
	  "N files at a time (default: one per core); the output is the same "
	  "for any N" },
	/* rules' */
	{ "name", 0, "N", OPT_STR, OFF(name), NULL, CMD_RULES,
	  "(add) the repository's name (default: the last part of its URL, "
	  "else the folder's name; one DIR only)" },
	{ "url", 0, "U", OPT_STR, OFF(url), NULL, CMD_RULES,
	  "(add) its web address (default: its origin's, as git says)" },
	{ "license", 0, "L", OPT_STR, OFF(license), NULL, CMD_RULES,
	  "(add) its license (default: the SPDX identifier of LICENSE*, "
	  "COPYING*, else the file's name)" },
	{ "include", 0, "GLOB", OPT_GLOB, OFF(include), NULL, CMD_RULES,
	  "(add, update) index only the files GLOB selects; repeatable" },
	{ "exclude", 0, "GLOB", OPT_GLOB, OFF(exclude), NULL, CMD_RULES,
	  "(add, update) do not index the files GLOB selects; repeatable" },
	{ "no-include", 0, NULL, OPT_FLAG, OFF(no_include), NULL, CMD_RULES,
	  "(update) drop the stored includes" },
	{ "no-exclude", 0, NULL, OPT_FLAG, OFF(no_exclude), NULL, CMD_RULES,
	  "(update) drop the stored excludes" },
	{ "no-default-excludes", 0, NULL, OPT_UNSET, OFF(default_excludes),
	  NULL, CMD_RULES,
	  "(add, update) do not leave out the folders of test data and "
	  "deprecated rules: test, tests, testdata, test_data, testing, "
	  "regression_data, deprecated, .github (by default they are left "
	  "out)" },
	{ "default-excludes", 0, NULL, OPT_FLAG, OFF(default_excludes), NULL,
	  CMD_RULES,
	  "(add, update) leave those folders out again" },
	{ "verbose", 'v', NULL, OPT_FLAG, OFF(verbose), NULL, CMD_RULES,
	  "(list) each repository's globs on lines of their own" },
	{ "quiet", 'q', NULL, OPT_FLAG, OFF(quiet), NULL, CMD_RULES | CMD_KNOWN,
	  "no progress line" },
	/* FUSE's and the command line's own */
	{ NULL, 'f', NULL, OPT_FUSE, 0, NULL, CMD_MOUNT,
	  "stay in the foreground" },
	{ NULL, 'd', NULL, OPT_FUSE, 0, NULL, CMD_MOUNT,
	  "debug: foreground, print every FUSE request" },
	{ NULL, 'o', "OPT[,OPT...]", OPT_FUSE, 0, NULL, CMD_MOUNT,
	  "the options above as NAME=V or NAME_WITH_UNDERSCORES=V, and FUSE's "
	  "mount options: allow_other (adds default_permissions), fsname=NAME "
	  "(the source findmnt and df show; default: SOURCE's path); ro, "
	  "nosuid and nodev are always set" },
	{ "help", 'h', NULL, OPT_FLAG, OFF(help), NULL, CMD_ALL,
	  "this text" },
	{ "version", 'V', NULL, OPT_FLAG, OFF(version), NULL, CMD_MOUNT,
	  "the version" },
};
/* clang-format on */

const size_t cli_opt_count = sizeof(cli_opt_table) / sizeof(cli_opt_table[0]);

int cli_opt_takes(const struct cli_opt *m, unsigned cmd)
{
	return (m->cmds & cmd) != 0;
}

int cli_opt_in_o(const struct cli_opt *m)
{
	return m->name && m->kind != OPT_FUSE && m->off != OFF(help) &&
	       m->off != OFF(version);
}

const char *cli_cmd_name(unsigned cmd)
{
	switch (cmd) {
	case CMD_PROFILE:
		return "profilefs profile";
	case CMD_WARM:
		return "profilefs warm";
	case CMD_RULES:
		return "profilefs rules";
	case CMD_SUMMARY:
		return "profilefs summary";
	case CMD_KNOWN:
		return "profilefs known";
	default:
		return "profilefs";
	}
}

/* the option as --help spells it: "--cache=PATH", "-j, --jobs=N", "-f" */
static void spelling(const struct cli_opt *m, char *buf, size_t len)
{
	char shrt[8] = "";

	if (m->shrt)
		snprintf(shrt, sizeof(shrt), "-%c%s", m->shrt,
			 m->name ? ", " : "");
	if (!m->name)
		snprintf(buf, len, "%s%s%s", shrt, m->meta ? " " : "",
			 m->meta ? m->meta : "");
	else
		snprintf(buf, len, "%s--%s%s%s", shrt, m->name,
			 m->meta ? "=" : "", m->meta ? m->meta : "");
}

/* the default as shown: lists with ':' as in -o */
static void shown_default(const struct cli_opt *m, char *buf, size_t len)
{
	char *p;

	snprintf(buf, len, "%s", m->def ? m->def : "");
	if (m->kind == OPT_EXTS || m->kind == OPT_FORMATS)
		for (p = buf; (p = strchr(p, ',')) != NULL; p++)
			*p = ':';
}

/* prints text from column col to 79, continuing at column indent */
static void wrap(FILE *f, const char *text, int col, int indent)
{
	const char *p = text;

	while (*p) {
		size_t word = strcspn(p, " ");

		if (col > indent && col + 1 + (int)word > 79) {
			fprintf(f, "\n%*s", indent, "");
			col = indent;
		} else if (col > indent) {
			fputc(' ', f);
			col++;
		}
		fprintf(f, "%.*s", (int)word, p);
		col += (int)word;
		p += word;
		while (*p == ' ')
			p++;
	}
	fputc('\n', f);
}

void cli_opts_print_help(FILE *f, unsigned cmd)
{
	const int indent = 24;
	char sp[64], def[128], text[1024];
	size_t i;

	for (i = 0; i < cli_opt_count; i++) {
		const struct cli_opt *m = &cli_opt_table[i];
		int col;

		if (!cli_opt_takes(m, cmd))
			continue;
		spelling(m, sp, sizeof(sp));
		shown_default(m, def, sizeof(def));
		snprintf(text, sizeof(text), "%s%s%s%s", m->help,
			 *def ? " (default: " : "", def, *def ? ")" : "");
		col = fprintf(f, "    %s", sp);
		if (col >= indent) {
			fprintf(f, "\n");
			col = 0;
		}
		fprintf(f, "%*s", indent - col, "");
		wrap(f, text, indent, indent);
	}
}

/* prints roff text s: '\' escaped, '-' as \- when dashes, one sentence a
 * line, lines broken at spaces before 80 bytes, none starting with '.' */
static void roff_text(FILE *f, const char *s, int dashes)
{
	int col = 0;

	while (*s) {
		size_t word = strcspn(s, " "), i, width = 0;

		for (i = 0; i < word; i++)
			width += (s[i] == '\\' || (s[i] == '-' && dashes)) ? 2
									   : 1;
		if (col > 0 && col + 1 + (int)width > 78) {
			fputc('\n', f);
			col = 0;
		} else if (col > 0) {
			fputc(' ', f);
			col++;
		}
		if (col == 0 && (*s == '.' || *s == '\''))
			col += fprintf(f, "\\&");
		for (i = 0; i < word; i++) {
			if (s[i] == '\\')
				fputs("\\e", f);
			else if (s[i] == '-' && dashes)
				fputs("\\-", f);
			else
				fputc(s[i], f);
		}
		col += (int)width;
		/* a sentence ends the line */
		if (word > 0 && s[word - 1] == '.' && s[word] == ' ' &&
		    s[word + 1] >= 'A' && s[word + 1] <= 'Z') {
			fputc('\n', f);
			col = 0;
		}
		s += word;
		while (*s == ' ')
			s++;
	}
}

/* the .TP's tag: \fB\-j\fR, \fB\-\-jobs\fR=\fIN\fR */
static void roff_tag(FILE *f, const struct cli_opt *m)
{
	if (m->shrt)
		fprintf(f, "\\fB\\-%c\\fR%s", m->shrt, m->name ? ", " : "");
	if (m->name) {
		fputs("\\fB\\-\\-", f);
		roff_text(f, m->name, 1);
		fputs("\\fR", f);
	}
	if (m->meta) {
		fputs(m->name ? "=\\fI" : " \\fI", f);
		roff_text(f, m->meta, 0);
		fputs("\\fR", f);
	}
	fputs("\n", f);
}

/* the mount's options cmd takes too, named after its own: they are
 * described once, in the mount's list */
static void roff_shared(FILE *f, unsigned cmd)
{
	size_t i, n = 0, left = 0;

	for (i = 0; i < cli_opt_count; i++)
		left += cli_opt_takes(&cli_opt_table[i], cmd) &&
			cli_opt_takes(&cli_opt_table[i], CMD_MOUNT);
	if (!left)
		return;
	fputs(".PP\nAlso the mount's, which mean the same here:\n", f);
	for (i = 0; i < cli_opt_count; i++) {
		const struct cli_opt *m = &cli_opt_table[i];

		if (!cli_opt_takes(m, cmd) || !cli_opt_takes(m, CMD_MOUNT))
			continue;
		fputs(".BR \\-\\-", f);
		roff_text(f, m->name, 1);
		fputs(++n < left ? " ,\n" : " .\n", f);
	}
}

void cli_opts_print_roff(FILE *f, unsigned cmd)
{
	char def[128];
	size_t i;

	for (i = 0; i < cli_opt_count; i++) {
		const struct cli_opt *m = &cli_opt_table[i];

		if (!cli_opt_takes(m, cmd) ||
		    (cmd != CMD_MOUNT && cli_opt_takes(m, CMD_MOUNT)))
			continue;
		shown_default(m, def, sizeof(def));
		fputs(".TP\n", f);
		roff_tag(f, m);
		roff_text(f, m->help, 0);
		if (*def) {
			fputs("\n(default: ", f);
			roff_text(f, def, 0);
			fputs(")", f);
		}
		fputs("\n", f);
	}
	if (cmd != CMD_MOUNT)
		roff_shared(f, cmd);
}

/* does the row's value name a folder ('d') or a file ('f')? */
static int value_kind(const struct cli_opt *m)
{
	if (!m->meta || m->kind == OPT_FUSE)
		return 0;
	if (!strcmp(m->meta, "DIR"))
		return 'd';
	if (!strcmp(m->meta, "PATH") || !strcmp(m->meta, "FILE"))
		return 'f';
	return 0;
}

void cli_opts_print_words(FILE *f, unsigned cmd, int kind)
{
	size_t i;

	for (i = 0; i < cli_opt_count; i++) {
		const struct cli_opt *m = &cli_opt_table[i];

		if (!cli_opt_takes(m, cmd))
			continue;
		if (kind == 'o') { /* the mount's, spelled for -o */
			if (cli_opt_in_o(m))
				fprintf(f, "%s%s\n", m->name,
					m->meta ? "=" : "");
			continue;
		}
		if (kind && value_kind(m) != kind)
			continue;
		if (m->shrt && !kind)
			fprintf(f, "-%c\n", m->shrt);
		if (m->name)
			fprintf(f, "--%s%s\n", m->name,
				m->meta && !kind ? "=" : "");
	}
}

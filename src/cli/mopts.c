/*
 * The mount's option table and its two printers: --help (wrapped text) and
 * the man page's list (roff, for tools/gen-man.c). Only data and stdio
 * here, so that the generator links this file alone.
 */
#include <stddef.h>
#include <stdio.h>
#include <string.h>

#include "profilefs/cache.h"
#include "profilefs/service.h"
#include "cli_i.h"
#include "mopts.h"

#define OFF(f)	offsetof(struct mount_opts, f)
#define STR(x)	#x
#define XSTR(x) STR(x)

/* clang-format off */
const struct mopt mopt_table[] = {
	{ "cache", "PATH", MOPT_STR, OFF(cache), NULL,
	  "the cache database (default: " CACHE_DEFAULT_DOC ")" },
	{ "rules", "PATH", MOPT_STR, OFF(rules), NULL,
	  "the rules index (Possible Misuse), a database of its own that "
	  "every mount finds whatever its cache (default: "
	  "$XDG_DATA_HOME/profilefs/rules.db, else "
	  "~/.local/share/profilefs/rules.db; for root "
	  "/var/lib/profilefs/rules.db)" },
	{ "no-cache", NULL, MOPT_FLAG, OFF(no_cache), NULL,
	  "keep nothing: compute every profile anew" },
	{ "drive", "X:", MOPT_STR, OFF(drive), "C:",
	  "drive prefix of File Path" },
	{ "ext", "LIST", MOPT_EXTS, OFF(ext), SVC_DEFAULT_EXTS,
	  "binary extensions, case-insensitive, separated by ':' (or ',' in "
	  "--ext=LIST, and inside double quotes in -o): letters, digits, '_' "
	  "and '-', not empty" },
	{ "formats", "LIST", MOPT_FORMATS, OFF(formats), "md",
	  "the profiles shown beside a binary B, separated by ':' (or ',' as "
	  "in ext): md for B.md, json for B.json (the JSON profile, as "
	  "profilefs profile --format=json prints it); not empty" },
	{ "view", "NAME", MOPT_STR, OFF(view), ".profiles",
	  "the profiles-only view, a folder at the mount's root that is not "
	  "listed there (ls MNT/NAME reaches it): every folder of the source "
	  "and only the profiles, with exact sizes (a stat computes a profile "
	  "not yet cached, as a read does); listing one of its folders starts "
	  "computing that folder's profiles in the background on every "
	  "processor. One file name, not . or ..; a source entry of that name "
	  "at the root is hidden: another name reaches it" },
	{ "warm", NULL, MOPT_FLAG, OFF(warm), NULL,
	  "after mounting, compute the profile of every binary of the source "
	  "in the background at low priority (nice 19, idle I/O), without "
	  "delaying stat, ls or reads; progress in the user.profilefs.stats "
	  "attribute of the mount's root. Needs the cache" },
	{ "sniff-mz", NULL, MOPT_FLAG, OFF(sniff_mz), NULL,
	  "also treat any regular file starting with \"MZ\" as a binary" },
	{ "max-size", "SIZE", MOPT_SIZE, OFF(max_size), NULL,
	  "do not read files larger than SIZE (K, M, G, T: powers of 1024); "
	  "their profile says so (default: no cap)" },
	{ "time-limit", "SECS", MOPT_UINT, OFF(time_limit),
	  XSTR(CLI_TIME_LIMIT_DEFAULT),
	  "stop reading a file after SECS seconds; its profile says so and is "
	  "not cached; 0: no limit" },
	{ "memory", "SIZE", MOPT_SIZE, OFF(memory), NULL,
	  "what all computations hold together at most, 16M or more; one that "
	  "does not fit waits its turn (default: 192M)" },
	{ "trust-metadata", NULL, MOPT_FLAG, OFF(trust_metadata), NULL,
	  "serve a profile cached by an earlier mount by the file's device, "
	  "inode, size, mtime and ctime alone, without reading the file to "
	  "check its SHA-256; faster, but a file rewritten with all of those "
	  "put back (whoever controls a disk image can) keeps its old profile. "
	  "Without it, ls -l of a fresh mount shows size 0 for a profile until "
	  "it is read" },
	{ "volume-id", "NAME", MOPT_STR, OFF(volume_id), NULL,
	  "the source's volume in the cache's file identities (default: its "
	  "UUID, found with libblkid, else its device number): a name keeps "
	  "the cache across copies of one volume that have no UUID" },
	{ "kernel-cache", "SECS", MOPT_UINT, OFF(kernel_cache), "1",
	  "let the kernel keep names and attributes for SECS seconds, list "
	  "folders with their attributes (readdirplus), and serve a profile "
	  "or a source file from its page cache when what it holds is what a "
	  "read gives now (a profile of the same render key, a file of the "
	  "same identity, ctime included): a changed file's new bytes and "
	  "profile are read at once, its new size shows within SECS seconds. "
	  "0: the kernel caches nothing (every stat and read asks the "
	  "daemon)" },
	{ "trust", "FILE", MOPT_TRUST, 0, NULL,
	  "also trust the root certificates in FILE (PEM); repeatable" },
	{ "no-default-trust", NULL, MOPT_FLAG, OFF(sign.no_default_trust), NULL,
	  "do not trust the roots of Microsoft's Trusted Root Program "
	  "(shipped in data/, with their purposes)" },
	{ "system-trust", NULL, MOPT_FLAG, OFF(sign.system_trust), NULL,
	  "also trust the system's CA bundle (every purpose)" },
	{ "catalogs", "DIR", MOPT_CATALOGS, 0, NULL,
	  "index the Windows catalogs (.cat) in DIR too; repeatable. The "
	  "source's Windows/System32/CatRoot/"
	  "{F750E6C3-38EE-11D1-85E5-00C04FC295EE} is found by itself" },
	/* spelled as they are: FUSE's and the command line's own */
	{ "-f", NULL, MOPT_FLAG, 0, NULL, "stay in the foreground" },
	{ "-d", NULL, MOPT_FLAG, 0, NULL,
	  "debug: foreground, print every FUSE request" },
	{ "-o OPT[,OPT...]", NULL, MOPT_FLAG, 0, NULL,
	  "the options above as NAME=V or NAME_WITH_UNDERSCORES=V, and FUSE's "
	  "mount options: allow_other (adds default_permissions), fsname=NAME; "
	  "ro, nosuid and nodev are always set" },
	{ "-h, --help", NULL, MOPT_FLAG, 0, NULL, "this text" },
	{ "-V, --version", NULL, MOPT_FLAG, 0, NULL, "the version" },
};
/* clang-format on */

const size_t mopt_count = sizeof(mopt_table) / sizeof(mopt_table[0]);

const char mopt_help_exit[] =
	"Exit status: 0 mounted (or, with -f, unmounted cleanly), 1 the mount "
	"or the\n"
	"source failed, 2 a usage error (an option, a value or an argument).\n";

/* the option as --help and the man page spell it: "--cache=PATH" */
static void spelling(const struct mopt *m, char *buf, size_t len)
{
	if (m->name[0] == '-')
		snprintf(buf, len, "%s", m->name);
	else
		snprintf(buf, len, "--%s%s%s", m->name, m->meta ? "=" : "",
			 m->meta ? m->meta : "");
}

/* the default as shown: lists with ':' as in -o */
static void shown_default(const struct mopt *m, char *buf, size_t len)
{
	char *p;

	snprintf(buf, len, "%s", m->def ? m->def : "");
	if (m->kind == MOPT_EXTS || m->kind == MOPT_FORMATS)
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

void mopt_print_help(FILE *f)
{
	const int indent = 24;
	char sp[64], def[128], text[1024];
	size_t i;

	for (i = 0; i < mopt_count; i++) {
		const struct mopt *m = &mopt_table[i];
		int col;

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

void mopt_print_roff(FILE *f)
{
	char sp[64], def[128];
	size_t i;

	for (i = 0; i < mopt_count; i++) {
		const struct mopt *m = &mopt_table[i];

		spelling(m, sp, sizeof(sp));
		shown_default(m, def, sizeof(def));
		fputs(".TP\n\\fB", f);
		if (m->meta) {
			fprintf(f, "\\-\\-");
			roff_text(f, m->name, 1);
			fputs("\\fR=\\fI", f);
			roff_text(f, m->meta, 0);
		} else {
			roff_text(f, sp, 1);
		}
		fputs("\\fR\n", f);
		roff_text(f, m->help, 0);
		if (*def) {
			fputs("\n(default: ", f);
			roff_text(f, def, 0);
			fputs(")", f);
		}
		fputs("\n", f);
	}
}

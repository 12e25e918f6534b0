/*
 * rules: public detection-rule repositories (sigma, LOLBAS,
 * atomic-red-team, signature-base, any folder of text) indexed into the
 * cache, and the lines of them that name a binary.
 *
 * A line names NAME.EXT when it contains NAME.EXT (ASCII case-insensitive)
 * after a boundary - the start of the line, white space, a quote or
 * backtick, / \ * = : , ( - and before the end of the line or a character
 * that is not a letter, digit or '_' (a '.' counts only when no letter or
 * digit follows it, as at the end of a sentence). It names the binary by
 * its stem too (NAME alone, "- 'wkssvc'", "TERMSRV*") when the stem has at
 * least 5 characters, is bounded the same way on both sides, is not in
 * the stoplist of common words, and stands as a command or an image
 * (rules_line_place()), never in prose. docs/rules.md says the rest.
 *
 * Errors: 0 or -errno; messages for the user are printed by the callers.
 */
#ifndef PROFILEFS_RULES_H
#define PROFILEFS_RULES_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

struct cache;
struct prof_misuse; /* below */

/* ---- matching ------------------------------------------------------- */

enum rules_match { RULES_NO = 0, RULES_NAME = 1, RULES_STEM = 2 };

/* Does the line name the binary `name` (a file name, no folders)? */
enum rules_match rules_line_names(const char *line, size_t len,
				  const char *name);
/*
 * Where the line names it, best first: RULES_AT_IMAGE, a detection field
 * ("Image|endswith:", "OriginalFileName:", a YARA string) or a path or file
 * name standing alone in a list item; RULES_AT_COMMAND, a command's place
 * (the first word of a value or a line, after cmd /c and kin, a LOLBAS
 * Command:); RULES_AT_PROSE, anything else (descriptions, false-positive
 * notes, comments). The full name counts anywhere; the stem only in an
 * image's or a command's place, never in prose. *where (when not NULL)
 * gets the best place of the kind that matched.
 */
enum { RULES_AT_IMAGE = 0, RULES_AT_COMMAND = 1, RULES_AT_PROSE = 2 };
enum rules_match rules_line_place(const char *line, size_t len,
				  const char *name, int *where);
/* May a stem of n bytes name a binary on its own? */
int rules_stem_allowed(const char *stem, size_t n);

/* ---- a repository's facts ------------------------------------------- */

/* The SPDX identifier of the licence a LICENSE text states ("MIT",
 * "GPL-3.0", "DRL-1.1", an SPDX-License-Identifier line's expression)
 * into out (max bytes with the NUL): 1, or 0 when it is not known. Looks
 * at an SPDX-License-Identifier line, then the title the text opens with,
 * then compares the whole text with the canonical ones (rules/license.c
 * says how); never at the licences a text merely mentions. */
#define RULES_LICENSE_MAX 128
int rules_license_of(const char *text, size_t len, char *out, size_t max);
/* The canonical texts compared with: those built in and those of
 * rules_license_dir found (loaded once, on first use); how many. */
extern const char rules_license_dir[];
size_t rules_license_canonical(void);
/* The whole-text step alone: the best canonical match's similarity
 * (0..1), and its SPDX identifier in *spdx when it is close enough */
double rules_license_similarity(const char *text, size_t len,
				const char **spdx);
/* The web URL of a git remote ("git@github.com:a/b.git" ->
 * "https://github.com/a/b"), malloc'ed, or NULL for a local remote. */
char *rules_web_url(const char *remote);
/* What git says of the repository at dir (an absolute path, its top): the
 * web URL of its origin (insteadOf applied; NULL for none or a local
 * one) and the branch checked out (or the commit, detached; NULL for
 * none), malloc'ed. git is run as a child process, bounded in time, with
 * no system config, hooks, pager or fsmonitor (rules/git.c); without git,
 * both are NULL. Works for worktrees and .git files. */
void rules_git_facts(const char *dir, char **url, char **branch);
/* A repository's name in its URL ("https://github.com/SigmaHQ/sigma.git"
 * -> "sigma"), malloc'ed, or NULL. */
char *rules_name_of_url(const char *url);
/* The link to path in a repository at URL on branch, as the hosting site
 * writes it (GitHub's /blob/, GitLab's /-/blob/, Bitbucket's /src/). */
char *rules_file_url(const char *url, const char *branch, const char *path);

/* ---- which files are indexed ---------------------------------------- */

/*
 * A file is indexed unless a folder on its way is one of the default
 * excludes (when they apply), or an exclude glob selects it, or include
 * globs are given and none selects it. A glob without '/' selects a file
 * when it matches the file's name or the name of a folder on its way
 * (fnmatch, a leading '.' matched only by a '.'); a glob with '/' is a
 * path from the top (a leading '/' and trailing ones are dropped:
 * "/rules" and "rules/" are the top's rules folder) and selects a file when it
 * matches the file's path or the path of a folder on its way ('*' matches
 * '/' too). A folder is walked unless the default or exclude globs drop it.
 */
#define RULES_GLOB_MAX 1024
/* folder names, NULL-terminated: test, tests, testdata, regression_data,
 * deprecated, ... */
extern const char *const rules_default_excludes[];
/* globs (as --exclude's, any case), NULL-terminated: licence files
 * (LICENSE*, COPYING*, NOTICE*), images, archives, binaries, the top's
 * other/ (sigma's examples). An include glob that selects a default
 * exclude (or, a path from the top, something below it) brings it in. */
extern const char *const rules_default_file_excludes[];
/* rel: the path below the top; globs one a line, or NULL */
int rules_selected(const char *rel, int folder, const char *includes,
		   const char *excludes, int default_excludes);
/* not empty, at most RULES_GLOB_MAX bytes, no newline */
int rules_glob_ok(const char *glob);

/* ---- indexing ------------------------------------------------------- */

struct rules_opts {
	const char *name;    /* NULL: from the URL, else the folder's name */
	const char *url;     /* NULL: the origin's, as git says */
	const char *license; /* NULL: from the LICENSE file */
	int progress;	     /* a progress line on stderr */
	/* which files: globs one a line; set_* says they were given (for
	 * rules_update: replace what is stored; NULL then clears it) */
	const char *includes, *excludes;
	int set_includes, set_excludes;
	int default_excludes; /* -1: as stored (add: yes), 0: no, 1: yes */
};

/* Indexes a new repository at dir: -ENOENT when dir does not exist,
 * -ENOTDIR when it is not a folder, -EEXIST when the name is taken. Only
 * regular files are read, none through a symlink. The repository is
 * searched (rules_lookup) once its first pass has committed in full; a
 * pass cut short leaves it incomplete, and rules_add of the same folder
 * under the same name resumes it. */
int rules_add(struct cache *c, const char *dir, const struct rules_opts *o);
/* Indexes again what changed in one repository (or all, name NULL); an
 * incomplete one is completed. Its URL, branch and licence are read
 * again, but those rules_add() was given; a value not found stays. Of o,
 * progress, the selection of files (a changed selection drops the files
 * it leaves out), and url and license count: they replace the stored ones
 * and stay ("" gives the repository's own again); -EINVAL for a change
 * of selection, URL or licence with no name. rules_add() of a folder
 * with no web URL warns once: its rows link to the files on this
 * machine. */
int rules_update(struct cache *c, const char *name, const struct rules_opts *o);
int rules_remove(struct cache *c, const char *name);
/* name, URL, license, files, lines, when indexed ("incomplete" for a
 * first pass that did not finish): a header line, then one tab-separated
 * line a repository; verbose: after each, a line of its own for each of
 * its globs, "\tinclude\tGLOB", "\texclude\tGLOB" and "\texclude
 * (default)\tNAME/"; c NULL (no index yet): the header alone */
int rules_list(struct cache *c, FILE *out, int verbose);

/* ---- the rules index ------------------------------------------------- */

/*
 * The rules index is a database of its own (the cache's schema, its rule
 * tables used), one per user: $XDG_DATA_HOME/profilefs/rules.db when
 * XDG_DATA_HOME is set, else /var/lib/profilefs/rules.db for root and
 * ~/.local/share/profilefs/rules.db for others. `--rules=PATH` names
 * another. Malloc'ed; NULL when there is no HOME to put it in.
 */
char *rules_default_path(void);
/* A reader's handle (a mount, `profilefs profile`): never creates the
 * database; opens it on first use once it exists. Safe from many
 * threads. path NULL: the default (-ENOENT when there is none). */
struct rules_index;
int rules_index_new(const char *path, struct rules_index **out);
void rules_index_free(struct rules_index *ri);
const char *rules_index_path(const struct rules_index *ri);
/* the index's generation (unique to the database: a new database does
 * not repeat an old one's), or -1 while there is no database */
int64_t rules_index_generation(struct rules_index *ri);
/* rules_lookup() on the index; *out NULL while there is none */
int rules_index_lookup(struct rules_index *ri, const char *name, size_t cap,
		       struct prof_misuse **out);

/* ---- lookup ---------------------------------------------------------- */

/* The Possible Misuse rows of a binary, which the profile shows (their
 * struct keeps the prof_ name of the section it fills). */
struct prof_misuse_row {
	char *source;	   /* the repository's name */
	char *source_url;  /* its web URL, or NULL */
	char *file;	   /* the file's name */
	char *path;	   /* its path in the repository */
	char *local_path;  /* where it is on this machine, when the
			    * repository has no web URL; else NULL */
	char *file_link;   /* its URL, or its path in the repository */
	char *text;	   /* the line */
	char *license;	   /* or NULL */
	char *license_url; /* or NULL */
	char *matched;	   /* the original name the line names (a renamed
			    * copy's OriginalFilename), or NULL: the name */
};

/* matching lines of one repository beyond its cap */
struct prof_misuse_more {
	char *source; /* the repository's name */
	size_t n;     /* rows */
	size_t files; /* the files they are in */
};

struct prof_misuse {
	struct prof_misuse_row *rows;
	size_t n;
	size_t more;	   /* matching lines beyond the caps, in all */
	size_t more_files; /* the files they are in */
	struct prof_misuse_more *where; /* by repository name */
	size_t nwhere;
	/* the rows beyond the caps, in the section's order (JSON lists
	 * them); fewer than `more` when a lookup met its bound */
	struct prof_misuse_row *extra;
	size_t nextra;
};

void prof_misuse_free(struct prof_misuse *m);

/*
 * The lines that name `name`, ranked (rules/lookup.c): lines that name it
 * as an image or in a detection field (RULES_AT_IMAGE), then those of its
 * own entry (a file named after the binary, LOLBAS's Certutil.yml), then
 * those that name it in a command, then prose, then archived and example
 * content (LOLBAS's Archive-Old-Version, sigma's other/, deprecated/)
 * when an --include brought it in; within a tier, one row of each file
 * before a second row of any, then by repository, path and line. At most
 * cap rows of each repository, the first in that order; m->more counts
 * the rest (m->more_files their files), m->where by repository, m->extra
 * lists them. *out is freed with prof_misuse_free().
 */
int rules_lookup(struct cache *c, const char *name, size_t cap,
		 struct prof_misuse **out);
/* The same, and also the lines that name one of originals (NULL-
 * terminated, or NULL; at most RULES_ORIGINALS_MAX looked at): the names
 * a renamed copy's version resource gives (OriginalFilename, and
 * InternalName where it is a file name). A name with a folder, without a
 * '.', or the binary's own name is skipped. Their rows say which name they
 * match (row->matched). */
#define RULES_ORIGINALS_MAX 4
int rules_lookup_names(struct cache *c, const char *name,
		       const char *const *originals, size_t cap,
		       struct prof_misuse **out);
/* rules_lookup_names() on the index */
int rules_index_lookup_names(struct rules_index *ri, const char *name,
			     const char *const *originals, size_t cap,
			     struct prof_misuse **out);

#endif

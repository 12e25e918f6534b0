/*
 * profile: the facts about one binary, how they are computed from the
 * file, how they are stored as parts, and how they are written as
 * Markdown (docs/profile-format.md describes
 * the output).
 *
 * Ownership: a struct prof is made by prof_compute(), prof_special() or
 * prof_new() + prof_decode_part(), and freed with prof_free(). Every string
 * in it is an owned copy; nothing points into a file buffer.
 *
 * Errors: 0 or -errno. prof_compute() returns -EAGAIN when the file changed
 * while it was read (its digests would describe bytes that never existed
 * together), -EIO on a read error, -ENOMEM.
 */
#ifndef PROFILEFS_PROFILE_H
#define PROFILEFS_PROFILE_H

#include <stddef.h>
#include <stdint.h>
#include <sys/stat.h>

#include "profilefs/caps.h"
#include "profilefs/digest.h"
#include "profilefs/pe.h"
#include "profilefs/sig.h"
#include "profilefs/util.h"

struct prof {
	uint64_t size; /* bytes hashed */
	int hashed;    /* dg is valid */
	struct dg_result dg;
	int is_pe;
	char *pe_note;	      /* why the file is not a PE image, or NULL */
	struct pe_info *pe;   /* what the PE parser read, when is_pe */
	char imphash[33];     /* lowercase hex, "" when nothing is imported */
	char rich_hash[33];   /* MD5 of the decoded Rich header, or "" */
	struct sig_table sig; /* the certificate table's entries */
	/* notes about this instance of the file (not cached with content) */
	char *notes[CAP_NOTES];
	size_t nnotes;
};

struct prof *prof_new(void);
void prof_free(struct prof *p);
/* Adds a note (a full sentence); silently dropped past CAP_NOTES. */
int prof_note(struct prof *p, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/*
 * Opens the source file relpath of t to read (tree_file_open(): no symlink
 * followed, nothing outside the tree, no FIFO blocking, no atime touched).
 * *st is the open file's stat. For what is not a regular file -EINVAL,
 * with *st its lstat (st_mode 0 when even that failed).
 */
struct tree;
struct tree_file;
int prof_open(struct tree *t, const char *relpath, struct tree_file **f,
	      struct stat *st);

/* What one profile may cost; 0 means no bound. */
struct prof_limits {
	uint64_t max_size;    /* larger files are not read */
	unsigned max_seconds; /* reading stops after this long */
};

/*
 * One read of the file: every digest, then the parsers over the bytes.
 * When a limit stops it, the profile has no hashes (hashed is 0) and a note
 * says what was skipped; such a profile is not to be cached.
 *
 * stop is asked between chunks (NULL: lim->max_seconds from now is the
 * only deadline): -ETIME gives the time limit's profile, any other error
 * (-EINTR: nobody waits any more) is returned, and nothing is made.
 */
int prof_compute(struct tree_file *f, const struct stat *st,
		 const struct prof_limits *lim, const struct util_stop *stop,
		 struct prof **out);

/* What prof_compute() holds at most while it reads a file of size bytes
 * (what a memory budget reserves for it): a constant, less for a file
 * smaller than its certificate-table cap. */
uint64_t prof_memory(uint64_t size);

/*
 * The PE hashes in the rarer algorithms (MD5, SHA-384, SHA-512) that the
 * signatures of p's certificate table name, read again from f into
 * p->sig (l: where the PE image hash skips and ends, pe_hash_layout()'s of
 * the file's first chunk). Asks stop between chunks: out of time (-ETIME)
 * leaves them not computed, another error (-EINTR: cancelled) is
 * returned. 0 or -errno.
 */
struct dg_pe_layout;
int prof_rare_pehash(struct prof *p, struct tree_file *f,
		     const struct dg_pe_layout *l, uint64_t size,
		     const struct util_stop *stop);

/* The profile of a file a limit kept from being read to its end: over
 * lim->max_size (st's size is named), or stopped by lim->max_seconds
 * (timed_out). Its note says which; it has no hashes. */
int prof_limited(const struct stat *st, const struct prof_limits *lim,
		 int timed_out, struct prof **out);

/* The profile of something that is not a regular file (FIFO, device...). */
int prof_special(mode_t mode, struct prof **out);

/* ---- parts: how a profile is stored --------------------------------- */

/*
 * A profile is stored as its digests plus named parts, each with a version.
 * When the code's version of a part is newer than the stored one, only that
 * part needs computing again.
 */
struct prof_part_desc {
	const char *name;
	int version;
};

#define PROF_MAX_PARTS 8 /* prof_nparts <= this, checked in parts.c */

extern const struct prof_part_desc prof_parts[];
extern const size_t prof_nparts;

int prof_encode_part(const struct prof *p, const char *name,
		     struct dynbuf *out);
/* -EINVAL for a blob this version cannot read (treated as missing) */
int prof_decode_part(struct prof *p, const char *name, const void *data,
		     size_t len);

/* ---- rendering ------------------------------------------------------ */

/* The Possible Misuse rows of a binary (made by the rules module). */
struct prof_misuse_row {
	char *source;	   /* the repository's name */
	char *source_url;  /* its web URL, or NULL */
	char *file;	   /* the file's name */
	char *file_link;   /* its URL, or its path in the repository */
	char *text;	   /* the line */
	char *license;	   /* or NULL */
	char *license_url; /* or NULL */
};

/* matching lines of one repository beyond its cap */
struct prof_misuse_more {
	char *source; /* the repository's name */
	size_t n;
};

struct prof_misuse {
	struct prof_misuse_row *rows;
	size_t n;
	size_t more; /* matching lines beyond the caps, in all */
	struct prof_misuse_more *where; /* by repository name */
	size_t nwhere;
};

void prof_misuse_free(struct prof_misuse *m);

/*
 * What a profile is rendered for: the file at relpath (below the source
 * root), the drive prefix, and optionally the profile of the file's
 * en-US/NAME.mui, whose version strings win when it has them (as on
 * Windows).
 */
struct prof_view {
	const char *relpath;
	const char *drive;
	const struct prof *mui;
	const char *mui_relpath;
	const struct prof_misuse *misuse; /* NULL or empty: no section */
	const struct sig_verdict *sig;	  /* NULL: no Signature section */
};

/*
 * The version of the Markdown a render writes: part of the key a rendered
 * profile (and its size, stored in the cache) is kept under. Bump it with
 * any change of the text the same facts give.
 */
#define PROF_RENDER_VERSION 3

/* The Markdown profile. *out is malloc'ed, NUL-terminated. */
int prof_render(const struct prof *p, const struct prof_view *v, char **out,
		size_t *len);

/*
 * The JSON profile (json.c; docs/profile-json.md, docs/profile.schema.json):
 * the facts prof_render() writes, as one JSON object and a newline.
 * pretty: indented over several lines; else one line (JSON Lines). *out
 * is malloc'ed, NUL-terminated. PROF_JSON_VERSION is its schema_version:
 * bumped when a member changes name, type or meaning (added members do
 * not bump it).
 */
#define PROF_JSON_VERSION 1
int prof_render_json(const struct prof *p, const struct prof_view *v,
		     int pretty, char **out, size_t *len);

/* The Signature section of a verdict (render_sig.c), and its Status
 * sentence alone (malloc'ed; 0 or -ENOMEM). */
void prof_render_signature(struct dynbuf *b, const struct sig_verdict *v);
int prof_sig_status(const struct sig_verdict *v, char **out);

/* The path of the en-US/NAME.mui beside relpath (malloc'ed), or NULL when
 * relpath is itself a .mui file (or on OOM). */
char *prof_mui_path(const char *relpath);

#endif

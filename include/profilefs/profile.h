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
#include "profilefs/rules.h" /* struct prof_misuse */
#include "profilefs/sig.h"
#include "profilefs/tree.h"
#include "profilefs/util.h"

struct prof {
	uint64_t size; /* bytes hashed */
	int hashed;    /* dg is valid */
	/* what this computation read of the file (size when whole), and
	 * whether the time limit stopped it (prof_limited()'s timed_out):
	 * never cached, never rendered */
	uint64_t read;
	int timed_out;
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
 * (timed_out, which it keeps). Its note says which; it has no hashes. */
int prof_limited(const struct stat *st, const struct prof_limits *lim,
		 int timed_out, struct prof **out);

/* The profile of something that is not a regular file (FIFO, device...). */
int prof_special(mode_t mode, struct prof **out);

/*
 * The profile of a regular file whose bytes cannot be read on this source
 * (tree_file_open() gave -EIO with tree_facts()'s unreadable set: a Data
 * Deduplication or cloud placeholder, an unknown reparse tag, a damaged
 * WOF stream; or a file ntfs-3g shows as an "unsupported reparse tag"
 * link): no hashes (so never cached), and one note, why (a sentence, as
 * the source says it; "" or NULL: a sentence of ours). Its NTFS section
 * comes from the view's facts, as any profile's.
 */
int prof_unreadable(const char *why, struct prof **out);

/*
 * What a known-file lookup (known.h) asks of the binary p at relpath (a
 * path of the source, '/'-separated): its SHA-256 (NULL when p has no
 * hashes), its name (relpath's last part), its machine (0: not a PE), its
 * version (the FileVersion string's leading dotted numbers, as winbindex
 * compares them, into vbuf; NULL when none) and whether it is a language
 * variant (a .mui, or in a folder named like "en-US"). q's strings point
 * into p, relpath and vbuf. The service and `profilefs known lookup` ask
 * through this one function.
 */
struct known_query;
#define PROF_KNOWN_VERSION_MAX 64
void prof_known_query(const struct prof *p, const char *relpath,
		      struct known_query *q, char vbuf[PROF_KNOWN_VERSION_MAX]);

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

/*
 * What a profile is rendered for: the file at relpath (below the source
 * root), the drive prefix, and optionally the profile of the file's
 * en-US/NAME.mui, whose version strings win when it has them (as on
 * Windows).
 */
struct prof_file_facts;
struct known_verdict;
struct prof_view {
	const char *relpath;
	const char *drive;
	const struct prof *mui;
	const char *mui_relpath;
	const struct prof_misuse *misuse; /* NULL or empty: no section */
	const struct sig_verdict *sig;	  /* NULL: no Signature section */
	/* what the file system says of this file (NTFS section, "ntfs"
	 * member); NULL or empty: none, and the text is as without it */
	const struct prof_file_facts *file;
	/* the known-file verdict (known.h); NULL: as "no data" */
	const struct known_verdict *known;
	/* the names of Rich header entries (below); NULL: "unknown" */
	const struct prof_rich_names *rich_names;
};

/*
 * The names of Rich header entries (rich_names.c), from a table the user
 * brings (--rich-names FILE): lines "XXXXXXXX DESCRIPTION", the comp.id
 * (product id << 16 | build) in 8 hex digits; '#' comment lines and blank
 * lines skipped (richprint's comp_id.txt has this layout). At most
 * PROF_RICH_NAMES_BYTES, a description at most PROF_RICH_NAME_MAX bytes.
 * -EINVAL with *bad_line the first line that is not an entry; -EFBIG for
 * a table too big; -errno of the file.
 */
#define PROF_RICH_NAMES_BYTES (4u << 20)
#define PROF_RICH_NAME_MAX    256
struct prof_rich_names;
int prof_rich_names_parse(const char *text, size_t len,
			  struct prof_rich_names **out, size_t *bad_line);
int prof_rich_names_load(const char *path, struct prof_rich_names **out,
			 size_t *bad_line);
void prof_rich_names_free(struct prof_rich_names *t);
/* the description of a comp.id, or NULL when the table (or t) has none */
const char *prof_rich_name(const struct prof_rich_names *t, uint16_t product,
			   uint16_t build);
/* the SHA-256 of the table's bytes (a render key names it) */
const uint8_t *prof_rich_names_digest(const struct prof_rich_names *t);
size_t prof_rich_names_count(const struct prof_rich_names *t);

/*
 * The version of the Markdown a render writes: part of the key a rendered
 * profile (and its size, stored in the cache) is kept under. Bump it with
 * any change of the text the same facts give.
 */
#define PROF_RENDER_VERSION 5

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
#define PROF_JSON_VERSION 2
int prof_render_json(const struct prof *p, const struct prof_view *v,
		     int pretty, char **out, size_t *len);

/* The Signature section of a verdict (render_sig.c), and its Status
 * sentence alone (malloc'ed; 0 or -ENOMEM). */
void prof_render_signature(struct dynbuf *b, const struct sig_verdict *v);
int prof_sig_status(const struct sig_verdict *v, char **out);
/* The status's short name ("verified", "not_signed", "untrusted_root"...:
 * the JSON's "status", the CSV's signature_status); "unknown" for a value
 * out of the enum. */
const char *prof_sig_status_name(enum sig_status s);

/*
 * The CSV profile (csv.c; docs/profile-csv.md): the header row, and the
 * row of one file, each ending in CRLF. For a file that could not be
 * profiled p is NULL and error says why (strerror's words): the row has
 * only its file_path and error. v->relpath and v->drive are all of v
 * such a row reads. *out is malloc'ed, NUL-terminated. 0 or -ENOMEM.
 */
int prof_render_csv_header(char **out, size_t *len);
int prof_render_csv(const struct prof *p, const struct prof_view *v,
		    const char *error, char **out, size_t *len);

/* ---- the file beyond its bytes: NTFS (ntfs.c, ntfs_get.c) ------------- */

/*
 * What the file system says of one file, not of its content: times,
 * attributes, reparse tag, named streams and the Mark of the Web. These
 * are facts of the FILE (two copies of one content differ in them), so
 * they are never stored with a profile in the content-keyed cache: they
 * are gathered when a profile is shown (prof_file_facts_get(), cheap:
 * no stream but Zone.Identifier is read, and that one only up to
 * CAP_ZONE_READ bytes), passed in struct prof_view's file, and named in
 * the render key (prof_file_facts_key()).
 */

/* one line of a Zone.Identifier stream; strings are owned, with their
 * length (a NUL byte is kept as a byte), and cut at CAP_ZONE_VALUE */
struct prof_zone_line {
	char *section; /* the [section] it is under, NULL above any */
	size_t section_len;
	char *key; /* NULL: the line is not key=value (value is the line) */
	size_t key_len;
	char *value;
	size_t value_len;
	int cut; /* the key, value or section was longer than kept */
};

/* Zone.Identifier, parsed as Windows reads it (an INI file: CRLF or LF
 * lines, [ZoneTransfer] section, ZoneId=N, ReferrerUrl=, HostUrl=, ...) */
struct prof_zone {
	/* ZoneId of [ZoneTransfer] (the first), -1 when there is none or it
	 * is not a number */
	long zone_id;
	size_t zone_line; /* lines[zone_line] holds it, when zone_id >= 0 */
	struct prof_zone_line *lines; /* non-empty lines, in order */
	size_t n;
	size_t more; /* non-empty lines past CAP_ZONE_LINES */
	int utf16;   /* the text was UTF-16LE (with its BOM) */
};

/* Parses len bytes of a Zone.Identifier stream. Every length is bounded
 * by the caps; malformed text is kept as lines, never an error. 0 or
 * -ENOMEM (and *z untouched). */
int prof_zone_parse(const void *buf, size_t len, struct prof_zone *z);
void prof_zone_clear(struct prof_zone *z);
/* The first line of [ZoneTransfer] whose key is key (case-blind), or
 * NULL: prof_zone_get(z, "HostUrl") */
const struct prof_zone_line *prof_zone_get(const struct prof_zone *z,
					   const char *key);
/* "Internet" for 3 (0 to 4: Windows' URL security zones), NULL else */
const char *prof_zone_name(long zone_id);

struct prof_file_stream {
	char *name; /* as the source gives it (UTF-8), cut at
		     * CAP_NTFS_STREAM_NAME bytes */
	uint64_t size;
};

struct prof_file_facts {
	struct tree_facts facts;	  /* its strings NUL-terminated */
	struct prof_file_stream *streams; /* the first CAP_NTFS_STREAMS */
	size_t nstreams;
	size_t more_streams; /* streams past the cap */
	int has_zone;	     /* a Zone.Identifier stream was read */
	uint64_t zone_size;  /* its size as listed */
	size_t zone_read;    /* bytes of it read and parsed */
	struct prof_zone zone;
};

/*
 * The facts of the file rel of tree t: tree_facts(), tree_streams(), and
 * the first CAP_ZONE_READ bytes of its Zone.Identifier stream (no other
 * stream is ever read). *out is NULL when there is nothing to say (a
 * POSIX source: no facts, no streams): the profile is then what it was
 * without. 0 or -errno (tree_facts()'s, -ENOMEM); *out untouched then.
 */
int prof_file_facts_get(struct tree *t, const char *rel,
			struct prof_file_facts **out);
/*
 * The same from what the source gave: facts (NULL: none), the streams
 * s[0..n), and zone (zone_len bytes; NULL when there is no Zone.Identifier
 * stream). Everything is copied, bounded. *out NULL when empty.
 */
int prof_file_facts_make(const struct tree_facts *facts,
			 const struct tree_stream *s, size_t n,
			 const void *zone, size_t zone_len,
			 struct prof_file_facts **out);
void prof_file_facts_free(struct prof_file_facts *f);
/* Whether f says anything (NULL says nothing) */
int prof_file_facts_any(const struct prof_file_facts *f);
/*
 * Appends to b (the render key's input) a canonical encoding of every
 * fact of f the render shows; nothing at all when f says nothing, so the
 * key of a file without facts is the key it always had. 0 or b's error.
 */
int prof_file_facts_key(const struct prof_file_facts *f, struct dynbuf *b);

/* The NTFS section of the Markdown (render.c calls it after the seed
 * sections; nothing when v->file says nothing). */
void prof_render_ntfs(struct dynbuf *b, const struct prof *p,
		      const struct prof_view *v);
/* The JSON "ntfs" member (ntfs_json.c): *out a new json-c object, NULL
 * when v->file says nothing (the member is then left out). 0 or
 * -ENOMEM. */
struct json_object;
int prof_json_ntfs(const struct prof_view *v, struct json_object **out);

/* The sections of struct pe_facts (render_pe2.c: render.c calls it
 * after its PE sections; nothing when pe is NULL), and the JSON
 * "pe_facts" member (json_pe2.c): a new json-c object, NULL when pe is
 * NULL, or on -ENOMEM (then *err is set; an *err already set is kept and
 * nothing is made). names: the Rich entries' names, or NULL. */
void prof_render_pe2(struct dynbuf *b, const struct pe_info *pe,
		     const struct prof_rich_names *names);
struct json_object *prof_json_pe2(const struct pe_info *pe,
				  const struct prof_rich_names *names,
				  int *err);

/* The path of the en-US/NAME.mui beside relpath (malloc'ed), or NULL when
 * relpath is itself a .mui file (or on OOM). */
char *prof_mui_path(const char *relpath);

#endif

/*
 * known: known-file data sets (docs/known.md). Users import them into a
 * store of ours (an SQLite file of its own, like the rules index): the NIST
 * NSRL RDS v3 (a file is known: it shipped in some product) and winbindex
 * (Microsoft's builds of Windows binaries, with the Windows versions and
 * updates each shipped in). A profile looks up its SHA-256, name, machine
 * and version there and shows a verdict (`## Known File`).
 *
 * The store's tables live in the cache module (only it speaks SQLite); the
 * importers of each data set and the verdict are here.
 *
 * Errors: 0 or -errno; messages for the user are printed by the callers.
 */
#ifndef PROFILEFS_KNOWN_H
#define PROFILEFS_KNOWN_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

struct known; /* an open store */

/* ---- the verdict ------------------------------------------------------ */

enum known_status {
	KNOWN_NO_DATA = 0, /* no store configured (or it holds no source) */
	KNOWN_UNKNOWN,	   /* no source knows these bytes */
	KNOWN_WINBINDEX,   /* winbindex has this SHA-256 */
	KNOWN_NSRL,	   /* NSRL has it, winbindex does not */
	/* winbindex knows this name for this machine and this version, and
	 * none of those builds has these bytes */
	KNOWN_MISMATCH,
	/* winbindex knows this name for this machine, not this version */
	KNOWN_UNKNOWN_BUILD,
};

/* The verdict's words as the profile shows them after "Verdict: ":
 * "known (winbindex)", "known (NSRL)", "version mismatch", "unknown build",
 * "unknown", "no data"; also the CSV column and the JSON member. */
const char *known_status_name(enum known_status s);

/* One Windows build a winbindex SHA-256 shipped in: the Windows version
 * as winbindex names it ("11-22H2"), the update ("KB5023778", or "BASE"
 * for the release itself) and the update's release date ("2023-03-28",
 * NULL when not given). Strings owned by the verdict. */
struct known_windows {
	char *windows;
	char *update;
	char *released;
};

/* One NSRL product a SHA-256 is known in; any member may be NULL. */
struct known_product {
	char *product;
	char *version;
	char *os;
	char *manufacturer;
};

/* At most this many builds and products are kept per verdict (the counts
 * say how many there were). */
#define KNOWN_MAX_LIST 16

struct known_verdict {
	enum known_status status;
	/* winbindex: the builds this SHA-256 shipped in (KNOWN_WINBINDEX) */
	struct known_windows *windows;
	size_t n_windows;     /* kept */
	size_t total_windows; /* known */
	/* NSRL: the products it is known in (any status but NO_DATA) */
	struct known_product *products;
	size_t n_products;
	size_t total_products;
	/* KNOWN_MISMATCH: how many builds of this name, machine and version
	 * winbindex knows (none of them these bytes) */
	size_t builds_of_version;
	/* KNOWN_MISMATCH and KNOWN_UNKNOWN_BUILD: the name, machine and
	 * version looked up, as compared (owned) */
	char *name;
	unsigned machine;
	char *version;
};

void known_verdict_free(struct known_verdict *v);

/* A version string's leading dotted numbers, as winbindex's versions are
 * compared: "10.0.22621.1485 (WinBuild.160101.0800)" -> "10.0.22621.1485"
 * ("" when it starts with no digit; s may be NULL); out holds len bytes */
void known_dotted_version(const char *s, char *out, size_t len);

/* What a lookup is asked: the binary's SHA-256, and what it claims to be
 * (any of these may be absent: NULL / 0). */
struct known_query {
	const uint8_t *sha256; /* 32 bytes */
	const char *name;      /* file name, no folders */
	unsigned machine;      /* IMAGE_FILE_HEADER.Machine, 0: not a PE */
	/* the file version, dotted ("10.0.22621.1485"): the FileVersion
	 * string's leading numbers (known_dotted_version), as winbindex
	 * records the string; the parser keeps no VS_FIXEDFILEINFO */
	const char *version;
	/* a .mui or a language variant (in a ll-CC folder): never a
	 * mismatch, "unknown" at worst */
	int lang_variant;
};

/*
 * The verdict for q (malloc'ed into *out). k NULL: KNOWN_NO_DATA. Costs
 * well under a millisecond (a few indexed SELECTs).
 */
int known_lookup(struct known *k, const struct known_query *q,
		 struct known_verdict **out);

/* The store's generation: changes with every import and removal, so that
 * a render key naming it makes profiles show new data without their
 * hashes being computed again. -1 for k NULL. */
int64_t known_generation(struct known *k);

/* ---- the store ---------------------------------------------------------- */

/*
 * Open the store at path (created when create and missing). Without
 * create, a store that does not exist yet is not an error: the handle
 * opens it on first use once it exists (a stat per lookup until then;
 * KNOWN_NO_DATA meanwhile), so a mount started before the first
 * `profilefs known add` shows the data at once. -EPROTO: path is not a
 * store of ours (left as it is).
 */
int known_open(const char *path, int create, struct known **out);
void known_close(struct known *k);
/* the path it was opened with */
const char *known_path(const struct known *k);

/* ---- importing (`profilefs known`) ---------------------------------- */

struct util_stop;

/* one import: what the caller gives, and what it says of it */
struct known_import {
	const struct util_stop *stop; /* asked between rows and files */
	/* a long import's progress (may be NULL): rows so far, and the
	 * step ("reading", "sorting", or the winbindex file being read) */
	void (*progress)(void *ctx, const char *kind, uint64_t rows,
			 const char *step);
	void *ctx;
	/* out: "nsrl" or "winbindex", the rows imported, and on -EPROTO
	 * (not a data set, corrupt, truncated) why, naming the file */
	const char *kind;
	uint64_t rows;
	char why[512];
};

/*
 * Imports path into a store opened with create: an NSRL RDS v3 database
 * (an SQLite file with the views FILE, PKG, OS and MFG) or a winbindex
 * data folder (by_filename_compressed/NAME.json.gz, found in path, in
 * path/by_filename_compressed or path/data/by_filename_compressed). The
 * rows of that kind are replaced in one transaction: on any failure or
 * stop, the store is as it was. -EPROTO (why says), -EINTR (stopped), or
 * the store's errors.
 */
int known_add(struct known *k, const char *path, struct known_import *imp);

/* The sources on f: a header line, then one tab-separated line each:
 * kind, path, imported (UTC), rows, release ("-" when not known). */
int known_list(struct known *k, FILE *f);

/* Removes the source of that kind ("nsrl", "winbindex") or imported from
 * that path; -ENOENT when there is none. */
int known_remove(struct known *k, const char *path_or_kind);

#endif

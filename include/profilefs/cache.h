/*
 * cache: profiles kept in SQLite, outliving the mount.
 *
 * Two keys: a file's identity (device, inode, size, mtime and ctime in ns)
 * leads to its content (SHA-256); the content holds the digests as columns
 * (so the cache can be queried by hash) and the profile's other facts as
 * versioned parts. A changed file has a new identity; a hard link or a
 * copy with the same bytes finds the content already there.
 *
 * ctime is in the identity because user space can put a file's mtime back
 * (touch -r, cp -p, timestomping) after rewriting it with other bytes of
 * the same size, but not its ctime. A chmod, chown, a new hard link or
 * (on some filesystems) a rename moves ctime on too: such a file is
 * profiled once more. Identities stored before schema 5 have ctime
 * CACHE_CTIME_UNKNOWN, which no lookup matches: each file is profiled once
 * more after the upgrade (its content and parts stay).
 *
 * WAL mode, with two connections: lookups (cache_find, cache_get_part,
 * cache_find_content, the rules search, the catalog lookup, the lists and
 * generations) read the last commit and never wait for a writer, of this
 * process or another; writes (stores, indexers) take turns on the other
 * connection and wait out another process's write lock (with backoff, up
 * to 30 s) rather than fail. The functions are safe to call from many
 * threads. Errors: -ENOENT for "not cached", a database error (logged) as
 * -EBADMSG (damaged), -ENOSPC (full), -EROFS (cannot write), -EBUSY, -EIO, and
 * -ENOMEM. A database that is not ours is refused with -EPROTO.
 */
#ifndef PROFILEFS_CACHE_H
#define PROFILEFS_CACHE_H

#include <stddef.h>
#include <stdint.h>

#include "profilefs/digest.h"

#define CACHE_SCHEMA_VERSION 6

struct cache;
struct cache_txn;

struct cache_ident {
	uint64_t dev;
	uint64_t ino;
	uint64_t size;
	int64_t mtime_ns;
	/* st_ctim; never CACHE_CTIME_UNKNOWN (such an identity is not found,
	 * and not stored) */
	int64_t ctime_ns;
};

/* the ctime of an identity row from before schema 5 */
#define CACHE_CTIME_UNKNOWN INT64_MIN

struct cache_content {
	uint64_t size;
	struct dg_result dg; /* dg.sha256 is the key */
};

struct cache_part {
	const char *name;
	int version;
	const void *data;
	size_t len;
};

/* 0 when the file at path may be opened as the cache (absent, empty, or
 * ours of a schema we know, damaged or not); -EPROTO when it is something
 * else, said in why: read with pread only, nothing made or changed */
int cache_probe(const char *path, char *why, size_t len);
/* -EPROTO: not ours (or newer), left untouched; -EBADMSG: damaged (fails
 * quick_check); -EROFS: the location cannot be written; -ENOSPC; -ENOMEM;
 * -EIO. The database, its -wal and -shm are 0600, a folder made 0700. */
int cache_open(const char *path, struct cache **out);
/* cache_open(), but a damaged cache of ours (and its -wal, -shm) is
 * renamed to PATH.unusable-TIMESTAMP, with a warning, and a new one made;
 * one that is not ours is refused (-EPROTO) and left as it is */
int cache_open_or_rebuild(const char *path, struct cache **out);
void cache_close(struct cache *c);

/* identity -> content */
int cache_find(struct cache *c, const struct cache_ident *id,
	       struct cache_content *out);
/* content by SHA-256 (a copy or hard link of a profiled file) */
int cache_find_content(struct cache *c, const uint8_t sha256[32],
		       struct cache_content *out);
/* a part of that version; *data is malloc'ed */
int cache_get_part(struct cache *c, const uint8_t sha256[32], const char *name,
		   int version, void **data, size_t *len);
/* stores content, parts and the identity in one transaction; waits its
 * turn behind an indexer's batch, and out another process's writer;
 * -EINVAL for an identity with ctime CACHE_CTIME_UNKNOWN */
int cache_store(struct cache *c, const struct cache_ident *id,
		const struct cache_content *ct, const struct cache_part *parts,
		size_t nparts);

/* The size of an identity's rendered profile, as rendered with key (what
 * the rendering depended on). get: -ENOENT when not recorded or recorded
 * with another key (key NULL: with any key, the last size recorded).
 * put: -ENOENT when the identity is not stored. */
int cache_render_size_get(struct cache *c, const struct cache_ident *id,
			  const uint8_t key[32], uint64_t *size);
int cache_render_size_put(struct cache *c, const struct cache_ident *id,
			  const uint8_t key[32], uint64_t size);

/* ---- indexer transactions ---------------------------------------------
 *
 * An indexer's writes go in a transaction that owns the write connection
 * from begin to commit or rollback (both free it). cache_txn_batch(), called
 * after each unit of work (a file, a catalog), commits once CACHE_BATCH_OPS
 * units or CACHE_BATCH_MS have gone by and begins again, so a store waits
 * for one batch at most. A batch's commit makes its rows visible; the
 * index's generation (what profiles are keyed by) moves on once, at the
 * last commit or at a rollback, when any batch changed the index. A
 * rollback drops only the batch not yet committed.
 */
#define CACHE_BATCH_OPS 200
#define CACHE_BATCH_MS	50

enum cache_index { CACHE_INDEX_RULES, CACHE_INDEX_CATALOGS };

int cache_txn_begin(struct cache *c, enum cache_index what,
		    struct cache_txn **out);
int cache_txn_batch(struct cache_txn *t);
int cache_txn_commit(struct cache_txn *t);
void cache_txn_rollback(struct cache_txn *t);

/* ---- the rules index (Possible Misuse) ------------------------------ */

struct cache_repo {
	int64_t id;
	char *name, *path, *url, *branch, *license, *license_file;
	/* globs, one a line, or NULL (rules.h says what they select) */
	char *includes, *excludes;
	int default_excludes; /* the default excludes apply */
	/* what the user gave, which a pass does not read again */
	int pinned; /* CACHE_PIN_URL | CACHE_PIN_LICENSE */
	/* seconds since the epoch of the last complete pass; 0 while the
	 * first pass has not finished (the search leaves its rows out) */
	int64_t indexed_at;
	uint64_t files, lines;
};

#define CACHE_PIN_URL	  1
#define CACHE_PIN_LICENSE 2

void cache_repo_clear(struct cache_repo *r);
int cache_repo_get(struct cache *c, const char *name, struct cache_repo *out);
/* all repositories, by name; *out is an array of *n, cache_repos_free() */
int cache_repo_list(struct cache *c, struct cache_repo **out, size_t *n);
void cache_repos_free(struct cache_repo *r, size_t n);
/* in a CACHE_INDEX_RULES transaction: inserts (r->id 0) or updates the
 * repository's row; sets r->id */
int cache_repo_put(struct cache_txn *t, struct cache_repo *r);
/* in a transaction of its own */
int cache_repo_remove(struct cache *c, const char *name);

/* In a CACHE_INDEX_RULES transaction: */
/* a file's recorded size and mtime: 0, or -ENOENT when not indexed */
int cache_rule_file_get(struct cache_txn *t, int64_t repo, const char *path,
			uint64_t *size, int64_t *mtime_ns);
/* marks a file as seen in this pass (pass), unchanged */
int cache_rule_file_seen(struct cache_txn *t, int64_t repo, const char *path,
			 int64_t pass);
/* (re)records a file, dropping its old lines; *id for its lines */
int cache_rule_file_put(struct cache_txn *t, int64_t repo, const char *path,
			uint64_t size, int64_t mtime_ns, int64_t pass,
			int64_t *id);
int cache_rule_line_add(struct cache_txn *t, int64_t file, uint32_t line,
			const char *text, size_t len);
/* drops the files of repo not seen in pass; counts what is left */
int cache_rule_files_prune(struct cache_txn *t, int64_t repo, int64_t pass,
			   uint64_t *files, uint64_t *lines);
/* a counter that changes whenever any rule index changes */
int cache_rules_generation(struct cache *c, int64_t *gen);

/* The lines the FTS5 query `match` finds, by repository name, path and
 * line, of repositories indexed completely once (indexed_at > 0); cb
 * returns nonzero to stop. */
typedef int (*cache_rule_cb)(void *ctx, const char *repo, const char *path,
			     uint32_t line, const char *text, size_t len);
int cache_rules_search(struct cache *c, const char *match, cache_rule_cb cb,
		       void *ctx);

/* ---- the catalog index (Authenticode) ------------------------------- */

/*
 * A catalog is indexed by the SHA-256 of the bytes its members were read
 * from, so that its verdict can be made from those same bytes (a catalog
 * whose bytes changed since is not used until it is indexed again). A row
 * recorded before schema 5 has no SHA-256 (has_sha256 0) and no ctime: it
 * is to be indexed again.
 */
struct cache_catalog {
	char *path; /* absolute */
	uint64_t size;
	int64_t mtime_ns;
	int64_t ctime_ns;
	int has_sha256;
	uint8_t sha256[32];
};

/* every indexed catalog, by path; free with cache_catalogs_free() */
int cache_catalog_list(struct cache *c, struct cache_catalog **out, size_t *n);
void cache_catalogs_free(struct cache_catalog *v, size_t n);
/* In a CACHE_INDEX_CATALOGS transaction: (re)records a catalog (its
 * has_sha256 must be set: -EINVAL otherwise), dropping its old members;
 * *id for its members */
int cache_catalog_put(struct cache_txn *t, const struct cache_catalog *cat,
		      int64_t *id);
/*
 * A catalog indexed in parts, its members added over several batches (a
 * catalog of a million members would otherwise hold the write connection
 * for seconds): pending records it without a SHA-256, so that no lookup
 * uses it (cache_catalog_find gives NULL) and a scan after a crash reads
 * it again; seal sets the SHA-256 of the bytes read, dropping the members
 * added unless keep_members (a catalog found malformed at its end).
 */
int cache_catalog_pending(struct cache_txn *t, const struct cache_catalog *cat,
			  int64_t *id);
int cache_catalog_seal(struct cache_txn *t, int64_t id,
		       const uint8_t sha256[32], int keep_members);
int cache_catalog_member_add(struct cache_txn *t, int64_t id,
			     const uint8_t *digest, size_t len);
/*
 * Members of many: staged in a temporary table (appended: random digests
 * inserted one by one into the index rewrite a page each, at every
 * batch's commit), then merged into the index by the end, range by range
 * of their first byte, each sorted, with a batch between two ranges and
 * stop asked before each. end with keep 0 drops them; it frees s in any
 * case. Between begin and end the transaction's batches may commit.
 */
struct cache_cat_stage;
struct util_stop;
int cache_catalog_stage_begin(struct cache_txn *t, int64_t id,
			      struct cache_cat_stage **out);
int cache_catalog_stage_add(struct cache_txn *t, struct cache_cat_stage *s,
			    const uint8_t *digest, size_t len);
int cache_catalog_stage_end(struct cache_txn *t, struct cache_cat_stage *s,
			    int keep, const struct util_stop *stop);
int cache_catalog_drop(struct cache_txn *t, const char *path);
/* the catalogs that list digest, by path, each with the SHA-256 it was
 * indexed from (NULL: not recorded); cb returns nonzero to stop */
typedef int (*cache_catalog_cb)(void *ctx, const char *path,
				const uint8_t *sha256);
int cache_catalog_find(struct cache *c, const uint8_t *digest, size_t len,
		       cache_catalog_cb cb, void *ctx);
/* a counter that changes whenever the catalog index changes */
int cache_catalogs_generation(struct cache *c, int64_t *gen);

/* The default path: $XDG_CACHE_HOME/profilefs/cache.db, ~/.cache/...,
 * or /var/cache/profilefs/cache.db for root. malloc'ed. */
char *cache_default_path(void);
#define CACHE_DEFAULT_DOC                                                      \
	"$XDG_CACHE_HOME/profilefs/cache.db, ~/.cache/profilefs/cache.db, "    \
	"or /var/cache/profilefs/cache.db for root"

/* ---- the known-file store (known.h, docs/known.md) -------------------
 *
 * A database of its own (not the cache): per SHA-256 the NSRL products
 * and the winbindex builds it is known in, per (name, machine, version)
 * winbindex's SHA-256s, and the sources imported. Readers take one of a
 * few read connections per lookup; an import owns the write connection
 * in ONE transaction, so that a failed or interrupted import leaves the
 * store as it was. The generation (a counter in the store) moves on with
 * every import and removal. -EPROTO: the file is not a store of ours.
 */
struct cache_known;
struct cache_known_imp;
struct util_stop;

/* write 0: an existing store, for lookups (-ENOENT when there is none);
 * write 1: made when missing, for imports and removals too */
int cache_known_open(const char *path, int write, struct cache_known **out);
void cache_known_close(struct cache_known *k);
int cache_known_generation(struct cache_known *k, int64_t *gen);

/* One imported data set; kind "nsrl" or "winbindex", one of each. */
struct cache_known_source {
	char *kind, *path, *release; /* release NULL when not known */
	int64_t imported;	     /* seconds since the epoch */
	uint64_t rows;
};
int cache_known_sources(struct cache_known *k, struct cache_known_source **out,
			size_t *n);
void cache_known_sources_free(struct cache_known_source *v, size_t n);
/* drops a source and its rows in one transaction; -ENOENT: none */
int cache_known_remove(struct cache_known *k, const char *kind);

/* A lookup: what the store knows of a binary (known.h decides the
 * verdict). row is called per winbindex build of the SHA-256 (what 'w':
 * windows, update, released, NULL) and per NSRL product (what 'n':
 * product, version, os, manufacturer); any string may be NULL; a
 * nonzero return stops the rows of that kind. */
struct cache_known_ask {
	const uint8_t *sha256; /* 32 bytes, or NULL */
	const char *name;      /* lowercase, or NULL */
	unsigned machine;
	const char *version; /* dotted, or NULL */
	int lang_variant;    /* no version nor name-only questions */
};
struct cache_known_found {
	uint64_t sources;    /* sources imported; 0: nothing else asked */
	uint64_t wb_files;   /* winbindex rows of this SHA-256 */
	uint64_t builds;     /* its winbindex builds */
	uint64_t products;   /* its NSRL rows */
	uint64_t of_version; /* winbindex SHA-256s of (name, machine,
			      * version), asked only when no source knows
			      * the SHA-256 */
	int name_machine;    /* winbindex knows (name, machine), likewise */
};
typedef int (*cache_known_row_fn)(void *ctx, char what, const char *a,
				  const char *b, const char *c, const char *d);
int cache_known_find(struct cache_known *k, const struct cache_known_ask *q,
		     cache_known_row_fn row, void *ctx,
		     struct cache_known_found *out);

/* ---- importing (one transaction from begin to commit or rollback) ---- */

/* drops the kind's rows (in the transaction); nothing is visible before
 * commit */
int cache_known_import_begin(struct cache_known *k, const char *kind,
			     struct cache_known_imp **out);
/* one winbindex file: its SHA-256 under name (lowercase), machine and
 * version (dotted, "" when not known), and the builds it shipped in,
 * nbuilds triples (windows, update, released; released may be "") */
int cache_known_wb_put(struct cache_known_imp *m, const uint8_t sha256[32],
		       const char *name, unsigned machine, const char *version,
		       const char *const *builds, size_t nbuilds);
/* progress of a long import: rows read so far, and the step it is in */
typedef void (*cache_known_progress_fn)(void *ctx, uint64_t rows,
					const char *step);
/*
 * An NSRL RDS v3 database (SQLite, opened read-only and immutable) read
 * into the import through its views FILE, PKG, OS and MFG: each row
 * streamed, staged, then merged sorted by SHA-256. -EPROTO with why (a
 * sentence for the user) when it is not such a database; -EINTR (or
 * stop's error) when stop asks. *rows: the SHA-256 and product pairs
 * kept; *release: the RDS version when its VERSION table says
 * (malloc'ed, or NULL).
 */
int cache_known_nsrl_read(struct cache_known_imp *m, const char *db,
			  const struct util_stop *stop,
			  cache_known_progress_fn progress, void *ctx,
			  char *why, size_t whylen, uint64_t *rows,
			  char **release);
/* records the source, moves the generation on, commits; frees m */
int cache_known_import_commit(struct cache_known_imp *m, const char *path,
			      uint64_t rows, const char *release);
/* drops everything the import did; frees m (NULL: a no-op) */
void cache_known_import_rollback(struct cache_known_imp *m);

#endif

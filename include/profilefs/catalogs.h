/*
 * catalogs: the Windows catalogs of a mount: the folders that hold them,
 * an index of their member digests in the cache (kept up to date by a
 * rescanning thread, or by a sync on demand), and the verdict of the
 * catalog that lists a PE hash.
 *
 * Who stops a scan is who starts it: svc_catalogs_sync() and
 * svc_catalogs_start() take the stop of their caller (the service gives
 * svc_end_stop), asked between two batches, beside svc_catalogs_stop().
 *
 * Errors: 0 or -errno.
 */
#ifndef PROFILEFS_CATALOGS_H
#define PROFILEFS_CATALOGS_H

#include <stddef.h>
#include <stdint.h>

struct cache;
struct dynbuf;
struct sig_env;
struct sig_verdict;
struct svc_catalogs;
struct tree;
struct util_stop;

/* catalogs indexed into cache (which the caller keeps open) */
int svc_catalogs_new(struct cache *cache, struct svc_catalogs **out);
void svc_catalogs_free(struct svc_catalogs *c);
/* a folder of .cat files; -errno when it cannot be opened */
int svc_catalogs_add_dir(struct svc_catalogs *c, const char *dir);
/* The folder rel of the tree t (a source's CatRoot, read as the source
 * is), shown (and keyed in the cache) as shown; t is closed with c when
 * own. -ENOMEM. */
int svc_catalogs_add_tree(struct svc_catalogs *c, struct tree *t,
			  const char *rel, const char *shown, int own);
size_t svc_catalogs_count_dirs(const struct svc_catalogs *c);
/* Appends what names this set of catalog folders (to a render key). */
void svc_catalogs_describe(const struct svc_catalogs *c, struct dynbuf *b);
/* the cache the index lives in (set before syncing) */
void svc_catalogs_set_cache(struct svc_catalogs *c, struct cache *cache);
/* Indexes new and changed catalogs, drops the gone (progress: a count on
 * stderr). Catalogs are streamed (sig_catalog_stream), their members
 * stored in batches; a scan stops between two batches with -EINTR when
 * svc_catalogs_stop() asks, or with stop's error when stop (NULL: none)
 * says to stop. */
int svc_catalogs_sync(struct svc_catalogs *c, int progress,
		      const struct util_stop *stop);
/* Has the first scan since the cache was set ended (done or failed)? A
 * mount makes it on the rescanning thread, so that it answers meanwhile;
 * a verdict that needs the index waits for it (svc_catalogs_wait, which
 * returns stop's error when it says to stop, asked every 100 ms). */
int svc_catalogs_ready(struct svc_catalogs *c);
int svc_catalogs_wait(struct svc_catalogs *c, const struct util_stop *stop);
/* The index's generation after the last scan; -1 until one succeeded. */
int64_t svc_catalogs_generation(struct svc_catalogs *c);
/* Scans at once, then every 2 s, on a thread of its own, until stopped
 * (or freed), or until stop (the caller's; it stays the caller's until
 * svc_catalogs_stop) says to stop. */
int svc_catalogs_start(struct svc_catalogs *c, const struct util_stop *stop);
void svc_catalogs_stop(struct svc_catalogs *c);
/* The verdict of the catalog that lists the PE hash (SHA-256 or SHA-1),
 * or *out NULL when none does. The catalog is read in parts
 * (sig_check_catalog_src), its verdict kept per SHA-256 until the index
 * changes. */
int svc_catalogs_check(struct svc_catalogs *c, const uint8_t *sha1,
		       const uint8_t *sha256, const struct sig_env *env,
		       int64_t gen, struct sig_verdict **out);
/* Windows/System32/CatRoot/{F750E6C3-...} in the tree t, any case: its
 * path relative to t's root (malloc'ed), or -ENOENT. */
int svc_find_catroot(struct tree *t, char **rel);

#endif

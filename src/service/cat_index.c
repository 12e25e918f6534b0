/*
 * The index of the catalogs' members in the cache, kept up to date by
 * scans: on demand (svc_catalogs_sync), or on the rescanning thread.
 * What a scan asks between batches: svc_catalogs_stop(), and the stop of
 * whoever started it (the service gives svc_end_stop).
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "profilefs/cache.h"
#include "profilefs/caps.h"
#include "profilefs/catalogs.h"
#include "profilefs/hash.h"
#include "profilefs/sig.h"
#include "profilefs/tree.h"
#include "profilefs/util.h"
#include "catalogs_i.h"

/* members added between two asks of the transaction's batch and of
 * the stop: the write connection is let go every CACHE_BATCH_MS even
 * inside a catalog of a million members */
#define MEMBERS_STEP 256

struct member_ctx {
	struct cache_txn *t;
	struct cache_cat_stage *stage;
	int64_t id;
	const struct util_stop *stop;
	unsigned n;
	int cache_err; /* an error of the cache's, not of the catalog's */
};

static int add_member(void *ctx, const uint8_t *digest, size_t len)
{
	struct member_ctx *m = ctx;
	int rc;

	/* read again whole: the members given so far are dropped */
	if (!digest) {
		rc = cache_catalog_stage_end(m->t, m->stage, 0, NULL);
		m->stage = NULL;
		return rc ? rc
			  : cache_catalog_stage_begin(m->t, m->id, &m->stage);
	}
	rc = cache_catalog_stage_add(m->t, m->stage, digest, len);
	if (!rc && ++m->n % MEMBERS_STEP == 0) {
		rc = util_stop_check(m->stop);
		if (!rc && (rc = cache_txn_batch(m->t)) != 0)
			m->cache_err = 1;
	} else if (rc) {
		m->cache_err = 1;
	}
	return rc;
}

static int64_t mtime_ns(const struct stat *st)
{
	return (int64_t)st->st_mtim.tv_sec * 1000000000 + st->st_mtim.tv_nsec;
}

static int64_t ctime_ns(const struct stat *st)
{
	return (int64_t)st->st_ctim.tv_sec * 1000000000 + st->st_ctim.tv_nsec;
}

/*
 * The catalog's row and members, all from one read of its bytes (the
 * stat is taken before the read: a later change moves its ctime on, and
 * the next scan reads it again). The catalog is streamed: its members are
 * staged, then go into the index over several batches while its row is
 * pending (no SHA-256: no lookup uses it), and the SHA-256 of the bytes
 * read seals it at the end.
 * A catalog that does not decode is recorded without members, so it is
 * not read again until it changes; one that could not be read to its end
 * stays pending, and the next scan reads it again.
 */
static int index_one(struct cache_txn *t, const struct cat_dir *d,
		     const char *name, const char *path,
		     const struct util_stop *stop)
{
	struct cache_catalog row = { .path = (char *)path };
	struct member_ctx m = { t, NULL, 0, stop, 0, 0 };
	struct sig_cat_src src = { NULL, NULL, 0 };
	char *problem = NULL;
	uint8_t sha256[32];
	struct stat st;
	int rc;

	rc = cat_open(d, name, &src, &st);
	if (rc) {
		log_warn("catalog %s: not indexed: %s", path, strerror(-rc));
		return 0;
	}
	row.size = src.size;
	row.mtime_ns = mtime_ns(&st);
	row.ctime_ns = ctime_ns(&st);
	rc = cache_catalog_pending(t, &row, &m.id);
	if (!rc)
		rc = cache_catalog_stage_begin(t, m.id, &m.stage);
	if (!rc)
		rc = sig_catalog_stream(&src, 0, add_member, &m, stop, sha256,
					&problem);
	if (rc == -EINVAL)
		log_warn("catalog %s: %s", path, problem);
	/* the members go into the index once the whole catalog is read and
	 * found good */
	if (m.stage) {
		int end = cache_catalog_stage_end(t, m.stage, rc == 0, stop);

		if (!rc && end)
			m.cache_err = 1;
		rc = rc ? rc : end;
	}
	if (rc == 0 || rc == -EINVAL)
		rc = cache_catalog_seal(t, m.id, sha256, rc == 0);
	if (rc == -EIO && !m.cache_err) {
		log_warn("catalog %s: not indexed: it changed while it was "
			 "read",
			 path);
		rc = 0;
	}
	free(problem);
	tree_file_close(src.file);
	return rc ? rc : cache_txn_batch(t);
}

static int by_path(const void *a, const void *b)
{
	return strcmp(((const struct cache_catalog *)a)->path,
		      ((const struct cache_catalog *)b)->path);
}

static int is_cat(const char *name)
{
	size_t n = strlen(name);

	return n > 4 && strcasecmp(name + n - 4, ".cat") == 0;
}

/* the paths a verdict found changed, taken for one scan */
struct stale_list {
	char *path[CATALOG_STALE];
	size_t n;
};

static void stale_take(struct svc_catalogs *c, struct stale_list *l)
{
	pthread_mutex_lock(&c->lock);
	memcpy(l->path, c->stale, c->nstale * sizeof(c->stale[0]));
	l->n = c->nstale;
	c->nstale = 0;
	pthread_mutex_unlock(&c->lock);
}

static void stale_free(struct stale_list *l)
{
	size_t i;

	for (i = 0; i < l->n; i++)
		free(l->path[i]);
	l->n = 0;
}

static int changed(const struct cache_catalog *k, const struct stat *st,
		   const struct stale_list *stale, const char *path)
{
	return !k || !k->has_sha256 || k->size != (uint64_t)st->st_size ||
	       k->mtime_ns != mtime_ns(st) || k->ctime_ns != ctime_ns(st) ||
	       cat_stale_has(stale->path, stale->n, path);
}

/* a scan of one folder: what each of its entries is checked against */
struct dir_scan {
	struct svc_catalogs *c;
	const struct cat_dir *d;
	struct cache_catalog *known;
	size_t nknown;
	unsigned char *seen;
	const struct stale_list *stale;
	struct cache_txn **t;
	int progress;
	size_t *done;
	const struct util_stop *stop;
};

static int scan_entry(void *arg, const char *name, const struct stat *st)
{
	struct dir_scan *s = arg;
	struct cache_catalog key, *k;
	char *path;
	int rc = 0;

	if (!is_cat(name) || !S_ISREG(st->st_mode))
		return 0;
	if (asprintf(&path, "%s/%s", s->d->path, name) < 0)
		return -ENOMEM;
	key.path = path;
	k = s->nknown ? bsearch(&key, s->known, s->nknown, sizeof(*s->known),
				by_path)
		      : NULL;
	if (k)
		s->seen[k - s->known] = 1;
	if (changed(k, st, s->stale, path)) {
		if (!*s->t)
			rc = cache_txn_begin(s->c->cache, CACHE_INDEX_CATALOGS,
					     s->t);
		if (!rc)
			rc = util_stop_check(s->stop);
		if (!rc)
			rc = index_one(*s->t, s->d, name, path, s->stop);
		if (s->progress)
			fprintf(stderr, "\rindexing catalogs: %zu", ++*s->done);
	}
	free(path);
	return rc;
}

/* Catalogs of one folder: index the new and changed, mark the seen. */
static int sync_dir(struct svc_catalogs *c, const struct cat_dir *d,
		    struct cache_catalog *known, size_t nknown,
		    unsigned char *seen, const struct stale_list *stale,
		    struct cache_txn **t, int progress, size_t *done,
		    const struct util_stop *stop)
{
	struct dir_scan s = { c,     d, known,	  nknown, seen,
			      stale, t, progress, done,	  stop };

	return tree_list(d->tree, d->rel, scan_entry, &s);
}

static int sync_locked(struct svc_catalogs *c, int progress,
		       const struct util_stop *stop)
{
	struct cache_catalog *known = NULL;
	struct stale_list stale;
	unsigned char *seen = NULL;
	size_t nknown = 0, i, done = 0;
	struct cache_txn *t = NULL;
	int64_t gen;
	int rc;

	/* taken before the list: a verdict that finds a catalog changed
	 * after this scan read it marks it for the next one */
	stale_take(c, &stale);
	rc = cache_catalog_list(c->cache, &known, &nknown);
	if (rc) {
		stale_free(&stale);
		return rc;
	}
	/* (no catalog known yet: known is NULL, which qsort may not take) */
	if (nknown)
		qsort(known, nknown, sizeof(*known), by_path);
	seen = calloc(nknown ? nknown : 1, 1);
	if (!seen)
		rc = -ENOMEM;
	for (i = 0; i < c->ndirs && !rc; i++)
		rc = sync_dir(c, &c->dirs[i], known, nknown, seen, &stale, &t,
			      progress, &done, stop);
	for (i = 0; i < nknown && !rc; i++) {
		if (seen[i] || !cat_dir_of(c, known[i].path))
			continue;
		if (!t)
			rc = cache_txn_begin(c->cache, CACHE_INDEX_CATALOGS,
					     &t);
		if (!rc)
			rc = cache_catalog_drop(t, known[i].path);
	}
	/* committed in batches: a store waits for one batch at most */
	if (t) {
		if (rc)
			cache_txn_rollback(t);
		else
			rc = cache_txn_commit(t);
	}
	if (progress && done)
		fprintf(stderr, "\rindexing catalogs: %zu done\n", done);
	/* only scans change what this mount's folders hold in the index:
	 * the generation is kept here, not asked of the cache per profile */
	if (!rc)
		rc = cache_catalogs_generation(c->cache, &gen);
	if (!rc)
		__atomic_store_n(&c->gen, gen, __ATOMIC_RELEASE);
	free(seen);
	stale_free(&stale);
	cache_catalogs_free(known, nknown);
	return rc;
}

/* what a scan asks between batches: svc_catalogs_stop(), or the stop of
 * whoever asked for the scan */
struct scan {
	struct svc_catalogs *c;
	const struct util_stop *stop;
};

static int scan_stop(void *arg)
{
	const struct scan *s = arg;

	if (__atomic_load_n(&s->c->stop, __ATOMIC_ACQUIRE))
		return -EINTR;
	return util_stop_check(s->stop);
}

/* the first scan has ended (done or failed): waiters go on */
static void set_ready(struct svc_catalogs *c)
{
	pthread_mutex_lock(&c->lock);
	__atomic_store_n(&c->ready, 1, __ATOMIC_RELEASE);
	pthread_cond_broadcast(&c->ready_cond);
	pthread_mutex_unlock(&c->lock);
}

int svc_catalogs_sync(struct svc_catalogs *c, int progress,
		      const struct util_stop *outer)
{
	struct scan scan = { c, outer };
	struct util_stop stop = { 0, scan_stop, &scan };
	int rc;

	pthread_mutex_lock(&c->scan_lock);
	rc = sync_locked(c, progress, &stop);
	pthread_mutex_unlock(&c->scan_lock);
	set_ready(c);
	return rc;
}

int svc_catalogs_ready(struct svc_catalogs *c)
{
	return __atomic_load_n(&c->ready, __ATOMIC_ACQUIRE);
}

int svc_catalogs_wait(struct svc_catalogs *c, const struct util_stop *stop)
{
	int rc = 0;

	pthread_mutex_lock(&c->lock);
	while (!c->ready && !(rc = util_stop_check(stop)))
		util_cond_wait_ms(&c->ready_cond, &c->lock, 100);
	pthread_mutex_unlock(&c->lock);
	return rc;
}

int64_t svc_catalogs_generation(struct svc_catalogs *c)
{
	/* without the lock: getattr asks this while a verdict is being
	 * made under it (reading and checking a catalog) */
	return __atomic_load_n(&c->gen, __ATOMIC_ACQUIRE);
}

static void *rescans(void *arg)
{
	struct svc_catalogs *c = arg;
	struct timespec at;
	int rc;

	util_thread_nicer();
	pthread_mutex_lock(&c->lock);
	while (!c->stop) {
		/* a stale catalog is indexed again at once, and the first
		 * scan is made at once */
		if (!c->nstale && c->ready) {
			clock_gettime(CLOCK_MONOTONIC, &at);
			at.tv_sec += CATALOG_RESCAN;
			rc = pthread_cond_timedwait(&c->wake, &c->lock, &at);
			if (c->stop || (rc != ETIMEDOUT && !c->nstale))
				continue;
		}
		pthread_mutex_unlock(&c->lock);
		rc = svc_catalogs_sync(c, 0, c->end);
		if (rc)
			log_warn("catalogs: not rescanned: %s", strerror(-rc));
		pthread_mutex_lock(&c->lock);
	}
	pthread_mutex_unlock(&c->lock);
	return NULL;
}

int svc_catalogs_start(struct svc_catalogs *c, const struct util_stop *stop)
{
	int rc;

	if (!c || !c->ndirs || c->running)
		return 0;
	c->end = stop;
	__atomic_store_n(&c->stop, 0, __ATOMIC_RELEASE);
	rc = -pthread_create(&c->thread, NULL, rescans, c);
	c->running = rc == 0;
	return rc;
}

void svc_catalogs_stop(struct svc_catalogs *c)
{
	if (!c || !c->running)
		return;
	pthread_mutex_lock(&c->lock);
	__atomic_store_n(&c->stop, 1, __ATOMIC_RELEASE);
	pthread_cond_signal(&c->wake);
	pthread_mutex_unlock(&c->lock);
	pthread_join(c->thread, NULL);
	c->running = 0;
}

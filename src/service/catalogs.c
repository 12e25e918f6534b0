/*
 * Windows catalogs for a mount: the folders that hold them, an index of
 * their member digests in the cache, and the verdict of each catalog's
 * signature.
 *
 * Indexing is incremental (size, mtime and ctime): a catalog is read again
 * only when it changed, and dropped when it is gone. ctime because size
 * and mtime can be put back after a swap (zero padding, touch -r), ctime
 * cannot from user space. A mount looks again every CATALOG_RESCAN
 * seconds on a thread of its own (never on a request: a large catalog
 * takes seconds to index), so a changed catalog is seen without a remount.
 *
 * Each catalog is indexed with the SHA-256 of the bytes its members were
 * read from, and its verdict is made from bytes with that SHA-256 only: a
 * verdict reads the catalog once, hashes it and compares. A catalog whose
 * bytes differ is not used (a file it listed is not vouched for by bytes
 * that may not list it) and is marked stale: the rescanning thread is
 * woken and indexes it again even if its size, mtime and ctime say it did
 * not change. Verdicts are memoised by the catalog's SHA-256, so a
 * swapped file never inherits one and two copies share one.
 *
 * Locks: scan_lock serialises scans; lock guards the memo of verdicts
 * (held while one is made) and the stale list, and is never held while a
 * folder is scanned (a scan takes it, inside scan_lock, only to take the
 * stale list).
 * The generation is read without a lock (atomically), so that getattr
 * never waits for a verdict.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

#include "profilefs/cache.h"
#include "profilefs/caps.h"
#include "profilefs/service.h"
#include "profilefs/tree.h"
#include "profilefs/util.h"
#include "svc_i.h"

#define CATALOG_RESCAN 2  /* seconds */
#define CATALOG_STALE  64 /* stale paths kept for the next scan */

struct cat_dir {
	char *path;	   /* as shown, and the catalogs' key in the cache */
	struct tree *tree; /* the tree the folder is in */
	char *rel;	   /* the folder in it ("": its root) */
	int own;	   /* the tree is closed with the catalogs */
};

/* the catalog name of d, as its tree names it (PATH_MAX) */
static int cat_rel(const struct cat_dir *d, const char *name, char *out)
{
	int n = snprintf(out, PATH_MAX, "%s%s%s", d->rel, *d->rel ? "/" : "",
			 name);

	return n < 0 || n >= PATH_MAX ? -ENAMETOOLONG : 0;
}

struct cat_memo {
	uint8_t sha256[32]; /* the catalog's bytes the verdict was made of */
	struct sig_verdict *r;
};

struct svc_catalogs {
	struct cache *cache;
	struct cat_dir *dirs;
	size_t ndirs;
	pthread_mutex_t scan_lock;
	pthread_mutex_t lock;
	int64_t gen; /* the index's generation after the last scan, or -1 */
	struct cat_memo *memo;
	size_t nmemo;
	int64_t memo_gen;
	/* catalogs found changed by a verdict, for the next scan */
	char *stale[CATALOG_STALE];
	size_t nstale;
	/* the rescanning thread */
	pthread_t thread;
	int running, stop;
	pthread_cond_t wake; /* with lock, on CLOCK_MONOTONIC */
	/* the first scan since the cache was set has ended (with lock) */
	int ready;
	pthread_cond_t ready_cond;
};

int svc_catalogs_new(struct cache *cache, struct svc_catalogs **out)
{
	struct svc_catalogs *c = calloc(1, sizeof(*c));
	pthread_condattr_t ca;

	if (!c)
		return -ENOMEM;
	c->cache = cache;
	c->memo_gen = -1;
	c->gen = -1;
	pthread_mutex_init(&c->scan_lock, NULL);
	pthread_mutex_init(&c->lock, NULL);
	pthread_condattr_init(&ca);
	pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
	pthread_cond_init(&c->wake, &ca);
	pthread_condattr_destroy(&ca);
	util_cond_init(&c->ready_cond);
	*out = c;
	return 0;
}

static void memo_drop(struct svc_catalogs *c)
{
	size_t i;

	for (i = 0; i < c->nmemo; i++)
		sig_verdict_free(c->memo[i].r);
	free(c->memo);
	c->memo = NULL;
	c->nmemo = 0;
}

void svc_catalogs_free(struct svc_catalogs *c)
{
	size_t i;

	if (!c)
		return;
	svc_catalogs_stop(c);
	memo_drop(c);
	for (i = 0; i < c->nstale; i++)
		free(c->stale[i]);
	for (i = 0; i < c->ndirs; i++) {
		free(c->dirs[i].path);
		free(c->dirs[i].rel);
		if (c->dirs[i].own)
			tree_close(c->dirs[i].tree);
	}
	free(c->dirs);
	pthread_cond_destroy(&c->wake);
	pthread_cond_destroy(&c->ready_cond);
	pthread_mutex_destroy(&c->lock);
	pthread_mutex_destroy(&c->scan_lock);
	free(c);
}

void svc_catalogs_set_cache(struct svc_catalogs *c, struct cache *cache)
{
	pthread_mutex_lock(&c->scan_lock);
	pthread_mutex_lock(&c->lock);
	c->cache = cache;
	memo_drop(c);
	c->memo_gen = -1;
	__atomic_store_n(&c->ready, 0, __ATOMIC_RELEASE);
	__atomic_store_n(&c->gen, -1, __ATOMIC_RELEASE);
	pthread_mutex_unlock(&c->lock);
	pthread_mutex_unlock(&c->scan_lock);
}

void svc_catalogs_describe(const struct svc_catalogs *c, struct dynbuf *b)
{
	size_t i;

	for (i = 0; c && i < c->ndirs; i++)
		db_printf(b, "catalogs %s%c", c->dirs[i].path, 0);
}

size_t svc_catalogs_count_dirs(const struct svc_catalogs *c)
{
	return c ? c->ndirs : 0;
}

int svc_catalogs_add_tree(struct svc_catalogs *c, struct tree *t,
			  const char *rel, const char *shown, int own)
{
	struct cat_dir *grown, d = { strdup(shown), t, strdup(rel), own };

	grown = d.path && d.rel
			? realloc(c->dirs, (c->ndirs + 1) * sizeof(*grown))
			: NULL;
	if (!grown) {
		free(d.path);
		free(d.rel);
		return -ENOMEM;
	}
	c->dirs = grown;
	grown[c->ndirs++] = d;
	return 0;
}

int svc_catalogs_add_dir(struct svc_catalogs *c, const char *dir)
{
	char *abs = realpath(dir, NULL);
	struct tree *t;
	int rc;

	if (!abs)
		return -errno;
	rc = tree_open_posix(abs, NULL, &t);
	if (!rc) {
		rc = svc_catalogs_add_tree(c, t, "", abs, 1);
		if (rc)
			tree_close(t);
	}
	free(abs);
	return rc;
}

/* the entry of a folder named, in any case, as a catroot part */
struct part_find {
	const char *want;
	char name[256];
};

static int part_match(void *arg, const char *name, const struct stat *st)
{
	struct part_find *p = arg;

	if (!S_ISDIR(st->st_mode) || strcasecmp(name, p->want) != 0 ||
	    strlen(name) >= sizeof(p->name))
		return 0;
	strcpy(p->name, name);
	return 1;
}

/* The catalog root in t, found case-insensitively: 0 with *rel
 * (malloc'ed), or -ENOENT. */
int svc_find_catroot(struct tree *t, char **rel)
{
	static const char *const parts[] = {
		"Windows", "System32", "CatRoot",
		"{F750E6C3-38EE-11D1-85E5-00C04FC295EE}"
	};
	struct part_find p;
	struct dynbuf b;
	size_t i, len;
	int rc = 0;

	db_init(&b, 4096);
	for (i = 0; i < sizeof(parts) / sizeof(parts[0]) && !rc; i++) {
		p.want = parts[i];
		if (tree_list(t, b.len ? b.data : "", part_match, &p) != 1)
			rc = -ENOENT;
		else
			rc = db_printf(&b, "%s%s", i ? "/" : "", p.name);
	}
	if (!rc)
		rc = db_take(&b, rel, &len);
	if (rc)
		db_free(&b);
	return rc ? -ENOENT : 0;
}

/* Opens a catalog to be read in parts (its size in src); -EFBIG when it
 * is not a regular file or is over the cap, as when it is indexed. */
static int open_catalog(const struct cat_dir *d, const char *name,
			struct sig_cat_src *src, struct stat *st)
{
	struct tree_file *f;
	char rel[PATH_MAX];
	int rc = cat_rel(d, name, rel);

	if (!rc)
		rc = tree_file_open(d->tree, rel, &f, st);
	if (rc)
		return rc == -EINVAL ? -EFBIG : rc;
	if ((uint64_t)st->st_size > CAP_CATALOG_FILE) {
		tree_file_close(f);
		return -EFBIG;
	}
	src->file = f;
	src->mem = NULL;
	src->size = (uint64_t)st->st_size;
	return 0;
}

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

	rc = open_catalog(d, name, &src, &st);
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

static int stale_has(char *const *v, size_t n, const char *path)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (strcmp(v[i], path) == 0)
			return 1;
	return 0;
}

/* whether the catalog at path must be read (again) */
static int changed(const struct cache_catalog *k, const struct stat *st,
		   const struct stale_list *stale, const char *path)
{
	return !k || !k->has_sha256 || k->size != (uint64_t)st->st_size ||
	       k->mtime_ns != mtime_ns(st) || k->ctime_ns != ctime_ns(st) ||
	       stale_has(stale->path, stale->n, path);
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

/* the folder a catalog path belongs to, or NULL */
static const struct cat_dir *dir_of(const struct svc_catalogs *c,
				    const char *path)
{
	size_t i;

	for (i = 0; i < c->ndirs; i++) {
		size_t n = strlen(c->dirs[i].path);

		if (strncmp(path, c->dirs[i].path, n) == 0 && path[n] == '/' &&
		    !strchr(path + n + 1, '/'))
			return &c->dirs[i];
	}
	return NULL;
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
		if (seen[i] || !dir_of(c, known[i].path))
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

/* what a scan asks between batches: svc_catalogs_stop() or the end */
static int scan_stop(void *arg)
{
	struct svc_catalogs *c = arg;

	return __atomic_load_n(&c->stop, __ATOMIC_ACQUIRE) || svc_ending()
		       ? -EINTR
		       : 0;
}

/* the first scan has ended (done or failed): waiters go on */
static void set_ready(struct svc_catalogs *c)
{
	pthread_mutex_lock(&c->lock);
	__atomic_store_n(&c->ready, 1, __ATOMIC_RELEASE);
	pthread_cond_broadcast(&c->ready_cond);
	pthread_mutex_unlock(&c->lock);
}

int svc_catalogs_sync(struct svc_catalogs *c, int progress)
{
	struct util_stop stop = { 0, scan_stop, c };
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
		rc = svc_catalogs_sync(c, 0);
		if (rc)
			log_warn("catalogs: not rescanned: %s", strerror(-rc));
		pthread_mutex_lock(&c->lock);
	}
	pthread_mutex_unlock(&c->lock);
	return NULL;
}

int svc_catalogs_start(struct svc_catalogs *c)
{
	int rc;

	if (!c || !c->ndirs || c->running)
		return 0;
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

struct find_ctx {
	const struct svc_catalogs *c;
	char *path[8];
	uint8_t sha256[8][32];
	size_t n;
};

static int found(void *ctx, const char *path, const uint8_t *sha256)
{
	struct find_ctx *f = ctx;

	if (!dir_of(f->c, path))
		return 0; /* a catalog of another mount sharing the cache */
	if (!sha256)
		return 0; /* indexed before schema 5: the next scan redoes it */
	f->path[f->n] = strdup(path);
	if (f->path[f->n])
		memcpy(f->sha256[f->n++], sha256, 32);
	return f->n == sizeof(f->path) / sizeof(f->path[0]);
}

/* Marks path for the next scan and wakes the rescanning thread; the lock
 * is held. A full list drops it: a later verdict marks it again. */
static void mark_stale(struct svc_catalogs *c, const char *path)
{
	char *p;

	if (stale_has(c->stale, c->nstale, path) ||
	    c->nstale == CATALOG_STALE || !(p = strdup(path)))
		return;
	c->stale[c->nstale++] = p;
	pthread_cond_signal(&c->wake);
}

/*
 * The verdict of the catalog indexed at path from bytes with SHA-256
 * sha256, memoised by that SHA-256 per generation; the lock is held.
 * -ESTALE when the bytes there now are others (the catalog is marked for
 * the next scan): no verdict is made from bytes that were not indexed.
 */
static int verdict(struct svc_catalogs *c, const char *path,
		   const uint8_t sha256[32], const struct sig_env *env,
		   int64_t gen, const struct sig_verdict **out)
{
	const struct cat_dir *d = dir_of(c, path);
	struct sig_verdict *r = NULL;
	struct cat_memo *grown;
	struct sig_cat_src src = { NULL, NULL, 0 };
	struct stat st;
	uint8_t now[32];
	size_t i;
	int rc;

	if (gen != c->memo_gen) {
		memo_drop(c);
		c->memo_gen = gen;
	}
	for (i = 0; i < c->nmemo; i++) {
		if (memcmp(c->memo[i].sha256, sha256, 32) == 0) {
			*out = c->memo[i].r;
			return 0;
		}
	}
	if (!d)
		return -ENOENT;
	rc = open_catalog(d, path_base(path), &src, &st);
	if (rc)
		return rc;
	/* read in parts: memory bounded whatever the catalog holds */
	rc = sig_check_catalog_src(&src, 0, path_base(path), env, NULL, now,
				   &r);
	tree_file_close(src.file);
	if (!rc && memcmp(now, sha256, 32) != 0) {
		log_warn("catalog %s: changed since it was indexed: not used "
			 "until it is indexed again",
			 path);
		mark_stale(c, path);
		sig_verdict_free(r);
		rc = -ESTALE;
	}
	if (rc)
		return rc;
	grown = realloc(c->memo, (c->nmemo + 1) * sizeof(*grown));
	if (!grown) {
		sig_verdict_free(r);
		return -ENOMEM;
	}
	c->memo = grown;
	memcpy(grown[c->nmemo].sha256, sha256, 32);
	grown[c->nmemo].r = r;
	*out = grown[c->nmemo++].r;
	return 0;
}

/* The chosen verdict, named after the path it was found at (a memoised
 * verdict may have been made for a copy of the catalog at another path). */
static int dup_named(const struct sig_verdict *v, const char *path,
		     struct sig_verdict **out)
{
	struct sig_verdict *r;
	char *name = strdup(path_base(path));
	int rc = name ? sig_verdict_dup(v, &r) : -ENOMEM;

	if (rc) {
		free(name);
		return rc;
	}
	free(r->catalog);
	r->catalog = name;
	*out = r;
	return 0;
}

int svc_catalogs_check(struct svc_catalogs *c, const uint8_t *sha1,
		       const uint8_t *sha256, const struct sig_env *env,
		       int64_t gen, struct sig_verdict **out)
{
	struct find_ctx f = { .c = c };
	const struct sig_verdict *best = NULL, *r, *next;
	const char *best_path = NULL;
	int done = 0;
	size_t i;
	int rc;

	*out = NULL;
	rc = cache_catalog_find(c->cache, sha256, 32, found, &f);
	if (!rc && f.n == 0)
		rc = cache_catalog_find(c->cache, sha1, 20, found, &f);
	if (rc || f.n == 0)
		goto out;
	/* the first catalog whose signature holds, else the first */
	pthread_mutex_lock(&c->lock);
	for (i = 0; i < f.n && !rc && !done; i++) {
		rc = verdict(c, f.path[i], f.sha256[i], env, gen, &r);
		if (rc == -ENOENT || rc == -EFBIG || rc == -EIO ||
		    rc == -ESTALE) {
			rc = 0; /* gone, unreadable or changed since indexed */
			continue;
		}
		if (rc)
			break;
		next = sig_catalog_choose(best, r, &done);
		if (next != best)
			best_path = f.path[i];
		best = next;
	}
	if (!rc && best)
		rc = dup_named(best, best_path, out);
	pthread_mutex_unlock(&c->lock);
out:
	for (i = 0; i < f.n; i++)
		free(f.path[i]);
	return rc;
}

/*
 * The service: cache first, else compute once, store, render.
 *
 * Single flight: a file being computed has an entry in `flights`, keyed by
 * its identity. A second caller for the same identity waits on the
 * entry's condition instead of reading the file again, and takes the same
 * result. The result is stored in the cache before the entry is removed,
 * so a caller that comes later finds it there. No lock is held while a
 * file is read: other files and other callers go on.
 *
 * Which cache rows are believed: an identity (device, inode, size, mtime,
 * ctime) stands for the content only within the process that stored it or
 * checked it (the verified set). A row from another mount or process is
 * checked first: the file's SHA-256, under the single flight, must name
 * cached content, which is then served and its identity stored again.
 * --trust-metadata skips the check, as before.
 *
 * A computation belongs to its callers: `live` counts those still waiting
 * (the one computing included). Each asks setup.caller_gone now and then;
 * one that has gone leaves, and when none is left the computation stops
 * between two chunks (-EINTR), leaves the flights so that a later caller
 * starts afresh, and nothing is stored. Before it reads, a computation
 * takes its share of the memory budget, and a large file a slot (gate.c).
 */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <time.h>
#include <unistd.h>

#include "profilefs/cache.h"
#include "profilefs/service.h"
#include "profilefs/profile.h"
#include "profilefs/rules.h"
#include "profilefs/tree.h"
#include "svc_i.h"

struct flight {
	struct cache_ident id;
	struct svc *pv;
	struct flight *next;
	unsigned refs;
	unsigned live; /* callers still waiting, the one computing included */
	int lead_gone; /* the caller computing it has gone */
	int cancelled; /* stopped: out of the flights list */
	int done;
	int rc;
	struct prof *prof; /* read-only once done */
	pthread_cond_t cond;
};

/* how often a caller waiting for a computation asks whether it has gone */
#define WAIT_POLL_MS 100

/* set by svc_shutdown(): every computation and wait ends */
static atomic_int shutting_down;

void svc_shutdown(void)
{
	atomic_store(&shutting_down, 1);
}

static int ending(void)
{
	return atomic_load(&shutting_down);
}

int svc_ending(void)
{
	return ending();
}

/* Has this thread's caller gone (or is the daemon ending)? */
static int caller_gone(const struct svc *pv)
{
	return ending() || svc_pool_stopping(pv) ||
	       (pv->caller_gone && pv->caller_gone());
}

/* the Possible Misuse rows of one file name, for one rules generation */
struct memo {
	char *name; /* lowercase */
	struct prof_misuse *m;
};

static void memo_clear(struct svc *pv)
{
	size_t i;

	for (i = 0; i < pv->nmemo; i++) {
		free(pv->memo[i].name);
		prof_misuse_free(pv->memo[i].m);
	}
	free(pv->memo);
	pv->memo = NULL;
	pv->nmemo = 0;
}

/* ---- the verified set ------------------------------------------------ */

static uint64_t mix64(uint64_t x)
{
	x += 0x9e3779b97f4a7c15ull;
	x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ull;
	x = (x ^ (x >> 27)) * 0x94d049bb133111ebull;
	return x ^ (x >> 31);
}

static size_t vset_hash(const struct svc *pv, const struct cache_ident *id)
{
	uint64_t h = pv->vset_seed;

	h = mix64(h ^ id->dev);
	h = mix64(h ^ id->ino);
	h = mix64(h ^ id->size);
	h = mix64(h ^ (uint64_t)id->mtime_ns);
	h = mix64(h ^ (uint64_t)id->ctime_ns);
	return (size_t)h;
}

/* the slot of id, or the free slot where it would go; slots is a power of
 * two never more than half full, so a free slot exists */
static struct cache_ident *vset_slot(struct cache_ident *set, size_t slots,
				     size_t h, const struct cache_ident *id)
{
	size_t i = h & (slots - 1);

	while (set[i].ctime_ns != CACHE_CTIME_UNKNOWN &&
	       memcmp(&set[i], id, sizeof(*id)) != 0)
		i = (i + 1) & (slots - 1);
	return &set[i];
}

static int vset_grow(struct svc *pv)
{
	size_t i, slots = pv->vset_slots ? 2 * pv->vset_slots : 1024;
	struct cache_ident *set = malloc(slots * sizeof(*set));

	if (!set)
		return -ENOMEM;
	for (i = 0; i < slots; i++)
		set[i].ctime_ns = CACHE_CTIME_UNKNOWN;
	for (i = 0; i < pv->vset_slots; i++)
		if (pv->vset[i].ctime_ns != CACHE_CTIME_UNKNOWN)
			*vset_slot(set, slots, vset_hash(pv, &pv->vset[i]),
				   &pv->vset[i]) = pv->vset[i];
	free(pv->vset);
	pv->vset = set;
	pv->vset_slots = slots;
	return 0;
}

/* May the cache row of id be believed without reading the file? */
static int trusted(struct svc *pv, const struct cache_ident *id)
{
	int yes = 0;

	if (pv->trust_metadata)
		return 1;
	pthread_mutex_lock(&pv->lock);
	if (pv->vset_slots)
		yes = vset_slot(pv->vset, pv->vset_slots, vset_hash(pv, id), id)
			      ->ctime_ns != CACHE_CTIME_UNKNOWN;
	pthread_mutex_unlock(&pv->lock);
	return yes;
}

/* id's cache row is now ours (stored or checked); past the cap, or out of
 * memory, it is simply checked again next time */
static void vouch(struct svc *pv, const struct cache_ident *id)
{
	struct cache_ident *slot;

	if (pv->trust_metadata || id->ctime_ns == CACHE_CTIME_UNKNOWN)
		return;
	pthread_mutex_lock(&pv->lock);
	if (pv->vset_count >= SVC_VERIFIED_MAX ||
	    (2 * (pv->vset_count + 1) > pv->vset_slots && vset_grow(pv)))
		goto out;
	slot = vset_slot(pv->vset, pv->vset_slots, vset_hash(pv, id), id);
	if (slot->ctime_ns == CACHE_CTIME_UNKNOWN) {
		*slot = *id;
		pv->vset_count++;
	}
out:
	pthread_mutex_unlock(&pv->lock);
}

int svc_open(const struct svc_setup *setup, struct svc **out)
{
	struct svc_catalogs *cats = setup->catalogs;
	struct svc *pv = calloc(1, sizeof(*pv));
	int rc;

	if (!pv)
		return -ENOMEM;
	pv->drive = strdup(setup->drive);
	if (!pv->drive || rmemo_new(CAP_RENDER_MEMO, &pv->rendered)) {
		rmemo_free(pv->rendered);
		free(pv->drive);
		free(pv);
		return -ENOMEM;
	}
	if (gate_new(setup->memory ? setup->memory : SVC_MEMORY_DEFAULT,
		     setup->large_jobs ? setup->large_jobs : util_cpus(),
		     &pv->gate)) {
		rmemo_free(pv->rendered);
		free(pv->drive);
		free(pv);
		return -ENOMEM;
	}
	pv->caller_gone = setup->caller_gone;
	pv->tree = setup->tree;
	pv->cache = setup->cache;
	pv->rules = setup->rules;
	pv->limits = setup->limits;
	pv->memo_gen = -1;
	pv->sig_gen = -1;
	pv->trust_metadata = setup->trust_metadata;
	/* unseeded, an image could be made of identities that all collide */
	if (getrandom(&pv->vset_seed, sizeof(pv->vset_seed), GRND_NONBLOCK) !=
	    (ssize_t)sizeof(pv->vset_seed))
		pv->vset_seed = mix64((uint64_t)time(NULL) ^ (uintptr_t)pv);
	pthread_mutex_init(&pv->lock, NULL);
	pthread_rwlock_init(&pv->memo_lock, NULL);
	pthread_rwlock_init(&pv->sig_lock, NULL);
	/* the catalog index lives in the cache: without one, no catalogs */
	if (!svc_catalogs_count_dirs(cats)) {
		cats = NULL;
	} else if (!pv->cache) {
		log_warn("catalogs are not used without a cache");
		cats = NULL;
	} else {
		svc_catalogs_set_cache(cats, pv->cache);
		/* a mount indexes on the rescanning thread, and answers */
		rc = setup->rescan ? svc_catalogs_start(cats) : -EAGAIN;
		if (rc && setup->rescan)
			log_warn("catalogs: no rescans (no thread)");
		if (rc)
			rc = svc_catalogs_sync(cats, setup->progress);
		if (rc)
			log_warn("catalogs not indexed: %s", strerror(-rc));
	}
	svc_set_signing(pv, setup->trust, cats);
	*out = pv;
	return 0;
}

void svc_close(struct svc *pv)
{
	if (!pv)
		return;
	/* first: its workers use everything below */
	svc_pool_stop(pv);
	if (pv->catalogs) {
		svc_catalogs_stop(pv->catalogs);
		svc_catalogs_set_cache(pv->catalogs, NULL);
	}
	rmemo_free(pv->rendered);
	gate_free(pv->gate);
	svc_sig_memo_clear(pv);
	pthread_rwlock_destroy(&pv->sig_lock);
	memo_clear(pv);
	pthread_rwlock_destroy(&pv->memo_lock);
	pthread_mutex_destroy(&pv->lock);
	free(pv->vset);
	free(pv->drive);
	free(pv);
}

void svc_get_stats(struct svc *pv, struct svc_stats *out)
{
	uint64_t used;
	unsigned busy, queued;

	pthread_mutex_lock(&pv->lock);
	*out = pv->stats;
	pthread_mutex_unlock(&pv->lock);
	gate_usage(pv->gate, &used, &busy, &queued);
	out->queued = queued;
	out->budget_used = used;
	svc_pool_stats(pv, out);
}

void svc_count(struct svc *pv, uint64_t *field, uint64_t n)
{
	pthread_mutex_lock(&pv->lock);
	*field += n;
	pthread_mutex_unlock(&pv->lock);
}

/* A timestamp in ns. A mounted image's timestamps are hostile: one out of
 * range saturates instead of overflowing, and none becomes
 * CACHE_CTIME_UNKNOWN, which only old identity rows carry. */
static int64_t ns_of(const struct timespec *ts)
{
	int64_t ns;

	if (__builtin_mul_overflow((int64_t)ts->tv_sec, 1000000000, &ns) ||
	    __builtin_add_overflow(ns, (int64_t)ts->tv_nsec, &ns))
		return ts->tv_sec < 0 ? -INT64_MAX : INT64_MAX;
	return ns == CACHE_CTIME_UNKNOWN ? -INT64_MAX : ns;
}

/* A file's identity: its volume (what survives a remount, not st_dev),
 * inode, size, mtime and ctime (a rewrite can put mtime back: touch -r,
 * cp -p; not ctime) */
static struct cache_ident ident_of(struct svc *pv, const struct stat *st)
{
	struct cache_ident id = { tree_volume_id(pv->tree, st->st_dev),
				  (uint64_t)st->st_ino, (uint64_t)st->st_size,
				  ns_of(&st->st_mtim), ns_of(&st->st_ctim) };

	return id;
}

/* ---- the cache side ---------------------------------------------------- */

/* The cached profile of content ct, or -ENOENT when any part is missing
 * or outdated. */
static int load_content(struct svc *pv, const struct cache_content *ct,
			struct prof **out)
{
	struct prof *p;
	size_t i;
	int rc = 0;

	p = prof_new();
	if (!p)
		return -ENOMEM;
	p->size = ct->size;
	p->dg = ct->dg;
	p->hashed = 1;
	for (i = 0; i < prof_nparts && !rc; i++) {
		void *data;
		size_t len;

		rc = cache_get_part(pv->cache, ct->dg.sha256,
				    prof_parts[i].name, prof_parts[i].version,
				    &data, &len);
		if (rc)
			break;
		rc = prof_decode_part(p, prof_parts[i].name, data, len);
		free(data);
		if (rc == -EINVAL)
			rc = -ENOENT;
	}
	if (rc) {
		prof_free(p);
		return rc;
	}
	*out = p;
	return 0;
}

/* The cached profile of identity id when its row may be believed without
 * reading the file; -ENOENT otherwise. */
static int load_cached(struct svc *pv, const struct cache_ident *id,
		       struct prof **out)
{
	struct cache_content ct;
	int rc;

	if (!pv->cache || !trusted(pv, id))
		return -ENOENT;
	rc = cache_find(pv->cache, id, &ct);
	return rc ? rc : load_content(pv, &ct, out);
}

static int store(struct svc *pv, const struct cache_ident *id,
		 const struct prof *p)
{
	struct cache_part parts[PROF_MAX_PARTS];
	struct dynbuf blobs[PROF_MAX_PARTS];
	struct cache_content ct;
	size_t i, n = prof_nparts;
	int rc = 0;

	if (!pv->cache || !p->hashed)
		return -ENOENT;
	for (i = 0; i < n; i++) {
		db_init(&blobs[i], CAP_PROFILE);
		if (!rc)
			rc = prof_encode_part(p, prof_parts[i].name, &blobs[i]);
		parts[i].name = prof_parts[i].name;
		parts[i].version = prof_parts[i].version;
		parts[i].data = blobs[i].data;
		parts[i].len = blobs[i].len;
	}
	ct.size = p->size;
	ct.dg = p->dg;
	if (!rc)
		rc = cache_store(pv->cache, id, &ct, parts, n);
	if (rc)
		log_warn("cache: profile not stored: %s", strerror(-rc));
	svc_count(pv, rc ? &pv->stats.not_stored : &pv->stats.stored, 1);
	for (i = 0; i < n; i++)
		db_free(&blobs[i]);
	return rc;
}

/* ---- computing ------------------------------------------------------- */

/*
 * Reads f (of st) through fn once its share of the memory budget is
 * taken: the bytes a computation holds, and a slot when the file is
 * large. A file over the size cap is not read: it takes nothing. The
 * time limit runs from when the reading starts.
 */
typedef int read_fn(struct svc *pv, struct tree_file *f, const struct stat *st,
		    const struct util_stop *stop, void *out);

static int gated(struct svc *pv, struct tree_file *f, const struct stat *st,
		 uint64_t bytes, const struct util_stop *stop, read_fn *fn,
		 void *out)
{
	uint64_t size = (uint64_t)st->st_size;
	int large = size > CAP_LARGE_FILE, rc;
	struct util_stop timed = *stop;

	if (pv->limits.max_size && size > pv->limits.max_size)
		return fn(pv, f, st, stop, out);
	rc = gate_enter(pv->gate, bytes, large, stop);
	if (rc)
		return rc;
	timed.deadline = util_deadline(pv->limits.max_seconds);
	rc = fn(pv, f, st, &timed, out);
	gate_leave(pv->gate, bytes, large);
	return rc;
}

static int read_profile(struct svc *pv, struct tree_file *f,
			const struct stat *st, const struct util_stop *stop,
			void *out)
{
	return prof_compute(f, st, &pv->limits, stop, out);
}

/* Reads the file; a file that keeps changing under us is an error. */
static int compute_now(struct svc *pv, const char *relpath,
		       const struct util_stop *stop, struct prof **out,
		       struct cache_ident *id)
{
	struct tree_file *f;
	struct stat st;
	int rc = 0, tries;

	for (tries = 0; tries <= CAP_REREAD; tries++) {
		rc = prof_open(pv->tree, relpath, &f, &st);
		if (rc == -EINVAL)
			return prof_special(st.st_mode, out);
		if (rc)
			return rc;
		rc = gated(pv, f, &st, prof_memory((uint64_t)st.st_size), stop,
			   read_profile, out);
		tree_file_close(f);
		if (rc != -EAGAIN)
			break;
		log_info("%s changed while it was read; reading it again",
			 relpath);
	}
	if (rc == -EAGAIN)
		log_warn("%s keeps changing; no profile made", relpath);
	if (!rc) {
		*id = ident_of(pv, &st);
		svc_count(pv, &pv->stats.computed, 1);
		svc_count(pv, &pv->stats.bytes_read, (*out)->size);
	}
	return rc;
}

static int compute(struct svc *pv, const char *relpath,
		   const struct util_stop *stop, struct prof **out,
		   struct cache_ident *id)
{
	int old = util_thread_nicer();
	int rc = compute_now(pv, relpath, stop, out, id);

	util_thread_restore(old);
	return rc;
}

/* ---- checking another mount's cache row ------------------------------ */

static int same_ident(const struct cache_ident *a, const struct cache_ident *b)
{
	return memcmp(a, b, sizeof(*a)) == 0;
}

/*
 * Reads relpath (identity id, whose cache row is not ours) once for its
 * SHA-256 and loads the cached profile of that content, storing id's row
 * again for it. -ENOENT when the profile is to be computed instead: no
 * row claims id (a computation hashes anyway), the file is over the size
 * cap, it changed, or its content is not cached.
 */
static int read_sha256(struct svc *pv, struct tree_file *f,
		       const struct stat *st, const struct util_stop *stop,
		       void *out)
{
	(void)pv;
	return dg_sha256_file(f, (uint64_t)st->st_size, stop, out);
}

static int verify_now(struct svc *pv, const char *relpath,
		      const struct cache_ident *id,
		      const struct util_stop *stop, struct prof **out)
{
	struct cache_content ct;
	struct cache_ident now;
	uint8_t sha[32];
	struct tree_file *f;
	struct stat st;
	int rc;

	if (!pv->cache || pv->trust_metadata || cache_find(pv->cache, id, &ct))
		return -ENOENT;
	if (pv->limits.max_size && id->size > pv->limits.max_size)
		return -ENOENT;
	if (prof_open(pv->tree, relpath, &f, &st))
		return -ENOENT;
	now = ident_of(pv, &st);
	rc = -ENOENT;
	if (!same_ident(&now, id))
		goto out;
	rc = gated(pv, f, &st, 2 * (uint64_t)CAP_CHUNK, stop, read_sha256, sha);
	if (rc == -ETIME) {
		/* the profile prof_compute() would make, as far as it read */
		rc = prof_limited(&st, &pv->limits, 1, out);
		goto out;
	}
	if (rc)
		goto out_enoent;
	svc_count(pv, &pv->stats.verified, 1);
	svc_count(pv, &pv->stats.bytes_verified, id->size);
	/* the bytes hashed were all of the version stat'ed */
	if (tree_fstat(f, &st) != 0)
		goto out_enoent;
	now = ident_of(pv, &st);
	if (!same_ident(&now, id) || cache_find_content(pv->cache, sha, &ct) ||
	    ct.size != id->size)
		goto out_enoent;
	rc = load_content(pv, &ct, out);
	if (rc)
		goto out_enoent;
	svc_count(pv, &pv->stats.cache_hits, 1);
	/* the row is ours now (and the render size can be kept in it); one
	 * that is not stored keeps being checked */
	if (cache_store(pv->cache, id, &ct, NULL, 0) == 0)
		vouch(pv, id);
	goto out;
out_enoent:
	/* out of memory, or nobody waits: no computation either */
	rc = rc == -ENOMEM || rc == -EINTR ? rc : -ENOENT;
out:
	tree_file_close(f);
	return rc;
}

static int verify(struct svc *pv, const char *relpath,
		  const struct cache_ident *id, const struct util_stop *stop,
		  struct prof **out)
{
	int old = util_thread_nicer();
	int rc = verify_now(pv, relpath, id, stop, out);

	util_thread_restore(old);
	return rc;
}

static struct flight *flight_find(struct svc *pv, const struct cache_ident *id)
{
	struct flight *f;

	for (f = pv->flights; f; f = f->next)
		if (same_ident(&f->id, id))
			return f;
	return NULL;
}

/* Leaves the flights list (a cancelled flight is not joined again). */
static void flight_unlink(struct svc *pv, struct flight *f)
{
	struct flight **pp;

	for (pp = &pv->flights; *pp; pp = &(*pp)->next) {
		if (*pp == f) {
			*pp = f->next;
			break;
		}
	}
}

static void flight_put(struct svc *pv, struct flight *f)
{
	if (--f->refs)
		return;
	flight_unlink(pv, f);
	pthread_cond_destroy(&f->cond);
	prof_free(f->prof);
	free(f);
}

/*
 * What the computing caller asks between chunks: stop (-EINTR) when every
 * caller of the flight has gone, its own included, or the daemon ends.
 */
static int flight_stop(void *arg)
{
	struct flight *f = arg;
	struct svc *pv = f->pv;
	int gone = caller_gone(pv), rc = 0;

	pthread_mutex_lock(&pv->lock);
	if (gone && !f->lead_gone) {
		f->lead_gone = 1;
		f->live--;
	}
	if (f->live == 0 || ending()) {
		if (!f->cancelled) {
			f->cancelled = 1;
			flight_unlink(pv, f);
		}
		rc = -EINTR;
	}
	pthread_mutex_unlock(&pv->lock);
	return rc;
}

/* Waits (pv->lock held) for a flight another caller computes; -EINTR
 * when this caller goes first (it leaves the flight). */
static int flight_wait(struct svc *pv, struct flight *f)
{
	while (!f->done) {
		if (caller_gone(pv)) {
			f->live--;
			return -EINTR;
		}
		util_cond_wait_ms(&f->cond, &pv->lock, WAIT_POLL_MS);
	}
	return f->rc;
}

/* Makes the profile of a flight: from the cache, else checked, else read. */
static int flight_run(struct svc *pv, struct flight *f, const char *relpath,
		      struct prof **p)
{
	struct util_stop stop = { 0, flight_stop, f };
	struct cache_ident got;
	int rc;

	/* a caller may have stored it between our miss and our entry */
	rc = load_cached(pv, &f->id, p);
	if (rc == 0) {
		svc_count(pv, &pv->stats.cache_hits, 1);
		return 0;
	}
	rc = verify(pv, relpath, &f->id, &stop, p);
	if (rc != -ENOENT)
		return rc;
	rc = compute(pv, relpath, &stop, p, &got);
	if (rc == 0 && (*p)->hashed && store(pv, &got, *p) == 0)
		vouch(pv, &got);
	return rc;
}

/*
 * The profile of a regular file with identity id: joins a computation in
 * flight or starts one. *out is shared: read-only, released by
 * release_shared(); on -EINTR and -EAGAIN *out is NULL.
 */
static int get_shared(struct svc *pv, const char *relpath,
		      const struct cache_ident *id, struct flight **out)
{
	struct flight *f;
	struct prof *p = NULL;
	int rc;

	*out = NULL;
	pthread_mutex_lock(&pv->lock);
	if (pv->callers >= CAP_COMPUTE_CALLERS) {
		pthread_mutex_unlock(&pv->lock);
		return -EAGAIN;
	}
	f = flight_find(pv, id);
	if (f) {
		f->refs++;
		f->live++;
		pv->callers++;
		rc = flight_wait(pv, f);
		pv->callers--;
		if (rc == -EINTR && !f->done) {
			flight_put(pv, f);
			f = NULL;
		}
		pthread_mutex_unlock(&pv->lock);
		*out = f;
		return rc;
	}
	f = calloc(1, sizeof(*f));
	if (!f) {
		pthread_mutex_unlock(&pv->lock);
		return -ENOMEM;
	}
	f->id = *id;
	f->pv = pv;
	f->refs = 1;
	f->live = 1;
	util_cond_init(&f->cond);
	f->next = pv->flights;
	pv->flights = f;
	pv->stats.computing++;
	pv->callers++;
	pthread_mutex_unlock(&pv->lock);

	rc = flight_run(pv, f, relpath, &p);

	pthread_mutex_lock(&pv->lock);
	f->rc = rc;
	f->prof = p;
	f->done = 1;
	pv->stats.computing--;
	pv->callers--;
	if (rc == -EINTR)
		pv->stats.cancelled++;
	pthread_cond_broadcast(&f->cond);
	pthread_mutex_unlock(&pv->lock);
	*out = f;
	return rc;
}

static void release_shared(struct svc *pv, struct flight *f)
{
	pthread_mutex_lock(&pv->lock);
	flight_put(pv, f);
	pthread_mutex_unlock(&pv->lock);
}

/* a profile held for rendering: owned, or shared through a flight */
struct held {
	struct prof *own;
	struct flight *f;
	const struct prof *p;
	struct cache_ident id; /* of a regular file, as it was looked up */
};

static void release(struct svc *pv, struct held *h)
{
	prof_free(h->own);
	if (h->f)
		release_shared(pv, h->f);
	memset(h, 0, sizeof(*h));
}

/*
 * The profile of relpath (of lstat *bst, NULL: looked up now): from the
 * cache, else (compute_ok) computed once for all who ask. -ENOENT when
 * not cached and compute_ok is 0, -EISDIR for a folder, -ENOENT for a
 * symlink.
 */
static int obtain(struct svc *pv, const char *relpath, const struct stat *bst,
		  int compute_ok, struct held *h)
{
	struct cache_ident id;
	struct stat st;
	int rc;

	memset(h, 0, sizeof(*h));
	rc = bst ? 0 : tree_lstat(pv->tree, relpath, &st);
	if (rc)
		return rc;
	if (bst)
		st = *bst;
	if (S_ISDIR(st.st_mode))
		return -EISDIR;
	if (S_ISLNK(st.st_mode))
		return -ENOENT;
	if (!S_ISREG(st.st_mode)) {
		/* nothing to read or cache: the note is the whole profile */
		rc = prof_special(st.st_mode, &h->own);
		h->p = h->own;
		return rc;
	}
	id = ident_of(pv, &st);
	h->id = id;
	rc = load_cached(pv, &id, &h->own);
	if (rc == 0) {
		/* every load counts: a rendered profile is not loaded again
		 * while its text stays in the memo */
		svc_count(pv, &pv->stats.cache_hits, 1);
		h->p = h->own;
		return 0;
	}
	/* a cache that fails (logged there) is a miss, never an error */
	if (!compute_ok || rc == -ENOMEM)
		return rc == -ENOMEM ? rc : -ENOENT;
	rc = get_shared(pv, relpath, &id, &h->f);
	if (rc == 0)
		h->p = h->f->prof;
	else if (rc != -EINTR && rc != -EAGAIN)
		svc_count(pv, &pv->stats.errors, 1);
	return rc;
}

int svc_warm(struct svc *pv, const char *relpath, int *computed, uint64_t *size)
{
	struct cache_content ct;
	struct prof *p = NULL;
	struct cache_ident id;
	struct held h;
	struct stat st;
	int rc;

	*computed = 0;
	*size = 0;
	rc = tree_lstat(pv->tree, relpath, &st);
	if (rc)
		return rc;
	if (S_ISDIR(st.st_mode))
		return -EISDIR;
	if (!S_ISREG(st.st_mode))
		return 0; /* nothing to read or to store */
	*size = (uint64_t)st.st_size;
	id = ident_of(pv, &st);
	/* a row for this identity, with every part of today's version:
	 * stored already, whoever stored it (the file is not read) */
	if (pv->cache && cache_find(pv->cache, &id, &ct) == 0 &&
	    load_content(pv, &ct, &p) == 0) {
		prof_free(p);
		return 0;
	}
	rc = obtain(pv, relpath, NULL, 1, &h);
	*computed = rc == 0;
	/* a failed flight is held too (obtain's callers release it) */
	release(pv, &h);
	return rc;
}

static const struct prof_misuse *memo_find(struct svc *pv, const char *low)
{
	size_t i;

	for (i = 0; i < pv->nmemo; i++)
		if (strcmp(pv->memo[i].name, low) == 0)
			return pv->memo[i].m;
	return NULL;
}

static char *lower_name(const char *relpath)
{
	char *s = strdup(path_base(relpath)), *p;

	for (p = s; p && *p; p++)
		if (*p >= 'A' && *p <= 'Z')
			*p = (char)(*p + 32);
	return s;
}

/*
 * The Possible Misuse rows of relpath's name for rules generation gen,
 * with the memo's read lock held (the caller unlocks after rendering).
 * NULL when there is no cache or the lookup fails (logged): the profile
 * goes without the section.
 */
static const struct prof_misuse *misuse_of(struct svc *pv, const char *relpath,
					   int64_t gen)
{
	const struct prof_misuse *found;
	struct prof_misuse *m = NULL;
	struct memo *grown;
	char *low;

	pthread_rwlock_rdlock(&pv->memo_lock);
	if (!pv->rules || gen < 0)
		return NULL;
	low = lower_name(relpath);
	if (!low)
		return NULL;
	found = gen == pv->memo_gen ? memo_find(pv, low) : NULL;
	if (found) {
		free(low);
		return found;
	}
	pthread_rwlock_unlock(&pv->memo_lock);
	if (rules_index_lookup(pv->rules, path_base(relpath), CAP_MISUSE_ROWS,
			       &m))
		log_warn("rules: lookup of %s failed", path_base(relpath));
	pthread_rwlock_wrlock(&pv->memo_lock);
	if (gen != pv->memo_gen || pv->nmemo >= CAP_MISUSE_MEMO) {
		memo_clear(pv);
		pv->memo_gen = gen;
	}
	if (m && !memo_find(pv, low)) {
		char *key = strdup(low);

		grown = key ? realloc(pv->memo,
				      (pv->nmemo + 1) * sizeof(*grown))
			    : NULL;
		if (grown) {
			pv->memo = grown;
			grown[pv->nmemo].name = key;
			grown[pv->nmemo++].m = m;
			m = NULL;
		} else {
			free(key);
		}
	}
	pthread_rwlock_unlock(&pv->memo_lock);
	prof_misuse_free(m);
	/* another thread may have changed the memo meanwhile: look again */
	pthread_rwlock_rdlock(&pv->memo_lock);
	found = gen == pv->memo_gen ? memo_find(pv, low) : NULL;
	free(low);
	return found;
}

/* ---- what a render depends on ----------------------------------------- */

/* The generations of what is shown beside the facts, read once per render
 * so that the rows and the verdict shown are those the key names. */
static void gens_now(struct svc *pv, struct svc_gens *g)
{
	g->rules = pv->rules ? rules_index_generation(pv->rules) : -1;
	g->sig = -1;
	if (pv->trust && pv->catalogs)
		g->sig = svc_catalogs_generation(pv->catalogs);
	/* a verdict checks validity at "now": a day is its shelf life */
	g->day = pv->trust ? (int64_t)(time(NULL) / 86400) : -1;
}

/*
 * The en-US/NAME.mui beside relpath (malloc'ed), or NULL when there is no
 * such regular file (a link, folder or FIFO of that name lends nothing).
 * One rule for the view and both keys, so that they agree.
 */
static char *mui_beside(struct svc *pv, const char *relpath, struct stat *st)
{
	char *path = prof_mui_path(relpath);

	if (path &&
	    (tree_lstat(pv->tree, path, st) < 0 || !S_ISREG(st->st_mode))) {
		free(path);
		path = NULL;
	}
	return path;
}

/*
 * The render key: a SHA-256 over everything the text depends on. The format
 * and its code (PROF_RENDER_VERSION, PROF_JSON_VERSION), the content, the path
 * and drive shown, the .mui beside it (lent its strings when the binary is a PE
 * image), the rules generation, and the trust, catalog folders, catalog
 * generation and day of the verdict.
 */
static int render_key(struct svc *pv, enum svc_format fmt,
		      const uint8_t sha256[32], const char *relpath,
		      const char *mui_path, const uint8_t mui_sha256[32],
		      const struct svc_gens *g, uint8_t key[32])
{
	struct dynbuf b;
	int rc;

	db_init(&b, 1 << 20);
	/* Markdown's key is as it always was (sizes already in caches stay
	 * good); JSON's starts with a word of its own, so never collides */
	if (fmt == SVC_JSON)
		db_printf(&b, "json %d %s", PROF_JSON_VERSION,
			  PROFILEFS_VERSION);
	else
		db_printf(&b, "render %d %s", PROF_RENDER_VERSION,
			  PROFILEFS_VERSION);
	db_add(&b, "", 1);
	db_add(&b, sha256, 32);
	db_printf(&b, "%s%c%s%c", relpath, 0, pv->drive, 0);
	if (mui_path) {
		db_printf(&b, "%s%c", mui_path, 0);
		db_add(&b, mui_sha256, 32);
	}
	db_printf(&b, "rules %lld sig %lld day %lld", (long long)g->rules,
		  (long long)g->sig, (long long)g->day);
	if (pv->trust) {
		db_add(&b, pv->trust_digest, 32);
		svc_catalogs_describe(pv->catalogs, &b);
	}
	rc = b.err ? b.err : dg_sha256(b.data, b.len, key);
	db_free(&b);
	return rc;
}

/* The key of a cached profile, from the cache's rows alone (no part is
 * read, nor the file): -ENOENT when the profile or its .mui is not cached,
 * or its row is not one this service may believe (trusted()). */
static int cached_key(struct svc *pv, enum svc_format fmt, const char *relpath,
		      const struct stat *st, uint8_t key[32])
{
	struct cache_content ct, mui_ct = { 0 };
	struct cache_ident id = ident_of(pv, st);
	struct stat mui_st;
	struct svc_gens g;
	char *mui;
	int rc;

	if (!pv->cache || !trusted(pv, &id))
		return -ENOENT;
	rc = cache_find(pv->cache, &id, &ct);
	if (rc)
		return rc;
	mui = mui_beside(pv, relpath, &mui_st);
	if (mui) {
		id = ident_of(pv, &mui_st);
		rc = trusted(pv, &id) ? cache_find(pv->cache, &id, &mui_ct)
				      : -ENOENT;
	}
	if (!rc) {
		gens_now(pv, &g);
		rc = render_key(pv, fmt, ct.dg.sha256, relpath, mui,
				mui_ct.dg.sha256, &g, key);
	}
	free(mui);
	return rc;
}

/* ---- the profile view ---------------------------------------------------- */

struct svc_view_i {
	struct svc_view pub;
	struct held h, mui;
	char *mui_path;
	struct svc_gens g;
	/* a section left out by a failure (logged): the text has no key */
	int degraded;
};

void svc_view_put(struct svc *pv, struct svc_view *pub)
{
	struct svc_view_i *v = (struct svc_view_i *)pub;

	if (!v)
		return;
	pthread_rwlock_unlock(&pv->memo_lock);
	pthread_rwlock_unlock(&pv->sig_lock);
	release(pv, &v->mui);
	release(pv, &v->h);
	free(v->mui_path);
	free(v);
}

static int gone_stop(void *arg)
{
	return caller_gone(arg) ? -EINTR : 0;
}

/* A verdict that needs the catalog index waits for its first scan (a
 * profile never says "not signed" because the index was not ready);
 * without compute_ok (a stat's size) it does not wait: -ENOENT. */
static int catalogs_first(struct svc *pv, const struct prof *p, int compute_ok)
{
	struct util_stop stop = { 0, gone_stop, pv };

	if (!pv->trust || !pv->catalogs || !p->is_pe || !p->hashed ||
	    !p->dg.pehash || svc_catalogs_ready(pv->catalogs))
		return 0;
	return compute_ok ? svc_catalogs_wait(pv->catalogs, &stop) : -ENOENT;
}

int svc_view_get(struct svc *pv, const char *relpath, int compute_ok,
		 struct svc_view **out)
{
	return svc_view_get_at(pv, relpath, NULL, compute_ok, out);
}

int svc_view_get_at(struct svc *pv, const char *relpath, const struct stat *st,
		    int compute_ok, struct svc_view **out)
{
	struct svc_view_i *v = calloc(1, sizeof(*v));
	struct stat mui_st;
	int rc;

	if (!v)
		return -ENOMEM;
	rc = obtain(pv, relpath, st, compute_ok, &v->h);
	if (rc)
		goto fail;
	v->pub.prof = v->h.p;
	v->pub.v.relpath = relpath;
	v->pub.v.drive = pv->drive;
	/* en-US/NAME.mui beside a PE image lends it its version strings; it
	 * is held for any binary, as the key names it for any */
	v->mui_path = mui_beside(pv, relpath, &mui_st);
	if (v->mui_path) {
		rc = obtain(pv, v->mui_path, &mui_st, compute_ok, &v->mui);
		/* its caller went, or waits its turn: no profile without it */
		if (rc == -EINTR || rc == -EAGAIN)
			goto fail;
		if (rc == -ENOENT && !compute_ok) {
			/* its .mui is not cached yet: so neither is this
			 * profile's final text */
			goto fail;
		}
		if (rc == 0 && v->h.p->is_pe) {
			v->pub.v.mui = v->mui.p;
			v->pub.v.mui_relpath = v->mui_path;
		}
		if (rc)
			v->degraded = 1;
		rc = 0;
	}
	rc = catalogs_first(pv, v->h.p, compute_ok);
	if (rc)
		goto fail;
	gens_now(pv, &v->g);
	v->pub.v.sig = svc_signature_of(pv, v->h.p, &v->g);
	if (!v->pub.v.sig && pv->trust && v->h.p->is_pe && v->h.p->hashed)
		v->degraded = 1;
	v->pub.v.misuse = misuse_of(pv, relpath, v->g.rules);
	if (!v->pub.v.misuse && v->g.rules >= 0)
		v->degraded = 1;
	*out = &v->pub;
	return 0;
fail:
	release(pv, &v->mui);
	release(pv, &v->h);
	free(v->mui_path);
	free(v);
	return rc;
}

/* The key of a view's text; -ENOENT when it has none: a profile without
 * hashes, a section left out by a failure, a .mui not read, or rules or
 * catalogs that moved on while it was rendered. */
static int view_key(struct svc *pv, enum svc_format fmt,
		    const struct svc_view_i *v, uint8_t key[32])
{
	const struct prof *p = v->h.p, *mui = v->mui.p;
	struct svc_gens now;

	if (!p->hashed || v->degraded || (v->mui_path && !mui) ||
	    (mui && !mui->hashed))
		return -ENOENT;
	gens_now(pv, &now);
	if (memcmp(&now, &v->g, sizeof(now)) != 0)
		return -ENOENT;
	return render_key(pv, fmt, p->dg.sha256, v->pub.v.relpath, v->mui_path,
			  mui ? mui->dg.sha256 : NULL, &v->g, key);
}

/* ---- the text ------------------------------------------------------------ */

/* Renders relpath's view in fmt; *key_ok says whether key names the
 * text. */
static int render_view(struct svc *pv, const char *relpath,
		       const struct stat *st, enum svc_format fmt,
		       int compute_ok, char **md, size_t *len, uint8_t key[32],
		       int *key_ok, struct cache_ident *id)
{
	struct svc_view *v;
	int rc = svc_view_get_at(pv, relpath, st, compute_ok, &v);

	if (rc)
		return rc;
	rc = fmt == SVC_JSON ? prof_render_json(v->prof, &v->v, 1, md, len)
			     : prof_render(v->prof, &v->v, md, len);
	svc_count(pv, &pv->stats.renders, 1);
	*key_ok = !rc && view_key(pv, fmt, (struct svc_view_i *)v, key) == 0;
	*id = ((struct svc_view_i *)v)->h.id;
	svc_view_put(pv, v);
	return rc;
}

int svc_text_get(struct svc *pv, const char *relpath, enum svc_format fmt,
		 int compute_ok, const struct svc_text **out)
{
	struct stat st;
	int rc = tree_lstat(pv->tree, relpath, &st);

	return rc ? rc
		  : svc_text_get_at(pv, relpath, &st, fmt, compute_ok, out);
}

int svc_text_get_at(struct svc *pv, const char *relpath, const struct stat *bst,
		    enum svc_format fmt, int compute_ok,
		    const struct svc_text **out)
{
	const struct svc_text *t;
	struct cache_ident id;
	uint8_t key[32];
	struct stat st = *bst;
	size_t len;
	char *md;
	int rc, key_ok = 0;

	if (S_ISREG(st.st_mode) &&
	    cached_key(pv, fmt, relpath, &st, key) == 0) {
		t = rmemo_get(pv->rendered, key);
		if (t) {
			*out = t;
			return 0;
		}
	}
	rc = render_view(pv, relpath, &st, fmt, compute_ok, &md, &len, key,
			 &key_ok, &id);
	if (rc)
		return rc;
	t = key_ok ? rmemo_put(pv->rendered, key, md, len)
		   : rmemo_own(pv->rendered, md, len);
	if (!t)
		return -ENOMEM;
	/* a size stored for the key, for the next mount's ls -l. The cache
	 * has one such slot per file: the Markdown's. A JSON text's size
	 * comes from the memo, else from a render of the cached profile
	 * (never a computation); storing it too would make each format's
	 * stat displace the other's, a write per stat. */
	if (key_ok && pv->cache && fmt == SVC_MD)
		cache_render_size_put(pv->cache, &id, key, t->len);
	*out = t;
	return 0;
}

void svc_text_put(struct svc *pv, const struct svc_text *t)
{
	rmemo_release(pv->rendered, t);
}

int svc_profile_key(struct svc *pv, const char *relpath, enum svc_format fmt,
		    uint8_t key[32], uint64_t *size)
{
	struct stat st;
	int rc = tree_lstat(pv->tree, relpath, &st);

	return rc ? rc : svc_profile_key_at(pv, relpath, &st, fmt, key, size);
}

int svc_profile_key_at(struct svc *pv, const char *relpath,
		       const struct stat *st, enum svc_format fmt,
		       uint8_t key[32], uint64_t *size)
{
	if (!S_ISREG(st->st_mode) || cached_key(pv, fmt, relpath, st, key))
		return -ENOENT;
	return svc_profile_size_at(pv, relpath, st, fmt, size);
}

int svc_profile_size(struct svc *pv, const char *relpath, enum svc_format fmt,
		     uint64_t *size)
{
	struct stat st;
	int rc = tree_lstat(pv->tree, relpath, &st);

	return rc ? rc : svc_profile_size_at(pv, relpath, &st, fmt, size);
}

int svc_profile_size_at(struct svc *pv, const char *relpath,
			const struct stat *bst, enum svc_format fmt,
			uint64_t *size)
{
	const struct svc_text *t;
	struct cache_ident id;
	uint8_t key[32];
	struct stat st = *bst;
	int rc;

	if (S_ISREG(st.st_mode)) {
		/* a cached profile's size, without rendering when it can */
		if (cached_key(pv, fmt, relpath, &st, key))
			return -ENOENT;
		t = rmemo_get(pv->rendered, key);
		if (t) {
			*size = t->len;
			rmemo_release(pv->rendered, t);
			return 0;
		}
		id = ident_of(pv, &st);
		if (cache_render_size_get(pv->cache, &id, key, size) == 0)
			return 0;
	}
	rc = svc_text_get_at(pv, relpath, &st, fmt, 0, &t);
	if (rc)
		return rc;
	*size = t->len;
	svc_text_put(pv, t);
	return 0;
}

/*
 * A profile for the service: from the cache when it can, else checked,
 * else computed (once however many callers ask: flight.c), then stored.
 *
 * Which cache rows are believed: an identity (device, inode, size, mtime,
 * ctime) stands for the content only within the process that stored it or
 * checked it (the verified set). A row from another mount or process is
 * checked first: the file's SHA-256, under the single flight, must name
 * cached content, which is then served and its identity stored again.
 * --trust-metadata skips the check, as before.
 *
 * Before it reads, a computation takes its share of the memory budget,
 * and a large file a slot (gate.c).
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "profilefs/cache.h"
#include "profilefs/profile.h"
#include "profilefs/service.h"
#include "profilefs/tree.h"
#include "svc_i.h"
#include "verified_i.h"

/* May the cache row of id be believed without reading the file? */
int svc_trusted(struct svc *pv, const struct cache_ident *id)
{
	return pv->trust_metadata || vset_has(pv->verified, id);
}

/* id's cache row is now ours (stored or checked) */
static void vouch(struct svc *pv, const struct cache_ident *id)
{
	if (pv->trust_metadata || id->ctime_ns == CACHE_CTIME_UNKNOWN)
		return;
	vset_add(pv->verified, id);
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
struct cache_ident svc_ident_of(struct svc *pv, const struct stat *st)
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
 * reading the file (any: whatever this service checked); -ENOENT
 * otherwise. */
static int load_cached(struct svc *pv, const struct cache_ident *id, int any,
		       struct prof **out)
{
	struct cache_content ct;
	int rc;

	if (!pv->cache || (!any && !svc_trusted(pv, id)))
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

/*
 * The profile of relpath when the source says its bytes cannot be read
 * here (tree_facts()'s unreadable: a reparse point it cannot follow, a
 * damaged compressed stream, ntfs-3g's "unsupported reparse tag" link):
 * one note, no hashes, so never stored. A read that failed (-EIO) in a
 * compressed stream the open found sound is the same: a damaged stream.
 * -ENOENT when the source says nothing of it (then the -EIO or the link
 * is what it is).
 */
static int unreadable(struct svc *pv, const char *relpath, int read_failed,
		      struct prof **out)
{
	struct tree_facts facts;
	char why[sizeof(facts.unreadable) + 96];

	if (tree_facts(pv->tree, relpath, &facts) != 0)
		return -ENOENT;
	facts.unreadable[sizeof(facts.unreadable) - 1] = '\0';
	facts.storage[sizeof(facts.storage) - 1] = '\0';
	if (facts.unreadable[0])
		return prof_unreadable(facts.unreadable, out);
	if (!read_failed || !facts.storage[0] ||
	    !strcmp(facts.storage, "sparse"))
		return -ENOENT;
	snprintf(why, sizeof(why),
		 "The file is stored %s, and its compressed stream could "
		 "not be read whole: it is damaged",
		 facts.storage);
	return prof_unreadable(why, out);
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
		/* an ntfs-3g link shown as the file it stands for */
		if ((rc == -EINVAL || rc == -ELOOP) &&
		    tree_lstat(pv->tree, relpath, &st) == 0 &&
		    S_ISLNK(st.st_mode) && unreadable(pv, relpath, 0, out) == 0)
			return 0;
		if (rc == -EINVAL)
			return prof_special(st.st_mode, out);
		if (rc == -EIO && unreadable(pv, relpath, 0, out) == 0)
			return 0;
		if (rc)
			return rc;
		rc = gated(pv, f, &st, prof_memory((uint64_t)st.st_size), stop,
			   read_profile, out);
		tree_file_close(f);
		if (rc == -EIO && unreadable(pv, relpath, 1, out) == 0)
			return 0;
		if (rc != -EAGAIN)
			break;
		log_info("%s changed while it was read; reading it again",
			 relpath);
	}
	if (rc == -EAGAIN)
		log_warn("%s keeps changing; no profile made", relpath);
	if (!rc) {
		*id = svc_ident_of(pv, &st);
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
	now = svc_ident_of(pv, &st);
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
	now = svc_ident_of(pv, &st);
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
/* Makes the profile of a flight: from the cache, else checked, else read. */
static int flight_run(struct svc *pv, const struct cache_ident *id,
		      const struct util_stop *stop, void *arg, struct prof **p)
{
	const char *relpath = arg;
	struct cache_ident got;
	int rc;

	/* a caller may have stored it between our miss and our entry */
	rc = load_cached(pv, id, 0, p);
	if (rc == 0) {
		svc_count(pv, &pv->stats.cache_hits, 1);
		return 0;
	}
	rc = verify(pv, relpath, id, stop, p);
	if (rc == 0 && (*p)->timed_out)
		vset_add(pv->timed_out, id);
	if (rc != -ENOENT)
		return rc;
	rc = compute(pv, relpath, stop, p, &got);
	if (rc == 0 && (*p)->hashed && store(pv, &got, *p) == 0)
		vouch(pv, &got);
	if (rc == 0 && (*p)->timed_out)
		vset_add(pv->timed_out, id);
	return rc;
}

/* Did the time limit stop this service's reading of id's version? */
static int timed_out(struct svc *pv, const struct cache_ident *id)
{
	return pv->limits.max_seconds && vset_has(pv->timed_out, id);
}

int svc_timed_out(struct svc *pv, const char *relpath)
{
	struct cache_ident id;
	struct stat st;

	if (tree_lstat(pv->tree, relpath, &st) || !S_ISREG(st.st_mode))
		return 0;
	id = svc_ident_of(pv, &st);
	return timed_out(pv, &id);
}

void svc_release(struct svc *pv, struct held *h)
{
	prof_free(h->own);
	if (h->f)
		flight_release(pv, h->f);
	memset(h, 0, sizeof(*h));
}

/* The profile of relpath (of lstat *bst, NULL: looked up now), held in
 * *h (svc_i.h). */
int svc_obtain(struct svc *pv, const char *relpath, const struct stat *bst,
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
	if (S_ISLNK(st.st_mode)) {
		/* ntfs-3g's link for a file it cannot read: Windows sees a
		 * file, and its profile says why it is not read (nothing is
		 * read, so whatever compute_ok says) */
		rc = unreadable(pv, relpath, 0, &h->own);
		h->p = h->own;
		return rc;
	}
	if (!S_ISREG(st.st_mode)) {
		/* nothing to read or cache: the note is the whole profile */
		rc = prof_special(st.st_mode, &h->own);
		h->p = h->own;
		return rc;
	}
	id = svc_ident_of(pv, &st);
	h->id = id;
	rc = load_cached(pv, &id, compute_ok == SVC_BY_IDENTITY, &h->own);
	if (rc == 0) {
		/* every load counts: a rendered profile is not loaded again
		 * while its text stays in the memo */
		svc_count(pv, &pv->stats.cache_hits, 1);
		h->p = h->own;
		return 0;
	}
	/* a cache that fails (logged there) is a miss, never an error */
	if (rc == -ENOMEM)
		return rc;
	if (timed_out(pv, &id)) {
		/* as it was: read again, it would stop at the same limit */
		rc = prof_limited(&st, &pv->limits, 1, &h->own);
		h->p = h->own;
		return rc;
	}
	if (compute_ok != 1)
		return -ENOENT;
	rc = flight_get(pv, &id, flight_run, (void *)relpath, &h->f, &h->p);
	if (rc && rc != -EINTR && rc != -EAGAIN)
		svc_count(pv, &pv->stats.errors, 1);
	return rc;
}

int svc_warm(struct svc *pv, const char *relpath, enum svc_warmed *what,
	     uint64_t *read)
{
	struct cache_content ct;
	struct prof *p = NULL;
	struct cache_ident id;
	struct held h;
	struct stat st;
	int rc;

	*what = SVC_WARMED_SKIPPED;
	*read = 0;
	rc = tree_lstat(pv->tree, relpath, &st);
	if (rc)
		return rc;
	if (S_ISDIR(st.st_mode))
		return -EISDIR;
	if (!S_ISREG(st.st_mode))
		return 0; /* nothing to read or to store */
	if (pv->limits.max_size && (uint64_t)st.st_size > pv->limits.max_size)
		return 0; /* nor is this read */
	id = svc_ident_of(pv, &st);
	/* a row for this identity, with every part of today's version:
	 * stored already, whoever stored it (the file is not read) */
	if (pv->cache && cache_find(pv->cache, &id, &ct) == 0 &&
	    load_content(pv, &ct, &p) == 0) {
		prof_free(p);
		*what = SVC_WARMED_CACHED;
		return 0;
	}
	rc = svc_obtain(pv, relpath, &st, 1, &h);
	if (rc == 0 && h.p->timed_out) {
		*what = SVC_WARMED_TIMED_OUT;
		*read = h.p->read;
	} else if (rc == 0) {
		/* read whole, to be computed or checked */
		*what = SVC_WARMED_COMPUTED;
		*read = (uint64_t)st.st_size;
	}
	/* a failed flight is held too (obtain's callers release it) */
	svc_release(pv, &h);
	return rc;
}

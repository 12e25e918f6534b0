/*
 * Single flight: a file being computed has an entry in `flights`, keyed by
 * its identity. A second caller for the same identity waits on the
 * entry's condition instead of reading the file again, and takes the same
 * result. The result is stored in the cache before the entry is removed,
 * so a caller that comes later finds it there. No lock is held while a
 * file is read: other files and other callers go on.
 *
 * A computation belongs to its callers: `live` counts those still waiting
 * (the one computing included). Each asks setup.caller_gone now and then;
 * one that has gone leaves, and when none is left the computation stops
 * between two chunks (-EINTR), leaves the flights so that a later caller
 * starts afresh, and nothing is stored. What a flight computes is its
 * starter's (obtain.c): this file only joins, waits and cancels.
 */
#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

#include "profilefs/util.h"
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

static int end_check(void *arg)
{
	(void)arg;
	return ending() ? -EINTR : 0;
}

const struct util_stop svc_end_stop = { 0, end_check, NULL };

/* what the owner of this thread asks to stop by (svc_thread_stop) */
static _Thread_local const struct util_stop *tl_stop;

void svc_thread_stop(const struct util_stop *stop)
{
	tl_stop = stop;
}

unsigned svc_waiting(struct svc *pv)
{
	uint64_t used;
	unsigned busy, queued;

	gate_usage(pv->gate, &used, &busy, &queued);
	return queued;
}

/* Has this thread's caller gone (or is the daemon ending)? */
int svc_caller_gone(const struct svc *pv)
{
	return ending() || (tl_stop && util_stop_check(tl_stop)) ||
	       (pv->caller_gone && pv->caller_gone());
}

static int same_ident(const struct cache_ident *a, const struct cache_ident *b)
{
	return memcmp(a, b, sizeof(*a)) == 0;
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
	int gone = svc_caller_gone(pv), rc = 0;

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
		if (svc_caller_gone(pv)) {
			f->live--;
			return -EINTR;
		}
		util_cond_wait_ms(&f->cond, &pv->lock, WAIT_POLL_MS);
	}
	return f->rc;
}

/* The flight computed by run (with arg), or joined; see svc_i.h. */
int flight_get(struct svc *pv, const struct cache_ident *id, flight_fn *run,
	       void *arg, struct flight **out, const struct prof **prof)
{
	struct util_stop stop = { 0, flight_stop, NULL };
	struct flight *f;
	struct prof *p = NULL;
	int rc;

	*out = NULL;
	*prof = NULL;
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
		*prof = f && rc == 0 ? f->prof : NULL;
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

	stop.arg = f;
	rc = run(pv, &f->id, &stop, arg, &p);

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
	*prof = rc ? NULL : p;
	return rc;
}

void flight_release(struct svc *pv, struct flight *f)
{
	pthread_mutex_lock(&pv->lock);
	flight_put(pv, f);
	pthread_mutex_unlock(&pv->lock);
}

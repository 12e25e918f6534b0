/*
 * prefetch: the background pool: profiles made before anyone reads them.
 *
 * The pool sits on the service's public header (svc.h) alone: each
 * binary queued is rendered through svc_text_get(), so it joins a
 * computation in flight, obeys the memory gate and the time limit, and
 * is stored in the cache. The service starts it (svc_prefetch_start) and
 * stops it (svc_close): the stop it is given (svc_end_stop) and
 * svc_pool_stop() end its work as a reader's ends when it goes (-EINTR).
 *
 * Errors: 0 or -errno.
 */
#ifndef PROFILEFS_PREFETCH_H
#define PROFILEFS_PREFETCH_H

#include <stdint.h>

struct svc;
struct svc_names;
struct svc_pool;
struct svc_stats;
struct tree;
struct util_stop;

/*
 * Starts workers threads (0: as many as processors online) over pv, whose
 * source is the tree t, making the formats of the mask (1u << SVC_MD,
 * 1u << SVC_JSON; 0: Markdown). stop (the caller's, kept until
 * svc_pool_stop) is asked with the pool's own. -ENOMEM, -EAGAIN (no
 * thread).
 */
int svc_pool_start(struct svc *pv, struct tree *t, unsigned workers,
		   unsigned formats, const struct util_stop *stop,
		   struct svc_pool **out);
/* Stops the pool and waits for its threads; frees it. NULL: nothing. */
void svc_pool_stop(struct svc_pool *p);
/* svc_prefetch() and svc_prefetch_warm() of the pool (svc.h) */
int svc_pool_queue(struct svc_pool *p, const char *relpath);
int svc_pool_warm(struct svc_pool *p, const struct svc_names *names);
/* Sets the pool's counters in *out. */
void svc_pool_stats(struct svc_pool *p, struct svc_stats *out);

#endif

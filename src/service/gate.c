/*
 * The gate every computation passes before it reads a file: a memory
 * budget shared by all computations, and a bound on how many large files
 * are read at once.
 *
 * Bytes are handed out first come, first served: the waiters form a queue,
 * and only its head is let in, once what it asks for fits. A file larger
 * than CAP_LARGE_FILE (long to hash, though it holds no more than an 8 MiB
 * one: prof_memory()) first takes one of the large slots, which are not
 * queued, so that small files never wait behind a terabyte. Every wait
 * wakes up every GATE_POLL_MS to ask the caller's stop: a waiter whose
 * readers have gone leaves the queue.
 */
#include <errno.h>
#include <pthread.h>
#include <stdlib.h>

#include "profilefs/util.h"
#include "gate_i.h"

#define GATE_POLL_MS 100

struct gate_waiter {
	uint64_t bytes;
	struct gate_waiter *next;
};

struct gate {
	pthread_mutex_t lock;
	pthread_cond_t cond; /* something was handed back, or the queue moved */
	uint64_t cap, used;  /* bytes */
	unsigned slots, busy; /* large files */
	struct gate_waiter *head, **tail;
};

int gate_new(uint64_t cap, unsigned slots, struct gate **out)
{
	struct gate *g = calloc(1, sizeof(*g));

	if (!g)
		return -ENOMEM;
	g->cap = cap;
	g->slots = slots ? slots : 1;
	g->tail = &g->head;
	pthread_mutex_init(&g->lock, NULL);
	util_cond_init(&g->cond);
	*out = g;
	return 0;
}

void gate_free(struct gate *g)
{
	if (!g)
		return;
	pthread_cond_destroy(&g->cond);
	pthread_mutex_destroy(&g->lock);
	free(g);
}

static void dequeue(struct gate *g, struct gate_waiter *w)
{
	struct gate_waiter **pp = &g->head;

	while (*pp && *pp != w)
		pp = &(*pp)->next;
	if (*pp)
		*pp = w->next;
	for (g->tail = &g->head; *g->tail; g->tail = &(*g->tail)->next)
		;
}

static uint64_t gate_clamp(const struct gate *g, uint64_t bytes)
{
	/* what does not fit the budget at all runs alone */
	return bytes > g->cap ? g->cap : bytes;
}

int gate_enter(struct gate *g, uint64_t bytes, int large,
	       const struct util_stop *stop)
{
	struct gate_waiter w = { gate_clamp(g, bytes), NULL };
	int rc = 0;

	pthread_mutex_lock(&g->lock);
	while (large && g->busy >= g->slots) {
		rc = util_stop_check(stop);
		if (rc)
			goto out;
		util_cond_wait_ms(&g->cond, &g->lock, GATE_POLL_MS);
	}
	if (large)
		g->busy++;
	*g->tail = &w;
	g->tail = &w.next;
	while (g->head != &w || g->used + w.bytes > g->cap) {
		rc = util_stop_check(stop);
		if (rc)
			break;
		util_cond_wait_ms(&g->cond, &g->lock, GATE_POLL_MS);
	}
	dequeue(g, &w);
	if (rc) {
		if (large)
			g->busy--;
	} else {
		g->used += w.bytes;
	}
	/* the next in the queue may fit now, or a slot came free */
	pthread_cond_broadcast(&g->cond);
out:
	pthread_mutex_unlock(&g->lock);
	return rc;
}

void gate_leave(struct gate *g, uint64_t bytes, int large)
{
	pthread_mutex_lock(&g->lock);
	g->used -= gate_clamp(g, bytes);
	if (large)
		g->busy--;
	pthread_cond_broadcast(&g->cond);
	pthread_mutex_unlock(&g->lock);
}

void gate_usage(struct gate *g, uint64_t *used, unsigned *busy,
		unsigned *queued)
{
	const struct gate_waiter *w;
	unsigned n = 0;

	pthread_mutex_lock(&g->lock);
	for (w = g->head; w; w = w->next)
		n++;
	*used = g->used;
	*busy = g->busy;
	*queued = n;
	pthread_mutex_unlock(&g->lock);
}

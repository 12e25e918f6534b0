/*
 * gate: the memory budget computations share. First come, first served;
 * large files need a slot but small ones never wait behind them; a waiter
 * whose stop says so leaves having taken nothing.
 */
#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <unistd.h>

#include "../../src/service/svc_i.h"
#include "t.h"

struct waiter {
	struct gate *g;
	uint64_t bytes;
	int large;
	struct util_stop stop;
	atomic_int done;
	int rc;
	pthread_t th;
};

static void *enter_thread(void *arg)
{
	struct waiter *w = arg;

	w->rc = gate_enter(w->g, w->bytes, w->large, &w->stop);
	atomic_store(&w->done, 1);
	return NULL;
}

static void start_asking(struct waiter *w, struct gate *g, uint64_t bytes,
			 int large, const struct util_stop *stop)
{
	*w = (struct waiter){ .g = g, .bytes = bytes, .large = large };
	if (stop)
		w->stop = *stop;
	pthread_create(&w->th, NULL, enter_thread, w);
}

static void start(struct waiter *w, struct gate *g, uint64_t bytes, int large)
{
	start_asking(w, g, bytes, large, NULL);
}

/* waits up to ms for w to be let in (or out) */
static int done_within(struct waiter *w, unsigned ms)
{
	unsigned i;

	for (i = 0; i < ms / 10; i++) {
		if (atomic_load(&w->done))
			return 1;
		usleep(10000);
	}
	return atomic_load(&w->done);
}

static uint64_t used(struct gate *g, unsigned *queued)
{
	uint64_t u;
	unsigned busy, q;

	gate_usage(g, &u, &busy, &q);
	if (queued)
		*queued = q;
	return u;
}

static int gone(void *arg)
{
	return atomic_load((atomic_int *)arg) ? -EINTR : 0;
}

int main(void)
{
	struct waiter a, b;
	struct gate *g;
	struct util_stop soon = { 0, NULL, NULL };
	atomic_int flag = 0;
	struct util_stop asked = { 0, gone, &flag };
	unsigned q;

	CHECK(gate_new(100, 1, &g) == 0);

	/* a queue: 50 held, A wants 80 (does not fit), B then 10 (would fit,
	 * but A is first); when the 50 go back, A then B */
	CHECK(gate_enter(g, 50, 0, NULL) == 0);
	start(&a, g, 80, 0);
	usleep(100000);
	start(&b, g, 10, 0);
	CHECK(!done_within(&a, 300) && !done_within(&b, 10));
	CHECK(used(g, &q) == 50 && q == 2);
	gate_leave(g, 50, 0);
	CHECK(done_within(&a, 1000) && a.rc == 0);
	CHECK(done_within(&b, 1000) && b.rc == 0);
	CHECK(used(g, &q) == 90 && q == 0);
	pthread_join(a.th, NULL);
	pthread_join(b.th, NULL);
	gate_leave(g, 80, 0);
	gate_leave(g, 10, 0);
	CHECK(used(g, NULL) == 0);

	/* a deadline, and a caller gone: each leaves with its error and
	 * takes nothing */
	CHECK(gate_enter(g, 60, 0, NULL) == 0);
	soon.deadline = util_deadline(1);
	CHECK(gate_enter(g, 60, 0, &soon) == -ETIME);
	start_asking(&a, g, 60, 0, &asked);
	usleep(200000);
	CHECK(!atomic_load(&a.done));
	atomic_store(&flag, 1);
	CHECK(done_within(&a, 1000) && a.rc == -EINTR);
	pthread_join(a.th, NULL);
	CHECK(used(g, &q) == 60 && q == 0);
	gate_leave(g, 60, 0);

	/* one large slot: a second large file waits, a small one does not */
	CHECK(gate_enter(g, 10, 1, NULL) == 0);
	soon.deadline = util_deadline(1);
	CHECK(gate_enter(g, 10, 1, &soon) == -ETIME);
	CHECK(gate_enter(g, 10, 0, NULL) == 0);
	CHECK(used(g, NULL) == 20);
	gate_leave(g, 10, 0);
	gate_leave(g, 10, 1);
	start(&a, g, 10, 1);
	CHECK(done_within(&a, 1000) && a.rc == 0);
	pthread_join(a.th, NULL);
	gate_leave(g, 10, 1);

	/* more than the whole budget runs alone */
	CHECK(gate_enter(g, 1000, 0, NULL) == 0 && used(g, NULL) == 100);
	start(&a, g, 1, 0);
	CHECK(!done_within(&a, 200));
	gate_leave(g, 1000, 0);
	CHECK(done_within(&a, 1000) && a.rc == 0);
	pthread_join(a.th, NULL);
	gate_leave(g, 1, 0);
	CHECK(used(g, NULL) == 0);
	gate_free(g);
	return t_done();
}

/*
 * The background pool: profiles made before anyone reads them.
 *
 * Two bounded queues of relative paths: `hi`, what a listing of the view
 * asked for (svc_prefetch), and `lo`, what the --warm walk found. As many
 * workers as processors take from hi first, and make each binary's texts
 * through svc_text_get(): a binary already in flight is joined (one
 * computation however many ask), the memory gate and the time limit hold
 * as for a reader, and the result is cached. A worker on a lo binary runs
 * at nice 19 and idle I/O priority, as the walk does: readers keep their
 * own FUSE threads and the CPU first. Nor do they wait behind the walk in
 * the memory gate: a lo binary is started only while nobody waits there,
 * and by one worker fewer than the large-file slots (so one is always
 * free for a reader), except with one processor.
 *
 * Stopping: svc_pool_stop() (from svc_close) sets `stop`; a worker's
 * computation asks caller_gone(), which asks svc_pool_stopping() on a
 * worker thread, and ends with -EINTR as a reader's does when it goes;
 * svc_shutdown() ends them the same way. No lock is held while a file is
 * read.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "profilefs/caps.h"
#include "profilefs/service.h"
#include "profilefs/util.h"
#include "profilefs/tree.h"
#include "svc_i.h"

/* a ring of paths (malloc'ed) */
struct queue {
	char *path[CAP_PREFETCH_QUEUE];
	size_t head, len;
};

struct pool {
	struct svc *pv;
	unsigned formats;
	pthread_mutex_t lock;
	pthread_cond_t work;  /* a path queued, or stop */
	pthread_cond_t space; /* room in lo, or stop */
	struct queue hi, lo;
	atomic_int stop;
	unsigned nthreads;
	unsigned low_running, low_max; /* lo binaries under way, at most */
	pthread_t *threads;
	int walking; /* a warm walk thread was started */
	pthread_t walker;
	const struct svc_names *names;
	/* counters (under lock) */
	uint64_t done, dropped, found, walked;
};

/* the pool this thread works for (NULL: not a worker) */
static _Thread_local const struct pool *tl_pool;

int svc_pool_stopping(const struct svc *pv)
{
	return tl_pool && pv->pool == tl_pool && atomic_load(&tl_pool->stop);
}

static int pool_ending(const struct pool *p)
{
	return atomic_load(&p->stop) || svc_ending();
}

static int queued(const struct queue *q, const char *path)
{
	size_t i;

	for (i = 0; i < q->len; i++)
		if (!strcmp(q->path[(q->head + i) % CAP_PREFETCH_QUEUE], path))
			return 1;
	return 0;
}

static void push(struct queue *q, char *path)
{
	q->path[(q->head + q->len) % CAP_PREFETCH_QUEUE] = path;
	q->len++;
}

static char *pop(struct queue *q)
{
	char *path = q->path[q->head];

	q->head = (q->head + 1) % CAP_PREFETCH_QUEUE;
	q->len--;
	return path;
}

/* ---- low priority: nice 19 and the idle I/O class ------------------ */

#define IOPRIO_CLASS_SHIFT 13
#define IOPRIO_CLASS_IDLE  3
#define IOPRIO_WHO_PROCESS 1

struct prio {
	int nice, io;
};

static void prio_low(struct prio *old)
{
	pid_t tid = (pid_t)syscall(SYS_gettid);

	errno = 0;
	old->nice = getpriority(PRIO_PROCESS, (id_t)tid);
	if (errno)
		old->nice = 0;
	old->io = (int)syscall(SYS_ioprio_get, IOPRIO_WHO_PROCESS, tid);
	setpriority(PRIO_PROCESS, (id_t)tid, 19);
	syscall(SYS_ioprio_set, IOPRIO_WHO_PROCESS, tid,
		IOPRIO_CLASS_IDLE << IOPRIO_CLASS_SHIFT);
}

static void prio_restore(const struct prio *old)
{
	pid_t tid = (pid_t)syscall(SYS_gettid);

	setpriority(PRIO_PROCESS, (id_t)tid, old->nice);
	if (old->io >= 0)
		syscall(SYS_ioprio_set, IOPRIO_WHO_PROCESS, tid, old->io);
}

/* ---- the workers ------------------------------------------------------ */

/* Makes path's texts unless the cache knows them already. */
static void make(struct pool *p, const char *path)
{
	const struct svc_text *t;
	uint64_t size;
	int f;

	for (f = 0; f < SVC_FORMATS && !pool_ending(p); f++) {
		if (!(p->formats & (1u << (unsigned)f)))
			continue;
		if (svc_profile_size(p->pv, path, (enum svc_format)f, &size) ==
		    0)
			continue;
		if (svc_text_get(p->pv, path, (enum svc_format)f, 1, &t) == 0)
			svc_text_put(p->pv, t);
	}
}

/* May a lo binary start now (p->lock held)? Not while a computation
 * waits in the gate, nor past low_max at once. */
static int low_may_start(struct pool *p)
{
	uint64_t used;
	unsigned busy, waiting;

	if (!p->lo.len || p->low_running >= p->low_max)
		return 0;
	gate_usage(p->pv->gate, &used, &busy, &waiting);
	return waiting == 0;
}

static void *worker(void *arg)
{
	struct pool *p = arg;
	struct prio old;
	char *path;
	int low;

	tl_pool = p;
	for (;;) {
		pthread_mutex_lock(&p->lock);
		while (!pool_ending(p) && !p->hi.len && !low_may_start(p))
			util_cond_wait_ms(&p->work, &p->lock, 100);
		if (pool_ending(p)) {
			pthread_mutex_unlock(&p->lock);
			break;
		}
		low = !p->hi.len;
		path = pop(low ? &p->lo : &p->hi);
		if (low) {
			p->low_running++;
			pthread_cond_signal(&p->space);
		}
		pthread_mutex_unlock(&p->lock);
		if (low)
			prio_low(&old);
		make(p, path);
		if (low)
			prio_restore(&old);
		free(path);
		pthread_mutex_lock(&p->lock);
		p->done++;
		if (low)
			p->low_running--;
		pthread_mutex_unlock(&p->lock);
	}
	return NULL;
}

int svc_prefetch_start(struct svc *pv, unsigned workers, unsigned formats)
{
	struct pool *p;
	unsigned i;

	if (!pv->cache)
		return -ENOTSUP;
	if (pv->pool)
		return 0;
	p = calloc(1, sizeof(*p));
	if (!p)
		return -ENOMEM;
	p->pv = pv;
	p->formats = formats ? formats : 1u << SVC_MD;
	p->nthreads = workers ? workers : util_cpus();
	p->low_max = p->nthreads > 1 ? p->nthreads - 1 : 1;
	p->threads = calloc(p->nthreads, sizeof(*p->threads));
	if (!p->threads) {
		free(p);
		return -ENOMEM;
	}
	pthread_mutex_init(&p->lock, NULL);
	util_cond_init(&p->work);
	util_cond_init(&p->space);
	pv->pool = p;
	for (i = 0; i < p->nthreads; i++)
		if (pthread_create(&p->threads[i], NULL, worker, p))
			break;
	p->nthreads = i;
	p->low_max = i > 1 ? i - 1 : 1;
	if (!i) {
		pv->pool = NULL;
		pthread_cond_destroy(&p->space);
		pthread_cond_destroy(&p->work);
		pthread_mutex_destroy(&p->lock);
		free(p->threads);
		free(p);
		return -EAGAIN;
	}
	return 0;
}

int svc_prefetch(struct svc *pv, const char *relpath)
{
	struct pool *p = pv->pool;
	char *path;
	int rc = 0;

	if (!p)
		return -ENOTSUP;
	pthread_mutex_lock(&p->lock);
	if (queued(&p->hi, relpath)) {
		rc = 0;
	} else if (p->hi.len >= CAP_PREFETCH_QUEUE) {
		p->dropped++;
		rc = -EAGAIN;
	} else if ((path = strdup(relpath)) == NULL) {
		rc = -ENOMEM;
	} else {
		push(&p->hi, path);
		pthread_cond_signal(&p->work);
	}
	pthread_mutex_unlock(&p->lock);
	return rc;
}

/* ---- the warm walk ----------------------------------------------------- */

/* Queues path in lo, waiting for room; -EINTR when the pool stops. */
static int warm_push(struct pool *p, char *path)
{
	pthread_mutex_lock(&p->lock);
	while (!pool_ending(p) && p->lo.len >= CAP_PREFETCH_QUEUE)
		util_cond_wait_ms(&p->space, &p->lock, 100);
	if (pool_ending(p)) {
		pthread_mutex_unlock(&p->lock);
		free(path);
		return -EINTR;
	}
	push(&p->lo, path);
	p->found++;
	pthread_cond_signal(&p->work);
	pthread_mutex_unlock(&p->lock);
	return 0;
}

/* the relative path of name in folder dir ("." for the root) */
static char *child_of(const char *dir, const char *name)
{
	size_t dl = strcmp(dir, ".") ? strlen(dir) : 0, nl = strlen(name);
	char *s;

	if (dl + 1 + nl >= PATH_MAX)
		return NULL;
	s = malloc(dl + nl + 2);
	if (!s)
		return NULL;
	if (dl) {
		memcpy(s, dir, dl);
		s[dl++] = '/';
	}
	memcpy(s + dl, name, nl + 1);
	return s;
}

/* a folder's walk: where its binaries go and its folders are pushed */
struct warm_walk {
	struct pool *p;
	const char *dir;
	char ***stack;
	size_t *n, *cap;
	int rc; /* warm_push()'s error, which ends the walk */
};

static int warm_entry(void *arg, const char *name, const struct stat *st)
{
	struct warm_walk *w = arg;
	char *child = child_of(w->dir, name);

	if (!child)
		return 0;
	if (!S_ISDIR(st->st_mode) &&
	    !svc_is_binary(w->p->names, w->p->pv->tree, child, st, 1)) {
		free(child);
		return 0;
	}
	if (!S_ISDIR(st->st_mode)) {
		w->rc = warm_push(w->p, child);
		return w->rc;
	}
	if (*w->n == *w->cap) {
		size_t c = *w->cap ? 2 * *w->cap : 64;
		char **grown = realloc(*w->stack, c * sizeof(*grown));

		if (!grown) {
			free(child);
			return 0;
		}
		*w->stack = grown;
		*w->cap = c;
	}
	(*w->stack)[(*w->n)++] = child;
	return 0;
}

/* Walks folder dir: queues its binaries, pushes its folders on *stack. */
static int warm_dir(struct pool *p, const char *dir, char ***stack, size_t *n,
		    size_t *cap)
{
	struct warm_walk w = { p, dir, stack, n, cap, 0 };

	/* a folder gone or unreadable is walked past */
	tree_list(p->pv->tree, dir, warm_entry, &w);
	return w.rc;
}

static void *walker(void *arg)
{
	struct pool *p = arg;
	char **stack = NULL, *dir;
	size_t n = 0, cap = 0;
	struct prio old;
	int rc = 0;

	prio_low(&old);
	dir = strdup(".");
	while (dir) {
		if (!rc && !pool_ending(p))
			rc = warm_dir(p, dir, &stack, &n, &cap);
		free(dir);
		dir = n ? stack[--n] : NULL;
	}
	free(stack);
	pthread_mutex_lock(&p->lock);
	p->walked = 1;
	pthread_mutex_unlock(&p->lock);
	log_info("warm: %llu binaries queued%s", (unsigned long long)p->found,
		 rc ? " (stopped)" : "");
	return NULL;
}

int svc_prefetch_warm(struct svc *pv, const struct svc_names *names)
{
	struct pool *p = pv->pool;

	if (!p)
		return -ENOTSUP;
	if (p->walking)
		return 0;
	p->names = names;
	if (pthread_create(&p->walker, NULL, walker, p))
		return -EAGAIN;
	p->walking = 1;
	return 0;
}

/* ---- stopping ------------------------------------------------------- */

static void drain(struct queue *q)
{
	while (q->len)
		free(pop(q));
}

void svc_pool_stop(struct svc *pv)
{
	struct pool *p = pv->pool;
	unsigned i;

	if (!p)
		return;
	atomic_store(&p->stop, 1);
	pthread_mutex_lock(&p->lock);
	pthread_cond_broadcast(&p->work);
	pthread_cond_broadcast(&p->space);
	pthread_mutex_unlock(&p->lock);
	if (p->walking)
		pthread_join(p->walker, NULL);
	for (i = 0; i < p->nthreads; i++)
		pthread_join(p->threads[i], NULL);
	pv->pool = NULL;
	drain(&p->hi);
	drain(&p->lo);
	pthread_cond_destroy(&p->space);
	pthread_cond_destroy(&p->work);
	pthread_mutex_destroy(&p->lock);
	free(p->threads);
	free(p);
}

void svc_pool_stats(struct svc *pv, struct svc_stats *out)
{
	struct pool *p = pv->pool;

	if (!p)
		return;
	pthread_mutex_lock(&p->lock);
	out->prefetch_queued = p->hi.len + p->lo.len;
	out->prefetch_done = p->done;
	out->prefetch_dropped = p->dropped;
	out->warm_found = p->found;
	out->warm_walked = p->walked;
	pthread_mutex_unlock(&p->lock);
}

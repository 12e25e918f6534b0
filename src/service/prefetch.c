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
 * The pool uses the service through svc.h alone. Stopping: whoever
 * starts the pool stops it: svc_pool_stop() (from svc_close) sets `stop`,
 * and the owner's stop (svc_end_stop: svc_shutdown()) is asked with it.
 * Each worker hands both to the service as its thread's stop
 * (svc_thread_stop), so its computation ends with -EINTR as a reader's
 * does when it goes. No lock is held while a file is read.
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
#include "profilefs/hash.h"
#include "profilefs/names.h"
#include "profilefs/prefetch.h"
#include "profilefs/svc.h"
#include "profilefs/tree.h"
#include "profilefs/util.h"

/* a ring of paths (malloc'ed) */
struct queue {
	char *path[CAP_PREFETCH_QUEUE];
	size_t head, len;
};

struct svc_pool {
	struct svc *pv;
	struct tree *tree; /* the source */
	unsigned formats;
	pthread_mutex_t lock;
	pthread_cond_t work;  /* a path queued, or stop */
	pthread_cond_t space; /* room in lo, or stop */
	struct queue hi, lo;
	struct util_hash *in_hi; /* the paths in hi (char *), to queue once */
	atomic_int stop;
	const struct util_stop *end;  /* the owner's */
	struct util_stop worker_stop; /* stop or end: the workers' */
	unsigned nthreads;
	unsigned low_running, low_max; /* lo binaries under way, at most */
	pthread_t *threads;
	int walking; /* a warm walk thread was started */
	pthread_t walker;
	const struct svc_names *names;
	/* counters (under lock) */
	uint64_t done, dropped, found, walked;
};

static int pool_ending(const struct svc_pool *p)
{
	return atomic_load(&p->stop) || util_stop_check(p->end);
}

static int worker_check(void *arg)
{
	return pool_ending(arg) ? -EINTR : 0;
}

static uint64_t path_hash(const void *key, uint64_t seed)
{
	return util_hash_str(*(char *const *)key, seed);
}

static int path_eq(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b) == 0;
}

static const struct util_hash_ops path_ops = { path_hash, path_eq };

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
static void make(struct svc_pool *p, const char *path)
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
static int low_may_start(struct svc_pool *p)
{
	if (!p->lo.len || p->low_running >= p->low_max)
		return 0;
	return svc_waiting(p->pv) == 0;
}

static void *worker(void *arg)
{
	struct svc_pool *p = arg;
	struct prio old;
	char *path;
	int low;

	svc_thread_stop(&p->worker_stop);
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
		if (!low)
			util_hash_del(p->in_hi, &path);
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
	svc_thread_stop(NULL);
	return NULL;
}

static void pool_free(struct svc_pool *p)
{
	pthread_cond_destroy(&p->space);
	pthread_cond_destroy(&p->work);
	pthread_mutex_destroy(&p->lock);
	util_hash_free(p->in_hi);
	free(p->threads);
	free(p);
}

int svc_pool_start(struct svc *pv, struct tree *t, unsigned workers,
		   unsigned formats, const struct util_stop *stop,
		   struct svc_pool **out)
{
	struct svc_pool *p;
	unsigned i;

	p = calloc(1, sizeof(*p));
	if (!p)
		return -ENOMEM;
	p->pv = pv;
	p->tree = t;
	p->end = stop;
	p->worker_stop.check = worker_check;
	p->worker_stop.arg = p;
	p->formats = formats ? formats : 1u << SVC_MD;
	p->nthreads = workers ? workers : util_cpus();
	p->low_max = p->nthreads > 1 ? p->nthreads - 1 : 1;
	pthread_mutex_init(&p->lock, NULL);
	util_cond_init(&p->work);
	util_cond_init(&p->space);
	p->threads = calloc(p->nthreads, sizeof(*p->threads));
	if (!p->threads || util_hash_new(sizeof(char *), 0, CAP_PREFETCH_QUEUE,
					 &path_ops, &p->in_hi)) {
		pool_free(p);
		return -ENOMEM;
	}
	for (i = 0; i < p->nthreads; i++)
		if (pthread_create(&p->threads[i], NULL, worker, p))
			break;
	p->nthreads = i;
	p->low_max = i > 1 ? i - 1 : 1;
	if (!i) {
		pool_free(p);
		return -EAGAIN;
	}
	*out = p;
	return 0;
}

int svc_pool_queue(struct svc_pool *p, const char *relpath)
{
	char *path;
	int rc = 0;

	pthread_mutex_lock(&p->lock);
	if (util_hash_get(p->in_hi, &relpath)) {
		rc = 0;
	} else if (p->hi.len >= CAP_PREFETCH_QUEUE) {
		p->dropped++;
		rc = -EAGAIN;
	} else if ((path = strdup(relpath)) == NULL) {
		rc = -ENOMEM;
	} else if (util_hash_put(p->in_hi, &path, NULL) < 0) {
		free(path);
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
static int warm_push(struct svc_pool *p, char *path)
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
	size_t dl = strcmp(dir, ".") ? strlen(dir) : 0;

	if (dl + 1 + strlen(name) >= PATH_MAX)
		return NULL;
	return path_join(dir, name);
}

/* a folder's walk: where its binaries go and its folders are pushed */
struct warm_walk {
	struct svc_pool *p;
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
	    !svc_is_binary(w->p->names, w->p->tree, child, st, 1)) {
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
static int warm_dir(struct svc_pool *p, const char *dir, char ***stack,
		    size_t *n, size_t *cap)
{
	struct warm_walk w = { p, dir, stack, n, cap, 0 };

	/* a folder gone or unreadable is walked past */
	tree_list(p->tree, dir, warm_entry, &w);
	return w.rc;
}

static void *walker(void *arg)
{
	struct svc_pool *p = arg;
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

int svc_pool_warm(struct svc_pool *p, const struct svc_names *names)
{
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

void svc_pool_stop(struct svc_pool *p)
{
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
	util_hash_clear(p->in_hi);
	drain(&p->hi);
	drain(&p->lo);
	pool_free(p);
}

void svc_pool_stats(struct svc_pool *p, struct svc_stats *out)
{
	pthread_mutex_lock(&p->lock);
	out->prefetch_queued = p->hi.len + p->lo.len;
	out->prefetch_done = p->done;
	out->prefetch_dropped = p->dropped;
	out->warm_found = p->found;
	out->warm_walked = p->walked;
	pthread_mutex_unlock(&p->lock);
}

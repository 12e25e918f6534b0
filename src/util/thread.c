/* Thread priorities (work that reads and hashes yields to requests), and
 * the question long work asks between chunks: go on, or stop. */
#include <errno.h>
#include <sys/resource.h>
#include <time.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "profilefs/util.h"

/*
 * Hashing (and rescanning) runs at a lower priority than the requests that only
 * look (stat, readdir, cached reads), so that those stay fast while large files
 * are read. Per thread: FUSE's worker threads serve any request, so the
 * old niceness is put back afterwards (which needs root, or that the
 * niceness was not raised: otherwise the thread stays polite).
 */
int util_thread_nicer(void)
{
	pid_t tid = (pid_t)syscall(SYS_gettid);
	int old;

	errno = 0;
	old = getpriority(PRIO_PROCESS, (id_t)tid);
	if (errno == 0)
		setpriority(PRIO_PROCESS, (id_t)tid,
			    old + 10 > 19 ? 19 : old + 10);
	return errno == 0 ? old : 0;
}

void util_thread_restore(int old)
{
	setpriority(PRIO_PROCESS, (id_t)syscall(SYS_gettid), old);
}

double util_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

double util_deadline(unsigned seconds)
{
	return seconds ? util_now() + seconds : 0;
}

int util_stop_check(const struct util_stop *s)
{
	int rc;

	if (!s)
		return 0;
	if (s->check) {
		rc = s->check(s->arg);
		if (rc)
			return rc;
	}
	return s->deadline > 0 && util_now() > s->deadline ? -ETIME : 0;
}

unsigned util_cpus(void)
{
	long n = sysconf(_SC_NPROCESSORS_ONLN);

	return n > 0 ? (unsigned)n : 1;
}

void util_cond_init(pthread_cond_t *c)
{
	pthread_condattr_t ca;

	pthread_condattr_init(&ca);
	pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
	pthread_cond_init(c, &ca);
	pthread_condattr_destroy(&ca);
}

void util_cond_wait_ms(pthread_cond_t *c, pthread_mutex_t *m, unsigned ms)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	ts.tv_sec += ms / 1000;
	ts.tv_nsec += (long)(ms % 1000) * 1000000L;
	if (ts.tv_nsec >= 1000000000L) {
		ts.tv_sec++;
		ts.tv_nsec -= 1000000000L;
	}
	pthread_cond_timedwait(c, m, &ts);
}

/* Thread priorities: work that reads and hashes yields to requests. */
#include <errno.h>
#include <sys/resource.h>
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

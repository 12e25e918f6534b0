#include <pthread.h>
#include <stdio.h>
#include <syslog.h>

#include "profilefs/util.h"

static int log_syslog;
static enum log_level log_max = LOG_LVL_INFO;
static pthread_mutex_t log_lock = PTHREAD_MUTEX_INITIALIZER;

void log_setup(int to_syslog, enum log_level max)
{
	log_syslog = to_syslog;
	log_max = max;
	if (to_syslog)
		openlog("profilefs", LOG_PID, LOG_DAEMON);
}

void log_msg(enum log_level lvl, const char *fmt, ...)
{
	static const int prio[] = { LOG_ERR, LOG_WARNING, LOG_INFO, LOG_DEBUG };
	static const char *const word[] = { "error", "warning", "info",
					    "debug" };
	va_list ap;

	if (lvl > log_max)
		return;
	va_start(ap, fmt);
	if (log_syslog) {
		vsyslog(prio[lvl], fmt, ap);
	} else {
		pthread_mutex_lock(&log_lock);
		fprintf(stderr, "profilefs: %s: ", word[lvl]);
		vfprintf(stderr, fmt, ap);
		fputc('\n', stderr);
		pthread_mutex_unlock(&log_lock);
	}
	va_end(ap);
}

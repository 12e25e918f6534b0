/*
 * SIGINT and SIGTERM for the commands that run a batch (profile, warm):
 * caught, they stop it between two items (batch_i.h).
 */
#include <signal.h>
#include <string.h>

#include "profilefs/service.h"
#include "batch_i.h"

volatile sig_atomic_t batch_stopped;

static void on_signal(int sig)
{
	batch_stopped = sig;
	svc_shutdown();
}

void batch_catch_signals(int restart)
{
	struct sigaction sa;

	/* caught even when ignored (cmd &): kill -INT stops it as Ctrl-C */
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	sa.sa_flags = restart ? SA_RESTART : 0;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
}

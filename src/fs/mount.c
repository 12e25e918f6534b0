/*
 * Mounting: the options every mount gets, the order of start-up (the
 * service, its cache with it, is started by the caller's hook after the
 * daemon has detached, so its SQLite handle and locks belong to the
 * process that serves), and a clean unmount on
 * SIGTERM, SIGINT and SIGHUP: libfuse's handlers end the loop, which then
 * waits for every request being served, so ours first tells every
 * computation to stop (svc_shutdown).
 */
#define FUSE_USE_VERSION 312
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <fuse.h>
#include <fuse_lowlevel.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "profilefs/util.h"
#include "fs_i.h"

/* Is opt among the -o options? ("name=": any value of it) */
static int has_opt(int argc, char **argv, const char *opt)
{
	size_t n = strlen(opt);
	int prefix = n && opt[n - 1] == '=';
	int i;

	for (i = 1; i < argc; i++) {
		const char *o = argv[i];

		if (strncmp(o, "-o", 2) != 0)
			continue;
		o = o[2] ? o + 2 : (i + 1 < argc ? argv[i + 1] : "");
		while (*o) {
			size_t len = strcspn(o, ",");

			if ((len == n || (prefix && len > n)) &&
			    strncmp(o, opt, n) == 0)
				return 1;
			o += len;
			if (*o == ',')
				o++;
		}
	}
	return 0;
}

static const int end_signals[] = { SIGTERM, SIGINT, SIGHUP };
#define N_END_SIGNALS (sizeof(end_signals) / sizeof(end_signals[0]))
/* libfuse's handlers, called after ours */
static struct sigaction fuse_handlers[N_END_SIGNALS];

static void on_end_signal(int sig)
{
	size_t i;

	svc_shutdown();
	for (i = 0; i < N_END_SIGNALS; i++)
		if (end_signals[i] == sig &&
		    fuse_handlers[i].sa_handler != SIG_DFL &&
		    fuse_handlers[i].sa_handler != SIG_IGN)
			fuse_handlers[i].sa_handler(sig);
}

/*
 * Blocks (or unblocks) the end signals. From before the mount until the
 * handlers are in place they wait, blocked: the service starts meanwhile
 * (the trust roots take seconds under valgrind), and a signal then would
 * kill the daemon by its default action with the mount left behind, not
 * connected. Blocked again once the loop is over, so that a second signal
 * cannot cut the cache's closing short.
 */
static void end_signals_block(int block)
{
	sigset_t set;
	size_t i;

	sigemptyset(&set);
	for (i = 0; i < N_END_SIGNALS; i++)
		sigaddset(&set, end_signals[i]);
	pthread_sigmask(block ? SIG_BLOCK : SIG_UNBLOCK, &set, NULL);
}

/*
 * Ours before libfuse's (install), or libfuse's back (remove). A signal
 * libfuse left alone (one the daemon was started with ignored, as a shell
 * starts a background job's SIGINT) stays so.
 */
static int chained[N_END_SIGNALS];

static int end_signals_chain(int install)
{
	struct sigaction sa;
	size_t i;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_end_signal;
	sigemptyset(&sa.sa_mask);
	for (i = 0; i < N_END_SIGNALS; i++) {
		if (!install) {
			if (chained[i] &&
			    sigaction(end_signals[i], &fuse_handlers[i], NULL))
				return -errno;
			chained[i] = 0;
			continue;
		}
		if (sigaction(end_signals[i], NULL, &fuse_handlers[i]))
			return -errno;
		if (fuse_handlers[i].sa_handler == SIG_IGN ||
		    fuse_handlers[i].sa_handler == SIG_DFL)
			continue;
		if (sigaction(end_signals[i], &sa, NULL))
			return -errno;
		chained[i] = 1;
	}
	return 0;
}

/* for the service: has the request this thread serves been interrupted
 * (its caller killed, or given up)? */
static int request_gone(void)
{
	return fuse_interrupted();
}

/* a mountinfo field in place, its octal escapes (\040) undone */
static void unescape_field(char *f)
{
	char *d = f;

	for (; *f; f++) {
		if (f[0] == '\\' && f[1] >= '0' && f[1] <= '3' && f[2] >= '0' &&
		    f[2] <= '7' && f[3] >= '0' && f[3] <= '7') {
			*d++ = (char)((f[1] - '0') << 6 | (f[2] - '0') << 3 |
				      (f[3] - '0'));
			f += 3;
		} else {
			*d++ = *f;
		}
	}
	*d = '\0';
}

int fs_mounted_at(const char *mountpoint)
{
	FILE *f = fopen("/proc/self/mountinfo", "re");
	char *line = NULL, *save, *mp, *sep, *type;
	size_t cap = 0;
	int ours = 0, i;

	if (!f)
		return 0;
	/* the last line of a mountpoint is the mount on top there */
	while (getline(&line, &cap, f) > 0) {
		sep = strstr(line, " - ");
		if (!sep)
			continue;
		*sep = '\0';
		type = strtok_r(sep + 3, " \n", &save);
		mp = strtok_r(line, " ", &save);
		for (i = 0; mp && i < 4; i++)
			mp = strtok_r(NULL, " ", &save);
		if (!mp || !type)
			continue;
		unescape_field(mp);
		if (strcmp(mp, mountpoint) == 0)
			ours = strcmp(type, "fuse.profilefs") == 0;
	}
	free(line);
	fclose(f);
	return ours;
}

int fs_exit_status(int rc)
{
	return rc == 0 ? 0 : rc == -EINVAL ? 2 : 1;
}

/*
 * Detaching, as fuse_daemonize() does (a child in a session of its own,
 * in /, its standard streams on /dev/null), except that the command
 * returns only once the service has started, with the child's exit
 * status: what the service refuses (a cache that cannot be written...) is
 * said by the child on the terminal, and the command's status says it
 * too. *ready: the pipe the child tells its status on (-1: none, in the
 * foreground). 0 in the child (or the foreground), -errno.
 */
static int detach(int foreground, int *ready)
{
	int p[2];
	unsigned char status = 1;
	pid_t pid;

	*ready = -1;
	if (foreground)
		return chdir("/") ? -errno : 0;
	if (pipe(p))
		return -errno;
	pid = fork();
	if (pid < 0) {
		close(p[0]);
		close(p[1]);
		return -EIO;
	}
	if (pid > 0) {
		/* the child's word; none (it died): the mount failed */
		close(p[1]);
		while (read(p[0], &status, 1) < 0 && errno == EINTR)
			;
		_exit(status);
	}
	close(p[0]);
	*ready = p[1];
	if (setsid() < 0 || chdir("/"))
		return -errno;
	return 0;
}

/* The child's status to the command waiting (once); on success its
 * standard streams go to /dev/null, the terminal left to the user. */
static void detach_done(int *ready, int rc)
{
	unsigned char status = (unsigned char)fs_exit_status(rc);
	int fd;

	if (*ready < 0)
		return;
	if (!rc && (fd = open("/dev/null", O_RDWR)) >= 0) {
		fflush(stdout);
		fflush(stderr);
		dup2(fd, 0);
		dup2(fd, 1);
		dup2(fd, 2);
		if (fd > 2)
			close(fd);
	}
	while (write(*ready, &status, 1) < 0 && errno == EINTR)
		;
	close(*ready);
	*ready = -1;
}

static int serve(struct fuse *fuse, struct fs *fs, int *ready)
{
	const struct fs_config *cfg = fs->cfg;
	struct fuse_loop_config *lc;
	int rc, cached = 0;

	rc = cfg->service.start(cfg->service.ctx, fs->tree, request_gone,
				&fs->pv, &cached);
	if (rc)
		goto out;
	/* served from now on: the command that mounted returns 0 */
	detach_done(ready, 0);
	/* the background pool: for the view's listings, and --warm */
	if ((cfg->view || cfg->warm) &&
	    svc_prefetch_start(fs->pv, 0,
			       cfg->formats ? cfg->formats
					    : FS_FORMAT(SVC_MD)) == 0 &&
	    cfg->warm && svc_prefetch_warm(fs->pv, cfg->names))
		log_warn("warm: no thread for the walk");
	else if (cfg->warm && !cached)
		log_warn("warm: no cache, nothing to warm");
	if (fuse_set_signal_handlers(fuse_get_session(fuse))) {
		rc = -EIO;
		goto out;
	}
	if (end_signals_chain(1)) {
		rc = -EIO;
		goto out_signals;
	}
	/* a signal that came since the mount is handled now: the loop
	 * below then ends at once, cleanly */
	end_signals_block(0);
	lc = fuse_loop_cfg_create();
	if (!lc) {
		rc = -ENOMEM;
		goto out_signals;
	}
	/* computations take at most CAP_COMPUTE_CALLERS threads */
	fuse_loop_cfg_set_max_threads(lc, CAP_COMPUTE_CALLERS + 32);
	fuse_loop_cfg_set_idle_threads(lc, 8);
	rc = fuse_loop_mt(fuse, lc);
	/* a loop ended by SIGTERM, SIGINT or SIGHUP returns the signal: that
	 * is a clean end, not an error */
	if (rc == SIGTERM || rc == SIGINT || rc == SIGHUP) {
		log_info("signal %d: unmounting", rc);
		rc = 0;
	}
	rc = rc ? -EIO : 0;
	fuse_loop_cfg_destroy(lc);
out_signals:
	end_signals_block(1);
	end_signals_chain(0);
	fuse_remove_signal_handlers(fuse_get_session(fuse));
out:
	/* the loop is over: releases that did not come by now never will,
	 * and the open files hold texts of the service */
	fs_close_all(fs);
	cfg->service.stop(cfg->service.ctx);
	fs->pv = NULL;
	return rc;
}

/*
 * The mount's source as findmnt, df and /proc/mounts show it: the SOURCE
 * path (the type stays fuse.profilefs), unless -o fsname= names another.
 * FUSE's option parser splits -o at commas and takes a backslash as an
 * escape: both are escaped. 0 or -ENOMEM.
 */
static int fsname_arg(struct fuse_args *args, const char *source)
{
	char *opts = NULL, *name;
	int rc = -ENOMEM;

	if (asprintf(&name, "fsname=%s", source) < 0)
		return -ENOMEM;
	if (fuse_opt_add_opt_escaped(&opts, name) == 0 &&
	    fuse_opt_add_arg(args, "-o") == 0 &&
	    fuse_opt_add_arg(args, opts) == 0)
		rc = 0;
	free(opts);
	free(name);
	return rc;
}

int fs_main(const struct fs_config *cfg, int argc, char **argv)
{
	struct fuse_args args = FUSE_ARGS_INIT(0, NULL);
	struct fs fs = { .cfg = cfg,
			 .tree = cfg->tree,
			 .fh_lock = PTHREAD_MUTEX_INITIALIZER };
	struct fuse *fuse;
	int rc, i, ready = -1;

	if (cfg->kernel_cache && kcache_new(&fs.kc))
		return -ENOMEM;
	rc = -ENOMEM;
	for (i = 0; i < argc; i++)
		if (fuse_opt_add_arg(&args, argv[i]))
			goto out_free;
	if (fuse_opt_add_arg(&args, "-oro,nosuid,nodev,subtype=profilefs") ||
	    (!has_opt(argc, argv, "fsname=") &&
	     fsname_arg(&args, cfg->source)) ||
	    (has_opt(argc, argv, "allow_other") &&
	     fuse_opt_add_arg(&args, "-odefault_permissions")))
		goto out_free;
	fuse = fuse_new(&args, fs_operations(), sizeof(struct fuse_operations),
			&fs);
	if (!fuse) {
		rc = -EINVAL;
		goto out_free;
	}
	end_signals_block(1); /* until serve() has its handlers */
	if (fuse_mount(fuse, cfg->mountpoint)) {
		rc = -EIO;
		goto out_destroy;
	}
	rc = detach(cfg->foreground, &ready);
	if (rc)
		goto out_unmount;
	if (!cfg->foreground)
		log_setup(1, LOG_LVL_INFO);
	rc = serve(fuse, &fs, &ready);
out_unmount:
	fuse_unmount(fuse);
	/* a refusal: said, and unmounted, before the command returns */
	detach_done(&ready, rc ? rc : -EIO);
out_destroy:
	fuse_destroy(fuse);
out_free:
	fuse_opt_free_args(&args);
	kcache_free(fs.kc);
	return rc;
}

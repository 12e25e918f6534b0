/*
 * Mounting: the options every mount gets, the order of start-up (the
 * cache is opened after the daemon has detached, so its SQLite handle and
 * locks belong to the process that serves), and a clean unmount on
 * SIGTERM, SIGINT and SIGHUP (libfuse's handlers end the loop).
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

#include "profilefs/cache.h"
#include "profilefs/util.h"
#include "fs_i.h"

static int has_opt(int argc, char **argv, const char *opt)
{
	size_t n = strlen(opt);
	int i;

	for (i = 1; i < argc; i++) {
		const char *o = argv[i];

		if (strncmp(o, "-o", 2) != 0)
			continue;
		o = o[2] ? o + 2 : (i + 1 < argc ? argv[i + 1] : "");
		while (*o) {
			size_t len = strcspn(o, ",");

			if (len == n && strncmp(o, opt, n) == 0)
				return 1;
			o += len;
			if (*o == ',')
				o++;
		}
	}
	return 0;
}

static int serve(struct fuse *fuse, struct fs *fs)
{
	struct fuse_loop_config *lc;
	struct cache *cache = NULL;
	int rc;

	if (fs->cfg->cache_path) {
		rc = cache_open_or_rebuild(fs->cfg->cache_path, &cache);
		if (rc)
			log_warn("cache %s unusable (%s); serving without a "
				 "cache",
				 fs->cfg->cache_path, strerror(-rc));
	}
	fs->cache = cache;
	svc_set_cache(fs->pv, cache);
	/* the catalog index lives in the cache: without one, no catalogs */
	if (cache && svc_catalogs_count_dirs(fs->cfg->catalogs)) {
		svc_catalogs_set_cache(fs->cfg->catalogs, cache);
		rc = svc_catalogs_sync(fs->cfg->catalogs, fs->cfg->foreground);
		if (rc)
			log_warn("catalogs not indexed: %s", strerror(-rc));
		svc_set_signing(fs->pv, fs->cfg->trust, fs->cfg->catalogs);
	} else {
		if (svc_catalogs_count_dirs(fs->cfg->catalogs))
			log_warn("catalogs are not used without a cache");
		svc_set_signing(fs->pv, fs->cfg->trust, NULL);
	}
	if (fuse_set_signal_handlers(fuse_get_session(fuse))) {
		rc = -EIO;
		goto out;
	}
	lc = fuse_loop_cfg_create();
	if (!lc) {
		rc = -ENOMEM;
		goto out_signals;
	}
	fuse_loop_cfg_set_max_threads(lc, 64);
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
	fuse_remove_signal_handlers(fuse_get_session(fuse));
out:
	svc_set_signing(fs->pv, NULL, NULL);
	if (fs->cfg->catalogs)
		svc_catalogs_set_cache(fs->cfg->catalogs, NULL);
	svc_set_cache(fs->pv, NULL);
	cache_close(cache);
	return rc;
}

int fs_main(const struct fs_config *cfg, int argc, char **argv)
{
	struct fuse_args args = FUSE_ARGS_INIT(0, NULL);
	struct fs fs = { cfg, -1, NULL, NULL, PTHREAD_MUTEX_INITIALIZER, NULL };
	struct fuse *fuse;
	int rc, i;

	fs.rootfd = open(cfg->source, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fs.rootfd < 0) {
		rc = -errno;
		log_err("cannot open %s: %s", cfg->source, strerror(errno));
		return rc;
	}
	rc = svc_new(fs.rootfd, cfg->drive, NULL, &fs.pv);
	if (rc)
		goto out_close;
	svc_set_limits(fs.pv, &cfg->limits);
	rc = -ENOMEM;
	for (i = 0; i < argc; i++)
		if (fuse_opt_add_arg(&args, argv[i]))
			goto out_free;
	if (fuse_opt_add_arg(&args, "-oro,nosuid,nodev,subtype=profilefs") ||
	    fuse_opt_add_arg(&args, "-ofsname=profilefs") ||
	    (has_opt(argc, argv, "allow_other") &&
	     fuse_opt_add_arg(&args, "-odefault_permissions")))
		goto out_free;
	fuse = fuse_new(&args, fs_operations(), sizeof(struct fuse_operations),
			&fs);
	if (!fuse) {
		rc = -EINVAL;
		goto out_free;
	}
	if (fuse_mount(fuse, cfg->mountpoint)) {
		rc = -EIO;
		goto out_destroy;
	}
	if (fuse_daemonize(cfg->foreground)) {
		rc = -EIO;
		goto out_unmount;
	}
	if (!cfg->foreground)
		log_setup(1, LOG_LVL_INFO);
	rc = serve(fuse, &fs);
out_unmount:
	fuse_unmount(fuse);
	/* releases that did not come before the unmount */
	fs_close_all(&fs);
out_destroy:
	fuse_destroy(fuse);
out_free:
	fuse_opt_free_args(&args);
	svc_free(fs.pv);
out_close:
	close(fs.rootfd);
	return rc;
}

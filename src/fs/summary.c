/*
 * The view's SUMMARY.md (summary.h): a read-only file at the root of the
 * view, made at each open from the cached profiles, for the caller who
 * opens it: it counts and lists only the binaries that caller may read,
 * below folders it may enter (as default_permissions would let it reach
 * them). Made at the open, not at a stat: its size is 0 and it is read
 * with direct I/O (a stat that walked the tree would make ls -l of the
 * view's root as slow as the walk).
 */
#include <errno.h>
#include <string.h>
#include <unistd.h>

#include "profilefs/summary.h"
#include "fs_i.h"

int fs_is_summary(const struct fs *fs, const char *path)
{
	const char *rel;

	return fs_in_view(fs, path, &rel) && !strcmp(rel, SVC_SUMMARY_NAME);
}

static int may_read(const struct stat *st, void *arg)
{
	(void)arg;
	return fs_caller_may(st, R_OK);
}

static int may_enter(const struct stat *st, void *arg)
{
	(void)arg;
	return fs_caller_may(st, R_OK | X_OK);
}

int fs_summary_make(struct fs *fs, char **out, size_t *len)
{
	struct svc_summary_how how = {
		.names = fs->cfg->names,
		.may_read = may_read,
		.may_enter = may_enter,
	};

	return svc_summary(fs->pv, &how, out, len);
}

/*
 * Extended attributes: a source entry's own, passed through (a profile
 * has none), and at the root the mount's counters (user.profilefs.stats).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fs_i.h"

#define FS_STATS_XATTR "user.profilefs.stats"

static int stats_text(struct fs *fs, char *buf, size_t size)
{
	struct svc_stats s;
	char text[1024];
	int n;

	svc_get_stats(fs->pv, &s);
	n = snprintf(
		text, sizeof(text),
		"computed=%llu\ncache_hits=%llu\nbytes_read=%llu\n"
		"errors=%llu\ncomputing=%llu\nrenders=%llu\n"
		"stored=%llu\nnot_stored=%llu\nverified=%llu\n"
		"bytes_verified=%llu\ncancelled=%llu\nqueued=%llu\n"
		"budget_used=%llu\nprofile_reads=%llu\n"
		"prefetch_queued=%llu\n"
		"prefetch_done=%llu\nprefetch_dropped=%llu\n"
		"warm_found=%llu\nwarm_walked=%llu\n",
		(unsigned long long)s.computed,
		(unsigned long long)s.cache_hits,
		(unsigned long long)s.bytes_read, (unsigned long long)s.errors,
		(unsigned long long)s.computing, (unsigned long long)s.renders,
		(unsigned long long)s.stored, (unsigned long long)s.not_stored,
		(unsigned long long)s.verified,
		(unsigned long long)s.bytes_verified,
		(unsigned long long)s.cancelled, (unsigned long long)s.queued,
		(unsigned long long)s.budget_used,
		(unsigned long long)atomic_load(&fs->profile_reads),
		(unsigned long long)s.prefetch_queued,
		(unsigned long long)s.prefetch_done,
		(unsigned long long)s.prefetch_dropped,
		(unsigned long long)s.warm_found,
		(unsigned long long)s.warm_walked);
	if (size == 0)
		return n;
	if ((size_t)n > size)
		return -ERANGE;
	memcpy(buf, text, (size_t)n);
	return n;
}

/* The source entry a mounted path names for its xattrs: 0 with *rel the
 * source path (a folder of the view: the source's), 1 for a profile (no
 * xattrs; nor has the view's summary), or -errno. */
static int xattr_entry(struct fs *fs, const char *path, const char **rel)
{
	enum svc_format fmt;
	struct stat st;
	char *bin;
	int rc;

	rc = fs_resolve(fs, path, &st, &bin, &fmt);
	if (rc)
		return rc;
	if (fs_is_summary(fs, path))
		return 1;
	if (bin) {
		free(bin);
		return 1;
	}
	*rel = fs_rel(path);
	fs_in_view(fs, path, rel);
	return 0;
}

int fs_op_getxattr(const char *path, const char *name, char *value, size_t size)
{
	struct fs *fs = fs_get();
	const char *rel;
	int rc;

	if (strcmp(path, "/") == 0 && strcmp(name, FS_STATS_XATTR) == 0)
		return stats_text(fs, value, size);
	rc = xattr_entry(fs, path, &rel);
	if (rc)
		return rc == 1 ? -ENODATA : rc;
	return (int)tree_getxattr(fs->tree, rel, name, value, size);
}

int fs_op_listxattr(const char *path, char *list, size_t size)
{
	struct fs *fs = fs_get();
	size_t extra = 0;
	const char *rel;
	ssize_t n;
	int rc;

	rc = xattr_entry(fs, path, &rel);
	if (rc)
		return rc == 1 ? 0 : rc;
	if (strcmp(path, "/") == 0)
		extra = sizeof(FS_STATS_XATTR);
	n = tree_listxattr(fs->tree, rel, list, size);
	if (n < 0)
		return (int)n;
	if (size == 0)
		return (int)(n + (ssize_t)extra);
	if ((size_t)n + extra > size)
		return -ERANGE;
	memcpy(list + n, FS_STATS_XATTR, extra);
	return (int)(n + (ssize_t)extra);
}

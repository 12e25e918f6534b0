/*
 * The attributes of what a mounted path names: a source entry's own (its
 * lstat, its link target, the source's statvfs), a profile's made from its
 * binary's (fs_profile_attr).
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "fs_i.h"

/*
 * The exact size of a profile of the view, computed when it must be:
 * -EINTR when the caller went (or the daemon ends), -EAGAIN when too many
 * wait for computations. A profile that cannot be made says 0 (its read
 * then says why, as in the overlay).
 */
static int view_size(struct fs *fs, const char *bin, const struct stat *st,
		     enum svc_format fmt, uint64_t *size)
{
	const struct svc_text *t;
	int rc = svc_text_get_at(fs->pv, bin, st, fmt, 1, &t);

	*size = 0;
	if (rc == -EINTR || rc == -EAGAIN)
		return rc;
	if (rc == 0) {
		*size = t->len;
		svc_text_put(fs->pv, t);
	}
	return 0;
}

/*
 * The size a profile's stat says (bin's lstat in *st): an open one's
 * bytes, a cached one's exact size (which this never computes, and
 * seldom renders), or in the view (and with --stat-computes) the size
 * made now. Else, beside the binary, the size the cache holds for the
 * file's identity (a fresh mount has checked no cached profile yet:
 * without it, tar and rsync would copy every profile as 0 bytes): a
 * hint, which the read checks; a profile that turns out to be of
 * another size is read whole all the same (direct I/O), and the kernel
 * is told to ask its size again (fs_op_read), so tar says the file
 * changed as it read it.
 */
static int profile_size(struct fs *fs, const char *path, struct fh *h,
			const char *bin, const struct stat *st,
			enum svc_format fmt, uint64_t *size)
{
	const char *rel;
	int exact = fs_in_view(fs, path, &rel) || fs->cfg->stat_computes;

	*size = h ? fs_fh_size(h) : 0;
	if (!*size && svc_profile_size_at(fs->pv, bin, st, fmt, size))
		*size = 0;
	if (!*size && exact && fs_caller_may_read(st))
		/* the view's sizes are exact: computed now, by the rules of
		 * a read. Only for whoever may read the binary: a size tells
		 * something of its content */
		return view_size(fs, bin, st, fmt, size);
	if (!*size && !exact && fs_caller_may_read(st) &&
	    svc_profile_hint_at(fs->pv, bin, st, fmt, size))
		*size = 0;
	return 0;
}

int fs_op_getattr(const char *path, struct stat *st, struct fuse_file_info *fi)
{
	struct fs *fs = fs_get();
	struct fh *h = fi ? (struct fh *)(uintptr_t)fi->fh : NULL;
	struct tree_file *f = h ? fs_fh_file(h) : NULL;
	enum svc_format fmt = SVC_MD;
	uint64_t size = 0;
	char *bin;
	int rc;

	if (f) {
		rc = tree_fstat(f, st);
		if (!rc)
			kcache_told(fs->kc, path, (uint64_t)st->st_size);
		return rc;
	}
	rc = fs_resolve(fs, path, st, &bin, &fmt);
	if (!rc && !bin && S_ISREG(st->st_mode))
		kcache_told(fs->kc, path, (uint64_t)st->st_size);
	if (rc || !bin)
		return rc;
	rc = profile_size(fs, path, h, bin, st, fmt, &size);
	free(bin);
	if (rc)
		return rc;
	fs_profile_attr(st, (size_t)size);
	kcache_told(fs->kc, path, size);
	return 0;
}

int fs_op_readlink(const char *path, char *buf, size_t size)
{
	const char *rel;

	if (size == 0)
		return -EINVAL;
	/* the view holds folders and profiles: no link */
	if (fs_in_view(fs_get(), path, &rel))
		return -EINVAL;
	return tree_readlink(fs_get()->tree, fs_rel(path), buf, size);
}

int fs_op_statfs(const char *path, struct statvfs *sv)
{
	(void)path;
	return tree_statvfs(fs_get()->tree, sv);
}

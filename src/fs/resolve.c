/*
 * What a mounted path names: a source entry, a profile of a binary beside
 * it, or a path of the view (ops.c's comment says which is which). Every
 * name is looked up in the source tree (tree.h), never by a path of this
 * system.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "profilefs/summary.h"
#include "fs_i.h"

const char *const fs_suffix[SVC_FORMATS] = {
	[SVC_MD] = ".md",
	[SVC_JSON] = ".json",
};

struct fs *fs_get(void)
{
	return fuse_get_context()->private_data;
}

/* Is format f shown? Markdown alone when nothing was said. */
int fs_shown(const struct fs *fs, enum svc_format f)
{
	unsigned set = fs->cfg->formats ? fs->cfg->formats : FS_FORMAT(SVC_MD);

	return !!(set & FS_FORMAT(f));
}

const char *fs_rel(const char *path)
{
	while (*path == '/')
		path++;
	return path;
}

int fs_join(const char *dir, const char *name, char *out, size_t n)
{
	int len = snprintf(out, n, "%s%s%s", dir, *dir ? "/" : "", name);

	return len < 0 || (size_t)len >= n ? -ENAMETOOLONG : 0;
}

int fs_in_view(const struct fs *fs, const char *path, const char **rel)
{
	size_t n;

	if (!fs->cfg->view)
		return 0;
	n = strlen(fs->cfg->view);
	while (*path == '/')
		path++;
	if (strncmp(path, fs->cfg->view, n) != 0 ||
	    (path[n] != '\0' && path[n] != '/'))
		return 0;
	*rel = fs_rel(path + n);
	return 1;
}

int fs_is_view_name(const struct fs *fs, const char *dir, const char *name)
{
	return fs->cfg->view && !*fs_rel(dir) && !strcmp(name, fs->cfg->view);
}

/* Is the caller in group gid? The kernel does not pass the supplementary
 * groups; libfuse reads them from /proc. Unknown counts as no. */
static int caller_in_group(const struct fuse_context *c, gid_t gid)
{
	gid_t *list;
	int n, i, in = 0;

	if (c->gid == gid)
		return 1;
	n = fuse_getgroups(0, NULL);
	if (n <= 0)
		return 0;
	list = calloc((size_t)n, sizeof(*list));
	if (!list)
		return 0;
	if (fuse_getgroups(n, list) == n)
		for (i = 0; i < n && !in; i++)
			in = list[i] == gid;
	free(list);
	return in;
}

/*
 * Would the kernel let the caller read the file st (its mode bits, as
 * default_permissions checks them)? The daemon's own user reads as itself,
 * and root reads anything.
 */
int fs_caller_may_read(const struct stat *st)
{
	return fs_caller_may(st, R_OK);
}

/* The same for the bits of want (R_OK, X_OK: a folder to list and
 * enter): all of them, of the one class (owner, group, other) the
 * caller is in. */
int fs_caller_may(const struct stat *st, int want)
{
	const struct fuse_context *c = fuse_get_context();
	mode_t o =
		((want & R_OK) ? S_IROTH : 0) | ((want & X_OK) ? S_IXOTH : 0);
	mode_t m = st->st_mode;

	if (c->uid == 0 || c->uid == geteuid())
		return 1;
	if (c->uid == st->st_uid)
		return ((m >> 6) & o) == o;
	/* membership matters only when the group and other bits differ */
	if (((m >> 3) & o) != (m & o) && caller_in_group(c, st->st_gid))
		return ((m >> 3) & o) == o;
	return (m & o) == o;
}

/*
 * --sniff-mz reads a file's first two bytes to tell, and their answer
 * shows as a profile's name: it is not asked on behalf of a caller who may
 * not read the file. For such a caller only the name decides.
 */
int fs_is_binary(struct fs *fs, const char *rel, const struct stat *st)
{
	return svc_is_binary(fs->cfg->names, fs->tree, rel, st,
			     fs_caller_may_read(st));
}

/*
 * rel as a profile: the shown format whose suffix it ends with, and the
 * binary it names (malloc'ed in *bin, its lstat in *st). -ENOENT when
 * rel is no profile's name or names no binary.
 */
static int as_profile(struct fs *fs, const char *rel, struct stat *st,
		      char **bin, enum svc_format *fmt)
{
	size_t n = strlen(rel), slen = 0;
	char *b;
	int f;

	for (f = 0; f < SVC_FORMATS; f++) {
		slen = strlen(fs_suffix[f]);
		if (fs_shown(fs, (enum svc_format)f) && n > slen &&
		    strcmp(rel + n - slen, fs_suffix[f]) == 0)
			break;
	}
	if (f == SVC_FORMATS)
		return -ENOENT;
	b = strndup(rel, n - slen);
	if (!b)
		return -ENOMEM;
	if (fs_lstat(fs, b, st) != 0 || !fs_is_binary(fs, b, st)) {
		free(b);
		return -ENOENT;
	}
	*fmt = (enum svc_format)f;
	*bin = b;
	return 0;
}

int fs_ntfs3g_file(struct fs *fs, const char *rel, struct stat *st)
{
	char target[64];
	uint32_t tag;

	if (!S_ISLNK(st->st_mode) ||
	    tree_readlink(fs->tree, rel, target, sizeof(target)) != 0 ||
	    strlen(target) >= sizeof(target) - 1 ||
	    tree_ntfs3g_tag(target, &tag) != 0)
		return 0;
	st->st_mode = S_IFREG | 0444;
	st->st_nlink = st->st_nlink ? st->st_nlink : 1;
	return 1;
}

int fs_lstat(struct fs *fs, const char *rel, struct stat *st)
{
	int err = tree_lstat(fs->tree, rel, st);

	if (!err)
		fs_ntfs3g_file(fs, rel, st);
	return err;
}

int fs_summary_attr(struct fs *fs, struct stat *st)
{
	int rc = tree_lstat(fs->tree, "", st);

	/* the root's owner and read bits: whoever may list the view's root
	 * may read its summary, which tells it only of what it may read */
	if (!rc)
		fs_profile_attr(st, 0);
	return rc;
}

/*
 * What a path of the view names (rel: the source path it shows): a source
 * folder (*bin NULL, its lstat in *st), or a profile as fs_resolve() says.
 * A folder wins over a profile of its name; nothing else is in the view.
 */
static int view_resolve(struct fs *fs, const char *rel, struct stat *st,
			char **bin, enum svc_format *fmt)
{
	int err;

	*bin = NULL;
	/* the view's own file wins over a source entry of its name (which
	 * a hostile source would name so to hide it) */
	if (!strcmp(rel, SVC_SUMMARY_NAME))
		return fs_summary_attr(fs, st);
	err = fs_lstat(fs, rel, st);
	if (err == 0 && S_ISDIR(st->st_mode))
		return 0;
	if (err && err != -ENOENT)
		return err;
	return as_profile(fs, rel, st, bin, fmt);
}

/* A real file wins over a profile of its name. A path in the view is
 * view_resolve()'s. */
int fs_resolve(struct fs *fs, const char *path, struct stat *st, char **bin,
	       enum svc_format *fmt)
{
	const char *rel = fs_rel(path);
	int err;

	*bin = NULL;
	if (fs_in_view(fs, path, &rel))
		return view_resolve(fs, rel, st, bin, fmt);
	err = fs_lstat(fs, rel, st);
	if (err != -ENOENT)
		return err;
	return as_profile(fs, rel, st, bin, fmt);
}

/*
 * The attributes of a profile, made from its binary's lstat in *st: the
 * binary's times, owner, group and read bits (never a write or exec bit).
 * A profile tells what its binary holds (hashes, version strings, exports),
 * so whoever may not read the binary may not read its profile: with
 * allow_other the mount has default_permissions, and the kernel refuses
 * the profile to exactly the callers it refuses the binary, before an open
 * reaches the daemon.
 */
void fs_profile_attr(struct stat *st, size_t size)
{
	st->st_mode = S_IFREG | (st->st_mode & 0444);
	st->st_nlink = 1;
	st->st_size = (off_t)size;
	st->st_blocks = (blkcnt_t)((size + 511) / 512);
	st->st_rdev = 0;
}

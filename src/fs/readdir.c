/*
 * Listing a folder: the source's entries with a profile beside each
 * binary (unless a real file has its name), or in the view the folders
 * and the profiles alone.
 */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>

#include "profilefs/summary.h"
#include "fs_i.h"

/* what a readdir fills an entry with */
struct filling {
	struct fs *fs;
	void *buf;
	fuse_fill_dir_t fill;
	const char *dir; /* the folder's mount path ("/", "/a") */
	const char *rel; /* its source path ("" for the root) */
	int plus;	 /* readdirplus: a source entry's whole attributes */
};

/* the mount path of name in f's folder, in out (NAME_MAX + PATH_MAX) */
static const char *entry_path(const struct filling *f, const char *name,
			      char *out, size_t len)
{
	snprintf(out, len, "%s%s%s", f->dir, f->dir[1] ? "/" : "", name);
	return out;
}

static int fill_one(const struct filling *f, const char *name,
		    const struct stat *st, int profile)
{
	char path[PATH_MAX + NAME_MAX + 2];

	/* a profile's attributes come by lookup (getattr), never by
	 * readdirplus: the kernel does not take a readdirplus entry's size
	 * for an inode it already holds, so kcache could not know the size
	 * it has */
	if (!f->plus || profile)
		return f->fill(f->buf, name, st, 0, 0);
	if (S_ISREG(st->st_mode))
		kcache_plus(f->fs->kc, entry_path(f, name, path, sizeof(path)),
			    (uint64_t)st->st_size);
	return f->fill(f->buf, name, st, 0, FUSE_FILL_DIR_PLUS);
}

/* A folder as readdir without plus shows it: its type alone */
static int fill_folder(const struct filling *fl, const char *name)
{
	struct stat st;

	memset(&st, 0, sizeof(st));
	st.st_mode = S_IFDIR;
	return fl->fill(fl->buf, name, &st, 0, 0);
}

/* The view's summary, at the root of the view: a regular file */
static int fill_summary(const struct filling *fl)
{
	struct stat st;

	memset(&st, 0, sizeof(st));
	st.st_mode = S_IFREG;
	return fl->fill(fl->buf, SVC_SUMMARY_NAME, &st, 0, 0);
}

/* profile name md (NAME_MAX + 1) of binary name in format f; -1 when it
 * would not fit NAME_MAX */
static int profile_name(const char *name, int f, char *md)
{
	size_t nlen = strlen(name);

	if (nlen + strlen(fs_suffix[f]) > NAME_MAX)
		return -1;
	memcpy(md, name, nlen);
	strcpy(md + nlen, fs_suffix[f]);
	return 0;
}

/* An entry of a source folder (lstat st): itself, then its profiles when
 * it is a binary and no real file has their names. 1 when buf is full. */
static int fill_entry(void *arg, const char *name, const struct stat *st)
{
	const struct filling *fl = arg;
	struct fs *fs = fl->fs;
	char md[NAME_MAX + 1], rel[PATH_MAX];
	struct stat real, pst = *st, shown = *st;
	int f, checked = 0;

	if (fs_is_view_name(fs, fl->dir, name))
		return 0;
	/* an ntfs-3g link for a file it cannot read: the file */
	if (S_ISLNK(st->st_mode) &&
	    fs_join(fl->rel, name, rel, sizeof(rel)) == 0 &&
	    fs_ntfs3g_file(fs, rel, &shown)) {
		st = &shown;
		pst = shown;
	}
	if (!fl->plus) {
		memset(&pst, 0, sizeof(pst));
		pst.st_mode = st->st_mode & S_IFMT;
	}
	if (fill_one(fl, name, &pst, 0))
		return 1;
	for (f = 0; f < SVC_FORMATS; f++) {
		if (!fs_shown(fs, (enum svc_format)f) ||
		    profile_name(name, f, md) ||
		    fs_join(fl->rel, md, rel, sizeof(rel)))
			continue;
		/* a real x.md (x.json) hides the profile */
		if (tree_lstat(fs->tree, rel, &real) == 0)
			continue;
		if (!checked) {
			if (fs_join(fl->rel, name, rel, sizeof(rel)) ||
			    !fs_is_binary(fs, rel, st))
				return 0;
			pst = *st;
			fs_profile_attr(&pst, 0);
			checked = 1;
		}
		if (fill_one(fl, md, &pst, 1))
			return 1;
	}
	return 0;
}

/* An entry of a folder of the view: a folder as itself, a binary as its
 * profiles, queued for the background pool when the caller may read it;
 * nothing else. 1 when buf is full. */
static int view_entry(void *arg, const char *name, const struct stat *st)
{
	const struct filling *fl = arg;
	struct fs *fs = fl->fs;
	char md[NAME_MAX + 1], child[PATH_MAX], rel[PATH_MAX];
	struct stat real, pst, shown = *st;
	int f;

	/* the view's summary wins over a source entry of its name */
	if (!*fl->rel && !strcmp(name, SVC_SUMMARY_NAME))
		return 0;
	if (S_ISDIR(st->st_mode))
		return fill_folder(fl, name);
	if (S_ISLNK(st->st_mode) &&
	    fs_join(fl->rel, name, child, sizeof(child)) == 0 &&
	    fs_ntfs3g_file(fs, child, &shown))
		st = &shown;
	if (S_ISLNK(st->st_mode) ||
	    fs_join(fl->rel, name, child, sizeof(child)) ||
	    !fs_is_binary(fs, child, st))
		return 0;
	if (fs_caller_may_read(st))
		svc_prefetch(fs->pv, child);
	pst = *st;
	fs_profile_attr(&pst, 0);
	for (f = 0; f < SVC_FORMATS; f++) {
		if (!fs_shown(fs, (enum svc_format)f) ||
		    profile_name(name, f, md) ||
		    fs_join(fl->rel, md, rel, sizeof(rel)))
			continue;
		/* a folder of the profile's name wins (view_resolve); the
		 * summary wins over both */
		if (!*fl->rel && !strcmp(md, SVC_SUMMARY_NAME))
			continue;
		if (tree_lstat(fs->tree, rel, &real) == 0 &&
		    S_ISDIR(real.st_mode))
			continue;
		if (fl->fill(fl->buf, md, &pst, 0, 0))
			return 1;
	}
	return 0;
}

int fs_op_readdir(const char *path, void *buf, fuse_fill_dir_t fill, off_t off,
		  struct fuse_file_info *fi, enum fuse_readdir_flags flags)
{
	struct fs *fs = fs_get();
	const char *rel = fs_rel(path);
	struct filling fl = {
		fs, buf, fill, path, rel, fs->kc && (flags & FUSE_READDIR_PLUS)
	};
	int view, rc;

	(void)off;
	(void)fi;
	view = fs_in_view(fs, path, &rel);
	fl.rel = rel;
	/* "." and ".." are folders; ".." of the root is not the source's
	 * to stat */
	if (fill_folder(&fl, ".") || fill_folder(&fl, ".."))
		return 0;
	if (view && !*rel && fill_summary(&fl))
		return 0;
	rc = tree_list(fs->tree, rel, view ? view_entry : fill_entry, &fl);
	return rc > 0 ? 0 : rc;
}

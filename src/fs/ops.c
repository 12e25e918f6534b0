/*
 * The FUSE operations. Each one maps the mounted path to what it names
 * and hands off: a source entry is passed through (never followed out of
 * the root, never written), a profile goes to the service. Nothing here
 * computes a profile except reading one.
 *
 *   mounted path          what it is
 *   /a/b/x.dll            the source file a/b/x.dll, byte for byte
 *   /a/b/x.dll.md         the profile of a/b/x.dll (when x.dll is a binary
 *                         and no real a/b/x.dll.md exists: real files win)
 *   /a/b/x.dll.json       its JSON profile, by the same rules, when the
 *                         mount shows JSON (--formats=md:json)
 *
 * A profile's size is exact once it is cached. Before that, stat says 0
 * and the file is opened with direct I/O, so readers read to the end
 * whatever the size said (cat, grep, cp, wc -c and tail -c treat a 0 size
 * as "read to find out"); the first read computes it.
 *
 * The view (--view=NAME, ".profiles" by default) at the root holds every
 * folder of the source and only the profiles, exact in size:
 *   /NAME/a/b             the source folder a/b
 *   /NAME/a/b/x.dll.md    the profile of a/b/x.dll (a real x.dll.md does
 *                         not hide it here: no source file is shown)
 * Its stat computes a profile not yet cached (tar, rsync and mmap trust
 * the size), its files are opened through the page cache, and listing one
 * of its folders queues the folder's binaries for the service's
 * background pool. The root's listing does not show it (as ZFS's
 * snapdir=hidden does not show .zfs): ls -R, find and du of the mount
 * keep computing nothing, and never see each profile twice; it is there
 * for whoever names it. A source entry named NAME at the root is hidden
 * (neither listed nor reached): --view picks another name.
 */
#define FUSE_USE_VERSION 312
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <fuse.h>
#include <limits.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/statvfs.h>
#include <sys/xattr.h>
#include <unistd.h>

#include "profilefs/fs.h"
#include "profilefs/util.h"
#include "fs_i.h"

#define FS_STATS_XATTR "user.profilefs.stats"

/* a profile's name is its binary's and the suffix of its format */
static const char *const fs_suffix[SVC_FORMATS] = {
	[SVC_MD] = ".md",
	[SVC_JSON] = ".json",
};

/* Is format f shown? Markdown alone when nothing was said. */
static int shown(const struct fs *fs, enum svc_format f)
{
	unsigned set = fs->cfg->formats ? fs->cfg->formats : FS_FORMAT(SVC_MD);

	return !!(set & FS_FORMAT(f));
}

/* an open file: a source descriptor, or a profile read from memory */
struct fh {
	struct fh *prev, *next; /* in fs->fh_list */
	int fd;			/* -1 for a profile */
	char *bin;		/* the binary's relative path, for a profile */
	enum svc_format fmt;	/* the profile's */
	pthread_mutex_t lock;
	int loaded;
	int rc;
	const struct svc_text *text; /* the profile's bytes, once loaded */
	/* --kernel-cache: opened direct with a size the kernel may not
	 * have; once the bytes are made, it is told to ask again */
	int tell;
};

static struct fs *fs_get(void)
{
	return fuse_get_context()->private_data;
}

static const char *rel_of(const char *path)
{
	while (*path == '/')
		path++;
	return *path ? path : ".";
}

/* Is path in the view? *rel is then the source path it shows ("." for
 * the view's own root). */
static int in_view(const struct fs *fs, const char *path, const char **rel)
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
	*rel = rel_of(path + n);
	return 1;
}

/* Is name, in the folder at path, the view's name (so the source's entry
 * of that name, which the view hides, is not listed)? */
static int is_view_name(const struct fs *fs, const char *dir, const char *name)
{
	return fs->cfg->view && !strcmp(rel_of(dir), ".") &&
	       !strcmp(name, fs->cfg->view);
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
static int caller_may_read(const struct stat *st)
{
	const struct fuse_context *c = fuse_get_context();

	if (c->uid == 0 || c->uid == geteuid())
		return 1;
	if (c->uid == st->st_uid)
		return !!(st->st_mode & S_IRUSR);
	/* membership matters only when the group and other bits differ */
	if (!(st->st_mode & S_IRGRP) != !(st->st_mode & S_IROTH) &&
	    caller_in_group(c, st->st_gid))
		return !!(st->st_mode & S_IRGRP);
	return !!(st->st_mode & S_IROTH);
}

/*
 * Is the entry name (lstat st, below dfd) a binary, for this caller?
 * --sniff-mz reads a file's first two bytes to tell, and their answer
 * shows as a profile's name: it is not asked on behalf of a caller who may
 * not read the file. For such a caller only the name decides.
 */
static int is_binary(struct fs *fs, int dfd, const char *name,
		     const struct stat *st)
{
	return svc_is_binary(fs->cfg->names, dfd, name, st,
			     caller_may_read(st));
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
		if (shown(fs, (enum svc_format)f) && n > slen &&
		    strcmp(rel + n - slen, fs_suffix[f]) == 0)
			break;
	}
	if (f == SVC_FORMATS)
		return -ENOENT;
	b = strndup(rel, n - slen);
	if (!b)
		return -ENOMEM;
	if (util_lstat_beneath(fs->rootfd, b, st) < 0 ||
	    !is_binary(fs, fs->rootfd, b, st)) {
		free(b);
		return -ENOENT;
	}
	*fmt = (enum svc_format)f;
	*bin = b;
	return 0;
}

/*
 * What a path of the view names (rel: the source path it shows): a source
 * folder (*bin NULL, its lstat in *st), or a profile as resolve() says. A
 * folder wins over a profile of its name; nothing else is in the view.
 */
static int view_resolve(struct fs *fs, const char *rel, struct stat *st,
			char **bin, enum svc_format *fmt)
{
	int err;

	*bin = NULL;
	err = util_lstat_beneath(fs->rootfd, rel, st);
	if (err == 0 && S_ISDIR(st->st_mode))
		return 0;
	if (err && err != -ENOENT)
		return err;
	return as_profile(fs, rel, st, bin, fmt);
}

/*
 * What a mounted path names. Returns 0 with *bin NULL for a source entry
 * (lstat in *st), 0 with *bin set (malloc'ed) for a profile in *fmt (*st
 * is the binary's lstat), or -errno. A real file wins over a profile of
 * its name. A path in the view is view_resolve()'s.
 */
static int resolve(struct fs *fs, const char *path, struct stat *st, char **bin,
		   enum svc_format *fmt)
{
	const char *rel = rel_of(path);
	int err;

	*bin = NULL;
	if (in_view(fs, path, &rel))
		return view_resolve(fs, rel, st, bin, fmt);
	err = util_lstat_beneath(fs->rootfd, rel, st);
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
static void profile_attr(struct stat *st, size_t size)
{
	st->st_mode = S_IFREG | (st->st_mode & 0444);
	st->st_nlink = 1;
	st->st_size = (off_t)size;
	st->st_blocks = (blkcnt_t)((size + 511) / 512);
	st->st_rdev = 0;
}

/*
 * The exact size of a profile of the view, computed when it must be:
 * -EINTR when the caller went (or the daemon ends), -EAGAIN when too many
 * wait for computations. A profile that cannot be made says 0 (its read
 * then says why, as in the overlay).
 */
static int view_size(struct fs *fs, const char *bin, enum svc_format fmt,
		     uint64_t *size)
{
	const struct svc_text *t;
	int rc = svc_text_get(fs->pv, bin, fmt, 1, &t);

	*size = 0;
	if (rc == -EINTR || rc == -EAGAIN)
		return rc;
	if (rc == 0) {
		*size = t->len;
		svc_text_put(fs->pv, t);
	}
	return 0;
}

static int op_getattr(const char *path, struct stat *st,
		      struct fuse_file_info *fi)
{
	struct fs *fs = fs_get();
	struct fh *h = fi ? (struct fh *)(uintptr_t)fi->fh : NULL;
	enum svc_format fmt = SVC_MD;
	uint64_t size = 0;
	const char *rel;
	char *bin;
	int rc;

	if (h && h->fd >= 0) {
		if (fstat(h->fd, st) < 0)
			return -errno;
		kcache_told(fs->kc, path, (uint64_t)st->st_size);
		return 0;
	}
	rc = resolve(fs, path, st, &bin, &fmt);
	if (!rc && !bin && S_ISREG(st->st_mode))
		kcache_told(fs->kc, path, (uint64_t)st->st_size);
	if (rc || !bin)
		return rc;
	/* an open profile has its bytes; a cached one an exact size (which
	 * this never computes, and seldom renders) */
	if (h) {
		pthread_mutex_lock(&h->lock);
		if (h->text)
			size = h->text->len;
		pthread_mutex_unlock(&h->lock);
	}
	if (!size && svc_profile_size(fs->pv, bin, fmt, &size))
		size = 0;
	if (!size && in_view(fs, path, &rel) && caller_may_read(st)) {
		/* the view's sizes are exact: computed now, by the rules of
		 * a read. Only for whoever may read the binary: a size tells
		 * something of its content */
		rc = view_size(fs, bin, fmt, &size);
		if (rc) {
			free(bin);
			return rc;
		}
	}
	profile_attr(st, (size_t)size);
	kcache_told(fs->kc, path, size);
	free(bin);
	return 0;
}

static int op_readlink(const char *path, char *buf, size_t size)
{
	const char *rel;
	ssize_t n;
	int fd, err;

	if (size == 0)
		return -EINVAL;
	/* the view holds folders and profiles: no link */
	if (in_view(fs_get(), path, &rel))
		return -EINVAL;
	fd = util_path_beneath(fs_get()->rootfd, rel_of(path));
	if (fd < 0)
		return -errno;
	n = readlinkat(fd, "", buf, size - 1);
	err = errno;
	close(fd);
	if (n < 0)
		/* "" names the fd's own file: ENOENT means not a link */
		return err == ENOENT ? -EINVAL : -err;
	buf[n] = '\0';
	return 0;
}

/* what a readdir fills an entry with */
struct filling {
	void *buf;
	fuse_fill_dir_t fill;
	const char *dir; /* the folder's mount path ("/", "/a") */
	int plus;	 /* readdirplus: a source entry's whole attributes */
};

/* the mount path of name in f's folder, in out (NAME_MAX + PATH_MAX) */
static const char *entry_path(const struct filling *f, const char *name,
			      char *out, size_t len)
{
	snprintf(out, len, "%s%s%s", f->dir, f->dir[1] ? "/" : "", name);
	return out;
}

static int fill_one(struct fs *fs, const struct filling *f, const char *name,
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
		kcache_plus(fs->kc, entry_path(f, name, path, sizeof(path)),
			    (uint64_t)st->st_size);
	return f->fill(f->buf, name, st, 0, FUSE_FILL_DIR_PLUS);
}

static int fill_entry(struct fs *fs, int dfd, const char *name,
		      unsigned char type, const struct filling *fl)
{
	struct stat st, real;
	char md[NAME_MAX + 1];
	size_t nlen = strlen(name);
	int f, checked = 0;

	memset(&st, 0, sizeof(st));
	/* "." and ".." are folders; ".." of the root is not the source's to
	 * stat */
	if (!strcmp(name, ".") || !strcmp(name, "..")) {
		st.st_mode = S_IFDIR;
		return fl->fill(fl->buf, name, &st, 0, 0);
	}
	st.st_mode = DTTOIF(type);
	if ((type == DT_UNKNOWN || fl->plus) &&
	    util_lstat_beneath(dfd, name, &st) < 0)
		return 0; /* gone since readdir: leave it out */
	if (fill_one(fs, fl, name, &st, 0))
		return 1;
	for (f = 0; f < SVC_FORMATS; f++) {
		if (!shown(fs, (enum svc_format)f))
			continue;
		/* a profile name must fit NAME_MAX; a real x.md (x.json)
		 * hides the profile */
		if (nlen + strlen(fs_suffix[f]) > NAME_MAX)
			continue;
		memcpy(md, name, nlen);
		strcpy(md + nlen, fs_suffix[f]);
		if (util_lstat_beneath(dfd, md, &real) == 0)
			continue;
		/* the profile's owner and mode are the binary's (and
		 * is_binary() wants them): d_type alone is not enough */
		if (!checked) {
			if (type != DT_UNKNOWN && !fl->plus &&
			    util_lstat_beneath(dfd, name, &st) < 0)
				return 0;
			if (!is_binary(fs, dfd, name, &st))
				return 0;
			profile_attr(&st, 0);
			checked = 1;
		}
		if (fill_one(fs, fl, md, &st, 1))
			return 1;
	}
	return 0;
}

/* An entry of a folder of the view (rel: the folder's source path): a
 * folder as itself, a binary as its profiles, queued for the background
 * pool when the caller may read it; nothing else. 1 when buf is full. */
static int view_entry(struct fs *fs, int dfd, const char *rel, const char *name,
		      unsigned char type, const struct filling *fl)
{
	struct stat st, real;
	char md[NAME_MAX + 1], child[PATH_MAX];
	size_t nlen = strlen(name);
	int f;

	memset(&st, 0, sizeof(st));
	if (!strcmp(name, ".") || !strcmp(name, "..") || type == DT_DIR) {
		st.st_mode = S_IFDIR;
		return fl->fill(fl->buf, name, &st, 0, 0);
	}
	if (type == DT_LNK || util_lstat_beneath(dfd, name, &st) < 0)
		return 0;
	if (S_ISDIR(st.st_mode)) {
		st.st_mode = S_IFDIR;
		return fl->fill(fl->buf, name, &st, 0, 0);
	}
	if (!is_binary(fs, dfd, name, &st))
		return 0;
	if (caller_may_read(&st) &&
	    snprintf(child, sizeof(child), "%s%s%s",
		     strcmp(rel, ".") ? rel : "", strcmp(rel, ".") ? "/" : "",
		     name) < (int)sizeof(child))
		svc_prefetch(fs->pv, child);
	profile_attr(&st, 0);
	for (f = 0; f < SVC_FORMATS; f++) {
		if (!shown(fs, (enum svc_format)f) ||
		    nlen + strlen(fs_suffix[f]) > NAME_MAX)
			continue;
		memcpy(md, name, nlen);
		strcpy(md + nlen, fs_suffix[f]);
		/* a folder of the profile's name wins (view_resolve) */
		if (util_lstat_beneath(dfd, md, &real) == 0 &&
		    S_ISDIR(real.st_mode))
			continue;
		if (fl->fill(fl->buf, md, &st, 0, 0))
			return 1;
	}
	return 0;
}

static int op_readdir(const char *path, void *buf, fuse_fill_dir_t fill,
		      off_t off, struct fuse_file_info *fi,
		      enum fuse_readdir_flags flags)
{
	struct fs *fs = fs_get();
	const char *rel = rel_of(path);
	struct filling fl = { buf, fill, path,
			      fs->kc && (flags & FUSE_READDIR_PLUS) };
	struct dirent *de;
	DIR *dir;
	int dfd, view, rc = 0;

	(void)off;
	(void)fi;
	view = in_view(fs, path, &rel);
	dfd = util_open_beneath(fs->rootfd, rel,
				O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dfd < 0)
		return -errno;
	dir = fdopendir(dfd);
	if (!dir) {
		rc = -errno;
		close(dfd);
		return rc;
	}
	errno = 0;
	while ((de = readdir(dir)) != NULL) {
		if (view ? view_entry(fs, dirfd(dir), rel, de->d_name,
				      de->d_type, &fl)
			 : !is_view_name(fs, path, de->d_name) &&
				    fill_entry(fs, dirfd(dir), de->d_name,
					       de->d_type, &fl))
			break;
		errno = 0;
	}
	if (errno)
		rc = -errno;
	closedir(dir);
	return rc;
}

static struct fh *fh_new(struct fs *fs, int fd, char *bin, enum svc_format fmt)
{
	struct fh *h = calloc(1, sizeof(*h));

	if (!h)
		return NULL;
	h->fd = fd;
	h->bin = bin;
	h->fmt = fmt;
	pthread_mutex_init(&h->lock, NULL);
	pthread_mutex_lock(&fs->fh_lock);
	h->next = fs->fh_list;
	if (h->next)
		h->next->prev = h;
	fs->fh_list = h;
	pthread_mutex_unlock(&fs->fh_lock);
	return h;
}

static void fh_free(struct fs *fs, struct fh *h)
{
	if (!h)
		return;
	svc_text_put(fs->pv, h->text);
	pthread_mutex_lock(&fs->fh_lock);
	if (h->prev)
		h->prev->next = h->next;
	else
		fs->fh_list = h->next;
	if (h->next)
		h->next->prev = h->prev;
	pthread_mutex_unlock(&fs->fh_lock);
	if (h->fd >= 0)
		close(h->fd);
	pthread_mutex_destroy(&h->lock);
	free(h->bin);
	free(h);
}

static int open_source(struct fs *fs, const char *rel, int *fd)
{
	int flags = O_RDONLY | O_CLOEXEC | O_NOCTTY;

	*fd = util_open_noatime(fs->rootfd, rel, flags);
	return *fd < 0 ? -errno : 0;
}

/*
 * --kernel-cache at an open: the page cache is used when the kernel's size
 * of path is what a read gives now, and its pages from before are kept
 * when they are of the same bytes (kcache.c): a profile by its render
 * key, a source file by its identity (device, inode, size, mtime, ctime:
 * a file rewritten with its mtime put back has a new ctime, so its pages
 * go; auto_cache would keep them).
 */
static void kernel_cached(struct fs *fs, const char *path,
			  const struct stat *st, const char *bin,
			  enum svc_format fmt, struct fuse_file_info *fi,
			  struct fh *h)
{
	uint8_t key[32];
	uint64_t size;
	int page_cache, keep;

	if (bin) {
		if (svc_profile_key(fs->pv, bin, fmt, key, &size)) {
			/* not cached: as without. Only a direct read may tell
			 * the kernel to ask the size again: a read through the
			 * page cache holds the very pages the kernel would
			 * drop (the view's size of a non-regular file) */
			h->tell = fi->direct_io;
			return;
		}
		kcache_open(fs->kc, path, size, key, &page_cache, &keep);
		fi->direct_io = !page_cache;
		fi->keep_cache = keep;
		h->tell = !page_cache;
	} else {
		/* a source file is never read direct (mmap would fail): a
		 * size the kernel holds that is too small is asked again by
		 * the kernel when a read goes past it, one too large ends at
		 * the short read */
		int64_t id[5] = { (int64_t)st->st_dev, (int64_t)st->st_ino,
				  (int64_t)st->st_size,
				  (int64_t)st->st_mtim.tv_sec * 1000000000 +
					  st->st_mtim.tv_nsec,
				  (int64_t)st->st_ctim.tv_sec * 1000000000 +
					  st->st_ctim.tv_nsec };

		if (dg_sha256(id, sizeof(id), key))
			return;
		fi->keep_cache = kcache_keep(fs->kc, path, key);
	}
}

static int op_open(const char *path, struct fuse_file_info *fi)
{
	struct fs *fs = fs_get();
	struct stat st;
	enum svc_format fmt = SVC_MD;
	const char *vrel;
	uint64_t size;
	struct fh *h;
	char *bin;
	int fd = -1, rc;

	if ((fi->flags & O_ACCMODE) != O_RDONLY ||
	    (fi->flags & (O_TRUNC | O_APPEND | O_CREAT)))
		return -EROFS;
	rc = resolve(fs, path, &st, &bin, &fmt);
	if (rc)
		return rc;
	if (!bin && in_view(fs, path, &vrel))
		return -EISDIR; /* the view's folders are not opened */
	if (!bin) {
		rc = open_source(fs, rel_of(path), &fd);
		if (rc)
			return rc;
	}
	h = fh_new(fs, fd, bin, fmt);
	if (!h) {
		if (fd >= 0)
			close(fd);
		free(bin);
		return -ENOMEM;
	}
	/* size unknown until computed: read to the end regardless. In the
	 * view stat said the exact size, and the page cache serves mmap;
	 * a profile that could not be made (size 0) reads as its error */
	if (bin)
		fi->direct_io = !in_view(fs, path, &vrel) ||
				svc_profile_size(fs->pv, bin, fmt, &size) != 0;
	fi->keep_cache = 0;
	if (fs->kc)
		kernel_cached(fs, path, &st, bin, fmt, fi, h);
	fi->fh = (uint64_t)(uintptr_t)h;
	return 0;
}

static int profile_load(struct fs *fs, struct fh *h)
{
	const struct svc_text *t = NULL;
	int rc;

	pthread_mutex_lock(&h->lock);
	rc = h->loaded ? h->rc : 1;
	pthread_mutex_unlock(&h->lock);
	if (rc != 1)
		return rc;
	/* made without the handle's lock: a second read on this handle joins
	 * the same computation in the service and leaves it on its own
	 * interrupt, instead of waiting on a lock no signal ends */
	rc = svc_text_get(fs->pv, h->bin, h->fmt, 1, &t);
	if (rc == -EINTR || rc == -EAGAIN)
		/* the reader went (or the daemon ends), or too many wait for
		 * computations: a later read tries again */
		return rc;
	if (rc) {
		log_warn("no profile for %s: %s", h->bin, strerror(-rc));
		/* the format's word for "cannot be read" */
		if (rc != -ENOMEM)
			rc = -EIO;
	}
	pthread_mutex_lock(&h->lock);
	if (!h->loaded) {
		h->text = t;
		h->rc = rc;
		h->loaded = 1;
		t = NULL;
	}
	rc = h->rc;
	pthread_mutex_unlock(&h->lock);
	if (t)
		svc_text_put(fs->pv, t);
	return rc;
}

static int op_read(const char *path, char *buf, size_t size, off_t off,
		   struct fuse_file_info *fi)
{
	struct fh *h = (struct fh *)(uintptr_t)fi->fh;
	ssize_t n;
	int rc, tell;

	if (off < 0)
		return -EINVAL;
	if (h->fd >= 0) {
		n = pread(h->fd, buf, size, off);
		return n < 0 ? -errno : (int)n;
	}
	atomic_fetch_add(&fs_get()->profile_reads, 1);
	rc = profile_load(fs_get(), h);
	if (rc)
		return rc;
	pthread_mutex_lock(&h->lock);
	tell = h->tell;
	h->tell = 0;
	pthread_mutex_unlock(&h->lock);
	if (tell && path) {
		/* the kernel holds the size it was told before the profile
		 * was made (0): it forgets it and asks again. No page of this
		 * inode is locked by this read (it is direct). */
		fuse_invalidate_path(fuse_get_context()->fuse, path);
	}
	if ((uint64_t)off >= h->text->len)
		return 0;
	if (size > h->text->len - (size_t)off)
		size = h->text->len - (size_t)off;
	memcpy(buf, h->text->md + off, size);
	return (int)size;
}

static int op_release(const char *path, struct fuse_file_info *fi)
{
	(void)path;
	fh_free(fs_get(), (struct fh *)(uintptr_t)fi->fh);
	return 0;
}

void fs_close_all(struct fs *fs)
{
	while (fs->fh_list)
		fh_free(fs, fs->fh_list);
}

static int op_statfs(const char *path, struct statvfs *sv)
{
	(void)path;
	return fstatvfs(fs_get()->rootfd, sv) < 0 ? -errno : 0;
}

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

/*
 * The source entry of path for the *xattr calls, which have no fd form
 * for a symlink or an O_PATH fd: an fd resolved below the root (*fd, to
 * close) and its /proc/self/fd path. Not the source's own path, which
 * the kernel would resolve again, following whatever replaced a folder.
 */
static int source_xattr_path(struct fs *fs, const char *path, int *fd,
			     char *out, size_t size)
{
	const char *rel = rel_of(path);
	int rc;

	/* a folder of the view: the source's */
	in_view(fs, path, &rel);
	*fd = util_path_beneath(fs->rootfd, rel);
	if (*fd < 0)
		return -errno;
	rc = util_fd_path(*fd, out, size);
	if (rc) {
		close(*fd);
		*fd = -1;
	}
	return rc;
}

static int op_getxattr(const char *path, const char *name, char *value,
		       size_t size)
{
	struct fs *fs = fs_get();
	char full[64];
	enum svc_format fmt;
	struct stat st;
	char *bin;
	ssize_t n;
	int fd, rc;

	if (strcmp(path, "/") == 0 && strcmp(name, FS_STATS_XATTR) == 0)
		return stats_text(fs, value, size);
	rc = resolve(fs, path, &st, &bin, &fmt);
	if (rc)
		return rc;
	if (bin) {
		free(bin);
		return -ENODATA;
	}
	rc = source_xattr_path(fs, path, &fd, full, sizeof(full));
	if (rc)
		return rc;
	/* getxattr, not lgetxattr: the /proc link leads to the entry, a
	 * symlink entry included, and no further */
	n = getxattr(full, name, value, size);
	rc = n < 0 ? -errno : (int)n;
	close(fd);
	return rc;
}

static int op_listxattr(const char *path, char *list, size_t size)
{
	struct fs *fs = fs_get();
	char full[64];
	struct stat st;
	enum svc_format fmt;
	size_t extra = 0;
	char *bin;
	ssize_t n;
	int fd, rc;

	rc = resolve(fs, path, &st, &bin, &fmt);
	if (rc)
		return rc;
	if (bin) {
		free(bin);
		return 0;
	}
	rc = source_xattr_path(fs, path, &fd, full, sizeof(full));
	if (rc)
		return rc;
	if (strcmp(path, "/") == 0)
		extra = sizeof(FS_STATS_XATTR);
	n = listxattr(full, list, size);
	rc = -errno;
	close(fd);
	if (n < 0)
		return rc;
	if (size == 0)
		return (int)(n + (ssize_t)extra);
	if ((size_t)n + extra > size)
		return -ERANGE;
	memcpy(list + n, FS_STATS_XATTR, extra);
	return (int)(n + (ssize_t)extra);
}

/* ---- every write fails: the mount is read-only ---------------------- */

static int ro_path(const char *path)
{
	(void)path;
	return -EROFS;
}

static int ro_mknod(const char *path, mode_t mode, dev_t dev)
{
	(void)mode;
	(void)dev;
	return ro_path(path);
}

static int ro_mkdir(const char *path, mode_t mode)
{
	(void)mode;
	return ro_path(path);
}

static int ro_link(const char *from, const char *to)
{
	(void)to;
	return ro_path(from);
}

static int ro_rename(const char *from, const char *to, unsigned int flags)
{
	(void)to;
	(void)flags;
	return ro_path(from);
}

static int ro_chmod(const char *path, mode_t mode, struct fuse_file_info *fi)
{
	(void)mode;
	(void)fi;
	return ro_path(path);
}

static int ro_chown(const char *path, uid_t uid, gid_t gid,
		    struct fuse_file_info *fi)
{
	(void)uid;
	(void)gid;
	(void)fi;
	return ro_path(path);
}

static int ro_truncate(const char *path, off_t size, struct fuse_file_info *fi)
{
	(void)size;
	(void)fi;
	return ro_path(path);
}

static int ro_write(const char *path, const char *buf, size_t size, off_t off,
		    struct fuse_file_info *fi)
{
	(void)buf;
	(void)size;
	(void)off;
	(void)fi;
	return ro_path(path);
}

static int ro_create(const char *path, mode_t mode, struct fuse_file_info *fi)
{
	(void)mode;
	(void)fi;
	return ro_path(path);
}

static int ro_utimens(const char *path, const struct timespec tv[2],
		      struct fuse_file_info *fi)
{
	(void)tv;
	(void)fi;
	return ro_path(path);
}

static int ro_setxattr(const char *path, const char *name, const char *value,
		       size_t size, int flags)
{
	(void)name;
	(void)value;
	(void)size;
	(void)flags;
	return ro_path(path);
}

static int ro_removexattr(const char *path, const char *name)
{
	(void)name;
	return ro_path(path);
}

static int ro_fallocate(const char *path, int mode, off_t off, off_t len,
			struct fuse_file_info *fi)
{
	(void)mode;
	(void)off;
	(void)len;
	(void)fi;
	return ro_path(path);
}

/* ---- the table of contents ------------------------------------------- */

static void *op_init(struct fuse_conn_info *conn, struct fuse_config *cfg)
{
	(void)conn;
	/* our own inode numbers: profiles have none on disk */
	cfg->use_ino = 0;
	/* a profile's size changes when it is first computed: without
	 * --kernel-cache the kernel asks each time; with it, it keeps the
	 * size it was told for that long, and an open reads direct while
	 * that size is not the profile's (kernel_cached) */
	cfg->attr_timeout = fs_get()->kc ? fs_get()->cfg->kernel_cache : 0;
	cfg->entry_timeout = fs_get()->kc ? fs_get()->cfg->kernel_cache : 1;
	cfg->negative_timeout = 0;
	/* no auto_cache: it keeps a source file's pages while its mtime and
	 * size stay, and a file rewritten in place with its mtime put back
	 * would be read as its old bytes; each open reads anew */
	cfg->auto_cache = 0;
	return fs_get();
}

static const struct fuse_operations fs_ops = {
	.init = op_init,
	.getattr = op_getattr,
	.readlink = op_readlink,
	.readdir = op_readdir,
	.open = op_open,
	.read = op_read,
	.release = op_release,
	.statfs = op_statfs,
	.getxattr = op_getxattr,
	.listxattr = op_listxattr,
	.mknod = ro_mknod,
	.mkdir = ro_mkdir,
	.unlink = ro_path,
	.rmdir = ro_path,
	.symlink = ro_link,
	.rename = ro_rename,
	.link = ro_link,
	.chmod = ro_chmod,
	.chown = ro_chown,
	.truncate = ro_truncate,
	.write = ro_write,
	.create = ro_create,
	.utimens = ro_utimens,
	.setxattr = ro_setxattr,
	.removexattr = ro_removexattr,
	.fallocate = ro_fallocate,
};

const struct fuse_operations *fs_operations(void)
{
	return &fs_ops;
}

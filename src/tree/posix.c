/*
 * posix: a folder of the running system as a tree. Every path is resolved
 * below the root's descriptor by util_open_beneath() and its kin (no
 * symlink followed at any component, no ".." out), files are read with
 * pread without touching their access time where we may, and the
 * extended attributes of an entry are reached through /proc/self/fd of a
 * descriptor resolved the same way, never by the path again.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/statvfs.h>
#include <sys/xattr.h>
#include <unistd.h>

#include "profilefs/util.h"
#include "profilefs/volume.h"
#include "tree_i.h"

struct posix_tree {
	struct tree t;
	int rootfd;
	struct tree_vols *vols;
};

struct posix_file {
	struct tree_file f;
	int fd;
	int own; /* closed with the file (not tree_file_posix_fd()'s) */
};

static struct posix_tree *posix_of(struct tree *t)
{
	return (struct posix_tree *)t;
}

/* tree.h's "" (and a leading '/') as the util_*_beneath() calls take it */
static const char *beneath(const char *rel)
{
	while (*rel == '/')
		rel++;
	return *rel ? rel : ".";
}

static void posix_close(struct tree *t)
{
	struct posix_tree *p = posix_of(t);

	close(p->rootfd);
	tree_vols_free(p->vols);
	free(p);
}

static int posix_lstat(struct tree *t, const char *rel, struct stat *st)
{
	return util_lstat_beneath(posix_of(t)->rootfd, beneath(rel), st);
}

static int posix_readlink(struct tree *t, const char *rel, char *buf,
			  size_t size)
{
	ssize_t n;
	int fd, err;

	if (size == 0)
		return -EINVAL;
	fd = util_path_beneath(posix_of(t)->rootfd, beneath(rel));
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

static int posix_list(struct tree *t, const char *rel, tree_entry_fn fn,
		      void *arg)
{
	struct dirent *de;
	struct stat st;
	DIR *dir;
	int fd, rc = 0;

	fd = util_open_beneath(posix_of(t)->rootfd, beneath(rel),
			       O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	dir = fdopendir(fd);
	if (!dir) {
		rc = -errno;
		close(fd);
		return rc;
	}
	errno = 0;
	while ((de = readdir(dir)) != NULL) {
		if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, ".."))
			continue;
		/* gone since readdir (or not ours to stat): left out */
		if (util_lstat_beneath(dirfd(dir), de->d_name, &st) == 0) {
			rc = fn(arg, de->d_name, &st);
			if (rc)
				break;
		}
		errno = 0;
	}
	if (!rc && errno)
		rc = -errno;
	closedir(dir);
	return rc;
}

static int posix_statvfs(struct tree *t, struct statvfs *sv)
{
	return fstatvfs(posix_of(t)->rootfd, sv) < 0 ? -errno : 0;
}

/* ---- a regular file's bytes ------------------------------------------ */

static const struct tree_ops posix_ops;

static int posix_file_open(struct tree *t, const char *rel,
			   struct tree_file **out, struct stat *st)
{
	/* O_NONBLOCK: a FIFO put where a file was cannot hang the open */
	int flags = O_RDONLY | O_NONBLOCK | O_CLOEXEC | O_NOCTTY;
	struct posix_file *f;
	int fd, rc;

	/* evidence: do not touch atime where we are allowed not to */
	fd = util_open_noatime(posix_of(t)->rootfd, beneath(rel), flags);
	if (fd < 0)
		return -errno;
	rc = fstat(fd, st) < 0 ? -errno : 0;
	if (!rc && !S_ISREG(st->st_mode))
		rc = -EINVAL;
	f = rc ? NULL : malloc(sizeof(*f));
	if (!rc && !f)
		rc = -ENOMEM;
	if (rc) {
		close(fd);
		return rc;
	}
	f->f.ops = &posix_ops;
	f->f.tree = t;
	f->fd = fd;
	f->own = 1;
	*out = &f->f;
	return 0;
}

static ssize_t posix_pread(struct tree_file *f, void *buf, size_t n,
			   uint64_t off)
{
	ssize_t got;

	if (off > INT64_MAX)
		return 0;
	got = pread(((struct posix_file *)f)->fd, buf, n, (off_t)off);
	return got < 0 ? -errno : got;
}

static int posix_fstat(struct tree_file *f, struct stat *st)
{
	return fstat(((struct posix_file *)f)->fd, st) < 0 ? -errno : 0;
}

static int posix_file_fd(const struct tree_file *f)
{
	return ((const struct posix_file *)f)->fd;
}

static void posix_file_close(struct tree_file *f)
{
	struct posix_file *p = (struct posix_file *)f;

	if (p->own)
		close(p->fd);
	free(p);
}

/* ---- extended attributes and named streams ---------------------------- */

/*
 * The entry rel for the *xattr calls, which have no fd form for a symlink
 * or an O_PATH fd: an fd resolved below the root (*fd, to close) and its
 * /proc/self/fd path. Not the source's own path, which the kernel would
 * resolve again, following whatever replaced a folder.
 */
static int xattr_path(struct tree *t, const char *rel, int *fd, char *out,
		      size_t size)
{
	int rc;

	*fd = util_path_beneath(posix_of(t)->rootfd, beneath(rel));
	if (*fd < 0)
		return -errno;
	rc = util_fd_path(*fd, out, size);
	if (rc)
		close(*fd);
	return rc;
}

static ssize_t posix_getxattr(struct tree *t, const char *rel, const char *name,
			      void *buf, size_t size)
{
	char full[64];
	ssize_t n;
	int fd, rc;

	rc = xattr_path(t, rel, &fd, full, sizeof(full));
	if (rc)
		return rc;
	/* getxattr, not lgetxattr: the /proc link leads to the entry, a
	 * symlink entry included, and no further */
	n = getxattr(full, name, buf, size);
	if (n < 0)
		n = -errno;
	close(fd);
	return n;
}

static ssize_t posix_listxattr(struct tree *t, const char *rel, char *buf,
			       size_t size)
{
	char full[64];
	ssize_t n;
	int fd, rc;

	rc = xattr_path(t, rel, &fd, full, sizeof(full));
	if (rc)
		return rc;
	n = listxattr(full, buf, size);
	if (n < 0)
		n = -errno;
	close(fd);
	return n;
}

/* A folder of this system has no named streams: the entry's existence
 * is all there is to check. */
static int posix_streams(struct tree *t, const char *rel,
			 struct tree_stream **out, size_t *n)
{
	struct stat st;
	int rc = posix_lstat(t, rel, &st);

	if (rc)
		return rc;
	*out = NULL;
	*n = 0;
	return 0;
}

static ssize_t posix_stream_read(struct tree *t, const char *rel,
				 const char *name, void *buf, size_t size)
{
	struct stat st;
	int rc = posix_lstat(t, rel, &st);

	(void)name;
	(void)buf;
	(void)size;
	return rc ? rc : -ENOENT;
}

/* ---- what the file system says beyond stat ----------------------------- */

static int posix_facts(struct tree *t, const char *rel, struct tree_facts *out)
{
	struct tree_facts facts;
	struct stat st;
	int rc = posix_lstat(t, rel, &st);

	if (rc)
		return rc;
	memset(&facts, 0, sizeof(facts));
	/* A POSIX folder knows none of them, but an ntfs-3g mount shows a
	 * reparse point it cannot read as a symlink to "unsupported reparse
	 * tag 0x...": that is a file Windows sees, and why it is not read.
	 * A target that fills the buffer may have been cut: not that text. */
	if (S_ISLNK(st.st_mode)) {
		char target[64];

		rc = posix_readlink(t, rel, target, sizeof(target));
		if (rc == 0 && strlen(target) < sizeof(target) - 1 &&
		    tree_ntfs3g_facts(target, &facts) != 0)
			memset(&facts, 0, sizeof(facts));
		if (rc == -EINVAL)
			rc = 0; /* replaced since its lstat: no link now */
		if (rc)
			return rc;
	}
	*out = facts;
	return 0;
}

/* ---- the volume -------------------------------------------------------- */

static uint64_t posix_volume_id(struct tree *t, dev_t dev)
{
	return tree_vols_id(posix_of(t)->vols, dev);
}

static int posix_volume_describe(struct tree *t, dev_t dev, char *desc,
				 size_t n)
{
	return tree_vols_describe(posix_of(t)->vols, dev, desc, n);
}

static const struct tree_ops posix_ops = {
	.close = posix_close,
	.lstat = posix_lstat,
	.readlink = posix_readlink,
	.list = posix_list,
	.statvfs = posix_statvfs,
	.file_open = posix_file_open,
	.pread = posix_pread,
	.fstat = posix_fstat,
	.file_fd = posix_file_fd,
	.file_close = posix_file_close,
	.getxattr = posix_getxattr,
	.listxattr = posix_listxattr,
	.streams = posix_streams,
	.stream_read = posix_stream_read,
	.facts = posix_facts,
	.volume_id = posix_volume_id,
	.volume_describe = posix_volume_describe,
};

int tree_file_posix_fd(int fd, struct tree_file **out)
{
	struct posix_file *f = calloc(1, sizeof(*f));

	if (!f)
		return -ENOMEM;
	f->f.ops = &posix_ops;
	f->fd = fd;
	*out = &f->f;
	return 0;
}

int tree_open_posix(const char *dir, const struct tree_opts *o,
		    struct tree **out)
{
	struct posix_tree *p = calloc(1, sizeof(*p));
	int rc;

	if (!p)
		return -ENOMEM;
	rc = tree_vols_new(o ? o->volume_name : NULL, &p->vols);
	if (rc) {
		free(p);
		return rc;
	}
	p->rootfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (p->rootfd < 0) {
		rc = -errno;
		tree_vols_free(p->vols);
		free(p);
		return rc;
	}
	p->t.ops = &posix_ops;
	p->t.kind = "posix";
	*out = &p->t;
	return 0;
}

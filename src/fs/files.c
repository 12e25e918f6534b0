/*
 * Open files: a source file read through its tree, or a profile read
 * from the service's memory. A profile's bytes are made at its first
 * read (or were, when it is cached) and held by the handle until its
 * release.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>

#include "profilefs/digest.h"
#include "fs_i.h"

/* an open file: a source file, or a profile read from memory */
struct fh {
	struct fh *prev, *next; /* in fs->fh_list */
	struct tree_file *file; /* NULL for a profile */
	char *bin;		/* the binary's relative path, for a profile */
	struct stat st;		/* the binary's lstat at the open */
	enum svc_format fmt;	/* the profile's */
	pthread_mutex_t lock;
	int loaded;
	int rc;
	const struct svc_text *text; /* the profile's bytes, once loaded */
	char *own; /* the view's summary: its bytes, made at the open */
	size_t own_len;
	/* --kernel-cache: opened direct with a size the kernel may not
	 * have; once the bytes are made, it is told to ask again */
	int tell;
};

static struct fh *fh_new(struct fs *fs, struct tree_file *file, char *bin,
			 const struct stat *st, enum svc_format fmt)
{
	struct fh *h = calloc(1, sizeof(*h));

	if (!h)
		return NULL;
	h->file = file;
	h->bin = bin;
	h->st = *st;
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
	tree_file_close(h->file);
	pthread_mutex_destroy(&h->lock);
	free(h->own);
	free(h->bin);
	free(h);
}

uint64_t fs_fh_size(struct fh *h)
{
	uint64_t size = 0;

	pthread_mutex_lock(&h->lock);
	if (h->text)
		size = h->text->len;
	pthread_mutex_unlock(&h->lock);
	return size;
}

struct tree_file *fs_fh_file(struct fh *h)
{
	return h->file;
}

void fs_close_all(struct fs *fs)
{
	while (fs->fh_list)
		fh_free(fs, fs->fh_list);
}

/* --kernel-cache at the open of a profile: see kernel_cached() */
static void kernel_cached_profile(struct fs *fs, const char *path,
				  struct fuse_file_info *fi, struct fh *h)
{
	uint8_t key[32];
	uint64_t size;
	int page_cache, keep;

	if (svc_profile_key_at(fs->pv, h->bin, &h->st, h->fmt, key, &size)) {
		/* not cached: as without. Only a direct read may tell the
		 * kernel to ask the size again: a read through the page
		 * cache holds the very pages the kernel would drop (the
		 * view's size of a non-regular file) */
		h->tell = fi->direct_io;
		return;
	}
	kcache_open(fs->kc, path, size, key, &page_cache, &keep);
	fi->direct_io = !page_cache;
	fi->keep_cache = keep;
	h->tell = !page_cache;
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
			  const struct stat *st, struct fuse_file_info *fi,
			  struct fh *h)
{
	/* a source file is never read direct (mmap would fail): a size the
	 * kernel holds that is too large ends at the short read, and one
	 * too small is dropped (below) */
	int64_t id[5] = {
		(int64_t)st->st_dev, (int64_t)st->st_ino, (int64_t)st->st_size,
		(int64_t)st->st_mtim.tv_sec * 1000000000 + st->st_mtim.tv_nsec,
		(int64_t)st->st_ctim.tv_sec * 1000000000 + st->st_ctim.tv_nsec
	};
	uint8_t key[32];

	if (h->bin) {
		kernel_cached_profile(fs, path, fi, h);
		return;
	}
	/* the kernel cuts a read through the page cache at the size it
	 * holds, and asks again only once that has timed out: a size it
	 * holds that is not the file's now is dropped here, at the open */
	if (kcache_size_stale(fs->kc, path, (uint64_t)st->st_size))
		fuse_invalidate_path(fuse_get_context()->fuse, path);
	if (dg_sha256(id, sizeof(id), key))
		return;
	fi->keep_cache = kcache_keep(fs->kc, path, key);
}

/* The view's summary, made now for this caller: read direct, its size
 * being 0 until then (fs/summary.c) */
static int summary_open(struct fs *fs, struct fuse_file_info *fi)
{
	struct stat st;
	struct fh *h;
	char *text;
	size_t len;
	int rc = fs_summary_attr(fs, &st);

	if (!rc)
		rc = fs_summary_make(fs, &text, &len);
	if (rc)
		return rc;
	h = fh_new(fs, NULL, NULL, &st, SVC_MD);
	if (!h) {
		free(text);
		return -ENOMEM;
	}
	h->own = text;
	h->own_len = len;
	fi->direct_io = 1;
	fi->keep_cache = 0;
	fi->fh = (uint64_t)(uintptr_t)h;
	return 0;
}

int fs_op_open(const char *path, struct fuse_file_info *fi)
{
	struct fs *fs = fs_get();
	struct tree_file *file = NULL;
	enum svc_format fmt = SVC_MD;
	struct stat st;
	const char *vrel;
	uint64_t size;
	struct fh *h;
	char *bin;
	int rc;

	if ((fi->flags & O_ACCMODE) != O_RDONLY ||
	    (fi->flags & (O_TRUNC | O_APPEND | O_CREAT)))
		return -EROFS;
	if (fs_is_summary(fs, path))
		return summary_open(fs, fi);
	rc = fs_resolve(fs, path, &st, &bin, &fmt);
	if (rc)
		return rc;
	if (!bin && fs_in_view(fs, path, &vrel))
		return -EISDIR; /* the view's folders are not opened */
	if (!bin) {
		/* the open file's own stat: the identity of its bytes */
		rc = tree_file_open(fs->tree, fs_rel(path), &file, &st);
		/* ntfs-3g's link for a file it cannot read: shown as the
		 * file (fs_ntfs3g_file), whose bytes cannot be read */
		if (rc && tree_lstat(fs->tree, fs_rel(path), &st) == 0 &&
		    fs_ntfs3g_file(fs, fs_rel(path), &st))
			rc = -EIO;
		if (rc)
			return rc;
	}
	h = fh_new(fs, file, bin, &st, fmt);
	if (!h) {
		tree_file_close(file);
		free(bin);
		return -ENOMEM;
	}
	/* size unknown until computed (or a hint): read to the end
	 * regardless. In the view (and with --stat-computes) stat said the
	 * exact size, and the page cache serves mmap; a profile that could
	 * not be made (size 0) reads as its error */
	if (bin)
		fi->direct_io =
			!(fs_in_view(fs, path, &vrel) ||
			  fs->cfg->stat_computes) ||
			svc_profile_size_at(fs->pv, bin, &st, fmt, &size) != 0;
	fi->keep_cache = 0;
	if (fs->kc)
		kernel_cached(fs, path, &st, fi, h);
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
	rc = svc_text_get_at(fs->pv, h->bin, &h->st, h->fmt, 1, &t);
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

/*
 * The whole request from a source file, or an error: the kernel takes a
 * short read for the end of the file, so a read that fails part way (a
 * damaged compressed stream) fails whole, never handing on the bytes
 * before the failure as if they were all there is.
 */
static int source_read(struct tree_file *f, char *buf, size_t size,
		       uint64_t off)
{
	size_t done = 0;
	ssize_t n;

	while (done < size) {
		n = tree_pread(f, buf + done, size - done, off + done);
		if (n < 0)
			return (int)n;
		if (n == 0)
			break;
		done += (size_t)n;
	}
	return (int)done;
}

/* the asked range of len bytes at text */
static int copy_out(const char *text, size_t len, char *buf, size_t size,
		    off_t off)
{
	if ((uint64_t)off >= len)
		return 0;
	if (size > len - (size_t)off)
		size = len - (size_t)off;
	memcpy(buf, text + off, size);
	return (int)size;
}

int fs_op_read(const char *path, char *buf, size_t size, off_t off,
	       struct fuse_file_info *fi)
{
	struct fh *h = (struct fh *)(uintptr_t)fi->fh;
	int rc, tell;

	if (off < 0)
		return -EINVAL;
	if (h->file)
		return source_read(h->file, buf, size, (uint64_t)off);
	if (h->own)
		return copy_out(h->own, h->own_len, buf, size, off);
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
	return copy_out(h->text->md, h->text->len, buf, size, off);
}

int fs_op_release(const char *path, struct fuse_file_info *fi)
{
	(void)path;
	fh_free(fs_get(), (struct fh *)(uintptr_t)fi->fh);
	return 0;
}

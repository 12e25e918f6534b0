/* Private to the fs module: the mount's state and its operations table. */
#ifndef PROFILEFS_FS_I_H
#define PROFILEFS_FS_I_H

#ifndef FUSE_USE_VERSION
#define FUSE_USE_VERSION 312
#endif
#include <fuse.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>

#include "profilefs/fs.h"
#include "profilefs/service.h"
#include "profilefs/tree.h"

struct fh;

struct fs {
	const struct fs_config *cfg;
	struct tree *tree; /* the source */
	struct svc *pv;
	struct cache *cache;
	/* open files: a release that has not come by unmount is freed then */
	pthread_mutex_t fh_lock;
	struct fh *fh_list;
	/* what the kernel holds (--kernel-cache); NULL: its caches off */
	struct kcache *kc;
	/* reads of a profile's bytes served (the stats' profile_reads) */
	atomic_ullong profile_reads;
};

/* kcache.c: the size the kernel was told of each path, and the key of
 * the bytes its page cache holds for it */
struct kcache;
int kcache_new(struct kcache **out);
void kcache_free(struct kcache *k);
/* the kernel was told size (getattr) */
void kcache_told(struct kcache *k, const char *path, uint64_t size);
/* At an open of a source file of size bytes now: may the kernel hold
 * another size for path (then it is told to ask again)? It is recorded
 * as told size. */
int kcache_size_stale(struct kcache *k, const char *path, uint64_t size);
/* a readdirplus entry of size, which the kernel may not take */
void kcache_plus(struct kcache *k, const char *path, uint64_t size);
/* At an open of a source file whose bytes are those of key (its
 * identity), which always reads through the page cache: may the kernel
 * keep its pages from before? */
int kcache_keep(struct kcache *k, const char *path, const uint8_t key[32]);
/* At an open of path whose bytes are now size bytes made of key (NULL:
 * none known): *page_cache when the kernel's size is that size (else the
 * open reads direct), *keep when its pages from before are of key. */
void kcache_open(struct kcache *k, const char *path, uint64_t size,
		 const uint8_t key[32], int *page_cache, int *keep);

/* Frees the open files left at unmount. */
void fs_close_all(struct fs *fs);

const struct fuse_operations *fs_operations(void);

/* ---- resolve.c: what a mounted path names ------------------------------ */

/* a profile's name is its binary's and the suffix of its format */
extern const char *const fs_suffix[SVC_FORMATS];

/* the mount's state, from the FUSE context of the request */
struct fs *fs_get(void);
/* Is format f shown? */
int fs_shown(const struct fs *fs, enum svc_format f);
/* the source path of a mounted path: no leading '/', "" for the root */
const char *fs_rel(const char *path);
/* Is path in the view? *rel is then the source path it shows */
int fs_in_view(const struct fs *fs, const char *path, const char **rel);
/* Is name, in the folder at dir, the view's name (hidden at the root)? */
int fs_is_view_name(const struct fs *fs, const char *dir, const char *name);
/* Would the kernel let the caller read the file st? */
int fs_caller_may_read(const struct stat *st);
/* ... do to st what want asks (R_OK, X_OK, both)? */
int fs_caller_may(const struct stat *st, int want);
/* Is the source entry rel (lstat st) a binary, for this caller? */
int fs_is_binary(struct fs *fs, const char *rel, const struct stat *st);
/*
 * Over an ntfs-3g mount, a file it cannot read (a WOF-compressed file, a
 * deduplicated one...) is a symlink to "unsupported reparse tag 0x...";
 * Windows sees a regular file. 1 when rel of lstat *st is such a link,
 * and *st then says a regular file (0444, the link's size); 0 else.
 */
int fs_ntfs3g_file(struct fs *fs, const char *rel, struct stat *st);
/* tree_lstat(), and fs_ntfs3g_file()'s regular file for such a link */
int fs_lstat(struct fs *fs, const char *rel, struct stat *st);
/*
 * What a mounted path names: 0 with *bin NULL for a source entry (lstat
 * in *st), 0 with *bin set (malloc'ed) for a profile in *fmt (*st is the
 * binary's lstat), or -errno.
 */
int fs_resolve(struct fs *fs, const char *path, struct stat *st, char **bin,
	       enum svc_format *fmt);
/* The attributes of a profile of size bytes, from its binary's lstat */
void fs_profile_attr(struct stat *st, size_t size);
/* dir/name (dir "." for the root) into out; -ENAMETOOLONG */
int fs_join(const char *dir, const char *name, char *out, size_t n);

/* ---- summary.c: the view's SUMMARY.md ----------------------------------- */

/* Is path the view's SUMMARY.md? */
int fs_is_summary(const struct fs *fs, const char *path);
/* its attributes (resolve.c): a regular file of size 0, the root's owner
 * and read bits */
int fs_summary_attr(struct fs *fs, struct stat *st);
/* its text for the caller (malloc'ed) */
int fs_summary_make(struct fs *fs, char **out, size_t *len);

/* ---- the operations, by concern ---------------------------------------- */

/* source.c: the source's entries as they are */
int fs_op_getattr(const char *path, struct stat *st, struct fuse_file_info *fi);
int fs_op_readlink(const char *path, char *buf, size_t size);
int fs_op_statfs(const char *path, struct statvfs *sv);
/* readdir.c */
int fs_op_readdir(const char *path, void *buf, fuse_fill_dir_t fill, off_t off,
		  struct fuse_file_info *fi, enum fuse_readdir_flags flags);
/* files.c: open files, a source file's bytes or a profile's */
int fs_op_open(const char *path, struct fuse_file_info *fi);
int fs_op_read(const char *path, char *buf, size_t size, off_t off,
	       struct fuse_file_info *fi);
int fs_op_release(const char *path, struct fuse_file_info *fi);
/* the open profile's size, 0 when its bytes are not made yet */
uint64_t fs_fh_size(struct fh *h);
/* the source file an open handle reads, or NULL (a profile) */
struct tree_file *fs_fh_file(struct fh *h);
/* xattr.c */
int fs_op_getxattr(const char *path, const char *name, char *value,
		   size_t size);
int fs_op_listxattr(const char *path, char *list, size_t size);

#endif

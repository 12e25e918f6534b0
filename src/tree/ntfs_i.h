/*
 * ntfs_i.h: the NTFS tree's private parts, shared by its files, each of
 * which calls only those below it: ntfs.c (the ops table, entries,
 * opening), ntfs_file.c (bytes, streams, facts), ntfs_path.c (paths,
 * stat), ntfs_link.c (links), ntfs_node.c (a record's helpers),
 * ntfs_dev.c (the device).
 *
 * libntfs-3g is not thread-safe: every call into it is made with the
 * tree's lock held, and nothing it returns outlives the lock unless it is
 * an inode or attribute only the holder of an open file touches (under
 * the lock too).
 */
#ifndef PROFILEFS_TREE_NTFS_I_H
#define PROFILEFS_TREE_NTFS_I_H

/* what libntfs-3g's headers use without including it */
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <time.h>

#include <ntfs-3g/attrib.h>
#include <ntfs-3g/dir.h>
#include <ntfs-3g/index.h>
#include <ntfs-3g/inode.h>
#include <ntfs-3g/layout.h>
#include <ntfs-3g/logfile.h>
#include <ntfs-3g/ntfstime.h>
#include <ntfs-3g/security.h>
#include <ntfs-3g/unistr.h>
#include <ntfs-3g/volume.h>

#include <pthread.h>

#include "tree_i.h"

/* reparse tags read as links; the bytes of a reparse point read at most
 * (Windows caps them at 16 KiB) */
#define NT_TAG_SYMLINK	   0xa000000cu
#define NT_TAG_MOUNT_POINT 0xa0000003u
#define NT_REPARSE_MAX	   (16u << 10)

/* the device's own: the image or device and the partition's bounds */
struct nt_devp {
	int fd;
	uint64_t base, size;
	int64_t pos;
};
/* ntfs_dev.c: reads at base, never past base + size; writes fail */
extern struct ntfs_device_operations nt_dev_ops;

struct ntfs_tree {
	struct tree base;
	pthread_mutex_t lock; /* around every libntfs-3g call */
	ntfs_volume *vol;
	struct ntfs_device *dev;
	int fd;
	dev_t st_dev;
	uint64_t serial; /* the boot sector's volume serial number */
	uint64_t id;	 /* tree_volume_id() */
	char desc[80];	 /* tree_volume_describe() */
	int have_free;	 /* free clusters were counted (statvfs) */
};

/* what a path resolves to; closed with nt_found_close() */
struct nt_found {
	ntfs_inode *ni;
	uint64_t parent; /* the parent folder's record (0 for the root) */
	ntfschar *uname; /* the last component, as looked up (or NULL) */
	int ulen;
};

static inline struct ntfs_tree *nt_of(struct tree *t)
{
	return (struct ntfs_tree *)t;
}

/* the NTFS volume of size bytes at offset of the image or device path
 * (open.c chose them) */
int tree_open_ntfs(const char *path, uint64_t offset, uint64_t size,
		   const struct tree_opts *o, struct tree **out);

/* ntfs_node.c, ntfs_link.c and ntfs_path.c: with the lock held */

/* ntfs_node.c: -errno for a libntfs-3g failure: its errno when it is one
 * a caller should see, else -EIO */
int nt_errno(void);
int nt_is_dir(ntfs_inode *ni);
/* the reparse tag of ni (0: none); its data (malloc'ed, *len bytes) when
 * data is not NULL */
uint32_t nt_reparse(ntfs_inode *ni, uint8_t **data, size_t *len);
/* an NTFS time as Unix time: ntfs2timespec()'s, a time so far before
 * 1601 that its subtraction would overflow taken as the earliest it can
 * convert */
struct timespec nt_time(ntfs_time t);

/* ntfs_link.c: the target of ni if it is a link, into buf (size bytes):
 * its length, -EINVAL for what is no link, -ENAMETOOLONG, -ENOMEM */
int nt_link(ntfs_inode *ni, char *buf, size_t size);

/* ntfs_path.c */
int nt_resolve(struct ntfs_tree *nt, const char *rel, struct nt_found *f);
void nt_found_close(struct nt_found *f);
int nt_stat(struct ntfs_tree *nt, ntfs_inode *ni, struct stat *st);

/* ntfs_file.c: the ops on bytes, streams and facts */
int nt_file_open(struct tree *t, const char *rel, struct tree_file **out,
		 struct stat *st);
ssize_t nt_pread(struct tree_file *f, void *buf, size_t n, uint64_t off);
int nt_fstat(struct tree_file *f, struct stat *st);
void nt_file_close(struct tree_file *f);
int nt_streams(struct tree *t, const char *rel, struct tree_stream **out,
	       size_t *n);
ssize_t nt_stream_read(struct tree *t, const char *rel, const char *name,
		       void *buf, size_t size);
int nt_facts(struct tree *t, const char *rel, struct tree_facts *out);

#endif

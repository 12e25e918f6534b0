/*
 * tree: the source, read-only. Every access to the files profilefs shows
 * goes through this interface: listing a folder, the attributes of an
 * entry, a link's target, a regular file's bytes at an offset, its
 * extended attributes and named streams, what the file system says of a
 * file beyond stat, and the volume's identity.
 *
 * Two implementations:
 * - posix.c: a folder of the running system, resolved below its root as
 *   util_open_beneath() does (no symlink followed, no ".." out);
 * - ntfs.c: an NTFS volume read in-process (an image file, a block
 *   device, or a partition of a whole-disk image), never written.
 *
 * Paths are relative to the source root, '/'-separated, without a leading
 * '/'; "" is the root itself. No call follows a symlink (or, on NTFS, a
 * reparse point that is a link): such an entry is reported as S_IFLNK.
 *
 * Thread safety: every call may be made from any thread at once.
 * Errors: 0 (or a count) or -errno, never a positive errno.
 */
#ifndef PROFILEFS_TREE_H
#define PROFILEFS_TREE_H

#include <stddef.h>
#include <stdint.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <sys/types.h>
#include <time.h>

struct tree;
struct tree_file;

/* ---- opening a source ------------------------------------------------- */

struct tree_opts {
	/* a whole-disk image's partition, 1-based (0: the only NTFS one,
	 * or the image is a bare volume) */
	unsigned partition;
	/* the user's --volume-id, or NULL: the volume's own identity */
	const char *volume_name;
};

/*
 * The source at path: a folder is a POSIX tree; a regular file or block
 * device holding an NTFS volume (bare, or a partition of an MBR or GPT
 * disk) is an NTFS tree. A message for the user (why it cannot be used:
 * "not a folder nor an NTFS volume", the list of partitions when the
 * choice is ambiguous) is written to err (n bytes) when it fails.
 */
int tree_open(const char *path, const struct tree_opts *o, struct tree **out,
	      char *err, size_t n);
int tree_open_posix(const char *dir, const struct tree_opts *o,
		    struct tree **out);
void tree_close(struct tree *t);
/* A file of no tree: the caller's descriptor fd of a regular file, read
 * with pread, left open by tree_file_close() (bytes that are no
 * source's: the tests, the fuzzers, the benchmarks). -ENOMEM. */
int tree_file_posix_fd(int fd, struct tree_file **out);

/* "posix" or "ntfs": for the log, the stats and the tests */
const char *tree_kind(const struct tree *t);

/* A line the user should read about the source (a hibernated or
 * uncleanly shut down NTFS volume read as it is), or NULL. */
const char *tree_warning(const struct tree *t);

/* ---- entries ---------------------------------------------------------- */

/*
 * lstat of rel. For NTFS: st_dev is a per-tree number (tree_volume_id()
 * is what survives), st_ino the MFT record number (so every hard link of
 * one file has one identity), times from $STANDARD_INFORMATION, st_nlink
 * the number of names.
 */
int tree_lstat(struct tree *t, const char *rel, struct stat *st);

/* readlink of rel, NUL-terminated; -EINVAL for what is no link */
int tree_readlink(struct tree *t, const char *rel, char *buf, size_t size);

/*
 * Calls fn for each entry of the folder rel ("." and ".." left out) with
 * its name and lstat; fn's non-zero return ends the listing and is
 * returned. -ENOTDIR, -ENOENT.
 */
typedef int (*tree_entry_fn)(void *arg, const char *name,
			     const struct stat *st);
int tree_list(struct tree *t, const char *rel, tree_entry_fn fn, void *arg);

int tree_statvfs(struct tree *t, struct statvfs *sv);

/* ---- a regular file's bytes ------------------------------------------ */

/*
 * Opens the regular file rel to read (never follows a link, never
 * touches its access time); *st its attributes as tree_lstat() gives
 * them. -EINVAL for what is not a regular file. -EIO (with
 * tree_facts()'s unreadable saying why) for one whose bytes cannot be
 * read here (an unsupported reparse point, a damaged compressed stream).
 */
int tree_file_open(struct tree *t, const char *rel, struct tree_file **out,
		   struct stat *st);
/* Up to n bytes at off; 0 at the end; -EIO, -EINTR as pread's. Bytes of
 * a compressed file (NTFS, WOF) are the decompressed ones. */
ssize_t tree_pread(struct tree_file *f, void *buf, size_t n, uint64_t off);
/* fstat of the open file (the same file, now) */
int tree_fstat(struct tree_file *f, struct stat *st);
/* the descriptor a POSIX file reads from, or -1 (NTFS) */
int tree_file_fd(const struct tree_file *f);
void tree_file_close(struct tree_file *f);

/* ---- extended attributes and named streams ---------------------------- */

/* getxattr/listxattr of the entry rel itself (a link's own) */
ssize_t tree_getxattr(struct tree *t, const char *rel, const char *name,
		      void *buf, size_t size);
ssize_t tree_listxattr(struct tree *t, const char *rel, char *buf, size_t size);

struct tree_stream {
	char *name; /* as stored (UTF-8), e.g. "Zone.Identifier" */
	uint64_t size;
};
/*
 * The named streams (alternate data streams) of rel: *out malloc'ed,
 * each name too (tree_streams_free). A source without them (POSIX) gives
 * none.
 */
int tree_streams(struct tree *t, const char *rel, struct tree_stream **out,
		 size_t *n);
void tree_streams_free(struct tree_stream *s, size_t n);
/* The first size bytes at most of rel's stream name: the count read */
ssize_t tree_stream_read(struct tree *t, const char *rel, const char *name,
			 void *buf, size_t size);

/* ---- what the file system says beyond stat ----------------------------- */

/* which fields of struct tree_facts are known */
enum {
	TREE_HAVE_SI_TIMES = 1u << 0, /* si[] */
	TREE_HAVE_FN_TIMES = 1u << 1, /* fn[] */
	TREE_HAVE_ATTRIBUTES = 1u << 2,
	TREE_HAVE_RECORD = 1u << 3,
	TREE_HAVE_REPARSE = 1u << 4,
	TREE_HAVE_OWNER = 1u << 5,
};

/* the four NTFS times, in this order in si[] and fn[] */
enum {
	TREE_CREATED,
	TREE_MODIFIED,
	TREE_MFT_CHANGED,
	TREE_ACCESSED,
	TREE_TIMES
};

struct tree_facts {
	unsigned have;
	struct timespec si[TREE_TIMES]; /* $STANDARD_INFORMATION */
	struct timespec fn[TREE_TIMES]; /* $FILE_NAME (of the name used) */
	uint32_t attributes;		/* FILE_ATTRIBUTE_* */
	uint64_t record;		/* the MFT record number */
	uint32_t reparse_tag;		/* 0: none */
	/* how the bytes are stored, "" for plainly: "WOF-compressed (LZX)",
	 * "WOF-compressed (XPRESS4K)", "NTFS-compressed", "sparse" */
	char storage[48];
	/* why the bytes cannot be read here, "" when they can */
	char unreadable[256];
	char owner[192]; /* the owner SID, "S-1-5-…", when known */
};

/*
 * The facts of rel. A POSIX tree knows none of them (have 0), except
 * over an ntfs-3g mount, where a symlink whose target is ntfs-3g's
 * "unsupported reparse tag 0x…" text is a file Windows sees: its tag and
 * unreadable are set.
 */
int tree_facts(struct tree *t, const char *rel, struct tree_facts *out);

/*
 * ntfs-3g (ntfs3g.c). Without a plugin for it, ntfs-3g shows a file whose
 * reparse tag it does not know (WOF system compression 0x80000017, Data
 * Deduplication 0x80000013, cloud placeholders 0x9000x01A, ...) as a
 * symlink whose target is the text "unsupported reparse tag 0x%08lx"
 * (its ntfs-3g.c, ntfs_bad_reparse; 34 bytes), where Windows sees a file.
 *
 * tree_ntfs3g_tag(): 0 and *tag for such a target (exactly that text: 8
 * lowercase hex digits, nothing after), -EINVAL for any other.
 * tree_ntfs3g_facts(): the same, and *out (zeroed first) says what
 * tree_facts() says of such a link: TREE_HAVE_REPARSE, reparse_tag, and
 * unreadable: that ntfs-3g cannot read it, and to give profilefs the
 * volume itself. *out untouched on -EINVAL.
 */
int tree_ntfs3g_tag(const char *target, uint32_t *tag);
int tree_ntfs3g_facts(const char *target, struct tree_facts *out);

/* What a reparse tag is ("WOF system compression", "Data Deduplication",
 * "symbolic link", ...), NULL for a tag we do not know. */
const char *tree_reparse_tag_name(uint32_t tag);

/* ---- the volume -------------------------------------------------------- */

/*
 * The 64-bit identity of the volume a file of st_dev dev lives on, which
 * survives a remount: for POSIX what tree_vols_id() chose (uuid, dev
 * or the user's name); for NTFS the hash of "ntfs:" and the volume's
 * serial number (or the user's name). desc (n bytes) says which, for the
 * log: "uuid ntfs 1A2B…", "dev 0:53", "name NAME", "ntfs 1A2B…".
 */
uint64_t tree_volume_id(struct tree *t, dev_t dev);
int tree_volume_describe(struct tree *t, dev_t dev, char *desc, size_t n);

#endif

/*
 * tree_i.h: how an implementation of tree.h plugs in. tree.c dispatches
 * every tree_*() call through the ops table of the tree (or of the open
 * file); an implementation embeds struct tree (struct tree_file) as the
 * FIRST member of its own struct and casts back in its ops.
 *
 * Ownership: tree_close() frees t->warning, then calls ops->close, which
 * frees the implementation's state and the struct itself. file_close
 * frees the file. tree_streams_free() is common (tree.c).
 *
 * Every op has the contract of the tree.h call of the same name; tree.c
 * checks nothing for them beyond NULL-safety of the close calls.
 */
#ifndef PROFILEFS_TREE_I_H
#define PROFILEFS_TREE_I_H

#include "profilefs/tree.h"

struct tree_ops {
	void (*close)(struct tree *t);
	int (*lstat)(struct tree *t, const char *rel, struct stat *st);
	int (*readlink)(struct tree *t, const char *rel, char *buf,
			size_t size);
	int (*list)(struct tree *t, const char *rel, tree_entry_fn fn,
		    void *arg);
	int (*statvfs)(struct tree *t, struct statvfs *sv);

	int (*file_open)(struct tree *t, const char *rel,
			 struct tree_file **out, struct stat *st);
	ssize_t (*pread)(struct tree_file *f, void *buf, size_t n,
			 uint64_t off);
	int (*fstat)(struct tree_file *f, struct stat *st);
	int (*file_fd)(const struct tree_file *f);
	void (*file_close)(struct tree_file *f);

	ssize_t (*getxattr)(struct tree *t, const char *rel, const char *name,
			    void *buf, size_t size);
	ssize_t (*listxattr)(struct tree *t, const char *rel, char *buf,
			     size_t size);
	int (*streams)(struct tree *t, const char *rel,
		       struct tree_stream **out, size_t *n);
	ssize_t (*stream_read)(struct tree *t, const char *rel,
			       const char *name, void *buf, size_t size);
	int (*facts)(struct tree *t, const char *rel, struct tree_facts *out);

	uint64_t (*volume_id)(struct tree *t, dev_t dev);
	int (*volume_describe)(struct tree *t, dev_t dev, char *desc, size_t n);
};

struct tree {
	const struct tree_ops *ops;
	const char *kind; /* "posix", "ntfs": static */
	char *warning;	  /* malloc'ed or NULL; tree_close() frees it */
};

struct tree_file {
	const struct tree_ops *ops; /* the tree's, copied at open */
	struct tree *tree;	    /* the tree it was opened from */
};

#endif

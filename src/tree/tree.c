/*
 * tree: the calls of tree.h, each handed to the implementation's op
 * (tree_i.h). Nothing here knows what a tree is made of.
 */
#include <stdlib.h>

#include "tree_i.h"

void tree_close(struct tree *t)
{
	if (!t)
		return;
	free(t->warning);
	t->warning = NULL;
	t->ops->close(t);
}

const char *tree_kind(const struct tree *t)
{
	return t->kind;
}

const char *tree_warning(const struct tree *t)
{
	return t->warning;
}

int tree_lstat(struct tree *t, const char *rel, struct stat *st)
{
	return t->ops->lstat(t, rel, st);
}

int tree_readlink(struct tree *t, const char *rel, char *buf, size_t size)
{
	return t->ops->readlink(t, rel, buf, size);
}

int tree_list(struct tree *t, const char *rel, tree_entry_fn fn, void *arg)
{
	return t->ops->list(t, rel, fn, arg);
}

int tree_statvfs(struct tree *t, struct statvfs *sv)
{
	return t->ops->statvfs(t, sv);
}

int tree_file_open(struct tree *t, const char *rel, struct tree_file **out,
		   struct stat *st)
{
	return t->ops->file_open(t, rel, out, st);
}

ssize_t tree_pread(struct tree_file *f, void *buf, size_t n, uint64_t off)
{
	return f->ops->pread(f, buf, n, off);
}

int tree_fstat(struct tree_file *f, struct stat *st)
{
	return f->ops->fstat(f, st);
}

int tree_file_fd(const struct tree_file *f)
{
	return f->ops->file_fd(f);
}

void tree_file_close(struct tree_file *f)
{
	if (f)
		f->ops->file_close(f);
}

ssize_t tree_getxattr(struct tree *t, const char *rel, const char *name,
		      void *buf, size_t size)
{
	return t->ops->getxattr(t, rel, name, buf, size);
}

ssize_t tree_listxattr(struct tree *t, const char *rel, char *buf, size_t size)
{
	return t->ops->listxattr(t, rel, buf, size);
}

int tree_streams(struct tree *t, const char *rel, struct tree_stream **out,
		 size_t *n)
{
	return t->ops->streams(t, rel, out, n);
}

void tree_streams_free(struct tree_stream *s, size_t n)
{
	size_t i;

	for (i = 0; s && i < n; i++)
		free(s[i].name);
	free(s);
}

ssize_t tree_stream_read(struct tree *t, const char *rel, const char *name,
			 void *buf, size_t size)
{
	return t->ops->stream_read(t, rel, name, buf, size);
}

int tree_facts(struct tree *t, const char *rel, struct tree_facts *out)
{
	return t->ops->facts(t, rel, out);
}

uint64_t tree_volume_id(struct tree *t, dev_t dev)
{
	return t->ops->volume_id(t, dev);
}

int tree_volume_describe(struct tree *t, dev_t dev, char *desc, size_t n)
{
	return t->ops->volume_describe(t, dev, desc, n);
}

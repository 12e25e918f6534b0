/*
 * The folders of the catalogs: added by the user (--catalogs) or found in
 * the source (its CatRoot), and named in render keys.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

#include "profilefs/cache.h"
#include "profilefs/caps.h"
#include "profilefs/catalogs.h"
#include "profilefs/hash.h"
#include "profilefs/sig.h"
#include "profilefs/tree.h"
#include "profilefs/util.h"
#include "catalogs_i.h"

void svc_catalogs_describe(const struct svc_catalogs *c, struct dynbuf *b)
{
	size_t i;

	for (i = 0; c && i < c->ndirs; i++)
		db_printf(b, "catalogs %s%c", c->dirs[i].path, 0);
}

size_t svc_catalogs_count_dirs(const struct svc_catalogs *c)
{
	return c ? c->ndirs : 0;
}

int svc_catalogs_add_tree(struct svc_catalogs *c, struct tree *t,
			  const char *rel, const char *shown, int own)
{
	struct cat_dir *grown, d = { strdup(shown), t, strdup(rel), own };

	grown = d.path && d.rel
			? realloc(c->dirs, (c->ndirs + 1) * sizeof(*grown))
			: NULL;
	if (!grown) {
		free(d.path);
		free(d.rel);
		return -ENOMEM;
	}
	c->dirs = grown;
	grown[c->ndirs++] = d;
	return 0;
}

int svc_catalogs_add_dir(struct svc_catalogs *c, const char *dir)
{
	char *abs = realpath(dir, NULL);
	struct tree *t;
	int rc;

	if (!abs)
		return -errno;
	rc = tree_open_posix(abs, NULL, &t);
	if (!rc) {
		rc = svc_catalogs_add_tree(c, t, "", abs, 1);
		if (rc)
			tree_close(t);
	}
	free(abs);
	return rc;
}

/* the entry of a folder named, in any case, as a catroot part */
struct part_find {
	const char *want;
	char name[256];
};

static int part_match(void *arg, const char *name, const struct stat *st)
{
	struct part_find *p = arg;

	if (!S_ISDIR(st->st_mode) || strcasecmp(name, p->want) != 0 ||
	    strlen(name) >= sizeof(p->name))
		return 0;
	strcpy(p->name, name);
	return 1;
}

/* The catalog root in t, found case-insensitively: 0 with *rel
 * (malloc'ed), or -ENOENT. */
int svc_find_catroot(struct tree *t, char **rel)
{
	static const char *const parts[] = {
		"Windows", "System32", "CatRoot",
		"{F750E6C3-38EE-11D1-85E5-00C04FC295EE}"
	};
	struct part_find p;
	struct dynbuf b;
	size_t i, len;
	int rc = 0;

	db_init(&b, 4096);
	for (i = 0; i < sizeof(parts) / sizeof(parts[0]) && !rc; i++) {
		p.want = parts[i];
		if (tree_list(t, b.len ? b.data : "", part_match, &p) != 1)
			rc = -ENOENT;
		else
			rc = db_printf(&b, "%s%s", i ? "/" : "", p.name);
	}
	if (!rc)
		rc = db_take(&b, rel, &len);
	if (rc)
		db_free(&b);
	return rc ? -ENOENT : 0;
}

/* the catalog name of d, as its tree names it (PATH_MAX) */
static int cat_rel(const struct cat_dir *d, const char *name, char *out)
{
	int n = snprintf(out, PATH_MAX, "%s%s%s", d->rel, *d->rel ? "/" : "",
			 name);

	return n < 0 || n >= PATH_MAX ? -ENAMETOOLONG : 0;
}

int cat_open(const struct cat_dir *d, const char *name, struct sig_cat_src *src,
	     struct stat *st)
{
	struct tree_file *f;
	char rel[PATH_MAX];
	int rc = cat_rel(d, name, rel);

	if (!rc)
		rc = tree_file_open(d->tree, rel, &f, st);
	if (rc)
		return rc == -EINVAL ? -EFBIG : rc;
	if ((uint64_t)st->st_size > CAP_CATALOG_FILE) {
		tree_file_close(f);
		return -EFBIG;
	}
	src->file = f;
	src->mem = NULL;
	src->size = (uint64_t)st->st_size;
	return 0;
}

/* the folder a catalog path belongs to, or NULL */
const struct cat_dir *cat_dir_of(const struct svc_catalogs *c, const char *path)
{
	size_t i;

	for (i = 0; i < c->ndirs; i++) {
		size_t n = strlen(c->dirs[i].path);

		if (strncmp(path, c->dirs[i].path, n) == 0 && path[n] == '/' &&
		    !strchr(path + n + 1, '/'))
			return &c->dirs[i];
	}
	return NULL;
}

int cat_stale_has(char *const *v, size_t n, const char *path)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (strcmp(v[i], path) == 0)
			return 1;
	return 0;
}

/*
 * The folders of the catalogs: added by the user (--catalogs) or found in
 * the source (its CatRoot), and named in render keys.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
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

int svc_catalogs_add_dir(struct svc_catalogs *c, const char *dir)
{
	char *abs = realpath(dir, NULL);
	struct cat_dir *grown;
	int fd;

	if (!abs)
		return -errno;
	fd = open(abs, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0) {
		int err = -errno;

		free(abs);
		return err;
	}
	grown = realloc(c->dirs, (c->ndirs + 1) * sizeof(*grown));
	if (!grown) {
		close(fd);
		free(abs);
		return -ENOMEM;
	}
	c->dirs = grown;
	grown[c->ndirs].path = abs;
	grown[c->ndirs++].fd = fd;
	return 0;
}

/* The catalog root below rootfd, found case-insensitively: 0 with *rel
 * (malloc'ed), or -ENOENT. */
int svc_find_catroot(int rootfd, char **rel)
{
	static const char *const parts[] = {
		"Windows", "System32", "CatRoot",
		"{F750E6C3-38EE-11D1-85E5-00C04FC295EE}"
	};
	struct dynbuf b;
	size_t i;
	int fd = dup(rootfd), rc = 0;

	if (fd < 0)
		return -errno;
	db_init(&b, 4096);
	for (i = 0; i < sizeof(parts) / sizeof(parts[0]) && !rc; i++) {
		DIR *d = fdopendir(dup(fd));
		struct dirent *e;
		int next = -1;

		if (!d) {
			rc = -ENOENT;
			break;
		}
		while ((e = readdir(d)) != NULL) {
			if (strcasecmp(e->d_name, parts[i]) != 0)
				continue;
			next = openat(fd, e->d_name,
				      O_RDONLY | O_DIRECTORY | O_NOFOLLOW |
					      O_CLOEXEC);
			if (next >= 0) {
				db_printf(&b, "%s%s", i ? "/" : "", e->d_name);
				break;
			}
		}
		closedir(d);
		close(fd);
		fd = next;
		if (fd < 0)
			rc = -ENOENT;
	}
	if (fd >= 0)
		close(fd);
	if (!rc) {
		size_t len;

		rc = db_take(&b, rel, &len);
	}
	if (rc)
		db_free(&b);
	return rc;
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

/* whether the catalog at path must be read (again) */

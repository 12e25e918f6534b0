/*
 * Which entries are binaries: a name whose extension is in the list
 * (case-insensitive), or, with sniff_mz, a regular file that starts with
 * "MZ". Directories and symlinks never are: a directory has no bytes, and
 * a link's target has its own profile where it lives.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "profilefs/service.h"
#include "profilefs/profile.h"
#include "profilefs/tree.h"

#define NAMES_MAX_EXTS	  64
#define NAMES_MAX_EXT_LEN 15

struct svc_names {
	char exts[NAMES_MAX_EXTS][NAMES_MAX_EXT_LEN + 1];
	size_t n;
	int sniff_mz;
};

int svc_names_new(const char *exts, int sniff_mz, struct svc_names **out)
{
	struct svc_names *n = calloc(1, sizeof(*n));
	const char *p = exts;

	if (!n)
		return -ENOMEM;
	n->sniff_mz = sniff_mz;
	while (*p) {
		size_t len = strcspn(p, ",");

		if (*p == '.') {
			p++;
			len--;
		}
		if (len > NAMES_MAX_EXT_LEN || n->n >= NAMES_MAX_EXTS ||
		    memchr(p, '/', len) || memchr(p, '.', len)) {
			free(n);
			return -EINVAL;
		}
		if (len > 0) {
			memcpy(n->exts[n->n], p, len);
			n->exts[n->n++][len] = '\0';
		}
		p += len;
		if (*p == ',')
			p++;
	}
	*out = n;
	return 0;
}

void svc_names_free(struct svc_names *n)
{
	free(n);
}

static int has_ext(const struct svc_names *n, const char *name)
{
	const char *base = path_base(name);
	const char *dot = strrchr(base, '.');
	size_t i;

	if (!dot || dot == base)
		return 0;
	for (i = 0; i < n->n; i++)
		if (strcasecmp(dot + 1, n->exts[i]) == 0)
			return 1;
	return 0;
}

static int starts_with_mz(struct tree *t, const char *rel)
{
	struct tree_file *f;
	struct stat st;
	char head[2];
	int ok;

	if (tree_file_open(t, rel, &f, &st))
		return 0;
	ok = tree_pread(f, head, 2, 0) == 2 && head[0] == 'M' && head[1] == 'Z';
	tree_file_close(f);
	return ok;
}

int svc_is_binary(const struct svc_names *n, struct tree *t, const char *rel,
		  const struct stat *st, int may_read)
{
	if (S_ISDIR(st->st_mode) || S_ISLNK(st->st_mode))
		return 0;
	if (has_ext(n, rel))
		return 1;
	return n->sniff_mz && may_read && S_ISREG(st->st_mode) &&
	       starts_with_mz(t, rel);
}

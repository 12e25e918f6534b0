/*
 * `profilefs known add|list|remove`: what PATH is (an NSRL database, a
 * winbindex data folder), imported in one transaction; the sources
 * listed and removed.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "known_i.h"
#include "profilefs/util.h"

#define WB_DIR "by_filename_compressed"

/* the winbindex folder of NAME.json.gz files in path, malloc'ed; NULL */
static char *wb_folder(const char *path)
{
	static const char *const tries[] = { "/" WB_DIR, "/data/" WB_DIR };
	struct stat st;
	char *p;
	size_t i;

	for (i = 0; i < sizeof(tries) / sizeof(tries[0]); i++) {
		if (asprintf(&p, "%s%s", path, tries[i]) < 0)
			return NULL;
		if (stat(p, &st) == 0 && S_ISDIR(st.st_mode))
			return p;
		free(p);
	}
	if (!strcmp(path_base(path), WB_DIR))
		return strdup(path);
	return NULL;
}

/* an SQLite file by its first 16 bytes: 1, 0, or -errno */
static int is_sqlite(const char *path)
{
	char hdr[16];
	int fd = open(path, O_RDONLY | O_CLOEXEC), rc;

	if (fd < 0)
		return -errno;
	rc = pread(fd, hdr, sizeof(hdr), 0) == (ssize_t)sizeof(hdr) &&
	     !memcmp(hdr, "SQLite format 3", 16);
	close(fd);
	return rc;
}

static void nsrl_progress(void *ctx, uint64_t rows, const char *step)
{
	struct known_import *imp = ctx;

	if (imp->progress)
		imp->progress(imp->ctx, "nsrl", rows, step);
}

static int add_nsrl(struct cache_known_imp *m, const char *path,
		    struct known_import *imp, char **release)
{
	char why[256];
	int rc;

	imp->kind = "nsrl";
	rc = cache_known_nsrl_read(m, path, imp->stop, nsrl_progress, imp, why,
				   sizeof(why), &imp->rows, release);
	if (rc == -EPROTO) /* the sentence names the file */
		snprintf(imp->why, sizeof(imp->why), "%s: %s", path, why);
	return rc;
}

/* which data set path is, and its import begun: 0 or -errno */
static int what(const char *path, struct known_import *imp, char **wb)
{
	struct stat st;
	int rc;

	*wb = NULL;
	if (stat(path, &st) < 0)
		return -errno;
	if (S_ISDIR(st.st_mode)) {
		*wb = wb_folder(path);
		imp->kind = "winbindex";
		if (*wb)
			return 0;
		snprintf(imp->why, sizeof(imp->why),
			 "%s: not a winbindex data folder: no %s folder in "
			 "it (nor in data/)",
			 path, WB_DIR);
		return -EPROTO;
	}
	rc = S_ISREG(st.st_mode) ? is_sqlite(path) : 0;
	imp->kind = "nsrl";
	if (rc < 0)
		return rc;
	if (rc == 0) {
		snprintf(imp->why, sizeof(imp->why),
			 "%s: neither an NSRL RDS v3 database (not an SQLite "
			 "file) nor a winbindex data folder",
			 path);
		return -EPROTO;
	}
	return 0;
}

int known_add(struct known *k, const char *path, struct known_import *imp)
{
	struct cache_known_imp *m = NULL;
	char *wb = NULL, *real = NULL, *release = NULL;
	int rc;

	imp->why[0] = '\0';
	imp->rows = 0;
	if (!k->writable || !k->db)
		return -EINVAL;
	if ((rc = what(path, imp, &wb)))
		return rc;
	real = realpath(path, NULL);
	if (!real) {
		rc = -errno;
		goto out;
	}
	if ((rc = cache_known_import_begin(k->db, imp->kind, &m)))
		goto out;
	rc = wb ? known_wb_read(m, wb, imp) : add_nsrl(m, real, imp, &release);
	if (rc)
		cache_known_import_rollback(m);
	else
		rc = cache_known_import_commit(m, real, imp->rows, release);
out:
	free(release);
	free(real);
	free(wb);
	return rc;
}

int known_list(struct known *k, FILE *f)
{
	struct cache_known_source *v = NULL;
	struct cache_known *c = known_db(k);
	size_t n = 0, i;
	int rc = c ? cache_known_sources(c, &v, &n) : 0;

	if (rc)
		return rc;
	fprintf(f, "kind\tpath\timported\trows\trelease\n");
	for (i = 0; i < n; i++) {
		char when[32];
		time_t t = (time_t)v[i].imported;
		struct tm tm;

		gmtime_r(&t, &tm);
		strftime(when, sizeof(when), "%Y-%m-%d %H:%M:%S", &tm);
		fprintf(f, "%s\t%s\t%s\t%llu\t%s\n", v[i].kind, v[i].path, when,
			(unsigned long long)v[i].rows,
			v[i].release ? v[i].release : "-");
	}
	cache_known_sources_free(v, n);
	return 0;
}

/* the kind of the source imported from path (or named so) */
static int kind_of(struct cache_known *c, const char *what, char **kind)
{
	struct cache_known_source *v = NULL;
	char *real = realpath(what, NULL);
	size_t n = 0, i;
	int rc = cache_known_sources(c, &v, &n);

	*kind = NULL;
	for (i = 0; !rc && i < n; i++)
		if (!strcmp(v[i].kind, what) || !strcmp(v[i].path, what) ||
		    (real && !strcmp(v[i].path, real))) {
			*kind = strdup(v[i].kind);
			rc = *kind ? 0 : -ENOMEM;
			break;
		}
	if (!rc && !*kind)
		rc = -ENOENT;
	free(real);
	cache_known_sources_free(v, n);
	return rc;
}

int known_remove(struct known *k, const char *path_or_kind)
{
	char *kind;
	int rc;

	if (!k->writable || !k->db)
		return -EINVAL;
	rc = kind_of(k->db, path_or_kind, &kind);
	if (rc)
		return rc;
	rc = cache_known_remove(k->db, kind);
	free(kind);
	return rc;
}

/*
 * Indexing a rule repository: every text file's lines go into the cache's
 * FTS5 table, with the repository, the file's path and the line number.
 * A file whose size and mtime are unchanged since the last pass is not
 * read again; a file that is gone is dropped. Writes are committed in
 * batches, so a reader (a mount) is never held up for long.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "profilefs/cache.h"
#include "profilefs/rules.h"
#include "profilefs/util.h"

#define RULES_FILE_MAX (4u << 20) /* larger files are not rules */
#define RULES_LINE_MAX 4096	  /* longer lines are data, not rules */
#define RULES_SNIFF    8192	  /* a NUL in here: a binary file */
#define RULES_DEPTH    64

struct pass {
	struct cache_txn *t;
	const struct cache_repo *repo;
	int64_t stamp;
	int progress;
	size_t files, lines;
	int rc;
};

static char *read_small(int dirfd, const char *name, size_t max, size_t *len)
{
	int fd = openat(dirfd, name, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
	char *buf;
	ssize_t n;

	if (fd < 0)
		return NULL;
	buf = malloc(max + 1);
	n = buf ? read(fd, buf, max) : -1;
	close(fd);
	if (n < 0) {
		free(buf);
		return NULL;
	}
	buf[n] = '\0';
	*len = (size_t)n;
	return buf;
}

/* origin's URL from .git/config, and the checked-out branch */
static void read_git(int dirfd, char **url, char **branch)
{
	size_t len;
	char *cfg = read_small(dirfd, ".git/config", 1 << 16, &len);
	char *head = read_small(dirfd, ".git/HEAD", 4096, &len), *p;

	if (cfg && (p = strstr(cfg, "[remote \"origin\"]"))) {
		char *end = strchr(p + 1, '[');

		for (p = strchr(p, '\n'); p && (!end || p < end);
		     p = strchr(p + 1, '\n')) {
			char *s = p + 1, *e;

			while (*s == ' ' || *s == '\t')
				s++;
			if (strncmp(s, "url", 3) != 0)
				continue;
			s += 3;
			while (*s == ' ' || *s == '\t' || *s == '=')
				s++;
			e = s + strcspn(s, "\r\n");
			while (e > s && (e[-1] == ' ' || e[-1] == '\t'))
				e--;
			*e = '\0';
			*url = rules_web_url(s);
			break;
		}
	}
	if (head && !strncmp(head, "ref: refs/heads/", 16)) {
		head[16 + strcspn(head + 16, "\r\n")] = '\0';
		*branch = strdup(head + 16);
	}
	free(cfg);
	free(head);
}

/* how much a license file tells: a Detection Rule License covers the rules
 * themselves, any other recognised license the repository, else nothing */
static int license_rank(const char *l)
{
	return !l ? 0 : strncmp(l, "DRL", 3) ? 1 : 2;
}

/* The license the repository's LICENSE/COPYING files state: the first file,
 * by name, of the highest rank. */
static void read_license(int dirfd, char **license, char **file)
{
	struct dirent **names;
	int n, i, best = -1;
	const char *what = NULL;

	n = scandirat(dirfd, ".", &names, NULL, alphasort);
	for (i = 0; i < n; i++) {
		const char *nm = names[i]->d_name, *l;
		size_t len;
		char *text;

		if (strncasecmp(nm, "LICENSE", 7) &&
		    strncasecmp(nm, "LICENCE", 7) &&
		    strncasecmp(nm, "COPYING", 7))
			continue;
		text = read_small(dirfd, nm, 1 << 18, &len);
		l = text ? rules_license_of(text, len) : NULL;
		free(text);
		if (best < 0 || license_rank(l) > license_rank(what)) {
			best = i;
			what = l;
		}
	}
	if (best >= 0) {
		*file = strdup(names[best]->d_name);
		*license = what ? strdup(what) : strdup(names[best]->d_name);
	}
	for (i = 0; i < n; i++)
		free(names[i]);
	if (n > 0)
		free(names);
}

static void progress(struct pass *p, int last)
{
	if (!p->progress)
		return;
	if (!last && p->files % 50 != 0)
		return;
	fprintf(stderr, "\rindexing %s: %zu files, %zu lines%s", p->repo->name,
		p->files, p->lines, last ? "\n" : "");
}

static int is_binary(const char *buf, size_t len)
{
	return memchr(buf, '\0', len < RULES_SNIFF ? len : RULES_SNIFF) != NULL;
}

static void index_lines(struct pass *p, int64_t id, const char *buf, size_t len)
{
	size_t at = 0;
	uint32_t no = 0;

	while (at < len && !p->rc) {
		const char *s = buf + at, *nl = memchr(s, '\n', len - at);
		size_t n = nl ? (size_t)(nl - s) : len - at;

		at += n + 1;
		no++;
		/* the line without its indentation and trailing space */
		while (n && (s[n - 1] == '\r' || s[n - 1] == ' ' ||
			     s[n - 1] == '\t'))
			n--;
		while (n && (*s == ' ' || *s == '\t')) {
			s++;
			n--;
		}
		if (n == 0 || n > RULES_LINE_MAX)
			continue;
		p->rc = cache_rule_line_add(p->t, id, no, s, n);
		p->lines++;
	}
}

static void index_file(struct pass *p, int dirfd, const char *name,
		       const char *rel, const struct stat *st)
{
	int64_t mtime = (int64_t)st->st_mtim.tv_sec * 1000000000 +
			st->st_mtim.tv_nsec,
		old_mtime, id;
	uint64_t old_size;
	size_t len;
	char *buf;

	if (st->st_size > RULES_FILE_MAX)
		return;
	if (cache_rule_file_get(p->t, p->repo->id, rel, &old_size,
				&old_mtime) == 0 &&
	    old_size == (uint64_t)st->st_size && old_mtime == mtime) {
		p->rc = cache_rule_file_seen(p->t, p->repo->id, rel, p->stamp);
		p->files++;
		if (!p->rc)
			p->rc = cache_txn_batch(p->t);
		return;
	}
	buf = read_small(dirfd, name, RULES_FILE_MAX, &len);
	if (!buf) {
		log_warn("rules: cannot read %s/%s: %s", p->repo->path, rel,
			 strerror(errno));
		return;
	}
	if (!is_binary(buf, len)) {
		p->rc = cache_rule_file_put(p->t, p->repo->id, rel,
					    (uint64_t)st->st_size, mtime,
					    p->stamp, &id);
		if (!p->rc)
			index_lines(p, id, buf, len);
		p->files++;
	}
	free(buf);
	/* a commit now and then, so a store (here or in a mount) waits for
	 * one batch at most */
	if (!p->rc)
		p->rc = cache_txn_batch(p->t);
	progress(p, 0);
}

static void walk(struct pass *p, int dfd, const char *rel, int depth)
{
	struct dirent *de;
	DIR *d;

	if (depth > RULES_DEPTH) {
		close(dfd);
		return;
	}
	d = fdopendir(dfd);
	if (!d) {
		close(dfd);
		return;
	}
	while (!p->rc && (de = readdir(d)) != NULL) {
		const char *nm = de->d_name;
		struct stat st;
		char *path;

		if (!strcmp(nm, ".") || !strcmp(nm, "..") ||
		    !strcmp(nm, ".git"))
			continue;
		if (fstatat(dirfd(d), nm, &st, AT_SYMLINK_NOFOLLOW) < 0)
			continue;
		if (asprintf(&path, "%s%s%s", rel, *rel ? "/" : "", nm) < 0) {
			p->rc = -ENOMEM;
			break;
		}
		if (S_ISDIR(st.st_mode)) {
			int fd = openat(dirfd(d), nm,
					O_RDONLY | O_DIRECTORY | O_NOFOLLOW |
						O_CLOEXEC);

			if (fd >= 0)
				walk(p, fd, path, depth + 1);
		} else if (S_ISREG(st.st_mode)) {
			index_file(p, dirfd(d), nm, path, &st);
		}
		free(path);
	}
	closedir(d);
}

/* One pass over a repository: record (a new one), index, prune, count,
 * record. The batches committed before a failure stay; the next pass
 * picks up from them. */
static int index_repo(struct cache *c, struct cache_repo *repo, int show)
{
	struct timespec now;
	struct pass p = { NULL, repo, 0, show, 0, 0, 0 };
	int fd, rc;

	fd = open(repo->path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	clock_gettime(CLOCK_REALTIME, &now);
	p.stamp = (int64_t)now.tv_sec * 1000000000 + now.tv_nsec;
	rc = cache_txn_begin(c, CACHE_INDEX_RULES, &p.t);
	if (!rc && !repo->id)
		rc = cache_repo_put(p.t, repo);
	if (rc) {
		cache_txn_rollback(p.t);
		close(fd);
		return rc;
	}
	walk(&p, fd, "", 0);
	rc = p.rc;
	if (!rc)
		rc = cache_rule_files_prune(p.t, repo->id, p.stamp,
					    &repo->files, &repo->lines);
	repo->indexed_at = (int64_t)now.tv_sec;
	if (!rc)
		rc = cache_repo_put(p.t, repo);
	if (!rc)
		rc = cache_txn_commit(p.t);
	else
		cache_txn_rollback(p.t);
	progress(&p, 1);
	return rc;
}

int rules_add(struct cache *c, const char *dir, const struct rules_opts *o)
{
	struct cache_repo repo, old;
	char *real = realpath(dir, NULL);
	int fd, rc;

	memset(&repo, 0, sizeof(repo));
	if (!real)
		return -errno;
	fd = open(real, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0) {
		rc = -errno;
		free(real);
		return rc;
	}
	repo.path = real;
	repo.name = strdup(o->name ? o->name : path_base(real));
	read_git(fd, &repo.url, &repo.branch);
	read_license(fd, &repo.license, &repo.license_file);
	close(fd);
	if (o->url) {
		free(repo.url);
		repo.url = strdup(o->url);
	}
	if (o->license) {
		free(repo.license);
		repo.license = strdup(o->license);
	}
	rc = repo.name ? 0 : -ENOMEM;
	if (!rc && cache_repo_get(c, repo.name, &old) == 0) {
		cache_repo_clear(&old);
		rc = -EEXIST;
	}
	if (!rc)
		rc = index_repo(c, &repo, o->progress);
	if (rc && rc != -EEXIST && repo.id)
		cache_repo_remove(c, repo.name);
	cache_repo_clear(&repo);
	return rc;
}

int rules_update(struct cache *c, const char *name, int show)
{
	struct cache_repo *all;
	size_t n, i;
	int rc, first = 0;

	rc = cache_repo_list(c, &all, &n);
	if (rc)
		return rc;
	if (name) {
		for (i = 0; i < n && strcmp(all[i].name, name); i++)
			;
		rc = i < n ? index_repo(c, &all[i], show) : -ENOENT;
	} else {
		for (i = 0; i < n; i++) {
			int r = index_repo(c, &all[i], show);

			if (r) {
				log_err("rules: %s (%s): %s", all[i].name,
					all[i].path, strerror(-r));
				if (!first)
					first = r;
			}
		}
		rc = first;
	}
	cache_repos_free(all, n);
	return rc;
}

int rules_remove(struct cache *c, const char *name)
{
	return cache_repo_remove(c, name);
}

int rules_list(struct cache *c, FILE *out)
{
	struct cache_repo *all;
	size_t n, i;
	int rc;

	rc = cache_repo_list(c, &all, &n);
	if (rc)
		return rc;
	fprintf(out, "name\turl\tlicense\tfiles\tlines\tindexed\n");
	for (i = 0; i < n; i++) {
		time_t t = (time_t)all[i].indexed_at;
		struct tm tm;
		char when[32];

		gmtime_r(&t, &tm);
		strftime(when, sizeof(when), "%Y-%m-%dT%H:%M:%SZ", &tm);
		fprintf(out, "%s\t%s\t%s\t%llu\t%llu\t%s\n", all[i].name,
			all[i].url ? all[i].url : "-",
			all[i].license ? all[i].license : "-",
			(unsigned long long)all[i].files,
			(unsigned long long)all[i].lines, when);
	}
	cache_repos_free(all, n);
	return 0;
}

/*
 * Indexing a rule repository: every text file's lines go into the cache's
 * FTS5 table, with the repository, the file's path and the line number.
 * A file whose size and mtime are unchanged since the last pass is not
 * read again; a file that is gone is dropped. Writes are committed in
 * batches, so a reader (a mount) is never held up for long. A new
 * repository's row carries indexed_at 0 until the pass's last commit, and
 * the search leaves such a repository out (src/cache/rules.c).
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

#define RULES_FILE_MAX	    (4u << 20) /* larger files are not rules */
#define RULES_LINE_MAX	    4096       /* longer lines are data, not rules */
#define RULES_SNIFF	    8192       /* a NUL in here: a binary file */
#define RULES_DEPTH	    64
#define RULES_LICENSE_FILES 16 /* LICENSE* files read at most */

struct pass {
	struct cache_txn *t;
	const struct cache_repo *repo;
	int64_t stamp;
	int progress;
	size_t files, lines;
	int rc;
};

/*
 * A regular file named `name` in the folder dirfd, opened for reading.
 * A repository is as hostile as the disk it came from: a FIFO named
 * LICENSE or .git/HEAD would block open() or read() for ever, a device
 * may act on being opened, a link may lead out of the repository. So the
 * name is looked at first without following it, opened without blocking
 * and without following a link (util_open_beneath), and looked at again
 * through the descriptor, which is what is read. -errno; -EINVAL for
 * anything but a regular file.
 */
static int open_regular(int dirfd, const char *name, struct stat *st)
{
	int fd, rc;

	if (fstatat(dirfd, name, st, AT_SYMLINK_NOFOLLOW) < 0)
		return -errno;
	if (!S_ISREG(st->st_mode))
		return -EINVAL;
	fd = util_open_beneath(dirfd, name,
			       O_RDONLY | O_CLOEXEC | O_NONBLOCK | O_NOCTTY);
	if (fd < 0)
		return -errno;
	if (fstat(fd, st) < 0) {
		rc = -errno;
		close(fd);
		return rc;
	}
	if (!S_ISREG(st->st_mode)) {
		close(fd);
		return -EINVAL;
	}
	return fd;
}

/* at most max bytes of fd, NUL-terminated, malloc'ed; NULL and errno */
static char *read_fd(int fd, size_t max, size_t *len)
{
	char *buf = malloc(max + 1);
	size_t got = 0;

	if (!buf)
		return NULL;
	while (got < max) {
		ssize_t n = read(fd, buf + got, max - got);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			int e = errno;

			free(buf);
			errno = e;
			return NULL;
		}
		if (n == 0)
			break;
		got += (size_t)n;
	}
	buf[got] = '\0';
	*len = got;
	return buf;
}

/* the start of a small regular file in dirfd (open_regular()); NULL and
 * errno */
static char *read_small(int dirfd, const char *name, size_t max, size_t *len)
{
	struct stat st;
	int fd = open_regular(dirfd, name, &st), e;
	char *buf;

	if (fd < 0) {
		errno = -fd;
		return NULL;
	}
	buf = read_fd(fd, max, len);
	e = errno;
	close(fd);
	errno = e;
	return buf;
}

/* how much a license file tells: a Detection Rule License covers the rules
 * themselves, any other recognised license the repository, else nothing */
static int license_rank(const char *l)
{
	return !*l ? 0 : strncmp(l, "DRL-", 4) ? 1 : 2;
}

static int license_name(const struct dirent *de)
{
	const char *nm = de->d_name;

	return !strncasecmp(nm, "LICENSE", 7) ||
	       !strncasecmp(nm, "LICENCE", 7) || !strncasecmp(nm, "COPYING", 7);
}

/* The license the repository's LICENSE/COPYING files state (an SPDX
 * identifier, rules_license_of()): the first regular file, by name, of
 * the highest rank; the first RULES_LICENSE_FILES of them are read. A
 * file whose licence is not known is named by its file name. */
static void read_license(int dirfd, char **license, char **file)
{
	struct dirent **names;
	int n, i, best = -1, read = 0;
	char what[RULES_LICENSE_MAX] = "";

	n = scandirat(dirfd, ".", &names, license_name, alphasort);
	for (i = 0; i < n && read < RULES_LICENSE_FILES; i++) {
		const char *nm = names[i]->d_name;
		char l[RULES_LICENSE_MAX] = "";
		size_t len;
		char *text;

		text = read_small(dirfd, nm, 1 << 18, &len);
		if (!text)
			continue; /* not a regular file, or unreadable */
		read++;
		if (!rules_license_of(text, len, l, sizeof(l)))
			l[0] = '\0';
		free(text);
		if (best < 0 || license_rank(l) > license_rank(what)) {
			best = i;
			memcpy(what, l, sizeof(what));
		}
	}
	if (best >= 0) {
		*file = strdup(names[best]->d_name);
		*license = strdup(*what ? what : names[best]->d_name);
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
	struct stat now;
	size_t len;
	char *buf;
	int fd;

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
	fd = open_regular(dirfd, name, &now);
	if (fd == -EINVAL)
		return; /* replaced by something else since the walk saw it */
	buf = fd < 0 ? NULL : read_fd(fd, RULES_FILE_MAX, &len);
	if (!buf) {
		log_warn("rules: cannot read %s/%s: %s", p->repo->path, rel,
			 strerror(fd < 0 ? -fd : errno));
		if (fd >= 0)
			close(fd);
		return;
	}
	close(fd);
	/* what was read is what is recorded */
	mtime = (int64_t)now.st_mtim.tv_sec * 1000000000 + now.st_mtim.tv_nsec;
	if (now.st_size <= RULES_FILE_MAX && !is_binary(buf, len)) {
		p->rc = cache_rule_file_put(p->t, p->repo->id, rel,
					    (uint64_t)now.st_size, mtime,
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
		if (!S_ISDIR(st.st_mode) && !S_ISREG(st.st_mode))
			continue;
		if (asprintf(&path, "%s%s%s", rel, *rel ? "/" : "", nm) < 0) {
			p->rc = -ENOMEM;
			break;
		}
		if (!rules_selected(path, S_ISDIR(st.st_mode),
				    p->repo->includes, p->repo->excludes,
				    p->repo->default_excludes)) {
			/* left out: a file indexed before loses its lines
			 * at the end of the pass */
		} else if (S_ISDIR(st.st_mode)) {
			int fd = util_open_beneath(dirfd(d), nm,
						   O_RDONLY | O_DIRECTORY |
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
	rules_git_facts(real, &repo.url, &repo.branch);
	if (o->url) {
		free(repo.url);
		repo.url = strdup(o->url);
	}
	/* the name: --name, else the repository's in its URL, else the
	 * folder's */
	if (o->name)
		repo.name = strdup(o->name);
	else if (!repo.url || !(repo.name = rules_name_of_url(repo.url)))
		repo.name = strdup(path_base(real));
	repo.default_excludes = o->default_excludes != 0;
	repo.pinned = (o->url ? CACHE_PIN_URL : 0) |
		      (o->license ? CACHE_PIN_LICENSE : 0);
	if ((o->includes && !(repo.includes = strdup(o->includes))) ||
	    (o->excludes && !(repo.excludes = strdup(o->excludes)))) {
		close(fd);
		cache_repo_clear(&repo);
		return -ENOMEM;
	}
	read_license(fd, &repo.license, &repo.license_file);
	close(fd);
	if (o->license) {
		free(repo.license);
		repo.license = strdup(o->license);
	}
	rc = repo.name ? 0 : -ENOMEM;
	if (!rc && cache_repo_get(c, repo.name, &old) == 0) {
		/* a first pass cut short (kill -9, a full disk) of the same
		 * folder: carry on from its committed batches; files
		 * indexed already and unchanged are not read again */
		if (old.indexed_at == 0 && !strcmp(old.path, repo.path))
			repo.id = old.id;
		else
			rc = -EEXIST;
		cache_repo_clear(&old);
	}
	if (!rc && !repo.url)
		log_warn("rules: %s has no web URL: its rows give the files' "
			 "paths (on this machine in the JSON); rules update "
			 "--url=URL %s gives one",
			 repo.name, repo.name);
	if (!rc)
		rc = index_repo(c, &repo, o->progress);
	/* What was committed stays, hidden from the search until a pass
	 * completes: the next `rules add` resumes it, `rules remove` drops
	 * it. Removing it here would need the very space a full disk
	 * lacks. */
	if (rc && rc != -EEXIST && repo.id)
		log_err("rules: %s left incomplete (rules add resumes it, "
			"rules remove drops it)",
			repo.name);
	cache_repo_clear(&repo);
	return rc;
}

/* A new value in place of *old, when there is one: a pass that finds
 * nothing (a clone moved, git missing) keeps what was found before */
static void take(char **old, char *now)
{
	if (!now)
		return;
	free(*old);
	*old = now;
}

/* What the repository says of itself now (the branch checked out, the
 * origin, the licence), but what the user gave: rules update reads it
 * again */
static void refresh(struct cache_repo *r)
{
	char *url = NULL, *branch = NULL, *license = NULL, *file = NULL;
	int fd;

	rules_git_facts(r->path, &url, &branch);
	if (!(r->pinned & CACHE_PIN_URL))
		take(&r->url, url);
	else
		free(url);
	take(&r->branch, branch);
	fd = open(r->path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd >= 0) {
		read_license(fd, &license, &file);
		close(fd);
	}
	if (!(r->pinned & CACHE_PIN_LICENSE))
		take(&r->license, license);
	else
		free(license);
	take(&r->license_file, file);
}

/* the selection of o, where given, in place of r's */
static int reselect(struct cache_repo *r, const struct rules_opts *o)
{
	char *inc = r->includes, *exc = r->excludes;

	if (o->set_includes)
		inc = o->includes ? strdup(o->includes) : NULL;
	if (o->set_excludes)
		exc = o->excludes ? strdup(o->excludes) : NULL;
	if ((o->set_includes && o->includes && !inc) ||
	    (o->set_excludes && o->excludes && !exc)) {
		if (inc != r->includes)
			free(inc);
		if (exc != r->excludes)
			free(exc);
		return -ENOMEM;
	}
	if (inc != r->includes) {
		free(r->includes);
		r->includes = inc;
	}
	if (exc != r->excludes) {
		free(r->excludes);
		r->excludes = exc;
	}
	if (o->default_excludes >= 0)
		r->default_excludes = o->default_excludes;
	return 0;
}

/* A URL or licence the user gives in place of r's, pinned ("" unpins:
 * the origin's, the LICENSE file's again) */
static int repin(char **what, const char *given, int pin, int *pinned)
{
	char *now = NULL;

	if (!given)
		return 0;
	if (*given && !(now = strdup(given)))
		return -ENOMEM;
	free(*what);
	*what = now;
	if (now)
		*pinned |= pin;
	else
		*pinned &= ~pin;
	return 0;
}

int rules_update(struct cache *c, const char *name, const struct rules_opts *o)
{
	struct cache_repo *all;
	size_t n, i;
	int rc, first = 0;
	int change = o->set_includes || o->set_excludes ||
		     o->default_excludes >= 0 || o->url || o->license;

	if (change && !name)
		return -EINVAL;
	rc = cache_repo_list(c, &all, &n);
	if (rc)
		return rc;
	if (name) {
		for (i = 0; i < n && strcmp(all[i].name, name); i++)
			;
		rc = i < n ? reselect(&all[i], o) : -ENOENT;
		if (!rc)
			rc = repin(&all[i].url, o->url, CACHE_PIN_URL,
				   &all[i].pinned);
		if (!rc)
			rc = repin(&all[i].license, o->license,
				   CACHE_PIN_LICENSE, &all[i].pinned);
		if (!rc) {
			refresh(&all[i]);
			rc = index_repo(c, &all[i], o->progress);
		}
	} else {
		for (i = 0; i < n; i++) {
			int r;

			refresh(&all[i]);
			r = index_repo(c, &all[i], o->progress);

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

static void list_globs(FILE *out, const char *what, const char *globs)
{
	const char *g = globs;

	while (g && *g) {
		size_t n = strcspn(g, "\n");

		fprintf(out, "\t%s\t%.*s\n", what, (int)n, g);
		g += n;
		if (*g == '\n')
			g++;
	}
}

int rules_list(struct cache *c, FILE *out, int verbose)
{
	struct cache_repo *all;
	size_t n = 0, i, k;
	int rc;

	rc = c ? cache_repo_list(c, &all, &n) : 0;
	if (rc)
		return rc;
	fprintf(out, "name\turl\tlicense\tfiles\tlines\tindexed\n");
	if (!c)
		return 0; /* no index yet */
	for (i = 0; i < n; i++) {
		time_t t = (time_t)all[i].indexed_at;
		struct tm tm;
		char when[32];

		if (t == 0) {
			/* a first pass that did not finish: not searched */
			snprintf(when, sizeof(when), "incomplete");
		} else {
			gmtime_r(&t, &tm);
			strftime(when, sizeof(when), "%Y-%m-%dT%H:%M:%SZ", &tm);
		}
		fprintf(out, "%s\t%s\t%s\t%llu\t%llu\t%s\n", all[i].name,
			all[i].url ? all[i].url : "-",
			all[i].license ? all[i].license : "-",
			(unsigned long long)all[i].files,
			(unsigned long long)all[i].lines, when);
		if (!verbose)
			continue;
		list_globs(out, "include", all[i].includes);
		list_globs(out, "exclude", all[i].excludes);
		for (k = 0;
		     all[i].default_excludes && rules_default_excludes[k]; k++)
			fprintf(out, "\texclude (default)\t%s/\n",
				rules_default_excludes[k]);
		for (k = 0;
		     all[i].default_excludes && rules_default_file_excludes[k];
		     k++)
			fprintf(out, "\texclude (default)\t%s\n",
				rules_default_file_excludes[k]);
	}
	cache_repos_free(all, n);
	return 0;
}

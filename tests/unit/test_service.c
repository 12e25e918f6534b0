/*
 * The profile service without a mount: single flight, one render per
 * render key, and a new render whenever anything the text depends on
 * changes (the content, the path, the .mui, the rules, the trust), with
 * the rendered size kept in the cache for the next service. A cache row
 * another service made is believed only after the file's SHA-256 names
 * its content (or with trust_metadata, which a lying row then fools).
 *
 * argv[1]: a PE image (hello.dll of the examples).
 */
#include <errno.h>
#include <fcntl.h>
#include <stddef.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "profilefs/cache.h"
#include "profilefs/rules.h"
#include "profilefs/service.h"
#include "profilefs/tree.h"
#include "profilefs/util.h"
#include "t.h"

static char root[64], cachepath[128];
static int rootfd;
static struct tree *tree; /* the source root's */

static void put_file(const char *rel, const void *p, size_t n)
{
	int fd = openat(rootfd, rel, O_WRONLY | O_CREAT | O_TRUNC, 0644);

	CHECK(fd >= 0 && write(fd, p, n) == (ssize_t)n);
	close(fd);
}

static void copy_file(const char *from, const char *rel)
{
	FILE *f = fopen(from, "rb");
	static char buf[1 << 20];
	size_t n = f ? fread(buf, 1, sizeof(buf), f) : 0;

	CHECK(n > 0);
	put_file(rel, buf, n);
	if (f)
		fclose(f);
}

/* appends n bytes to the file rel below dfd */
static int append_beneath(int dfd, const char *rel, size_t n)
{
	int fd = openat(dfd, rel, O_WRONLY | O_APPEND);
	int rc = fd >= 0 && write(fd, "xxxxxxxx", n) == (ssize_t)n ? 0 : -1;

	if (fd >= 0)
		close(fd);
	return rc;
}

static struct svc_stats stats(struct svc *pv)
{
	struct svc_stats s;

	svc_get_stats(pv, &s);
	return s;
}

/* the rules index: a database of its own, made by the first rules_add */
static struct rules_index *rules_index;
static char rulespath[96];

static struct svc *open_svc_m(struct cache *c, const struct sig_trust *trust,
			      int trust_metadata)
{
	struct svc_setup setup = { .tree = tree,
				   .drive = "C:",
				   .cache = c,
				   .rules = rules_index,
				   .trust = trust,
				   .trust_metadata = trust_metadata };
	struct svc *pv = NULL;

	CHECK(svc_open(&setup, &pv) == 0);
	return pv;
}

static struct svc *open_svc(struct cache *c, const struct sig_trust *trust)
{
	return open_svc_m(c, trust, 0);
}

/* the text of rel (compute), copied; NULL on failure */
static char *text_of(struct svc *pv, const char *rel)
{
	const struct svc_text *t;
	char *s;

	if (svc_text_get(pv, rel, SVC_MD, 1, &t))
		return NULL;
	s = strndup(t->md, t->len);
	svc_text_put(pv, t);
	return s;
}

struct racer {
	struct svc *pv;
	const struct svc_text *t;
	int rc;
};

static void *race(void *arg)
{
	struct racer *r = arg;

	r->rc = svc_text_get(r->pv, "big.bin", SVC_MD, 1, &r->t);
	return NULL;
}

static void single_flight(struct svc *pv)
{
	static char big[8 << 20];
	struct racer r[8];
	pthread_t th[8];
	int i;

	for (i = 0; i < (int)sizeof(big); i++)
		big[i] = (char)(i * 7 + (i >> 13));
	put_file("big.bin", big, sizeof(big));
	for (i = 0; i < 8; i++) {
		r[i].pv = pv;
		pthread_create(&th[i], NULL, race, &r[i]);
	}
	for (i = 0; i < 8; i++)
		pthread_join(th[i], NULL);
	for (i = 0; i < 8; i++) {
		CHECK(r[i].rc == 0);
		CHECK(r[i].rc == 0 && r[i].t->len == r[0].t->len &&
		      memcmp(r[i].t->md, r[0].t->md, r[0].t->len) == 0);
	}
	CHECK(stats(pv).computed == 1);
	CHECK(stats(pv).stored == 1);
	for (i = 0; i < 8; i++)
		if (r[i].rc == 0)
			svc_text_put(pv, r[i].t);
}

static void render_once(struct svc *pv)
{
	uint64_t renders = stats(pv).renders, size = 0;
	uint64_t computed = stats(pv).computed;
	char *a = text_of(pv, "app.dll"), *b;

	CHECK(a && strstr(a, "title: \"app.dll"));
	CHECK(stats(pv).renders == renders + 1);
	b = text_of(pv, "app.dll");
	CHECK(a && b && strcmp(a, b) == 0);
	CHECK(svc_profile_size(pv, "app.dll", SVC_MD, &size) == 0);
	CHECK(a && size == strlen(a));
	/* the second read and the size took the memo's copy */
	CHECK(stats(pv).renders == renders + 1);
	/* stat never computes: an uncached file has no size yet */
	CHECK(svc_profile_size(pv, "never-read.dll", SVC_MD, &size) == -ENOENT);
	CHECK(stats(pv).computed == computed + 1);
	free(a);
	free(b);
}

/* JSON beside Markdown: one computation, a render each, memo keys that
 * never collide, and a size the memo knows */
static void two_formats(struct svc *pv)
{
	uint64_t computed = stats(pv).computed, renders = stats(pv).renders;
	const struct svc_text *j, *j2, *m;
	uint64_t size = 0;

	put_file("fmt.dll", "MZ two formats", 14);
	CHECK(svc_text_get(pv, "fmt.dll", SVC_JSON, 1, &j) == 0);
	CHECK(stats(pv).computed == computed + 1);
	CHECK(stats(pv).renders == renders + 1);
	CHECK(j->len > 2 && j->md[0] == '{' && j->md[j->len - 1] == '\n');
	CHECK(memmem(j->md, j->len, "\"name\": \"fmt.dll\"", 17) != NULL);
	CHECK(svc_text_get(pv, "fmt.dll", SVC_MD, 1, &m) == 0);
	/* the Markdown: the computed profile, rendered anew */
	CHECK(stats(pv).computed == computed + 1);
	CHECK(stats(pv).renders == renders + 2);
	CHECK(m->md[0] != '{' && m != j);
	/* the JSON again: the memo's copy */
	CHECK(svc_text_get(pv, "fmt.dll", SVC_JSON, 1, &j2) == 0);
	CHECK(j2 == j && stats(pv).renders == renders + 2);
	CHECK(svc_profile_size(pv, "fmt.dll", SVC_JSON, &size) == 0 &&
	      size == j->len);
	CHECK(svc_profile_size(pv, "fmt.dll", SVC_MD, &size) == 0 &&
	      size == m->len);
	CHECK(stats(pv).renders == renders + 2);
	svc_text_put(pv, j);
	svc_text_put(pv, j2);
	svc_text_put(pv, m);
}

/* each input of the key, changed: a new render, and the right text */
static void invalidation(struct svc *pv, const char *pe)
{
	uint64_t renders = stats(pv).renders, computed = stats(pv).computed;
	struct rules_opts ro = { 0 };
	char *a, *b;

	/* the path shown: the same content elsewhere */
	mkdirat(rootfd, "sub", 0755);
	copy_file(pe, "sub/copy.dll");
	a = text_of(pv, "sub/copy.dll");
	CHECK(a && strstr(a, "C:\\sub\\copy.dll"));
	CHECK(stats(pv).renders == renders + 1);
	/* a new identity is read once (the cache finds files by identity) */
	CHECK(stats(pv).computed == computed + 1);
	free(a);

	/* the content: rewritten with other bytes */
	put_file("small.bin", "one", 3);
	a = text_of(pv, "small.bin");
	put_file("small.bin", "two!", 4);
	b = text_of(pv, "small.bin");
	CHECK(a && b && strcmp(a, b) != 0);
	CHECK(stats(pv).renders == renders + 3);
	free(a);
	free(b);

	/* the rules: a repository naming app.dll is indexed */
	renders = stats(pv).renders;
	{
		char dir[128], file[160];
		FILE *f;

		snprintf(dir, sizeof(dir), "%s.rules", root);
		mkdir(dir, 0755);
		snprintf(file, sizeof(file), "%s/rule.yml", dir);
		f = fopen(file, "w");
		CHECK(f != NULL);
		if (f) {
			fprintf(f, "Image|endswith: '\\app.dll'\n");
			fclose(f);
		}
		struct cache *rc = NULL;

		/* the service looked for the index before: it finds it now */
		CHECK(access(rulespath, F_OK) != 0);
		CHECK(cache_open(rulespath, &rc) == 0);
		CHECK(rc && rules_add(rc, dir, &ro) == 0);
		cache_close(rc);
	}
	a = text_of(pv, "app.dll");
	CHECK(a && strstr(a, "Possible Misuse") && strstr(a, "rule.yml"));
	CHECK(stats(pv).renders == renders + 1);
	free(a);

	/* the .mui beside it: appears, is computed, and is part of the key */
	renders = stats(pv).renders;
	mkdirat(rootfd, "en-US", 0755);
	copy_file(pe, "en-US/app.dll.mui");
	a = text_of(pv, "en-US/app.dll.mui");
	CHECK(a != NULL);
	free(a);
	a = text_of(pv, "app.dll");
	CHECK(a != NULL);
	CHECK(stats(pv).renders == renders + 2);
	free(a);
}

/* the rendered size outlives the service, under its key only; a row of
 * another service's is believed by identity only with trust_metadata,
 * else once the file is hashed (at a read, never at a stat) */
static void stored_size(struct cache *c)
{
	struct sig_trust *trust = NULL;
	struct svc *pv = open_svc_m(c, NULL, 1);
	uint64_t size = 0, size2 = 0, want;
	struct stat st, mui_st;
	char *a;

	CHECK(fstatat(rootfd, "app.dll", &st, 0) == 0);
	CHECK(fstatat(rootfd, "en-US/app.dll.mui", &mui_st, 0) == 0);
	CHECK(svc_profile_size(pv, "app.dll", SVC_MD, &size) == 0);
	CHECK(stats(pv).renders == 0);
	a = text_of(pv, "app.dll");
	CHECK(a && size == strlen(a));
	CHECK(stats(pv).computed == 0 && stats(pv).verified == 0);
	CHECK(stats(pv).cache_hits >= 1);
	want = a ? strlen(a) : 0;
	free(a);
	svc_close(pv);

	/* the default: no size before the file is read and checked */
	pv = open_svc(c, NULL);
	size = 0;
	CHECK(svc_profile_size(pv, "app.dll", SVC_MD, &size) == -ENOENT);
	CHECK(stats(pv).renders == 0 && stats(pv).verified == 0);
	a = text_of(pv, "app.dll");
	CHECK(a && strlen(a) == want);
	/* app.dll and the en-US/app.dll.mui it borrows from, each hashed */
	CHECK(stats(pv).computed == 0);
	CHECK(stats(pv).verified == 2);
	CHECK(stats(pv).bytes_verified ==
	      (uint64_t)st.st_size + (uint64_t)mui_st.st_size);
	free(a);
	/* checked once: now its size is known, from the memo */
	CHECK(svc_profile_size(pv, "app.dll", SVC_MD, &size) == 0 &&
	      size == want);
	a = text_of(pv, "app.dll");
	CHECK(a && strlen(a) == want);
	free(a);
	CHECK(stats(pv).verified == 2 && stats(pv).renders == 1);
	svc_close(pv);

	/* another trust: another verdict, so another key */
	CHECK(sig_trust_new(&trust) == 0);
	pv = open_svc_m(c, trust, 1);
	CHECK(svc_profile_size(pv, "app.dll", SVC_MD, &size2) == 0);
	CHECK(stats(pv).renders == 1);
	a = text_of(pv, "app.dll");
	CHECK(a && strstr(a, "## Signature") && size2 == strlen(a));
	free(a);
	svc_close(pv);
	sig_trust_free(trust);
}

/* sha256sum's word on rel: the oracle, not ours */
static void sha256sum(const char *rel, char hex[65])
{
	char cmd[256];
	FILE *f;

	snprintf(cmd, sizeof(cmd), "sha256sum '%s/%s'", root, rel);
	f = popen(cmd, "r");
	hex[0] = '\0';
	CHECK(f && fscanf(f, "%64s", hex) == 1 && strlen(hex) == 64);
	if (f)
		pclose(f);
}

/* points rel's identity row at the content of sha (hex): what a stale or
 * hostile cache says of a file rewritten with its metadata put back */
static void lie(struct cache *c, const char *rel, const char *hex)
{
	struct cache_content ct;
	struct cache_ident id;
	uint8_t sha[32];
	struct stat st;
	int i;

	for (i = 0; i < 32; i++)
		CHECK(sscanf(hex + 2 * i, "%2hhx", &sha[i]) == 1);
	CHECK(fstatat(rootfd, rel, &st, AT_SYMLINK_NOFOLLOW) == 0);
	/* the identity the service makes: the volume's id, not st_dev */
	id.dev = tree_volume_id(tree, st.st_dev);
	id.ino = (uint64_t)st.st_ino;
	id.size = (uint64_t)st.st_size;
	id.mtime_ns =
		(int64_t)st.st_mtim.tv_sec * 1000000000 + st.st_mtim.tv_nsec;
	id.ctime_ns =
		(int64_t)st.st_ctim.tv_sec * 1000000000 + st.st_ctim.tv_nsec;
	CHECK(cache_find_content(c, sha, &ct) == 0);
	CHECK(cache_store(c, &id, &ct, NULL, 0) == 0);
	/* the lie took: the row now names the other content */
	CHECK(cache_find(c, &id, &ct) == 0 &&
	      memcmp(ct.dg.sha256, sha, 32) == 0);
}

/* a file whose cached row names other bytes of its size */
static void lying_row(struct cache *c, const char *pe)
{
	static char buf[1 << 20];
	char mine[65], other[65], *a;
	struct svc *pv;
	FILE *f = fopen(pe, "rb");
	size_t n = f ? fread(buf, 1, sizeof(buf), f) : 0;

	CHECK(n > 0);
	if (f)
		fclose(f);
	put_file("victim.dll", buf, n);
	buf[n - 1] ^= 0x5a;
	put_file("other.dll", buf, n);
	sha256sum("victim.dll", mine);
	sha256sum("other.dll", other);
	CHECK(strcmp(mine, other) != 0);

	/* one service profiles both */
	pv = open_svc(c, NULL);
	free(text_of(pv, "victim.dll"));
	free(text_of(pv, "other.dll"));
	CHECK(stats(pv).computed == 2 && stats(pv).stored == 2);
	svc_close(pv);

	/* the default: victim.dll's own bytes decide */
	lie(c, "victim.dll", other);
	pv = open_svc(c, NULL);
	a = text_of(pv, "victim.dll");
	CHECK(a && strstr(a, mine) && !strstr(a, other));
	CHECK(stats(pv).computed == 0 && stats(pv).verified == 1);
	svc_close(pv);
	free(a);

	/* trust_metadata: the lying row is believed (what the option risks) */
	lie(c, "victim.dll", other);
	pv = open_svc_m(c, NULL, 1);
	a = text_of(pv, "victim.dll");
	CHECK(a && strstr(a, other) && !strstr(a, mine));
	CHECK(stats(pv).computed == 0 && stats(pv).verified == 0);
	svc_close(pv);
	free(a);
}

/* svc_warm() says what it did: computed (the bytes of the file read),
 * cached (nothing read), skipped (a FIFO), stopped by the time limit (the
 * bytes read, not the size); such a version is then remembered, not read
 * again, until it changes */
static void warmed(struct cache *c, const char *pe)
{
	struct svc_setup setup = { .tree = tree, .drive = "C:", .cache = c };
	enum svc_warmed what;
	struct svc *pv = NULL;
	struct stat st;
	uint64_t read;
	double t0;
	int fd;

	setup.limits.max_seconds = 1;
	copy_file(pe, "fresh.dll");
	CHECK(fstatat(rootfd, "fresh.dll", &st, 0) == 0);
	CHECK(mkfifoat(rootfd, "pipe.dll", 0644) == 0);
	fd = openat(rootfd, "sparse.dll", O_WRONLY | O_CREAT, 0644);
	CHECK(fd >= 0 && ftruncate(fd, 1ll << 40) == 0);
	CHECK(svc_open(&setup, &pv) == 0);
	CHECK(svc_warm(pv, "fresh.dll", &what, &read) == 0);
	CHECK(what == SVC_WARMED_COMPUTED && read == (uint64_t)st.st_size);
	CHECK(svc_warm(pv, "fresh.dll", &what, &read) == 0);
	CHECK(what == SVC_WARMED_CACHED && read == 0);
	CHECK(svc_warm(pv, "pipe.dll", &what, &read) == 0);
	CHECK(what == SVC_WARMED_SKIPPED && read == 0);
	CHECK(!svc_timed_out(pv, "sparse.dll"));
	CHECK(svc_warm(pv, "sparse.dll", &what, &read) == 0);
	CHECK(what == SVC_WARMED_TIMED_OUT && read > 0 && read < (1ull << 40));
	CHECK(svc_timed_out(pv, "sparse.dll"));
	t0 = util_now();
	CHECK(svc_warm(pv, "sparse.dll", &what, &read) == 0);
	CHECK(what == SVC_WARMED_TIMED_OUT && read == 0);
	CHECK(util_now() - t0 < 0.5);
	CHECK(stats(pv).computed == 2);
	/* another version: another identity */
	CHECK(ftruncate(fd, (1ll << 40) + 1) == 0);
	CHECK(!svc_timed_out(pv, "sparse.dll"));
	svc_close(pv);
	close(fd);
	CHECK(unlinkat(rootfd, "fresh.dll", 0) == 0);
	CHECK(unlinkat(rootfd, "pipe.dll", 0) == 0);
	CHECK(unlinkat(rootfd, "sparse.dll", 0) == 0);
}
/* waits (at most 60 s) until the counter at field of pv's stats is n */
static int stat_reaches(struct svc *pv, size_t field, uint64_t n)
{
	struct svc_stats st;
	int i;

	for (i = 0; i < 6000; i++) {
		svc_get_stats(pv, &st);
		if (*(uint64_t *)(void *)((char *)&st + field) == n)
			return 1;
		usleep(10000);
	}
	return 0;
}

/*
 * The background pool: without a cache there is none; queued binaries are
 * computed once (a path queued twice, or one cached, is not computed
 * again) and a later read finds them cached; the warm walk finds every
 * binary below the root (not through a symlink, not a text file); closing
 * the service stops a computation under way.
 */
static void prefetch_pool(const char *pe)
{
	char root2[64], db[96], cmd[256];
	struct svc_setup setup = { .drive = "C:" };
	struct svc_names *names = NULL;
	struct cache *c2 = NULL;
	struct svc *pv = NULL;
	const char *bins[] = { "a.dll", "b.exe", "sub/c.dll",
			       "sub/deep/d.sys" };
	char *t;
	double t0;
	int fd, saved = rootfd;
	size_t i;

	strcpy(root2, "/tmp/pfs-pool-XXXXXX");
	CHECK(mkdtemp(root2) != NULL);
	fd = open(root2, O_RDONLY | O_DIRECTORY);
	rootfd = fd; /* put_file and copy_file write below it */
	CHECK(mkdirat(fd, "sub", 0755) == 0 &&
	      mkdirat(fd, "sub/deep", 0755) == 0);
	for (i = 0; i < sizeof(bins) / sizeof(bins[0]); i++) {
		copy_file(pe, bins[i]);
		/* each its own content */
		CHECK(append_beneath(fd, bins[i], i) == 0);
	}
	put_file("notes.txt", "text", 4);
	CHECK(symlinkat("sub", fd, "loop.dll") == 0);
	CHECK(tree_open_posix(root2, NULL, &setup.tree) == 0);

	/* no cache: no pool */
	CHECK(svc_open(&setup, &pv) == 0);
	CHECK(svc_prefetch_start(pv, 2, 0) == -ENOTSUP);
	CHECK(svc_prefetch(pv, "a.dll") == -ENOTSUP);
	svc_close(pv);

	snprintf(db, sizeof(db), "%s.db", root2);
	CHECK(cache_open(db, &c2) == 0);
	setup.cache = c2;
	CHECK(svc_open(&setup, &pv) == 0);
	CHECK(svc_prefetch_start(pv, 2, 1u << SVC_MD) == 0);
	CHECK(svc_prefetch(pv, "a.dll") == 0);
	CHECK(svc_prefetch(pv, "b.exe") == 0);
	CHECK(svc_prefetch(pv, "a.dll") == 0);
	CHECK(stat_reaches(pv, offsetof(struct svc_stats, computed), 2));
	CHECK(stat_reaches(pv, offsetof(struct svc_stats, prefetch_queued), 0));
	t = text_of(pv, "a.dll");
	CHECK(t && strstr(t, "# a.dll\n"));
	free(t);
	CHECK(stats(pv).computed == 2 && stats(pv).cache_hits == 0);
	/* a binary cached already: seen to, not computed */
	CHECK(svc_prefetch(pv, "a.dll") == 0);
	CHECK(stat_reaches(pv, offsetof(struct svc_stats, prefetch_queued), 0));
	usleep(200000);
	CHECK(stats(pv).computed == 2);

	/* the warm walk: the two binaries left, found below sub/ */
	CHECK(svc_names_new(SVC_DEFAULT_EXTS, 0, &names) == 0);
	CHECK(svc_prefetch_warm(pv, names) == 0);
	CHECK(stat_reaches(pv, offsetof(struct svc_stats, warm_walked), 1));
	CHECK(stats(pv).warm_found == 4);
	CHECK(stat_reaches(pv, offsetof(struct svc_stats, computed), 4));
	svc_close(pv);

	/* the walk's binaries: one at a time with two workers (a large-file
	 * slot stays free for a reader), each stopped by the time limit */
	for (i = 0; i < 3; i++) {
		char name[16];

		snprintf(name, sizeof(name), "big%zu.dll", i);
		fd = openat(rootfd, name, O_WRONLY | O_CREAT, 0644);
		CHECK(fd >= 0 && ftruncate(fd, 2ll << 30) == 0);
		close(fd);
	}
	setup.limits.max_seconds = 1;
	CHECK(svc_open(&setup, &pv) == 0);
	CHECK(svc_prefetch_start(pv, 2, 0) == 0);
	CHECK(svc_prefetch_warm(pv, names) == 0);
	{
		uint64_t most = 0;

		for (i = 0; i < 800 && stats(pv).prefetch_done < 7; i++) {
			if (stats(pv).computing > most)
				most = stats(pv).computing;
			usleep(10000);
		}
		CHECK(stats(pv).prefetch_done == 7);
		CHECK(most == 1);
	}
	svc_close(pv);
	setup.limits.max_seconds = 0;
	for (i = 0; i < 3; i++) {
		char name[16];

		snprintf(name, sizeof(name), "big%zu.dll", i);
		CHECK(unlinkat(rootfd, name, 0) == 0);
	}

	/* closing stops a computation under way (a 4 GiB sparse file) */
	fd = openat(rootfd, "huge.dll", O_WRONLY | O_CREAT, 0644);
	CHECK(fd >= 0 && ftruncate(fd, 4ll << 30) == 0);
	close(fd);
	CHECK(svc_open(&setup, &pv) == 0);
	CHECK(svc_prefetch_start(pv, 1, 0) == 0);
	CHECK(svc_prefetch(pv, "huge.dll") == 0);
	CHECK(stat_reaches(pv, offsetof(struct svc_stats, computing), 1));
	t0 = util_now();
	svc_close(pv);
	CHECK(util_now() - t0 < 5);

	svc_names_free(names);
	cache_close(c2);
	tree_close(setup.tree);
	close(rootfd);
	rootfd = saved;
	snprintf(cmd, sizeof(cmd), "rm -rf '%s' '%s'*", root2, db);
	CHECK(system(cmd) == 0);
}

int main(int argc, char **argv)
{
	struct cache *c = NULL;
	struct svc *pv;

	if (argc < 2) {
		fprintf(stderr, "usage: test_service PE\n");
		return 1;
	}
	strcpy(root, "/tmp/pfs-svc-XXXXXX");
	CHECK(mkdtemp(root) != NULL);
	rootfd = open(root, O_RDONLY | O_DIRECTORY);
	CHECK(tree_open_posix(root, NULL, &tree) == 0);
	snprintf(cachepath, sizeof(cachepath), "%s.db", root);
	CHECK(cache_open(cachepath, &c) == 0);
	snprintf(rulespath, sizeof(rulespath), "%s.rules.db", root);
	CHECK(rules_index_new(rulespath, &rules_index) == 0);
	copy_file(argv[1], "app.dll");
	copy_file(argv[1], "never-read.dll");

	pv = open_svc(c, NULL);
	single_flight(pv);
	render_once(pv);
	two_formats(pv);
	invalidation(pv, argv[1]);
	svc_close(pv);
	stored_size(c);
	lying_row(c, argv[1]);
	warmed(c, argv[1]);
	prefetch_pool(argv[1]);

	cache_close(c);
	rules_index_free(rules_index);
	tree_close(tree);
	close(rootfd);
	{
		char cmd[256];

		snprintf(cmd, sizeof(cmd), "rm -rf '%s' '%s.rules' '%s'* '%s'*",
			 root, root, cachepath, rulespath);
		CHECK(system(cmd) == 0);
	}
	return t_done();
}

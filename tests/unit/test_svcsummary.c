/*
 * The tree's summary (summary.h) without a mount: the counts of a tree
 * made here (binaries, cached, not computed), a list capped with "and N
 * more", entries in path order, the caller's callbacks obeyed, and a walk
 * that the time limit cuts says so with the counts it has.
 *
 * argv[1]: a PE image (hello.dll of the examples): not signed, so every
 * cached copy is in the "Not Signed or Not Trusted" list.
 */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "profilefs/cache.h"
#include "profilefs/service.h"
#include "profilefs/sig.h"
#include "profilefs/summary.h"
#include "profilefs/tree.h"
#include "t.h"

#define LIST "## Not Signed or Not Trusted\n\n"

static char root[64], cachepath[128];
static int rootfd;

static void copy_file(const char *from, const char *rel)
{
	static char buf[1 << 20];
	FILE *f = fopen(from, "rb");
	size_t n = f ? fread(buf, 1, sizeof(buf), f) : 0;
	int fd = openat(rootfd, rel, O_WRONLY | O_CREAT | O_TRUNC, 0644);

	CHECK(n > 0 && fd >= 0 && write(fd, buf, n) == (ssize_t)n);
	if (fd >= 0)
		close(fd);
	if (f)
		fclose(f);
}

static char *summary(struct svc *pv, const struct svc_summary_how *how)
{
	char *text = NULL;
	size_t len = 0;

	CHECK(svc_summary(pv, how, &text, &len) == 0);
	CHECK(text && strlen(text) == len);
	return text;
}

/* every file below d? is refused; a folder d3 may not be entered */
static int no_d_files(const struct stat *st, void *arg)
{
	(void)arg;
	return st->st_size != 7;
}

static int not_d3(const struct stat *st, void *arg)
{
	(void)arg;
	return st->st_ino != *(ino_t *)arg;
}

/* 0.4 s for each small file: the walk passes 1 s in d2/ */
static int slow_read(const struct stat *st, void *arg)
{
	(void)arg;
	if (st->st_size == 7)
		usleep(400000);
	return 1;
}

int main(int argc, char **argv)
{
	struct svc_setup setup = { .drive = "C:" };
	struct svc_summary_how how = { 0 };
	struct svc_names *names = NULL;
	struct sig_trust *trust = NULL;
	struct cache *c = NULL;
	struct svc *pv = NULL;
	enum svc_warmed what;
	struct stat d3;
	uint64_t read;
	char rel[64], *text, *p, *q;
	int i, fd;

	if (argc < 2) {
		fprintf(stderr, "usage: test_svcsummary PE\n");
		return 1;
	}
	strcpy(root, "/tmp/pfs-sum-XXXXXX");
	CHECK(mkdtemp(root) != NULL);
	rootfd = open(root, O_RDONLY | O_DIRECTORY);
	CHECK(mkdirat(rootfd, "b", 0755) == 0);
	/* 12 copies in b/, in a listing order that is not the paths' */
	for (i = 11; i >= 0; i--) {
		snprintf(rel, sizeof(rel), "b/x%02d (y).dll", i);
		copy_file(argv[1], rel);
	}
	/* five folders of one small file each (7 bytes: no_d_files) */
	for (i = 0; i < 5; i++) {
		snprintf(rel, sizeof(rel), "d%d", i);
		CHECK(mkdirat(rootfd, rel, 0755) == 0);
		snprintf(rel, sizeof(rel), "d%d/f.sys", i);
		fd = openat(rootfd, rel, O_WRONLY | O_CREAT, 0644);
		CHECK(fd >= 0 && write(fd, "MZ12345", 7) == 7);
		close(fd);
	}
	CHECK(fstatat(rootfd, "d3", &d3, 0) == 0);

	CHECK(tree_open_posix(root, NULL, &setup.tree) == 0);
	snprintf(cachepath, sizeof(cachepath), "%s.db", root);
	CHECK(cache_open(cachepath, &c) == 0);
	CHECK(sig_trust_new(&trust) == 0);
	setup.cache = c;
	setup.trust = trust;
	CHECK(svc_open(&setup, &pv) == 0);
	CHECK(svc_names_new(SVC_DEFAULT_EXTS, 0, &names) == 0);
	how.names = names;
	/* cached: ten of b/, and d0's file */
	for (i = 0; i < 10; i++) {
		snprintf(rel, sizeof(rel), "b/x%02d (y).dll", i);
		CHECK(svc_warm(pv, rel, &what, &read) == 0);
	}
	CHECK(svc_warm(pv, "d0/f.sys", &what, &read) == 0);

	how.max_list = 4;
	text = summary(pv, &how);
	CHECK(strstr(text, "* Binaries: 17\n") != NULL);
	CHECK(strstr(text, "* Profiled: 11 (cached)\n") != NULL);
	CHECK(strstr(text, "* Not Computed Yet: 6 ") != NULL);
	CHECK(strstr(text, "* Walk: complete\n") != NULL);
	CHECK(strstr(text, "\n`not_signed` | 10\n") != NULL);
	CHECK(strstr(text, "\nnone (not a PE image, or no trust) | 1\n") !=
	      NULL);
	/* the first four of ten, in the paths' order, then the rest counted */
	p = strstr(text, LIST);
	q = p ? strstr(p, "\n\n## ") : NULL;
	CHECK(p && q);
	if (p && q) {
		*q = '\0';
		CHECK_STR(p + strlen(LIST),
			  "* [`b/x00 (y).dll`](b/x00%20%28y%29.dll.md): "
			  "`not_signed`\n"
			  "* [`b/x01 (y).dll`](b/x01%20%28y%29.dll.md): "
			  "`not_signed`\n"
			  "* [`b/x02 (y).dll`](b/x02%20%28y%29.dll.md): "
			  "`not_signed`\n"
			  "* [`b/x03 (y).dll`](b/x03%20%28y%29.dll.md): "
			  "`not_signed`\n"
			  "* and 6 more");
	}
	free(text);

	/* what the caller may not read or enter is neither counted nor
	 * listed */
	how.may_read = no_d_files;
	how.may_enter = not_d3;
	how.arg = &d3.st_ino;
	text = summary(pv, &how);
	CHECK(strstr(text, "* Binaries: 12\n") != NULL);
	CHECK(strstr(text, "* Profiled: 10 (cached)\n") != NULL);
	free(text);
	how.may_read = NULL;
	text = summary(pv, &how);
	CHECK(strstr(text, "* Binaries: 16\n") != NULL);
	free(text);

	/* a walk the time limit cuts, with the counts so far: b/ and some
	 * of d0/ to d3/ (14 when b/ takes no time) */
	how.may_enter = NULL;
	how.may_read = slow_read;
	how.max_seconds = 1;
	text = summary(pv, &how);
	CHECK(strstr(text, "* Walk: cut at the time limit (1 s): the counts "
			   "are those of the binaries seen so far\n") != NULL);
	p = strstr(text, "* Binaries: ");
	CHECK(p && sscanf(p, "* Binaries: %d", &i) == 1 && i >= 12 && i < 17);
	free(text);

	svc_close(pv);
	svc_names_free(names);
	sig_trust_free(trust);
	cache_close(c);
	tree_close(setup.tree);
	close(rootfd);
	{
		char cmd[256];

		snprintf(cmd, sizeof(cmd), "rm -rf '%s' '%s'*", root,
			 cachepath);
		CHECK(system(cmd) == 0);
	}
	return t_done();
}

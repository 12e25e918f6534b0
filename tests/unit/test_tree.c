/*
 * tree (POSIX): a folder read through tree.h, every answer held against
 * what the system's own calls say of the same paths (lstat, readdir,
 * read, statvfs, lgetxattr), and the resolution's refusals: no "..", no
 * symlinked folder crossed, no link followed.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <sys/xattr.h>
#include <unistd.h>

#include "profilefs/tree.h"
#include "t.h"

static char root[64];

static void put(const char *rel, const char *text)
{
	char path[320];
	int fd;

	snprintf(path, sizeof(path), "%s/%s", root, rel);
	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
	CHECK(fd >= 0 &&
	      write(fd, text, strlen(text)) == (ssize_t)strlen(text));
	if (fd >= 0)
		close(fd);
}

static int real_lstat(const char *rel, struct stat *st)
{
	char path[320];

	snprintf(path, sizeof(path), "%s/%s", root, rel);
	return lstat(path, st);
}

static int same_stat(const struct stat *a, const struct stat *b)
{
	return a->st_dev == b->st_dev && a->st_ino == b->st_ino &&
	       a->st_mode == b->st_mode && a->st_size == b->st_size &&
	       a->st_mtim.tv_sec == b->st_mtim.tv_sec &&
	       a->st_mtim.tv_nsec == b->st_mtim.tv_nsec;
}

static void make_source(void)
{
	char path[320];

	strcpy(root, "/tmp/pfs-tree-XXXXXX");
	CHECK(mkdtemp(root) != NULL);
	snprintf(path, sizeof(path), "%s/a", root);
	CHECK(mkdir(path, 0755) == 0);
	put("a/b.bin", "MZ0123456789");
	put("f.txt", "outside the folder");
	snprintf(path, sizeof(path), "%s/link", root);
	CHECK(symlink("a", path) == 0);
	snprintf(path, sizeof(path), "%s/out", root);
	CHECK(symlink("/etc", path) == 0);
	snprintf(path, sizeof(path), "%s/fifo", root);
	CHECK(mkfifo(path, 0644) == 0);
}

static void resolution(struct tree *t)
{
	struct tree_file *f = NULL;
	struct stat st, real;
	char buf[64];

	/* entries as lstat(2) says, the root by "" */
	CHECK(tree_lstat(t, "a/b.bin", &st) == 0 &&
	      real_lstat("a/b.bin", &real) == 0 && same_stat(&st, &real));
	CHECK(tree_lstat(t, "", &st) == 0 && real_lstat("", &real) == 0 &&
	      same_stat(&st, &real) && S_ISDIR(st.st_mode));
	CHECK(tree_lstat(t, "missing", &st) == -ENOENT);
	/* nothing above the root */
	CHECK(tree_lstat(t, "..", &st) < 0);
	CHECK(tree_lstat(t, "../etc/passwd", &st) < 0);
	CHECK(tree_lstat(t, "a/../../etc/passwd", &st) < 0);
	CHECK(tree_file_open(t, "../etc/passwd", &f, &st) < 0 && !f);
	/* a link is itself, never crossed nor followed */
	CHECK(tree_lstat(t, "link", &st) == 0 && S_ISLNK(st.st_mode));
	CHECK(tree_lstat(t, "link/b.bin", &st) < 0);
	CHECK(tree_lstat(t, "out/passwd", &st) < 0);
	CHECK(tree_file_open(t, "link/b.bin", &f, &st) < 0 && !f);
	CHECK(tree_file_open(t, "out/passwd", &f, &st) < 0 && !f);
	CHECK(tree_file_open(t, "link", &f, &st) < 0 && !f);
	CHECK(tree_list(t, "link", NULL, NULL) < 0);
	CHECK(tree_readlink(t, "link", buf, sizeof(buf)) == 0 &&
	      strcmp(buf, "a") == 0);
	CHECK(tree_readlink(t, "out", buf, sizeof(buf)) == 0 &&
	      strcmp(buf, "/etc") == 0);
	CHECK(tree_readlink(t, "f.txt", buf, sizeof(buf)) == -EINVAL);
	CHECK(tree_readlink(t, "link", buf, 0) == -EINVAL);
	/* what is no regular file is not opened (and a FIFO does not
	 * block the open) */
	CHECK(tree_file_open(t, "fifo", &f, &st) == -EINVAL && !f);
	CHECK(tree_file_open(t, "a", &f, &st) == -EINVAL && !f);
}

struct seen {
	char names[16][64];
	struct stat st[16];
	size_t n;
	int stop_at; /* return 7 at this entry (-1: never) */
};

static int collect(void *arg, const char *name, const struct stat *st)
{
	struct seen *s = arg;

	if (s->n < 16) {
		snprintf(s->names[s->n], sizeof(s->names[0]), "%s", name);
		s->st[s->n] = *st;
	}
	s->n++;
	return (int)s->n - 1 == s->stop_at ? 7 : 0;
}

static void listing(struct tree *t)
{
	struct seen s = { .stop_at = -1 };
	struct dirent *de;
	struct stat real;
	size_t i, want = 0, found;
	DIR *d;

	CHECK(tree_list(t, "", collect, &s) == 0);
	/* readdir(3) of the same folder is the oracle */
	d = opendir(root);
	CHECK(d != NULL);
	while (d && (de = readdir(d)) != NULL) {
		if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, ".."))
			continue;
		want++;
		for (found = 0, i = 0; i < s.n && i < 16; i++)
			if (!strcmp(s.names[i], de->d_name))
				found = 1 + i;
		CHECK(found);
		CHECK(found && real_lstat(de->d_name, &real) == 0 &&
		      same_stat(&s.st[found - 1], &real));
	}
	if (d)
		closedir(d);
	CHECK(want == 5 && s.n == want);
	/* a non-zero return ends the listing and is returned */
	memset(&s, 0, sizeof(s));
	s.stop_at = 1;
	CHECK(tree_list(t, "", collect, &s) == 7 && s.n == 2);
	memset(&s, 0, sizeof(s));
	s.stop_at = -1;
	CHECK(tree_list(t, "a", collect, &s) == 0 && s.n == 1 &&
	      !strcmp(s.names[0], "b.bin"));
	CHECK(tree_list(t, "f.txt", collect, &s) == -ENOTDIR);
	CHECK(tree_list(t, "missing", collect, &s) == -ENOENT);
}

static void bytes(struct tree *t)
{
	struct tree_file *f = NULL, *g = NULL;
	struct stat st, fst, real;
	char buf[32];
	int fd;

	CHECK(tree_file_open(t, "a/b.bin", &f, &st) == 0 && f);
	if (!f)
		return;
	CHECK(real_lstat("a/b.bin", &real) == 0 && same_stat(&st, &real));
	CHECK(tree_fstat(f, &fst) == 0 && same_stat(&fst, &real));
	CHECK(tree_file_fd(f) >= 0);
	memset(buf, 0, sizeof(buf));
	CHECK(tree_pread(f, buf, sizeof(buf), 0) == 12 &&
	      memcmp(buf, "MZ0123456789", 12) == 0);
	CHECK(tree_pread(f, buf, 4, 8) == 4 && memcmp(buf, "6789", 4) == 0);
	CHECK(tree_pread(f, buf, 4, 12) == 0);
	CHECK(tree_pread(f, buf, 4, UINT64_MAX) == 0);
	tree_file_close(f);
	tree_file_close(NULL);
	/* a descriptor of no tree: read the same, left open */
	fd = open("/proc/self/exe", O_RDONLY);
	CHECK(fd >= 0 && tree_file_posix_fd(fd, &g) == 0);
	CHECK(g && tree_pread(g, buf, 4, 0) == 4 &&
	      memcmp(buf, "\177ELF", 4) == 0);
	tree_file_close(g);
	CHECK(fd >= 0 && fcntl(fd, F_GETFD) >= 0);
	if (fd >= 0)
		close(fd);
}

static void beyond_stat(struct tree *t)
{
	struct tree_stream *s = (struct tree_stream *)&s;
	struct tree_facts facts;
	struct statvfs sv, real;
	char path[256], v[64], list[256];
	ssize_t n, want;
	size_t ns = 99;
	int err;

	/* no named streams here, for what exists */
	CHECK(tree_streams(t, "a/b.bin", &s, &ns) == 0 && s == NULL && ns == 0);
	CHECK(tree_streams(t, "missing", &s, &ns) == -ENOENT);
	tree_streams_free(NULL, 0);
	CHECK(tree_stream_read(t, "a/b.bin", "Zone.Identifier", v, sizeof(v)) ==
	      -ENOENT);
	/* nothing known beyond stat */
	memset(&facts, 0xff, sizeof(facts));
	CHECK(tree_facts(t, "a/b.bin", &facts) == 0 && facts.have == 0 &&
	      facts.storage[0] == '\0' && facts.unreadable[0] == '\0');
	CHECK(tree_facts(t, "link", &facts) == 0 && facts.have == 0);
	CHECK(tree_facts(t, "missing", &facts) == -ENOENT);
	CHECK(tree_statvfs(t, &sv) == 0 && statvfs(root, &real) == 0 &&
	      sv.f_bsize == real.f_bsize && sv.f_blocks == real.f_blocks &&
	      sv.f_fsid == real.f_fsid);
	/* xattrs as lgetxattr(2) says (whether the file system keeps user
	 * xattrs or not) */
	snprintf(path, sizeof(path), "%s/a/b.bin", root);
	(void)setxattr(path, "user.pfs", "v1", 2, 0);
	want = lgetxattr(path, "user.pfs", v, sizeof(v));
	err = errno;
	n = tree_getxattr(t, "a/b.bin", "user.pfs", v, sizeof(v));
	CHECK(want >= 0 ? n == want && memcmp(v, "v1", 2) == 0 : n == -err);
	want = llistxattr(path, list, sizeof(list));
	err = errno;
	n = tree_listxattr(t, "a/b.bin", list, sizeof(list));
	CHECK(want >= 0 ? n == want : n == -err);
	/* a link's own, never its target's */
	snprintf(path, sizeof(path), "%s/out", root);
	want = lgetxattr(path, "user.pfs", v, sizeof(v));
	err = errno;
	CHECK(want < 0 &&
	      tree_getxattr(t, "out", "user.pfs", v, sizeof(v)) == -err);
	CHECK(tree_getxattr(t, "missing", "user.pfs", v, sizeof(v)) == -ENOENT);
}

static void volume(void)
{
	struct tree_opts named = { 0, "evidence 7" };
	struct tree *a = NULL, *b = NULL;
	struct stat st;
	char d[128];

	CHECK(tree_open_posix(root, &named, &a) == 0);
	CHECK(tree_open_posix(root, NULL, &b) == 0);
	if (!a || !b)
		goto out;
	CHECK(tree_lstat(a, "", &st) == 0);
	/* the user's name, whatever the device */
	CHECK(tree_volume_id(a, st.st_dev) == tree_volume_id(a, 0));
	CHECK(tree_volume_describe(a, st.st_dev, d, sizeof(d)) == 0 &&
	      strcmp(d, "name evidence 7") == 0);
	/* without: the device's, the same each time, another than the
	 * name's */
	CHECK(tree_volume_id(b, st.st_dev) == tree_volume_id(b, st.st_dev));
	CHECK(tree_volume_id(b, st.st_dev) != tree_volume_id(a, st.st_dev));
	CHECK(tree_volume_describe(b, st.st_dev, d, sizeof(d)) == 0 &&
	      (!strncmp(d, "uuid ", 5) || !strncmp(d, "dev ", 4)));
out:
	tree_close(a);
	tree_close(b);
}

int main(void)
{
	struct tree_opts empty = { 0, "" };
	struct tree *t = NULL;
	char cmd[128];

	make_source();
	CHECK(tree_open_posix("/nonexistent-pfs", NULL, &t) == -ENOENT && !t);
	CHECK(tree_open_posix(root, &empty, &t) == -EINVAL && !t);
	snprintf(cmd, sizeof(cmd), "%s/f.txt", root);
	CHECK(tree_open_posix(cmd, NULL, &t) == -ENOTDIR && !t);
	CHECK(tree_open_posix(root, NULL, &t) == 0 && t);
	if (t) {
		CHECK(strcmp(tree_kind(t), "posix") == 0);
		CHECK(tree_warning(t) == NULL);
		resolution(t);
		listing(t);
		bytes(t);
		beyond_stat(t);
	}
	tree_close(t);
	tree_close(NULL);
	volume();
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", root);
	CHECK(system(cmd) == 0);
	return t_done();
}

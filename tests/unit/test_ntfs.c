/*
 * The NTFS tree's answers at its edges, through tree.h, on the image
 * test_ntfs.sh made: test_ntfs IMAGE BLOCKS FREE NAME_ID
 * (BLOCKS and FREE: the volume's clusters and free clusters as ntfs-3g's
 * statfs gives them; NAME_ID: the hex of sha256("name:x")'s first 8
 * bytes, from sha256sum). What no path may reach ($MFT, "..", an empty
 * component, through a file or a link), what no call may do to what is
 * not its kind, reads at and past the end, the stop of a listing.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "profilefs/tree.h"
#include "t.h"

static int count_entries(void *arg, const char *name, const struct stat *st)
{
	(void)name;
	(void)st;
	return ++*(int *)arg == 3 ? 7 : 0;
}

static void paths(struct tree *t)
{
	char long_name[300];
	struct stat st;

	CHECK(tree_lstat(t, "", &st) == 0 && S_ISDIR(st.st_mode) &&
	      st.st_ino == 5);
	CHECK(tree_lstat(t, "$MFT", &st) == -ENOENT);
	CHECK(tree_lstat(t, "$Extend", &st) == -ENOENT);
	CHECK(tree_lstat(t, "..", &st) == -ENOENT);
	CHECK(tree_lstat(t, ".", &st) == -ENOENT);
	CHECK(tree_lstat(t, "Windows/../big.bin", &st) == -ENOENT);
	CHECK(tree_lstat(t, "Windows//System32", &st) == -ENOENT);
	CHECK(tree_lstat(t, "/big.bin", &st) == -ENOENT);
	CHECK(tree_lstat(t, "big.bin/x", &st) == -ENOTDIR);
	CHECK(tree_lstat(t, "linux-link/x", &st) == -ENOTDIR);
	CHECK(tree_lstat(t, "nothing", &st) == -ENOENT);
	memset(long_name, 'a', sizeof(long_name) - 1);
	long_name[sizeof(long_name) - 1] = '\0';
	CHECK(tree_lstat(t, long_name, &st) == -ENAMETOOLONG);
	CHECK(tree_lstat(t, "Windows/System32/hello.dll", &st) == 0 &&
	      S_ISREG(st.st_mode) && (st.st_mode & 0777) == 0444 &&
	      st.st_nlink == 2);
}

static void kinds(struct tree *t)
{
	struct tree_file *f = NULL;
	struct tree_facts fa;
	struct stat st;
	char buf[8];
	int n = 0;

	CHECK(tree_readlink(t, "big.bin", buf, sizeof(buf)) == -EINVAL);
	CHECK(tree_readlink(t, "Windows", buf, sizeof(buf)) == -EINVAL);
	/* truncated as readlink(2), and NUL-terminated */
	CHECK(tree_readlink(t, "linux-link", buf, sizeof(buf)) == 0);
	CHECK_STR(buf, "Windows");
	CHECK(tree_list(t, "big.bin", count_entries, &n) == -ENOTDIR);
	CHECK(tree_list(t, "linux-link", count_entries, &n) == -ENOTDIR);
	CHECK(tree_list(t, "nothing", count_entries, &n) == -ENOENT);
	n = 0;
	CHECK(tree_list(t, "", count_entries, &n) == 7 && n == 3);
	CHECK(tree_file_open(t, "Windows", &f, &st) == -EINVAL);
	CHECK(tree_file_open(t, "linux-link", &f, &st) == -EINVAL);
	CHECK(tree_file_open(t, "nothing", &f, &st) == -ENOENT);
	CHECK(tree_file_open(t, "dedup.dll", &f, &st) == -EIO);
	CHECK(tree_facts(t, "dedup.dll", &fa) == 0 && fa.unreadable[0] &&
	      fa.reparse_tag == 0x80000013u && (fa.have & TREE_HAVE_REPARSE));
	CHECK(tree_facts(t, "big.bin", &fa) == 0 && !fa.unreadable[0] &&
	      fa.reparse_tag == 0 && (fa.have & TREE_HAVE_FN_TIMES) &&
	      (fa.have & TREE_HAVE_RECORD) && fa.attributes == 0x20);
	CHECK(tree_facts(t, "Windows", &fa) == 0 && (fa.attributes & 0x10) &&
	      !(fa.attributes & 0x10000000u));
	CHECK(tree_getxattr(t, "big.bin", "user.x", buf, sizeof(buf)) ==
	      -ENODATA);
	CHECK(tree_listxattr(t, "big.bin", buf, sizeof(buf)) == 0);
}

static void bytes(struct tree *t)
{
	struct tree_stream *s = NULL;
	struct tree_file *f;
	struct stat st, fst;
	char buf[16];
	size_t n = 99;

	if (tree_file_open(t, "big.bin", &f, &st) != 0) {
		CHECK(!"big.bin opens");
		return;
	}
	CHECK(tree_file_fd(f) == -1);
	CHECK(tree_fstat(f, &fst) == 0 && fst.st_size == st.st_size &&
	      fst.st_ino == st.st_ino);
	CHECK(tree_pread(f, buf, sizeof(buf), (uint64_t)st.st_size) == 0);
	CHECK(tree_pread(f, buf, sizeof(buf), UINT64_MAX) == 0);
	CHECK(tree_pread(f, buf, sizeof(buf), (uint64_t)st.st_size - 1) == 1);
	CHECK(tree_pread(f, buf, 0, 0) == 0);
	tree_file_close(f);
	tree_file_close(NULL);
	CHECK(tree_streams(t, "big.bin", &s, &n) == 0 && n == 0);
	tree_streams_free(s, n);
	CHECK(tree_stream_read(t, "big.bin", "none", buf, sizeof(buf)) ==
	      -ENOENT);
	CHECK(tree_stream_read(t, "Windows/System32/tool.exe",
			       "Zone.Identifier", buf, 4) == 4 &&
	      memcmp(buf, "[Zon", 4) == 0);
}

int main(int argc, char **argv)
{
	struct tree_opts o = { 0 };
	struct statvfs sv;
	struct tree *t;
	char err[512], desc[64];

	if (argc != 5) {
		fprintf(stderr, "usage: test_ntfs IMAGE BLOCKS FREE NAME_ID\n");
		return 2;
	}
	if (tree_open(argv[1], &o, &t, err, sizeof(err)) != 0) {
		fprintf(stderr, "%s\n", err);
		return 1;
	}
	CHECK_STR(tree_kind(t), "ntfs");
	CHECK(tree_warning(t) == NULL);
	paths(t);
	kinds(t);
	bytes(t);
	CHECK(tree_statvfs(t, &sv) == 0 &&
	      sv.f_blocks == strtoull(argv[2], NULL, 10) &&
	      sv.f_bfree == strtoull(argv[3], NULL, 10) &&
	      (sv.f_flag & ST_RDONLY));
	CHECK(tree_volume_describe(t, 0, desc, 5) == -ENOSPC);
	tree_close(t);

	o.volume_name = "x";
	CHECK(tree_open(argv[1], &o, &t, err, sizeof(err)) == 0);
	if (t) {
		snprintf(desc, sizeof(desc), "%016" PRIx64,
			 tree_volume_id(t, 0));
		CHECK_STR(desc, argv[4]);
		CHECK(tree_volume_describe(t, 0, desc, sizeof(desc)) == 0);
		CHECK_STR(desc, "name x");
		tree_close(t);
	}
	return t_done();
}

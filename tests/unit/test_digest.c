/*
 * digest against the tools people trust: md5sum .. sha512sum and ssdeep,
 * on generated files of sizes around block edges, fed in odd chunks. The
 * same files also go through prof_compute(), the one-read path the mount
 * uses, which must agree.
 */
#include <fcntl.h>
#include <stdlib.h>
#include <unistd.h>

#include "profilefs/digest.h"
#include "profilefs/profile.h"
#include "profilefs/tree.h"
#include "t.h"

/* prof_compute() over a descriptor, as a tree_file of no tree */
static int compute_fd(int fd, const struct stat *st, struct prof **out)
{
	struct tree_file *f;
	int rc = tree_file_posix_fd(fd, &f);

	if (rc)
		return rc;
	rc = prof_compute(f, st, NULL, NULL, out);
	tree_file_close(f);
	return rc;
}

static char dir[] = "/tmp/pfs-digest-XXXXXX";

/* The first word of a command's first output line (or of line `line`). */
static void tool(const char *cmd, const char *file, int line, char *out,
		 size_t n)
{
	char buf[1024], full[1200];
	FILE *p;
	int i;

	snprintf(full, sizeof(full), "%s '%s' 2>/dev/null", cmd, file);
	out[0] = '\0';
	p = popen(full, "r");
	if (!p)
		return;
	for (i = 0; i <= line; i++)
		if (!fgets(buf, sizeof(buf), p))
			buf[0] = '\0';
	pclose(p);
	buf[strcspn(buf, " ,\n")] = '\0';
	snprintf(out, n, "%s", buf);
}

static void make_file(const char *path, size_t size, unsigned seed)
{
	FILE *f = fopen(path, "wb");
	uint32_t x = seed * 2654435761u + 1;
	size_t i;

	for (i = 0; i < size; i++) {
		/* xorshift: repeatable bytes with some structure for ssdeep */
		x ^= x << 13;
		x ^= x >> 17;
		x ^= x << 5;
		fputc((int)(i % 512 < 300 ? (x & 0xff) : (i & 0x3f)), f);
	}
	fclose(f);
}

static void check_file(const char *path, size_t size, size_t chunk)
{
	char want[256], hex[129];
	struct dg_result r;
	struct dg_ctx *c;
	struct prof *p = NULL;
	struct stat st;
	uint8_t *buf = malloc(size ? size : 1);
	int fd = open(path, O_RDONLY);
	size_t off;
	int rc = 0;

	CHECK(fd >= 0 && read(fd, buf, size) == (ssize_t)size);
	CHECK(dg_new(&c, chunk == 1 ? UINT64_MAX : size) == 0);
	for (off = 0; off < size; off += chunk)
		rc |= dg_update(c, buf + off,
				size - off < chunk ? size - off : chunk);
	CHECK(rc == 0);
	CHECK(dg_final(c, &r) == 0);
	dg_free(c);

	tool("md5sum", path, 0, want, sizeof(want));
	dg_hex(r.md5, 16, hex, 0);
	CHECK_STR(hex, want);
	tool("sha1sum", path, 0, want, sizeof(want));
	dg_hex(r.sha1, 20, hex, 0);
	CHECK_STR(hex, want);
	tool("sha256sum", path, 0, want, sizeof(want));
	dg_hex(r.sha256, 32, hex, 0);
	CHECK_STR(hex, want);
	tool("sha384sum", path, 0, want, sizeof(want));
	dg_hex(r.sha384, 48, hex, 0);
	CHECK_STR(hex, want);
	tool("sha512sum", path, 0, want, sizeof(want));
	dg_hex(r.sha512, 64, hex, 0);
	CHECK_STR(hex, want);
	tool("ssdeep -b", path, 1, want, sizeof(want));
	CHECK_STR(r.ssdeep, want);

	/* the mount's path: one read, same answers */
	CHECK(fstat(fd, &st) == 0);
	CHECK(compute_fd(fd, &st, &p) == 0);
	if (p) {
		CHECK(p->hashed && p->size == size);
		CHECK(memcmp(p->dg.md5, r.md5, sizeof(r.md5)) == 0);
		CHECK(memcmp(p->dg.sha1, r.sha1, sizeof(r.sha1)) == 0);
		CHECK(memcmp(p->dg.sha256, r.sha256, sizeof(r.sha256)) == 0);
		CHECK(memcmp(p->dg.sha384, r.sha384, sizeof(r.sha384)) == 0);
		CHECK(memcmp(p->dg.sha512, r.sha512, sizeof(r.sha512)) == 0);
		CHECK_STR(p->dg.ssdeep, r.ssdeep);
	}
	prof_free(p);
	close(fd);
	free(buf);
}

int main(void)
{
	static const size_t sizes[] = { 0,    1,    63,	  64,	   65,
					127,  128,  129,  4095,	   4096,
					4097, 8191, 8192, 1048577, 3145739 };
	static const size_t chunks[] = { 1, 7, 64, 4096, 1 << 20 };
	char path[64];
	size_t i;

	if (!mkdtemp(dir))
		return 1;
	for (i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
		snprintf(path, sizeof(path), "%s/f%zu", dir, i);
		make_file(path, sizes[i], (unsigned)i);
		/* byte-at-a-time feeding only where it stays quick */
		check_file(path, sizes[i],
			   chunks[sizes[i] > 10000 ? 2 + i % 3 : i % 5]);
		unlink(path);
	}
	/* large enough for the two threads (ssdeep beside the EVP digests),
	 * in chunks that take turns with a last one hashed on one thread */
	snprintf(path, sizeof(path), "%s/split", dir);
	make_file(path, 9000017, 99);
	check_file(path, 9000017, 100000);
	unlink(path);
	rmdir(dir);
	return t_done();
}

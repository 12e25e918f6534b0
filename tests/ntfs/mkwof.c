/*
 * mkwof: makes the pieces of a system-compressed (WOF) file, for the
 * tests, and reads one back.
 *
 *   mkwof [-f FORMAT] [--raw-last] [--damage KIND] IN STREAM REPARSE
 *   mkwof [-f FORMAT] --zeros SIZE STREAM REPARSE
 *	writes STREAM, the WofCompressedData stream of the file IN (or of
 *	SIZE zero bytes), and REPARSE, the reparse buffer for ntfs-3g's
 *	system.ntfs_reparse_data. FORMAT: xpress4k (default), lzx,
 *	xpress8k, xpress16k. KIND: bad-table, truncated, garbage.
 *   mkwof --decode STREAM SIZE FORMAT [OFF LEN]
 *	writes the SIZE real bytes of STREAM (or LEN of them from OFF) to
 *	stdout with src/tree/wof.c; exit 1 with the reader's reason on a
 *	damaged stream.
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "wof.h"
#include "wofwrite.h"

static ssize_t fd_read(void *arg, void *buf, size_t n, uint64_t off)
{
	ssize_t r;

	do
		r = pread(*(int *)arg, buf, n, (off_t)off);
	while (r < 0 && errno == EINTR);
	return r < 0 ? -errno : r;
}

/* a sparse input's holes are zeros without reading them (a file of 4 GiB
 * of zeros is made in a second) */
static ssize_t sparse_read(void *arg, void *buf, size_t n, uint64_t off)
{
	off_t data = lseek(*(int *)arg, (off_t)off, SEEK_DATA);

	if (data < 0 && errno == ENXIO)
		data = (off_t)(off + n); /* a hole up to the end */
	if (data > (off_t)off) {
		if ((uint64_t)data - off < n)
			n = (size_t)((uint64_t)data - off);
		memset(buf, 0, n);
		return (ssize_t)n;
	}
	return fd_read(arg, buf, n, off);
}

static ssize_t zero_read(void *arg, void *buf, size_t n, uint64_t off)
{
	(void)arg;
	(void)off;
	memset(buf, 0, n);
	return (ssize_t)n;
}

static int usage(void)
{
	fprintf(stderr,
		"usage: mkwof [-f FORMAT] [--raw-last] [--damage bad-table|"
		"truncated|garbage] IN|--zeros SIZE STREAM REPARSE\n"
		"       mkwof --decode STREAM SIZE FORMAT [OFF LEN]\n");
	return 2;
}

static int parse_size(const char *s, uint64_t *v)
{
	char *end;

	errno = 0;
	*v = strtoull(s, &end, 0);
	return errno || end == s || *end ? -EINVAL : 0;
}

static int decode(const char *path, const char *size_s, const char *fmt_s,
		  const char *off_s, const char *len_s)
{
	static uint8_t buf[1 << 20];
	enum wof_format fmt;
	struct wof *w = NULL;
	uint64_t size, off = 0, end, len;
	struct stat st;
	ssize_t r = 0;
	int fd, rc = 1;

	if (parse_size(size_s, &size) || wofw_parse_format(fmt_s, &fmt))
		return usage();
	end = size;
	if (off_s && (parse_size(off_s, &off) || parse_size(len_s, &len) ||
		      off > size || len > size - off))
		return usage();
	if (off_s)
		end = off + len;
	fd = open(path, O_RDONLY);
	if (fd < 0 || fstat(fd, &st)) {
		fprintf(stderr, "mkwof: cannot open %s\n", path);
		return 1;
	}
	if (wof_open(fmt, size, (uint64_t)st.st_size, fd_read, &fd, &w)) {
		fprintf(stderr, "mkwof: %s: stream too short for its table\n",
			path);
		goto out;
	}
	while (off < end &&
	       (r = wof_pread(w, buf,
			      end - off < sizeof(buf) ? (size_t)(end - off)
						      : sizeof(buf),
			      off)) > 0) {
		if (fwrite(buf, 1, (size_t)r, stdout) != (size_t)r)
			goto out;
		off += (uint64_t)r;
	}
	if (r < 0)
		fprintf(stderr, "mkwof: %s: %s (%s)\n", path, strerror((int)-r),
			wof_why(w));
	else if (off == end)
		rc = 0;
out:
	wof_close(w);
	close(fd);
	return fflush(stdout) ? 1 : rc;
}

static int encode(const struct wofw_opts *o, const char *in, int zeros,
		  uint64_t zsize, const char *stream, const char *reparse)
{
	uint8_t rp[WOFW_REPARSE_SIZE];
	uint64_t size = zsize, ssize;
	int ifd = -1, ofd, r;
	struct stat st;
	FILE *f;

	if (!zeros) {
		ifd = open(in, O_RDONLY);
		if (ifd < 0 || fstat(ifd, &st)) {
			fprintf(stderr, "mkwof: cannot open %s\n", in);
			return 1;
		}
		size = (uint64_t)st.st_size;
	}
	ofd = open(stream, O_RDWR | O_CREAT | O_TRUNC, 0644);
	if (ofd < 0) {
		fprintf(stderr, "mkwof: cannot create %s\n", stream);
		return 1;
	}
	r = wofw_write(o, zeros ? zero_read : sparse_read, &ifd, size, ofd,
		       &ssize);
	close(ofd);
	if (ifd >= 0)
		close(ifd);
	if (r) {
		fprintf(stderr, "mkwof: %s: %s\n", stream, strerror(-r));
		return 1;
	}
	wofw_reparse(o->fmt, rp);
	f = fopen(reparse, "wb");
	if (!f || fwrite(rp, 1, sizeof(rp), f) != sizeof(rp) || fclose(f)) {
		fprintf(stderr, "mkwof: cannot write %s\n", reparse);
		return 1;
	}
	printf("%" PRIu64 " %" PRIu64 " %s\n", size, ssize,
	       wof_format_name(o->fmt));
	return 0;
}

int main(int argc, char **argv)
{
	struct wofw_opts o = { .fmt = WOF_XPRESS4K };
	uint64_t zsize = 0;
	int i, zeros = 0;

	for (i = 1; i < argc && argv[i][0] == '-' && argv[i][1]; i++) {
		if (!strcmp(argv[i], "--decode") && argc - i == 4)
			return decode(argv[i + 1], argv[i + 2], argv[i + 3],
				      NULL, NULL);
		if (!strcmp(argv[i], "--decode") && argc - i == 6)
			return decode(argv[i + 1], argv[i + 2], argv[i + 3],
				      argv[i + 4], argv[i + 5]);
		if (!strcmp(argv[i], "-f") && i + 1 < argc) {
			if (wofw_parse_format(argv[++i], &o.fmt))
				return usage();
		} else if (!strcmp(argv[i], "--raw-last")) {
			o.raw_last = 1;
		} else if (!strcmp(argv[i], "--zeros") && i + 1 < argc) {
			zeros = 1;
			if (parse_size(argv[++i], &zsize))
				return usage();
		} else if (!strcmp(argv[i], "--damage") && i + 1 < argc) {
			i++;
			if (!strcmp(argv[i], "bad-table"))
				o.damage = WOFW_BAD_TABLE;
			else if (!strcmp(argv[i], "truncated"))
				o.damage = WOFW_TRUNCATED;
			else if (!strcmp(argv[i], "garbage"))
				o.damage = WOFW_GARBAGE;
			else
				return usage();
		} else {
			return usage();
		}
	}
	if (argc - i != (zeros ? 2 : 3))
		return usage();
	return encode(&o, zeros ? NULL : argv[i], zeros, zsize,
		      argv[i + !zeros], argv[i + 1 + !zeros]);
}

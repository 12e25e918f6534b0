/*
 * bench_parse [--fd] FILE...: loads every file into memory, then times
 * pe_parse() over all of them (no hashing, no I/O in the timed part).
 * With --fd, times pe_parse_file() over the open files instead (what
 * prof_compute does: pread through the parser's block cache, from the
 * page cache once the files have been read). Prints
 * "parse: N files, B bytes, T ms".
 */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "profilefs/pe.h"
#include "profilefs/tree.h"

struct file {
	uint8_t *buf;
	size_t len;
	int fd;
	struct tree_file *file; /* over fd */
};

static double now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

int main(int argc, char **argv)
{
	struct file *f = calloc((size_t)argc, sizeof(*f));
	size_t n = 0, bytes = 0, pe_files = 0, i;
	double t0, best = 1e18;
	int round, k = 1, use_fd = 0;
	const char *why;

	if (argc > 1 && strcmp(argv[1], "--fd") == 0) {
		use_fd = 1;
		k++;
	}
	for (; k < argc; k++) {
		struct stat st;
		int fd = open(argv[k], O_RDONLY);

		if (fd < 0 || fstat(fd, &st) < 0 || !S_ISREG(st.st_mode)) {
			if (fd >= 0)
				close(fd);
			continue;
		}
		f[n].buf = malloc((size_t)st.st_size + 1);
		f[n].len = (size_t)st.st_size;
		f[n].fd = -1;
		f[n].file = NULL;
		if (read(fd, f[n].buf, f[n].len) != (ssize_t)f[n].len) {
			free(f[n].buf);
			close(fd);
			continue;
		}
		if (use_fd) {
			/* only the descriptor is parsed */
			free(f[n].buf);
			f[n].buf = NULL;
			f[n].fd = fd;
			if (tree_file_posix_fd(fd, &f[n].file)) {
				close(fd);
				continue;
			}
		} else {
			close(fd);
		}
		bytes += f[n++].len;
	}
	/* the best of three: the machine is shared */
	for (round = 0; round < 3; round++) {
		pe_files = 0;
		t0 = now_ms();
		for (i = 0; i < n; i++) {
			struct pe_info *pe;

			if ((use_fd ? pe_parse_file(f[i].file, f[i].len, NULL,
						    NULL, &pe, &why)
				    : pe_parse(f[i].buf, f[i].len, f[i].len,
					       &pe)) == 0) {
				pe_files++;
				pe_free(pe);
			}
		}
		if (now_ms() - t0 < best)
			best = now_ms() - t0;
	}
	for (i = 0; i < n; i++) {
		tree_file_close(f[i].file);
		if (f[i].fd >= 0)
			close(f[i].fd);
	}
	printf("parse%s: %zu files (%zu PE), %zu bytes, %.1f ms\n",
	       use_fd ? " (fd)" : "", n, pe_files, bytes, best);
	return 0;
}

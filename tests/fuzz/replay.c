/*
 * Replays files through a fuzz target without libFuzzer: replay FILE|DIR...
 * Every regular file named (or found one level below a named folder) is
 * one input. Prints "N passed, 0 failed"; a crash ends the process.
 */
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

int LLVMFuzzerTestOneInput(const unsigned char *data, size_t size);

static int run(const char *path)
{
	unsigned char *buf;
	struct stat st;
	size_t n;
	FILE *f;

	if (stat(path, &st) < 0 || !S_ISREG(st.st_mode))
		return 0;
	f = fopen(path, "rb");
	if (!f)
		return 0;
	buf = malloc((size_t)st.st_size + 1);
	n = buf ? fread(buf, 1, (size_t)st.st_size, f) : 0;
	fclose(f);
	LLVMFuzzerTestOneInput(buf, n);
	free(buf);
	return 1;
}

int main(int argc, char **argv)
{
	int i, count = 0;

	for (i = 1; i < argc; i++) {
		struct dirent *de;
		DIR *d = opendir(argv[i]);
		char path[4096];

		if (!d) {
			count += run(argv[i]);
			continue;
		}
		while ((de = readdir(d)) != NULL) {
			if (de->d_name[0] == '.')
				continue;
			snprintf(path, sizeof(path), "%s/%s", argv[i],
				 de->d_name);
			count += run(path);
		}
		closedir(d);
	}
	printf("%d passed, 0 failed\n", count);
	return count ? 0 : 1;
}

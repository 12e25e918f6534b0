/*
 * ntfs3g_probe PATH...: for each path, what profilefs makes of it as
 * ntfs-3g shows it (tests/integration/test_ntfs3g.sh): the link's target,
 * then tree_ntfs3g_tag()'s tag in hex or "-", tab-separated.
 * ntfs3g_probe --profile PATH REL: the Markdown profile of the link PATH
 * shown as the file REL (prof_unreadable() with tree_ntfs3g_facts()).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "profilefs/profile.h"

static int target_of(const char *path, char *buf, size_t n)
{
	ssize_t got = readlink(path, buf, n - 1);

	if (got < 0) {
		perror(path);
		return -1;
	}
	buf[got] = '\0';
	return 0;
}

static int profile(const char *path, const char *rel)
{
	struct prof_file_facts *f = NULL;
	struct prof *p = NULL;
	struct tree_facts t;
	char target[4096], *md = NULL;
	size_t len;
	int rc = 1;

	if (target_of(path, target, sizeof(target)) ||
	    tree_ntfs3g_facts(target, &t))
		return 1;
	if (prof_file_facts_make(&t, NULL, 0, NULL, 0, &f) == 0 &&
	    prof_unreadable(t.unreadable, &p) == 0) {
		struct prof_view v = {
			.relpath = rel, .drive = "C:", .file = f
		};

		if (prof_render(p, &v, &md, &len) == 0 &&
		    fwrite(md, 1, len, stdout) == len)
			rc = 0;
	}
	free(md);
	prof_free(p);
	prof_file_facts_free(f);
	return rc;
}

int main(int argc, char **argv)
{
	char target[4096];
	uint32_t tag;
	int i, rc = 0;

	if (argc == 4 && strcmp(argv[1], "--profile") == 0)
		return profile(argv[2], argv[3]);
	for (i = 1; i < argc; i++) {
		if (target_of(argv[i], target, sizeof(target))) {
			rc = 1;
			continue;
		}
		if (tree_ntfs3g_tag(target, &tag) == 0)
			printf("%s\t%08x\n", target, tag);
		else
			printf("%s\t-\n", target);
	}
	return rc;
}

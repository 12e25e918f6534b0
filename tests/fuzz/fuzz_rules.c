/*
 * libFuzzer target: what the rules module reads from a repository. The
 * input's first line is a binary's name (and a git remote), the rest are
 * rule lines and a license text: every line goes through the matcher, the
 * whole through the license reader (SPDX line, title, whole text), the
 * first line through the URL makers, the name of a URL, and the selection
 * of files (as a path, with the rest as include and exclude globs).
 */
#include <stdlib.h>
#include <string.h>

#include "profilefs/rules.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *text = (const char *)data;
	const char *nl = memchr(text, '\n', size);
	size_t first = nl ? (size_t)(nl - text) : size, at;
	char *name = malloc(first + 1), *url, *link;

	if (!name)
		return 0;
	memcpy(name, text, first);
	name[first] = '\0';
	for (at = first + 1; at < size;) {
		const char *s = text + at, *e = memchr(s, '\n', size - at);
		size_t n = e ? (size_t)(e - s) : size - at;

		if (*name)
			rules_line_names(s, n, name);
		at += n + 1;
	}
	{
		char l[RULES_LICENSE_MAX];

		rules_license_of(text, size, l, sizeof(l));
	}
	/* the first line as a path of the repository, the rest as globs */
	{
		char *globs = malloc(size - first + 1);

		if (globs) {
			memcpy(globs, text + first, size - first);
			globs[size - first] = '\0';
			rules_selected(name, 0, globs, globs, 1);
			rules_selected(name, 1, NULL, globs, 1);
			free(globs);
		}
	}
	rules_stem_allowed(name, strlen(name));
	url = rules_web_url(name);
	free(rules_name_of_url(url ? url : name));
	link = rules_file_url(url ? url : name, name, name);
	free(link);
	free(url);
	free(name);
	return 0;
}

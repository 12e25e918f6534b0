/*
 * license: rules_license_of() on every text of /usr/share/common-licenses
 * (whole, and with its title cut off so that only the whole-text
 * comparison can tell), on the licence texts written in
 * tests/unit/licenses (argv[1]), on SPDX-License-Identifier lines, and on
 * texts that only mention licences. The GNU texts that mention another
 * GNU licence are never taken for it.
 */
#include <dirent.h>
#include <stdlib.h>
#include <string.h>

#include "profilefs/rules.h"
#include "t.h"

/* the SPDX identifier of each file of common-licenses (SPDX licence list
 * short names; the GNU ones without -only/-or-later); a file not listed
 * here is a failure, so a new one is looked at */
static const struct {
	const char *file, *spdx;
} debian[] = {
	{ "Apache-2.0", "Apache-2.0" }, { "Artistic", "Artistic-1.0-Perl" },
	{ "BSD", "BSD-3-Clause" },	{ "CC0-1.0", "CC0-1.0" },
	{ "GFDL", "GFDL-1.3" },		{ "GFDL-1.2", "GFDL-1.2" },
	{ "GFDL-1.3", "GFDL-1.3" },	{ "GPL", "GPL-3.0" },
	{ "GPL-1", "GPL-1.0" },		{ "GPL-2", "GPL-2.0" },
	{ "GPL-3", "GPL-3.0" },		{ "LGPL", "LGPL-3.0" },
	{ "LGPL-2", "LGPL-2.0" },	{ "LGPL-2.1", "LGPL-2.1" },
	{ "LGPL-3", "LGPL-3.0" },	{ "AGPL-3", "AGPL-3.0" },
	{ "MPL-1.1", "MPL-1.1" },	{ "MPL-2.0", "MPL-2.0" },
};

static char *slurp(const char *dir, const char *name, size_t *len)
{
	char path[4096];
	FILE *f;
	char *buf;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	f = fopen(path, "rb");
	if (!f)
		return NULL;
	buf = malloc(1 << 20);
	*len = buf ? fread(buf, 1, (1 << 20) - 1, f) : 0;
	if (buf)
		buf[*len] = '\0';
	fclose(f);
	return buf;
}

static const char *of(const char *text, size_t len)
{
	static char out[RULES_LICENSE_MAX];

	return rules_license_of(text, len, out, sizeof(out)) ? out : NULL;
}

/* the text after its first n non-blank lines (the GNU texts' title and
 * version, BSD's copyright lines) */
static const char *untitled(const char *t, int n)
{
	while (n > 0 && *t) {
		const char *nl = strchr(t, '\n');

		if (strspn(t, " \t\r\n") < (size_t)(nl ? nl - t : 1))
			n--;
		t = nl ? nl + 1 : t + strlen(t);
	}
	return t;
}

static void test_debian(void)
{
	struct dirent **names;
	int n, i, seen = 0;

	n = scandir(rules_license_dir, &names, NULL, alphasort);
	CHECK(n > 2);
	for (i = 0; i < n; i++) {
		const char *nm = names[i]->d_name, *want = NULL, *got;
		size_t len, k;
		char *text;

		if (nm[0] == '.') {
			free(names[i]);
			continue;
		}
		for (k = 0; k < sizeof(debian) / sizeof(debian[0]); k++)
			if (!strcmp(debian[k].file, nm))
				want = debian[k].spdx;
		text = slurp(rules_license_dir, nm, &len);
		CHECK_STR(want ? nm : NULL, nm); /* a file we know */
		CHECK(text != NULL);
		if (text && want) {
			const char *rest = untitled(text, 2), *sim;
			double d;

			seen++;
			got = of(text, len);
			printf("%-12s %s\n", nm, got ? got : "(none)");
			CHECK_STR(got, want);
			/* the GNU texts mention one another */
			if (!strncmp(want, "GPL-", 4)) {
				CHECK(got && strncmp(got, "AGPL", 4) &&
				      strncmp(got, "LGPL", 4));
			}
			/* the title cut off: only the whole text tells */
			d = rules_license_similarity(
				rest, len - (size_t)(rest - text), &sim);
			printf("%-12s untitled: %s (%.3f)\n", nm,
			       sim ? sim : "(none)", d);
			CHECK_STR(sim, want);
			CHECK_STR(of(rest, len - (size_t)(rest - text)), want);
		}
		free(text);
		free(names[i]);
	}
	free(names);
	CHECK(seen >= 10);
	/* each of those files is one of the canonical texts */
	CHECK(rules_license_canonical() >= (size_t)seen - 3);
}

static void test_written(const char *dir)
{
	static const char *const files[] = {
		"DRL-1.0.md",
		"DRL-1.0-untitled.md",
		"DRL-1.1.md",
		"DRL-1.1-untitled.md",
		"MIT.txt",
		"MIT-untitled.txt",
		"BSD-2-Clause.txt",
		"BSD-3-Clause.txt",
		"BSD-3-Clause-untitled.txt",
	};
	size_t i;

	for (i = 0; i < sizeof(files) / sizeof(files[0]); i++) {
		char want[64];
		size_t len, n = (size_t)(strrchr(files[i], '.') - files[i]);
		char *text = slurp(dir, files[i], &len), *u;
		const char *got;

		snprintf(want, sizeof(want), "%.*s", (int)n, files[i]);
		if ((u = strstr(want, "-untitled")))
			*u = '\0';
		CHECK(text != NULL);
		if (!text)
			continue;
		got = of(text, len);
		printf("%-26s %s\n", files[i], got ? got : "(none)");
		CHECK_STR(got, want);
		free(text);
	}
}

static void test_spdx_and_mentions(void)
{
	static const struct {
		const char *text, *want;
	} cases[] = {
		{ "// SPDX-License-Identifier: GPL-2.0-only OR MIT */\n",
		  "GPL-2.0-only OR MIT" },
		{ "<!-- SPDX-License-Identifier: MIT -->\nGNU GENERAL PUBLIC "
		  "LICENSE\nVersion 3",
		  "MIT" },
		{ "# SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception",
		  "Apache-2.0 WITH LLVM-exception" },
		/* titles */
		{ "GNU AFFERO GENERAL PUBLIC LICENSE\nVersion 3, 19 November "
		  "2007",
		  "AGPL-3.0" },
		{ "# License\n\nMIT License\n\nCopyright (c) 2020 x", "MIT" },
		{ "Attribution-NonCommercial 4.0 International\n\n=====",
		  "CC-BY-NC-4.0" },
		{ "Mozilla Public License Version 2.0\n==================",
		  "MPL-2.0" },
	};
	/* texts that mention licences without being one */
	static const char *const none[] = {
		"All rights reserved.",
		"This program is free software; see the GNU Affero General "
		"Public License and the GNU Lesser General Public License, "
		"Version 3, for the details of what you may do.\n",
		"GNU GENERAL PUBLIC LICENSE\n(no version given)\n",
		"SPDX-License-Identifier: `$(rm -rf /)`\n",
		"",
	};
	size_t i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		CHECK_STR(of(cases[i].text, strlen(cases[i].text)),
			  cases[i].want);
	for (i = 0; i < sizeof(none) / sizeof(none[0]); i++)
		CHECK(of(none[i], strlen(none[i])) == NULL);
}

int main(int argc, char **argv)
{
	if (argc < 2) {
		fprintf(stderr, "usage: test_license LICENSES-DIR\n");
		return 2;
	}
	test_debian();
	test_written(argv[1]);
	test_spdx_and_mentions();
	return t_done();
}

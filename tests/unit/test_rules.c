/* rules: the boundary rules of rules.h line by line, the stoplist, the
 * web addresses of git remotes and file links, the
 * indexer's batches, a hostile repository (FIFOs, a link out of it), and a
 * first pass cut short: hidden, then resumed. */
#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include "profilefs/cache.h"
#include "profilefs/rules.h"
#include "t.h"

static enum rules_match names(const char *line, const char *name)
{
	return rules_line_names(line, strlen(line), name);
}

static void test_match(void)
{
	/* the full name after each boundary the rule lists */
	CHECK(names("comsvcs.dll", "comsvcs.dll") == RULES_NAME);
	CHECK(names("rundll32 comsvcs.dll MiniDump", "comsvcs.dll") ==
	      RULES_NAME);
	CHECK(names("C:\\windows\\system32\\comsvcs.dll", "comsvcs.dll") ==
	      RULES_NAME);
	CHECK(names("/mnt/c/comsvcs.dll", "comsvcs.dll") == RULES_NAME);
	CHECK(names("- 'comsvcs.dll,#24'", "comsvcs.dll") == RULES_NAME);
	CHECK(names("x=\"comsvcs.dll\"", "comsvcs.dll") == RULES_NAME);
	CHECK(names("*comsvcs.dll*", "comsvcs.dll") == RULES_NAME);
	CHECK(names("Image: comsvcs.dll", "comsvcs.dll") == RULES_NAME);
	CHECK(names("a,comsvcs.dll", "comsvcs.dll") == RULES_NAME);
	CHECK(names("(comsvcs.dll)", "comsvcs.dll") == RULES_NAME);
	CHECK(names("`comsvcs.dll`", "comsvcs.dll") == RULES_NAME);
	CHECK(names("Title: Process Dump via Comsvcs.dll", "comsvcs.dll") ==
	      RULES_NAME);
	CHECK(names("ends a sentence with comsvcs.dll.", "comsvcs.dll") ==
	      RULES_NAME);
	/* not at a boundary, or a longer name */
	CHECK(names("xcomsvcs.dll", "comsvcs.dll") == RULES_NO);
	CHECK(names("lsass-comsvcs.dmp", "comsvcs.dll") == RULES_NO);
	CHECK(names("comsvcs.dllx", "comsvcs.dll") == RULES_NO);
	CHECK(names("comsvcs.dll.mui", "comsvcs.dll") == RULES_NO);
	CHECK(names("comsvcs.exe", "comsvcs.dll") == RULES_NO);
	CHECK(names("_comsvcs", "comsvcs.dll") == RULES_NO);
	CHECK(names("", "comsvcs.dll") == RULES_NO);
	/* the stem alone: 5+ characters, bounded both sides */
	CHECK(names("'*comsvcs*MiniDump*full*'", "comsvcs.dll") == RULES_STEM);
	CHECK(names("- 'wkssvc'", "wkssvc.dll") == RULES_STEM);
	CHECK(names("TargetName: TERMSRV*", "termsrv.dll") == RULES_STEM);
	CHECK(names("termsrvx", "termsrv.dll") == RULES_NO);
	CHECK(names("mytermsrv", "termsrv.dll") == RULES_NO);
	/* short stems need the full name */
	CHECK(names("reg add HKLM", "reg.exe") == RULES_NO);
	CHECK(names("reg.exe add HKLM", "reg.exe") == RULES_NAME);
	CHECK(names("net user /add", "net.exe") == RULES_NO);
	CHECK(names("sc create", "sc.exe") == RULES_NO);
	CHECK(names("at 10:00", "at.exe") == RULES_NO);
	/* stoplisted stems */
	CHECK(names("find the string", "find.exe") == RULES_NO);
	CHECK(names("where to look", "where.exe") == RULES_NO);
	CHECK(names("- 'recover'", "recover.exe") == RULES_NO);
	CHECK(names("base64 decoder here", "decoder.dll") == RULES_NO);
	CHECK(names("Windows Explorer", "explorer.exe") == RULES_NO);
	CHECK(names("explorer.exe /e", "explorer.exe") == RULES_NAME);
	CHECK(rules_stem_allowed("comsvcs", 7));
	CHECK(!rules_stem_allowed("where", 5) &&
	      !rules_stem_allowed("Decoder", 7));
	CHECK(!rules_stem_allowed("abcd", 4));
	/* bytes that are not UTF-8 do not get in the way */
	CHECK(names("\xff\xfe comsvcs.dll \x80", "comsvcs.dll") == RULES_NAME);
}

static int place(const char *line, const char *name)
{
	int w = -1;

	return rules_line_place(line, strlen(line), name, &w) ? w : -1;
}

/* where a line names the binary; the stem never in prose */
static void test_place(void)
{
	CHECK(place("    Image|endswith: '\\hostname.exe'", "hostname.exe") ==
	      RULES_AT_IMAGE);
	CHECK(place("    OriginalFileName: 'hostname'", "hostname.exe") ==
	      RULES_AT_IMAGE);
	CHECK(place("            - 'hostname'", "hostname.exe") ==
	      RULES_AT_IMAGE);
	CHECK(place("    $s1 = \"hostname.exe\" ascii", "hostname.exe") ==
	      RULES_AT_IMAGE);
	CHECK(place("  - Command: hostname.exe -f", "hostname.exe") ==
	      RULES_AT_COMMAND);
	CHECK(place("cmd /c hostname > x.txt", "hostname.exe") ==
	      RULES_AT_COMMAND);
	CHECK(place("hostname /all", "hostname.exe") == RULES_AT_COMMAND);
	CHECK(place("C:\\Windows\\System32\\hostname -f", "hostname.exe") ==
	      RULES_AT_COMMAND);
	/* the full name in prose is a row, the stem is not */
	CHECK(place("description: Detects hostname.exe", "hostname.exe") ==
	      RULES_AT_PROSE);
	CHECK(place("description: Detects hostname", "hostname.exe") == -1);
	CHECK(place("    - Verify the user identity, user agent, and/or "
		    "hostname",
		    "hostname.exe") == -1);
	CHECK(place("# hostname here", "hostname.exe") == -1);
	CHECK(place("title: hostname discovery", "hostname.exe") == -1);
	CHECK(place("The hostname of the machine", "hostname.exe") == -1);
	CHECK(place("hostname lookups are slow", "hostname.exe") == -1);
	CHECK(place("see https://x.org/hostname for more", "hostname.exe") ==
	      -1);
}

/* which licence a LICENSE that names one in a sentence states */
static void test_license_sentence(void)
{
	static const char sigma[] =
		"# Licenses\n\nThe content of this repository is released "
		"under the following licenses:\n\n- The Sigma specification "
		"and the Sigma logo are public domain\n- The rules contained "
		"in the SigmaHQ repository are released under the "
		"[Detection Rule License (DRL) 1.1](https://example.org/DRL)\n";
	static const char two[] =
		"Code is released under the MIT License.\nDocs are "
		"licensed under the Apache License, Version 2.0.\n";
	static const char apache[] =
		"Copyright 2024 X\n\nLicensed under the Apache License, "
		"Version 2.0 (the \"License\");\n";
	static const char none[] = "Released under the terms you agree.\n";
	char l[RULES_LICENSE_MAX];

	CHECK(rules_license_of(sigma, strlen(sigma), l, sizeof(l)) &&
	      !strcmp(l, "DRL-1.1"));
	CHECK(!rules_license_of(two, strlen(two), l, sizeof(l)));
	CHECK(rules_license_of(apache, strlen(apache), l, sizeof(l)) &&
	      !strcmp(l, "Apache-2.0"));
	CHECK(!rules_license_of(none, strlen(none), l, sizeof(l)));
}

/* rules_selected(): the default excludes, names, paths from the top */
static void test_select(void)
{
	/* default excludes: folders only, any depth, any case */
	CHECK(rules_selected("rules/a.yml", 0, NULL, NULL, 1));
	CHECK(!rules_selected("regression_data/x/1.json", 0, NULL, NULL, 1));
	CHECK(!rules_selected("a/Deprecated/b.yml", 0, NULL, NULL, 1));
	CHECK(!rules_selected("tests", 1, NULL, NULL, 1));
	CHECK(rules_selected("tests", 0, NULL, NULL, 1)); /* a file */
	CHECK(rules_selected("deprecated/b.yml", 0, NULL, NULL, 0));
	CHECK(rules_selected("contest/b.yml", 0, NULL, NULL, 1));
	/* licence files, images, archives, archived and example content */
	CHECK(!rules_selected("LICENSE", 0, NULL, NULL, 1));
	CHECK(!rules_selected("LICENSE.Detection.Rules.md", 0, NULL, NULL, 1));
	CHECK(!rules_selected("COPYING", 0, NULL, NULL, 1));
	CHECK(!rules_selected("NOTICE.md", 0, NULL, NULL, 1));
	CHECK(!rules_selected("docs/license.txt", 0, NULL, NULL, 1));
	CHECK(!rules_selected("sigma_coverage.svg", 0, NULL, NULL, 1));
	CHECK(!rules_selected("Logo/a.PNG", 0, NULL, NULL, 1));
	CHECK(!rules_selected("a/b.zip", 0, NULL, NULL, 1));
	CHECK(!rules_selected("Archive-Old-Version", 1, NULL, NULL, 1));
	CHECK(!rules_selected("Archive-Old-Version/OSBinaries/Certutil.md", 0,
			      NULL, NULL, 1));
	CHECK(!rules_selected("other", 1, NULL, NULL, 1));
	CHECK(!rules_selected("other/godmode_sigma_rule.yml", 0, NULL, NULL,
			      1));
	CHECK(rules_selected("rules/windows/other/x.yml", 0, NULL, NULL, 1));
	CHECK(rules_selected("LICENSE", 0, NULL, NULL, 0));
	CHECK(rules_selected("other/g.yml", 0, NULL, NULL, 0));
	/* an --include brings them in */
	CHECK(rules_selected("other", 1, "other", NULL, 1));
	CHECK(rules_selected("other/g.yml", 0, "other", NULL, 1));
	CHECK(rules_selected("Archive-Old-Version", 1,
			     "/Archive-Old-Version/OSBinaries", NULL, 1));
	CHECK(rules_selected("Archive-Old-Version/OSBinaries/C.md", 0,
			     "/Archive-Old-Version/OSBinaries", NULL, 1));
	/* a name: any folder on the way, or the file */
	CHECK(!rules_selected("a/b/c.md", 0, NULL, "*.md", 1));
	CHECK(!rules_selected("a/b/c.yml", 0, NULL, "x\nb", 1));
	CHECK(!rules_selected("a/b", 1, NULL, "b", 1));
	CHECK(rules_selected("a/bb/c.yml", 0, NULL, "b", 1));
	CHECK(rules_selected("a/.hidden", 0, NULL, "*hidden", 1));
	/* a path from the top, or a folder on the way */
	CHECK(rules_selected("rules/w/a.yml", 0, "rules", NULL, 1));
	CHECK(rules_selected("rules/w/a.yml", 0, "/rules/w", NULL, 1));
	CHECK(rules_selected("rules/w/a.yml", 0, "rules/", NULL, 1));
	CHECK(!rules_selected("x/rules/a.yml", 0, "rules/", NULL, 1));
	CHECK(rules_selected("x/rules/a.yml", 0, "rules", NULL, 1));
	CHECK(!rules_selected("other/rules/a.yml", 0, "rules/*", NULL, 1));
	CHECK(rules_selected("rules/w/a.yml", 0, "rules/*.yml", NULL, 1));
	CHECK(!rules_selected("docs/a.md", 0, "rules\nyml/*", NULL, 1));
	CHECK(rules_selected("yml/a.yml", 0, "rules\nyml/*", NULL, 1));
	/* includes do not stop the walk into a folder */
	CHECK(rules_selected("docs", 1, "rules", NULL, 1));
	/* an exclude wins over an include */
	CHECK(!rules_selected("rules/a.yml", 0, "rules", "a.yml", 1));
	CHECK(rules_glob_ok("rules/**"));
	CHECK(!rules_glob_ok(""));
	CHECK(!rules_glob_ok("a\nb"));
}

#define CHECK_URL(expr, want)                                                  \
	do {                                                                   \
		char *u_ = (expr);                                             \
		CHECK_STR(u_, want);                                           \
		free(u_);                                                      \
	} while (0)

static void test_urls(void)
{
	CHECK_URL(rules_web_url("git@github.com:SigmaHQ/sigma.git"),
		  "https://github.com/SigmaHQ/sigma");
	CHECK_URL(rules_web_url(
			  "https://github.com/redcanaryco/atomic-red-team.git"),
		  "https://github.com/redcanaryco/atomic-red-team");
	CHECK_URL(rules_web_url("https://user@gitlab.com/g/r"),
		  "https://gitlab.com/g/r");
	CHECK_URL(rules_web_url("ssh://git@github.com:22/o/r.git/"),
		  "https://github.com/o/r");
	CHECK(rules_web_url("/srv/git/rules") == NULL);
	CHECK(rules_web_url("../rules") == NULL);
	CHECK_URL(rules_file_url("https://github.com/o/r", "main", "a/b.yml"),
		  "https://github.com/o/r/blob/main/a/b.yml");
	CHECK_URL(rules_file_url("https://gitlab.com/o/r", "main", "a.yml"),
		  "https://gitlab.com/o/r/-/blob/main/a.yml");
	CHECK_URL(rules_file_url("https://bitbucket.org/o/r", NULL, "a.yml"),
		  "https://bitbucket.org/o/r/src/HEAD/a.yml");
}

static int count_line(void *ctx, const char *repo, const char *path,
		      uint32_t line, const char *text, size_t len)
{
	(void)repo;
	(void)path;
	(void)text;
	(void)len;
	*(unsigned *)ctx += line == 2;
	return 0;
}

/* A repository of more files than one batch holds is indexed in batches,
 * each commit moving the generation on; every file's lines are found. */
static void test_batches(void)
{
	char dir[] = "/tmp/pfs-rules-XXXXXX", path[256], cmd[512];
	struct rules_opts o = { .name = "many",
				.url = "https://example.org/r",
				.license = "MIT" };
	struct cache *c = NULL;
	int64_t gen0 = -1, gen = -1;
	unsigned files = 2 * CACHE_BATCH_OPS + 50, found = 0, i;

	if (!mkdtemp(dir)) {
		CHECK(!"mkdtemp");
		return;
	}
	snprintf(path, sizeof(path), "%s/repo", dir);
	CHECK(mkdir(path, 0700) == 0);
	for (i = 0; i < files; i++) {
		FILE *f;

		snprintf(path, sizeof(path), "%s/repo/r%u.yml", dir, i);
		f = fopen(path, "w");
		CHECK(f != NULL);
		if (f) {
			fprintf(f, "title: rule %u\nimage: comsvcs.dll\n", i);
			fclose(f);
		}
	}
	snprintf(path, sizeof(path), "%s/cache.db", dir);
	CHECK(cache_open(path, &c) == 0);
	CHECK(c && cache_rules_generation(c, &gen0) == 0);
	snprintf(path, sizeof(path), "%s/repo", dir);
	CHECK(c && rules_add(c, path, &o) == 0);
	/* committed in batches; the generation moves on once, at the end */
	CHECK(c && cache_rules_generation(c, &gen) == 0 && gen == gen0 + 1);
	CHECK(c && cache_rules_search(c, "\"comsvcs.dll\"", count_line,
				      &found) == 0);
	CHECK(found == files);
	cache_close(c);
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	CHECK(system(cmd) == 0);
}

static void write_file(const char *path, const char *text)
{
	FILE *f = fopen(path, "w");

	CHECK(f != NULL);
	if (f) {
		fputs(text, f);
		fclose(f);
	}
}

/* FIFOs named LICENSE and .git/HEAD neither block the indexer nor are
 * taken for files; a link to a file outside the repository is not
 * followed. SIGALRM ends a test that would block. */
static void test_hostile(void)
{
	char dir[] = "/tmp/pfs-rules-XXXXXX", path[256], out[256], cmd[512];
	struct rules_opts o = { .name = "hostile" };
	struct cache_repo r;
	struct cache *c = NULL;
	unsigned found = 0;

	if (!mkdtemp(dir)) {
		CHECK(!"mkdtemp");
		return;
	}
	snprintf(path, sizeof(path), "%s/repo", dir);
	CHECK(mkdir(path, 0700) == 0);
	snprintf(path, sizeof(path), "%s/repo/.git", dir);
	CHECK(mkdir(path, 0700) == 0);
	snprintf(path, sizeof(path), "%s/repo/.git/config", dir);
	write_file(path,
		   "[remote \"origin\"]\n\turl = https://github.com/a/b\n");
	snprintf(path, sizeof(path), "%s/repo/.git/HEAD", dir);
	CHECK(mkfifo(path, 0600) == 0);
	snprintf(path, sizeof(path), "%s/repo/LICENSE", dir);
	CHECK(mkfifo(path, 0600) == 0);
	snprintf(path, sizeof(path), "%s/repo/a.yml", dir);
	write_file(path, "title: in\nimage: comsvcs.dll\n");
	snprintf(out, sizeof(out), "%s/outside.yml", dir);
	write_file(out, "title: out\nimage: comsvcs.dll\n");
	snprintf(path, sizeof(path), "%s/repo/link.yml", dir);
	CHECK(symlink(out, path) == 0);
	snprintf(path, sizeof(path), "%s/cache.db", dir);
	CHECK(cache_open(path, &c) == 0);
	snprintf(path, sizeof(path), "%s/repo", dir);
	alarm(20);
	CHECK(c && rules_add(c, path, &o) == 0);
	alarm(0);
	CHECK(c && cache_rules_search(c, "\"comsvcs.dll\"", count_line,
				      &found) == 0);
	CHECK(found == 1);
	CHECK(c && cache_repo_get(c, "hostile", &r) == 0);
	if (c && r.name) {
		CHECK(r.files == 1);
		CHECK(r.license == NULL && r.license_file == NULL);
		/* git is not run on a FIFO named .git/HEAD (it would
		 * block): no URL */
		CHECK(r.url == NULL);
		CHECK(r.branch == NULL);
		cache_repo_clear(&r);
	}
	/* a path, not a name: missing, or not a folder */
	snprintf(path, sizeof(path), "%s/nosuch", dir);
	CHECK(c && rules_add(c, path, &o) == -ENOENT);
	CHECK(c && rules_add(c, out, &o) == -ENOTDIR);
	cache_close(c);
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	CHECK(system(cmd) == 0);
}

/* A first pass cut short (its rows committed as a kill -9 leaves them:
 * the repository's row with indexed_at 0, some files) is not searched and
 * is listed as incomplete; rules_add of the same folder resumes it. */
static void test_resume(void)
{
	char dir[] = "/tmp/pfs-rules-XXXXXX", path[256], cmd[512];
	char real[PATH_MAX];
	struct rules_opts o = { .name = "half" };
	struct cache_repo r;
	struct cache_txn *t = NULL;
	struct cache *c = NULL;
	unsigned found = 0, i;
	int64_t file = 0;
	char *list = NULL;
	size_t listlen = 0;
	FILE *mem;

	if (!mkdtemp(dir)) {
		CHECK(!"mkdtemp");
		return;
	}
	snprintf(path, sizeof(path), "%s/repo", dir);
	CHECK(mkdir(path, 0700) == 0);
	for (i = 0; i < 3; i++) {
		snprintf(path, sizeof(path), "%s/repo/r%u.yml", dir, i);
		write_file(path, "title: rule\nimage: comsvcs.dll\n");
	}
	snprintf(path, sizeof(path), "%s/repo", dir);
	CHECK(realpath(path, real) != NULL);
	snprintf(path, sizeof(path), "%s/cache.db", dir);
	CHECK(cache_open(path, &c) == 0);
	memset(&r, 0, sizeof(r));
	r.name = strdup("half");
	r.path = strdup(real);
	CHECK(c && cache_txn_begin(c, CACHE_INDEX_RULES, &t) == 0);
	CHECK(t && cache_repo_put(t, &r) == 0);
	CHECK(t && cache_rule_file_put(t, r.id, "r0.yml", 1, 1, 1, &file) == 0);
	CHECK(t &&
	      cache_rule_line_add(t, file, 2, "image: comsvcs.dll", 18) == 0);
	CHECK(t && cache_txn_commit(t) == 0);
	cache_repo_clear(&r);

	CHECK(c && cache_rules_search(c, "\"comsvcs.dll\"", count_line,
				      &found) == 0);
	CHECK(found == 0);
	mem = open_memstream(&list, &listlen);
	CHECK(mem && c && rules_list(c, mem, 0) == 0);
	if (mem)
		fclose(mem);
	CHECK(list && strstr(list, "\nhalf\t") &&
	      strstr(list, "\tincomplete\n"));
	free(list);

	snprintf(path, sizeof(path), "%s/repo", dir);
	CHECK(c && rules_add(c, path, &o) == 0);
	CHECK(c && cache_rules_search(c, "\"comsvcs.dll\"", count_line,
				      &found) == 0);
	CHECK(found == 3);
	CHECK(c && cache_repo_get(c, "half", &r) == 0);
	if (r.name) {
		CHECK(r.indexed_at > 0 && r.files == 3 && r.lines == 6);
		cache_repo_clear(&r);
	}
	/* complete now: the name is taken */
	CHECK(c && rules_add(c, path, &o) == -EEXIST);
	cache_close(c);
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	CHECK(system(cmd) == 0);
}

static const char *row_path(const struct prof_misuse *m, size_t i)
{
	return i < m->n ? m->rows[i].path : "(none)";
}

/* A small repository with each case: stems in prose, a LICENSE pointer
 * sentence, a licence file and an image naming the binary, archived and
 * example pages, the ranking, the cap's count, a renamed binary. */
static void test_ranking(void)
{
	char dir[] = "/tmp/pfs-rank-XXXXXX", path[512], cmd[600];
	struct rules_opts o = { .name = "r", .default_excludes = 1 };
	struct prof_misuse *m = NULL;
	struct cache_repo r;
	struct cache *c = NULL;
	static const char *const files[][2] = {
		{ "LICENSE", "The rules are released under the Detection Rule "
			     "License (DRL) 1.1.\nhostname.exe\n" },
		{ "COPYING", "hostname.exe\n" },
		{ "logo.svg", "<svg>hostname.exe</svg>\n" },
		{ "Archive-Old-Version/Hostname.md", "hostname.exe\n" },
		{ "other/example.yml", "Image|endswith: '\\hostname.exe'\n" },
		{ "rules/a.yml",
		  "title: Hostname discovery\ndescription: verify the "
		  "user and/or hostname\ndetection:\n    Image|endswith: "
		  "'\\hostname.exe'\n    CommandLine|contains:\n        - "
		  "'hostname'\nfalsepositives:\n    - verify the user "
		  "agent and/or hostname\n" },
		{ "rules/b.yml", "description: runs hostname.exe\n  - "
				 "Command: cmd /c hostname.exe -f\n" },
		{ "rules/prose.yml", "description: the hostname of a user\n"
				     "    - 'hostname'\n" },
		{ "yml/Hostname.yml", "Name: Hostname.exe\n" },
		{ "docs/c.md", "hostname.exe is a tool\n" },
		{ "rules/dump.yml", "    Image|endswith: '\\comsvcs.dll'\n" },
	};
	/* the section's order, derived by hand from the tiers */
	static const char *const order[] = {
		"rules/a.yml", "rules/a.yml", "yml/Hostname.yml",
		"rules/b.yml", "docs/c.md",   "rules/b.yml",
	};
	const char *orig[] = { "comsvcs.dll", NULL };
	size_t i;

	if (!mkdtemp(dir)) {
		CHECK(!"mkdtemp");
		return;
	}
	for (i = 0; i < sizeof(files) / sizeof(files[0]); i++) {
		char *slash;

		snprintf(path, sizeof(path), "%s/repo/%s", dir, files[i][0]);
		for (slash = strchr(path + strlen(dir) + 1, '/'); slash;
		     slash = strchr(slash + 1, '/')) {
			*slash = '\0';
			mkdir(path, 0700);
			*slash = '/';
		}
		write_file(path, files[i][1]);
	}
	snprintf(path, sizeof(path), "%s/cache.db", dir);
	CHECK(cache_open(path, &c) == 0);
	snprintf(path, sizeof(path), "%s/repo", dir);
	CHECK(c && rules_add(c, path, &o) == 0);
	CHECK(c && cache_repo_get(c, "r", &r) == 0);
	if (c && r.name) {
		CHECK(r.license && !strcmp(r.license, "DRL-1.1"));
		CHECK(r.files == 6); /* a, b, prose, dump, Hostname, c */
		cache_repo_clear(&r);
	}
	CHECK(c && rules_lookup(c, "hostname.exe", 100, &m) == 0);
	if (m) {
		CHECK(m->n == sizeof(order) / sizeof(order[0]));
		for (i = 0; i < sizeof(order) / sizeof(order[0]); i++)
			CHECK(!strcmp(row_path(m, i), order[i]));
		CHECK(m->n > 1 && strstr(m->rows[1].text, "'hostname'"));
		CHECK(m->more == 0 && m->rows[0].local_path &&
		      m->rows[0].matched == NULL);
		prof_misuse_free(m);
		m = NULL;
	}
	/* the cap: 2 rows, 4 more in 3 files, listed beyond */
	CHECK(c && rules_lookup(c, "hostname.exe", 2, &m) == 0);
	if (m) {
		CHECK(m->n == 2 && m->more == 4 && m->more_files == 3);
		CHECK(m->nwhere == 1 && m->where[0].n == 4 &&
		      m->where[0].files == 3);
		CHECK(m->nextra == 4 &&
		      !strcmp(m->extra[0].path, "yml/Hostname.yml"));
		prof_misuse_free(m);
		m = NULL;
	}
	/* a renamed copy: by its original name, and saying so */
	CHECK(c &&
	      rules_lookup_names(c, "comsvcs copy.dll", orig, 100, &m) == 0);
	if (m) {
		CHECK(m->n == 1 && m->rows[0].matched &&
		      !strcmp(m->rows[0].matched, "comsvcs.dll"));
		prof_misuse_free(m);
		m = NULL;
	}
	CHECK(c && rules_lookup(c, "comsvcs copy.dll", 100, &m) == 0);
	CHECK(m && m->n == 0);
	prof_misuse_free(m);
	m = NULL;
	/* --include brings the archived page in, ranked last */
	o.includes = "Archive-Old-Version\nrules\nyml\ndocs";
	o.set_includes = 1;
	o.name = NULL;
	CHECK(c && rules_update(c, "r", &o) == 0);
	CHECK(c && rules_lookup(c, "hostname.exe", 100, &m) == 0);
	if (m) {
		CHECK(m->n == 7 && !strcmp(row_path(m, 6),
					   "Archive-Old-Version/Hostname.md"));
		prof_misuse_free(m);
		m = NULL;
	}
	/* update --url and --license: stored and pinned */
	o.set_includes = 0;
	o.url = "https://github.com/Example/r";
	o.license = "MIT";
	CHECK(c && rules_update(c, "r", &o) == 0);
	CHECK(c && cache_repo_get(c, "r", &r) == 0);
	if (c && r.name) {
		CHECK(r.url && !strcmp(r.url, "https://github.com/Example/r"));
		CHECK(r.license && !strcmp(r.license, "MIT"));
		cache_repo_clear(&r);
	}
	CHECK(c && rules_update(c, NULL, &o) == -EINVAL);
	cache_close(c);
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	CHECK(system(cmd) == 0);
}

int main(void)
{
	test_match();
	test_place();
	test_license_sentence();
	test_ranking();
	test_select();
	test_urls();
	test_batches();
	test_hostile();
	test_resume();
	return t_done();
}

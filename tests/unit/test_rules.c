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

int main(void)
{
	test_match();
	test_select();
	test_urls();
	test_batches();
	test_hostile();
	test_resume();
	return t_done();
}

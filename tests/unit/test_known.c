/* known: the dotted version, a profile's question (name, language
 * variants), and the store: each verdict of known.h from rows put through
 * an import, the lists capped and counted, the generation moved on by a
 * commit and not by a rollback, a reader that opens the store once it
 * exists, and a file that is not a store refused. */
#include <errno.h>
#include <stdlib.h>
#include <unistd.h>

#include "profilefs/cache.h"
#include "profilefs/known.h"
#include "profilefs/profile.h"
#include "t.h"

static const char *dotted(const char *s)
{
	static char buf[PROF_KNOWN_VERSION_MAX];

	known_dotted_version(s, buf, sizeof(buf));
	return buf;
}

static void test_dotted(void)
{
	CHECK_STR(dotted("10.0.22621.1485 (WinBuild.160101.0800)"),
		  "10.0.22621.1485");
	CHECK_STR(dotted("6.1.7601.17514"), "6.1.7601.17514");
	CHECK_STR(dotted("1.2."), "1.2");
	CHECK_STR(dotted(".1.2"), "");
	CHECK_STR(dotted("v1.2"), "");
	CHECK_STR(dotted(NULL), "");
	CHECK_STR(dotted("12345678901234567890123456789012345678901234567890"
			 "12345678901234567890"),
		  "12345678901234567890123456789012345678901234567890"
		  "1234567890123");
}

static int lang(const char *relpath)
{
	struct prof *p = prof_new();
	struct known_query q;
	char v[PROF_KNOWN_VERSION_MAX];

	prof_known_query(p, relpath, &q, v);
	prof_free(p);
	return q.lang_variant;
}

static void test_query(void)
{
	struct prof *p = prof_new();
	struct known_query q;
	char v[PROF_KNOWN_VERSION_MAX];

	prof_known_query(p, "Windows/System32/ntdll.dll", &q, v);
	CHECK_STR(q.name, "ntdll.dll");
	CHECK(q.sha256 == NULL); /* no hashes */
	CHECK(q.machine == 0 && q.version == NULL);
	p->hashed = 1;
	prof_known_query(p, "ntdll.dll", &q, v);
	CHECK_STR(q.name, "ntdll.dll");
	CHECK(q.sha256 == p->dg.sha256);
	prof_free(p);
	CHECK(lang("Windows/System32/en-US/notepad.exe.mui"));
	CHECK(lang("Windows/System32/notepad.exe.MUI"));
	CHECK(lang("Windows/System32/en-US/x.dll"));
	CHECK(lang("zh-Hans/x.dll"));
	CHECK(lang("a/sr-Latn-RS/x.dll"));
	CHECK(lang("a/es-419/x.dll"));
	CHECK(!lang("Windows/System32/x.dll"));
	CHECK(!lang("x.dll"));
	CHECK(!lang("a/setup-x/x.dll"));
	CHECK(!lang("a/EN-us/x.dll"));
	CHECK(!lang("a/de-/x.dll"));
	CHECK(!lang("en-US"));
}

static uint8_t sha_of(int i, uint8_t out[32])
{
	memset(out, 0, 32);
	out[0] = (uint8_t)i;
	return out[0];
}

static enum known_status status(struct known *k, int sha, const char *name,
				unsigned machine, const char *version,
				int lang_variant, struct known_verdict **keep)
{
	uint8_t s[32];
	struct known_query q = { .name = name,
				 .machine = machine,
				 .version = version,
				 .lang_variant = lang_variant };
	struct known_verdict *v = NULL;
	enum known_status st;

	sha_of(sha, s);
	q.sha256 = s;
	if (known_lookup(k, &q, &v))
		return (enum known_status) - 1;
	st = v->status;
	if (keep)
		*keep = v;
	else
		known_verdict_free(v);
	return st;
}

/* winbindex: sha 1 (ntdll.dll 10.0.1.1, 20 builds), sha 2 (ntdll.dll
 * 10.0.1.1 too), sha 3 (ntdll.dll 10.0.2.2 for i386) */
static int fill(const char *store)
{
	struct cache_known *c;
	struct cache_known_imp *m;
	const char *builds[3 * 20];
	char win[20][16];
	uint8_t s[32];
	int i, rc;

	if ((rc = cache_known_open(store, 1, &c)))
		return rc;
	for (i = 0; i < 20; i++) {
		snprintf(win[i], sizeof(win[i]), "10-%02d", i);
		builds[3 * i] = win[i];
		builds[3 * i + 1] = i ? "KB1" : "BASE";
		builds[3 * i + 2] = i % 2 ? "2023-01-01" : "";
	}
	CHECK(cache_known_import_begin(c, "winbindex", &m) == 0);
	CHECK(cache_known_wb_put(m, (sha_of(1, s), s), "ntdll.dll", 34404,
				 "10.0.1.1", builds, 20) == 0);
	CHECK(cache_known_wb_put(m, (sha_of(2, s), s), "ntdll.dll", 34404,
				 "10.0.1.1", builds, 1) == 0);
	CHECK(cache_known_wb_put(m, (sha_of(3, s), s), "ntdll.dll", 332,
				 "10.0.2.2", NULL, 0) == 0);
	rc = cache_known_import_commit(m, "/data/wb", 3, NULL);
	cache_known_close(c);
	return rc;
}

static void test_store(void)
{
	char dir[] = "/tmp/pfs-known-XXXXXX", store[64], other[64];
	struct known_verdict *v = NULL;
	struct cache_known *c;
	struct cache_known_imp *m;
	struct known *k, *w;
	int64_t g0, g1;
	uint8_t s[32];

	CHECK(mkdtemp(dir) != NULL);
	snprintf(store, sizeof(store), "%s/known.db", dir);
	snprintf(other, sizeof(other), "%s/cache.db", dir);
	/* no store: a reader's handle, no data, nothing made */
	CHECK(known_open(store, 0, &k) == 0);
	CHECK(status(k, 1, "ntdll.dll", 34404, "10.0.1.1", 0, NULL) ==
	      KNOWN_NO_DATA);
	CHECK(access(store, F_OK) < 0);
	CHECK(known_generation(NULL) == -1);
	CHECK(status(NULL, 1, NULL, 0, NULL, 0, NULL) == KNOWN_NO_DATA);
	/* made: no source yet, still no data */
	CHECK(known_open(store, 1, &w) == 0);
	CHECK(status(k, 1, "ntdll.dll", 34404, "10.0.1.1", 0, NULL) ==
	      KNOWN_NO_DATA);
	g0 = known_generation(k);
	CHECK(fill(store) == 0);
	g1 = known_generation(k);
	CHECK(g1 > g0);
	/* the verdicts, seen by the reader opened before the store was */
	CHECK(status(k, 1, "ntdll.dll", 34404, "10.0.1.1", 0, &v) ==
	      KNOWN_WINBINDEX);
	if (v) {
		CHECK(v->n_windows == KNOWN_MAX_LIST);
		CHECK(v->total_windows == 20);
		/* the newest first: a dated build before an undated one */
		CHECK(v->n_windows && v->windows[0].released &&
		      !strcmp(v->windows[0].released, "2023-01-01"));
		CHECK(v->n_windows && !v->windows[v->n_windows - 1].released);
		CHECK(v->n_products == 0 && v->name == NULL);
		known_verdict_free(v);
		v = NULL;
	}
	CHECK(status(k, 9, "NTDLL.DLL", 34404, "10.0.1.1", 0, &v) ==
	      KNOWN_MISMATCH);
	if (v) {
		CHECK(v->builds_of_version == 2);
		CHECK_STR(v->name, "ntdll.dll");
		CHECK_STR(v->version, "10.0.1.1");
		CHECK(v->machine == 34404);
		known_verdict_free(v);
	}
	CHECK(status(k, 9, "ntdll.dll", 34404, "10.0.1.1", 1, NULL) ==
	      KNOWN_UNKNOWN);
	CHECK(status(k, 9, "ntdll.dll", 34404, "10.0.9.9", 0, NULL) ==
	      KNOWN_UNKNOWN_BUILD);
	CHECK(status(k, 9, "ntdll.dll", 34404, NULL, 0, NULL) ==
	      KNOWN_UNKNOWN_BUILD);
	CHECK(status(k, 9, "ntdll.dll", 332, "10.0.1.1", 0, NULL) ==
	      KNOWN_UNKNOWN_BUILD);
	CHECK(status(k, 9, "ntdll.dll", 0x1c0, "10.0.1.1", 0, NULL) ==
	      KNOWN_UNKNOWN);
	CHECK(status(k, 9, "kernel32.dll", 34404, "10.0.1.1", 0, NULL) ==
	      KNOWN_UNKNOWN);
	CHECK(status(k, 3, NULL, 0, NULL, 0, NULL) == KNOWN_WINBINDEX);
	/* a rollback: nothing changes, not even the generation */
	CHECK(cache_known_open(store, 1, &c) == 0);
	CHECK(cache_known_import_begin(c, "winbindex", &m) == 0);
	CHECK(cache_known_wb_put(m, (sha_of(9, s), s), "x.dll", 1, "1", NULL,
				 0) == 0);
	cache_known_import_rollback(m);
	CHECK(known_generation(k) == g1);
	CHECK(status(k, 1, "ntdll.dll", 34404, "10.0.1.1", 0, NULL) ==
	      KNOWN_WINBINDEX);
	/* removed: no source, no data */
	CHECK(cache_known_remove(c, "nsrl") == -ENOENT);
	CHECK(cache_known_remove(c, "winbindex") == 0);
	CHECK(known_generation(k) > g1);
	CHECK(status(k, 1, "ntdll.dll", 34404, "10.0.1.1", 0, NULL) ==
	      KNOWN_NO_DATA);
	cache_known_close(c);
	known_close(k);
	known_close(w);
	/* another SQLite file (the cache) is not a store: refused */
	{
		struct cache *cc = NULL;

		CHECK(cache_open(other, &cc) == 0);
		cache_close(cc);
	}
	CHECK(known_open(other, 1, &k) == -EPROTO);
	CHECK(known_open(other, 0, &k) == -EPROTO);
	unlink(store);
	unlink(other);
	{
		char cmd[128];

		snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
		CHECK(system(cmd) == 0);
	}
}

int main(void)
{
	test_dotted();
	test_query();
	test_store();
	return t_done();
}

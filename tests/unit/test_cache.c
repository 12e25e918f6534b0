/* cache: store and find by identity and by content, parts and their
 * versions, persistence across reopen, refusal of foreign databases,
 * upgrades, render sizes, transactions and their batches, lookups that
 * do not wait for writers, and ctime in the identity. */
#include <errno.h>
#include <pthread.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>

#include "profilefs/cache.h"
#include "t.h"

static char dir[] = "/tmp/pfs-cache-XXXXXX";

#define HEX32  "0123456789abcdef0123456789abcdef"
#define HEX40  HEX32 "01234567"
#define HEX64  HEX32 HEX32
#define HEX96  HEX64 HEX32
#define HEX128 HEX64 HEX64

static void fill(struct cache_content *ct, uint8_t seed)
{
	memset(ct, 0, sizeof(*ct));
	ct->size = 1000u + seed;
	memset(ct->dg.md5, seed, sizeof(ct->dg.md5));
	memset(ct->dg.sha1, seed + 1, sizeof(ct->dg.sha1));
	memset(ct->dg.sha256, seed + 2, sizeof(ct->dg.sha256));
	memset(ct->dg.sha384, seed + 3, sizeof(ct->dg.sha384));
	memset(ct->dg.sha512, seed + 4, sizeof(ct->dg.sha512));
	snprintf(ct->dg.ssdeep, sizeof(ct->dg.ssdeep), "3:abc%u:def", seed);
}

static int same(const struct cache_content *a, const struct cache_content *b)
{
	return a->size == b->size && !memcmp(a->dg.md5, b->dg.md5, 16) &&
	       !memcmp(a->dg.sha1, b->dg.sha1, 20) &&
	       !memcmp(a->dg.sha256, b->dg.sha256, 32) &&
	       !memcmp(a->dg.sha384, b->dg.sha384, 48) &&
	       !memcmp(a->dg.sha512, b->dg.sha512, 64) &&
	       !strcmp(a->dg.ssdeep, b->dg.ssdeep);
}

/* Runs SQL with the sqlite3 tool (an independent reader of the file);
 * its output, up to n - 1 bytes, in out. The tool's exit status. */
static int sql(const char *db, const char *stmt, char *out, size_t n)
{
	char cmd[4096];
	size_t got;
	FILE *p;

	snprintf(cmd, sizeof(cmd), "sqlite3 '%s' '%s'", db, stmt);
	p = popen(cmd, "r");
	if (!p)
		return -1;
	got = fread(out, 1, n - 1, p);
	out[got] = '\0';
	return pclose(p);
}

/* "path:first byte of its SHA-256 in hex;" for each catalog found ("-"
 * for none) */
static int collect(void *ctx, const char *path, const uint8_t *sha256)
{
	char *out = ctx;

	strcat(out, path);
	if (sha256)
		sprintf(out + strlen(out), ":%02x;", sha256[0]);
	else
		strcat(out, ":-;");
	return 0;
}

/* SQL that undoes the 5 -> 6 step (its rules_instance row stays: the
 * step keeps one it finds) */
#define UNDO_STEP6                                                             \
	"ALTER TABLE rule_repos DROP COLUMN includes; "                        \
	"ALTER TABLE rule_repos DROP COLUMN excludes; "                        \
	"ALTER TABLE rule_repos DROP COLUMN default_excludes; "                \
	"ALTER TABLE rule_repos DROP COLUMN pinned; "

/* SQL that undoes the 4 -> 5 step (the sqlite3 tool drops its columns),
 * and the steps after it */
#define UNDO_STEP5                                                             \
	UNDO_STEP6 "ALTER TABLE catalogs DROP COLUMN ctime_ns; "               \
		   "ALTER TABLE catalogs DROP COLUMN sha256; "

/* a catalog row: path, size, mtime, ctime and SHA-256 bytes all sha */
static struct cache_catalog cat(const char *path, uint64_t size, int64_t mtime,
				int64_t ctime, uint8_t sha)
{
	struct cache_catalog r = { (char *)path, size, mtime, ctime, 1, { 0 } };

	memset(r.sha256, sha, sizeof(r.sha256));
	return r;
}

/* the catalog index: put, members, lookup, change, drop, generation */
static void catalogs(const char *path)
{
	static const uint8_t d1[32] = { 1 }, d2[20] = { 2 }, d3[32] = { 3 };
	struct cache_catalog *v = NULL, row;
	struct cache *c = NULL;
	struct cache_txn *t = NULL;
	struct cache_cat_stage *stage = NULL;
	int64_t id = 0, gen0 = -1, gen = -1;
	char found[256] = "";
	size_t n = 0;

	CHECK(cache_open(path, &c) == 0);
	if (!c)
		return;
	CHECK(cache_catalogs_generation(c, &gen0) == 0 && gen0 == 0);
	CHECK(cache_txn_begin(c, CACHE_INDEX_CATALOGS, &t) == 0);
	row = cat("/r/b.cat", 10, 5, 50, 0xbb);
	CHECK(cache_catalog_put(t, &row, &id) == 0);
	CHECK(cache_catalog_member_add(t, id, d1, 32) == 0);
	CHECK(cache_catalog_member_add(t, id, d2, 20) == 0);
	CHECK(cache_catalog_member_add(t, id, d2, 20) == 0); /* twice: once */
	/* a row without its SHA-256 could never be used: refused */
	row = cat("/r/x.cat", 1, 1, 1, 0);
	row.has_sha256 = 0;
	CHECK(cache_catalog_put(t, &row, &id) == -EINVAL);
	row = cat("/r/a.cat", 11, 6, 60, 0xaa);
	CHECK(cache_catalog_put(t, &row, &id) == 0);
	CHECK(cache_catalog_member_add(t, id, d1, 32) == 0);
	/* not seen by lookups before the commit, nor counted */
	CHECK(cache_catalog_find(c, d1, 32, collect, found) == 0);
	CHECK_STR(found, "");
	CHECK(cache_catalogs_generation(c, &gen) == 0 && gen == gen0);
	CHECK(cache_txn_commit(t) == 0);
	CHECK(cache_catalogs_generation(c, &gen) == 0 && gen == gen0 + 1);
	CHECK(cache_catalog_find(c, d1, 32, collect, found) == 0);
	CHECK_STR(found, "/r/a.cat:aa;/r/b.cat:bb;");
	found[0] = '\0';
	CHECK(cache_catalog_find(c, d2, 20, collect, found) == 0);
	CHECK_STR(found, "/r/b.cat:bb;");
	CHECK(cache_catalog_list(c, &v, &n) == 0 && n == 2);
	CHECK(n == 2 && strcmp(v[0].path, "/r/a.cat") == 0 && v[0].size == 11 &&
	      v[0].mtime_ns == 6 && v[0].ctime_ns == 60 && v[0].has_sha256 &&
	      v[0].sha256[0] == 0xaa && v[0].sha256[31] == 0xaa);
	CHECK(n == 2 && v[1].ctime_ns == 50 && v[1].sha256[31] == 0xbb);
	cache_catalogs_free(v, n);
	/* the SHA-256 as stored, read by the sqlite3 tool */
	CHECK(sql(path,
		  "SELECT hex(sha256), ctime_ns FROM catalogs "
		  "WHERE path = \"/r/a.cat\"",
		  found, sizeof(found)) == 0);
	CHECK_STR(found,
		  "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"
		  "AAAAAAAAA|60\n");
	/* b.cat changed (same size and mtime, new ctime and bytes): its old
	 * members and SHA-256 go; then it is dropped */
	CHECK(cache_txn_begin(c, CACHE_INDEX_CATALOGS, &t) == 0);
	row = cat("/r/b.cat", 10, 5, 51, 0xcc);
	CHECK(cache_catalog_put(t, &row, &id) == 0);
	CHECK(cache_catalog_member_add(t, id, d3, 32) == 0);
	CHECK(cache_txn_commit(t) == 0);
	found[0] = '\0';
	CHECK(cache_catalog_find(c, d2, 20, collect, found) == 0);
	CHECK_STR(found, "");
	CHECK(cache_catalog_find(c, d3, 32, collect, found) == 0);
	CHECK_STR(found, "/r/b.cat:cc;");
	CHECK(cache_txn_begin(c, CACHE_INDEX_CATALOGS, &t) == 0);
	CHECK(cache_catalog_drop(t, "/r/b.cat") == 0);
	CHECK(cache_txn_commit(t) == 0);
	found[0] = '\0';
	CHECK(cache_catalog_find(c, d3, 32, collect, found) == 0);
	CHECK_STR(found, "");
	CHECK(sql(path, "SELECT count(*) FROM catalog_members", found,
		  sizeof(found)) == 0);
	CHECK_STR(found, "1\n");
	CHECK(cache_catalogs_generation(c, &gen) == 0 && gen == gen0 + 3);
	/* in parts: members committed while pending are found without a
	 * SHA-256 (not used); sealed, with it; sealed as malformed, gone */
	CHECK(cache_txn_begin(c, CACHE_INDEX_CATALOGS, &t) == 0);
	row = cat("/r/p.cat", 10, 5, 52, 0);
	CHECK(cache_catalog_pending(t, &row, &id) == 0);
	CHECK(cache_catalog_member_add(t, id, d3, 32) == 0);
	usleep(1000 * (CACHE_BATCH_MS + 10)); /* the batch is committed */
	CHECK(cache_txn_batch(t) == 0);
	CHECK(cache_catalog_member_add(t, id, d2, 20) == 0);
	found[0] = '\0';
	CHECK(cache_catalog_find(c, d3, 32, collect, found) == 0);
	CHECK_STR(found, "/r/p.cat:-;");
	row = cat("/r/p.cat", 10, 5, 52, 0xdd);
	CHECK(cache_catalog_seal(t, id, row.sha256, 1) == 0);
	CHECK(cache_txn_commit(t) == 0);
	found[0] = '\0';
	CHECK(cache_catalog_find(c, d2, 20, collect, found) == 0);
	CHECK_STR(found, "/r/p.cat:dd;");
	CHECK(cache_txn_begin(c, CACHE_INDEX_CATALOGS, &t) == 0);
	CHECK(cache_catalog_pending(t, &row, &id) == 0);
	CHECK(cache_catalog_member_add(t, id, d3, 32) == 0);
	CHECK(cache_catalog_seal(t, id, row.sha256, 0) == 0);
	CHECK(cache_txn_commit(t) == 0);
	found[0] = '\0';
	CHECK(cache_catalog_find(c, d3, 32, collect, found) == 0);
	CHECK_STR(found, "");
	CHECK(cache_catalog_list(c, &v, &n) == 0 && n == 2);
	CHECK(n == 2 && strcmp(v[1].path, "/r/p.cat") == 0 && v[1].has_sha256 &&
	      v[1].sha256[0] == 0xdd);
	cache_catalogs_free(v, n);
	/* staged: in the index only at the end, and only when kept */
	CHECK(cache_txn_begin(c, CACHE_INDEX_CATALOGS, &t) == 0);
	CHECK(cache_catalog_pending(t, &row, &id) == 0);
	CHECK(cache_catalog_stage_begin(t, id, &stage) == 0);
	CHECK(cache_catalog_stage_add(t, stage, d3, 32) == 0);
	CHECK(cache_catalog_stage_add(t, stage, d2, 20) == 0);
	CHECK(cache_catalog_stage_add(t, stage, d3, 32) == 0); /* twice */
	CHECK(cache_catalog_stage_end(t, stage, 1, NULL) == 0);
	CHECK(cache_catalog_seal(t, id, row.sha256, 1) == 0);
	CHECK(cache_txn_commit(t) == 0);
	found[0] = '\0';
	CHECK(cache_catalog_find(c, d3, 32, collect, found) == 0);
	CHECK(cache_catalog_find(c, d2, 20, collect, found) == 0);
	CHECK_STR(found, "/r/p.cat:dd;/r/p.cat:dd;");
	CHECK(sql(path, "SELECT count(*) FROM catalog_members", found,
		  sizeof(found)) == 0);
	CHECK_STR(found, "3\n"); /* a.cat's d1, p.cat's d2 and d3 */
	CHECK(cache_txn_begin(c, CACHE_INDEX_CATALOGS, &t) == 0);
	CHECK(cache_catalog_pending(t, &row, &id) == 0);
	CHECK(cache_catalog_stage_begin(t, id, &stage) == 0);
	CHECK(cache_catalog_stage_add(t, stage, d1, 32) == 0);
	CHECK(cache_catalog_stage_end(t, stage, 0, NULL) == 0);
	CHECK(cache_catalog_seal(t, id, row.sha256, 0) == 0);
	CHECK(cache_txn_commit(t) == 0);
	found[0] = '\0';
	CHECK(cache_catalog_find(c, d1, 32, collect, found) == 0);
	CHECK_STR(found, "/r/a.cat:aa;");
	CHECK(cache_txn_begin(c, CACHE_INDEX_CATALOGS, &t) == 0);
	CHECK(cache_catalog_drop(t, "/r/p.cat") == 0);
	CHECK(cache_txn_commit(t) == 0);
	cache_close(c);
	c = NULL;

	/* a row of schema 4 (the 5th step undone) is kept by the upgrade,
	 * without a SHA-256 or ctime: found with none, listed as such */
	CHECK(sql(path, UNDO_STEP5 "PRAGMA user_version = 4", found,
		  sizeof(found)) == 0);
	CHECK(cache_open(path, &c) == 0);
	if (!c)
		return;
	found[0] = '\0';
	CHECK(cache_catalog_find(c, d1, 32, collect, found) == 0);
	CHECK_STR(found, "/r/a.cat:-;");
	CHECK(cache_catalog_list(c, &v, &n) == 0 && n == 1);
	CHECK(n == 1 && !v[0].has_sha256 && v[0].ctime_ns == 0 &&
	      v[0].size == 11 && v[0].mtime_ns == 6);
	cache_catalogs_free(v, n);
	cache_close(c);
}

static double now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

/* how much slower than usual this run may be (valgrind): TIME_SCALE */
static double time_scale(void)
{
	const char *s = getenv("TIME_SCALE");
	double v = s ? atof(s) : 1;

	return v >= 1 ? v : 1;
}

static int64_t count_rows(const char *db, const char *what)
{
	char q[256], out[64];

	snprintf(q, sizeof(q), "SELECT count(*) FROM %s", what);
	if (sql(db, q, out, sizeof(out)) != 0)
		return -1;
	return atoll(out);
}

/* rules transactions: a rollback drops the batch not committed, a commit
 * moves the generation on, a batch commits once it is full */
static void transactions(const char *path)
{
	struct cache_repo r = { 0 }, got = { 0 };
	struct cache_txn *t = NULL;
	struct cache *c = NULL;
	int64_t gen0 = -1, gen = -1, fid = 0;
	uint64_t files = 0, lines = 0, size = 0;
	int64_t mt = 0;
	double t0, took;
	int i;

	CHECK(cache_open(path, &c) == 0);
	if (!c)
		return;
	CHECK(cache_rules_generation(c, &gen0) == 0);
	r.name = strdup("r1");
	r.path = strdup("/rules/r1");
	CHECK(cache_txn_begin(c, CACHE_INDEX_RULES, &t) == 0);
	CHECK(cache_repo_put(t, &r) == 0 && r.id > 0);
	CHECK(cache_rule_file_put(t, r.id, "a.yml", 10, 20, 1, &fid) == 0);
	CHECK(cache_rule_line_add(t, fid, 1, "comsvcs.dll", 11) == 0);
	/* the transaction sees its own writes; lookups do not yet */
	CHECK(cache_rule_file_get(t, r.id, "a.yml", &size, &mt) == 0 &&
	      size == 10 && mt == 20);
	CHECK(cache_repo_get(c, "r1", &got) == -ENOENT);
	cache_txn_rollback(t);
	CHECK(cache_repo_get(c, "r1", &got) == -ENOENT);
	CHECK(cache_rules_generation(c, &gen) == 0 && gen == gen0);

	r.id = 0;
	CHECK(cache_txn_begin(c, CACHE_INDEX_RULES, &t) == 0);
	CHECK(cache_repo_put(t, &r) == 0);
	CHECK(cache_rule_file_put(t, r.id, "a.yml", 10, 20, 1, &fid) == 0);
	CHECK(cache_rule_line_add(t, fid, 1, "comsvcs.dll", 11) == 0);
	CHECK(cache_rule_files_prune(t, r.id, 1, &files, &lines) == 0 &&
	      files == 1 && lines == 1);
	CHECK(cache_txn_commit(t) == 0);
	CHECK(cache_rules_generation(c, &gen) == 0 && gen == gen0 + 1);
	CHECK(cache_repo_get(c, "r1", &got) == 0 && got.id == r.id);
	cache_repo_clear(&got);

	/* batches: the work of CACHE_BATCH_OPS files is committed while the
	 * transaction goes on; the generation waits for the last commit */
	t0 = now_ms();
	CHECK(cache_txn_begin(c, CACHE_INDEX_RULES, &t) == 0);
	for (i = 0; i < CACHE_BATCH_OPS && t; i++) {
		char name[32];

		snprintf(name, sizeof(name), "f%d.yml", i);
		if (cache_rule_file_put(t, r.id, name, 1, 1, 2, &fid) ||
		    cache_txn_batch(t))
			break;
	}
	CHECK(i == CACHE_BATCH_OPS);
	took = now_ms() - t0;
	if (took < CACHE_BATCH_MS) {
		/* no batch was due on time: exactly one, on count */
		CHECK(count_rows(path, "rule_files") == 1 + CACHE_BATCH_OPS);
	} else {
		/* a slow run (valgrind) commits on time, before the count */
		CHECK(count_rows(path, "rule_files") > 1);
	}
	CHECK(cache_rules_generation(c, &gen) == 0 && gen == gen0 + 1);
	/* ... and so is a batch that has taken CACHE_BATCH_MS */
	CHECK(cache_rule_file_put(t, r.id, "late.yml", 1, 1, 2, &fid) == 0);
	usleep((CACHE_BATCH_MS + 10) * 1000);
	CHECK(cache_txn_batch(t) == 0);
	CHECK(count_rows(path, "rule_files") == 2 + CACHE_BATCH_OPS);
	gen0 = gen;
	CHECK(cache_rules_generation(c, &gen) == 0 && gen == gen0);
	CHECK(cache_rule_file_seen(t, r.id, "a.yml", 2) == 0);
	usleep((CACHE_BATCH_MS + 10) * 1000);
	CHECK(cache_txn_batch(t) == 0);
	CHECK(cache_rules_generation(c, &gen) == 0 && gen == gen0);
	/* a rollback drops only what is not committed yet */
	CHECK(cache_rule_file_put(t, r.id, "gone.yml", 1, 1, 2, &fid) == 0);
	cache_txn_rollback(t);
	CHECK(count_rows(path, "rule_files") == 2 + CACHE_BATCH_OPS);
	/* the batches committed before the rollback changed the index: it
	 * moves on, once */
	CHECK(cache_rules_generation(c, &gen) == 0 && gen == gen0 + 1);
	/* a run that changed nothing does not */
	gen0 = gen;
	CHECK(cache_txn_begin(c, CACHE_INDEX_RULES, &t) == 0);
	CHECK(cache_rule_file_seen(t, r.id, "a.yml", 3) == 0);
	CHECK(cache_txn_commit(t) == 0);
	CHECK(cache_rules_generation(c, &gen) == 0 && gen == gen0);
	CHECK(cache_repo_remove(c, "r1") == 0);
	CHECK(count_rows(path, "rule_files") == 0);
	CHECK(cache_repo_remove(c, "r1") == -ENOENT);
	cache_repo_clear(&r);
	cache_close(c);
}

/* render sizes: kept per identity and key, upgraded from schema 3 */
static void render_sizes(const char *path)
{
	static const uint8_t k1[32] = { 1, 2, 3 }, k2[32] = { 1, 2, 4 };
	struct cache_ident id = { 5, 6, 7, 8, 10 }, other = { 5, 6, 7, 9, 10 };
	struct cache_part part = { "pe", 1, "x", 1 };
	struct cache_content ct;
	struct cache *c = NULL;
	uint64_t size = 0;
	char out[256];

	CHECK(cache_open(path, &c) == 0);
	if (!c)
		return;
	fill(&ct, 40);
	CHECK(cache_render_size_put(c, &id, k1, 4321) == -ENOENT);
	CHECK(cache_store(c, &id, &ct, &part, 1) == 0);
	CHECK(cache_render_size_get(c, &id, k1, &size) == -ENOENT);
	CHECK(cache_render_size_put(c, &id, k1, 4321) == 0);
	CHECK(cache_render_size_get(c, &id, k1, &size) == 0 && size == 4321);
	size = 0;
	CHECK(cache_render_size_get(c, &id, k2, &size) == -ENOENT && !size);
	CHECK(cache_render_size_get(c, &other, k1, &size) == -ENOENT);
	CHECK(cache_render_size_put(c, &other, k1, 1) == -ENOENT);
	CHECK(cache_render_size_put(c, &id, k2, 99) == 0);
	CHECK(cache_render_size_get(c, &id, k1, &size) == -ENOENT);
	CHECK(cache_render_size_get(c, &id, k2, &size) == 0 && size == 99);
	cache_close(c);
	c = NULL;

	/* the same database as schema 3 had it (the 4th and 5th steps
	 * undone) is upgraded in place: its identity is kept without a render
	 * size, and without a ctime, so it is found no more; stored again,
	 * it takes a render size */
	CHECK(sql(path,
		  UNDO_STEP5
		  "CREATE TABLE f3 (dev INTEGER NOT NULL, ino INTEGER NOT NULL,"
		  " size INTEGER NOT NULL, mtime_ns INTEGER NOT NULL,"
		  " sha256 TEXT NOT NULL,"
		  " PRIMARY KEY (dev, ino, size, mtime_ns)) WITHOUT ROWID;"
		  "INSERT INTO f3 SELECT dev, ino, size, mtime_ns, sha256"
		  " FROM files; DROP TABLE files;"
		  "ALTER TABLE f3 RENAME TO files; PRAGMA user_version = 3",
		  out, sizeof(out)) == 0);
	CHECK(cache_open(path, &c) == 0);
	if (!c)
		return;
	CHECK(cache_find(c, &id, &ct) == -ENOENT);
	CHECK(cache_find_content(c, ct.dg.sha256, &ct) == 0);
	CHECK(cache_render_size_put(c, &id, k2, 77) == -ENOENT);
	CHECK(cache_store(c, &id, &ct, &part, 1) == 0);
	CHECK(cache_render_size_get(c, &id, k2, &size) == -ENOENT);
	CHECK(cache_render_size_put(c, &id, k2, 77) == 0);
	CHECK(cache_render_size_get(c, &id, k2, &size) == 0 && size == 77);
	cache_close(c);
	CHECK(sql(path,
		  "PRAGMA user_version; SELECT ctime_ns, render_size FROM "
		  "files "
		  "WHERE dev = 5 AND ino = 6 ORDER BY ctime_ns",
		  out, sizeof(out)) == 0);
	CHECK_STR(out, "6\n-9223372036854775808|\n10|77\n");
}

/* Two rows of (dev, ino) from a database: "ctime_ns|sha256-prefix|rsize" */
static void ident_rows(const char *path, int ino, char *out, size_t n)
{
	char stmt[256];

	snprintf(stmt, sizeof(stmt),
		 "SELECT ctime_ns, substr(sha256, 1, 4), render_size FROM "
		 "files WHERE dev = 70 AND ino = %d ORDER BY ctime_ns",
		 ino);
	CHECK(sql(path, stmt, out, n) == 0);
}

/* ctime is part of the identity: a file rewritten with its mtime put back
 * is another row; the 4 -> 5 upgrade keeps content, parts and render
 * sizes, and its old identities match no lookup */
static void ctime_ident(void)
{
	static const uint8_t key[32] = { 7 };
	struct cache_ident a = { 70, 71, 100, 1000, 2000 }, b = a, old = a;
	struct cache_part pa = { "pe", 1, "old", 3 },
			  pb = { "pe", 1, "new", 3 };
	struct cache_content ca, cb, got;
	struct cache *c = NULL;
	char path[128], out[512];
	uint64_t size = 0;
	void *data = NULL;
	size_t len = 0;

	snprintf(path, sizeof(path), "%s/v4.db", dir);
	fill(&ca, 0xa0);
	fill(&cb, 0xb0);
	b.ctime_ns = a.ctime_ns + 1;
	CHECK(cache_open(path, &c) == 0);
	if (!c)
		return;
	CHECK(cache_store(c, &a, &ca, &pa, 1) == 0);
	CHECK(cache_render_size_put(c, &a, key, 4321) == 0);
	CHECK(cache_find(c, &b, &got) == -ENOENT);
	CHECK(cache_render_size_get(c, &b, key, &size) == -ENOENT);
	CHECK(cache_store(c, &b, &cb, &pb, 1) == 0);
	CHECK(cache_find(c, &a, &got) == 0 && same(&got, &ca));
	CHECK(cache_find(c, &b, &got) == 0 && same(&got, &cb));
	CHECK(cache_render_size_get(c, &a, key, &size) == 0 && size == 4321);
	CHECK(cache_render_size_get(c, &b, key, &size) == -ENOENT);
	/* the old rows' ctime is no ctime a caller may use */
	old.ctime_ns = CACHE_CTIME_UNKNOWN;
	CHECK(cache_store(c, &old, &ca, &pa, 1) == -EINVAL);
	CHECK(cache_find(c, &old, &got) == -ENOENT);
	cache_close(c);
	c = NULL;
	ident_rows(path, 71, out, sizeof(out));
	CHECK_STR(out, "2000|a2a2|4321\n2001|b2b2|\n");

	/* the files table as schema 4 had it, holding a's row only (its key
	 * could not hold both) */
	CHECK(sql(path,
		  UNDO_STEP5
		  "CREATE TABLE f4 (dev INTEGER NOT NULL, ino INTEGER NOT NULL,"
		  " size INTEGER NOT NULL, mtime_ns INTEGER NOT NULL,"
		  " sha256 TEXT NOT NULL, render_key BLOB, render_size INTEGER,"
		  " PRIMARY KEY (dev, ino, size, mtime_ns)) WITHOUT ROWID;"
		  "INSERT INTO f4 SELECT dev, ino, size, mtime_ns, sha256,"
		  " render_key, render_size FROM files WHERE ctime_ns = 2000;"
		  "DROP TABLE files; ALTER TABLE f4 RENAME TO files;"
		  "PRAGMA user_version = 4",
		  out, sizeof(out)) == 0);
	CHECK(cache_open(path, &c) == 0);
	if (!c)
		return;
	/* old identities do not match, whatever the ctime asked for */
	CHECK(cache_find(c, &a, &got) == -ENOENT);
	CHECK(cache_find(c, &b, &got) == -ENOENT);
	CHECK(cache_find(c, &old, &got) == -ENOENT);
	CHECK(cache_render_size_get(c, &a, key, &size) == -ENOENT);
	CHECK(cache_render_size_get(c, &old, key, &size) == -ENOENT);
	/* content and parts are kept, both versions of the bytes */
	CHECK(cache_find_content(c, ca.dg.sha256, &got) == 0 &&
	      same(&got, &ca));
	CHECK(cache_find_content(c, cb.dg.sha256, &got) == 0 &&
	      same(&got, &cb));
	CHECK(cache_get_part(c, ca.dg.sha256, "pe", 1, &data, &len) == 0 &&
	      len == 3 && !memcmp(data, "old", 3));
	free(data);
	data = NULL;
	CHECK(cache_get_part(c, cb.dg.sha256, "pe", 1, &data, &len) == 0 &&
	      len == 3 && !memcmp(data, "new", 3));
	free(data);
	cache_close(c);
	c = NULL;
	/* the old row kept, its render size too, with the ctime no lookup
	 * matches */
	CHECK(sql(path, "PRAGMA user_version; PRAGMA integrity_check", out,
		  sizeof(out)) == 0);
	CHECK_STR(out, "6\nok\n");
	ident_rows(path, 71, out, sizeof(out));
	CHECK_STR(out, "-9223372036854775808|a2a2|4321\n");

	/* on the upgraded table, identities differing only in ctime are two
	 * rows again */
	CHECK(cache_open(path, &c) == 0);
	if (!c)
		return;
	CHECK(cache_store(c, &a, &ca, &pa, 1) == 0);
	CHECK(cache_store(c, &b, &cb, &pb, 1) == 0);
	CHECK(cache_find(c, &a, &got) == 0 && same(&got, &ca));
	CHECK(cache_find(c, &b, &got) == 0 && same(&got, &cb));
	cache_close(c);
	ident_rows(path, 71, out, sizeof(out));
	CHECK_STR(out, "-9223372036854775808|a2a2|4321\n2000|a2a2|\n"
		       "2001|b2b2|\n");
}

struct writer {
	const char *path;
	double hold_ms;
	pthread_mutex_t mu;
	pthread_cond_t cv;
	int holding;
	int rc;
};

/* another process indexing: a write transaction on a connection of its
 * own, held for hold_ms */
static void *hold_write(void *arg)
{
	struct writer *w = arg;
	struct cache_catalog row = cat("/other/x.cat", 1, 1, 1, 1);
	struct cache_txn *t = NULL;
	struct cache *c = NULL;
	int64_t id;

	w->rc = cache_open(w->path, &c);
	if (!w->rc)
		w->rc = cache_txn_begin(c, CACHE_INDEX_CATALOGS, &t);
	if (!w->rc)
		w->rc = cache_catalog_put(t, &row, &id);
	pthread_mutex_lock(&w->mu);
	w->holding = w->rc ? -1 : 1;
	pthread_cond_broadcast(&w->cv);
	pthread_mutex_unlock(&w->mu);
	if (!w->rc) {
		usleep((useconds_t)(w->hold_ms * 1000));
		w->rc = cache_txn_commit(t);
	}
	cache_close(c);
	return NULL;
}

struct storer {
	struct cache *c;
	struct cache_ident id;
	struct cache_content ct;
	double ms;
	int rc;
};

static void *store_one(void *arg)
{
	struct storer *s = arg;
	struct cache_part part = { "pe", 1, "y", 1 };
	double t0 = now_ms();

	s->rc = cache_store(s->c, &s->id, &s->ct, &part, 1);
	s->ms = now_ms() - t0;
	return NULL;
}

/* While another connection holds the write lock for a second and a store
 * of ours waits it out, a lookup of a cached profile answers at once; the
 * store succeeds once the writer commits. */
static void readers_do_not_wait(const char *path)
{
	struct cache_ident cached = { 11, 12, 13, 14, 15 };
	struct cache_part part = { "pe", 1, "z", 1 };
	struct writer w = {
		path, 1000, PTHREAD_MUTEX_INITIALIZER, PTHREAD_COND_INITIALIZER,
		0,    -1
	};
	struct storer s;
	struct cache_content ct, got;
	struct cache *c = NULL;
	double scale = time_scale(), t0, find_ms, worst = 0;
	pthread_t wt, stt;
	void *data = NULL;
	size_t len;
	int i, rc = 0;

	CHECK(cache_open(path, &c) == 0);
	if (!c)
		return;
	fill(&ct, 50);
	CHECK(cache_store(c, &cached, &ct, &part, 1) == 0);
	w.hold_ms = 1000 * scale;
	CHECK(pthread_create(&wt, NULL, hold_write, &w) == 0);
	pthread_mutex_lock(&w.mu);
	while (!w.holding)
		pthread_cond_wait(&w.cv, &w.mu);
	pthread_mutex_unlock(&w.mu);
	CHECK(w.holding == 1);

	memset(&s, 0, sizeof(s));
	s.c = c;
	s.id = (struct cache_ident){ 11, 99, 13, 14, 15 };
	fill(&s.ct, 51);
	CHECK(pthread_create(&stt, NULL, store_one, &s) == 0);
	usleep((useconds_t)(100 * 1000 * scale)); /* the store is waiting */
	for (i = 0; i < 10; i++) {
		t0 = now_ms();
		rc |= cache_find(c, &cached, &got);
		rc |= cache_get_part(c, ct.dg.sha256, "pe", 1, &data, &len);
		free(data);
		data = NULL;
		rc |= cache_find_content(c, ct.dg.sha256, &got);
		find_ms = now_ms() - t0;
		if (find_ms > worst)
			worst = find_ms;
	}
	CHECK(rc == 0);
	if (worst >= 100 * scale)
		fprintf(stderr, "lookups took %.1f ms\n", worst);
	CHECK(worst < 100 * scale);
	pthread_join(stt, NULL);
	pthread_join(wt, NULL);
	CHECK(w.rc == 0);
	/* the store waited the writer out (so this tested something) and
	 * was not dropped */
	CHECK(s.rc == 0);
	CHECK(s.ms >= 500 * scale);
	CHECK(cache_find(c, &s.id, &got) == 0 && same(&got, &s.ct));
	cache_close(c);
}

/* a whole file, for before-and-after comparisons; NULL when absent */
static char *slurp(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	char *buf = NULL;
	long n;

	if (!f)
		return NULL;
	if (fseek(f, 0, SEEK_END) == 0 && (n = ftell(f)) >= 0 &&
	    fseek(f, 0, SEEK_SET) == 0 && (buf = malloc((size_t)n + 1)) &&
	    fread(buf, 1, (size_t)n, f) != (size_t)n) {
		free(buf);
		buf = NULL;
	}
	*len = buf ? (size_t)n : 0;
	fclose(f);
	return buf;
}

static int exists(const char *path)
{
	return access(path, F_OK) == 0;
}

/* NAME in dir, not a cache of ours: refused by probe, open and rebuild,
 * byte for byte the same after, no -wal or -shm made, nothing moved */
static void refused_untouched(const char *name)
{
	char path[256], side[300], why[128] = "", cmd[600];
	struct cache *c = NULL;
	size_t n0, n1;
	char *before, *after;
	int wal, shm;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	snprintf(side, sizeof(side), "%s-wal", path);
	wal = exists(side);
	snprintf(side, sizeof(side), "%s-shm", path);
	shm = exists(side);
	before = slurp(path, &n0);
	CHECK(before != NULL);
	CHECK(cache_probe(path, why, sizeof(why)) == -EPROTO && why[0]);
	CHECK(cache_open(path, &c) == -EPROTO && c == NULL);
	CHECK(cache_open_or_rebuild(path, &c) == -EPROTO && c == NULL);
	after = slurp(path, &n1);
	CHECK(after && n0 == n1 && memcmp(before, after, n0) == 0);
	snprintf(side, sizeof(side), "%s-wal", path);
	CHECK(exists(side) == wal);
	snprintf(side, sizeof(side), "%s-shm", path);
	CHECK(exists(side) == shm);
	snprintf(cmd, sizeof(cmd), "! ls '%s'.unusable-* >/dev/null 2>&1",
		 path);
	CHECK(system(cmd) == 0);
	free(before);
	free(after);
}

/*
 * Committed transactions still only in the -wal (a crash before any
 * checkpoint): page 1 in the main file says application_id 0 and no
 * tables. The probe reads the -wal's last committed page 1: ours is used,
 * a newer one of ours and another program's are refused, untouched.
 */
static void wal_only(void)
{
	static const char py[] =
		"python3 -c 'import sqlite3, os, sys\n"
		"c = sqlite3.connect(sys.argv[1], isolation_level=None)\n"
		"c.execute(\"PRAGMA journal_mode=WAL\")\n"
		"c.execute(\"PRAGMA wal_autocheckpoint=0\")\n"
		"c.executescript(sys.argv[2])\n"
		"os._exit(0)' '%s/%s' '%s'";
	char cmd[1024], path[256], why[128];
	struct cache_ident idw = { 4, 4, 4, 4, 4 };
	struct cache_content ct, got;
	struct cache *c = NULL;
	pid_t pid;
	int st = -1;

	/* ours, made and stored to by a process that then died */
	snprintf(path, sizeof(path), "%s/walonly.db", dir);
	fill(&ct, 4);
	pid = fork();
	if (pid == 0) {
		struct cache_part part = { "pe", 1, "x", 1 };

		if (cache_open(path, &c) || cache_store(c, &idw, &ct, &part, 1))
			_exit(1);
		_exit(0); /* no close, no checkpoint */
	}
	CHECK(pid > 0 && waitpid(pid, &st, 0) == pid && st == 0);
	snprintf(cmd, sizeof(cmd),
		 "test \"$(od -An -tx1 -j68 -N4 %s | tr -d ' ')\" = 00000000 "
		 "&& test -s %s-wal",
		 path, path);
	CHECK(system(cmd) == 0); /* the case this is about */
	CHECK(cache_probe(path, why, sizeof(why)) == 0);
	CHECK(cache_open(path, &c) == 0);
	CHECK(c && cache_find(c, &idw, &got) == 0 && same(&got, &ct));
	cache_close(c);
	c = NULL;

	snprintf(cmd, sizeof(cmd), py, dir, "walnewer.db",
		 "BEGIN; CREATE TABLE t (x); PRAGMA application_id = "
		 "1349666419; PRAGMA user_version = 99; COMMIT");
	CHECK(system(cmd) == 0);
	refused_untouched("walnewer.db");
	snprintf(cmd, sizeof(cmd), py, dir, "walforeign.db",
		 "CREATE TABLE t (x); INSERT INTO t VALUES (1)");
	CHECK(system(cmd) == 0);
	refused_untouched("walforeign.db");
	snprintf(path, sizeof(path), "%s/walforeign.db-wal", dir);
	{
		size_t n0 = 0, n1 = 0;
		char *before = slurp(path, &n0), *after;

		CHECK(before && n0 > 0);
		CHECK(cache_open(path, &c) == -EPROTO);
		after = slurp(path, &n1);
		CHECK(after && n0 == n1 && memcmp(before, after, n0) == 0);
		free(before);
		free(after);
	}
}

static unsigned mode_of(const char *path)
{
	struct stat st;

	return stat(path, &st) == 0 ? (unsigned)(st.st_mode & 07777) : 0;
}

/* under umask 022: the database, -wal and -shm 0600, a folder made 0700;
 * one of ours made 0644 before is narrowed */
static void private_modes(void)
{
	char path[256], side[300], cmd[600];
	struct cache *c = NULL;
	mode_t old = umask(022);

	snprintf(path, sizeof(path), "%s/modes/cache.db", dir);
	CHECK(cache_open(path, &c) == 0);
	CHECK(mode_of(path) == 0600);
	snprintf(side, sizeof(side), "%s-wal", path);
	CHECK(mode_of(side) == 0600);
	snprintf(side, sizeof(side), "%s-shm", path);
	CHECK(mode_of(side) == 0600);
	snprintf(side, sizeof(side), "%s/modes", dir);
	CHECK(mode_of(side) == 0700);
	cache_close(c);
	c = NULL;

	snprintf(cmd, sizeof(cmd), "chmod 0644 '%s'", path);
	CHECK(system(cmd) == 0 && mode_of(path) == 0644);
	CHECK(cache_open(path, &c) == 0);
	CHECK(mode_of(path) == 0600);
	cache_close(c);
	umask(old);
}

int main(void)
{
	struct cache_ident id = { 1, 2, 1001, 1234567890123456789,
				  1234567890123456790 };
	struct cache_ident id2 = { 1, 3, 1001, 5, 6 };
	struct cache_part part = { "pe", 1, "\x01\x02\x00\x03", 4 };
	struct cache_content ct, got;
	struct cache *c = NULL;
	char path[128], out[1024];
	void *data = NULL;
	size_t len = 0;
	FILE *p;

	if (!mkdtemp(dir))
		return 1;
	/* the folder is made as needed */
	snprintf(path, sizeof(path), "%s/sub/dir/cache.db", dir);
	CHECK(cache_open(path, &c) == 0);
	fill(&ct, 7);
	CHECK(cache_find(c, &id, &got) == -ENOENT);
	CHECK(cache_store(c, &id, &ct, &part, 1) == 0);
	CHECK(cache_find(c, &id, &got) == 0 && same(&got, &ct));
	/* another identity with the same bytes is not known by identity,
	 * but its content is */
	CHECK(cache_find(c, &id2, &got) == -ENOENT);
	CHECK(cache_find_content(c, ct.dg.sha256, &got) == 0 &&
	      same(&got, &ct));
	CHECK(cache_get_part(c, ct.dg.sha256, "pe", 1, &data, &len) == 0);
	CHECK(len == 4 && data && memcmp(data, "\x01\x02\x00\x03", 4) == 0);
	free(data);
	/* a part of another version is missing */
	CHECK(cache_get_part(c, ct.dg.sha256, "pe", 2, &data, &len) == -ENOENT);
	CHECK(cache_get_part(c, ct.dg.sha256, "sig", 1, &data, &len) ==
	      -ENOENT);
	cache_close(c);
	c = NULL;

	/* it outlives the process's handle, in WAL mode */
	CHECK(cache_open(path, &c) == 0);
	CHECK(cache_find(c, &id, &got) == 0 && same(&got, &ct));
	cache_close(c);
	c = NULL;
	CHECK(sql(path,
		  "PRAGMA journal_mode; PRAGMA user_version; "
		  "PRAGMA integrity_check",
		  out, sizeof(out)) == 0);
	{
		char want[32];

		snprintf(want, sizeof(want), "wal\n%d\nok\n",
			 CACHE_SCHEMA_VERSION);
		CHECK_STR(out, want);
	}

	/* a schema 1 cache (as profilefs 0.1 left it) is upgraded in place,
	 * its content kept; its identity has no ctime, so it is not found by
	 * identity any more */
	snprintf(path, sizeof(path), "%s/v1.db", dir);
	CHECK(sql(path,
		  "PRAGMA application_id = 1349666419; PRAGMA user_version = 1;"
		  "CREATE TABLE content (sha256 TEXT PRIMARY KEY, size INTEGER "
		  "NOT NULL, md5 TEXT NOT NULL, sha1 TEXT NOT NULL, sha384 "
		  "TEXT "
		  "NOT NULL, sha512 TEXT NOT NULL, ssdeep TEXT NOT NULL) "
		  "WITHOUT "
		  "ROWID; CREATE TABLE files (dev INTEGER NOT NULL, ino "
		  "INTEGER "
		  "NOT NULL, size INTEGER NOT NULL, mtime_ns INTEGER NOT NULL, "
		  "sha256 TEXT NOT NULL, PRIMARY KEY (dev, ino, size, "
		  "mtime_ns)) "
		  "WITHOUT ROWID; CREATE TABLE parts (sha256 TEXT NOT NULL, "
		  "name "
		  "TEXT NOT NULL, version INTEGER NOT NULL, data BLOB NOT "
		  "NULL, "
		  "PRIMARY KEY (sha256, name)) WITHOUT ROWID;"
		  "INSERT INTO content VALUES (\"" HEX64 "\", 5, \"" HEX32
		  "\", \"" HEX40 "\", \"" HEX96 "\", \"" HEX128 "\", "
		  "\"3:a:b\"); INSERT INTO files VALUES (9, 9, 5, 9, \"" HEX64
		  "\")",
		  out, sizeof(out)) == 0);
	CHECK(cache_open(path, &c) == 0);
	{
		struct cache_ident v1 = { 9, 9, 5, 9, 9 };
		/* HEX64's bytes */
		static const uint8_t pat[8] = { 0x01, 0x23, 0x45, 0x67,
						0x89, 0xab, 0xcd, 0xef };
		uint8_t sha[32];
		int64_t gen = -1;

		for (int k = 0; k < 32; k++)
			sha[k] = pat[k % 8];
		CHECK(c && cache_find(c, &v1, &got) == -ENOENT);
		CHECK(c && cache_find_content(c, sha, &got) == 0 &&
		      got.size == 5 && !strcmp(got.dg.ssdeep, "3:a:b"));
		/* generation 0, under the database's own number */
		CHECK(c && cache_rules_generation(c, &gen) == 0 &&
		      (gen & 0xffffffff) == 0);
	}
	cache_close(c);
	c = NULL;

	catalogs(path); /* on the upgraded schema 1 cache */
	transactions(path);
	render_sizes(path);
	{
		struct cache_ident v1 = { 9, 9, 5, 9, 9 };
		static const uint8_t key[32] = { 9 };
		uint64_t size = 0;

		fill(&ct, 60);
		CHECK(cache_open(path, &c) == 0);
		CHECK(c && cache_render_size_put(c, &v1, key, 5) == -ENOENT);
		CHECK(c && cache_store(c, &v1, &ct, &part, 1) == 0);
		CHECK(c && cache_render_size_put(c, &v1, key, 5) == 0);
		CHECK(c && cache_render_size_get(c, &v1, key, &size) == 0 &&
		      size == 5);
		cache_close(c);
		c = NULL;
	}
	readers_do_not_wait(path);
	ctime_ident();

	/* a database that is not ours is refused, not changed */
	snprintf(path, sizeof(path), "%s/foreign.db", dir);
	CHECK(sql(path, "CREATE TABLE t (x); INSERT INTO t VALUES (1)", out,
		  sizeof(out)) == 0);
	CHECK(cache_open(path, &c) == -EPROTO && c == NULL);
	CHECK(sql(path, "SELECT x FROM t", out, sizeof(out)) == 0);
	CHECK_STR(out, "1\n");
	/* one from a newer profilefs too */
	snprintf(path, sizeof(path), "%s/newer.db", dir);
	CHECK(sql(path,
		  "PRAGMA application_id = 1349666419; "
		  "PRAGMA user_version = 99",
		  out, sizeof(out)) == 0);
	CHECK(cache_open(path, &c) == -EPROTO);
	/* a file that is not a database at all */
	snprintf(path, sizeof(path), "%s/text.db", dir);
	p = fopen(path, "w");
	CHECK(p && fputs("not a database, just text\n", p) >= 0);
	if (p)
		fclose(p);
	/* none of them is moved aside or changed: not ours to touch */
	refused_untouched("text.db");
	refused_untouched("foreign.db");
	refused_untouched("newer.db");
	snprintf(path, sizeof(path), "%s/foreign.db", dir);
	CHECK(sql(path, "SELECT x FROM t", out, sizeof(out)) == 0);
	CHECK_STR(out, "1\n");
	wal_only();
	private_modes();
	/* a database whose pages were overwritten fails its check */
	snprintf(path, sizeof(path), "%s/damaged.db", dir);
	CHECK(cache_open(path, &c) == 0);
	for (uint8_t k = 1; c && k < 60; k++) {
		struct cache_ident idk = { 7, k, 100, k, k };

		fill(&ct, k);
		cache_store(c, &idk, &ct, &part, 1);
	}
	cache_close(c);
	c = NULL;
	snprintf(out, sizeof(out),
		 "sqlite3 %s 'PRAGMA wal_checkpoint(TRUNCATE)' >/dev/null && "
		 "dd if=/dev/urandom of=%s bs=4096 seek=3 count=3 "
		 "conv=notrunc status=none",
		 path, path);
	CHECK(system(out) == 0);
	CHECK(cache_open(path, &c) == -EBADMSG && c == NULL);
	CHECK(cache_open_or_rebuild(path, &c) == 0 && c != NULL);
	cache_close(c);
	c = NULL;

	snprintf(out, sizeof(out), "rm -rf '%s'", dir);
	CHECK(system(out) == 0);
	return t_done();
}

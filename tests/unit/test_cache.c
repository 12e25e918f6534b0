/* cache: store and find by identity and by content, parts and their
 * versions, persistence across reopen, refusal of foreign databases. */
#include <errno.h>
#include <stdlib.h>
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

static int collect(void *ctx, const char *path)
{
	char *out = ctx;

	strcat(out, path);
	strcat(out, ";");
	return 0;
}

/* the catalog index: put, members, lookup, change, drop, generation */
static void catalogs(const char *path)
{
	static const uint8_t d1[32] = { 1 }, d2[20] = { 2 }, d3[32] = { 3 };
	struct cache_catalog *v = NULL;
	struct cache *c = NULL;
	struct cache_txn *t = NULL;
	int64_t id = 0, gen0 = -1, gen = -1;
	char found[256] = "";
	size_t n = 0;

	CHECK(cache_open(path, &c) == 0);
	if (!c)
		return;
	CHECK(cache_catalogs_generation(c, &gen0) == 0 && gen0 == 0);
	CHECK(cache_txn_begin(c, CACHE_INDEX_CATALOGS, &t) == 0);
	CHECK(cache_catalog_put(t, "/r/b.cat", 10, 5, &id) == 0);
	CHECK(cache_catalog_member_add(t, id, d1, 32) == 0);
	CHECK(cache_catalog_member_add(t, id, d2, 20) == 0);
	CHECK(cache_catalog_member_add(t, id, d2, 20) == 0); /* twice: once */
	CHECK(cache_catalog_put(t, "/r/a.cat", 11, 6, &id) == 0);
	CHECK(cache_catalog_member_add(t, id, d1, 32) == 0);
	/* not seen by lookups before the commit, nor counted */
	CHECK(cache_catalog_find(c, d1, 32, collect, found) == 0);
	CHECK_STR(found, "");
	CHECK(cache_catalogs_generation(c, &gen) == 0 && gen == gen0);
	CHECK(cache_txn_commit(t) == 0);
	CHECK(cache_catalogs_generation(c, &gen) == 0 && gen == gen0 + 1);
	CHECK(cache_catalog_find(c, d1, 32, collect, found) == 0);
	CHECK_STR(found, "/r/a.cat;/r/b.cat;");
	found[0] = '\0';
	CHECK(cache_catalog_find(c, d2, 20, collect, found) == 0);
	CHECK_STR(found, "/r/b.cat;");
	CHECK(cache_catalog_list(c, &v, &n) == 0 && n == 2);
	CHECK(n == 2 && strcmp(v[0].path, "/r/a.cat") == 0 && v[0].size == 11 &&
	      v[0].mtime_ns == 6);
	cache_catalogs_free(v, n);
	/* b.cat changed: its old members go; then it is dropped */
	CHECK(cache_txn_begin(c, CACHE_INDEX_CATALOGS, &t) == 0);
	CHECK(cache_catalog_put(t, "/r/b.cat", 12, 7, &id) == 0);
	CHECK(cache_catalog_member_add(t, id, d3, 32) == 0);
	CHECK(cache_txn_commit(t) == 0);
	found[0] = '\0';
	CHECK(cache_catalog_find(c, d2, 20, collect, found) == 0);
	CHECK_STR(found, "");
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
	cache_close(c);
}

int main(void)
{
	struct cache_ident id = { 1, 2, 1001, 1234567890123456789 };
	struct cache_ident id2 = { 1, 3, 1001, 5 };
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
	 * its profiles kept */
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
		struct cache_ident v1 = { 9, 9, 5, 9 };
		int64_t gen = -1;

		CHECK(c && cache_find(c, &v1, &got) == 0 && got.size == 5);
		CHECK(c && cache_rules_generation(c, &gen) == 0 && gen == 0);
	}
	cache_close(c);
	c = NULL;

	catalogs(path); /* on the upgraded schema 1 cache */

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
	CHECK(cache_open(path, &c) < 0);

	CHECK(cache_open(path, &c) == -EBADMSG);
	/* ... and moved aside with its WAL, and a new cache made */
	CHECK(cache_open_or_rebuild(path, &c) == 0 && c != NULL);
	CHECK(c && cache_find(c, &id, &got) == -ENOENT);
	cache_close(c);
	c = NULL;
	snprintf(out, sizeof(out),
		 "test \"$(cat %s/text.db.unusable-*)\" = "
		 "'not a database, just text'",
		 dir);
	CHECK(system(out) == 0);
	/* the foreign one likewise, its table kept in the moved file */
	snprintf(path, sizeof(path), "%s/foreign.db", dir);
	CHECK(cache_open_or_rebuild(path, &c) == 0 && c != NULL);
	cache_close(c);
	c = NULL;
	snprintf(out, sizeof(out), "%s/foreign.db.unusable-*", dir);
	{
		char cmd[1200];

		snprintf(cmd, sizeof(cmd),
			 "test \"$(sqlite3 %s 'SELECT x FROM t')\" = 1", out);
		CHECK(system(cmd) == 0);
	}
	/* a database whose pages were overwritten fails its check */
	snprintf(path, sizeof(path), "%s/damaged.db", dir);
	CHECK(cache_open(path, &c) == 0);
	for (uint8_t k = 1; c && k < 60; k++) {
		struct cache_ident idk = { 7, k, 100, k };

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

/*
 * The rules index (Possible Misuse): repositories, their files, and each
 * line's text in an FTS5 table. Writes go in an indexer's transaction
 * (struct cache_txn), whose commits move the rules generation on.
 * A repository's row is written first with indexed_at 0 and gets its
 * time only in the indexer's last commit: until then the search leaves
 * its lines out, so a pass cut short (kill -9, a full disk) shows nothing.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "cache_i.h"

#define REPO_COLS                                                              \
	"id, name, path, url, branch, license, license_file, indexed_at, "     \
	"files, lines, includes, excludes, default_excludes, pinned"

const char *const cache_rules_sql[ST_N] = {
	[ST_REPO_GET] = "SELECT " REPO_COLS " FROM rule_repos WHERE name = ?",
	[ST_REPO_LIST] = "SELECT " REPO_COLS " FROM rule_repos ORDER BY name",
	[ST_REPO_INSERT] = "INSERT INTO rule_repos (name, path, url, branch, "
			   "license, license_file, indexed_at, files, lines, "
			   "includes, excludes, default_excludes, pinned) "
			   "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) "
			   "RETURNING id",
	[ST_REPO_UPDATE] = "UPDATE rule_repos SET name = ?, path = ?, url = ?, "
			   "branch = ?, license = ?, license_file = ?, "
			   "indexed_at = ?, files = ?, lines = ?, "
			   "includes = ?, excludes = ?, default_excludes = ?, "
			   "pinned = ? "
			   "WHERE id = ?",
	[ST_REPO_FILES] = "SELECT f.id FROM rule_files f JOIN rule_repos r "
			  "ON r.id = f.repo WHERE r.name = ?",
	[ST_REPO_DROP_FILES] = "DELETE FROM rule_files WHERE repo IN (SELECT "
			       "id FROM rule_repos WHERE name = ?)",
	[ST_REPO_DROP] = "DELETE FROM rule_repos WHERE name = ?",
	[ST_RFILE_GET] = "SELECT size, mtime_ns FROM rule_files WHERE repo = ? "
			 "AND path = ?",
	[ST_RFILE_SEEN] = "UPDATE rule_files SET pass = ? WHERE repo = ? AND "
			  "path = ?",
	[ST_RFILE_INSERT] =
		"INSERT INTO rule_files (repo, path, size, "
		"mtime_ns, pass) VALUES (?, ?, ?, ?, ?) "
		"ON CONFLICT (repo, path) DO UPDATE SET "
		"size = excluded.size, mtime_ns = excluded.mtime_ns, "
		"pass = excluded.pass RETURNING id",
	[ST_RTEXT_DROP] = "DELETE FROM rule_text WHERE rowid IN (SELECT id "
			  "FROM rule_lines WHERE file = ?)",
	[ST_RLINES_DROP] = "DELETE FROM rule_lines WHERE file = ?",
	[ST_RLINE_ADD] = "INSERT INTO rule_lines (file, line) VALUES (?, ?) "
			 "RETURNING id",
	[ST_RTEXT_ADD] = "INSERT INTO rule_text (rowid, text) VALUES (?, ?)",
	[ST_PRUNE_IDS] = "SELECT id FROM rule_files WHERE repo = ? AND "
			 "pass != ?",
	[ST_PRUNE_DROP] = "DELETE FROM rule_files WHERE repo = ? AND pass != ?",
	[ST_PRUNE_NLINES] = "UPDATE rule_files SET nlines = (SELECT count(*) "
			    "FROM rule_lines WHERE file = rule_files.id) "
			    "WHERE repo = ?",
	[ST_RFILE_NLINES] = "SELECT count(*), coalesce(sum(nlines), 0) FROM "
			    "rule_files WHERE repo = ?",
	/* the instance in the high half: unique to the database */
	[ST_GEN_GET] = "SELECT (value & 4294967295) | (coalesce((SELECT value "
		       "FROM meta WHERE key = 'rules_instance'), 0) << 32) "
		       "FROM meta WHERE key = 'rules_generation'",
	[ST_GEN_BUMP] = "UPDATE meta SET value = value + 1 WHERE key = "
			"'rules_generation'",
	[ST_SEARCH] = "SELECT r.name, f.path, l.line, t.text FROM rule_text t "
		      "JOIN rule_lines l ON l.id = t.rowid "
		      "JOIN rule_files f ON f.id = l.file "
		      "JOIN rule_repos r ON r.id = f.repo AND r.indexed_at > 0 "
		      "WHERE rule_text MATCH ? ORDER BY r.name, f.path, l.line",
};

/* an indexer's statement on the write connection, which t holds */
static int run(struct cache_txn *t, int id, const struct cache_arg *args,
	       size_t nargs, cache_row_fn row, void *ctx)
{
	if (!t->open)
		return -EIO;
	return cache_run(&t->c->w, id, args, nargs, row, ctx);
}

static int ok(int rc)
{
	return rc < 0 ? rc : 0;
}

void cache_repo_clear(struct cache_repo *r)
{
	free(r->name);
	free(r->path);
	free(r->url);
	free(r->branch);
	free(r->license);
	free(r->license_file);
	free(r->includes);
	free(r->excludes);
	memset(r, 0, sizeof(*r));
}

void cache_repos_free(struct cache_repo *r, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		cache_repo_clear(&r[i]);
	free(r);
}

static int row_repo(sqlite3_stmt *st, struct cache_repo *r)
{
	memset(r, 0, sizeof(*r));
	r->id = sqlite3_column_int64(st, 0);
	r->name = cache_col_dup(st, 1);
	r->path = cache_col_dup(st, 2);
	r->url = cache_col_dup(st, 3);
	r->branch = cache_col_dup(st, 4);
	r->license = cache_col_dup(st, 5);
	r->license_file = cache_col_dup(st, 6);
	r->indexed_at = sqlite3_column_int64(st, 7);
	r->files = (uint64_t)sqlite3_column_int64(st, 8);
	r->lines = (uint64_t)sqlite3_column_int64(st, 9);
	r->includes = cache_col_dup(st, 10);
	r->excludes = cache_col_dup(st, 11);
	r->default_excludes = sqlite3_column_int(st, 12);
	r->pinned = sqlite3_column_int(st, 13);
	if (!r->name || !r->path) {
		cache_repo_clear(r);
		return -ENOMEM;
	}
	return 1;
}

static int row_one_repo(sqlite3_stmt *st, void *ctx)
{
	return row_repo(st, ctx);
}

int cache_repo_get(struct cache *c, const char *name, struct cache_repo *out)
{
	int rc = cache_read(c, ST_REPO_GET, CACHE_ARGS(A_TEXT(name)),
			    row_one_repo, out);

	return rc < 0 ? rc : rc == 0 ? -ENOENT : 0;
}

struct repo_list {
	struct cache_repo *v;
	size_t n;
};

static int row_list_repo(sqlite3_stmt *st, void *ctx)
{
	struct repo_list *l = ctx;
	struct cache_repo *p = realloc(l->v, (l->n + 1) * sizeof(*p));
	int rc;

	if (!p)
		return -ENOMEM;
	l->v = p;
	rc = row_repo(st, &p[l->n]);
	if (rc < 0)
		return rc;
	l->n++;
	return 0;
}

int cache_repo_list(struct cache *c, struct cache_repo **out, size_t *n)
{
	struct repo_list l = { NULL, 0 };
	int rc = cache_read(c, ST_REPO_LIST, CACHE_NOARGS, row_list_repo, &l);

	if (rc < 0) {
		cache_repos_free(l.v, l.n);
		return rc;
	}
	*out = l.v;
	*n = l.n;
	return 0;
}

int cache_repo_put(struct cache_txn *t, struct cache_repo *r)
{
	int64_t id = r->id;
	int rc;

#define REPO_ARGS                                                              \
	A_TEXT(r->name), A_TEXT(r->path), A_TEXT(r->url), A_TEXT(r->branch),   \
		A_TEXT(r->license), A_TEXT(r->license_file),                   \
		A_I64(r->indexed_at), A_I64(r->files), A_I64(r->lines),        \
		A_TEXT(r->includes), A_TEXT(r->excludes),                      \
		A_I64(r->default_excludes), A_I64(r->pinned)
	if (r->id)
		rc = run(t, ST_REPO_UPDATE, CACHE_ARGS(REPO_ARGS, A_I64(r->id)),
			 NULL, NULL);
	else
		rc = run(t, ST_REPO_INSERT, CACHE_ARGS(REPO_ARGS),
			 cache_row_i64, &id);
#undef REPO_ARGS
	if (rc < 0)
		return rc;
	r->id = id;
	t->dirty = 1;
	return 0;
}

/* drops a file's lines from the index */
static int drop_lines(struct cache_txn *t, int64_t file)
{
	int rc = run(t, ST_RTEXT_DROP, CACHE_ARGS(A_I64(file)), NULL, NULL);

	if (rc >= 0)
		rc = run(t, ST_RLINES_DROP, CACHE_ARGS(A_I64(file)), NULL,
			 NULL);
	return ok(rc);
}

/* a row of file ids: each one's lines dropped */
static int row_drop_lines(sqlite3_stmt *st, void *ctx)
{
	return drop_lines(ctx, sqlite3_column_int64(st, 0));
}

int cache_repo_remove(struct cache *c, const char *name)
{
	struct cache_txn t;
	int rc, end;

	rc = cache_txn_open(c, &t, ST_GEN_BUMP);
	if (rc)
		return rc;
	rc = run(&t, ST_REPO_FILES, CACHE_ARGS(A_TEXT(name)), row_drop_lines,
		 &t);
	if (rc >= 0)
		rc = run(&t, ST_REPO_DROP_FILES, CACHE_ARGS(A_TEXT(name)), NULL,
			 NULL);
	if (rc >= 0)
		rc = run(&t, ST_REPO_DROP, CACHE_ARGS(A_TEXT(name)), NULL,
			 NULL);
	if (rc >= 0)
		rc = cache_changes(&c->w) ? 0 : -ENOENT;
	t.dirty = 1;
	end = cache_txn_close(&t, rc == 0);
	return rc ? rc : end;
}

struct file_row {
	uint64_t size;
	int64_t mtime_ns;
};

static int row_file(sqlite3_stmt *st, void *ctx)
{
	struct file_row *f = ctx;

	f->size = (uint64_t)sqlite3_column_int64(st, 0);
	f->mtime_ns = sqlite3_column_int64(st, 1);
	return 1;
}

int cache_rule_file_get(struct cache_txn *t, int64_t repo, const char *path,
			uint64_t *size, int64_t *mtime_ns)
{
	struct file_row f;
	int rc = run(t, ST_RFILE_GET, CACHE_ARGS(A_I64(repo), A_TEXT(path)),
		     row_file, &f);

	if (rc < 0)
		return rc;
	if (rc == 0)
		return -ENOENT;
	*size = f.size;
	*mtime_ns = f.mtime_ns;
	return 0;
}

int cache_rule_file_seen(struct cache_txn *t, int64_t repo, const char *path,
			 int64_t pass)
{
	return ok(run(t, ST_RFILE_SEEN,
		      CACHE_ARGS(A_I64(pass), A_I64(repo), A_TEXT(path)), NULL,
		      NULL));
}

int cache_rule_file_put(struct cache_txn *t, int64_t repo, const char *path,
			uint64_t size, int64_t mtime_ns, int64_t pass,
			int64_t *id)
{
	int64_t got = 0;
	int rc = run(t, ST_RFILE_INSERT,
		     CACHE_ARGS(A_I64(repo), A_TEXT(path), A_I64(size),
				A_I64(mtime_ns), A_I64(pass)),
		     cache_row_i64, &got);

	if (rc == 0)
		rc = -EIO; /* RETURNING gives a row or fails */
	if (rc < 0)
		return rc;
	t->dirty = 1;
	rc = drop_lines(t, got);
	if (!rc)
		*id = got;
	return rc;
}

int cache_rule_line_add(struct cache_txn *t, int64_t file, uint32_t line,
			const char *text, size_t len)
{
	int64_t id = 0;
	int rc = run(t, ST_RLINE_ADD, CACHE_ARGS(A_I64(file), A_I64(line)),
		     cache_row_i64, &id);

	if (rc == 0)
		rc = -EIO;
	if (rc >= 0)
		rc = run(t, ST_RTEXT_ADD,
			 CACHE_ARGS(A_I64(id), A_TEXTN(text, len)), NULL, NULL);
	if (rc >= 0)
		t->dirty = 1;
	return ok(rc);
}

struct counts {
	uint64_t files, lines;
};

static int row_counts(sqlite3_stmt *st, void *ctx)
{
	struct counts *n = ctx;

	n->files = (uint64_t)sqlite3_column_int64(st, 0);
	n->lines = (uint64_t)sqlite3_column_int64(st, 1);
	return 1;
}

int cache_rule_files_prune(struct cache_txn *t, int64_t repo, int64_t pass,
			   uint64_t *files, uint64_t *lines)
{
	struct counts n = { 0, 0 };
	int rc;

	rc = run(t, ST_PRUNE_IDS, CACHE_ARGS(A_I64(repo), A_I64(pass)),
		 row_drop_lines, t);
	if (rc > 0)
		t->dirty = 1;
	if (rc >= 0)
		rc = run(t, ST_PRUNE_DROP, CACHE_ARGS(A_I64(repo), A_I64(pass)),
			 NULL, NULL);
	if (rc >= 0)
		rc = run(t, ST_PRUNE_NLINES, CACHE_ARGS(A_I64(repo)), NULL,
			 NULL);
	if (rc >= 0)
		rc = run(t, ST_RFILE_NLINES, CACHE_ARGS(A_I64(repo)),
			 row_counts, &n);
	if (rc < 0)
		return rc;
	*files = n.files;
	*lines = n.lines;
	return 0;
}

int cache_rules_generation(struct cache *c, int64_t *gen)
{
	int rc = cache_read(c, ST_GEN_GET, CACHE_NOARGS, cache_row_i64, gen);

	return rc < 0 ? rc : rc == 0 ? -EIO : 0;
}

struct search {
	cache_rule_cb cb;
	void *ctx;
};

static int row_search(sqlite3_stmt *st, void *ctx)
{
	struct search *s = ctx;
	const char *text = (const char *)sqlite3_column_text(st, 3);
	int n = sqlite3_column_bytes(st, 3);

	return s->cb(s->ctx, (const char *)sqlite3_column_text(st, 0),
		     (const char *)sqlite3_column_text(st, 1),
		     (uint32_t)sqlite3_column_int64(st, 2), text ? text : "",
		     n > 0 ? (size_t)n : 0) != 0;
}

int cache_rules_search(struct cache *c, const char *match, cache_rule_cb cb,
		       void *ctx)
{
	struct search s = { cb, ctx };

	return ok(cache_read(c, ST_SEARCH, CACHE_ARGS(A_TEXT(match)),
			     row_search, &s));
}

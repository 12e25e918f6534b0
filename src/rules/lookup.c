/*
 * The Possible Misuse rows of a binary: FTS5 finds the candidate lines (a
 * prefix query on the stem, or on the whole name when the stem may not
 * stand alone), the boundary rules of match.c decide. The rows are
 * ranked: lines of a file named after the binary, then of detection
 * rules, then of the rest (documentation); within each, by repository,
 * path and line. At most `cap` lines of each repository are kept (the
 * first in that order), so that one repository cannot push the others
 * out; the rest are counted by repository.
 */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "profilefs/cache.h"
#include "profilefs/rules.h"
#include "profilefs/util.h"

/* a matching line kept for the section */
struct item {
	int rank;
	char *repo, *path, *text;
	uint32_t line;
};

struct hunt {
	const char *name;
	const struct cache_repo *repos;
	size_t nrepos;
	size_t cap;
	struct item *items; /* kept: at most cap of each repository */
	size_t n;
	size_t from;  /* where the current repository's items begin */
	size_t worst; /* its last kept item in the section's order, or
		       * SIZE_MAX when not known */
	struct prof_misuse *m;
	int rc;
};

static const struct cache_repo *repo_of(const struct hunt *h, const char *name)
{
	size_t i;

	for (i = 0; i < h->nrepos; i++)
		if (!strcmp(h->repos[i].name, name))
			return &h->repos[i];
	return NULL;
}

static char *dup_or_null(const char *s)
{
	return s ? strdup(s) : NULL;
}

/* the file formats of detection rules (sigma and LOLBAS YAML, YARA,
 * Snort/Suricata, Elastic TOML, KQL, SPL, JSON and XML exports) */
static const char *const rule_exts[] = {
	"yml",	"yaml", "yar", "yara", "rule", "rules",
	"toml", "json", "kql", "spl",  "xml",  NULL,
};

/*
 * 0: a file named after the binary (LOLBAS's Comsvcs.yml for
 * comsvcs.dll: its name without its extension is the binary's name or
 * stem); 1: a detection rule (by its extension); 2: anything else
 * (documentation: Markdown, text).
 */
static int rank_of(const char *path, const char *name)
{
	const char *base = path_base(path), *ext = strrchr(base, '.');
	const char *stem = strrchr(name, '.');
	size_t n = ext ? (size_t)(ext - base) : strlen(base), i;

	if ((n == strlen(name) && !strncasecmp(base, name, n)) ||
	    (stem && n == (size_t)(stem - name) && n &&
	     !strncasecmp(base, name, n)))
		return 0;
	for (i = 0; ext && rule_exts[i]; i++)
		if (!strcasecmp(ext + 1, rule_exts[i]))
			return 1;
	return 2;
}

/* the order of the section: rank, repository, path, line */
static int cmp_item(const void *pa, const void *pb)
{
	const struct item *a = pa, *b = pb;
	int c;

	if (a->rank != b->rank)
		return a->rank < b->rank ? -1 : 1;
	if ((c = strcmp(a->repo, b->repo)) || (c = strcmp(a->path, b->path)))
		return c;
	return a->line < b->line ? -1 : a->line > b->line;
}

static void item_free(struct item *it)
{
	free(it->repo);
	free(it->path);
	free(it->text);
}

static int add_row(struct prof_misuse *m, const struct cache_repo *r,
		   const struct item *it)
{
	struct prof_misuse_row *row = &m->rows[m->n++];

	memset(row, 0, sizeof(*row));
	row->source = strdup(it->repo);
	row->file = strdup(path_base(it->path));
	row->text = strdup(it->text);
	if (r && r->url) {
		row->source_url = strdup(r->url);
		row->file_link = rules_file_url(r->url, r->branch, it->path);
		if (r->license_file)
			row->license_url = rules_file_url(r->url, r->branch,
							  r->license_file);
	} else {
		row->file_link = strdup(it->path);
	}
	row->license = dup_or_null(r ? r->license : NULL);
	if (!row->source || !row->file || !row->text || !row->file_link)
		return -ENOMEM;
	return 0;
}

/* one more line beyond repo's cap */
static int count_more(struct hunt *h, const char *repo)
{
	struct prof_misuse *m = h->m;
	struct prof_misuse_more *w;

	m->more++;
	if (m->nwhere && !strcmp(m->where[m->nwhere - 1].source, repo)) {
		m->where[m->nwhere - 1].n++;
		return 0;
	}
	w = realloc(m->where, (m->nwhere + 1) * sizeof(*w));
	if (!w)
		return -ENOMEM;
	m->where = w;
	w[m->nwhere].source = strdup(repo);
	w[m->nwhere].n = 1;
	if (!w[m->nwhere].source)
		return -ENOMEM;
	m->nwhere++;
	return 0;
}

/* Keeps the line when its repository has fewer than cap kept, or in place
 * of the repository's last kept line in the section's order when it comes
 * before it; the line not kept is counted. The search gives the lines of
 * a repository together (by name), so its kept lines are
 * items[from..n). */
static int keep(struct hunt *h, struct item *it)
{
	size_t i;

	if (h->n > h->from && strcmp(h->items[h->from].repo, it->repo)) {
		h->from = h->n; /* the next repository */
		h->worst = SIZE_MAX;
	}
	if (h->n - h->from < h->cap) {
		struct item *v = realloc(h->items, (h->n + 1) * sizeof(*v));

		if (!v)
			return -ENOMEM;
		h->items = v;
		v[h->n++] = *it;
		return 0;
	}
	if (h->worst == SIZE_MAX) {
		h->worst = h->from;
		for (i = h->from + 1; i < h->n; i++)
			if (cmp_item(&h->items[i], &h->items[h->worst]) > 0)
				h->worst = i;
	}
	if (cmp_item(it, &h->items[h->worst]) < 0) {
		item_free(&h->items[h->worst]);
		h->items[h->worst] = *it;
		h->worst = SIZE_MAX;
	} else {
		item_free(it);
	}
	return count_more(h, h->items[h->from].repo);
}

static int found(void *ctx, const char *repo, const char *path, uint32_t line,
		 const char *text, size_t len)
{
	struct hunt *h = ctx;
	struct item it;

	if (!rules_line_names(text, len, h->name))
		return 0;
	if (h->cap == 0) {
		h->rc = count_more(h, repo);
		return h->rc != 0;
	}
	it.rank = rank_of(path, h->name);
	it.line = line;
	it.repo = strdup(repo);
	it.path = strdup(path);
	it.text = malloc(len + 1);
	if (!it.repo || !it.path || !it.text) {
		item_free(&it);
		h->rc = -ENOMEM;
		return 1;
	}
	memcpy(it.text, text, len);
	it.text[len] = '\0';
	h->rc = keep(h, &it);
	return h->rc != 0;
}

/* the kept lines, in the section's order, as its rows */
static int make_rows(struct hunt *h)
{
	size_t i;
	int rc = 0;

	if (!h->n)
		return 0;
	qsort(h->items, h->n, sizeof(*h->items), cmp_item);
	h->m->rows = calloc(h->n, sizeof(*h->m->rows));
	if (!h->m->rows)
		return -ENOMEM;
	for (i = 0; i < h->n && !rc; i++)
		rc = add_row(h->m, repo_of(h, h->items[i].repo), &h->items[i]);
	return rc;
}

/* `"stem"*`, quotes doubled */
static char *query(const char *name)
{
	const char *dot = strrchr(name, '.');
	size_t n = strlen(name), i, k = 0;
	char *q;

	if (dot && dot != name &&
	    rules_stem_allowed(name, (size_t)(dot - name)))
		n = (size_t)(dot - name);
	q = malloc(2 * n + 4);
	if (!q)
		return NULL;
	q[k++] = '"';
	for (i = 0; i < n; i++) {
		if (name[i] == '"')
			q[k++] = '"';
		q[k++] = name[i];
	}
	q[k++] = '"';
	q[k++] = '*';
	q[k] = '\0';
	return q;
}

void prof_misuse_free(struct prof_misuse *m)
{
	size_t i;

	if (!m)
		return;
	for (i = 0; i < m->n; i++) {
		struct prof_misuse_row *r = &m->rows[i];

		free(r->source);
		free(r->source_url);
		free(r->file);
		free(r->file_link);
		free(r->text);
		free(r->license);
		free(r->license_url);
	}
	free(m->rows);
	for (i = 0; i < m->nwhere; i++)
		free(m->where[i].source);
	free(m->where);
	free(m);
}

int rules_lookup(struct cache *c, const char *name, size_t cap,
		 struct prof_misuse **out)
{
	struct hunt h = { name, NULL, 0, cap, NULL, 0, 0, SIZE_MAX, NULL, 0 };
	struct cache_repo *repos = NULL;
	size_t i;
	char *q;
	int rc;

	h.m = calloc(1, sizeof(*h.m));
	q = query(name);
	if (!h.m || !q) {
		free(h.m);
		free(q);
		return -ENOMEM;
	}
	rc = cache_repo_list(c, &repos, &h.nrepos);
	h.repos = repos;
	if (!rc && h.nrepos)
		rc = cache_rules_search(c, q, found, &h);
	if (!rc)
		rc = h.rc;
	if (!rc)
		rc = make_rows(&h);
	for (i = 0; i < h.n; i++)
		item_free(&h.items[i]);
	free(h.items);
	cache_repos_free(repos, h.nrepos);
	free(q);
	if (rc) {
		prof_misuse_free(h.m);
		return rc;
	}
	*out = h.m;
	return 0;
}

/*
 * The Possible Misuse rows of a binary: FTS5 finds the candidate lines (a
 * prefix query on the stem, or on the whole name when the stem may not
 * stand alone), the boundary rules of match.c decide and say where on the
 * line the binary stands. The rows are ranked in tiers: a detection field
 * or an image (RULES_AT_IMAGE), then the binary's own entry (a file named
 * after it, LOLBAS's Certutil.yml), then commands, then prose, then
 * archived and example content; within a tier a file's first row comes
 * before any file's second one, then files whose name has the binary's
 * stem in it (proc_creation_win_certutil_download.yml), then by
 * repository, path and line. At
 * most `cap` rows of each repository are kept (the first in that order),
 * so that one repository cannot push the others out; the rest are
 * counted by repository, rows and files, and listed in m->extra.
 */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "profilefs/cache.h"
#include "profilefs/rules.h"
#include "profilefs/util.h"

/* matching lines gathered at most for one lookup (each an item): beyond,
 * lines are counted, not ranked */
#define RULES_HUNT_MAX 20000

enum tier {
	TIER_IMAGE,
	TIER_OWN,
	TIER_COMMAND,
	TIER_PROSE,
	TIER_ARCHIVED,
};

/* a matching line */
struct item {
	int tier;
	int stem;  /* names the binary by its stem alone */
	int about; /* its file's name has the binary's stem in it */
	size_t k;  /* how many lines of its file come before it */
	char *repo, *path, *text;
	const char *matched; /* the original name it matched, or NULL */
	uint32_t line;
};

struct hunt {
	const char *name;    /* what is looked for now */
	const char *matched; /* NULL for the binary's own name */
	const struct cache_repo *repos;
	size_t nrepos;
	struct item *items;
	size_t n, alloc;
	char *last; /* the last file of a line beyond RULES_HUNT_MAX */
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

/* Is the file named after the binary (LOLBAS's Comsvcs.yml for
 * comsvcs.dll: its name without its extension is the binary's name or
 * stem)? */
static int own_entry(const char *path, const char *name)
{
	const char *base = path_base(path), *ext = strrchr(base, '.');
	const char *stem = strrchr(name, '.');
	size_t n = ext ? (size_t)(ext - base) : strlen(base);

	return (n == strlen(name) && !strncasecmp(base, name, n)) ||
	       (stem && n == (size_t)(stem - name) && n &&
		!strncasecmp(base, name, n));
}

/* archived and example content: LOLBAS's Archive-Old-Version, sigma's
 * other/ and deprecated/, files named example (when an --include brought
 * them in) */
static int archived(const char *path)
{
	static const char *const folders[] = {
		"archive-old-version",
		"deprecated",
		"archive",
		"archived",
		"examples",
		"example",
		NULL,
	};
	const char *p = path;

	if (!strncasecmp(path, "other/", 6))
		return 1;
	while (*p) {
		size_t k = strcspn(p, "/"), i;

		if (!p[k])
			break;
		for (i = 0; folders[i]; i++)
			if (strlen(folders[i]) == k &&
			    !strncasecmp(p, folders[i], k))
				return 1;
		p += k + 1;
	}
	return 0;
}

/* proc_creation_win_certutil_download.yml is about certutil.exe */
static int about(const char *path, const char *name)
{
	const char *base = path_base(path), *dot = strrchr(name, '.');
	size_t n = dot && dot != name ? (size_t)(dot - name) : strlen(name);
	size_t i, len = strlen(base);

	if (n < 3)
		return 0;
	for (i = 0; i + n <= len; i++)
		if (!strncasecmp(base + i, name, n))
			return 1;
	return 0;
}

static int tier_of(const char *path, const char *name, int where)
{
	if (archived(path))
		return TIER_ARCHIVED;
	if (own_entry(path, name))
		return TIER_OWN;
	return where == RULES_AT_IMAGE	   ? TIER_IMAGE
	       : where == RULES_AT_COMMAND ? TIER_COMMAND
					   : TIER_PROSE;
}

static int cmp_place(const struct item *a, const struct item *b)
{
	int c;

	if ((c = strcmp(a->repo, b->repo)) || (c = strcmp(a->path, b->path)))
		return c;
	return a->line < b->line ? -1 : a->line > b->line;
}

/* a repository's lines together, a file's by tier: to number them */
static int cmp_file(const void *pa, const void *pb)
{
	const struct item *a = pa, *b = pb;
	int c;

	if ((c = strcmp(a->repo, b->repo)) || (c = strcmp(a->path, b->path)))
		return c;
	if (a->tier != b->tier)
		return a->tier < b->tier ? -1 : 1;
	return a->line < b->line ? -1 : a->line > b->line;
}

/* the order of the section: tier, a file's k-th line, repository, path,
 * line */
static int cmp_item(const void *pa, const void *pb)
{
	const struct item *a = pa, *b = pb;

	if (a->tier != b->tier)
		return a->tier < b->tier ? -1 : 1;
	if (a->k != b->k)
		return a->k < b->k ? -1 : 1;
	if (a->about != b->about)
		return a->about ? -1 : 1;
	return cmp_place(a, b);
}

/* the same line twice (found by the name and an original name): by
 * place, the binary's own name first */
static int cmp_dup(const void *pa, const void *pb)
{
	const struct item *a = pa, *b = pb;
	int c = cmp_place(a, b);

	if (c)
		return c;
	return (a->matched != NULL) - (b->matched != NULL);
}

static void item_free(struct item *it)
{
	free(it->repo);
	free(it->path);
	free(it->text);
}

static int fill_row(struct prof_misuse_row *row, const struct cache_repo *r,
		    const struct item *it)
{
	memset(row, 0, sizeof(*row));
	row->source = strdup(it->repo);
	row->file = strdup(path_base(it->path));
	row->path = strdup(it->path);
	row->text = strdup(it->text);
	if (r && r->url) {
		row->source_url = strdup(r->url);
		row->file_link = rules_file_url(r->url, r->branch, it->path);
		if (r->license_file)
			row->license_url = rules_file_url(r->url, r->branch,
							  r->license_file);
	} else {
		row->file_link = strdup(it->path);
		/* no web URL: the file on this machine too */
		if (r && r->path &&
		    asprintf(&row->local_path, "%s/%s", r->path, it->path) < 0)
			row->local_path = NULL;
	}
	row->license = dup_or_null(r ? r->license : NULL);
	row->matched = dup_or_null(it->matched);
	if (!row->source || !row->file || !row->path || !row->text ||
	    !row->file_link || (it->matched && !row->matched))
		return -ENOMEM;
	return 0;
}

/* count of one repository's lines beyond its cap: rows, files */
static int count_more(struct prof_misuse *m, const char *repo, size_t rows,
		      size_t files)
{
	struct prof_misuse_more *w;

	if (!rows)
		return 0;
	m->more += rows;
	m->more_files += files;
	if (m->nwhere && !strcmp(m->where[m->nwhere - 1].source, repo)) {
		m->where[m->nwhere - 1].n += rows;
		m->where[m->nwhere - 1].files += files;
		return 0;
	}
	w = realloc(m->where, (m->nwhere + 1) * sizeof(*w));
	if (!w)
		return -ENOMEM;
	m->where = w;
	w[m->nwhere].source = strdup(repo);
	w[m->nwhere].n = rows;
	w[m->nwhere].files = files;
	if (!w[m->nwhere].source)
		return -ENOMEM;
	m->nwhere++;
	return 0;
}

static int found(void *ctx, const char *repo, const char *path, uint32_t line,
		 const char *text, size_t len)
{
	struct hunt *h = ctx;
	struct item it;
	int where = RULES_AT_PROSE;
	enum rules_match how = rules_line_place(text, len, h->name, &where);

	if (how == RULES_NO)
		return 0;
	if (h->n >= RULES_HUNT_MAX) {
		/* counted with the repository, not ranked; the search gives a
		 * file's lines together */
		int other = !h->last || strcmp(h->last, path);

		if (other) {
			free(h->last);
			h->last = strdup(path);
		}
		h->rc = count_more(h->m, repo, 1, other);
		return h->rc != 0;
	}
	if (h->n == h->alloc) {
		size_t a = h->alloc ? 2 * h->alloc : 64;
		struct item *v = realloc(h->items, a * sizeof(*v));

		if (!v) {
			h->rc = -ENOMEM;
			return 1;
		}
		h->items = v;
		h->alloc = a;
	}
	it.tier = tier_of(path, h->name, where);
	it.stem = how == RULES_STEM;
	it.about = about(path, h->name);
	it.k = 0;
	it.line = line;
	it.matched = h->matched;
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
	h->items[h->n++] = it;
	return 0;
}

/* Does the file of items[i] name the binary (by the name items[i] was
 * found by) in full on a line? items sorted by place. */
static int file_names_in_full(const struct hunt *h, size_t i)
{
	const struct item *it = &h->items[i];
	size_t j;

	for (j = i; j > 0 && !strcmp(h->items[j - 1].path, it->path) &&
		    !strcmp(h->items[j - 1].repo, it->repo);
	     j--)
		;
	for (; j < h->n && !strcmp(h->items[j].path, it->path) &&
	       !strcmp(h->items[j].repo, it->repo);
	     j++)
		if (!h->items[j].stem && h->items[j].matched == it->matched)
			return 1;
	return 0;
}

/* A row needs the binary's full name in its file: the lines that name
 * it by its stem alone are kept only in a file that names it in full. */
static void drop_bare_stems(struct hunt *h)
{
	size_t i, kept = 0;
	char *keep = calloc(h->n ? h->n : 1, 1);

	if (!keep)
		return; /* kept all: more rows, not fewer */
	for (i = 0; i < h->n; i++)
		keep[i] = !h->items[i].stem || file_names_in_full(h, i);
	for (i = 0; i < h->n; i++) {
		if (keep[i])
			h->items[kept++] = h->items[i];
		else
			item_free(&h->items[i]);
	}
	h->n = kept;
	free(keep);
}

/* Drops the second finding of a line, numbers each file's lines, sorts
 * each repository's lines in the section's order and marks those beyond
 * cap (k = SIZE_MAX), counting them. */
static int rank(struct hunt *h, size_t cap)
{
	size_t i, j, from, kept = 0;
	int rc = 0;

	qsort(h->items, h->n, sizeof(*h->items), cmp_dup);
	for (i = 0; i < h->n; i++) {
		if (kept && !cmp_place(&h->items[kept - 1], &h->items[i]))
			item_free(&h->items[i]);
		else
			h->items[kept++] = h->items[i];
	}
	h->n = kept;
	drop_bare_stems(h);
	qsort(h->items, h->n, sizeof(*h->items), cmp_file);
	for (i = 0; i < h->n; i++)
		h->items[i].k =
			i && !strcmp(h->items[i - 1].repo, h->items[i].repo) &&
					!strcmp(h->items[i - 1].path,
						h->items[i].path)
				? h->items[i - 1].k + 1
				: 0;
	for (from = 0; from < h->n && !rc; from = j) {
		size_t rows = 0, files = 0;

		for (j = from;
		     j < h->n && !strcmp(h->items[j].repo, h->items[from].repo);
		     j++)
			;
		qsort(h->items + from, j - from, sizeof(*h->items), cmp_item);
		for (i = from + cap; i < j; i++) {
			size_t x;
			int seen = 0;

			rows++;
			for (x = from + cap; x < i && !seen; x++)
				seen = !strcmp(h->items[x].path,
					       h->items[i].path);
			files += !seen;
		}
		if (j - from > cap)
			rc = count_more(h->m, h->items[from].repo, rows, files);
		for (i = from + cap; i < j; i++)
			h->items[i].tier += 100; /* beyond the cap */
	}
	return rc;
}

/* the lines in the section's order: those within the caps as its rows,
 * the rest in m->extra */
static int make_rows(struct hunt *h, size_t cap)
{
	struct prof_misuse *m = h->m;
	size_t i;
	int rc;

	if (!h->n)
		return 0;
	rc = rank(h, cap);
	if (rc)
		return rc;
	qsort(h->items, h->n, sizeof(*h->items), cmp_item);
	m->rows = calloc(h->n, sizeof(*m->rows));
	if (!m->rows)
		return -ENOMEM;
	for (i = 0; i < h->n && !rc; i++) {
		const struct item *it = &h->items[i];

		if (it->tier >= 100)
			break;
		rc = fill_row(&m->rows[m->n++], repo_of(h, it->repo), it);
	}
	if (rc || i == h->n)
		return rc;
	m->extra = calloc(h->n - i, sizeof(*m->extra));
	if (!m->extra)
		return -ENOMEM;
	for (; i < h->n && !rc; i++)
		rc = fill_row(&m->extra[m->nextra++],
			      repo_of(h, h->items[i].repo), &h->items[i]);
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

static void rows_free(struct prof_misuse_row *rows, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++) {
		struct prof_misuse_row *r = &rows[i];

		free(r->source);
		free(r->source_url);
		free(r->file);
		free(r->path);
		free(r->local_path);
		free(r->file_link);
		free(r->text);
		free(r->license);
		free(r->license_url);
		free(r->matched);
	}
	free(rows);
}

void prof_misuse_free(struct prof_misuse *m)
{
	size_t i;

	if (!m)
		return;
	rows_free(m->rows, m->n);
	rows_free(m->extra, m->nextra);
	for (i = 0; i < m->nwhere; i++)
		free(m->where[i].source);
	free(m->where);
	free(m);
}

/* Is s a file name of its own, fit to look up (no folders, a '.' in it,
 * not the binary's own name again)? */
static int other_name(const char *s, const char *name, const char *const *seen,
		      size_t nseen)
{
	size_t i, n = s ? strlen(s) : 0;

	if (n < 3 || n > 255 || strpbrk(s, "/\\:\"*?<>|") || !strchr(s, '.') ||
	    s[0] == '.' || !strcasecmp(s, name))
		return 0;
	for (i = 0; i < n; i++)
		if ((unsigned char)s[i] < 0x20)
			return 0;
	for (i = 0; i < nseen; i++)
		if (seen[i] && !strcasecmp(seen[i], s))
			return 0;
	return 1;
}

static int hunt_one(struct cache *c, struct hunt *h, const char *name,
		    const char *matched)
{
	char *q = query(name);
	int rc;

	if (!q)
		return -ENOMEM;
	h->name = name;
	h->matched = matched;
	rc = cache_rules_search(c, q, found, h);
	free(q);
	return rc ? rc : h->rc;
}

int rules_lookup_names(struct cache *c, const char *name,
		       const char *const *originals, size_t cap,
		       struct prof_misuse **out)
{
	struct hunt h;
	struct cache_repo *repos = NULL;
	const char *seen[RULES_ORIGINALS_MAX];
	size_t i, nseen = 0;
	int rc;

	memset(&h, 0, sizeof(h));
	h.m = calloc(1, sizeof(*h.m));
	if (!h.m)
		return -ENOMEM;
	rc = cache_repo_list(c, &repos, &h.nrepos);
	h.repos = repos;
	if (!rc && h.nrepos)
		rc = hunt_one(c, &h, name, NULL);
	for (i = 0; !rc && h.nrepos && originals && i < RULES_ORIGINALS_MAX &&
		    originals[i];
	     i++) {
		if (!other_name(originals[i], name, seen, nseen))
			continue;
		seen[nseen++] = originals[i];
		rc = hunt_one(c, &h, originals[i], originals[i]);
	}
	if (!rc)
		rc = make_rows(&h, cap);
	for (i = 0; i < h.n; i++)
		item_free(&h.items[i]);
	free(h.items);
	free(h.last);
	cache_repos_free(repos, h.nrepos);
	if (rc) {
		prof_misuse_free(h.m);
		return rc;
	}
	*out = h.m;
	return 0;
}

int rules_lookup(struct cache *c, const char *name, size_t cap,
		 struct prof_misuse **out)
{
	return rules_lookup_names(c, name, NULL, cap, out);
}

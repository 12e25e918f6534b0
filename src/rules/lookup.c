/*
 * The Possible Misuse rows of a binary: FTS5 finds the candidate lines (a
 * prefix query on the stem, or on the whole name when the stem may not
 * stand alone), the boundary rules of match.c decide.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "profilefs/cache.h"
#include "profilefs/profile.h"
#include "profilefs/rules.h"
#include "profilefs/util.h"

struct hunt {
	const char *name;
	const struct cache_repo *repos;
	size_t nrepos;
	size_t cap;
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

static int add_row(struct hunt *h, const char *repo, const char *path,
		   const char *text, size_t len)
{
	const struct cache_repo *r = repo_of(h, repo);
	struct prof_misuse *m = h->m;
	struct prof_misuse_row *row, *rows;

	rows = realloc(m->rows, (m->n + 1) * sizeof(*rows));
	if (!rows)
		return -ENOMEM;
	m->rows = rows;
	row = &rows[m->n++];
	memset(row, 0, sizeof(*row));
	row->source = strdup(repo);
	row->file = strdup(path_base(path));
	row->text = malloc(len + 1);
	if (row->text) {
		memcpy(row->text, text, len);
		row->text[len] = '\0';
	}
	if (r && r->url) {
		row->source_url = strdup(r->url);
		row->file_link = rules_file_url(r->url, r->branch, path);
		if (r->license_file)
			row->license_url = rules_file_url(r->url, r->branch,
							  r->license_file);
	} else {
		row->file_link = strdup(path);
	}
	row->license = dup_or_null(r ? r->license : NULL);
	if (!row->source || !row->file || !row->text || !row->file_link)
		return -ENOMEM;
	return 0;
}

static int found(void *ctx, const char *repo, const char *path, uint32_t line,
		 const char *text, size_t len)
{
	struct hunt *h = ctx;

	(void)line;
	if (!rules_line_names(text, len, h->name))
		return 0;
	if (h->m->n >= h->cap) {
		h->m->more++;
		return 0;
	}
	h->rc = add_row(h, repo, path, text, len);
	return h->rc != 0;
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

int rules_lookup(struct cache *c, const char *name, size_t cap,
		 struct prof_misuse **out)
{
	struct hunt h = { name, NULL, 0, cap, NULL, 0 };
	struct cache_repo *repos = NULL;
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
	cache_repos_free(repos, h.nrepos);
	free(q);
	if (rc) {
		prof_misuse_free(h.m);
		return rc;
	}
	*out = h.m;
	return 0;
}

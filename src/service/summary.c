/*
 * The tree's summary (summary.h): a walk of the source that reads no
 * binary, each binary's cached profile looked at through a view
 * (SVC_BY_IDENTITY: never computed, never checked), its counts streamed
 * and only the capped lists kept; then the Markdown, written through the
 * one escaper.
 *
 * The walk goes depth first, each folder's entries in the order of their
 * names' bytes, so that two summaries of one tree list the same entries,
 * whatever order the file system lists them in.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "profilefs/caps.h"
#include "profilefs/catalogs.h"
#include "profilefs/known.h"
#include "profilefs/summary.h"
#include "svc_i.h"

/* the lists an analyst starts from, in the order they are written */
enum list {
	L_MISMATCH, /* known-file verdict: version mismatch */
	L_UNSIGNED, /* a signature verdict other than verified */
	L_UNKNOWN,  /* unknown (or unknown build) under Windows/ */
	L_ANOMALY,  /* the PE parser's anomalies */
	L_MISUSE,   /* Possible Misuse rows */
	L_COUNT
};

static const char *const list_title[L_COUNT] = {
	[L_MISMATCH] = "Version Mismatches",
	[L_UNSIGNED] = "Not Signed or Not Trusted",
	[L_UNKNOWN] = "Unknown Binaries under Windows",
	[L_ANOMALY] = "Profiles with Anomalies",
	[L_MISUSE] = "Profiles with Possible Misuse Rows",
};

/* one listed binary: its path, and what the list says of it */
struct entry {
	char *rel;
	const char *word; /* a word of ours (a status's), or NULL */
	char *detail;	  /* a string of the file's (a version), or NULL */
	size_t n;	  /* a count (anomalies, rows), or 0 */
};

struct slist {
	struct entry *e;
	size_t n;	/* kept, at most max_list */
	uint64_t total; /* found */
};

/* an entry waiting to be looked at: a folder, or a binary (looked up
 * again when its turn comes: the stack holds no stat) */
struct item {
	char *rel;
	int dir;
};

#define N_KNOWN (KNOWN_UNKNOWN_BUILD + 1)

struct sum {
	struct svc *pv;
	const struct svc_summary_how *how;
	size_t max_list;
	unsigned seconds;
	struct util_stop stop;
	uint64_t binaries, profiled, not_cached, unread, failed;
	uint64_t sig[SIG_STATUS_COUNT], no_sig, known[N_KNOWN];
	struct slist l[L_COUNT];
	int cut; /* 0, -ETIME (the time limit), -E2BIG (too many waiting) */
	struct item *stack;
	size_t n, cap;
	const char *dir; /* the folder being listed */
	int err;	 /* -ENOMEM met while listing */
};

static int gone(void *arg)
{
	return svc_caller_gone(arg) ? -EINTR : 0;
}

/* ---- the lists ------------------------------------------------------- */

/* Keeps rel in list l (a copy; detail a copy too) while it has room. */
static int keep(struct sum *s, enum list l, const char *rel, const char *word,
		const char *detail, size_t n)
{
	struct slist *sl = &s->l[l];
	struct entry *e;

	sl->total++;
	if (sl->n >= s->max_list)
		return 0;
	if (!sl->e) {
		sl->e = calloc(s->max_list, sizeof(*sl->e));
		if (!sl->e)
			return -ENOMEM;
	}
	e = &sl->e[sl->n];
	e->rel = strdup(rel);
	e->detail = detail ? strdup(detail) : NULL;
	if (!e->rel || (detail && !e->detail)) {
		free(e->rel);
		free(e->detail);
		return -ENOMEM;
	}
	e->word = word;
	e->n = n;
	sl->n++;
	return 0;
}

static void lists_free(struct sum *s)
{
	size_t i, j;

	for (i = 0; i < L_COUNT; i++) {
		for (j = 0; j < s->l[i].n; j++) {
			free(s->l[i].e[j].rel);
			free(s->l[i].e[j].detail);
		}
		free(s->l[i].e);
	}
}

/* Is rel below the top folder Windows (in any case)? */
static int under_windows(const char *rel)
{
	return strncasecmp(rel, "windows/", 8) == 0;
}

/* What one profile adds to the counts and the lists. */
static int account(struct sum *s, const char *rel, const struct svc_view *v)
{
	const struct prof *p = v->prof;
	const struct known_verdict *k = v->v.known;
	enum known_status ks = k ? k->status : KNOWN_NO_DATA;
	size_t rows;
	int rc = 0;

	if (!p->hashed) {
		s->unread++;
		return 0;
	}
	s->profiled++;
	if ((unsigned)ks >= N_KNOWN)
		ks = KNOWN_UNKNOWN;
	s->known[ks]++;
	if (ks == KNOWN_MISMATCH)
		rc = keep(s, L_MISMATCH, rel, NULL, k->version, 0);
	if (!rc && (ks == KNOWN_UNKNOWN || ks == KNOWN_UNKNOWN_BUILD) &&
	    under_windows(rel))
		rc = keep(s, L_UNKNOWN, rel, known_status_name(ks), NULL, 0);
	if (v->v.sig && (unsigned)v->v.sig->status < SIG_STATUS_COUNT)
		s->sig[v->v.sig->status]++;
	else
		s->no_sig++;
	if (!rc && v->v.sig && v->v.sig->status != SIG_VERIFIED)
		rc = keep(s, L_UNSIGNED, rel,
			  prof_sig_status_name(v->v.sig->status), NULL, 0);
	if (!rc && p->pe && p->pe->nanomalies)
		rc = keep(s, L_ANOMALY, rel, NULL, NULL, p->pe->nanomalies);
	rows = v->v.misuse ? v->v.misuse->n + v->v.misuse->more : 0;
	if (!rc && rows)
		rc = keep(s, L_MISUSE, rel, NULL, NULL, rows);
	return rc;
}

/* A binary the caller may read: its cached profile, if any, counted. */
static int binary(struct sum *s, const char *rel)
{
	struct svc_view *v;
	int rc;

	s->binaries++;
	rc = svc_view_get(s->pv, rel, SVC_BY_IDENTITY, &v);
	if (rc == -ENOENT) {
		s->not_cached++;
		return 0;
	}
	if (rc == -ENOMEM || rc == -EINTR)
		return rc;
	if (rc) {
		s->failed++;
		return 0;
	}
	rc = account(s, rel, v);
	svc_view_put(s->pv, v);
	return rc;
}

/* ---- the walk -------------------------------------------------------- */

static int may(int (*fn)(const struct stat *, void *), const struct stat *st,
	       void *arg)
{
	return !fn || fn(st, arg);
}

/* An entry of the folder listed: a folder the caller may enter, or a
 * binary it may read, waits on the stack; nothing else is looked at. */
static int listed(void *arg, const char *name, const struct stat *st)
{
	struct sum *s = arg;
	const struct svc_summary_how *h = s->how;
	struct item *grown;
	char *rel;

	if (S_ISDIR(st->st_mode)
		    ? !may(h->may_enter, st, h->arg)
		    : S_ISLNK(st->st_mode) || !may(h->may_read, st, h->arg))
		return 0;
	rel = path_join(s->dir, name);
	if (!rel) {
		s->err = -ENOMEM;
		return 1;
	}
	if (!S_ISDIR(st->st_mode) &&
	    !svc_is_binary(h->names, s->pv->tree, rel, st, 1)) {
		free(rel);
		return 0;
	}
	if (s->n >= SVC_SUMMARY_PENDING) {
		free(rel);
		s->cut = -E2BIG;
		return 1;
	}
	if (s->n == s->cap) {
		size_t c = s->cap ? 2 * s->cap : 256;

		grown = realloc(s->stack, c * sizeof(*grown));
		if (!grown) {
			free(rel);
			s->err = -ENOMEM;
			return 1;
		}
		s->stack = grown;
		s->cap = c;
	}
	s->stack[s->n].rel = rel;
	s->stack[s->n].dir = S_ISDIR(st->st_mode);
	s->n++;
	return 0;
}

/* siblings in the reverse of their names' byte order (their paths share
 * the folder's): the stack pops the least first */
static int by_path_desc(const void *a, const void *b)
{
	return strcmp(((const struct item *)b)->rel,
		      ((const struct item *)a)->rel);
}

/* Lists folder dir onto the stack, its entries sorted. */
static int list_dir(struct sum *s, const char *dir)
{
	size_t base = s->n;

	s->dir = dir;
	/* a folder gone or unreadable is walked past */
	tree_list(s->pv->tree, dir, listed, s);
	if (s->err)
		return s->err;
	qsort(s->stack + base, s->n - base, sizeof(*s->stack), by_path_desc);
	return 0;
}

static int walk(struct sum *s)
{
	struct stat root;
	struct item it;
	int rc = 0;

	if (tree_lstat(s->pv->tree, "", &root) ||
	    !may(s->how->may_enter, &root, s->how->arg))
		return 0;
	rc = list_dir(s, "");
	while (!rc && !s->cut && s->n) {
		rc = util_stop_check(&s->stop);
		if (rc == -ETIME) {
			s->cut = rc;
			rc = 0;
			break;
		}
		if (rc)
			break;
		it = s->stack[--s->n];
		if (it.dir)
			rc = list_dir(s, it.rel);
		else
			rc = binary(s, it.rel);
		free(it.rel);
	}
	while (s->n)
		free(s->stack[--s->n].rel);
	free(s->stack);
	s->stack = NULL;
	return rc;
}

/* ---- the text -------------------------------------------------------- */

/* the bytes one list may take of the text: a hostile tree's long names
 * end a list early ("and N more"), never the summary */
#define LIST_BYTES (CAP_PROFILE / 8)

static void count_line(struct dynbuf *b, const char *label, uint64_t n,
		       const char *why)
{
	db_printf(b, "* %s: %llu%s%s\n", label, (unsigned long long)n,
		  why ? " " : "", why ? why : "");
}

static void sec_counts(struct dynbuf *b, const struct sum *s)
{
	db_adds(b, "---\ntitle: \"Summary\"\nexcerpt: \"Which binaries to "
		   "look at first\"\n---\n\n# Summary\n\n");
	count_line(b, "Binaries", s->binaries, NULL);
	count_line(b, "Profiled", s->profiled, "(cached)");
	count_line(b, "Not Computed Yet", s->not_cached,
		   "(`profilefs warm`, or a mount with `--warm`, computes "
		   "them)");
	count_line(b, "Not Read", s->unread,
		   "(not regular files, or stopped by the time limit)");
	if (s->failed)
		count_line(b, "Not Loaded", s->failed,
			   "(the cache could not give their profiles)");
	if (s->cut == -ETIME)
		db_printf(b,
			  "* Walk: cut at the time limit (%u s): the counts "
			  "are those of the binaries seen so far\n",
			  s->seconds);
	else if (s->cut)
		db_printf(b,
			  "* Walk: cut at %u entries waiting: the counts "
			  "are those of the binaries seen so far\n",
			  SVC_SUMMARY_PENDING);
	else
		db_adds(b, "* Walk: complete\n");
	/* the summary reads no binary: it cannot check a row against the
	 * bytes, as a profile's read does */
	db_adds(b, "* Cache Rows: matched to their files by identity "
		   "(device, inode, size, times), not by the files' bytes; a "
		   "profile linked below is checked against its file's bytes "
		   "when it is opened\n");
}

static void sec_tables(struct dynbuf *b, const struct sum *s)
{
	unsigned i;

	db_adds(b, "\n## Signature Status\n\nStatus | Binaries\n-- | --\n");
	for (i = 0; i < SIG_STATUS_COUNT; i++)
		if (s->sig[i])
			db_printf(b, "`%s` | %llu\n",
				  prof_sig_status_name((enum sig_status)i),
				  (unsigned long long)s->sig[i]);
	if (s->no_sig)
		db_printf(b, "none (not a PE image, or no trust) | %llu\n",
			  (unsigned long long)s->no_sig);
	db_adds(b, "\n## Known File\n\nVerdict | Binaries\n-- | --\n");
	for (i = 0; i < N_KNOWN; i++)
		if (s->known[i])
			db_printf(b, "%s | %llu\n",
				  known_status_name((enum known_status)i),
				  (unsigned long long)s->known[i]);
}

/* "* [`rel`](rel.md): what the list says\n": the link's target is the
 * profile of rel relative to the view's root, percent-encoded; its text
 * a code span (the path as it is), and every string of the file escaped
 * (md_code_link, md_code) */
static void entry_line(struct dynbuf *b, const struct entry *e)
{
	size_t n = strlen(e->rel);
	char *url = malloc(n + 4);

	if (!url) {
		b->err = -ENOMEM;
		return;
	}
	memcpy(url, e->rel, n);
	memcpy(url + n, ".md", 4);
	db_adds(b, "* ");
	md_code_link(b, e->rel, url);
	free(url);
	if (e->word)
		db_printf(b, ": `%s`", e->word);
	if (e->detail) {
		db_adds(b, ": version ");
		md_code(b, e->detail, strlen(e->detail), MD_TEXT);
	}
	if (e->n)
		db_printf(b, ": %zu", e->n);
	db_addc(b, '\n');
}

static void sec_list(struct dynbuf *b, const struct sum *s, enum list l)
{
	const struct slist *sl = &s->l[l];
	size_t i, start;

	db_printf(b, "\n## %s\n\n", list_title[l]);
	if (!sl->total && (l == L_MISMATCH || l == L_UNKNOWN) &&
	    s->known[KNOWN_NO_DATA]) {
		db_printf(b,
			  "None known: %llu of the binaries have no known-file "
			  "data (`profilefs known add` imports the NSRL or "
			  "winbindex).\n",
			  (unsigned long long)s->known[KNOWN_NO_DATA]);
		return;
	}
	if (!sl->total) {
		db_adds(b, "None.\n");
		return;
	}
	start = b->len;
	for (i = 0; i < sl->n && b->len - start < LIST_BYTES; i++)
		entry_line(b, &sl->e[i]);
	if (sl->total > i)
		db_printf(b, "* and %llu more\n",
			  (unsigned long long)(sl->total - i));
}

int svc_summary(struct svc *pv, const struct svc_summary_how *how, char **out,
		size_t *len)
{
	struct sum s;
	struct dynbuf b;
	unsigned i;
	int rc;

	memset(&s, 0, sizeof(s));
	s.pv = pv;
	s.how = how;
	s.max_list = how->max_list ? how->max_list : SVC_SUMMARY_LIST;
	s.seconds = how->max_seconds ? how->max_seconds : SVC_SUMMARY_SECONDS;
	s.stop.deadline = util_deadline(s.seconds);
	s.stop.check = gone;
	s.stop.arg = pv;
	/* a verdict that needs the catalog index waits for its first scan,
	 * within the summary's time */
	rc = 0;
	if (pv->trust && pv->catalogs && !svc_catalogs_ready(pv->catalogs))
		rc = svc_catalogs_wait(pv->catalogs, &s.stop);
	if (rc == -ETIME) {
		s.cut = rc;
		rc = 0;
	} else if (!rc) {
		rc = walk(&s);
	}
	if (rc) {
		lists_free(&s);
		return rc;
	}
	db_init(&b, CAP_PROFILE);
	sec_counts(&b, &s);
	sec_tables(&b, &s);
	for (i = 0; i < L_COUNT; i++)
		sec_list(&b, &s, (enum list)i);
	lists_free(&s);
	rc = db_take(&b, out, len);
	if (rc)
		db_free(&b);
	return rc;
}

/*
 * Views: what one profile shows (its facts, its .mui, its signature
 * verdict and its Possible Misuse rows), and the render key of its text
 * (everything the text depends on).
 *
 * A view holds the memo of verdicts and the memo of Possible Misuse rows
 * (each a read lock: verdicts_i.h, misuse_i.h) from svc_view_get() until
 * svc_view_put(), so that what it points to stays as it is while it is
 * rendered; a rules or catalog change waits for it.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "profilefs/known.h"
#include "profilefs/profile.h"
#include "profilefs/rules.h"
#include "profilefs/service.h"
#include "profilefs/tree.h"
#include "misuse_i.h"
#include "svc_i.h"
#include "verdicts_i.h"

/* ---- what a render depends on ----------------------------------------- */

/* The generations of what is shown beside the facts, read once per render
 * so that the rows and the verdict shown are those the key names. */
static void gens_now(struct svc *pv, struct svc_gens *g)
{
	g->rules = pv->rules ? rules_index_generation(pv->rules) : -1;
	g->sig = -1;
	if (pv->trust && pv->catalogs)
		g->sig = svc_catalogs_generation(pv->catalogs);
	/* a verdict checks validity at "now": a day is its shelf life */
	g->day = pv->trust ? (int64_t)(time(NULL) / 86400) : -1;
	g->known = known_generation(pv->known);
}

/*
 * The en-US/NAME.mui beside relpath (malloc'ed), or NULL when there is no
 * such regular file (a link, folder or FIFO of that name lends nothing).
 * One rule for the view and both keys, so that they agree.
 */
static char *mui_beside(struct svc *pv, const char *relpath, struct stat *st)
{
	char *path = prof_mui_path(relpath);

	if (path &&
	    (tree_lstat(pv->tree, path, st) < 0 || !S_ISREG(st->st_mode))) {
		free(path);
		path = NULL;
	}
	return path;
}

/*
 * The render key: a SHA-256 over everything the text depends on. The format
 * and its code (PROF_RENDER_VERSION, PROF_JSON_VERSION), the content, the path
 * and drive shown, the file's facts (NTFS: times, streams, Zone.Identifier),
 * the .mui beside it (lent its strings when the binary is a PE image), the
 * rules generation, the trust, catalog folders, catalog generation and day
 * of the verdict, and the table of Rich entries' names.
 */
static int render_key(struct svc *pv, enum svc_format fmt,
		      const uint8_t sha256[32], const char *relpath,
		      const char *mui_path, const uint8_t mui_sha256[32],
		      const struct prof_file_facts *file,
		      const struct svc_gens *g, uint8_t key[32])
{
	struct dynbuf b;
	int rc;

	db_init(&b, 1 << 20);
	/* Markdown's key is as it always was (sizes already in caches stay
	 * good); JSON's starts with a word of its own, so never collides */
	if (fmt == SVC_JSON)
		db_printf(&b, "json %d %s", PROF_JSON_VERSION,
			  PROFILEFS_VERSION);
	else
		db_printf(&b, "render %d %s", PROF_RENDER_VERSION,
			  PROFILEFS_VERSION);
	db_add(&b, "", 1);
	db_add(&b, sha256, 32);
	db_printf(&b, "%s%c%s%c", relpath, 0, pv->drive, 0);
	/* the file's own facts (NTFS): nothing for a file without them */
	rc = prof_file_facts_key(file, &b);
	if (rc && !b.err)
		b.err = rc;
	if (mui_path) {
		db_printf(&b, "%s%c", mui_path, 0);
		db_add(&b, mui_sha256, 32);
	}
	db_printf(&b, "rules %lld sig %lld day %lld", (long long)g->rules,
		  (long long)g->sig, (long long)g->day);
	/* the known-file verdict: the store's generation (its name, machine
	 * and version are the content's and relpath's, named above) */
	if (pv->known)
		db_printf(&b, " known %lld", (long long)g->known);
	if (pv->trust) {
		db_add(&b, pv->trust_digest, 32);
		svc_catalogs_describe(pv->catalogs, &b);
	}
	if (pv->rich_names) {
		db_adds(&b, "rich names");
		db_add(&b, prof_rich_names_digest(pv->rich_names), 32);
	}
	rc = b.err ? b.err : dg_sha256(b.data, b.len, key);
	db_free(&b);
	return rc;
}

/* The key of a cached profile, from the cache's rows alone (no part is
 * read, nor the file): -ENOENT when the profile or its .mui is not cached,
 * or its row is not one this service may believe (trusted()). */
int svc_cached_key(struct svc *pv, enum svc_format fmt, const char *relpath,
		   const struct stat *st, uint8_t key[32])
{
	struct cache_content ct, mui_ct = { 0 };
	struct cache_ident id = svc_ident_of(pv, st);
	struct prof_file_facts *file = NULL;
	struct stat mui_st;
	struct svc_gens g;
	char *mui;
	int rc;

	if (!pv->cache || !svc_trusted(pv, &id))
		return -ENOENT;
	rc = cache_find(pv->cache, &id, &ct);
	if (rc)
		return rc;
	mui = mui_beside(pv, relpath, &mui_st);
	if (mui) {
		id = svc_ident_of(pv, &mui_st);
		rc = svc_trusted(pv, &id) ? cache_find(pv->cache, &id, &mui_ct)
					  : -ENOENT;
	}
	/* the facts are the file's, never the cache's: gathered (cheap) */
	if (!rc)
		rc = prof_file_facts_get(pv->tree, relpath, &file);
	if (!rc) {
		gens_now(pv, &g);
		rc = render_key(pv, fmt, ct.dg.sha256, relpath, mui,
				mui_ct.dg.sha256, file, &g, key);
	}
	prof_file_facts_free(file);
	free(mui);
	return rc;
}

/* ---- the profile view ---------------------------------------------------- */

void svc_view_put(struct svc *pv, struct svc_view *pub)
{
	struct svc_view_i *v = (struct svc_view_i *)pub;

	if (!v)
		return;
	misuse_unhold(pv->misuse);
	svc_verdict_unhold(pv->verdicts);
	svc_release(pv, &v->mui);
	svc_release(pv, &v->h);
	prof_file_facts_free(v->file);
	known_verdict_free(v->known);
	free(v->mui_path);
	free(v);
}

static int gone_stop(void *arg)
{
	return svc_caller_gone(arg) ? -EINTR : 0;
}

/* A verdict that needs the catalog index waits for its first scan (a
 * profile never says "not signed" because the index was not ready);
 * without compute_ok (a stat's size) it does not wait: -ENOENT. */
static int catalogs_first(struct svc *pv, const struct prof *p, int compute_ok)
{
	struct util_stop stop = { 0, gone_stop, pv };

	if (!pv->trust || !pv->catalogs || !p->is_pe || !p->hashed ||
	    !p->dg.pehash || svc_catalogs_ready(pv->catalogs))
		return 0;
	return compute_ok == 1 ? svc_catalogs_wait(pv->catalogs, &stop)
			       : -ENOENT;
}

/*
 * The names a renamed copy is known by, for its Possible Misuse rows: the
 * OriginalFilename and InternalName of the version strings the profile
 * shows (its .mui's where it lends them, as on Windows), NULL-terminated.
 */
static void originals_of(const struct svc_view_i *v, const char *out[3])
{
	const struct prof *p = v->pub.v.mui ? v->pub.v.mui : v->h.p;
	const struct pe_version *ver = p && p->pe ? &p->pe->version : NULL;
	size_t n = 0;

	if (ver && ver->strings[PE_VS_ORIGINAL_FILENAME])
		out[n++] = ver->strings[PE_VS_ORIGINAL_FILENAME];
	if (ver && ver->strings[PE_VS_INTERNAL_NAME])
		out[n++] = ver->strings[PE_VS_INTERNAL_NAME];
	out[n] = NULL;
}

/* The known-file verdict of a hashed profile (none for one without
 * hashes: it has no key either); a store that cannot answer leaves the
 * text without a key (logged) and the section as without a store. */
static void known_of(struct svc *pv, struct svc_view_i *v)
{
	char vbuf[PROF_KNOWN_VERSION_MAX];
	struct known_query q;
	int rc;

	if (!pv->known || !v->h.p->hashed)
		return;
	prof_known_query(v->h.p, v->pub.v.relpath, &q, vbuf);
	rc = known_lookup(pv->known, &q, &v->known);
	if (rc) {
		log_warn("%s: the known-file store did not answer: %s",
			 v->pub.v.relpath, strerror(-rc));
		v->known = NULL;
		v->degraded = 1;
	}
	v->pub.v.known = v->known;
}

int svc_view_get(struct svc *pv, const char *relpath, int compute_ok,
		 struct svc_view **out)
{
	return svc_view_get_at(pv, relpath, NULL, compute_ok, out);
}

int svc_view_get_at(struct svc *pv, const char *relpath, const struct stat *st,
		    int compute_ok, struct svc_view **out)
{
	struct svc_view_i *v = calloc(1, sizeof(*v));
	const char *originals[3];
	struct stat mui_st;
	int rc;

	if (!v)
		return -ENOMEM;
	rc = svc_obtain(pv, relpath, st, compute_ok, &v->h);
	if (rc)
		goto fail;
	v->pub.prof = v->h.p;
	v->pub.v.relpath = relpath;
	v->pub.v.drive = pv->drive;
	/* what the file system says of the file (NTFS); without it the
	 * text is as on a POSIX source, and has no key */
	rc = prof_file_facts_get(pv->tree, relpath, &v->file);
	if (rc == -ENOMEM)
		goto fail;
	if (rc) {
		log_warn("%s: its file system facts are left out: %s", relpath,
			 strerror(-rc));
		v->file = NULL;
		v->degraded = 1;
	}
	v->pub.v.file = v->file;
	v->pub.v.rich_names = pv->rich_names;
	/* en-US/NAME.mui beside a PE image lends it its version strings; it
	 * is held for any binary, as the key names it for any */
	v->mui_path = mui_beside(pv, relpath, &mui_st);
	if (v->mui_path) {
		rc = svc_obtain(pv, v->mui_path, &mui_st, compute_ok, &v->mui);
		/* its caller went, or waits its turn: no profile without it */
		if (rc == -EINTR || rc == -EAGAIN)
			goto fail;
		if (rc == -ENOENT && compute_ok != 1) {
			/* its .mui is not cached yet: so neither is this
			 * profile's final text */
			goto fail;
		}
		if (rc == 0 && v->h.p->is_pe) {
			v->pub.v.mui = v->mui.p;
			v->pub.v.mui_relpath = v->mui_path;
		}
		if (rc)
			v->degraded = 1;
		rc = 0;
	}
	rc = catalogs_first(pv, v->h.p, compute_ok);
	if (rc)
		goto fail;
	gens_now(pv, &v->g);
	v->pub.v.sig =
		svc_verdict_hold(pv->verdicts, v->h.p, v->g.sig, v->g.day);
	if (!v->pub.v.sig && pv->trust && v->h.p->is_pe && v->h.p->hashed)
		v->degraded = 1;
	known_of(pv, v);
	originals_of(v, originals);
	v->pub.v.misuse =
		misuse_hold(pv->misuse, relpath, originals, v->g.rules);
	if (!v->pub.v.misuse && v->g.rules >= 0)
		v->degraded = 1;
	*out = &v->pub;
	return 0;
fail:
	svc_release(pv, &v->mui);
	svc_release(pv, &v->h);
	prof_file_facts_free(v->file);
	free(v->mui_path);
	free(v);
	return rc;
}

/* The key of a view's text; -ENOENT when it has none: a profile without
 * hashes, a section left out by a failure, a .mui not read, or rules or
 * catalogs that moved on while it was rendered. */
int svc_view_key(struct svc *pv, enum svc_format fmt,
		 const struct svc_view_i *v, uint8_t key[32])
{
	const struct prof *p = v->h.p, *mui = v->mui.p;
	struct svc_gens now;

	if (!p->hashed || v->degraded || (v->mui_path && !mui) ||
	    (mui && !mui->hashed))
		return -ENOENT;
	gens_now(pv, &now);
	if (memcmp(&now, &v->g, sizeof(now)) != 0)
		return -ENOENT;
	return render_key(pv, fmt, p->dg.sha256, v->pub.v.relpath, v->mui_path,
			  mui ? mui->dg.sha256 : NULL, v->file, &v->g, key);
}

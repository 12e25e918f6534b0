/*
 * The texts of the service: a profile rendered (Markdown or JSON) at most
 * once per render key and kept in the render memo (rendered.c), and the
 * sizes and keys that stat and the kernel's page cache ask for without
 * rendering when they can.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "profilefs/cache.h"
#include "profilefs/profile.h"
#include "profilefs/service.h"
#include "profilefs/tree.h"
#include "rmemo_i.h"
#include "svc_i.h"

/* ---- the text ------------------------------------------------------------ */

/* Renders relpath's view in fmt; *key_ok says whether key names the
 * text. */
static int render_view(struct svc *pv, const char *relpath,
		       const struct stat *st, enum svc_format fmt,
		       int compute_ok, char **md, size_t *len, uint8_t key[32],
		       int *key_ok, struct cache_ident *id)
{
	struct svc_view *v;
	int rc = svc_view_get_at(pv, relpath, st, compute_ok, &v);

	if (rc)
		return rc;
	rc = fmt == SVC_JSON ? prof_render_json(v->prof, &v->v, 1, md, len)
			     : prof_render(v->prof, &v->v, md, len);
	svc_count(pv, &pv->stats.renders, 1);
	*key_ok =
		!rc && svc_view_key(pv, fmt, (struct svc_view_i *)v, key) == 0;
	*id = ((struct svc_view_i *)v)->h.id;
	svc_view_put(pv, v);
	return rc;
}

int svc_text_get(struct svc *pv, const char *relpath, enum svc_format fmt,
		 int compute_ok, const struct svc_text **out)
{
	struct stat st;
	int rc = tree_lstat(pv->tree, relpath, &st);

	return rc ? rc
		  : svc_text_get_at(pv, relpath, &st, fmt, compute_ok, out);
}

int svc_text_get_at(struct svc *pv, const char *relpath, const struct stat *bst,
		    enum svc_format fmt, int compute_ok,
		    const struct svc_text **out)
{
	const struct svc_text *t;
	struct cache_ident id;
	uint8_t key[32];
	struct stat st = *bst;
	size_t len;
	char *md;
	int rc, key_ok = 0;

	if (S_ISREG(st.st_mode) &&
	    svc_cached_key(pv, fmt, relpath, &st, key) == 0) {
		t = rmemo_get(pv->rendered, key);
		if (t) {
			*out = t;
			return 0;
		}
	}
	rc = render_view(pv, relpath, &st, fmt, compute_ok, &md, &len, key,
			 &key_ok, &id);
	if (rc)
		return rc;
	t = key_ok ? rmemo_put(pv->rendered, key, md, len)
		   : rmemo_own(pv->rendered, md, len);
	if (!t)
		return -ENOMEM;
	/* a size stored for the key, for the next mount's ls -l. The cache
	 * has one such slot per file: the Markdown's. A JSON text's size
	 * comes from the memo, else from a render of the cached profile
	 * (never a computation); storing it too would make each format's
	 * stat displace the other's, a write per stat. */
	if (key_ok && pv->cache && fmt == SVC_MD)
		cache_render_size_put(pv->cache, &id, key, t->len);
	*out = t;
	return 0;
}

void svc_text_put(struct svc *pv, const struct svc_text *t)
{
	rmemo_release(pv->rendered, t);
}

int svc_profile_key(struct svc *pv, const char *relpath, enum svc_format fmt,
		    uint8_t key[32], uint64_t *size)
{
	struct stat st;
	int rc = tree_lstat(pv->tree, relpath, &st);

	return rc ? rc : svc_profile_key_at(pv, relpath, &st, fmt, key, size);
}

int svc_profile_key_at(struct svc *pv, const char *relpath,
		       const struct stat *st, enum svc_format fmt,
		       uint8_t key[32], uint64_t *size)
{
	if (!S_ISREG(st->st_mode) || svc_cached_key(pv, fmt, relpath, st, key))
		return -ENOENT;
	return svc_profile_size_at(pv, relpath, st, fmt, size);
}

int svc_profile_size(struct svc *pv, const char *relpath, enum svc_format fmt,
		     uint64_t *size)
{
	struct stat st;
	int rc = tree_lstat(pv->tree, relpath, &st);

	return rc ? rc : svc_profile_size_at(pv, relpath, &st, fmt, size);
}

int svc_profile_size_at(struct svc *pv, const char *relpath,
			const struct stat *bst, enum svc_format fmt,
			uint64_t *size)
{
	const struct svc_text *t;
	struct cache_ident id;
	uint8_t key[32];
	struct stat st = *bst;
	int rc;

	if (S_ISREG(st.st_mode)) {
		/* a cached profile's size, without rendering when it can */
		if (svc_cached_key(pv, fmt, relpath, &st, key))
			return -ENOENT;
		t = rmemo_get(pv->rendered, key);
		if (t) {
			*size = t->len;
			rmemo_release(pv->rendered, t);
			return 0;
		}
		id = svc_ident_of(pv, &st);
		if (cache_render_size_get(pv->cache, &id, key, size) == 0)
			return 0;
	}
	rc = svc_text_get_at(pv, relpath, &st, fmt, 0, &t);
	if (rc)
		return rc;
	*size = t->len;
	svc_text_put(pv, t);
	return 0;
}

int svc_profile_hint_at(struct svc *pv, const char *relpath,
			const struct stat *st, enum svc_format fmt,
			uint64_t *size)
{
	struct cache_ident id;

	if (svc_profile_size_at(pv, relpath, st, fmt, size) == 0)
		return 0;
	/* the cache keeps one size per file: the Markdown's */
	if (!S_ISREG(st->st_mode) || !pv->cache || fmt != SVC_MD)
		return -ENOENT;
	id = svc_ident_of(pv, st);
	return cache_render_size_get(pv->cache, &id, NULL, size) ? -ENOENT : 0;
}

/*
 * The JSON profile: every fact of the Markdown profile (render.c,
 * render_sig.c) as data, one object per file, built with json-c.
 * docs/profile-json.md describes it and docs/profile.schema.json is its
 * JSON Schema; a change of a name or a shape there is a change here, and
 * a bump of PROF_JSON_VERSION.
 *
 * Hostile strings: every string from a file (or a path, a certificate, a
 * rule) passes through md_utf8() before json-c escapes it: invalid UTF-8
 * becomes U+FFFD, and what a reader cannot see (controls, Unicode format
 * characters, U+2028/U+2029) the text \xNN, as in the Markdown. Where that
 * changed a name (the path, an import's, an export's, its forwarder, the
 * export directory's name), its raw bytes are given beside it in hex
 * (path_hex, dll_hex, name_hex, forwarder_hex, export_name_hex), so that
 * two names never read the same. Every member is always present: null when the
 * fact is not known, an empty array when there are none.
 *
 * The builders (j_str() and the like) are json_util.c's, the "signature"
 * member json_sig.c's.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "json_i.h"
#include "pe2_i.h"

/* ---- the file ------------------------------------------------------- */

struct jview {
	const struct prof *p;
	const struct pe_info *pe;     /* NULL when not a PE image */
	const struct pe_version *ver; /* the strings used, or NULL */
	const char *ver_from;	      /* relpath of the .mui they came from */
	const struct prof_view *pv;
};

static jobj *win_path(struct jctx *c, const struct prof_view *pv,
		      const char *relpath)
{
	struct dynbuf path;
	jobj *o;

	db_init(&path, CAP_PROFILE);
	winpath(&path, pv->drive, relpath);
	if (path.err) {
		c->err = path.err;
		o = NULL;
	} else {
		o = j_strn(c, path.len ? path.data : "", path.len);
	}
	db_free(&path);
	return o;
}

static jobj *notes(struct jctx *c, const struct prof *p)
{
	jobj *a = j_arr(c);
	size_t i;

	for (i = 0; i < p->nnotes; i++)
		j_push(c, a, j_str(c, p->notes[i]));
	return a;
}

static jobj *hashes(struct jctx *c, const struct jview *v)
{
	const struct dg_result *dg = &v->p->dg;
	jobj *o;

	if (!v->p->hashed)
		return NULL;
	o = j_obj(c);
	j_put(c, o, "md5", j_hex(c, dg->md5, sizeof(dg->md5)));
	j_put(c, o, "sha1", j_hex(c, dg->sha1, sizeof(dg->sha1)));
	j_put(c, o, "sha256", j_hex(c, dg->sha256, sizeof(dg->sha256)));
	j_put(c, o, "sha384", j_hex(c, dg->sha384, sizeof(dg->sha384)));
	j_put(c, o, "sha512", j_hex(c, dg->sha512, sizeof(dg->sha512)));
	j_put(c, o, "ssdeep", j_str(c, dg->ssdeep));
	j_put(c, o, "imphash",
	      v->pe && v->p->imphash[0] ? j_lit(c, v->p->imphash) : NULL);
	j_put(c, o, "pe_sha1",
	      v->pe && dg->pehash ? j_hex(c, dg->pesha1, sizeof(dg->pesha1))
				  : NULL);
	j_put(c, o, "pe_sha256",
	      v->pe && dg->pehash ? j_hex(c, dg->pe256, sizeof(dg->pe256))
				  : NULL);
	return o;
}

static jobj *version(struct jctx *c, const struct jview *v)
{
	static const char *const keys[PE_VS_N] = {
		[PE_VS_FILE_DESCRIPTION] = "file_description",
		[PE_VS_ORIGINAL_FILENAME] = "original_filename",
		[PE_VS_PRODUCT_NAME] = "product_name",
		[PE_VS_COMPANY_NAME] = "company_name",
		[PE_VS_FILE_VERSION] = "file_version",
		[PE_VS_PRODUCT_VERSION] = "product_version",
		[PE_VS_LEGAL_COPYRIGHT] = "legal_copyright",
		[PE_VS_INTERNAL_NAME] = "internal_name",
	};
	jobj *o, *s;
	size_t i;

	if (!v->ver)
		return NULL;
	o = j_obj(c);
	j_put(c, o, "lang", j_int(c, v->ver->lang));
	j_put(c, o, "language", j_lit(c, pe_lang_name(v->ver->lang)));
	j_put(c, o, "codepage", j_int(c, v->ver->codepage));
	j_put(c, o, "resource_lang", j_int(c, v->ver->resource_lang));
	j_put(c, o, "from_mui", j_str(c, v->ver_from));
	j_put(c, o, "from_mui_file_path",
	      v->ver_from ? win_path(c, v->pv, v->ver_from) : NULL);
	s = j_obj(c);
	for (i = 0; i < PE_VS_N; i++)
		j_put(c, s, keys[i], j_str(c, v->ver->strings[i]));
	j_put(c, o, "strings", s);
	return o;
}

/* ---- PE header and sections ---------------------------------------- */

static const char *checksum_state(const struct pe_info *pe)
{
	if (!pe->checksum_known)
		return "not_checked";
	if (pe->checksum == 0)
		return "not_set";
	return pe->checksum == pe->checksum_computed ? "correct" : "wrong";
}

static jobj *header(struct jctx *c, const struct jview *v)
{
	const struct pe_info *pe = v->pe;
	const struct prof_name *sub;
	jobj *o;

	if (!pe)
		return NULL;
	sub = prof_subsystem(pe->subsystem);
	o = j_obj(c);
	j_put(c, o, "format", j_lit(c, pe->pe32plus ? "PE32+" : "PE32"));
	j_put(c, o, "machine", j_int(c, pe->machine));
	j_put(c, o, "machine_type", j_lit(c, pe_machine_name(pe->machine)));
	j_put(c, o, "timestamp", j_int(c, pe->timestamp));
	j_put(c, o, "timestamp_utc",
	      pe->timestamp ? j_time(c, (time_t)pe->timestamp) : NULL);
	j_put(c, o, "subsystem", j_int(c, pe->subsystem));
	j_put(c, o, "subsystem_name", sub ? j_lit(c, sub->json) : NULL);
	j_put(c, o, "image_base", j_u64(c, pe->image_base));
	j_put(c, o, "entry_point", j_int(c, pe->entry_point));
	j_put(c, o, "characteristics", j_int(c, pe->characteristics));
	j_put(c, o, "characteristics_flags",
	      j_flags(c, pe->characteristics, prof_file_flags,
		      prof_nfile_flags));
	j_put(c, o, "dll_characteristics", j_int(c, pe->dll_characteristics));
	j_put(c, o, "aslr", j_bool(c, pe->dll_characteristics & 0x0040));
	j_put(c, o, "high_entropy_va",
	      j_bool(c, pe->dll_characteristics & 0x0020));
	j_put(c, o, "dep", j_bool(c, pe->dll_characteristics & 0x0100));
	j_put(c, o, "cfg", j_bool(c, pe->dll_characteristics & 0x4000));
	j_put(c, o, "checksum", j_int(c, pe->checksum));
	j_put(c, o, "checksum_computed",
	      pe->checksum_known ? j_int(c, pe->checksum_computed) : NULL);
	j_put(c, o, "checksum_state", j_lit(c, checksum_state(pe)));
	j_put(c, o, "dotnet", j_bool(c, pe->is_dotnet));
	j_put(c, o, "rich_hash",
	      v->p->rich_hash[0] ? j_lit(c, v->p->rich_hash) : NULL);
	j_put(c, o, "export_name", j_str(c, pe->export_name));
	j_put(c, o, "export_name_hex", j_raw(c, pe->export_name));
	j_put(c, o, "section_alignment", j_int(c, pe->section_alignment));
	j_put(c, o, "file_alignment", j_int(c, pe->file_alignment));
	j_put(c, o, "size_of_image", j_int(c, pe->size_of_image));
	j_put(c, o, "size_of_headers", j_int(c, pe->size_of_headers));
	j_put(c, o, "number_of_sections", j_int(c, pe->nsections_declared));
	return o;
}

static jobj *sections(struct jctx *c, const struct jview *v)
{
	jobj *a = j_arr(c);
	size_t i, n;

	for (i = 0; v->pe && i < v->pe->nsections; i++) {
		const struct pe_section *s = &v->pe->sections[i];
		jobj *o = j_obj(c);

		n = strnlen(s->name, 8);
		j_put(c, o, "name", j_strn(c, s->name, n));
		j_put(c, o, "name_hex", j_hex(c, (const uint8_t *)s->name, n));
		j_put(c, o, "virtual_address", j_int(c, s->va));
		j_put(c, o, "virtual_size", j_int(c, s->vsize));
		j_put(c, o, "raw_size", j_int(c, s->rawsize));
		j_put(c, o, "raw_pointer", j_int(c, s->rawptr));
		j_put(c, o, "entropy",
		      s->entropy < 0
			      ? NULL
			      : j_chk(c, json_object_new_double(s->entropy)));
		j_put(c, o, "characteristics", j_int(c, s->characteristics));
		j_put(c, o, "characteristics_flags",
		      j_flags(c, s->characteristics, prof_scn_flags,
			      prof_nscn_flags));
		j_push(c, a, o);
	}
	return a;
}

static jobj *import_func(struct jctx *c, const struct pe_import_dll *d,
			 const struct pe_import_func *f)
{
	jobj *o = j_obj(c);

	j_put(c, o, "name",
	      f->name ? j_str(c, f->name)
		      : j_lit(c, pe_ordinal_name(d->dll, f->ordinal)));
	j_put(c, o, "name_hex", j_raw(c, f->name));
	j_put(c, o, "by_ordinal", j_bool(c, !f->name));
	j_put(c, o, "ordinal", f->name ? NULL : j_int(c, f->ordinal));
	j_put(c, o, "hint", f->name ? j_int(c, f->hint) : NULL);
	return o;
}

static jobj *imports(struct jctx *c, const struct jview *v)
{
	jobj *a = j_arr(c);
	size_t i, k;

	for (i = 0; v->pe && i < v->pe->nimports; i++) {
		const struct pe_import_dll *d = &v->pe->imports[i];
		jobj *o = j_obj(c), *funcs = j_arr(c);

		j_put(c, o, "dll", j_str(c, d->dll));
		j_put(c, o, "dll_hex", j_raw(c, d->dll));
		j_put(c, o, "delay_load", j_bool(c, d->delay));
		for (k = 0; k < d->nfuncs; k++)
			j_push(c, funcs, import_func(c, d, &d->funcs[k]));
		j_put(c, o, "functions", funcs);
		j_push(c, a, o);
	}
	return a;
}

static jobj *exports(struct jctx *c, const struct jview *v)
{
	jobj *a = j_arr(c);
	size_t i;

	for (i = 0; v->pe && i < v->pe->nexports; i++) {
		const struct pe_export *e = &v->pe->exports[i];
		jobj *o = j_obj(c);

		j_put(c, o, "ordinal", j_u64(c, e->ordinal));
		j_put(c, o, "name", j_str(c, e->name));
		j_put(c, o, "name_hex", j_raw(c, e->name));
		j_put(c, o, "forwarder", j_str(c, e->forwarder));
		j_put(c, o, "forwarder_hex", j_raw(c, e->forwarder));
		j_put(c, o, "rva", j_int(c, e->rva));
		j_push(c, a, o);
	}
	return a;
}

static jobj *anomalies(struct jctx *c, const struct jview *v)
{
	jobj *a = j_arr(c);
	size_t i;

	for (i = 0; v->pe && i < v->pe->nanomalies; i++)
		j_push(c, a, j_str(c, v->pe->anomalies[i]));
	return a;
}

static jobj *misuse_rows(struct jctx *c, const struct prof_misuse_row *v,
			 size_t n)
{
	jobj *rows = j_arr(c);
	size_t i;

	for (i = 0; i < n; i++) {
		const struct prof_misuse_row *r = &v[i];
		jobj *row = j_obj(c);

		j_put(c, row, "source", j_str(c, r->source));
		j_put(c, row, "source_url", j_str(c, r->source_url));
		j_put(c, row, "file", j_str(c, r->file));
		j_put(c, row, "file_link", j_str(c, r->file_link));
		j_put(c, row, "text", j_str(c, r->text));
		j_put(c, row, "license", j_str(c, r->license));
		j_put(c, row, "license_url", j_str(c, r->license_url));
		if (r->matched)
			j_put(c, row, "matches_original", j_str(c, r->matched));
		if (r->local_path)
			j_put(c, row, "local_path", j_str(c, r->local_path));
		j_push(c, rows, row);
	}
	return rows;
}

static jobj *misuse(struct jctx *c, const struct jview *v)
{
	const struct prof_misuse *m = v->pv->misuse;
	jobj *o;

	if (!m)
		return NULL;
	o = j_obj(c);
	j_put(c, o, "rows", misuse_rows(c, m->rows, m->n));
	j_put(c, o, "more", j_u64(c, m->more));
	if (m->more) {
		/* the rows beyond the caps: the profile counts them */
		j_put(c, o, "more_files", j_u64(c, m->more_files));
		j_put(c, o, "more_rows", misuse_rows(c, m->extra, m->nextra));
	}
	return o;
}

/* ---- the whole ------------------------------------------------------ */

/* "ntfs" (ntfs_json.c): only for a file that has such facts */
static void ntfs(struct jctx *c, jobj *o, const struct prof_view *pv)
{
	jobj *n = NULL;
	int rc = prof_json_ntfs(pv, &n);

	if (rc)
		c->err = rc;
	else if (n)
		j_put(c, o, "ntfs", n);
}

/* the File Scan section's link */
static jobj *vt_url(struct jctx *c, const struct prof *p)
{
	char hex[65], url[128];

	dg_hex(p->dg.sha256, sizeof(p->dg.sha256), hex, 0);
	snprintf(url, sizeof(url),
		 "https://www.virustotal.com/gui/file/%s/detection/", hex);
	return j_lit(c, url);
}

static jobj *build(struct jctx *c, const struct jview *v)
{
	const struct prof *p = v->p;
	const struct prof_view *pv = v->pv;
	jobj *o = j_obj(c);

	j_put(c, o, "schema_version", j_int(c, PROF_JSON_VERSION));
	j_put(c, o, "name", j_str(c, path_base(pv->relpath)));
	j_put(c, o, "path", j_str(c, pv->relpath));
	j_put(c, o, "path_hex", j_raw(c, pv->relpath));
	j_put(c, o, "file_path", win_path(c, pv, pv->relpath));
	j_put(c, o, "size", j_u64(c, p->size));
	j_put(c, o, "is_pe", j_bool(c, p->is_pe));
	j_put(c, o, "not_pe_reason", j_str(c, p->pe_note));
	j_put(c, o, "description",
	      j_str(c,
		    v->ver ? v->ver->strings[PE_VS_FILE_DESCRIPTION] : NULL));
	j_put(c, o, "notes", notes(c, p));
	j_put(c, o, "hashes", hashes(c, v));
	j_put(c, o, "virustotal_url", p->hashed ? vt_url(c, p) : NULL);
	j_put(c, o, "version", version(c, v));
	j_put(c, o, "pe_header", header(c, v));
	j_put(c, o, "sections", sections(c, v));
	j_put(c, o, "imports", imports(c, v));
	j_put(c, o, "exports", exports(c, v));
	j_put(c, o, "signature",
	      pv->sig && p->is_pe ? j_sig(c, pv->sig) : NULL);
	j_put(c, o, "misuse", misuse(c, v));
	j_put(c, o, "known", j_known(c, pv));
	j_put(c, o, "anomalies", anomalies(c, v));
	j_put(c, o, "pe_facts", prof_json_pe2(p->pe, pv->rich_names, &c->err));
	ntfs(c, o, pv);
	return o;
}

int prof_render_json(const struct prof *p, const struct prof_view *pv,
		     int pretty, char **out, size_t *len)
{
	struct jview v = { p, p->pe, NULL, NULL, pv };
	struct jctx c = { 0 };
	struct dynbuf b;
	const char *text;
	size_t n = 0;
	jobj *o;
	int rc;

	v.ver = prof_version_of(p, pv, &v.ver_from);
	db_init(&c.tmp, CAP_PROFILE);
	db_init(&b, CAP_PROFILE);
	o = build(&c, &v);
	text = c.err ? NULL
		     : json_object_to_json_string_length(
			       o,
			       JSON_C_TO_STRING_NOSLASHESCAPE |
				       (pretty ? JSON_C_TO_STRING_PRETTY |
							 JSON_C_TO_STRING_SPACED
					       : JSON_C_TO_STRING_PLAIN),
			       &n);
	if (text) {
		db_add(&b, text, n);
		db_addc(&b, '\n');
	}
	rc = c.err ? c.err : !text ? -ENOMEM : 0;
	if (!rc)
		rc = db_take(&b, out, len);
	if (rc)
		db_free(&b);
	json_object_put(o);
	db_free(&c.tmp);
	return rc;
}

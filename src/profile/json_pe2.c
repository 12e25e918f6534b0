/*
 * The JSON profile's "pe_facts" member (docs/profile-json.md,
 * "pe_facts"): the facts of render_pe2.c as data. Strings from the file
 * pass through md_utf8() as json.c's do.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "json_i.h"
#include "pe2_i.h"

static jobj *codeview(struct jctx *c, const struct pe_facts *f)
{
	char guid[PE_GUID_LEN], key[64];
	jobj *o;

	if (!f->has_codeview)
		return NULL;
	o = j_obj(c);
	j_put(c, o, "pdb_path", j_str(c, f->pdb_path ? f->pdb_path : ""));
	pe_guid_str(f->pdb_guid, 1, guid);
	j_put(c, o, "guid", j_lit(c, guid));
	j_put(c, o, "age", j_u64(c, f->pdb_age));
	pe_guid_str(f->pdb_guid, 0, guid);
	snprintf(key, sizeof(key), "%s%X", guid, f->pdb_age);
	j_put(c, o, "symbol_server_key", j_lit(c, key));
	return o;
}

static jobj *debug(struct jctx *c, const struct pe_info *pe)
{
	const struct pe_facts *f = &pe->facts;
	jobj *o = j_obj(c), *types = j_arr(c);
	char key[32];
	size_t i;

	for (i = 0; i < f->ndebug; i++) {
		const char *name = pe_debug_type_name(f->debug_types[i]);
		jobj *t = j_obj(c);

		j_put(c, t, "type", j_u64(c, f->debug_types[i]));
		j_put(c, t, "name", j_lit(c, name));
		j_push(c, types, t);
	}
	j_put(c, o, "entries", types);
	j_put(c, o, "reproducible", j_bool(c, f->repro));
	j_put(c, o, "codeview", codeview(c, f));
	snprintf(key, sizeof(key), "%08X%x", pe->timestamp, pe->size_of_image);
	j_put(c, o, "binary_symbol_server_key", j_lit(c, key));
	j_put(c, o, "cet_compatible",
	      j_bool(c, f->has_ex_dllchar &&
				(f->ex_dllchar & PROF_EX_CET_COMPAT)));
	return o;
}

static jobj *tls(struct jctx *c, const struct pe_info *pe)
{
	const struct pe_facts *f = &pe->facts;
	jobj *arr;
	size_t i;

	if (!f->has_tls)
		return NULL;
	arr = j_arr(c);
	for (i = 0; i < f->ntls_callbacks; i++) {
		jobj *cb = j_obj(c);

		j_put(c, cb, "va", j_u64(c, f->tls_callbacks[i]));
		j_put(c, cb, "rva",
		      j_u64(c, f->tls_callbacks[i] - pe->image_base));
		j_push(c, arr, cb);
	}
	return arr;
}

static jobj *load_config(struct jctx *c, const struct pe_facts *f)
{
	jobj *o;

	if (!f->has_load_config)
		return NULL;
	o = j_obj(c);
	j_put(c, o, "size", j_u64(c, f->load_config_size));
	j_put(c, o, "security_cookie",
	      f->has_cookie ? j_u64(c, f->security_cookie) : NULL);
	j_put(c, o, "seh_table", f->has_seh ? j_u64(c, f->seh_table) : NULL);
	j_put(c, o, "seh_count", f->has_seh ? j_u64(c, f->seh_count) : NULL);
	j_put(c, o, "guard_flags",
	      f->has_guard_flags ? j_u64(c, f->guard_flags) : NULL);
	j_put(c, o, "guard_flags_names",
	      f->has_guard_flags ? j_flags(c, f->guard_flags, prof_guard_flags,
					   prof_nguard_flags)
				 : NULL);
	return o;
}

static jobj *overlay(struct jctx *c, const struct pe_info *pe)
{
	const struct pe_facts *f = &pe->facts;
	jobj *o;

	if (!f->has_overlay)
		return NULL;
	o = j_obj(c);
	j_put(c, o, "offset", j_u64(c, f->overlay_off));
	j_put(c, o, "size", j_u64(c, f->overlay_size));
	j_put(c, o, "entropy",
	      f->overlay_entropy < 0
		      ? NULL
		      : j_chk(c, json_object_new_double(f->overlay_entropy)));
	j_put(c, o, "entropy_bytes", j_u64(c, f->entropy_len));
	j_put(c, o, "certificate_table_inside", j_bool(c, f->cert_in_overlay));
	j_put(c, o, "after_certificate_table",
	      f->cert_in_overlay ? j_u64(c, f->after_cert) : NULL);
	return o;
}

static jobj *assembly(struct jctx *c, const struct pe_facts *f)
{
	char v[32];
	jobj *o;

	if (!f->has_assembly)
		return NULL;
	o = j_obj(c);
	j_put(c, o, "name", j_str(c, f->asm_name));
	j_put(c, o, "name_hex", j_raw(c, f->asm_name));
	snprintf(v, sizeof(v), "%u.%u.%u.%u", f->asm_version[0],
		 f->asm_version[1], f->asm_version[2], f->asm_version[3]);
	j_put(c, o, "version", j_lit(c, v));
	j_put(c, o, "culture", j_str(c, f->asm_culture));
	j_put(c, o, "culture_hex", j_raw(c, f->asm_culture));
	j_put(c, o, "flags", j_u64(c, f->asm_flags));
	j_put(c, o, "hash_algorithm", j_u64(c, f->asm_hash_alg));
	j_put(c, o, "public_key", j_bool(c, f->asm_key != 0));
	j_put(c, o, "public_key_token",
	      f->asm_key == 1 ? j_hex(c, f->asm_token, sizeof(f->asm_token))
			      : NULL);
	return o;
}

static jobj *dotnet(struct jctx *c, const struct pe_facts *f)
{
	char v[16];
	jobj *o;

	if (!f->has_clr)
		return NULL;
	o = j_obj(c);
	snprintf(v, sizeof(v), "%u.%u", f->clr_major, f->clr_minor);
	j_put(c, o, "runtime_version", j_lit(c, v));
	j_put(c, o, "flags", j_u64(c, f->clr_flags));
	j_put(c, o, "flags_names",
	      j_flags(c, f->clr_flags, prof_clr_flags, prof_nclr_flags));
	j_put(c, o, "metadata_version", j_str(c, f->metadata_version));
	j_put(c, o, "assembly", assembly(c, f));
	return o;
}

static jobj *rich(struct jctx *c, const struct pe_facts *f,
		  const struct prof_rich_names *names)
{
	jobj *arr = j_arr(c);
	size_t i;

	for (i = 0; i < f->nrich; i++) {
		jobj *e = j_obj(c);

		j_put(c, e, "product_id", j_u64(c, f->rich[i].product));
		j_put(c, e, "build", j_u64(c, f->rich[i].build));
		j_put(c, e, "count", j_u64(c, f->rich[i].count));
		j_put(c, e, "product",
		      j_str(c, prof_rich_name(names, f->rich[i].product,
					      f->rich[i].build)));
		j_push(c, arr, e);
	}
	return arr;
}

static jobj *tri(struct jctx *c, int v)
{
	return v < 0 ? NULL : j_bool(c, v);
}

static jobj *resources(struct jctx *c, const struct pe_facts *f)
{
	jobj *arr = j_arr(c), *langs;
	size_t i, k;

	for (i = 0; i < f->nres_types; i++) {
		const struct pe_res_type *t = &f->res_types[i];
		jobj *e = j_obj(c);

		j_put(c, e, "type",
		      t->id == PE_RES_NAMED ? NULL : j_u64(c, t->id));
		j_put(c, e, "name",
		      t->id == PE_RES_NAMED
			      ? NULL
			      : j_lit(c, pe_res_type_name(t->id)));
		j_put(c, e, "count", j_u64(c, t->count));
		langs = j_arr(c);
		for (k = 0; k < t->nlangs; k++)
			j_push(c, langs, j_u64(c, t->langs[k]));
		j_put(c, e, "languages", langs);
		j_push(c, arr, e);
	}
	return arr;
}

static jobj *manifest(struct jctx *c, const struct pe_facts *f)
{
	jobj *o, *deps;
	size_t i;

	if (!f->has_manifest)
		return NULL;
	o = j_obj(c);
	j_put(c, o, "requested_execution_level", j_str(c, f->exec_level));
	j_put(c, o, "ui_access", tri(c, f->ui_access));
	j_put(c, o, "auto_elevate", tri(c, f->auto_elevate));
	deps = j_arr(c);
	for (i = 0; i < f->nmanifest_deps; i++)
		j_push(c, deps, j_str(c, f->manifest_deps[i]));
	j_put(c, o, "dependencies", deps);
	return o;
}

struct json_object *prof_json_pe2(const struct pe_info *pe,
				  const struct prof_rich_names *names, int *err)
{
	struct jctx c = { 0 };
	jobj *o;

	if (!pe || *err)
		return NULL;
	db_init(&c.tmp, CAP_PROFILE);
	o = j_obj(&c);
	j_put(&c, o, "debug", debug(&c, pe));
	j_put(&c, o, "tls_callbacks", tls(&c, pe));
	j_put(&c, o, "load_config", load_config(&c, &pe->facts));
	j_put(&c, o, "overlay", overlay(&c, pe));
	j_put(&c, o, "dotnet", dotnet(&c, &pe->facts));
	j_put(&c, o, "rich", rich(&c, &pe->facts, names));
	j_put(&c, o, "resources", resources(&c, &pe->facts));
	j_put(&c, o, "manifest", manifest(&c, &pe->facts));
	db_free(&c.tmp);
	if (c.err) {
		json_object_put(o);
		*err = c.err;
		return NULL;
	}
	return o;
}

/*
 * The parts a profile is stored as. Each part is a small record encoded
 * little-endian: fixed-size integers, strings as a u32 length (0xFFFFFFFF
 * for "none") followed by the bytes, arrays as a u32 count followed by the
 * elements. Decoding goes through the bounds-checked reader and checks
 * every count against the parser's caps and against the bytes left, so a
 * damaged blob is refused (and the part computed again), never trusted.
 *
 * Part "pe", version 7 (4: PE hashes without a certificate-entry skip when
 * NumberOfRvaAndSizes < 5; 5: a file over 64 MiB parsed whole, no longer
 * its first 8 MiB only; 6: struct pe_facts after the anomalies; 7: the
 * .NET assembly after the metadata version):
 *   u8 is_pe, str pe_note, str imphash, str rich_hash,
 *   u8 pehash, 20 bytes PE SHA-1, 32 bytes PE SHA-256, u8 has_pe_info,
 *   then when has_pe_info: the header fields of struct pe_info, sections,
 *   imports (dll, delay, functions), exports, export name, version,
 *   anomalies, then the facts (put_facts(): debug types, CodeView, TLS
 *   callbacks, load configuration, overlay, CLR header and assembly, Rich
 *   entries, resource types, manifest).
 *
 * Part "sig", version 2: the certificate table.
 *   u8 present, str problem, u32 count, then per entry
 *   u16 revision, u16 type, u32 length, the bytes; then u32 rare (the PE
 *   hashes made in a second read), and the MD5, SHA-384 and SHA-512 PE
 *   hashes whose bits it has, in that order.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "profilefs/caps.h"
#include "profilefs/profile.h"

const struct prof_part_desc prof_parts[] = {
	{ "pe", 7 },
	{ "sig", 2 },
};
const size_t prof_nparts = sizeof(prof_parts) / sizeof(prof_parts[0]);
_Static_assert(sizeof(prof_parts) / sizeof(prof_parts[0]) <= PROF_MAX_PARTS,
	       "raise PROF_MAX_PARTS");

/* ---- writing ---------------------------------------------------------- */

static void put_le(struct dynbuf *b, uint64_t v, int n)
{
	uint8_t le[8];
	int i;

	for (i = 0; i < n; i++)
		le[i] = (uint8_t)(v >> (8 * i));
	db_add(b, le, (size_t)n);
}

#define put_u8(b, v)  put_le(b, v, 1)
#define put_u16(b, v) put_le(b, v, 2)
#define put_u32(b, v) put_le(b, v, 4)
#define put_u64(b, v) put_le(b, v, 8)

static void put_str(struct dynbuf *b, const char *s)
{
	size_t n = s ? strlen(s) : 0;

	if (!s || n >= UINT32_MAX) {
		put_u32(b, UINT32_MAX);
		return;
	}
	put_u32(b, n);
	db_add(b, s, n);
}

static void put_sections(struct dynbuf *b, const struct pe_info *pe)
{
	size_t i;

	put_u32(b, pe->nsections);
	for (i = 0; i < pe->nsections; i++) {
		const struct pe_section *s = &pe->sections[i];
		uint64_t bits;

		db_add(b, s->name, 8);
		put_u32(b, s->vsize);
		put_u32(b, s->va);
		put_u32(b, s->rawsize);
		put_u32(b, s->rawptr);
		put_u32(b, s->characteristics);
		memcpy(&bits, &s->entropy, sizeof(bits));
		put_u64(b, bits);
	}
}

static void put_imports(struct dynbuf *b, const struct pe_info *pe)
{
	size_t i, k;

	put_u32(b, pe->nimports);
	for (i = 0; i < pe->nimports; i++) {
		const struct pe_import_dll *d = &pe->imports[i];

		put_str(b, d->dll);
		put_u8(b, d->delay);
		put_u32(b, d->nfuncs);
		for (k = 0; k < d->nfuncs; k++) {
			put_str(b, d->funcs[k].name);
			put_u16(b, d->funcs[k].ordinal);
			put_u16(b, d->funcs[k].hint);
		}
	}
}

static void put_double(struct dynbuf *b, double v)
{
	uint64_t bits;

	memcpy(&bits, &v, sizeof(bits));
	put_u64(b, bits);
}

static void put_resources(struct dynbuf *b, const struct pe_facts *f)
{
	size_t i, k;

	put_u32(b, f->nres_types);
	for (i = 0; i < f->nres_types; i++) {
		put_u32(b, f->res_types[i].id);
		put_u32(b, f->res_types[i].count);
		put_u32(b, f->res_types[i].nlangs);
		for (k = 0; k < f->res_types[i].nlangs; k++)
			put_u16(b, f->res_types[i].langs[k]);
	}
	put_u8(b, f->has_manifest);
	put_str(b, f->exec_level);
	put_u8(b, (uint8_t)f->ui_access);
	put_u8(b, (uint8_t)f->auto_elevate);
	put_u32(b, f->nmanifest_deps);
	for (i = 0; i < f->nmanifest_deps; i++)
		put_str(b, f->manifest_deps[i]);
}

static void put_facts(struct dynbuf *b, const struct pe_facts *f)
{
	size_t i;

	put_u32(b, f->ndebug);
	for (i = 0; i < f->ndebug; i++)
		put_u32(b, f->debug_types[i]);
	put_u8(b, f->repro);
	put_u8(b, f->has_codeview);
	put_str(b, f->pdb_path);
	db_add(b, f->pdb_guid, 16);
	put_u32(b, f->pdb_age);
	put_u8(b, f->has_ex_dllchar);
	put_u32(b, f->ex_dllchar);
	put_u8(b, f->has_tls);
	put_u32(b, f->ntls_callbacks);
	for (i = 0; i < f->ntls_callbacks; i++)
		put_u64(b, f->tls_callbacks[i]);
	put_u8(b, f->has_load_config);
	put_u32(b, f->load_config_size);
	put_u8(b, f->has_cookie);
	put_u8(b, f->has_seh);
	put_u8(b, f->has_guard_flags);
	put_u64(b, f->security_cookie);
	put_u64(b, f->seh_table);
	put_u64(b, f->seh_count);
	put_u32(b, f->guard_flags);
	put_u8(b, f->has_overlay);
	put_u64(b, f->overlay_off);
	put_u64(b, f->overlay_size);
	put_double(b, f->overlay_entropy);
	put_u64(b, f->entropy_len);
	put_u8(b, f->cert_in_overlay);
	put_u64(b, f->after_cert);
	put_u8(b, f->has_clr);
	put_u16(b, f->clr_major);
	put_u16(b, f->clr_minor);
	put_u32(b, f->clr_flags);
	put_str(b, f->metadata_version);
	put_u8(b, f->has_assembly);
	put_u32(b, f->asm_hash_alg);
	put_u32(b, f->asm_flags);
	for (i = 0; i < 4; i++)
		put_u16(b, f->asm_version[i]);
	put_str(b, f->asm_name);
	put_str(b, f->asm_culture);
	put_u8(b, (uint8_t)f->asm_key);
	db_add(b, f->asm_token, 8);
	put_u32(b, f->nrich);
	for (i = 0; i < f->nrich; i++) {
		put_u16(b, f->rich[i].product);
		put_u16(b, f->rich[i].build);
		put_u32(b, f->rich[i].count);
	}
	put_resources(b, f);
}

static void put_pe_info(struct dynbuf *b, const struct pe_info *pe)
{
	size_t i;

	put_u8(b, pe->pe32plus);
	put_u16(b, pe->machine);
	put_u16(b, pe->nsections_declared);
	put_u32(b, pe->timestamp);
	put_u16(b, pe->characteristics);
	put_u16(b, pe->subsystem);
	put_u16(b, pe->dll_characteristics);
	put_u64(b, pe->image_base);
	put_u32(b, pe->entry_point);
	put_u32(b, pe->section_alignment);
	put_u32(b, pe->file_alignment);
	put_u32(b, pe->size_of_image);
	put_u32(b, pe->size_of_headers);
	put_u32(b, pe->checksum);
	put_u32(b, pe->checksum_computed);
	put_u8(b, pe->checksum_known);
	put_u32(b, pe->ndirs);
	for (i = 0; i < PE_NDIRS; i++) {
		put_u32(b, pe->dirs[i].rva);
		put_u32(b, pe->dirs[i].size);
	}
	put_u8(b, pe->is_dotnet);
	put_sections(b, pe);
	put_imports(b, pe);
	put_u32(b, pe->nexports);
	for (i = 0; i < pe->nexports; i++) {
		put_u64(b, pe->exports[i].ordinal);
		put_str(b, pe->exports[i].name);
		put_str(b, pe->exports[i].forwarder);
		put_u32(b, pe->exports[i].rva);
	}
	put_str(b, pe->export_name);
	put_u8(b, pe->version.found);
	put_u16(b, pe->version.lang);
	put_u16(b, pe->version.codepage);
	put_u16(b, pe->version.resource_lang);
	for (i = 0; i < PE_VS_N; i++)
		put_str(b, pe->version.strings[i]);
	put_u32(b, pe->nanomalies);
	for (i = 0; i < pe->nanomalies; i++)
		put_str(b, pe->anomalies[i]);
	put_facts(b, &pe->facts);
}

/* ---- reading ---------------------------------------------------------- */

struct dec {
	struct rd r;
	size_t off;
	int err;
};

static uint64_t get_le(struct dec *d, int n)
{
	uint64_t v = 0;
	int i;

	if (d->err || !rd_has(&d->r, d->off, (size_t)n)) {
		d->err = -EINVAL;
		return 0;
	}
	for (i = 0; i < n; i++)
		v |= (uint64_t)d->r.p[d->off + (size_t)i] << (8 * i);
	d->off += (size_t)n;
	return v;
}

#define get_u8(d)  ((uint8_t)get_le(d, 1))
#define get_u16(d) ((uint16_t)get_le(d, 2))
#define get_u32(d) ((uint32_t)get_le(d, 4))
#define get_u64(d) get_le(d, 8)

/* an owned copy, or NULL for "none" (and on error, with d->err set) */
static char *get_str(struct dec *d)
{
	uint32_t n = get_u32(d);
	char *s;

	if (d->err || n == UINT32_MAX)
		return NULL;
	if (!rd_has(&d->r, d->off, n) || memchr(d->r.p + d->off, 0, n)) {
		d->err = -EINVAL;
		return NULL;
	}
	s = malloc((size_t)n + 1);
	if (!s) {
		d->err = -ENOMEM;
		return NULL;
	}
	memcpy(s, d->r.p + d->off, n);
	s[n] = '\0';
	d->off += n;
	return s;
}

/* A count of elements of at least min_size bytes each, and its array. */
static void *get_array(struct dec *d, size_t *n, size_t cap, size_t min_size,
		       size_t elem)
{
	uint32_t count = get_u32(d);
	void *arr;

	*n = 0;
	if (d->err)
		return NULL;
	if (count > cap || (size_t)count * min_size > d->r.len - d->off) {
		d->err = -EINVAL;
		return NULL;
	}
	arr = calloc(count ? count : 1, elem);
	if (!arr) {
		d->err = -ENOMEM;
		return NULL;
	}
	*n = count;
	return arr;
}

static void get_sections(struct dec *d, struct pe_info *pe)
{
	size_t i;

	pe->sections = get_array(d, &pe->nsections, CAP_PE_SECTIONS, 36,
				 sizeof(*pe->sections));
	for (i = 0; i < pe->nsections && !d->err; i++) {
		struct pe_section *s = &pe->sections[i];
		uint64_t bits;

		if (!rd_has(&d->r, d->off, 8)) {
			d->err = -EINVAL;
			break;
		}
		memcpy(s->name, d->r.p + d->off, 8);
		d->off += 8;
		s->vsize = get_u32(d);
		s->va = get_u32(d);
		s->rawsize = get_u32(d);
		s->rawptr = get_u32(d);
		s->characteristics = get_u32(d);
		bits = get_u64(d);
		memcpy(&s->entropy, &bits, sizeof(bits));
	}
}

static void get_imports(struct dec *d, struct pe_info *pe)
{
	size_t i, k;

	pe->imports = get_array(d, &pe->nimports, CAP_PE_IMPORT_DLLS, 9,
				sizeof(*pe->imports));
	for (i = 0; i < pe->nimports && !d->err; i++) {
		struct pe_import_dll *dl = &pe->imports[i];

		dl->dll = get_str(d);
		dl->delay = get_u8(d);
		if (!dl->dll && !d->err)
			d->err = -EINVAL;
		dl->funcs = get_array(d, &dl->nfuncs, CAP_PE_IMPORTS, 8,
				      sizeof(*dl->funcs));
		for (k = 0; k < dl->nfuncs && !d->err; k++) {
			dl->funcs[k].name = get_str(d);
			dl->funcs[k].ordinal = get_u16(d);
			dl->funcs[k].hint = get_u16(d);
		}
	}
}

static void get_bytes(struct dec *d, uint8_t *out, size_t n)
{
	if (d->err || !rd_has(&d->r, d->off, n)) {
		d->err = -EINVAL;
		return;
	}
	memcpy(out, d->r.p + d->off, n);
	d->off += n;
}

static void get_resources(struct dec *d, struct pe_facts *f)
{
	size_t i, k;

	f->res_types = get_array(d, &f->nres_types, CAP_PE_RES_TYPES, 12,
				 sizeof(*f->res_types));
	for (i = 0; i < f->nres_types && !d->err; i++) {
		struct pe_res_type *t = &f->res_types[i];

		t->id = get_u32(d);
		t->count = get_u32(d);
		t->nlangs = get_u32(d);
		if (t->nlangs > PE_RES_LANGS) {
			d->err = -EINVAL;
			t->nlangs = 0;
		}
		for (k = 0; k < t->nlangs; k++)
			t->langs[k] = get_u16(d);
	}
	f->has_manifest = get_u8(d);
	f->exec_level = get_str(d);
	f->ui_access = (int8_t)get_u8(d);
	f->auto_elevate = (int8_t)get_u8(d);
	f->manifest_deps =
		get_array(d, &f->nmanifest_deps, CAP_PE_MANIFEST_DEPS, 4,
			  sizeof(*f->manifest_deps));
	for (i = 0; i < f->nmanifest_deps && !d->err; i++) {
		f->manifest_deps[i] = get_str(d);
		if (!f->manifest_deps[i] && !d->err)
			d->err = -EINVAL;
	}
}

static void get_facts(struct dec *d, struct pe_facts *f)
{
	uint64_t bits;
	size_t i;

	f->debug_types = get_array(d, &f->ndebug, CAP_PE_DEBUG_ENTRIES, 4,
				   sizeof(*f->debug_types));
	for (i = 0; i < f->ndebug && !d->err; i++)
		f->debug_types[i] = get_u32(d);
	f->repro = get_u8(d);
	f->has_codeview = get_u8(d);
	f->pdb_path = get_str(d);
	get_bytes(d, f->pdb_guid, 16);
	f->pdb_age = get_u32(d);
	f->has_ex_dllchar = get_u8(d);
	f->ex_dllchar = get_u32(d);
	f->has_tls = get_u8(d);
	f->tls_callbacks =
		get_array(d, &f->ntls_callbacks, CAP_PE_TLS_CALLBACKS, 8,
			  sizeof(*f->tls_callbacks));
	for (i = 0; i < f->ntls_callbacks && !d->err; i++)
		f->tls_callbacks[i] = get_u64(d);
	f->has_load_config = get_u8(d);
	f->load_config_size = get_u32(d);
	f->has_cookie = get_u8(d);
	f->has_seh = get_u8(d);
	f->has_guard_flags = get_u8(d);
	f->security_cookie = get_u64(d);
	f->seh_table = get_u64(d);
	f->seh_count = get_u64(d);
	f->guard_flags = get_u32(d);
	f->has_overlay = get_u8(d);
	f->overlay_off = get_u64(d);
	f->overlay_size = get_u64(d);
	bits = get_u64(d);
	memcpy(&f->overlay_entropy, &bits, sizeof(bits));
	f->entropy_len = get_u64(d);
	f->cert_in_overlay = get_u8(d);
	f->after_cert = get_u64(d);
	f->has_clr = get_u8(d);
	f->clr_major = get_u16(d);
	f->clr_minor = get_u16(d);
	f->clr_flags = get_u32(d);
	f->metadata_version = get_str(d);
	f->has_assembly = get_u8(d);
	f->asm_hash_alg = get_u32(d);
	f->asm_flags = get_u32(d);
	for (i = 0; i < 4; i++)
		f->asm_version[i] = get_u16(d);
	f->asm_name = get_str(d);
	f->asm_culture = get_str(d);
	f->asm_key = (int8_t)get_u8(d);
	get_bytes(d, f->asm_token, 8);
	f->rich = get_array(d, &f->nrich, CAP_PE_RICH / 8, 8, sizeof(*f->rich));
	for (i = 0; i < f->nrich && !d->err; i++) {
		f->rich[i].product = get_u16(d);
		f->rich[i].build = get_u16(d);
		f->rich[i].count = get_u32(d);
	}
	get_resources(d, f);
}

static void get_pe_info(struct dec *d, struct pe_info *pe)
{
	size_t i;

	pe->pe32plus = get_u8(d);
	pe->machine = get_u16(d);
	pe->nsections_declared = get_u16(d);
	pe->timestamp = get_u32(d);
	pe->characteristics = get_u16(d);
	pe->subsystem = get_u16(d);
	pe->dll_characteristics = get_u16(d);
	pe->image_base = get_u64(d);
	pe->entry_point = get_u32(d);
	pe->section_alignment = get_u32(d);
	pe->file_alignment = get_u32(d);
	pe->size_of_image = get_u32(d);
	pe->size_of_headers = get_u32(d);
	pe->checksum = get_u32(d);
	pe->checksum_computed = get_u32(d);
	pe->checksum_known = get_u8(d);
	pe->ndirs = get_u32(d);
	if (pe->ndirs > PE_NDIRS)
		d->err = -EINVAL;
	for (i = 0; i < PE_NDIRS; i++) {
		pe->dirs[i].rva = get_u32(d);
		pe->dirs[i].size = get_u32(d);
	}
	pe->is_dotnet = get_u8(d);
	get_sections(d, pe);
	get_imports(d, pe);
	pe->exports = get_array(d, &pe->nexports, CAP_PE_EXPORTS, 20,
				sizeof(*pe->exports));
	for (i = 0; i < pe->nexports && !d->err; i++) {
		pe->exports[i].ordinal = get_u64(d);
		pe->exports[i].name = get_str(d);
		pe->exports[i].forwarder = get_str(d);
		pe->exports[i].rva = get_u32(d);
	}
	pe->export_name = get_str(d);
	pe->version.found = get_u8(d);
	pe->version.lang = get_u16(d);
	pe->version.codepage = get_u16(d);
	pe->version.resource_lang = get_u16(d);
	for (i = 0; i < PE_VS_N; i++)
		pe->version.strings[i] = get_str(d);
	pe->anomalies = get_array(d, &pe->nanomalies, CAP_PE_ANOMALIES, 4,
				  sizeof(*pe->anomalies));
	for (i = 0; i < pe->nanomalies && !d->err; i++) {
		pe->anomalies[i] = get_str(d);
		if (!pe->anomalies[i] && !d->err)
			d->err = -EINVAL;
	}
	get_facts(d, &pe->facts);
}

/* a fixed-size hex string, or "" */
static void get_hex(struct dec *d, char *out, size_t size)
{
	char *s = get_str(d);

	out[0] = '\0';
	if (s && strlen(s) < size)
		memcpy(out, s, strlen(s) + 1);
	else if (s)
		d->err = -EINVAL;
	free(s);
}

/* the rare PE hashes in the order they are stored */
static const int rare_md[3] = { SIG_MD_MD5, SIG_MD_SHA384, SIG_MD_SHA512 };

static int encode_sig(const struct sig_table *t, struct dynbuf *out)
{
	size_t i;

	put_u8(out, t->present != 0);
	put_str(out, t->problem);
	put_u32(out, t->n);
	for (i = 0; i < t->n; i++) {
		put_u16(out, t->entries[i].revision);
		put_u16(out, t->entries[i].type);
		put_u32(out, t->entries[i].len);
		db_add(out, t->entries[i].data, t->entries[i].len);
	}
	put_u32(out, t->rare);
	for (i = 0; i < 3; i++) {
		size_t n;
		uint8_t *h =
			sig_table_rare((struct sig_table *)t, rare_md[i], &n);

		if (t->rare & (1u << rare_md[i]))
			db_add(out, h, n);
	}
	return out->err;
}

static int decode_sig(struct prof *p, const void *data, size_t len)
{
	struct dec d = { { data, len }, 0, 0 };
	struct sig_table t = { 0 };
	uint32_t n, i;
	char *problem;

	t.present = get_u8(&d);
	problem = get_str(&d);
	if (problem && !d.err)
		d.err = sig_table_set_problem(&t, problem);
	free(problem);
	n = get_u32(&d);
	if (n > CAP_SIG_ENTRIES)
		d.err = -EINVAL;
	for (i = 0; i < n && !d.err; i++) {
		uint16_t rev = get_u16(&d), type = get_u16(&d);
		uint32_t elen = get_u32(&d);

		if (d.err || !rd_has(&d.r, d.off, elen)) {
			d.err = -EINVAL;
			break;
		}
		d.err = sig_table_add(&t, rev, type, d.r.p + d.off, elen);
		d.off += elen;
	}
	t.rare = get_u32(&d);
	for (i = 0; i < 3 && !d.err; i++) {
		size_t hn;
		uint8_t *h = sig_table_rare(&t, rare_md[i], &hn);

		if (t.rare & (1u << rare_md[i]))
			get_bytes(&d, h, hn);
	}
	if (t.rare & ~((1u << SIG_MD_MD5) | (1u << SIG_MD_SHA384) |
		       (1u << SIG_MD_SHA512)))
		d.err = -EINVAL;
	if (!d.err && d.off != len)
		d.err = -EINVAL;
	if (d.err) {
		sig_table_clear(&t);
		return d.err;
	}
	sig_table_clear(&p->sig);
	p->sig = t;
	return 0;
}

int prof_encode_part(const struct prof *p, const char *name, struct dynbuf *out)
{
	if (strcmp(name, "sig") == 0)
		return encode_sig(&p->sig, out);
	if (strcmp(name, "pe") != 0)
		return -ENOENT;
	put_u8(out, p->is_pe != 0);
	put_str(out, p->pe_note);
	put_str(out, p->imphash);
	put_str(out, p->rich_hash);
	put_u8(out, p->dg.pehash != 0);
	db_add(out, p->dg.pesha1, sizeof(p->dg.pesha1));
	db_add(out, p->dg.pe256, sizeof(p->dg.pe256));
	put_u8(out, p->pe != NULL);
	if (p->pe)
		put_pe_info(out, p->pe);
	return out->err;
}

int prof_decode_part(struct prof *p, const char *name, const void *data,
		     size_t len)
{
	struct dec d = { { data, len }, 0, 0 };
	struct pe_info *pe = NULL;
	char imphash[33], rich[33];
	uint8_t is_pe, pehash, pesha1[20], pe256[32];
	char *note;

	if (strcmp(name, "sig") == 0)
		return decode_sig(p, data, len);
	if (strcmp(name, "pe") != 0)
		return -ENOENT;
	is_pe = get_u8(&d);
	note = get_str(&d);
	get_hex(&d, imphash, sizeof(imphash));
	get_hex(&d, rich, sizeof(rich));
	pehash = get_u8(&d);
	get_bytes(&d, pesha1, sizeof(pesha1));
	get_bytes(&d, pe256, sizeof(pe256));
	if (get_u8(&d) && !d.err) {
		pe = calloc(1, sizeof(*pe));
		if (!pe)
			d.err = -ENOMEM;
		else
			get_pe_info(&d, pe);
	}
	if (!d.err && d.off != len)
		d.err = -EINVAL;
	if (d.err) {
		free(note);
		pe_free(pe);
		return d.err;
	}
	p->is_pe = is_pe;
	free(p->pe_note);
	p->pe_note = note;
	pe_free(p->pe);
	p->pe = pe;
	memcpy(p->imphash, imphash, sizeof(imphash));
	p->dg.pehash = pehash;
	memcpy(p->dg.pesha1, pesha1, sizeof(pesha1));
	memcpy(p->dg.pe256, pe256, sizeof(pe256));
	memcpy(p->rich_hash, rich, sizeof(rich));
	return 0;
}

/*
 * The Markdown sections of struct pe_facts (docs/profile-format.md,
 * "Debug" to "Rich Header"): what an analyst reaches for after the
 * hashes. render.c calls prof_render_pe2() after the PE sections of its
 * own; each section with nothing to say writes nothing.
 */
#include <stdio.h>
#include <string.h>

#include "pe2_i.h"

const struct prof_flag_name prof_guard_flags[] = {
	{ 0x00000100, "CF Instrumented", "cf_instrumented" },
	{ 0x00000200, "CFW Instrumented", "cfw_instrumented" },
	{ 0x00000400, "CF Function Table", "cf_function_table" },
	{ 0x00000800, "Security Cookie Unused", "security_cookie_unused" },
	{ 0x00001000, "Protect Delay-Load IAT", "protect_delayload_iat" },
	{ 0x00002000, "Delay-Load IAT in Its Own Section",
	  "delayload_iat_own_section" },
	{ 0x00004000, "CF Export Suppression Info",
	  "cf_export_suppression_info" },
	{ 0x00008000, "CF Export Suppression", "cf_export_suppression" },
	{ 0x00010000, "CF Longjump Table", "cf_longjump_table" },
	{ 0x00020000, "RF Instrumented", "rf_instrumented" },
	{ 0x00040000, "RF Enable", "rf_enable" },
	{ 0x00080000, "RF Strict", "rf_strict" },
	{ 0x00100000, "Retpoline", "retpoline" },
	{ 0x00400000, "EH Continuation Table", "eh_continuation_table" },
	{ 0x00800000, "XFG", "xfg" },
};
const size_t prof_nguard_flags =
	sizeof(prof_guard_flags) / sizeof(prof_guard_flags[0]);

const struct prof_flag_name prof_clr_flags[] = {
	{ 0x00000001, "IL Only", "il_only" },
	{ 0x00000002, "32-bit Required", "32bit_required" },
	{ 0x00000004, "IL Library", "il_library" },
	{ 0x00000008, "Strong-Name Signed", "strong_name_signed" },
	{ 0x00000010, "Native Entry Point", "native_entry_point" },
	{ 0x00010000, "Track Debug Data", "track_debug_data" },
	{ 0x00020000, "32-bit Preferred", "32bit_preferred" },
};
const size_t prof_nclr_flags =
	sizeof(prof_clr_flags) / sizeof(prof_clr_flags[0]);

/* "0xVALUE (Name, Name)" */
static void flags(struct dynbuf *b, uint32_t v, const struct prof_flag_name *t,
		  size_t n)
{
	const char *sep = " (";
	size_t i;

	db_printf(b, "0x%08X", v);
	for (i = 0; i < n; i++) {
		if (v & t[i].bit) {
			db_printf(b, "%s%s", sep, t[i].name);
			sep = ", ";
		}
	}
	if (sep[0] == ',')
		db_addc(b, ')');
}

static void sec_debug(struct dynbuf *b, const struct pe_info *pe)
{
	const struct pe_facts *f = &pe->facts;
	char guid[PE_GUID_LEN], key[64];
	const char *name;
	size_t i;

	if (!f->ndebug)
		return;
	db_adds(b, "\n## Debug\n\n* Debug Entries: ");
	for (i = 0; i < f->ndebug; i++) {
		name = pe_debug_type_name(f->debug_types[i]);
		if (name)
			db_printf(b, "%s%s", i ? ", " : "", name);
		else
			db_printf(b, "%s%u", i ? ", " : "", f->debug_types[i]);
	}
	db_addc(b, '\n');
	if (f->has_codeview) {
		db_adds(b, "* PDB Path: ");
		md_code(b, f->pdb_path ? f->pdb_path : "",
			f->pdb_path ? strlen(f->pdb_path) : 0, MD_TEXT);
		pe_guid_str(f->pdb_guid, 1, guid);
		db_printf(b, "\n* PDB GUID: %s\n* PDB Age: %u\n", guid,
			  f->pdb_age);
		pe_guid_str(f->pdb_guid, 0, guid);
		snprintf(key, sizeof(key), "%s%X", guid, f->pdb_age);
		db_printf(b, "* PDB Symbol Server Key: `%s`\n", key);
	}
	snprintf(key, sizeof(key), "%08X%x", pe->timestamp, pe->size_of_image);
	db_printf(b, "* Binary Symbol Server Key: `%s`\n", key);
	if (f->repro)
		db_adds(b, "* Reproducible Build: yes (the link timestamp is "
			   "a hash of the build, not a time)\n");
}

static void sec_tls(struct dynbuf *b, const struct pe_info *pe)
{
	const struct pe_facts *f = &pe->facts;
	int w = pe->pe32plus ? 16 : 8;
	size_t i;

	if (!f->has_tls)
		return;
	db_printf(b, "\n## TLS Callbacks\n\n* Callbacks: %zu\n",
		  f->ntls_callbacks);
	if (!f->ntls_callbacks)
		return;
	db_adds(b, "\nVirtual Address | RVA\n-- | --\n");
	for (i = 0; i < f->ntls_callbacks; i++) {
		uint64_t va = f->tls_callbacks[i];

		db_printf(b, "0x%0*llX | 0x%08llX\n", w, (unsigned long long)va,
			  (unsigned long long)(va - pe->image_base));
	}
}

static void sec_load_config(struct dynbuf *b, const struct pe_info *pe)
{
	const struct pe_facts *f = &pe->facts;

	if (!f->has_load_config && !f->has_ex_dllchar)
		return;
	db_adds(b, "\n## Load Configuration\n\n");
	if (f->has_load_config)
		db_printf(b, "* Size: %u\n", f->load_config_size);
	if (f->has_cookie)
		db_printf(b, "* Security Cookie: 0x%0*llX\n",
			  pe->pe32plus ? 16 : 8,
			  (unsigned long long)f->security_cookie);
	if (f->has_seh && f->seh_table)
		db_printf(b, "* SafeSEH Table: yes (%llu handlers)\n",
			  (unsigned long long)f->seh_count);
	else if (f->has_load_config && !pe->pe32plus)
		db_adds(b, "* SafeSEH Table: no\n");
	if (f->has_guard_flags) {
		db_adds(b, "* Guard Flags: ");
		flags(b, f->guard_flags, prof_guard_flags, prof_nguard_flags);
		db_addc(b, '\n');
	}
	db_printf(b, "* CET Shadow Stack Compatible: %s\n",
		  f->has_ex_dllchar && (f->ex_dllchar & PROF_EX_CET_COMPAT)
			  ? "yes"
			  : "no");
}

static void sec_overlay(struct dynbuf *b, const struct pe_info *pe)
{
	const struct pe_facts *f = &pe->facts;

	if (!f->has_overlay)
		return;
	db_printf(b, "\n## Overlay\n\n* Offset: 0x%llX\n* Size: %llu bytes\n",
		  (unsigned long long)f->overlay_off,
		  (unsigned long long)f->overlay_size);
	if (f->overlay_entropy < 0)
		db_adds(b, "* Entropy: n/a\n");
	else if (f->entropy_len < f->overlay_size)
		db_printf(b, "* Entropy: %.2f (of its first %llu bytes)\n",
			  f->overlay_entropy,
			  (unsigned long long)f->entropy_len);
	else
		db_printf(b, "* Entropy: %.2f\n", f->overlay_entropy);
	if (!f->cert_in_overlay)
		return;
	db_printf(b, "* Certificate Table: 0x%X (%u bytes)\n",
		  pe->dirs[PE_DIR_SECURITY].rva,
		  pe->dirs[PE_DIR_SECURITY].size);
	if (f->after_cert)
		db_printf(b,
			  "* Data After the Certificate Table: %llu bytes "
			  "(outside the signed bytes: a known place to "
			  "hide data in a signed file)\n",
			  (unsigned long long)f->after_cert);
}

/* the Assembly row as .NET names an assembly: an empty culture is
 * "neutral", no public key a "null" token */
static void assembly(struct dynbuf *b, const struct pe_facts *f)
{
	const char *c = f->asm_culture ? f->asm_culture : "";
	int i;

	db_adds(b, "* Assembly Name: ");
	md_code(b, f->asm_name ? f->asm_name : "",
		f->asm_name ? strlen(f->asm_name) : 0, MD_TEXT);
	db_printf(b, "\n* Assembly Version: %u.%u.%u.%u\n* Culture: ",
		  f->asm_version[0], f->asm_version[1], f->asm_version[2],
		  f->asm_version[3]);
	if (*c)
		md_code(b, c, strlen(c), MD_TEXT);
	else
		db_adds(b, "neutral");
	db_adds(b, "\n* Public Key Token: ");
	if (f->asm_key == 1)
		for (i = 0; i < 8; i++)
			db_printf(b, "%02x", f->asm_token[i]);
	else
		db_adds(b, f->asm_key ? "unreadable (see Anomalies)" : "null");
	db_addc(b, '\n');
}

static void sec_dotnet(struct dynbuf *b, const struct pe_info *pe)
{
	const struct pe_facts *f = &pe->facts;

	if (!f->has_clr)
		return;
	db_printf(b, "\n## .NET\n\n* Runtime Version: %u.%u\n* Flags: ",
		  f->clr_major, f->clr_minor);
	flags(b, f->clr_flags, prof_clr_flags, prof_nclr_flags);
	db_addc(b, '\n');
	if (f->metadata_version) {
		db_adds(b, "* Metadata Version: ");
		md_code(b, f->metadata_version, strlen(f->metadata_version),
			MD_TEXT);
		db_addc(b, '\n');
	}
	if (f->has_assembly)
		assembly(b, f);
}

/* each entry's tool, named by the user's table (--rich-names) or
 * "unknown" */
static void sec_rich(struct dynbuf *b, const struct pe_info *pe,
		     const struct prof_rich_names *names)
{
	const struct pe_facts *f = &pe->facts;
	size_t i;

	if (!f->nrich)
		return;
	db_adds(b, "\n## Rich Header\n\nProduct ID | Build | Count | Product\n"
		   "-- | -- | -- | --\n");
	for (i = 0; i < f->nrich; i++) {
		const char *name = prof_rich_name(names, f->rich[i].product,
						  f->rich[i].build);

		db_printf(b, "%u | %u | %u | ", f->rich[i].product,
			  f->rich[i].build, f->rich[i].count);
		if (name)
			md_text(b, name, strlen(name), MD_CELL);
		else
			db_adds(b, "unknown");
		db_addc(b, '\n');
	}
}

static void res_type(struct dynbuf *b, uint32_t id)
{
	const char *name = pe_res_type_name(id);

	if (id == PE_RES_NAMED)
		db_adds(b, "(named)");
	else if (name)
		db_printf(b, "%s (%u)", name, id);
	else
		db_printf(b, "%u", id);
}

static void sec_resources(struct dynbuf *b, const struct pe_info *pe)
{
	const struct pe_facts *f = &pe->facts;
	const char *lang;
	size_t i, k;

	if (!f->nres_types)
		return;
	db_adds(b,
		"\n## Resources\n\nType | Count | Languages\n-- | -- | --\n");
	for (i = 0; i < f->nres_types; i++) {
		const struct pe_res_type *t = &f->res_types[i];

		res_type(b, t->id);
		db_printf(b, " | %u | ", t->count);
		for (k = 0; k < t->nlangs; k++) {
			lang = pe_lang_name(t->langs[k]);
			if (k)
				db_adds(b, ", ");
			if (lang)
				db_printf(b, "%s (0x%04X)", lang, t->langs[k]);
			else
				db_printf(b, "0x%04X", t->langs[k]);
		}
		db_addc(b, '\n');
	}
}

static const char *tri(int v)
{
	return v < 0 ? "not set" : v ? "true" : "false";
}

static void sec_manifest(struct dynbuf *b, const struct pe_info *pe)
{
	const struct pe_facts *f = &pe->facts;
	size_t i;

	if (!f->has_manifest)
		return;
	db_adds(b, "\n## Manifest\n\n* Requested Execution Level: ");
	if (f->exec_level)
		md_code(b, f->exec_level, strlen(f->exec_level), MD_TEXT);
	else
		db_adds(b, "not set");
	db_printf(b, "\n* UI Access: %s\n* Auto Elevate: %s\n",
		  tri(f->ui_access), tri(f->auto_elevate));
	for (i = 0; i < f->nmanifest_deps; i++) {
		db_adds(b, "* Dependency: ");
		md_code(b, f->manifest_deps[i], strlen(f->manifest_deps[i]),
			MD_TEXT);
		db_addc(b, '\n');
	}
}

void prof_render_pe2(struct dynbuf *b, const struct pe_info *pe,
		     const struct prof_rich_names *names)
{
	if (!pe)
		return;
	sec_debug(b, pe);
	sec_tls(b, pe);
	sec_load_config(b, pe);
	sec_overlay(b, pe);
	sec_dotnet(b, pe);
	sec_rich(b, pe, names);
	sec_resources(b, pe);
	sec_manifest(b, pe);
}

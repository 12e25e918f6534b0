/*
 * The Markdown profile. Each section of the format has one function here,
 * called in the format's order; a section with nothing to say writes
 * nothing. Every value taken from a file passes through md_text() or
 * md_code(). docs/profile-format.md describes the result.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "pe2_i.h"
#include "profilefs/profile.h"

struct view {
	const struct prof *p;
	const struct pe_info *pe;     /* NULL when not a PE image */
	const struct pe_version *ver; /* the strings used, or NULL */
	const char *ver_from;	      /* relpath of the .mui they came from */
	const char *name;	      /* final path component */
	const struct prof_view *pv;
};

static void text(struct dynbuf *b, const char *s)
{
	if (s)
		md_text(b, s, strlen(s), MD_TEXT);
}

static void text_cell(struct dynbuf *b, const char *s)
{
	md_text(b, s, strlen(s), MD_CELL);
}

static void code(struct dynbuf *b, const char *s, enum md_ctx ctx)
{
	md_code(b, s, strlen(s), ctx);
}

static const char *vs(const struct view *v, enum pe_vs_key k)
{
	return v->ver ? v->ver->strings[k] : NULL;
}

/* "* Label: value\n", value escaped (empty when NULL) */
static void bullet(struct dynbuf *b, const char *label, const char *value)
{
	db_printf(b, "* %s: ", label);
	text(b, value);
	db_addc(b, '\n');
}

/* YAML that parses whatever the name: every value double-quoted */
static void sec_front(struct dynbuf *b, const struct view *v)
{
	const char *desc = vs(v, PE_VS_FILE_DESCRIPTION);

	db_adds(b, "---\ntitle: \"");
	md_yaml(b, v->name, strlen(v->name));
	if (desc && *desc) {
		db_adds(b, " | ");
		md_yaml(b, desc, strlen(desc));
	}
	db_adds(b, "\"\nexcerpt: \"What is ");
	md_yaml(b, v->name, strlen(v->name));
	db_adds(b, "?\"\n---\n\n");
}

static void sec_title(struct dynbuf *b, const struct view *v)
{
	struct dynbuf path;
	size_t i;

	db_adds(b, "# ");
	text(b, v->name);
	db_adds(b, "\n\n* File Path: ");
	db_init(&path, CAP_PROFILE);
	winpath(&path, v->pv->drive, v->pv->relpath);
	if (path.err)
		b->err = path.err;
	else
		md_code(b, path.data, path.len, MD_TEXT);
	db_free(&path);
	db_addc(b, '\n');
	bullet(b, "Description", vs(v, PE_VS_FILE_DESCRIPTION));
	/* what is wrong with the file, first thing a reader sees */
	if (v->p->pe_note)
		bullet(b, "Note", v->p->pe_note);
	for (i = 0; i < v->p->nnotes; i++)
		bullet(b, "Note", v->p->notes[i]);
}

static void hash_row(struct dynbuf *b, const char *type, const uint8_t *d,
		     size_t n)
{
	char hex[2 * 64 + 1];

	dg_hex(d, n, hex, 1);
	db_printf(b, "%s | `%s`\n", type, hex);
}

/* an uppercase copy of a lowercase hex string */
static void upper_row(struct dynbuf *b, const char *type, const char *hex)
{
	char up[65];
	size_t i;

	for (i = 0; hex[i] && i < sizeof(up) - 1; i++)
		up[i] = (char)(hex[i] >= 'a' && hex[i] <= 'f' ? hex[i] - 32
							      : hex[i]);
	up[i] = '\0';
	db_printf(b, "%s | `%s`\n", type, up);
}

static void sec_hashes(struct dynbuf *b, const struct view *v)
{
	const struct dg_result *dg = &v->p->dg;

	if (!v->p->hashed)
		return;
	db_adds(b, "\n## Hashes\n\nType | Hash\n-- | --\n");
	hash_row(b, "MD5", dg->md5, sizeof(dg->md5));
	hash_row(b, "SHA1", dg->sha1, sizeof(dg->sha1));
	hash_row(b, "SHA256", dg->sha256, sizeof(dg->sha256));
	hash_row(b, "SHA384", dg->sha384, sizeof(dg->sha384));
	hash_row(b, "SHA512", dg->sha512, sizeof(dg->sha512));
	db_adds(b, "SSDEEP | ");
	code(b, dg->ssdeep, MD_CELL);
	db_addc(b, '\n');
	if (v->pe && v->p->imphash[0])
		upper_row(b, "IMP", v->p->imphash);
	if (v->pe && dg->pehash) {
		hash_row(b, "PESHA1", dg->pesha1, sizeof(dg->pesha1));
		hash_row(b, "PE256", dg->pe256, sizeof(dg->pe256));
	}
}

static void sec_exports(struct dynbuf *b, const struct view *v)
{
	size_t i;

	if (!v->pe || !v->pe->nexports)
		return;
	db_adds(b, "\n## DLL Exports:\n\nFunction Name | Ordinal | Type\n"
		   "-- | -- | --\n");
	for (i = 0; i < v->pe->nexports; i++) {
		const struct pe_export *e = &v->pe->exports[i];
		char ord[32];

		if (e->name) {
			code(b, e->name, MD_CELL);
		} else {
			snprintf(ord, sizeof(ord), "Ordinal%llu",
				 (unsigned long long)e->ordinal);
			code(b, ord, MD_CELL);
		}
		db_printf(b, " | %llu | ", (unsigned long long)e->ordinal);
		if (e->forwarder) {
			/* a symbol name: shown as it is, in a code span */
			db_adds(b, "Forwarded to ");
			code(b, e->forwarder, MD_CELL);
		} else {
			db_adds(b, "Exported Function");
		}
		db_addc(b, '\n');
	}
}

/* worded in render_sig.c */
static void sec_signature(struct dynbuf *b, const struct view *v)
{
	if (v->pv->sig && v->p->is_pe)
		prof_render_signature(b, v->pv->sig);
}

static void unknown_hex(struct dynbuf *b, const char *label, unsigned v)
{
	db_printf(b, "* %s: Unknown (0x%04X)\n", label, v);
}

static void sec_metadata(struct dynbuf *b, const struct view *v)
{
	const char *name;

	if (!v->pe)
		return;
	db_adds(b, "\n## File Metadata\n\n");
	bullet(b, "Original Filename", vs(v, PE_VS_ORIGINAL_FILENAME));
	bullet(b, "Product Name", vs(v, PE_VS_PRODUCT_NAME));
	bullet(b, "Company Name", vs(v, PE_VS_COMPANY_NAME));
	bullet(b, "File Version", vs(v, PE_VS_FILE_VERSION));
	bullet(b, "Product Version", vs(v, PE_VS_PRODUCT_VERSION));
	name = v->ver ? pe_lang_name(v->ver->lang) : "";
	if (name)
		bullet(b, "Language", name);
	else
		unknown_hex(b, "Language", v->ver->lang);
	bullet(b, "Legal Copyright", vs(v, PE_VS_LEGAL_COPYRIGHT));
	name = pe_machine_name(v->pe->machine);
	if (name)
		bullet(b, "Machine Type", name);
	else
		unknown_hex(b, "Machine Type", v->pe->machine);
}

static void sec_scan(struct dynbuf *b, const struct view *v)
{
	char hex[65];

	if (!v->p->hashed)
		return;
	dg_hex(v->p->dg.sha256, sizeof(v->p->dg.sha256), hex, 0);
	db_printf(b,
		  "\n## File Scan\n\n"
		  "* VirusTotal Link: "
		  "https://www.virustotal.com/gui/file/%s/detection/\n",
		  hex);
}

static void sec_misuse(struct dynbuf *b, const struct view *v)
{
	const struct prof_misuse *m = v->pv->misuse;
	size_t i;

	if (!m || m->n == 0)
		return;
	db_adds(b, "\n## Possible Misuse\n\n*The following table lists lines "
		   "of the indexed rule repositories that mention ");
	code(b, v->name, MD_TEXT);
	db_adds(b, ". A mention is not a verdict: ");
	code(b, v->name, MD_TEXT);
	db_adds(b, " is not malicious in itself, but its legitimate functions "
		   "can be abused, and the rules that detect or show such "
		   "abuse name it.*\n\nSource | Source File | Example | "
		   "License\n-- | -- | -- | --\n");
	for (i = 0; i < m->n; i++) {
		const struct prof_misuse_row *r = &m->rows[i];

		if (r->source_url)
			md_link(b, r->source, r->source_url, MD_CELL);
		else /* it starts the row: a block there would end the table */
			md_text(b, r->source, strlen(r->source), MD_ROW);
		db_adds(b, " | ");
		md_link(b, r->file, r->file_link, MD_CELL);
		if (r->matched) {
			/* a renamed copy: the line names its original */
			db_adds(b, " (matches the original name ");
			code(b, r->matched, MD_CELL);
			db_addc(b, ')');
		}
		db_adds(b, " | ");
		code(b, r->text, MD_CELL);
		db_adds(b, " | ");
		if (r->license && r->license_url)
			md_link(b, r->license, r->license_url, MD_CELL);
		else if (r->license)
			text_cell(b, r->license);
		db_addc(b, '\n');
	}
	if (!m->more)
		return;
	/* "*N more rows in M files are not shown: A rows in B files of
	 * sigma, ...*" (the JSON lists them) */
	db_printf(b, "\n*%zu more rows in %zu files are not shown", m->more,
		  m->more_files);
	for (i = 0; i < m->nwhere; i++) {
		db_printf(b, "%s%zu rows in %zu files of ", i ? ", " : ": ",
			  m->where[i].n, m->where[i].files);
		text(b, m->where[i].source);
	}
	db_adds(b, ".*\n");
}

/* ---- sections of ours --------------------------------------------- */

/* "0xVALUE (Name, Name)" */
static void flags(struct dynbuf *b, uint32_t value, int width,
		  const struct prof_flag_name *names, size_t n)
{
	const char *sep = " (";
	size_t i;

	db_printf(b, "0x%0*X", width, value);
	for (i = 0; i < n; i++) {
		if (value & names[i].bit) {
			db_printf(b, "%s%s", sep, names[i].name);
			sep = ", ";
		}
	}
	if (sep[0] == ',')
		db_addc(b, ')');
}

static void yes_no(struct dynbuf *b, const char *label, int yes)
{
	db_printf(b, "* %s: %s\n", label, yes ? "yes" : "no");
}

static void header_time(struct dynbuf *b, uint32_t ts, int repro)
{
	time_t t = (time_t)ts;
	struct tm tm;
	char when[32];

	if (repro) {
		/* a reproducible build's: no date to show */
		db_printf(b,
			  "* Link Timestamp: 0x%08X (a hash of the build, "
			  "not a time: reproducible build)\n",
			  ts);
		return;
	}
	if (ts == 0) {
		db_adds(b, "* Link Timestamp: 0 (not set)\n");
		return;
	}
	gmtime_r(&t, &tm);
	strftime(when, sizeof(when), "%Y-%m-%d %H:%M:%S UTC", &tm);
	db_printf(b, "* Link Timestamp: %s (0x%08X)\n", when, ts);
}

static void header_checksum(struct dynbuf *b, const struct pe_info *pe)
{
	db_printf(b, "* Header Checksum: 0x%08X", pe->checksum);
	if (!pe->checksum_known)
		db_adds(b, " (not checked: the file was not read whole)\n");
	else if (pe->checksum == 0)
		db_adds(b, " (not set)\n");
	else if (pe->checksum == pe->checksum_computed)
		db_adds(b, " (correct)\n");
	else
		db_printf(b, " (wrong: the file sums to 0x%08X)\n",
			  pe->checksum_computed);
}

static void sec_header(struct dynbuf *b, const struct view *v)
{
	const struct pe_info *pe = v->pe;
	const struct prof_name *sub;

	if (!pe)
		return;
	db_printf(b, "\n## PE Header\n\n* Format: %s\n",
		  pe->pe32plus ? "PE32+" : "PE32");
	header_time(b, pe->timestamp, pe->facts.repro);
	sub = prof_subsystem(pe->subsystem);
	if (sub)
		db_printf(b, "* Subsystem: %s (%u)\n", sub->name,
			  pe->subsystem);
	else
		unknown_hex(b, "Subsystem", pe->subsystem);
	db_printf(b, "* Image Base: 0x%0*llX\n", pe->pe32plus ? 16 : 8,
		  (unsigned long long)pe->image_base);
	db_printf(b, "* Entry Point: 0x%08X\n", pe->entry_point);
	db_adds(b, "* Characteristics: ");
	flags(b, pe->characteristics, 4, prof_file_flags, prof_nfile_flags);
	db_addc(b, '\n');
	yes_no(b, "ASLR", pe->dll_characteristics & 0x0040);
	yes_no(b, "High Entropy VA", pe->dll_characteristics & 0x0020);
	yes_no(b, "DEP", pe->dll_characteristics & 0x0100);
	yes_no(b, "CFG", pe->dll_characteristics & 0x4000);
	header_checksum(b, pe);
	yes_no(b, ".NET", pe->is_dotnet);
	if (v->p->rich_hash[0]) {
		db_adds(b, "* Rich Header Hash: ");
		code(b, v->p->rich_hash, MD_TEXT);
		db_addc(b, '\n');
	}
	if (pe->export_name)
		bullet(b, "Export Name", pe->export_name);
	if (v->ver_from) {
		struct dynbuf path;

		db_adds(b, "* Version Resource From: ");
		db_init(&path, CAP_PROFILE);
		winpath(&path, v->pv->drive, v->ver_from);
		md_code(b, path.data ? path.data : "", path.len, MD_TEXT);
		db_free(&path);
		db_addc(b, '\n');
	}
}

static void sec_sections(struct dynbuf *b, const struct view *v)
{
	size_t i;

	if (!v->pe || !v->pe->nsections)
		return;
	db_adds(b, "\n## Sections\n\nName | Virtual Address | Virtual Size | "
		   "Raw Size | Entropy | Characteristics\n"
		   "-- | -- | -- | -- | -- | --\n");
	for (i = 0; i < v->pe->nsections; i++) {
		const struct pe_section *s = &v->pe->sections[i];

		md_code(b, s->name, strnlen(s->name, 8), MD_CELL);
		db_printf(b, " | 0x%08X | 0x%08X | 0x%08X | ", s->va, s->vsize,
			  s->rawsize);
		if (s->entropy < 0)
			db_adds(b, "n/a | ");
		else
			db_printf(b, "%.2f | ", s->entropy);
		flags(b, s->characteristics, 8, prof_scn_flags,
		      prof_nscn_flags);
		db_addc(b, '\n');
	}
}

static void sec_imports(struct dynbuf *b, const struct view *v)
{
	size_t i, k;

	if (!v->pe || !v->pe->nimports)
		return;
	db_adds(b, "\n## Imports\n\nDLL | Function | Type\n-- | -- | --\n");
	for (i = 0; i < v->pe->nimports; i++) {
		const struct pe_import_dll *d = &v->pe->imports[i];
		const char *kind = d->delay ? "Delay-Load Import" : "Import";

		for (k = 0; k < d->nfuncs; k++) {
			const struct pe_import_func *f = &d->funcs[k];
			const char *name = f->name;
			char ord[24];

			code(b, d->dll, MD_CELL);
			db_adds(b, " | ");
			if (!name)
				name = pe_ordinal_name(d->dll, f->ordinal);
			if (!name) {
				snprintf(ord, sizeof(ord), "Ordinal%u",
					 f->ordinal);
				name = ord;
			}
			code(b, name, MD_CELL);
			if (f->name)
				db_printf(b, " | %s\n", kind);
			else
				db_printf(b, " | %s by Ordinal %u\n", kind,
					  f->ordinal);
		}
	}
}

static void sec_anomalies(struct dynbuf *b, const struct view *v)
{
	size_t i;

	if (!v->pe || !v->pe->nanomalies)
		return;
	db_adds(b, "\n## Anomalies\n\n");
	for (i = 0; i < v->pe->nanomalies; i++) {
		db_adds(b, "* ");
		md_text(b, v->pe->anomalies[i], strlen(v->pe->anomalies[i]),
			MD_START);
		db_addc(b, '\n');
	}
}

int prof_render(const struct prof *p, const struct prof_view *pv, char **out,
		size_t *len)
{
	struct view v = { p, p->pe, NULL, NULL, path_base(pv->relpath), pv };
	struct dynbuf b;
	int rc;

	v.ver = prof_version_of(p, pv, &v.ver_from);
	db_init(&b, CAP_PROFILE);
	sec_front(&b, &v);
	sec_title(&b, &v);
	sec_hashes(&b, &v);
	sec_exports(&b, &v);
	sec_signature(&b, &v);
	sec_metadata(&b, &v);
	sec_scan(&b, &v);
	sec_misuse(&b, &v);
	prof_render_known(&b, pv);
	prof_render_ntfs(&b, p, pv);
	sec_header(&b, &v);
	sec_sections(&b, &v);
	sec_imports(&b, &v);
	prof_render_pe2(&b, p->pe, pv->rich_names);
	sec_anomalies(&b, &v);
	rc = db_take(&b, out, len);
	if (rc)
		db_free(&b);
	return rc;
}

/*
 * The facts an analyst reaches for after the hashes (struct pe_facts):
 * the debug directory (CodeView RSDS, REPRO, the extended DLL
 * characteristics), the TLS callbacks, the load configuration's guard
 * flags, the overlay, the CLR header (the assembly: dotnet.c) and the
 * Rich header's entries. Each reader is bounded by caps.h and records
 * what it cannot read as an anomaly; every read goes through the RVA
 * translation of ctx.c or the bounds-checked reads of src.c.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pe_i.h"

enum {
	/* an IMAGE_DEBUG_DIRECTORY entry */
	DBG_SIZE = 28,
	DBG_TYPE = 12,
	DBG_SIZE_OF_DATA = 16,
	DBG_POINTER = 24,
	/* CV_INFO_PDB70: "RSDS", GUID, age, then the path */
	CV_RSDS = 0x53445352,
	CV_GUID = 4,
	CV_AGE = 20,
	CV_PATH = 24,
	/* IMAGE_COR20_HEADER */
	CLR_MAJOR = 4,
	CLR_MINOR = 6,
	CLR_METADATA = 8,
	CLR_FLAGS = 16,
	CLR_SIZE = 20,
	/* the metadata root: "BSJB", versions, reserved, length, version */
	MD_BSJB = 0x424a5342,
	MD_LENGTH = 12,
	MD_VERSION = 16,
};

const char *pe_debug_type_name(uint32_t type)
{
	static const char *const names[] = {
		"UNKNOWN",    "COFF",	     "CODEVIEW",
		"FPO",	      "MISC",	     "EXCEPTION",
		"FIXUP",      "OMAP_TO_SRC", "OMAP_FROM_SRC",
		"BORLAND",    "RESERVED10",  "CLSID",
		"VC_FEATURE", "POGO",	     "ILTCG",
		"MPX",	      "REPRO",	     NULL,
		NULL,	      NULL,	     "EX_DLLCHARACTERISTICS",
	};

	return type < sizeof(names) / sizeof(names[0]) ? names[type] : NULL;
}

void pe_guid_str(const uint8_t g[16], int dashes, char out[PE_GUID_LEN])
{
	const char *d = dashes ? "-" : "";
	unsigned long d1 = (unsigned long)g[0] | (unsigned long)g[1] << 8 |
			   (unsigned long)g[2] << 16 |
			   (unsigned long)g[3] << 24;

	snprintf(out, PE_GUID_LEN,
		 "%08lX%s%04X%s%04X%s%02X%02X%s%02X%02X%02X%02X%02X%02X", d1, d,
		 (unsigned)(g[4] | g[5] << 8), d, (unsigned)(g[6] | g[7] << 8),
		 d, g[8], g[9], d, g[10], g[11], g[12], g[13], g[14], g[15]);
}

static int dir_present(const struct pe_info *pe, int i)
{
	return pe->ndirs > (uint32_t)i && pe->dirs[i].rva != 0;
}

/* the bytes from file offset off, at most n of them, that the file holds */
static size_t in_file(const struct pe_ctx *c, uint64_t off, uint64_t n)
{
	if (off >= c->len)
		return 0;
	return (size_t)(n < c->len - off ? n : c->len - off);
}

static void read_codeview(struct pe_ctx *c, uint32_t ptr, uint32_t size)
{
	struct pe_facts *f = &c->pe->facts;
	uint8_t head[CV_PATH];
	uint32_t sig = 0;
	size_t avail = in_file(c, ptr, size), n;
	int term;

	if (avail < 4 || pe_u32(c->s, ptr, &sig) || sig != CV_RSDS)
		return; /* NB10 and others: not read */
	if (f->has_codeview)
		return; /* the first RSDS record is the one that counts */
	if (avail < CV_PATH || pe_read(c->s, ptr, CV_PATH, head)) {
		pe_anomaly(c, "The CodeView record at 0x%X is truncated.", ptr);
		return;
	}
	memcpy(f->pdb_guid, head + CV_GUID, 16);
	f->pdb_age = (uint32_t)head[CV_AGE] | (uint32_t)head[CV_AGE + 1] << 8 |
		     (uint32_t)head[CV_AGE + 2] << 16 |
		     (uint32_t)head[CV_AGE + 3] << 24;
	f->has_codeview = 1;
	f->pdb_path =
		(char *)pe_read_until(c, (size_t)ptr + CV_PATH, avail - CV_PATH,
				      CAP_PE_PDB_PATH, 1, &n, &term);
	if (!f->pdb_path && !c->oom)
		f->pdb_path = pe_strndup(c, "", 0);
	if (f->pdb_path && !term)
		pe_anomaly(c,
			   "The CodeView record's PDB path is not terminated "
			   "within %u bytes.",
			   CAP_PE_PDB_PATH);
}

static void debug_entry(struct pe_ctx *c, const uint8_t *e)
{
	struct pe_facts *f = &c->pe->facts;
	struct rd r = { e, DBG_SIZE };
	uint32_t type = 0, size = 0, ptr = 0, *slot;

	rd_u32(&r, DBG_TYPE, &type);
	rd_u32(&r, DBG_SIZE_OF_DATA, &size);
	rd_u32(&r, DBG_POINTER, &ptr);
	slot = pe_grow(c, (void **)&f->debug_types, &f->ndebug, sizeof(*slot));
	if (!slot)
		return;
	*slot = type;
	if (type == PE_DEBUG_REPRO)
		f->repro = 1;
	else if (type == PE_DEBUG_CODEVIEW)
		read_codeview(c, ptr, size);
	else if (type == PE_DEBUG_EX_DLLCHARACTERISTICS && size >= 4 &&
		 in_file(c, ptr, 4) == 4 && !pe_u32(c->s, ptr, &f->ex_dllchar))
		f->has_ex_dllchar = 1;
}

static void parse_debug(struct pe_ctx *c)
{
	struct pe_info *pe = c->pe;
	uint8_t e[DBG_SIZE];
	size_t n = pe->dirs[PE_DIR_DEBUG].size / DBG_SIZE, i, off, avail;

	if (n > CAP_PE_DEBUG_ENTRIES) {
		pe_anomaly(c,
			   "The debug directory holds %zu entries; the first "
			   "%u are read.",
			   n, CAP_PE_DEBUG_ENTRIES);
		n = CAP_PE_DEBUG_ENTRIES;
	}
	for (i = 0; i < n && !c->oom; i++) {
		uint64_t rva = (uint64_t)pe->dirs[PE_DIR_DEBUG].rva +
			       (uint64_t)i * DBG_SIZE;

		if (pe_rva_to_off(pe, c->len, rva, &off, &avail) ||
		    avail < DBG_SIZE || pe_read(c->s, off, DBG_SIZE, e)) {
			pe_anomaly(c,
				   "The debug directory is truncated: %zu of "
				   "%zu entries can be read.",
				   i, n);
			return;
		}
		debug_entry(c, e);
	}
}

/* A pointer-sized value at an RVA. */
static int rva_ptr(struct pe_ctx *c, uint64_t rva, uint64_t *v)
{
	uint32_t v32;

	if (c->pe->pe32plus)
		return pe_rva_u64(c, rva, v);
	if (pe_rva_u32(c, rva, &v32))
		return -ERANGE;
	*v = v32;
	return 0;
}

static void parse_tls(struct pe_ctx *c)
{
	struct pe_info *pe = c->pe;
	struct pe_facts *f = &pe->facts;
	unsigned w = pe->pe32plus ? 8 : 4;
	uint64_t va = 0, cb, *slot;
	size_t i;

	/* AddressOfCallBacks: the fourth pointer of IMAGE_TLS_DIRECTORY */
	if (rva_ptr(c, (uint64_t)pe->dirs[PE_DIR_TLS].rva + 3 * w, &va)) {
		pe_anomaly(c, "The TLS directory cannot be read.");
		return;
	}
	f->has_tls = 1;
	if (!va)
		return;
	if (va < pe->image_base) {
		pe_anomaly(c,
			   "The TLS callbacks' address 0x%llX is below the "
			   "image base.",
			   (unsigned long long)va);
		return;
	}
	for (i = 0; !c->oom; i++) {
		if (i == CAP_PE_TLS_CALLBACKS) {
			pe_anomaly(c,
				   "More than %u TLS callbacks are listed; "
				   "the first %u are read.",
				   CAP_PE_TLS_CALLBACKS, CAP_PE_TLS_CALLBACKS);
			return;
		}
		if (rva_ptr(c, va - pe->image_base + i * w, &cb)) {
			pe_anomaly(c,
				   "The TLS callback list runs out of the "
				   "file after %zu entries.",
				   i);
			return;
		}
		if (!cb)
			return;
		slot = pe_grow(c, (void **)&f->tls_callbacks,
			       &f->ntls_callbacks, sizeof(*slot));
		if (slot)
			*slot = cb;
	}
}

/* A field of the load configuration when it lies inside its own Size. */
static int lc_field(struct pe_ctx *c, uint32_t at, unsigned n, uint64_t *v)
{
	struct pe_facts *f = &c->pe->facts;
	uint64_t rva = (uint64_t)c->pe->dirs[PE_DIR_LOAD_CONFIG].rva + at;
	uint32_t v32;

	if ((uint64_t)at + n > f->load_config_size)
		return 0;
	if (n == 8)
		return !pe_rva_u64(c, rva, v);
	if (pe_rva_u32(c, rva, &v32))
		return 0;
	*v = v32;
	return 1;
}

static void parse_load_config(struct pe_ctx *c)
{
	struct pe_info *pe = c->pe;
	struct pe_facts *f = &pe->facts;
	/* offsets of SecurityCookie, SEHandlerTable, SEHandlerCount and
	 * GuardFlags: PE32, then PE32+ */
	static const uint32_t at[2][4] = { { 60, 64, 68, 88 },
					   { 88, 96, 104, 144 } };
	const uint32_t *o = at[pe->pe32plus ? 1 : 0];
	unsigned w = pe->pe32plus ? 8 : 4;
	uint64_t v = 0;

	if (pe_rva_u32(c, pe->dirs[PE_DIR_LOAD_CONFIG].rva,
		       &f->load_config_size)) {
		pe_anomaly(c, "The load configuration cannot be read.");
		return;
	}
	f->has_load_config = 1;
	f->has_cookie = lc_field(c, o[0], w, &f->security_cookie);
	f->has_seh = lc_field(c, o[1], w, &f->seh_table) &&
		     lc_field(c, o[2], w, &f->seh_count);
	f->has_guard_flags = lc_field(c, o[3], 4, &v);
	f->guard_flags = (uint32_t)v;
}

/* pefile's get_overlay_data_start_offset(): the furthest end, inside
 * the file, of the optional header, the sections' raw data and the
 * directories but the certificate table's */
static uint64_t overlay_start(const struct pe_ctx *c, uint16_t opt_size)
{
	const struct pe_info *pe = c->pe;
	uint64_t best = 0, end, off;
	size_t i;

	end = (uint64_t)c->opt_off + opt_size;
	if (end <= c->len)
		best = end;
	for (i = 0; i < pe->nsections; i++) {
		end = (uint64_t)pe->sections[i].rawptr +
		      pe->sections[i].rawsize;
		if (end <= c->len && end > best)
			best = end;
	}
	for (i = 0; i < pe->ndirs; i++) {
		const struct pe_section *s = NULL;
		size_t k;

		if (i == PE_DIR_SECURITY)
			continue;
		for (k = 0; k < pe->nsections && !s; k++)
			if (pe->dirs[i].rva >= pe->sections[k].va_adj &&
			    pe->dirs[i].rva < pe->sections[k].rva_end)
				s = &pe->sections[k];
		if (s)
			off = pe->dirs[i].rva - s->va_adj + s->raw_adj;
		else if (pe->dirs[i].rva < c->len)
			off = pe->dirs[i].rva;
		else
			continue;
		end = off + pe->dirs[i].size;
		if (end <= c->len && end > best)
			best = end;
	}
	return best;
}

static void parse_overlay(struct pe_ctx *c, uint16_t opt_size)
{
	struct pe_info *pe = c->pe;
	struct pe_facts *f = &pe->facts;
	uint64_t start = overlay_start(c, opt_size), cert, cert_end;

	if (start >= c->len)
		return;
	f->has_overlay = 1;
	f->overlay_off = start;
	f->overlay_size = c->len - start;
	f->entropy_len = f->overlay_size < CAP_PE_OVERLAY_ENTROPY
				 ? f->overlay_size
				 : CAP_PE_OVERLAY_ENTROPY;
	f->overlay_entropy =
		pe_entropy(c, (size_t)start, (size_t)f->entropy_len);
	if (!dir_present(pe, PE_DIR_SECURITY))
		return;
	/* the certificate table's "RVA" is a file offset */
	cert = pe->dirs[PE_DIR_SECURITY].rva;
	cert_end = cert + pe->dirs[PE_DIR_SECURITY].size;
	if (cert < start || cert_end > c->len)
		return;
	f->cert_in_overlay = 1;
	f->after_cert = c->len - cert_end;
	if (f->after_cert)
		pe_anomaly(c,
			   "%llu bytes follow the certificate table, outside "
			   "what a signature covers.",
			   (unsigned long long)f->after_cert);
}

static void parse_clr(struct pe_ctx *c)
{
	struct pe_info *pe = c->pe;
	struct pe_facts *f = &pe->facts;
	uint32_t rva = pe->dirs[PE_DIR_CLR].rva, md = 0, sig = 0, n = 0;
	size_t root, avail, got;
	uint8_t *s;
	int term;

	if (pe_rva_u16(c, (uint64_t)rva + CLR_MAJOR, &f->clr_major) ||
	    pe_rva_u16(c, (uint64_t)rva + CLR_MINOR, &f->clr_minor) ||
	    pe_rva_u32(c, (uint64_t)rva + CLR_METADATA, &md) ||
	    pe_rva_u32(c, (uint64_t)rva + CLR_FLAGS, &f->clr_flags)) {
		pe_anomaly(c, "The CLR header cannot be read.");
		return;
	}
	f->has_clr = 1;
	if (pe->dirs[PE_DIR_CLR].size < CLR_SIZE)
		pe_anomaly(c, "The CLR header is %u bytes long, too short.",
			   pe->dirs[PE_DIR_CLR].size);
	if (pe_rva_u32(c, md, &sig) || sig != MD_BSJB ||
	    pe_rva_u32(c, (uint64_t)md + MD_LENGTH, &n) ||
	    pe_rva_to_off(pe, c->len, md, &root, &avail) ||
	    avail <= MD_VERSION) {
		pe_anomaly(c, "The .NET metadata root cannot be read.");
		return;
	}
	s = pe_read_until(c, root + MD_VERSION,
			  n < avail - MD_VERSION ? n : avail - MD_VERSION,
			  CAP_PE_METADATA_VERSION, 1, &got, &term);
	f->metadata_version = (char *)s;
	if (!c->oom)
		pe_parse_assembly(c, root, avail, n);
}

/* The Rich header's entries after "DanS" and its three padding dwords:
 * a comp.id (build in the low word, product in the high) and a count. */
static void decode_rich(struct pe_ctx *c)
{
	struct pe_info *pe = c->pe;
	struct rd r = { pe->rich, pe->rich_len };
	struct pe_rich_entry *e;
	uint32_t id, count;
	size_t i;

	for (i = 16;
	     !c->oom && !rd_u32(&r, i, &id) && !rd_u32(&r, i + 4, &count);
	     i += 8) {
		e = pe_grow(c, (void **)&pe->facts.rich, &pe->facts.nrich,
			    sizeof(*e));
		if (!e)
			return;
		e->product = (uint16_t)(id >> 16);
		e->build = (uint16_t)id;
		e->count = count;
	}
}

void pe_parse_facts(struct pe_ctx *c, uint16_t opt_size, int whole)
{
	struct pe_info *pe = c->pe;

	if (dir_present(pe, PE_DIR_DEBUG) && !c->oom)
		parse_debug(c);
	if (dir_present(pe, PE_DIR_TLS) && !c->oom)
		parse_tls(c);
	if (dir_present(pe, PE_DIR_LOAD_CONFIG) && !c->oom)
		parse_load_config(c);
	if (dir_present(pe, PE_DIR_CLR) && !c->oom)
		parse_clr(c);
	if (pe->rich && !c->oom)
		decode_rich(c);
	if (!c->oom)
		pe_parse_resources(c);
	if (whole && !c->oom)
		parse_overlay(c, opt_size);
}

void pe_facts_free(struct pe_facts *f)
{
	free(f->debug_types);
	free(f->pdb_path);
	free(f->tls_callbacks);
	free(f->metadata_version);
	free(f->asm_name);
	free(f->asm_culture);
	free(f->rich);
	free(f->res_types);
	free(f->exec_level);
	for (size_t i = 0; i < f->nmanifest_deps; i++)
		free(f->manifest_deps[i]);
	free(f->manifest_deps);
}

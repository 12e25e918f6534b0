/*
 * Version information: the RT_VERSION resources and the VS_VERSIONINFO
 * inside the one we use.
 *
 * Resource tree (offsets relative to the resource directory's start):
 *   directory: 16 bytes, +12 named entries (u16), +14 id entries (u16),
 *              then 8-byte entries: name-or-id (u32), offset (u32, top
 *              bit set: a subdirectory; clear: a data entry)
 *   level 1: type (16 = RT_VERSION), level 2: name, level 3: language
 *   data entry: RVA (u32), size (u32)
 *
 * VS_VERSIONINFO is a tree of blocks, each
 *   u16 wLength, u16 wValueLength, u16 wType, UTF-16 key + NUL,
 *   padding to 4 (aligned on the RVA), value, padding, children
 * with "StringFileInfo" > StringTable "040904B0" > String "CompanyName",
 * and "VarFileInfo" > Var "Translation" (u16 language, u16 codepage pairs).
 * The walk steps through blocks the way python3-pefile does, so that the
 * corpus suite can compare the strings.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "pe_i.h"

#define RT_VERSION   16
#define LANG_EN_US   0x0409
#define LANG_NEUTRAL 0x0000

const char *const pe_vs_keys[PE_VS_N] = {
	[PE_VS_FILE_DESCRIPTION] = "FileDescription",
	[PE_VS_ORIGINAL_FILENAME] = "OriginalFilename",
	[PE_VS_PRODUCT_NAME] = "ProductName",
	[PE_VS_COMPANY_NAME] = "CompanyName",
	[PE_VS_FILE_VERSION] = "FileVersion",
	[PE_VS_PRODUCT_VERSION] = "ProductVersion",
	[PE_VS_LEGAL_COPYRIGHT] = "LegalCopyright",
	[PE_VS_INTERNAL_NAME] = "InternalName",
};

struct vres {
	uint32_t rva, size;
	uint16_t lang;
};

struct vres_list {
	struct vres v[CAP_PE_VERSIONS];
	size_t n;
	size_t entries; /* visited, against CAP_PE_RES_ENTRIES */
};

/* ---- the resource tree ------------------------------------------------ */

/*
 * Walks type > name > language. up[] holds the offsets of the directories
 * above this one: a subdirectory offset among them is a loop, recorded and
 * not followed.
 */
static void walk(struct pe_ctx *c, uint64_t base, uint32_t dir, int level,
		 const uint32_t *up, struct vres_list *out)
{
	uint32_t path[3];
	int k;

	uint16_t nnamed, nids;
	uint32_t i, n;

	if (pe_rva_u16(c, base + dir + 12, &nnamed) ||
	    pe_rva_u16(c, base + dir + 14, &nids)) {
		pe_anomaly(c,
			   "A resource directory at RVA 0x%llX cannot be "
			   "read.",
			   (unsigned long long)(base + dir));
		return;
	}
	n = (uint32_t)nnamed + nids;
	for (i = 0; i < n && out->n < CAP_PE_VERSIONS; i++) {
		uint64_t e = base + dir + 16 + 8ull * i;
		uint32_t id, off, rva, size;

		if (++out->entries > CAP_PE_RES_ENTRIES) {
			if (out->entries == CAP_PE_RES_ENTRIES + 1)
				pe_anomaly(c,
					   "More than %u resource entries; "
					   "the rest are not read.",
					   CAP_PE_RES_ENTRIES);
			return;
		}
		if (pe_rva_u32(c, e, &id) || pe_rva_u32(c, e + 4, &off)) {
			pe_anomaly(c,
				   "A resource entry at RVA 0x%llX cannot "
				   "be read.",
				   (unsigned long long)e);
			return;
		}
		if (level == 0 && ((id & 0x80000000u) || id != RT_VERSION))
			continue;
		if (level < 2) {
			uint32_t sub = off & 0x7fffffffu;

			if (!(off & 0x80000000u)) {
				pe_anomaly(c,
					   "A resource entry at RVA 0x%llX "
					   "is data where a directory "
					   "belongs.",
					   (unsigned long long)e);
				continue;
			}
			for (k = 0; k < level; k++)
				path[k] = up[k];
			path[level] = dir;
			for (k = 0; k <= level && path[k] != sub; k++)
				;
			if (k <= level) {
				pe_anomaly(c,
					   "A resource directory at RVA "
					   "0x%llX points back at itself or "
					   "a directory above it.",
					   (unsigned long long)(base + sub));
				continue;
			}
			walk(c, base, sub, level + 1, path, out);
			continue;
		}
		if (off & 0x80000000u) {
			pe_anomaly(c,
				   "The resource tree goes deeper than type, "
				   "name and language at RVA 0x%llX.",
				   (unsigned long long)e);
			continue;
		}
		if (pe_rva_u32(c, base + off, &rva) ||
		    pe_rva_u32(c, base + off + 4, &size))
			continue;
		out->v[out->n].rva = rva;
		out->v[out->n].size = size;
		out->v[out->n].lang = (uint16_t)(id & 0xffff);
		out->n++;
	}
}

/* ---- UTF-16 strings -------------------------------------------------- */

struct vs {
	struct pe_ctx *c;
	/* the resource's bytes (as far as the file goes): a file offset and
	 * a length, read through raw_u16() only */
	size_t raw_off, raw_len;
	uint64_t base; /* its RVA: blocks are aligned on RVAs */
	unsigned lied; /* block lengths found not to fit */
};

/* pefile's dword_align(): offset rounded up so that base + offset is a
 * multiple of 4 */
static uint64_t align4(uint64_t off, uint64_t base)
{
	return ((off + base + 3) & ~3ull) - (base & ~3ull);
}

static void put_utf8(struct dynbuf *b, uint32_t cp)
{
	char u[4];

	if (cp < 0x80) {
		db_addc(b, (char)cp);
		return;
	}
	if (cp < 0x800) {
		u[0] = (char)(0xc0 | cp >> 6);
		u[1] = (char)(0x80 | (cp & 0x3f));
		db_add(b, u, 2);
	} else if (cp < 0x10000) {
		u[0] = (char)(0xe0 | cp >> 12);
		u[1] = (char)(0x80 | ((cp >> 6) & 0x3f));
		u[2] = (char)(0x80 | (cp & 0x3f));
		db_add(b, u, 3);
	} else {
		u[0] = (char)(0xf0 | cp >> 18);
		u[1] = (char)(0x80 | ((cp >> 12) & 0x3f));
		u[2] = (char)(0x80 | ((cp >> 6) & 0x3f));
		u[3] = (char)(0x80 | (cp & 0x3f));
		db_add(b, u, 4);
	}
}

/*
 * The UTF-16LE string at an RVA, at most max characters, to the first NUL
 * or to what can be read (pefile's get_string_u_at_rva). *nchars is its
 * length in UTF-16 units. An owned UTF-8 copy (lone surrogates become
 * U+FFFD), or NULL when nothing can be read there.
 */
static char *utf16_at(struct vs *v, uint64_t rva, size_t max, size_t *nchars)
{
	size_t off, avail, n, i;
	struct dynbuf b;
	uint8_t *p;
	char *out;
	int nul;

	*nchars = 0;
	if (pe_rva_to_off(v->c->pe, v->c->len, rva, &off, &avail))
		return NULL;
	p = pe_read_until(v->c, off, avail, max, 2, &n, &nul);
	if (!p)
		return NULL;
	n /= 2;
	db_init(&b, 8 * n + 16);
	for (i = 0; i < n; i++) {
		uint32_t u = p[2 * i] | (uint32_t)p[2 * i + 1] << 8, lo;

		if (u >= 0xd800 && u < 0xdc00 && i + 1 < n) {
			lo = p[2 * i + 2] | (uint32_t)p[2 * i + 3] << 8;
			if (lo >= 0xdc00 && lo < 0xe000) {
				put_utf8(&b, 0x10000 + ((u - 0xd800) << 10) +
						     (lo - 0xdc00));
				i++;
				continue;
			}
		}
		if (u >= 0xd800 && u < 0xe000)
			u = 0xfffd;
		put_utf8(&b, u);
	}
	*nchars = n;
	free(p);
	if (db_take(&b, &out, &n)) {
		db_free(&b);
		v->c->oom = 1;
		return NULL;
	}
	return out;
}

/* Records a block whose wLength does not fit where it stands (once per
 * resource: one lie is enough to say the lengths cannot be trusted). */
static void lies(struct vs *v, const char *what, uint64_t off, uint16_t len)
{
	if (v->lied++)
		return;
	pe_anomaly(v->c,
		   "%s block at RVA 0x%llX says it is %u bytes long, "
		   "which does not fit inside what holds it.",
		   what, (unsigned long long)(v->base + off), len);
}

/* The u16 at offset off of the resource: 0, or -ERANGE (*out untouched)
 * when it is not inside it */
static int raw_u16(const struct vs *v, uint64_t off, uint16_t *out)
{
	if (off > v->raw_len || v->raw_len - off < 2)
		return -ERANGE;
	return pe_u16(v->c->s, v->raw_off + (size_t)off, out);
}

/* wLength, wValueLength, wType of the block at offset off of the resource */
static int block(const struct vs *v, uint64_t off, uint16_t *len,
		 uint16_t *vlen, uint16_t *type)
{
	if (off > v->raw_len)
		return -ERANGE;
	if (raw_u16(v, off, len) || raw_u16(v, off + 2, vlen) ||
	    raw_u16(v, off + 4, type))
		return -ERANGE;
	return 0;
}

/* ---- what one VS_VERSIONINFO holds ----------------------------------- */

#define VS_MAX_TABLES 16

struct vs_table {
	char *lang; /* the key, "040904B0" */
	char *strings[PE_VS_N];
};

struct vs_info {
	struct vs_table t[VS_MAX_TABLES];
	size_t nt;
	uint32_t translation; /* first Translation pair: lang << 16 | cp */
	int has_translation;
	unsigned blocks; /* against CAP_PE_VS_BLOCKS */
};

static void vs_info_free(struct vs_info *vi)
{
	size_t i, k;

	for (i = 0; i < vi->nt; i++) {
		free(vi->t[i].lang);
		for (k = 0; k < PE_VS_N; k++)
			free(vi->t[i].strings[k]);
	}
	memset(vi, 0, sizeof(*vi));
}

static void string_table(struct vs *v, uint64_t st, uint16_t st_len,
			 struct vs_info *vi)
{
	struct vs_table *t;
	uint64_t e;
	size_t n;
	char *lang;

	lang = utf16_at(v, v->base + st + 6, 0x10000, &n);
	if (!lang || vi->nt >= VS_MAX_TABLES) {
		free(lang);
		return;
	}
	t = &vi->t[vi->nt++];
	t->lang = lang;
	e = align4(st + 6 + 2 * (n + 1), v->base);
	while (e < st + st_len && !v->c->oom) {
		uint16_t len, vlen, type;
		uint64_t val;
		size_t kn, vn, k;
		char *key, *value;

		if (++vi->blocks > CAP_PE_VS_BLOCKS ||
		    block(v, e, &len, &vlen, &type))
			break;
		if (e + len > st + st_len || len < 6)
			lies(v, "A version string", e, len);
		key = utf16_at(v, v->base + e + 6, 0x10000, &kn);
		if (!key)
			break;
		val = align4(2 * (kn + 1) + e + 6, v->base);
		value = vlen ? utf16_at(v, v->base + val, vlen, &vn)
			     : strdup("");
		e = len ? align4(len + e, v->base) : st + st_len;
		for (k = 0; k < PE_VS_N && value; k++) {
			if (strcmp(key, pe_vs_keys[k]) == 0) {
				free(t->strings[k]);
				t->strings[k] = value;
				value = NULL;
			}
		}
		free(key);
		free(value);
	}
}

static void string_file_info(struct vs *v, uint64_t sfi, size_t keylen,
			     uint16_t sfi_len, struct vs_info *vi)
{
	uint64_t st = align4(sfi + 6 + 2 * (keylen + 1), v->base);

	while (!v->c->oom) {
		uint16_t len, vlen, type;
		uint64_t next;

		if (++vi->blocks > CAP_PE_VS_BLOCKS ||
		    block(v, st, &len, &vlen, &type))
			break;
		if (st + len > sfi + sfi_len || len < 6)
			lies(v, "A version string table", st, len);
		string_table(v, st, len, vi);
		next = align4(len + st, v->base);
		if (next == st)
			break;
		st = next;
		if (st >= sfi_len)
			break;
	}
}

static void var_file_info(struct vs *v, uint64_t vfi, size_t keylen,
			  struct vs_info *vi)
{
	uint64_t var = align4(vfi + 6 + 2 * (keylen + 1), v->base), w;
	uint16_t len, vlen, type, lang, cp;
	size_t n;
	char *key;

	if (block(v, var, &len, &vlen, &type))
		return;
	key = utf16_at(v, v->base + var + 6, 0x10000, &n);
	if (key && strcmp(key, "Translation") == 0) {
		w = align4(2 * (n + 1) + var + 6, v->base);
		if (vlen >= 4 && raw_u16(v, w, &lang) == 0 &&
		    raw_u16(v, w + 2, &cp) == 0) {
			vi->translation = (uint32_t)lang << 16 | cp;
			vi->has_translation = 1;
		}
	}
	free(key);
}

static void vs_parse(struct pe_ctx *c, const struct vres *r, struct vs_info *vi)
{
	struct vs v = { c, 0, 0, r->rva, 0 };
	uint16_t len, vlen, type, slen, svlen, stype;
	size_t off, avail, n;
	uint64_t fixed, sfi;
	char *key;

	/* the resource's bytes as far as the file goes (off is inside it
	 * once translated) */
	if (pe_rva_to_off(c->pe, c->len, r->rva, &off, &avail)) {
		pe_anomaly(c,
			   "The version resource at RVA 0x%X is not in the "
			   "file.",
			   r->rva);
		return;
	}
	v.raw_off = off;
	v.raw_len = c->len - off < r->size ? c->len - off : r->size;
	if (block(&v, 0, &len, &vlen, &type)) {
		pe_anomaly(c, "The version resource at RVA 0x%X is truncated.",
			   r->rva);
		return;
	}
	if (len > r->size || len < 6)
		lies(&v, "The VS_VERSIONINFO", 0, len);
	if (vlen != 52 && vlen != 0)
		pe_anomaly(c,
			   "The version resource's fixed part is %u bytes "
			   "long, not 52.",
			   vlen);
	key = utf16_at(&v, v.base + 6, 0x10000, &n);
	if (!key || strcmp(key, "VS_VERSION_INFO") != 0) {
		pe_anomaly(c,
			   "The version resource at RVA 0x%X does not start "
			   "with VS_VERSION_INFO.",
			   r->rva);
		free(key);
		return;
	}
	free(key);
	fixed = align4(6 + 2 * (n + 1), v.base);
	if (fixed > v.raw_len || v.raw_len - fixed < 52)
		return;
	sfi = align4(fixed + 52, v.base);
	while (!c->oom) {
		if (++vi->blocks > CAP_PE_VS_BLOCKS ||
		    block(&v, sfi, &slen, &svlen, &stype))
			break;
		if (sfi + slen > len || slen < 6)
			lies(&v, "A StringFileInfo or VarFileInfo", sfi, slen);
		key = utf16_at(&v, v.base + sfi + 6, 0x10000, &n);
		if (!key)
			break;
		if (strncmp(key, "StringFileInfo", 14) == 0 && stype <= 1 &&
		    svlen == 0)
			string_file_info(&v, sfi, n, slen, vi);
		else if (strncmp(key, "VarFileInfo", 11) == 0 && stype <= 1 &&
			 svlen == 0 && !vi->has_translation)
			var_file_info(&v, sfi, n, vi);
		free(key);
		sfi = align4(slen + sfi, v.base);
		if (slen == 0 || sfi >= len)
			break;
	}
}

/* ---- choosing -------------------------------------------------------- */

static const struct vres *choose_resource(const struct vres_list *l)
{
	size_t i;

	for (i = 0; i < l->n; i++)
		if (l->v[i].lang == LANG_EN_US)
			return &l->v[i];
	for (i = 0; i < l->n; i++)
		if (l->v[i].lang == LANG_NEUTRAL)
			return &l->v[i];
	return l->n ? &l->v[0] : NULL;
}

static struct vs_table *find_table(struct vs_info *vi, const char *lang)
{
	size_t i;

	for (i = 0; i < vi->nt; i++)
		if (strcasecmp(vi->t[i].lang, lang) == 0)
			return &vi->t[i];
	return NULL;
}

static struct vs_table *choose_table(struct vs_info *vi)
{
	static const char *const fallback[] = { "040904B0", "040904E4",
						"04090000" };
	struct vs_table *t = NULL;
	char want[9];
	size_t i;

	if (vi->has_translation) {
		snprintf(want, sizeof(want), "%08X", vi->translation);
		t = find_table(vi, want);
	}
	for (i = 0; !t && i < 3; i++)
		t = find_table(vi, fallback[i]);
	return t ? t : (vi->nt ? &vi->t[0] : NULL);
}

static int hex16(const char *s, uint16_t *out)
{
	unsigned v = 0;
	int i;

	for (i = 0; i < 4; i++) {
		char ch = s[i];

		v <<= 4;
		if (ch >= '0' && ch <= '9')
			v |= (unsigned)(ch - '0');
		else if ((ch | 0x20) >= 'a' && (ch | 0x20) <= 'f')
			v |= (unsigned)((ch | 0x20) - 'a' + 10);
		else
			return -EINVAL;
	}
	*out = (uint16_t)v;
	return 0;
}

void pe_parse_version(struct pe_ctx *c)
{
	struct pe_version *pv = &c->pe->version;
	struct vres_list *l;
	const struct vres *r;
	struct vs_info vi;
	struct vs_table *t;
	size_t k;

	if (c->pe->ndirs <= PE_DIR_RESOURCE ||
	    !c->pe->dirs[PE_DIR_RESOURCE].rva)
		return;
	l = calloc(1, sizeof(*l));
	if (!l) {
		c->oom = 1;
		return;
	}
	walk(c, c->pe->dirs[PE_DIR_RESOURCE].rva, 0, 0, NULL, l);
	r = choose_resource(l);
	memset(&vi, 0, sizeof(vi));
	if (r && !c->oom)
		vs_parse(c, r, &vi);
	t = c->oom ? NULL : choose_table(&vi);
	if (t && strlen(t->lang) >= 8 && hex16(t->lang, &pv->lang) == 0 &&
	    hex16(t->lang + 4, &pv->codepage) == 0) {
		pv->found = 1;
		pv->resource_lang = r->lang;
		for (k = 0; k < PE_VS_N; k++) {
			pv->strings[k] = t->strings[k];
			t->strings[k] = NULL;
		}
	} else if (t) {
		pe_anomaly(c,
			   "The version string table's key \"%s\" is not a "
			   "language and code page.",
			   t->lang);
	}
	vs_info_free(&vi);
	free(l);
}

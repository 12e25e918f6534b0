/*
 * Imports, and the string the imphash is made of.
 *
 * The import directory is an array of 20-byte descriptors ending in one of
 * zeros:
 *   +0  OriginalFirstThunk  RVA of the lookup table (ILT)
 *   +12 Name                RVA of the DLL's name
 *   +16 FirstThunk          RVA of the address table (IAT)
 * Each table is an array of thunks (4 bytes in PE32, 8 in PE32+) ending in
 * zero: with the top bit set, an ordinal in the low 16 bits; else the RVA
 * of a hint (2 bytes) and a name.
 *
 * The imphash is defined by what python3-pefile reads, so the walk makes
 * the same decisions pefile does where a table is damaged: the ILT is used
 * when it yields entries, else the IAT; a table stops at a thunk pointing
 * back into itself; a table of repeated or widely spread name RVAs is
 * thrown away as bogus; a DLL whose table is broken or empty is left out.
 * The differential suite (tests/corpus) holds us to that.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "profilefs/hash.h"
#include "pe_i.h"

#define THUNK_MAX_SPREAD  (128u << 20)
#define THUNK_MAX_REPEATS 15
#define IMPORT_MAX_ERRORS 5

/* the characters pefile accepts in DLL and function names */
#define DLL_NAME_EXTRA	"!#$%&'()-@^_`{}~+,.;=[]\\/"
#define FUNC_NAME_EXTRA "._?@$()<>"

struct thunks {
	uint64_t *v;
	size_t n;
	int bogus; /* thrown away whole */
};

/* The name RVAs seen, to count repeats, and their spread. */
struct seen {
	struct util_hash *set; /* of uint64_t; made at the first name */
	uint64_t lo[2], hi[2]; /* below and above 4 GiB */
	int any[2];
};

/* 1 when x was seen already, 0 when not; -ENOMEM */
static int seen_add(struct seen *s, uint64_t x)
{
	int rc;

	/* the import budget bounds what one table puts in */
	if (!s->set &&
	    util_hash_new(sizeof(x), 0, CAP_PE_IMPORTS, NULL, &s->set))
		return -ENOMEM;
	rc = util_hash_put(s->set, &x, NULL);
	return rc < 0 ? -ENOMEM : rc;
}

/* Reads one thunk table (pefile's get_import_table). */
static void read_thunks(struct pe_ctx *c, uint64_t rva, uint64_t max_len,
			size_t *budget, struct thunks *t)
{
	const int wide = c->pe->pe32plus;
	const uint64_t flag = wide ? 1ull << 63 : 1ull << 31;
	const uint64_t start = rva;
	struct seen seen = { 0 };
	unsigned repeats = 0;

	memset(t, 0, sizeof(*t));
	while (rva) {
		uint64_t v;
		uint32_t v32;
		int big, k;

		if (rva >= start + max_len) {
			pe_anomaly(c,
				   "An import table at RVA 0x%llX runs past "
				   "its bounds.",
				   (unsigned long long)start);
			break;
		}
		if (*budget == 0) {
			pe_anomaly(c,
				   "More than %u imports; the rest are not "
				   "read.",
				   CAP_PE_IMPORTS);
			break;
		}
		(*budget)--;
		if (repeats >= THUNK_MAX_REPEATS)
			goto bogus;
		for (k = 0; k < 2; k++)
			if (seen.any[k] &&
			    seen.hi[k] - seen.lo[k] > THUNK_MAX_SPREAD)
				goto bogus;
		if (wide ? pe_rva_u64(c, rva, &v)
			 : (pe_rva_u32(c, rva, &v32) ? -1 : (v = v32, 0))) {
			pe_anomaly(c,
				   "An import table at RVA 0x%llX cannot "
				   "be read.",
				   (unsigned long long)rva);
			t->bogus = 1;
			break;
		}
		if (v >= start && v <= rva) {
			pe_anomaly(c,
				   "An import table at RVA 0x%llX points "
				   "back into itself.",
				   (unsigned long long)start);
			break;
		}
		if (v & flag) {
			if ((v & 0x7fffffff) > 0xffff)
				goto bogus;
		} else if (v) {
			big = v >= (1ull << 32);
			k = seen_add(&seen, v);
			if (k < 0) {
				c->oom = 1;
				break;
			}
			repeats += (unsigned)k;
			if (!seen.any[big] || v < seen.lo[big])
				seen.lo[big] = v;
			if (!seen.any[big] || v > seen.hi[big])
				seen.hi[big] = v;
			seen.any[big] = 1;
		}
		if (v == 0)
			break;
		rva += wide ? 8 : 4;
		if (!pe_grow(c, (void **)&t->v, &t->n, sizeof(*t->v)))
			break;
		t->v[t->n - 1] = v;
	}
	util_hash_free(seen.set);
	return;
bogus:
	pe_anomaly(c,
		   "An import table at RVA 0x%llX looks bogus and is "
		   "ignored.",
		   (unsigned long long)start);
	util_hash_free(seen.set);
	t->bogus = 1;
	t->n = 0;
}

/* The functions of one DLL; -EINVAL when the table is unusable. */
static int read_funcs(struct pe_ctx *c, const struct thunks *t,
		      struct pe_import_dll *d)
{
	const uint64_t flag = c->pe->pe32plus ? 1ull << 63 : 1ull << 31;
	const uint64_t mask = flag - 1;
	size_t i;

	for (i = 0; i < t->n && !c->oom; i++) {
		struct pe_import_func *f;
		uint64_t v = t->v[i];
		uint16_t hint = 0;
		char *name = NULL;
		int term;

		if (v & flag) {
			if ((v & 0xffff) == 0)
				continue;
		} else {
			if (pe_rva_u16(c, v & mask, &hint) == 0)
				name = pe_rva_string(c, v + 2, CAP_PE_NAME,
						     &term);
			if (!name)
				return -EINVAL; /* pefile drops the DLL */
			if (!*name || !pe_name_ok(name, FUNC_NAME_EXTRA)) {
				free(name);
				continue;
			}
		}
		f = pe_grow(c, (void **)&d->funcs, &d->nfuncs, sizeof(*f));
		if (!f) {
			free(name);
			break;
		}
		f->name = name;
		f->ordinal = name ? 0 : (uint16_t)(v & 0xffff);
		f->hint = hint;
	}
	return 0;
}

static void add_dll(struct pe_ctx *c, uint32_t name_rva, int delay,
		    struct pe_import_dll *tmp)
{
	struct pe_import_dll *d;
	char *name;
	int term;

	name = pe_rva_string(c, name_rva, CAP_PE_NAME, &term);
	if (name && !pe_name_ok(name, DLL_NAME_EXTRA)) {
		free(name);
		name = strdup("*invalid*");
		if (!name)
			c->oom = 1;
	}
	if (!name || !*name) {
		free(name);
		return;
	}
	d = pe_grow(c, (void **)&c->pe->imports, &c->pe->nimports, sizeof(*d));
	if (!d) {
		free(name);
		return;
	}
	*d = *tmp;
	d->dll = name;
	d->delay = delay;
	memset(tmp, 0, sizeof(*tmp));
}

static void free_funcs(struct pe_import_dll *d)
{
	size_t i;

	for (i = 0; i < d->nfuncs; i++)
		free(d->funcs[i].name);
	free(d->funcs);
	memset(d, 0, sizeof(*d));
}

static void parse_normal(struct pe_ctx *c, size_t *budget)
{
	uint64_t rva = c->pe->dirs[PE_DIR_IMPORT].rva;
	unsigned errors = 0, ndll = 0;

	while (!c->oom) {
		uint32_t oft, ft, name, w[5];
		struct pe_import_dll tmp = { 0 };
		struct thunks ilt, iat;
		uint64_t max_len;
		size_t off, avail;
		int k, rc;

		for (k = 0; k < 5; k++)
			if (pe_rva_u32(c, rva + 4 * (unsigned)k, &w[k]))
				break;
		if (k < 5) {
			pe_anomaly(c,
				   "The import directory at RVA 0x%llX "
				   "cannot be read to its end.",
				   (unsigned long long)rva);
			break;
		}
		if (!(w[0] | w[1] | w[2] | w[3] | w[4]))
			break;
		if (++ndll > CAP_PE_IMPORT_DLLS) {
			pe_anomaly(c,
				   "More than %u imported DLLs; the rest "
				   "are not read.",
				   CAP_PE_IMPORT_DLLS);
			break;
		}
		oft = w[0];
		name = w[3];
		ft = w[4];
		pe_rva_to_off(c->pe, c->len, rva, &off, &avail);
		rva += 20;
		max_len = c->len - off;
		if (rva > oft || rva > ft) {
			uint64_t a = rva > oft ? rva - oft : 0;
			uint64_t b = rva > ft ? rva - ft : 0;

			max_len = a > b ? a : b;
		}
		read_thunks(c, oft, max_len, budget, &ilt);
		read_thunks(c, ft, max_len, budget, &iat);
		rc = -EINVAL;
		if (ilt.n || iat.n)
			rc = read_funcs(c, ilt.n ? &ilt : &iat, &tmp);
		free(ilt.v);
		free(iat.v);
		if (rc)
			free_funcs(&tmp);
		if (errors > IMPORT_MAX_ERRORS) {
			pe_anomaly(c, "Too many errors in the import "
				      "directory; the rest is not read.");
			free_funcs(&tmp);
			break;
		}
		if (tmp.nfuncs == 0) {
			errors++;
			free_funcs(&tmp);
			continue;
		}
		add_dll(c, name, 0, &tmp);
		free_funcs(&tmp);
	}
}

/*
 * Delay-load imports: 32-byte descriptors (Attributes, DllNameRVA,
 * ModuleHandleRVA, ImportAddressTableRVA, ImportNameTableRVA, ...). When
 * bit 0 of Attributes is clear the fields are VAs (the old form).
 */
static void parse_delay(struct pe_ctx *c, size_t *budget)
{
	uint64_t rva = c->pe->dirs[PE_DIR_DELAY_IMPORT].rva;
	unsigned ndll = 0;

	while (!c->oom) {
		struct pe_import_dll tmp = { 0 };
		uint32_t w[8];
		uint64_t base = 0, name, nt;
		struct thunks t;
		int k;

		for (k = 0; k < 8; k++)
			if (pe_rva_u32(c, rva + 4 * (unsigned)k, &w[k]))
				break;
		if (k < 8) {
			pe_anomaly(c, "The delay-load import directory cannot "
				      "be read to its end.");
			break;
		}
		if (!(w[1] | w[4]))
			break;
		if (++ndll > CAP_PE_IMPORT_DLLS)
			break;
		rva += 32;
		if (!(w[0] & 1))
			base = c->pe->image_base;
		name = w[1] >= base ? w[1] - base : 0;
		nt = w[4] >= base ? w[4] - base : 0;
		read_thunks(c, nt, c->len, budget, &t);
		if (t.n && read_funcs(c, &t, &tmp) == 0 && tmp.nfuncs)
			add_dll(c, (uint32_t)name, 1, &tmp);
		free(t.v);
		free_funcs(&tmp);
	}
}

void pe_parse_imports(struct pe_ctx *c)
{
	/* pefile's bound counts the entries of both tables of every DLL */
	size_t budget = CAP_PE_IMPORTS;

	if (c->pe->ndirs > PE_DIR_IMPORT && c->pe->dirs[PE_DIR_IMPORT].rva)
		parse_normal(c, &budget);
	if (c->pe->ndirs > PE_DIR_DELAY_IMPORT &&
	    c->pe->dirs[PE_DIR_DELAY_IMPORT].rva)
		parse_delay(c, &budget);
}

static void add_lower(struct dynbuf *b, const char *s, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		db_addc(b,
			(char)(s[i] >= 'A' && s[i] <= 'Z' ? s[i] + 32 : s[i]));
}

int pe_imphash_input(const struct pe_info *pe, struct dynbuf *out)
{
	size_t i, k, first = 1;

	for (i = 0; i < pe->nimports; i++) {
		const struct pe_import_dll *d = &pe->imports[i];
		const char *dot = strrchr(d->dll, '.');
		size_t n = strlen(d->dll);

		if (d->delay)
			continue;
		if (dot &&
		    (!strcasecmp(dot, ".dll") || !strcasecmp(dot, ".ocx") ||
		     !strcasecmp(dot, ".sys")))
			n = (size_t)(dot - d->dll);
		for (k = 0; k < d->nfuncs; k++) {
			const struct pe_import_func *f = &d->funcs[k];
			const char *name = f->name;

			if (!first)
				db_addc(out, ',');
			first = 0;
			add_lower(out, d->dll, n);
			db_addc(out, '.');
			if (!name)
				name = pe_ordinal_name(d->dll, f->ordinal);
			if (name)
				add_lower(out, name, strlen(name));
			else
				db_printf(out, "ord%u", f->ordinal);
		}
	}
	return out->err;
}

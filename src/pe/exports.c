/*
 * Exports. The export directory (40 bytes):
 *   +12 Name            RVA of the DLL's own name
 *   +16 Base            ordinal of the first function
 *   +20 NumberOfFunctions, +24 NumberOfNames
 *   +28 AddressOfFunctions     RVA of u32[NumberOfFunctions]: code RVAs,
 *                              or, inside the directory, a forwarder
 *                              string "DLL.Function"
 *   +32 AddressOfNames         RVA of u32[NumberOfNames]: name RVAs
 *   +36 AddressOfNameOrdinals  RVA of u16[NumberOfNames]: function index
 *
 *   names[i] --> "Name"    ordinals[i] --> functions[k] --> RVA
 *   ordinal = Base + k; functions no name points at are exported by
 *   ordinal only.
 *
 * As with imports, damaged tables are read the way python3-pefile reads
 * them, so that the corpus suite can hold us to it.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "pe_i.h"

#define EXPORT_MAX_FAILS   10
#define EXPORT_MAX_REPEATS 10
#define FORWARDER_MAX	   0x1000

/* the characters pefile accepts in an export name */
#define EXPORT_NAME_EXTRA "!\"#$%&'()*+,-./:<>?[\\]^_`{|}~@"

struct exp_dir {
	uint64_t rva, size;
	uint32_t name, base, nfuncs, nnames, funcs, names, ords;
};

/* How many u32 entries of an array at rva may be read (pefile's bound). */
static uint64_t safety(struct pe_ctx *c, uint32_t rva)
{
	size_t i;

	for (i = 0; i < c->pe->nsections; i++) {
		const struct pe_section *s = &c->pe->sections[i];
		uint64_t raw;

		if (rva < s->va_adj || rva >= s->rva_end)
			continue;
		raw = s->rawptr < c->len ? c->len - s->rawptr : 0;
		if (raw > s->rawsize)
			raw = s->rawsize;
		return (uint64_t)s->va + raw > rva ? (s->va + raw - rva) / 4
						   : 0;
	}
	return c->len / 4;
}

static int add_export(struct pe_ctx *c, uint64_t ordinal, char *name, char *fwd,
		      uint32_t rva)
{
	struct pe_export *e;

	if (c->pe->nexports >= CAP_PE_EXPORTS) {
		free(name);
		free(fwd);
		return -E2BIG;
	}
	e = pe_grow(c, (void **)&c->pe->exports, &c->pe->nexports, sizeof(*e));
	if (!e) {
		free(name);
		free(fwd);
		return -ENOMEM;
	}
	e->ordinal = ordinal;
	e->name = name;
	e->forwarder = fwd;
	e->rva = rva;
	return 0;
}

static char *forwarder(struct pe_ctx *c, const struct exp_dir *d, uint32_t addr)
{
	int term;

	if (addr < d->rva || addr >= d->rva + d->size)
		return NULL;
	return pe_rva_string(c, addr, FORWARDER_MAX, &term);
}

/* Exports by name; -EINVAL when pefile would throw them all away. */
static int named(struct pe_ctx *c, const struct exp_dir *d, uint8_t *taken)
{
	uint64_t n = d->nnames, lim = safety(c, d->names), i;
	unsigned fails = EXPORT_MAX_FAILS;

	if (n > lim)
		n = lim;
	for (i = 0; i < n && !c->oom; i++) {
		uint32_t addr, name_rva;
		uint16_t k;
		char *name, *fwd;
		int term;

		if (pe_rva_u16(c, d->ords + 2 * i, &k) || k >= d->nfuncs ||
		    pe_rva_u32(c, d->funcs + 4ull * k, &addr))
			return -EINVAL;
		if (addr == 0)
			continue;
		if (pe_rva_u32(c, d->names + 4 * i, &name_rva)) {
			if (--fails == 0)
				break;
			continue;
		}
		name = pe_rva_string(c, name_rva, CAP_PE_NAME, &term);
		if (!name || !pe_name_ok(name, EXPORT_NAME_EXTRA)) {
			pe_anomaly(c,
				   "Export name %llu (at RVA 0x%X) is not "
				   "a valid name; the names after it are "
				   "not read.",
				   (unsigned long long)i + 1, name_rva);
			free(name);
			break;
		}
		if (!term)
			pe_anomaly(c, "Export name \"%s\" is not terminated.",
				   name);
		fwd = forwarder(c, d, addr);
		if (add_export(c, (uint64_t)d->base + k, name, fwd, addr))
			break;
		taken[k / 8] |= (uint8_t)(1u << (k % 8));
	}
	return 0;
}

static void unnamed(struct pe_ctx *c, const struct exp_dir *d,
		    const uint8_t *taken)
{
	uint64_t n = d->nfuncs, lim = safety(c, d->funcs), k;

	if (n > lim)
		n = lim;
	for (k = 0; k < n && !c->oom; k++) {
		uint32_t addr;

		if (k < 0x10000 && (taken[k / 8] & (1u << (k % 8))))
			continue;
		if (pe_rva_u32(c, d->funcs + 4 * k, &addr))
			break;
		if (addr == 0)
			continue;
		if (add_export(c, (uint64_t)d->base + k, NULL,
			       forwarder(c, d, addr), addr))
			break;
	}
}

static int by_ordinal(const void *a, const void *b)
{
	const struct pe_export *x = a, *y = b;

	if (x->ordinal != y->ordinal)
		return x->ordinal < y->ordinal ? -1 : 1;
	/* stable for aliases: named before unnamed, then by name */
	if (!x->name || !y->name)
		return !x->name - !y->name;
	return strcmp(x->name, y->name);
}

/* A forwarder that names this very DLL and function goes nowhere. */
static void check_loops(struct pe_ctx *c)
{
	const char *self = c->pe->export_name;
	size_t i, n;

	if (!self)
		return;
	n = strcspn(self, ".");
	for (i = 0; i < c->pe->nexports; i++) {
		const struct pe_export *e = &c->pe->exports[i];
		const char *f = e->forwarder;

		if (f && e->name && strncasecmp(f, self, n) == 0 &&
		    f[n] == '.' && strcmp(f + n + 1, e->name) == 0)
			pe_anomaly(c, "Export %s is forwarded to itself (%s).",
				   e->name, f);
	}
}

void pe_parse_exports(struct pe_ctx *c)
{
	struct exp_dir d = { 0 };
	uint8_t *taken;
	int term;

	if (c->pe->ndirs <= PE_DIR_EXPORT || !c->pe->dirs[PE_DIR_EXPORT].rva)
		return;
	d.rva = c->pe->dirs[PE_DIR_EXPORT].rva;
	d.size = c->pe->dirs[PE_DIR_EXPORT].size;
	if (pe_rva_u32(c, d.rva + 12, &d.name) ||
	    pe_rva_u32(c, d.rva + 16, &d.base) ||
	    pe_rva_u32(c, d.rva + 20, &d.nfuncs) ||
	    pe_rva_u32(c, d.rva + 24, &d.nnames) ||
	    pe_rva_u32(c, d.rva + 28, &d.funcs) ||
	    pe_rva_u32(c, d.rva + 32, &d.names) ||
	    pe_rva_u32(c, d.rva + 36, &d.ords)) {
		pe_anomaly(c,
			   "The export directory at RVA 0x%llX cannot be "
			   "read.",
			   (unsigned long long)d.rva);
		return;
	}
	taken = calloc(0x10000 / 8, 1);
	if (!taken) {
		c->oom = 1;
		return;
	}
	if (named(c, &d, taken) == 0) {
		unnamed(c, &d, taken);
	} else {
		pe_anomaly(c, "The export name ordinals point outside the "
			      "function table; no exports are listed.");
		while (c->pe->nexports) {
			struct pe_export *e =
				&c->pe->exports[--c->pe->nexports];

			free(e->name);
			free(e->forwarder);
		}
	}
	free(taken);
	if (c->pe->nexports >= CAP_PE_EXPORTS)
		pe_anomaly(c, "More than %u exports; the rest are not read.",
			   CAP_PE_EXPORTS);
	if (c->pe->nexports > 1)
		qsort(c->pe->exports, c->pe->nexports, sizeof(*c->pe->exports),
		      by_ordinal);
	c->pe->export_name = pe_rva_string(c, d.name, CAP_PE_NAME, &term);
	check_loops(c);
}

/*
 * Private to the PE parser: the parse context and the helpers every part
 * of it reads through. The dependencies point one way:
 *
 *   headers.c (pe_parse: the driver) --> imports.c, exports.c, version.c
 *        |                                  |
 *        +----------------+-----------------+
 *                         v
 *        ctx.c (anomalies, allocation, RVA reads), names.c (names, ids)
 *
 * The parts are called by the driver only; the helpers call no part.
 */
#ifndef PROFILEFS_PE_I_H
#define PROFILEFS_PE_I_H

#include "profilefs/caps.h"
#include "profilefs/pe.h"

struct pe_ctx {
	struct rd r;	    /* the whole file */
	struct pe_info *pe; /* being filled */
	int oom;	    /* an allocation failed: give up */
	uint32_t opt_off;   /* file offset of the optional header */
};

/* ---- helpers (ctx.c) ------------------------------------------------ */

/* Records an anomaly (a sentence, no trailing newline). */
void pe_anomaly(struct pe_ctx *c, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/* Reads at an RVA (translated with pe_rva_to_off). 0 or -ERANGE. */
int pe_rva_u16(struct pe_ctx *c, uint64_t rva, uint16_t *v);
int pe_rva_u32(struct pe_ctx *c, uint64_t rva, uint32_t *v);
int pe_rva_u64(struct pe_ctx *c, uint64_t rva, uint64_t *v);

/*
 * An owned copy of the NUL-terminated ASCII string at an RVA, at most max
 * bytes (read up to the end of what is readable there). *terminated says
 * whether a NUL was found. NULL when nothing can be read there or on OOM
 * (then c->oom is set).
 */
char *pe_rva_string(struct pe_ctx *c, uint64_t rva, size_t max,
		    int *terminated);

/* An owned, NUL-terminated copy of n bytes; sets c->oom on failure. */
char *pe_strndup(struct pe_ctx *c, const void *p, size_t n);

/* Grows an array of *n elements of size sz by one; NULL on OOM. */
void *pe_grow(struct pe_ctx *c, void **arr, size_t *n, size_t sz);

/* ---- names (names.c) ------------------------------------------------- */

/* Is every character of s a letter, a digit or one of extra? (pefile's
 * tests of DLL, import and export names, each with its own extra set) */
int pe_name_ok(const char *s, const char *extra);

/* An id's name in a table sorted by id, or NULL. */
struct pe_id_name {
	uint16_t id;
	const char *name;
};
const char *pe_id_lookup(const struct pe_id_name *t, size_t n, uint16_t id);

/* ---- the parts, called by the driver (headers.c) only ---------------- */

/* Each records anomalies; none fails but on OOM (then c->oom is set). */
void pe_parse_imports(struct pe_ctx *c);
void pe_parse_exports(struct pe_ctx *c);
void pe_parse_version(struct pe_ctx *c);

#endif

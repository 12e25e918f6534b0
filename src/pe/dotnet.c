/*
 * The assembly's identity, read from the .NET metadata (ECMA-335 II.24.2,
 * the tables of II.22): name, version, culture, flags and the public key's
 * token. facts.c reads the CLR header and finds the metadata root; this
 * file goes on from the root's version string:
 *
 *   root + 16 + Length:  u16 Flags, u16 Streams, then Streams headers:
 *                        u32 Offset (from the root), u32 Size, the name
 *                        NUL-terminated and padded to 4 bytes (<= 32)
 *   "#~" (or "#-"):      u32 reserved, u8 major, u8 minor, u8 HeapSizes,
 *                        u8 reserved, u64 Valid, u64 Sorted, a u32 row
 *                        count for each bit set in Valid (table order),
 *                        a u32 of extra data when HeapSizes has 0x40,
 *                        then each present table's rows, table 0 first
 *
 * The Assembly table (0x20) comes after the tables 0x00..0x1F, whose row
 * sizes follow from the heap sizes (HeapSizes 1, 2, 4: #Strings, #GUID,
 * #Blob indexes of 4 bytes, else 2) and the row counts: an index into a
 * table is 2 bytes when it has fewer than 2^16 rows, a coded index (II.24.
 * 2.6) 2 bytes when each of its tables has fewer than 2^(16 - tag bits).
 * The sums are 64-bit (32 tables of < 2^32 rows of < 64 bytes cannot
 * overflow) and are checked against the stream before anything is read;
 * nothing sized by the file is allocated but the capped strings and key.
 */
#include <stdlib.h>
#include <string.h>

#include "profilefs/digest.h"
#include "pe_i.h"

enum {
	NTABLES = 64,
	T_FIELD = 0x04,
	T_METHOD = 0x06,
	T_PARAM = 0x08,
	T_TYPEDEF = 0x02,
	T_EVENT = 0x14,
	T_PROPERTY = 0x17,
	T_MODULEREF = 0x1a,
	T_ASSEMBLY = 0x20,
	NU = 0xff, /* a coded index's unused tag */
	/* column kinds; 0x00..0x3f: an index into that table */
	K_CODED = 0x40, /* + the coded index (enum coded) */
	K_U16 = 0x80,
	K_U32,
	K_STR,
	K_GUID,
	K_BLOB,
	K_END = 0xff,
	/* HeapSizes */
	HEAP_STR4 = 0x01,
	HEAP_GUID4 = 0x02,
	HEAP_BLOB4 = 0x04,
	HEAP_EXTRA = 0x40,
	STREAM_NAME = 32,
	MAX_STREAMS = 32,
	TILDE_ROWS = 24,
};

enum coded {
	C_TDOR,
	C_HASCONST,
	C_HASCA,
	C_HASFM,
	C_HASDS,
	C_MRP,
	C_HASSEM,
	C_MDOR,
	C_MF,
	C_IMPL,
	C_CAT,
	C_RS,
	C_TOMD,
	NCODED
};

/* II.24.2.6: each coded index's tag bits and tables, in tag order */
static const struct {
	uint8_t bits, n;
	uint8_t t[22];
} coded[NCODED] = {
	[C_TDOR] = { 2, 3, { 0x02, 0x01, 0x1b } },
	[C_HASCONST] = { 2, 3, { 0x04, 0x08, 0x17 } },
	[C_HASCA] = { 5, 22, { 0x06, 0x04, 0x01, 0x02, 0x08, 0x09, 0x0a, 0x00,
			       0x0e, 0x17, 0x14, 0x11, 0x1a, 0x1b, 0x20, 0x23,
			       0x26, 0x27, 0x28, 0x2a, 0x2c, 0x2b } },
	[C_HASFM] = { 1, 2, { 0x04, 0x08 } },
	[C_HASDS] = { 2, 3, { 0x02, 0x06, 0x20 } },
	[C_MRP] = { 3, 5, { 0x02, 0x01, 0x1a, 0x06, 0x1b } },
	[C_HASSEM] = { 1, 2, { 0x14, 0x17 } },
	[C_MDOR] = { 1, 2, { 0x06, 0x0a } },
	[C_MF] = { 1, 2, { 0x04, 0x06 } },
	[C_IMPL] = { 2, 3, { 0x26, 0x23, 0x27 } },
	[C_CAT] = { 3, 5, { NU, NU, 0x06, 0x0a, NU } },
	[C_RS] = { 2, 4, { 0x00, 0x1a, 0x23, 0x01 } },
	[C_TOMD] = { 1, 2, { 0x02, 0x06 } },
};

#define C(x) (K_CODED + (x))
/* II.22: the columns of the tables 0x00..0x20 */
static const uint8_t cols[T_ASSEMBLY + 1][10] = {
	/* Module */ { K_U16, K_STR, K_GUID, K_GUID, K_GUID, K_END },
	/* TypeRef */ { C(C_RS), K_STR, K_STR, K_END },
	/* TypeDef */
	{ K_U32, K_STR, K_STR, C(C_TDOR), T_FIELD, T_METHOD, K_END },
	/* FieldPtr */ { T_FIELD, K_END },
	/* Field */ { K_U16, K_STR, K_BLOB, K_END },
	/* MethodPtr */ { T_METHOD, K_END },
	/* MethodDef */ { K_U32, K_U16, K_U16, K_STR, K_BLOB, T_PARAM, K_END },
	/* ParamPtr */ { T_PARAM, K_END },
	/* Param */ { K_U16, K_U16, K_STR, K_END },
	/* InterfaceImpl */ { T_TYPEDEF, C(C_TDOR), K_END },
	/* MemberRef */ { C(C_MRP), K_STR, K_BLOB, K_END },
	/* Constant: Type is a byte and a padding byte */
	{ K_U16, C(C_HASCONST), K_BLOB, K_END },
	/* CustomAttribute */ { C(C_HASCA), C(C_CAT), K_BLOB, K_END },
	/* FieldMarshal */ { C(C_HASFM), K_BLOB, K_END },
	/* DeclSecurity */ { K_U16, C(C_HASDS), K_BLOB, K_END },
	/* ClassLayout */ { K_U16, K_U32, T_TYPEDEF, K_END },
	/* FieldLayout */ { K_U32, T_FIELD, K_END },
	/* StandAloneSig */ { K_BLOB, K_END },
	/* EventMap */ { T_TYPEDEF, T_EVENT, K_END },
	/* EventPtr */ { T_EVENT, K_END },
	/* Event */ { K_U16, K_STR, C(C_TDOR), K_END },
	/* PropertyMap */ { T_TYPEDEF, T_PROPERTY, K_END },
	/* PropertyPtr */ { T_PROPERTY, K_END },
	/* Property */ { K_U16, K_STR, K_BLOB, K_END },
	/* MethodSemantics */ { K_U16, T_METHOD, C(C_HASSEM), K_END },
	/* MethodImpl */ { T_TYPEDEF, C(C_MDOR), C(C_MDOR), K_END },
	/* ModuleRef */ { K_STR, K_END },
	/* TypeSpec */ { K_BLOB, K_END },
	/* ImplMap */ { K_U16, C(C_MF), K_STR, T_MODULEREF, K_END },
	/* FieldRVA */ { K_U32, T_FIELD, K_END },
	/* EncLog */ { K_U32, K_U32, K_END },
	/* EncMap */ { K_U32, K_END },
	/* Assembly: HashAlgId, Major, Minor, Build, Revision, Flags,
	 * PublicKey, Name, Culture */
	{ K_U32, K_U16, K_U16, K_U16, K_U16, K_U32, K_BLOB, K_STR, K_STR,
	  K_END },
};
#undef C

/* a stream: its file offset and size, both inside the file */
struct stream {
	size_t off, size;
};

struct md {
	struct pe_ctx *c;
	struct stream tables, strings, blob;
	uint8_t heaps;
	uint32_t rows[NTABLES];
};

static unsigned col_width(const struct md *m, uint8_t k)
{
	uint32_t most = 0;
	unsigned i;

	if (k == K_U16)
		return 2;
	if (k == K_U32)
		return 4;
	if (k == K_STR)
		return m->heaps & HEAP_STR4 ? 4 : 2;
	if (k == K_GUID)
		return m->heaps & HEAP_GUID4 ? 4 : 2;
	if (k == K_BLOB)
		return m->heaps & HEAP_BLOB4 ? 4 : 2;
	if (k < K_CODED)
		return m->rows[k] < 0x10000 ? 2 : 4;
	k -= K_CODED;
	for (i = 0; i < coded[k].n; i++)
		if (coded[k].t[i] != NU && m->rows[coded[k].t[i]] > most)
			most = m->rows[coded[k].t[i]];
	return most < (1u << (16 - coded[k].bits)) ? 2 : 4;
}

static uint64_t row_size(const struct md *m, unsigned t)
{
	uint64_t n = 0;
	const uint8_t *k;

	for (k = cols[t]; *k != K_END; k++)
		n += col_width(m, *k);
	return n;
}

/* The streams the assembly needs: 0, or -1 (an anomaly said why). */
static int find_streams(struct md *m, size_t root, size_t avail, size_t at)
{
	struct pe_ctx *c = m->c;
	uint16_t n = 0, i;
	uint32_t so, ss;
	char name[STREAM_NAME + 1];
	size_t len;

	if (at + 4 > avail || pe_u16(c->s, root + at + 2, &n)) {
		pe_anomaly(c, "The .NET metadata's stream headers cannot be "
			      "read.");
		return -1;
	}
	if (n > MAX_STREAMS) {
		pe_anomaly(c,
			   "The .NET metadata lists %u streams; the first %u "
			   "are read.",
			   n, MAX_STREAMS);
		n = MAX_STREAMS;
	}
	for (at += 4, i = 0; i < n; i++) {
		struct stream *s = NULL;

		memset(name, 0, sizeof(name));
		if (at + 8 >= avail || pe_u32(c->s, root + at, &so) ||
		    pe_u32(c->s, root + at + 4, &ss) ||
		    pe_read(c->s, root + at + 8,
			    avail - at - 8 < STREAM_NAME ? avail - at - 8
							 : STREAM_NAME,
			    name)) {
			pe_anomaly(c,
				   "The .NET metadata's stream headers are "
				   "truncated after %u of %u.",
				   i, n);
			break; /* the streams found are read */
		}
		len = strlen(name);
		at += 8 + ((len + 4) & ~(size_t)3);
		if (!strcmp(name, "#~") || !strcmp(name, "#-"))
			s = &m->tables;
		else if (!strcmp(name, "#Strings"))
			s = &m->strings;
		else if (!strcmp(name, "#Blob"))
			s = &m->blob;
		if (!s || s->off)
			continue; /* the first of a name is the one read */
		if (so > avail || ss > avail - so) {
			pe_anomaly(c,
				   "The .NET metadata stream %s (offset 0x%X, "
				   "%u bytes) lies outside the bytes the "
				   "file holds there.",
				   name, so, ss);
			continue;
		}
		s->off = root + so;
		s->size = ss;
	}
	if (!m->tables.off) {
		pe_anomaly(c, "The .NET metadata has no table stream.");
		return -1;
	}
	return 0;
}

/* A string of the #Strings heap (ECMA: UTF-8, NUL-terminated), capped. */
static char *heap_string(struct md *m, uint32_t idx)
{
	struct pe_ctx *c = m->c;
	size_t n;
	int term;
	char *s;

	if (idx >= m->strings.size) {
		if (idx)
			pe_anomaly(c,
				   "The assembly's #Strings index 0x%X is "
				   "outside the heap.",
				   idx);
		return pe_strndup(c, "", 0);
	}
	s = (char *)pe_read_until(c, m->strings.off + idx,
				  m->strings.size - idx, CAP_PE_ASSEMBLY_NAME,
				  1, &n, &term);
	if (s && !term)
		pe_anomaly(c,
			   "The assembly's string at #Strings 0x%X is not "
			   "terminated within %u bytes.",
			   idx, CAP_PE_ASSEMBLY_NAME);
	return s;
}

/* The public key blob's token: the last 8 bytes of its SHA-1, reversed. */
static void key_token(struct md *m, uint32_t idx)
{
	struct pe_ctx *c = m->c;
	struct pe_facts *f = &c->pe->facts;
	uint8_t h[4] = { 0 }, sha[20];
	size_t at = m->blob.off + idx, left, hl, n, i;
	uint8_t *key;

	if (!idx)
		return;
	f->asm_key = -1;
	left = idx < m->blob.size ? m->blob.size - idx : 0;
	/* II.24.2.4: the length, compressed in 1, 2 or 4 bytes */
	if (!left || pe_read(c->s, at, 1, h))
		goto bad;
	hl = !(h[0] & 0x80) ? 1 : (h[0] & 0xc0) == 0x80 ? 2 : 4;
	if ((h[0] & 0xe0) == 0xe0 || hl > left || pe_read(c->s, at, hl, h))
		goto bad;
	n = hl == 1   ? h[0]
	    : hl == 2 ? (size_t)(h[0] & 0x3f) << 8 | h[1]
		      : (size_t)(h[0] & 0x1f) << 24 | (size_t)h[1] << 16 |
				(size_t)h[2] << 8 | h[3];
	if (n > left - hl || n > CAP_PE_PUBLIC_KEY)
		goto bad;
	if (!n) {
		f->asm_key = 0;
		return;
	}
	key = malloc(n);
	if (!key) {
		c->oom = 1;
		return;
	}
	if (pe_read(c->s, at + hl, n, key) || dg_sha1(key, n, sha)) {
		free(key);
		goto bad;
	}
	free(key);
	for (i = 0; i < 8; i++)
		f->asm_token[i] = sha[19 - i];
	f->asm_key = 1;
	return;
bad:
	pe_anomaly(c,
		   "The assembly's public key (#Blob 0x%X) cannot be read: "
		   "outside its heap, or over %u bytes.",
		   idx, CAP_PE_PUBLIC_KEY);
}

/* A column of n (2 or 4) bytes at off. */
static int col(struct md *m, size_t off, unsigned n, uint32_t *v)
{
	uint16_t v16;

	if (n == 4)
		return pe_u32(m->c->s, off, v);
	if (pe_u16(m->c->s, off, &v16))
		return -1;
	*v = v16;
	return 0;
}

static void read_assembly(struct md *m, size_t off)
{
	struct pe_facts *f = &m->c->pe->facts;
	unsigned wb = col_width(m, K_BLOB), ws = col_width(m, K_STR), i;
	uint32_t key = 0, name = 0, culture = 0, v = 0;

	/* HashAlgId, 4 versions of 2 bytes, Flags, PublicKey, Name, Culture */
	if (col(m, off, 4, &f->asm_hash_alg) || col(m, off + 12, 4, &v) ||
	    col(m, off + 16, wb, &key) || col(m, off + 16 + wb, ws, &name) ||
	    col(m, off + 16 + wb + ws, ws, &culture))
		return;
	f->asm_flags = v;
	for (i = 0; i < 4; i++) {
		if (col(m, off + 4 + 2 * i, 2, &v))
			return;
		f->asm_version[i] = (uint16_t)v;
	}
	f->has_assembly = 1;
	f->asm_name = heap_string(m, name);
	if (!m->c->oom)
		f->asm_culture = heap_string(m, culture);
	if (!m->c->oom)
		key_token(m, key);
}

/* The Assembly row's offset in the table stream, or 0 (no row). */
static size_t assembly_row(struct md *m)
{
	struct pe_ctx *c = m->c;
	uint64_t valid = 0, at, size;
	unsigned t;

	if (m->tables.size < TILDE_ROWS ||
	    pe_read(c->s, m->tables.off + 6, 1, &m->heaps) ||
	    pe_u64(c->s, m->tables.off + 8, &valid)) {
		pe_anomaly(c, "The .NET metadata's table header is truncated.");
		return 0;
	}
	at = TILDE_ROWS;
	for (t = 0; t < NTABLES; t++) {
		if (!(valid >> t & 1))
			continue;
		if (at + 4 > m->tables.size ||
		    pe_u32(c->s, m->tables.off + at, &m->rows[t])) {
			pe_anomaly(c, "The .NET metadata's row counts are "
				      "truncated.");
			return 0;
		}
		at += 4;
	}
	if (m->heaps & HEAP_EXTRA)
		at += 4;
	if (!m->rows[T_ASSEMBLY])
		return 0;
	if (m->rows[T_ASSEMBLY] > 1)
		pe_anomaly(c,
			   "The .NET metadata's Assembly table has %u rows; "
			   "it has at most one.",
			   m->rows[T_ASSEMBLY]);
	for (t = 0; t < T_ASSEMBLY; t++)
		at += (uint64_t)m->rows[t] * row_size(m, t);
	size = row_size(m, T_ASSEMBLY);
	if (at > m->tables.size || size > m->tables.size - at) {
		pe_anomaly(c, "The .NET metadata's Assembly row lies past the "
			      "end of its table stream.");
		return 0;
	}
	return m->tables.off + (size_t)at;
}

void pe_parse_assembly(struct pe_ctx *c, size_t root, size_t avail,
		       uint32_t vlen)
{
	struct md m = { .c = c };
	size_t row;

	/* the flags and stream count after the version string */
	if (avail < 16 || vlen > avail - 16 ||
	    find_streams(&m, root, avail, 16 + vlen))
		return;
	row = assembly_row(&m);
	if (row)
		read_assembly(&m, row);
}

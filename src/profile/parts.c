/*
 * The parts a profile is stored as. Each part is a small record encoded
 * little-endian: u8/u32 fields and strings as a u32 length (0xFFFFFFFF for
 * "none") followed by the bytes. Decoding goes through the bounds-checked
 * reader; a blob that does not decode is treated as missing, so the part
 * is computed again rather than trusted.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "profilefs/profile.h"

const struct prof_part_desc prof_parts[] = {
	{ "pe", 1 },
};
const size_t prof_nparts = sizeof(prof_parts) / sizeof(prof_parts[0]);
_Static_assert(sizeof(prof_parts) / sizeof(prof_parts[0]) <= PROF_MAX_PARTS,
	       "raise PROF_MAX_PARTS");

struct dec {
	struct rd r;
	size_t off;
	int err;
};

static void put_u8(struct dynbuf *b, uint8_t v)
{
	db_add(b, &v, 1);
}

static void put_u32(struct dynbuf *b, uint32_t v)
{
	uint8_t le[4] = { (uint8_t)v, (uint8_t)(v >> 8), (uint8_t)(v >> 16),
			  (uint8_t)(v >> 24) };

	db_add(b, le, 4);
}

static void put_str(struct dynbuf *b, const char *s)
{
	size_t n = s ? strlen(s) : 0;

	if (!s || n >= UINT32_MAX) {
		put_u32(b, UINT32_MAX);
		return;
	}
	put_u32(b, (uint32_t)n);
	db_add(b, s, n);
}

static uint8_t get_u8(struct dec *d)
{
	uint8_t v = 0;

	if (!d->err && rd_u8(&d->r, d->off, &v) == 0)
		d->off += 1;
	else
		d->err = -EINVAL;
	return v;
}

static uint32_t get_u32(struct dec *d)
{
	uint32_t v = 0;

	if (!d->err && rd_u32(&d->r, d->off, &v) == 0)
		d->off += 4;
	else
		d->err = -EINVAL;
	return v;
}

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

int prof_encode_part(const struct prof *p, const char *name, struct dynbuf *out)
{
	if (strcmp(name, "pe") == 0) {
		put_u8(out, (uint8_t)(p->is_pe != 0));
		put_str(out, p->pe_note);
		return out->err;
	}
	return -ENOENT;
}

int prof_decode_part(struct prof *p, const char *name, const void *data,
		     size_t len)
{
	struct dec d = { { data, len }, 0, 0 };

	if (strcmp(name, "pe") == 0) {
		uint8_t is_pe = get_u8(&d);
		char *note = get_str(&d);

		if (!d.err && d.off != len)
			d.err = -EINVAL;
		if (d.err) {
			free(note);
			return d.err;
		}
		p->is_pe = is_pe;
		free(p->pe_note);
		p->pe_note = note;
		return 0;
	}
	return -ENOENT;
}

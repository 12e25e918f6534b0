/*
 * Bounds-checked little-endian decoding. Values are assembled with shifts,
 * never by casting a struct onto the buffer, so alignment and host byte
 * order never matter.
 */
#include <errno.h>

#include "profilefs/util.h"

int rd_u8(const struct rd *r, size_t off, uint8_t *out)
{
	if (!rd_has(r, off, 1))
		return -ERANGE;
	*out = r->p[off];
	return 0;
}

int rd_u16(const struct rd *r, size_t off, uint16_t *out)
{
	if (!rd_has(r, off, 2))
		return -ERANGE;
	*out = (uint16_t)(r->p[off] | (unsigned)r->p[off + 1] << 8);
	return 0;
}

int rd_u32(const struct rd *r, size_t off, uint32_t *out)
{
	if (!rd_has(r, off, 4))
		return -ERANGE;
	*out = (uint32_t)r->p[off] | (uint32_t)r->p[off + 1] << 8 |
	       (uint32_t)r->p[off + 2] << 16 | (uint32_t)r->p[off + 3] << 24;
	return 0;
}

int rd_u64(const struct rd *r, size_t off, uint64_t *out)
{
	uint32_t lo, hi;

	if (!rd_has(r, off, 8))
		return -ERANGE;
	rd_u32(r, off, &lo);
	rd_u32(r, off + 4, &hi);
	*out = (uint64_t)hi << 32 | lo;
	return 0;
}

int rd_sub(const struct rd *r, size_t off, size_t n, struct rd *out)
{
	if (!rd_has(r, off, n))
		return -ERANGE;
	/* an empty reader may have no buffer: NULL + 0 is undefined too */
	out->p = off ? r->p + off : r->p;
	out->len = n;
	return 0;
}

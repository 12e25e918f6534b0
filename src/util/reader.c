/*
 * Bounds-checked little-endian decoding. Values are assembled with shifts,
 * never by casting a struct onto the buffer, so alignment and host byte
 * order never matter. And hex digits read back into bytes.
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

int util_hexval(int c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

int util_unhex(const char *s, size_t n, uint8_t *out, size_t len)
{
	size_t i;

	if (!s || n != 2 * len)
		return -EINVAL;
	for (i = 0; i < len; i++) {
		int hi = util_hexval((unsigned char)s[2 * i]);
		int lo = util_hexval((unsigned char)s[2 * i + 1]);

		if (hi < 0 || lo < 0)
			return -EINVAL;
		out[i] = (uint8_t)(hi << 4 | lo);
	}
	return 0;
}

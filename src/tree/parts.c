/*
 * parts: the partition table of a disk image or block device (parts.h).
 *
 *   sector 0        a bare NTFS volume's boot sector ("NTFS    " at 3),
 *                   or an MBR: 4 entries of 16 bytes at 446, 0x55AA at 510
 *                   (type 0xEE: a protective MBR, the disk is GPT)
 *   LBA 1           a GPT header ("EFI PART"), 512- or 4096-byte LBAs;
 *                   its CRC32 over header_size bytes (the CRC field as 0)
 *   entries LBA     n entries of esize bytes; their CRC32 in the header
 *   last LBA        the backup GPT header, read when the primary is bad
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "parts.h"

#define MBR_SECTOR 512u

static uint32_t le16(const uint8_t *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8;
}

static uint32_t le32(const uint8_t *p)
{
	return le16(p) | le16(p + 2) << 16;
}

static uint64_t le64(const uint8_t *p)
{
	return (uint64_t)le32(p) | (uint64_t)le32(p + 4) << 32;
}

/* CRC-32 (IEEE 802.3, reflected), as UEFI's GPT uses */
static uint32_t crc32(const uint8_t *p, size_t n)
{
	uint32_t c = 0xffffffffu;
	size_t i;
	int k;

	for (i = 0; i < n; i++) {
		c ^= p[i];
		for (k = 0; k < 8; k++)
			c = c >> 1 ^ (0xedb88320u & (0u - (c & 1)));
	}
	return ~c;
}

int parts_is_ntfs(const uint8_t *s)
{
	return memcmp(s + 3, "NTFS    ", 8) == 0;
}

const char *parts_scheme_name(enum parts_scheme s)
{
	switch (s) {
	case PARTS_BARE:
		return "NTFS volume";
	case PARTS_MBR:
		return "MBR";
	case PARTS_GPT:
		return "GPT";
	default:
		return "unknown";
	}
}

/* n bytes at off, all of them: 1, 0 when the device is shorter, -errno */
static int read_all(parts_read_fn read, void *arg, uint64_t size, void *buf,
		    size_t n, uint64_t off)
{
	ssize_t r;

	if (off > size || n > size - off)
		return 0;
	r = read(arg, buf, n, off);
	if (r < 0)
		return (int)r;
	return (size_t)r == n;
}

/* the partition [off, off + len) if it lies inside the device, with
 * whether NTFS starts there */
static int add(struct parts *ps, parts_read_fn read, void *arg, uint64_t size,
	       unsigned number, uint64_t off, uint64_t len, const char *type)
{
	uint8_t s[512];
	struct part *p;
	int r;

	if (ps->n >= PARTS_MAX || len == 0 || off > size || len > size - off)
		return 0;
	r = read_all(read, arg, size, s, sizeof(s), off);
	if (r < 0)
		return r;
	p = &ps->p[ps->n++];
	p->number = number;
	p->offset = off;
	p->size = len;
	snprintf(p->type, sizeof(p->type), "%s", type);
	p->ntfs = r == 1 && parts_is_ntfs(s);
	return 0;
}

/* ---- GPT ------------------------------------------------------------- */

static const struct {
	const char *guid, *name;
} gpt_types[] = {
	{ "EBD0A0A2-B9E5-4433-87C0-68B6B72699C7", "Microsoft basic data" },
	{ "E3C9E316-0B5C-4DB8-817D-F92DF00215AE", "Microsoft reserved" },
	{ "DE94BBA4-06D1-4D40-A16A-BFD50179D6AC", "Windows recovery" },
	{ "5808C8AA-7E8F-42E0-85D2-E1E90434CFB3", "Windows LDM metadata" },
	{ "AF9B60A0-1431-4F62-BC68-3311714A69AD", "Windows LDM data" },
	{ "C12A7328-F81F-11D2-BA4B-00A0C93EC93B", "EFI system" },
	{ "0FC63DAF-8483-4772-8E79-3D69D8477DE4", "Linux filesystem" },
	{ "0657FD6D-A4AB-43C4-84E5-0933C84B4F4F", "Linux swap" },
};

static void guid_name(const uint8_t *g, char *out, size_t n)
{
	char s[40];
	size_t i;

	snprintf(s, sizeof(s),
		 "%08X-%04X-%04X-%02X%02X-%02X%02X%02X%02X%02X%02X",
		 (unsigned)le32(g), (unsigned)le16(g + 4),
		 (unsigned)le16(g + 6), g[8], g[9], g[10], g[11], g[12], g[13],
		 g[14], g[15]);
	for (i = 0; i < sizeof(gpt_types) / sizeof(gpt_types[0]); i++)
		if (strcmp(s, gpt_types[i].guid) == 0) {
			snprintf(out, n, "%s", gpt_types[i].name);
			return;
		}
	snprintf(out, n, "%s", s);
}

/* the GPT header at lba (sector bytes each) if its CRC is right: 1, 0 */
static int gpt_header(parts_read_fn read, void *arg, uint64_t size,
		      unsigned sector, uint64_t lba, uint8_t *h)
{
	uint32_t hsize, crc;
	int r;

	if (lba > size / sector)
		return 0;
	r = read_all(read, arg, size, h, sector, lba * sector);
	if (r <= 0)
		return r;
	if (memcmp(h, "EFI PART", 8) != 0)
		return 0;
	hsize = le32(h + 12);
	if (hsize < 92 || hsize > sector || le64(h + 24) != lba)
		return 0;
	crc = le32(h + 16);
	memset(h + 16, 0, 4);
	if (crc32(h, hsize) != crc)
		return 0;
	return 1;
}

/* the entries the header h names, if their CRC is right */
static int gpt_entries(struct parts *ps, parts_read_fn read, void *arg,
		       uint64_t size, unsigned sector, const uint8_t *h)
{
	uint64_t lba = le64(h + 72), total;
	uint32_t count = le32(h + 80), esize = le32(h + 84), i;
	uint8_t *e;
	int r;

	if (esize < 128 || esize % 8 || count == 0 ||
	    count > PARTS_GPT_BYTES / esize || lba > size / sector)
		return 0;
	total = (uint64_t)count * esize;
	e = malloc(total);
	if (!e)
		return -ENOMEM;
	r = read_all(read, arg, size, e, total, lba * sector);
	if (r <= 0)
		goto out;
	if (crc32(e, total) != le32(h + 88)) {
		r = 0;
		goto out;
	}
	ps->scheme = PARTS_GPT;
	ps->sector = sector;
	for (i = 0; i < count && r >= 0; i++) {
		const uint8_t *p = e + (size_t)i * esize;
		uint64_t first = le64(p + 32), last = le64(p + 40);
		char type[48];
		static const uint8_t zero[16];

		if (memcmp(p, zero, 16) == 0 || last < first ||
		    last >= size / sector)
			continue;
		guid_name(p, type, sizeof(type));
		r = add(ps, read, arg, size, i + 1, first * sector,
			(last - first + 1) * sector, type);
	}
	if (r >= 0)
		r = 1;
out:
	free(e);
	return r;
}

/* a GPT with sector-byte LBAs: 1 found, 0 none, -errno */
static int gpt_scan(parts_read_fn read, void *arg, uint64_t size,
		    unsigned sector, struct parts *ps)
{
	uint8_t *h = malloc(sector);
	int r;

	if (!h)
		return -ENOMEM;
	r = gpt_header(read, arg, size, sector, 1, h);
	if (r == 1)
		r = gpt_entries(ps, read, arg, size, sector, h);
	if (r == 0 && size / sector > 1) {
		/* the backup header, at the last LBA */
		r = gpt_header(read, arg, size, sector, size / sector - 1, h);
		if (r == 1)
			r = gpt_entries(ps, read, arg, size, sector, h);
	}
	free(h);
	return r;
}

/* ---- MBR ------------------------------------------------------------- */

static int is_extended(unsigned type)
{
	return type == 0x05 || type == 0x0f || type == 0x85;
}

/* the logical partitions of the extended partition at ext (sectors) */
static int mbr_logical(struct parts *ps, parts_read_fn read, void *arg,
		       uint64_t size, uint64_t ext, uint64_t ext_len)
{
	uint64_t cur = ext;
	unsigned number = 5, links;
	uint8_t s[MBR_SECTOR];
	int r = 0;

	/* each EBR must lie past the one before: no loop, PARTS_MAX links */
	for (links = 0; links < PARTS_MAX && r >= 0; links++) {
		const uint8_t *e0 = s + 446, *e1 = s + 462;
		uint64_t next;
		char type[48];

		r = read_all(read, arg, size, s, sizeof(s), cur * MBR_SECTOR);
		if (r <= 0 || s[510] != 0x55 || s[511] != 0xaa)
			break;
		if (e0[4] && le32(e0 + 8) && le32(e0 + 12)) {
			snprintf(type, sizeof(type), "0x%02x", e0[4]);
			r = add(ps, read, arg, size, number++,
				(cur + le32(e0 + 8)) * MBR_SECTOR,
				(uint64_t)le32(e0 + 12) * MBR_SECTOR, type);
		}
		if (!is_extended(e1[4]) || le32(e1 + 8) == 0)
			break;
		next = ext + le32(e1 + 8);
		if (next <= cur || next >= ext + ext_len)
			break;
		cur = next;
	}
	return r < 0 ? r : 0;
}

/* an MBR in s (sector 0): 1 found, 0 not one, -errno */
static int mbr_scan(parts_read_fn read, void *arg, uint64_t size,
		    const uint8_t *s, struct parts *ps)
{
	unsigned i;
	int r = 0;

	if (s[510] != 0x55 || s[511] != 0xaa)
		return 0;
	for (i = 0; i < 4; i++) {
		uint8_t status = s[446 + i * 16];

		if (status != 0 && status != 0x80)
			return 0;
	}
	ps->scheme = PARTS_MBR;
	ps->sector = MBR_SECTOR;
	for (i = 0; i < 4 && r >= 0; i++) {
		const uint8_t *e = s + 446 + i * 16;
		uint64_t start = le32(e + 8), count = le32(e + 12);
		char type[48];

		if (e[4] == 0 || start == 0 || count == 0)
			continue;
		if (is_extended(e[4])) {
			r = mbr_logical(ps, read, arg, size, start, count);
			continue;
		}
		snprintf(type, sizeof(type), "0x%02x", e[4]);
		r = add(ps, read, arg, size, i + 1, start * MBR_SECTOR,
			count * MBR_SECTOR, type);
	}
	return r < 0 ? r : 1;
}

int parts_scan(parts_read_fn read, void *arg, uint64_t size, struct parts *out)
{
	uint8_t s[MBR_SECTOR];
	int r;

	memset(out, 0, sizeof(*out));
	r = read_all(read, arg, size, s, sizeof(s), 0);
	if (r <= 0)
		return r;
	if (parts_is_ntfs(s)) {
		out->scheme = PARTS_BARE;
		return 0;
	}
	r = gpt_scan(read, arg, size, 512, out);
	if (r == 0) {
		memset(out, 0, sizeof(*out));
		r = gpt_scan(read, arg, size, 4096, out);
	}
	if (r == 0) {
		memset(out, 0, sizeof(*out));
		r = mbr_scan(read, arg, size, s, out);
	}
	if (r < 0) {
		memset(out, 0, sizeof(*out));
		return r;
	}
	return 0;
}

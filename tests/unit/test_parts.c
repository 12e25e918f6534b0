/*
 * parts_scan() on disks built here byte by byte: a bare NTFS boot sector,
 * an MBR with primaries and a chain of logical partitions, a GPT at 512-
 * and 4096-byte LBAs (CRCs by zlib, not by parts.c), and the hostile
 * ones: a bad header CRC (the backup is read), an EBR chain that points
 * at itself, partitions past the end, an entry table too large to read.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

#include "parts.h"
#include "t.h"

#define DISK (4u << 20)

static uint8_t *disk;
static size_t disk_size;
static unsigned reads;

static ssize_t mem_read(void *arg, void *buf, size_t n, uint64_t off)
{
	(void)arg;
	reads++;
	if (off >= disk_size)
		return 0;
	if (n > disk_size - off)
		n = disk_size - (size_t)off;
	memcpy(buf, disk + off, n);
	return (ssize_t)n;
}

static void put16(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)v;
	p[1] = (uint8_t)(v >> 8);
}

static void put32(uint8_t *p, uint32_t v)
{
	put16(p, v & 0xffff);
	put16(p + 2, v >> 16);
}

static void put64(uint8_t *p, uint64_t v)
{
	put32(p, (uint32_t)v);
	put32(p + 4, (uint32_t)(v >> 32));
}

static void ntfs_at(uint64_t off)
{
	memcpy(disk + off + 3, "NTFS    ", 8);
}

static void mbr_entry(uint8_t *s, int i, uint8_t type, uint32_t lba,
		      uint32_t count)
{
	uint8_t *e = s + 446 + 16 * i;

	e[4] = type;
	put32(e + 8, lba);
	put32(e + 12, count);
	s[510] = 0x55;
	s[511] = 0xaa;
}

static int scan(struct parts *ps)
{
	reads = 0;
	return parts_scan(mem_read, NULL, disk_size, ps);
}

static void test_bare(void)
{
	struct parts ps;

	memset(disk, 0, DISK);
	ntfs_at(0);
	/* an NTFS boot sector ends in 0x55AA too: still a bare volume */
	disk[510] = 0x55;
	disk[511] = 0xaa;
	CHECK(scan(&ps) == 0);
	CHECK(ps.scheme == PARTS_BARE);
	CHECK(ps.n == 0);
}

static void test_mbr(void)
{
	struct parts ps;

	memset(disk, 0, DISK);
	mbr_entry(disk, 0, 0x07, 2048, 1024);
	mbr_entry(disk, 1, 0x83, 3072, 512);
	/* extended at 4096: logical 5 at 4096+64, next EBR at 4096+1024
	 * holding logical 6 at +64 from it */
	mbr_entry(disk, 2, 0x0f, 4096, 4096);
	mbr_entry(disk + 4096 * 512, 0, 0x07, 64, 256);
	mbr_entry(disk + 4096 * 512, 1, 0x05, 1024, 1024);
	mbr_entry(disk + 5120 * 512, 0, 0x0c, 64, 128);
	ntfs_at(2048 * 512);
	ntfs_at((4096 + 64) * 512);
	CHECK(scan(&ps) == 0);
	CHECK(ps.scheme == PARTS_MBR);
	CHECK(ps.n == 4);
	if (ps.n != 4)
		return;
	CHECK(ps.p[0].number == 1 && ps.p[0].offset == 2048 * 512 &&
	      ps.p[0].size == 1024 * 512 && ps.p[0].ntfs);
	CHECK_STR(ps.p[0].type, "0x07");
	CHECK(ps.p[1].number == 2 && !ps.p[1].ntfs);
	CHECK(ps.p[2].number == 5 && ps.p[2].offset == (4096 + 64) * 512 &&
	      ps.p[2].ntfs);
	CHECK(ps.p[3].number == 6 && ps.p[3].offset == (5120 + 64) * 512 &&
	      ps.p[3].size == 128 * 512);
	CHECK_STR(ps.p[3].type, "0x0c");
}

static void test_mbr_hostile(void)
{
	struct parts ps;

	memset(disk, 0, DISK);
	/* an EBR whose next link is itself, and one past the end */
	mbr_entry(disk, 0, 0x05, 2048, 2048);
	mbr_entry(disk + 2048 * 512, 0, 0x07, 64, 64);
	mbr_entry(disk + 2048 * 512, 1, 0x05, 0, 64);
	mbr_entry(disk, 1, 0x07, 8000, 0xffffffffu);
	CHECK(scan(&ps) == 0);
	CHECK(ps.scheme == PARTS_MBR);
	CHECK(ps.n == 1);
	CHECK(reads < 16);
	/* a status byte that is neither 0 nor 0x80: no MBR at all */
	disk[446] = 0x12;
	CHECK(scan(&ps) == 0);
	CHECK(ps.scheme == PARTS_NONE);
}

/* a GPT header at lba (of sector bytes) naming n entries at elba */
static void gpt_header(unsigned sector, uint64_t lba, uint64_t elba, uint32_t n)
{
	uint8_t *h = disk + lba * sector;
	uint32_t crc;

	memset(h, 0, sector);
	memcpy(h, "EFI PART", 8);
	put32(h + 8, 0x10000);
	put32(h + 12, 92);
	put64(h + 24, lba);
	put64(h + 72, elba);
	put32(h + 80, n);
	put32(h + 84, 128);
	crc = (uint32_t)crc32(0, disk + elba * sector, n * 128);
	put32(h + 88, crc);
	crc = (uint32_t)crc32(0, h, 92);
	put32(h + 16, crc);
}

static const uint8_t basic_data[16] = {
	0xa2, 0xa0, 0xd0, 0xeb, 0xe5, 0xb9, 0x33, 0x44,
	0x87, 0xc0, 0x68, 0xb6, 0xb7, 0x26, 0x99, 0xc7,
};

static void gpt_entry(unsigned sector, uint64_t elba, int i,
		      const uint8_t *type, uint64_t first, uint64_t last)
{
	uint8_t *e = disk + elba * sector + 128 * i;

	memcpy(e, type, 16);
	e[16] = 1; /* a unique GUID */
	put64(e + 32, first);
	put64(e + 40, last);
}

static void test_gpt(unsigned sector)
{
	static const uint8_t odd[16] = { 1, 2,	3,  4,	5,  6,	7,  8,
					 9, 10, 11, 12, 13, 14, 15, 16 };
	uint64_t last = DISK / sector - 1;
	struct parts ps;

	memset(disk, 0, DISK);
	mbr_entry(disk, 0, 0xee, 1, DISK / 512 - 1);
	gpt_entry(sector, 2, 0, basic_data, 40, 99);
	gpt_entry(sector, 2, 2, odd, 100, 119);
	/* past the end: left out */
	gpt_entry(sector, 2, 3, basic_data, 200, last + 5);
	gpt_header(sector, 1, 2, 4);
	ntfs_at(40 * sector);
	CHECK(scan(&ps) == 0);
	CHECK(ps.scheme == PARTS_GPT);
	CHECK(ps.sector == sector);
	CHECK(ps.n == 2);
	if (ps.n != 2)
		return;
	CHECK(ps.p[0].number == 1 && ps.p[0].offset == 40 * sector &&
	      ps.p[0].size == 60 * sector && ps.p[0].ntfs);
	CHECK_STR(ps.p[0].type, "Microsoft basic data");
	CHECK(ps.p[1].number == 3 && !ps.p[1].ntfs);
	CHECK_STR(ps.p[1].type, "04030201-0605-0807-090A-0B0C0D0E0F10");

	/* the primary header damaged: the backup at the last LBA, naming
	 * its own copy of the entries */
	memcpy(disk + (last - 4) * sector, disk + 2 * sector, 4 * 128);
	gpt_header(sector, last, last - 4, 4);
	disk[sector + 40] ^= 1;
	CHECK(scan(&ps) == 0);
	CHECK(ps.scheme == PARTS_GPT && ps.n == 2);
	/* both damaged: the protective MBR is all that is left */
	disk[last * sector + 40] ^= 1;
	CHECK(scan(&ps) == 0);
	CHECK(ps.scheme == PARTS_MBR);
	CHECK(ps.n == 1 && ps.n && strcmp(ps.p[0].type, "0xee") == 0);
}

static void test_gpt_hostile(void)
{
	struct parts ps;

	memset(disk, 0, DISK);
	/* entries the CRC does not match */
	gpt_entry(512, 2, 0, basic_data, 40, 99);
	gpt_header(512, 1, 2, 4);
	disk[2 * 512 + 40] ^= 1;
	CHECK(scan(&ps) == 0);
	CHECK(ps.scheme == PARTS_NONE);
	/* more entries than PARTS_GPT_BYTES: not read at all */
	memset(disk, 0, DISK);
	gpt_header(512, 1, 2, 4);
	put32(disk + 512 + 80, 0x01000000);
	put32(disk + 512 + 16, 0);
	put32(disk + 512 + 16, (uint32_t)crc32(0, disk + 512, 92));
	CHECK(scan(&ps) == 0);
	CHECK(ps.scheme == PARTS_NONE);
	/* a device shorter than a sector */
	disk_size = 100;
	CHECK(scan(&ps) == 0);
	CHECK(ps.scheme == PARTS_NONE);
	disk_size = DISK;
}

int main(void)
{
	disk = calloc(1, DISK);
	disk_size = DISK;
	if (!disk)
		return 1;
	test_bare();
	test_mbr();
	test_mbr_hostile();
	test_gpt(512);
	test_gpt(4096);
	test_gpt_hostile();
	free(disk);
	return t_done();
}

/*
 * The file at the cache path, judged before SQLite sees it.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cache_i.h"

/*
 * A file at the cache path that is not ours must come out of a refusal
 * byte for byte the same, with no -wal or -shm made beside it; SQLite
 * opened read-write would already switch it to WAL mode and make both.
 * So its header is read here first, with pread. Layout (big-endian):
 *
 *   0  "SQLite format 3\0"     40  schema cookie (0: never had a table)
 *  16  page size (1: 65536)    60  user_version (our schema)
 *  28  pages in the file       68  application_id
 *
 * A committed transaction may still be in the -wal only (a cache made
 * moments before a crash: page 1 in the main file says application_id 0,
 * no tables), so the last committed copy of page 1 in the -wal, if any,
 * is the header that counts.
 */
#define HDR_LEN	       100
#define WAL_HDR	       32
#define WAL_FRAME_HDR  24
#define WAL_MAX_FRAMES 65536 /* a bound on the scan; beyond: not judged */

static uint32_t be32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 |
	       (uint32_t)p[2] << 8 | p[3];
}

/*
 * The last committed page 1 in PATH-wal into hdr: 1 when found, 0 when
 * there is none (no -wal, empty, a stale one, or only uncommitted frames).
 * Frames count while their salts match the -wal header's; checksums are
 * not verified: SQLite's own check after opening is the second line.
 */
static int wal_page1(const char *path, uint8_t hdr[HDR_LEN])
{
	char wal[4096];
	uint8_t wh[WAL_HDR], fh[WAL_FRAME_HDR], page1[HDR_LEN];
	uint32_t psize, magic;
	off_t off;
	int fd, n, have = 0, found = 0;

	if (snprintf(wal, sizeof(wal), "%s-wal", path) >= (int)sizeof(wal))
		return 0;
	fd = open(wal, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
	if (fd < 0)
		return 0;
	if (pread(fd, wh, WAL_HDR, 0) != WAL_HDR)
		goto out;
	magic = be32(wh);
	psize = be32(wh + 8);
	if ((magic != 0x377f0682 && magic != 0x377f0683) || psize < 512 ||
	    psize > 65536 || (psize & (psize - 1)))
		goto out;
	off = WAL_HDR;
	for (n = 0; n < WAL_MAX_FRAMES; n++) {
		if (pread(fd, fh, WAL_FRAME_HDR, off) != WAL_FRAME_HDR ||
		    memcmp(fh + 8, wh + 16, 8) != 0)
			break;
		if (be32(fh) == 1) {
			if (pread(fd, page1, HDR_LEN, off + WAL_FRAME_HDR) !=
			    HDR_LEN)
				break;
			have = 1;
		}
		/* a commit frame: what came before it counts */
		if (be32(fh + 4) != 0 && have) {
			memcpy(hdr, page1, HDR_LEN);
			found = 1;
		}
		off += WAL_FRAME_HDR + (off_t)psize;
	}
out:
	close(fd);
	return found;
}

/* A whole header (the last committed page 1): 0 for an empty database
 * or one of ours this profilefs knows, else -EPROTO and why. */
static int judge(const uint8_t hdr[HDR_LEN], char *why, size_t len)
{
	uint32_t app = be32(hdr + 68);
	int32_t ver = (int32_t)be32(hdr + 60);

	if (app == 0 && be32(hdr + 40) == 0)
		return 0; /* no table ever: an empty database */
	if (app != CACHE_APP_ID) {
		snprintf(why, len,
			 "another program's SQLite database (application_id "
			 "%#x)",
			 (unsigned)app);
		return -EPROTO;
	}
	if (ver < 0 || ver > CACHE_SCHEMA_VERSION) {
		snprintf(why, len,
			 "a profilefs cache of schema %d, newer than this "
			 "profilefs knows (%d)",
			 (int)ver, CACHE_SCHEMA_VERSION);
		return -EPROTO;
	}
	return 0;
}

int cache_probe(const char *path, char *why, size_t len)
{
	static const uint8_t magic[16] = "SQLite format 3";
	uint8_t hdr[HDR_LEN];
	struct stat st;
	ssize_t n;
	int fd, rc = -EPROTO;

	fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK);
	if (fd < 0)
		return 0; /* absent: made new; unreadable: opening says so */
	if (fstat(fd, &st) < 0) {
		rc = 0;
		goto out;
	}
	if (!S_ISREG(st.st_mode)) {
		snprintf(why, len, "not a regular file");
		goto out;
	}
	/* SQLite takes an empty file for a new database, and so do we */
	if (st.st_size == 0) {
		rc = 0;
		goto out;
	}
	n = pread(fd, hdr, HDR_LEN, 0);
	if (n < 0) {
		rc = 0;
		goto out;
	}
	if (n < (ssize_t)sizeof(magic) || memcmp(hdr, magic, sizeof(magic))) {
		snprintf(why, len, "not an SQLite database");
		goto out;
	}
	/* cut short: ours (by its application_id) is damaged, which
	 * opening finds and has moved aside; anybody else's is left */
	if (n < HDR_LEN) {
		if (n >= 72 && be32(hdr + 68) == CACHE_APP_ID)
			rc = 0;
		else
			snprintf(why, len, "an SQLite database cut short");
		goto out;
	}
	wal_page1(path, hdr);
	rc = judge(hdr, why, len);
out:
	close(fd);
	return rc;
}

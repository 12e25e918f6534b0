/*
 * Reading a source file: opened without following links and without
 * leaving the source root, read with pread (a mapping would die with
 * SIGBUS if the file shrank underneath), and checked afterwards to be the
 * same file it was before.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "profilefs/pe.h"
#include "profilefs/profile.h"

int prof_open(int rootfd, const char *relpath, int *fd_out, struct stat *st)
{
	int flags = O_RDONLY | O_NONBLOCK | O_CLOEXEC | O_NOCTTY;
	int fd;

	while (*relpath == '/')
		relpath++;
	if (!*relpath)
		relpath = ".";
	/* evidence: do not touch atime where we are allowed not to */
	fd = util_open_noatime(rootfd, relpath, flags);
	if (fd < 0)
		return -errno;
	if (fstat(fd, st) < 0) {
		int err = -errno;

		close(fd);
		return err;
	}
	if (!S_ISREG(st->st_mode)) {
		close(fd);
		return -EINVAL;
	}
	*fd_out = fd;
	return 0;
}

static int same_file(const struct stat *a, const struct stat *b)
{
	return a->st_dev == b->st_dev && a->st_ino == b->st_ino &&
	       a->st_size == b->st_size &&
	       a->st_mtim.tv_sec == b->st_mtim.tv_sec &&
	       a->st_mtim.tv_nsec == b->st_mtim.tv_nsec &&
	       a->st_ctim.tv_sec == b->st_ctim.tv_sec &&
	       a->st_ctim.tv_nsec == b->st_ctim.tv_nsec;
}

/*
 * Reads exactly size bytes at the file's start, hashing each chunk and
 * keeping up to keep_max bytes in *keep for the parsers; asks stop
 * between chunks. A short read means the file shrank: -EAGAIN.
 */
static int read_all(int fd, uint64_t size, struct dg_ctx *dg, uint8_t *keep,
		    size_t keep_max, uint8_t *chunk,
		    const struct util_stop *stop)
{
	uint64_t off = 0;
	int rc;

	while (off < size) {
		size_t want = CAP_CHUNK;
		uint8_t *dst;
		ssize_t n;

		rc = util_stop_check(stop);
		if (rc)
			return rc;

		if (size - off < want)
			want = (size_t)(size - off);
		/* read straight into the kept buffer while it has room */
		dst = off + want <= keep_max ? keep + off : chunk;
		n = pread(fd, dst, want, (off_t)off);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			return -EIO;
		}
		if (n == 0)
			return -EAGAIN;
		/* the first chunk holds the headers: where the PE image hash
		 * skips and ends (no PE image, no PE hash) */
		if (off == 0) {
			struct dg_pe_layout l;

			if (pe_hash_layout(dst, (size_t)n, size, &l) == 0 &&
			    dg_set_pe(dg, &l))
				return -EIO;
		}
		if (dst == chunk && off < keep_max)
			memcpy(keep + off, chunk,
			       (size_t)n < keep_max - off ? (size_t)n
							  : keep_max - off);
		if (dg_update(dg, dst, (size_t)n))
			return -EIO;
		off += (uint64_t)n;
	}
	return 0;
}

/* MD5 of a buffer as lowercase hex into out[33], "" for nothing */
static int md5_hex(const void *p, size_t n, char *out)
{
	uint8_t md[16];
	int rc;

	out[0] = '\0';
	if (n == 0)
		return 0;
	rc = dg_md5(p, n, md);
	if (!rc)
		dg_hex(md, sizeof(md), out, 0);
	return rc;
}

static int parse_bytes(struct prof *p, const uint8_t *buf, size_t len,
		       uint64_t file_len)
{
	struct dynbuf imp;
	const char *why;
	int rc;

	p->is_pe = pe_identify(buf, len, &why);
	if (!p->is_pe) {
		p->pe_note = strdup(why);
		return p->pe_note ? 0 : -ENOMEM;
	}
	rc = pe_parse(buf, len, file_len, &p->pe);
	if (rc)
		return rc;
	db_init(&imp, CAP_PROFILE);
	rc = pe_imphash_input(p->pe, &imp);
	if (!rc)
		rc = md5_hex(imp.data, imp.len, p->imphash);
	db_free(&imp);
	if (!rc && p->pe->rich)
		rc = md5_hex(p->pe->rich, p->pe->rich_len, p->rich_hash);
	return rc;
}

/*
 * The certificate table named by the security directory (whose address is
 * a file offset, not an RVA): from the kept bytes, else read again.
 */
static int read_cert_table(struct prof *p, int fd, const uint8_t *keep,
			   size_t kept, uint64_t size)
{
	uint64_t off, len;
	uint8_t *tab;
	char why[200];
	ssize_t n;
	int rc;

	if (!p->pe || p->pe->ndirs <= PE_DIR_SECURITY ||
	    !p->pe->dirs[PE_DIR_SECURITY].rva ||
	    !p->pe->dirs[PE_DIR_SECURITY].size)
		return 0;
	off = p->pe->dirs[PE_DIR_SECURITY].rva;
	len = p->pe->dirs[PE_DIR_SECURITY].size;
	p->sig.present = 1;
	if (off + len > size) {
		snprintf(why, sizeof(why),
			 "The certificate table (%llu bytes at offset %llu) "
			 "reaches past the end of the file (%llu bytes): "
			 "the file is not validly signed.",
			 (unsigned long long)len, (unsigned long long)off,
			 (unsigned long long)size);
		return sig_table_set_problem(&p->sig, why);
	}
	if (len > CAP_SIG_TABLE) {
		snprintf(why, sizeof(why),
			 "The certificate table is %llu bytes, more than the "
			 "%u read: it was not checked.",
			 (unsigned long long)len, CAP_SIG_TABLE);
		return sig_table_set_problem(&p->sig, why);
	}
	if (off + len <= kept)
		return sig_table_parse(keep + off, (size_t)len, &p->sig);
	tab = malloc((size_t)len);
	if (!tab)
		return -ENOMEM;
	do
		n = pread(fd, tab, (size_t)len, (off_t)off);
	while (n < 0 && errno == EINTR);
	if (n < 0)
		rc = -EIO;
	else if ((uint64_t)n != len)
		rc = -EAGAIN;
	else
		rc = sig_table_parse(tab, (size_t)len, &p->sig);
	free(tab);
	return rc;
}

int prof_limited(const struct stat *st, const struct prof_limits *lim,
		 int timed_out, struct prof **out)
{
	struct prof *p = prof_new();
	int rc;

	if (!p)
		return -ENOMEM;
	if (timed_out)
		rc = prof_note(p,
			       "Reading stopped after %u s (the time limit): "
			       "no hashes or PE facts were computed.",
			       lim->max_seconds);
	else
		rc = prof_note(p,
			       "The file is %llu bytes, more than the size "
			       "cap of %llu: it was not read.",
			       (unsigned long long)st->st_size,
			       (unsigned long long)lim->max_size);
	if (rc) {
		prof_free(p);
		return rc;
	}
	*out = p;
	return 0;
}

static size_t keep_size(uint64_t size)
{
	return size <= CAP_WHOLE_FILE ? (size_t)size : CAP_HEAD;
}

uint64_t prof_memory(uint64_t size)
{
	/* the kept bytes, the chunk, and what the parsers make of them (a
	 * fraction of what they read, by the caps) */
	uint64_t keep = keep_size(size);

	return keep + keep / 4 + 2 * (uint64_t)CAP_CHUNK;
}

/*
 * The kept bytes are mapped, not taken from malloc's arenas: whatever the
 * sizes of the files read, their memory goes back to the system when the
 * profile is made (an arena keeps its peak).
 */
static uint8_t *keep_alloc(size_t n)
{
	void *p = mmap(NULL, n ? n : 1, PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	return p == MAP_FAILED ? NULL : p;
}

static void keep_free(uint8_t *p, size_t n)
{
	if (p)
		munmap(p, n ? n : 1);
}

int prof_compute(int fd, const struct stat *st, const struct prof_limits *lim,
		 const struct util_stop *stop, struct prof **out)
{
	static const struct prof_limits none = { 0, 0 };
	uint64_t size = (uint64_t)st->st_size;
	size_t keep_max = keep_size(size);
	size_t kept;
	uint8_t *keep = NULL, *chunk = NULL;
	struct dg_ctx *dg = NULL;
	struct prof *p = NULL;
	struct util_stop own;
	struct stat after;
	int rc;

	if (!lim)
		lim = &none;
	if (lim->max_size && size > lim->max_size)
		return prof_limited(st, lim, 0, out);
	if (!stop) {
		own = (struct util_stop){ util_deadline(lim->max_seconds), NULL,
					  NULL };
		stop = &own;
	}
	rc = -ENOMEM;
	keep = keep_alloc(keep_max);
	chunk = malloc(CAP_CHUNK);
	p = prof_new();
	if (!keep || !chunk || !p)
		goto out;
	rc = dg_new(&dg, size);
	if (rc)
		goto out;
	rc = read_all(fd, size, dg, keep, keep_max, chunk, stop);
	if (rc == -ETIME) {
		rc = prof_limited(st, lim, 1, out);
		goto out;
	}
	if (rc)
		goto out;
	rc = dg_final(dg, &p->dg);
	if (rc)
		goto out;
	p->hashed = 1;
	p->size = size;
	kept = keep_max < size ? keep_max : (size_t)size;
	rc = parse_bytes(p, keep, kept, size);
	if (!rc)
		rc = read_cert_table(p, fd, keep, kept, size);
	if (!rc)
		rc = prof_rare_pehash(p, fd, keep, kept, size, stop);
	if (rc)
		goto out;
	/* the bytes hashed and parsed were all of one version of the file */
	if (fstat(fd, &after) < 0 || !same_file(st, &after)) {
		rc = -EAGAIN;
		goto out;
	}
	*out = p;
	p = NULL;
out:
	prof_free(p);
	dg_free(dg);
	free(chunk);
	keep_free(keep, keep_max);
	return rc;
}

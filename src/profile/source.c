/*
 * Reading a source file: opened through its tree (tree.h: without
 * following links and without leaving the source root), read with pread (a
 * mapping would die with SIGBUS if the file shrank underneath), and checked
 * afterwards to be the same file it was before.
 *
 * The file is read twice, and never held: once in chunks for the digests,
 * then by the parsers, again with pread, where they need to (pe_parse_file()
 * through its small block cache, the certificate table, the rarer PE
 * hashes). What a computation holds is the same whatever the file's size.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "profilefs/pe.h"
#include "profilefs/profile.h"
#include "profilefs/tree.h"

int prof_open(struct tree *t, const char *relpath, struct tree_file **f,
	      struct stat *st)
{
	int rc = tree_file_open(t, relpath, f, st);

	/* not a regular file: what it is, for prof_special() */
	if (rc == -EINVAL && tree_lstat(t, relpath, st) != 0)
		st->st_mode = 0;
	return rc;
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
 * Reads exactly size bytes from the file's start, a chunk at a time, and
 * hashes them; asks stop between chunks. *layout (when *has_layout) is
 * where the PE image hash skips and ends, from the first chunk; *pe_sum
 * the sum the PE header checksum is made of (pe_checksum_add()); *done
 * how far it got. A short read means the file shrank: -EAGAIN.
 */
static int read_all(struct tree_file *f, uint64_t size, struct dg_ctx *dg,
		    uint8_t *chunk, struct dg_pe_layout *layout,
		    int *has_layout, uint64_t *pe_sum,
		    const struct util_stop *stop, uint64_t *done)
{
	uint64_t off = 0;
	int rc;

	*has_layout = 0;
	for (; off < size; *done = off) {
		size_t want = CAP_CHUNK;
		ssize_t n;

		rc = util_stop_check(stop);
		if (rc)
			return rc;

		if (size - off < want)
			want = (size_t)(size - off);
		n = tree_pread(f, chunk, want, off);
		if (n < 0) {
			if (n == -EINTR)
				continue;
			return -EIO;
		}
		if (n == 0)
			return -EAGAIN;
		/* the first chunk holds the headers: where the PE image hash
		 * skips and ends (no PE image, no PE hash) */
		if (off == 0 &&
		    pe_hash_layout(chunk, (size_t)n, size, layout) == 0) {
			*has_layout = 1;
			if (dg_set_pe(dg, layout))
				return -EIO;
		}
		if (dg_update(dg, chunk, (size_t)n))
			return -EIO;
		pe_checksum_add(pe_sum, off, chunk, (size_t)n);
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

static int parse_file(struct prof *p, struct tree_file *f, uint64_t file_len,
		      const uint64_t *pe_sum, const struct util_stop *stop)
{
	struct dynbuf imp;
	const char *why = NULL;
	int rc;

	rc = pe_parse_file(f, file_len, stop, pe_sum, &p->pe, &why);
	if (rc == -EINVAL && why) {
		p->pe_note = strdup(why);
		return p->pe_note ? 0 : -ENOMEM;
	}
	if (rc)
		return rc;
	p->is_pe = 1;
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
 * a file offset, not an RVA), read again from the file.
 */
static int read_cert_table(struct prof *p, struct tree_file *f, uint64_t size)
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
	tab = malloc((size_t)len);
	if (!tab)
		return -ENOMEM;
	do
		n = tree_pread(f, tab, (size_t)len, off);
	while (n == -EINTR);
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
	p->timed_out = timed_out != 0;
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

uint64_t prof_memory(uint64_t size)
{
	/* the chunk (and the rarer PE hashes' own), the PE parser's block
	 * cache, the certificate table (no larger than the file), and what
	 * the parsers make of what they read (a fraction of it, by the
	 * caps): the same for every file past 8 MiB, whatever its size */
	uint64_t m = size < CAP_SIG_TABLE ? size : CAP_SIG_TABLE;

	return 2 * (uint64_t)CAP_CHUNK + PE_PARSE_MEMORY + m + m / 2;
}

int prof_compute(struct tree_file *f, const struct stat *st,
		 const struct prof_limits *lim, const struct util_stop *stop,
		 struct prof **out)
{
	static const struct prof_limits none = { 0, 0 };
	uint64_t size = (uint64_t)st->st_size;
	struct dg_pe_layout layout;
	uint64_t pe_sum = 0, done = 0;
	int has_layout;
	uint8_t *chunk = NULL;
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
	chunk = malloc(CAP_CHUNK);
	p = prof_new();
	if (!chunk || !p)
		goto out;
	rc = dg_new(&dg, size);
	if (rc)
		goto out;
	rc = read_all(f, size, dg, chunk, &layout, &has_layout, &pe_sum, stop,
		      &done);
	if (rc == -ETIME) {
		rc = prof_limited(st, lim, 1, out);
		if (!rc)
			(*out)->read = done;
		goto out;
	}
	if (rc)
		goto out;
	rc = dg_final(dg, &p->dg);
	if (rc)
		goto out;
	p->hashed = 1;
	p->size = size;
	p->read = size;
	/* the chunk is not needed any more: the parse holds its own cache */
	free(chunk);
	chunk = NULL;
	rc = parse_file(p, f, size, &pe_sum, stop);
	if (rc == -ETIME) {
		rc = prof_limited(st, lim, 1, out);
		if (!rc)
			(*out)->read = size;
		goto out;
	}
	if (!rc)
		rc = read_cert_table(p, f, size);
	if (!rc && has_layout)
		rc = prof_rare_pehash(p, f, &layout, size, stop);
	if (rc)
		goto out;
	/* the bytes hashed and parsed were all of one version of the file */
	if (tree_fstat(f, &after) != 0 || !same_file(st, &after)) {
		rc = -EAGAIN;
		goto out;
	}
	*out = p;
	p = NULL;
out:
	prof_free(p);
	dg_free(dg);
	free(chunk);
	return rc;
}

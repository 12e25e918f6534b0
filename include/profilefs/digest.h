/*
 * digest: every whole-file digest of a profile, fed in one pass.
 *
 * dg_new() starts MD5, SHA-1, SHA-256, SHA-384, SHA-512 (OpenSSL EVP) and
 * an ssdeep state (libfuzzy's streaming API); dg_update() feeds each chunk
 * to all of them; dg_final() writes the results and may be called once.
 * Errors: -ENOMEM when a context cannot be made, -EIO when a library call
 * fails. The caller owns the context and frees it with dg_free().
 */
#ifndef PROFILEFS_DIGEST_H
#define PROFILEFS_DIGEST_H

#include <stddef.h>
#include <stdint.h>

#include "profilefs/util.h"

#define DG_SSDEEP_MAX 160 /* >= FUZZY_MAX_RESULT, checked in digest.c */

/*
 * The Authenticode PE image hash covers the file in order less the
 * CheckSum field (4 bytes at checksum), the certificate-table directory
 * entry (certdir_len bytes at certdir: 8, or 0 when the optional header has
 * no such entry) and everything from end on (the certificate table); an
 * unsigned file is hashed as if zero-padded by pad bytes to a multiple of
 * 8, as Windows (and osslsigncode) do.
 */
struct dg_pe_layout {
	uint64_t checksum;
	uint64_t certdir;
	unsigned certdir_len;
	uint64_t end;
	unsigned pad;
};

/* the PE hashes that only some signatures name, made in a second read */
enum dg_pe_rare { DG_PE_MD5, DG_PE_SHA384, DG_PE_SHA512, DG_PE_NRARE };

struct dg_result {
	int pehash; /* pesha1 and pe256 are valid */
	uint8_t pesha1[20];
	uint8_t pe256[32];
	uint8_t md5[16];
	uint8_t sha1[20];
	uint8_t sha256[32];
	uint8_t sha384[48];
	uint8_t sha512[64];
	char ssdeep[DG_SSDEEP_MAX];
};

struct dg_ctx;

/* size_hint: the expected total length, or UINT64_MAX when unknown */
int dg_new(struct dg_ctx **out, uint64_t size_hint);
/* Adds the PE image hash; before the first dg_update(). */
int dg_set_pe(struct dg_ctx *c, const struct dg_pe_layout *l);
/* Feeds the next n bytes of the file (the PE hash tracks the offset). */
int dg_update(struct dg_ctx *c, const void *p, size_t n);
int dg_final(struct dg_ctx *c, struct dg_result *out);
void dg_free(struct dg_ctx *c);

/* MD5 of one buffer (for the imphash and the Rich header hash). */
int dg_md5(const void *p, size_t n, uint8_t out[16]);
/* SHA-1 of one buffer (for a .NET public key's token). */
int dg_sha1(const void *p, size_t n, uint8_t out[20]);
/* SHA-256 of one buffer (for keys made of several facts). */
int dg_sha256(const void *p, size_t n, uint8_t out[32]);

/*
 * SHA-256 of the first size bytes of f, read in order with tree_pread in 1 MiB
 * chunks (what checks a cached profile against the file). Between chunks
 * it asks stop (NULL: never stops) and returns its error (-ETIME, -EINTR);
 * -EAGAIN when the file ends before size (it shrank), -EIO, -ENOMEM.
 */
struct tree_file;
int dg_sha256_file(struct tree_file *f, uint64_t size,
		   const struct util_stop *stop, uint8_t out[32]);

/*
 * The PE image hash of f (size bytes) in the algorithm rare, read again
 * with tree_pread; out has room for 64 bytes, *outlen gets the length. Between
 * chunks it asks stop (NULL: never stops) and returns its error (-ETIME,
 * -EINTR); -EAGAIN when the file ends early, -EIO, -ENOMEM.
 */
int dg_pe_hash_file(struct tree_file *f, uint64_t size,
		    const struct dg_pe_layout *l, enum dg_pe_rare rare,
		    const struct util_stop *stop, uint8_t out[64],
		    unsigned *outlen);

/* Writes 2*n hex digits and a NUL to out. */
void dg_hex(const uint8_t *p, size_t n, char *out, int upper);

#endif

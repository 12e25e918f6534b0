/*
 * The digests of one file. Above DG_SPLIT_MIN bytes, each chunk is hashed
 * on two threads at once: ssdeep (libfuzzy), the slowest by far, on a
 * helper thread the context owns, and the EVP digests and the PE image
 * hash on the caller's. Measured on one core here (openssl speed -evp,
 * 16 KiB blocks; the ssdeep tool): ssdeep ~7.6 ns/byte, the seven EVP
 * passes together ~5.9 ns/byte (MD5 1.35, SHA-1 and SHA-256 ~0.56 each,
 * twice with the PE hash, SHA-384 and SHA-512 ~1.14 each): ssdeep alone
 * is more than all of the rest, so it is the one that moves and the
 * split cannot do better than ~1.8x. dg_update() returns once both
 * threads are done with the chunk (the caller reuses its buffer), so the
 * results are those of one thread, bit for bit.
 */
#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <unistd.h>

#include <fuzzy.h>
#include <openssl/evp.h>

#include "profilefs/digest.h"
#include "profilefs/tree.h"

_Static_assert(DG_SSDEEP_MAX >= FUZZY_MAX_RESULT, "ssdeep buffer too small");

enum { DG_MD5, DG_SHA1, DG_SHA256, DG_SHA384, DG_SHA512, DG_N };

/* files this large (size_hint) or larger are hashed on two threads */
#define DG_SPLIT_MIN (1u << 20)
/* chunks smaller than this are hashed on the caller's thread alone */
#define DG_SPLIT_CHUNK (64u << 10)

/* the thread that runs ssdeep beside the caller */
struct dg_helper {
	pthread_t tid;
	pthread_mutex_t lock;
	pthread_cond_t cond;
	struct fuzzy_state *fuzzy;
	const uint8_t *p; /* the chunk it hashes; NULL: idle */
	size_t n;
	int quit;
	int rc; /* a fuzzy_update() failed */
};

struct dg_ctx {
	EVP_MD_CTX *md[DG_N];
	struct fuzzy_state *fuzzy;
	struct dg_helper *helper; /* NULL: one thread */
	/* the PE image hash: SHA-1 and SHA-256 over the layout's ranges */
	EVP_MD_CTX *pe[2];
	struct dg_pe_layout layout;
	uint64_t pos;
};

static const EVP_MD *dg_algo(int i)
{
	switch (i) {
	case DG_MD5:
		return EVP_md5();
	case DG_SHA1:
		return EVP_sha1();
	case DG_SHA256:
		return EVP_sha256();
	case DG_SHA384:
		return EVP_sha384();
	default:
		return EVP_sha512();
	}
}

static void *helper_main(void *arg)
{
	struct dg_helper *h = arg;

	pthread_mutex_lock(&h->lock);
	for (;;) {
		while (!h->p && !h->quit)
			pthread_cond_wait(&h->cond, &h->lock);
		if (h->quit)
			break;
		pthread_mutex_unlock(&h->lock);
		if (fuzzy_update(h->fuzzy, h->p, h->n) != 0)
			h->rc = 1;
		pthread_mutex_lock(&h->lock);
		h->p = NULL;
		pthread_cond_broadcast(&h->cond);
	}
	pthread_mutex_unlock(&h->lock);
	return NULL;
}

static void helper_stop(struct dg_helper *h)
{
	pthread_mutex_lock(&h->lock);
	h->quit = 1;
	pthread_cond_broadcast(&h->cond);
	pthread_mutex_unlock(&h->lock);
	pthread_join(h->tid, NULL);
	pthread_cond_destroy(&h->cond);
	pthread_mutex_destroy(&h->lock);
	free(h);
}

/* the helper, or NULL when no thread can be had (one thread does all) */
static struct dg_helper *helper_start(struct fuzzy_state *fuzzy)
{
	struct dg_helper *h = calloc(1, sizeof(*h));
	pthread_attr_t attr;
	int rc;

	if (!h)
		return NULL;
	h->fuzzy = fuzzy;
	pthread_mutex_init(&h->lock, NULL);
	pthread_cond_init(&h->cond, NULL);
	if (pthread_attr_init(&attr)) {
		free(h);
		return NULL;
	}
	/* libfuzzy's update needs little stack */
	pthread_attr_setstacksize(&attr, 256u << 10);
	rc = pthread_create(&h->tid, &attr, helper_main, h);
	pthread_attr_destroy(&attr);
	if (rc) {
		pthread_cond_destroy(&h->cond);
		pthread_mutex_destroy(&h->lock);
		free(h);
		return NULL;
	}
	return h;
}

void dg_free(struct dg_ctx *c)
{
	int i;

	if (!c)
		return;
	if (c->helper)
		helper_stop(c->helper);
	for (i = 0; i < DG_N; i++)
		EVP_MD_CTX_free(c->md[i]);
	EVP_MD_CTX_free(c->pe[0]);
	EVP_MD_CTX_free(c->pe[1]);
	fuzzy_free(c->fuzzy);
	free(c);
}

int dg_new(struct dg_ctx **out, uint64_t size_hint)
{
	struct dg_ctx *c = calloc(1, sizeof(*c));
	int i, rc = -ENOMEM;

	if (!c)
		return -ENOMEM;
	for (i = 0; i < DG_N; i++) {
		c->md[i] = EVP_MD_CTX_new();
		if (!c->md[i])
			goto out_free;
		if (EVP_DigestInit_ex(c->md[i], dg_algo(i), NULL) != 1) {
			rc = -EIO;
			goto out_free;
		}
	}
	c->fuzzy = fuzzy_new();
	if (!c->fuzzy)
		goto out_free;
	/* lets libfuzzy pick the block size early; a wrong hint only costs
	 * speed, and fuzzy_update() refuses input past it, so skip it for
	 * sizes we cannot trust */
	if (size_hint != UINT64_MAX)
		fuzzy_set_total_input_length(c->fuzzy, size_hint);
	if (size_hint != UINT64_MAX && size_hint >= DG_SPLIT_MIN &&
	    util_cpus() > 1)
		c->helper = helper_start(c->fuzzy);
	*out = c;
	return 0;

out_free:
	dg_free(c);
	return rc;
}

int dg_set_pe(struct dg_ctx *c, const struct dg_pe_layout *l)
{
	int i;

	if (c->pos != 0 || c->pe[0])
		return -EINVAL;
	for (i = 0; i < 2; i++) {
		c->pe[i] = EVP_MD_CTX_new();
		if (!c->pe[i])
			return -ENOMEM;
		if (EVP_DigestInit_ex(c->pe[i], i ? EVP_sha256() : EVP_sha1(),
				      NULL) != 1)
			return -EIO;
	}
	c->layout = *l;
	return 0;
}

static int pe_feed(EVP_MD_CTX **md, int nmd, const uint8_t *p, uint64_t from,
		   uint64_t to)
{
	int i;

	for (i = 0; i < nmd && from < to; i++)
		if (EVP_DigestUpdate(md[i], p + from, (size_t)(to - from)) != 1)
			return -EIO;
	return 0;
}

/* the part of [pos, pos + n) the PE hash covers, fed to each of md */
static int pe_update(const struct dg_pe_layout *l, uint64_t pos,
		     EVP_MD_CTX **md, int nmd, const uint8_t *p, size_t n)
{
	const uint64_t skip[2][2] = { { l->checksum, l->checksum + 4 },
				      { l->certdir,
					l->certdir + l->certdir_len } };
	uint64_t start = pos, stop = pos + n, at = start;
	int k;

	if (stop > l->end)
		stop = l->end;
	for (k = 0; k < 2 && at < stop; k++) {
		if (skip[k][1] <= at || skip[k][0] >= stop ||
		    skip[k][0] == skip[k][1])
			continue;
		if (pe_feed(md, nmd, p, at - start,
			    skip[k][0] > at ? skip[k][0] - start : at - start))
			return -EIO;
		at = skip[k][1];
	}
	return at < stop ? pe_feed(md, nmd, p, at - start, stop - start) : 0;
}

int dg_update(struct dg_ctx *c, const void *p, size_t n)
{
	struct dg_helper *h = n >= DG_SPLIT_CHUNK ? c->helper : NULL;
	int i, rc = 0;

	if (h) {
		/* ssdeep there, the rest here, at once */
		pthread_mutex_lock(&h->lock);
		h->p = p;
		h->n = n;
		pthread_cond_broadcast(&h->cond);
		pthread_mutex_unlock(&h->lock);
	} else if (fuzzy_update(c->fuzzy, p, n) != 0) {
		return -EIO;
	}
	for (i = 0; i < DG_N && !rc; i++)
		if (EVP_DigestUpdate(c->md[i], p, n) != 1)
			rc = -EIO;
	if (!rc && c->pe[0] && pe_update(&c->layout, c->pos, c->pe, 2, p, n))
		rc = -EIO;
	if (h) {
		/* the caller may reuse p once this returns */
		pthread_mutex_lock(&h->lock);
		while (h->p)
			pthread_cond_wait(&h->cond, &h->lock);
		if (h->rc)
			rc = -EIO;
		pthread_mutex_unlock(&h->lock);
	}
	c->pos += n;
	return rc;
}

int dg_final(struct dg_ctx *c, struct dg_result *out)
{
	uint8_t *dst[DG_N] = { out->md5, out->sha1, out->sha256, out->sha384,
			       out->sha512 };
	int i;

	for (i = 0; i < DG_N; i++)
		if (EVP_DigestFinal_ex(c->md[i], dst[i], NULL) != 1)
			return -EIO;
	if (fuzzy_digest(c->fuzzy, out->ssdeep, 0) != 0)
		return -EIO;
	out->pehash = 0;
	if (c->pe[0]) {
		static const uint8_t zeros[8];

		if (c->layout.pad &&
		    (EVP_DigestUpdate(c->pe[0], zeros, c->layout.pad) != 1 ||
		     EVP_DigestUpdate(c->pe[1], zeros, c->layout.pad) != 1))
			return -EIO;
		if (EVP_DigestFinal_ex(c->pe[0], out->pesha1, NULL) != 1 ||
		    EVP_DigestFinal_ex(c->pe[1], out->pe256, NULL) != 1)
			return -EIO;
		out->pehash = 1;
	}
	return 0;
}

int dg_md5(const void *p, size_t n, uint8_t out[16])
{
	return EVP_Digest(p, n, out, NULL, EVP_md5(), NULL) == 1 ? 0 : -EIO;
}

int dg_sha1(const void *p, size_t n, uint8_t out[20])
{
	return EVP_Digest(p, n, out, NULL, EVP_sha1(), NULL) == 1 ? 0 : -EIO;
}

int dg_sha256(const void *p, size_t n, uint8_t out[32])
{
	return EVP_Digest(p, n, out, NULL, EVP_sha256(), NULL) == 1 ? 0 : -EIO;
}

#define DG_FD_CHUNK (1u << 20)

static const EVP_MD *dg_rare_md(enum dg_pe_rare r)
{
	return r == DG_PE_MD5	   ? EVP_md5()
	       : r == DG_PE_SHA384 ? EVP_sha384()
				   : EVP_sha512();
}

/*
 * Reads f's first end bytes in order, in DG_FD_CHUNK reads, and hands
 * each chunk with its offset to fn (non-zero: -EIO); asks stop between
 * chunks and returns its error. -EAGAIN when the file ends early.
 */
typedef int chunk_fn(void *ctx, uint64_t off, const uint8_t *p, size_t n);

static int file_chunks(struct tree_file *f, uint64_t end,
		       const struct util_stop *stop, chunk_fn *fn, void *ctx)
{
	uint8_t *chunk = malloc(DG_FD_CHUNK);
	uint64_t off = 0;
	int rc = 0;

	if (!chunk)
		return -ENOMEM;
	while (off < end) {
		size_t want = DG_FD_CHUNK;
		ssize_t n;

		rc = util_stop_check(stop);
		if (rc)
			break;
		if (end - off < want)
			want = (size_t)(end - off);
		n = tree_pread(f, chunk, want, off);
		if (n == -EINTR)
			continue;
		if (n <= 0) {
			rc = n < 0 ? -EIO : -EAGAIN;
			break;
		}
		if (fn(ctx, off, chunk, (size_t)n)) {
			rc = -EIO;
			break;
		}
		off += (uint64_t)n;
	}
	free(chunk);
	return rc;
}

static int sha256_chunk(void *ctx, uint64_t off, const uint8_t *p, size_t n)
{
	(void)off;
	return EVP_DigestUpdate(ctx, p, n) != 1;
}

int dg_sha256_file(struct tree_file *f, uint64_t size,
		   const struct util_stop *stop, uint8_t out[32])
{
	EVP_MD_CTX *md = EVP_MD_CTX_new();
	int rc = -ENOMEM;

	if (!md)
		goto out;
	rc = -EIO;
	if (EVP_DigestInit_ex(md, EVP_sha256(), NULL) != 1)
		goto out;
	rc = file_chunks(f, size, stop, sha256_chunk, md);
	if (!rc)
		rc = EVP_DigestFinal_ex(md, out, NULL) == 1 ? 0 : -EIO;
out:
	EVP_MD_CTX_free(md);
	return rc;
}

struct pe_chunk_ctx {
	const struct dg_pe_layout *l;
	EVP_MD_CTX *md;
};

static int pe_chunk(void *ctx, uint64_t off, const uint8_t *p, size_t n)
{
	struct pe_chunk_ctx *c = ctx;

	return pe_update(c->l, off, &c->md, 1, p, n);
}

int dg_pe_hash_file(struct tree_file *f, uint64_t size,
		    const struct dg_pe_layout *l, enum dg_pe_rare rare,
		    const struct util_stop *stop, uint8_t out[64],
		    unsigned *outlen)
{
	static const uint8_t zeros[8];
	struct pe_chunk_ctx c = { l, EVP_MD_CTX_new() };
	int rc = -ENOMEM;

	if (!c.md)
		goto out;
	rc = -EIO;
	if (EVP_DigestInit_ex(c.md, dg_rare_md(rare), NULL) != 1)
		goto out;
	rc = file_chunks(f, l->end < size ? l->end : size, stop, pe_chunk, &c);
	if (rc)
		goto out;
	rc = -EIO;
	if (l->pad && EVP_DigestUpdate(c.md, zeros, l->pad) != 1)
		goto out;
	rc = EVP_DigestFinal_ex(c.md, out, outlen) == 1 ? 0 : -EIO;
out:
	EVP_MD_CTX_free(c.md);
	return rc;
}

void dg_hex(const uint8_t *p, size_t n, char *out, int upper)
{
	const char *digits = upper ? "0123456789ABCDEF" : "0123456789abcdef";
	size_t i;

	for (i = 0; i < n; i++) {
		out[2 * i] = digits[p[i] >> 4];
		out[2 * i + 1] = digits[p[i] & 15];
	}
	out[2 * n] = '\0';
}

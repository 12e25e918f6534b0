#include <errno.h>
#include <stdlib.h>

#include <fuzzy.h>
#include <openssl/evp.h>

#include "profilefs/digest.h"

_Static_assert(DG_SSDEEP_MAX >= FUZZY_MAX_RESULT, "ssdeep buffer too small");

enum { DG_MD5, DG_SHA1, DG_SHA256, DG_SHA384, DG_SHA512, DG_N };

struct dg_ctx {
	EVP_MD_CTX *md[DG_N];
	struct fuzzy_state *fuzzy;
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

void dg_free(struct dg_ctx *c)
{
	int i;

	if (!c)
		return;
	for (i = 0; i < DG_N; i++)
		EVP_MD_CTX_free(c->md[i]);
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
	*out = c;
	return 0;

out_free:
	dg_free(c);
	return rc;
}

int dg_update(struct dg_ctx *c, const void *p, size_t n)
{
	int i;

	for (i = 0; i < DG_N; i++)
		if (EVP_DigestUpdate(c->md[i], p, n) != 1)
			return -EIO;
	if (fuzzy_update(c->fuzzy, p, n) != 0)
		return -EIO;
	return 0;
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
	return 0;
}

int dg_md5(const void *p, size_t n, uint8_t out[16])
{
	return EVP_Digest(p, n, out, NULL, EVP_md5(), NULL) == 1 ? 0 : -EIO;
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

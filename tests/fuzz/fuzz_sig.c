/*
 * libFuzzer target: the signature path over any bytes. The input is read
 * as a whole certificate table, as the PKCS#7 blob of a single entry (the
 * path every signed file takes: SignedData, SpcIndirectDataContent,
 * nested signatures, countersignatures, RFC 3161 tokens, chains), as a
 * catalog (members and signature) and as a distinguished name. The
 * streamed member walk is compared with the whole decode on every input:
 * where the walk follows the encoding it gives the same members (or the
 * same problem), and with its fallback it always does; so is the
 * catalog's verdict read in parts (sig_check_catalog_src) with the
 * whole decode's, field by field, and the SHA-256 it gives. The trust
 * store holds the system's anchors, so that chains are really built.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>

#include "profilefs/profile.h"
#include "profilefs/sig.h"
#include "../sig_members.h"
#include "../sig_verdicts.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int count(void *ctx, const uint8_t *digest, size_t len)
{
	(void)digest;
	*(size_t *)ctx += len;
	return 0;
}

static void compare(const uint8_t *data, size_t size)
{
	struct sig_cat_src src = { NULL, data, size };
	struct members whole, walk, fallback;
	uint8_t sha[32];

	decoded(data, size, &whole);
	streamed(&src, SIG_CAT_NO_WHOLE, &walk);
	streamed(&src, 0, &fallback);
	EVP_Digest(data, size, sha, NULL, EVP_sha256(), NULL);
	/* (over SIG_CAT_WHOLE bytes, a catalog the walk does not follow is
	 * malformed: not decoded whole) */
	if ((walk.rc != -ENOTSUP && !same(&walk, &whole)) ||
	    (size <= SIG_CAT_WHOLE && !same(&fallback, &whole)) ||
	    ((fallback.rc == 0 || fallback.rc == -EINVAL) &&
	     memcmp(fallback.sha256, sha, 32) != 0))
		abort();
	members_free(&whole);
	members_free(&walk);
	members_free(&fallback);
}

static struct sig_trust *anchors(void)
{
	static struct sig_trust *t;

	char *err = NULL;

	if (!t && sig_trust_new(&t) == 0) {
		sig_trust_add_system(t);
		/* the root program, so that its properties are judged */
		sig_trust_add_file(
			t, PROFILEFS_SRCDATA "/microsoft-trusted-roots.pem",
			&err);
		free(err);
		err = NULL;
		/* and the roots Windows keeps built in */
		sig_trust_add_file(
			t, PROFILEFS_SRCDATA "/windows-required-roots.pem",
			&err);
		free(err);
	}
	return t;
}

/* every verdict is also copied and worded, as a profile would */
static void use(struct sig_verdict *r)
{
	struct sig_verdict *c = NULL;
	struct dynbuf b;

	db_init(&b, CAP_PROFILE);
	prof_render_signature(&b, r);
	if (sig_verdict_dup(r, &c) == 0)
		prof_render_signature(&b, c);
	db_free(&b);
	sig_verdict_free(c);
	sig_verdict_free(r);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const uint8_t h1[20], h256[32];
	struct sig_env env = { anchors(), 1700000000 };
	struct sig_table t = { 0 };
	struct sig_verdict *r = NULL;
	char *problem = NULL, *name;
	size_t n = 0;

	if (!env.trust)
		return 0;
	/* as a certificate table (the digests it names: the second read's
	 * PE hashes are taken from the input when it names any) */
	if (sig_table_parse(data, size, &t) == 0) {
		t.rare = sig_table_digests(&t) &
			 ((1u << SIG_MD_MD5) | (1u << SIG_MD_SHA384) |
			  (1u << SIG_MD_SHA512));
		memcpy(t.pe_sha512, data, size < 64 ? size : 64);
	}
	if (t.present && sig_check_embedded(&t, h1, h256, &env,
					    SIG_UNSIGNED_NO_TABLE, &r) == 0)
		use(r);
	sig_table_clear(&t);
	/* as one PKCS#7 entry, checked against its own signed digest too */
	memset(&t, 0, sizeof(t));
	t.present = 1;
	if (sig_table_add(&t, 0x200, 2, data, size) == 0)
		t.rare = sig_table_digests(&t) & (1u << SIG_MD_SHA384);
	if (t.n == 1 && sig_check_embedded(&t, size >= 20 ? data : h1,
					   size >= 32 ? data : h256, &env,
					   SIG_UNSIGNED_NO_TABLE, &r) == 0)
		use(r);
	sig_table_clear(&t);
	/* as a catalog */
	sig_catalog_members(data, size, count, &n, &problem);
	free(problem);
	compare(data, size);
	if (sig_check_catalog(data, size, "fuzz.cat", &env, &r) == 0)
		use(r);
	if (!verdicts_agree(data, size, SIG_CAT_NO_WHOLE, &env, NULL, NULL) ||
	    !verdicts_agree(data, size, 0, &env, NULL, NULL))
		abort();
	name = sig_name_windows(data, size);
	free(name);
	return 0;
}

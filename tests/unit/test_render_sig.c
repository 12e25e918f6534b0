/*
 * The words of a signature verdict (src/profile/render_sig.c) and the
 * policy that looks at verdicts, never at words (the catalog choice).
 *
 * Every expected sentence is one docs/signatures.md lists under "Status
 * sentences" (that list was taken from the sentences src/sig/check.c
 * formatted before verdicts became data, at commit b667afa; the
 * integration test test_sign.sh checks the same sentences on real
 * signatures, and the byte-for-byte comparison of the refactoring used
 * them too).
 */
#include <stdlib.h>
#include <string.h>

#include "profilefs/profile.h"
#include "profilefs/sig.h"
#include "t.h"

static const char *const root =
	"CN=profilefs Test Root, O=\"Profilefs Test, Inc.\", C=DE";

struct want {
	struct sig_verdict v;
	const char *sentence;
};

static struct sig_verdict mk(enum sig_kind kind, enum sig_status status)
{
	struct sig_verdict v;

	memset(&v, 0, sizeof(v));
	v.kind = kind;
	v.status = status;
	return v;
}

static void check_sentence(const struct sig_verdict *v, const char *want,
			   unsigned char *seen)
{
	char *got = NULL;

	CHECK(prof_sig_status(v, &got) == 0);
	CHECK_STR(got, want);
	free(got);
	if ((unsigned)v->status < SIG_STATUS_COUNT)
		seen[v->status] = 1;
}

static void sentences(void)
{
	unsigned char seen[SIG_STATUS_COUNT] = { 0 };
	struct sig_verdict v;
	size_t i;

	v = mk(SIG_KIND_EMBEDDED, SIG_VERIFIED);
	check_sentence(&v, "Signature verified.", seen);
	v = mk(SIG_KIND_CATALOG, SIG_VERIFIED);
	check_sentence(&v, "Signature verified.", seen);

	v = mk(SIG_KIND_EMBEDDED, SIG_NOT_SIGNED);
	v.unsigned_why = SIG_UNSIGNED_NOT_IN_CATALOG;
	check_sentence(&v,
		       "The file is not signed: there is no certificate "
		       "table, and no indexed catalog lists its PE hash.",
		       seen);
	v.unsigned_why = SIG_UNSIGNED_NO_CATALOGS;
	check_sentence(&v,
		       "The file is not signed: there is no certificate "
		       "table, and no catalogs are indexed.",
		       seen);
	v.unsigned_why = SIG_UNSIGNED_NO_TABLE;
	check_sentence(&v,
		       "The file is not signed: there is no certificate "
		       "table.",
		       seen);
	v.unsigned_why = SIG_UNSIGNED_CATALOG_FAILED;
	check_sentence(&v,
		       "The file is not signed: there is no certificate "
		       "table, and the signature of the catalog that lists "
		       "its PE hash does not hold.",
		       seen);
	v.unsigned_why = SIG_UNSIGNED_NO_PEHASH;
	check_sentence(&v,
		       "The file is not signed: its PE image hash is "
		       "unknown.",
		       seen);

	{
		static char problem[] =
			"The certificate table (1048576 bytes at offset "
			"14336) reaches past the end of the file (16984 "
			"bytes): the file is not validly signed.";

		v = mk(SIG_KIND_EMBEDDED, SIG_TABLE_PROBLEM);
		v.table_problem = problem;
		check_sentence(&v, problem, seen);
	}

	v = mk(SIG_KIND_EMBEDDED, SIG_WRONG_TYPE);
	v.entry_type = 1;
	check_sentence(&v,
		       "The first certificate entry is of type 0x0001, not a "
		       "PKCS#7 SignedData (2).",
		       seen);
	v.kind = SIG_KIND_ENTRY;
	check_sentence(&v,
		       "Not a PKCS#7 SignedData that decodes (type 0x0001).",
		       seen);
	v = mk(SIG_KIND_ENTRY, SIG_NO_DECODE);
	v.entry_type = 2;
	check_sentence(&v,
		       "Not a PKCS#7 SignedData that decodes (type 0x0002).",
		       seen);
	v = mk(SIG_KIND_EMBEDDED, SIG_NO_DECODE);
	check_sentence(&v,
		       "The signature cannot be read: its PKCS#7 data does "
		       "not decode.",
		       seen);
	v.kind = SIG_KIND_CATALOG;
	check_sentence(&v,
		       "The catalog cannot be read: it is not a PKCS#7 "
		       "SignedData.",
		       seen);
	v.kind = SIG_KIND_NESTED;
	check_sentence(&v, "The nested signature cannot be read.", seen);

	v = mk(SIG_KIND_EMBEDDED, SIG_NOT_SIGNED_DATA);
	check_sentence(&v, "The signature is not a PKCS#7 SignedData.", seen);
	v = mk(SIG_KIND_NESTED, SIG_SIGNER_COUNT);
	v.count = 2;
	check_sentence(&v,
		       "The nested signature has 2 signers; exactly one is "
		       "expected.",
		       seen);
	v = mk(SIG_KIND_CATALOG, SIG_NO_CONTENT);
	check_sentence(&v, "The catalog signature has no signed content.",
		       seen);
	v = mk(SIG_KIND_EMBEDDED, SIG_NOT_INDIRECT);
	check_sentence(&v,
		       "The signature's content is not an Authenticode "
		       "SpcIndirectDataContent.",
		       seen);

	v = mk(SIG_KIND_EMBEDDED, SIG_DIGEST_NOT_COMPUTED);
	v.digest_alg = SIG_MD_SHA384;
	check_sentence(&v,
		       "The signature signs a SHA-384 digest, which is not "
		       "computed here: the file's digest was not checked.",
		       seen);
	v.digest_alg = SIG_MD_OTHER; /* digest_other NULL: OpenSSL has none */
	check_sentence(&v,
		       "The signature signs a an unknown algorithm digest, "
		       "which is not computed here: the file's digest was not "
		       "checked.",
		       seen);
	v = mk(SIG_KIND_EMBEDDED, SIG_DIGEST_MISMATCH);
	v.digest_alg = SIG_MD_SHA256;
	check_sentence(&v,
		       "The file's digest does not match: its SHA-256 PE hash "
		       "differs from the digest the signature signs (the file "
		       "was changed after signing).",
		       seen);

	v = mk(SIG_KIND_EMBEDDED, SIG_DIGEST_ALGS);
	v.count = 2;
	check_sentence(&v,
		       "The signature does not verify: it names 2 digest "
		       "algorithms, or one that is not known.",
		       seen);
	v = mk(SIG_KIND_EMBEDDED, SIG_NOT_VERIFIED);
	v.p7_reason = SIG_P7_DIGEST_FAILURE;
	check_sentence(&v,
		       "The signature does not verify: its message digest "
		       "attribute does not match the signed content.",
		       seen);
	v.p7_reason = SIG_P7_SIGNATURE_FAILURE;
	check_sentence(&v,
		       "The signature does not verify: the signature value "
		       "does not match the signer's public key.",
		       seen);
	v.p7_reason = SIG_P7_SIGNER_NOT_FOUND;
	check_sentence(&v,
		       "The signature does not verify: the signer's "
		       "certificate is not in it.",
		       seen);
	v.p7_reason = SIG_P7_OTHER;
	check_sentence(&v,
		       "The signature does not verify: OpenSSL gave no "
		       "reason.",
		       seen);
	{
		static char reason[] = "wrong tag";

		v.openssl_reason = reason;
		check_sentence(&v, "The signature does not verify: wrong tag.",
			       seen);
	}

	v = mk(SIG_KIND_EMBEDDED, SIG_NO_SIGNER_CERT);
	check_sentence(&v, "The signature's signer certificate is not in it.",
		       seen);
	v = mk(SIG_KIND_EMBEDDED, SIG_LEAF_NOT_CODE_SIGNING);
	check_sentence(&v,
		       "The signature's signer certificate is not for code "
		       "signing: its extended key usage does not include it.",
		       seen);
	v = mk(SIG_KIND_CATALOG, SIG_LEAF_KEY_USAGE);
	check_sentence(&v,
		       "The catalog signature's signer certificate may not "
		       "make signatures: its key usage does not include "
		       "digital signatures.",
		       seen);

	v = mk(SIG_KIND_EMBEDDED, SIG_UNTRUSTED_ROOT);
	v.chain.result = SIG_CH_UNTRUSTED;
	v.chain.root = (char *)root;
	check_sentence(&v,
		       "The signature is valid, but its chain ends in a root "
		       "that is not trusted: CN=profilefs Test Root, "
		       "O=\"Profilefs Test, Inc.\", C=DE.",
		       seen);
	v.kind = SIG_KIND_CATALOG;
	check_sentence(&v,
		       "The catalog signature is valid, but its chain ends in "
		       "a root that is not trusted: CN=profilefs Test Root, "
		       "O=\"Profilefs Test, Inc.\", C=DE.",
		       seen);
	/* the root program's properties (docs/signatures.md, Trust
	 * anchors) */
	v.kind = SIG_KIND_EMBEDDED;
	v.chain.root = (char *)"CN=R";
	v.chain.why = SIG_ROOT_PURPOSE;
	check_sentence(&v,
		       "The signature is valid, but its chain ends in a root "
		       "not trusted for code signing (not among the root's "
		       "purposes): CN=R.",
		       seen);
	v.chain.why = SIG_ROOT_DISALLOWED;
	v.chain.since = 1675209600; /* 2023-02-01 */
	check_sentence(&v,
		       "The signature is valid, but its chain ends in a root "
		       "disabled for code signing since 2023-02-01: CN=R.",
		       seen);
	v.chain.why = SIG_ROOT_NOT_BEFORE;
	check_sentence(&v,
		       "The signature is valid, but its chain ends in a root "
		       "not trusted for code signing in certificates issued "
		       "from 2023-02-01 on: CN=R.",
		       seen);

	v = mk(SIG_KIND_EMBEDDED, SIG_CHAIN_INVALID);
	v.chain.result = SIG_CH_INVALID;
	v.chain.reason = (char *)"certificate has expired";
	v.chain.cert = (char *)"CN=profilefs Expired Signer";
	v.checked_at = SIG_AT_NOW;
	check_sentence(&v,
		       "The signature's certificate chain is not valid at "
		       "now: certificate has expired (CN=profilefs Expired "
		       "Signer).",
		       seen);
	v.checked_at = SIG_AT_SIGNING_TIME;
	v.chain.cert = NULL;
	check_sentence(&v,
		       "The signature's certificate chain is not valid at the "
		       "signing time: certificate has expired.",
		       seen);

	v = mk(SIG_KIND_EMBEDDED, SIG_NOT_CHECKED);
	check_sentence(&v, "The signature was not checked.", seen);

	/* the list above covers every status there is */
	for (i = 0; i < SIG_STATUS_COUNT; i++) {
		if (!seen[i])
			fprintf(stderr, "status %zu has no sentence test\n", i);
		CHECK(seen[i]);
	}
}

/* the bullets around the Status, as test_sign.sh reads them */
static void bullets(void)
{
	static uint8_t digest[2] = { 0xab, 0x01 };
	struct sig_signer signer = { (char *)"01F2", (char *)"AABB",
				     (char *)"CN=Issuer", (char *)"CN=Signer" };
	struct sig_verdict v = mk(SIG_KIND_EMBEDDED, SIG_VERIFIED), sub[2];
	struct dynbuf b;
	char *out = NULL;
	size_t len;

	v.signer = &signer;
	v.digest_alg = SIG_MD_SHA256;
	v.signed_digest = digest;
	v.signed_len = sizeof(digest);
	v.has_signing_time = 1;
	v.signing_time = 1590969600; /* 2020-06-01 00:00:00 UTC */
	v.signing_time_source = SIG_TIME_RFC3161;
	v.ts.present = 1;
	v.ts.kind = SIG_TS_RFC3161;
	v.ts.state = SIG_TS_UNTRUSTED_ROOT;
	v.ts.authority = (char *)"CN=TSA";
	v.ts.chain.root = (char *)root;
	v.checked_at = SIG_AT_SIGNING_TIME;
	sub[0] = mk(SIG_KIND_NESTED, SIG_VERIFIED);
	sub[0].index = 1;
	sub[0].digest_alg = SIG_MD_SHA1;
	sub[0].signer = &signer;
	sub[1] = mk(SIG_KIND_ENTRY, SIG_WRONG_TYPE);
	sub[1].index = 2;
	sub[1].entry_type = 1;
	v.subs = sub;
	v.nsubs = 2;
	db_init(&b, CAP_PROFILE);
	prof_render_signature(&b, &v);
	CHECK(db_take(&b, &out, &len) == 0);
	CHECK_STR(out,
		  "\n## Signature\n\n"
		  "* Status: Signature verified.\n"
		  "* Serial: `01F2`\n"
		  "* Thumbprint: `AABB`\n"
		  "* Issuer: CN=Issuer\n"
		  "* Subject: CN=Signer\n"
		  "* Digest Algorithm: SHA-256\n"
		  "* Signed Digest: `AB01`\n"
		  "* Signing Time: 2020-06-01 00:00:00 UTC (RFC 3161 "
		  "timestamp)\n"
		  "* Timestamp: RFC 3161 timestamp by CN=TSA: verified, but "
		  "its root is not trusted: CN=profilefs Test Root, "
		  "O=\"Profilefs Test, Inc.\", C=DE\n"
		  "* Validity Checked At: the signing time (a trusted "
		  "timestamp gives it)\n"
		  "* Nested Signature 1: SHA-1, CN=Signer: Signature "
		  "verified.\n"
		  "* Certificate Entry 2: ?: Not a PKCS#7 SignedData that "
		  "decodes (type 0x0001).\n");
	free(out);
}

/* a chain trusted only as a root Windows keeps built in: the Status
 * stays, the Trust Anchor bullet and the Timestamp say so, with why the
 * root program would not (docs/signatures.md, Trust anchors) */
static void builtin_bullets(void)
{
	static const char *const ms =
		"CN=Microsoft Root Certificate Authority, DC=microsoft, "
		"DC=com";
	struct sig_verdict v = mk(SIG_KIND_EMBEDDED, SIG_VERIFIED), sub,
			   emb = mk(SIG_KIND_EMBEDDED, SIG_VERIFIED),
			   cat = mk(SIG_KIND_CATALOG, SIG_VERIFIED);
	static const struct {
		enum sig_root_why why;
		time_t since;
		const char *clause;
	} clauses[] = {
		{ SIG_ROOT_NOT_BEFORE, 1493510400,
		  "does not trust for code signing in certificates issued "
		  "from 2017-04-30 on" },
		{ SIG_ROOT_DISALLOWED, 1627776000,
		  "has disabled for code signing since 2021-08-01" },
		{ SIG_ROOT_PURPOSE, 0,
		  "does not trust for code signing (not among the root's "
		  "purposes)" },
		{ SIG_ROOT_NOT_ANCHOR, 0, "does not hold" },
	};
	struct dynbuf b;
	char *out = NULL, want[1024];
	size_t len, i;

	v.chain.builtin = 1;
	v.chain.root = (char *)ms;
	v.checked_at = SIG_AT_SIGNING_TIME;
	v.signer = NULL;
	for (i = 0; i < sizeof(clauses) / sizeof(clauses[0]); i++) {
		v.chain.why = clauses[i].why;
		v.chain.since = clauses[i].since;
		CHECK(prof_sig_status(&v, &out) == 0);
		CHECK_STR(out, "Signature verified.");
		free(out);
		db_init(&b, CAP_PROFILE);
		prof_render_signature(&b, &v);
		CHECK(db_take(&b, &out, &len) == 0);
		snprintf(want, sizeof(want),
			 "\n## Signature\n\n"
			 "* Status: Signature verified.\n"
			 "* Trust Anchor: the chain ends in a root Windows "
			 "trusts built in, which the root program %s: %s\n",
			 clauses[i].clause, ms);
		CHECK_STR(out, want);
		free(out);
	}
	/* the timestamp's chain (time stamping), a nested signature, and the
	 * embedded signature a catalog won over */
	v.chain.why = SIG_ROOT_NOT_BEFORE;
	v.chain.since = 1493510400;
	v.ts.present = 1;
	v.ts.kind = SIG_TS_COUNTERSIGNATURE;
	v.ts.state = SIG_TS_TRUSTED;
	v.ts.authority = (char *)"CN=TSA";
	v.ts.chain.builtin = 1;
	v.ts.chain.purpose = SIG_FOR_TIME_STAMPING;
	v.ts.chain.root = (char *)"CN=TS Root";
	sub = v;
	sub.kind = SIG_KIND_NESTED;
	sub.index = 1;
	sub.digest_alg = SIG_MD_SHA256;
	v.subs = &sub;
	v.nsubs = 1;
	db_init(&b, CAP_PROFILE);
	prof_render_signature(&b, &v);
	CHECK(db_take(&b, &out, &len) == 0);
	snprintf(
		want, sizeof(want),
		"\n## Signature\n\n"
		"* Status: Signature verified.\n"
		"* Timestamp: countersignature by CN=TSA: verified, trusted: "
		"its chain ends in a root Windows trusts built in, which the "
		"root program does not hold: CN=TS Root\n"
		"* Trust Anchor: the chain ends in a root Windows trusts built "
		"in, which the root program does not trust for code signing "
		"in certificates issued from 2017-04-30 on: %s\n"
		"* Nested Signature 1: SHA-256: Signature verified. The chain "
		"ends in a root Windows trusts built in, which the root "
		"program does not trust for code signing in certificates "
		"issued from 2017-04-30 on: %s.\n",
		ms, ms);
	CHECK_STR(out, want);
	free(out);
	emb.chain = v.chain;
	cat.embedded = &emb;
	db_init(&b, CAP_PROFILE);
	prof_render_signature(&b, &cat);
	CHECK(db_take(&b, &out, &len) == 0);
	snprintf(want, sizeof(want),
		 "\n## Signature\n\n"
		 "* Status: Signature verified.\n"
		 "* Embedded Signature: Signature verified. The chain ends in "
		 "a root Windows trusts built in, which the root program does "
		 "not trust for code signing in certificates issued from "
		 "2017-04-30 on: %s.\n",
		 ms);
	CHECK_STR(out, want);
	free(out);
	/* a failure before the chain: no word of the root */
	emb.status = SIG_LEAF_KEY_USAGE;
	db_init(&b, CAP_PROFILE);
	prof_render_signature(&b, &cat);
	CHECK(db_take(&b, &out, &len) == 0);
	CHECK(out && !strstr(out, "built in"));
	free(out);
}

/* "the first catalog whose signature holds, else the first" */
static void catalog_choice(void)
{
	struct sig_verdict ok = mk(SIG_KIND_CATALOG, SIG_VERIFIED),
			   ok2 = mk(SIG_KIND_CATALOG, SIG_VERIFIED), other,
			   other2;
	const struct sig_verdict *c;
	int done = -1;
	unsigned s;

	CHECK(sig_verdict_holds(&ok) && !sig_verdict_holds(NULL));
	c = sig_catalog_choose(NULL, &ok, &done);
	CHECK(c == &ok && done == 1);
	for (s = 0; s < SIG_STATUS_COUNT; s++) {
		if (s == SIG_VERIFIED)
			continue;
		other = mk(SIG_KIND_CATALOG, (enum sig_status)s);
		CHECK(!sig_verdict_holds(&other));
		/* alone, it is chosen; the search goes on */
		c = sig_catalog_choose(NULL, &other, &done);
		CHECK(c == &other && done == 0);
		/* a later one that holds wins, and ends the search */
		c = sig_catalog_choose(c, &ok, &done);
		CHECK(c == &ok && done == 1);
		/* two that do not hold: the first stays */
		other2 = other;
		c = sig_catalog_choose(NULL, &other, &done);
		c = sig_catalog_choose(c, &other2, &done);
		CHECK(c == &other && done == 0);
	}
	/* two that hold: the first (the caller stops at done) */
	c = sig_catalog_choose(NULL, &ok, &done);
	CHECK(c == &ok && done);
	other = mk(SIG_KIND_CATALOG, SIG_UNTRUSTED_ROOT);
	c = sig_catalog_choose(NULL, &other, &done);
	c = sig_catalog_choose(c, &ok2, &done);
	CHECK(c == &ok2 && done);
}

/* a new verdict of kind and status (for sig_report, which takes them) */
static struct sig_verdict *heap(enum sig_kind kind, enum sig_status status)
{
	struct sig_verdict *v = calloc(1, sizeof(*v));

	if (v) {
		v->kind = kind;
		v->status = status;
	}
	return v;
}

/* the catalog when it holds, else the embedded verdict with the
 * catalog's failure beside it, as its own bullet */
static void report_order(void)
{
	struct sig_verdict *cat, *emb, *r;
	struct dynbuf b;
	char *out = NULL;
	size_t len;

	/* catalog holds: it is reported, the embedded one goes along */
	cat = heap(SIG_KIND_CATALOG, SIG_VERIFIED);
	emb = heap(SIG_KIND_EMBEDDED, SIG_UNTRUSTED_ROOT);
	r = sig_report(cat, emb, 1);
	CHECK(r == cat && r->embedded == emb && !r->catalog_failed);
	sig_verdict_free(r);
	/* catalog fails, embedded holds: the embedded verdict */
	cat = heap(SIG_KIND_CATALOG, SIG_UNTRUSTED_ROOT);
	emb = heap(SIG_KIND_EMBEDDED, SIG_VERIFIED);
	r = sig_report(cat, emb, 1);
	CHECK(r == emb && r->catalog_failed == cat && !r->embedded);
	sig_verdict_free(r);
	/* catalog fails, no table: not signed, with the catalog bullet */
	cat = heap(SIG_KIND_CATALOG, SIG_UNTRUSTED_ROOT);
	emb = heap(SIG_KIND_EMBEDDED, SIG_NOT_SIGNED);
	if (cat) {
		cat->catalog = strdup("test.cat");
		cat->chain.root = strdup("CN=Root");
	}
	r = sig_report(cat, emb, 0);
	CHECK(r == emb && r && r->unsigned_why == SIG_UNSIGNED_CATALOG_FAILED);
	db_init(&b, CAP_PROFILE);
	if (r)
		prof_render_signature(&b, r);
	CHECK(db_take(&b, &out, &len) == 0);
	CHECK_STR(out, "\n## Signature\n\n"
		       "* Status: The file is not signed: there is no "
		       "certificate table, and the signature of the catalog "
		       "that lists its PE hash does not hold.\n"
		       "* Catalog Signature: test.cat: The catalog signature "
		       "is valid, but its chain ends in a root that is not "
		       "trusted: CN=Root.\n");
	free(out);
	sig_verdict_free(r);
	/* no catalog: the embedded verdict as it is */
	emb = heap(SIG_KIND_EMBEDDED, SIG_VERIFIED);
	CHECK(sig_report(NULL, emb, 1) == emb);
	sig_verdict_free(emb);
}

/* every status has a short name of its own (the JSON's "status", the
 * CSV's signature_status): none falls through to "unknown", as two did */
static void status_names(void)
{
	unsigned i, j;

	for (i = 0; i < SIG_STATUS_COUNT; i++) {
		const char *n = prof_sig_status_name((enum sig_status)i);

		CHECK(strcmp(n, "unknown") != 0);
		CHECK(n[0] &&
		      strspn(n, "abcdefghijklmnopqrstuvwxyz_") == strlen(n));
		for (j = 0; j < i; j++)
			CHECK(strcmp(n, prof_sig_status_name(
						(enum sig_status)j)) != 0);
	}
	CHECK_STR(prof_sig_status_name(SIG_STATUS_COUNT), "unknown");
}

int main(void)
{
	sentences();
	status_names();
	bullets();
	builtin_bullets();
	catalog_choice();
	report_order();
	return t_done();
}

/*
 * The Signature section: a signature verdict (struct sig_verdict, data
 * only) in words. Every sentence a profile says about a signature is made
 * here, from the status and its details; docs/signatures.md lists them.
 * Values pass through md_text()/md_code() whole, as the other sections'.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "profilefs/profile.h"

/* the sentences' subject for a kind of signature */
static const char *what(const struct sig_verdict *v)
{
	switch (v->kind) {
	case SIG_KIND_NESTED:
		return "nested signature";
	case SIG_KIND_CATALOG:
		return "catalog signature";
	default:
		return "signature";
	}
}

static const char *md_name(const struct sig_verdict *v)
{
	switch (v->digest_alg) {
	case SIG_MD_MD5:
		return "MD5";
	case SIG_MD_SHA1:
		return "SHA-1";
	case SIG_MD_SHA256:
		return "SHA-256";
	case SIG_MD_SHA384:
		return "SHA-384";
	case SIG_MD_SHA512:
		return "SHA-512";
	case SIG_MD_OTHER:
		return v->digest_other ? v->digest_other
				       : "an unknown algorithm";
	default:
		return NULL;
	}
}

static const char *unsigned_why(enum sig_unsigned why)
{
	switch (why) {
	case SIG_UNSIGNED_NO_CATALOGS:
		return "there is no certificate table, and no catalogs are "
		       "indexed";
	case SIG_UNSIGNED_NOT_IN_CATALOG:
		return "there is no certificate table, and no indexed catalog "
		       "lists its PE hash";
	case SIG_UNSIGNED_NO_PEHASH:
		return "its PE image hash is unknown";
	case SIG_UNSIGNED_CATALOG_FAILED:
		return "there is no certificate table, and the signature of "
		       "the catalog that lists its PE hash does not hold";
	default:
		return "there is no certificate table";
	}
}

static const char *p7_reason(const struct sig_verdict *v)
{
	switch (v->p7_reason) {
	case SIG_P7_DIGEST_FAILURE:
		return "its message digest attribute does not match the "
		       "signed content";
	case SIG_P7_SIGNATURE_FAILURE:
		return "the signature value does not match the signer's "
		       "public key";
	case SIG_P7_SIGNER_NOT_FOUND:
		return "the signer's certificate is not in it";
	default:
		return v->openssl_reason ? v->openssl_reason
					 : "OpenSSL gave no reason";
	}
}

/* why an invalid chain is invalid: "REASON (CERT)"; 0 when unknown */
static int chain_why(struct dynbuf *s, const struct sig_chain *c)
{
	if (c->oom)
		return db_adds(s, "the chain could not be checked (out of "
				  "memory)"),
		       1;
	if (!c->reason)
		return 0;
	db_adds(s, c->reason);
	if (c->cert)
		db_printf(s, " (%s)", c->cert);
	return 1;
}

static const char *purpose_name(const struct sig_chain *c)
{
	return c->purpose == SIG_FOR_TIME_STAMPING ? "time stamping"
						   : "code signing";
}

/* "YYYY-MM-DD" of c->since, or "" */
static void since_date(const struct sig_chain *c, char date[16])
{
	struct tm tm;

	date[0] = 0;
	if (c->since && gmtime_r(&c->since, &tm))
		strftime(date, 16, "%Y-%m-%d", &tm);
}

/* "a root that is not trusted: ROOT", or why the root program's
 * properties refuse it for the chain's purpose */
static void untrusted_root(struct dynbuf *s, const struct sig_chain *c)
{
	const char *root = c->root ? c->root : "(unnamed)";
	const char *purpose = purpose_name(c);
	char date[16];

	since_date(c, date);
	switch (c->why) {
	case SIG_ROOT_PURPOSE:
		db_printf(s,
			  "a root not trusted for %s (not among the root's "
			  "purposes): %s",
			  purpose, root);
		break;
	case SIG_ROOT_DISALLOWED:
		db_printf(s, "a root disabled for %s%s%s: %s", purpose,
			  *date ? " since " : "", date, root);
		break;
	case SIG_ROOT_NOT_BEFORE:
		db_printf(s,
			  "a root not trusted for %s in certificates issued "
			  "from %s on: %s",
			  purpose, date, root);
		break;
	default:
		db_printf(s, "a root that is not trusted: %s", root);
		break;
	}
}

/* "a root Windows trusts built in, which the root program ...: ROOT", for
 * a chain trusted only as built in: why the root program would not */
static void builtin_root(struct dynbuf *s, const struct sig_chain *c)
{
	const char *root = c->root ? c->root : "(unnamed)";
	const char *purpose = purpose_name(c);
	char date[16];

	since_date(c, date);
	db_adds(s, "a root Windows trusts built in, which the root program ");
	switch (c->why) {
	case SIG_ROOT_PURPOSE:
		db_printf(s,
			  "does not trust for %s (not among the root's "
			  "purposes)",
			  purpose);
		break;
	case SIG_ROOT_DISALLOWED:
		db_printf(s, "has disabled for %s%s%s", purpose,
			  *date ? " since " : "", date);
		break;
	case SIG_ROOT_NOT_BEFORE:
		db_printf(s,
			  "does not trust for %s in certificates issued from "
			  "%s on",
			  purpose, date);
		break;
	default:
		db_adds(s, "does not hold");
		break;
	}
	db_printf(s, ": %s", root);
}

/* " The chain ends in a root Windows trusts built in, ...: ROOT." after a
 * verdict's Status, when only a built-in root made it hold */
static void builtin_sentence(struct dynbuf *s, const struct sig_verdict *v)
{
	if (v->status != SIG_VERIFIED || !v->chain.builtin)
		return;
	db_adds(s, " The chain ends in ");
	builtin_root(s, &v->chain);
	db_addc(s, '.');
}

/* the sentences that name no subject, or that are not "The %s ..." */
static int status_plain(struct dynbuf *s, const struct sig_verdict *v)
{
	switch (v->status) {
	case SIG_NOT_CHECKED:
		db_adds(s, "The signature was not checked.");
		return 1;
	case SIG_VERIFIED:
		db_adds(s, "Signature verified.");
		return 1;
	case SIG_NOT_SIGNED:
		db_printf(s, "The file is not signed: %s.",
			  unsigned_why(v->unsigned_why));
		return 1;
	case SIG_TABLE_PROBLEM:
		db_adds(s, v->table_problem ? v->table_problem : "");
		return 1;
	case SIG_DIGEST_MISMATCH:
		db_printf(s,
			  "The file's digest does not match: its %s PE hash "
			  "differs from the digest the %s signs (the file was "
			  "changed after signing).",
			  md_name(v), what(v));
		return 1;
	default:
		break;
	}
	if (v->kind == SIG_KIND_ENTRY &&
	    (v->status == SIG_WRONG_TYPE || v->status == SIG_NO_DECODE)) {
		db_printf(s,
			  "Not a PKCS#7 SignedData that decodes (type "
			  "0x%04X).",
			  v->entry_type);
		return 1;
	}
	if (v->status == SIG_WRONG_TYPE) {
		db_printf(s,
			  "The first certificate entry is of type 0x%04X, not "
			  "a PKCS#7 SignedData (2).",
			  v->entry_type);
		return 1;
	}
	if (v->status != SIG_NO_DECODE)
		return 0;
	if (v->kind == SIG_KIND_NESTED)
		db_adds(s, "The nested signature cannot be read.");
	else if (v->kind == SIG_KIND_CATALOG)
		db_adds(s, "The catalog cannot be read: it is not a PKCS#7 "
			   "SignedData.");
	else
		db_adds(s, "The signature cannot be read: its PKCS#7 data "
			   "does not decode.");
	return 1;
}

/* the Status sentence, unescaped */
static void status_text(struct dynbuf *s, const struct sig_verdict *v)
{
	if (status_plain(s, v))
		return;
	db_printf(s, "The %s", what(v));
	switch (v->status) {
	case SIG_NOT_SIGNED_DATA:
		db_adds(s, " is not a PKCS#7 SignedData.");
		break;
	case SIG_SIGNER_COUNT:
		db_printf(s, " has %d signers; exactly one is expected.",
			  v->count);
		break;
	case SIG_NO_CONTENT:
		db_adds(s, " has no signed content.");
		break;
	case SIG_NOT_INDIRECT:
		db_adds(s, "'s content is not an Authenticode "
			   "SpcIndirectDataContent.");
		break;
	case SIG_DIGEST_NOT_COMPUTED:
		db_printf(s,
			  " signs a %s digest, which is not computed here: the "
			  "file's digest was not checked.",
			  md_name(v));
		break;
	case SIG_DIGEST_ALGS:
		db_printf(s,
			  " does not verify: it names %d digest algorithms, or "
			  "one that is not known.",
			  v->count);
		break;
	case SIG_NOT_VERIFIED:
		db_printf(s, " does not verify: %s.", p7_reason(v));
		break;
	case SIG_NO_SIGNER_CERT:
		db_adds(s, "'s signer certificate is not in it.");
		break;
	case SIG_LEAF_NOT_CODE_SIGNING:
		db_adds(s, "'s signer certificate is not for code signing: "
			   "its extended key usage does not include it.");
		break;
	case SIG_LEAF_KEY_USAGE:
		db_adds(s, "'s signer certificate may not make signatures: "
			   "its key usage does not include digital "
			   "signatures.");
		break;
	case SIG_UNTRUSTED_ROOT:
		db_adds(s, " is valid, but its chain ends in ");
		untrusted_root(s, &v->chain);
		db_addc(s, '.');
		break;
	default: /* SIG_CHAIN_INVALID */
		db_printf(s, "'s certificate chain is not valid at %s: ",
			  v->checked_at == SIG_AT_SIGNING_TIME
				  ? "the signing time"
				  : "now");
		if (!chain_why(s, &v->chain))
			db_adds(s, "unknown error");
		db_addc(s, '.');
		break;
	}
}

int prof_sig_status(const struct sig_verdict *v, char **out)
{
	struct dynbuf s;
	size_t len;
	int rc;

	db_init(&s, CAP_PROFILE);
	status_text(&s, v);
	rc = db_take(&s, out, &len);
	if (rc)
		db_free(&s);
	return rc;
}

const char *prof_sig_status_name(enum sig_status s)
{
	static const char *const names[SIG_STATUS_COUNT] = {
		[SIG_NOT_CHECKED] = "not_checked",
		[SIG_VERIFIED] = "verified",
		[SIG_NOT_SIGNED] = "not_signed",
		[SIG_TABLE_PROBLEM] = "table_problem",
		[SIG_WRONG_TYPE] = "wrong_type",
		[SIG_NO_DECODE] = "no_decode",
		[SIG_NOT_SIGNED_DATA] = "not_signed_data",
		[SIG_SIGNER_COUNT] = "signer_count",
		[SIG_NO_CONTENT] = "no_content",
		[SIG_NOT_INDIRECT] = "not_indirect",
		[SIG_DIGEST_NOT_COMPUTED] = "digest_not_computed",
		[SIG_DIGEST_MISMATCH] = "digest_mismatch",
		[SIG_DIGEST_ALGS] = "digest_algs",
		[SIG_NOT_VERIFIED] = "not_verified",
		[SIG_NO_SIGNER_CERT] = "no_signer_cert",
		[SIG_LEAF_NOT_CODE_SIGNING] = "leaf_not_code_signing",
		[SIG_LEAF_KEY_USAGE] = "leaf_key_usage",
		[SIG_UNTRUSTED_ROOT] = "untrusted_root",
		[SIG_CHAIN_INVALID] = "chain_invalid",
	};

	return (unsigned)s < SIG_STATUS_COUNT && names[s] ? names[s]
							  : "unknown";
}

/* "* Label: value\n": value (made in s) escaped, as code when code */
static void bullet(struct dynbuf *b, const char *label, struct dynbuf *s,
		   int code)
{
	const char *value = s->len ? s->data : "";

	db_printf(b, "* %s: ", label);
	if (code)
		md_code(b, value, s->len, MD_TEXT);
	else
		md_text(b, value, s->len, MD_TEXT);
	db_addc(b, '\n');
	db_reset(s);
}

static void bullet_str(struct dynbuf *b, const char *label, const char *value,
		       int code, struct dynbuf *s)
{
	db_adds(s, value);
	bullet(b, label, s, code);
}

static void timestamp_text(struct dynbuf *s, const struct sig_timestamp *ts)
{
	int rfc = ts->kind == SIG_TS_RFC3161;
	static const char *const state[] = {
		[SIG_TS_TRUSTED] = "verified, trusted",
		[SIG_TS_UNTRUSTED_ROOT] =
			"verified, but its root is not trusted",
		[SIG_TS_CHAIN_INVALID] = "its chain is not valid",
		[SIG_TS_BAD_SIGNATURE] = "its signature does not verify",
		[SIG_TS_NO_CERT] = "its certificate is not in the signature",
		[SIG_TS_NO_TIME] = "it has no signing time",
		[SIG_TS_OTHER_SIGNATURE] = "it stamps another signature",
	};

	if (ts->state == SIG_TS_UNREADABLE) {
		db_adds(s, "an RFC 3161 timestamp that cannot be read");
		return;
	}
	db_printf(s, "%s by %s: %s",
		  rfc ? "RFC 3161 timestamp" : "countersignature",
		  ts->authority ? ts->authority
		  : rfc		? "an unknown authority"
				: "an unknown signer",
		  state[ts->state]);
	if (ts->state == SIG_TS_TRUSTED && ts->chain.builtin) {
		db_adds(s, ": its chain ends in ");
		builtin_root(s, &ts->chain);
	}
	if (ts->state == SIG_TS_UNTRUSTED_ROOT && ts->chain.root &&
	    ts->chain.why == SIG_ROOT_NOT_ANCHOR)
		db_printf(s, ": %s", ts->chain.root);
	else if (ts->state == SIG_TS_UNTRUSTED_ROOT) {
		db_adds(s, ": its chain ends in ");
		untrusted_root(s, &ts->chain);
	}
	if (ts->state == SIG_TS_CHAIN_INVALID &&
	    (ts->chain.oom || ts->chain.reason)) {
		db_adds(s, ": ");
		chain_why(s, &ts->chain);
	}
}

static void signing_time(struct dynbuf *s, const struct sig_verdict *v)
{
	static const char *const source[] = {
		[SIG_TIME_COUNTERSIGNATURE] = "countersignature",
		[SIG_TIME_RFC3161] = "RFC 3161 timestamp",
		[SIG_TIME_ATTRIBUTE] = "signing-time attribute",
	};
	char when[32] = "";
	struct tm tm;

	if (gmtime_r(&v->signing_time, &tm))
		strftime(when, sizeof(when), "%Y-%m-%d %H:%M:%S UTC", &tm);
	db_printf(s, "%s (%s)", when, source[v->signing_time_source]);
}

/* "SHA-1, CN=…: Signature verified." for a nested or further signature */
static void summary(struct dynbuf *s, const struct sig_verdict *v)
{
	const char *alg = md_name(v);

	db_adds(s, alg ? alg : "?");
	if (v->signer)
		db_printf(s, ", %s", v->signer->subject);
	db_adds(s, ": ");
	status_text(s, v);
	builtin_sentence(s, v);
}

/* Status, the signer, then our bullets */
static void facts(struct dynbuf *b, const struct sig_verdict *v,
		  struct dynbuf *s)
{
	const char *alg = md_name(v);

	status_text(s, v);
	bullet(b, "Status", s, 0);
	if (v->signer) {
		bullet_str(b, "Serial", v->signer->serial, 1, s);
		bullet_str(b, "Thumbprint", v->signer->thumbprint, 1, s);
		bullet_str(b, "Issuer", v->signer->issuer, 0, s);
		bullet_str(b, "Subject", v->signer->subject, 0, s);
	}
	if (v->catalog)
		bullet_str(b, "Catalog", v->catalog, 0, s);
	if (alg)
		bullet_str(b, "Digest Algorithm", alg, 0, s);
	if (v->signed_digest) {
		char *hex = malloc(2 * v->signed_len + 1);

		if (hex) {
			dg_hex(v->signed_digest, v->signed_len, hex, 1);
			bullet_str(b, "Signed Digest", hex, 1, s);
			free(hex);
		}
	}
	if (v->has_signing_time) {
		signing_time(s, v);
		bullet(b, "Signing Time", s, 0);
	}
	if (v->ts.present) {
		timestamp_text(s, &v->ts);
		bullet(b, "Timestamp", s, 0);
	}
	if (v->signer && v->checked_at != SIG_AT_UNKNOWN)
		bullet_str(b, "Validity Checked At",
			   v->checked_at == SIG_AT_SIGNING_TIME
				   ? "the signing time (a trusted timestamp "
				     "gives it)"
			   : v->checked_at == SIG_AT_NOW_LIFETIME
				   ? "now (the signer's certificate has the "
				     "lifetime-signing usage: a timestamp does "
				     "not extend its validity)"
				   : "now (no trusted timestamp)",
			   0, s);
	if (v->status == SIG_VERIFIED && v->chain.builtin) {
		db_adds(s, "the chain ends in ");
		builtin_root(s, &v->chain);
		bullet(b, "Trust Anchor", s, 0);
	}
}

void prof_render_signature(struct dynbuf *b, const struct sig_verdict *v)
{
	struct dynbuf s;
	char label[40];
	size_t i;

	db_init(&s, CAP_PROFILE);
	db_adds(b, "\n## Signature\n\n");
	facts(b, v, &s);
	for (i = 0; i < v->nsubs; i++) {
		const struct sig_verdict *sub = &v->subs[i];

		snprintf(label, sizeof(label), "%s %u",
			 sub->kind == SIG_KIND_NESTED ? "Nested Signature"
						      : "Certificate Entry",
			 sub->index);
		summary(&s, sub);
		bullet(b, label, &s, 0);
	}
	if (v->table_entries_problem)
		bullet_str(b, "Certificate Table", v->table_entries_problem, 0,
			   &s);
	if (v->embedded) {
		status_text(&s, v->embedded);
		builtin_sentence(&s, v->embedded);
		bullet(b, "Embedded Signature", &s, 0);
	}
	if (v->catalog_failed) {
		db_printf(&s, "%s: ",
			  v->catalog_failed->catalog
				  ? v->catalog_failed->catalog
				  : "?");
		status_text(&s, v->catalog_failed);
		bullet(b, "Catalog Signature", &s, 0);
	}
	db_free(&s);
}

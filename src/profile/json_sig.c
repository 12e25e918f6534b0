/*
 * The JSON profile's "signature" member (docs/profile-json.md): the
 * verdict of render_sig.c as data, built with json_util.c's builders.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "json_i.h"

static const char *const status_names[SIG_STATUS_COUNT] = {
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
	[SIG_UNTRUSTED_ROOT] = "untrusted_root",
	[SIG_CHAIN_INVALID] = "chain_invalid",
};

/* names[i] for a value the code made; "unknown" past the table */
static const char *name_of(const char *const *names, size_t n, unsigned i)
{
	return i < n && names[i] ? names[i] : "unknown";
}

#define NAME(tab, i) name_of(tab, sizeof(tab) / sizeof(tab[0]), (unsigned)(i))

const char *prof_sig_status_name(enum sig_status s)
{
	return NAME(status_names, s);
}

static jobj *chain(struct jctx *c, const struct sig_chain *ch)
{
	static const char *const results[] = {
		[SIG_CH_TRUSTED] = "trusted",
		[SIG_CH_UNTRUSTED] = "untrusted_root",
		[SIG_CH_INVALID] = "invalid",
	};
	static const char *const whys[] = {
		[SIG_ROOT_NOT_ANCHOR] = "not_anchor",
		[SIG_ROOT_PURPOSE] = "purpose",
		[SIG_ROOT_DISALLOWED] = "disallowed",
		[SIG_ROOT_NOT_BEFORE] = "not_before",
	};
	int refused = ch->result == SIG_CH_UNTRUSTED ||
		      (ch->result == SIG_CH_TRUSTED && ch->builtin);
	jobj *o = j_obj(c);

	j_put(c, o, "result", j_lit(c, NAME(results, ch->result)));
	j_put(c, o, "root", j_str(c, ch->root));
	j_put(c, o, "reason", j_str(c, ch->reason));
	j_put(c, o, "cert", j_str(c, ch->cert));
	j_put(c, o, "out_of_memory", j_bool(c, ch->oom));
	j_put(c, o, "built_in",
	      j_bool(c, ch->result == SIG_CH_TRUSTED && ch->builtin));
	j_put(c, o, "root_refusal",
	      refused ? j_lit(c, NAME(whys, ch->why)) : NULL);
	j_put(c, o, "root_since",
	      refused && ch->since ? j_time(c, ch->since) : NULL);
	return o;
}

static jobj *timestamp(struct jctx *c, const struct sig_timestamp *ts)
{
	static const char *const states[] = {
		[SIG_TS_TRUSTED] = "trusted",
		[SIG_TS_UNTRUSTED_ROOT] = "untrusted_root",
		[SIG_TS_CHAIN_INVALID] = "chain_invalid",
		[SIG_TS_BAD_SIGNATURE] = "bad_signature",
		[SIG_TS_NO_CERT] = "no_cert",
		[SIG_TS_NO_TIME] = "no_time",
		[SIG_TS_OTHER_SIGNATURE] = "other_signature",
		[SIG_TS_UNREADABLE] = "unreadable",
	};
	jobj *o;

	if (!ts->present)
		return NULL;
	o = j_obj(c);
	j_put(c, o, "kind",
	      j_lit(c, ts->kind == SIG_TS_RFC3161 ? "rfc3161"
						  : "countersignature"));
	j_put(c, o, "state", j_lit(c, NAME(states, ts->state)));
	j_put(c, o, "authority", j_str(c, ts->authority));
	j_put(c, o, "chain", chain(c, &ts->chain));
	return o;
}

static jobj *signer(struct jctx *c, const struct sig_signer *s)
{
	jobj *o;

	if (!s)
		return NULL;
	o = j_obj(c);
	j_put(c, o, "serial", j_str(c, s->serial));
	j_put(c, o, "thumbprint", j_str(c, s->thumbprint));
	j_put(c, o, "issuer", j_str(c, s->issuer));
	j_put(c, o, "subject", j_str(c, s->subject));
	return o;
}

static jobj *digest_alg(struct jctx *c, const struct sig_verdict *v)
{
	static const char *const mds[] = {
		[SIG_MD_MD5] = "md5",	    [SIG_MD_SHA1] = "sha1",
		[SIG_MD_SHA256] = "sha256", [SIG_MD_SHA384] = "sha384",
		[SIG_MD_SHA512] = "sha512", [SIG_MD_OTHER] = "other",
	};

	return v->digest_alg == SIG_MD_NONE
		       ? NULL
		       : j_lit(c, NAME(mds, v->digest_alg));
}

/* the status and the facts the status's sentence is made of */
static void verdict_status(struct jctx *c, jobj *o, const struct sig_verdict *v)
{
	static const char *const kinds[] = {
		[SIG_KIND_EMBEDDED] = "embedded",
		[SIG_KIND_NESTED] = "nested",
		[SIG_KIND_ENTRY] = "entry",
		[SIG_KIND_CATALOG] = "catalog",
	};
	static const char *const unsigned_names[] = {
		[SIG_UNSIGNED_NO_TABLE] = "no_table",
		[SIG_UNSIGNED_NO_CATALOGS] = "no_catalogs",
		[SIG_UNSIGNED_NOT_IN_CATALOG] = "not_in_catalog",
		[SIG_UNSIGNED_NO_PEHASH] = "no_pe_hash",
	};
	static const char *const p7[] = {
		[SIG_P7_OTHER] = "other",
		[SIG_P7_DIGEST_FAILURE] = "digest_failure",
		[SIG_P7_SIGNATURE_FAILURE] = "signature_failure",
		[SIG_P7_SIGNER_NOT_FOUND] = "signer_not_found",
	};
	char *sentence = NULL;

	j_put(c, o, "kind", j_lit(c, NAME(kinds, v->kind)));
	j_put(c, o, "index",
	      v->kind == SIG_KIND_NESTED || v->kind == SIG_KIND_ENTRY
		      ? j_int(c, v->index)
		      : NULL);
	j_put(c, o, "status", j_lit(c, NAME(status_names, v->status)));
	if (prof_sig_status(v, &sentence))
		c->err = -ENOMEM;
	j_put(c, o, "status_text", j_str(c, sentence));
	free(sentence);
	j_put(c, o, "holds", j_bool(c, sig_verdict_holds(v)));
	j_put(c, o, "unsigned_reason",
	      v->status == SIG_NOT_SIGNED
		      ? j_lit(c, NAME(unsigned_names, v->unsigned_why))
		      : NULL);
	j_put(c, o, "table_problem", j_str(c, v->table_problem));
	j_put(c, o, "entry_type",
	      v->status == SIG_WRONG_TYPE || v->status == SIG_NO_DECODE
		      ? j_int(c, v->entry_type)
		      : NULL);
	j_put(c, o, "count",
	      v->status == SIG_SIGNER_COUNT || v->status == SIG_DIGEST_ALGS
		      ? j_int(c, v->count)
		      : NULL);
	j_put(c, o, "p7_reason",
	      v->status == SIG_NOT_VERIFIED ? j_lit(c, NAME(p7, v->p7_reason))
					    : NULL);
	j_put(c, o, "openssl_reason", j_str(c, v->openssl_reason));
	j_put(c, o, "chain",
	      v->status == SIG_UNTRUSTED_ROOT ||
			      v->status == SIG_CHAIN_INVALID ||
			      v->status == SIG_VERIFIED
		      ? chain(c, &v->chain)
		      : NULL);
}

static jobj *verdict(struct jctx *c, const struct sig_verdict *v, int depth)
{
	static const char *const sources[] = {
		[SIG_TIME_COUNTERSIGNATURE] = "countersignature",
		[SIG_TIME_RFC3161] = "rfc3161",
		[SIG_TIME_ATTRIBUTE] = "signing_time_attribute",
	};
	static const char *const at[] = {
		[SIG_AT_UNKNOWN] = "unknown",
		[SIG_AT_NOW] = "now",
		[SIG_AT_SIGNING_TIME] = "signing_time",
	};
	jobj *o = j_obj(c), *subs;
	size_t i;

	verdict_status(c, o, v);
	j_put(c, o, "digest_algorithm", digest_alg(c, v));
	j_put(c, o, "digest_algorithm_other",
	      v->digest_alg == SIG_MD_OTHER ? j_str(c, v->digest_other) : NULL);
	j_put(c, o, "signed_digest",
	      v->signed_digest ? j_hex(c, v->signed_digest, v->signed_len)
			       : NULL);
	j_put(c, o, "signer", signer(c, v->signer));
	j_put(c, o, "signing_time",
	      v->has_signing_time ? j_int(c, (int64_t)v->signing_time) : NULL);
	j_put(c, o, "signing_time_utc",
	      v->has_signing_time ? j_time(c, v->signing_time) : NULL);
	j_put(c, o, "signing_time_source",
	      v->has_signing_time
		      ? j_lit(c, NAME(sources, v->signing_time_source))
		      : NULL);
	j_put(c, o, "timestamp", timestamp(c, &v->ts));
	j_put(c, o, "checked_at", j_lit(c, NAME(at, v->checked_at)));
	j_put(c, o, "catalog", j_str(c, v->catalog));
	j_put(c, o, "table_entries_problem",
	      j_str(c, v->table_entries_problem));
	/* verdicts nest one level (a catalog's embedded, an embedded's
	 * subs); the bound keeps a malformed verdict from recursing on */
	subs = j_arr(c);
	for (i = 0; depth < 2 && i < v->nsubs; i++)
		j_push(c, subs, verdict(c, &v->subs[i], depth + 1));
	j_put(c, o, "subs", subs);
	j_put(c, o, "embedded",
	      v->embedded && depth < 2 ? verdict(c, v->embedded, depth + 1)
				       : NULL);
	return o;
}

jobj *j_sig(struct jctx *c, const struct sig_verdict *v)
{
	return verdict(c, v, 0);
}

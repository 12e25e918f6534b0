/*
 * Chains: from a signer (or a timestamping authority) to a trust anchor,
 * at a given time. A chain that is valid up to a root we do not trust is
 * "untrusted", and names that root; one that is not valid says why, as
 * OpenSSL puts it, and about which certificate.
 */
#include <stdlib.h>
#include <string.h>

#include <openssl/err.h>
#include <openssl/x509v3.h>

#include "sig_i.h"

void sig_chain_clear(struct sig_chain *c)
{
	free(c->root);
	free(c->reason);
	free(c->cert);
	memset(c, 0, sizeof(*c));
}

static int self_signed(X509 *x)
{
	return (X509_get_extension_flags(x) & EXFLAG_SS) != 0;
}

/* Does the leaf's extended-key-usage extension name oid? */
static int has_eku(X509 *leaf, const char *oid)
{
	EXTENDED_KEY_USAGE *eku =
		X509_get_ext_d2i(leaf, NID_ext_key_usage, NULL, NULL);
	ASN1_OBJECT *want = OBJ_txt2obj(oid, 1);
	int i, found = 0;

	for (i = 0; want && i < sk_ASN1_OBJECT_num(eku) && !found; i++)
		found = OBJ_cmp(sk_ASN1_OBJECT_value(eku, i), want) == 0;
	ASN1_OBJECT_free(want);
	sk_ASN1_OBJECT_pop_free(eku, ASN1_OBJECT_free);
	ERR_clear_error();
	return found;
}

void sig_leaf_check(X509 *leaf, struct sig_verdict *v)
{
	uint32_t flags = X509_get_extension_flags(leaf);

	/* code signing, any purpose, or Microsoft's driver and system
	 * component verification (the signers of Windows' own catalogs and
	 * of attestation-signed drivers) */
	if ((flags & EXFLAG_XKUSAGE) &&
	    !(X509_get_extended_key_usage(leaf) &
	      (XKU_CODE_SIGN | XKU_ANYEKU)) &&
	    !has_eku(leaf, SIG_OID_DRIVER_EKU) &&
	    !has_eku(leaf, SIG_OID_SYSTEM_EKU))
		sig_fail(v, SIG_LEAF_NOT_CODE_SIGNING);
	else if ((flags & EXFLAG_KUSAGE) &&
		 !(X509_get_key_usage(leaf) & KU_DIGITAL_SIGNATURE))
		sig_fail(v, SIG_LEAF_KEY_USAGE);
}

int sig_leaf_lifetime(X509 *leaf)
{
	return has_eku(leaf, SIG_OID_LIFETIME);
}

/* errors that mean "no trusted root", not "invalid" */
static int no_anchor(int err)
{
	return err == X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT_LOCALLY ||
	       err == X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT ||
	       err == X509_V_ERR_SELF_SIGNED_CERT_IN_CHAIN ||
	       err == X509_V_ERR_DEPTH_ZERO_SELF_SIGNED_CERT;
}

/* The chain failed for want of a trust anchor: is it valid up to its
 * topmost certificate, taken as the only anchor? */
static void partial(X509_STORE_CTX *ctx, X509 *leaf, STACK_OF(X509) * untrusted,
		    time_t at, struct sig_chain *out)
{
	STACK_OF(X509) *built = X509_STORE_CTX_get1_chain(ctx);
	X509_STORE *alone = X509_STORE_new();
	X509_STORE_CTX *ctx2 = X509_STORE_CTX_new();
	X509 *top = built && sk_X509_num(built) > 0
			    ? sk_X509_value(built, sk_X509_num(built) - 1)
			    : leaf;

	if (!alone || !ctx2 || !X509_STORE_add_cert(alone, top) ||
	    !X509_STORE_CTX_init(ctx2, alone, leaf, untrusted)) {
		out->oom = 1;
		goto out;
	}
	X509_STORE_CTX_set_flags(ctx2, X509_V_FLAG_PARTIAL_CHAIN);
	X509_STORE_CTX_set_time(ctx2, 0, at);
	if (X509_verify_cert(ctx2) != 1) {
		out->reason = strdup(X509_verify_cert_error_string(
			X509_STORE_CTX_get_error(ctx2)));
		goto out;
	}
	out->result = SIG_CH_UNTRUSTED;
	out->root = sig_name_of(self_signed(top) ? X509_get_subject_name(top)
						 : X509_get_issuer_name(top));
out:
	sk_X509_pop_free(built, X509_free);
	X509_STORE_CTX_free(ctx2);
	X509_STORE_free(alone);
}

/* The chain built: is its root trusted for the purpose, by the root
 * program's properties or as built in? Sets out when not, or when only
 * built in. */
static void root_props(const struct sig_env *env, X509_STORE_CTX *ctx,
		       X509 *leaf, time_t at, struct sig_chain *out)
{
	STACK_OF(X509) *ch = X509_STORE_CTX_get0_chain(ctx);
	X509 *root = sk_X509_num(ch) > 0
			     ? sk_X509_value(ch, sk_X509_num(ch) - 1)
			     : NULL;

	if (!root)
		return;
	if (sig_trust_judge(env->trust, root, leaf, out->purpose, at, &out->why,
			    &out->since, &out->builtin)) {
		if (!out->builtin)
			return;
	} else {
		out->result = SIG_CH_UNTRUSTED;
	}
	out->root = sig_name_of(X509_get_subject_name(root));
}

void sig_chain_check(const struct sig_env *env, X509 *leaf,
		     STACK_OF(X509) * untrusted, time_t at,
		     enum sig_purpose purpose, struct sig_chain *out)
{
	X509_STORE_CTX *ctx = X509_STORE_CTX_new();
	int err;

	memset(out, 0, sizeof(*out));
	out->result = SIG_CH_INVALID;
	out->purpose = purpose;
	if (!ctx ||
	    !X509_STORE_CTX_init(ctx, env->trust->store, leaf, untrusted)) {
		out->oom = 1;
		goto out;
	}
	X509_STORE_CTX_set_time(ctx, 0, at);
	if (X509_verify_cert(ctx) == 1) {
		out->result = SIG_CH_TRUSTED;
		root_props(env, ctx, leaf, at, out);
		goto out;
	}
	err = X509_STORE_CTX_get_error(ctx);
	if (no_anchor(err)) {
		partial(ctx, leaf, untrusted, at, out);
	} else {
		X509 *bad = X509_STORE_CTX_get_current_cert(ctx);

		out->reason = strdup(X509_verify_cert_error_string(err));
		out->cert =
			bad ? sig_name_of(X509_get_subject_name(bad)) : NULL;
	}
out:
	ERR_clear_error();
	X509_STORE_CTX_free(ctx);
}

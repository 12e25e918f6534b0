/*
 * Verdicts: one PKCS#7 SignedData checked the way Windows reports it
 * (verify.c, then timestamps.c for the time of validity, then chain.c),
 * assembled as data with the signer's certificate, the nested signatures
 * and the further certificate-table entries. Nothing here is worded: the
 * profile renderer does that.
 */
#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/err.h>
#include <openssl/evp.h>

#include "profilefs/caps.h"
#include "profilefs/digest.h"
#include "profilefs/util.h"
#include "sig_i.h"

/* ---- the verdict's memory ------------------------------------------ */

static void signer_free(struct sig_signer *s)
{
	if (!s)
		return;
	free(s->serial);
	free(s->thumbprint);
	free(s->issuer);
	free(s->subject);
	free(s);
}

static void verdict_clear(struct sig_verdict *v)
{
	size_t i;

	free(v->table_problem);
	free(v->openssl_reason);
	sig_chain_clear(&v->chain);
	free(v->digest_other);
	free(v->signed_digest);
	signer_free(v->signer);
	free(v->ts.authority);
	sig_chain_clear(&v->ts.chain);
	free(v->table_entries_problem);
	free(v->catalog);
	for (i = 0; i < v->nsubs; i++)
		verdict_clear(&v->subs[i]);
	free(v->subs);
	sig_verdict_free(v->embedded);
	sig_verdict_free(v->catalog_failed);
	memset(v, 0, sizeof(*v));
}

void sig_verdict_free(struct sig_verdict *v)
{
	if (!v)
		return;
	verdict_clear(v);
	free(v);
}

/* *to = a copy of from (NULL stays NULL); 0 or -ENOMEM */
static int dup_str(char **to, const char *from)
{
	*to = from ? strdup(from) : NULL;
	return from && !*to ? -ENOMEM : 0;
}

static int dup_chain(struct sig_chain *to, const struct sig_chain *from)
{
	*to = *from;
	to->root = to->reason = to->cert = NULL;
	if (dup_str(&to->root, from->root) ||
	    dup_str(&to->reason, from->reason) ||
	    dup_str(&to->cert, from->cert))
		return -ENOMEM;
	return 0;
}

static int dup_signer(struct sig_signer **to, const struct sig_signer *from)
{
	if (!from) {
		*to = NULL;
		return 0;
	}
	*to = calloc(1, sizeof(**to));
	if (!*to)
		return -ENOMEM;
	if (dup_str(&(*to)->serial, from->serial) ||
	    dup_str(&(*to)->thumbprint, from->thumbprint) ||
	    dup_str(&(*to)->issuer, from->issuer) ||
	    dup_str(&(*to)->subject, from->subject))
		return -ENOMEM;
	return 0;
}

/* a copy into *to; on failure *to holds what was copied (to be cleared) */
static int verdict_copy(struct sig_verdict *to, const struct sig_verdict *from)
{
	size_t i;
	int rc;

	*to = *from;
	to->table_problem = to->openssl_reason = to->digest_other = NULL;
	to->signed_digest = NULL;
	to->signer = NULL;
	to->ts.authority = NULL;
	memset(&to->chain, 0, sizeof(to->chain));
	memset(&to->ts.chain, 0, sizeof(to->ts.chain));
	to->table_entries_problem = to->catalog = NULL;
	to->subs = NULL;
	to->nsubs = 0;
	to->embedded = NULL;
	to->catalog_failed = NULL;
	if (dup_str(&to->table_problem, from->table_problem) ||
	    dup_str(&to->openssl_reason, from->openssl_reason) ||
	    dup_chain(&to->chain, &from->chain) ||
	    dup_str(&to->digest_other, from->digest_other) ||
	    dup_signer(&to->signer, from->signer) ||
	    dup_str(&to->ts.authority, from->ts.authority) ||
	    dup_chain(&to->ts.chain, &from->ts.chain) ||
	    dup_str(&to->table_entries_problem, from->table_entries_problem) ||
	    dup_str(&to->catalog, from->catalog))
		return -ENOMEM;
	if (from->signed_digest) {
		to->signed_digest = malloc(from->signed_len + 1);
		if (!to->signed_digest)
			return -ENOMEM;
		memcpy(to->signed_digest, from->signed_digest,
		       from->signed_len);
	}
	if (from->nsubs) {
		to->subs = calloc(from->nsubs, sizeof(*to->subs));
		if (!to->subs)
			return -ENOMEM;
	}
	for (i = 0; i < from->nsubs; i++) {
		to->nsubs = i + 1;
		rc = verdict_copy(&to->subs[i], &from->subs[i]);
		if (rc)
			return rc;
	}
	rc = 0;
	if (from->embedded)
		rc = sig_verdict_dup(from->embedded, &to->embedded);
	if (!rc && from->catalog_failed)
		rc = sig_verdict_dup(from->catalog_failed, &to->catalog_failed);
	return rc;
}

int sig_verdict_dup(const struct sig_verdict *v, struct sig_verdict **out)
{
	struct sig_verdict *c = malloc(sizeof(*c));
	int rc;

	if (!c)
		return -ENOMEM;
	rc = verdict_copy(c, v);
	if (rc) {
		sig_verdict_free(c);
		return rc;
	}
	*out = c;
	return 0;
}

/* ---- policy -------------------------------------------------------- */

int sig_verdict_holds(const struct sig_verdict *v)
{
	return v && v->status == SIG_VERIFIED;
}

struct sig_verdict *sig_report(struct sig_verdict *cat, struct sig_verdict *emb,
			       int has_table)
{
	if (!cat)
		return emb;
	if (!emb || sig_verdict_holds(cat)) {
		if (emb && has_table)
			cat->embedded = emb;
		else
			sig_verdict_free(emb);
		return cat;
	}
	if (emb->status == SIG_NOT_SIGNED &&
	    emb->unsigned_why != SIG_UNSIGNED_NO_PEHASH)
		emb->unsigned_why = SIG_UNSIGNED_CATALOG_FAILED;
	emb->catalog_failed = cat;
	return emb;
}

const struct sig_verdict *sig_catalog_choose(const struct sig_verdict *chosen,
					     const struct sig_verdict *next,
					     int *done)
{
	if (sig_verdict_holds(next)) {
		*done = 1;
		return next;
	}
	*done = 0;
	return chosen ? chosen : next;
}

/* ---- checking one SignedData --------------------------------------- */

static char *hex_upper(const unsigned char *p, size_t n)
{
	char *s = malloc(2 * n + 1);

	if (s)
		dg_hex(p, n, s, 1);
	return s;
}

/* the signer's certificate as Windows shows it */
static int signer_facts(X509 *x, struct sig_signer **out)
{
	const ASN1_INTEGER *sn = X509_get0_serialNumber(x);
	struct sig_signer *s = calloc(1, sizeof(*s));
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned n = 0;
	char *hex;

	if (!s)
		return -ENOMEM;
	hex = hex_upper(sn->data, (size_t)sn->length);
	if (hex && (sn->type & V_ASN1_NEG)) {
		s->serial = malloc(strlen(hex) + 2);
		if (s->serial) {
			s->serial[0] = '-';
			strcpy(s->serial + 1, hex);
		}
		free(hex);
	} else {
		s->serial = hex;
	}
	if (X509_digest(x, EVP_sha1(), md, &n) == 1)
		s->thumbprint = hex_upper(md, n);
	s->issuer = sig_name_of(X509_get_issuer_name(x));
	s->subject = sig_name_of(X509_get_subject_name(x));
	if (!s->serial || !s->thumbprint || !s->issuer || !s->subject) {
		signer_free(s);
		return -ENOMEM;
	}
	*out = s;
	return 0;
}

/*
 * Checks one SignedData into v. ph: the content is an
 * SpcIndirectDataContent to check against these PE hashes; NULL for a
 * catalog. content: the signed content's bytes when p7's is not them (a
 * catalog read in parts), else NULL.
 */
static int check_p7(PKCS7 *p7, const struct sig_pehash *ph,
		    const struct sig_env *env, BIO *content,
		    struct sig_verdict *v)
{
	struct sig_work w = { v, NULL, 0, 0, content };
	PKCS7_SIGNER_INFO *si = NULL;
	struct sig_chain chain;
	int rc = 0, lifetime;

	if (sig_verify(p7, ph, &w, &si))
		goto out;
	sig_timestamps(p7, si, env, &w);
	lifetime = w.signer && sig_leaf_lifetime(w.signer);
	v->checked_at = !w.ts_trusted ? SIG_AT_NOW
			: lifetime    ? SIG_AT_NOW_LIFETIME
				      : SIG_AT_SIGNING_TIME;
	v->valid_at =
		v->checked_at == SIG_AT_SIGNING_TIME ? w.ts_time : env->now;
	if (!w.signer) {
		sig_fail(v, SIG_NO_SIGNER_CERT);
		goto out;
	}
	rc = signer_facts(w.signer, &v->signer);
	sig_leaf_check(w.signer, v);
	sig_chain_check(env, w.signer, p7->d.sign->cert, v->valid_at,
			SIG_FOR_CODE_SIGNING, &chain);
	if (sig_fail(v, chain.result == SIG_CH_TRUSTED	   ? SIG_VERIFIED
			: chain.result == SIG_CH_UNTRUSTED ? SIG_UNTRUSTED_ROOT
							   : SIG_CHAIN_INVALID))
		v->chain = chain;
	else
		sig_chain_clear(&chain);
out:
	X509_free(w.signer);
	ERR_clear_error();
	return rc;
}

static PKCS7 *p7_of(const uint8_t *der, size_t len)
{
	const unsigned char *p = der;

	return len <= 0x7fffffff ? d2i_PKCS7(NULL, &p, (long)len) : NULL;
}

/* room for one more sub-verdict; NULL on OOM */
static struct sig_verdict *add_sub(struct sig_verdict *v, enum sig_kind kind,
				   unsigned index)
{
	struct sig_verdict *grown =
		realloc(v->subs, (v->nsubs + 1) * sizeof(*grown));

	if (!grown)
		return NULL;
	v->subs = grown;
	memset(&grown[v->nsubs], 0, sizeof(*grown));
	grown[v->nsubs].kind = kind;
	grown[v->nsubs].index = index;
	return &grown[v->nsubs++];
}

/* the signatures nested in an Authenticode signature */
static int add_nested(struct sig_verdict *v, PKCS7 *p7,
		      const struct sig_pehash *ph, const struct sig_env *env)
{
	STACK_OF(X509_ATTRIBUTE) * ua;
	unsigned k = 0;
	int i, j, rc = 0;

	if (sk_PKCS7_SIGNER_INFO_num(PKCS7_get_signer_info(p7)) < 1)
		return 0;
	ua = PKCS7_get_attributes(
		sk_PKCS7_SIGNER_INFO_value(PKCS7_get_signer_info(p7), 0));
	for (i = 0; i < sk_X509_ATTRIBUTE_num(ua) && !rc; i++) {
		X509_ATTRIBUTE *a = sk_X509_ATTRIBUTE_value(ua, i);

		if (!sig_attr_is(a, SIG_OID_NESTED))
			continue;
		for (j = 0; j < X509_ATTRIBUTE_count(a) && !rc; j++) {
			ASN1_TYPE *val = X509_ATTRIBUTE_get0_type(a, j);
			struct sig_verdict *nv;
			PKCS7 *n;

			if (++k > CAP_SIG_NESTED)
				return 0;
			nv = add_sub(v, SIG_KIND_NESTED, k);
			if (!nv)
				return -ENOMEM;
			n = val->type == V_ASN1_SEQUENCE
				    ? p7_of(val->value.sequence->data,
					    (size_t)val->value.sequence->length)
				    : NULL;
			if (n)
				rc = check_p7(n, ph, env, NULL, nv);
			else
				sig_fail(nv, SIG_NO_DECODE);
			PKCS7_free(n);
		}
	}
	return rc;
}

/* the further certificate-table entries (Windows reports the first) */
static int add_entries(struct sig_verdict *v, const struct sig_table *t,
		       const struct sig_pehash *ph, const struct sig_env *env)
{
	size_t i;
	int rc = 0;

	for (i = 1; i < t->n && !rc; i++) {
		const struct sig_entry *e = &t->entries[i];
		struct sig_verdict *ev =
			add_sub(v, SIG_KIND_ENTRY, (unsigned)(i + 1));
		PKCS7 *p7 = e->type == 2 ? p7_of(e->data, e->len) : NULL;

		if (!ev) {
			PKCS7_free(p7);
			return -ENOMEM;
		}
		ev->entry_type = e->type;
		if (p7)
			rc = check_p7(p7, ph, env, NULL, ev);
		else
			sig_fail(ev,
				 e->type == 2 ? SIG_NO_DECODE : SIG_WRONG_TYPE);
		PKCS7_free(p7);
	}
	return rc;
}

static int embedded(struct sig_verdict *v, const struct sig_table *t,
		    const uint8_t *pesha1, const uint8_t *pe256,
		    const struct sig_env *env, enum sig_unsigned why)
{
	struct sig_pehash ph = { { NULL } };
	PKCS7 *p7 = NULL;
	int rc = 0, m;

	if (!t || !t->present || (t->n == 0 && !t->problem)) {
		v->status = SIG_NOT_SIGNED;
		v->unsigned_why = why;
		return 0;
	}
	if (t->n == 0) {
		v->status = SIG_TABLE_PROBLEM;
		return dup_str(&v->table_problem, t->problem);
	}
	ph.md[SIG_MD_SHA1] = pesha1;
	ph.md[SIG_MD_SHA256] = pe256;
	for (m = SIG_MD_MD5; m < SIG_MD_OTHER; m++) {
		size_t n;
		uint8_t *h = sig_table_rare((struct sig_table *)t, m, &n);

		if (h && (t->rare & (1u << m)))
			ph.md[m] = h;
	}
	v->entry_type = t->entries[0].type;
	if (t->entries[0].type != 2)
		sig_fail(v, SIG_WRONG_TYPE);
	else if (!(p7 = p7_of(t->entries[0].data, t->entries[0].len)))
		sig_fail(v, SIG_NO_DECODE);
	else
		rc = check_p7(p7, &ph, env, NULL, v);
	ERR_clear_error();
	if (!rc && p7)
		rc = add_nested(v, p7, &ph, env);
	if (!rc)
		rc = add_entries(v, t, &ph, env);
	if (!rc)
		rc = dup_str(&v->table_entries_problem, t->problem);
	PKCS7_free(p7);
	return rc;
}

int sig_check_embedded(const struct sig_table *t, const uint8_t *pesha1,
		       const uint8_t *pe256, const struct sig_env *env,
		       enum sig_unsigned why, struct sig_verdict **out)
{
	struct sig_verdict *v = calloc(1, sizeof(*v));
	int rc;

	if (!v)
		return -ENOMEM;
	v->kind = SIG_KIND_EMBEDDED;
	rc = embedded(v, t, pesha1, pe256, env, why);
	ERR_clear_error();
	if (rc) {
		sig_verdict_free(v);
		return rc;
	}
	*out = v;
	return 0;
}

int sig_check_catalog(const uint8_t *der, size_t len, const char *name,
		      const struct sig_env *env, struct sig_verdict **out)
{
	struct sig_verdict *v = calloc(1, sizeof(*v));
	PKCS7 *p7 = p7_of(der, len);
	int rc = -ENOMEM;

	if (!v)
		goto out;
	v->kind = SIG_KIND_CATALOG;
	rc = dup_str(&v->catalog, name);
	if (!rc && p7)
		rc = check_p7(p7, NULL, env, NULL, v);
	else if (!rc)
		sig_fail(v, SIG_NO_DECODE);
out:
	PKCS7_free(p7);
	ERR_clear_error();
	if (rc) {
		sig_verdict_free(v);
		return rc;
	}
	*out = v;
	return 0;
}

/* ---- a catalog read in parts ---------------------------------------- */

/* the content as a BIO for PKCS7_verify: the reader's bytes up to end */
struct content_src {
	struct sig_cat_reader *r;
	uint64_t end;
};

static int content_read(BIO *b, char *out, int outl)
{
	struct content_src *c = BIO_get_data(b);
	size_t got;

	BIO_clear_retry_flags(b);
	if (outl <= 0)
		return 0;
	got = sig_cat_read(c->r, c->end, (uint8_t *)out, (size_t)outl);
	/* (an error ends the content early: the verdict is then dropped) */
	return got ? (int)got : c->r->err ? -1 : 0;
}

static long content_ctrl(BIO *b, int cmd, long num, void *ptr)
{
	struct content_src *c = BIO_get_data(b);

	(void)num;
	(void)ptr;
	switch (cmd) {
	case BIO_CTRL_EOF:
		return c->r->pos >= c->end || c->r->err;
	case BIO_CTRL_FLUSH:
		return 1;
	default:
		return 0;
	}
}

/* the content BIO's method: made once (OpenSSL gives at most 128 new
 * BIO type indexes to a process), kept until the process ends */
static BIO_METHOD *content_method;

static void content_method_make(void)
{
	BIO_METHOD *m = BIO_meth_new(BIO_get_new_index() | BIO_TYPE_SOURCE_SINK,
				     "profilefs catalog content");

	if (m && (BIO_meth_set_read(m, content_read) != 1 ||
		  BIO_meth_set_ctrl(m, content_ctrl) != 1)) {
		BIO_meth_free(m);
		m = NULL;
	}
	content_method = m;
}

static BIO *content_bio(struct content_src *c)
{
	static pthread_once_t once = PTHREAD_ONCE_INIT;
	BIO *b;

	pthread_once(&once, content_method_make);
	b = content_method ? BIO_new(content_method) : NULL;
	if (b) {
		BIO_set_data(b, c);
		BIO_set_init(b, 1);
	}
	return b;
}

/* The verdict of the skeleton (sig_catalog_signed) with the content read
 * from the file; the file's SHA-256 from the same reads, in file order. */
static int in_parts(const struct sig_cat_src *src, const struct dynbuf *skel,
		    uint64_t off, uint64_t len, const struct util_stop *stop,
		    const struct sig_env *env, struct sig_verdict *v,
		    uint8_t sha256[32])
{
	struct content_src c = { NULL, off + len };
	struct sig_cat_reader r;
	BIO *bio = NULL;
	PKCS7 *p7 = NULL;
	int rc = sig_cat_reader_init(&r, src, stop, 0);

	c.r = &r;
	/* the bytes before the content, hashed */
	if (!rc)
		rc = sig_cat_skip_to(&r, off);
	if (!rc && !(bio = content_bio(&c)))
		rc = -ENOMEM;
	if (!rc) {
		const unsigned char *p = (const unsigned char *)skel->data;

		/* (d2i_PKCS7 of the whole file takes at most 2 GiB) */
		if (src->size <= 0x7fffffff)
			p7 = d2i_PKCS7(NULL, &p, (long)skel->len);
		if (p7)
			rc = check_p7(p7, NULL, env, bio, v);
		else
			sig_fail(v, SIG_NO_DECODE);
	}
	/* the rest of the content (when the check stopped before it, or
	 * did not read it), then the rest of the file, hashed */
	if (!rc)
		rc = sig_cat_skip_to(&r, off + len);
	if (!rc)
		rc = sig_cat_skip_to(&r, src->size);
	if (!rc && EVP_DigestFinal_ex(r.sha, sha256, NULL) != 1)
		rc = -ENOMEM;
	PKCS7_free(p7);
	BIO_free(bio);
	sig_cat_reader_clear(&r);
	return rc;
}

/* the whole decode, for a small catalog the walk does not follow */
static int whole(const struct sig_cat_src *src, const char *name,
		 const struct sig_env *env, uint8_t sha256[32],
		 struct sig_verdict **out)
{
	struct sig_cat_reader r;
	uint8_t *buf = malloc(src->size ? (size_t)src->size : 1);
	int rc = buf ? sig_cat_reader_init(&r, src, NULL, 0) : -ENOMEM;

	if (rc) {
		free(buf);
		return rc;
	}
	if (sig_cat_read(&r, src->size, buf, (size_t)src->size) != src->size)
		rc = r.err ? r.err : -EIO;
	if (!rc && EVP_DigestFinal_ex(r.sha, sha256, NULL) != 1)
		rc = -ENOMEM;
	if (!rc)
		rc = sig_check_catalog(buf, (size_t)src->size, name, env, out);
	sig_cat_reader_clear(&r);
	free(buf);
	return rc;
}

int sig_check_catalog_src(const struct sig_cat_src *src, unsigned flags,
			  const char *name, const struct sig_env *env,
			  const struct util_stop *stop, uint8_t sha256[32],
			  struct sig_verdict **out)
{
	struct sig_verdict *v = NULL;
	uint64_t off = 0, len = 0;
	struct dynbuf skel;
	int rc = sig_catalog_signed(src, stop, &skel, &off, &len);

	if (rc == -ENOTSUP) {
		if (flags & SIG_CAT_NO_WHOLE)
			return -ENOTSUP;
		if (src->size > SIG_CAT_WHOLE)
			return -EFBIG;
		return whole(src, name, env, sha256, out);
	}
	if (rc)
		return rc;
	v = calloc(1, sizeof(*v));
	if (!v)
		rc = -ENOMEM;
	else
		v->kind = SIG_KIND_CATALOG;
	if (!rc)
		rc = dup_str(&v->catalog, name);
	if (!rc)
		rc = in_parts(src, &skel, off, len, stop, env, v, sha256);
	db_free(&skel);
	ERR_clear_error();
	if (rc) {
		sig_verdict_free(v);
		return rc;
	}
	*out = v;
	return 0;
}

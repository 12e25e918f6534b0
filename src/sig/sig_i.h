/* Private to the sig module. */
#ifndef PROFILEFS_SIG_I_H
#define PROFILEFS_SIG_I_H

#include <pthread.h>

#include <openssl/asn1.h>
#include <openssl/evp.h>
#include <openssl/pkcs7.h>
#include <openssl/x509.h>

#include "profilefs/sig.h"

typedef struct {
	ASN1_OBJECT *type;
	ASN1_TYPE *value;
} SIG_SPC_ATTR;

typedef struct {
	SIG_SPC_ATTR *data;
	X509_SIG *digest;
} SIG_SPC_INDIRECT;

typedef struct {
	ASN1_OCTET_STRING *id;
	STACK_OF(X509_ATTRIBUTE) * attrs;
} SIG_CTL_SUBJECT;
DEFINE_STACK_OF(SIG_CTL_SUBJECT)

typedef struct {
	ASN1_INTEGER *version;
	STACK_OF(ASN1_OBJECT) * usage;
	ASN1_OCTET_STRING *list_id;
	ASN1_INTEGER *seq;
	ASN1_TIME *this_update;
	ASN1_TIME *next_update;
	X509_ALGOR *alg;
	STACK_OF(SIG_CTL_SUBJECT) * subjects;
	STACK_OF(X509_EXTENSION) * exts;
} SIG_CTL;

DECLARE_ASN1_ITEM(SIG_SPC_INDIRECT)
DECLARE_ASN1_ITEM(SIG_CTL)
DECLARE_ASN1_ITEM(SIG_CTL_SUBJECT)

/* digests.c: p7's content as an SpcIndirectDataContent, or NULL */
SIG_SPC_INDIRECT *sig_indirect(PKCS7 *p7);
void sig_indirect_free(SIG_SPC_INDIRECT *ind);

/* the file's PE hashes by enum sig_md (NULL: not computed) */
struct sig_pehash {
	const uint8_t *md[SIG_MD_OTHER];
};

/* ASN1_item_d2i of a whole buffer; NULL when it does not decode. */
void *sig_d2i(const ASN1_ITEM *it, const unsigned char *der, size_t len);

/* sig_catalog_members(), and how many trusted subjects the list has (-1:
 * none, when it decodes) */
int sig_catalog_decode(const uint8_t *der, size_t len, sig_member_fn fn,
		       void *ctx, char **problem, int *nsubjects);
/* the members of one TrustedSubject (its whole DER); -EINVAL when it does
 * not decode as the list's template would */
int sig_catalog_subject(const uint8_t *der, size_t len, sig_member_fn fn,
			void *ctx);

/*
 * catalog_stream.c: a catalog's SignedData without its content, for its
 * verdict (sig_check_catalog_src): walked down to the content as
 * sig_catalog_stream walks (ContentInfo of type signedData, [0],
 * SignedData, encapContentInfo of type CTL, [0]), the content (a SEQUENCE
 * or an OCTET STRING, of definite length) skipped unread and left empty,
 * everything else copied. *out (at most SIG_CAT_SKELETON bytes,
 * db_free'd by the caller on 0) decodes with d2i_PKCS7 exactly when the
 * catalog does (OpenSSL's template reads a CTL content as ANY, without
 * looking into it), into the same SignedData but for the content; the
 * bytes the content signs are the file's [*content_off, + *content_len)
 * (sig_content's: the SEQUENCE's contents, the OCTET STRING's bytes).
 * -ENOTSUP when the walk does not follow the encoding; -EIO, -ENOMEM,
 * stop's.
 */
struct util_stop;
struct dynbuf;
int sig_catalog_signed(const struct sig_cat_src *src,
		       const struct util_stop *stop, struct dynbuf *out,
		       uint64_t *content_off, uint64_t *content_len);

/* A front-to-back reader of a catalog's bytes from pos on, in windows of
 * SIG_CAT_WINDOW bytes, each byte read hashed once into sha (SHA-256). */
struct sig_cat_reader {
	const struct sig_cat_src *src;
	const struct util_stop *stop;
	uint8_t *buf; /* the window: [base, base + len) */
	uint64_t base;
	size_t len;
	uint64_t pos;
	EVP_MD_CTX *sha;
	int err; /* the first error (-EIO, -ENOMEM, stop's): reads stop */
};
int sig_cat_reader_init(struct sig_cat_reader *r, const struct sig_cat_src *src,
			const struct util_stop *stop, uint64_t pos);
void sig_cat_reader_clear(struct sig_cat_reader *r);
/* Up to n bytes from pos, not past end, into dst (NULL: only hashed);
 * fewer at end or on an error (r->err). */
size_t sig_cat_read(struct sig_cat_reader *r, uint64_t end, uint8_t *dst,
		    size_t n);
/* Reads (hashes) up to end; r->err. */
int sig_cat_skip_to(struct sig_cat_reader *r, uint64_t end);

/* the OIDs of Microsoft's that these use */
#define SIG_OID_SPC_INDIRECT "1.3.6.1.4.1.311.2.1.4"
#define SIG_OID_NESTED	     "1.3.6.1.4.1.311.2.4.1"
#define SIG_OID_RFC3161	     "1.3.6.1.4.1.311.3.3.1"
#define SIG_OID_CTL	     "1.3.6.1.4.1.311.10.1"
#define SIG_OID_LIFETIME     "1.3.6.1.4.1.311.10.3.13"
#define SIG_OID_DRIVER_EKU   "1.3.6.1.4.1.311.10.3.5"
#define SIG_OID_SYSTEM_EKU   "1.3.6.1.4.1.311.10.3.6"

/* a purpose's bit in a root's property lists; LISTED: a list is given */
enum {
	SIG_EKU_CODE_SIGNING = 1u << SIG_FOR_CODE_SIGNING,
	SIG_EKU_TIME_STAMPING = 1u << SIG_FOR_TIME_STAMPING,
	SIG_EKU_LISTED = 1u << 8,
};

/*
 * What the anchors say of one root (by its SHA-1), merged over every file
 * that holds it: the root program's properties (the last file's that gives
 * some), whether a file gives it without any (trusted for every purpose),
 * and the purposes of the copy Windows keeps built in.
 */
struct sig_root_props {
	uint8_t sha1[20];
	size_t seq;   /* the order it was loaded in (merging keeps it) */
	int program;  /* the root program's properties below are given */
	unsigned eku; /* the purposes it is enabled for */
	time_t disallowed;
	unsigned disallowed_eku;
	time_t not_before;
	unsigned not_before_eku;
	int plain;	  /* a file gives it without properties */
	unsigned builtin; /* "# Purposes:": SIG_EKU_*, LISTED: built in */
};

/* the anchors (anchors.c), the store their lookup fills, and what the
 * files say of them (trust.c) */
struct sig_anchor;
struct sig_trust {
	X509_STORE *store;
	X509_LOOKUP_METHOD *method;
	pthread_mutex_t lock;	    /* the anchors, once lookups begin */
	struct sig_anchor *anchors; /* by SHA-256, one per certificate */
	size_t nanchors;
	struct sig_root_props *props; /* sorted by sha1, one per root */
	size_t nprops;
	size_t seq;
};

/*
 * anchors.c: one certificate (DER, OPENSSL_malloc'ed, taken) as an anchor,
 * parsed only when a chain asks for its subject; its SHA-1 into sha1 when
 * not NULL. -EINVAL (der freed) when its subject cannot be read.
 */
int sig_anchor_add(struct sig_trust *t, unsigned char *der, long len,
		   uint8_t sha1[20]);
/* by SHA-256, duplicates dropped; before any lookup */
void sig_anchors_sort(struct sig_trust *t);
/* the SHA-256 of anchor i of sig_trust_count(), in ascending order */
const uint8_t *sig_anchor_sha256(const struct sig_trust *t, size_t i);

/*
 * trust.c: is root (which the store trusts) trusted for purpose, for leaf,
 * at time at? 1 when it is; 0 when not, with *why and *since. A root
 * trusted only because Windows keeps it built in (for this purpose)
 * where the other anchors would not trust it gives 1 with *builtin set,
 * and *why and *since say why they would not (SIG_ROOT_NOT_ANCHOR: they
 * do not hold it).
 */
int sig_trust_judge(const struct sig_trust *t, X509 *root, X509 *leaf,
		    enum sig_purpose purpose, time_t at, enum sig_root_why *why,
		    time_t *since, int *builtin);

/* Windows' form of a name (leaf RDN first, S= for state); malloc'ed. */
char *sig_name_of(const X509_NAME *name);

/*
 * The content a SignedData signs, as Authenticode and catalogs hash it:
 * for a SEQUENCE (PKCS#7 v1.5 style) its contents without the outer tag
 * and length; for an OCTET STRING (CMS style) its bytes. *der and *der_len
 * give the whole encoding of the content (the SEQUENCE itself, or the
 * octet string's bytes), for decoding it. -EINVAL when there is none.
 */
int sig_content(PKCS7 *p7, const unsigned char **signed_data,
		size_t *signed_len, const unsigned char **der, size_t *der_len);

/* ---- a check in progress (verdict.c drives verify, timestamps, chain) */

struct sig_work {
	struct sig_verdict *v;
	X509 *signer;	/* a reference, or NULL */
	int ts_trusted; /* a trusted timestamp gave ts_time */
	time_t ts_time;
	BIO *content; /* the signed content, when not in the PKCS#7 (a
		       * catalog read in parts), else NULL */
};

/* Sets the status when none is set yet; 1 when it did (the caller then
 * records the status's details), 0 when an earlier failure stands. */
int sig_fail(struct sig_verdict *v, enum sig_status s);
/* Sets v->digest_alg (and digest_other) from an OpenSSL NID. */
void sig_set_md(struct sig_verdict *v, int nid);
/* the certificate of a signer info, from the SignedData's certificates */
X509 *sig_signer_cert(PKCS7 *p7, PKCS7_SIGNER_INFO *si);
/* The Microsoft attribute with this OID? */
int sig_attr_is(const X509_ATTRIBUTE *a, const char *oid);

/*
 * verify.c: the SignedData checks and, for Authenticode (ph not NULL),
 * the digest comparison, then PKCS7_verify. Sets w->signer. Returns 0
 * when the timestamps and the chain are to be looked at next (*si set),
 * 1 when the signature's structure stopped the check.
 */
int sig_verify(PKCS7 *p7, const struct sig_pehash *ph, struct sig_work *w,
	       PKCS7_SIGNER_INFO **si);

/* chain.c: the signer's own certificate, as Windows checks it for code
 * signing: an extended-key-usage extension, when there is one, includes
 * code signing (or any purpose); a key usage, when there is one, allows
 * digital signatures. The first failure goes into v. */
void sig_leaf_check(X509 *leaf, struct sig_verdict *v);
/* Has the leaf the lifetime-signing usage (1.3.6.1.4.1.311.10.3.13)? */
int sig_leaf_lifetime(X509 *leaf);

/* chain.c: leaf's chain built and checked at time `at`. */
void sig_chain_check(const struct sig_env *env, X509 *leaf,
		     STACK_OF(X509) * untrusted, time_t at,
		     enum sig_purpose purpose, struct sig_chain *out);
void sig_chain_clear(struct sig_chain *c);

/* timestamps.c: the signer's timestamps, the signing time, w->ts_*. */
void sig_timestamps(PKCS7 *p7, PKCS7_SIGNER_INFO *si, const struct sig_env *env,
		    struct sig_work *w);

#endif

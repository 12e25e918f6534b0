/*
 * sig: Authenticode. The certificate table of a PE image, the PKCS#7
 * signatures in it (nested ones too), Windows catalogs, trust anchors, and
 * the verdict of each.
 *
 * Split by what a result depends on:
 * - sig_table_*: the WIN_CERTIFICATE entries, read from the file's bytes
 *   when the profile is computed; stored with the profile (content facts).
 * - sig_check_*: the verdict. It depends on the trust anchors, the
 *   catalogs and the time, so it is made when a profile is shown, never
 *   stored. OpenSSL does the ASN.1 and the cryptography.
 *
 * Errors: 0 or -errno (-ENOMEM). A bad signature is not an error: it is a
 * verdict.
 */
#ifndef PROFILEFS_SIG_H
#define PROFILEFS_SIG_H

#include <stddef.h>
#include <stdint.h>
#include <time.h>

/* ---- the certificate table (content facts) --------------------------- */

struct sig_entry {
	uint16_t revision; /* wRevision */
	uint16_t type;	   /* wCertificateType: 2 is PKCS#7 SignedData */
	uint8_t *data;	   /* bCertificate (dwLength - 8 bytes) */
	size_t len;
};

struct sig_table {
	int present;   /* the security directory names a table */
	char *problem; /* why (part of) the table cannot be used, or NULL */
	struct sig_entry *entries;
	size_t n;
	/* the file's PE hash in the rarer algorithms its signatures name,
	 * made in a second read: bit (1u << SIG_MD_MD5, _SHA384, _SHA512)
	 * set in rare when that one was computed */
	unsigned rare;
	uint8_t pe_md5[16];
	uint8_t pe_sha384[48];
	uint8_t pe_sha512[64];
};

/*
 * Splits the table's bytes into entries (each dwLength long, the next at
 * the following multiple of 8). A bad length ends the list and sets
 * problem; entries before it are kept.
 */
int sig_table_parse(const uint8_t *tab, size_t len, struct sig_table *out);
/* Adds one entry (a copy of data), as the parts decoder does. */
int sig_table_add(struct sig_table *t, uint16_t revision, uint16_t type,
		  const uint8_t *data, size_t len);
int sig_table_set_problem(struct sig_table *t, const char *problem);
void sig_table_clear(struct sig_table *t);
/*
 * The digest algorithms (bits 1u << enum sig_md) that the Authenticode
 * contents of the table's PKCS#7 entries, and of the signatures nested in
 * them, name: what the PE hash must be computed in.
 */
unsigned sig_table_digests(const struct sig_table *t);
/* Where rare's PE hash is kept in t (and its length), NULL for another
 * algorithm. */
uint8_t *sig_table_rare(struct sig_table *t, int md, size_t *len);

/* ---- trust anchors ---------------------------------------------------- */

struct sig_trust;

int sig_trust_new(struct sig_trust **out);
void sig_trust_free(struct sig_trust *t);
/* The system's CA bundle ($SSL_CERT_FILE, else OpenSSL's default file), for
 * every purpose. */
int sig_trust_add_system(struct sig_trust *t);
/*
 * Every certificate in a PEM file; -EINVAL (with *err) when it holds none
 * or cannot be read. Comment lines above a certificate give the
 * properties of Microsoft's root program (data/microsoft-trusted-roots.pem
 * has them; docs/signatures.md says how each is applied):
 *   # Extended key usages: ['code_signing', 'time_stamping', ...]
 *   # Disallowed Filetime: YYYY-MM-DD HH:MM:SS+00:00
 *   # Disallowed extended key usages: [...]
 *   # Not before Filetime: YYYY-MM-DD HH:MM:SS+00:00
 *   # Not before extended key usages: [...]
 * A certificate without them is trusted for every purpose. A line
 *   # Purposes: all  (or a list: code_signing, time_stamping, ...)
 * marks a root that Windows keeps in its built-in Root store
 * (data/windows-required-roots.pem): trusted for those purposes whatever
 * the root program's properties say. A root several files give is judged
 * by all they say (the root program's properties of the last file that
 * gives some).
 */
int sig_trust_add_file(struct sig_trust *t, const char *path, char **err);
/* How many root certificates are trusted. */
size_t sig_trust_count(const struct sig_trust *t);
/* What the anchors are: a SHA-256 that changes when any anchor or any of
 * their properties (built-in purposes too) does, whatever the order the
 * files were loaded in. */
int sig_trust_digest(const struct sig_trust *t, uint8_t out[32]);

/* ---- verdicts ---------------------------------------------------------- */

/*
 * A verdict is data: what was checked and what failed, never a sentence.
 * The profile renderer (src/profile/render_sig.c) words it; policy (which
 * catalog wins, "the catalog wins over the embedded signature") looks at
 * the status, never at text. docs/signatures.md lists the sentences.
 */

/* which signature a verdict is about; the sentences name it */
enum sig_kind {
	SIG_KIND_EMBEDDED, /* the first certificate-table entry */
	SIG_KIND_NESTED,   /* nested in the first (1.3.6.1.4.1.311.2.4.1) */
	SIG_KIND_ENTRY,	   /* a further certificate-table entry */
	SIG_KIND_CATALOG,  /* a catalog's signature */
};

/* The first check that failed, in the order of docs/signatures.md. */
enum sig_status {
	SIG_NOT_CHECKED = 0,	   /* nothing failed, nothing was concluded */
	SIG_VERIFIED,		   /* every check passed */
	SIG_NOT_SIGNED,		   /* no table; unsigned_why says why */
	SIG_TABLE_PROBLEM,	   /* no usable entry: table_problem */
	SIG_WRONG_TYPE,		   /* entry_type is not 2 (PKCS#7) */
	SIG_NO_DECODE,		   /* the PKCS#7 data does not decode */
	SIG_NOT_SIGNED_DATA,	   /* decodes, but is not a SignedData */
	SIG_SIGNER_COUNT,	   /* count signers, not one */
	SIG_NO_CONTENT,		   /* no signed content */
	SIG_NOT_INDIRECT,	   /* content not an SpcIndirectDataContent */
	SIG_DIGEST_NOT_COMPUTED,   /* digest_alg is not one computed here */
	SIG_DIGEST_MISMATCH,	   /* the PE hash differs from signed_digest */
	SIG_DIGEST_ALGS,	   /* count digest algorithms, or an unknown */
	SIG_NOT_VERIFIED,	   /* p7_reason (and openssl_reason) */
	SIG_NO_SIGNER_CERT,	   /* the signer's certificate is missing */
	SIG_LEAF_NOT_CODE_SIGNING, /* its EKU extension lacks code signing */
	SIG_LEAF_KEY_USAGE,	   /* its key usage lacks digitalSignature */
	SIG_UNTRUSTED_ROOT,	   /* valid up to chain.root, not trusted */
	SIG_CHAIN_INVALID, /* chain.reason (chain.cert), at checked_at */
	SIG_STATUS_COUNT
};

/* why a file is not signed */
enum sig_unsigned {
	SIG_UNSIGNED_NO_TABLE,	     /* no certificate table */
	SIG_UNSIGNED_NO_CATALOGS,    /* ... and no catalogs are indexed */
	SIG_UNSIGNED_NOT_IN_CATALOG, /* ... and no catalog lists its hash */
	SIG_UNSIGNED_NO_PEHASH,	     /* its PE image hash is unknown */
	SIG_UNSIGNED_CATALOG_FAILED, /* ... and the catalog that lists it
				      * does not hold (catalog_failed) */
};

/* why PKCS7_verify refused a signature */
enum sig_p7_reason {
	SIG_P7_OTHER,		  /* openssl_reason, or none given */
	SIG_P7_DIGEST_FAILURE,	  /* messageDigest differs from the content */
	SIG_P7_SIGNATURE_FAILURE, /* the signature value vs the key */
	SIG_P7_SIGNER_NOT_FOUND,  /* no certificate for the signer */
};

enum sig_md {
	SIG_MD_NONE, /* not known (no algorithm read) */
	SIG_MD_MD5,
	SIG_MD_SHA1,
	SIG_MD_SHA256,
	SIG_MD_SHA384,
	SIG_MD_SHA512,
	SIG_MD_OTHER, /* digest_other: OpenSSL's short name, NULL: unknown */
};

/* A chain's outcome, at some time. */
enum sig_chain_result {
	SIG_CH_TRUSTED,
	SIG_CH_UNTRUSTED, /* valid up to root, which is not trusted */
	SIG_CH_INVALID,	  /* reason (OpenSSL's), about cert */
};

/* what a chain is checked for: the purpose its root must be trusted for */
enum sig_purpose { SIG_FOR_CODE_SIGNING, SIG_FOR_TIME_STAMPING };

/* why an UNTRUSTED chain's root is not trusted */
enum sig_root_why {
	SIG_ROOT_NOT_ANCHOR = 0, /* not among the anchors at all */
	SIG_ROOT_PURPOSE,	 /* its purposes do not include this one */
	SIG_ROOT_DISALLOWED,	 /* disabled (for it) since `since` */
	SIG_ROOT_NOT_BEFORE,	 /* not for leaves issued from `since` on */
};

struct sig_chain {
	enum sig_chain_result result;
	enum sig_purpose purpose;
	enum sig_root_why why; /* UNTRUSTED: why */
	time_t since;	       /* DISALLOWED, NOT_BEFORE: the date */
	/* TRUSTED: only as a root Windows keeps built in (for this
	 * purpose); why and since then say why the other anchors would not
	 * trust it (NOT_ANCHOR: none holds it), root names it */
	int builtin;
	/* UNTRUSTED (and TRUSTED builtin): the root (or topmost issuer),
	 * or NULL */
	char *root;
	char *reason; /* INVALID: OpenSSL's reason, or NULL */
	char *cert;   /* INVALID: the certificate it concerns, or NULL */
	int oom;      /* INVALID: it could not be checked (out of memory) */
};

enum sig_ts_kind { SIG_TS_COUNTERSIGNATURE, SIG_TS_RFC3161 };

enum sig_ts_state {
	SIG_TS_TRUSTED,		/* its chain is trusted at its time */
	SIG_TS_UNTRUSTED_ROOT,	/* chain.root is not trusted */
	SIG_TS_CHAIN_INVALID,	/* chain.reason */
	SIG_TS_BAD_SIGNATURE,	/* its signature does not verify */
	SIG_TS_NO_CERT,		/* its certificate is not in the signature */
	SIG_TS_NO_TIME,		/* verifies, but has no signing time */
	SIG_TS_OTHER_SIGNATURE, /* its imprint is not this signature's */
	SIG_TS_UNREADABLE,	/* an RFC 3161 token that does not decode */
};

/* the first timestamp among the signer's unauthenticated attributes */
struct sig_timestamp {
	int present;
	enum sig_ts_kind kind;
	enum sig_ts_state state;
	char *authority; /* the stamping certificate's subject, or NULL */
	struct sig_chain chain;
};

enum sig_time_source {
	SIG_TIME_COUNTERSIGNATURE,
	SIG_TIME_RFC3161,
	SIG_TIME_ATTRIBUTE, /* the signer's signing-time attribute */
};

/* the signer's certificate, as Windows shows it */
struct sig_signer {
	char *serial;	  /* uppercase hex, '-' first when negative */
	char *thumbprint; /* SHA-1 of the DER, uppercase hex */
	char *issuer;	  /* sig_name_windows() form */
	char *subject;
};

enum sig_checked_at {
	SIG_AT_UNKNOWN,	     /* not checked (an earlier check failed) */
	SIG_AT_NOW,	     /* no trusted timestamp */
	SIG_AT_SIGNING_TIME, /* a trusted timestamp gave the time */
	SIG_AT_NOW_LIFETIME, /* a trusted timestamp, but the signer has the
			      * lifetime-signing usage: checked now */
};

struct sig_verdict {
	enum sig_kind kind;
	enum sig_status status;
	unsigned index; /* NESTED: 1, 2, ...; ENTRY: the entry's number */

	/* the status's details (only the status's own are set) */
	enum sig_unsigned unsigned_why;
	char *table_problem; /* the table's own words (stored with it) */
	unsigned entry_type;
	int count; /* SIGNER_COUNT: signers; DIGEST_ALGS: algorithms */
	enum sig_p7_reason p7_reason;
	char *openssl_reason; /* SIG_P7_OTHER: OpenSSL's, or NULL */
	struct sig_chain chain;

	/* facts, NULL or 0 when not known */
	enum sig_md digest_alg;
	char *digest_other;
	uint8_t *signed_digest; /* Authenticode's, signed_len bytes */
	size_t signed_len;
	struct sig_signer *signer; /* NULL: the certificate is not there */
	int has_signing_time;
	time_t signing_time;
	enum sig_time_source signing_time_source;
	struct sig_timestamp ts;
	enum sig_checked_at checked_at;
	time_t valid_at; /* the time the chain was checked at */

	char *table_entries_problem; /* a problem after the first entry */
	char *catalog;		     /* CATALOG: the catalog file's name */
	/* EMBEDDED: the nested signatures then the further entries */
	struct sig_verdict *subs;
	size_t nsubs;
	/* CATALOG: the embedded signature it won over, or NULL */
	struct sig_verdict *embedded;
	/* EMBEDDED: the catalog that lists the file but whose signature
	 * does not hold (the embedded verdict is reported), or NULL */
	struct sig_verdict *catalog_failed;
};

void sig_verdict_free(struct sig_verdict *v);
/* A deep copy. */
int sig_verdict_dup(const struct sig_verdict *v, struct sig_verdict **out);

/* What a check needs besides the signature: anchors and "now". */
struct sig_env {
	const struct sig_trust *trust;
	time_t now;
};

/*
 * The embedded signature Windows would report (the first PKCS#7 entry),
 * checked against the file's PE hashes (NULL when unknown), with nested
 * signatures and further entries as subs. A NULL or absent table gives
 * SIG_NOT_SIGNED with why.
 */
int sig_check_embedded(const struct sig_table *t, const uint8_t *pesha1,
		       const uint8_t *pe256, const struct sig_env *env,
		       enum sig_unsigned why, struct sig_verdict **out);

/*
 * A catalog's signature, for a file the catalog lists: the catalog's name
 * is kept, and the file's digest is known to match (it was looked up).
 */
int sig_check_catalog(const uint8_t *der, size_t len, const char *name,
		      const struct sig_env *env, struct sig_verdict **out);

/* Whether Windows would accept the signature. */
int sig_verdict_holds(const struct sig_verdict *v);

/*
 * What Windows reports (PowerShell's Get-AuthenticodeSignature): the
 * catalog's verdict when it holds (the embedded one, when the file has a
 * table, goes along as cat->embedded); otherwise the embedded verdict,
 * with the failed catalog as emb->catalog_failed (a file without a table
 * is then not signed, SIG_UNSIGNED_CATALOG_FAILED). Takes both (either may
 * be NULL; has_table: the file has a certificate table) and returns the
 * one reported.
 */
struct sig_verdict *sig_report(struct sig_verdict *cat, struct sig_verdict *emb,
			       int has_table);

/*
 * The catalog choice, one catalog's verdict at a time in path order: the
 * first whose signature holds, else the first. Returns the choice so far
 * (chosen is NULL before the first); *done once no later one can win.
 */
const struct sig_verdict *sig_catalog_choose(const struct sig_verdict *chosen,
					     const struct sig_verdict *next,
					     int *done);

/* ---- catalogs ----------------------------------------------------------- */

/*
 * Calls fn for each member digest of a catalog (the messageDigest of the
 * SpcIndirectDataContent attribute of each trusted subject). Returns
 * -EINVAL with *problem (malloc'ed) when the file is not a catalog.
 */
typedef int (*sig_member_fn)(void *ctx, const uint8_t *digest, size_t len);
int sig_catalog_members(const uint8_t *der, size_t len, sig_member_fn fn,
			void *ctx, char **problem);

/*
 * The same, streamed: the catalog is read once, front to back, through
 * pread in windows of SIG_CAT_WINDOW bytes (or from memory), and its
 * SHA-256 is computed in the same pass; what it holds is independent of
 * the catalog's size. The DER is walked down to the trusted subjects
 * (ContentInfo, SignedData, encapContentInfo, [0], the list); each subject
 * (at most SIG_CAT_SUBJECT bytes) is decoded by OpenSSL with the list's
 * own template, and once the walk is done everything but the subjects
 * (the list's other fields, the certificates, the signer infos: at most
 * SIG_CAT_SKELETON bytes) is decoded by sig_catalog_members(), so that
 * the answer is the one the whole decode gives. A catalog whose encoding
 * the walk does not follow (BER indefinite lengths, long-form tags, a
 * subject too large) is decoded whole when it is at most SIG_CAT_WHOLE
 * bytes, and is malformed otherwise.
 *
 * fn(ctx, NULL, 0) means: forget the members given so far (the catalog
 * is read again whole). On -EINVAL (*problem malloc'ed: not a catalog)
 * members may have been given before the fault was found: the caller
 * drops them. sha256 is set on 0 and -EINVAL. Other errors: -EIO (a
 * short read: the file shrank), -ENOMEM, stop's (asked at every window),
 * fn's. With SIG_CAT_NO_WHOLE, a catalog the walk does not follow gives
 * -ENOTSUP instead of the whole decode (for the tests).
 */
#define SIG_CAT_WINDOW	 (1u << 20)
#define SIG_CAT_SUBJECT	 (1u << 20)
#define SIG_CAT_SKELETON (4u << 20)
#define SIG_CAT_WHOLE	 (4u << 20)
#define SIG_CAT_NO_WHOLE 1u

struct util_stop;
struct tree_file;
struct sig_cat_src {
	struct tree_file *file; /* read with tree_pread, or */
	const uint8_t *mem;	/* when not NULL */
	uint64_t size;		/* bytes read (from offset 0) */
};
int sig_catalog_stream(const struct sig_cat_src *src, unsigned flags,
		       sig_member_fn fn, void *ctx,
		       const struct util_stop *stop, uint8_t sha256[32],
		       char **problem);

/*
 * sig_check_catalog's verdict, the catalog read in parts (struct
 * sig_cat_src) with memory bounded whatever its size: the SignedData is
 * decoded without its content (the trusted subjects; at most
 * SIG_CAT_SKELETON bytes besides it), and the content's bytes are read
 * from the file, in windows, for PKCS7_verify's digest. The verdict is
 * the one sig_check_catalog gives for the same bytes. sha256: the file's,
 * from the same reads (the caller compares it with the indexed one). A
 * catalog whose encoding the walk does not follow (see
 * sig_catalog_stream) is read whole when it is at most SIG_CAT_WHOLE
 * bytes, else -EFBIG (with SIG_CAT_NO_WHOLE: -ENOTSUP). Errors: -EIO (a
 * short read), -ENOMEM, stop's; no verdict is given then.
 */
int sig_check_catalog_src(const struct sig_cat_src *src, unsigned flags,
			  const char *name, const struct sig_env *env,
			  const struct util_stop *stop, uint8_t sha256[32],
			  struct sig_verdict **out);

/* ---- names (exposed for the unit test) -------------------------------- */

/* "CN=…, O=…, S=…, C=…" from a DER Name; malloc'ed, NULL on failure. */
char *sig_name_windows(const uint8_t *der, size_t len);

#endif

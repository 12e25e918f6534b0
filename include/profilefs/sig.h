/*
 * sig: Authenticode. The certificate table of a PE image, the PKCS#7
 * signatures in it (nested ones too), Windows catalogs, trust anchors, and
 * the Signature section's bullets.
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

/* ---- trust anchors ---------------------------------------------------- */

struct sig_trust;

int sig_trust_new(struct sig_trust **out);
void sig_trust_free(struct sig_trust *t);
/* The system's CA bundle (OpenSSL's default paths). */
int sig_trust_add_system(struct sig_trust *t);
/* Every certificate in a PEM file; -EINVAL (with *err) when it holds none
 * or cannot be read. */
int sig_trust_add_file(struct sig_trust *t, const char *path, char **err);
/* What the anchors are: a SHA-256 that changes when any anchor does. */
int sig_trust_digest(const struct sig_trust *t, uint8_t out[32]);

/* ---- verdicts ---------------------------------------------------------- */

struct sig_bullet {
	char *label;
	char *value;
	int code; /* shown as a code span */
};

struct sig_report {
	struct sig_bullet *b;
	size_t n;
};

void sig_report_free(struct sig_report *r);

/* What a check needs besides the signature: anchors and "now". */
struct sig_env {
	const struct sig_trust *trust;
	time_t now;
};

/*
 * The embedded signature Windows would report (the first PKCS#7 entry),
 * checked against the file's PE hashes (NULL when unknown), plus bullets
 * for nested signatures and further entries. A NULL or absent table gives
 * the "not signed" report; why_unsigned completes that sentence.
 */
int sig_check_embedded(const struct sig_table *t, const uint8_t *pesha1,
		       const uint8_t *pe256, const struct sig_env *env,
		       const char *why_unsigned, struct sig_report **out);

/*
 * A catalog's signature, for a file the catalog lists: the catalog's name
 * is shown, and the file's digest is known to match (it was looked up).
 */
int sig_check_catalog(const uint8_t *der, size_t len, const char *name,
		      const struct sig_env *env, struct sig_report **out);

/* Appends a bullet (copies of label and value). */
int sig_report_add(struct sig_report *r, const char *label, const char *value,
		   int code);

/* ---- catalogs ----------------------------------------------------------- */

/*
 * Calls fn for each member digest of a catalog (the messageDigest of the
 * SpcIndirectDataContent attribute of each trusted subject). Returns
 * -EINVAL with *problem (malloc'ed) when the file is not a catalog.
 */
typedef int (*sig_member_fn)(void *ctx, const uint8_t *digest, size_t len);
int sig_catalog_members(const uint8_t *der, size_t len, sig_member_fn fn,
			void *ctx, char **problem);

/* ---- names (exposed for the unit test) -------------------------------- */

/* "CN=…, O=…, S=…, C=…" from a DER Name; malloc'ed, NULL on failure. */
char *sig_name_windows(const uint8_t *der, size_t len);

#endif

/*
 * The CSV profile (docs/profile-csv.md): one row of fixed columns per
 * file, for spreadsheets and scripts, the facts the Markdown shows (the
 * same view: the .mui's version strings win, the same signature verdict).
 * The columns are the table below, in its order; a new column is only
 * ever appended, so that a script that counts columns keeps working.
 *
 * Quoting is RFC 4180's: CRLF after each row, a field holding `,` or `"`
 * (or `;`, which a spreadsheet set to split on it would split at) in
 * double quotes with each `"` doubled. A text field (one that may hold
 * the file's strings) passes first through md_plain(), the profile's one
 * escaper, so that nothing hidden or able to act (controls, CR, LF, Cf
 * characters, invalid UTF-8) reaches a cell raw: each byte is \xNN, as in
 * the Markdown. Then, as OWASP's advice on CSV injection says, a text
 * field that begins with `=`, `+`, `-` or `@` (TAB and CR are \x09, \x0D
 * by then) gets a `'` before it, so that a spreadsheet shows it as text
 * instead of computing it; one that begins with `'` gets one too, so that
 * a script drops the first `'` of any text field that has one and always
 * gets the value back.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pe2_i.h"
#include "profilefs/known.h"
#include "profilefs/profile.h"

enum col {
	C_FILE_PATH,
	C_SIZE,
	C_MD5,
	C_SHA1,
	C_SHA256,
	C_SHA384,
	C_SHA512,
	C_SSDEEP,
	C_IMPHASH,
	C_PE_SHA1,
	C_PE_SHA256,
	C_MACHINE,
	C_DESCRIPTION,
	C_ORIGINAL_FILENAME,
	C_PRODUCT_NAME,
	C_COMPANY_NAME,
	C_FILE_VERSION,
	C_PRODUCT_VERSION,
	C_SIG_STATUS,
	C_SIG_TEXT,
	C_SIGNER,
	C_SIGNER_THUMBPRINT,
	C_KNOWN,
	C_MISUSE_ROWS,
	C_NOTES,
	C_ERROR,
	C_N
};

/* text: the field may hold strings from the file (or a certificate, or
 * the source): escaped and guarded; else a value of ours */
static const struct {
	const char *name;
	int text;
} cols[C_N] = {
	[C_FILE_PATH] = { "file_path", 1 },
	[C_SIZE] = { "size", 0 },
	[C_MD5] = { "md5", 0 },
	[C_SHA1] = { "sha1", 0 },
	[C_SHA256] = { "sha256", 0 },
	[C_SHA384] = { "sha384", 0 },
	[C_SHA512] = { "sha512", 0 },
	[C_SSDEEP] = { "ssdeep", 0 },
	[C_IMPHASH] = { "imphash", 0 },
	[C_PE_SHA1] = { "pe_sha1", 0 },
	[C_PE_SHA256] = { "pe_sha256", 0 },
	[C_MACHINE] = { "machine_type", 0 },
	[C_DESCRIPTION] = { "description", 1 },
	[C_ORIGINAL_FILENAME] = { "original_filename", 1 },
	[C_PRODUCT_NAME] = { "product_name", 1 },
	[C_COMPANY_NAME] = { "company_name", 1 },
	[C_FILE_VERSION] = { "file_version", 1 },
	[C_PRODUCT_VERSION] = { "product_version", 1 },
	[C_SIG_STATUS] = { "signature_status", 0 },
	[C_SIG_TEXT] = { "signature_text", 1 },
	[C_SIGNER] = { "signer", 1 },
	[C_SIGNER_THUMBPRINT] = { "signer_thumbprint", 0 },
	[C_KNOWN] = { "known", 0 },
	[C_MISUSE_ROWS] = { "misuse_rows", 0 },
	[C_NOTES] = { "notes", 1 },
	[C_ERROR] = { "error", 0 },
};

/* what makes a spreadsheet compute a cell (OWASP), and our own prefix */
static const char guarded[] = "=+-@'";

/* one field, escaped, guarded and quoted as the top of the file says */
static void field(struct dynbuf *out, const struct dynbuf *f, int text,
		  struct dynbuf *tmp)
{
	const char *s = f->len ? f->data : "";
	size_t n = f->len, i;
	int quote;

	if (text) {
		db_reset(tmp);
		md_plain(tmp, s, n);
		if (tmp->err)
			out->err = tmp->err;
		s = tmp->len ? tmp->data : "";
		n = tmp->len;
	}
	quote = memchr(s, ',', n) || memchr(s, '"', n) || memchr(s, ';', n) ||
		memchr(s, '\r', n) || memchr(s, '\n', n);
	if (quote)
		db_addc(out, '"');
	if (text && n && s[0] && strchr(guarded, s[0]))
		db_addc(out, '\'');
	for (i = 0; i < n; i++) {
		if (s[i] == '"')
			db_addc(out, '"');
		db_addc(out, s[i]);
	}
	if (quote)
		db_addc(out, '"');
}

static void hex(struct dynbuf *f, const uint8_t *d, size_t n)
{
	char h[2 * 64 + 1];

	dg_hex(d, n, h, 0);
	db_adds(f, h);
}

static void adds(struct dynbuf *f, const char *s)
{
	if (s)
		db_adds(f, s);
}

static void fill_hashes(struct dynbuf *f, const struct prof *p)
{
	const struct dg_result *dg = &p->dg;

	if (!p->hashed)
		return;
	hex(&f[C_MD5], dg->md5, sizeof(dg->md5));
	hex(&f[C_SHA1], dg->sha1, sizeof(dg->sha1));
	hex(&f[C_SHA256], dg->sha256, sizeof(dg->sha256));
	hex(&f[C_SHA384], dg->sha384, sizeof(dg->sha384));
	hex(&f[C_SHA512], dg->sha512, sizeof(dg->sha512));
	adds(&f[C_SSDEEP], dg->ssdeep);
	if (p->pe)
		adds(&f[C_IMPHASH], p->imphash);
	if (p->pe && dg->pehash) {
		hex(&f[C_PE_SHA1], dg->pesha1, sizeof(dg->pesha1));
		hex(&f[C_PE_SHA256], dg->pe256, sizeof(dg->pe256));
	}
}

/* Machine Type and the version strings, as File Metadata shows them */
static void fill_pe(struct dynbuf *f, const struct prof *p,
		    const struct prof_view *v)
{
	static const struct {
		enum col col;
		enum pe_vs_key key;
	} vs[] = {
		{ C_DESCRIPTION, PE_VS_FILE_DESCRIPTION },
		{ C_ORIGINAL_FILENAME, PE_VS_ORIGINAL_FILENAME },
		{ C_PRODUCT_NAME, PE_VS_PRODUCT_NAME },
		{ C_COMPANY_NAME, PE_VS_COMPANY_NAME },
		{ C_FILE_VERSION, PE_VS_FILE_VERSION },
		{ C_PRODUCT_VERSION, PE_VS_PRODUCT_VERSION },
	};
	const char *from, *machine;
	const struct pe_version *ver = prof_version_of(p, v, &from);
	size_t i;

	for (i = 0; ver && i < sizeof(vs) / sizeof(vs[0]); i++)
		adds(&f[vs[i].col], ver->strings[vs[i].key]);
	if (!p->pe)
		return;
	machine = pe_machine_name(p->pe->machine);
	if (machine)
		db_adds(&f[C_MACHINE], machine);
	else
		db_printf(&f[C_MACHINE], "Unknown (0x%04X)", p->pe->machine);
}

/* the Signature section's Status and signer, when it has one */
static void fill_sig(struct dynbuf *f, const struct prof *p,
		     const struct sig_verdict *sig)
{
	char *text = NULL;

	if (!sig || !p->is_pe)
		return;
	db_adds(&f[C_SIG_STATUS], prof_sig_status_name(sig->status));
	if (prof_sig_status(sig, &text))
		f[C_SIG_TEXT].err = -ENOMEM;
	adds(&f[C_SIG_TEXT], text);
	free(text);
	if (sig->signer) {
		adds(&f[C_SIGNER], sig->signer->subject);
		adds(&f[C_SIGNER_THUMBPRINT], sig->signer->thumbprint);
	}
}

/* the Note lines, one space between two */
static void fill_notes(struct dynbuf *f, const struct prof *p)
{
	size_t i;

	adds(f, p->pe_note);
	for (i = 0; i < p->nnotes; i++) {
		if (f->len)
			db_addc(f, ' ');
		adds(f, p->notes[i]);
	}
}

static void fill(struct dynbuf *f, const struct prof *p,
		 const struct prof_view *v)
{
	const struct prof_misuse *m = v->misuse;

	db_printf(&f[C_SIZE], "%llu", (unsigned long long)p->size);
	fill_hashes(f, p);
	fill_pe(f, p, v);
	fill_sig(f, p, v->sig);
	db_adds(&f[C_KNOWN],
		known_status_name(v->known ? v->known->status : KNOWN_NO_DATA));
	if (m)
		db_printf(&f[C_MISUSE_ROWS], "%zu", m->n + m->more);
	fill_notes(&f[C_NOTES], p);
}

/* the fields one after the other, then CRLF; 0 or -errno */
static int row(struct dynbuf *f, char **out, size_t *len)
{
	struct dynbuf b, tmp;
	size_t i;
	int rc = 0;

	db_init(&b, CAP_PROFILE);
	db_init(&tmp, CAP_PROFILE);
	for (i = 0; i < C_N; i++) {
		if (i)
			db_addc(&b, ',');
		field(&b, &f[i], cols[i].text, &tmp);
		if (f[i].err && !rc)
			rc = f[i].err;
	}
	db_adds(&b, "\r\n");
	if (!rc)
		rc = b.err ? b.err : db_take(&b, out, len);
	if (rc)
		db_free(&b);
	db_free(&tmp);
	return rc;
}

int prof_render_csv_header(char **out, size_t *len)
{
	struct dynbuf f[C_N];
	size_t i;
	int rc;

	for (i = 0; i < C_N; i++) {
		db_init(&f[i], 64);
		db_adds(&f[i], cols[i].name);
	}
	rc = row(f, out, len);
	for (i = 0; i < C_N; i++)
		db_free(&f[i]);
	return rc;
}

int prof_render_csv(const struct prof *p, const struct prof_view *v,
		    const char *error, char **out, size_t *len)
{
	struct dynbuf f[C_N];
	size_t i;
	int rc;

	for (i = 0; i < C_N; i++)
		db_init(&f[i], CAP_PROFILE);
	winpath(&f[C_FILE_PATH], v->drive, v->relpath);
	if (p)
		fill(f, p, v);
	adds(&f[C_ERROR], error);
	rc = row(f, out, len);
	for (i = 0; i < C_N; i++)
		db_free(&f[i]);
	return rc;
}

/*
 * The Markdown profile. Each section of the format has one function here,
 * called in the format's order; a section with nothing to say writes
 * nothing. All values pass through md_text()/md_code().
 */
#include <errno.h>
#include <string.h>

#include "profilefs/profile.h"

struct view {
	const struct prof *p;
	const char *name; /* final path component */
	const char *relpath;
	const char *drive;
	const char *description; /* FileDescription, "" when none */
};

static void text(struct dynbuf *b, const char *s)
{
	md_text(b, s, strlen(s), MD_TEXT);
}

static void code(struct dynbuf *b, const char *s, enum md_ctx ctx)
{
	md_code(b, s, strlen(s), ctx);
}

static void sec_front(struct dynbuf *b, const struct view *v)
{
	db_adds(b, "---\ntitle: ");
	text(b, v->name);
	db_adds(b, " | ");
	text(b, v->description);
	db_adds(b, "\nexcerpt: What is ");
	text(b, v->name);
	db_adds(b, "?\n---\n\n");
}

static void sec_title(struct dynbuf *b, const struct view *v)
{
	struct dynbuf path;
	size_t i;

	db_adds(b, "# ");
	text(b, v->name);
	db_adds(b, "\n\n* File Path: ");
	db_init(&path, CAP_PROFILE);
	winpath(&path, v->drive, v->relpath);
	if (path.err)
		b->err = path.err;
	else
		md_code(b, path.data, path.len, MD_TEXT);
	db_free(&path);
	db_adds(b, "\n* Description: ");
	text(b, v->description);
	db_addc(b, '\n');
	/* what is wrong with the file, first thing a reader sees */
	if (v->p->pe_note) {
		db_adds(b, "* Note: ");
		text(b, v->p->pe_note);
		db_addc(b, '\n');
	}
	for (i = 0; i < v->p->nnotes; i++) {
		db_adds(b, "* Note: ");
		text(b, v->p->notes[i]);
		db_addc(b, '\n');
	}
}

static void hash_row(struct dynbuf *b, const char *type, const uint8_t *d,
		     size_t n)
{
	char hex[2 * 64 + 1];

	dg_hex(d, n, hex, 1);
	db_printf(b, "%s | `%s`\n", type, hex);
}

static void sec_hashes(struct dynbuf *b, const struct view *v)
{
	const struct dg_result *dg = &v->p->dg;

	if (!v->p->hashed)
		return;
	db_adds(b, "\n## Hashes\n\nType | Hash\n-- | --\n");
	hash_row(b, "MD5", dg->md5, sizeof(dg->md5));
	hash_row(b, "SHA1", dg->sha1, sizeof(dg->sha1));
	hash_row(b, "SHA256", dg->sha256, sizeof(dg->sha256));
	hash_row(b, "SHA384", dg->sha384, sizeof(dg->sha384));
	hash_row(b, "SHA512", dg->sha512, sizeof(dg->sha512));
	db_adds(b, "SSDEEP | ");
	code(b, dg->ssdeep, MD_CELL);
	db_addc(b, '\n');
}

static void sec_scan(struct dynbuf *b, const struct view *v)
{
	char hex[65];

	if (!v->p->hashed)
		return;
	dg_hex(v->p->dg.sha256, sizeof(v->p->dg.sha256), hex, 0);
	db_printf(b,
		  "\n## File Scan\n\n"
		  "* VirusTotal Link: "
		  "https://www.virustotal.com/gui/file/%s/detection/\n",
		  hex);
}

int prof_render(const struct prof *p, const char *relpath, const char *drive,
		char **out, size_t *len)
{
	struct view v = { p, path_base(relpath), relpath, drive, "" };
	struct dynbuf b;
	int rc;

	db_init(&b, CAP_PROFILE);
	sec_front(&b, &v);
	sec_title(&b, &v);
	sec_hashes(&b, &v);
	sec_scan(&b, &v);
	rc = db_take(&b, out, len);
	if (rc)
		db_free(&b);
	return rc;
}

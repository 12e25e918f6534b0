/*
 * The Known File section (ours, after the seed sections): what the
 * known-file store says of these bytes (known.h, docs/known.md), in
 * Markdown and in JSON ("known"). Every profile has it.
 */
#include <stdio.h>
#include <string.h>

#include "json_i.h"
#include "pe2_i.h"
#include "profilefs/known.h"
#include "profilefs/pe.h"
#include "profilefs/profile.h"

static const struct known_verdict no_data = { .status = KNOWN_NO_DATA };

static const struct known_verdict *verdict_of(const struct prof_view *pv)
{
	return pv->known ? pv->known : &no_data;
}

/* winbindex's name of a Windows release as a reader says it: "11-22H2" is
 * "Windows 11 22H2", a bare "1607" or "21H2" is Windows 10's */
void prof_known_windows(struct dynbuf *b, const char *release)
{
	size_t n = strlen(release);

	if (n > 3 && release[0] >= '1' && release[0] <= '9' &&
	    release[1] >= '0' && release[1] <= '9' && release[2] == '-') {
		db_adds(b, "Windows ");
		md_text(b, release, 2, MD_TEXT);
		db_addc(b, ' ');
		md_text(b, release + 3, n - 3, MD_TEXT);
		return;
	}
	if (n == 4 && release[0] >= '0' && release[0] <= '9' &&
	    release[1] >= '0' && release[1] <= '9' &&
	    (release[2] == 'H' || (release[2] >= '0' && release[2] <= '9')) &&
	    release[3] >= '0' && release[3] <= '9')
		db_adds(b, "Windows 10 ");
	else
		db_adds(b, "Windows ");
	md_text(b, release, n, MD_TEXT);
}

static void text_or(struct dynbuf *b, const char *s, const char *none)
{
	if (s && *s)
		md_text(b, s, strlen(s), MD_TEXT);
	else
		db_adds(b, none);
}

static void more(struct dynbuf *b, const char *label, size_t total,
		 size_t shown)
{
	if (total > shown)
		db_printf(b, "* %s: %zu more not shown\n", label,
			  total - shown);
}

/* "ntdll.dll 10.0.22621.1485 for AMD64" */
static void claim(struct dynbuf *b, const struct known_verdict *v)
{
	const char *m = pe_machine_name((uint16_t)v->machine);

	db_adds(b, "* Claims to be: ");
	text_or(b, v->name, "(no name)");
	if (v->version) {
		db_addc(b, ' ');
		md_text(b, v->version, strlen(v->version), MD_TEXT);
	}
	if (m)
		db_printf(b, " for %s", m);
	else
		db_printf(b, " for machine 0x%04x", v->machine);
	db_addc(b, '\n');
}

void prof_render_known(struct dynbuf *b, const struct prof_view *pv)
{
	const struct known_verdict *v = verdict_of(pv);
	size_t i;

	db_adds(b, "\n## Known File\n\n");
	db_printf(b, "* Verdict: %s\n", known_status_name(v->status));
	for (i = 0; i < v->n_windows; i++) {
		const struct known_windows *w = &v->windows[i];

		db_adds(b, "* Shipped in: ");
		prof_known_windows(b, w->windows ? w->windows : "");
		db_adds(b, ", ");
		text_or(b, w->update, "(no update named)");
		if (w->released && *w->released) {
			db_adds(b, ", ");
			md_text(b, w->released, strlen(w->released), MD_TEXT);
		}
		db_addc(b, '\n');
	}
	more(b, "Shipped in", v->total_windows, v->n_windows);
	for (i = 0; i < v->n_products; i++) {
		const struct known_product *p = &v->products[i];

		db_adds(b, "* NSRL product: ");
		text_or(b, p->product, "(no name)");
		if (p->version && *p->version) {
			db_addc(b, ' ');
			md_text(b, p->version, strlen(p->version), MD_TEXT);
		}
		db_adds(b, ", OS ");
		text_or(b, p->os, "not named");
		db_adds(b, ", by ");
		text_or(b, p->manufacturer, "a manufacturer not named");
		db_addc(b, '\n');
	}
	more(b, "NSRL product", v->total_products, v->n_products);
	switch (v->status) {
	case KNOWN_NSRL:
		db_adds(b, "* Note: the NSRL says a file is known (it shipped "
			   "in some product), never that it is good\n");
		break;
	case KNOWN_MISMATCH:
		claim(b, v);
		db_printf(b,
			  "* Known builds of that name, machine and version: "
			  "%zu, none with these bytes\n",
			  v->builds_of_version);
		break;
	case KNOWN_UNKNOWN_BUILD:
		claim(b, v);
		db_adds(b, "* winbindex knows that name for that machine, in "
			   "no build of that version\n");
		break;
	case KNOWN_UNKNOWN:
		db_adds(b, "* No source in the known-file store has these "
			   "bytes\n");
		break;
	case KNOWN_NO_DATA:
		db_adds(b, "* No known-file store: `profilefs known add PATH` "
			   "imports the NSRL or winbindex (docs/known.md)\n");
		break;
	case KNOWN_WINBINDEX:
		break;
	}
}

/* ---- JSON: "known" -------------------------------------------------- */

jobj *j_known(struct jctx *c, const struct prof_view *pv)
{
	const struct known_verdict *v = verdict_of(pv);
	jobj *o = j_obj(c), *a = j_arr(c), *n = j_arr(c);
	size_t i;

	j_put(c, o, "verdict", j_lit(c, known_status_name(v->status)));
	for (i = 0; i < v->n_windows; i++) {
		jobj *w = j_obj(c);

		j_put(c, w, "windows", j_str(c, v->windows[i].windows));
		j_put(c, w, "update", j_str(c, v->windows[i].update));
		j_put(c, w, "released", j_str(c, v->windows[i].released));
		j_push(c, a, w);
	}
	j_put(c, o, "windows", a);
	j_put(c, o, "windows_total", j_u64(c, v->total_windows));
	for (i = 0; i < v->n_products; i++) {
		jobj *p = j_obj(c);

		j_put(c, p, "product", j_str(c, v->products[i].product));
		j_put(c, p, "version", j_str(c, v->products[i].version));
		j_put(c, p, "os", j_str(c, v->products[i].os));
		j_put(c, p, "manufacturer",
		      j_str(c, v->products[i].manufacturer));
		j_push(c, n, p);
	}
	j_put(c, o, "nsrl", n);
	j_put(c, o, "nsrl_total", j_u64(c, v->total_products));
	if (v->status == KNOWN_MISMATCH || v->status == KNOWN_UNKNOWN_BUILD) {
		j_put(c, o, "claimed_name", j_str(c, v->name));
		j_put(c, o, "claimed_version", j_str(c, v->version));
		j_put(c, o, "claimed_machine", j_int(c, v->machine));
	}
	if (v->status == KNOWN_MISMATCH)
		j_put(c, o, "builds_of_version",
		      j_u64(c, v->builds_of_version));
	return o;
}

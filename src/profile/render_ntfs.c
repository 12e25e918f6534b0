/*
 * The NTFS section of the Markdown profile: what the file system says of
 * the file beyond its bytes (docs/profile-format.md, "NTFS"). Every value
 * from the source goes through md_text() or md_code(); a Zone.Identifier
 * line is shown whole, as the file says it, in a code span.
 */
#include <stdio.h>
#include <string.h>

#include "ntfs_i.h"

static void text(struct dynbuf *b, const char *s)
{
	md_text(b, s, strlen(s), MD_TEXT);
}

static void bullet(struct dynbuf *b, const char *label, const char *value)
{
	db_printf(b, "* %s: ", label);
	text(b, value);
	db_addc(b, '\n');
}

static int is_note(const struct prof *p, const char *s)
{
	size_t i;

	for (i = 0; p && i < p->nnotes; i++)
		if (strcmp(p->notes[i], s) == 0)
			return 1;
	return 0;
}

static void attributes(struct dynbuf *b, uint32_t a)
{
	const char *sep = " (";
	size_t i;

	db_printf(b, "* Attributes: 0x%08X", a);
	for (i = 0; i < prof_nattr_names; i++) {
		if (a & prof_attr_names[i].bit) {
			db_printf(b, "%s%s", sep, prof_attr_names[i].name);
			sep = ", ";
		}
	}
	db_adds(b, sep[0] == ',' ? ")\n" : "\n");
}

/* one line as the file says it: [section] key=value, in a code span */
static void zone_line_md(struct dynbuf *b, const struct prof_zone_line *l)
{
	struct dynbuf t;

	db_init(&t, 4 * (size_t)CAP_ZONE_VALUE);
	if (l->section && !prof_zone_in_transfer(l)) {
		db_addc(&t, '[');
		db_add(&t, l->section, l->section_len);
		db_adds(&t, "] ");
	}
	if (l->key) {
		db_add(&t, l->key, l->key_len);
		db_addc(&t, '=');
	}
	db_add(&t, l->value, l->value_len);
	db_adds(b, "* Mark of the Web: ");
	if (t.err)
		b->err = t.err;
	else
		md_code(b, t.data ? t.data : "", t.len, MD_TEXT);
	if (l->cut)
		db_printf(b, " (cut at %u bytes)", CAP_ZONE_VALUE);
	db_addc(b, '\n');
	db_free(&t);
}

static void mark_of_the_web(struct dynbuf *b, const struct prof_file_facts *f)
{
	const struct prof_zone *z = &f->zone;
	const char *name = prof_zone_name(z->zone_id);
	size_t i;

	if (!f->has_zone)
		return;
	if (z->zone_id >= 0)
		db_printf(b, "* Mark of the Web: Zone %ld (%s)\n", z->zone_id,
			  name ? name : "not one of Windows' zones");
	else if (z->n == 0)
		db_adds(b, "* Mark of the Web: Zone.Identifier says "
			   "nothing\n");
	else
		db_adds(b, "* Mark of the Web: no zone\n");
	for (i = 0; i < z->n; i++)
		if (z->zone_id < 0 || i != z->zone_line)
			zone_line_md(b, &z->lines[i]);
	if (z->more)
		db_printf(b, "* Mark of the Web: %zu more lines not shown\n",
			  z->more);
	if (f->zone_size > f->zone_read)
		db_printf(b,
			  "* Mark of the Web: only the first %zu of its "
			  "%llu bytes were read\n",
			  f->zone_read, (unsigned long long)f->zone_size);
}

static void streams_bullet(struct dynbuf *b, const struct prof_file_facts *f)
{
	uint64_t bytes;
	size_t hidden = prof_ntfs_hidden(f, &bytes);

	if (!f->nstreams && !f->more_streams)
		return;
	db_printf(b, "* Alternate Data Streams: %zu",
		  f->nstreams + f->more_streams);
	if (hidden)
		db_printf(b,
			  "; %zu besides the Mark of the Web, holding %llu "
			  "bytes: data hidden beside the file's contents "
			  "(dir /r lists it)",
			  hidden, (unsigned long long)bytes);
	db_addc(b, '\n');
}

static void streams_table(struct dynbuf *b, const struct prof_file_facts *f)
{
	size_t i;

	if (!f->nstreams)
		return;
	db_adds(b, "\nStream | Size\n-- | --\n");
	for (i = 0; i < f->nstreams; i++) {
		const char *name = f->streams[i].name;

		md_code(b, name, strlen(name), MD_CELL);
		db_printf(b, " | %llu\n",
			  (unsigned long long)f->streams[i].size);
	}
	if (f->more_streams)
		db_printf(b, "\n*%zu more streams are not shown.*\n",
			  f->more_streams);
}

static void times_table(struct dynbuf *b, const struct tree_facts *t)
{
	int si = !!(t->have & TREE_HAVE_SI_TIMES),
	    fn = !!(t->have & TREE_HAVE_FN_TIMES);
	char when[PROF_TIME_LEN];
	size_t i;

	if (!si && !fn)
		return;
	db_printf(b, "\nTime%s%s\n-- |%s%s\n",
		  si ? " | $STANDARD_INFORMATION" : "",
		  fn ? " | $FILE_NAME" : "", si ? " --" : "",
		  si && fn ? " | --"
		  : fn	   ? " --"
			   : "");
	for (i = 0; i < TREE_TIMES; i++) {
		db_adds(b, prof_time_names[i]);
		if (si) {
			prof_ntfs_time(when, &t->si[i]);
			db_printf(b, " | %s", when);
		}
		if (fn) {
			prof_ntfs_time(when, &t->fn[i]);
			db_printf(b, " | %s", when);
		}
		db_addc(b, '\n');
	}
}

void prof_render_ntfs(struct dynbuf *b, const struct prof *p,
		      const struct prof_view *v)
{
	const struct prof_file_facts *f = v->file;
	const struct tree_facts *t;
	const char *tag;

	if (!prof_file_facts_any(f))
		return;
	t = &f->facts;
	db_adds(b, "\n## NTFS\n\n");
	if (t->storage[0])
		bullet(b, "Stored", t->storage);
	/* prof_unreadable()'s note says it already, first thing */
	if (t->unreadable[0] && !is_note(p, t->unreadable))
		bullet(b, "Unreadable", t->unreadable);
	if ((t->have & TREE_HAVE_REPARSE) && t->reparse_tag) {
		tag = tree_reparse_tag_name(t->reparse_tag);
		db_printf(b, "* Reparse Tag: 0x%08X%s%s%s\n", t->reparse_tag,
			  tag ? " (" : "", tag ? tag : "", tag ? ")" : "");
	}
	if (t->have & TREE_HAVE_ATTRIBUTES)
		attributes(b, t->attributes);
	if (t->have & TREE_HAVE_RECORD)
		db_printf(b, "* MFT Record: %llu\n",
			  (unsigned long long)t->record);
	if ((t->have & TREE_HAVE_OWNER) && t->owner[0])
		bullet(b, "Owner", t->owner);
	mark_of_the_web(b, f);
	streams_bullet(b, f);
	if (prof_ntfs_timestomped(t))
		db_adds(b, "* Timestomping: $STANDARD_INFORMATION says the "
			   "file was created before $FILE_NAME does: "
			   "possible timestomping\n");
	streams_table(b, f);
	times_table(b, t);
}

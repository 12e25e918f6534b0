/*
 * The JSON profile's "ntfs" member (docs/profile-json.md, "ntfs"): the
 * facts of render_ntfs.c as data. Strings from the source pass through
 * md_utf8() as json.c's do. The member is left out, not null, for a
 * file without such facts, so that every profile of a POSIX source stays
 * as it was.
 */
#include <errno.h>
#include <string.h>

#include "json_i.h"
#include "ntfs_i.h"

/* a string of the source's that is "" when not known */
static jobj *j_opt(struct jctx *c, const char *s)
{
	return s[0] ? j_str(c, s) : NULL;
}

static jobj *times(struct jctx *c, const struct timespec *ts)
{
	char when[PROF_TIME_LEN];
	jobj *o = j_obj(c);
	size_t i;

	for (i = 0; i < TREE_TIMES; i++) {
		prof_ntfs_time(when, &ts[i]);
		j_put(c, o, prof_time_json[i], j_lit(c, when));
	}
	return o;
}

static jobj *attr_flags(struct jctx *c, uint32_t a)
{
	jobj *arr = j_arr(c);
	size_t i;

	for (i = 0; i < prof_nattr_names; i++)
		if (a & prof_attr_names[i].bit)
			j_push(c, arr, j_lit(c, prof_attr_names[i].json));
	return arr;
}

static jobj *streams(struct jctx *c, const struct prof_file_facts *f)
{
	jobj *a = j_arr(c);
	size_t i;

	for (i = 0; i < f->nstreams; i++) {
		jobj *o = j_obj(c);

		j_put(c, o, "name", j_str(c, f->streams[i].name));
		j_put(c, o, "size", j_u64(c, f->streams[i].size));
		j_push(c, a, o);
	}
	return a;
}

static jobj *zone_value(struct jctx *c, const struct prof_zone *z,
			const char *key)
{
	const struct prof_zone_line *l = prof_zone_get(z, key);

	return l ? j_strn(c, l->value, l->value_len) : NULL;
}

static jobj *zone(struct jctx *c, const struct prof_file_facts *f)
{
	const struct prof_zone *z = &f->zone;
	jobj *o, *lines;
	size_t i;

	if (!f->has_zone)
		return NULL;
	o = j_obj(c);
	j_put(c, o, "zone_id",
	      z->zone_id >= 0 ? j_u64(c, (uint64_t)z->zone_id) : NULL);
	j_put(c, o, "zone", j_lit(c, prof_zone_name(z->zone_id)));
	j_put(c, o, "referrer_url", zone_value(c, z, "ReferrerUrl"));
	j_put(c, o, "host_url", zone_value(c, z, "HostUrl"));
	lines = j_arr(c);
	for (i = 0; i < z->n; i++) {
		const struct prof_zone_line *l = &z->lines[i];
		jobj *line = j_obj(c);

		j_put(c, line, "section",
		      j_strn(c, l->section, l->section_len));
		j_put(c, line, "key", j_strn(c, l->key, l->key_len));
		j_put(c, line, "value", j_strn(c, l->value, l->value_len));
		j_put(c, line, "cut", j_bool(c, l->cut));
		j_push(c, lines, line);
	}
	j_put(c, o, "lines", lines);
	j_put(c, o, "more_lines", j_u64(c, z->more));
	j_put(c, o, "size", j_u64(c, f->zone_size));
	j_put(c, o, "read", j_u64(c, f->zone_read));
	j_put(c, o, "utf16", j_bool(c, z->utf16));
	return o;
}

static jobj *build(struct jctx *c, const struct prof_file_facts *f)
{
	const struct tree_facts *t = &f->facts;
	uint64_t bytes;
	jobj *o = j_obj(c);
	size_t hidden = prof_ntfs_hidden(f, &bytes);
	int tag = (t->have & TREE_HAVE_REPARSE) && t->reparse_tag;

	j_put(c, o, "stored", j_opt(c, t->storage));
	j_put(c, o, "unreadable", j_opt(c, t->unreadable));
	j_put(c, o, "reparse_tag", tag ? j_u64(c, t->reparse_tag) : NULL);
	j_put(c, o, "reparse_tag_name",
	      tag ? j_lit(c, tree_reparse_tag_name(t->reparse_tag)) : NULL);
	j_put(c, o, "attributes",
	      t->have & TREE_HAVE_ATTRIBUTES ? j_u64(c, t->attributes) : NULL);
	j_put(c, o, "attributes_flags",
	      t->have & TREE_HAVE_ATTRIBUTES ? attr_flags(c, t->attributes)
					     : NULL);
	j_put(c, o, "mft_record",
	      t->have & TREE_HAVE_RECORD ? j_u64(c, t->record) : NULL);
	j_put(c, o, "owner",
	      t->have & TREE_HAVE_OWNER ? j_opt(c, t->owner) : NULL);
	j_put(c, o, "standard_information_times",
	      t->have & TREE_HAVE_SI_TIMES ? times(c, t->si) : NULL);
	j_put(c, o, "file_name_times",
	      t->have & TREE_HAVE_FN_TIMES ? times(c, t->fn) : NULL);
	j_put(c, o, "possible_timestomping",
	      j_bool(c, prof_ntfs_timestomped(t)));
	j_put(c, o, "mark_of_the_web", zone(c, f));
	j_put(c, o, "streams", streams(c, f));
	j_put(c, o, "more_streams", j_u64(c, f->more_streams));
	j_put(c, o, "hidden_streams", j_u64(c, hidden));
	j_put(c, o, "hidden_bytes", j_u64(c, bytes));
	return o;
}

int prof_json_ntfs(const struct prof_view *v, struct json_object **out)
{
	struct jctx c = { 0 };
	jobj *o;

	*out = NULL;
	if (!prof_file_facts_any(v->file))
		return 0;
	db_init(&c.tmp, CAP_PROFILE);
	o = build(&c, v->file);
	db_free(&c.tmp);
	if (c.err) {
		json_object_put(o);
		return c.err;
	}
	*out = o;
	return 0;
}

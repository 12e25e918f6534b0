/*
 * libFuzzer target: a Zone.Identifier stream, and named streams, of any
 * bytes. The parse keeps to its caps; the facts made of them (the input
 * as the stream, its lines as the names of further streams, its first
 * bytes as times, attributes and reparse tag) render as Markdown with
 * no raw control byte and as JSON that parses as one object; their
 * render key is the same twice.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>

#include "profilefs/profile.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void die(const char *why)
{
	fprintf(stderr, "%s\n", why);
	abort();
}

static void check_zone(const uint8_t *data, size_t size)
{
	struct prof_zone z;
	size_t i;

	if (prof_zone_parse(data, size, &z))
		return; /* out of memory */
	if (z.n > CAP_ZONE_LINES || (z.zone_id >= 0 && z.zone_line >= z.n))
		die("zone: past a cap");
	for (i = 0; i < z.n; i++) {
		const struct prof_zone_line *l = &z.lines[i];

		if (l->value_len > CAP_ZONE_VALUE ||
		    l->key_len > CAP_ZONE_VALUE ||
		    l->section_len > CAP_ZONE_VALUE || !l->value ||
		    l->value[l->value_len] != '\0')
			die("zone: a line past its cap");
	}
	prof_zone_clear(&z);
}

/* the input's lines, each a stream's name */
static size_t names_of(const uint8_t *data, size_t size, char **names,
		       struct tree_stream *s, size_t max)
{
	size_t n = 0, start = 0, i;

	for (i = 0; i <= size && n < max; i++) {
		if (i < size && data[i] != '\n')
			continue;
		names[n] = strndup((const char *)data + start, i - start);
		if (!names[n])
			break;
		s[n].name = names[n];
		s[n].size = i - start;
		n++;
		start = i + 1;
	}
	return n;
}

static void facts_of(const uint8_t *data, size_t size, struct tree_facts *t)
{
	size_t i;

	memset(t, 0, sizeof(*t));
	if (size < 8)
		return;
	t->have = data[0];
	t->attributes = (uint32_t)data[1] << 24 | (uint32_t)data[2] << 16 |
			(uint32_t)data[3] << 8 | data[4];
	t->reparse_tag = t->attributes ^ 0x80000017u;
	t->record = data[5];
	for (i = 0; i < TREE_TIMES; i++) {
		t->si[i].tv_sec = (time_t)data[6] << (8 * (i + 2));
		t->si[i].tv_nsec = (long)data[7] * 3900000L;
		t->fn[i].tv_sec = (time_t)data[6] * (time_t)i;
	}
	memcpy(t->storage, data,
	       size < sizeof(t->storage) ? size : sizeof(t->storage));
	memcpy(t->owner, data,
	       size < sizeof(t->owner) ? size : sizeof(t->owner));
	if (data[0] & 0x80)
		memcpy(t->unreadable, data,
		       size < sizeof(t->unreadable) ? size
						    : sizeof(t->unreadable));
}

static void check_text(const char *s, size_t n, const char *what)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (((unsigned char)s[i] < 0x20 && s[i] != '\n') ||
		    s[i] == 0x7f)
			die(what);
}

static void check_json(const char *text, size_t len)
{
	struct json_tokener *tok = json_tokener_new();
	struct json_object *o;

	if (!tok)
		abort();
	json_tokener_set_flags(tok, JSON_TOKENER_STRICT |
					    JSON_TOKENER_VALIDATE_UTF8);
	o = json_tokener_parse_ex(tok, text, (int)len);
	if (!o || !json_object_is_type(o, json_type_object) ||
	    !json_object_object_get_ex(o, "ntfs", NULL))
		die("the JSON does not parse, or has no ntfs");
	json_object_put(o);
	json_tokener_free(tok);
}

static void check_facts(const uint8_t *data, size_t size)
{
	enum { MAX = CAP_NTFS_STREAMS + 8 };
	static char *names[MAX];
	static struct tree_stream s[MAX];
	struct prof_file_facts *f = NULL;
	struct prof *p = NULL;
	struct dynbuf k1, k2;
	struct tree_facts t;
	size_t n, i, len;
	char *text;

	n = names_of(data, size, names, s, MAX);
	if (n)
		s[0].name = (char *)"Zone.Identifier";
	facts_of(data, size, &t);
	if (prof_file_facts_make(&t, s, n, data, size, &f) || !f ||
	    prof_unreadable(f->facts.unreadable, &p))
		goto out;
	{
		struct prof_view v = {
			.relpath = "a/b.exe", .drive = "C:", .file = f
		};

		if (prof_render(p, &v, &text, &len) == 0) {
			check_text(text, len, "a raw control byte in the md");
			free(text);
		}
		if (prof_render_json(p, &v, 0, &text, &len) == 0) {
			check_text(text, len - 1, "a raw control in the JSON");
			check_json(text, len);
			free(text);
		}
	}
	db_init(&k1, 1 << 24);
	db_init(&k2, 1 << 24);
	if (prof_file_facts_key(f, &k1) == 0 &&
	    prof_file_facts_key(f, &k2) == 0 &&
	    (k1.len != k2.len || memcmp(k1.data, k2.data, k1.len) != 0))
		die("two keys of the same facts differ");
	db_free(&k1);
	db_free(&k2);
out:
	prof_free(p);
	prof_file_facts_free(f);
	for (i = 0; i < n; i++)
		free(names[i]);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	check_zone(data, size);
	check_facts(data, size);
	return 0;
}

/*
 * The builders of the JSON profile (json.c, json_sig.c, json_pe2.c,
 * ntfs_json.c): json-c values from the facts, strings cleaned with
 * md_utf8() (and their raw bytes beside them where that changed them,
 * j_raw()), an allocation failure remembered in struct jctx (json_i.h).
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "json_i.h"
#include "pe2_i.h"

jobj *j_chk(struct jctx *c, jobj *o)
{
	if (!o)
		c->err = -ENOMEM;
	return o;
}

jobj *j_strn(struct jctx *c, const char *s, size_t n)
{
	if (!s)
		return NULL;
	db_reset(&c->tmp);
	md_utf8(&c->tmp, s, n);
	if (c->tmp.err) {
		c->err = c->tmp.err;
		return NULL;
	}
	return j_chk(c,
		     json_object_new_string_len(c->tmp.len ? c->tmp.data : "",
						(int)c->tmp.len));
}

jobj *j_str(struct jctx *c, const char *s)
{
	return s ? j_strn(c, s, strlen(s)) : NULL;
}

jobj *j_raw(struct jctx *c, const char *s)
{
	size_t n;
	int same;

	if (!s)
		return NULL;
	n = strlen(s);
	db_reset(&c->tmp);
	md_utf8(&c->tmp, s, n);
	if (c->tmp.err) {
		c->err = c->tmp.err;
		return NULL;
	}
	same = c->tmp.len == n && (!n || !memcmp(c->tmp.data, s, n));
	return same ? NULL : j_hex(c, (const uint8_t *)s, n);
}

jobj *j_lit(struct jctx *c, const char *s)
{
	return s ? j_chk(c, json_object_new_string(s)) : NULL;
}

jobj *j_int(struct jctx *c, int64_t v)
{
	return j_chk(c, json_object_new_int64(v));
}

jobj *j_u64(struct jctx *c, uint64_t v)
{
	return j_chk(c, json_object_new_uint64(v));
}

jobj *j_bool(struct jctx *c, int v)
{
	return j_chk(c, json_object_new_boolean(v ? 1 : 0));
}

jobj *j_obj(struct jctx *c)
{
	return j_chk(c, json_object_new_object());
}

jobj *j_arr(struct jctx *c)
{
	return j_chk(c, json_object_new_array());
}

/* lowercase hex of n bytes */
jobj *j_hex(struct jctx *c, const uint8_t *p, size_t n)
{
	char buf[2 * 64 + 1];
	char *hex = n <= 64 ? buf : malloc(2 * n + 1);
	jobj *o;

	if (!hex) {
		c->err = -ENOMEM;
		return NULL;
	}
	dg_hex(p, n, hex, 0);
	o = j_lit(c, hex);
	if (hex != buf)
		free(hex);
	return o;
}

/* "2024-01-31T12:00:00Z" */
jobj *j_time(struct jctx *c, time_t t)
{
	char when[40];
	struct tm tm;

	if (!gmtime_r(&t, &tm) ||
	    !strftime(when, sizeof(when), "%Y-%m-%dT%H:%M:%SZ", &tm))
		return NULL;
	return j_lit(c, when);
}

/* o[key] = v (v NULL is JSON null); keys are literals */
void j_put(struct jctx *c, jobj *o, const char *key, jobj *v)
{
	if (!o ||
	    json_object_object_add_ex(o, key, v,
				      JSON_C_OBJECT_ADD_KEY_IS_NEW |
					      JSON_C_OBJECT_KEY_IS_CONSTANT)) {
		c->err = -ENOMEM;
		json_object_put(v);
	}
}

void j_push(struct jctx *c, jobj *a, jobj *v)
{
	if (!a || json_object_array_add(a, v)) {
		c->err = -ENOMEM;
		json_object_put(v);
	}
}

/* the JSON names of the flags of t that v has, in t's order */
jobj *j_flags(struct jctx *c, uint32_t v, const struct prof_flag_name *t,
	      size_t n)
{
	jobj *arr = j_arr(c);
	size_t i;

	for (i = 0; i < n; i++)
		if (v & t[i].bit)
			j_push(c, arr, j_lit(c, t[i].json));
	return arr;
}

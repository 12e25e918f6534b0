/*
 * The builders the JSON profile's files share (json_util.c) and the
 * signature verdict's (json_sig.c). Private to src/profile.
 *
 * json-c returns NULL when it cannot allocate; struct jctx remembers that,
 * so the builders can go on and the render fails once, at the end.
 */
#ifndef PROFILEFS_JSON_I_H
#define PROFILEFS_JSON_I_H

#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include <json-c/json.h>

#include "profilefs/profile.h"

typedef struct json_object jobj;

struct jctx {
	int err;
	struct dynbuf tmp;
};

/* o itself; NULL (an allocation failed) is remembered in c->err */
jobj *j_chk(struct jctx *c, jobj *o);
/* n bytes of a string from the file, cleaned; null for NULL */
jobj *j_strn(struct jctx *c, const char *s, size_t n);
/* a string, or null for NULL */
jobj *j_str(struct jctx *c, const char *s);
/* the bytes of s in hex when j_str() shows them otherwise (invalid UTF-8,
 * hidden characters as \xNN), else null: distinct names stay distinct */
jobj *j_raw(struct jctx *c, const char *s);
/* a string we made (ASCII): no cleaning needed */
jobj *j_lit(struct jctx *c, const char *s);
jobj *j_int(struct jctx *c, int64_t v);
jobj *j_u64(struct jctx *c, uint64_t v);
jobj *j_bool(struct jctx *c, int v);
jobj *j_obj(struct jctx *c);
jobj *j_arr(struct jctx *c);
/* lowercase hex of n bytes */
jobj *j_hex(struct jctx *c, const uint8_t *p, size_t n);
/* "2024-01-31T12:00:00Z" */
jobj *j_time(struct jctx *c, time_t t);
/* o[key] = v (v NULL is JSON null); keys are literals */
void j_put(struct jctx *c, jobj *o, const char *key, jobj *v);
void j_push(struct jctx *c, jobj *a, jobj *v);
struct prof_flag_name;
/* the JSON names of the flags of t (n of them) that v has */
jobj *j_flags(struct jctx *c, uint32_t v, const struct prof_flag_name *t,
	      size_t n);

/* the "signature" member (json_sig.c) */
jobj *j_sig(struct jctx *c, const struct sig_verdict *v);

/* the "known" member (render_known.c) */
jobj *j_known(struct jctx *c, const struct prof_view *pv);

#endif

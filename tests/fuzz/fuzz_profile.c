/*
 * libFuzzer target: a whole profile from any file content. The bytes go
 * through the path the mount uses (prof_compute on a tree_file), are
 * rendered, stored as parts, read back and rendered again: the two
 * renderings must be the same bytes. An input starting with "PART" is
 * instead decoded as a stored part (a damaged cache) and rendered. The
 * certificate table must come back from its part unchanged too. The
 * JSON profile of the same facts must parse (json-c's tokener, UTF-8
 * checked) as one object, and hold no raw control byte. An input starting
 * with "RICH" is read as a --rich-names table: every comp.id of its
 * lines that parse must be found again.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include <json-c/json.h>

#include "profilefs/profile.h"
#include "profilefs/tree.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void render_free(const struct prof *p, char **md, size_t *len)
{
	struct prof_view v = { .relpath = "Windows/System32/fuzz.dll",
			       .drive = "C:" };

	*md = NULL;
	if (prof_render(p, &v, md, len))
		*md = NULL;
}

/* the JSON of p parses as one object, with no raw control or DEL */
static void json_check(const struct prof *p)
{
	struct prof_view v = { .relpath = "Windows/System32/fuzz.dll",
			       .drive = "C:" };
	struct json_tokener *tok;
	struct json_object *o;
	char *text = NULL;
	size_t len = 0, i;

	if (prof_render_json(p, &v, 0, &text, &len))
		return; /* out of memory, or over the cap */
	for (i = 0; i + 1 < len; i++) {
		if ((unsigned char)text[i] < 0x20 || text[i] == 0x7f) {
			fprintf(stderr, "a raw control byte in the JSON\n");
			abort();
		}
	}
	tok = json_tokener_new();
	if (!tok)
		abort();
	json_tokener_set_flags(tok, JSON_TOKENER_STRICT |
					    JSON_TOKENER_VALIDATE_UTF8);
	o = json_tokener_parse_ex(tok, text, (int)len);
	if (!o || !json_object_is_type(o, json_type_object) ||
	    text[len - 1] != '\n') {
		fprintf(stderr, "the JSON does not parse: %s\n",
			json_tokener_error_desc(json_tokener_get_error(tok)));
		abort();
	}
	json_object_put(o);
	json_tokener_free(tok);
	free(text);
}

static void part_blob(const uint8_t *data, size_t size)
{
	struct prof *p = prof_new();
	char *md;
	size_t len;

	if (p && prof_decode_part(p, "pe", data, size) == 0) {
		render_free(p, &md, &len);
		free(md);
		json_check(p);
	}
	if (p)
		prof_decode_part(p, "sig", data, size);
	prof_free(p);
}

static int same_sig(const struct sig_table *a, const struct sig_table *b)
{
	size_t i;

	if (a->present != b->present || a->n != b->n ||
	    !a->problem != !b->problem ||
	    (a->problem && strcmp(a->problem, b->problem) != 0))
		return 0;
	for (i = 0; i < a->n; i++)
		if (a->entries[i].len != b->entries[i].len ||
		    a->entries[i].type != b->entries[i].type ||
		    a->entries[i].revision != b->entries[i].revision ||
		    memcmp(a->entries[i].data, b->entries[i].data,
			   a->entries[i].len) != 0)
			return 0;
	return 1;
}

/* every part of p encoded and decoded into q */
static int round_trip(const struct prof *p, struct prof *q)
{
	struct dynbuf blob;
	size_t i;
	int rc = 0;

	for (i = 0; i < prof_nparts && !rc; i++) {
		db_init(&blob, CAP_PROFILE);
		rc = prof_encode_part(p, prof_parts[i].name, &blob);
		if (!rc)
			rc = prof_decode_part(q, prof_parts[i].name, blob.data,
					      blob.len);
		db_free(&blob);
	}
	return rc;
}

/* the table of a --rich-names FILE: each hex word at a line's start that
 * the table kept names something (the first line of a comp.id wins) */
static void rich_names(const uint8_t *data, size_t size)
{
	struct prof_rich_names *t = NULL;
	size_t bad, i;

	if (prof_rich_names_parse((const char *)data, size, &t, &bad))
		return;
	for (i = 0; i + 8 <= size; i++) {
		unsigned id;
		char hex[9];

		if (i && data[i - 1] != '\n')
			continue;
		memcpy(hex, data + i, 8);
		hex[8] = '\0';
		if (strspn(hex, "0123456789abcdefABCDEF") != 8 ||
		    i + 8 >= size ||
		    (data[i + 8] != ' ' && data[i + 8] != '\t'))
			continue;
		id = (unsigned)strtoul(hex, NULL, 16);
		if (!prof_rich_name(t, (uint16_t)(id >> 16), (uint16_t)id))
			abort();
	}
	prof_rich_names_free(t);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct prof *p = NULL, *q = NULL;
	char *md1 = NULL, *md2 = NULL;
	size_t len1 = 0, len2 = 0;
	struct tree_file *f = NULL;
	struct stat st;
	int fd, rc;

	if (size >= 4 && memcmp(data, "RICH", 4) == 0) {
		rich_names(data + 4, size - 4);
		return 0;
	}
	if (size >= 4 && memcmp(data, "PART", 4) == 0) {
		part_blob(data + 4, size - 4);
		return 0;
	}
	fd = memfd_create("fuzz", MFD_CLOEXEC);
	rc = fd < 0 || write(fd, data, size) != (ssize_t)size ||
	     fstat(fd, &st) < 0 || tree_file_posix_fd(fd, &f) ||
	     prof_compute(f, &st, NULL, NULL, &p);
	tree_file_close(f);
	if (fd >= 0)
		close(fd);
	if (rc)
		return 0;
	render_free(p, &md1, &len1);
	json_check(p);
	q = prof_new();
	if (md1 && q && round_trip(p, q) == 0) {
		q->hashed = p->hashed;
		q->size = p->size;
		q->dg = p->dg;
		render_free(q, &md2, &len2);
		if (!md2 || len1 != len2 || memcmp(md1, md2, len1) != 0) {
			fprintf(stderr,
				"a stored profile renders differently\n");
			abort();
		}
		if (!same_sig(&p->sig, &q->sig)) {
			fprintf(stderr, "a stored certificate table differs\n");
			abort();
		}
	}
	free(md1);
	free(md2);
	prof_free(p);
	prof_free(q);
	return 0;
}

/*
 * The names of Rich header entries, from a table the user brings
 * (--rich-names FILE; docs/profile-format.md, "Rich Header"): one entry a
 * line, "XXXXXXXX DESCRIPTION", the comp.id in 8 hex digits (the product id
 * in its high 16 bits, the build in its low 16, as the Rich header stores
 * them) and the words to show; '#' starts a comment line, blank lines are
 * skipped. That is the layout of richprint's comp_id.txt, so its table can
 * be used as it is; profilefs ships none.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "profilefs/digest.h"
#include "profilefs/profile.h"
#include "profilefs/util.h"

struct rich_name {
	uint32_t id;
	size_t line; /* of two lines with one comp.id, the first wins */
	char *text;
};

struct prof_rich_names {
	struct rich_name *v;
	size_t n;
	uint8_t sha256[32]; /* of the table's bytes: part of the render key */
};

void prof_rich_names_free(struct prof_rich_names *t)
{
	size_t i;

	if (!t)
		return;
	for (i = 0; i < t->n; i++)
		free(t->v[i].text);
	free(t->v);
	free(t);
}

static int by_id(const void *a, const void *b)
{
	const struct rich_name *x = a, *y = b;

	if (x->id != y->id)
		return x->id < y->id ? -1 : 1;
	return x->line < y->line ? -1 : x->line > y->line;
}

/* one line (no line end): 0 (an entry in *e, or e->text NULL for a blank
 * or comment line), or -EINVAL */
static int parse_line(const char *s, size_t n, struct rich_name *e)
{
	size_t i, start;
	uint32_t id = 0;

	e->text = NULL;
	while (n && (s[n - 1] == ' ' || s[n - 1] == '\t' || s[n - 1] == '\r'))
		n--;
	for (i = 0; i < n && (s[i] == ' ' || s[i] == '\t'); i++)
		;
	if (i == n || s[i] == '#')
		return 0;
	for (start = i; i < n && i - start < 8; i++) {
		int h = util_hexval((unsigned char)s[i]);

		if (h < 0)
			return -EINVAL;
		id = id << 4 | (uint32_t)h;
	}
	if (i - start != 8 || i == n || (s[i] != ' ' && s[i] != '\t'))
		return -EINVAL;
	while (i < n && (s[i] == ' ' || s[i] == '\t'))
		i++;
	if (n - i > PROF_RICH_NAME_MAX)
		return -EINVAL;
	e->id = id;
	e->text = strndup(s + i, n - i);
	return e->text ? 0 : -ENOMEM;
}

int prof_rich_names_parse(const char *text, size_t len,
			  struct prof_rich_names **out, size_t *bad_line)
{
	struct prof_rich_names *t = calloc(1, sizeof(*t));
	size_t pos = 0, line = 0, cap = 0, i, k;
	int rc = 0;

	*out = NULL;
	*bad_line = 0;
	if (!t)
		return -ENOMEM;
	if (len > PROF_RICH_NAMES_BYTES)
		rc = -EFBIG;
	while (!rc && pos < len) {
		const char *nl = memchr(text + pos, '\n', len - pos);
		size_t n = nl ? (size_t)(nl - text - pos) : len - pos;
		struct rich_name e;

		line++;
		rc = parse_line(text + pos, n, &e);
		pos += n + (nl != NULL);
		if (rc == -EINVAL)
			*bad_line = line;
		if (rc || !e.text)
			continue;
		e.line = line;
		if (t->n == cap) {
			void *v = reallocarray(t->v, cap ? cap * 2 : 256,
					       sizeof(*t->v));

			if (!v) {
				free(e.text);
				rc = -ENOMEM;
				break;
			}
			t->v = v;
			cap = cap ? cap * 2 : 256;
		}
		t->v[t->n++] = e;
	}
	if (!rc)
		rc = dg_sha256(text, len, t->sha256);
	if (rc) {
		prof_rich_names_free(t);
		return rc;
	}
	/* sorted by comp.id; of two lines with one comp.id the first wins */
	if (t->n)
		qsort(t->v, t->n, sizeof(*t->v), by_id);
	for (i = k = 0; i < t->n; i++) {
		if (k && t->v[k - 1].id == t->v[i].id) {
			free(t->v[i].text);
			continue;
		}
		t->v[k++] = t->v[i];
	}
	t->n = k;
	*out = t;
	return 0;
}

int prof_rich_names_load(const char *path, struct prof_rich_names **out,
			 size_t *bad_line)
{
	struct stat st;
	char *text = NULL;
	size_t got = 0;
	int fd, rc = 0;

	*out = NULL;
	*bad_line = 0;
	fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY);
	if (fd < 0)
		return -errno;
	if (fstat(fd, &st) < 0)
		rc = -errno;
	else if (!S_ISREG(st.st_mode))
		rc = S_ISDIR(st.st_mode) ? -EISDIR : -EINVAL;
	else if ((uint64_t)st.st_size > PROF_RICH_NAMES_BYTES)
		rc = -EFBIG;
	else if (!(text = malloc((size_t)st.st_size + 1)))
		rc = -ENOMEM;
	/* a file that grows meanwhile is read up to the size it had */
	while (!rc && got < (size_t)st.st_size) {
		ssize_t n = read(fd, text + got, (size_t)st.st_size - got);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			rc = n < 0 ? -errno : 0;
			break;
		}
		got += (size_t)n;
	}
	close(fd);
	if (!rc)
		rc = prof_rich_names_parse(text, got, out, bad_line);
	free(text);
	return rc;
}

const char *prof_rich_name(const struct prof_rich_names *t, uint16_t product,
			   uint16_t build)
{
	struct rich_name key = { (uint32_t)product << 16 | build, 0, NULL };
	size_t lo = 0, hi = t ? t->n : 0;

	/* the first of the comp.id (there is one: duplicates were dropped) */
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (t->v[mid].id < key.id)
			lo = mid + 1;
		else
			hi = mid;
	}
	return t && lo < t->n && t->v[lo].id == key.id ? t->v[lo].text : NULL;
}

const uint8_t *prof_rich_names_digest(const struct prof_rich_names *t)
{
	return t->sha256;
}

size_t prof_rich_names_count(const struct prof_rich_names *t)
{
	return t ? t->n : 0;
}

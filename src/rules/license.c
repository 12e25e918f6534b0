/*
 * Which licence a LICENSE file states, as an SPDX identifier, in three
 * steps that each look at what the text says of itself, never at what it
 * mentions: the GPL-3 names the "GNU Affero General Public License" in its
 * section 13 and the GPL-2 the "GNU Lesser General Public License" in its
 * preamble, so a search for such names anywhere in the text takes one
 * licence for another.
 *
 * 1. An "SPDX-License-Identifier:" line: its expression, as written.
 * 2. The title the text opens with ("GNU GENERAL PUBLIC LICENSE /
 *    Version 3"), compared word for word with a table of titles that name
 *    one licence and one version each.
 * 3. The whole text compared with the canonical texts: Debian's
 *    /usr/share/common-licenses and the ones built in (license_texts.c).
 *    Both are normalised to their words (lowercase letters and digits; a
 *    '.' between digits stays, as in "2.1"), and compared as the sets of
 *    their word pairs (bigrams) with the Sorensen-Dice coefficient
 *    2|A and B| / (|A| + |B|). The closest text wins when it reaches
 *    LICENSE_DICE_MIN: a copyright line or a title added to a text leaves
 *    it well above (MIT with a copyright line: 0.98), while texts that
 *    differ by a clause fall below (BSD-2 against BSD-3: 0.90).
 * 4. A sentence that names one licence by its title:
 *    "released under the Detection Rule License (DRL) 1.1" (sigma's
 *    LICENSE); every such sentence must name the same one.
 */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include "license_i.h"
#include "profilefs/rules.h"

#define LICENSE_DICE_MIN   0.95
#define LICENSE_MIN_PAIRS  20		/* fewer word pairs: no comparison */
#define LICENSE_TEXT_MAX   (256u << 10) /* canonical texts read at most */
#define LICENSE_HEAD_WORDS 16		/* the title is looked for in these */
#define LICENSE_HEAD_BYTES 2048

const char rules_license_dir[] = "/usr/share/common-licenses";

/* the files of /usr/share/common-licenses compared with, and their SPDX
 * identifiers (the GNU ones without -only/-or-later, which the text
 * alone cannot tell; as GitHub's licence API names them) */
static const struct {
	const char *file, *spdx;
} common[] = {
	{ "GPL-1", "GPL-1.0" },	    { "GPL-2", "GPL-2.0" },
	{ "GPL-3", "GPL-3.0" },	    { "LGPL-2", "LGPL-2.0" },
	{ "LGPL-2.1", "LGPL-2.1" }, { "LGPL-3", "LGPL-3.0" },
	{ "AGPL-3", "AGPL-3.0" },   { "Apache-2.0", "Apache-2.0" },
	{ "MPL-1.1", "MPL-1.1" },   { "MPL-2.0", "MPL-2.0" },
	{ "BSD", "BSD-3-Clause" },  { "Artistic", "Artistic-1.0-Perl" },
	{ "CC0-1.0", "CC0-1.0" },   { "GFDL-1.2", "GFDL-1.2" },
	{ "GFDL-1.3", "GFDL-1.3" },
};

/* Titles, normalised (words separated by one space), each naming one
 * licence and version. A title with no version ("The Artistic License",
 * "GNU GENERAL PUBLIC LICENSE" alone) is left to the whole text. */
static const struct {
	const char *title, *spdx;
} titles[] = {
	{ "gnu general public license version 1", "GPL-1.0" },
	{ "gnu general public license version 2", "GPL-2.0" },
	{ "gnu general public license version 3", "GPL-3.0" },
	{ "gnu library general public license version 2", "LGPL-2.0" },
	{ "gnu lesser general public license version 2.1", "LGPL-2.1" },
	{ "gnu lesser general public license version 3", "LGPL-3.0" },
	{ "gnu affero general public license version 3", "AGPL-3.0" },
	{ "gnu free documentation license version 1.2", "GFDL-1.2" },
	{ "gnu free documentation license version 1.3", "GFDL-1.3" },
	{ "apache license version 2.0", "Apache-2.0" },
	{ "mozilla public license version 1.1", "MPL-1.1" },
	{ "mozilla public license version 2.0", "MPL-2.0" },
	{ "mozilla public license 2.0", "MPL-2.0" },
	{ "creative commons legal code cc0 1.0 universal", "CC0-1.0" },
	{ "cc0 1.0 universal", "CC0-1.0" },
	{ "attribution noncommercial 4.0 international", "CC-BY-NC-4.0" },
	{ "creative commons attribution noncommercial 4.0 international",
	  "CC-BY-NC-4.0" },
	{ "the artistic license 2.0", "Artistic-2.0" },
	{ "detection rule license drl 1.0", "DRL-1.0" },
	{ "detection rule license drl 1.1", "DRL-1.1" },
	{ "detection rule license 1.0", "DRL-1.0" },
	{ "detection rule license 1.1", "DRL-1.1" },
	{ "mit license", "MIT" },
	{ "the mit license", "MIT" },
	{ "bsd 2 clause license", "BSD-2-Clause" },
	{ "bsd 3 clause license", "BSD-3-Clause" },
	{ "the unlicense", "Unlicense" },
	{ "isc license", "ISC" },
};

static int alnum(unsigned char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	       (c >= '0' && c <= '9');
}

static int digit(unsigned char c)
{
	return c >= '0' && c <= '9';
}

/* The next word of t from *at: its bytes (lowercased, at most max - 1 of
 * them kept) into w; 0 at the end. *newline says a line ended before it. */
static size_t next_word(const char *t, size_t len, size_t *at, char *w,
			size_t max, int *newline)
{
	size_t i = *at, n = 0;

	*newline = 0;
	while (i < len && !alnum((unsigned char)t[i])) {
		if (t[i] == '\n')
			*newline = 1;
		i++;
	}
	while (i < len) {
		unsigned char c = (unsigned char)t[i];

		if (c == '.' && n && digit((unsigned char)w[n - 1]) &&
		    i + 1 < len && digit((unsigned char)t[i + 1])) {
			/* "2.1": one word */
		} else if (!alnum(c)) {
			break;
		}
		if (n + 1 < max)
			w[n++] = (char)(c >= 'A' && c <= 'Z' ? c + 32 : c);
		i++;
	}
	*at = i;
	w[n] = '\0';
	return n;
}

/* ---- 1. SPDX-License-Identifier ------------------------------------- */

static int spdx_char(unsigned char c)
{
	return alnum(c) || c == '.' || c == '-' || c == '+' || c == '(' ||
	       c == ')' || c == ':';
}

static int spdx_line(const char *t, size_t len, char *out, size_t max)
{
	static const char key[] = "SPDX-License-Identifier:";
	size_t k = sizeof(key) - 1, i, n = 0;

	for (i = 0; i + k <= len; i++)
		if (!strncasecmp(t + i, key, k))
			break;
	if (i + k > len)
		return 0;
	for (i += k; i < len && (t[i] == ' ' || t[i] == '\t'); i++)
		;
	for (; i < len && t[i] != '\n' && t[i] != '\r'; i++) {
		unsigned char c = (unsigned char)t[i];

		if (c == ' ' || c == '\t') {
			if (n && out[n - 1] != ' ' && n + 1 < max)
				out[n++] = ' ';
			continue;
		}
		if (!spdx_char(c) ||
		    (c == '-' && i + 1 < len && t[i + 1] == '-'))
			break; /* the end of a comment, or not an identifier */
		if (n + 1 >= max)
			return 0; /* too long to be an identifier */
		out[n++] = (char)c;
	}
	while (n && out[n - 1] == ' ')
		n--;
	out[n] = '\0';
	return n > 0;
}

/* ---- 2. the title --------------------------------------------------- */

/* the first words of the text, one space between, skipping a first line
 * that only says "License" (a Markdown heading over the title) */
static void head_of(const char *t, size_t len, char *head, size_t max)
{
	size_t at = 0, n = 0, words = 0;
	char w[64];
	int nl;

	if (len > LICENSE_HEAD_BYTES)
		len = LICENSE_HEAD_BYTES;
	head[0] = '\0';
	while (words < LICENSE_HEAD_WORDS &&
	       next_word(t, len, &at, w, sizeof(w), &nl)) {
		size_t wl = strlen(w);

		if (words == 0 &&
		    (!strcmp(w, "license") || !strcmp(w, "licence"))) {
			size_t save = at;
			char w2[64];

			if (!next_word(t, len, &at, w2, sizeof(w2), &nl) ||
			    nl) {
				at = save; /* the line said only that */
				continue;
			}
			at = save;
		}
		if (n + wl + 2 > max)
			break;
		if (n)
			head[n++] = ' ';
		memcpy(head + n, w, wl + 1);
		n += wl;
		words++;
	}
}

static const char *by_title(const char *t, size_t len)
{
	char head[LICENSE_HEAD_WORDS * 64 + 1];
	size_t i;

	head_of(t, len, head, sizeof(head));
	for (i = 0; i < sizeof(titles) / sizeof(titles[0]); i++) {
		size_t n = strlen(titles[i].title);

		if (!strncmp(head, titles[i].title, n) &&
		    (head[n] == '\0' || head[n] == ' '))
			return titles[i].spdx;
	}
	return NULL;
}

/* ---- 3. the whole text ---------------------------------------------- */

struct pairs {
	uint64_t *v;
	size_t n, cap;
	uint64_t last; /* the previous word's hash; 0 at the start */
};

static uint64_t fnv(const char *w)
{
	uint64_t h = 1469598103934665603ull;

	for (; *w; w++)
		h = (h ^ (unsigned char)*w) * 1099511628211ull;
	return h | 1; /* never 0, which stands for "no word before" */
}

static int add_words(struct pairs *p, const char *t, size_t len)
{
	size_t at = 0;
	char w[64];
	int nl;

	while (next_word(t, len, &at, w, sizeof(w), &nl)) {
		uint64_t h = fnv(w);

		if (p->last) {
			if (p->n == p->cap) {
				size_t cap = p->cap ? 2 * p->cap : 256;
				uint64_t *v = realloc(p->v, cap * sizeof(*v));

				if (!v)
					return -ENOMEM;
				p->v = v;
				p->cap = cap;
			}
			p->v[p->n++] = (p->last * 0x9E3779B97F4A7C15ull) ^ h;
		}
		p->last = h;
	}
	return 0;
}

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

/* sorted, each pair once */
static void to_set(struct pairs *p)
{
	size_t i, k = 0;

	if (!p->n)
		return;
	qsort(p->v, p->n, sizeof(*p->v), cmp_u64);
	for (i = 1; i < p->n; i++)
		if (p->v[i] != p->v[k])
			p->v[++k] = p->v[i];
	p->n = k + 1;
}

static double dice(const struct pairs *a, const struct pairs *b)
{
	size_t i = 0, j = 0, both = 0;

	if (!a->n || !b->n)
		return 0;
	while (i < a->n && j < b->n) {
		if (a->v[i] == b->v[j]) {
			both++;
			i++;
			j++;
		} else if (a->v[i] < b->v[j]) {
			i++;
		} else {
			j++;
		}
	}
	return 2.0 * (double)both / (double)(a->n + b->n);
}

struct ref {
	const char *spdx;
	struct pairs p;
};

static struct ref *refs;
static size_t nrefs;
static pthread_once_t refs_once = PTHREAD_ONCE_INIT;

static void ref_add(struct ref *r, const char *spdx, struct pairs *p)
{
	to_set(p);
	if (p->n < LICENSE_MIN_PAIRS) {
		free(p->v);
		return;
	}
	r[nrefs].spdx = spdx;
	r[nrefs].p = *p;
	nrefs++;
}

/* a canonical text of the folder, or NULL */
static char *read_text(const char *file, size_t *len)
{
	char path[256];
	struct stat st;
	char *buf = NULL;
	size_t got = 0;
	int fd;

	snprintf(path, sizeof(path), "%s/%s", rules_license_dir, file);
	fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK | O_NOCTTY);
	if (fd < 0)
		return NULL;
	if (fstat(fd, &st) == 0 && S_ISREG(st.st_mode) &&
	    (buf = malloc(LICENSE_TEXT_MAX))) {
		while (got < LICENSE_TEXT_MAX) {
			ssize_t n = read(fd, buf + got, LICENSE_TEXT_MAX - got);

			if (n < 0 && errno == EINTR)
				continue;
			if (n <= 0)
				break;
			got += (size_t)n;
		}
	}
	close(fd);
	*len = got;
	return buf;
}

static void load_refs(void)
{
	size_t nc = sizeof(common) / sizeof(common[0]), i, k;

	refs = calloc(nc + license_nbuiltin, sizeof(*refs));
	if (!refs)
		return;
	for (i = 0; i < license_nbuiltin; i++) {
		struct pairs p = { NULL, 0, 0, 0 };
		const struct license_text *l = &license_builtin[i];

		for (k = 0; k < 4 && l->parts[k]; k++)
			if (add_words(&p, l->parts[k], strlen(l->parts[k])))
				break;
		ref_add(refs, l->spdx, &p);
	}
	for (i = 0; i < nc; i++) {
		struct pairs p = { NULL, 0, 0, 0 };
		size_t len;
		char *text = read_text(common[i].file, &len);

		if (!text)
			continue;
		if (add_words(&p, text, len) == 0)
			ref_add(refs, common[i].spdx, &p);
		else
			free(p.v);
		free(text);
	}
}

size_t rules_license_canonical(void)
{
	pthread_once(&refs_once, load_refs);
	return nrefs;
}

static const char *by_text(const char *t, size_t len, double *score)
{
	struct pairs p = { NULL, 0, 0, 0 };
	const char *best = NULL;
	double top = 0;
	size_t i;

	*score = 0;
	pthread_once(&refs_once, load_refs);
	if (add_words(&p, t, len)) {
		free(p.v);
		return NULL;
	}
	to_set(&p);
	for (i = 0; p.n >= LICENSE_MIN_PAIRS && i < nrefs; i++) {
		double d = dice(&p, &refs[i].p);

		if (d > top) {
			top = d;
			best = refs[i].spdx;
		}
	}
	free(p.v);
	*score = top;
	return top >= LICENSE_DICE_MIN ? best : NULL;
}

double rules_license_similarity(const char *text, size_t len, const char **spdx)
{
	double d;

	*spdx = by_text(text, len, &d);
	return d;
}

/* ---- 4. a sentence that names it ----------------------------------- */

/* Does the text from at go on with the words of title (a table title,
 * one space between words)? How many words it took, or 0. */
static size_t title_follows(const char *t, size_t len, size_t at,
			    const char *title)
{
	size_t words = 0;
	char w[64];
	int nl;

	while (*title) {
		size_t k = strcspn(title, " ");

		if (!next_word(t, len, &at, w, sizeof(w), &nl) ||
		    strlen(w) != k || strncmp(w, title, k))
			return 0;
		words++;
		title += k;
		if (*title == ' ')
			title++;
	}
	return words;
}

/* The licence that "released under the Detection Rule License (DRL) 1.1"
 * names: after "released", "licensed", "distributed", "available" or
 * "published" and "under" (and "the", "terms of the"), the longest title
 * of the table. Every such sentence of the text must name the same one:
 * two that differ say nothing. */
static const char *by_sentence(const char *t, size_t len)
{
	static const char *const verbs[] = {
		"released",  "licensed", "distributed", "available",
		"published", "licenced", NULL,
	};
	const char *found = NULL;
	char prev[64] = "", w[64];
	size_t at = 0, i;
	int nl;

	while (next_word(t, len, &at, w, sizeof(w), &nl)) {
		int verb = 0;
		size_t from = at, best = 0, skip, save;
		const char *id = NULL;

		for (i = 0; verbs[i]; i++)
			verb |= !strcmp(prev, verbs[i]);
		memcpy(prev, w, sizeof(prev));
		if (!verb || strcmp(w, "under"))
			continue;
		/* "the", "terms of the", "a", "an" */
		for (skip = 0; skip < 4; skip++) {
			save = from;
			if (!next_word(t, len, &from, w, sizeof(w), &nl))
				break;
			if (strcmp(w, "the") && strcmp(w, "terms") &&
			    strcmp(w, "of") && strcmp(w, "a") &&
			    strcmp(w, "an")) {
				from = save;
				break;
			}
		}
		for (i = 0; i < sizeof(titles) / sizeof(titles[0]); i++) {
			size_t n = title_follows(t, len, from, titles[i].title);

			if (n > best) {
				best = n;
				id = titles[i].spdx;
			}
		}
		if (!id)
			continue;
		if (found && strcmp(found, id))
			return NULL; /* two licences: which one is not said */
		found = id;
	}
	return found;
}

int rules_license_of(const char *text, size_t len, char *out, size_t max)
{
	const char *id;
	double d;

	if (max < 2)
		return 0;
	if (spdx_line(text, len, out, max))
		return 1;
	id = by_title(text, len);
	if (!id)
		id = by_text(text, len, &d);
	if (!id)
		id = by_sentence(text, len);
	if (!id || strlen(id) >= max)
		return 0;
	strcpy(out, id);
	return 1;
}

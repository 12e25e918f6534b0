/*
 * The one escaper. Every value that reaches a profile passes through
 * md_text(), md_code(), md_link() or md_yaml(), so the rules live here only
 * (docs/profile-format.md, "Escaping", is the user's copy). A value reads as
 * the binary says it: only what would act is escaped.
 *   - what a reader cannot see, or what turns the text around it, is shown
 *     as the four characters \xNN (uppercase hex), one group per byte, in
 *     every context: C0 controls and DEL, C1 controls (U+0080-U+009F, CSI
 *     U+009B is \xC2\x9B), every Unicode format character (category Cf:
 *     zero-width spaces and joiners, the bidi marks, embeddings, overrides
 *     and isolates, the BOM, the soft hyphen...), U+2028 and U+2029, and
 *     every byte of an invalid UTF-8 sequence. One form for all of them,
 *     so a reader can always tell the raw bytes back;
 *   - in text, a backslash goes only where CommonMark and GFM would act:
 *     before a backtick (a code span), a '<' that could open HTML or an
 *     autolink (before a letter, / ! ?), an '&' that begins an entity,
 *     a ']' before '(' (the end of a link's or image's text), a '#' that
 *     could close the "# NAME" heading (a run of # to the end of the
 *     value, after a blank), and a backslash that would escape what
 *     follows it. At the start of a line or list item (MD_START), also
 *     the first character that would open a block (# > + - * _ = ~ [ and
 *     the '.' or ')' of "1."). GFM's autolinks (www.x, http://x, a@b.c)
 *     are left alone: their text is their target;
 *   - in a table cell, | becomes \| (GFM splits cells before it parses
 *     code spans, and renders \| inside a code span as |);
 *   - a code span is fenced with one backtick more than the longest run of
 *     backticks inside it, padded with spaces when the value starts or ends
 *     with a backtick (CommonMark's rule), so no value can close it early;
 *     inside it only the first and third rules apply;
 *   - in a link's text, every [ and ] too (a link cannot hold a link);
 *   - in YAML, the value goes inside a double-quoted scalar: " and \ get a
 *     backslash (so the \xNN of the first rule is written \\xNN and reads
 *     back as the same four characters the body shows), and a '<' or '&'
 *     that would open a tag or an entity in the HTML page a site makes of
 *     the title is written &lt; or &amp;.
 */
#include <string.h>

#include "profilefs/util.h"

enum mode {
	M_TEXT, /* Markdown text: what would act escaped */
	M_LINK, /* the text of a link: also every [ and ] */
	M_CODE, /* inside a code span: nothing is parsed */
	M_YAML, /* inside a double-quoted YAML scalar */
};

/* Code point of the valid UTF-8 sequence at s and its length (1..4), or 0
 * if invalid. */
static size_t utf8_len(const unsigned char *s, size_t n, uint32_t *out)
{
	unsigned c = s[0];
	size_t need, i;
	uint32_t cp;

	if (c < 0x80) {
		*out = c;
		return 1;
	}
	if (c >= 0xc2 && c <= 0xdf) {
		need = 2;
		cp = c & 0x1f;
	} else if (c >= 0xe0 && c <= 0xef) {
		need = 3;
		cp = c & 0x0f;
	} else if (c >= 0xf0 && c <= 0xf4) {
		need = 4;
		cp = c & 0x07;
	} else {
		return 0;
	}
	if (n < need)
		return 0;
	for (i = 1; i < need; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return 0;
		cp = cp << 6 | (s[i] & 0x3f);
	}
	/* overlong forms, surrogates, beyond U+10FFFF */
	if ((need == 3 && cp < 0x800) || (need == 4 && cp < 0x10000) ||
	    (cp >= 0xd800 && cp <= 0xdfff) || cp > 0x10ffff)
		return 0;
	*out = cp;
	return need;
}

/*
 * The Unicode format characters (general category Cf), as ranges: made
 * from Python's unicodedata (Unicode 14.0.0) by
 *   for c in range(0x110000): unicodedata.category(chr(c)) == "Cf"
 * and checked against it by tests/inject/check.py.
 */
static const struct {
	uint32_t lo, hi;
} cf_ranges[] = {
	{ 0x00AD, 0x00AD },   { 0x0600, 0x0605 },   { 0x061C, 0x061C },
	{ 0x06DD, 0x06DD },   { 0x070F, 0x070F },   { 0x0890, 0x0891 },
	{ 0x08E2, 0x08E2 },   { 0x180E, 0x180E },   { 0x200B, 0x200F },
	{ 0x202A, 0x202E },   { 0x2060, 0x2064 },   { 0x2066, 0x206F },
	{ 0xFEFF, 0xFEFF },   { 0xFFF9, 0xFFFB },   { 0x110BD, 0x110BD },
	{ 0x110CD, 0x110CD }, { 0x13430, 0x13438 }, { 0x1BCA0, 0x1BCA3 },
	{ 0x1D173, 0x1D17A }, { 0xE0001, 0xE0001 }, { 0xE0020, 0xE007F },
};

static int is_cf(uint32_t cp)
{
	size_t lo = 0, hi = sizeof(cf_ranges) / sizeof(cf_ranges[0]);

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (cp < cf_ranges[mid].lo)
			hi = mid;
		else if (cp > cf_ranges[mid].hi)
			lo = mid + 1;
		else
			return 1;
	}
	return 0;
}

/* Characters a reader cannot see, or that a terminal, an editor or a
 * bidi-aware renderer would act on. */
static int hidden(uint32_t cp)
{
	return cp < 0x20 || (cp >= 0x7f && cp <= 0x9f) || cp == 0x2028 ||
	       cp == 0x2029 || (cp >= 0xad && is_cf(cp));
}

/* Whether the bytes at s (n > 0) are shown as \xNN. */
static int shown_hex(const unsigned char *s, size_t n)
{
	uint32_t cp;

	return !utf8_len(s, n, &cp) || hidden(cp);
}

static void put_hex(struct dynbuf *b, const unsigned char *s, size_t n,
		    enum mode m)
{
	size_t i;

	for (i = 0; i < n; i++)
		db_printf(b, m == M_YAML ? "\\\\x%02X" : "\\x%02X", s[i]);
}

static int is_alpha(unsigned char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

static int is_alnum(unsigned char c)
{
	return is_alpha(c) || (c >= '0' && c <= '9');
}

static int is_punct(unsigned char c)
{
	return c > 0x20 && c < 0x7f && !is_alnum(c);
}

/* A '<' at s[i] that could open an HTML tag, comment, declaration or
 * processing instruction, or an autolink <scheme:...>. */
static int tag_at(const unsigned char *s, size_t i, size_t n)
{
	return i + 1 < n && (is_alpha(s[i + 1]) || s[i + 1] == '/' ||
			     s[i + 1] == '!' || s[i + 1] == '?');
}

/* An '&' at s[i] that begins an entity: &name; &#N; &#xN; (loosely: any
 * letters and digits, the renderer knows which names are entities). */
static int entity_at(const unsigned char *s, size_t i, size_t n)
{
	size_t j = i + 1, k;

	if (j < n && s[j] == '#')
		j++;
	if (j > i + 1 && j < n && (s[j] | 0x20) == 'x')
		j++;
	for (k = j; k < n && is_alnum(s[k]); k++)
		;
	return k > j && k < n && s[k] == ';';
}

/* A '#' at s[i] that could close an ATX heading: after a blank (or first),
 * with only # and blanks after it. */
static int closing_hash(const unsigned char *s, size_t i, size_t n)
{
	if (i > 0 && s[i - 1] != ' ' && s[i - 1] != '\t')
		return 0;
	for (; i < n; i++)
		if (s[i] != '#' && s[i] != ' ' && s[i] != '\t')
			return 0;
	return 1;
}

/*
 * Where a value starts a line or a list item's content (MD_START): the
 * offset of the character that would open a block there (a heading, a
 * quote, a list, a thematic break, a fence, a link definition, or the
 * '.' or ')' of an ordered list's "1."), or n if none.
 */
static size_t block_at(const unsigned char *s, size_t n)
{
	size_t i = 0, d;

	while (i < n && (s[i] == ' ' || s[i] == '\t'))
		i++;
	if (i == n)
		return n;
	if (strchr("#>+-*_=~[", s[i]))
		return i;
	for (d = i; d < n && d - i < 10 && s[d] >= '0' && s[d] <= '9'; d++)
		;
	if (d > i && d < n && (s[d] == '.' || s[d] == ')'))
		return d;
	return n;
}

/* Whether the ASCII character c at s[i] needs a backslash. */
static int needs_bs(const unsigned char *s, size_t i, size_t n, enum mode m,
		    enum md_ctx ctx)
{
	unsigned char c = s[i];

	if (m == M_YAML)
		return c == '"' || c == '\\';
	if (c == '|')
		return (ctx & MD_CELL) != 0;
	if (m == M_CODE)
		return 0;
	switch (c) {
	case '`':
		return 1;
	case '\\':
		/* it would escape what follows, or the \ of a \xNN */
		return i + 1 == n || is_punct(s[i + 1]) ||
		       shown_hex(s + i + 1, n - i - 1);
	case '<':
		return tag_at(s, i, n);
	case '&':
		return entity_at(s, i, n);
	case '[':
		return m == M_LINK;
	case ']':
		return m == M_LINK || (i + 1 < n && s[i + 1] == '(');
	case '#':
		return closing_hash(s, i, n);
	default:
		return 0;
	}
}

static void escape(struct dynbuf *b, const char *str, size_t n, enum mode m,
		   enum md_ctx ctx)
{
	const unsigned char *s = (const unsigned char *)str;
	size_t i = 0, run = 0, k;
	size_t block = (ctx & MD_START) && m != M_YAML && m != M_CODE
			       ? block_at(s, n)
			       : n;
	uint32_t cp;

	while (i < n) {
		k = utf8_len(s + i, n - i, &cp);
		if (k == 0 || hidden(cp)) {
			db_add(b, s + run, i - run);
			k = k ? k : 1;
			put_hex(b, s + i, k, m);
			run = i += k;
			continue;
		}
		if (k == 1 && m == M_YAML &&
		    ((s[i] == '<' && tag_at(s, i, n)) ||
		     (s[i] == '&' && entity_at(s, i, n)))) {
			db_add(b, s + run, i - run);
			db_adds(b, s[i] == '<' ? "&lt;" : "&amp;");
			run = ++i;
			continue;
		}
		if (k == 1 && (i == block || needs_bs(s, i, n, m, ctx))) {
			db_add(b, s + run, i - run);
			db_addc(b, '\\');
			db_addc(b, (char)s[i]);
			run = ++i;
			continue;
		}
		i += k;
	}
	db_add(b, s + run, n - run);
}

void md_text(struct dynbuf *b, const char *s, size_t n, enum md_ctx ctx)
{
	escape(b, s, n, M_TEXT, ctx);
}

void md_plain(struct dynbuf *b, const char *s, size_t n)
{
	escape(b, s, n, M_CODE, MD_TEXT);
}

void md_yaml(struct dynbuf *b, const char *s, size_t n)
{
	escape(b, s, n, M_YAML, MD_TEXT);
}

void md_code(struct dynbuf *b, const char *s, size_t n, enum md_ctx ctx)
{
	size_t longest = 0, cur = 0, i, fence;
	int pad;

	for (i = 0; i < n; i++) {
		cur = s[i] == '`' ? cur + 1 : 0;
		if (cur > longest)
			longest = cur;
	}
	fence = longest + 1;
	pad = n > 0 && (s[0] == '`' || s[n - 1] == '`');
	for (i = 0; i < fence; i++)
		db_addc(b, '`');
	if (pad)
		db_addc(b, ' ');
	escape(b, s, n, M_CODE, ctx);
	if (pad)
		db_addc(b, ' ');
	for (i = 0; i < fence; i++)
		db_addc(b, '`');
}

static int url_keep(unsigned char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	       (c >= '0' && c <= '9') || c == '-' || c == '.' || c == '_' ||
	       c == '~' || c == '/';
}

/*
 * Only an http(s) URL keeps its scheme and its authority's ':' (a port);
 * anything else is a path in which every reserved character, ':' and '%'
 * included, is percent-encoded: "javascript:x" becomes a harmless relative
 * "javascript%3Ax", and a leading "/" is encoded so that "//host" cannot
 * name another host.
 */
static void url(struct dynbuf *b, const char *u)
{
	const unsigned char *s = (const unsigned char *)u;
	size_t i = 0, auth_end = 0;

	if (!strncmp(u, "https://", 8))
		i = 8;
	else if (!strncmp(u, "http://", 7))
		i = 7;
	db_add(b, s, i);
	if (i)
		auth_end = i + strcspn(u + i, "/");
	for (; s[i]; i++) {
		unsigned char c = s[i];

		if ((url_keep(c) && !(i == 0 && c == '/')) ||
		    (c == ':' && i < auth_end))
			db_addc(b, (char)c);
		else
			db_printf(b, "%%%02X", c);
	}
}

void md_link(struct dynbuf *b, const char *text, const char *u, enum md_ctx ctx)
{
	db_addc(b, '[');
	escape(b, text, strlen(text), M_LINK, ctx);
	db_adds(b, "](");
	url(b, u);
	db_addc(b, ')');
}

void md_code_link(struct dynbuf *b, const char *text, const char *u)
{
	/* a code span binds tighter than the link's brackets: a ] inside
	 * it ends nothing */
	db_addc(b, '[');
	md_code(b, text, strlen(text), MD_TEXT);
	db_adds(b, "](");
	url(b, u);
	db_addc(b, ')');
}

/* ---- JSON ---------------------------------------------------------- */

/*
 * How many bytes at s (n > 0, s[0] not the start of a valid sequence) make
 * the maximal subpart of an ill-formed sequence: the lead byte and the
 * continuation bytes that could still have completed it (Unicode's "U+FFFD
 * substitution of maximal subparts", which Python's and the WHATWG
 * decoders follow, so one U+FFFD replaces what they replace).
 */
static size_t bad_len(const unsigned char *s, size_t n)
{
	unsigned c = s[0];
	unsigned char lo = 0x80, hi = 0xbf;
	size_t need, i;

	if (c >= 0xc2 && c <= 0xdf)
		need = 2;
	else if (c >= 0xe0 && c <= 0xef)
		need = 3;
	else if (c >= 0xf0 && c <= 0xf4)
		need = 4;
	else
		return 1;
	/* the second byte's range excludes overlongs, surrogates and
	 * code points past U+10FFFF */
	if (c == 0xe0)
		lo = 0xa0;
	else if (c == 0xed)
		hi = 0x9f;
	else if (c == 0xf0)
		lo = 0x90;
	else if (c == 0xf4)
		hi = 0x8f;
	for (i = 1; i < need && i < n; i++) {
		if (s[i] < lo || s[i] > hi)
			break;
		lo = 0x80;
		hi = 0xbf;
	}
	return i;
}

void md_utf8(struct dynbuf *b, const char *str, size_t n)
{
	const unsigned char *s = (const unsigned char *)str;
	size_t i = 0, run = 0, k;
	uint32_t cp;

	while (i < n) {
		k = utf8_len(s + i, n - i, &cp);
		if (k && !hidden(cp)) {
			i += k;
			continue;
		}
		db_add(b, s + run, i - run);
		if (k) {
			put_hex(b, s + i, k, M_CODE);
			run = i += k;
		} else {
			db_adds(b, "\xef\xbf\xbd"); /* U+FFFD */
			run = i += bad_len(s + i, n - i);
		}
	}
	db_add(b, s + run, n - run);
}

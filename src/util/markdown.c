/*
 * The one escaper. Every value that reaches a profile passes through
 * md_text(), md_code(), md_link() or md_yaml(), so the rules live here only
 * (docs/profile-format.md, "Escaping", is the user's copy):
 *   - what must never reach a reader's terminal or editor is shown as the
 *     four characters \xNN (uppercase hex), one group per byte: C0 controls
 *     and DEL, C1 controls (U+0080-U+009F, e.g. CSI U+009B is \xC2\x9B),
 *     the bidi embeddings, overrides and isolates (U+202A-U+202E,
 *     U+2066-U+2069), and every byte of an invalid UTF-8 sequence. One form
 *     for all of them, so a reader can always tell the raw bytes back;
 *   - in text, the Markdown metacharacters \ ` * [ ] < > ! & ~ get a
 *     backslash, and so do _ unless between two letters or digits, and #
 *     at the start or after a space: a value cannot open HTML, a link, an
 *     image, an entity, emphasis, strikethrough or a closing heading
 *     sequence. The ':' of "://" and the '.' of "www." too, so GFM's
 *     extended autolinks (http://x, www.x) do not fire either, and the '@'
 *     of an e-mail address is written `@` (see email_at());
 *   - in a table cell, | becomes \| (GFM splits cells before it parses
 *     code spans, and renders \| inside a code span as |);
 *   - a code span is fenced with one backtick more than the longest run of
 *     backticks inside it, padded with spaces when the value starts or ends
 *     with a backtick (CommonMark's rule), so no value can close it early;
 *     inside it only the first and third rules apply;
 *   - in YAML, the value goes inside a double-quoted scalar: " and \ get a
 *     backslash (so the \xNN of the first rule is written \\xNN and reads
 *     back as the same four characters the body shows).
 */
#include <string.h>

#include "profilefs/util.h"

enum mode {
	M_TEXT, /* Markdown text: metacharacters escaped */
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

/* Characters a terminal, an editor or a bidi-aware renderer would act on. */
static int hidden(uint32_t cp)
{
	return cp < 0x20 || (cp >= 0x7f && cp <= 0x9f) ||
	       (cp >= 0x202a && cp <= 0x202e) || (cp >= 0x2066 && cp <= 0x2069);
}

static void put_hex(struct dynbuf *b, const unsigned char *s, size_t n,
		    enum mode m)
{
	size_t i;

	for (i = 0; i < n; i++)
		db_printf(b, m == M_YAML ? "\\\\x%02X" : "\\x%02X", s[i]);
}

static int is_alnum(unsigned char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	       (c >= '0' && c <= '9');
}

/*
 * cmark-gfm finds e-mail autolinks in the text after backslash escapes and
 * entities are resolved, so neither helps: an '@' between a local part and
 * a domain goes into a code span of its own, which ends the text there.
 */
static int email_at(const unsigned char *s, size_t i, size_t n)
{
	return s[i] == '@' && i > 0 &&
	       (is_alnum(s[i - 1]) || strchr(".+-_", s[i - 1])) && i + 1 < n &&
	       is_alnum(s[i + 1]);
}

/* Whether the ASCII character c at s[i] needs a backslash. */
static int needs_bs(const unsigned char *s, size_t i, size_t n, enum mode m,
		    enum md_ctx ctx)
{
	unsigned char c = s[i];

	if (m == M_YAML)
		return c == '"' || c == '\\';
	if (c == '|')
		return ctx == MD_CELL;
	if (m == M_CODE)
		return 0;
	/* an intraword _ can neither open nor close emphasis: a_b stays */
	if (c == '_')
		return !(i > 0 && is_alnum(s[i - 1]) && i + 1 < n &&
			 is_alnum(s[i + 1]));
	/* only " #" can close an ATX heading (# NAME) early */
	if (c == '#')
		return i == 0 || s[i - 1] == ' ';
	if (strchr("\\`*[]<>!&~", c))
		return 1;
	/* "http:" and "www." are where GFM's autolinks start */
	if (c == ':')
		return i + 2 < n && s[i + 1] == '/' && s[i + 2] == '/';
	if (c == '.')
		return i >= 3 && (s[i - 1] | 0x20) == 'w' &&
		       (s[i - 2] | 0x20) == 'w' && (s[i - 3] | 0x20) == 'w';
	return 0;
}

static void escape(struct dynbuf *b, const char *str, size_t n, enum mode m,
		   enum md_ctx ctx)
{
	const unsigned char *s = (const unsigned char *)str;
	size_t i = 0, run = 0, k;
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
		if (k == 1 && m == M_TEXT && email_at(s, i, n)) {
			db_add(b, s + run, i - run);
			db_adds(b, "`@`");
			run = ++i;
			continue;
		}
		if (k == 1 && needs_bs(s, i, n, m, ctx)) {
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
	md_text(b, text, strlen(text), ctx);
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
		if (k) {
			i += k;
			continue;
		}
		db_add(b, s + run, i - run);
		db_adds(b, "\xef\xbf\xbd"); /* U+FFFD */
		run = i += bad_len(s + i, n - i);
	}
	db_add(b, s + run, n - run);
}

void md_json_safe(struct dynbuf *b, const char *str, size_t n)
{
	const unsigned char *s = (const unsigned char *)str;
	size_t i = 0, run = 0, k;
	uint32_t cp;

	while (i < n) {
		k = utf8_len(s + i, n - i, &cp);
		/* C0 controls: json-c escapes them in strings, and outside
		 * strings they are the layout's whitespace */
		if (k && (!hidden(cp) || cp < 0x20)) {
			i += k;
			continue;
		}
		db_add(b, s + run, i - run);
		if (k)
			db_printf(b, "\\u%04x", (unsigned)cp);
		else /* never from md_utf8()'s strings; kept visible */
			db_adds(b, "\\ufffd");
		run = i += k ? k : 1;
	}
	db_add(b, s + run, n - run);
}

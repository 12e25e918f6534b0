/*
 * The one Markdown escaper. Every value that reaches a profile passes
 * through md_text() or md_code(), so the rules live here only:
 *   - bytes < 0x20 and 0x7f, and every byte of an invalid UTF-8 sequence,
 *     are written as the four characters \xNN (uppercase hex);
 *   - in a table cell, | becomes \| (GFM splits cells before it parses
 *     code spans, and renders \| inside a code span as |);
 *   - a code span is fenced with one backtick more than the longest run of
 *     backticks inside it, padded with spaces when the value starts or ends
 *     with a backtick (CommonMark's rule), so no value can close it early.
 */
#include <string.h>

#include "profilefs/util.h"

/* Length of the valid UTF-8 sequence at s (1..4), or 0 if invalid. */
static size_t utf8_len(const unsigned char *s, size_t n)
{
	unsigned c = s[0];
	size_t need, i;
	uint32_t cp;

	if (c < 0x80)
		return 1;
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
	return need;
}

static void put_hex(struct dynbuf *b, unsigned char c)
{
	db_printf(b, "\\x%02X", c);
}

void md_text(struct dynbuf *b, const char *str, size_t n, enum md_ctx ctx)
{
	const unsigned char *s = (const unsigned char *)str;
	size_t i = 0, run = 0, k;

	while (i < n) {
		unsigned char c = s[i];

		if (c < 0x20 || c == 0x7f || (ctx == MD_CELL && c == '|')) {
			db_add(b, s + run, i - run);
			if (c == '|')
				db_adds(b, "\\|");
			else
				put_hex(b, c);
			run = ++i;
			continue;
		}
		k = utf8_len(s + i, n - i);
		if (k == 0) {
			db_add(b, s + run, i - run);
			put_hex(b, c);
			run = ++i;
			continue;
		}
		i += k;
	}
	db_add(b, s + run, n - run);
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
	md_text(b, s, n, ctx);
	if (pad)
		db_addc(b, ' ');
	for (i = 0; i < fence; i++)
		db_addc(b, '`');
}

void md_link(struct dynbuf *b, const char *text, const char *url,
	     enum md_ctx ctx)
{
	const char *s;

	db_addc(b, '[');
	for (s = text; *s;) {
		size_t run = strcspn(s, "[]");

		md_text(b, s, run, ctx);
		s += run;
		if (*s) {
			db_addc(b, '\\');
			db_addc(b, *s++);
		}
	}
	db_adds(b, "](");
	for (s = url; *s; s++) {
		unsigned char c = (unsigned char)*s;

		if (c <= 0x20 || c >= 0x7f || strchr("()<>|`\"'[]\\", c))
			db_printf(b, "%%%02X", c);
		else
			db_addc(b, (char)c);
	}
	db_addc(b, ')');
}

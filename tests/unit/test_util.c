/* util: the capped buffer, the bounds-checked reader, the Markdown escaper
 * (the rules written at the top of src/util/markdown.c), Windows paths. */
#include <errno.h>
#include <stdlib.h>

#include "profilefs/util.h"
#include "t.h"

static char *text(const char *s, size_t n, enum md_ctx ctx)
{
	struct dynbuf b;
	char *out;
	size_t len;

	db_init(&b, 1 << 20);
	md_text(&b, s, n, ctx);
	return db_take(&b, &out, &len) ? NULL : out;
}

static char *yaml(const char *s, size_t n)
{
	struct dynbuf b;
	char *out = NULL;
	size_t len;

	db_init(&b, 4096);
	md_yaml(&b, s, n);
	if (db_take(&b, &out, &len))
		db_free(&b);
	return out;
}

static char *link(const char *t, const char *u)
{
	struct dynbuf b;
	char *out = NULL;
	size_t len;

	db_init(&b, 4096);
	md_link(&b, t, u, MD_CELL);
	if (db_take(&b, &out, &len))
		db_free(&b);
	return out;
}

static char *code_link(const char *t, const char *u)
{
	struct dynbuf b;
	char *out = NULL;
	size_t len;

	db_init(&b, 4096);
	md_code_link(&b, t, u);
	if (db_take(&b, &out, &len))
		db_free(&b);
	return out;
}

static char *code(const char *s, enum md_ctx ctx)
{
	struct dynbuf b;
	char *out;
	size_t len;

	db_init(&b, 1 << 20);
	md_code(&b, s, strlen(s), ctx);
	return db_take(&b, &out, &len) ? NULL : out;
}

static char *wp(const char *drive, const char *rel)
{
	struct dynbuf b;
	char *out;
	size_t len;

	db_init(&b, 1 << 20);
	winpath(&b, drive, rel);
	return db_take(&b, &out, &len) ? NULL : out;
}

#define CHECK_OWNED(expr, want)                                                \
	do {                                                                   \
		char *got_ = (expr);                                           \
		CHECK_STR(got_, want);                                         \
		free(got_);                                                    \
	} while (0)

static void test_dynbuf(void)
{
	struct dynbuf b;
	char *out;
	size_t len;

	db_init(&b, 8);
	CHECK(db_adds(&b, "abcd") == 0);
	CHECK(db_printf(&b, "%d", 1234) == 0);
	CHECK(b.len == 8 && strcmp(b.data, "abcd1234") == 0);
	/* past the cap: refused whole, remembered, contents kept */
	CHECK(db_addc(&b, 'x') == -E2BIG);
	CHECK(b.len == 8 && b.err == -E2BIG);
	CHECK(db_adds(&b, "") == -E2BIG);
	CHECK(db_take(&b, &out, &len) == -E2BIG);
	db_free(&b);

	db_init(&b, 1 << 20);
	CHECK(db_take(&b, &out, &len) == 0 && len == 0 && out[0] == '\0');
	free(out);
	db_init(&b, 1 << 20);
	/* a formatted string larger than the stack buffer */
	CHECK(db_printf(&b, "%0600d", 7) == 0 && b.len == 600);
	CHECK(b.data[599] == '7' && b.data[0] == '0');
	db_free(&b);
	db_free(&b); /* twice is harmless */
}

static void test_reader(void)
{
	static const uint8_t buf[] = { 1, 2, 3, 4, 5, 6, 7, 8, 9 };
	struct rd r = { buf, sizeof(buf) };
	uint64_t v64 = 0;
	uint32_t v32 = 0xdeadbeef;
	uint16_t v16 = 0;
	uint8_t v8 = 0;

	CHECK(rd_u16(&r, 0, &v16) == 0 && v16 == 0x0201);
	CHECK(rd_u32(&r, 5, &v32) == 0 && v32 == 0x09080706);
	CHECK(rd_u64(&r, 1, &v64) == 0 && v64 == 0x0908070605040302ull);
	CHECK(rd_u8(&r, 8, &v8) == 0 && v8 == 9);
	/* every read that would pass the end fails and leaves out alone */
	v32 = 0xdeadbeef;
	CHECK(rd_u32(&r, 6, &v32) == -ERANGE && v32 == 0xdeadbeef);
	CHECK(rd_u8(&r, 9, &v8) == -ERANGE);
	CHECK(rd_u16(&r, SIZE_MAX, &v16) == -ERANGE);
	CHECK(rd_u64(&r, SIZE_MAX - 3, &v64) == -ERANGE);
	CHECK(!rd_has(&r, 10, 0) && rd_has(&r, 9, 0));
	CHECK(!rd_has(&r, 1, SIZE_MAX));
}

static void test_reader_sub(void)
{
	static const uint8_t buf[] = { 1, 2, 3, 4, 5, 6, 7, 8, 9 };
	const struct rd r = { buf, sizeof(buf) };
	const struct rd untouched = { buf + 1, 42 };
	const struct rd empty = { NULL, 0 };
	struct rd s = untouched, t;
	uint32_t v32 = 0;
	uint16_t v16 = 0;
	uint8_t v8 = 0;

	/* a slice reads relative to its start and stops at its own end */
	CHECK(rd_sub(&r, 2, 4, &s) == 0 && s.p == buf + 2 && s.len == 4);
	CHECK(rd_u32(&s, 0, &v32) == 0 && v32 == 0x06050403);
	CHECK(rd_u8(&s, 4, &v8) == -ERANGE);
	CHECK(rd_u16(&s, 3, &v16) == -ERANGE);
	/* a slice of a slice is bounded by the inner one */
	CHECK(rd_sub(&s, 1, 3, &t) == 0 && t.p == buf + 3 && t.len == 3);
	t = untouched;
	CHECK(rd_sub(&s, 1, 4, &t) == -ERANGE && t.p == untouched.p &&
	      t.len == untouched.len);
	/* the whole buffer, and the empty slices at both ends */
	CHECK(rd_sub(&r, 0, sizeof(buf), &s) == 0 && s.p == buf &&
	      s.len == sizeof(buf));
	CHECK(rd_sub(&r, 0, 0, &s) == 0 && s.p == buf && s.len == 0);
	CHECK(rd_sub(&r, sizeof(buf), 0, &s) == 0 && s.p == buf + sizeof(buf) &&
	      s.len == 0);
	CHECK(rd_u8(&s, 0, &v8) == -ERANGE);
	/* one byte too many, at either end, fails and leaves out alone */
	s = untouched;
	CHECK(rd_sub(&r, sizeof(buf) + 1, 0, &s) == -ERANGE &&
	      s.p == untouched.p && s.len == untouched.len);
	CHECK(rd_sub(&r, 0, sizeof(buf) + 1, &s) == -ERANGE &&
	      s.p == untouched.p && s.len == untouched.len);
	CHECK(rd_sub(&r, sizeof(buf), 1, &s) == -ERANGE);
	CHECK(rd_sub(&r, 5, 5, &s) == -ERANGE);
	/* sizes whose sum with off wraps around are not inside */
	CHECK(rd_sub(&r, 1, SIZE_MAX, &s) == -ERANGE);
	CHECK(rd_sub(&r, 2, SIZE_MAX - 1, &s) == -ERANGE);
	CHECK(rd_sub(&r, SIZE_MAX, 1, &s) == -ERANGE);
	CHECK(rd_sub(&r, SIZE_MAX, SIZE_MAX, &s) == -ERANGE);
	CHECK(s.p == untouched.p && s.len == untouched.len);
	/* an empty reader without a buffer has one slice: itself */
	CHECK(rd_sub(&empty, 0, 0, &s) == 0 && s.p == NULL && s.len == 0);
	s = untouched;
	CHECK(rd_sub(&empty, 0, 1, &s) == -ERANGE && s.p == untouched.p);
	CHECK(rd_sub(&empty, 1, 0, &s) == -ERANGE && s.p == untouched.p);
}

/* hex digits back into bytes: either case, the exact length only */
static void test_unhex(void)
{
	uint8_t b[3] = { 0 };

	CHECK(util_unhex("00aBfF", 6, b, 3) == 0 && b[0] == 0 && b[1] == 0xab &&
	      b[2] == 0xff);
	CHECK(util_unhex("00aBf", 5, b, 3) == -EINVAL);
	CHECK(util_unhex("00aBfF0", 7, b, 3) == -EINVAL);
	CHECK(util_unhex("00aBfg", 6, b, 3) == -EINVAL);
	CHECK(util_unhex("0 aBfF", 6, b, 3) == -EINVAL);
	CHECK(util_unhex(NULL, 0, b, 0) == -EINVAL);
	CHECK(util_hexval('9') == 9 && util_hexval('F') == 15 &&
	      util_hexval('/') == -1 && util_hexval('g') == -1 &&
	      util_hexval(0xC3) == -1);
}

static void test_markdown(void)
{
	/* control characters and DEL */
	CHECK_OWNED(text("a\nb\tc\x7f", 6, MD_TEXT), "a\\x0Ab\\x09c\\x7F");
	CHECK_OWNED(text("nul\0x", 5, MD_TEXT), "nul\\x00x");
	/* valid UTF-8 kept: (c), e-acute, CJK, an emoji */
	CHECK_OWNED(text("\xc2\xa9 \xc3\xa9 \xe4\xb8\xad \xf0\x9f\x98\x80", 14,
			 MD_TEXT),
		    "\xc2\xa9 \xc3\xa9 \xe4\xb8\xad \xf0\x9f\x98\x80");
	/* invalid: lone continuation, overlong, surrogate, truncated,
	 * beyond U+10FFFF, 0xFF */
	CHECK_OWNED(text("\x80", 1, MD_TEXT), "\\x80");
	CHECK_OWNED(text("\xc0\xaf", 2, MD_TEXT), "\\xC0\\xAF");
	CHECK_OWNED(text("\xed\xa0\x80", 3, MD_TEXT), "\\xED\\xA0\\x80");
	CHECK_OWNED(text("x\xe2\x82", 3, MD_TEXT), "x\\xE2\\x82");
	CHECK_OWNED(text("\xf4\x90\x80\x80", 4, MD_TEXT),
		    "\\xF4\\x90\\x80\\x80");
	CHECK_OWNED(text("\xff", 1, MD_TEXT), "\\xFF");
	/* pipes only matter in cells */
	CHECK_OWNED(text("a|b", 3, MD_TEXT), "a|b");
	CHECK_OWNED(text("a|b", 3, MD_CELL), "a\\|b");
	/* code spans: the fence outgrows any backtick run inside */
	CHECK_OWNED(code("plain", MD_TEXT), "`plain`");
	CHECK_OWNED(code("a`b", MD_TEXT), "``a`b``");
	CHECK_OWNED(code("a``b`c", MD_TEXT), "```a``b`c```");
	CHECK_OWNED(code("`x`", MD_TEXT), "`` `x` ``");
	CHECK_OWNED(code("", MD_TEXT), "``");
	CHECK_OWNED(code("x|y\n", MD_CELL), "`x\\|y\\x0A`");
	/* C1 controls (CSI U+009B, OSC U+009D), the bidi overrides and
	 * isolates, the other format characters (U+200B, U+200E, U+061C,
	 * U+FEFF, U+00AD, U+2060, U+E0001), U+2028 and U+2029: \xNN per
	 * byte, in text and in code spans; their neighbours (U+00A0,
	 * U+202F, U+2065 unassigned, U+2070) are kept */
	CHECK_OWNED(text("\xc2\x9b"
			 "31m\xc2\x9d"
			 "0;x\xc2\x80\xc2\x9f",
			 14, MD_TEXT),
		    "\\xC2\\x9B31m\\xC2\\x9D0;x\\xC2\\x80\\xC2\\x9F");
	CHECK_OWNED(text("\xc2\xa0", 2, MD_TEXT), "\xc2\xa0");
	CHECK_OWNED(code("a\xe2\x80\xae"
			 "b\xe2\x81\xa6",
			 MD_TEXT),
		    "`a\\xE2\\x80\\xAEb\\xE2\\x81\\xA6`");
	CHECK_OWNED(text("\xe2\x80\xaa\xe2\x81\xa9", 6, MD_TEXT),
		    "\\xE2\\x80\\xAA\\xE2\\x81\\xA9");
	CHECK_OWNED(text("svchost\xe2\x80\x8b.exe", 14, MD_TEXT),
		    "svchost\\xE2\\x80\\x8B.exe");
	CHECK_OWNED(
		text("\xe2\x80\x8e\xd8\x9c\xef\xbb\xbf\xc2\xad", 10, MD_TEXT),
		"\\xE2\\x80\\x8E\\xD8\\x9C\\xEF\\xBB\\xBF\\xC2\\xAD");
	CHECK_OWNED(text("\xe2\x81\xa0\xf3\xa0\x80\x81", 7, MD_TEXT),
		    "\\xE2\\x81\\xA0\\xF3\\xA0\\x80\\x81");
	CHECK_OWNED(text("a\xe2\x80\xa8"
			 "b\xe2\x80\xa9",
			 8, MD_TEXT),
		    "a\\xE2\\x80\\xA8b\\xE2\\x80\\xA9");
	CHECK_OWNED(text("\xe2\x80\xaf\xe2\x81\xa5\xe2\x81\xb0", 9, MD_TEXT),
		    "\xe2\x80\xaf\xe2\x81\xa5\xe2\x81\xb0");
	/* what would act is escaped: HTML, an entity, a link's end */
	CHECK_OWNED(text("<script>&amp;&#60;&#x3c;", 24, MD_TEXT),
		    "\\<script>\\&amp;\\&#60;\\&#x3c;");
	CHECK_OWNED(text("</a><!--x--><?p", 15, MD_TEXT),
		    "\\</a>\\<!--x-->\\<?p");
	CHECK_OWNED(text("![x](y) [a](javascript:z)", 25, MD_TEXT),
		    "![x\\](y) [a\\](javascript:z)");
	/* backticks (code spans) always; a backslash where it would escape
	 * what follows (or the \ of a \xNN) */
	CHECK_OWNED(text("`c` a\\b a\\* a\\", 14, MD_TEXT),
		    "\\`c\\` a\\b a\\\\* a\\\\");
	CHECK_OWNED(text("a\\\x01", 3, MD_TEXT), "a\\\\\\x01");
	/* and nothing else: what pefile and openssl print is what we show */
	CHECK_OWNED(text("Sysinternals - www.sysinternals.com", 35, MD_TEXT),
		    "Sysinternals - www.sysinternals.com");
	CHECK_OWNED(text("Terms of use at https://www.verisign.com/rpa (c)04",
			 50, MD_TEXT),
		    "Terms of use at https://www.verisign.com/rpa (c)04");
	CHECK_OWNED(text("Jean-loup Gailly & Mark Adler", 29, MD_TEXT),
		    "Jean-loup Gailly & Mark Adler");
	CHECK_OWNED(text("E=wxhere@hotmail.com, a < b > c [x] !", 37, MD_TEXT),
		    "E=wxhere@hotmail.com, a < b > c [x] !");
	CHECK_OWNED(text("a_b *c* ~d~ #1 - + > 1.", 23, MD_TEXT),
		    "a_b *c* ~d~ #1 - + > 1.");
	/* only a run of # after a blank could close the heading "# NAME" */
	CHECK_OWNED(text("#a PKCS#7 b #", 13, MD_TEXT), "#a PKCS#7 b \\#");
	CHECK_OWNED(text("## #", 4, MD_TEXT), "\\## \\#");
	/* at the start of a line or list item, what would open a block */
	CHECK_OWNED(text("# x", 3, MD_START), "\\# x");
	CHECK_OWNED(text(" > x", 4, MD_START), " \\> x");
	CHECK_OWNED(text("- x", 3, MD_ROW), "\\- x");
	CHECK_OWNED(text("12. x", 5, MD_START), "12\\. x");
	CHECK_OWNED(text("3) x", 4, MD_ROW), "3\\) x");
	CHECK_OWNED(text("[a]: /u", 7, MD_START), "\\[a]: /u");
	CHECK_OWNED(text("a|b", 3, MD_ROW), "a\\|b");
	CHECK_OWNED(text("12 x", 4, MD_START), "12 x");
	/* nothing but controls and | inside a code span */
	CHECK_OWNED(code("<a>*_[x]\\", MD_CELL), "`<a>*_[x]\\`");
	/* YAML: " and \ escaped, so \xNN reads back as four characters; a
	 * tag or an entity as &lt; and &amp; (the title goes into HTML) */
	CHECK_OWNED(yaml("a\"b\\c\n\xff: #[", 11),
		    "a\\\"b\\\\c\\\\x0A\\\\xFF: #[");
	CHECK_OWNED(yaml("<script>&amp; a < b & c\xe2\x80\x8b", 26),
		    "&lt;script>&amp;amp; a < b & c\\\\xE2\\\\x80\\\\x8B");
	/* links: text escaped; the URL percent-encoded, % included; only
	 * http(s) keeps its scheme and port */
	CHECK_OWNED(
		link("a]b[", "https://h:8/p q/%41(x)?#&@!'\"<>|`"),
		"[a\\]b\\[](https://h:8/p%20q/%2541%28x%29%3F%23%26%40%21%27%22"
		"%3C%3E%7C%60)");
	CHECK_OWNED(link("x", "javascript:alert(1)"),
		    "[x](javascript%3Aalert%281%29)");
	CHECK_OWNED(link("x", "//evil/a:b"), "[x](%2F/evil/a%3Ab)");
	CHECK_OWNED(link("x", "rules/a b.yml"), "[x](rules/a%20b.yml)");
	/* a code span as the text: a ] or a backtick in it ends nothing */
	CHECK_OWNED(code_link("a/x](y) `z`.dll", "a/x](y) `z`.dll.md"),
		    "[``a/x](y) `z`.dll``](a/x%5D%28y%29%20%60z%60.dll.md)");
	CHECK_OWNED(code_link("n\nl*_.dll", "n\nl*_.dll.md"),
		    "[`n\\x0Al*_.dll`](n%0Al%2A_.dll.md)");
}

static void test_paths(void)
{
	CHECK_OWNED(wp("C:", "Windows/System32/kernel32.dll"),
		    "C:\\Windows\\System32\\kernel32.dll");
	CHECK_OWNED(wp("D:", "/x.dll"), "D:\\x.dll");
	CHECK_OWNED(wp("C:", "a//b/"), "C:\\a\\b");
	CHECK_OWNED(wp("C:", "."), "C:\\");
	CHECK_STR(path_base("a/b/c.dll"), "c.dll");
	CHECK_STR(path_base("c.dll"), "c.dll");
	CHECK_OWNED(path_join("a/b", "c.dll"), "a/b/c.dll");
	CHECK_OWNED(path_join("", "c.dll"), "c.dll");
	CHECK_OWNED(path_join(".", "c.dll"), "c.dll");
	CHECK(path_within("/a/b", "/a"));
	CHECK(path_within("/a", "/a"));
	CHECK(path_within("/a/b", "/a/"));
	CHECK(!path_within("/ab", "/a"));
	CHECK(path_within("/x", "/"));
	CHECK(drive_ok("C:") && drive_ok("z:"));
	CHECK(!drive_ok("C") && !drive_ok("CC:") && !drive_ok("1:") &&
	      !drive_ok(""));
}

/* md_utf8() of s, NUL-terminated */
static char *json_str(const char *s, size_t n)
{
	struct dynbuf b;
	char *out = NULL;
	size_t len;

	db_init(&b, 4096);
	md_utf8(&b, s, n);
	if (db_take(&b, &out, &len))
		db_free(&b);
	return out;
}

#define FFFD "\xef\xbf\xbd"

static void test_json_strings(void)
{
	/* the wants are Python's b"...".decode("utf-8", "replace") */
	static const struct {
		const char *in, *want;
	} cases[] = {
		{ "bad\xff\xc0\xaf\xed\xa0\x80\xe2\x82",
		  "bad" FFFD FFFD FFFD FFFD FFFD FFFD FFFD },
		{ "\xe2\x82x", FFFD "x" },
		{ "\xf0\x9f\x98", FFFD },
		{ "\xf4\x90\x80\x80", FFFD FFFD FFFD FFFD },
		{ "ok\xc3\xa9", "ok\xc3\xa9" },
		{ "", "" },
		/* what a reader cannot see: \xNN, as the Markdown shows it */
		{ "a\n\x7f\xc2\x9b\xe2\x80\xae\xe2\x80\x8b\xe2\x80\xa8",
		  "a\\x0A\\x7F\\xC2\\x9B\\xE2\\x80\\xAE\\xE2\\x80\\x8B"
		  "\\xE2\\x80\\xA8" },
		{ "<&amp;>`|#", "<&amp;>`|#" },
	};
	size_t i;
	char *got;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		got = json_str(cases[i].in, strlen(cases[i].in));
		CHECK_STR(got, cases[i].want);
		free(got);
	}
}

int main(void)
{
	test_dynbuf();
	test_reader();
	test_reader_sub();
	test_unhex();
	test_markdown();
	test_paths();
	test_json_strings();
	return t_done();
}

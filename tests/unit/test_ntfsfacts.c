/*
 * A file's NTFS facts in its profile (src/profile/ntfs.c, render_ntfs.c,
 * ntfs_json.c): Zone.Identifier parsing, the NTFS section and the "ntfs"
 * member, their escaping (checked with cmark-gfm's HTML and a JSON
 * reader), the render key, and that a profile without facts is byte for
 * byte what it was.
 *
 * test_ntfsfacts DLL SCHEMA CHECKER: DLL a PE fixture, SCHEMA
 * docs/profile.schema.json, CHECKER tests/unit/ntfs_json_check.py.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <json-c/json.h>

#include "profilefs/profile.h"
#include "profilefs/tree.h"
#include "t.h"

static const char *schema_path, *checker_path;
static char tmpdir[] = "/tmp/pfs-ntfsfacts-XXXXXX";

/* ---- helpers ------------------------------------------------------------ */

static char *path_in_tmp(const char *name)
{
	static char buf[4][256];
	static int next;
	char *p = buf[next++ % 4];

	snprintf(p, sizeof(buf[0]), "%s/%s", tmpdir, name);
	return p;
}

static int write_file(const char *path, const void *p, size_t n)
{
	FILE *f = fopen(path, "wb");
	int ok = f && fwrite(p, 1, n, f) == n;

	if (f && fclose(f))
		ok = 0;
	return ok ? 0 : -1;
}

static char *read_file(const char *path, size_t *n)
{
	FILE *f = fopen(path, "rb");
	char *buf = NULL;
	size_t len = 0, cap = 0, got;

	if (!f)
		return NULL;
	do {
		if (len + 4096 + 1 > cap) {
			cap = 2 * cap + 8192;
			buf = realloc(buf, cap);
			if (!buf)
				break;
		}
		got = fread(buf + len, 1, 4096, f);
		len += got;
	} while (got > 0);
	fclose(f);
	if (buf)
		buf[len] = '\0';
	if (n)
		*n = len;
	return buf;
}

/* cmark-gfm's HTML of a profile's body (the front matter left out, as
 * tests/integration/test_inject.sh does) */
static char *html_of(const char *md)
{
	const char *body = md;
	char cmd[1024];
	int i;

	/* past the front matter's two "---" lines */
	for (i = 0; i < 2 && body; i++) {
		body = strstr(body, "---\n");
		if (body)
			body += 4;
	}
	if (!body || write_file(path_in_tmp("p.md"), body, strlen(body)))
		return NULL;
	snprintf(cmd, sizeof(cmd),
		 "cmark-gfm --unsafe -e table -e autolink -e strikethrough "
		 "<%s/p.md >%s/p.html",
		 tmpdir, tmpdir);
	if (system(cmd) != 0)
		return NULL;
	return read_file(path_in_tmp("p.html"), NULL);
}

/* every element of html is one our layout makes, and there are nlinks
 * links; *h2 counts the sections */
static int html_layout_only(const char *html, int nlinks, int *h2)
{
	static const char *const layout[] = { "h1",    "h2",   "p",	"ul",
					      "li",    "code", "table", "thead",
					      "tbody", "tr",   "th",	"td",
					      "a",     "em" };
	const char *s = html;
	int links = 0;

	*h2 = 0;
	while ((s = strchr(s, '<')) != NULL) {
		char tag[16];
		size_t n = 0, i;
		int known = 0;

		s++;
		if (*s == '/')
			s++;
		while (n < sizeof(tag) - 1 &&
		       ((*s >= 'a' && *s <= 'z') || (*s >= '0' && *s <= '9')))
			tag[n++] = *s++;
		tag[n] = '\0';
		for (i = 0; i < sizeof(layout) / sizeof(layout[0]); i++)
			known |= strcmp(tag, layout[i]) == 0;
		if (!known) {
			fprintf(stderr, "element <%s> in the HTML\n", tag);
			return 0;
		}
		if (strcmp(tag, "a") == 0 && s[-2] == '<')
			links++;
		if (strcmp(tag, "h2") == 0 && s[-3] == '<')
			(*h2)++;
	}
	if (links != nlinks)
		fprintf(stderr, "%d links in the HTML, not %d\n", links,
			nlinks);
	return links == nlinks;
}

/* no byte a terminal acts on: C0 but newline, DEL, and U+202E's */
static int no_raw_controls(const char *s, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];

		if ((c < 0x20 && c != '\n') || c == 0x7f)
			return 0;
		if (c == 0xe2 && i + 2 < n && (unsigned char)s[i + 1] == 0x80 &&
		    (unsigned char)s[i + 2] == 0xae)
			return 0;
	}
	return 1;
}

static void filetime(struct timespec *ts, uint64_t ft)
{
	ts->tv_sec = (time_t)(ft / 10000000u) - 11644473600LL;
	ts->tv_nsec = (long)(ft % 10000000u) * 100;
}

/* python's reading of a FILETIME: ISO-8601 UTC with the 7th digit */
static void python_time(uint64_t ft, char *out, size_t n)
{
	char cmd[512];
	FILE *p;

	snprintf(cmd, sizeof(cmd),
		 "/usr/bin/python3 -c 'import datetime as d; ft=%llu; "
		 "print((d.datetime(1601,1,1)+d.timedelta(microseconds=ft//10))"
		 ".strftime(\"%%Y-%%m-%%dT%%H:%%M:%%S.%%f\")+str(ft%%10)+\"Z\")"
		 "'",
		 (unsigned long long)ft);
	out[0] = '\0';
	p = popen(cmd, "r");
	if (!p)
		return;
	if (fgets(out, (int)n, p))
		out[strcspn(out, "\n")] = '\0';
	pclose(p);
}

static char *render(const struct prof *p, const struct prof_file_facts *f,
		    const char *relpath)
{
	struct prof_view v = { .relpath = relpath, .drive = "C:", .file = f };
	char *md = NULL;
	size_t len;

	if (prof_render(p, &v, &md, &len))
		return NULL;
	CHECK(strlen(md) == len);
	return md;
}

static char *render_json(const struct prof *p, const struct prof_file_facts *f,
			 const char *relpath)
{
	struct prof_view v = { .relpath = relpath, .drive = "C:", .file = f };
	char *js = NULL;
	size_t len;

	if (prof_render_json(p, &v, 1, &js, &len))
		return NULL;
	return js;
}

/* the JSON validates, and holds what expect says */
static int json_ok(const char *js, struct json_object *expect)
{
	char cmd[1024];
	const char *e = json_object_to_json_string_ext(
		expect,
		JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE);

	if (write_file(path_in_tmp("p.json"), js, strlen(js)) ||
	    write_file(path_in_tmp("expect.json"), e, strlen(e)))
		return 0;
	snprintf(cmd, sizeof(cmd),
		 "/usr/bin/python3 %s %s %s/p.json %s/expect.json",
		 checker_path, schema_path, tmpdir, tmpdir);
	return system(cmd) == 0;
}

/* expect += [[path...], value] */
static void expect_add(struct json_object *expect, struct json_object *value,
		       const char *p0, ...)
{
	struct json_object *pair = json_object_new_array();
	struct json_object *path = json_object_new_array();
	const char *p;
	va_list ap;

	va_start(ap, p0);
	for (p = p0; p; p = va_arg(ap, const char *)) {
		if (p[0] >= '0' && p[0] <= '9')
			json_object_array_add(path,
					      json_object_new_int(atoi(p)));
		else
			json_object_array_add(path, json_object_new_string(p));
	}
	va_end(ap);
	json_object_array_add(pair, path);
	json_object_array_add(pair, value);
	json_object_array_add(expect, pair);
}

static struct json_object *jstr(const char *s, size_t n)
{
	return json_object_new_string_len(s, (int)n);
}

/* ---- Zone.Identifier ----------------------------------------------------- */

static int line_is(const struct prof_zone_line *l, const char *sec,
		   const char *key, const char *value)
{
	return (sec ? l->section && strcmp(l->section, sec) == 0
		    : !l->section) &&
	       (key ? l->key && strcmp(l->key, key) == 0 : !l->key) &&
	       strcmp(l->value, value) == 0;
}

static void test_zone_windows(void)
{
	static const char crlf[] =
		"[ZoneTransfer]\r\nZoneId=3\r\n"
		"ReferrerUrl=https://example.org/download\r\n"
		"HostUrl=https://example.org/setup.exe\r\n";
	static const char lf[] = "[ZoneTransfer]\nZoneId=2\n"
				 "HostUrl=about:internet\n";
	struct prof_zone z;

	CHECK(prof_zone_parse(crlf, strlen(crlf), &z) == 0);
	CHECK(z.zone_id == 3 && z.n == 3 && z.more == 0 && !z.utf16);
	CHECK(z.zone_line == 0);
	CHECK(line_is(&z.lines[0], "ZoneTransfer", "ZoneId", "3"));
	CHECK(line_is(&z.lines[1], "ZoneTransfer", "ReferrerUrl",
		      "https://example.org/download"));
	CHECK(line_is(&z.lines[2], "ZoneTransfer", "HostUrl",
		      "https://example.org/setup.exe"));
	CHECK(prof_zone_get(&z, "hosturl") == &z.lines[2]);
	CHECK(prof_zone_get(&z, "Other") == NULL);
	prof_zone_clear(&z);

	CHECK(prof_zone_parse(lf, strlen(lf), &z) == 0);
	CHECK(z.zone_id == 2 && z.n == 2);
	CHECK(line_is(&z.lines[1], "ZoneTransfer", "HostUrl",
		      "about:internet"));
	prof_zone_clear(&z);

	CHECK_STR(prof_zone_name(0), "Local machine (My Computer)");
	CHECK_STR(prof_zone_name(1), "Local intranet");
	CHECK_STR(prof_zone_name(2), "Trusted sites");
	CHECK_STR(prof_zone_name(3), "Internet");
	CHECK_STR(prof_zone_name(4), "Restricted sites");
	CHECK(prof_zone_name(5) == NULL && prof_zone_name(-1) == NULL);
}

static void test_zone_odd(void)
{
	/* UTF-16LE with its BOM, as some downloaders write it */
	static const char u16[] = "\xff\xfe[\0Z\0o\0n\0e\0T\0r\0a\0n\0s\0f\0e\0"
				  "r\0]\0\r\0\n\0Z\0o\0n\0e\0I\0d\0=\0004\0"
				  "\r\0\n\0H\0=\0\xe9\0\x3d\xd8\x00\xde";
	/* a UTF-8 BOM, blanks, case, a ZoneId elsewhere first, then a
	 * second one (the first of [ZoneTransfer] wins), "=x", a comment */
	static const char odd[] = "\xef\xbb\xbf  ; comment\n[Other]\nZoneId=4\n"
				  "[zonetransfer]\n  zoneid =  1  \n"
				  "ZoneId=3\n=x\n\n   \n";
	static const char notnum[] = "[ZoneTransfer]\nZoneId=3a\nZoneId=3\n";
	struct prof_zone z;

	CHECK(prof_zone_parse(u16, sizeof(u16) - 1, &z) == 0);
	CHECK(z.utf16 && z.zone_id == 4 && z.n == 2);
	/* é and U+1F600 (a surrogate pair) as UTF-8 */
	CHECK(z.n == 2 && line_is(&z.lines[1], "ZoneTransfer", "H",
				  "\xc3\xa9\xf0\x9f\x98\x80"));
	prof_zone_clear(&z);

	CHECK(prof_zone_parse(odd, strlen(odd), &z) == 0);
	CHECK(z.zone_id == 1 && z.n == 5 && z.zone_line == 2);
	CHECK(line_is(&z.lines[0], NULL, NULL, "; comment"));
	CHECK(line_is(&z.lines[1], "Other", "ZoneId", "4"));
	CHECK(line_is(&z.lines[2], "zonetransfer", "zoneid", "1"));
	CHECK(line_is(&z.lines[4], "zonetransfer", NULL, "=x"));
	prof_zone_clear(&z);

	CHECK(prof_zone_parse(notnum, strlen(notnum), &z) == 0);
	CHECK(z.zone_id == -1 && z.n == 2);
	prof_zone_clear(&z);

	CHECK(prof_zone_parse("", 0, &z) == 0 && z.n == 0 && z.zone_id == -1);
	prof_zone_clear(&z);
}

static void test_zone_bounds(void)
{
	char *big = malloc(3 * CAP_ZONE_READ);
	size_t i, n = 0, lines = 0;
	struct prof_zone z;

	/* thousands of keys: only CAP_ZONE_READ bytes are looked at, and
	 * CAP_ZONE_LINES lines kept; the rest are counted */
	for (i = 0; n + 16 < 3 * CAP_ZONE_READ; i++)
		n += (size_t)sprintf(big + n, "k%zu=v\n", i);
	for (i = 0; i < CAP_ZONE_READ; i++)
		lines += big[i] == '\n';
	/* a line cut by the end of what is read is a line too */
	lines += big[CAP_ZONE_READ - 1] != '\n';
	CHECK(prof_zone_parse(big, n, &z) == 0);
	CHECK(z.n == CAP_ZONE_LINES && z.n + z.more == lines);
	prof_zone_clear(&z);

	/* a very long line: cut, and said to be */
	memcpy(big, "[ZoneTransfer]\nHostUrl=", 23);
	memset(big + 23, 'A', CAP_ZONE_READ);
	CHECK(prof_zone_parse(big, 23 + CAP_ZONE_READ, &z) == 0);
	CHECK(z.n == 1 && z.lines[0].cut &&
	      z.lines[0].value_len == CAP_ZONE_VALUE);
	prof_zone_clear(&z);

	/* a NUL byte is a byte of the value */
	CHECK(prof_zone_parse("a=b\0c\n", 6, &z) == 0);
	CHECK(z.n == 1 && z.lines[0].value_len == 3 &&
	      memcmp(z.lines[0].value, "b\0c", 3) == 0);
	prof_zone_clear(&z);
	free(big);
}

/* ---- the section --------------------------------------------------------- */

static const uint64_t ft_si = 133500000001234567ull; /* 2024-01-17 */
static const uint64_t ft_fn = 133600000007654321ull; /* later */

static struct tree_facts full_facts(void)
{
	struct tree_facts t;
	int i;

	memset(&t, 0, sizeof(t));
	t.have = TREE_HAVE_SI_TIMES | TREE_HAVE_FN_TIMES |
		 TREE_HAVE_ATTRIBUTES | TREE_HAVE_RECORD | TREE_HAVE_REPARSE |
		 TREE_HAVE_OWNER;
	for (i = 0; i < TREE_TIMES; i++) {
		filetime(&t.si[i], ft_si + (uint64_t)i);
		filetime(&t.fn[i], ft_fn + (uint64_t)i);
	}
	t.attributes = 0x1 | 0x2 | 0x4 | 0x20 | 0x400 | 0x800;
	t.record = 4711;
	t.reparse_tag = 0x80000017;
	snprintf(t.storage, sizeof(t.storage), "WOF-compressed (LZX)");
	snprintf(t.owner, sizeof(t.owner), "S-1-5-18");
	return t;
}

static void test_section(void)
{
	static const char zone[] = "[ZoneTransfer]\r\nZoneId=3\r\n"
				   "ReferrerUrl=https://example.org/\r\n"
				   "HostUrl=https://example.org/a.exe\r\n";
	struct tree_stream s[] = {
		{ (char *)"Zone.Identifier", sizeof(zone) - 1 },
		{ (char *)"WofCompressedData", 9000 },
		{ (char *)"payload", 5120 },
	};
	struct tree_facts t = full_facts();
	struct prof_file_facts *f = NULL;
	struct prof *p = NULL;
	char want[2048], si[64], fn[64], si3[64], fn3[64];
	struct json_object *expect = json_object_new_array();
	char *md, *js;
	int h2;

	CHECK(prof_file_facts_make(&t, s, 3, zone, sizeof(zone) - 1, &f) == 0);
	CHECK(f != NULL);
	CHECK(prof_unreadable(NULL, &p) == 0);
	if (!f || !p)
		return;
	python_time(ft_si, si, sizeof(si));
	python_time(ft_fn, fn, sizeof(fn));
	python_time(ft_si + 3, si3, sizeof(si3));
	python_time(ft_fn + 3, fn3, sizeof(fn3));
	snprintf(want, sizeof(want),
		 "\n## NTFS\n\n"
		 "* Stored: WOF-compressed (LZX)\n"
		 "* Reparse Tag: 0x80000017 (WOF system compression)\n"
		 "* Attributes: 0x00000C27 (Read-only, Hidden, System, "
		 "Archive, Reparse Point, Compressed)\n"
		 "* MFT Record: 4711\n"
		 "* Owner: S-1-5-18\n"
		 "* Mark of the Web: Zone 3 (Internet)\n"
		 "* Mark of the Web: `ReferrerUrl=https://example.org/`\n"
		 "* Mark of the Web: `HostUrl=https://example.org/a.exe`\n"
		 "* Alternate Data Streams: 3; 1 besides the Mark of the Web, "
		 "holding 5120 bytes: data hidden beside the file's contents "
		 "(dir /r lists it)\n"
		 "* Timestomping: $STANDARD_INFORMATION says the file was "
		 "created before $FILE_NAME does: possible timestomping\n"
		 "\nStream | Size\n-- | --\n"
		 "`Zone.Identifier` | %zu\n"
		 "`WofCompressedData` | 9000\n"
		 "`payload` | 5120\n"
		 "\nTime | $STANDARD_INFORMATION | $FILE_NAME\n-- | -- | --\n"
		 "Created | %s | %s\n",
		 sizeof(zone) - 1, si, fn);
	md = render(p, f, "Users/x/Downloads/a.exe");
	CHECK(md && strstr(md, want));
	snprintf(want, sizeof(want), "Accessed | %s | %s\n", si3, fn3);
	CHECK(md && strstr(md, want));
	/* the why, once: as the note prof_unreadable() made */
	CHECK(md && strstr(md, "* Note: The file's bytes cannot be read on "
			       "this source.\n"));
	CHECK(md && !strstr(md, "## Hashes"));
	/* rendered: h2 NTFS and Known File only, no link (no hashes, no
	 * VirusTotal) */
	{
		char *html = md ? html_of(md) : NULL;

		CHECK(html && html_layout_only(html, 0, &h2) && h2 == 2);
		free(html);
	}
	free(md);

	js = render_json(p, f, "Users/x/Downloads/a.exe");
	expect_add(expect, json_object_new_int64(0x80000017), "ntfs",
		   "reparse_tag", NULL);
	expect_add(expect, json_object_new_string("WOF system compression"),
		   "ntfs", "reparse_tag_name", NULL);
	expect_add(expect, json_object_new_string("compressed"), "ntfs",
		   "attributes_flags", "5", NULL);
	expect_add(expect, json_object_new_int(4711), "ntfs", "mft_record",
		   NULL);
	expect_add(expect, json_object_new_string(si), "ntfs",
		   "standard_information_times", "created", NULL);
	expect_add(expect, json_object_new_string(fn3), "ntfs",
		   "file_name_times", "accessed", NULL);
	expect_add(expect, json_object_new_boolean(1), "ntfs",
		   "possible_timestomping", NULL);
	expect_add(expect, json_object_new_int(3), "ntfs", "mark_of_the_web",
		   "zone_id", NULL);
	expect_add(expect, json_object_new_string("Internet"), "ntfs",
		   "mark_of_the_web", "zone", NULL);
	expect_add(expect, json_object_new_string("https://example.org/a.exe"),
		   "ntfs", "mark_of_the_web", "host_url", NULL);
	expect_add(expect, json_object_new_string("payload"), "ntfs", "streams",
		   "2", "name", NULL);
	expect_add(expect, json_object_new_int(1), "ntfs", "hidden_streams",
		   NULL);
	expect_add(expect, json_object_new_int(5120), "ntfs", "hidden_bytes",
		   NULL);
	CHECK(js && json_ok(js, expect));
	free(js);
	json_object_put(expect);
	prof_file_facts_free(f);
	prof_free(p);
}

/* only the times of $STANDARD_INFORMATION, no timestomping to see */
static void test_section_partial(void)
{
	struct tree_facts t;
	struct prof_file_facts *f = NULL;
	struct prof *p = NULL;
	char *md;

	memset(&t, 0, sizeof(t));
	t.have = TREE_HAVE_SI_TIMES | TREE_HAVE_RECORD;
	t.record = 5;
	t.si[TREE_CREATED].tv_sec = 0;
	t.si[TREE_CREATED].tv_nsec = 123456789; /* finer than NTFS */
	CHECK(prof_file_facts_make(&t, NULL, 0, NULL, 0, &f) == 0 && f);
	CHECK(prof_unreadable("Its bytes are elsewhere.", &p) == 0);
	md = f && p ? render(p, f, "a.dll") : NULL;
	CHECK(md && strstr(md, "\n## NTFS\n\n* MFT Record: 5\n\n"
			       "Time | $STANDARD_INFORMATION\n-- | --\n"
			       "Created | 1970-01-01T00:00:00.123456789Z\n"));
	CHECK(md && !strstr(md, "Timestomping") && !strstr(md, "Stored"));
	CHECK(md && strstr(md, "* Note: Its bytes are elsewhere.\n"));
	free(md);
	prof_file_facts_free(f);
	prof_free(p);
}

/* every hostile value: shown as the file says it, nothing acts */
static void test_hostile(void)
{
	static const char zone[] =
		"[ZoneTransfer]\r\nZoneId=3\r\n"
		"ReferrerUrl=https://evil.example/\x1b[2J<script>alert(1)"
		"</script>\r\n"
		"HostUrl=[click](http://evil.example/) | `x` ``y``\r\n"
		"# Heading\r\n"
		"\xe2\x80\xae"
		"exe.txt\r\n"
		"Last=a\0b\r\n"
		"<img src=x onerror=alert(1)>=![i](http://e/x.png)\r\n"
		"[Evil\x1b]\r\nk=v\r\n";
	struct tree_stream s[] = {
		{ (char *)"evil|name`x`", 1 },
		{ (char *)"<img src=x onerror=alert(1)>", 2 },
		{ (char *)"\x1b]0;title\x07", 3 },
		{ (char *)"## heading", 4 },
		{ (char *)"[link](javascript:alert(1))", 5 },
		{ (char *)"\xe2\x80\xae"
			  "fdp.exe",
		  6 },
		{ (char *)"bad\xff\xfe", 7 },
	};
	struct json_object *expect = json_object_new_array();
	struct tree_facts t = full_facts();
	struct prof_file_facts *f = NULL;
	struct prof *p = NULL;
	char *md, *html = NULL, *js;
	int h2 = 0;

	snprintf(t.owner, sizeof(t.owner), "S-1-5-<b>x</b>\x1b[31m");
	snprintf(t.storage, sizeof(t.storage), "*em* [l](http://e/)");
	snprintf(t.unreadable, sizeof(t.unreadable), "why `x` <i>y</i>\n# h");
	CHECK(prof_file_facts_make(&t, s, 7, zone, sizeof(zone) - 1, &f) == 0);
	CHECK(prof_unreadable("another reason", &p) == 0);
	if (!f || !p)
		return;
	md = render(p, f, "a.exe");
	CHECK(md && no_raw_controls(md, strlen(md)));
	/* \xNN for what would act on a terminal or turn the text round */
	CHECK(md && strstr(md, "evil.example/\\x1B[2J<script>"));
	CHECK(md && strstr(md, "`\\xE2\\x80\\xAEexe.txt`"));
	CHECK(md && strstr(md, "`Last=a\\x00b`"));
	CHECK(md && strstr(md, "`\\x1B]0;title\\x07`"));
	CHECK(md && strstr(md, "`bad\\xFF\\xFE`"));
	/* and a backslash only where Markdown would act */
	CHECK(md && strstr(md, "* Owner: S-1-5-\\<b>x\\</b>\\x1B[31m\n"));
	CHECK(md && strstr(md, "* Unreadable: why \\`x\\` \\<i>y\\</i>"
			       "\\x0A# h\n"));
	/* two h2: NTFS, and Known File (every profile has it) */
	html = md ? html_of(md) : NULL;
	CHECK(html && html_layout_only(html, 0, &h2) && h2 == 2);
	/* each value reads back whole from its code span */
	CHECK(html && strstr(html, "<code>ReferrerUrl=https://evil.example/"
				   "\\x1B[2J&lt;script&gt;alert(1)&lt;/"
				   "script&gt;</code>"));
	CHECK(html && strstr(html, "<code>HostUrl=[click](http://"
				   "evil.example/) | `x` ``y``</code>"));
	CHECK(html && strstr(html, "<code># Heading</code>"));
	CHECK(html && strstr(html, "<code>[Evil\\x1B] k=v</code>"));
	CHECK(html && strstr(html, "<td><code>evil|name`x`</code></td>"));
	CHECK(html && strstr(html, "<td><code>## heading</code></td>"));
	CHECK(html && strstr(html, "<td><code>[link](javascript:alert(1))"
				   "</code></td>"));
	/* emphasis is not escaped (it hides nothing), the link's end is */
	CHECK(html &&
	      strstr(html, "<li>Stored: <em>em</em> [l](http://e/)</li>"));
	free(html);
	free(md);

	js = render_json(p, f, "a.exe");
	CHECK(js && no_raw_controls(js, strlen(js)));
	expect_add(
		expect,
		json_object_new_string("https://evil.example/\\x1B[2J<script>"
				       "alert(1)</script>"),
		"ntfs", "mark_of_the_web", "referrer_url", NULL);
	expect_add(expect, jstr("a\\x00b", 6), "ntfs", "mark_of_the_web",
		   "lines", "5", "value", NULL);
	expect_add(expect,
		   json_object_new_string("\\xE2\\x80\\xAE"
					  "exe.txt"),
		   "ntfs", "mark_of_the_web", "lines", "4", "value", NULL);
	expect_add(expect, json_object_new_string("Evil\\x1B"), "ntfs",
		   "mark_of_the_web", "lines", "7", "section", NULL);
	expect_add(expect,
		   json_object_new_string("bad\xef\xbf\xbd\xef\xbf\xbd"),
		   "ntfs", "streams", "6", "name", NULL);
	expect_add(expect, json_object_new_string("S-1-5-<b>x</b>\\x1B[31m"),
		   "ntfs", "owner", NULL);
	CHECK(js && json_ok(js, expect));
	free(js);
	json_object_put(expect);
	prof_file_facts_free(f);
	prof_free(p);
}

/* caps: streams, a Zone.Identifier larger than read */
static void test_caps(void)
{
	size_t n = CAP_NTFS_STREAMS + 10, i;
	struct tree_stream *s = calloc(n, sizeof(*s));
	char *longname = malloc(4 * CAP_NTFS_STREAM_NAME);
	char *zone = malloc(CAP_ZONE_READ + 100);
	struct prof_file_facts *f = NULL;
	struct prof *p = NULL;
	char want[128];
	char *md;

	memset(longname, 'n', 4 * CAP_NTFS_STREAM_NAME - 1);
	longname[4 * CAP_NTFS_STREAM_NAME - 1] = '\0';
	for (i = 0; i < n; i++) {
		s[i].name = i == 0 ? (char *)"Zone.Identifier" : longname;
		s[i].size = i == 0 ? 1000000 : i;
	}
	memset(zone, 'z', CAP_ZONE_READ + 100);
	CHECK(prof_file_facts_make(NULL, s, n, zone, CAP_ZONE_READ + 100, &f) ==
		      0 &&
	      f);
	CHECK(prof_unreadable(NULL, &p) == 0);
	if (!f || !p)
		goto out;
	CHECK(f->nstreams == CAP_NTFS_STREAMS && f->more_streams == 10);
	CHECK(strlen(f->streams[1].name) == CAP_NTFS_STREAM_NAME);
	CHECK(f->zone_read == CAP_ZONE_READ && f->zone_size == 1000000);
	md = render(p, f, "a.exe");
	snprintf(want, sizeof(want), "* Alternate Data Streams: %zu;", n);
	CHECK(md && strstr(md, want));
	snprintf(want, sizeof(want), "\n*10 more streams are not shown.*\n");
	CHECK(md && strstr(md, want));
	snprintf(want, sizeof(want),
		 "* Mark of the Web: only the first %u of its 1000000 bytes "
		 "were read\n",
		 CAP_ZONE_READ);
	CHECK(md && strstr(md, want));
	snprintf(want, sizeof(want), "(cut at %u bytes)\n", CAP_ZONE_VALUE);
	CHECK(md && strstr(md, want));
	free(md);
out:
	prof_file_facts_free(f);
	prof_free(p);
	free(zone);
	free(longname);
	free(s);
}

/* ---- nothing to say: nothing changes --------------------------------- */

static void test_empty(const char *dll)
{
	struct prof_file_facts *none = NULL,
			       *zeroed = calloc(1, sizeof(*zeroed));
	struct tree_facts t;
	struct prof *p = NULL;
	struct dynbuf b;
	struct stat st;
	char *a, *b2, *ja, *jb;
	struct tree_file *tf = NULL;
	int fd;

	memset(&t, 0, sizeof(t));
	/* a POSIX source: no facts, no streams, no Zone.Identifier */
	CHECK(prof_file_facts_make(&t, NULL, 0, NULL, 0, &none) == 0);
	CHECK(none == NULL);
	CHECK(!prof_file_facts_any(zeroed) && !prof_file_facts_any(NULL));
	db_init(&b, 1 << 20);
	CHECK(prof_file_facts_key(NULL, &b) == 0 &&
	      prof_file_facts_key(zeroed, &b) == 0 && b.len == 0);
	db_free(&b);

	fd = open(dll, O_RDONLY);
	CHECK(fd >= 0 && fstat(fd, &st) == 0);
	CHECK(fd >= 0 && tree_file_posix_fd(fd, &tf) == 0 &&
	      prof_compute(tf, &st, NULL, NULL, &p) == 0);
	if (tf)
		tree_file_close(tf);
	if (fd >= 0)
		close(fd);
	if (!p || !zeroed)
		goto out;
	CHECK(p->hashed && p->is_pe);
	a = render(p, NULL, "Windows/System32/hello.dll");
	b2 = render(p, zeroed, "Windows/System32/hello.dll");
	CHECK(a && b2 && strcmp(a, b2) == 0);
	CHECK(a && !strstr(a, "NTFS"));
	ja = render_json(p, NULL, "Windows/System32/hello.dll");
	jb = render_json(p, zeroed, "Windows/System32/hello.dll");
	CHECK(ja && jb && strcmp(ja, jb) == 0);
	CHECK(ja && !strstr(ja, "\"ntfs\""));
	free(a);
	free(b2);
	free(ja);
	free(jb);
out:
	prof_free(p);
	free(zeroed);
}

/* the facts of a PE profile sit after the seed sections, before ours */
static void test_order(const char *dll)
{
	struct tree_facts t = full_facts();
	struct prof_file_facts *f = NULL;
	struct prof *p = NULL;
	const char *misuse_or_scan, *ntfs, *header;
	struct json_object *expect = json_object_new_array();
	struct stat st;
	char *md, *js;
	struct tree_file *tf = NULL;
	int fd, h2;

	fd = open(dll, O_RDONLY);
	CHECK(fd >= 0 && fstat(fd, &st) == 0);
	CHECK(fd >= 0 && tree_file_posix_fd(fd, &tf) == 0 &&
	      prof_compute(tf, &st, NULL, NULL, &p) == 0);
	if (tf)
		tree_file_close(tf);
	if (fd >= 0)
		close(fd);
	CHECK(prof_file_facts_make(&t, NULL, 0, NULL, 0, &f) == 0);
	if (!p || !f)
		goto out;
	md = render(p, f, "hello.dll");
	misuse_or_scan = md ? strstr(md, "\n## File Scan\n") : NULL;
	ntfs = md ? strstr(md, "\n## NTFS\n") : NULL;
	header = md ? strstr(md, "\n## PE Header\n") : NULL;
	CHECK(misuse_or_scan && ntfs && header && misuse_or_scan < ntfs &&
	      ntfs < header);
	{
		char *html = md ? html_of(md) : NULL;

		/* the VirusTotal link is the one link */
		CHECK(html && html_layout_only(html, 1, &h2));
		free(html);
	}
	free(md);
	js = render_json(p, f, "hello.dll");
	expect_add(expect, json_object_new_string("WOF-compressed (LZX)"),
		   "ntfs", "stored", NULL);
	expect_add(expect, json_object_new_boolean(1), "is_pe", NULL);
	CHECK(js && json_ok(js, expect));
	free(js);
out:
	json_object_put(expect);
	prof_file_facts_free(f);
	prof_free(p);
}

/* ---- the render key ------------------------------------------------------ */

static void key_of(const struct prof_file_facts *f, struct dynbuf *b)
{
	db_reset(b);
	CHECK(prof_file_facts_key(f, b) == 0);
}

static void test_key(void)
{
	static const char z1[] = "[ZoneTransfer]\nZoneId=3\n";
	static const char z2[] = "[ZoneTransfer]\nZoneId=4\n";
	struct tree_stream s1[] = { { (char *)"Zone.Identifier", 24 } };
	struct tree_stream s2[] = { { (char *)"Zone.Identifier", 25 } };
	struct tree_facts t = full_facts(), t2;
	struct prof_file_facts *a = NULL, *b = NULL, *c = NULL, *d = NULL,
			       *e = NULL;
	struct dynbuf ka, kb;

	db_init(&ka, 1 << 20);
	db_init(&kb, 1 << 20);
	CHECK(prof_file_facts_make(&t, s1, 1, z1, 24, &a) == 0);
	CHECK(prof_file_facts_make(&t, s1, 1, z1, 24, &b) == 0);
	CHECK(prof_file_facts_make(&t, s1, 1, z2, 24, &c) == 0);
	CHECK(prof_file_facts_make(&t, s2, 1, z1, 24, &d) == 0);
	t2 = t;
	t2.si[TREE_ACCESSED].tv_nsec += 100;
	CHECK(prof_file_facts_make(&t2, s1, 1, z1, 24, &e) == 0);
	key_of(a, &ka);
	key_of(b, &kb);
	CHECK(ka.len > 0 && ka.len == kb.len &&
	      memcmp(ka.data, kb.data, ka.len) == 0);
	key_of(c, &kb);
	CHECK(ka.len != kb.len || memcmp(ka.data, kb.data, ka.len) != 0);
	key_of(d, &kb);
	CHECK(ka.len != kb.len || memcmp(ka.data, kb.data, ka.len) != 0);
	key_of(e, &kb);
	CHECK(ka.len != kb.len || memcmp(ka.data, kb.data, ka.len) != 0);
	db_free(&ka);
	db_free(&kb);
	prof_file_facts_free(a);
	prof_file_facts_free(b);
	prof_file_facts_free(c);
	prof_file_facts_free(d);
	prof_file_facts_free(e);
}

/* ---- ntfs-3g's stand-in -------------------------------------------------- */

static void test_ntfs3g(void)
{
	struct tree_facts t;
	uint32_t tag = 0;
	struct prof_file_facts *f = NULL;
	struct prof *p = NULL;
	char *md;

	CHECK(tree_ntfs3g_tag("unsupported reparse tag 0x80000017", &tag) ==
		      0 &&
	      tag == 0x80000017);
	CHECK(tree_ntfs3g_tag("unsupported reparse tag 0x9000f01a", &tag) ==
		      0 &&
	      tag == 0x9000F01A);
	CHECK(tree_ntfs3g_tag("unsupported reparse tag 0x9000F01A", &tag) ==
	      -EINVAL);
	CHECK(tree_ntfs3g_tag("unsupported reparse tag 0x8000001", &tag) ==
	      -EINVAL);
	CHECK(tree_ntfs3g_tag("unsupported reparse tag 0x800000170", &tag) ==
	      -EINVAL);
	CHECK(tree_ntfs3g_tag("unsupported reparse tag 0x80000017 ", &tag) ==
	      -EINVAL);
	CHECK(tree_ntfs3g_tag("../unsupported reparse tag 0x80000017", &tag) ==
	      -EINVAL);
	CHECK(tree_ntfs3g_tag("target.dll", &tag) == -EINVAL);
	CHECK(tree_ntfs3g_tag("", &tag) == -EINVAL);
	CHECK(tree_ntfs3g_tag(NULL, &tag) == -EINVAL);

	CHECK(tree_ntfs3g_facts("unsupported reparse tag 0x80000017", &t) == 0);
	CHECK(t.have == TREE_HAVE_REPARSE && t.reparse_tag == 0x80000017);
	CHECK_STR(t.unreadable,
		  "ntfs-3g cannot read this file's bytes (reparse tag "
		  "0x80000017, WOF system compression): give profilefs the "
		  "volume itself, e.g. profilefs /dev/sdb3 MNT or profilefs "
		  "disk.img MNT --partition=N");
	CHECK(tree_ntfs3g_facts("unsupported reparse tag 0x12345678", &t) == 0);
	CHECK(strstr(t.unreadable, "(reparse tag 0x12345678):") != NULL);
	CHECK_STR(tree_reparse_tag_name(0x80000013), "Data Deduplication");
	CHECK_STR(tree_reparse_tag_name(0x9000001A), "cloud files placeholder");
	CHECK_STR(tree_reparse_tag_name(0x9000701A), "cloud files placeholder");
	CHECK(tree_reparse_tag_name(0x12345678) == NULL);

	/* the profile a mount shows for it: the why once, the tag, no
	 * hashes */
	CHECK(tree_ntfs3g_facts("unsupported reparse tag 0x80000013", &t) == 0);
	CHECK(prof_file_facts_make(&t, NULL, 0, NULL, 0, &f) == 0 && f);
	CHECK(prof_unreadable(t.unreadable, &p) == 0);
	md = f && p ? render(p, f, "Windows/x.dll") : NULL;
	CHECK(md && strstr(md, "* Note: ntfs-3g cannot read this file's bytes "
			       "(reparse tag 0x80000013, Data "
			       "Deduplication): give profilefs the volume "
			       "itself, e.g. profilefs /dev/sdb3 MNT or "
			       "profilefs disk.img MNT --partition=N\n"));
	CHECK(md && strstr(md, "\n## NTFS\n\n* Reparse Tag: 0x80000013 "
			       "(Data Deduplication)\n"));
	CHECK(md && !strstr(md, "Unreadable") && !strstr(md, "## Hashes") &&
	      !strstr(md, "VirusTotal"));
	free(md);
	prof_file_facts_free(f);
	prof_free(p);
}

int main(int argc, char **argv)
{
	char cmd[256];

	if (argc != 4) {
		fprintf(stderr, "usage: test_ntfsfacts DLL SCHEMA CHECKER\n");
		return 1;
	}
	schema_path = argv[2];
	checker_path = argv[3];
	if (!mkdtemp(tmpdir)) {
		perror("mkdtemp");
		return 1;
	}
	test_zone_windows();
	test_zone_odd();
	test_zone_bounds();
	test_section();
	test_section_partial();
	test_hostile();
	test_caps();
	test_empty(argv[1]);
	test_order(argv[1]);
	test_key();
	test_ntfs3g();
	snprintf(cmd, sizeof(cmd), "rm -rf %s", tmpdir);
	if (system(cmd) != 0)
		fprintf(stderr, "cannot remove %s\n", tmpdir);
	return t_done();
}

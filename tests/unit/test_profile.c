/*
 * profile: the parts survive a round trip and refuse damaged blobs; the
 * renderer writes the format's sections in order, escapes what it takes
 * from names, and says what is wrong with a file that is not a PE image.
 * The digest values themselves are checked against sha*sum in
 * test_digest and through the mount.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <unistd.h>

#include "profilefs/pe.h"
#include "profilefs/profile.h"
#include "profilefs/tree.h"
#include "t.h"

/* prof_compute() over a descriptor, as a tree_file of no tree */
static int compute_fd(int fd, const struct stat *st, struct prof **out)
{
	struct tree_file *f;
	int rc = tree_file_posix_fd(fd, &f);

	if (rc)
		return rc;
	rc = prof_compute(f, st, NULL, NULL, out);
	tree_file_close(f);
	return rc;
}

static struct prof *sample(int is_pe)
{
	struct prof *p = prof_new();

	p->hashed = 1;
	p->size = 3;
	memset(p->dg.sha256, 0xab, sizeof(p->dg.sha256));
	strcpy(p->dg.ssdeep, "3:a|b:c");
	p->is_pe = is_pe;
	if (!is_pe)
		p->pe_note = strdup("Not a PE image: test.");
	return p;
}

static void test_parts(void)
{
	struct prof *p = sample(0), *q = prof_new();
	struct dynbuf b;
	size_t cut;

	db_init(&b, 1 << 20);
	CHECK(prof_encode_part(p, "pe", &b) == 0);
	CHECK(prof_decode_part(q, "pe", b.data, b.len) == 0);
	CHECK(q->is_pe == 0);
	CHECK_STR(q->pe_note, "Not a PE image: test.");
	/* every truncation, and trailing bytes, are refused */
	for (cut = 0; cut < b.len; cut++)
		CHECK(prof_decode_part(q, "pe", b.data, cut) == -EINVAL);
	db_addc(&b, 0);
	CHECK(prof_decode_part(q, "pe", b.data, b.len) == -EINVAL);
	CHECK(prof_encode_part(p, "nope", &b) == -ENOENT);
	db_free(&b);
	/* NULL note round-trips as NULL */
	prof_free(p);
	p = sample(1);
	db_init(&b, 1 << 20);
	CHECK(prof_encode_part(p, "pe", &b) == 0);
	CHECK(prof_decode_part(q, "pe", b.data, b.len) == 0);
	CHECK(q->is_pe == 1 && q->pe_note == NULL);
	db_free(&b);
	prof_free(p);
	prof_free(q);
}

static const char *after(const char *hay, const char *needle)
{
	const char *s = hay ? strstr(hay, needle) : NULL;

	return s ? s + strlen(needle) : NULL;
}

/* the rest of HAY when it begins with PREFIX, else NULL */
static const char *starts(const char *hay, const char *prefix)
{
	size_t n = strlen(prefix);

	return hay && strncmp(hay, prefix, n) == 0 ? hay + n : NULL;
}

static void test_render(void)
{
	struct prof_view view = { .relpath = "Win dows/a\nb|c.dll",
				  .drive = "D:" };
	struct prof *p = sample(0);
	char *md = NULL, *md2 = NULL;
	const char *s;
	size_t len, len2;

	CHECK(prof_note(p, "Line\nbreak.") == 0);
	CHECK(prof_render(p, &view, &md, &len) == 0);
	CHECK(md && strlen(md) == len);
	/* sections in the format's order */
	/* the front matter opens the document: nothing before it */
	/* quoted YAML; no " | " without a description */
	s = starts(md, "---\ntitle: \"a\\\\x0Ab|c.dll\"\n"
		       "excerpt: \"What is a\\\\x0Ab|c.dll?\"\n---\n\n");
	CHECK(s != NULL);
	s = after(
		s,
		"# a\\x0Ab|c.dll\n\n* File Path: `D:\\Win dows\\a\\x0Ab|c.dll`"
		"\n* Description: \n");
	CHECK(s != NULL);
	s = after(s,
		  "* Note: Not a PE image: test.\n* Note: Line\\x0Abreak.\n");
	CHECK(s != NULL);
	s = after(s, "\n## Hashes\n\nType | Hash\n-- | --\nMD5 | `");
	CHECK(s != NULL);
	s = after(s, "SSDEEP | `3:a\\|b:c`\n");
	CHECK(s != NULL);
	s = after(s,
		  "\n## File Scan\n\n* VirusTotal Link: https://www.virustotal"
		  ".com/gui/file/");
	CHECK(s != NULL && strspn(s, "ab") == 64);
	s = after(s, "/detection/\n");
	CHECK(s != NULL);
	/* every profile has a Known File section, "no data" without a store */
	s = after(s, "\n## Known File\n\n* Verdict: no data\n* No "
		     "known-file store: `profilefs known add PATH` imports "
		     "the NSRL or winbindex (docs/known.md)\n");
	CHECK(s != NULL && *s == '\0');
	/* not a PE: no IMP, PESHA1, PE256 */
	CHECK(md && !strstr(md, "IMP |") && !strstr(md, "PE256"));
	/* byte-identical from run to run */
	CHECK(prof_render(p, &view, &md2, &len2) == 0);
	CHECK(md2 && len == len2 && memcmp(md, md2, len) == 0);
	free(md);
	free(md2);
	prof_free(p);
}

static void test_special(void)
{
	struct prof *p = NULL;
	char *md = NULL;
	size_t len;

	CHECK(prof_special(S_IFIFO | 0644, &p) == 0);
	CHECK(p && !p->hashed && p->nnotes == 1);
	struct prof_view view = { .relpath = "f.dll", .drive = "C:" };

	CHECK(prof_render(p, &view, &md, &len) == 0);
	CHECK(md && strstr(md, "* Note: This is a FIFO, not a regular file"));
	CHECK(md && !strstr(md, "## Hashes") && !strstr(md, "## File Scan"));
	free(md);
	prof_free(p);
}

static void test_identify(void)
{
	uint8_t pe[0x48] = { 'M', 'Z' };
	const char *why;

	CHECK(pe_identify(pe, 0, &why) == 0 && strstr(why, "empty"));
	CHECK(pe_identify((const uint8_t *)"ELF", 3, &why) == 0 &&
	      strstr(why, "\"MZ\""));
	CHECK(pe_identify(pe, 0x3c, &why) == 0 && strstr(why, "truncated"));
	pe[0x3c] = 0x40;
	CHECK(pe_identify(pe, 0x40, &why) == 0 && strstr(why, "past the end"));
	CHECK(pe_identify(pe, sizeof(pe), &why) == 0 &&
	      strstr(why, "no \"PE\" signature"));
	memcpy(pe + 0x40, "PE\0\0", 4);
	CHECK(pe_identify(pe, sizeof(pe), &why) == 1 && why == NULL);
	/* e_lfanew near SIZE_MAX must not wrap */
	pe[0x3c] = 0xff, pe[0x3d] = 0xff, pe[0x3e] = 0xff, pe[0x3f] = 0xff;
	CHECK(pe_identify(pe, sizeof(pe), &why) == 0);
}

static void test_compute_changes(void)
{
	char path[] = "/tmp/pfs-prof-XXXXXX";
	struct prof *p = NULL;
	struct stat st;
	int fd = mkstemp(path);

	CHECK(fd >= 0 && write(fd, "MZ0123456789", 12) == 12);
	CHECK(fstat(fd, &st) == 0);
	/* the file shrinks after it was stat'ed: never a mix of old and new */
	CHECK(ftruncate(fd, 4) == 0);
	CHECK(compute_fd(fd, &st, &p) == -EAGAIN && p == NULL);
	/* and grows */
	CHECK(fstat(fd, &st) == 0);
	CHECK(write(fd, "more", 4) == 4);
	CHECK(compute_fd(fd, &st, &p) == -EAGAIN && p == NULL);
	CHECK(fstat(fd, &st) == 0);
	CHECK(compute_fd(fd, &st, &p) == 0 && p && p->size == 16);
	prof_free(p);
	close(fd);
	unlink(path);
}

/* --rich-names tables: richprint's layout, first line of a comp.id wins,
 * the first bad line named, the caps */
static void test_rich_names(void)
{
	static const char good[] = "# comment\n\n  # indented comment\n"
				   "01057809 [C++] first\r\n"
				   "00ff1234\t[RES] tab\n"
				   "01057809 [C++] second\n"
				   "0102780A  [LNK] upper hex  \n";
	struct prof_rich_names *t = NULL;
	char *big, line[PROF_RICH_NAME_MAX + 16];
	size_t bad = 99;

	CHECK(prof_rich_names_parse(good, sizeof(good) - 1, &t, &bad) == 0);
	CHECK(t && prof_rich_names_count(t) == 3 && bad == 0);
	CHECK(t &&
	      strcmp(prof_rich_name(t, 0x105, 0x7809), "[C++] first") == 0);
	CHECK(t && strcmp(prof_rich_name(t, 0xff, 0x1234), "[RES] tab") == 0);
	CHECK(t &&
	      strcmp(prof_rich_name(t, 0x102, 0x780a), "[LNK] upper hex") == 0);
	CHECK(t && !prof_rich_name(t, 0x105, 0x780a));
	CHECK(!prof_rich_name(NULL, 0x105, 0x7809));
	prof_rich_names_free(t);
	/* an empty table is a table (every entry unknown) */
	CHECK(prof_rich_names_parse("", 0, &t, &bad) == 0 && t &&
	      prof_rich_names_count(t) == 0);
	prof_rich_names_free(t);
	/* not an entry: 7 hex digits, no description, not hex, no blank */
	CHECK(prof_rich_names_parse("# x\n0105780 a\n", 14, &t, &bad) ==
		      -EINVAL &&
	      !t && bad == 2);
	CHECK(prof_rich_names_parse("01057809\n", 9, &t, &bad) == -EINVAL &&
	      bad == 1);
	CHECK(prof_rich_names_parse("0105780g a\n", 11, &t, &bad) == -EINVAL);
	CHECK(prof_rich_names_parse("01057809a\n", 10, &t, &bad) == -EINVAL);
	/* a description at the cap is kept, one byte more is refused */
	memset(line, 'x', sizeof(line));
	memcpy(line, "01057809 ", 9);
	CHECK(prof_rich_names_parse(line, 9 + PROF_RICH_NAME_MAX, &t, &bad) ==
		      0 &&
	      t &&
	      strlen(prof_rich_name(t, 0x105, 0x7809)) == PROF_RICH_NAME_MAX);
	prof_rich_names_free(t);
	CHECK(prof_rich_names_parse(line, 10 + PROF_RICH_NAME_MAX, &t, &bad) ==
	      -EINVAL);
	big = calloc(1, PROF_RICH_NAMES_BYTES + 1);
	CHECK(big && prof_rich_names_parse(big, PROF_RICH_NAMES_BYTES + 1, &t,
					   &bad) == -EFBIG);
	free(big);
}

int main(void)
{
	test_rich_names();
	test_parts();
	test_render();
	test_special();
	test_identify();
	test_compute_changes();
	return t_done();
}

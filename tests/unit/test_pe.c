/*
 * pe: RVA translation over hand-made section tables (pefile's adjusted
 * bounds), the ordinal table against python3-pefile's, language and
 * machine names, a parsed file surviving the part codec unchanged, and
 * the Authenticode layout naming the very bytes the parser reads as the
 * CheckSum and the security directory, and pe_parse_file() on a file that
 * shrinks: -EAGAIN, never a parse of what is left.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <unistd.h>

#include "profilefs/digest.h"
#include "profilefs/pe.h"
#include "profilefs/profile.h"
#include "profilefs/tree.h"
#include "t.h"

/* pe_parse_file() over a descriptor, as a tree_file of no tree */
static int parse_fd(int fd, uint64_t len, const struct util_stop *stop,
		    struct pe_info **out, const char **why)
{
	struct tree_file *f;
	int rc = tree_file_posix_fd(fd, &f);

	if (rc)
		return rc;
	rc = pe_parse_file(f, len, stop, NULL, out, why);
	tree_file_close(f);
	return rc;
}

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

static struct pe_info *two_sections(uint32_t falign, uint32_t salign)
{
	struct pe_info *pe = calloc(1, sizeof(*pe));

	pe->file_alignment = falign;
	pe->section_alignment = salign;
	pe->nsections = 2;
	pe->sections = calloc(2, sizeof(*pe->sections));
	/* .text: RVA 0x1000, 0x300 raw bytes at 0x400 */
	pe->sections[0].va = pe->sections[0].va_adj = 0x1000;
	pe->sections[0].rawptr = pe->sections[0].raw_adj = 0x400;
	pe->sections[0].rawsize = 0x300;
	pe->sections[0].vsize = 0x1800; /* runs into the next: clipped */
	pe->sections[0].rva_end = 0x2000;
	/* .data: RVA 0x2000, 0x200 raw bytes at 0x700 */
	pe->sections[1].va = pe->sections[1].va_adj = 0x2000;
	pe->sections[1].rawptr = pe->sections[1].raw_adj = 0x700;
	pe->sections[1].rawsize = 0x200;
	pe->sections[1].vsize = 0x100;
	pe->sections[1].rva_end = 0x2200;
	return pe;
}

static void test_rva(void)
{
	struct pe_info *pe = two_sections(0x200, 0x1000);
	size_t off = 0, avail = 0;

	/* inside a section's raw data: offset and what is left of it */
	CHECK(pe_rva_to_off(pe, 0x900, 0x1000, &off, &avail) == 0);
	CHECK(off == 0x400 && avail == 0x300);
	CHECK(pe_rva_to_off(pe, 0x900, 0x12ff, &off, &avail) == 0);
	CHECK(off == 0x6ff && avail == 1);
	/* in the section, but past its raw data: nothing to read */
	CHECK(pe_rva_to_off(pe, 0x900, 0x1300, &off, &avail) == -ERANGE);
	CHECK(pe_rva_to_off(pe, 0x900, 0x1fff, &off, &avail) == -ERANGE);
	/* the second section; its raw data cut short by the file */
	CHECK(pe_rva_to_off(pe, 0x900, 0x2010, &off, &avail) == 0);
	CHECK(off == 0x710 && avail == 0x900 - 0x710);
	CHECK(pe_rva_to_off(pe, 0x800, 0x2100, &off, &avail) == -ERANGE);
	/* in no section: the headers, read 1:1 while inside the file */
	CHECK(pe_rva_to_off(pe, 0x900, 0x10, &off, &avail) == 0);
	CHECK(off == 0x10 && avail == 0x8f0);
	CHECK(pe_rva_to_off(pe, 0x900, 0x3000, &off, &avail) == -ERANGE);
	/* sums that would wrap */
	CHECK(pe_rva_to_off(pe, 0x900, UINT64_MAX, &off, &avail) == -ERANGE);
	CHECK(pe_rva_to_off(pe, 0x900, 0xffffffffu, &off, &avail) == -ERANGE);
	free(pe->sections);
	free(pe);
}

/* each "ordinal name" line pefile prints against our table */
static void test_ordinals(void)
{
	FILE *p = popen("/usr/bin/python3 -c 'from pefile import ordlookup\n"
			"for dll, t in ordlookup.ords.items():\n"
			"    for o, n in t.items(): print(dll.decode(), o, "
			"n.decode())'",
			"r");
	char dll[64], name[128];
	unsigned ord, n = 0, same = 0;

	CHECK(p != NULL);
	while (p && fscanf(p, "%63s %u %127s", dll, &ord, name) == 3) {
		const char *ours = pe_ordinal_name(dll, (uint16_t)ord);

		n++;
		if (ours && strcmp(ours, name) == 0)
			same++;
		else
			fprintf(stderr, "ordinal %s #%u: ours %s, pefile %s\n",
				dll, ord, ours ? ours : "(none)", name);
	}
	if (p)
		pclose(p);
	CHECK(n > 500);
	CHECK(same == n);
	CHECK(pe_ordinal_name("WS2_32.DLL", 9) != NULL);
	CHECK(pe_ordinal_name("ws2_32", 9) == NULL); /* pefile: full name */
	CHECK(pe_ordinal_name("kernel32.dll", 1) == NULL);
}

static void test_names(void)
{
	CHECK_STR(pe_lang_name(0x0409), "English (United States)");
	CHECK_STR(pe_lang_name(0x0000), "Language Neutral");
	CHECK_STR(pe_lang_name(0x0407), "German (Germany)");
	CHECK(pe_lang_name(0x7777) == NULL);
	CHECK_STR(pe_machine_name(0x8664), "64-bit");
	CHECK_STR(pe_machine_name(0x014c), "32-bit");
	CHECK_STR(pe_machine_name(0xaa64), "64-bit ARM");
	CHECK_STR(pe_machine_name(0x01c4), "32-bit ARM");
	CHECK(pe_machine_name(0x0200) == NULL);
}

/* a real file: parsed, stored as a part, read back, rendered the same */
static void test_codec(const char *path)
{
	struct prof_view v = { .relpath = "x/y.dll", .drive = "C:" };
	struct prof *p = NULL, *q = prof_new();
	char *md1 = NULL, *md2 = NULL;
	size_t len1 = 0, len2 = 0;
	struct dynbuf blob;
	struct stat st;
	int fd = open(path, O_RDONLY);

	CHECK(fd >= 0 && fstat(fd, &st) == 0);
	CHECK(fd >= 0 && compute_fd(fd, &st, &p) == 0);
	if (fd >= 0)
		close(fd);
	if (!p) {
		prof_free(q);
		return;
	}
	CHECK(p->is_pe && p->pe && p->pe->nsections > 0);
	db_init(&blob, 1 << 24);
	CHECK(prof_encode_part(p, "pe", &blob) == 0);
	CHECK(prof_decode_part(q, "pe", blob.data, blob.len) == 0);
	q->hashed = p->hashed;
	q->size = p->size;
	q->dg = p->dg;
	CHECK(prof_render(p, &v, &md1, &len1) == 0);
	CHECK(prof_render(q, &v, &md2, &len2) == 0);
	CHECK(md1 && md2 && len1 == len2 && memcmp(md1, md2, len1) == 0);
	/* a blob cut anywhere is refused, never half-read */
	for (size_t cut = 0; cut < blob.len; cut += 1 + blob.len / 97)
		CHECK(prof_decode_part(q, "pe", blob.data, cut) == -EINVAL);
	db_free(&blob);
	free(md1);
	free(md2);
	prof_free(p);
	prof_free(q);
}

static void put_le32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)v;
	p[1] = (uint8_t)(v >> 8);
	p[2] = (uint8_t)(v >> 16);
	p[3] = (uint8_t)(v >> 24);
}

/*
 * pe_hash_layout() and pe_parse() find the CheckSum and the security
 * directory each on their own: marks written where the layout says they
 * are must come back from the parser as those fields (PE32 and PE32+).
 */
static void test_layout(const char *path)
{
	struct dg_pe_layout l = { 0 };
	struct pe_info *pe = NULL;
	struct stat st;
	uint8_t *buf = NULL;
	ssize_t n = -1;
	int fd = open(path, O_RDONLY);

	CHECK(fd >= 0 && fstat(fd, &st) == 0 && st.st_size > 0);
	if (fd >= 0 && st.st_size > 0) {
		buf = malloc((size_t)st.st_size);
		if (buf)
			n = pread(fd, buf, (size_t)st.st_size, 0);
	}
	if (fd >= 0)
		close(fd);
	CHECK(buf && n == st.st_size);
	if (!buf || n != st.st_size) {
		free(buf);
		return;
	}
	CHECK(pe_hash_layout(buf, (size_t)n, (uint64_t)n, &l) == 0);
	CHECK(l.certdir_len == 8);
	CHECK(l.checksum + 4 <= (uint64_t)n && l.certdir + 8 <= (uint64_t)n);
	if (l.checksum + 4 > (uint64_t)n || l.certdir + 8 > (uint64_t)n) {
		free(buf);
		return;
	}
	put_le32(buf + l.checksum, 0xa1b2c3d4);
	put_le32(buf + l.certdir, 0x11223344);
	put_le32(buf + l.certdir + 4, 0x55667788);
	CHECK(pe_parse(buf, (size_t)n, (uint64_t)n, &pe) == 0);
	CHECK(pe && pe->checksum == 0xa1b2c3d4);
	CHECK(pe && pe->ndirs > PE_DIR_SECURITY &&
	      pe->dirs[PE_DIR_SECURITY].rva == 0x11223344 &&
	      pe->dirs[PE_DIR_SECURITY].size == 0x55667788);
	/* the certificate table starts past the end: the hash runs to it */
	CHECK(pe_hash_layout(buf, (size_t)n, (uint64_t)n, &l) == 0 &&
	      l.end == (uint64_t)n && l.pad == 0);
	/* NumberOfRvaAndSizes 4 (the dword before the directories): no
	 * certificate-table entry, nothing left out there, the hash runs to
	 * the end */
	put_le32(buf + l.certdir - PE_DIR_SECURITY * 8 - 4, 4);
	CHECK(pe_hash_layout(buf, (size_t)n, (uint64_t)n, &l) == 0 &&
	      l.certdir_len == 0 && l.end == (uint64_t)n);
	pe_free(pe);
	free(buf);
}

/*
 * A fixture padded to SHRINK_LEN bytes (several of the reader's blocks) is
 * parsed from its descriptor as from memory; cut shorter than the length
 * it had (as when it shrinks between the digest pass and the parse), the
 * parse fails -EAGAIN and gives nothing, wherever the cut falls: in the
 * padding (the fixture is under 100 KiB), inside the headers, or at 0 (no
 * "not a PE image" either).
 */
#define SHRINK_LEN (300u << 10)
static int asked;
static int go_on(void *arg)
{
	(void)arg;
	asked++;
	return 0;
}
static int readers_gone(void *arg)
{
	(void)arg;
	return -EINTR;
}

static void test_shrink(const char *path)
{
	const struct util_stop go = { 0, go_on, NULL },
			       gone = { 0, readers_gone, NULL };
	static const off_t cuts[] = { 200u << 10, 100u << 10, 1000, 0 };
	char tmp[] = "/tmp/test_pe_shrink.XXXXXX";
	struct pe_info *mem = NULL, *pe = NULL;
	const char *why = "unset";
	uint8_t *buf = calloc(1, SHRINK_LEN);
	ssize_t n = -1;
	size_t i;
	int fd = open(path, O_RDONLY), out = mkstemp(tmp);

	if (fd >= 0 && buf)
		n = pread(fd, buf, SHRINK_LEN, 0);
	if (fd >= 0)
		close(fd);
	CHECK(out >= 0 && n > 1000 && n < (100 << 10));
	if (out < 0 || n <= 1000 || n >= (100 << 10)) {
		free(buf);
		if (out >= 0)
			close(out);
		return;
	}
	unlink(tmp);
	CHECK(pwrite(out, buf, SHRINK_LEN, 0) == SHRINK_LEN);
	CHECK(pe_parse(buf, SHRINK_LEN, SHRINK_LEN, &mem) == 0);
	CHECK(parse_fd(out, SHRINK_LEN, NULL, &pe, &why) == 0);
	/* the same parse, the checksum over all 300 KiB included */
	CHECK(mem && pe && pe->checksum_known &&
	      pe->checksum_computed == mem->checksum_computed &&
	      pe->nsections == mem->nsections &&
	      pe->nimports == mem->nimports &&
	      pe->nanomalies == mem->nanomalies);
	pe_free(pe);
	pe_free(mem);
	/* a stop is asked (before the first read), and heard */
	pe = NULL;
	CHECK(parse_fd(out, SHRINK_LEN, &go, &pe, &why) == 0 && pe);
	CHECK(asked >= 1);
	pe_free(pe);
	pe = NULL;
	CHECK(parse_fd(out, SHRINK_LEN, &gone, &pe, &why) == -EINTR);
	CHECK(pe == NULL);
	for (i = 0; i < sizeof(cuts) / sizeof(cuts[0]); i++) {
		pe = NULL;
		CHECK(ftruncate(out, cuts[i]) == 0);
		CHECK(parse_fd(out, SHRINK_LEN, NULL, &pe, &why) == -EAGAIN);
		CHECK(pe == NULL);
	}
	/* not a PE image: said as pe_identify() says it */
	CHECK(ftruncate(out, 0) == 0 && pwrite(out, "MZ", 2, 0) == 2);
	CHECK(parse_fd(out, 2, NULL, &pe, &why) == -EINVAL && pe == NULL);
	CHECK_STR(why, "Not a PE image: the DOS header is truncated.");
	close(out);
	free(buf);
}

int main(int argc, char **argv)
{
	int i;

	test_rva();
	test_ordinals();
	test_names();
	for (i = 1; i < argc; i++) {
		test_codec(argv[i]);
		test_layout(argv[i]);
		test_shrink(argv[i]);
	}
	CHECK(argc > 1);
	return t_done();
}

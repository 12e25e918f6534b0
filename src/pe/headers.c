/*
 * The driver of pe_parse(): the PE headers and the section table, read
 * here, then the other parts (imports.c, exports.c, version.c) in turn.
 * Everything shared by the parts is in ctx.c: nothing calls back here.
 *
 *   0x00  DOS header "MZ" ... e_lfanew at 0x3c ---------------+
 *   ....  DOS stub, Rich header ("DanS" ... "Rich" key)       |
 *   e_lfanew: "PE\0\0"                                   <----+
 *         +4  file header (20 bytes): Machine, NumberOfSections, ...
 *         +24 optional header (SizeOfOptionalHeader bytes): magic 0x10b
 *             (PE32) or 0x20b (PE32+), ..., data directories
 *         +24+SizeOfOptionalHeader: section table, 40 bytes a section
 */
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "pe_i.h"

/* ---- headers -------------------------------------------------------- */

/* Shannon entropy of the n bytes at off (all inside the file), read a
 * piece at a time; -1 when the file cannot be read. */
double pe_entropy(struct pe_ctx *c, size_t off, size_t n)
{
	/* four histograms: consecutive equal bytes do not wait on each
	 * other's increments (64-bit: a section may pass 4 GiB) */
	uint64_t count[4][256];
	size_t len = n, i, k, got;
	const uint8_t *p;
	double h = 0;

	if (n == 0)
		return 0;
	memset(count, 0, sizeof(count));
	while (n) {
		got = pe_peek(c->s, off, n, &p);
		if (!got)
			return -1;
		for (i = 0; i + 4 <= got; i += 4) {
			count[0][p[i]]++;
			count[1][p[i + 1]]++;
			count[2][p[i + 2]]++;
			count[3][p[i + 3]]++;
		}
		for (; i < got; i++)
			count[0][p[i]]++;
		off += got;
		n -= got;
	}
	n = len;
	for (k = 0; k < 256; k++) {
		uint64_t m =
			count[0][k] + count[1][k] + count[2][k] + count[3][k];

		if (m) {
			double f = (double)m / (double)n;

			h -= f * log2(f);
		}
	}
	return h;
}

/* pefile's bounds of a section in RVA space (its contains_rva()) */
static void section_bounds(struct pe_info *pe, size_t i, size_t file_len)
{
	struct pe_section *s = &pe->sections[i];
	uint32_t salign = pe->section_alignment, falign = pe->file_alignment;
	uint64_t size;

	if (salign < 0x1000)
		salign = falign;
	s->va_adj = salign && s->va % salign ? s->va - s->va % salign : s->va;
	s->raw_adj = falign < 0x200 ? s->rawptr : s->rawptr & ~0x1ffu;
	/* a raw size that runs past the file is not trusted */
	if (s->raw_adj > file_len || file_len - s->raw_adj < s->rawsize)
		size = s->vsize;
	else
		size = s->rawsize > s->vsize ? s->rawsize : s->vsize;
	if (i + 1 < pe->nsections) {
		uint32_t next = pe->sections[i + 1].va;

		if (next > s->va && s->va_adj + size > next)
			size = next - s->va_adj;
	}
	s->rva_end = s->va_adj + size;
}

static void parse_sections(struct pe_ctx *c, uint32_t table, uint16_t n)
{
	struct pe_info *pe = c->pe;
	size_t i, want = n, skipped = 0;
	uint64_t budget;

	if (want > CAP_PE_SECTIONS) {
		pe_anomaly(c,
			   "The file declares %u sections; only the first %u "
			   "are read.",
			   n, CAP_PE_SECTIONS);
		want = CAP_PE_SECTIONS;
	}
	pe->sections = calloc(want ? want : 1, sizeof(*pe->sections));
	if (!pe->sections) {
		c->oom = 1;
		return;
	}
	for (i = 0; i < want; i++) {
		struct pe_section *s = &pe->sections[i];
		size_t off = (size_t)table + PE_SEC_SIZE * i;
		uint8_t ent[PE_SEC_SIZE];
		struct rd e = { ent, sizeof(ent) };

		if (pe_read(c->s, off, PE_SEC_SIZE, ent)) {
			pe_anomaly(c,
				   "The section table is truncated: %zu of "
				   "%zu sections are in the file.",
				   i, want);
			break;
		}
		memcpy(s->name, ent + PE_SEC_NAME, 8);
		rd_u32(&e, PE_SEC_VSIZE, &s->vsize);
		rd_u32(&e, PE_SEC_VA, &s->va);
		rd_u32(&e, PE_SEC_RAWSIZE, &s->rawsize);
		rd_u32(&e, PE_SEC_RAWPTR, &s->rawptr);
		rd_u32(&e, PE_SEC_CHARACTERISTICS, &s->characteristics);
		pe->nsections++;
	}
	/* sections may overlap, and thousands may cover the whole file:
	 * entropy is counted over at most as many bytes as the file has
	 * (and a little), so the work stays linear in the file's size */
	budget = c->len + (1u << 20);
	for (i = 0; i < pe->nsections; i++) {
		struct pe_section *s = &pe->sections[i];
		uint64_t end = (uint64_t)s->rawptr + s->rawsize, len;

		section_bounds(pe, i, c->len);
		if (s->rawsize && end > c->len)
			pe_anomaly(c,
				   "Section %zu's raw data (0x%X bytes at "
				   "0x%X) runs past the end of the file.",
				   i + 1, s->rawsize, s->rawptr);
		if (s->rawptr >= c->len)
			continue;
		len = (end < c->len ? end : c->len) - s->rawptr;
		if (len > budget) {
			if (!skipped++)
				pe_anomaly(c,
					   "The sections' raw data overlap "
					   "past the file's size; entropy is "
					   "not computed from section %zu "
					   "on.",
					   i + 1);
			s->entropy = -1;
			continue;
		}
		budget -= len;
		s->entropy = pe_entropy(c, s->rawptr, (size_t)len);
	}
}

/* The optional header's fields, PE32 and PE32+ alike. */
static void parse_optional(struct pe_ctx *c, uint16_t opt_size)
{
	struct pe_info *pe = c->pe;
	/* the fields read end with the data directories: a longer optional
	 * header is read no further */
	uint8_t buf[PE_OPT_DIRS_PE32PLUS + PE_DIR_ENTRY * PE_NDIRS];
	struct rd opt = { buf, 0 };
	uint16_t magic = 0;
	uint32_t v32 = 0, nrva = 0, dirs;
	size_t i;

	/* an optional header cut short by the file is read as far as it
	 * goes (not at all when it starts past the end); fields past its
	 * end stay 0 */
	opt.len = opt_size;
	if (c->opt_off > c->len || opt_size > c->len - c->opt_off) {
		opt.len = c->len > c->opt_off ? c->len - c->opt_off : 0;
		pe_anomaly(c, "The optional header is truncated by the end of "
			      "the file.");
	}
	if (opt.len > sizeof(buf))
		opt.len = sizeof(buf);
	if (pe_read(c->s, c->opt_off, opt.len, buf))
		opt.len = 0;
	rd_u16(&opt, PE_OPT_MAGIC, &magic);
	if (magic == PE_OPT_MAGIC_PE32PLUS) {
		pe->pe32plus = 1;
	} else if (magic != PE_OPT_MAGIC_PE32) {
		pe_anomaly(c,
			   "The optional header's magic is 0x%04X, neither "
			   "PE32 (0x010B) nor PE32+ (0x020B); read as PE32.",
			   magic);
	}
	rd_u32(&opt, PE_OPT_ENTRY_POINT, &pe->entry_point);
	if (pe->pe32plus) {
		rd_u64(&opt, PE_OPT_IMAGE_BASE_PE32PLUS, &pe->image_base);
	} else if (rd_u32(&opt, PE_OPT_IMAGE_BASE_PE32, &v32) == 0) {
		pe->image_base = v32;
	}
	rd_u32(&opt, PE_OPT_SECTION_ALIGNMENT, &pe->section_alignment);
	rd_u32(&opt, PE_OPT_FILE_ALIGNMENT, &pe->file_alignment);
	rd_u32(&opt, PE_OPT_SIZE_OF_IMAGE, &pe->size_of_image);
	rd_u32(&opt, PE_OPT_SIZE_OF_HEADERS, &pe->size_of_headers);
	rd_u32(&opt, PE_OPT_CHECKSUM, &pe->checksum);
	rd_u16(&opt, PE_OPT_SUBSYSTEM, &pe->subsystem);
	rd_u16(&opt, PE_OPT_DLL_CHARACTERISTICS, &pe->dll_characteristics);
	dirs = pe_opt_dirs(pe->pe32plus);
	rd_u32(&opt, dirs - 4, &nrva); /* NumberOfRvaAndSizes */
	if (nrva > PE_NDIRS) {
		pe_anomaly(c,
			   "NumberOfRvaAndSizes is %u, more than %u; %u "
			   "are read.",
			   nrva, PE_NDIRS, PE_NDIRS);
		nrva = PE_NDIRS;
	}
	for (i = 0; i < nrva; i++) {
		if (rd_u32(&opt, dirs + PE_DIR_ENTRY * i, &pe->dirs[i].rva) ||
		    rd_u32(&opt, dirs + PE_DIR_ENTRY * i + 4,
			   &pe->dirs[i].size)) {
			pe_anomaly(c,
				   "The data directories end after %zu of "
				   "%u entries (SizeOfOptionalHeader is "
				   "%u).",
				   i, nrva, opt_size);
			pe->dirs[i].rva = pe->dirs[i].size = 0;
			break;
		}
	}
	pe->ndirs = (uint32_t)i;
}

void pe_checksum_add(uint64_t *sum, uint64_t off, const uint8_t *p, size_t n)
{
	uint64_t v = *sum;
	size_t i = 0;

	/* byte by byte up to a dword boundary, dwords, the bytes left:
	 * the same sum as of the dwords, whatever the pieces */
	for (; i < n && (off + i) % 4; i++)
		v += (uint64_t)p[i] << (8 * ((off + i) % 4));
	for (; i + 4 <= n; i += 4)
		v += (uint32_t)p[i] | (uint32_t)p[i + 1] << 8 |
		     (uint32_t)p[i + 2] << 16 | (uint32_t)p[i + 3] << 24;
	for (; i < n; i++)
		v += (uint64_t)p[i] << (8 * ((off + i) % 4));
	/* folded before it could overflow (a file past 4 GiB): the same
	 * sum in ones' complement */
	if (v >> 62)
		v = (v & 0xffffffffu) + (v >> 32);
	*sum = v;
}

/*
 * pefile's generate_checksum(): the file as little-endian dwords (the last
 * one zero-padded), less the CheckSum field, summed with end-around carry,
 * folded to 16 bits, plus the file's length. The carry is folded at the
 * end (and on the way only past 4 GiB): the folded result is the same
 * ones' complement sum. The sum of the whole file is the caller's when it
 * made one while it read the file (c->sum), else read here.
 */
static void checksum(struct pe_ctx *c)
{
	size_t len = c->len, off = 0, got, at, i;
	size_t skip = (c->opt_off + PE_OPT_CHECKSUM) / 4;
	const uint8_t *p;
	uint64_t sum = 0;
	uint8_t field[4];

	if (c->sum) {
		sum = *c->sum;
	} else {
		while (off < len) {
			got = pe_peek(c->s, off, len - off, &p);
			if (!got)
				return;
			pe_checksum_add(&sum, off, p, got);
			off += got;
		}
	}
	/* less the CheckSum field's dword (zero-padded at the end) */
	at = 4 * skip;
	if (at < len) {
		got = len - at < 4 ? len - at : 4;
		if (pe_read(c->s, at, got, field))
			return;
		for (i = 0; i < got; i++) {
			uint64_t b = (uint64_t)field[i] << (8 * i);

			if (sum <
			    b) /* only after a fold: + 0xffffffff is + 0 */
				sum += 0xffffffffu;
			sum -= b;
		}
	}
	while (sum >> 32)
		sum = (sum & 0xffffffffu) + (sum >> 32);
	sum = (sum & 0xffff) + (sum >> 16);
	sum = sum + (sum >> 16);
	sum &= 0xffff;
	c->pe->checksum_computed = (uint32_t)(sum + len);
	c->pe->checksum_known = 1;
}

/* The offset of the first "Rich" in [from, end), or end. */
static size_t find_rich(struct pe_ctx *c, size_t from, size_t end)
{
	static const uint8_t rich[4] = { 'R', 'i', 'c', 'h' };
	const uint8_t *p, *hit;
	uint8_t four[4];
	size_t i = from, got;

	while (i + 4 <= end) {
		got = pe_peek(c->s, i, end - i, &p);
		if (!got)
			return end;
		if (got < 4) {
			/* "Rich" may start in one block and end in the next */
			if (pe_read(c->s, i, 4, four))
				return end;
			if (memcmp(four, rich, 4) == 0)
				return i;
			i++;
			continue;
		}
		hit = memmem(p, got, rich, 4);
		if (hit)
			return i + (size_t)(hit - p);
		/* its last 3 bytes may start one */
		i += got - 3;
	}
	return end;
}

/* The Rich header between the DOS stub and the PE header, decoded with
 * its key, as pefile's parse_rich_header() finds and checks it. */
static void parse_rich(struct pe_ctx *c, uint32_t lfanew)
{
	static const uint8_t rich[4] = { 'R', 'i', 'c', 'h' };
	/* "Rich" is searched for up to the optional header */
	size_t end = (size_t)lfanew + PE_NT_OPT_HDR, i, n, at;
	uint32_t key, check, dw0, dw2, dw3;
	uint8_t *raw;
	struct rd r;

	if (end > c->len)
		end = c->len;
	at = find_rich(c, 0x80, end);
	if (at >= end || at + 8 > c->len)
		return;
	n = (at + 8 - 0x80) / 4 * 4;
	if (n > CAP_PE_RICH) {
		pe_anomaly(c,
			   "The Rich header would be %zu bytes long, more "
			   "than the %u read: it is not decoded.",
			   n, CAP_PE_RICH);
		return;
	}
	raw = malloc(n ? n : 1);
	if (!raw) {
		c->oom = 1;
		return;
	}
	r.p = raw;
	r.len = n;
	if (pe_read(c->s, 0x80, n, raw))
		goto out;
	/* the first "Rich" on a dword boundary holds the key after it */
	for (i = 0; i + 8 <= n; i += 4)
		if (memcmp(r.p + i, rich, 4) == 0)
			break;
	if (i + 8 > n)
		goto out;
	rd_u32(&r, i + 4, &key);
	if (rd_u32(&r, 0, &dw0) || rd_u32(&r, 4, &check) ||
	    rd_u32(&r, 8, &dw2) || rd_u32(&r, 12, &dw3))
		goto out;
	if ((dw0 ^ check) != 0x536e6144 || dw2 != check || dw3 != check)
		goto out;
	/* decoded in place: the bytes before "Rich" */
	for (i = 0; i < at - 0x80; i++)
		raw[i] = r.p[i] ^ (uint8_t)(key >> (8 * (i % 4)));
	c->pe->rich = raw;
	c->pe->rich_len = at - 0x80;
	return;
out:
	free(raw);
}

void pe_free(struct pe_info *pe)
{
	size_t i, k;

	if (!pe)
		return;
	for (i = 0; i < pe->nimports; i++) {
		for (k = 0; k < pe->imports[i].nfuncs; k++)
			free(pe->imports[i].funcs[k].name);
		free(pe->imports[i].funcs);
		free(pe->imports[i].dll);
	}
	free(pe->imports);
	for (i = 0; i < pe->nexports; i++) {
		free(pe->exports[i].name);
		free(pe->exports[i].forwarder);
	}
	free(pe->exports);
	free(pe->export_name);
	for (i = 0; i < PE_VS_N; i++)
		free(pe->version.strings[i]);
	for (i = 0; i < pe->nanomalies; i++)
		free(pe->anomalies[i]);
	free(pe->anomalies);
	free(pe->sections);
	free(pe->rich);
	pe_facts_free(&pe->facts);
	free(pe);
}

/* The parse of what s holds, the first s->len bytes of a file of file_len
 * bytes. -EINVAL (not a PE image: *why says why), -ENOMEM, and s's error
 * when reading it failed. */
static int parse(struct pe_src *s, uint64_t file_len, const uint64_t *sum,
		 struct pe_info **out, const char **why)
{
	struct pe_ctx c = { s, s->len, NULL, 0, 0, sum };
	uint16_t nsec = 0, opt_size = 0;
	uint8_t fhb[PE_FH_SIZE];
	struct rd fh = { fhb, sizeof(fhb) };
	uint32_t lfanew = 0;
	int rc;

	if (!pe_identify_src(s, why))
		return s->err ? s->err : -EINVAL;
	c.pe = calloc(1, sizeof(*c.pe));
	if (!c.pe)
		return -ENOMEM;
	pe_u32(s, PE_DOS_LFANEW, &lfanew);
	if (pe_read(s, (size_t)lfanew + PE_NT_FILE_HDR, PE_FH_SIZE, fhb)) {
		pe_anomaly(&c, "The file header is truncated.");
	} else {
		rd_u16(&fh, PE_FH_MACHINE, &c.pe->machine);
		rd_u16(&fh, PE_FH_NSECTIONS, &nsec);
		rd_u32(&fh, PE_FH_TIMESTAMP, &c.pe->timestamp);
		rd_u16(&fh, PE_FH_OPT_SIZE, &opt_size);
		rd_u16(&fh, PE_FH_CHARACTERISTICS, &c.pe->characteristics);
	}
	c.pe->nsections_declared = nsec;
	c.opt_off = lfanew + PE_NT_OPT_HDR;
	if (opt_size)
		parse_optional(&c, opt_size);
	else
		pe_anomaly(&c, "There is no optional header.");
	if (!c.oom)
		parse_sections(&c, c.opt_off + opt_size, nsec);
	if (c.len < file_len)
		pe_anomaly(&c,
			   "Only the first %zu of %llu bytes were parsed; "
			   "tables beyond them are not listed.",
			   c.len, (unsigned long long)file_len);
	else if (!c.oom)
		checksum(&c);
	if (!c.oom)
		parse_rich(&c, lfanew);
	c.pe->is_dotnet =
		c.pe->ndirs > PE_DIR_CLR && c.pe->dirs[PE_DIR_CLR].rva != 0;
	if (!c.oom)
		pe_parse_imports(&c);
	if (!c.oom)
		pe_parse_exports(&c);
	if (!c.oom)
		pe_parse_version(&c);
	if (!c.oom)
		pe_parse_facts(&c, opt_size, c.len >= file_len);
	rc = s->err ? s->err : c.oom ? -ENOMEM : 0;
	if (rc) {
		pe_free(c.pe);
		return rc;
	}
	*out = c.pe;
	return 0;
}

int pe_parse(const uint8_t *buf, size_t len, uint64_t file_len,
	     struct pe_info **out)
{
	struct pe_src s;
	const char *why;

	pe_src_mem(&s, buf, len);
	return parse(&s, file_len, NULL, out, &why);
}

int pe_parse_file(struct tree_file *f, uint64_t file_len,
		  const struct util_stop *stop, const uint64_t *sum,
		  struct pe_info **out, const char **why)
{
	struct pe_src s;
	int rc;

	*why = NULL;
	rc = pe_src_file(&s, f, file_len, stop);
	if (!rc)
		rc = parse(&s, file_len, sum, out, why);
	pe_src_free(&s);
	return rc;
}

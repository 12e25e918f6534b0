/*
 * Private to the PE parser: the parse context and the helpers every part
 * of it reads through. The dependencies point one way:
 *
 *   headers.c (pe_parse: the driver) --> imports.c, exports.c, version.c,
 *                                        facts.c
 *        |                                  |
 *        +----------------+-----------------+
 *                         v
 *        ctx.c (anomalies, allocation, RVA reads), names.c (names, ids)
 *                         |
 *                         v
 *        src.c (the bytes: a buffer, or a file through a block cache)
 *
 * The parts are called by the driver only; the helpers call no part.
 */
#ifndef PROFILEFS_PE_I_H
#define PROFILEFS_PE_I_H

#include "profilefs/caps.h"
#include "profilefs/pe.h"

/*
 * Where the headers' fields are, for every file that reads them (the
 * driver, and pe_identify() and pe_hash_layout() in identify.c):
 *
 *   file offset 0:        DOS header, e_lfanew at PE_DOS_LFANEW
 *   e_lfanew:             "PE\0\0", then the file header (PE_NT_FILE_HDR)
 *   e_lfanew + PE_NT_OPT_HDR: the optional header; its data directories
 *                         start at pe_opt_dirs(), PE_DIR_ENTRY bytes each,
 *                         NumberOfRvaAndSizes the dword just before them
 *
 * Optional header offsets are the same in PE32 and PE32+ up to
 * DllCharacteristics but for ImageBase (a dword at 28 in PE32, a qword at
 * 24 in PE32+); from SizeOfStackReserve on PE32+ has qwords, so the data
 * directories start 16 bytes later.
 */
enum {
	PE_DOS_MAGIC = 0x5a4d, /* "MZ" at offset 0 */
	PE_DOS_LFANEW = 0x3c,
	PE_NT_SIGNATURE = 0x00004550, /* "PE\0\0" at e_lfanew */

	/* from e_lfanew */
	PE_NT_FILE_HDR = 4,
	PE_NT_OPT_HDR = 24,

	/* from the file header */
	PE_FH_SIZE = 20,
	PE_FH_MACHINE = 0,
	PE_FH_NSECTIONS = 2,
	PE_FH_TIMESTAMP = 4,
	PE_FH_OPT_SIZE = 16,
	PE_FH_CHARACTERISTICS = 18,

	/* from the optional header */
	PE_OPT_MAGIC = 0,
	PE_OPT_MAGIC_PE32 = 0x10b,
	PE_OPT_MAGIC_PE32PLUS = 0x20b,
	PE_OPT_ENTRY_POINT = 16,
	PE_OPT_IMAGE_BASE_PE32PLUS = 24, /* a qword */
	PE_OPT_IMAGE_BASE_PE32 = 28,	 /* a dword */
	PE_OPT_SECTION_ALIGNMENT = 32,
	PE_OPT_FILE_ALIGNMENT = 36,
	PE_OPT_SIZE_OF_IMAGE = 56,
	PE_OPT_SIZE_OF_HEADERS = 60,
	PE_OPT_CHECKSUM = 64,
	PE_OPT_SUBSYSTEM = 68,
	PE_OPT_DLL_CHARACTERISTICS = 70,
	PE_OPT_DIRS_PE32 = 96,
	PE_OPT_DIRS_PE32PLUS = 112,
	PE_DIR_ENTRY = 8, /* a directory: RVA, then size (dwords) */

	/* a section table entry */
	PE_SEC_SIZE = 40,
	PE_SEC_NAME = 0, /* 8 bytes */
	PE_SEC_VSIZE = 8,
	PE_SEC_VA = 12,
	PE_SEC_RAWSIZE = 16,
	PE_SEC_RAWPTR = 20,
	PE_SEC_CHARACTERISTICS = 36,
};

/* Where the data directories start in the optional header. Any magic but
 * PE32+'s is read as PE32, by the parser and the Authenticode layout
 * alike. */
static inline uint32_t pe_opt_dirs(int pe32plus)
{
	return pe32plus ? PE_OPT_DIRS_PE32PLUS : PE_OPT_DIRS_PE32;
}

/*
 * Where the parser's bytes come from (src.c): a caller's buffer, or a file
 * read with pread through a cache of PE_SRC_BLOCKS blocks of PE_SRC_BLOCK
 * bytes (least recently used out), so that a parse holds the same few
 * hundred KiB whatever the file's size. Every read is bounds-checked
 * against len as struct rd's are; a file that turns out shorter than len
 * (it shrank) sets err to -EAGAIN, and every read fails from then on: no
 * byte of another version of the file is ever used. A stop that says stop
 * (time is up, the readers have gone) ends the reads the same way.
 */
#define PE_SRC_BLOCK  (64u << 10)
#define PE_SRC_BLOCKS 8
_Static_assert(PE_SRC_BLOCK *PE_SRC_BLOCKS <= PE_PARSE_MEMORY,
	       "pe.h's PE_PARSE_MEMORY counts the cache");

struct pe_blk {
	uint64_t off;  /* file offset of the block's first byte */
	uint64_t used; /* the src's tick when last read; 0: empty */
	size_t n;      /* bytes held */
	uint8_t *p;
};

struct pe_src {
	const uint8_t *buf; /* memory: the first len bytes; NULL: from file */
	struct tree_file *file;
	size_t len; /* the bytes that can be read */
	struct pe_blk blk[PE_SRC_BLOCKS];
	uint8_t *mem; /* the blocks' bytes (file only) */
	struct pe_blk *last;
	uint64_t tick;
	const struct util_stop *stop; /* asked every PE_SRC_STOP_EVERY reads */
	unsigned fills;
	int err; /* -EAGAIN (the file shrank), -EIO, the stop's; 0 */
};
/* blocks read between two questions to the stop: 1 MiB */
#define PE_SRC_STOP_EVERY 16

struct pe_ctx {
	struct pe_src *s;    /* the bytes */
	size_t len;	     /* how many: s->len */
	struct pe_info *pe;  /* being filled */
	int oom;	     /* an allocation failed: give up */
	uint32_t opt_off;    /* file offset of the optional header */
	const uint64_t *sum; /* pe_checksum_add() over the file, or NULL */
};

/* ---- the bytes (src.c) ------------------------------------------------ */

/* A source over buf's len bytes; nothing to free. */
void pe_src_mem(struct pe_src *s, const uint8_t *buf, size_t len);
/* A source over file's len bytes, asking stop (NULL: none) before its first
 * read and then every PE_SRC_STOP_EVERY: what it says becomes s->err.
 * -ENOMEM, -EFBIG. Freed with pe_src_free(). */
struct tree_file;
int pe_src_file(struct pe_src *s, struct tree_file *file, uint64_t len,
		const struct util_stop *stop);
void pe_src_free(struct pe_src *s);

/*
 * A pointer to the bytes at off: how many of them (at most n, at least 1)
 * are there contiguously, valid until the next read of s; 0 when off is
 * not before len or the file cannot be read (then s->err is set).
 */
size_t pe_peek(struct pe_src *s, size_t off, size_t n, const uint8_t **p);

/* Copies the n bytes at off: 0, or -ERANGE when they are not all there
 * (dst then partly written: callers use it on success only). */
int pe_read(struct pe_src *s, size_t off, size_t n, void *dst);

/* Little-endian values at a file offset, as rd_u16() and the rest: 0 or
 * -ERANGE with *out untouched. */
int pe_u16(struct pe_src *s, size_t off, uint16_t *out);
int pe_u32(struct pe_src *s, size_t off, uint32_t *out);
int pe_u64(struct pe_src *s, size_t off, uint64_t *out);

/*
 * An owned copy of the bytes at off up to the first NUL unit (unit 1:
 * bytes, 2: UTF-16 units, both bytes 0), at most max units and at most
 * avail bytes; *n is its length in bytes, *terminated whether a NUL was
 * found. NULL when nothing can be read at off, or on OOM (c->oom set).
 */
uint8_t *pe_read_until(struct pe_ctx *c, size_t off, size_t avail, size_t max,
		       unsigned unit, size_t *n, int *terminated);

/* Does what the reader said is 1 for a PE image, as pe_identify(). */
int pe_identify_src(struct pe_src *s, const char **why);

/* ---- helpers (ctx.c) ------------------------------------------------ */

/* Records an anomaly (a sentence, no trailing newline). */
void pe_anomaly(struct pe_ctx *c, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/* Reads at an RVA (translated with pe_rva_to_off). 0 or -ERANGE. */
int pe_rva_u16(struct pe_ctx *c, uint64_t rva, uint16_t *v);
int pe_rva_u32(struct pe_ctx *c, uint64_t rva, uint32_t *v);
int pe_rva_u64(struct pe_ctx *c, uint64_t rva, uint64_t *v);

/*
 * An owned copy of the NUL-terminated ASCII string at an RVA, at most max
 * bytes (read up to the end of what is readable there). *terminated says
 * whether a NUL was found. NULL when nothing can be read there or on OOM
 * (then c->oom is set).
 */
char *pe_rva_string(struct pe_ctx *c, uint64_t rva, size_t max,
		    int *terminated);

/* An owned, NUL-terminated copy of n bytes; sets c->oom on failure. */
char *pe_strndup(struct pe_ctx *c, const void *p, size_t n);

/* Grows an array of *n elements of size sz by one; NULL on OOM. */
void *pe_grow(struct pe_ctx *c, void **arr, size_t *n, size_t sz);

/* ---- names (names.c) ------------------------------------------------- */

/* Is every character of s a letter, a digit or one of extra? (pefile's
 * tests of DLL, import and export names, each with its own extra set) */
int pe_name_ok(const char *s, const char *extra);

/* An id's name in a table sorted by id, or NULL. */
struct pe_id_name {
	uint16_t id;
	const char *name;
};
const char *pe_id_lookup(const struct pe_id_name *t, size_t n, uint16_t id);

/* ---- the parts, called by the driver (headers.c) only ---------------- */

/* Each records anomalies; none fails but on OOM (then c->oom is set). */
void pe_parse_imports(struct pe_ctx *c);
void pe_parse_exports(struct pe_ctx *c);
void pe_parse_version(struct pe_ctx *c);
/* facts.c: opt_size is SizeOfOptionalHeader; whole says the reader holds
 * the whole file (the overlay is read only then) */
void pe_parse_facts(struct pe_ctx *c, uint16_t opt_size, int whole);
void pe_facts_free(struct pe_facts *f);
/* dotnet.c: the Assembly row of the metadata whose root is at file
 * offset root (avail bytes readable there), its version string vlen
 * bytes long */
void pe_parse_assembly(struct pe_ctx *c, size_t root, size_t avail,
		       uint32_t vlen);
/* resources.c: the resource types and the manifest */
void pe_parse_resources(struct pe_ctx *c);

/* Shannon entropy of the n bytes at off (all inside the file), 0..8; -1
 * when the file cannot be read (headers.c) */
double pe_entropy(struct pe_ctx *c, size_t off, size_t n);

#endif

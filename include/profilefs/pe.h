/*
 * pe: what the bytes of a file say about it as a PE image.
 *
 * pe_parse() reads a whole file image (a buffer and its length, owned by
 * the caller), pe_parse_file() a source file (tree.h), both through the same
 * bounds-checked reads (src/pe/src.c), and fills a struct pe_info that
 * owns copies of everything it keeps: nothing points into the buffer or
 * the reader's cache afterwards. Malformed is not an error: what cannot be read
 * is recorded as an anomaly (a sentence) and parsing goes on with the rest.
 * Every count the file controls is capped (caps.h) before anything is sized by
 * it, and every loop over file-controlled links has a budget.
 *
 * Errors: -EINVAL when the buffer is not a PE image at all (pe_identify
 * says why), -ENOMEM.
 */
#ifndef PROFILEFS_PE_H
#define PROFILEFS_PE_H

#include <stddef.h>
#include <stdint.h>

#include "profilefs/util.h"

/*
 * Decides whether a buffer holds a PE image at all: an "MZ" DOS header
 * whose e_lfanew points at a "PE\0\0" signature inside the buffer. Returns
 * 1 for a PE image, 0 otherwise with *why a static sentence.
 */
int pe_identify(const uint8_t *buf, size_t len, const char **why);

/*
 * Where the Authenticode PE image hash skips and ends, from the headers at
 * the start of a file of file_len bytes (head holds its first len bytes):
 * the CheckSum field, the certificate-table directory entry, and the
 * certificate table it points at (osslsigncode's reading of them). 0, or
 * -EINVAL when head is not a PE image or too short to say.
 */
struct dg_pe_layout;
int pe_hash_layout(const uint8_t *head, size_t len, uint64_t file_len,
		   struct dg_pe_layout *out);

#define PE_NDIRS 16
enum {
	PE_DIR_EXPORT = 0,
	PE_DIR_IMPORT = 1,
	PE_DIR_RESOURCE = 2,
	PE_DIR_SECURITY = 4,
	PE_DIR_DEBUG = 6,
	PE_DIR_TLS = 9,
	PE_DIR_LOAD_CONFIG = 10,
	PE_DIR_CLR = 14,
	PE_DIR_DELAY_IMPORT = 13,
};

struct pe_section {
	char name[9]; /* the raw 8 bytes, NUL-terminated (may hold any byte) */
	uint32_t vsize, va, rawsize, rawptr, characteristics;
	double entropy; /* of the raw bytes in the file, 0..8; -1: not computed
			 */
	/* for RVA translation (pefile's adjusted bounds) */
	uint32_t va_adj, raw_adj;
	uint64_t rva_end; /* exclusive */
};

struct pe_import_func {
	char *name; /* NULL when imported by ordinal */
	uint16_t ordinal;
	uint16_t hint;
};

struct pe_import_dll {
	char *dll;
	int delay; /* from the delay-load import table */
	struct pe_import_func *funcs;
	size_t nfuncs;
};

struct pe_export {
	uint64_t ordinal; /* Base + index: may pass 32 bits in a bad file */
	char *name;	  /* NULL for an export by ordinal only */
	char *forwarder;  /* NULL unless forwarded */
	uint32_t rva;
};

/* The version resource's strings, in the order of the File Metadata list. */
enum pe_vs_key {
	PE_VS_FILE_DESCRIPTION,
	PE_VS_ORIGINAL_FILENAME,
	PE_VS_PRODUCT_NAME,
	PE_VS_COMPANY_NAME,
	PE_VS_FILE_VERSION,
	PE_VS_PRODUCT_VERSION,
	PE_VS_LEGAL_COPYRIGHT,
	PE_VS_INTERNAL_NAME,
	PE_VS_N
};
extern const char *const pe_vs_keys[PE_VS_N]; /* "FileDescription", ... */

struct pe_version {
	int found;     /* a string table was read */
	uint16_t lang; /* of the string table used */
	uint16_t codepage;
	uint16_t resource_lang; /* of the VS_VERSIONINFO resource used */
	char *strings[PE_VS_N]; /* UTF-8, NULL when absent */
};

/* debug directory entry types (IMAGE_DEBUG_TYPE_*) read further */
enum {
	PE_DEBUG_CODEVIEW = 2,
	PE_DEBUG_REPRO = 16,
	PE_DEBUG_EX_DLLCHARACTERISTICS = 20,
};

/* a Rich header entry: the tool (product id and build) and how many of
 * the image's objects it made */
struct pe_rich_entry {
	uint16_t product, build;
	uint32_t count;
};

/* a resource type: its id (PE_RES_NAMED for a type named by a string),
 * how many resources (name and language pairs) it has, and their first
 * PE_RES_LANGS distinct languages */
#define PE_RES_LANGS 8
#define PE_RES_NAMED 0xFFFFFFFFu
struct pe_res_type {
	uint32_t id;
	uint32_t count;
	uint16_t langs[PE_RES_LANGS];
	size_t nlangs;
};

/*
 * The facts an analyst reaches for after the hashes (src/pe/facts.c):
 * each group's has_ says whether the file has it at all; what could not
 * be read of it is an anomaly.
 */
struct pe_facts {
	/* the debug directory: every entry's type, in the file's order */
	uint32_t *debug_types;
	size_t ndebug;
	int repro; /* a REPRO entry: TimeDateStamp is a hash, not a time */
	int has_codeview;     /* an RSDS CodeView record was read */
	char *pdb_path;	      /* its PDB path (bytes up to NUL, capped) */
	uint8_t pdb_guid[16]; /* as stored: Data1..3 little-endian */
	uint32_t pdb_age;
	int has_ex_dllchar; /* an EX_DLLCHARACTERISTICS entry was read */
	uint32_t ex_dllchar;

	/* TLS: the callbacks' VAs (0-terminated list in the file, capped) */
	int has_tls;
	uint64_t *tls_callbacks;
	size_t ntls_callbacks;

	/* the load configuration: each has_ says the field is inside the
	 * structure's own Size */
	int has_load_config;
	uint32_t load_config_size;
	int has_cookie, has_seh, has_guard_flags;
	uint64_t security_cookie; /* a VA */
	uint64_t seh_table, seh_count;
	uint32_t guard_flags;

	/* data after what the headers, sections and directories describe
	 * (pefile's get_overlay_data_start_offset()) */
	int has_overlay;
	uint64_t overlay_off, overlay_size;
	double overlay_entropy; /* of the first entropy_len bytes; -1: none */
	uint64_t entropy_len;
	int cert_in_overlay; /* the certificate table lies in it */
	uint64_t after_cert; /* bytes after the certificate table */

	/* .NET: the CLR header and the metadata root's version string */
	int has_clr;
	uint16_t clr_major, clr_minor;
	uint32_t clr_flags;
	char *metadata_version;
	/* the metadata's Assembly row (src/pe/dotnet.c), when read: name and
	 * culture are the #Strings bytes (capped), asm_key 0 when there is
	 * no public key, 1 when asm_token holds its token (the last 8 bytes
	 * of its SHA-1, reversed), -1 when it cannot be read */
	int has_assembly;
	uint32_t asm_hash_alg, asm_flags;
	uint16_t asm_version[4]; /* major, minor, build, revision */
	char *asm_name, *asm_culture;
	int asm_key;
	uint8_t asm_token[8];

	struct pe_rich_entry *rich;
	size_t nrich;

	/* resources (src/pe/resources.c): the types, in the tree's order,
	 * and the first RT_MANIFEST's facts */
	struct pe_res_type *res_types;
	size_t nres_types;
	int has_manifest;
	char *exec_level;     /* requestedExecutionLevel's level, or NULL */
	int ui_access;	      /* its uiAccess: 1, 0; -1 when not said */
	int auto_elevate;     /* <autoElevate>: 1, 0; -1 when not said */
	char **manifest_deps; /* dependentAssembly names */
	size_t nmanifest_deps;
};

struct pe_info {
	int pe32plus;
	uint16_t machine;
	uint16_t nsections_declared;
	uint32_t timestamp;
	uint16_t characteristics;
	uint16_t subsystem;
	uint16_t dll_characteristics;
	uint64_t image_base;
	uint32_t entry_point;
	uint32_t section_alignment, file_alignment;
	uint32_t size_of_image, size_of_headers;
	uint32_t checksum;	    /* as the header says */
	uint32_t checksum_computed; /* valid when checksum_known */
	int checksum_known;
	uint32_t ndirs; /* NumberOfRvaAndSizes, clamped to PE_NDIRS */
	struct {
		uint32_t rva, size;
	} dirs[PE_NDIRS];
	int is_dotnet;

	struct pe_section *sections;
	size_t nsections;
	struct pe_import_dll *imports; /* normal ones first, then delay-load */
	size_t nimports;
	struct pe_export *exports; /* sorted by ordinal */
	size_t nexports;
	char *export_name; /* the export directory's DLL name */
	struct pe_version version;

	/* the Rich header, decoded ("clear data", as pefile hashes it) */
	uint8_t *rich;
	size_t rich_len;

	char **anomalies;
	size_t nanomalies;

	struct pe_facts facts;
};

/*
 * buf holds the first len bytes of a file of file_len bytes (len <
 * file_len when only a head is at hand: what lies beyond is reported as
 * not read, and the checksum as unknown).
 */
int pe_parse(const uint8_t *buf, size_t len, uint64_t file_len,
	     struct pe_info **out);

/*
 * The same parse of the file_len bytes of f, read with tree_pread through a
 * cache of a fixed few hundred KiB (whatever the file's size: nothing else
 * of it is held). stop (NULL: none) is asked before every 1 MiB read. sum
 * (NULL: read the file for it) is pe_checksum_add() over all of the file,
 * made by a caller that read it anyway (the digests' pass), so that the
 * header checksum does not read the whole file again.
 * -EINVAL when it is not a PE image (*why says why, as pe_identify()),
 * -EAGAIN when the file turned out shorter than file_len (it shrank:
 * nothing read from it is used), what stop said (-ETIME, -EINTR), -EIO,
 * -ENOMEM, -EFBIG.
 */
struct tree_file;
int pe_parse_file(struct tree_file *f, uint64_t file_len,
		  const struct util_stop *stop, const uint64_t *sum,
		  struct pe_info **out, const char **why);

/*
 * Adds the n bytes at file offset off to *sum, the running sum of a file's
 * little-endian dwords (the last one zero-padded) that the PE header
 * checksum is made from. Pieces of any sizes, each file offset once: start
 * at 0.
 */
void pe_checksum_add(uint64_t *sum, uint64_t off, const uint8_t *p, size_t n);

/* What pe_parse_file()'s reader holds at most (its block cache), in bytes:
 * 8 blocks of 64 KiB (src/pe/pe_i.h) */
#define PE_PARSE_MEMORY (512u << 10)
void pe_free(struct pe_info *pe);

/*
 * The file offset of an RVA and how many bytes can be read there (up to
 * the end of the section's raw data, or of the file for an RVA no section
 * holds, which is read as a file offset the way pefile and the loader's
 * headers do). -ERANGE when nothing can be read there.
 */
int pe_rva_to_off(const struct pe_info *pe, uint64_t file_len, uint64_t rva,
		  size_t *off, size_t *avail);

/*
 * The string the imphash is the MD5 of: "dll.func,dll.func,..." over the
 * normal (not delay-load) imports, exactly as python3-pefile's
 * get_imphash() builds it. Empty when nothing is imported.
 */
int pe_imphash_input(const struct pe_info *pe, struct dynbuf *out);

/* The name of an ordinal import from ws2_32/wsock32/oleaut32, or NULL. */
const char *pe_ordinal_name(const char *dll, uint16_t ordinal);

/* Windows' name of a language id: "English (United States)", or NULL. */
const char *pe_lang_name(uint16_t lcid);

/* IMAGE_DEBUG_TYPE_* names as pefile spells them without the prefix
 * ("CODEVIEW", "REPRO"), or NULL */
const char *pe_debug_type_name(uint32_t type);

/* RT_* names without the prefix ("ICON", "MANIFEST"), or NULL */
const char *pe_res_type_name(uint32_t id);

/* A CodeView GUID as Windows writes it: "XXXXXXXX-XXXX-XXXX-XXXX-
 * XXXXXXXXXXXX" (dashes 0: the symbol server's form, without them) */
#define PE_GUID_LEN 37
void pe_guid_str(const uint8_t g[16], int dashes, char out[PE_GUID_LEN]);

/* "64-bit", "32-bit", "64-bit ARM", "32-bit ARM", or NULL (unknown). */
const char *pe_machine_name(uint16_t machine);

#endif

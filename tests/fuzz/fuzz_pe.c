/* libFuzzer target: the PE parser over any bytes, and what the profile
 * asks of its result (the imphash input, RVA translation, the facts of
 * facts.c: debug directory, TLS, load configuration, overlay, CLR and the
 * assembly of dotnet.c). The bytes are parsed twice, from memory
 * (pe_parse) and from a memfd holding them (pe_parse_file, through the
 * reader's block cache, with the checksum's sum made in odd pieces): any
 * difference between the two parses aborts. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "profilefs/pe.h"
#include "profilefs/tree.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int same_str(const char *a, const char *b)
{
	return (!a && !b) || (a && b && strcmp(a, b) == 0);
}

/* struct pe_facts of the two parses: the same */
static void same_facts(const struct pe_facts *a, const struct pe_facts *b)
{
	if (a->ndebug != b->ndebug || a->repro != b->repro ||
	    a->has_codeview != b->has_codeview ||
	    !same_str(a->pdb_path, b->pdb_path) ||
	    memcmp(a->pdb_guid, b->pdb_guid, 16) || a->pdb_age != b->pdb_age ||
	    a->ntls_callbacks != b->ntls_callbacks ||
	    a->has_guard_flags != b->has_guard_flags ||
	    a->guard_flags != b->guard_flags ||
	    a->has_overlay != b->has_overlay ||
	    a->overlay_off != b->overlay_off ||
	    a->overlay_entropy != b->overlay_entropy ||
	    a->after_cert != b->after_cert || a->has_clr != b->has_clr ||
	    a->clr_flags != b->clr_flags ||
	    !same_str(a->metadata_version, b->metadata_version) ||
	    a->has_assembly != b->has_assembly ||
	    !same_str(a->asm_name, b->asm_name) ||
	    !same_str(a->asm_culture, b->asm_culture) ||
	    memcmp(a->asm_version, b->asm_version, sizeof(a->asm_version)) ||
	    a->asm_flags != b->asm_flags || a->asm_key != b->asm_key ||
	    memcmp(a->asm_token, b->asm_token, 8) || a->nrich != b->nrich)
		abort();
	if ((a->ndebug && memcmp(a->debug_types, b->debug_types,
				 a->ndebug * sizeof(*a->debug_types))) ||
	    (a->ntls_callbacks &&
	     memcmp(a->tls_callbacks, b->tls_callbacks,
		    a->ntls_callbacks * sizeof(*a->tls_callbacks))) ||
	    (a->nrich && memcmp(a->rich, b->rich, a->nrich * sizeof(*a->rich))))
		abort();
}

/* the two parses of one input: the same, field by field that matters */
static void same(const struct pe_info *a, const struct pe_info *b)
{
	size_t i, k;

	if (a->machine != b->machine || a->nsections != b->nsections ||
	    a->checksum_known != b->checksum_known ||
	    a->checksum_computed != b->checksum_computed ||
	    a->nimports != b->nimports || a->nexports != b->nexports ||
	    a->nanomalies != b->nanomalies || a->rich_len != b->rich_len ||
	    a->version.found != b->version.found ||
	    !same_str(a->export_name, b->export_name) ||
	    (a->rich_len && memcmp(a->rich, b->rich, a->rich_len)))
		abort();
	for (i = 0; i < a->nsections; i++)
		if (a->sections[i].entropy != b->sections[i].entropy)
			abort();
	for (i = 0; i < a->nimports; i++) {
		if (!same_str(a->imports[i].dll, b->imports[i].dll) ||
		    a->imports[i].nfuncs != b->imports[i].nfuncs)
			abort();
		for (k = 0; k < a->imports[i].nfuncs; k++)
			if (!same_str(a->imports[i].funcs[k].name,
				      b->imports[i].funcs[k].name))
				abort();
	}
	for (i = 0; i < a->nexports; i++)
		if (!same_str(a->exports[i].name, b->exports[i].name) ||
		    !same_str(a->exports[i].forwarder, b->exports[i].forwarder))
			abort();
	for (i = 0; i < PE_VS_N; i++)
		if (!same_str(a->version.strings[i], b->version.strings[i]))
			abort();
	for (i = 0; i < a->nanomalies; i++)
		if (!same_str(a->anomalies[i], b->anomalies[i]))
			abort();
	same_facts(&a->facts, &b->facts);
}

/* pe_parse_file() over the same bytes, given their checksum sum made in
 * pieces of 7 bytes (the parse from memory makes it in one) */
static int parse_fd(const uint8_t *data, size_t size, struct pe_info **out)
{
	static int fd = -2;
	static struct tree_file *f;
	uint64_t sum = 0;
	const char *why;
	size_t off;

	if (fd == -2)
		fd = memfd_create("fuzz_pe", MFD_CLOEXEC);
	if (fd >= 0 && !f && tree_file_posix_fd(fd, &f))
		abort();
	if (fd < 0 || ftruncate(fd, 0) ||
	    (size && pwrite(fd, data, size, 0) != (ssize_t)size))
		abort();
	for (off = 0; off < size; off += 7)
		pe_checksum_add(&sum, off, data + off,
				size - off < 7 ? size - off : 7);
	return pe_parse_file(f, size, NULL, &sum, out, &why);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct pe_info *pe = NULL, *pe2 = NULL;
	struct dynbuf b;
	char guid[PE_GUID_LEN];
	size_t off, avail, i;
	int rc = pe_parse(data, size, size, &pe), rc2;

	rc2 = parse_fd(data, size, &pe2);
	if (rc != rc2 && rc != -ENOMEM && rc2 != -ENOMEM)
		abort();
	if (pe && pe2)
		same(pe, pe2);
	pe_free(pe2);
	if (rc)
		return 0;
	db_init(&b, 1 << 24);
	pe_imphash_input(pe, &b);
	db_free(&b);
	for (i = 0; i < pe->nsections; i++)
		pe_rva_to_off(pe, size, pe->sections[i].va, &off, &avail);
	pe_rva_to_off(pe, size, pe->entry_point, &off, &avail);
	/* what the profile asks of the facts */
	pe_guid_str(pe->facts.pdb_guid, 1, guid);
	pe_guid_str(pe->facts.pdb_guid, 0, guid);
	for (i = 0; i < pe->facts.ndebug; i++)
		(void)pe_debug_type_name(pe->facts.debug_types[i]);
	pe_free(pe);
	return 0;
}

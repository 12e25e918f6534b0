/*
 * pe_dump [--fd] FILE...: what our PE parser reads, one JSON object a
 * line, for the differential suite (compare.py) to hold against
 * python3-pefile. The file is read into memory and parsed with
 * pe_parse(), or with --fd read as the source is (its folder opened with
 * tree_open_posix(), the file with tree_file_open()) and parsed with
 * pe_parse_file(): compare.py checks that both say the same, byte for
 * byte.
 */
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "profilefs/digest.h"
#include "profilefs/pe.h"
#include "profilefs/tree.h"

static void json_str(const char *s)
{
	putchar('"');
	for (; s && *s; s++) {
		unsigned char ch = (unsigned char)*s;

		if (ch == '"' || ch == '\\')
			printf("\\%c", ch);
		else if (ch < 0x20)
			printf("\\u%04x", ch);
		else
			putchar(ch);
	}
	putchar('"');
}

/* bytes as Latin-1 code points: any byte string is valid JSON so */
static void json_bytes(const char *s)
{
	putchar('"');
	for (; *s; s++) {
		unsigned char ch = (unsigned char)*s;

		if (ch == '"' || ch == '\\')
			printf("\\%c", ch);
		else if (ch < 0x20 || ch >= 0x7f)
			printf("\\u%04x", ch);
		else
			putchar(ch);
	}
	putchar('"');
}

/* the Assembly row: [name, "a.b.c.d", culture, token or null, flags,
 * hash algorithm], as monodis.py gives monodis's */
static void dump_assembly(const struct pe_facts *f)
{
	unsigned i;

	if (!f->has_assembly) {
		printf(", \"assembly\": null");
		return;
	}
	printf(", \"assembly\": [");
	json_bytes(f->asm_name ? f->asm_name : "");
	printf(", \"%u.%u.%u.%u\", ", f->asm_version[0], f->asm_version[1],
	       f->asm_version[2], f->asm_version[3]);
	json_bytes(f->asm_culture ? f->asm_culture : "");
	if (f->asm_key == 1) {
		printf(", \"");
		for (i = 0; i < 8; i++)
			printf("%02x", f->asm_token[i]);
		printf("\"");
	} else {
		printf(", %s", f->asm_key ? "\"unreadable\"" : "null");
	}
	printf(", %u, %u]", f->asm_flags, f->asm_hash_alg);
}

/* struct pe_facts, in the shape oracle.py's facts() gives pefile's */
static void dump_facts(const struct pe_info *pe)
{
	const struct pe_facts *f = &pe->facts;
	char guid[PE_GUID_LEN];
	size_t i;

	printf(", \"facts\": {\"debug_types\": [");
	for (i = 0; i < f->ndebug; i++)
		printf("%s%u", i ? ", " : "", f->debug_types[i]);
	printf("], \"pdb\": ");
	if (f->has_codeview) {
		pe_guid_str(f->pdb_guid, 1, guid);
		printf("[");
		json_bytes(f->pdb_path ? f->pdb_path : "");
		printf(", \"%s\", %u]", guid, f->pdb_age);
	} else {
		printf("null");
	}
	printf(", \"tls\": ");
	if (f->has_tls) {
		printf("[");
		for (i = 0; i < f->ntls_callbacks; i++)
			printf("%s%llu", i ? ", " : "",
			       (unsigned long long)f->tls_callbacks[i]);
		printf("]");
	} else {
		printf("null");
	}
	if (f->has_overlay)
		printf(", \"overlay\": %llu",
		       (unsigned long long)f->overlay_off);
	else
		printf(", \"overlay\": null");
	if (f->has_guard_flags)
		printf(", \"guard_flags\": %u", f->guard_flags);
	else
		printf(", \"guard_flags\": null");
	if (f->has_clr) {
		printf(", \"clr\": [%u, %u, %u, ", f->clr_major, f->clr_minor,
		       f->clr_flags);
		if (f->metadata_version)
			json_bytes(f->metadata_version);
		else
			printf("null");
		printf("]");
	} else {
		printf(", \"clr\": null");
	}
	dump_assembly(f);
	printf(", \"res_types\": [");
	for (i = 0; i < f->nres_types; i++) {
		if (f->res_types[i].id == PE_RES_NAMED)
			printf("%s[null, %u]", i ? ", " : "",
			       f->res_types[i].count);
		else
			printf("%s[%u, %u]", i ? ", " : "", f->res_types[i].id,
			       f->res_types[i].count);
	}
	printf("], \"manifest\": ");
	if (f->has_manifest) {
		printf("[");
		if (f->exec_level)
			json_bytes(f->exec_level);
		else
			printf("null");
		printf(", %d, %d]", f->ui_access, f->auto_elevate);
	} else {
		printf("null");
	}
	printf(", \"rich\": [");
	for (i = 0; i < f->nrich; i++)
		printf("%s[%u, %u, %u]", i ? ", " : "", f->rich[i].product,
		       f->rich[i].build, f->rich[i].count);
	printf("]}");
}

static void dump(const char *path, const uint8_t *buf, size_t len,
		 struct tree_file *f)
{
	struct pe_info *pe = NULL;
	struct dynbuf b;
	struct dg_result r;
	struct dg_ctx *dg;
	char hex[33];
	size_t i;

	printf("{\"file\": ");
	json_str(path);
	const char *why;

	if (buf ? pe_parse(buf, len, len, &pe)
		: pe_parse_file(f, len, NULL, NULL, &pe, &why)) {
		printf(", \"pe\": false}\n");
		return;
	}
	printf(", \"pe\": true, \"machine\": %u, \"pe32plus\": %d", pe->machine,
	       pe->pe32plus);
	db_init(&b, 1 << 24);
	pe_imphash_input(pe, &b);
	hex[0] = '\0';
	if (b.len && dg_new(&dg, b.len) == 0) {
		dg_update(dg, b.data, b.len);
		dg_final(dg, &r);
		dg_free(dg);
		dg_hex(r.md5, 16, hex, 0);
	}
	db_free(&b);
	printf(", \"imphash\": \"%s\", \"checksum\": %u", hex,
	       pe->checksum_computed);
	printf(", \"exports\": [");
	for (i = 0; i < pe->nexports; i++) {
		printf("%s[%llu, ", i ? ", " : "",
		       (unsigned long long)pe->exports[i].ordinal);
		if (pe->exports[i].name)
			json_str(pe->exports[i].name);
		else
			printf("null");
		printf(", ");
		if (pe->exports[i].forwarder)
			json_str(pe->exports[i].forwarder);
		else
			printf("null");
		printf("]");
	}
	printf("], \"version\": ");
	if (pe->version.found) {
		printf("{\"lang\": %u, \"codepage\": %u, \"strings\": {",
		       pe->version.lang, pe->version.codepage);
		for (i = 0; i < PE_VS_N; i++) {
			printf("%s\"%s\": ", i ? ", " : "", pe_vs_keys[i]);
			if (pe->version.strings[i])
				json_str(pe->version.strings[i]);
			else
				printf("null");
		}
		printf("}}");
	} else {
		printf("null");
	}
	/* not compared with pefile: for the memory/fd comparison */
	printf(", \"rich_len\": %zu, \"sections\": [", pe->rich_len);
	for (i = 0; i < pe->nsections; i++)
		printf("%s%.6f", i ? ", " : "", pe->sections[i].entropy);
	printf("], \"checksum_known\": %d", pe->checksum_known);
	dump_facts(pe);
	printf(", \"anomalies\": [");
	for (i = 0; i < pe->nanomalies; i++) {
		printf("%s", i ? ", " : "");
		json_str(pe->anomalies[i]);
	}
	printf("]}\n");
	pe_free(pe);
}

/* path read through a POSIX tree of its folder */
static int dump_tree(const char *path)
{
	char *d = strdup(path), *b = strdup(path);
	struct tree_file *f = NULL;
	struct tree *t = NULL;
	struct stat st;
	int rc = d && b ? 0 : -ENOMEM;

	if (!rc)
		rc = tree_open_posix(dirname(d), NULL, &t);
	if (!rc)
		rc = tree_file_open(t, basename(b), &f, &st);
	if (!rc)
		dump(path, NULL, (size_t)st.st_size, f);
	tree_file_close(f);
	tree_close(t);
	free(d);
	free(b);
	return rc;
}

int main(int argc, char **argv)
{
	int i = 1, status = 0, use_fd = 0;

	if (i < argc && strcmp(argv[i], "--fd") == 0) {
		use_fd = 1;
		i++;
	}
	for (; i < argc; i++) {
		struct stat st;
		uint8_t *buf;
		int fd = open(argv[i], O_RDONLY);

		if (fd < 0 || fstat(fd, &st) < 0) {
			perror(argv[i]);
			status = 1;
			continue;
		}
		if (use_fd) {
			close(fd);
			if (dump_tree(argv[i]) != 0) {
				perror(argv[i]);
				status = 1;
			}
			continue;
		}
		buf = malloc((size_t)st.st_size + 1);
		if (!buf || read(fd, buf, (size_t)st.st_size) != st.st_size) {
			perror(argv[i]);
			status = 1;
		} else {
			dump(argv[i], buf, (size_t)st.st_size, NULL);
		}
		free(buf);
		close(fd);
	}
	return status;
}

#include <errno.h>

#include "profilefs/digest.h"
#include "pe_i.h"

int pe_identify(const uint8_t *buf, size_t len, const char **why)
{
	struct pe_src s;

	pe_src_mem(&s, buf, len);
	return pe_identify_src(&s, why);
}

/*
 * Where the certificate-table entry is: the fifth data directory, when
 * NumberOfRvaAndSizes says there are five and SizeOfOptionalHeader holds
 * it (as the parser reads the directories). Without it nothing is left
 * out there: the bytes are hashed (EDK2's Authenticode verification and
 * signify do so; docs/signatures.md gives the evidence).
 */
static int cert_entry(const struct rd *r, uint32_t lfanew, uint64_t opt,
		      uint16_t magic, uint64_t *at)
{
	uint64_t dirs = opt + pe_opt_dirs(magic == PE_OPT_MAGIC_PE32PLUS);
	uint32_t nrva;
	uint16_t opt_size;

	if (rd_u16(r, (size_t)lfanew + PE_NT_FILE_HDR + PE_FH_OPT_SIZE,
		   &opt_size) ||
	    rd_u32(r, (size_t)dirs - 4, &nrva) || nrva <= PE_DIR_SECURITY)
		return 0;
	*at = dirs + PE_DIR_SECURITY * PE_DIR_ENTRY;
	return *at + PE_DIR_ENTRY <= opt + opt_size;
}

int pe_hash_layout(const uint8_t *head, size_t len, uint64_t file_len,
		   struct dg_pe_layout *out)
{
	struct rd r = { head, len };
	uint32_t lfanew, sigpos = 0;
	uint16_t magic;
	uint64_t opt, certdir = 0;
	int has_entry;
	const char *why;

	if (!pe_identify(head, len, &why))
		return -EINVAL;
	rd_u32(&r, PE_DOS_LFANEW, &lfanew);
	opt = (uint64_t)lfanew + PE_NT_OPT_HDR;
	if (rd_u16(&r, (size_t)opt + PE_OPT_MAGIC, &magic) ||
	    opt + PE_OPT_CHECKSUM + 4 > file_len)
		return -EINVAL;
	/* the same offsets the parser reads the header's CheckSum and
	 * directories at */
	has_entry = cert_entry(&r, lfanew, opt, magic, &certdir);
	if (has_entry && (rd_u32(&r, (size_t)certdir, &sigpos) ||
			  certdir + PE_DIR_ENTRY > file_len))
		return -EINVAL;
	out->checksum = opt + PE_OPT_CHECKSUM;
	out->certdir = has_entry ? certdir : 0;
	out->certdir_len = has_entry ? PE_DIR_ENTRY : 0;
	if (sigpos) {
		out->end = sigpos < file_len ? sigpos : file_len;
		out->pad = 0;
	} else {
		out->end = file_len;
		out->pad = (unsigned)((8 - file_len % 8) % 8);
	}
	return 0;
}

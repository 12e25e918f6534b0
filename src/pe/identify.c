#include "profilefs/pe.h"
#include "profilefs/util.h"

#define PE_DOS_LFANEW 0x3c

int pe_identify(const uint8_t *buf, size_t len, const char **why)
{
	struct rd r = { buf, len };
	uint32_t lfanew, sig;
	uint16_t mz;

	if (len == 0) {
		*why = "Not a PE image: the file is empty.";
		return 0;
	}
	if (rd_u16(&r, 0, &mz) || mz != 0x5a4d) {
		*why = "Not a PE image: the file does not start with \"MZ\".";
		return 0;
	}
	if (rd_u32(&r, PE_DOS_LFANEW, &lfanew)) {
		*why = "Not a PE image: the DOS header is truncated.";
		return 0;
	}
	if (rd_u32(&r, lfanew, &sig)) {
		*why = "Not a PE image: e_lfanew points past the end of the "
		       "file.";
		return 0;
	}
	if (sig != 0x00004550) {
		*why = "Not a PE image: there is no \"PE\" signature at "
		       "e_lfanew (a DOS program or another format).";
		return 0;
	}
	*why = NULL;
	return 1;
}

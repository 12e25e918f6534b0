/* libFuzzer target: the PE parser over any bytes, and what the profile
 * asks of its result (the imphash input, RVA translation). */
#include <stdlib.h>

#include "profilefs/pe.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct pe_info *pe = NULL;
	struct dynbuf b;
	size_t off, avail, i;

	if (pe_parse(data, size, size, &pe))
		return 0;
	db_init(&b, 1 << 24);
	pe_imphash_input(pe, &b);
	db_free(&b);
	for (i = 0; i < pe->nsections; i++)
		pe_rva_to_off(pe, size, pe->sections[i].va, &off, &avail);
	pe_rva_to_off(pe, size, pe->entry_point, &off, &avail);
	pe_free(pe);
	return 0;
}

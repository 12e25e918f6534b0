/*
 * What the Markdown (render_pe2.c) and the JSON (json_pe2.c) of struct
 * pe_facts share: the names of the guard flags and the CLR flags, so
 * that both say the same.
 */
#ifndef PROFILEFS_PROFILE_PE2_I_H
#define PROFILEFS_PROFILE_PE2_I_H

#include "profilefs/profile.h"

struct prof_flag_name {
	uint32_t bit;
	const char *name; /* the Markdown's */
	const char *json; /* the JSON's */
};

/* IMAGE_GUARD_* of the load configuration's GuardFlags */
extern const struct prof_flag_name prof_guard_flags[];
extern const size_t prof_nguard_flags;
/* COMIMAGE_FLAGS_* of the CLR header */
extern const struct prof_flag_name prof_clr_flags[];
extern const size_t prof_nclr_flags;

/* IMAGE_DLLCHARACTERISTICS_EX_CET_COMPAT of the debug directory's
 * EX_DLLCHARACTERISTICS entry */
#define PROF_EX_CET_COMPAT 0x1

#endif

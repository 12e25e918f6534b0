/*
 * What the Markdown (render_pe2.c) and the JSON (json_pe2.c) of struct
 * pe_facts share: the names of the guard flags and the CLR flags, so
 * that both say the same; and the names of the PE header's values that
 * render.c and json.c share (names.c).
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

/* a value's name in the Markdown and in the JSON */
struct prof_name {
	const char *name;
	const char *json;
};

/* IMAGE_FILE_* of the file header (names.c) */
extern const struct prof_flag_name prof_file_flags[];
extern const size_t prof_nfile_flags;
/* IMAGE_SCN_* of a section header (names.c) */
extern const struct prof_flag_name prof_scn_flags[];
extern const size_t prof_nscn_flags;
/* the names of IMAGE_SUBSYSTEM_* s, or NULL when unknown (names.c) */
const struct prof_name *prof_subsystem(uint16_t s);

/* the version strings a profile shows (the .mui's win), or NULL; *from
 * is the relpath of the .mui they came from, or NULL (names.c) */
const struct pe_version *prof_version_of(const struct prof *p,
					 const struct prof_view *pv,
					 const char **from);

/* IMAGE_DLLCHARACTERISTICS_EX_CET_COMPAT of the debug directory's
 * EX_DLLCHARACTERISTICS entry */
#define PROF_EX_CET_COMPAT 0x1

/* the Known File section (render_known.c); a Windows release as winbindex
 * names it ("11-22H2"), said as a reader would ("Windows 11 22H2") */
void prof_render_known(struct dynbuf *b, const struct prof_view *pv);
void prof_known_windows(struct dynbuf *b, const char *release);

#endif

/*
 * What the Markdown (ntfs.c) and the JSON (ntfs_json.c) of a file's NTFS
 * facts share: the names of attributes, the time format, and the
 * findings, so that both say the same.
 */
#ifndef PROFILEFS_PROFILE_NTFS_I_H
#define PROFILEFS_PROFILE_NTFS_I_H

#include "profilefs/profile.h"

struct prof_attr_name {
	uint32_t bit;
	const char *name; /* the Markdown's */
	const char *json; /* the JSON's */
};

/* FILE_ATTRIBUTE_*, in bit order */
extern const struct prof_attr_name prof_attr_names[];
extern const size_t prof_nattr_names;

/* the four times' names, in TREE_CREATED.. order */
extern const char *const prof_time_names[TREE_TIMES];
extern const char *const prof_time_json[TREE_TIMES];

/* "2024-01-31T12:00:00.1234567Z": 100 ns as NTFS stores them (nine
 * digits when ts holds a finer time); "invalid" for what is none */
#define PROF_TIME_LEN 64
void prof_ntfs_time(char out[PROF_TIME_LEN], const struct timespec *ts);

/* $STANDARD_INFORMATION's creation is earlier than $FILE_NAME's: what
 * a tool that sets times (and cannot reach $FILE_NAME) leaves */
int prof_ntfs_timestomped(const struct tree_facts *f);

/* the named streams that are neither the Mark of the Web nor a WOF
 * file's compressed data: how many, and *bytes their sizes' sum */
size_t prof_ntfs_hidden(const struct prof_file_facts *f, uint64_t *bytes);

/* the stream is the Mark of the Web's (NTFS names are case-blind) */
int prof_ntfs_is_zone(const char *name);

/* the line is in [ZoneTransfer] (case-blind) */
int prof_zone_in_transfer(const struct prof_zone_line *l);

#endif

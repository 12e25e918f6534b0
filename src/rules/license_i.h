/* Private to rules/license.c: the licence texts built in. */
#ifndef PROFILEFS_RULES_LICENSE_I_H
#define PROFILEFS_RULES_LICENSE_I_H

#include <stddef.h>

/* a licence text in up to four pieces (read one after another) */
struct license_text {
	const char *spdx;
	const char *parts[4];
};

extern const struct license_text license_builtin[];
extern const size_t license_nbuiltin;

#endif

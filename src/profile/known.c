/*
 * A profile's question to the known-file store (known.h): one function,
 * so that the service and `profilefs known lookup` ask the same.
 */
#include <ctype.h>
#include <string.h>
#include <strings.h>

#include "profilefs/known.h"
#include "profilefs/profile.h"

/* "en-US", "zh-CN", "sr-Latn-RS", "es-419": a language folder's name
 * (two or three lowercase letters, then parts of 2 to 4 letters or digits
 * after '-'); n bytes of s */
static int lang_folder(const char *s, size_t n)
{
	size_t i = 0, part;

	while (i < n && s[i] >= 'a' && s[i] <= 'z')
		i++;
	if (i < 2 || i > 3 || i == n || n > 16)
		return 0;
	while (i < n) {
		if (s[i++] != '-')
			return 0;
		for (part = 0; i < n && isalnum((unsigned char)s[i]); i++)
			part++;
		if (part < 2 || part > 4)
			return 0;
	}
	return 1;
}

static int lang_variant(const char *relpath, const char *name)
{
	size_t n = strlen(name);
	const char *dir_end = name > relpath ? name - 1 : NULL, *dir;

	if (n >= 4 && !strcasecmp(name + n - 4, ".mui"))
		return 1;
	if (!dir_end)
		return 0;
	for (dir = dir_end; dir > relpath && dir[-1] != '/'; dir--)
		;
	return lang_folder(dir, (size_t)(dir_end - dir));
}

void prof_known_query(const struct prof *p, const char *relpath,
		      struct known_query *q, char vbuf[PROF_KNOWN_VERSION_MAX])
{
	const char *slash = strrchr(relpath, '/');
	const char *fv = NULL;

	memset(q, 0, sizeof(*q));
	q->sha256 = p->hashed ? p->dg.sha256 : NULL;
	q->name = slash ? slash + 1 : relpath;
	if (p->is_pe && p->pe) {
		q->machine = p->pe->machine;
		fv = p->pe->version.strings[PE_VS_FILE_VERSION];
	}
	known_dotted_version(fv, vbuf, PROF_KNOWN_VERSION_MAX);
	q->version = vbuf[0] ? vbuf : NULL;
	q->lang_variant = lang_variant(relpath, q->name);
}

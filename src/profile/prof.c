#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "profilefs/profile.h"

struct prof *prof_new(void)
{
	return calloc(1, sizeof(struct prof));
}

void prof_free(struct prof *p)
{
	size_t i;

	if (!p)
		return;
	free(p->pe_note);
	pe_free(p->pe);
	sig_table_clear(&p->sig);
	for (i = 0; i < p->nnotes; i++)
		free(p->notes[i]);
	free(p);
}

int prof_note(struct prof *p, const char *fmt, ...)
{
	va_list ap;
	char *s;
	int n;

	if (p->nnotes >= CAP_NOTES)
		return 0;
	va_start(ap, fmt);
	n = vasprintf(&s, fmt, ap);
	va_end(ap);
	if (n < 0)
		return -ENOMEM;
	p->notes[p->nnotes++] = s;
	return 0;
}

int prof_special(mode_t mode, struct prof **out)
{
	struct prof *p = prof_new();
	const char *what;

	if (!p)
		return -ENOMEM;
	if (S_ISFIFO(mode))
		what = "a FIFO";
	else if (S_ISSOCK(mode))
		what = "a socket";
	else if (S_ISCHR(mode))
		what = "a character device";
	else if (S_ISBLK(mode))
		what = "a block device";
	else if (S_ISDIR(mode))
		what = "a directory";
	else
		what = "not a regular file";
	if (prof_note(p, "This is %s, not a regular file: it was not read.",
		      what)) {
		prof_free(p);
		return -ENOMEM;
	}
	*out = p;
	return 0;
}

char *prof_mui_path(const char *relpath)
{
	const char *base = path_base(relpath);
	size_t n = strlen(base), dir = (size_t)(base - relpath);
	char *out;

	if (n >= 4 && strcasecmp(base + n - 4, ".mui") == 0)
		return NULL;
	out = malloc(dir + strlen("en-US/") + n + strlen(".mui") + 1);
	if (!out)
		return NULL;
	memcpy(out, relpath, dir);
	sprintf(out + dir, "en-US/%s.mui", base);
	return out;
}

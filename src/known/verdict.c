/*
 * The known-file verdict: its words, its memory, and the version it
 * compares.
 */
#include <stdlib.h>
#include <string.h>

#include "profilefs/known.h"

const char *known_status_name(enum known_status s)
{
	switch (s) {
	case KNOWN_UNKNOWN:
		return "unknown";
	case KNOWN_WINBINDEX:
		return "known (winbindex)";
	case KNOWN_NSRL:
		return "known (NSRL)";
	case KNOWN_MISMATCH:
		return "version mismatch";
	case KNOWN_UNKNOWN_BUILD:
		return "unknown build";
	case KNOWN_NO_DATA:
		break;
	}
	return "no data";
}

void known_verdict_free(struct known_verdict *v)
{
	size_t i;

	if (!v)
		return;
	for (i = 0; i < v->n_windows; i++) {
		free(v->windows[i].windows);
		free(v->windows[i].update);
		free(v->windows[i].released);
	}
	free(v->windows);
	for (i = 0; i < v->n_products; i++) {
		free(v->products[i].product);
		free(v->products[i].version);
		free(v->products[i].os);
		free(v->products[i].manufacturer);
	}
	free(v->products);
	free(v->name);
	free(v->version);
	free(v);
}

/* the leading digits and dots, no dot at the end */
void known_dotted_version(const char *s, char *out, size_t len)
{
	size_t n = 0;

	while (s && n + 1 < len &&
	       ((s[n] >= '0' && s[n] <= '9') || (s[n] == '.' && n > 0)))
		n++;
	while (n > 0 && s[n - 1] == '.')
		n--;
	memcpy(out, s ? s : "", n);
	out[n] = '\0';
}

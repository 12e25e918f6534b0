/*
 * The known-file verdict: its words and its memory.
 */
#include <stdlib.h>

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

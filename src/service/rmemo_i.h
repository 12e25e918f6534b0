/* rendered.c: the rendered profiles of a service, bounded by bytes */
#ifndef PROFILEFS_RMEMO_I_H
#define PROFILEFS_RMEMO_I_H

#include <stddef.h>
#include <stdint.h>

#include "profilefs/svc.h"

struct rmemo;

int rmemo_new(size_t budget, struct rmemo **out);
void rmemo_free(struct rmemo *m);
/* the text kept under key (a reference the caller releases), or NULL */
const struct svc_text *rmemo_get(struct rmemo *m, const uint8_t key[32]);
/* Keeps md (taken) under key and returns a reference to it, or to the
 * text another caller kept there first; NULL when out of memory. */
const struct svc_text *rmemo_put(struct rmemo *m, const uint8_t key[32],
				 char *md, size_t len);
/* A text kept by nobody but its holder (a profile that has no key). */
const struct svc_text *rmemo_own(struct rmemo *m, char *md, size_t len);
void rmemo_release(struct rmemo *m, const struct svc_text *t);
void rmemo_usage(struct rmemo *m, size_t *bytes, size_t *count);

#endif

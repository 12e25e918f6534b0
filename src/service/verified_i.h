/*
 * verified.c: the identities whose cache row this service stored or
 * checked against the file's SHA-256, up to a cap (past it, or out of
 * memory, an identity is simply checked again next time). Thread-safe.
 */
#ifndef PROFILEFS_VERIFIED_I_H
#define PROFILEFS_VERIFIED_I_H

#include <stddef.h>

struct cache_ident;
struct vset;

/* at most max identities; -ENOMEM */
int vset_new(size_t max, struct vset **out);
void vset_free(struct vset *s);
int vset_has(struct vset *s, const struct cache_ident *id);
void vset_add(struct vset *s, const struct cache_ident *id);

#endif

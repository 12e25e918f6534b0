/*
 * names: which entries of the source are binaries (by extension, or by
 * their first bytes).
 */
#ifndef PROFILEFS_NAMES_H
#define PROFILEFS_NAMES_H

#include <sys/stat.h>

/* Default binary extensions, comma-separated. */
#define SVC_DEFAULT_EXTS "dll,exe,sys,ocx,cpl,drv,efi,scr,mui,acm,ax,tlb,com"

struct svc_names;
struct tree;

/* exts: comma-separated list without dots; sniff_mz: any file that
 * starts with "MZ" is a binary too */
int svc_names_new(const char *exts, int sniff_mz, struct svc_names **out);
void svc_names_free(struct svc_names *n);
/* Is the entry rel of t (with lstat st) a binary? A file's first bytes
 * (sniff_mz) are read only when may_read. */
int svc_is_binary(const struct svc_names *n, struct tree *t, const char *rel,
		  const struct stat *st, int may_read);

#endif

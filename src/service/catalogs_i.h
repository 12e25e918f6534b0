/*
 * Private to the catalogs' files:
 *   catalogs.c (make, free, set the cache)
 *   -> cat_index.c (the index: scans, the rescanning thread)
 *   -> cat_verdict.c (the verdict of the catalog that lists a hash)
 *   -> cat_dirs.c (the folders), below both.
 */
#ifndef PROFILEFS_CATALOGS_I_H
#define PROFILEFS_CATALOGS_I_H

#include <pthread.h>
#include <stddef.h>
#include <stdint.h>

#include "profilefs/catalogs.h"

#define CATALOG_RESCAN 2  /* seconds */
#define CATALOG_STALE  64 /* stale paths kept for the next scan */
/* verdicts kept per generation; more empty the memo */
#define CATALOG_MEMO (1u << 16)

struct sig_cat_src;
struct stat;
struct tree;
struct util_hash;

struct cat_dir {
	char *path;	   /* as shown, and the catalogs' key in the cache */
	struct tree *tree; /* the tree the folder is in */
	char *rel;	   /* the folder in it ("": its root) */
	int own;	   /* the tree is closed with the catalogs */
};

struct svc_catalogs {
	struct cache *cache;
	struct cat_dir *dirs;
	size_t ndirs;
	pthread_mutex_t scan_lock;
	pthread_mutex_t lock;
	int64_t gen; /* the index's generation after the last scan, or -1 */
	/* catalog SHA-256 (the bytes a verdict was made of) -> struct
	 * sig_verdict *, of generation memo_gen */
	struct util_hash *memo;
	int64_t memo_gen;
	/* catalogs found changed by a verdict, for the next scan */
	char *stale[CATALOG_STALE];
	size_t nstale;
	/* the rescanning thread, and the stop its starter gave */
	pthread_t thread;
	int running, stop;
	const struct util_stop *end;
	pthread_cond_t wake; /* with lock, on CLOCK_MONOTONIC */
	/* the first scan since the cache was set has ended (with lock) */
	int ready;
	pthread_cond_t ready_cond;
};

/* ---- cat_dirs.c ------------------------------------------------------- */

/* the folder a catalog path belongs to, or NULL */
const struct cat_dir *cat_dir_of(const struct svc_catalogs *c,
				 const char *path);
/* is path one of v's n? */
int cat_stale_has(char *const *v, size_t n, const char *path);
/* Opens the catalog name of d to be read in parts (its size in src, its
 * lstat in st; src->file to be closed); -EFBIG when it is not a regular
 * file or is over the cap. */
int cat_open(const struct cat_dir *d, const char *name, struct sig_cat_src *src,
	     struct stat *st);

/* ---- cat_verdict.c ---------------------------------------------------- */

/* Drops the verdicts kept (lock held, or the catalogs not shared). */
void cat_memo_drop(struct svc_catalogs *c);

#endif

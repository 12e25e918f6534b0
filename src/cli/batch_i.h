/*
 * `profilefs profile` over many files (batch.c): which files, below which
 * root, and the workers that profile them while their outputs are written
 * in the list's order.
 */
#ifndef PROFILEFS_BATCH_I_H
#define PROFILEFS_BATCH_I_H

#include <signal.h>
#include <stddef.h>
#include <stdio.h>

#include "profilefs/caps.h"
#include "profilefs/service.h"

/* folders deeper than this below a walked argument are refused */
#define BATCH_MAX_DEPTH 128
/* the service refuses (-EAGAIN) callers past CAP_COMPUTE_CALLERS */
#define BATCH_MAX_JOBS CAP_COMPUTE_CALLERS

/* --jobs when none is given: one a processor, at most BATCH_MAX_JOBS */
unsigned batch_default_jobs(void);

/* --jobs N: 1 to BATCH_MAX_JOBS, else -EINVAL */
int batch_parse_jobs(const char *s, unsigned *out);

/* the files to profile, as paths below the root (malloc'ed) */
struct batch {
	char **rel;
	size_t n, cap;
};

/* "profilefs: PATH: MSG" on stderr, PATH's controls shown as \xNN */
void batch_say(const char *path, const char *msg);

/*
 * The root a File Path is shown below, when --root is not given: for each
 * path (a realpath), the nearest folder at or above it that holds a
 * Windows folder (any case), else the path itself when it is a folder,
 * else the folder that holds it; for several paths, the deepest folder
 * that holds all of those. *root is malloc'ed. -ENOMEM.
 */
int batch_guess_root(char *const *paths, size_t n, char **root);

/*
 * Adds path (a realpath at or below root, read as the tree tree): a
 * file as it is (whatever its name), a folder only when recursive, as the
 * binaries below it, by the mount's rule (names, svc_is_binary()); no
 * symlink is followed. What cannot be added is said on stderr and counted
 * in *failed. 0 or -ENOMEM.
 */
struct tree;
int batch_add(struct batch *b, struct tree *tree, const char *root,
	      const char *path, int recursive, const struct svc_names *names,
	      int *failed);

/*
 * Adds rel, a path inside tree (its leading and trailing '/' ignored; ""
 * the root), as batch_add() does; root is only for the messages
 * (root/rel).
 */
int batch_add_rel(struct batch *b, struct tree *tree, const char *root,
		  const char *rel, int recursive, const struct svc_names *names,
		  int *failed);

/* ---- an NTFS volume's operands ---- */

/* path names a regular file or a block device (what may hold a volume) */
int batch_is_volume(const char *path);

/*
 * Is arg IMAGE:/PATH? It is when arg itself names nothing (an existing
 * file named "a:/b" is that file), the part before its first ':' names a
 * regular file or block device, and '/' follows the ':'. 1 with *image
 * (malloc'ed) and *inside (in arg, from its '/'), 0, or -ENOMEM.
 */
int batch_image_operand(const char *arg, char **image, const char **inside);

/*
 * The operands read in one NTFS volume: when given_root (--root, or NULL)
 * is a volume's file or device, every operand is a path inside it (or
 * IMAGE:/PATH of that image); without --root, every operand is
 * IMAGE:/PATH of one image. 0 with *image (its realpath) and *rels (n
 * paths inside, pointing into args) when so, 0 with *image NULL when
 * not, or the exit status (said): 2 for operands of several images, or
 * mixed with ordinary paths.
 */
int batch_volume_args(const char *given_root, char **args, int n, char **image,
		      const char ***rels);

/* tree_open() of image with its partition and the --volume-id; its
 * message, or its warning (tree_warning), said on stderr. 0 or 1. */
int batch_open_volume(const char *image, unsigned partition,
		      const char *volume_name, struct tree **out);

/* sorts the list by path (byte order) and drops repeats */
void batch_sort(struct batch *b);
void batch_free(struct batch *b);

/* one file's output (malloc'ed, *len bytes), or -errno; called on several
 * threads at once. With -errno it may still give an output (the failure's
 * CSV row), which is written after the failure is said. */
typedef int (*batch_fn)(void *ctx, const char *rel, char **out, size_t *len);

/*
 * SIGINT and SIGTERM, once caught (batch_catch_signals), set
 * batch_stopped to the signal and end every computation of the services
 * (svc_shutdown(): they give -EINTR). restart: SA_RESTART, so that a
 * write goes on (without it a read ends with EINTR).
 */
extern volatile sig_atomic_t batch_stopped;
void batch_catch_signals(int restart);

/*
 * Runs fn over the list on jobs threads, and writes each output to out in
 * the list's order as soon as those before it are written (at most a few
 * per thread are held waiting), whole: once batch_stopped is set no
 * output more is begun (-EINTR). A failure is said on stderr with the
 * file's path (root/rel). progress: a count on stderr, redrawn in place.
 * Returns how many files failed, -EIO when out could not be written, or
 * -EINTR when stopped.
 */
int batch_run(const struct batch *b, unsigned jobs, batch_fn fn, void *ctx,
	      const char *root, int progress, FILE *out);

/* how often batch_each() calls its tick (ms) */
#define BATCH_TICK_MS 500

typedef void (*batch_each_fn)(void *ctx, size_t i);

/*
 * Runs fn(ctx, i) for every item of the list on jobs threads, in no
 * order, with no output; once *stop is set no item more is taken (those
 * running finish, as fn decides). tick (may be NULL) is called on the
 * calling thread every BATCH_TICK_MS while items run.
 */
void batch_each(const struct batch *b, unsigned jobs, batch_each_fn fn,
		void *ctx, const volatile sig_atomic_t *stop,
		void (*tick)(void *ctx));

#endif

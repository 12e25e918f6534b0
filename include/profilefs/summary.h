/*
 * summary: the tree's SUMMARY.md (docs/guide.md, "The tree's summary"):
 * counts by signature status and by known-file verdict, and the lists an
 * analyst starts from, each entry a link to its profile, made from the
 * cached profiles alone.
 *
 * The walk reads no binary: a profile counts when the cache holds it for
 * the file's identity (device, inode, size, mtime, ctime), as
 * --trust-metadata serves it, whether or not this service has checked
 * that row against the file's bytes (the linked profile is checked when
 * it is read). Bounded: a time limit (the text then says it was cut, with
 * the counts so far), a cap on the folders waiting to be walked, and
 * max_list entries kept per list (the rest counted).
 *
 * Errors: 0 or -errno (-ENOMEM; -EINTR when the caller went or the
 * service is ending).
 */
#ifndef PROFILEFS_SUMMARY_H
#define PROFILEFS_SUMMARY_H

#include <stddef.h>
#include <sys/stat.h>

struct svc;
struct svc_names;

/* the summary's file name, at the root of the view */
#define SVC_SUMMARY_NAME "SUMMARY.md"
/* entries listed per list when max_list is 0 (the rest are counted) */
#define SVC_SUMMARY_LIST 1000
/* seconds a walk takes at most when max_seconds is 0 */
#define SVC_SUMMARY_SECONDS 30
/* entries (binaries and folders) waiting to be looked at, at most: each
 * its path and a word */
#define SVC_SUMMARY_PENDING (1u << 18)

struct svc_summary_how {
	const struct svc_names *names; /* which entries are binaries */
	/* May the caller read the file st / list and enter the folder st?
	 * NULL: yes. What it may not, it is not told of: neither counted
	 * nor listed. */
	int (*may_read)(const struct stat *st, void *arg);
	int (*may_enter)(const struct stat *st, void *arg);
	void *arg;
	unsigned max_seconds; /* 0: SVC_SUMMARY_SECONDS */
	size_t max_list;      /* 0: SVC_SUMMARY_LIST */
};

/*
 * The summary of pv's source as Markdown (*out malloc'ed, NUL-terminated;
 * *len its length). The links are relative to the root of the view.
 */
int svc_summary(struct svc *pv, const struct svc_summary_how *how, char **out,
		size_t *len);

#endif

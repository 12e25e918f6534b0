/*
 * open: what SOURCE is. A folder is a POSIX tree; a regular file or a
 * block device is an NTFS volume, bare or a partition of an MBR or GPT
 * disk (parts.c); anything else is refused with a message for the user.
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <linux/fs.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <unistd.h>

#include "ntfs_i.h"
#include "parts.h"

static ssize_t fd_read(void *arg, void *buf, size_t n, uint64_t off)
{
	size_t done = 0;

	while (done < n) {
		ssize_t r = pread(*(int *)arg, (char *)buf + done, n - done,
				  (off_t)(off + done));

		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0)
			return -errno;
		if (r == 0)
			break;
		done += (size_t)r;
	}
	return (ssize_t)done;
}

static void say(char *err, size_t n, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static void say(char *err, size_t n, const char *fmt, ...)
{
	va_list ap;

	if (!err || !n)
		return;
	va_start(ap, fmt);
	vsnprintf(err, n, fmt, ap);
	va_end(ap);
}

/* appends the table of ps to err: one line a partition */
static void list_parts(char *err, size_t n, const struct parts *ps)
{
	size_t i, at;

	for (i = 0; i < ps->n && err && n; i++) {
		const struct part *p = &ps->p[i];

		at = strlen(err);
		if (at + 1 >= n)
			break;
		snprintf(err + at, n - at,
			 "\n  partition %u: offset %" PRIu64 ", size %" PRIu64
			 " (%.1f MiB), type %s%s",
			 p->number, p->offset, p->size,
			 (double)p->size / 1048576.0, p->type,
			 p->ntfs ? ", NTFS" : "");
	}
}

/* the partition to read of a partitioned disk, or NULL (err says why) */
static const struct part *choose(const char *path, const struct parts *ps,
				 unsigned want, char *err, size_t n)
{
	const struct part *found = NULL;
	size_t i, nntfs = 0;

	for (i = 0; i < ps->n; i++) {
		if (want && ps->p[i].number == want)
			found = &ps->p[i];
		if (!want && ps->p[i].ntfs) {
			found = &ps->p[i];
			nntfs++;
		}
	}
	if (want && !found)
		say(err, n,
		    "%s (%s disk) has no partition %u; its partitions:", path,
		    parts_scheme_name(ps->scheme), want);
	else if (want && !found->ntfs)
		say(err, n,
		    "partition %u of %s is not an NTFS volume; the "
		    "partitions:",
		    want, path);
	else if (nntfs > 1)
		say(err, n,
		    "%s (%s disk) holds %zu NTFS partitions: choose one with "
		    "--partition=N:",
		    path, parts_scheme_name(ps->scheme), nntfs);
	else if (!found)
		say(err, n,
		    "%s is neither a folder nor an NTFS volume (nor a disk "
		    "holding one): its %s partitions:",
		    path, parts_scheme_name(ps->scheme));
	else
		return found;
	if (ps->n == 0 && err && n)
		snprintf(err + strlen(err), n - strlen(err), " none");
	list_parts(err, n, ps);
	return NULL;
}

static int open_image(const char *path, const struct stat *st,
		      const struct tree_opts *o, struct tree **out, char *err,
		      size_t n)
{
	unsigned want = o ? o->partition : 0;
	uint64_t size = (uint64_t)st->st_size, off = 0;
	struct parts *ps;
	const struct part *p;
	int fd, r;

	fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY);
	if (fd < 0) {
		r = -errno;
		say(err, n, "cannot open %s: %s", path, strerror(-r));
		return r;
	}
	if (S_ISBLK(st->st_mode) && ioctl(fd, BLKGETSIZE64, &size) < 0) {
		r = -errno;
		say(err, n, "cannot read the size of %s: %s", path,
		    strerror(-r));
		close(fd);
		return r;
	}
	ps = malloc(sizeof(*ps));
	if (!ps) {
		close(fd);
		return -ENOMEM;
	}
	r = parts_scan(fd_read, &fd, size, ps);
	close(fd);
	if (r) {
		say(err, n, "cannot read %s: %s", path, strerror(-r));
		goto out;
	}
	r = -EINVAL;
	if (ps->scheme == PARTS_NONE) {
		say(err, n,
		    "%s is neither a folder nor an NTFS volume (nor a disk "
		    "holding one)",
		    path);
		goto out;
	}
	if (ps->scheme == PARTS_BARE && want) {
		say(err, n,
		    "%s is an NTFS volume, not a partitioned disk: "
		    "--partition does not apply",
		    path);
		goto out;
	}
	if (ps->scheme != PARTS_BARE) {
		p = choose(path, ps, want, err, n);
		if (!p)
			goto out;
		off = p->offset;
		size = p->size;
	}
	r = tree_open_ntfs(path, off, size, o, out);
	if (r)
		say(err, n, "cannot read the NTFS volume of %s%s: %s", path,
		    ps->scheme == PARTS_BARE ? "" : " (the partition chosen)",
		    r == -EINVAL ? "it is damaged or not NTFS" : strerror(-r));
out:
	free(ps);
	return r;
}

int tree_open(const char *path, const struct tree_opts *o, struct tree **out,
	      char *err, size_t n)
{
	struct stat st;
	int r;

	if (err && n)
		err[0] = '\0';
	if (stat(path, &st) < 0) {
		r = -errno;
		say(err, n, "cannot open %s: %s", path, strerror(-r));
		return r;
	}
	if (S_ISDIR(st.st_mode)) {
		r = tree_open_posix(path, o, out);
		if (r)
			say(err, n, "cannot open %s: %s", path, strerror(-r));
		return r;
	}
	if (S_ISREG(st.st_mode) || S_ISBLK(st.st_mode))
		return open_image(path, &st, o, out, err, n);
	say(err, n,
	    "%s is neither a folder nor an NTFS volume (nor a disk holding "
	    "one)",
	    path);
	return -EINVAL;
}

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <linux/openat2.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "profilefs/util.h"

void winpath(struct dynbuf *b, const char *drive, const char *relpath)
{
	const char *p = relpath;

	db_adds(b, drive);
	while (*p == '/')
		p++;
	if (strcmp(p, ".") == 0)
		p = "";
	db_addc(b, '\\');
	for (; *p; p++) {
		if (*p == '/') {
			/* collapse "a//b" the way Windows shows it */
			if (p[1] == '/' || p[1] == '\0')
				continue;
			db_addc(b, '\\');
		} else {
			db_addc(b, *p);
		}
	}
}

const char *path_base(const char *path)
{
	const char *s = strrchr(path, '/');

	return s ? s + 1 : path;
}

char *path_join(const char *dir, const char *name)
{
	size_t dl = strcmp(dir, ".") ? strlen(dir) : 0, nl = strlen(name);
	char *s = malloc(dl + nl + 2);

	if (!s)
		return NULL;
	memcpy(s, dir, dl);
	if (dl)
		s[dl++] = '/';
	memcpy(s + dl, name, nl + 1);
	return s;
}

/*
 * Where openat2() is missing (Linux < 5.6): one component at a time, each
 * opened O_NOFOLLOW below the one before, ".." refused, so that a leading
 * component that is a symlink fails (ELOOP or ENOTDIR) as with openat2.
 */
static int walk_beneath(int dirfd, const char *relpath, int flags)
{
	char name[NAME_MAX + 1];
	const char *p = relpath, *end;
	int cur = dirfd, next, err;

	for (;;) {
		while (*p == '/')
			p++;
		end = strchrnul(p, '/');
		while (*end == '/' && end[1] == '/')
			end++;
		if ((size_t)(end - p) > NAME_MAX) {
			err = ENAMETOOLONG;
			goto fail;
		}
		memcpy(name, p, (size_t)(end - p));
		name[end - p] = '\0';
		if (!strcmp(name, "..")) {
			err = EXDEV;
			goto fail;
		}
		if (*end == '\0' || end[1] == '\0')
			break;
		next = openat(cur, name[0] ? name : ".",
			      O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
		err = errno;
		if (cur != dirfd)
			close(cur);
		if (next < 0)
			goto fail_closed;
		cur = next;
		p = end;
	}
	next = openat(cur, name[0] ? name : ".", flags | O_NOFOLLOW);
	err = errno;
	if (cur != dirfd)
		close(cur);
	if (next >= 0)
		return next;
	goto fail_closed;
fail:
	if (cur != dirfd)
		close(cur);
fail_closed:
	errno = err;
	return -1;
}

/* set once openat2() said ENOSYS (an old kernel, or valgrind, which does
 * not know it): not asked again */
static atomic_int no_openat2;

int util_open_beneath(int dirfd, const char *relpath, int flags)
{
	struct open_how how;
	int fd;

	if (atomic_load_explicit(&no_openat2, memory_order_relaxed))
		return walk_beneath(dirfd, relpath, flags);
	memset(&how, 0, sizeof(how));
	how.flags = (uint64_t)flags;
	how.resolve =
		RESOLVE_BENEATH | RESOLVE_NO_SYMLINKS | RESOLVE_NO_MAGICLINKS;
	fd = (int)syscall(SYS_openat2, dirfd, relpath, &how, sizeof(how));
	if (fd < 0 && errno == ENOSYS) {
		atomic_store_explicit(&no_openat2, 1, memory_order_relaxed);
		fd = walk_beneath(dirfd, relpath, flags);
	}
	return fd;
}

int util_path_beneath(int dirfd, const char *relpath)
{
	return util_open_beneath(dirfd, relpath,
				 O_PATH | O_NOFOLLOW | O_CLOEXEC);
}

int util_lstat_beneath(int dirfd, const char *relpath, struct stat *st)
{
	int fd, rc = 0;

	/* one component: fstatat() follows nothing and cannot leave dirfd,
	 * so the common case costs one call, not three */
	if (!strchr(relpath, '/') && strcmp(relpath, "..") != 0)
		return fstatat(dirfd, relpath, st, AT_SYMLINK_NOFOLLOW) < 0
			       ? -errno
			       : 0;
	fd = util_path_beneath(dirfd, relpath);
	if (fd < 0)
		return -errno;
	if (fstat(fd, st) < 0)
		rc = -errno;
	close(fd);
	return rc;
}

int util_fd_path(int fd, char *out, size_t size)
{
	int n = snprintf(out, size, "/proc/self/fd/%d", fd);

	return n < 0 || (size_t)n >= size ? -ENAMETOOLONG : 0;
}

int util_open_noatime(int dirfd, const char *relpath, int flags)
{
	int fd = util_open_beneath(dirfd, relpath, flags | O_NOATIME);

	if (fd < 0 && errno == EPERM)
		fd = util_open_beneath(dirfd, relpath, flags);
	return fd;
}

int path_within(const char *inner, const char *outer)
{
	size_t n = strlen(outer);

	while (n > 1 && outer[n - 1] == '/')
		n--;
	if (n == 1 && outer[0] == '/')
		return inner[0] == '/';
	return strncmp(inner, outer, n) == 0 &&
	       (inner[n] == '\0' || inner[n] == '/');
}

int drive_ok(const char *drive)
{
	return isalpha((unsigned char)drive[0]) && drive[1] == ':' &&
	       drive[2] == '\0';
}

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/openat2.h>
#include <string.h>
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

int util_open_beneath(int dirfd, const char *relpath, int flags)
{
	struct open_how how;
	int fd;

	memset(&how, 0, sizeof(how));
	how.flags = (uint64_t)flags;
	how.resolve =
		RESOLVE_BENEATH | RESOLVE_NO_SYMLINKS | RESOLVE_NO_MAGICLINKS;
	fd = (int)syscall(SYS_openat2, dirfd, relpath, &how, sizeof(how));
	if (fd < 0 && errno == ENOSYS)
		fd = openat(dirfd, relpath, flags | O_NOFOLLOW);
	return fd;
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

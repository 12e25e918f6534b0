/*
 * ntfs_node: what the other files of the NTFS tree ask of a record
 * whatever it is: libntfs-3g's errors as -errno, whether it is a folder,
 * its reparse point. Calls nothing of the tree's other files.
 */
#include <errno.h>
#include <stdint.h>

#include "ntfs_i.h"

int nt_errno(void)
{
	switch (errno) {
	case ENOENT:
	case ENOMEM:
	case ENOTDIR:
	case EINVAL:
	case ENAMETOOLONG:
		return -errno;
	default:
		return -EIO;
	}
}

struct timespec nt_time(ntfs_time t)
{
	s64 v = sle64_to_cpu(t);

	if (v < INT64_MIN + NTFS_TIME_OFFSET)
		v = INT64_MIN + NTFS_TIME_OFFSET;
	return ntfs2timespec(cpu_to_sle64(v));
}

int nt_is_dir(ntfs_inode *ni)
{
	return (ni->mrec->flags & MFT_RECORD_IS_DIRECTORY) != 0;
}

uint32_t nt_reparse(ntfs_inode *ni, uint8_t **data, size_t *len)
{
	ntfs_attr *na;
	uint8_t *buf;
	uint32_t tag = 0;
	s64 n;

	if (!(ni->flags & FILE_ATTR_REPARSE_POINT))
		return 0;
	na = ntfs_attr_open(ni, AT_REPARSE_POINT, AT_UNNAMED, 0);
	if (!na)
		return 0;
	if (na->data_size < 8 || na->data_size > NT_REPARSE_MAX)
		goto out;
	buf = malloc((size_t)na->data_size);
	if (!buf)
		goto out;
	n = ntfs_attr_pread(na, 0, na->data_size, buf);
	if (n >= 8) {
		tag = (uint32_t)buf[0] | (uint32_t)buf[1] << 8 |
		      (uint32_t)buf[2] << 16 | (uint32_t)buf[3] << 24;
		if (data) {
			*data = buf;
			*len = (size_t)n;
			buf = NULL;
		}
	}
	free(buf);
out:
	ntfs_attr_close(na);
	return tag;
}

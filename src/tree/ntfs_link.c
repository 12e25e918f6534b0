/*
 * ntfs_link: what of an NTFS volume is a link: a Windows symlink or
 * junction (reparse tags 0xA000000C, 0xA0000003), and an Interix symlink
 * (what ntfs-3g makes of a Linux symlink). Their targets are given as
 * stored, backslashes read as '/', never followed.
 */
#include <errno.h>
#include <limits.h>

#include "ntfs_i.h"

static uint32_t get16(const uint8_t *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8;
}

/* UTF-16LE bytes (n of them) as UTF-8 with '\' as '/', into buf: its
 * length, or -EIO */
static int utf16_link(const uint8_t *s, size_t n, char *buf, size_t size)
{
	ntfschar *u;
	char *out = NULL;
	size_t i, len;
	int r;

	if (n == 0 || n % 2 || n > NT_REPARSE_MAX)
		return -EIO;
	u = malloc(n);
	if (!u)
		return -ENOMEM;
	memcpy(u, s, n);
	r = ntfs_ucstombs(u, (int)(n / 2), &out, 0);
	free(u);
	if (r <= 0 || !out) {
		free(out);
		return -EIO;
	}
	len = strlen(out);
	i = strncmp(out, "\\??\\", 4) == 0 ? 4 : 0;
	if (len - i >= size || len == i) {
		free(out);
		return len == i ? -EIO : -ENAMETOOLONG;
	}
	len -= i;
	memcpy(buf, out + i, len + 1);
	free(out);
	for (i = 0; i < len; i++)
		if (buf[i] == '\\')
			buf[i] = '/';
	return (int)len;
}

/*
 * The target of a Windows symlink or junction: its print name (or the
 * substitute name without "\??\"), '\' read as '/'.
 *   8 bytes   tag, data length, reserved
 *   8 bytes   substitute name offset, length; print name offset, length
 *   4 bytes   flags (symlinks only)
 *   ...       the names, offsets counted from here
 */
static int reparse_link(const uint8_t *d, size_t len, char *buf, size_t size)
{
	uint32_t tag = get16(d) | get16(d + 2) << 16;
	size_t head = tag == NT_TAG_SYMLINK ? 20 : 16, so, sl, po, pl;

	if (len < head)
		return -EIO;
	so = get16(d + 8);
	sl = get16(d + 10);
	po = get16(d + 12);
	pl = get16(d + 14);
	if (pl && po <= len - head && pl <= len - head - po)
		return utf16_link(d + head + po, pl, buf, size);
	if (sl && so <= len - head && sl <= len - head - so)
		return utf16_link(d + head + so, sl, buf, size);
	return -EIO;
}

/* an Interix symlink (what ntfs-3g makes of a Linux symlink): a system
 * file whose data is "IntxLNK\1" and the UTF-16 target */
static int intx_link(ntfs_inode *ni, char *buf, size_t size)
{
	static const uint8_t magic[8] = {
		'I', 'n', 't', 'x', 'L', 'N', 'K', 1
	};
	ntfs_attr *na;
	uint8_t *d = NULL;
	int r = -EINVAL;

	if (!(ni->flags & FILE_ATTR_SYSTEM) || nt_is_dir(ni))
		return -EINVAL;
	na = ntfs_attr_open(ni, AT_DATA, AT_UNNAMED, 0);
	if (!na)
		return -EINVAL;
	if (na->data_size <= 8 || na->data_size > 8 + 2 * PATH_MAX)
		goto out;
	d = malloc((size_t)na->data_size);
	if (!d) {
		r = -ENOMEM;
		goto out;
	}
	if (ntfs_attr_pread(na, 0, na->data_size, d) != na->data_size ||
	    memcmp(d, magic, 8) != 0)
		goto out;
	r = utf16_link(d + 8, (size_t)na->data_size - 8, buf, size);
out:
	free(d);
	ntfs_attr_close(na);
	return r;
}

/* the link target of ni into buf: its length, -EINVAL for no link */
int nt_link(ntfs_inode *ni, char *buf, size_t size)
{
	uint8_t *d = NULL;
	size_t len = 0;
	uint32_t tag = nt_reparse(ni, &d, &len);
	int r;

	if (tag == NT_TAG_SYMLINK || tag == NT_TAG_MOUNT_POINT) {
		r = reparse_link(d, len, buf, size);
		free(d);
		return r == -EIO ? -EINVAL : r;
	}
	free(d);
	if (tag)
		return -EINVAL;
	return intx_link(ni, buf, size);
}

/* the names of ni (the DOS 8.3 ones left out) */

/*
 * ntfs_dev: the device libntfs-3g reads an NTFS volume through: the image
 * or block device, opened read-only by the caller, read with pread at the
 * partition's offset and never past its end; every write, and an open to
 * write, fails with EROFS.
 */
#include <errno.h>
#include <fcntl.h>
#include <unistd.h>

#include "ntfs_i.h"

static s64 dev_pread(struct ntfs_device *dev, void *buf, s64 count, s64 off)
{
	struct nt_devp *p = dev->d_private;
	size_t done = 0;

	if (count < 0 || off < 0) {
		errno = EINVAL;
		return -1;
	}
	if ((uint64_t)off >= p->size)
		return 0;
	if ((uint64_t)count > p->size - (uint64_t)off)
		count = (s64)(p->size - (uint64_t)off);
	while (done < (size_t)count) {
		ssize_t r =
			pread(p->fd, (char *)buf + done, (size_t)count - done,
			      (off_t)(p->base + (uint64_t)off + done));

		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0)
			return done ? (s64)done : -1;
		if (r == 0)
			break;
		done += (size_t)r;
	}
	return (s64)done;
}

static int dev_open(struct ntfs_device *dev, int flags)
{
	if ((flags & O_ACCMODE) != O_RDONLY) {
		errno = EROFS;
		return -1;
	}
	NDevSetOpen(dev);
	NDevSetReadOnly(dev);
	return 0;
}

static int dev_close(struct ntfs_device *dev)
{
	NDevClearOpen(dev);
	return 0;
}

static s64 dev_seek(struct ntfs_device *dev, s64 off, int whence)
{
	struct nt_devp *p = dev->d_private;
	int64_t at;

	switch (whence) {
	case SEEK_SET:
		at = off;
		break;
	case SEEK_CUR:
		at = p->pos + off;
		break;
	case SEEK_END:
		at = (int64_t)p->size + off;
		break;
	default:
		errno = EINVAL;
		return -1;
	}
	if (at < 0) {
		errno = EINVAL;
		return -1;
	}
	p->pos = at;
	return at;
}

static s64 dev_read(struct ntfs_device *dev, void *buf, s64 count)
{
	struct nt_devp *p = dev->d_private;
	s64 r = dev_pread(dev, buf, count, p->pos);

	if (r > 0)
		p->pos += r;
	return r;
}

static s64 dev_write(struct ntfs_device *dev, const void *buf, s64 count)
{
	(void)dev;
	(void)buf;
	(void)count;
	errno = EROFS;
	return -1;
}

static s64 dev_pwrite(struct ntfs_device *dev, const void *buf, s64 count,
		      s64 off)
{
	(void)off;
	return dev_write(dev, buf, count);
}

static int dev_sync(struct ntfs_device *dev)
{
	(void)dev;
	return 0;
}

static int dev_stat(struct ntfs_device *dev, struct stat *st)
{
	struct nt_devp *p = dev->d_private;

	memset(st, 0, sizeof(*st));
	st->st_mode = S_IFREG | 0444;
	st->st_size = (off_t)p->size;
	return 0;
}

static int dev_ioctl(struct ntfs_device *dev, unsigned long request, void *argp)
{
	(void)dev;
	(void)request;
	(void)argp;
	errno = ENOTTY;
	return -1;
}

struct ntfs_device_operations nt_dev_ops = {
	.open = dev_open,
	.close = dev_close,
	.seek = dev_seek,
	.read = dev_read,
	.write = dev_write,
	.pread = dev_pread,
	.pwrite = dev_pwrite,
	.sync = dev_sync,
	.stat = dev_stat,
	.ioctl = dev_ioctl,
};

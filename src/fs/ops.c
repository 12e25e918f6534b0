/*
 * The FUSE operations: this file is their table of contents. Each one
 * maps the mounted path to what it names (resolve.c) and hands off: a
 * source entry is passed through its tree (tree.h: never followed out of
 * the root, never written), a profile goes to the service. Nothing here
 * computes a profile except reading one.
 *
 *   mounted path          what it is
 *   /a/b/x.dll            the source file a/b/x.dll, byte for byte
 *   /a/b/x.dll.md         the profile of a/b/x.dll (when x.dll is a binary
 *                         and no real a/b/x.dll.md exists: real files win)
 *   /a/b/x.dll.json       its JSON profile, by the same rules, when the
 *                         mount shows JSON (--formats=md:json)
 *
 * A profile's size is exact once it is cached (on a fresh mount, the size
 * the cache holds for the file: a hint the read checks). Before that, stat
 * says 0 (--stat-computes: it computes, as the view's does). The file is
 * opened with direct I/O, so readers read to the end whatever the size
 * said (cat, grep, cp, wc -c and tail -c treat a 0 size as "read to find
 * out"); the first read computes it.
 *
 * The view (--view=NAME, ".profiles" by default) at the root holds every
 * folder of the source and only the profiles, exact in size:
 *   /NAME/a/b             the source folder a/b
 *   /NAME/a/b/x.dll.md    the profile of a/b/x.dll (a real x.dll.md does
 *                         not hide it here: no source file is shown)
 * Its stat computes a profile not yet cached (tar, rsync and mmap trust
 * the size), its files are opened through the page cache, and listing one
 * of its folders queues the folder's binaries for the service's
 * background pool. The root's listing does not show it (as ZFS's
 * snapdir=hidden does not show .zfs): ls -R, find and du of the mount
 * keep computing nothing, and never see each profile twice; it is there
 * for whoever names it. A source entry named NAME at the root is hidden
 * (neither listed nor reached): --view picks another name.
 */
#include <errno.h>

#include "fs_i.h"

/* ---- every write fails: the mount is read-only ---------------------- */

static int ro_path(const char *path)
{
	(void)path;
	return -EROFS;
}

static int ro_mknod(const char *path, mode_t mode, dev_t dev)
{
	(void)mode;
	(void)dev;
	return ro_path(path);
}

static int ro_mkdir(const char *path, mode_t mode)
{
	(void)mode;
	return ro_path(path);
}

static int ro_link(const char *from, const char *to)
{
	(void)to;
	return ro_path(from);
}

static int ro_rename(const char *from, const char *to, unsigned int flags)
{
	(void)to;
	(void)flags;
	return ro_path(from);
}

static int ro_chmod(const char *path, mode_t mode, struct fuse_file_info *fi)
{
	(void)mode;
	(void)fi;
	return ro_path(path);
}

static int ro_chown(const char *path, uid_t uid, gid_t gid,
		    struct fuse_file_info *fi)
{
	(void)uid;
	(void)gid;
	(void)fi;
	return ro_path(path);
}

static int ro_truncate(const char *path, off_t size, struct fuse_file_info *fi)
{
	(void)size;
	(void)fi;
	return ro_path(path);
}

static int ro_write(const char *path, const char *buf, size_t size, off_t off,
		    struct fuse_file_info *fi)
{
	(void)buf;
	(void)size;
	(void)off;
	(void)fi;
	return ro_path(path);
}

static int ro_create(const char *path, mode_t mode, struct fuse_file_info *fi)
{
	(void)mode;
	(void)fi;
	return ro_path(path);
}

static int ro_utimens(const char *path, const struct timespec tv[2],
		      struct fuse_file_info *fi)
{
	(void)tv;
	(void)fi;
	return ro_path(path);
}

static int ro_setxattr(const char *path, const char *name, const char *value,
		       size_t size, int flags)
{
	(void)name;
	(void)value;
	(void)size;
	(void)flags;
	return ro_path(path);
}

static int ro_removexattr(const char *path, const char *name)
{
	(void)name;
	return ro_path(path);
}

static int ro_fallocate(const char *path, int mode, off_t off, off_t len,
			struct fuse_file_info *fi)
{
	(void)mode;
	(void)off;
	(void)len;
	(void)fi;
	return ro_path(path);
}

/* ---- the table of contents ------------------------------------------- */

static void *op_init(struct fuse_conn_info *conn, struct fuse_config *cfg)
{
	(void)conn;
	/* our own inode numbers: profiles have none on disk */
	cfg->use_ino = 0;
	/* a profile's size changes when it is first computed: without
	 * --kernel-cache the kernel asks each time; with it, it keeps the
	 * size it was told for that long, and an open reads direct while
	 * that size is not the profile's (kernel_cached) */
	cfg->attr_timeout = fs_get()->kc ? fs_get()->cfg->kernel_cache : 0;
	cfg->entry_timeout = fs_get()->kc ? fs_get()->cfg->kernel_cache : 1;
	cfg->negative_timeout = 0;
	/* no auto_cache: it keeps a source file's pages while its mtime and
	 * size stay, and a file rewritten in place with its mtime put back
	 * would be read as its old bytes; each open reads anew */
	cfg->auto_cache = 0;
	return fs_get();
}

static const struct fuse_operations fs_ops = {
	.init = op_init,
	/* source.c: attributes, links, the file system */
	.getattr = fs_op_getattr,
	.readlink = fs_op_readlink,
	.statfs = fs_op_statfs,
	/* readdir.c: folders, with the profiles beside their binaries */
	.readdir = fs_op_readdir,
	/* files.c: a source file's bytes, or a profile's */
	.open = fs_op_open,
	.read = fs_op_read,
	.release = fs_op_release,
	/* xattr.c: the source's, and the mount's counters */
	.getxattr = fs_op_getxattr,
	.listxattr = fs_op_listxattr,
	/* below: the mount is read-only */
	.mknod = ro_mknod,
	.mkdir = ro_mkdir,
	.unlink = ro_path,
	.rmdir = ro_path,
	.symlink = ro_link,
	.rename = ro_rename,
	.link = ro_link,
	.chmod = ro_chmod,
	.chown = ro_chown,
	.truncate = ro_truncate,
	.write = ro_write,
	.create = ro_create,
	.utimens = ro_utimens,
	.setxattr = ro_setxattr,
	.removexattr = ro_removexattr,
	.fallocate = ro_fallocate,
};

const struct fuse_operations *fs_operations(void)
{
	return &fs_ops;
}

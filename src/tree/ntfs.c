/*
 * ntfs: an NTFS volume as the source, read in-process by libntfs-3g
 * through a device of our own that reads the image or block device at
 * the partition's offset and refuses every write (EROFS). The volume is
 * mounted read-only as it is, hibernated or not cleanly shut down
 * (libntfs-3g checks neither for a read-only mount); tree_warning() says
 * so when it is.
 *
 * This file: the ops table, the ops on entries and opening the volume;
 * ntfs_file.c: a file's bytes, its streams and its facts; ntfs_path.c:
 * paths and stat; ntfs_link.c: symlinks and junctions; ntfs_node.c: the
 * helpers on a record; ntfs_dev.c: the device. Each calls only those
 * after it.
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <stdatomic.h>
#include <stdio.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include "profilefs/caps.h"
#include "profilefs/volume.h"
#include "ntfs_i.h"

/* ---- folders ----------------------------------------------------------- */

/*
 * Whether ntfs_readdir() may walk the folder ni: it reads the index
 * blocks the $I30 bitmap marks, one bit after another, so the bitmap
 * must be no longer than the index allocation needs, and that no larger
 * than the volume.
 */
static int dir_sane(ntfs_inode *ni)
{
	ntfs_volume *v = ni->vol;
	ntfs_attr *root, *ia, *bmp;
	uint64_t vol_bytes = (uint64_t)v->nr_clusters * v->cluster_size;
	uint32_t bsize = 0;
	uint8_t r[12];
	int ok = 1;

	ia = ntfs_attr_open(ni, AT_INDEX_ALLOCATION, NTFS_INDEX_I30, 4);
	if (!ia)
		return 1; /* the index root alone: nothing to walk */
	root = ntfs_attr_open(ni, AT_INDEX_ROOT, NTFS_INDEX_I30, 4);
	if (root && ntfs_attr_pread(root, 0, sizeof(r), r) == sizeof(r))
		bsize = (uint32_t)r[8] | (uint32_t)r[9] << 8 |
			(uint32_t)r[10] << 16 | (uint32_t)r[11] << 24;
	bmp = ntfs_attr_open(ni, AT_BITMAP, NTFS_INDEX_I30, 4);
	if (bsize < 512 || ia->data_size < 0 ||
	    (uint64_t)ia->data_size > vol_bytes ||
	    (bmp && (uint64_t)bmp->data_size >
			    ((uint64_t)ia->data_size / bsize + 64) / 8 + 8))
		ok = 0;
	if (bmp)
		ntfs_attr_close(bmp);
	if (root)
		ntfs_attr_close(root);
	ntfs_attr_close(ia);
	return ok;
}

/* ---- the ops on entries ----------------------------------------------- */

static int nt_lstat(struct tree *t, const char *rel, struct stat *st)
{
	struct ntfs_tree *nt = nt_of(t);
	struct nt_found f;
	int r;

	pthread_mutex_lock(&nt->lock);
	r = nt_resolve(nt, rel, &f);
	if (!r) {
		r = nt_stat(nt, f.ni, st);
		nt_found_close(&f);
	}
	pthread_mutex_unlock(&nt->lock);
	return r;
}

static int nt_readlink(struct tree *t, const char *rel, char *buf, size_t size)
{
	struct ntfs_tree *nt = nt_of(t);
	struct nt_found f;
	char target[PATH_MAX];
	int r;

	if (size == 0)
		return -EINVAL;
	pthread_mutex_lock(&nt->lock);
	r = nt_resolve(nt, rel, &f);
	if (!r) {
		r = nt_link(f.ni, target, sizeof(target));
		nt_found_close(&f);
	}
	pthread_mutex_unlock(&nt->lock);
	if (r < 0)
		return r;
	/* as readlink(2): truncated to the buffer, here NUL-terminated */
	if ((size_t)r >= size)
		r = (int)size - 1;
	memcpy(buf, target, (size_t)r);
	buf[r] = '\0';
	return 0;
}

struct nt_list {
	char **names;
	u64 *mrefs;
	size_t n, cap;
	int err;
};

/* one index entry: kept unless a DOS 8.3 name, ".", "..", a metafile or
 * a name no path can carry */
static int list_fill(void *arg, const ntfschar *name, const int name_len,
		     const int name_type, const s64 pos, const MFT_REF mref,
		     const unsigned dt_type)
{
	struct nt_list *l = arg;
	char *s = NULL;
	int n;

	(void)pos;
	(void)dt_type;
	if (name_type == FILE_NAME_DOS || MREF(mref) < FILE_first_user)
		return 0;
	if (l->n >= CAP_NTFS_ENTRIES)
		return 1;
	n = ntfs_ucstombs(name, name_len, &s, 0);
	if (n <= 0 || !s || strlen(s) != (size_t)n || strchr(s, '/') ||
	    strcmp(s, ".") == 0 || strcmp(s, "..") == 0) {
		free(s);
		return 0;
	}
	if (l->n == l->cap) {
		size_t cap = l->cap ? l->cap * 2 : 64;
		char **nn = realloc(l->names, cap * sizeof(*nn));
		u64 *nm;

		if (nn)
			l->names = nn;
		nm = nn ? realloc(l->mrefs, cap * sizeof(*nm)) : NULL;
		if (!nm) {
			free(s);
			l->err = -ENOMEM;
			return 1;
		}
		l->mrefs = nm;
		l->cap = cap;
	}
	l->names[l->n] = s;
	l->mrefs[l->n++] = mref;
	return 0;
}

static int nt_list(struct tree *t, const char *rel, tree_entry_fn fn, void *arg)
{
	struct ntfs_tree *nt = nt_of(t);
	struct nt_list l = { 0 };
	struct nt_found f;
	char target[8];
	s64 pos = 0;
	size_t i;
	int r;

	pthread_mutex_lock(&nt->lock);
	r = nt_resolve(nt, rel, &f);
	if (!r) {
		if (!nt_is_dir(f.ni) ||
		    nt_link(f.ni, target, sizeof(target)) != -EINVAL)
			r = -ENOTDIR;
		else if (!dir_sane(f.ni))
			r = -EIO;
		else if (ntfs_readdir(f.ni, &pos, &l, list_fill) && !l.err)
			r = nt_errno();
		if (!r)
			r = l.err;
		nt_found_close(&f);
	}
	pthread_mutex_unlock(&nt->lock);
	/* each entry's attributes, the lock taken for each alone: fn runs
	 * without it */
	for (i = 0; i < l.n && !r; i++) {
		struct stat st;
		ntfs_inode *ni;
		int sr = -EIO;

		pthread_mutex_lock(&nt->lock);
		ni = ntfs_inode_open(nt->vol, l.mrefs[i]);
		if (ni) {
			sr = nt_stat(nt, ni, &st);
			ntfs_inode_close(ni);
		}
		pthread_mutex_unlock(&nt->lock);
		/* an entry whose record cannot be read is left out */
		if (sr == 0)
			r = fn(arg, l.names[i], &st);
	}
	for (i = 0; i < l.n; i++)
		free(l.names[i]);
	free(l.names);
	free(l.mrefs);
	return r;
}

static int nt_statvfs(struct tree *t, struct statvfs *sv)
{
	struct ntfs_tree *nt = nt_of(t);
	ntfs_volume *v = nt->vol;

	pthread_mutex_lock(&nt->lock);
	if (!nt->have_free && ntfs_volume_get_free_space(v) == 0)
		nt->have_free = 1;
	memset(sv, 0, sizeof(*sv));
	sv->f_bsize = v->cluster_size;
	sv->f_frsize = v->cluster_size;
	sv->f_blocks = (fsblkcnt_t)v->nr_clusters;
	if (nt->have_free) {
		sv->f_bfree = (fsblkcnt_t)v->free_clusters;
		sv->f_bavail = sv->f_bfree;
		sv->f_ffree = (fsfilcnt_t)v->free_mft_records;
		sv->f_favail = sv->f_ffree;
	}
	if (v->mft_na)
		sv->f_files = (fsfilcnt_t)(v->mft_na->initialized_size >>
					   v->mft_record_size_bits);
	sv->f_namemax = NTFS_MAX_NAME_LEN;
	sv->f_flag = ST_RDONLY | ST_NOSUID | ST_NODEV;
	pthread_mutex_unlock(&nt->lock);
	return 0;
}

static ssize_t nt_getxattr(struct tree *t, const char *rel, const char *name,
			   void *buf, size_t size)
{
	(void)t;
	(void)rel;
	(void)name;
	(void)buf;
	(void)size;
	return -ENODATA;
}

static ssize_t nt_listxattr(struct tree *t, const char *rel, char *buf,
			    size_t size)
{
	(void)t;
	(void)rel;
	(void)buf;
	(void)size;
	return 0;
}

static uint64_t nt_volume_id(struct tree *t, dev_t dev)
{
	(void)dev;
	return nt_of(t)->id;
}

static int nt_volume_describe(struct tree *t, dev_t dev, char *desc, size_t n)
{
	int len = snprintf(desc, n, "%s", nt_of(t)->desc);

	(void)dev;
	return len < 0 || (size_t)len >= n ? -ENOSPC : 0;
}

static void nt_close(struct tree *t)
{
	struct ntfs_tree *nt = nt_of(t);

	if (nt->vol)
		ntfs_umount(nt->vol, FALSE);
	else if (nt->dev)
		ntfs_device_free(nt->dev);
	if (nt->fd >= 0)
		close(nt->fd);
	pthread_mutex_destroy(&nt->lock);
	free(nt);
}

static int nt_file_fd(const struct tree_file *f)
{
	(void)f;
	return -1;
}

static const struct tree_ops nt_ops = {
	.close = nt_close,
	.lstat = nt_lstat,
	.readlink = nt_readlink,
	.list = nt_list,
	.statvfs = nt_statvfs,
	.file_open = nt_file_open,
	.pread = nt_pread,
	.fstat = nt_fstat,
	.file_fd = nt_file_fd,
	.file_close = nt_file_close,
	.getxattr = nt_getxattr,
	.listxattr = nt_listxattr,
	.streams = nt_streams,
	.stream_read = nt_stream_read,
	.facts = nt_facts,
	.volume_id = nt_volume_id,
	.volume_describe = nt_volume_describe,
};

/* ---- opening ----------------------------------------------------------- */

/* "hibernated", "not cleanly shut down" or NULL: what a read-write mount
 * would have refused */
static const char *volume_state(ntfs_volume *v)
{
	RESTART_PAGE_HEADER *rp = NULL;
	const char *why = NULL;
	ntfs_inode *ni;
	ntfs_attr *na;

	if (ntfs_volume_check_hiberfile(v, 0) < 0 && errno == EPERM)
		return "Windows was hibernated on it";
	if (v->flags & VOLUME_IS_DIRTY)
		why = "it is marked dirty (not cleanly shut down)";
	ni = ntfs_inode_open(v, FILE_LogFile);
	if (!ni)
		return why;
	na = ntfs_attr_open(ni, AT_DATA, AT_UNNAMED, 0);
	if (na) {
		if (!ntfs_check_logfile(na, &rp) ||
		    !ntfs_is_logfile_clean(na, rp))
			why = "its journal is not clean (not cleanly shut "
			      "down)";
		if (rp && le16_to_cpu(rp->major_ver) == 2 &&
		    le16_to_cpu(rp->minor_ver) == 0)
			why = "Windows kept its metadata cached (fast startup "
			      "or not cleanly shut down)";
		free(rp);
		ntfs_attr_close(na);
	}
	ntfs_inode_close(ni);
	return why;
}

/* the volume's serial number, from its boot sector */
static int read_serial(struct ntfs_tree *nt, uint64_t offset)
{
	uint8_t b[8];
	int i;

	if (pread(nt->fd, b, sizeof(b), (off_t)(offset + 0x48)) != 8)
		return -EIO;
	nt->serial = 0;
	for (i = 7; i >= 0; i--)
		nt->serial = nt->serial << 8 | b[i];
	return 0;
}

static int identify(struct ntfs_tree *nt, const struct tree_opts *o)
{
	char key[64 + PATH_MAX];
	int r;

	if (o && o->volume_name && *o->volume_name) {
		if (strlen(o->volume_name) >= PATH_MAX)
			return -ENAMETOOLONG;
		snprintf(key, sizeof(key), "name:%s", o->volume_name);
		snprintf(nt->desc, sizeof(nt->desc), "name %.70s",
			 o->volume_name);
	} else {
		snprintf(key, sizeof(key), "ntfs:%016" PRIX64, nt->serial);
		snprintf(nt->desc, sizeof(nt->desc), "ntfs %016" PRIX64,
			 nt->serial);
	}
	r = tree_volume_key_id(key, &nt->id);
	return r < 0 ? r : 0;
}

int tree_open_ntfs(const char *path, uint64_t offset, uint64_t size,
		   const struct tree_opts *o, struct tree **out)
{
	static atomic_uint trees;
	struct ntfs_tree *nt;
	struct nt_devp *p;
	const char *state;
	int r;

	nt = calloc(1, sizeof(*nt) + sizeof(*p));
	if (!nt)
		return -ENOMEM;
	p = (struct nt_devp *)(nt + 1);
	nt->base.ops = &nt_ops;
	nt->base.kind = "ntfs";
	pthread_mutex_init(&nt->lock, NULL);
	nt->st_dev = makedev(0xfff, atomic_fetch_add(&trees, 1) & 0xfffff);
	nt->fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY);
	if (nt->fd < 0) {
		r = -errno;
		goto fail;
	}
	r = read_serial(nt, offset);
	if (r)
		goto fail;
	r = identify(nt, o);
	if (r)
		goto fail;
	p->fd = nt->fd;
	p->base = offset;
	p->size = size;
	nt->dev = ntfs_device_alloc(path, 0, &nt_dev_ops, p);
	if (!nt->dev) {
		r = -ENOMEM;
		goto fail;
	}
	/* read-only: libntfs-3g then neither checks for hibernation nor
	 * replays or resets the journal; FORENSIC: nothing modified */
	nt->vol =
		ntfs_device_mount(nt->dev, NTFS_MNT_RDONLY | NTFS_MNT_FORENSIC);
	if (!nt->vol) {
		r = errno == ENOMEM ? -ENOMEM : -EINVAL;
		goto fail;
	}
	state = volume_state(nt->vol);
	if (state &&
	    asprintf(&nt->base.warning, "the NTFS volume is read as it is: %s",
		     state) < 0)
		nt->base.warning = NULL;
	*out = &nt->base;
	return 0;

fail:
	nt_close(&nt->base);
	return r;
}

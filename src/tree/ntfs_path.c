/*
 * ntfs_path: a path of an NTFS volume to its record, and a record's stat.
 */
#include <errno.h>
#include <limits.h>

#include "ntfs_i.h"

/* ---- stat -------------------------------------------------------------- */

static nlink_t nt_names(ntfs_inode *ni)
{
	ntfs_attr_search_ctx *ctx = ntfs_attr_get_search_ctx(ni, NULL);
	nlink_t n = 0;

	if (!ctx)
		return 1;
	while (n < 0xffff &&
	       !ntfs_attr_lookup(AT_FILE_NAME, AT_UNNAMED, 0, CASE_SENSITIVE, 0,
				 NULL, 0, ctx)) {
		const ATTR_RECORD *a = ctx->attr;
		const FILE_NAME_ATTR *fn;

		if (a->non_resident ||
		    le32_to_cpu(a->value_length) < sizeof(FILE_NAME_ATTR) ||
		    le16_to_cpu(a->value_offset) +
				    (uint64_t)le32_to_cpu(a->value_length) >
			    le32_to_cpu(a->length))
			continue;
		fn = (const FILE_NAME_ATTR *)((const uint8_t *)a +
					      le16_to_cpu(a->value_offset));
		if (fn->file_name_type != FILE_NAME_DOS)
			n++;
	}
	ntfs_attr_put_search_ctx(ctx);
	return n ? n : 1;
}

static struct timespec ts(ntfs_time t)
{
	return nt_time(t);
}

int nt_stat(struct ntfs_tree *nt, ntfs_inode *ni, struct stat *st)
{
	char target[PATH_MAX];
	int len;

	memset(st, 0, sizeof(*st));
	st->st_dev = nt->st_dev;
	st->st_ino = (ino_t)ni->mft_no;
	st->st_nlink = nt_names(ni);
	st->st_blksize = 4096;
	st->st_atim = ts(ni->last_access_time);
	st->st_mtim = ts(ni->last_data_change_time);
	st->st_ctim = ts(ni->last_mft_change_time);
	len = nt_link(ni, target, sizeof(target));
	if (len >= 0) {
		st->st_mode = S_IFLNK | 0777;
		st->st_size = len;
		return 0;
	}
	if (len == -ENOMEM)
		return len;
	if (nt_is_dir(ni)) {
		ntfs_attr *na = ntfs_attr_open(ni, AT_INDEX_ALLOCATION,
					       NTFS_INDEX_I30, 4);

		st->st_mode = S_IFDIR | 0555;
		if (na) {
			st->st_size = (off_t)na->data_size;
			st->st_blocks = (blkcnt_t)(na->allocated_size >> 9);
			ntfs_attr_close(na);
		}
		return 0;
	}
	st->st_mode = S_IFREG | 0444;
	st->st_size = (off_t)ni->data_size;
	st->st_blocks = (blkcnt_t)((ni->allocated_size + 511) >> 9);
	return 0;
}

/* ---- paths ------------------------------------------------------------- */

/*
 * The record the folder dir names uname by (exactly, as Windows orders
 * the index), or (u64)-1. libntfs-3g's index lookup, which descends at
 * most MAX_PARENT_VCN levels: ntfs_inode_lookup_by_name() follows child
 * nodes with no bound, and an index whose node points back at itself
 * would hold the lock forever.
 */
static u64 lookup(ntfs_inode *dir, const ntfschar *uname, int ulen)
{
	size_t klen = sizeof(FILE_NAME_ATTR) + (size_t)ulen * sizeof(ntfschar);
	FILE_NAME_ATTR *key = calloc(1, klen);
	ntfs_index_context *icx;
	u64 mref = (u64)-1;

	if (!key)
		return mref;
	key->file_name_length = (u8)ulen;
	memcpy((uint8_t *)key + sizeof(FILE_NAME_ATTR), uname,
	       (size_t)ulen * sizeof(ntfschar));
	icx = ntfs_index_ctx_get(dir, NTFS_INDEX_I30, 4);
	if (icx && ntfs_index_lookup(key, (int)klen, icx) == 0 && icx->entry)
		mref = le64_to_cpu(icx->entry->indexed_file);
	if (icx)
		ntfs_index_ctx_put(icx);
	free(key);
	return mref;
}

void nt_found_close(struct nt_found *f)
{
	if (f->ni)
		ntfs_inode_close(f->ni);
	free(f->uname);
	memset(f, 0, sizeof(*f));
}

/*
 * rel from the root, one component at a time through the folders'
 * indexes (case-insensitive as Windows'), never through a link, never to
 * a metafile ($MFT and kin, records below FILE_first_user).
 */
int nt_resolve(struct ntfs_tree *nt, const char *rel, struct nt_found *f)
{
	char comp[NTFS_MAX_NAME_LEN * 4 + 1];
	const char *p = rel;
	int r = 0;

	memset(f, 0, sizeof(*f));
	if (strnlen(rel, PATH_MAX) >= PATH_MAX)
		return -ENAMETOOLONG;
	f->ni = ntfs_inode_open(nt->vol, FILE_root);
	if (!f->ni)
		return nt_errno();
	while (*p) {
		const char *e = strchr(p, '/');
		size_t n = e ? (size_t)(e - p) : strlen(p);
		char target[8];
		u64 mref;

		if (n == 0 || n >= sizeof(comp) || (n == 1 && p[0] == '.') ||
		    (n == 2 && p[0] == '.' && p[1] == '.')) {
			r = n >= sizeof(comp) ? -ENAMETOOLONG : -ENOENT;
			break;
		}
		if (!nt_is_dir(f->ni) ||
		    nt_link(f->ni, target, sizeof(target)) != -EINVAL) {
			r = -ENOTDIR;
			break;
		}
		memcpy(comp, p, n);
		comp[n] = '\0';
		free(f->uname);
		f->uname = NULL;
		f->ulen = ntfs_mbstoucs(comp, &f->uname);
		if (f->ulen <= 0 || f->ulen > NTFS_MAX_NAME_LEN) {
			r = f->ulen <= 0 ? -ENOENT : -ENAMETOOLONG;
			break;
		}
		mref = lookup(f->ni, f->uname, f->ulen);
		if (mref == (u64)-1 || MREF(mref) < FILE_first_user) {
			r = -ENOENT;
			break;
		}
		f->parent = f->ni->mft_no;
		ntfs_inode_close(f->ni);
		f->ni = ntfs_inode_open(nt->vol, mref);
		if (!f->ni) {
			r = nt_errno();
			break;
		}
		p += n;
		if (*p == '/')
			p++;
	}
	if (r)
		nt_found_close(f);
	return r;
}

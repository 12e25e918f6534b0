/*
 * ntfs_file: an NTFS file's bytes (plain, NTFS-compressed and sparse ones
 * through libntfs-3g, system-compressed ones through wof.c), its named
 * streams and what the volume says of it beyond stat (tree_facts).
 *
 * A file whose bytes are elsewhere (deduplicated, in the cloud, EFS
 * ciphertext, an unknown reparse point, a damaged WOF stream) is not
 * opened (-EIO): its facts say why.
 */
#include <errno.h>
#include <inttypes.h>
#include <limits.h>
#include <stdio.h>

#include "profilefs/caps.h"
#include "ntfs_i.h"
#include "wof.h"

#define TAG_DEDUP	 0x80000013u
#define TAG_CLOUD_MASK	 0xffff0fffu /* the cloud tags: 0x9000X01A */
#define TAG_CLOUD	 0x9000001au
#define TAG_STORAGE_SYNC 0x8000001eu
#define TAG_HSM		 0xc0000004u
#define TAG_HSM2	 0x80000006u
#define TAG_APPEXECLINK	 0x8000001bu
/* FILE_ATTRIBUTE_* of a file whose bytes are not on the disk */
#define ATTR_OFFLINE	 0x00001000u
#define ATTR_RECALL_OPEN 0x00040000u
#define ATTR_RECALL_DATA 0x00400000u
#define ATTR_DIRECTORY	 0x00000010u
/* a read of the plain data, at most */
#define NT_READ_MAX (1u << 30)

struct nt_file {
	struct tree_file base;
	ntfs_inode *ni;
	ntfs_attr *na;	   /* the unnamed $DATA (NULL: none, empty) */
	ntfs_attr *wof_na; /* WofCompressedData of a WOF file */
	struct wof *wof;
	struct stat st;
};

/* how a file's bytes are stored, and whether they can be read */
struct nt_info {
	uint32_t tag;
	int wof;
	enum wof_format fmt;
	char storage[48];
	char unreadable[sizeof(((struct tree_facts *)0)->unreadable)];
};

static uint32_t attributes(ntfs_inode *ni)
{
	uint32_t a = le32_to_cpu(ni->flags);

	/* libntfs-3g's "index present" is Windows' directory bit */
	if (a & 0x10000000u)
		a = (a & ~0x10000000u) | ATTR_DIRECTORY;
	if (nt_is_dir(ni))
		a |= ATTR_DIRECTORY;
	return a;
}

/* a cloud or HSM file whose bytes are not all here: Windows' flags say
 * so, or its data stream holds none of them (all a hole) */
static int placeholder(ntfs_inode *ni, uint32_t attrs)
{
	return (attrs & (ATTR_OFFLINE | ATTR_RECALL_OPEN | ATTR_RECALL_DATA)) ||
	       (ni->data_size > 0 && ni->allocated_size == 0);
}

static void reparse_why(ntfs_inode *ni, uint32_t tag, uint32_t attrs,
			struct nt_info *in)
{
	const size_t n = sizeof(in->unreadable);

	if (tag == TAG_DEDUP)
		snprintf(in->unreadable, n,
			 "Data Deduplication (reparse tag 0x%08" PRIx32
			 "): its bytes are in the volume's chunk store, "
			 "which profilefs does not read",
			 tag);
	else if ((tag & TAG_CLOUD_MASK) == TAG_CLOUD ||
		 tag == TAG_STORAGE_SYNC || tag == TAG_HSM || tag == TAG_HSM2) {
		/* a cloud file kept on the disk reads as any other */
		if (!placeholder(ni, attrs))
			return;
		snprintf(in->unreadable, n,
			 "a placeholder (reparse tag 0x%08" PRIx32
			 "): its bytes are with a cloud or storage provider, "
			 "not on this volume",
			 tag);
	} else if (tag == TAG_APPEXECLINK)
		snprintf(in->unreadable, n,
			 "an app execution alias (reparse tag 0x%08" PRIx32
			 "): it names a packaged app, it holds no bytes",
			 tag);
	else
		snprintf(
			in->unreadable, n,
			"reparse tag 0x%08" PRIx32
			", which profilefs does not read: its bytes may not be "
			"in the file",
			tag);
}

static void classify(ntfs_inode *ni, struct nt_info *in)
{
	uint32_t a = attributes(ni);
	uint8_t *d = NULL;
	size_t len = 0;
	char why[96];
	int r;

	memset(in, 0, sizeof(*in));
	in->tag = nt_reparse(ni, &d, &len);
	if (in->tag == WOF_REPARSE_TAG) {
		r = wof_reparse_format(d + 8, len - 8, &in->fmt, why,
				       sizeof(why));
		if (r == 0) {
			in->wof = 1;
			snprintf(in->storage, sizeof(in->storage),
				 "WOF-compressed (%s)",
				 wof_format_name(in->fmt));
		} else if (r == -ENOTSUP) {
			snprintf(in->storage, sizeof(in->storage),
				 "WIM-backed (WOF)");
			snprintf(in->unreadable, sizeof(in->unreadable),
				 "WIMBoot (reparse tag 0x80000017, WIM "
				 "provider): its bytes are in a WIM file "
				 "elsewhere");
		} else {
			snprintf(in->unreadable, sizeof(in->unreadable),
				 "a damaged WOF reparse point: %s", why);
		}
	} else if (in->tag && in->tag != NT_TAG_SYMLINK &&
		   in->tag != NT_TAG_MOUNT_POINT) {
		reparse_why(ni, in->tag, a, in);
	}
	free(d);
	if (in->storage[0])
		return;
	if (a & FILE_ATTR_ENCRYPTED) {
		snprintf(in->storage, sizeof(in->storage), "EFS-encrypted");
		if (!in->unreadable[0])
			snprintf(in->unreadable, sizeof(in->unreadable),
				 "EFS-encrypted: its bytes are ciphertext "
				 "only Windows, with the owner's key, can "
				 "decrypt");
	} else if (a & FILE_ATTR_COMPRESSED) {
		snprintf(in->storage, sizeof(in->storage), "NTFS-compressed");
	} else if (a & FILE_ATTR_SPARSE_FILE) {
		snprintf(in->storage, sizeof(in->storage), "sparse");
	}
}

/* ---- WOF --------------------------------------------------------------- */

static ssize_t wof_read(void *arg, void *buf, size_t n, uint64_t off)
{
	ntfs_attr *na = arg;
	s64 r;

	if (off >= (uint64_t)na->data_size)
		return 0;
	if (n > (uint64_t)na->data_size - off)
		n = (size_t)((uint64_t)na->data_size - off);
	r = ntfs_attr_pread(na, (s64)off, (s64)n, buf);
	return r < 0 ? -EIO : (ssize_t)r;
}

/*
 * The reader of ni's WOF bytes, its first chunk decompressed to know the
 * stream is sound: 0, or -EIO with why.
 */
static int wof_start(ntfs_inode *ni, const struct nt_info *in,
		     ntfs_attr **na_out, struct wof **out, char *why, size_t n)
{
	ntfschar *uname = NULL;
	ntfs_attr *na = NULL;
	struct wof *w = NULL;
	uint8_t byte;
	int len, r;

	len = ntfs_mbstoucs(WOF_STREAM_NAME, &uname);
	if (len <= 0)
		return -ENOMEM;
	na = ntfs_attr_open(ni, AT_DATA, uname, len);
	free(uname);
	if (!na) {
		snprintf(why, n, "WOF-compressed, but its %s stream is missing",
			 WOF_STREAM_NAME);
		return -EIO;
	}
	r = wof_open(in->fmt, (uint64_t)ni->data_size, (uint64_t)na->data_size,
		     wof_read, na, &w);
	if (r == -ENOMEM)
		goto fail;
	if (r) {
		snprintf(why, n, "a damaged WOF stream: %s too short for %s",
			 WOF_STREAM_NAME, "its chunk table");
		r = -EIO;
		goto fail;
	}
	if (ni->data_size > 0) {
		ssize_t got = wof_pread(w, &byte, 1, 0);

		if (got != 1) {
			snprintf(why, n, "a damaged WOF stream: %s",
				 got == -EIO && *wof_why(w) ? wof_why(w)
							    : "unreadable");
			r = got == -ENOMEM ? -ENOMEM : -EIO;
			goto fail;
		}
	}
	*na_out = na;
	*out = w;
	return 0;

fail:
	wof_close(w);
	ntfs_attr_close(na);
	return r;
}

/* ---- a file's bytes ---------------------------------------------------- */

int nt_file_open(struct tree *t, const char *rel, struct tree_file **out,
		 struct stat *st)
{
	struct ntfs_tree *nt = nt_of(t);
	struct nt_file *f = calloc(1, sizeof(*f));
	struct nt_found fd;
	struct nt_info in;
	char why[160];
	int r;

	if (!f)
		return -ENOMEM;
	pthread_mutex_lock(&nt->lock);
	r = nt_resolve(nt, rel, &fd);
	if (r)
		goto out;
	r = nt_stat(nt, fd.ni, &f->st);
	if (!r && !S_ISREG(f->st.st_mode))
		r = -EINVAL;
	if (r)
		goto out_found;
	classify(fd.ni, &in);
	if (in.unreadable[0]) {
		r = -EIO;
		goto out_found;
	}
	if (in.wof) {
		r = wof_start(fd.ni, &in, &f->wof_na, &f->wof, why,
			      sizeof(why));
	} else {
		f->na = ntfs_attr_open(fd.ni, AT_DATA, AT_UNNAMED, 0);
		if (!f->na && fd.ni->data_size > 0)
			r = -EIO;
	}
	if (r)
		goto out_found;
	f->ni = fd.ni;
	fd.ni = NULL;
	f->base.ops = t->ops;
	f->base.tree = t;
	*st = f->st;
	*out = &f->base;
out_found:
	nt_found_close(&fd);
out:
	pthread_mutex_unlock(&nt->lock);
	if (r)
		free(f);
	return r;
}

ssize_t nt_pread(struct tree_file *tf, void *buf, size_t n, uint64_t off)
{
	struct nt_file *f = (struct nt_file *)tf;
	struct ntfs_tree *nt = nt_of(tf->tree);
	ssize_t r = 0;
	s64 got;

	pthread_mutex_lock(&nt->lock);
	if (f->wof) {
		r = wof_pread(f->wof, buf, n, off);
	} else if (f->na && off < (uint64_t)f->na->data_size) {
		if (n > (uint64_t)f->na->data_size - off)
			n = (size_t)((uint64_t)f->na->data_size - off);
		if (n > NT_READ_MAX)
			n = NT_READ_MAX;
		got = ntfs_attr_pread(f->na, (s64)off, (s64)n, buf);
		r = got < 0 ? nt_errno() : (ssize_t)got;
	}
	pthread_mutex_unlock(&nt->lock);
	return r;
}

int nt_fstat(struct tree_file *tf, struct stat *st)
{
	*st = ((struct nt_file *)tf)->st;
	return 0;
}

void nt_file_close(struct tree_file *tf)
{
	struct nt_file *f = (struct nt_file *)tf;
	struct ntfs_tree *nt;

	if (!f)
		return;
	nt = nt_of(tf->tree);
	pthread_mutex_lock(&nt->lock);
	wof_close(f->wof);
	if (f->wof_na)
		ntfs_attr_close(f->wof_na);
	if (f->na)
		ntfs_attr_close(f->na);
	if (f->ni)
		ntfs_inode_close(f->ni);
	pthread_mutex_unlock(&nt->lock);
	free(f);
}

/* ---- named streams ----------------------------------------------------- */

/* the attribute ctx->attr's name as UTF-8 (malloc'ed), or NULL */
static char *attr_name(const ATTR_RECORD *a)
{
	size_t len = a->name_length, off = le16_to_cpu(a->name_offset);
	ntfschar u[256];
	char *s = NULL;

	if (len == 0 || off + len * 2 > le32_to_cpu(a->length))
		return NULL;
	memcpy(u, (const uint8_t *)a + off, len * 2);
	if (ntfs_ucstombs(u, (int)len, &s, 0) <= 0) {
		free(s);
		return NULL;
	}
	return s;
}

int nt_streams(struct tree *t, const char *rel, struct tree_stream **out,
	       size_t *n)
{
	struct ntfs_tree *nt = nt_of(t);
	struct tree_stream *s = NULL;
	ntfs_attr_search_ctx *ctx = NULL;
	size_t count = 0, cap = 0;
	struct nt_found f;
	int r;

	pthread_mutex_lock(&nt->lock);
	r = nt_resolve(nt, rel, &f);
	if (r)
		goto out;
	ctx = ntfs_attr_get_search_ctx(f.ni, NULL);
	if (!ctx) {
		r = -ENOMEM;
		goto out_found;
	}
	while (count < CAP_TREE_STREAMS &&
	       !ntfs_attr_lookup(AT_DATA, NULL, 0, CASE_SENSITIVE, 0, NULL, 0,
				 ctx)) {
		const ATTR_RECORD *a = ctx->attr;
		char *name;

		/* a stream in several records is listed once */
		if (a->name_length == 0 ||
		    (a->non_resident && sle64_to_cpu(a->lowest_vcn) != 0))
			continue;
		name = attr_name(a);
		if (!name)
			continue;
		if (count == cap) {
			size_t c = cap ? cap * 2 : 8;
			struct tree_stream *ns = realloc(s, c * sizeof(*ns));

			if (!ns) {
				free(name);
				r = -ENOMEM;
				break;
			}
			s = ns;
			cap = c;
		}
		s[count].name = name;
		s[count++].size =
			a->non_resident
				? (uint64_t)sle64_to_cpu(a->data_size)
				: (uint64_t)le32_to_cpu(a->value_length);
	}
	ntfs_attr_put_search_ctx(ctx);
out_found:
	nt_found_close(&f);
out:
	pthread_mutex_unlock(&nt->lock);
	if (r) {
		while (count)
			free(s[--count].name);
		free(s);
		return r;
	}
	*out = s;
	*n = count;
	return 0;
}

ssize_t nt_stream_read(struct tree *t, const char *rel, const char *name,
		       void *buf, size_t size)
{
	struct ntfs_tree *nt = nt_of(t);
	ntfschar *uname = NULL;
	ntfs_attr *na;
	struct nt_found f;
	ssize_t r;
	int len;
	s64 got;

	if (!*name)
		return -ENOENT;
	pthread_mutex_lock(&nt->lock);
	r = nt_resolve(nt, rel, &f);
	if (r)
		goto out;
	len = ntfs_mbstoucs(name, &uname);
	na = len > 0 && len <= NTFS_MAX_NAME_LEN
		     ? ntfs_attr_open(f.ni, AT_DATA, uname, len)
		     : NULL;
	free(uname);
	if (!na) {
		r = -ENOENT;
		goto out_found;
	}
	if ((uint64_t)na->data_size < size)
		size = (size_t)na->data_size;
	if (size > NT_READ_MAX)
		size = NT_READ_MAX;
	got = size ? ntfs_attr_pread(na, 0, (s64)size, buf) : 0;
	r = got < 0 ? nt_errno() : (ssize_t)got;
	ntfs_attr_close(na);
out_found:
	nt_found_close(&f);
out:
	pthread_mutex_unlock(&nt->lock);
	return r;
}

/* ---- facts ------------------------------------------------------------- */

/* the $FILE_NAME of the name f was reached by: the one in its parent
 * folder with that name (exactly, else as Windows compares), else the
 * first that is not a DOS name */
static int fn_times(struct nt_found *f, struct timespec *fn)
{
	ntfs_attr_search_ctx *ctx = ntfs_attr_get_search_ctx(f->ni, NULL);
	ntfs_volume *v = f->ni->vol;
	FILE_NAME_ATTR best;
	int score = 0;

	if (!ctx)
		return -ENOMEM;
	while (score < 3 &&
	       !ntfs_attr_lookup(AT_FILE_NAME, AT_UNNAMED, 0, CASE_SENSITIVE, 0,
				 NULL, 0, ctx)) {
		const ATTR_RECORD *a = ctx->attr;
		uint32_t vl = le32_to_cpu(a->value_length);
		uint16_t vo = le16_to_cpu(a->value_offset);
		const FILE_NAME_ATTR *x;
		ntfschar name[256];
		int s = 0;

		if (a->non_resident || vl < sizeof(FILE_NAME_ATTR) ||
		    (uint64_t)vo + vl > le32_to_cpu(a->length))
			continue;
		x = (const FILE_NAME_ATTR *)((const uint8_t *)a + vo);
		if (sizeof(FILE_NAME_ATTR) + x->file_name_length * 2u > vl)
			continue;
		memcpy(name, (const uint8_t *)x + sizeof(FILE_NAME_ATTR),
		       x->file_name_length * 2u);
		if (x->file_name_type != FILE_NAME_DOS)
			s = 1;
		if (f->uname && MREF_LE(x->parent_directory) == f->parent) {
			if (ntfs_names_are_equal(name, x->file_name_length,
						 f->uname, (size_t)f->ulen,
						 CASE_SENSITIVE, v->upcase,
						 v->upcase_len))
				s = 3;
			else if (ntfs_names_are_equal(name, x->file_name_length,
						      f->uname, (size_t)f->ulen,
						      IGNORE_CASE, v->upcase,
						      v->upcase_len))
				s = 2;
		}
		if (s > score) {
			score = s;
			best = *x;
		}
	}
	ntfs_attr_put_search_ctx(ctx);
	if (!score)
		return -ENOENT;
	fn[TREE_CREATED] = nt_time(best.creation_time);
	fn[TREE_MODIFIED] = nt_time(best.last_data_change_time);
	fn[TREE_MFT_CHANGED] = nt_time(best.last_mft_change_time);
	fn[TREE_ACCESSED] = nt_time(best.last_access_time);
	return 0;
}

static uint32_t rd32(const uint8_t *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 |
	       (uint32_t)p[3] << 24;
}

/* the owner SID of a self-relative security descriptor (len bytes) */
static int owner_sid(const uint8_t *sd, size_t len, char *out, size_t n)
{
	uint32_t off;
	uint64_t auth = 0;
	size_t at, i, cnt;
	int w;

	if (len < 20)
		return -EINVAL;
	off = rd32(sd + 4);
	if (off == 0 || off > len || len - off < 8)
		return -EINVAL;
	cnt = sd[off + 1];
	if (sd[off] != 1 || cnt > 15 || len - off < 8 + 4 * cnt)
		return -EINVAL;
	for (i = 0; i < 6; i++)
		auth = auth << 8 | sd[off + 2 + i];
	w = auth >> 32 ? snprintf(out, n, "S-1-0x%012" PRIX64, auth)
		       : snprintf(out, n, "S-1-%" PRIu64, auth);
	for (i = 0; i < cnt && w > 0 && (size_t)w < n; i++) {
		at = (size_t)w;
		w += snprintf(out + at, n - at, "-%" PRIu32,
			      rd32(sd + off + 8 + 4 * i));
	}
	return w > 0 && (size_t)w < n ? 0 : -ENOSPC;
}

static int owner(struct ntfs_tree *nt, ntfs_inode *ni, char *out, size_t n)
{
	struct SECURITY_CONTEXT scx;
	size_t cap = 1u << 16;
	char *sd = malloc(cap);
	int len, r = -ENODATA;

	if (!sd)
		return -ENOMEM;
	memset(&scx, 0, sizeof(scx));
	scx.vol = nt->vol;
	len = ntfs_get_ntfs_acl(&scx, ni, sd, cap);
	if (len > 0 && (size_t)len <= cap)
		r = owner_sid((const uint8_t *)sd, (size_t)len, out, n);
	free(sd);
	return r;
}

int nt_facts(struct tree *t, const char *rel, struct tree_facts *out)
{
	struct ntfs_tree *nt = nt_of(t);
	struct tree_facts x;
	struct nt_found f;
	struct nt_info in;
	struct stat st;
	int r;

	memset(&x, 0, sizeof(x));
	pthread_mutex_lock(&nt->lock);
	r = nt_resolve(nt, rel, &f);
	if (r)
		goto out;
	x.have = TREE_HAVE_SI_TIMES | TREE_HAVE_ATTRIBUTES | TREE_HAVE_RECORD |
		 TREE_HAVE_REPARSE;
	x.si[TREE_CREATED] = nt_time(f.ni->creation_time);
	x.si[TREE_MODIFIED] = nt_time(f.ni->last_data_change_time);
	x.si[TREE_MFT_CHANGED] = nt_time(f.ni->last_mft_change_time);
	x.si[TREE_ACCESSED] = nt_time(f.ni->last_access_time);
	if (fn_times(&f, x.fn) == 0)
		x.have |= TREE_HAVE_FN_TIMES;
	x.attributes = attributes(f.ni);
	x.record = f.ni->mft_no;
	classify(f.ni, &in);
	x.reparse_tag = in.tag;
	memcpy(x.storage, in.storage, sizeof(x.storage));
	memcpy(x.unreadable, in.unreadable, sizeof(x.unreadable));
	if (in.wof && !in.unreadable[0] && nt_stat(nt, f.ni, &st) == 0 &&
	    S_ISREG(st.st_mode)) {
		ntfs_attr *na = NULL;
		struct wof *w = NULL;

		if (wof_start(f.ni, &in, &na, &w, x.unreadable,
			      sizeof(x.unreadable)) == 0) {
			wof_close(w);
			ntfs_attr_close(na);
		}
	}
	if (owner(nt, f.ni, x.owner, sizeof(x.owner)) == 0)
		x.have |= TREE_HAVE_OWNER;
	nt_found_close(&f);
out:
	pthread_mutex_unlock(&nt->lock);
	if (!r)
		*out = x;
	return r;
}

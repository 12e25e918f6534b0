/*
 * volumes: the identity of the file system a file lives on, by its UUID
 * where one can be trusted, else its st_dev (see volume.h). SHA-256 by
 * OpenSSL itself: the digest module reads through the tree.
 */
#include <blkid/blkid.h>
#include <openssl/evp.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include "profilefs/hash.h"
#include "profilefs/volume.h"
#include "profilefs/util.h"

/* mountinfo is read whole; thousands of mounts fit well below this */
#define VOL_MOUNTINFO_CAP (16u << 20)
/* the longest UUID and TYPE kept; blkid's are 36 and ~16 characters */
#define VOL_UUID_MAX 64
#define VOL_TYPE_MAX 32

enum vol_kind { VOL_DEV, VOL_UUID };

struct vol_entry {
	dev_t dev;
	uint64_t id;
	enum vol_kind kind;
	char type[VOL_TYPE_MAX + 1];
	char uuid[VOL_UUID_MAX + 1];
};

struct tree_vols {
	char *name;	      /* the user's name, or NULL */
	uint64_t name_id;     /* its id */
	pthread_mutex_t lock; /* the memo */
	/* dev_t -> struct vol_entry, at most TREE_VOLUME_MEMO; when full,
	 * the dev memoised first goes: ring holds them in order */
	struct util_hash *memo;
	dev_t ring[TREE_VOLUME_MEMO];
	size_t next; /* where the next dev goes in ring */
};

/* FNV-1a: only when SHA-256 fails (no memory for an OpenSSL context) */
static uint64_t fnv1a(const char *s, size_t n)
{
	uint64_t h = 0xcbf29ce484222325ull;
	size_t i;

	for (i = 0; i < n; i++)
		h = (h ^ (uint8_t)s[i]) * 0x100000001b3ull;
	return h;
}

int tree_volume_key_id(const char *key, uint64_t *id)
{
	uint8_t md[32];
	int i;

	if (EVP_Digest(key, strlen(key), md, NULL, EVP_sha256(), NULL) != 1)
		return -ENOMEM;
	*id = 0;
	for (i = 0; i < 8; i++)
		*id = *id << 8 | md[i];
	return 0;
}

/* tree_volume_key_id(), or when SHA-256 fails *ok 0 and the fallback hash
 * (the id is then not memoised) */
static uint64_t vol_hash(const char *s, int *ok)
{
	uint64_t id;

	*ok = tree_volume_key_id(s, &id) == 0;
	return *ok ? id : fnv1a(s, strlen(s));
}

static int entry_key(const struct vol_entry *e, char *out, size_t n)
{
	int len;

	if (e->kind == VOL_UUID)
		len = snprintf(out, n, "uuid:%s:%s", e->type, e->uuid);
	else
		len = snprintf(out, n, "dev:%u:%u", major(e->dev),
			       minor(e->dev));
	return len < 0 || (size_t)len >= n ? -ENOSPC : 0;
}

int tree_vols_new(const char *name, struct tree_vols **out)
{
	struct tree_vols *v;
	char *key = NULL;
	int ok;

	if (name && !*name)
		return -EINVAL;
	v = calloc(1, sizeof(*v));
	if (!v)
		return -ENOMEM;
	if (util_hash_new(sizeof(dev_t), sizeof(struct vol_entry),
			  TREE_VOLUME_MEMO, NULL, &v->memo))
		goto out_nomem;
	if (name) {
		v->name = strdup(name);
		if (!v->name || asprintf(&key, "name:%s", name) < 0)
			goto out_nomem;
		v->name_id = vol_hash(key, &ok);
		free(key);
		/* the name's id is fixed for the mount: a fallback would
		 * change it across runs */
		if (!ok)
			goto out_nomem;
	}
	pthread_mutex_init(&v->lock, NULL);
	*out = v;
	return 0;

out_nomem:
	util_hash_free(v->memo);
	free(v->name);
	free(v);
	return -ENOMEM;
}

void tree_vols_free(struct tree_vols *v)
{
	if (!v)
		return;
	pthread_mutex_destroy(&v->lock);
	util_hash_free(v->memo);
	free(v->name);
	free(v);
}

/* ---- mountinfo ------------------------------------------------------ */

/*
 * One field of a mountinfo line (p, n) into out: the kernel writes space,
 * tab, newline and backslash as \ooo. -ENAMETOOLONG when it does not fit,
 * -EINVAL for a NUL.
 */
static int unescape(const char *p, size_t n, char *out, size_t outn)
{
	size_t i, o = 0;

	for (i = 0; i < n; i++) {
		unsigned c = (uint8_t)p[i];

		if (c == '\\' && n - i > 3 && p[i + 1] >= '0' &&
		    p[i + 1] <= '3' && p[i + 2] >= '0' && p[i + 2] <= '7' &&
		    p[i + 3] >= '0' && p[i + 3] <= '7') {
			c = (unsigned)(p[i + 1] - '0') << 6 |
			    (unsigned)(p[i + 2] - '0') << 3 |
			    (unsigned)(p[i + 3] - '0');
			i += 3;
		}
		if (c == 0)
			return -EINVAL;
		if (o + 1 >= outn)
			return -ENAMETOOLONG;
		out[o++] = (char)c;
	}
	if (outn == 0)
		return -ENAMETOOLONG;
	out[o] = '\0';
	return 0;
}

/* A decimal number of at most 10 digits at the start of (p, n). */
static int parse_uint(const char *p, size_t n, size_t *used,
		      unsigned long long *out)
{
	unsigned long long x = 0;
	size_t i;

	for (i = 0; i < n && i < 10 && p[i] >= '0' && p[i] <= '9'; i++)
		x = x * 10 + (unsigned)(p[i] - '0');
	if (i == 0)
		return -EINVAL;
	*used = i;
	*out = x;
	return 0;
}

/* Is (p, n) "MAJOR:MINOR" of dev? */
static int same_dev(const char *p, size_t n, dev_t dev)
{
	unsigned long long maj, min;
	size_t a, b;

	if (parse_uint(p, n, &a, &maj) || a >= n || p[a] != ':' ||
	    parse_uint(p + a + 1, n - a - 1, &b, &min) || a + 1 + b != n)
		return 0;
	return maj == major(dev) && min == minor(dev);
}

/* "user_id=N" among the comma-separated super options, else -1 */
static long long fuse_user_id(const char *p, size_t n)
{
	static const char key[] = "user_id=";
	unsigned long long id;
	size_t i = 0, end, used;

	while (i < n) {
		for (end = i; end < n && p[end] != ','; end++)
			;
		if (end - i > sizeof(key) - 1 &&
		    memcmp(p + i, key, sizeof(key) - 1) == 0 &&
		    parse_uint(p + i + sizeof(key) - 1,
			       end - i - (sizeof(key) - 1), &used, &id) == 0 &&
		    used == end - i - (sizeof(key) - 1))
			return (long long)id;
		i = end + 1;
	}
	return -1;
}

/*
 * One line: ID PARENT MAJ:MIN ROOT MOUNTPOINT OPTIONS [OPTIONAL...] -
 * FSTYPE SOURCE SUPEROPTIONS. 0 and out filled when it is dev's and well
 * formed, -ENOENT otherwise.
 */
static int parse_line(const char *p, size_t n, dev_t dev,
		      struct tree_mount *out)
{
	const char *f[3] = { NULL };
	size_t fl[3] = { 0 }, i = 0, field = 0, start, len;
	int after_sep = 0, k = 0;

	while (i < n) {
		while (i < n && p[i] == ' ')
			i++;
		start = i;
		while (i < n && p[i] != ' ')
			i++;
		len = i - start;
		if (len == 0)
			break;
		if (field == 2 && !same_dev(p + start, len, dev))
			return -ENOENT;
		if (after_sep && k < 3) {
			f[k] = p + start;
			fl[k++] = len;
		} else if (field >= 6 && len == 1 && p[start] == '-') {
			after_sep = 1;
		}
		field++;
	}
	if (k < 2 || field < 9)
		return -ENOENT;
	if (unescape(f[0], fl[0], out->fstype, sizeof(out->fstype)) ||
	    unescape(f[1], fl[1], out->source, sizeof(out->source)))
		return -ENOENT;
	out->user_id = k == 3 ? fuse_user_id(f[2], fl[2]) : -1;
	return 0;
}

int tree_vols_find_mount(const char *text, size_t len, dev_t dev,
			 struct tree_mount *out)
{
	struct tree_mount *m;
	size_t i = 0, end;
	int rc = -ENOENT;

	m = malloc(sizeof(*m));
	if (!m)
		return -ENOMEM;
	/* the last line of a dev wins: a mount over another of the same
	 * dev (a bind mount) shows the same source */
	while (i < len) {
		const char *nl = memchr(text + i, '\n', len - i);

		end = nl ? (size_t)(nl - text) : len;
		if (parse_line(text + i, end - i, dev, m) == 0) {
			*out = *m;
			rc = 0;
		}
		i = end + 1;
	}
	free(m);
	return rc;
}

static int read_mountinfo(struct dynbuf *b)
{
	char chunk[16384];
	ssize_t got;
	int fd, rc = 0;

	fd = open("/proc/self/mountinfo", O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	for (;;) {
		got = read(fd, chunk, sizeof(chunk));
		if (got < 0 && errno == EINTR)
			continue;
		if (got <= 0) {
			rc = got < 0 ? -errno : 0;
			break;
		}
		rc = db_add(b, chunk, (size_t)got);
		if (rc)
			break;
	}
	close(fd);
	return rc;
}

/* ---- probing -------------------------------------------------------- */

/* Opens a source to probe without changing it: read-only, no atime, no
 * controlling tty, and O_NONBLOCK so that a FIFO put there cannot hang
 * us. -1/errno. */
static int open_source(const char *path)
{
	int flags = O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK;
	int fd = open(path, flags | O_NOATIME);

	if (fd < 0 && errno == EPERM)
		fd = open(path, flags);
	return fd;
}

/* Is UUID or TYPE a short printable string (it is printed in the log)? */
static int plain(const char *s, size_t max)
{
	size_t i;

	for (i = 0; s[i]; i++)
		if (i >= max || s[i] <= ' ' || s[i] > '~')
			return 0;
	return i > 0;
}

/* UUID and TYPE of the superblock on fd, into e. -ENOENT when there are
 * none (or none we would show). */
static int probe_fd(int fd, struct vol_entry *e)
{
	const char *uuid = NULL, *type = NULL;
	blkid_probe pr;
	int rc = -ENOENT;

	pr = blkid_new_probe();
	if (!pr)
		return -ENOMEM;
	if (blkid_probe_set_device(pr, fd, 0, 0) != 0 ||
	    blkid_probe_enable_superblocks(pr, 1) != 0 ||
	    blkid_probe_set_superblocks_flags(
		    pr, BLKID_SUBLKS_UUID | BLKID_SUBLKS_TYPE) != 0)
		goto out;
	/* safeprobe: two superblocks that disagree give no answer */
	if (blkid_do_safeprobe(pr) != 0)
		goto out;
	if (blkid_probe_lookup_value(pr, "UUID", &uuid, NULL) != 0 ||
	    blkid_probe_lookup_value(pr, "TYPE", &type, NULL) != 0 || !uuid ||
	    !type || !plain(uuid, VOL_UUID_MAX) || !plain(type, VOL_TYPE_MAX))
		goto out;
	snprintf(e->uuid, sizeof(e->uuid), "%s", uuid);
	snprintf(e->type, sizeof(e->type), "%s", type);
	e->kind = VOL_UUID;
	rc = 0;
out:
	blkid_free_probe(pr);
	return rc;
}

static int is_fuse(const char *fstype)
{
	return strcmp(fstype, "fuse") == 0 || strcmp(fstype, "fuseblk") == 0 ||
	       strncmp(fstype, "fuse.", 5) == 0;
}

/*
 * Is the source m of dev's mount, opened as fd with status st, what holds
 * its file system? A kernel file system on a device has that device as its
 * st_dev; anything may write any source into a mount it makes (tmpfs
 * "/dev/sda1" in a user namespace, fusermount's fsname=), so any other
 * source is believed only for FUSE mounts made by root or by us.
 */
static int trusted_source(const struct tree_mount *m, const struct stat *st,
			  dev_t dev)
{
	int fuse_ok = is_fuse(m->fstype) &&
		      (m->user_id == 0 || m->user_id == (long long)geteuid());

	/* a profilefs mount names its SOURCE (fsname), but its inode
	 * numbers are libfuse's, not the volume's: a file read through it
	 * is not given the volume's identities */
	if (strcmp(m->fstype, "fuse.profilefs") == 0)
		return 0;
	if (S_ISBLK(st->st_mode))
		return st->st_rdev == dev || fuse_ok;
	return S_ISREG(st->st_mode) && fuse_ok;
}

static int probe_path(const char *path, const struct tree_mount *m, dev_t dev,
		      struct vol_entry *e)
{
	struct stat st;
	int fd, rc;

	fd = open_source(path);
	if (fd < 0)
		return -errno;
	if (fstat(fd, &st) != 0)
		rc = -errno;
	else if (!trusted_source(m, &st, dev))
		rc = -EPERM;
	else
		rc = probe_fd(fd, e);
	close(fd);
	return rc;
}

/* Fills e for dev: its UUID when one can be trusted, else its numbers. */
static void vol_lookup(dev_t dev, struct vol_entry *e)
{
	struct tree_mount *m = NULL;
	struct dynbuf b;
	char *name;

	memset(e, 0, sizeof(*e));
	e->dev = dev;
	e->kind = VOL_DEV;
	db_init(&b, VOL_MOUNTINFO_CAP);
	m = malloc(sizeof(*m));
	if (!m || read_mountinfo(&b) != 0 ||
	    tree_vols_find_mount(b.data, b.len, dev, m) != 0)
		goto out;
	if (m->source[0] == '/' && probe_path(m->source, m, dev, e) == 0)
		goto out;
	/* a source this namespace does not have ("/dev/root"): the device
	 * whose number is dev, which trusted_source() accepts by st_rdev */
	if (major(dev) != 0) {
		name = blkid_devno_to_devname(dev);
		if (name)
			probe_path(name, m, dev, e);
		free(name);
	}
out:
	if (e->kind != VOL_UUID)
		e->kind = VOL_DEV;
	free(m);
	db_free(&b);
}

/* Memoises e (its dev not in yet), pushing out the oldest when full;
 * locked. Out of memory it is simply not memoised. */
static void memo_put(struct tree_vols *v, const struct vol_entry *e)
{
	void *val;
	int rc;

	rc = util_hash_put(v->memo, &e->dev, &val);
	if (rc == -ENOSPC) {
		util_hash_del(v->memo, &v->ring[v->next]);
		rc = util_hash_put(v->memo, &e->dev, &val);
	}
	if (rc != 0)
		return;
	memcpy(val, e, sizeof(*e));
	v->ring[v->next] = e->dev;
	v->next = (v->next + 1) % TREE_VOLUME_MEMO;
}

uint64_t tree_vols_id(struct tree_vols *v, dev_t dev)
{
	const struct vol_entry *m;
	struct vol_entry e;
	char key[16 + VOL_TYPE_MAX + VOL_UUID_MAX];
	int ok;

	if (v->name)
		return v->name_id;
	pthread_mutex_lock(&v->lock);
	m = util_hash_get(v->memo, &dev);
	if (m) {
		uint64_t id = m->id;

		pthread_mutex_unlock(&v->lock);
		return id;
	}
	pthread_mutex_unlock(&v->lock);

	/* unlocked: probing reads a device, which may be slow, and may
	 * even be a file on a FUSE mount served by our own process */
	vol_lookup(dev, &e);
	if (entry_key(&e, key, sizeof(key)) != 0)
		return 0; /* cannot happen: the fields are bounded */
	e.id = vol_hash(key, &ok);
	if (!ok)
		return e.id;

	pthread_mutex_lock(&v->lock);
	m = util_hash_get(v->memo, &dev);
	if (m) {
		e.id = m->id;
	} else {
		memo_put(v, &e);
		log_debug("volume %u:%u is %s", major(dev), minor(dev), key);
	}
	pthread_mutex_unlock(&v->lock);
	return e.id;
}

int tree_vols_describe(struct tree_vols *v, dev_t dev, char *out, size_t n)
{
	const struct vol_entry *m;
	struct vol_entry e;
	int len, found = 0;

	if (v->name) {
		len = snprintf(out, n, "name %s", v->name);
		return len < 0 || (size_t)len >= n ? -ENOSPC : 0;
	}
	tree_vols_id(v, dev);
	pthread_mutex_lock(&v->lock);
	m = util_hash_get(v->memo, &dev);
	if (m) {
		e = *m;
		found = 1;
	}
	pthread_mutex_unlock(&v->lock);
	/* not memoised (no memory for the hash, or pushed out already) */
	if (!found)
		vol_lookup(dev, &e);
	if (e.kind == VOL_UUID)
		len = snprintf(out, n, "uuid %s %s", e.type, e.uuid);
	else
		len = snprintf(out, n, "dev %u:%u", major(dev), minor(dev));
	return len < 0 || (size_t)len >= n ? -ENOSPC : 0;
}

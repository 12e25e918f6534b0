/*
 * A file beyond its bytes: the facts NTFS keeps of it (times, attributes,
 * reparse tag, owner, named streams, the Mark of the Web), how they are
 * copied from the source, named in the render key, and written as the
 * profile's NTFS section (docs/profile-format.md, "NTFS").
 *
 * Zone.Identifier is the one stream whose bytes are ever read, and only
 * its first CAP_ZONE_READ: Windows writes it as an INI file
 *
 *	[ZoneTransfer]\r\n
 *	ZoneId=3\r\n
 *	ReferrerUrl=https://example.org/\r\n
 *	HostUrl=https://example.org/setup.exe\r\n
 *
 * (a downloader may write LF lines, UTF-16LE with a BOM, other keys and
 * other sections). Every line is kept, in order, as the file says it,
 * bounded; the profile shows each one in a code span, escaped as every
 * value is (md_code()).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "ntfs_i.h"

/* ---- Zone.Identifier ------------------------------------------------ */

const char *prof_zone_name(long zone_id)
{
	static const char *const names[] = {
		"Local machine (My Computer)",
		"Local intranet",
		"Trusted sites",
		"Internet",
		"Restricted sites",
	};

	return zone_id >= 0 && zone_id < 5 ? names[zone_id] : NULL;
}

void prof_zone_clear(struct prof_zone *z)
{
	size_t i;

	if (!z)
		return;
	for (i = 0; i < z->n; i++) {
		free(z->lines[i].section);
		free(z->lines[i].key);
		free(z->lines[i].value);
	}
	free(z->lines);
	memset(z, 0, sizeof(*z));
	z->zone_id = -1;
}

static int blank(char c)
{
	return c == ' ' || c == '\t';
}

/* s[0..*n) without its blanks at both ends */
static const char *trim(const char *s, size_t *n)
{
	while (*n && blank(s[0])) {
		s++;
		(*n)--;
	}
	while (*n && blank(s[*n - 1]))
		(*n)--;
	return s;
}

/* a bounded, NUL-terminated copy (a NUL inside stays a byte); *cut set
 * when it was longer */
static char *copy(const char *s, size_t n, size_t *len, int *cut)
{
	char *c;

	if (n > CAP_ZONE_VALUE) {
		n = CAP_ZONE_VALUE;
		*cut = 1;
	}
	c = malloc(n + 1);
	if (!c)
		return NULL;
	memcpy(c, s, n);
	c[n] = '\0';
	*len = n;
	return c;
}

static int eq_ci(const char *s, size_t n, const char *word)
{
	return n == strlen(word) && strncasecmp(s, word, n) == 0;
}

/* 0 to 999999999, all digits, or -1 */
static long zone_number(const char *s, size_t n)
{
	long v = 0;
	size_t i;

	if (n == 0 || n > 9)
		return -1;
	for (i = 0; i < n; i++) {
		if (s[i] < '0' || s[i] > '9')
			return -1;
		v = v * 10 + (s[i] - '0');
	}
	return v;
}

struct zparse {
	struct prof_zone z;
	const char *sec; /* the current section, in the text */
	size_t sec_len;
	int zone_seen; /* the first ZoneId was met */
};

/* one non-empty, trimmed line */
static int zone_line(struct zparse *zp, const char *s, size_t n)
{
	struct prof_zone_line *l;
	const char *eq = memchr(s, '=', n), *end;
	size_t klen = 0, vlen = n;
	const char *k = NULL, *v = s;

	if (s[0] == '[' && (end = memchr(s, ']', n)) != NULL) {
		zp->sec = s + 1;
		zp->sec_len = (size_t)(end - s - 1);
		return 0;
	}
	if (zp->z.n >= CAP_ZONE_LINES) {
		zp->z.more++;
		return 0;
	}
	if (eq) {
		klen = (size_t)(eq - s);
		k = trim(s, &klen);
		vlen = n - (size_t)(eq - s) - 1;
		v = trim(eq + 1, &vlen);
		if (!klen) { /* "=x" names nothing: the line as it is */
			k = NULL;
			v = s;
			vlen = n;
		}
	}
	l = &zp->z.lines[zp->z.n];
	memset(l, 0, sizeof(*l));
	if ((zp->sec && !(l->section = copy(zp->sec, zp->sec_len,
					    &l->section_len, &l->cut))) ||
	    (k && !(l->key = copy(k, klen, &l->key_len, &l->cut))) ||
	    !(l->value = copy(v, vlen, &l->value_len, &l->cut))) {
		free(l->section);
		free(l->key);
		return -ENOMEM;
	}
	zp->z.n++;
	/* Windows reads the first ZoneId of [ZoneTransfer] */
	if (k && !zp->zone_seen && zp->sec &&
	    eq_ci(zp->sec, zp->sec_len, "ZoneTransfer") &&
	    eq_ci(k, klen, "ZoneId")) {
		zp->zone_seen = 1;
		zp->z.zone_id = zone_number(v, vlen);
		zp->z.zone_line = zp->z.n - 1;
	}
	return 0;
}

/* UTF-16LE (after its BOM) as UTF-8: an unpaired surrogate is U+FFFD */
static int utf16_to_utf8(const unsigned char *s, size_t n, struct dynbuf *b)
{
	size_t i;

	for (i = 0; i + 1 < n; i += 2) {
		uint32_t c = (uint32_t)s[i] | (uint32_t)s[i + 1] << 8;
		char u[4];

		if (c >= 0xD800 && c <= 0xDBFF && i + 3 < n) {
			uint32_t lo = (uint32_t)s[i + 2] | (uint32_t)s[i + 3]
								   << 8;

			if (lo >= 0xDC00 && lo <= 0xDFFF) {
				c = 0x10000 + ((c - 0xD800) << 10) +
				    (lo - 0xDC00);
				i += 2;
			}
		}
		if (c >= 0xD800 && c <= 0xDFFF)
			c = 0xFFFD;
		if (c < 0x80) {
			db_addc(b, (char)c);
		} else if (c < 0x800) {
			u[0] = (char)(0xC0 | c >> 6);
			u[1] = (char)(0x80 | (c & 0x3F));
			db_add(b, u, 2);
		} else if (c < 0x10000) {
			u[0] = (char)(0xE0 | c >> 12);
			u[1] = (char)(0x80 | (c >> 6 & 0x3F));
			u[2] = (char)(0x80 | (c & 0x3F));
			db_add(b, u, 3);
		} else {
			u[0] = (char)(0xF0 | c >> 18);
			u[1] = (char)(0x80 | (c >> 12 & 0x3F));
			u[2] = (char)(0x80 | (c >> 6 & 0x3F));
			u[3] = (char)(0x80 | (c & 0x3F));
			db_add(b, u, 4);
		}
	}
	return b->err;
}

int prof_zone_parse(const void *buf, size_t len, struct prof_zone *z)
{
	const unsigned char *u = buf;
	const char *s = buf;
	struct zparse zp = { 0 };
	struct dynbuf wide;
	size_t i = 0, start, n;
	int rc = 0;

	db_init(&wide, 4 * (size_t)CAP_ZONE_READ + 16);
	if (len > CAP_ZONE_READ)
		len = CAP_ZONE_READ;
	zp.z.zone_id = -1;
	if (len >= 2 && u[0] == 0xFF && u[1] == 0xFE) {
		zp.z.utf16 = 1;
		rc = utf16_to_utf8(u + 2, len - 2, &wide);
		s = wide.data ? wide.data : "";
		len = wide.len;
	} else if (len >= 3 && u[0] == 0xEF && u[1] == 0xBB && u[2] == 0xBF) {
		i = 3;
	}
	zp.z.lines = rc ? NULL : calloc(CAP_ZONE_LINES, sizeof(*zp.z.lines));
	if (!zp.z.lines)
		rc = -ENOMEM;
	while (!rc && i < len) {
		const char *nl = memchr(s + i, '\n', len - i);
		const char *line;

		start = i;
		n = nl ? (size_t)(nl - (s + i)) : len - i;
		i += n + 1;
		if (n && s[start + n - 1] == '\r')
			n--;
		line = trim(s + start, &n);
		if (n)
			rc = zone_line(&zp, line, n);
	}
	db_free(&wide);
	if (rc) {
		prof_zone_clear(&zp.z);
		return rc;
	}
	*z = zp.z;
	return 0;
}

int prof_zone_in_transfer(const struct prof_zone_line *l)
{
	return l->section && eq_ci(l->section, l->section_len, "ZoneTransfer");
}

const struct prof_zone_line *prof_zone_get(const struct prof_zone *z,
					   const char *key)
{
	size_t i;

	for (i = 0; i < z->n; i++) {
		const struct prof_zone_line *l = &z->lines[i];

		if (l->key && prof_zone_in_transfer(l) &&
		    eq_ci(l->key, l->key_len, key))
			return l;
	}
	return NULL;
}

/* ---- the facts -------------------------------------------------------- */

int prof_ntfs_is_zone(const char *name)
{
	return name && strcasecmp(name, "Zone.Identifier") == 0;
}

void prof_file_facts_free(struct prof_file_facts *f)
{
	size_t i;

	if (!f)
		return;
	for (i = 0; i < f->nstreams; i++)
		free(f->streams[i].name);
	free(f->streams);
	prof_zone_clear(&f->zone);
	free(f);
}

int prof_file_facts_any(const struct prof_file_facts *f)
{
	const struct tree_facts *t;

	if (!f)
		return 0;
	t = &f->facts;
	return (t->have & (TREE_HAVE_SI_TIMES | TREE_HAVE_FN_TIMES |
			   TREE_HAVE_ATTRIBUTES | TREE_HAVE_RECORD)) ||
	       ((t->have & TREE_HAVE_REPARSE) && t->reparse_tag) ||
	       ((t->have & TREE_HAVE_OWNER) && t->owner[0]) || t->storage[0] ||
	       t->unreadable[0] || f->nstreams || f->more_streams ||
	       f->has_zone;
}

static int copy_streams(struct prof_file_facts *f, const struct tree_stream *s,
			size_t n)
{
	size_t i, keep = n < CAP_NTFS_STREAMS ? n : CAP_NTFS_STREAMS;

	f->more_streams = n - keep;
	if (!keep)
		return 0;
	f->streams = calloc(keep, sizeof(*f->streams));
	if (!f->streams)
		return -ENOMEM;
	for (i = 0; i < keep; i++) {
		const char *name = s[i].name ? s[i].name : "";

		f->streams[i].name =
			strndup(name, strnlen(name, CAP_NTFS_STREAM_NAME));
		if (!f->streams[i].name)
			return -ENOMEM;
		f->streams[i].size = s[i].size;
		f->nstreams = i + 1;
	}
	return 0;
}

int prof_file_facts_make(const struct tree_facts *facts,
			 const struct tree_stream *s, size_t n,
			 const void *zone, size_t zone_len,
			 struct prof_file_facts **out)
{
	struct prof_file_facts *f = calloc(1, sizeof(*f));
	size_t i;
	int rc;

	if (!f)
		return -ENOMEM;
	f->zone.zone_id = -1;
	if (facts)
		f->facts = *facts;
	/* strings the source filled are read only up to their arrays */
	f->facts.storage[sizeof(f->facts.storage) - 1] = '\0';
	f->facts.unreadable[sizeof(f->facts.unreadable) - 1] = '\0';
	f->facts.owner[sizeof(f->facts.owner) - 1] = '\0';
	rc = copy_streams(f, s, n);
	if (!rc && zone) {
		f->has_zone = 1;
		f->zone_read =
			zone_len < CAP_ZONE_READ ? zone_len : CAP_ZONE_READ;
		f->zone_size = f->zone_read;
		for (i = 0; i < n; i++)
			if (prof_ntfs_is_zone(s[i].name))
				f->zone_size = s[i].size;
		rc = prof_zone_parse(zone, f->zone_read, &f->zone);
	}
	if (rc || !prof_file_facts_any(f)) {
		prof_file_facts_free(f);
		f = NULL;
	}
	if (!rc)
		*out = f;
	return rc;
}

int prof_unreadable(const char *why, struct prof **out)
{
	struct prof *p = prof_new();

	if (!p)
		return -ENOMEM;
	if (prof_note(p, "%s",
		      why && *why ? why
				  : "The file's bytes cannot be read on this "
				    "source.")) {
		prof_free(p);
		return -ENOMEM;
	}
	*out = p;
	return 0;
}

/* ---- the render key ------------------------------------------------- */

static void key_u64(struct dynbuf *b, uint64_t v)
{
	unsigned char le[8];
	int i;

	for (i = 0; i < 8; i++)
		le[i] = (unsigned char)(v >> (8 * i));
	db_add(b, le, sizeof(le));
}

/* length first: no two sequences of strings encode alike */
static void key_str(struct dynbuf *b, const char *s, size_t n)
{
	key_u64(b, s ? n : UINT64_MAX);
	if (s)
		db_add(b, s, n);
}

static void key_time(struct dynbuf *b, const struct timespec *ts)
{
	key_u64(b, (uint64_t)(int64_t)ts->tv_sec);
	key_u64(b, (uint64_t)(int64_t)ts->tv_nsec);
}

int prof_file_facts_key(const struct prof_file_facts *f, struct dynbuf *b)
{
	const struct tree_facts *t;
	size_t i;

	if (!prof_file_facts_any(f))
		return b->err;
	t = &f->facts;
	db_add(b, "ntfs 1", 7);
	key_u64(b, t->have);
	for (i = 0; i < TREE_TIMES; i++) {
		if (t->have & TREE_HAVE_SI_TIMES)
			key_time(b, &t->si[i]);
		if (t->have & TREE_HAVE_FN_TIMES)
			key_time(b, &t->fn[i]);
	}
	if (t->have & TREE_HAVE_ATTRIBUTES)
		key_u64(b, t->attributes);
	if (t->have & TREE_HAVE_RECORD)
		key_u64(b, t->record);
	if (t->have & TREE_HAVE_REPARSE)
		key_u64(b, t->reparse_tag);
	if (t->have & TREE_HAVE_OWNER)
		key_str(b, t->owner, strlen(t->owner));
	key_str(b, t->storage, strlen(t->storage));
	key_str(b, t->unreadable, strlen(t->unreadable));
	key_u64(b, f->nstreams);
	for (i = 0; i < f->nstreams; i++) {
		key_str(b, f->streams[i].name, strlen(f->streams[i].name));
		key_u64(b, f->streams[i].size);
	}
	key_u64(b, f->more_streams);
	key_u64(b, (uint64_t)f->has_zone);
	if (!f->has_zone)
		return b->err;
	key_u64(b, f->zone_size);
	key_u64(b, f->zone_read);
	key_u64(b, (uint64_t)(int64_t)f->zone.zone_id);
	key_u64(b, f->zone.zone_line);
	key_u64(b, (uint64_t)f->zone.utf16);
	key_u64(b, f->zone.n);
	for (i = 0; i < f->zone.n; i++) {
		const struct prof_zone_line *l = &f->zone.lines[i];

		key_str(b, l->section, l->section_len);
		key_str(b, l->key, l->key_len);
		key_str(b, l->value, l->value_len);
		key_u64(b, (uint64_t)l->cut);
	}
	key_u64(b, f->zone.more);
	return b->err;
}

/* ---- shared with the JSON -------------------------------------------- */

const struct prof_attr_name prof_attr_names[] = {
	{ 0x00000001, "Read-only", "readonly" },
	{ 0x00000002, "Hidden", "hidden" },
	{ 0x00000004, "System", "system" },
	{ 0x00000010, "Directory", "directory" },
	{ 0x00000020, "Archive", "archive" },
	{ 0x00000040, "Device", "device" },
	{ 0x00000080, "Normal", "normal" },
	{ 0x00000100, "Temporary", "temporary" },
	{ 0x00000200, "Sparse", "sparse" },
	{ 0x00000400, "Reparse Point", "reparse_point" },
	{ 0x00000800, "Compressed", "compressed" },
	{ 0x00001000, "Offline", "offline" },
	{ 0x00002000, "Not Content Indexed", "not_content_indexed" },
	{ 0x00004000, "Encrypted", "encrypted" },
	{ 0x00008000, "Integrity Stream", "integrity_stream" },
	{ 0x00010000, "Virtual", "virtual" },
	{ 0x00020000, "No Scrub Data", "no_scrub_data" },
	{ 0x00040000, "Recall On Open", "recall_on_open" },
	{ 0x00080000, "Pinned", "pinned" },
	{ 0x00100000, "Unpinned", "unpinned" },
	{ 0x00400000, "Recall On Data Access", "recall_on_data_access" },
};
const size_t prof_nattr_names =
	sizeof(prof_attr_names) / sizeof(prof_attr_names[0]);

const char *const prof_time_names[TREE_TIMES] = {
	[TREE_CREATED] = "Created",
	[TREE_MODIFIED] = "Modified",
	[TREE_MFT_CHANGED] = "MFT Changed",
	[TREE_ACCESSED] = "Accessed",
};
const char *const prof_time_json[TREE_TIMES] = {
	[TREE_CREATED] = "created",
	[TREE_MODIFIED] = "modified",
	[TREE_MFT_CHANGED] = "mft_changed",
	[TREE_ACCESSED] = "accessed",
};

void prof_ntfs_time(char out[PROF_TIME_LEN], const struct timespec *ts)
{
	time_t t = ts->tv_sec;
	char date[40];
	struct tm tm;

	if (ts->tv_nsec < 0 || ts->tv_nsec > 999999999L || !gmtime_r(&t, &tm) ||
	    !strftime(date, sizeof(date), "%Y-%m-%dT%H:%M:%S", &tm)) {
		snprintf(out, PROF_TIME_LEN, "invalid");
		return;
	}
	if (ts->tv_nsec % 100)
		snprintf(out, PROF_TIME_LEN, "%s.%09ldZ", date, ts->tv_nsec);
	else
		snprintf(out, PROF_TIME_LEN, "%s.%07ldZ", date,
			 ts->tv_nsec / 100);
}

int prof_ntfs_timestomped(const struct tree_facts *f)
{
	const struct timespec *si = &f->si[TREE_CREATED],
			      *fn = &f->fn[TREE_CREATED];

	if ((f->have & (TREE_HAVE_SI_TIMES | TREE_HAVE_FN_TIMES)) !=
	    (TREE_HAVE_SI_TIMES | TREE_HAVE_FN_TIMES))
		return 0;
	return si->tv_sec < fn->tv_sec ||
	       (si->tv_sec == fn->tv_sec && si->tv_nsec < fn->tv_nsec);
}

size_t prof_ntfs_hidden(const struct prof_file_facts *f, uint64_t *bytes)
{
	int wof = (f->facts.have & TREE_HAVE_REPARSE) &&
		  f->facts.reparse_tag == 0x80000017u;
	size_t i, n = 0;

	*bytes = 0;
	for (i = 0; i < f->nstreams; i++) {
		const char *name = f->streams[i].name;

		if (prof_ntfs_is_zone(name) ||
		    (wof && strcasecmp(name, "WofCompressedData") == 0))
			continue;
		n++;
		*bytes += f->streams[i].size;
	}
	return n;
}

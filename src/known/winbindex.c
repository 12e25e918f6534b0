/*
 * A winbindex data folder read into a known-file import: every
 * by_filename_compressed/NAME.json.gz, one at a time, gunzipped by zlib
 * (KNOWN_WB_INFLATED bytes at most) and read as it comes, entry by entry
 * (below). A file's layout, in the parts read:
 *
 *   { "<sha256>": { "fileInfo": { "machineType": 34404,
 *                                 "version": "10.0.22621.1485 (WinBuild...)",
 *                                 ... },
 *                   "windowsVersions": {
 *                     "11-22H2": {
 *                       "KB5023778": { "updateInfo": {
 *                                        "releaseDate": "2023-03-28" }, ... },
 *                       "BASE": { "windowsVersionInfo": {
 *                                   "releaseDate": "2022-09-20" }, ... } } } },
 *     ... }
 *
 * An entry may hold less (only hashes): known, with no build nor version.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <json-c/json.h>
#include <zlib.h>

#include "known_i.h"
#include "profilefs/util.h"

#define WB_SUFFIX ".json.gz"
#define WB_CHUNK  65536
/* a JSON file's nesting, which winbindex keeps under ten */
#define WB_DEPTH 32
/* a name (a file name) and a version string kept */
#define WB_NAME_MAX	255
#define WB_VERSION_MAX	64
#define WB_STOP_ENTRIES 1024

/*
 * The file's object is read entry by entry, so that memory holds one
 * entry's tree at a time, never the whole file's: each key and each value
 * is parsed by json-c's tokener (which says where it ended); between them
 * only the object's own punctuation ('{', ':', ',', '}') and white space
 * are read here.
 */
enum wb_state {
	WB_OPEN,     /* before the '{' */
	WB_FIRST,    /* a key or the '}' */
	WB_NEXT_KEY, /* a key, after a ',' */
	WB_KEY,	     /* the tokener reads a key */
	WB_COLON,    /* the ':' after a key */
	WB_VALUE,    /* the tokener reads a value */
	WB_COMMA_OR_END,
	WB_DONE, /* white space only */
};

struct wb_file {
	struct cache_known_imp *m;
	struct known_import *imp;
	const char *path; /* for the messages */
	char name[WB_NAME_MAX + 1];
	const char **builds; /* triples, grown per entry */
	size_t nbuilds, cap;
	struct json_tokener *tok;
	enum wb_state state;
	int sha_ok; /* the key read is a SHA-256 */
	uint8_t sha[32];
	uint64_t seen; /* entries */
};

static int why(struct wb_file *w, const char *what)
{
	snprintf(w->imp->why, sizeof(w->imp->why), "%s: %s", w->path, what);
	return -EPROTO;
}

static int entry(struct wb_file *w, const uint8_t sha[32],
		 struct json_object *e);
static int unhex32(const char *s, uint8_t out[32]);

/* ---- the object, entry by entry ------------------------------------- */

/* n bytes to the tokener: the bytes it used (all of them while the key or
 * value goes on: *done 0), or -errno; *obj: the key or value when done */
static ssize_t tokens(struct wb_file *w, const char *p, size_t n,
		      struct json_object **obj, int *done)
{
	enum json_tokener_error err;
	char msg[160];

	*obj = json_tokener_parse_ex(w->tok, p, (int)n);
	err = json_tokener_get_error(w->tok);
	*done = err == json_tokener_success;
	if (*done) {
		size_t used = json_tokener_get_parse_end(w->tok);

		json_tokener_reset(w->tok);
		return (ssize_t)used;
	}
	if (err == json_tokener_continue)
		return (ssize_t)n;
	snprintf(msg, sizeof(msg), "invalid JSON: %s",
		 json_tokener_error_desc(err));
	return why(w, msg);
}

/* a whole key (then *obj is its string) or value, used */
static int token_done(struct wb_file *w, struct json_object *obj)
{
	int rc = 0;

	if (w->state == WB_KEY) {
		w->sha_ok = json_object_is_type(obj, json_type_string) &&
			    !unhex32(json_object_get_string(obj), w->sha);
		w->state = WB_COLON;
		return 0;
	}
	w->state = WB_COMMA_OR_END;
	if (++w->seen % WB_STOP_ENTRIES == 0 &&
	    (rc = util_stop_check(w->imp->stop)))
		return rc;
	/* a key that is not a SHA-256 names nothing */
	if (!w->sha_ok)
		return 0;
	rc = entry(w, w->sha, obj);
	if (!rc)
		w->imp->rows++;
	return rc;
}

/* the object's punctuation c (not white space) in the state it comes in:
 * 1 when c is taken, 0 when it begins a key or value, or -errno */
static int punct(struct wb_file *w, char c)
{
	switch (w->state) {
	case WB_OPEN:
		if (c != '{')
			return why(w, "not a winbindex file: not a JSON "
				      "object");
		w->state = WB_FIRST;
		return 1;
	case WB_FIRST:
	case WB_NEXT_KEY:
		if (c == '}' && w->state == WB_FIRST) {
			w->state = WB_DONE;
			return 1;
		}
		if (c != '"')
			break;
		w->state = WB_KEY;
		return 0;
	case WB_COLON:
		if (c != ':')
			break;
		w->state = WB_VALUE;
		return 1;
	case WB_COMMA_OR_END:
		if (c != ',' && c != '}')
			break;
		w->state = c == ',' ? WB_NEXT_KEY : WB_DONE;
		return 1;
	case WB_DONE:
		return why(w, "invalid JSON: data after the value");
	default:
		return 0;
	}
	return why(w, "invalid JSON: unexpected character");
}

/* n inflated bytes: 0 or -errno */
static int feed(struct wb_file *w, const char *p, size_t n)
{
	size_t i = 0;

	while (i < n) {
		struct json_object *obj;
		ssize_t used;
		int done, rc;

		if (w->state != WB_KEY && w->state != WB_VALUE) {
			if (strchr(" \t\r\n", p[i]) && p[i]) {
				i++;
				continue;
			}
			rc = punct(w, p[i]);
			if (rc < 0)
				return rc;
			i += (size_t)rc;
			continue;
		}
		used = tokens(w, p + i, n - i, &obj, &done);
		if (used < 0)
			return (int)used;
		i += (size_t)used;
		if (!done)
			continue;
		rc = token_done(w, obj);
		json_object_put(obj);
		if (rc)
			return rc;
	}
	return 0;
}

/* ---- gunzip into the object's reader -------------------------------- */

static int inflate_all(struct wb_file *w, int fd, z_stream *z)
{
	static __thread unsigned char in[WB_CHUNK], out[WB_CHUNK];
	uint64_t total = 0;
	int zrc = Z_OK, rc, pending = 0;
	ssize_t got;

	for (;;) {
		/* more input once zlib has given all it holds */
		if (z->avail_in == 0 && !pending) {
			got = read(fd, in, sizeof(in));
			if (got < 0)
				return -errno;
			if (got == 0)
				break;
			z->next_in = in;
			z->avail_in = (uInt)got;
		}
		if (zrc == Z_STREAM_END) /* another gzip member follows */
			inflateReset(z);
		z->next_out = out;
		z->avail_out = sizeof(out);
		zrc = inflate(z, Z_NO_FLUSH);
		if (zrc != Z_OK && zrc != Z_STREAM_END && zrc != Z_BUF_ERROR)
			return why(w, "corrupt gzip data");
		pending = z->avail_out == 0;
		total += sizeof(out) - z->avail_out;
		if (total > KNOWN_WB_INFLATED)
			return why(w, "more than 512 MiB once inflated");
		rc = feed(w, (const char *)out, sizeof(out) - z->avail_out);
		if (rc < 0)
			return rc;
	}
	if (zrc != Z_STREAM_END)
		return why(w, "truncated gzip data");
	if (w->state != WB_DONE)
		return why(w, "truncated JSON");
	return 0;
}

/* the file read into the import: 0 or -errno (-EPROTO said) */
static int load(struct wb_file *w, int dfd, const char *fname)
{
	struct stat st;
	z_stream z;
	int fd, rc;

	w->tok = json_tokener_new_ex(WB_DEPTH);
	if (!w->tok)
		return -ENOMEM;
	w->state = WB_OPEN;
	memset(&z, 0, sizeof(z));
	if (inflateInit2(&z, 16 + MAX_WBITS) != Z_OK) {
		json_tokener_free(w->tok);
		return -ENOMEM;
	}
	/* not blocked by a FIFO, nor reading a folder */
	fd = openat(dfd, fname, O_RDONLY | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK);
	if (fd < 0)
		rc = -errno;
	else if (fstat(fd, &st) < 0)
		rc = -errno;
	else if (!S_ISREG(st.st_mode))
		rc = why(w, "not a regular file");
	else
		rc = inflate_all(w, fd, &z);
	if (fd >= 0)
		close(fd);
	inflateEnd(&z);
	json_tokener_free(w->tok);
	w->tok = NULL;
	return rc;
}

/* ---- the entries ------------------------------------------------------ */

static struct json_object *member(struct json_object *o, const char *key)
{
	struct json_object *v = NULL;

	if (!json_object_is_type(o, json_type_object) ||
	    !json_object_object_get_ex(o, key, &v))
		return NULL;
	return v;
}

static const char *string(struct json_object *o)
{
	return json_object_is_type(o, json_type_string)
		       ? json_object_get_string(o)
		       : NULL;
}

static int unhex32(const char *s, uint8_t out[32])
{
	return util_unhex(s, strlen(s), out, 32) ? -1 : 0;
}

/* "2023-03-28T00:00:00" -> "2023-03-28"; "" when it is not a date */
static const char *date_of(struct json_object *build, char out[11])
{
	const char *d =
		string(member(member(build, "updateInfo"), "releaseDate"));
	int i;

	if (!d)
		d = string(member(member(build, "windowsVersionInfo"),
				  "releaseDate"));
	out[0] = '\0';
	if (!d || strlen(d) < 10)
		return out;
	for (i = 0; i < 10; i++)
		if (i == 4 || i == 7 ? d[i] != '-' : d[i] < '0' || d[i] > '9')
			return out;
	memcpy(out, d, 10);
	out[10] = '\0';
	return out;
}

static int build_add(struct wb_file *w, const char *windows, const char *update,
		     const char *date)
{
	if (w->nbuilds == w->cap) {
		size_t cap = w->cap ? 2 * w->cap : 16;
		const char **b = realloc(w->builds, 3 * cap * sizeof(*b));

		if (!b)
			return -ENOMEM;
		w->builds = b;
		w->cap = cap;
	}
	w->builds[3 * w->nbuilds] = windows;
	w->builds[3 * w->nbuilds + 1] = update;
	w->builds[3 * w->nbuilds + 2] = date;
	w->nbuilds++;
	return 0;
}

/* one SHA-256's entry: its version, and its builds (their dates kept in
 * dates[], one per build, until the rows are put) */
static int entry(struct wb_file *w, const uint8_t sha[32],
		 struct json_object *e)
{
	struct json_object *fi = member(e, "fileInfo");
	struct json_object *wv = member(e, "windowsVersions");
	struct json_object_iterator i, iend, j, jend;
	char version[WB_VERSION_MAX + 1];
	char(*dates)[11] = NULL;
	size_t n = 0, k;
	int rc = 0;

	known_dotted_version(string(member(fi, "version")), version,
			     sizeof(version));
	w->nbuilds = 0;
	if (json_object_is_type(wv, json_type_object)) {
		/* the builds' count first: their dates are kept beside */
		iend = json_object_iter_end(wv);
		for (i = json_object_iter_begin(wv);
		     !json_object_iter_equal(&i, &iend);
		     json_object_iter_next(&i)) {
			struct json_object *v = json_object_iter_peek_value(&i);

			if (json_object_is_type(v, json_type_object))
				n += (size_t)json_object_object_length(v);
		}
		dates = n ? calloc(n, sizeof(*dates)) : NULL;
		if (n && !dates)
			return -ENOMEM;
		k = 0;
		for (i = json_object_iter_begin(wv);
		     !rc && !json_object_iter_equal(&i, &iend);
		     json_object_iter_next(&i)) {
			struct json_object *v = json_object_iter_peek_value(&i);

			if (!json_object_is_type(v, json_type_object))
				continue;
			jend = json_object_iter_end(v);
			for (j = json_object_iter_begin(v);
			     !rc && !json_object_iter_equal(&j, &jend) && k < n;
			     json_object_iter_next(&j), k++)
				rc = build_add(
					w, json_object_iter_peek_name(&i),
					json_object_iter_peek_name(&j),
					date_of(json_object_iter_peek_value(&j),
						dates[k]));
		}
	}
	if (!rc)
		rc = cache_known_wb_put(w->m, sha, w->name,
					(unsigned)json_object_get_int64(
						member(fi, "machineType")),
					version, w->builds, w->nbuilds);
	free(dates);
	return rc;
}

/* one NAME.json.gz of the folder */
static int one(struct wb_file *w, int dfd, const char *fname)
{
	size_t n = strlen(fname) - strlen(WB_SUFFIX), i;

	if (n > WB_NAME_MAX)
		return 0; /* no Windows file has such a name */
	for (i = 0; i < n; i++)
		w->name[i] = fname[i] >= 'A' && fname[i] <= 'Z'
				     ? (char)(fname[i] - 'A' + 'a')
				     : fname[i];
	w->name[n] = '\0';
	return load(w, dfd, fname);
}

int known_wb_read(struct cache_known_imp *m, const char *dir,
		  struct known_import *imp)
{
	struct wb_file w = { .m = m, .imp = imp };
	struct dirent *d;
	char *path = NULL;
	DIR *dh = opendir(dir);
	int rc = 0;

	imp->kind = "winbindex";
	if (!dh)
		return -errno;
	while (!rc && (errno = 0, d = readdir(dh))) {
		size_t n = strlen(d->d_name);

		if (n <= strlen(WB_SUFFIX) ||
		    strcmp(d->d_name + n - strlen(WB_SUFFIX), WB_SUFFIX))
			continue;
		if ((rc = util_stop_check(imp->stop)))
			break;
		free(path);
		if (asprintf(&path, "%s/%s", dir, d->d_name) < 0) {
			path = NULL;
			rc = -ENOMEM;
			break;
		}
		w.path = path;
		if (imp->progress)
			imp->progress(imp->ctx, "winbindex", imp->rows,
				      d->d_name);
		rc = one(&w, dirfd(dh), d->d_name);
	}
	if (!rc && errno)
		rc = -errno;
	closedir(dh);
	free(path);
	free(w.builds);
	return rc;
}

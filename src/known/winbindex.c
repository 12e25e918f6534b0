/*
 * A winbindex data folder read into a known-file import: every
 * by_filename_compressed/NAME.json.gz, one at a time, gunzipped by zlib
 * (KNOWN_WB_INFLATED bytes at most) into json-c's tokener as it comes.
 * A file's layout (shared/baselines.md has the whole of it):
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

struct wb_file {
	struct cache_known_imp *m;
	struct known_import *imp;
	const char *path; /* for the messages */
	char name[WB_NAME_MAX + 1];
	const char **builds; /* triples, grown per entry */
	size_t nbuilds, cap;
};

static int why(struct wb_file *w, const char *what)
{
	snprintf(w->imp->why, sizeof(w->imp->why), "%s: %s", w->path, what);
	return -EPROTO;
}

/* ---- gunzip into the tokener ------------------------------------------ */

/* feeds n inflated bytes to the tokener: 0, 1 when the value is whole */
static int feed(struct wb_file *w, struct json_tokener *tok, const char *p,
		size_t n, struct json_object **obj)
{
	size_t i;

	if (*obj) { /* after the value: white space only */
		for (i = 0; i < n; i++)
			if (!strchr(" \t\r\n", p[i]))
				return why(w, "invalid JSON: data after the "
					      "value");
		return 1;
	}
	*obj = json_tokener_parse_ex(tok, p, (int)n);
	if (*obj)
		return feed(w, tok, p + json_tokener_get_parse_end(tok),
			    n - json_tokener_get_parse_end(tok), obj);
	if (json_tokener_get_error(tok) != json_tokener_continue) {
		char msg[160];

		snprintf(msg, sizeof(msg), "invalid JSON: %s",
			 json_tokener_error_desc(json_tokener_get_error(tok)));
		return why(w, msg);
	}
	return 0;
}

static int inflate_all(struct wb_file *w, int fd, z_stream *z,
		       struct json_tokener *tok, struct json_object **obj)
{
	static __thread unsigned char in[WB_CHUNK], out[WB_CHUNK];
	uint64_t total = 0;
	int zrc = Z_OK, rc;
	ssize_t got;

	for (;;) {
		if (z->avail_in == 0) {
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
		total += sizeof(out) - z->avail_out;
		if (total > KNOWN_WB_INFLATED)
			return why(w, "more than 512 MiB once inflated");
		rc = feed(w, tok, (const char *)out, sizeof(out) - z->avail_out,
			  obj);
		if (rc < 0)
			return rc;
	}
	if (zrc != Z_STREAM_END)
		return why(w, "truncated gzip data");
	if (!*obj)
		return why(w, "truncated JSON");
	return 0;
}

/* the file's JSON value, or -errno (-EPROTO said) */
static int load(struct wb_file *w, int dfd, const char *fname,
		struct json_object **obj)
{
	struct json_tokener *tok = json_tokener_new_ex(WB_DEPTH);
	struct stat st;
	z_stream z;
	int fd, rc;

	*obj = NULL;
	if (!tok)
		return -ENOMEM;
	memset(&z, 0, sizeof(z));
	if (inflateInit2(&z, 16 + MAX_WBITS) != Z_OK) {
		json_tokener_free(tok);
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
		rc = inflate_all(w, fd, &z, tok, obj);
	if (fd >= 0)
		close(fd);
	inflateEnd(&z);
	json_tokener_free(tok);
	if (rc) {
		json_object_put(*obj);
		*obj = NULL;
	}
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
	int i;

	if (strlen(s) != 64)
		return -1;
	for (i = 0; i < 64; i++) {
		int c = s[i], v = c >= '0' && c <= '9'	 ? c - '0'
				  : c >= 'a' && c <= 'f' ? c - 'a' + 10
				  : c >= 'A' && c <= 'F' ? c - 'A' + 10
							 : -1;

		if (v < 0)
			return -1;
		if (i % 2)
			out[i / 2] = (uint8_t)(out[i / 2] << 4 | v);
		else
			out[i / 2] = (uint8_t)v;
	}
	return 0;
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

static int entries(struct wb_file *w, struct json_object *obj)
{
	struct json_object_iterator i, iend;
	uint64_t seen = 0;
	int rc = 0;

	if (!json_object_is_type(obj, json_type_object))
		return why(w, "not a winbindex file: not a JSON object");
	iend = json_object_iter_end(obj);
	for (i = json_object_iter_begin(obj);
	     !rc && !json_object_iter_equal(&i, &iend);
	     json_object_iter_next(&i)) {
		uint8_t sha[32];

		if (++seen % WB_STOP_ENTRIES == 0 &&
		    (rc = util_stop_check(w->imp->stop)))
			break;
		/* a key that is not a SHA-256 names nothing */
		if (unhex32(json_object_iter_peek_name(&i), sha))
			continue;
		rc = entry(w, sha, json_object_iter_peek_value(&i));
		if (!rc)
			w->imp->rows++;
	}
	return rc;
}

/* one NAME.json.gz of the folder */
static int one(struct wb_file *w, int dfd, const char *fname)
{
	struct json_object *obj;
	size_t n = strlen(fname) - strlen(WB_SUFFIX), i;
	int rc;

	if (n > WB_NAME_MAX)
		return 0; /* no Windows file has such a name */
	for (i = 0; i < n; i++)
		w->name[i] = fname[i] >= 'A' && fname[i] <= 'Z'
				     ? (char)(fname[i] - 'A' + 'a')
				     : fname[i];
	w->name[n] = '\0';
	rc = load(w, dfd, fname, &obj);
	if (!rc)
		rc = entries(w, obj);
	json_object_put(obj);
	return rc;
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

/*
 * tree_dump: a source read through the tree interface (include/profilefs/
 * tree.h), for the tests and for looking at a disk image by hand.
 *
 *   tree_dump [OPTIONS] SOURCE[:PATH]
 *	every entry below PATH (the root when left out), sorted, one a
 *	line: type and mode, links, size, mtime, inode, path, link target
 *   --long	   and under each its facts and named streams
 *   --sha256	   "SHA256  ./PATH" of each regular file, as sha256sum
 *   --cat	   the bytes of the file PATH to stdout (from --offset=N on)
 *   --stream=NAME the first 1 MiB of PATH's named stream NAME to stdout
 *   --threads=N   with --sha256: N threads hash every file at once, each
 *		   from its own place in the list, and must agree
 *   --partition=N, --volume-id=NAME  as profilefs's
 *
 * SOURCE:PATH is split at the last ':' when SOURCE:PATH itself does not
 * exist. Exit 0, 1 when an entry could not be read, 2 for a bad source.
 */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <limits.h>
#include <openssl/evp.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "profilefs/tree.h"

enum mode { M_LIST, M_LONG, M_SHA, M_CAT, M_STREAM };

static int failed;

struct names {
	char **v;
	size_t n, cap;
};

/* --threads: the files to hash, and each one's result */
static unsigned nthreads = 1;
static uint64_t cat_offset;
static struct names files;
static char (*results)[72];
static pthread_mutex_t results_lock = PTHREAD_MUTEX_INITIALIZER;

static int collect(void *arg, const char *name, const struct stat *st)
{
	struct names *l = arg;

	(void)st;
	if (l->n == l->cap) {
		size_t cap = l->cap ? l->cap * 2 : 32;
		char **v = realloc(l->v, cap * sizeof(*v));

		if (!v)
			return -ENOMEM;
		l->v = v;
		l->cap = cap;
	}
	l->v[l->n] = strdup(name);
	return l->v[l->n++] ? 0 : -ENOMEM;
}

static int cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static char type_char(mode_t m)
{
	return S_ISDIR(m) ? 'd' : S_ISLNK(m) ? 'l' : S_ISREG(m) ? '-' : '?';
}

static void print_ts(const char *what, const struct timespec *t)
{
	printf(" %s=%lld.%09ld", what, (long long)t->tv_sec, t->tv_nsec);
}

static void print_facts(struct tree *t, const char *rel)
{
	static const char *const tn[TREE_TIMES] = { "created", "modified",
						    "mft_changed", "accessed" };
	struct tree_stream *s;
	struct tree_facts f;
	size_t n, i;
	int k;

	if (tree_facts(t, rel, &f) == 0) {
		printf("    facts: record=%" PRIu64 " attributes=0x%08" PRIx32
		       " reparse=0x%08" PRIx32 " storage=\"%s\"",
		       f.record, f.attributes, f.reparse_tag, f.storage);
		if (f.have & TREE_HAVE_OWNER)
			printf(" owner=%s", f.owner);
		printf("\n");
		if (f.unreadable[0])
			printf("    unreadable: %s\n", f.unreadable);
		printf("    si:");
		for (k = 0; k < TREE_TIMES; k++)
			print_ts(tn[k], &f.si[k]);
		printf("\n");
		if (f.have & TREE_HAVE_FN_TIMES) {
			printf("    fn:");
			for (k = 0; k < TREE_TIMES; k++)
				print_ts(tn[k], &f.fn[k]);
			printf("\n");
		}
	}
	if (tree_streams(t, rel, &s, &n) == 0) {
		for (i = 0; i < n; i++)
			printf("    stream: %s %" PRIu64 "\n", s[i].name,
			       s[i].size);
		tree_streams_free(s, n);
	}
}

/* the bytes of rel to out, and/or their SHA-256 into md */
static int read_file(struct tree *t, const char *rel, FILE *out,
		     unsigned char *md)
{
	EVP_MD_CTX *c = md ? EVP_MD_CTX_new() : NULL;
	char *buf = malloc(1 << 20);
	struct tree_file *f;
	struct stat st;
	uint64_t off = out ? cat_offset : 0;
	ssize_t r;
	int e;

	if (!buf || (md && (!c || !EVP_DigestInit_ex(c, EVP_sha256(), NULL)))) {
		free(buf);
		EVP_MD_CTX_free(c);
		return -ENOMEM;
	}
	e = tree_file_open(t, rel, &f, &st);
	if (e) {
		free(buf);
		EVP_MD_CTX_free(c);
		return e;
	}
	while ((r = tree_pread(f, buf, 1 << 20, off)) > 0) {
		if (out && fwrite(buf, 1, (size_t)r, out) != (size_t)r)
			break;
		if (c)
			EVP_DigestUpdate(c, buf, (size_t)r);
		off += (uint64_t)r;
	}
	tree_file_close(f);
	free(buf);
	if (c) {
		EVP_DigestFinal_ex(c, md, NULL);
		EVP_MD_CTX_free(c);
	}
	if (r < 0)
		return (int)r;
	return off >= (uint64_t)st.st_size ? 0 : -EIO;
}

static void entry(struct tree *t, const char *rel, const struct stat *st,
		  enum mode m)
{
	char target[PATH_MAX];
	unsigned char md[32];
	int i, r;

	if (m == M_SHA) {
		if (!S_ISREG(st->st_mode))
			return;
		if (nthreads > 1) {
			if (collect(&files, rel, st))
				failed = 1;
			return;
		}
		r = read_file(t, rel, NULL, md);
		if (r) {
			fprintf(stderr, "tree_dump: %s: %s\n", rel,
				strerror(-r));
			failed = 1;
			return;
		}
		for (i = 0; i < 32; i++)
			printf("%02x", md[i]);
		printf("  ./%s\n", rel);
		return;
	}
	printf("%c%04o %lu %lld %lld.%09ld %llu %s", type_char(st->st_mode),
	       (unsigned)(st->st_mode & 07777), (unsigned long)st->st_nlink,
	       (long long)st->st_size, (long long)st->st_mtim.tv_sec,
	       st->st_mtim.tv_nsec, (unsigned long long)st->st_ino,
	       *rel ? rel : ".");
	if (S_ISLNK(st->st_mode) &&
	    tree_readlink(t, rel, target, sizeof(target)) == 0)
		printf(" -> %s", target);
	printf("\n");
	if (m == M_LONG)
		print_facts(t, rel);
}

static void walk(struct tree *t, const char *rel, enum mode m, int depth)
{
	struct names l = { 0 };
	char path[PATH_MAX];
	struct stat st;
	size_t i;
	int r, n;

	r = tree_list(t, rel, collect, &l);
	if (r || depth > 64) {
		fprintf(stderr, "tree_dump: cannot list %s: %s\n",
			*rel ? rel : ".", strerror(r ? -r : ELOOP));
		failed = 1;
	}
	if (l.n)
		qsort(l.v, l.n, sizeof(*l.v), cmp);
	for (i = 0; i < l.n && depth <= 64; i++) {
		n = snprintf(path, sizeof(path), "%s%s%s", rel, *rel ? "/" : "",
			     l.v[i]);
		/* a path cut short would name another entry, or none */
		if (n < 0 || (size_t)n >= sizeof(path)) {
			fprintf(stderr, "tree_dump: cannot stat %s/%s: %s\n",
				rel, l.v[i], strerror(ENAMETOOLONG));
			failed = 1;
			continue;
		}
		r = tree_lstat(t, path, &st);
		if (r) {
			fprintf(stderr, "tree_dump: cannot stat %s: %s\n", path,
				strerror(-r));
			failed = 1;
			continue;
		}
		entry(t, path, &st, m);
		if (S_ISDIR(st.st_mode))
			walk(t, path, m, depth + 1);
	}
	for (i = 0; i < l.n; i++)
		free(l.v[i]);
	free(l.v);
}

struct hasher {
	struct tree *t;
	size_t start;
};

static void *hash_all(void *arg)
{
	const struct hasher *h = arg;
	unsigned char md[32];
	char got[72];
	size_t k, j;
	int i, r;

	for (k = 0; k < files.n; k++) {
		j = (h->start + k) % files.n;
		r = read_file(h->t, files.v[j], NULL, md);
		if (r)
			snprintf(got, sizeof(got), "error %d", -r);
		else
			for (i = 0; i < 32; i++)
				snprintf(got + 2 * i, 3, "%02x", md[i]);
		pthread_mutex_lock(&results_lock);
		if (!results[j][0]) {
			memcpy(results[j], got, sizeof(got));
		} else if (strcmp(results[j], got) != 0) {
			fprintf(stderr, "tree_dump: %s: %s, then %s\n",
				files.v[j], results[j], got);
			failed = 1;
		}
		pthread_mutex_unlock(&results_lock);
	}
	return NULL;
}

/* the files collected, hashed by nthreads threads at once */
static void hash_threads(struct tree *t)
{
	struct hasher h[64];
	pthread_t th[64];
	unsigned i, started = 0;
	size_t j;

	results = files.n ? calloc(files.n, sizeof(*results)) : NULL;
	if (files.n && !results) {
		failed = 1;
		return;
	}
	for (i = 0; i < nthreads && files.n; i++) {
		h[i].t = t;
		h[i].start = files.n * i / nthreads;
		if (pthread_create(&th[i], NULL, hash_all, &h[i]) == 0)
			started++;
	}
	for (i = 0; i < started; i++)
		pthread_join(th[i], NULL);
	for (j = 0; j < files.n; j++) {
		if (strncmp(results[j], "error ", 6) == 0) {
			fprintf(stderr, "tree_dump: %s: %s\n", files.v[j],
				strerror(atoi(results[j] + 6)));
			failed = 1;
		} else {
			printf("%s  ./%s\n", results[j], files.v[j]);
		}
		free(files.v[j]);
	}
	free(files.v);
	free(results);
}

static int usage(void)
{
	fprintf(stderr, "usage: tree_dump [--long|--sha256|--cat|--stream=NAME]"
			" [--threads=N] [--offset=N] [--partition=N]"
			" [--volume-id=NAME]"
			" SOURCE[:PATH]\n");
	return 2;
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "long", no_argument, NULL, 'l' },
		{ "sha256", no_argument, NULL, 's' },
		{ "cat", no_argument, NULL, 'c' },
		{ "stream", required_argument, NULL, 'S' },
		{ "partition", required_argument, NULL, 'p' },
		{ "volume-id", required_argument, NULL, 'v' },
		{ "threads", required_argument, NULL, 't' },
		{ "offset", required_argument, NULL, 'o' },
		{ NULL, 0, NULL, 0 },
	};
	struct tree_opts o = { 0 };
	enum mode m = M_LIST;
	const char *stream = NULL, *rel = "";
	char err[4096], *src, *colon;
	struct tree *t;
	struct stat st;
	int c, r;

	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (c) {
		case 'l':
			m = M_LONG;
			break;
		case 's':
			m = M_SHA;
			break;
		case 'c':
			m = M_CAT;
			break;
		case 'S':
			m = M_STREAM;
			stream = optarg;
			break;
		case 'p':
			o.partition = (unsigned)strtoul(optarg, NULL, 10);
			break;
		case 'v':
			o.volume_name = optarg;
			break;
		case 'o':
			cat_offset = strtoull(optarg, NULL, 0);
			break;
		case 't':
			nthreads = (unsigned)strtoul(optarg, NULL, 10);
			if (nthreads < 1 || nthreads > 64)
				return usage();
			break;
		default:
			return usage();
		}
	}
	if (optind + 1 != argc)
		return usage();
	src = argv[optind];
	colon = strrchr(src, ':');
	if (colon && stat(src, &st) < 0) {
		*colon = '\0';
		rel = colon + 1;
	}
	r = tree_open(src, &o, &t, err, sizeof(err));
	if (r) {
		fprintf(stderr, "tree_dump: %s\n", err);
		return 2;
	}
	if (tree_warning(t))
		fprintf(stderr, "tree_dump: %s\n", tree_warning(t));
	if (m == M_CAT) {
		r = read_file(t, rel, stdout, NULL);
		if (r)
			fprintf(stderr, "tree_dump: %s: %s\n", rel,
				strerror(-r));
		failed = r != 0;
	} else if (m == M_STREAM) {
		static char buf[1 << 20];
		ssize_t n = tree_stream_read(t, rel, stream, buf, sizeof(buf));

		if (n >= 0)
			fwrite(buf, 1, (size_t)n, stdout);
		else
			fprintf(stderr, "tree_dump: %s:%s: %s\n", rel, stream,
				strerror((int)-n));
		failed = n < 0;
	} else {
		if (m == M_LONG) {
			char desc[256];

			if (tree_volume_describe(t, 0, desc, sizeof(desc)) == 0)
				printf("volume: %s %016" PRIx64 "\n", desc,
				       tree_volume_id(t, 0));
		}
		r = tree_lstat(t, rel, &st);
		if (r) {
			fprintf(stderr, "tree_dump: cannot stat %s: %s\n",
				*rel ? rel : ".", strerror(-r));
			failed = 1;
		} else {
			if (m != M_SHA || S_ISREG(st.st_mode))
				entry(t, rel, &st, m);
			if (S_ISDIR(st.st_mode))
				walk(t, rel, m, 0);
			if (m == M_SHA && nthreads > 1)
				hash_threads(t);
		}
	}
	tree_close(t);
	return failed;
}

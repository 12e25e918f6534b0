/*
 * Batch profiling: `profilefs profile -r DIR...` and several FILEs. The
 * list is made first (walked without following symlinks, the mount's rule
 * for which names are binaries), sorted, then profiled by a pool of
 * threads over one service while the main thread writes the outputs in
 * the list's order: the output is the same whatever --jobs is.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include "profilefs/tree.h"
#include "profilefs/util.h"
#include "batch_i.h"

void batch_say(const char *path, const char *msg)
{
	struct dynbuf b;

	db_init(&b, 1 << 16);
	md_plain(&b, path, strlen(path));
	fprintf(stderr, "profilefs: %s: %s\n", b.len ? b.data : "", msg);
	db_free(&b);
}

unsigned batch_default_jobs(void)
{
	unsigned n = util_cpus();

	return n > BATCH_MAX_JOBS ? BATCH_MAX_JOBS : n;
}

int batch_parse_jobs(const char *s, unsigned *out)
{
	char *end;
	long n;

	errno = 0;
	n = strtol(s, &end, 10);
	if (errno || end == s || *end || n < 1 || n > BATCH_MAX_JOBS)
		return -EINVAL;
	*out = (unsigned)n;
	return 0;
}

/* ---- the root --------------------------------------------------------- */

/* Does the folder dir hold a folder named Windows (any case)? */
static int holds_windows(const char *dir)
{
	DIR *d = opendir(dir);
	struct dirent *e;
	struct stat st;
	int found = 0;

	if (!d)
		return 0;
	while (!found && (e = readdir(d)) != NULL)
		found = strcasecmp(e->d_name, "windows") == 0 &&
			fstatat(dirfd(d), e->d_name, &st,
				AT_SYMLINK_NOFOLLOW) == 0 &&
			S_ISDIR(st.st_mode);
	closedir(d);
	return found;
}

/* cuts path after its last '/' ("/a/b" -> "/a", "/a" -> "/") */
static void up(char *path)
{
	char *slash = strrchr(path, '/');

	if (slash == path)
		path[1] = '\0';
	else if (slash)
		*slash = '\0';
}

/* the folder a guess starts from: path's own, or path if a folder */
static char *start_of(const char *path)
{
	struct stat st;
	char *start = strdup(path);

	if (start && (stat(start, &st) != 0 || !S_ISDIR(st.st_mode)))
		up(start);
	return start;
}

/* the nearest folder from start up that holds Windows, else start */
static char *guess_one(const char *start)
{
	char *dir = strdup(start);

	if (!dir)
		return NULL;
	for (;;) {
		if (holds_windows(dir))
			return dir;
		if (strcmp(dir, "/") == 0)
			break;
		up(dir);
	}
	free(dir);
	return strdup(start);
}

/* a becomes the deepest folder holding both a and b (both absolute) */
static void common(char *a, const char *b)
{
	size_t i = 0, last = 0;

	while (a[i] && a[i] == b[i]) {
		if (a[i] == '/')
			last = i;
		i++;
	}
	if ((!a[i] || a[i] == '/') && (!b[i] || b[i] == '/'))
		last = i;
	a[last ? last : 1] = '\0';
}

int batch_guess_root(char *const *paths, size_t n, char **root)
{
	char *r = NULL, *g, *start, *last = NULL;
	size_t i;

	for (i = 0; i < n; i++) {
		/* the files of one folder make one guess (each reads every
		 * folder above it: once a file, that is a folder of N files
		 * read N times) */
		start = start_of(paths[i]);
		if (start && last && strcmp(start, last) == 0) {
			free(start);
			continue;
		}
		free(last);
		last = start;
		g = start ? guess_one(start) : NULL;
		if (!g) {
			free(last);
			free(r);
			return -ENOMEM;
		}
		if (!r) {
			r = g;
			continue;
		}
		common(r, g);
		free(g);
	}
	free(last);
	if (!r && !(r = strdup("/")))
		return -ENOMEM;
	*root = r;
	return 0;
}

/* ---- the list --------------------------------------------------------- */

static int push(struct batch *b, char *rel)
{
	if (b->n == b->cap) {
		size_t cap = b->cap ? 2 * b->cap : 256;
		char **v = realloc(b->rel, cap * sizeof(*v));

		if (!v) {
			free(rel);
			return -ENOMEM;
		}
		b->rel = v;
		b->cap = cap;
	}
	b->rel[b->n++] = rel;
	return 0;
}

struct walk {
	struct batch *b;
	struct tree *tree;
	const char *root;
	const struct svc_names *names;
	int *failed;
};

static void walk_fail(const struct walk *w, const char *rel, const char *msg)
{
	char *path = path_join(w->root, rel);

	batch_say(path ? path : rel, msg);
	free(path);
	(*w->failed)++;
}

static int walk(const struct walk *w, const char *rel, unsigned depth);

/* a folder's entries: its binaries to the batch, its folders to subs */
struct walk_dir {
	const struct walk *w;
	const char *rel;
	struct batch *subs;
};

static int walk_entry(void *arg, const char *name, const struct stat *st)
{
	struct walk_dir *d = arg;
	char *child = path_join(d->rel, name);

	if (!child)
		return -ENOMEM;
	if (!S_ISDIR(st->st_mode) &&
	    !svc_is_binary(d->w->names, d->w->tree, child, st, 1)) {
		free(child);
		return 0;
	}
	return push(S_ISDIR(st->st_mode) ? d->subs : d->w->b, child);
}

/* the entries of the folder rel that are binaries, then its folders (the
 * listing is over before they are walked: one folder open at a time,
 * however deep the tree) */
static int walk(const struct walk *w, const char *rel, unsigned depth)
{
	struct batch subs = { 0 };
	struct walk_dir d = { w, rel, &subs };
	size_t i;
	int rc;

	if (depth > BATCH_MAX_DEPTH) {
		walk_fail(w, rel, "folders nested too deep; not walked");
		return 0;
	}
	rc = tree_list(w->tree, rel, walk_entry, &d);
	if (rc && rc != -ENOMEM) {
		walk_fail(w, rel, strerror(-rc));
		rc = 0;
	}
	for (i = 0; !rc && i < subs.n; i++)
		rc = walk(w, subs.rel[i], depth + 1);
	batch_free(&subs);
	return rc;
}

int batch_add(struct batch *b, struct tree *tree, const char *root,
	      const char *path, int recursive, const struct svc_names *names,
	      int *failed)
{
	struct walk w = { b, tree, root, names, failed };
	const char *rel;
	struct stat st;
	char *copy;

	if (!path_within(path, root)) {
		batch_say(path, "not below --root");
		(*failed)++;
		return 0;
	}
	rel = path + strlen(root);
	while (*rel == '/')
		rel++;
	if (stat(path, &st) == 0 && S_ISDIR(st.st_mode)) {
		if (recursive)
			return walk(&w, rel, 0);
		batch_say(path, "Is a directory (-r walks it)");
		(*failed)++;
		return 0;
	}
	copy = strdup(rel);
	return copy ? push(b, copy) : -ENOMEM;
}

int batch_add_rel(struct batch *b, struct tree *tree, const char *root,
		  const char *rel, int recursive, const struct svc_names *names,
		  int *failed)
{
	struct walk w = { b, tree, root, names, failed };
	struct stat st;
	size_t len;
	char *copy;
	int rc;

	while (*rel == '/')
		rel++;
	copy = strdup(rel);
	if (!copy)
		return -ENOMEM;
	len = strlen(copy);
	while (len && copy[len - 1] == '/')
		copy[--len] = '\0';
	rc = tree_lstat(tree, copy, &st);
	if (rc == 0 && S_ISDIR(st.st_mode)) {
		if (recursive)
			rc = walk(&w, copy, 0);
		else
			walk_fail(&w, copy, "Is a directory (-r walks it)");
		free(copy);
		return rc == -ENOMEM ? rc : 0;
	}
	if (rc) {
		walk_fail(&w, copy, strerror(-rc));
		free(copy);
		return 0;
	}
	return push(b, copy);
}

/* ---- an NTFS volume's operands ------------------------------------------ */

int batch_is_volume(const char *path)
{
	struct stat st;

	return stat(path, &st) == 0 &&
	       (S_ISREG(st.st_mode) || S_ISBLK(st.st_mode));
}

int batch_image_operand(const char *arg, char **image, const char **inside)
{
	const char *colon = strchr(arg, ':');
	struct stat st;

	*image = NULL;
	if (!colon || colon == arg || colon[1] != '/' || lstat(arg, &st) == 0 ||
	    errno != ENOENT)
		return 0;
	*image = strndup(arg, (size_t)(colon - arg));
	if (!*image)
		return -ENOMEM;
	if (!batch_is_volume(*image)) {
		free(*image);
		*image = NULL;
		return 0;
	}
	*inside = colon + 1;
	return 1;
}

/* the realpath of the image named by arg (IMAGE:/PATH), said if none */
static char *image_of(const char *arg, const char **inside)
{
	char *image, *real = NULL;

	if (batch_image_operand(arg, &image, inside) != 1)
		return NULL;
	real = realpath(image, NULL);
	free(image);
	return real;
}

int batch_volume_args(const char *given_root, char **args, int n, char **image,
		      const char ***rels)
{
	const char *inside;
	char *img = NULL, *one;
	int i, nimg = 0, rc = 0;

	*image = NULL;
	*rels = NULL;
	if (given_root && batch_is_volume(given_root)) {
		img = realpath(given_root, NULL);
		if (!img) {
			batch_say(given_root, strerror(errno));
			return 1;
		}
	}
	*rels = calloc((size_t)n + 1, sizeof(**rels));
	if (!*rels) {
		free(img);
		return 1;
	}
	for (i = 0; i < n && !rc; i++) {
		(*rels)[i] = args[i];
		one = image_of(args[i], &inside);
		if (!one)
			continue;
		nimg++;
		(*rels)[i] = inside;
		if (given_root && !img) {
			fprintf(stderr,
				"profilefs: --root %s is a folder: "
				"IMAGE:/PATH operands take no --root "
				"or --root=IMAGE\n",
				given_root);
			rc = 2;
		} else if (img && strcmp(img, one) != 0) {
			fprintf(stderr, "profilefs: the IMAGE:/PATH operands "
					"name one image only (and --root the "
					"same)\n");
			rc = 2;
		} else if (!img) {
			img = one;
			one = NULL;
		}
		free(one);
	}
	if (!rc && img && !given_root && nimg < n) {
		fprintf(stderr, "profilefs: give every operand as "
				"IMAGE:/PATH, or the image as --root=IMAGE\n");
		rc = 2;
	}
	if (rc || !img) {
		free(img);
		free(*rels);
		*rels = NULL;
		return rc;
	}
	*image = img;
	return 0;
}

int batch_open_volume(const char *image, unsigned partition,
		      const char *volume_name, struct tree **out)
{
	struct tree_opts to = { .partition = partition,
				.volume_name = volume_name };
	char err[1024] = "";
	const char *warn;
	int rc = tree_open(image, &to, out, err, sizeof(err));

	if (rc) {
		*out = NULL;
		if (err[0])
			fprintf(stderr, "profilefs: %s\n", err);
		else
			fprintf(stderr, "profilefs: cannot open %s: %s\n",
				image, strerror(-rc));
		return 1;
	}
	warn = tree_warning(*out);
	if (warn)
		fprintf(stderr, "profilefs: %s: %s\n", image, warn);
	return 0;
}

static int by_path(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

void batch_sort(struct batch *b)
{
	size_t i, k = 0;

	if (b->n)
		qsort(b->rel, b->n, sizeof(*b->rel), by_path);
	for (i = 0; i < b->n; i++) {
		if (k && strcmp(b->rel[k - 1], b->rel[i]) == 0)
			free(b->rel[i]);
		else
			b->rel[k++] = b->rel[i];
	}
	b->n = k;
}

void batch_free(struct batch *b)
{
	size_t i;

	for (i = 0; i < b->n; i++)
		free(b->rel[i]);
	free(b->rel);
	b->rel = NULL;
	b->n = b->cap = 0;
}

/* ---- the workers ----------------------------------------------------- */

struct slot {
	char *out;
	size_t len;
	int rc;
	int done;
};

struct run {
	const struct batch *b;
	batch_fn fn;
	void *ctx;
	pthread_mutex_t lock;
	pthread_cond_t cond;
	size_t next;	/* the next item a worker takes */
	size_t written; /* items the writer is done with */
	size_t window;	/* how far the workers may run ahead of it */
	struct slot *slots;
};

static void *worker(void *arg)
{
	struct run *r = arg;
	struct slot s;
	size_t i;

	pthread_mutex_lock(&r->lock);
	for (;;) {
		while (r->next < r->b->n && r->next >= r->written + r->window)
			pthread_cond_wait(&r->cond, &r->lock);
		if (r->next >= r->b->n || batch_stopped)
			break;
		i = r->next++;
		pthread_mutex_unlock(&r->lock);
		memset(&s, 0, sizeof(s));
		s.rc = r->fn(r->ctx, r->b->rel[i], &s.out, &s.len);
		s.done = 1;
		pthread_mutex_lock(&r->lock);
		r->slots[i] = s;
		pthread_cond_broadcast(&r->cond);
	}
	pthread_mutex_unlock(&r->lock);
	return NULL;
}

static void progress_line(size_t done, size_t n)
{
	fprintf(stderr, "\rprofilefs: %zu of %zu files profiled", done, n);
}

/* writes item i (or says why it failed); -EIO when out fails */
static int emit(struct run *r, size_t i, const char *root, FILE *out,
		int progress, int *failed)
{
	struct slot *s = &r->slots[i];
	int rc = 0;

	if (s->rc) {
		char *path = path_join(root, r->b->rel[i]);

		if (progress)
			fputs("\r\033[K", stderr);
		batch_say(path ? path : r->b->rel[i], strerror(-s->rc));
		free(path);
		(*failed)++;
	}
	/* a failure's output too, when fn gave one (a CSV row) */
	if (s->out && fwrite(s->out, 1, s->len, out) != s->len) {
		fprintf(stderr, "profilefs: cannot write: %s\n",
			strerror(errno));
		rc = -EIO;
	}
	free(s->out);
	s->out = NULL;
	if (progress)
		progress_line(i + 1, r->b->n);
	return rc;
}

int batch_run(const struct batch *b, unsigned jobs, batch_fn fn, void *ctx,
	      const char *root, int progress, FILE *out)
{
	struct run r = { .b = b, .fn = fn, .ctx = ctx };
	pthread_t tid[BATCH_MAX_JOBS];
	unsigned started = 0, k;
	int rc = 0, failed = 0;
	size_t i;

	if (jobs < 1)
		jobs = 1;
	if (jobs > BATCH_MAX_JOBS)
		jobs = BATCH_MAX_JOBS;
	r.window = 4 * (size_t)jobs;
	r.slots = calloc(b->n ? b->n : 1, sizeof(*r.slots));
	if (!r.slots)
		return -ENOMEM;
	pthread_mutex_init(&r.lock, NULL);
	util_cond_init(&r.cond);
	for (k = 0; k < jobs && (size_t)k < b->n; k++)
		if (pthread_create(&tid[started], NULL, worker, &r) == 0)
			started++;
	if (!started && b->n) {
		/* no thread at all: profile here, one at a time */
		r.window = b->n;
		worker(&r);
	}
	for (i = 0; i < b->n && !rc; i++) {
		pthread_mutex_lock(&r.lock);
		while (!r.slots[i].done && !batch_stopped)
			util_cond_wait_ms(&r.cond, &r.lock, BATCH_TICK_MS);
		pthread_mutex_unlock(&r.lock);
		/* a signal: what is written stays whole, nothing more */
		rc = batch_stopped ? -EINTR
				   : emit(&r, i, root, out, progress, &failed);
		pthread_mutex_lock(&r.lock);
		r.written = i + 1;
		if (rc)
			r.next = b->n; /* take nothing more */
		pthread_cond_broadcast(&r.cond);
		pthread_mutex_unlock(&r.lock);
	}
	for (k = 0; k < started; k++)
		pthread_join(tid[k], NULL);
	for (i = 0; i < b->n; i++)
		free(r.slots[i].out);
	if (progress && b->n)
		fputs("\r\033[K", stderr);
	pthread_cond_destroy(&r.cond);
	pthread_mutex_destroy(&r.lock);
	free(r.slots);
	return rc ? rc : failed;
}

/* ---- in no order (warm) ---------------------------------------------- */

struct each {
	const struct batch *b;
	batch_each_fn fn;
	void *ctx;
	const volatile sig_atomic_t *stop;
	pthread_mutex_t lock;
	pthread_cond_t cond;
	size_t next;
	unsigned running;
};

static void *each_worker(void *arg)
{
	struct each *e = arg;
	size_t i;

	pthread_mutex_lock(&e->lock);
	while (e->next < e->b->n && !*e->stop) {
		i = e->next++;
		pthread_mutex_unlock(&e->lock);
		e->fn(e->ctx, i);
		pthread_mutex_lock(&e->lock);
	}
	e->running--;
	pthread_cond_broadcast(&e->cond);
	pthread_mutex_unlock(&e->lock);
	return NULL;
}

void batch_each(const struct batch *b, unsigned jobs, batch_each_fn fn,
		void *ctx, const volatile sig_atomic_t *stop,
		void (*tick)(void *ctx))
{
	struct each e = { .b = b, .fn = fn, .ctx = ctx, .stop = stop };
	pthread_t tid[BATCH_MAX_JOBS];
	unsigned started = 0, k;

	if (jobs < 1)
		jobs = 1;
	if (jobs > BATCH_MAX_JOBS)
		jobs = BATCH_MAX_JOBS;
	pthread_mutex_init(&e.lock, NULL);
	util_cond_init(&e.cond);
	pthread_mutex_lock(&e.lock);
	for (k = 0; k < jobs && (size_t)k < b->n; k++)
		if (pthread_create(&tid[started], NULL, each_worker, &e) == 0) {
			started++;
			e.running++;
		}
	pthread_mutex_unlock(&e.lock);
	if (!started && b->n) {
		/* no thread at all: here, one at a time */
		e.running = 1;
		each_worker(&e);
	}
	pthread_mutex_lock(&e.lock);
	while (e.running) {
		util_cond_wait_ms(&e.cond, &e.lock, BATCH_TICK_MS);
		if (tick) {
			pthread_mutex_unlock(&e.lock);
			tick(ctx);
			pthread_mutex_lock(&e.lock);
		}
	}
	pthread_mutex_unlock(&e.lock);
	for (k = 0; k < started; k++)
		pthread_join(tid[k], NULL);
	pthread_cond_destroy(&e.cond);
	pthread_mutex_destroy(&e.lock);
}

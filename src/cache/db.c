/*
 * The database: made private, opened (its schema created or upgraded,
 * its statements prepared on each connection), closed, and moved aside
 * when it is damaged.
 */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "cache_i.h"
#include "profilefs/util.h"

int cache_mkdir_parents(const char *path)
{
	char *dup = strdup(path), *p;
	int rc = 0;

	if (!dup)
		return -ENOMEM;
	for (p = dup + 1; *p; p++) {
		if (*p != '/')
			continue;
		*p = '\0';
		if (mkdir(dup, 0700) < 0 && errno != EEXIST) {
			rc = -errno;
			break;
		}
		*p = '/';
	}
	free(dup);
	return rc;
}

/* Only we read the cache: a profile's facts are the facts of a file the
 * other users may not be able to read. */
static void private_file(const char *path, int create)
{
	struct stat st;
	int fd = open(path,
		      O_RDWR | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK |
			      (create ? O_CREAT : 0),
		      0600);

	if (fd < 0)
		return; /* absent, or not ours to change: opening says so */
	if (fstat(fd, &st) == 0 && S_ISREG(st.st_mode) &&
	    st.st_uid == geteuid() && (st.st_mode & 077))
		fchmod(fd, st.st_mode & 0700);
	close(fd);
}

/*
 * The database made here 0600 whatever the umask (SQLite gives the -wal
 * and -shm it makes the database's mode), and one of ours made before
 * with wider modes narrowed, with its -wal and -shm.
 */
static void private_files(const char *path)
{
	static const char *const side[] = { "-wal", "-shm" };
	char p[4096];
	size_t i;

	private_file(path, 1);
	for (i = 0; i < 2; i++)
		if (snprintf(p, sizeof(p), "%s%s", path, side[i]) <
		    (int)sizeof(p))
			private_file(p, 0);
}

static const char *sql_of(int i)
{
	if (cache_profile_sql[i])
		return cache_profile_sql[i];
	if (cache_rules_sql[i])
		return cache_rules_sql[i];
	return cache_catalog_sql[i];
}

static int conn_open(struct cache_conn *k, const char *path, int busy_ms)
{
	k->busy_ms = busy_ms;
	if (sqlite3_open_v2(path, &k->db,
			    SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE |
				    SQLITE_OPEN_NOMUTEX,
			    NULL) != SQLITE_OK)
		return k->db ? cache_fail(k, "open") : -ENOMEM;
	sqlite3_busy_handler(k->db, cache_on_busy, k);
	return 0;
}

/* SQLite opens a file it may not write read-only, without a word: a
 * cache that keeps nothing is not a cache. -EROFS */
static int writable(struct cache_conn *k, const char *path)
{
	if (sqlite3_db_readonly(k->db, "main") != 1)
		return 0;
	log_err("cache: %s cannot be written", path);
	return -EROFS;
}

static int conn_prepare(struct cache_conn *k)
{
	int i;

	for (i = 0; i < ST_N; i++) {
		if (sqlite3_prepare_v3(k->db, sql_of(i), -1,
				       SQLITE_PREPARE_PERSISTENT, &k->st[i],
				       NULL) != SQLITE_OK)
			return cache_fail(k, sql_of(i));
	}
	return 0;
}

static void conn_close(struct cache_conn *k)
{
	int i;

	for (i = 0; i < ST_N; i++)
		sqlite3_finalize(k->st[i]);
	sqlite3_close(k->db);
	pthread_mutex_destroy(&k->mu);
	pthread_cond_destroy(&k->turn_cv);
}

void cache_close(struct cache *c)
{
	int i;

	if (!c)
		return;
	for (i = 0; i < CACHE_READERS; i++)
		conn_close(&c->r[i]);
	conn_close(&c->w);
	free(c);
}

int cache_open(const char *path, struct cache **out)
{
	struct cache *c = calloc(1, sizeof(*c));
	char why[128];
	int rc, i;

	if (!c)
		return -ENOMEM;
	pthread_mutex_init(&c->w.mu, NULL);
	pthread_cond_init(&c->w.turn_cv, NULL);
	for (i = 0; i < CACHE_READERS; i++) {
		pthread_mutex_init(&c->r[i].mu, NULL);
		pthread_cond_init(&c->r[i].turn_cv, NULL);
	}
	rc = cache_probe(path, why, sizeof(why));
	if (rc) {
		log_err("cache: %s is %s; left as it is", path, why);
		goto out_free;
	}
	rc = cache_mkdir_parents(path);
	if (rc) {
		log_err("cache: cannot create the folder of %s: %s", path,
			strerror(-rc));
		goto out_free;
	}
	private_files(path);
	if ((rc = conn_open(&c->w, path, CACHE_WRITE_BUSY_MS)) ||
	    (rc = writable(&c->w, path)) ||
	    (rc = cache_exec(&c->w, "PRAGMA journal_mode = WAL")) ||
	    (rc = cache_exec(&c->w, "PRAGMA synchronous = NORMAL")) ||
	    (rc = cache_schema(&c->w)) || (rc = cache_quick_check(&c->w)) ||
	    (rc = conn_prepare(&c->w)))
		goto out_free;
	/* the reader opens a database that is ours and in WAL mode; it is
	 * kept from writing so a slip cannot take the write lock */
	for (i = 0; i < CACHE_READERS; i++)
		if ((rc = conn_open(&c->r[i], path, CACHE_READ_BUSY_MS)) ||
		    (rc = cache_exec(&c->r[i], "PRAGMA query_only = 1")) ||
		    (rc = conn_prepare(&c->r[i])))
			goto out_free;
	*out = c;
	return 0;

out_free:
	cache_close(c);
	return rc;
}

int cache_open_or_rebuild(const char *path, struct cache **out)
{
	static const char *const side[] = { "", "-wal", "-shm" };
	char stamp[32], from[4096], to[4096];
	struct tm tm;
	time_t now;
	size_t i;
	int rc;

	/* only a damaged cache of ours; anything else is not ours to move */
	rc = cache_open(path, out);
	if (rc != -EBADMSG)
		return rc;
	now = time(NULL);
	gmtime_r(&now, &tm);
	strftime(stamp, sizeof(stamp), "%Y%m%dT%H%M%SZ", &tm);
	for (i = 0; i < 3; i++) {
		snprintf(from, sizeof(from), "%s%s", path, side[i]);
		snprintf(to, sizeof(to), "%s.unusable-%s%s", path, stamp,
			 side[i]);
		if (rename(from, to) < 0 && errno != ENOENT) {
			log_err("cache: cannot move %s aside: %s", from,
				strerror(errno));
			return rc;
		}
	}
	log_warn("cache: %s was damaged; moved aside to %s.unusable-%s, "
		 "starting a new cache",
		 path, path, stamp);
	return cache_open(path, out);
}

char *cache_default_path(void)
{
	const char *xdg = getenv("XDG_CACHE_HOME");
	const char *home = getenv("HOME");
	char *p = NULL;
	int n;

	if (geteuid() == 0)
		return strdup("/var/cache/profilefs/cache.db");
	if (xdg && xdg[0] == '/')
		n = asprintf(&p, "%s/profilefs/cache.db", xdg);
	else if (home && home[0])
		n = asprintf(&p, "%s/.cache/profilefs/cache.db", home);
	else
		return NULL;
	return n < 0 ? NULL : p;
}

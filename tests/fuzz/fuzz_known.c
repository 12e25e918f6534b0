/*
 * libFuzzer target: the known-file importers (known.h). An input starting
 * with "NSRL" is written as an SQLite file and imported as an NSRL
 * database (a hostile or damaged one: the schema check and the views'
 * rows); one starting with "GZIP" is written as a winbindex file
 * as it is (zlib's inflate on bytes that may not be gzip); any other is
 * gzip-compressed first and imported as a winbindex file (the entry by
 * entry reader and json-c on any text). Each import must end with 0 or an
 * error and leave a store the lookup reads.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <zlib.h>

#include "profilefs/known.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static char dir[] = "/tmp/pfs-fuzz-known-XXXXXX";
static char db[64], nsrl[64], wbdir[80], wbfile[128];
static struct known *store;

static void gone(void)
{
	known_close(store);
	unlink(wbfile);
	rmdir(wbdir);
	snprintf(wbfile, sizeof(wbfile), "%s/by_filename_compressed", dir);
	rmdir(wbfile);
	unlink(nsrl);
	unlink(db);
	snprintf(wbfile, sizeof(wbfile), "%s-wal", db);
	unlink(wbfile);
	snprintf(wbfile, sizeof(wbfile), "%s-shm", db);
	unlink(wbfile);
	rmdir(dir);
}

static int setup(void)
{
	if (store)
		return 0;
	if (!mkdtemp(dir))
		return -1;
	snprintf(db, sizeof(db), "%s/k.db", dir);
	snprintf(nsrl, sizeof(nsrl), "%s/rds.db", dir);
	snprintf(wbdir, sizeof(wbdir), "%s/by_filename_compressed", dir);
	snprintf(wbfile, sizeof(wbfile), "%s/a.dll.json.gz", wbdir);
	if (mkdir(wbdir, 0700) < 0 || known_open(db, 1, &store))
		return -1;
	atexit(gone);
	return 0;
}

static int put(const char *path, const uint8_t *p, size_t n, int gz)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	gzFile g;
	int ok;

	if (fd < 0)
		return -1;
	if (!gz) {
		ok = write(fd, p, n) == (ssize_t)n;
		return close(fd) == 0 && ok ? 0 : -1;
	}
	g = gzdopen(fd, "wb");
	if (!g) {
		close(fd);
		return -1;
	}
	ok = n == 0 || gzwrite(g, p, (unsigned)n) == (int)n;
	return gzclose(g) == Z_OK && ok ? 0 : -1;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const uint8_t zero[32];
	struct known_import imp = { 0 };
	struct known_query q = { zero, "a.dll", 0x8664, "10.0.1.2", 0 };
	struct known_verdict *v = NULL;
	const char *path = dir;
	int rc;

	if (setup())
		abort();
	if (size >= 4 && memcmp(data, "NSRL", 4) == 0) {
		rc = put(nsrl, data + 4, size - 4, 0);
		path = nsrl;
	} else if (size >= 4 && memcmp(data, "GZIP", 4) == 0) {
		rc = put(wbfile, data + 4, size - 4, 0);
	} else {
		rc = put(wbfile, data, size, 1);
	}
	if (rc)
		abort();
	/* any error is an answer (a damaged database is -EBADMSG, a file
	 * that is no data set -EPROTO): what may not happen is a crash, a
	 * leak, or a store the lookup cannot read after it */
	rc = known_add(store, path, &imp);
	if (rc > 0)
		abort();
	if (known_lookup(store, &q, &v))
		abort();
	known_verdict_free(v);
	return 0;
}

/*
 * volumes without a mount: the mountinfo parser on lines written as the
 * kernel writes them (escaped spaces, optional fields, FUSE's user_id),
 * the st_dev fallback for a dev no line names, the user's name, and the
 * ids against sha256sum of the key strings.
 */
#include <errno.h>
#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>
#include <sys/sysmacros.h>

#include "profilefs/volume.h"
#include "t.h"

/* The id sha256sum gives for key: its first 16 hex digits. */
static uint64_t oracle(const char *key)
{
	char cmd[512], hex[17] = "";
	FILE *p;

	snprintf(cmd, sizeof(cmd), "printf %%s '%s' | sha256sum", key);
	p = popen(cmd, "r");
	if (!p || !fgets(hex, sizeof(hex), p)) {
		if (p)
			pclose(p);
		fprintf(stderr, "no sha256sum output for %s\n", key);
		return 0;
	}
	pclose(p);
	return strtoull(hex, NULL, 16);
}

static const char mountinfo[] =
	"22 27 0:21 / /proc rw,relatime - proc proc rw\n"
	"27 1 254:0 / / rw,relatime shared:1 - ext4 /dev/vda rw,discard\n"
	/* a mount point and an image path with spaces, a tab, a backslash */
	"43 27 0:40 / /tmp/a\\040b rw,relatime shared:7 master:2 - fuse "
	"/srv/my\\040disk\\011x\\134y.img rw,user_id=0,group_id=0,"
	"allow_other\n"
	"44 27 7:3 / /mnt/e rw - ext4 /dev/loop3 rw\n"
	/* no source, and a line cut short: neither is read */
	"45 27 7:4 / /mnt/f rw - ext4\n"
	"46 27 7:5 /\n"
	/* an escape that is not one, and a NUL that may not be in a path */
	"47 27 0:50 / /x rw - fuse.sshfs a\\9b rw,user_id=1000x\n"
	"48 27 0:51 / /y rw - tmpfs /dev/\\000a rw\n"
	/* the last line, without a newline */
	"49 27 8:1 / /z rw - vfat /dev/sda1 rw,user_id=12";

static void test_parse(void)
{
	const size_t len = sizeof(mountinfo) - 1;
	struct tree_mount m;

	CHECK(tree_vols_find_mount(mountinfo, len, makedev(0, 21), &m) == 0);
	CHECK_STR(m.fstype, "proc");
	CHECK_STR(m.source, "proc");
	CHECK(m.user_id == -1);

	CHECK(tree_vols_find_mount(mountinfo, len, makedev(254, 0), &m) == 0);
	CHECK_STR(m.fstype, "ext4");
	CHECK_STR(m.source, "/dev/vda");

	CHECK(tree_vols_find_mount(mountinfo, len, makedev(0, 40), &m) == 0);
	CHECK_STR(m.fstype, "fuse");
	CHECK_STR(m.source, "/srv/my disk\tx\\y.img");
	CHECK(m.user_id == 0);

	CHECK(tree_vols_find_mount(mountinfo, len, makedev(7, 3), &m) == 0);
	CHECK_STR(m.source, "/dev/loop3");

	CHECK(tree_vols_find_mount(mountinfo, len, makedev(7, 4), &m) ==
	      -ENOENT);
	CHECK(tree_vols_find_mount(mountinfo, len, makedev(7, 5), &m) ==
	      -ENOENT);

	CHECK(tree_vols_find_mount(mountinfo, len, makedev(0, 50), &m) == 0);
	CHECK_STR(m.source, "a\\9b");
	CHECK(m.user_id == -1);
	CHECK(tree_vols_find_mount(mountinfo, len, makedev(0, 51), &m) ==
	      -ENOENT);

	CHECK(tree_vols_find_mount(mountinfo, len, makedev(8, 1), &m) == 0);
	CHECK_STR(m.source, "/dev/sda1");
	CHECK(m.user_id == 12);

	/* numbers are matched whole: 0:2 is not 0:21, 7:33 not 7:3 */
	CHECK(tree_vols_find_mount(mountinfo, len, makedev(0, 2), &m) ==
	      -ENOENT);
	CHECK(tree_vols_find_mount(mountinfo, len, makedev(7, 33), &m) ==
	      -ENOENT);
	CHECK(tree_vols_find_mount("", 0, makedev(0, 21), &m) == -ENOENT);
	/* a length short of the text: the rest is not read */
	CHECK(tree_vols_find_mount(mountinfo, 20, makedev(0, 21), &m) ==
	      -ENOENT);
}

/* a source longer than struct tree_mount holds is refused, not cut */
static void test_long(void)
{
	static char text[9000];
	struct tree_mount m;
	size_t n;

	n = (size_t)snprintf(text, sizeof(text), "1 1 9:9 / /m rw - ext4 /");
	memset(text + n, 'a', 5000);
	n += 5000;
	n += (size_t)snprintf(text + n, sizeof(text) - n, " rw\n");
	CHECK(tree_vols_find_mount(text, n, makedev(9, 9), &m) == -ENOENT);
}

static void test_ids(void)
{
	struct tree_vols *v = NULL, *w = NULL;
	/* no mount has major 4095 */
	dev_t none = makedev(4095, 12345);
	char d[128];
	uint64_t id;

	CHECK(tree_vols_new("", &v) == -EINVAL);
	CHECK(tree_vols_new(NULL, &v) == 0);
	id = tree_vols_id(v, none);
	CHECK(id == oracle("dev:4095:12345"));
	CHECK(id == tree_vols_id(v, none)); /* memoised: the same */
	CHECK(tree_vols_describe(v, none, d, sizeof(d)) == 0);
	CHECK_STR(d, "dev 4095:12345");
	CHECK(tree_vols_describe(v, none, d, 5) == -ENOSPC);

	/* many devs: past the memo's bound every id is still right */
	for (unsigned i = 0; i < 3 * TREE_VOLUME_MEMO; i++)
		id = tree_vols_id(v, makedev(4095, i));
	CHECK(id == oracle("dev:4095:191"));
	CHECK(tree_vols_id(v, makedev(4095, 0)) == oracle("dev:4095:0"));
	CHECK(tree_vols_id(v, none) == oracle("dev:4095:12345"));

	/* a name: one id for every dev */
	CHECK(tree_vols_new("evidence 7", &w) == 0);
	CHECK(tree_vols_id(w, none) == oracle("name:evidence 7"));
	CHECK(tree_vols_id(w, makedev(0, 21)) == oracle("name:evidence 7"));
	CHECK(tree_vols_describe(w, none, d, sizeof(d)) == 0);
	CHECK_STR(d, "name evidence 7");
	CHECK(oracle("name:evidence 7") != oracle("name:evidence 8"));
	tree_vols_free(w);
	tree_vols_free(v);
	tree_vols_free(NULL);
}

/* threads asking for overlapping devs while the memo fills and turns
 * over all get the right ids */
#define NTHREADS 4
#define NDEVS	 (2 * TREE_VOLUME_MEMO)
static uint64_t want[NDEVS];

static void *asker(void *arg)
{
	struct tree_vols *v = arg;
	long bad = 0;

	for (unsigned round = 0; round < 20; round++)
		for (unsigned i = 0; i < NDEVS; i++)
			bad += tree_vols_id(v, makedev(4094, i)) != want[i];
	return (void *)bad;
}

static void test_threads(void)
{
	pthread_t t[NTHREADS];
	struct tree_vols *v;
	char key[64];
	void *bad;
	int i;

	for (i = 0; i < NDEVS; i++) {
		snprintf(key, sizeof(key), "dev:4094:%d", i);
		want[i] = oracle(key);
	}
	CHECK(tree_vols_new(NULL, &v) == 0);
	for (i = 0; i < NTHREADS; i++)
		CHECK(pthread_create(&t[i], NULL, asker, v) == 0);
	for (i = 0; i < NTHREADS; i++) {
		pthread_join(t[i], &bad);
		CHECK(bad == NULL);
	}
	tree_vols_free(v);
}

int main(void)
{
	test_parse();
	test_long();
	test_ids();
	test_threads();
	return t_done();
}

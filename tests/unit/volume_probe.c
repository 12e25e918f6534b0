/*
 * volume_probe PATH...: for each path, its st_dev as MAJOR:MINOR, the
 * volume's id in hex and tree_vols_describe()'s text, tab-separated (for
 * tests/integration/test_volume.sh). --volume-id=NAME first names it.
 */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>

#include "profilefs/volume.h"

int main(int argc, char **argv)
{
	struct tree_vols *v;
	const char *name = NULL;
	char d[256];
	struct stat st;
	int i = 1, rc = 0;

	if (argc > 1 && strncmp(argv[1], "--volume-id=", 12) == 0)
		name = argv[i++] + 12;
	if (tree_vols_new(name, &v) != 0)
		return 1;
	for (; i < argc; i++) {
		if (stat(argv[i], &st) != 0 ||
		    tree_vols_describe(v, st.st_dev, d, sizeof(d)) != 0) {
			perror(argv[i]);
			rc = 1;
			continue;
		}
		printf("%u:%u\t%016" PRIx64 "\t%s\n", major(st.st_dev),
		       minor(st.st_dev), tree_vols_id(v, st.st_dev), d);
	}
	tree_vols_free(v);
	return rc;
}

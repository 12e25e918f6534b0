/*
 * gen-man TEMPLATE VERSION: the man page profilefs(1) on stdout, from
 * TEMPLATE with its line "@MOUNT_OPTIONS@" replaced by the mount's option
 * table (src/cli/mopts.c, the one --help prints) and "@VERSION@" by
 * VERSION. Run by the build; the page is checked by `mandoc -Tlint` in
 * tests/integration/test_install.sh.
 */
#include <stdio.h>
#include <string.h>

#include "mopts.h"

int main(int argc, char **argv)
{
	char line[4096];
	FILE *in;

	if (argc != 3) {
		fprintf(stderr, "usage: gen-man TEMPLATE VERSION\n");
		return 2;
	}
	in = fopen(argv[1], "r");
	if (!in) {
		perror(argv[1]);
		return 1;
	}
	while (fgets(line, sizeof(line), in)) {
		char *at = strstr(line, "@VERSION@");

		if (strcmp(line, "@MOUNT_OPTIONS@\n") == 0)
			mopt_print_roff(stdout);
		else if (at)
			printf("%.*s%s%s", (int)(at - line), line, argv[2],
			       at + strlen("@VERSION@"));
		else
			fputs(line, stdout);
	}
	fclose(in);
	return ferror(stdout) ? 1 : 0;
}

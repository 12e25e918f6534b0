/*
 * gen-man TEMPLATE VERSION: the man page profilefs(1) on stdout, from
 * TEMPLATE with its lines "@MOUNT_OPTIONS@", "@PROFILE_OPTIONS@",
 * "@WARM_OPTIONS@", "@RULES_OPTIONS@" and "@KNOWN_OPTIONS@" replaced by those
 * commands' options from the table (src/cli/options.c, the one --help prints
 * and the command lines are parsed with) and "@VERSION@" by VERSION. Run by the
 * build; the page is checked by `mandoc -Tlint` in
 * tests/integration/test_install.sh.
 */
#include <stdio.h>
#include <string.h>

#include "options.h"

static const struct {
	const char *line;
	unsigned cmd;
} lists[] = {
	{ "@MOUNT_OPTIONS@\n", CMD_MOUNT },
	{ "@PROFILE_OPTIONS@\n", CMD_PROFILE },
	{ "@WARM_OPTIONS@\n", CMD_WARM },
	{ "@RULES_OPTIONS@\n", CMD_RULES },
	{ "@SUMMARY_OPTIONS@\n", CMD_SUMMARY },
	{ "@KNOWN_OPTIONS@\n", CMD_KNOWN },
};

/* is line one of the lists? printed if so */
static int list(const char *line)
{
	for (size_t i = 0; i < sizeof(lists) / sizeof(lists[0]); i++)
		if (strcmp(line, lists[i].line) == 0) {
			cli_opts_print_roff(stdout, lists[i].cmd);
			return 1;
		}
	return 0;
}

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

		if (list(line))
			continue;
		if (at)
			printf("%.*s%s%s", (int)(at - line), line, argv[2],
			       at + strlen("@VERSION@"));
		else
			fputs(line, stdout);
	}
	fclose(in);
	return ferror(stdout) ? 1 : 0;
}

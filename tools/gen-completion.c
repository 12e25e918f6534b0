/*
 * gen-completion TEMPLATE: the bash completion on stdout, from TEMPLATE
 * (data/bash-completion/profilefs.in) with its words "@MOUNT_WORDS@",
 * "@PROFILE_WORDS@", "@WARM_WORDS@", "@RULES_WORDS@", "@KNOWN_WORDS@" (each
 * command's
 * options, "--cache=" for one that takes a value), "@MOUNT_ONAMES@" (the
 * mount's names for -o), "@ALL_DIRS@" and "@ALL_FILES@" (the options
 * whose value is a folder, a file, as a case pattern "--a | --b")
 * replaced from the option table (src/cli/options.c), the one --help
 * prints and the command lines are parsed with. Run by the build.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "options.h"

static const struct {
	const char *word;
	unsigned cmd;
	int kind; /* cli_opts_print_words()'s */
	const char *sep;
} subs[] = {
	{ "@MOUNT_WORDS@", CMD_MOUNT, 0, " " },
	{ "@PROFILE_WORDS@", CMD_PROFILE, 0, " " },
	{ "@WARM_WORDS@", CMD_WARM, 0, " " },
	{ "@RULES_WORDS@", CMD_RULES, 0, " " },
	{ "@SUMMARY_WORDS@", CMD_SUMMARY, 0, " " },
	{ "@KNOWN_WORDS@", CMD_KNOWN, 0, " " },
	{ "@MOUNT_ONAMES@", CMD_MOUNT, 'o', " " },
	{ "@ALL_DIRS@", CMD_ALL, 'd', " | " },
	{ "@ALL_FILES@", CMD_ALL, 'f', " | " },
};

/* the words of subs[i], joined by its separator, without repeats */
static void words(size_t i)
{
	char *text = NULL, *line, *save = NULL, *seen;
	size_t len = 0, n = 0;
	FILE *f = open_memstream(&text, &len);

	if (!f)
		exit(1);
	cli_opts_print_words(f, subs[i].cmd, subs[i].kind);
	fclose(f);
	seen = calloc(1, len + 2);
	if (!seen)
		exit(1);
	seen[0] = '\n';
	for (line = strtok_r(text, "\n", &save); line;
	     line = strtok_r(NULL, "\n", &save)) {
		char key[128];

		snprintf(key, sizeof(key), "\n%s\n", line);
		if (strstr(seen, key))
			continue;
		strcat(seen, key + 1);
		printf("%s%s", n++ ? subs[i].sep : "", line);
	}
	if (!n)
		printf("__none__"); /* a case pattern that never matches */
	free(seen);
	free(text);
}

static void line_out(const char *s)
{
	while (*s) {
		size_t i, k = 0;

		for (i = 0; i < sizeof(subs) / sizeof(subs[0]); i++)
			if (!strncmp(s, subs[i].word, strlen(subs[i].word)))
				break;
		if (i < sizeof(subs) / sizeof(subs[0])) {
			words(i);
			s += strlen(subs[i].word);
			continue;
		}
		k = strcspn(s + 1, "@") + 1;
		fwrite(s, 1, k, stdout);
		s += k;
	}
}

int main(int argc, char **argv)
{
	char line[4096];
	FILE *in;

	if (argc != 2) {
		fprintf(stderr, "usage: gen-completion TEMPLATE\n");
		return 2;
	}
	in = fopen(argv[1], "r");
	if (!in) {
		perror(argv[1]);
		return 1;
	}
	while (fgets(line, sizeof(line), in))
		line_out(line);
	fclose(in);
	return ferror(stdout) ? 1 : 0;
}

/*
 * The commands of verbs (`profilefs rules VERB`, `profilefs known VERB`):
 * their help, their short usage after a mistake, and the verb's options.
 */
#include <stdio.h>
#include <string.h>

#include "cli_i.h"

static void print_help(const struct cli_verbs *c)
{
	printf("%s%s", c->usage, c->about);
	cli_opts_print_help(stdout, c->cmd);
	printf("%s", c->tail);
}

/* after a mistake: the usage lines, not the whole help */
static void short_usage(const struct cli_verbs *c)
{
	fprintf(stderr, "%s%s --help tells more\n", c->usage,
		cli_cmd_name(c->cmd));
}

int cli_verbs_parse(const struct cli_verbs *c, int argc, char **argv,
		    struct cli_opts *o, char ***rest, int *nrest, char ***owned)
{
	const char *verb = argc >= 2 ? argv[1] : "";
	size_t i;

	if (!strcmp(verb, "-h") || !strcmp(verb, "--help")) {
		print_help(c);
		return -1;
	}
	if (argc < 2 || verb[0] == '-') {
		short_usage(c);
		return 2;
	}
	if (c->refused && c->refused(argc, argv))
		return 2;
	if (cli_opts_parse(c->cmd, argc - 1, argv + 1, o, rest, nrest, owned)) {
		short_usage(c);
		return 2;
	}
	if (o->help) {
		print_help(c);
		return -1;
	}
	for (i = 0; c->verbs[i]; i++)
		if (!strcmp(verb, c->verbs[i]))
			return 0;
	fprintf(stderr, "%s: no verb %s\n", cli_cmd_name(c->cmd), verb);
	short_usage(c);
	return 2;
}

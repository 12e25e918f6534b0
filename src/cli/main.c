/*
 * profilefs: hands off to one of its two forms.
 *   profilefs [options] SOURCE MOUNTPOINT   mount (cli_mount)
 *   profilefs profile [options] FILE...     print profiles (cli_profile)
 *   profilefs rules VERB ...                rule repositories (cli_rules)
 *   profilefs warm [options] PATH...        fill the cache (cli_warm)
 *   profilefs summary [options] SOURCE      the tree's summary (cli_summary)
 *   profilefs known VERB ...                known-file data sets (cli_known)
 */
#include <string.h>

#include "profilefs/util.h"
#include "cli_i.h"

int main(int argc, char **argv)
{
	log_setup(0, LOG_LVL_INFO);
	if (argc > 1 && strcmp(argv[1], "profile") == 0)
		return cli_profile(argc - 1, argv + 1);
	if (argc > 1 && strcmp(argv[1], "warm") == 0)
		return cli_warm(argc - 1, argv + 1);
	if (argc > 1 && strcmp(argv[1], "rules") == 0)
		return cli_rules(argc - 1, argv + 1);
	if (argc > 1 && strcmp(argv[1], "summary") == 0)
		return cli_summary(argc - 1, argv + 1);
	if (argc > 1 && strcmp(argv[1], "known") == 0)
		return cli_known(argc - 1, argv + 1);
	return cli_mount(argc, argv);
}

/* Private to the command line. */
#ifndef PROFILEFS_CLI_I_H
#define PROFILEFS_CLI_I_H

/* `profilefs profile ...`: argv[0] is "profile"; the exit status */
int cli_profile(int argc, char **argv);

/* `profilefs rules ...`: argv[0] is "rules"; the exit status */
int cli_rules(int argc, char **argv);

#endif

/*
 * What git says of a repository: its origin's URL (with insteadOf
 * applied) and what is checked out. Asked of git itself, run as a child
 * process without a shell, with a time limit, so that worktrees, .git
 * files, includes and insteadOf mean what they mean to git; nothing of
 * git's files is parsed here.
 *
 * The repository is as hostile as the disk it came from, so git is run
 * with: no system config (GIT_CONFIG_NOSYSTEM), no discovery above the
 * folder (GIT_CEILING_DIRECTORIES: the folder's parent), no pager, no
 * prompt, no optional locks, no fsmonitor and no hooks (config given on
 * the command line wins over the repository's), stdin and stderr on
 * /dev/null, and killed after RULES_GIT_MS. Only commands that read
 * configuration and refs are run: none connects to a remote or runs a
 * configured command. git refuses a repository of another owner
 * ("dubious ownership"): such a repository gets no URL (--url gives it).
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "profilefs/rules.h"
#include "profilefs/util.h"

#define RULES_GIT_MS  5000
#define RULES_GIT_OUT 4096 /* git's answer, at most */

extern char **environ;

static int64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* the environment of git: ours, less what would change its answers,
 * plus the settings above; envp and its strings malloc'ed */
static char **git_env(const char *dir)
{
	static const char *const drop[] = {
		"GIT_DIR=",
		"GIT_WORK_TREE=",
		"GIT_CONFIG",
		"GIT_CEILING_DIRECTORIES=",
		"GIT_NAMESPACE=",
		"GIT_INDEX_FILE=",
		"GIT_OBJECT_DIRECTORY=",
		"GIT_COMMON_DIR=",
		"GIT_PAGER=",
		"PAGER=",
		"GIT_TERMINAL_PROMPT=",
		NULL,
	};
	size_t n = 0, k = 0, i, j;
	char **env, *parent;

	while (environ[n])
		n++;
	env = calloc(n + 8, sizeof(*env));
	parent = strdup(dir);
	if (!env || !parent) {
		free(env);
		free(parent);
		return NULL;
	}
	for (i = 0; i < n; i++) {
		for (j = 0; drop[j]; j++)
			if (!strncmp(environ[i], drop[j], strlen(drop[j])))
				break;
		if (!drop[j] && !(env[k++] = strdup(environ[i])))
			goto fail;
	}
	*strrchr(parent, '/') = '\0'; /* dir is absolute */
	if (asprintf(&env[k++], "GIT_CEILING_DIRECTORIES=%s",
		     *parent ? parent : "/") < 0) {
		env[--k] = NULL;
		goto fail;
	}
	if (!(env[k++] = strdup("GIT_CONFIG_NOSYSTEM=1")) ||
	    !(env[k++] = strdup("GIT_TERMINAL_PROMPT=0")) ||
	    !(env[k++] = strdup("GIT_OPTIONAL_LOCKS=0")) ||
	    !(env[k++] = strdup("GIT_PAGER=cat")) ||
	    !(env[k++] = strdup("LC_ALL=C")))
		goto fail;
	free(parent);
	return env;
fail:
	free(parent);
	for (i = 0; i < k; i++)
		free(env[i]);
	free(env);
	return NULL;
}

static void env_free(char **env)
{
	size_t i;

	for (i = 0; env && env[i]; i++)
		free(env[i]);
	free(env);
}

/*
 * Reads the child's output from fd into buf (at most size - 1 bytes) until
 * it ends or buf is full; past RULES_GIT_MS the child (pid) is killed and
 * *killed set. The bytes read.
 */
static size_t read_until(int fd, pid_t pid, char *buf, size_t size, int *killed)
{
	int64_t deadline = now_ms() + RULES_GIT_MS;
	size_t got = 0;
	int rc;

	for (;;) {
		struct pollfd p = { fd, POLLIN, 0 };
		int64_t left = deadline - now_ms();
		ssize_t n;

		if (left <= 0) {
			kill(pid, SIGKILL);
			*killed = 1;
			break;
		}
		rc = poll(&p, 1, (int)left);
		if (rc < 0 && errno == EINTR)
			continue;
		if (rc <= 0)
			continue; /* the deadline is checked above */
		n = read(fd, buf + got, size - 1 - got);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		got += (size_t)n;
		if (got == size - 1)
			break; /* enough: the first line is all we want */
	}
	return got;
}

/*
 * Runs `git -C dir ARGS...` (args NULL-terminated) and gives its first
 * line of output, malloc'ed, when it exits 0 with one; NULL otherwise (no
 * git, a failure, a time-out, no output).
 */
static char *git(const char *dir, const char *const *args)
{
	const char *argv[24] = { "git", "--no-pager",
				 "-c",	"core.fsmonitor=false",
				 "-c",	"core.hooksPath=/dev/null",
				 "-C",	dir };
	size_t na = 8, got;
	posix_spawn_file_actions_t fa;
	char buf[RULES_GIT_OUT], *line = NULL;
	int pipefd[2], status = -1, rc, killed = 0;
	char **env;
	pid_t pid;

	while (*args && na + 1 < sizeof(argv) / sizeof(argv[0]))
		argv[na++] = *args++;
	argv[na] = NULL;
	env = git_env(dir);
	if (!env)
		return NULL;
	if (pipe2(pipefd, O_CLOEXEC) < 0) {
		env_free(env);
		return NULL;
	}
	posix_spawn_file_actions_init(&fa);
	posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDONLY, 0);
	posix_spawn_file_actions_adddup2(&fa, pipefd[1], 1);
	posix_spawn_file_actions_addopen(&fa, 2, "/dev/null", O_WRONLY, 0);
	rc = posix_spawnp(&pid, "git", &fa, NULL, (char *const *)argv, env);
	posix_spawn_file_actions_destroy(&fa);
	env_free(env);
	close(pipefd[1]);
	if (rc) {
		close(pipefd[0]);
		return NULL;
	}
	got = read_until(pipefd[0], pid, buf, sizeof(buf), &killed);
	close(pipefd[0]);
	while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
		;
	if (killed)
		log_warn("rules: git in %s: no answer in %d ms", dir,
			 RULES_GIT_MS);
	if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
		return NULL;
	buf[got] = '\0';
	buf[strcspn(buf, "\r\n")] = '\0';
	if (buf[0])
		line = strdup(buf);
	return line;
}

/* git would block on a FIFO named .git/HEAD or .git/config when it finds
 * the repository: those are looked at first, without following them */
static int git_files_regular(const char *dir)
{
	static const char *const names[] = { "HEAD", "config" };
	struct stat st;
	char path[PATH_MAX];
	size_t i;

	snprintf(path, sizeof(path), "%s/.git", dir);
	if (lstat(path, &st) < 0)
		return 0;
	if (S_ISREG(st.st_mode))
		return 1; /* a worktree's .git file: git follows it */
	if (!S_ISDIR(st.st_mode))
		return 0;
	for (i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		snprintf(path, sizeof(path), "%s/.git/%s", dir, names[i]);
		if (lstat(path, &st) == 0 && !S_ISREG(st.st_mode))
			return 0;
	}
	return 1;
}

void rules_git_facts(const char *dir, char **url, char **branch)
{
	static const char *const has_origin[] = { "config", "--get",
						  "remote.origin.url", NULL };
	static const char *const get_url[] = { "ls-remote", "--get-url",
					       "origin", NULL };
	static const char *const head_branch[] = { "symbolic-ref", "--quiet",
						   "--short", "HEAD", NULL };
	static const char *const head_commit[] = { "rev-parse", "--verify",
						   "--quiet", "HEAD", NULL };
	char *remote;

	*url = *branch = NULL;
	if (!git_files_regular(dir))
		return;
	remote = git(dir, has_origin);
	if (remote) {
		char *rewritten = git(dir, get_url); /* insteadOf applied */

		*url = rules_web_url(rewritten ? rewritten : remote);
		free(rewritten);
		free(remote);
	}
	*branch = git(dir, head_branch);
	if (!*branch)
		*branch = git(dir, head_commit); /* detached: the commit */
}

char *rules_name_of_url(const char *url)
{
	const char *end = url + strlen(url), *start;

	while (end > url && end[-1] == '/')
		end--;
	if (end - url > 4 && !strncmp(end - 4, ".git", 4))
		end -= 4;
	start = end;
	while (start > url && start[-1] != '/' && start[-1] != ':')
		start--;
	if (start == end)
		return NULL;
	return strndup(start, (size_t)(end - start));
}

/* What a repository says about itself: its web address. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "profilefs/rules.h"

char *rules_web_url(const char *remote)
{
	const char *host, *path, *at;
	size_t n, hostlen;
	char *out;

	if (!strncmp(remote, "https://", 8) || !strncmp(remote, "http://", 7)) {
		host = strstr(remote, "://") + 3;
		at = strchr(host, '@');
		if (at && at < strchr(host, '/'))
			host = at + 1;
		path = strchr(host, '/');
	} else if (!strncmp(remote, "ssh://", 6) ||
		   !strncmp(remote, "git://", 6)) {
		host = remote + 6;
		at = strchr(host, '@');
		if (at && (!strchr(host, '/') || at < strchr(host, '/')))
			host = at + 1;
		path = strchr(host, '/');
	} else if ((at = strchr(remote, '@')) && strchr(at, ':')) {
		host = at + 1; /* scp-like: git@host:owner/repo */
		path = strchr(host, ':');
	} else {
		return NULL; /* a local path: no web address */
	}
	if (!path)
		return NULL;
	hostlen = (size_t)(path - host);
	/* ssh://host:port/...: the web has no port */
	if (memchr(host, ':', hostlen) && *path == '/')
		hostlen = (size_t)((const char *)memchr(host, ':', hostlen) -
				   host);
	path++;
	n = strlen(path);
	while (n && path[n - 1] == '/')
		n--;
	if (n > 4 && !strncmp(path + n - 4, ".git", 4))
		n -= 4;
	if (asprintf(&out, "https://%.*s/%.*s", (int)hostlen, host, (int)n,
		     path) < 0)
		return NULL;
	return out;
}

char *rules_file_url(const char *url, const char *branch, const char *path)
{
	const char *kind = "/blob/";
	char *out;

	if (strstr(url, "://gitlab."))
		kind = "/-/blob/";
	else if (strstr(url, "://bitbucket.org/"))
		kind = "/src/";
	if (asprintf(&out, "%s%s%s/%s", url, kind, branch ? branch : "HEAD",
		     path) < 0)
		return NULL;
	return out;
}

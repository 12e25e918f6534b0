/* Whether a line names a binary: the boundary rules of rules.h. */
#include <string.h>
#include <strings.h>

#include "profilefs/rules.h"

/*
 * Common words of five letters or more that are also the stems of real
 * Windows binaries (or would be): a line that says "service" or "explorer"
 * is not about services.exe or explorer.exe. Sorted, lowercase.
 */
static const char *const stoplist[] = {
	"access",  "action",   "admin",	   "agent",   "alert",	    "allow",
	"audit",   "backup",   "batch",	   "block",   "cache",	    "check",
	"class",   "clear",    "client",   "close",   "command",    "common",
	"config",  "console",  "control",  "create",  "credential", "crypt",
	"debug",   "decoder",  "default",  "delete",  "detect",	    "device",
	"disable", "display",  "driver",   "enable",  "error",	    "event",
	"example", "explorer", "export",   "false",   "field",	    "filter",
	"format",  "group",    "handle",   "header",  "helper",	    "image",
	"import",  "index",    "input",	   "install", "level",	    "light",
	"local",   "logon",    "manager",  "media",   "memory",	    "message",
	"module",  "monitor",  "mount",	   "network", "object",	    "option",
	"output",  "parent",   "password", "policy",  "print",	    "process",
	"program", "proxy",    "query",	   "recover", "registry",   "remote",
	"report",  "reset",    "restore",  "result",  "rules",	    "runtime",
	"sample",  "script",   "search",   "secure",  "security",   "select",
	"server",  "service",  "services", "session", "setup",	    "share",
	"shell",   "start",    "status",   "storage", "system",	    "target",
	"title",   "token",    "tools",	   "trace",   "update",	    "upload",
	"users",   "value",    "where",	   "window",  "windows",    "write",
};

static int is_word(unsigned char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	       (c >= '0' && c <= '9') || c == '_';
}

static int left_ok(const char *line, size_t at)
{
	return at == 0 || strchr(" \t\r\n\f\v'\"`/\\*=:,(", line[at - 1]);
}

static int right_ok(const char *line, size_t len, size_t end)
{
	unsigned char c;

	if (end >= len)
		return 1;
	c = (unsigned char)line[end];
	if (is_word(c))
		return 0;
	/* "x.dll.mui" or "x.exe" name another file; "x.dll." ends a sentence */
	if (c == '.' && end + 1 < len && is_word((unsigned char)line[end + 1]))
		return 0;
	return 1;
}

/* Is there an occurrence of word (n bytes) bounded on both sides? */
static int bounded(const char *line, size_t len, const char *word, size_t n)
{
	size_t i;

	if (n == 0 || n > len)
		return 0;
	for (i = 0; i + n <= len; i++)
		if (strncasecmp(line + i, word, n) == 0 && left_ok(line, i) &&
		    right_ok(line, len, i + n))
			return 1;
	return 0;
}

int rules_stem_allowed(const char *stem, size_t n)
{
	size_t lo = 0, hi = sizeof(stoplist) / sizeof(stoplist[0]), i;
	char low[64];

	if (n < 5 || n >= sizeof(low))
		return 0;
	for (i = 0; i < n; i++) {
		if (!is_word((unsigned char)stem[i]) && stem[i] != '-')
			return 0;
		low[i] = (char)(stem[i] >= 'A' && stem[i] <= 'Z' ? stem[i] + 32
								 : stem[i]);
	}
	low[n] = '\0';
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		int cmp = strcmp(low, stoplist[mid]);

		if (cmp == 0)
			return 0;
		if (cmp < 0)
			hi = mid;
		else
			lo = mid + 1;
	}
	return 1;
}

enum rules_match rules_line_names(const char *line, size_t len,
				  const char *name)
{
	const char *dot = strrchr(name, '.');
	size_t n = strlen(name);

	if (bounded(line, len, name, n))
		return RULES_NAME;
	if (dot && dot != name &&
	    rules_stem_allowed(name, (size_t)(dot - name)) &&
	    bounded(line, len, name, (size_t)(dot - name)))
		return RULES_STEM;
	return RULES_NO;
}

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

/* ---- where on the line ---------------------------------------------- */

/* keys whose values are prose, never a command or an image */
static const char *const prose_keys[] = {
	"author",  "comment",	      "date",	   "description",
	"details", "falsepositives",  "level",	   "modified",
	"note",	   "notes",	      "reference", "references",
	"status",  "summary",	      "tags",	   "title",
	"usecase", "acknowledgement", NULL,
};

/* keys of detection fields and of a LOLBAS entry's paths: their values
 * are images, command lines to match, file names */
static const char *const field_keys[] = {
	"image",
	"parentimage",
	"originalfilename",
	"originalfile",
	"imageloaded",
	"imagepath",
	"targetimage",
	"sourceimage",
	"targetfilename",
	"filename",
	"processname",
	"newprocessname",
	"parentprocessname",
	"commandline",
	"parentcommandline",
	"servicefilename",
	"path",
	"name",
	"process_name",
	"process.name",
	"process.executable",
	"process.command_line",
	"file.name",
	"file.path",
	"internalname",
	"calltrace",
	NULL,
};

/* keys of a command to run (LOLBAS's Command:, atomic's command:) */
static const char *const command_keys[] = {
	"command", "commands", "cmd", "executor", "usage", NULL,
};

static int in_list(const char *const *list, const char *key, size_t n)
{
	for (; *list; list++)
		if (strlen(*list) == n && !strncasecmp(*list, key, n))
			return 1;
	return 0;
}

static int blank(unsigned char c)
{
	return c == ' ' || c == '\t' || c == '\r';
}

/* The shape of a line: where its value begins (after "- ", a "key:" and
 * quotes) and what its key says. */
struct shape {
	size_t value; /* where the value begins */
	int comment;  /* a comment line (# // ;) */
	int item;     /* a list item ("- ...") */
	int field;    /* a detection field or a path key, "Image|endswith:" */
	int command;  /* a command key */
	int prose;    /* a prose key */
	int assign;   /* a YARA string, "$s1 = ..." */
	int keyed;    /* any other "key:" */
};

static void shape_of(const char *line, size_t len, struct shape *sh)
{
	size_t i = 0, k, key;

	memset(sh, 0, sizeof(*sh));
	while (i < len && blank((unsigned char)line[i]))
		i++;
	if (i < len &&
	    (line[i] == '#' || line[i] == ';' ||
	     (line[i] == '/' && i + 1 < len && line[i + 1] == '/'))) {
		sh->comment = 1;
		sh->value = len;
		return;
	}
	if (i + 1 < len && (line[i] == '-' || line[i] == '*') &&
	    blank((unsigned char)line[i + 1])) {
		sh->item = 1;
		i += 2;
		while (i < len && blank((unsigned char)line[i]))
			i++;
	}
	if (i < len && line[i] == '$') {
		/* "$s1 = \"x.exe\"" (YARA) */
		k = i + 1;
		while (k < len && is_word((unsigned char)line[k]))
			k++;
		while (k < len && blank((unsigned char)line[k]))
			k++;
		if (k < len && line[k] == '=') {
			sh->assign = 1;
			i = k + 1;
		}
	}
	/* "key:" or "key|mod|mod:" followed by a blank or the end */
	key = i;
	k = i;
	while (k < len && (is_word((unsigned char)line[k]) || line[k] == '.' ||
			   line[k] == '-'))
		k++;
	if (k > key && !sh->assign) {
		size_t kend = k;
		int mods = 0;

		while (k < len && line[k] == '|') {
			mods = 1;
			k++;
			while (k < len && is_word((unsigned char)line[k]))
				k++;
		}
		if (k < len && line[k] == ':' &&
		    (k + 1 == len || blank((unsigned char)line[k + 1]))) {
			if (mods || in_list(field_keys, line + key, kend - key))
				sh->field = 1;
			else if (in_list(command_keys, line + key, kend - key))
				sh->command = 1;
			else if (in_list(prose_keys, line + key, kend - key))
				sh->prose = 1;
			else
				sh->keyed = 1;
			i = k + 1;
		}
	}
	while (i < len && (blank((unsigned char)line[i]) || line[i] == '\'' ||
			   line[i] == '"' || line[i] == '`' || line[i] == '>' ||
			   line[i] == '|' || line[i] == '*'))
		i++;
	sh->value = i;
}

/* Does the value hold spaces (a sentence, a command line) or is it one
 * token (a path, a file name)? */
static int one_token(const char *line, size_t len, size_t from)
{
	size_t end = len;

	while (end > from && (blank((unsigned char)line[end - 1]) ||
			      line[end - 1] == '\'' || line[end - 1] == '"' ||
			      line[end - 1] == '`' || line[end - 1] == ','))
		end--;
	for (; from < end; from++)
		if (blank((unsigned char)line[from]))
			return 0;
	return 1;
}

/* Is what follows the word at end what follows a program: the end, a
 * quote, or a blank and then an argument ("-x", "/x", a path, a file)? */
static int args_follow(const char *line, size_t len, size_t end)
{
	size_t k;

	if (end >= len || strchr("'\"`,;&|)*", line[end]))
		return 1;
	if (!blank((unsigned char)line[end]))
		return 0;
	k = end;
	while (k < len && blank((unsigned char)line[k]))
		k++;
	if (k >= len || strchr("-/\"'%$<>|&", line[k]))
		return 1;
	/* a token with a '.', '\\' or ':' in it: a file, a path, a URL */
	for (; k < len && !blank((unsigned char)line[k]); k++)
		if (line[k] == '.' || line[k] == '\\' || line[k] == ':' ||
		    line[k] == ',')
			return 1;
	return 0;
}

/* Is the word at `at` in a command's place: the value's first word, or
 * after cmd /c, a shell's separator or a "start"? */
static int command_place(const char *line, size_t at, size_t value)
{
	static const char *const before[] = {
		"/c ",	 "/k ", "/r ", "-c ", "-command ", "& ",
		"&& ",	 "| ",	"|| ", "; ",  "start ",	   "call ",
		"exec ", "$ ",	"> ",  "(",   NULL,
	};
	size_t i = at;
	int q = 0;

	/* quotes right before it: "cmd /c \"whoami\"" */
	while (i > 0 && (line[i - 1] == '"' || line[i - 1] == '\'' ||
			 line[i - 1] == '`')) {
		i--;
		q = 1;
	}
	(void)q;
	if (i <= value)
		return 1;
	for (size_t j = 0; before[j]; j++) {
		size_t n = strlen(before[j]);

		if (i >= n && !strncasecmp(line + i - n, before[j], n))
			return 1;
	}
	return 0;
}

/* How one occurrence of a word at [at, at + n) stands on a line of this
 * shape: RULES_AT_IMAGE, _COMMAND or _PROSE. */
static int occurrence(const char *line, size_t len, const struct shape *sh,
		      size_t at, size_t n, int stem)
{
	int path = at > 0 &&
		   (line[at - 1] == '\\' ||
		    (line[at - 1] == '/' && !memmem(line, len, "://", 3)));

	if (sh->comment || sh->prose)
		return RULES_AT_PROSE;
	if (sh->field || sh->assign)
		return RULES_AT_IMAGE;
	if ((sh->item || sh->keyed || sh->value == 0 ||
	     strchr("'\"`*", line[sh->value - 1])) &&
	    one_token(line, len, sh->value) &&
	    (!stem || path || at <= sh->value + 1))
		return RULES_AT_IMAGE;
	if (command_place(line, at, sh->value) &&
	    args_follow(line, len, at + n))
		return RULES_AT_COMMAND;
	if (sh->command && (path || !stem))
		return RULES_AT_COMMAND;
	if (path && args_follow(line, len, at + n))
		return RULES_AT_COMMAND;
	return RULES_AT_PROSE;
}

/* The best place of word (n bytes) on the line, bounded on both sides,
 * or -1 when it is not there. A stem counts only in an image's or a
 * command's place. */
static int best_place(const char *line, size_t len, const char *word, size_t n,
		      int stem)
{
	struct shape sh;
	int best = -1, shaped = 0;
	size_t i;

	if (n == 0 || n > len)
		return -1;
	for (i = 0; i + n <= len; i++) {
		int w;

		if (strncasecmp(line + i, word, n) || !left_ok(line, i) ||
		    !right_ok(line, len, i + n))
			continue;
		if (!shaped) {
			shape_of(line, len, &sh);
			shaped = 1;
		}
		w = occurrence(line, len, &sh, i, n, stem);
		if (stem && w == RULES_AT_PROSE)
			continue;
		if (best < 0 || w < best)
			best = w;
		if (best == RULES_AT_IMAGE)
			break;
	}
	return best;
}

enum rules_match rules_line_place(const char *line, size_t len,
				  const char *name, int *where)
{
	const char *dot = strrchr(name, '.');
	int w;

	w = best_place(line, len, name, strlen(name), 0);
	if (w >= 0) {
		if (where)
			*where = w;
		return RULES_NAME;
	}
	if (dot && dot != name &&
	    rules_stem_allowed(name, (size_t)(dot - name))) {
		w = best_place(line, len, name, (size_t)(dot - name), 1);
		if (w >= 0) {
			if (where)
				*where = w;
			return RULES_STEM;
		}
	}
	return RULES_NO;
}

enum rules_match rules_line_names(const char *line, size_t len,
				  const char *name)
{
	return rules_line_place(line, len, name, NULL);
}

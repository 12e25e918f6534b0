/*
 * The one parser over the option table (options.h), for every command:
 * --NAME=V, --NAME V, --NAME_WITH_UNDERSCORES=V, short options (-j N,
 * -rq), and for the mount FUSE's -o a,b (ours taken from it, the rest
 * handed on) and FUSE's own options left in place.
 *
 * Each value is checked here, once for every command that takes it: a
 * mistake is said in one line, and gives 2.
 */
#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "profilefs/fs.h"
#include "profilefs/rules.h"
#include "profilefs/util.h"
#include "batch_i.h"
#include "cli_i.h"
#include "options.h"

/* ---- values ------------------------------------------------------------ */

/* "(profilefs warm --help lists the options)" after a mistake */
static void say(unsigned cmd, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
static void say(unsigned cmd, const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "%s: ", cli_cmd_name(cmd));
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fprintf(stderr, " (%s --help lists the options)\n", cli_cmd_name(cmd));
}

/* "dll:exe", "dll,exe", ".dll" -> "dll,exe"; NULL (said) when malformed */
static char *parse_exts(unsigned cmd, const char *opt, const char *v)
{
	char *out = calloc(1, strlen(v) + 1), *d = out;
	const char *p = v;

	while (out) {
		size_t len = strcspn(p, ":,");
		size_t i;

		if (*p == '.' && len > 0) {
			p++;
			len--;
		}
		for (i = 0; i < len; i++)
			if (!(p[i] >= 'a' && p[i] <= 'z') &&
			    !(p[i] >= 'A' && p[i] <= 'Z') &&
			    !(p[i] >= '0' && p[i] <= '9') && p[i] != '_' &&
			    p[i] != '-')
				break;
		if (len == 0 || i < len) {
			say(cmd,
			    "%s wants extensions separated by ':' or ',' "
			    "like dll:exe, not %s%s%s",
			    opt, *v ? "\"" : "an empty list", v,
			    *v ? "\"" : "");
			free(out);
			return NULL;
		}
		if (d > out)
			*d++ = ',';
		memcpy(d, p, len);
		d += len;
		p += len;
		if (!*p)
			break;
		p++;
	}
	return out;
}

/* "md:json", "json" -> FS_FORMAT() bits; 0 (said) when malformed */
static unsigned parse_formats(unsigned cmd, const char *opt, const char *v)
{
	static const char *const names[SVC_FORMATS] = {
		[SVC_MD] = "md",
		[SVC_JSON] = "json",
	};
	const char *p = v;
	unsigned set = 0;
	int f;

	for (;;) {
		size_t len = strcspn(p, ":,");

		for (f = 0; f < SVC_FORMATS; f++)
			if (strlen(names[f]) == len &&
			    strncmp(p, names[f], len) == 0)
				break;
		if (f == SVC_FORMATS) {
			say(cmd, "%s wants md, json or md:json, not %s%s%s",
			    opt, *v ? "\"" : "an empty list", v,
			    *v ? "\"" : "");
			return 0;
		}
		set |= FS_FORMAT(f);
		p += len;
		if (!*p)
			break;
		p++;
	}
	return set;
}

static int parse_uint(const char *v, unsigned *out)
{
	char *end;
	unsigned long n;

	if (*v < '0' || *v > '9')
		return -EINVAL;
	errno = 0;
	n = strtoul(v, &end, 10);
	if (errno || *end || n > 0xffffffffUL)
		return -EINVAL;
	*out = (unsigned)n;
	return 0;
}

static int set_str(char **field, const char *v)
{
	char *copy = strdup(v);

	if (!copy)
		return -ENOMEM;
	free(*field);
	*field = copy;
	return 0;
}

/* glob appended to *list (one a line) */
static int add_glob(unsigned cmd, char **list, const char *glob)
{
	char *n;

	if (!rules_glob_ok(glob)) {
		fprintf(stderr, "%s: %s: a glob is 1 to %d bytes, no newline\n",
			cli_cmd_name(cmd), glob, RULES_GLOB_MAX);
		return -1;
	}
	if (asprintf(&n, "%s%s%s", *list ? *list : "", *list ? "\n" : "",
		     glob) < 0)
		return -1;
	free(*list);
	*list = n;
	return 0;
}

static int view_ok(const char *v)
{
	return !strchr(v, '/') && strcmp(v, ".") && strcmp(v, "..") &&
	       strlen(v) <= NAME_MAX;
}

static int set_format(const char *v, int *out)
{
	static const char *const names[] = { [FMT_MD] = "md",
					     [FMT_JSON] = "json",
					     [FMT_JSONL] = "jsonl",
					     [FMT_CSV] = "csv" };

	for (int f = FMT_MD; f <= FMT_CSV; f++)
		if (!strcmp(v, names[f])) {
			*out = f;
			return 0;
		}
	return -1;
}

/* the sizes and numbers: 0, or -1 (said) */
static int set_number(unsigned cmd, const struct cli_opt *m, void *field,
		      const char *opt, const char *v)
{
	uint64_t size;

	switch (m->kind) {
	case OPT_UINT:
		if (parse_uint(v, field) == 0)
			return 0;
		say(cmd, "%s wants a whole number, not \"%s\"", opt, v);
		return -1;
	case OPT_JOBS:
		if (batch_parse_jobs(v, field) == 0)
			return 0;
		say(cmd, "%s wants a number from 1 to %d, not \"%s\"", opt,
		    BATCH_MAX_JOBS, v);
		return -1;
	default:
		break;
	}
	if (cli_parse_size(v, &size)) {
		say(cmd, "%s wants a size like 512M, not \"%s\"", opt, v);
		return -1;
	}
	if (m->kind == OPT_MEMORY && size < CLI_MEMORY_MIN) {
		say(cmd, "%s wants a size of at least 16M, like 256M", opt);
		return -1;
	}
	*(uint64_t *)field = size;
	return 0;
}

/* the values that are words: 0, or -1 (said) */
static int set_word(unsigned cmd, struct cli_opts *o, const struct cli_opt *m,
		    void *field, const char *opt, const char *v)
{
	char **s = field;
	char *exts;

	switch (m->kind) {
	case OPT_DRIVE:
		if (drive_ok(v))
			break;
		say(cmd, "--drive wants a letter and a colon, like C:");
		return -1;
	case OPT_VIEW:
		if (view_ok(v))
			break;
		say(cmd, "%s wants one file name, like .profiles", opt);
		return -1;
	case OPT_EXTS:
		exts = parse_exts(cmd, opt, v);
		if (!exts)
			return -1;
		free(*s);
		*s = exts;
		return 0;
	case OPT_FORMATS:
		*(unsigned *)field = parse_formats(cmd, opt, v);
		return *(unsigned *)field ? 0 : -1;
	case OPT_FORMAT:
		if (set_format(v, field) == 0)
			return 0;
		say(cmd, "%s wants md, json, jsonl or csv, not \"%s\"", opt, v);
		return -1;
	case OPT_GLOB:
		return add_glob(cmd, s, v);
	case OPT_TRUST:
	case OPT_CATALOGS:
		return svc_signing_opt(&o->sign,
				       m->kind == OPT_TRUST ? SVC_OPT_TRUST
							    : SVC_OPT_CATALOGS,
				       v)
			       ? -1
			       : 0;
	default:
		break;
	}
	return set_str(s, v) ? -1 : 0;
}

/*
 * Sets m from v (NULL: given without a value); opt is the option as the
 * user wrote it, for the message. 0, or -1 when refused (said).
 */
static int opt_set(unsigned cmd, struct cli_opts *o, const struct cli_opt *m,
		   const char *opt, const char *v)
{
	void *field = (char *)o + m->off;

	if (!m->meta) {
		if (v) {
			say(cmd, "%s takes no value", opt);
			return -1;
		}
		*(int *)field = m->kind != OPT_UNSET;
		return 0;
	}
	if (!v || (!*v && m->kind != OPT_EXTS && m->kind != OPT_FORMATS)) {
		say(cmd, "%s wants a value: %s=%s", opt, m->name, m->meta);
		return -1;
	}
	switch (m->kind) {
	case OPT_UINT:
	case OPT_JOBS:
	case OPT_SIZE:
	case OPT_MEMORY:
		return set_number(cmd, m, field, opt, v);
	default:
		return set_word(cmd, o, m, field, opt, v);
	}
}

/* the table's defaults, as if given first */
static int opts_defaults(unsigned cmd, struct cli_opts *o)
{
	o->default_excludes = -1;
	for (size_t i = 0; i < cli_opt_count; i++) {
		const struct cli_opt *m = &cli_opt_table[i];

		if (cli_opt_takes(m, cmd) && m->def &&
		    opt_set(cmd, o, m, m->name, m->def))
			return -1;
	}
	return 0;
}

/* every string the table's options hold, found by the table itself (a
 * list of fields written out missed one an option was added with) */
void cli_opts_free(struct cli_opts *o)
{
	for (size_t i = 0; i < cli_opt_count; i++) {
		const struct cli_opt *m = &cli_opt_table[i];
		char **s = (char **)((char *)o + m->off);

		switch (m->kind) {
		case OPT_STR:
		case OPT_DRIVE:
		case OPT_VIEW:
		case OPT_EXTS:
		case OPT_GLOB:
			free(*s);
			*s = NULL;
			break;
		default:
			break;
		}
	}
	svc_signing_opts_free(&o->sign);
}

/* ---- the command line -------------------------------------------------- */

struct scan {
	unsigned cmd;
	struct cli_opts *o;
	char **rest, **owned;
	int nrest, nowned;
};

/* the row of cmd named name (len bytes, '-' or '_' between words) */
static const struct cli_opt *find_long(unsigned cmd, const char *name,
				       size_t len)
{
	for (size_t i = 0; i < cli_opt_count; i++) {
		const struct cli_opt *m = &cli_opt_table[i];
		size_t k;

		if (!m->name || !cli_opt_takes(m, cmd) ||
		    strlen(m->name) != len)
			continue;
		for (k = 0; k < len; k++)
			if (m->name[k] != name[k] &&
			    !(m->name[k] == '-' && name[k] == '_'))
				break;
		if (k == len)
			return m;
	}
	return NULL;
}

static const struct cli_opt *find_short(unsigned cmd, char c)
{
	for (size_t i = 0; i < cli_opt_count; i++)
		if (cli_opt_table[i].shrt == c &&
		    cli_opt_takes(&cli_opt_table[i], cmd))
			return &cli_opt_table[i];
	return NULL;
}

/* a word of ours in rest (owned: freed with the others) */
static int keep(struct scan *s, char *word, int owned)
{
	s->rest[s->nrest++] = word;
	if (owned)
		s->owned[s->nowned++] = word;
	return 0;
}

/* --NAME[=V] at argv[*i] (V may be the next word) */
static int scan_long(struct scan *s, int argc, char **argv, int *i)
{
	const char *a = argv[*i], *eq = strchr(a, '=');
	size_t len = eq ? (size_t)(eq - a) : strlen(a);
	const struct cli_opt *m = find_long(s->cmd, a + 2, len - 2);
	char opt[64];

	if (!m && s->cmd == CMD_MOUNT)
		return keep(s, argv[*i], 0); /* FUSE's word on it */
	snprintf(opt, sizeof(opt), "%.*s", (int)len, a);
	if (!m) {
		say(s->cmd, "unknown option %s", opt);
		return -1;
	}
	if (!eq && m->meta && *i + 1 < argc)
		return opt_set(s->cmd, s->o, m, opt, argv[++*i]);
	return opt_set(s->cmd, s->o, m, opt, eq ? eq + 1 : NULL);
}

/*
 * -o's items: ours set, FUSE's gathered for it (escaped as fuse_opt
 * wants) into one "-oA,B" word. An item's commas inside double quotes,
 * or after '\', are the item's.
 */
static int scan_o(struct scan *s, const char *v)
{
	char *item = malloc(strlen(v) + 1), *fuse = malloc(2 * strlen(v) + 3);
	size_t nf = 2;
	int quoted = 0, rc = -1;

	if (!item || !fuse)
		goto out;
	memcpy(fuse, "-o", 2);
	while (*v) {
		size_t n = 0;

		for (; *v && (quoted || *v != ','); v++)
			if (*v == '"')
				quoted = !quoted;
			else if (*v == '\\' && v[1])
				item[n++] = *++v;
			else
				item[n++] = *v;
		item[n] = '\0';
		v += *v == ',';
		const char *eq = strchr(item, '=');
		size_t len = eq ? (size_t)(eq - item) : n;
		const struct cli_opt *m = find_long(CMD_MOUNT, item, len);

		if (m && cli_opt_in_o(m)) {
			item[len] = '\0';
			if (opt_set(s->cmd, s->o, m, item, eq ? eq + 1 : NULL))
				goto out;
			continue;
		}
		if (nf > 2)
			fuse[nf++] = ',';
		for (size_t k = 0; k < n; k++) {
			if (item[k] == ',' || item[k] == '\\')
				fuse[nf++] = '\\';
			fuse[nf++] = item[k];
		}
	}
	fuse[nf] = '\0';
	rc = 0;
	if (nf > 2) {
		keep(s, fuse, 1);
		fuse = NULL;
	}
out:
	free(item);
	free(fuse);
	return rc;
}

/* -xyz at argv[*i]: flags, or one valued option with its value */
static int scan_short(struct scan *s, int argc, char **argv, int *i)
{
	const char *a = argv[*i];

	for (const char *c = a + 1; *c; c++) {
		const struct cli_opt *m = find_short(s->cmd, *c);
		char opt[3] = { '-', *c, '\0' };
		const char *v = c[1] ? c + 1 : NULL;

		if (!m && s->cmd != CMD_MOUNT) {
			say(s->cmd, "unknown option %s", opt);
			return -1;
		}
		if (!m || (m->kind == OPT_FUSE && *c != 'o'))
			return keep(s, argv[*i], 0);
		if (!m->meta) {
			if (opt_set(s->cmd, s->o, m, opt, NULL))
				return -1;
			continue;
		}
		if (!v && *i + 1 < argc)
			v = argv[++*i];
		if (m->kind == OPT_FUSE)
			return v ? scan_o(s, v) : keep(s, argv[*i], 0);
		return opt_set(s->cmd, s->o, m, opt, v);
	}
	return 0;
}

int cli_opts_parse(unsigned cmd, int argc, char **argv, struct cli_opts *o,
		   char ***rest, int *nrest, char ***owned)
{
	struct scan s = { .cmd = cmd, .o = o };
	int i, rc = 0, operands = 0;

	s.rest = calloc((size_t)argc + 1, sizeof(*s.rest));
	s.owned = calloc((size_t)argc + 1, sizeof(*s.owned));
	if (!s.rest || !s.owned || opts_defaults(cmd, o))
		rc = -1;
	for (i = 1; i < argc && !rc; i++) {
		const char *a = argv[i];

		if (!operands && !strcmp(a, "--")) {
			operands = 1; /* FUSE's too: it is kept for it */
			if (cmd == CMD_MOUNT)
				rc = keep(&s, argv[i], 0);
		} else if (operands || a[0] != '-' || !a[1]) {
			rc = keep(&s, argv[i], 0);
		} else if (a[1] == '-') {
			rc = scan_long(&s, argc, argv, &i);
		} else {
			rc = scan_short(&s, argc, argv, &i);
		}
	}
	if (rc) {
		cli_opts_free_words(s.owned);
		free(s.rest);
		return 2;
	}
	*rest = s.rest;
	*nrest = s.nrest;
	*owned = s.owned;
	return 0;
}

void cli_opts_free_words(char **owned)
{
	for (size_t i = 0; owned && owned[i]; i++)
		free(owned[i]);
	free(owned);
}

/*
 * bench_precision RULES_DB [NAME...]: how precise the Possible Misuse rows
 * of common System32 names are against the rules indexed in RULES_DB (the
 * real sigma and LOLBAS trees, bench/precision.sh). A row is relevant when
 * its rule file names the binary in full somewhere (the name, ASCII case
 * aside, with no letter, digit or '_' on either side): a check of its own,
 * not the matcher's. Prints, a name a line: rows (all of them, the cap's
 * too), relevant rows, precision, relevant rows among the first 10, and
 * rows from a licence file, and the rule files that name the binary as an
 * image (a quoted path ending in \NAME, as Image|endswith: '\NAME' has
 * it) that no row lists; then the worst precision.
 */
#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "profilefs/cache.h"
#include "profilefs/caps.h"
#include "profilefs/rules.h"

static const char *const names[] = {
	"hostname.exe",
	"version.dll",
	"kerberos.dll",
	"whoami.exe",
	"certutil.exe",
	"regsvr32.exe",
	"rundll32.exe",
	"net.exe",
	"cmd.exe",
	"powershell.exe",
	"mshta.exe",
	"wmic.exe",
	"bitsadmin.exe",
	"schtasks.exe",
	"reg.exe",
	"msiexec.exe",
	"cscript.exe",
	"wscript.exe",
	"comsvcs.dll",
	"ntdll.dll",
	"kernel32.dll",
	"advapi32.dll",
	"user32.dll",
	"shell32.dll",
	"lsass.exe",
	"svchost.exe",
	"explorer.exe",
	"taskkill.exe",
	"tasklist.exe",
	"netsh.exe",
	"sc.exe",
	"vssadmin.exe",
	"wevtutil.exe",
	"msbuild.exe",
	"odbcconf.exe",
	"cmstp.exe",
	"forfiles.exe",
	"dnscmd.exe",
	"ntdsutil.exe",
	"ping.exe",
	"systeminfo.exe",
	"ipconfig.exe",
	"winlogon.exe",
	"services.exe",
	"dbghelp.dll",
	"wininet.dll",
	"secur32.dll",
	"samlib.dll",
	NULL,
};

static int word(unsigned char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	       (c >= '0' && c <= '9') || c == '_';
}

/* does the file at path name `name` in full? */
static int names_in_full(const char *path, const char *name)
{
	FILE *f = fopen(path, "rb");
	size_t n = strlen(name), len = 0, cap = 1 << 16, i;
	char *buf = malloc(cap);
	int yes = 0;

	if (!f || !buf) {
		if (f)
			fclose(f);
		free(buf);
		return 0;
	}
	for (;;) {
		size_t got;

		if (len == cap) {
			char *b = realloc(buf, cap *= 2);

			if (!b)
				break;
			buf = b;
		}
		got = fread(buf + len, 1, cap - len, f);
		if (!got)
			break;
		len += got;
	}
	fclose(f);
	for (i = 0; !yes && i + n <= len; i++)
		yes = !strncasecmp(buf + i, name, n) &&
		      (i == 0 || !word((unsigned char)buf[i - 1])) &&
		      (i + n == len || !word((unsigned char)buf[i + n]));
	free(buf);
	return yes;
}

/* the image files of one name not listed: nftw's callback has no context */
static const char *want_name;
static const char *want_top;
static const struct prof_misuse *want_rows;
static size_t missed;

static int listed(const char *rel)
{
	size_t i;

	for (i = 0; i < want_rows->n + want_rows->nextra; i++) {
		const struct prof_misuse_row *r =
			i < want_rows->n ? &want_rows->rows[i]
					 : &want_rows->extra[i - want_rows->n];

		if (!strcmp(r->path, rel))
			return 1;
	}
	return 0;
}

/* does the file name the binary as an image: '\NAME' or "\NAME" */
static int names_as_image(const char *path, const char *name)
{
	char pat[2][300];
	FILE *f = fopen(path, "rb");
	char line[4096];
	int yes = 0;

	if (!f)
		return 0;
	snprintf(pat[0], sizeof(pat[0]), "\\%s'", name);
	snprintf(pat[1], sizeof(pat[1]), "\\%s\"", name);
	while (!yes && fgets(line, sizeof(line), f))
		yes = strcasestr(line, pat[0]) || strcasestr(line, pat[1]);
	fclose(f);
	return yes;
}

static int visit(const char *path, const struct stat *st, int type,
		 struct FTW *ftw)
{
	const char *rel = path + strlen(want_top) + 1;
	const char *ext = strrchr(path, '.');

	(void)st;
	(void)ftw;
	if (type != FTW_F || strstr(path, "/.git/") || !ext ||
	    (strcasecmp(ext, ".yml") && strcasecmp(ext, ".yaml")))
		return 0;
	/* the folders left out by default are not asked for */
	if (!rules_selected(rel, 0, NULL, NULL, 1))
		return 0;
	if (names_as_image(path, want_name) && !listed(rel)) {
		missed++;
		if (getenv("BENCH_SHOW"))
			printf("  missed %s\n", rel);
	}
	return 0;
}

static const char *repo_path(const struct cache_repo *r, size_t nr,
			     const char *name)
{
	size_t i;

	for (i = 0; i < nr; i++)
		if (!strcmp(r[i].name, name))
			return r[i].path;
	return NULL;
}

static int licence_file(const char *path)
{
	const char *b = strrchr(path, '/');

	b = b ? b + 1 : path;
	return !strncasecmp(b, "LICENSE", 7) || !strncasecmp(b, "LICENCE", 7) ||
	       !strncasecmp(b, "COPYING", 7) || !strncasecmp(b, "NOTICE", 6);
}

/* is a row relevant? */
static int relevant(const struct cache_repo *repos, size_t nr,
		    const struct prof_misuse_row *row, const char *name)
{
	const char *top = repo_path(repos, nr, row->source);
	char *p;
	int yes;

	if (!top || asprintf(&p, "%s/%s", top, row->path) < 0)
		return 0;
	yes = names_in_full(p, name);
	free(p);
	return yes;
}

int main(int argc, char **argv)
{
	struct cache_repo *repos = NULL;
	const char *const *list = names;
	struct cache *c;
	size_t nr = 0, k, missed_all = 0;
	double worst = 1;

	if (argc < 2 || cache_open(argv[1], &c) ||
	    cache_repo_list(c, &repos, &nr))
		return 1;
	if (argc > 2)
		list = (const char *const *)argv + 2;
	printf("%-16s %5s %8s %9s %8s %8s %8s\n", "name", "rows", "relevant",
	       "precision", "first10", "licence", "missed");
	for (k = 0; list[k]; k++) {
		struct prof_misuse *m = NULL;
		size_t rows, rel = 0, first = 0, lic = 0, j;
		double prec;

		if (rules_lookup(c, list[k], CAP_MISUSE_ROWS, &m)) {
			printf("%-16s lookup failed\n", list[k]);
			continue;
		}
		rows = m->n + m->nextra;
		for (j = 0; j < rows; j++) {
			const struct prof_misuse_row *r =
				j < m->n ? &m->rows[j] : &m->extra[j - m->n];
			int yes = relevant(repos, nr, r, list[k]);

			if (!yes && getenv("BENCH_SHOW"))
				printf("  - %s %s:%u %s\n", r->source, r->path,
				       0u, r->text);
			rel += (size_t)yes;
			first += (size_t)(yes && j < 10);
			lic += (size_t)licence_file(r->path);
		}
		prec = rows ? (double)rel / (double)rows : 1;
		if (prec < worst)
			worst = prec;
		missed = 0;
		want_name = list[k];
		want_rows = m;
		for (j = 0; j < nr; j++) {
			want_top = repos[j].path;
			nftw(repos[j].path, visit, 16, FTW_PHYS);
		}
		missed_all += missed;
		printf("%-16s %5zu %8zu %9.2f %8zu %8zu %8zu\n", list[k], rows,
		       rel, prec, first, lic, missed);
		prof_misuse_free(m);
	}
	printf("worst precision %.2f over %zu names; image files not listed: "
	       "%zu\n",
	       worst, k, missed_all);
	cache_repos_free(repos, nr);
	cache_close(c);
	return 0;
}

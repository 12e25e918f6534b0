/*
 * bench_precision RULES_DB [NAME...]: how precise the Possible Misuse rows
 * of common System32 names are against the rules indexed in RULES_DB (the
 * real sigma and LOLBAS trees, bench/precision.sh). A row is relevant when
 * its rule file names the binary in full somewhere (the name, ASCII case
 * aside, with no letter, digit or '_' on either side): a check of its own,
 * not the matcher's. Prints, a name a line: rows (all of them, the cap's
 * too), relevant rows, precision, relevant rows among the first 10, and
 * rows from a licence file; then the worst precision.
 */
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
	size_t nr = 0, k;
	double worst = 1;

	if (argc < 2 || cache_open(argv[1], &c) ||
	    cache_repo_list(c, &repos, &nr))
		return 1;
	if (argc > 2)
		list = (const char *const *)argv + 2;
	printf("%-16s %5s %8s %9s %8s %8s\n", "name", "rows", "relevant",
	       "precision", "first10", "licence");
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
		printf("%-16s %5zu %8zu %9.2f %8zu %8zu\n", list[k], rows, rel,
		       prec, first, lic);
		prof_misuse_free(m);
	}
	printf("worst precision %.2f over %zu names\n", worst, k);
	cache_repos_free(repos, nr);
	cache_close(c);
	return 0;
}

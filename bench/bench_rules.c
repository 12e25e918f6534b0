/*
 * bench_rules CACHE NAME...: the Possible Misuse lookup of each NAME against
 * the rules indexed in CACHE, as a mount makes it for a profile. Prints
 * the mean, median and 99th percentile in ms, and the rows found.
 */
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "profilefs/cache.h"
#include "profilefs/caps.h"
#include "profilefs/profile.h"
#include "profilefs/rules.h"

static double now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

static int by_value(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

int main(int argc, char **argv)
{
	struct cache *c;
	double *ms, sum = 0;
	size_t rows = 0, more = 0;
	int i, n = argc - 2;

	if (argc < 3 || cache_open(argv[1], &c))
		return 1;
	ms = calloc((size_t)n, sizeof(*ms));
	for (i = 0; i < n; i++) {
		struct prof_misuse *m = NULL;
		double t = now_ms();

		if (rules_lookup(c, argv[i + 2], CAP_MISUSE_ROWS, &m) == 0) {
			rows += m->n;
			more += m->more;
		}
		ms[i] = now_ms() - t;
		sum += ms[i];
		prof_misuse_free(m);
	}
	qsort(ms, (size_t)n, sizeof(*ms), by_value);
	printf("lookup: %d names, mean %.2f ms, median %.2f ms, p99 %.2f ms, "
	       "%zu rows (+%zu beyond the cap)\n",
	       n, sum / n, ms[n / 2], ms[(size_t)n * 99 / 100], rows, more);
	cache_close(c);
	return 0;
}

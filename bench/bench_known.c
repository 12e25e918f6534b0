/*
 * bench_known STORE ROUNDS NAME [SHA256...]: the known-file lookup
 * (known.h) as a profile makes it, ROUNDS times: a SHA-256 no source
 * knows, under NAME (for AMD64, version 10.0.99999.1: a name winbindex
 * should know, in a version it does not) (every query a lookup can make: the
 * hash in both data sets, the name's version, the name and machine), and each
 * SHA256 given (hex, a hit). Prints the mean, median and 99th percentile
 * in microseconds of each kind (wall clock), the CPU time a lookup takes
 * on average, and the generation's cost.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "profilefs/known.h"

static double now_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1e6 + (double)ts.tv_nsec / 1e3;
}

/* this thread's CPU time: what a lookup costs, without the waits of a
 * shared machine */
static double cpu_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
	return (double)ts.tv_sec * 1e6 + (double)ts.tv_nsec / 1e3;
}

static double cpu_total;

static int by_value(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

static void report(const char *what, double *us, size_t n)
{
	double sum = 0;
	size_t i;

	if (!n)
		return;
	for (i = 0; i < n; i++)
		sum += us[i];
	qsort(us, n, sizeof(*us), by_value);
	printf("%s: %zu lookups, mean %.1f us, median %.1f us, p99 %.1f us\n",
	       what, n, sum / (double)n, us[n / 2], us[n * 99 / 100]);
}

static int unhex(const char *s, uint8_t out[32])
{
	unsigned v;
	int i;

	if (strlen(s) != 64)
		return -1;
	for (i = 0; i < 32; i++) {
		if (sscanf(s + 2 * i, "%2x", &v) != 1)
			return -1;
		out[i] = (uint8_t)v;
	}
	return 0;
}

/* one lookup's time in us, its status in *st */
static double one(struct known *k, const struct known_query *q, int *st)
{
	struct known_verdict *v = NULL;
	double t0 = now_us(), c0 = cpu_us(), t;

	if (known_lookup(k, q, &v)) {
		fprintf(stderr, "bench_known: lookup failed\n");
		exit(1);
	}
	t = now_us() - t0;
	cpu_total += cpu_us() - c0;
	*st = v->status;
	known_verdict_free(v);
	return t;
}

int main(int argc, char **argv)
{
	struct known_query q = { .machine = 34404, .version = "10.0.99999.1" };
	int rounds = argc > 2 ? atoi(argv[2]) : 0, nhit = argc - 4, i, j, st;
	double *miss, *hit, t0;
	uint8_t sha[32], (*hits)[32];
	struct known *k;

	if (argc < 3 || rounds <= 0 || known_open(argv[1], 0, &k)) {
		fprintf(stderr,
			"usage: bench_known STORE ROUNDS [SHA256...]\n");
		return 2;
	}
	miss = calloc((size_t)rounds, sizeof(*miss));
	hit = calloc((size_t)rounds * (size_t)(nhit + 1), sizeof(*hit));
	hits = calloc((size_t)nhit + 1, sizeof(*hits));
	for (i = 0; i < nhit; i++)
		if (unhex(argv[4 + i], hits[i]))
			return 2;
	q.name = argv[3];
	srand(1);
	for (i = 0; i < rounds; i++) {
		for (j = 0; j < 32; j++)
			sha[j] = (uint8_t)rand();
		q.sha256 = sha;
		miss[i] = one(k, &q, &st);
		for (j = 0; j < nhit; j++) {
			q.sha256 = hits[j];
			hit[i * nhit + j] = one(k, &q, &st);
			if (i == 0)
				printf("%s: %s\n", argv[4 + j],
				       known_status_name(
					       (enum known_status)st));
		}
	}
	report("unknown hash (every query)", miss, (size_t)rounds);
	report("known hash", hit, (size_t)rounds * (size_t)nhit);
	printf("CPU time: %.1f us a lookup\n",
	       cpu_total / ((double)rounds * (double)(nhit + 1)));
	t0 = now_us();
	for (i = 0; i < rounds; i++)
		known_generation(k);
	printf("generation: %.1f us\n", (now_us() - t0) / rounds);
	known_close(k);
	free(miss);
	free(hit);
	free(hits);
	return 0;
}

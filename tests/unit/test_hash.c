/*
 * The hash table against a plain array that is searched from end to end
 * (the oracle): a long random run of puts, gets and dels over a small key
 * space (so that runs, wrap-arounds and back shifts all happen), then the
 * bounds, string keys through ops, and the walk.
 */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "profilefs/hash.h"
#include "t.h"

#define KEYS 700

struct key {
	uint32_t a, b, c; /* 12 bytes: not a multiple of 8 */
};

static struct key key_of(unsigned i)
{
	struct key k = { i, i * 2654435761u, ~i };

	return k;
}

static void random_run(void)
{
	static int in[KEYS];
	static uint32_t val[KEYS];
	struct util_hash *h;
	unsigned step, i, n = 0, bad = 0;
	void *v;
	int rc;

	CHECK(util_hash_new(sizeof(struct key), sizeof(uint32_t), KEYS, NULL,
			    &h) == 0);
	srand(7);
	for (step = 0; step < 200000; step++) {
		struct key k;

		i = (unsigned)rand() % KEYS;
		k = key_of(i);
		switch (rand() % 3) {
		case 0:
			rc = util_hash_put(h, &k, &v);
			if (rc != (in[i] ? 1 : 0))
				bad++;
			if (!in[i] && rc == 0) {
				val[i] = (uint32_t)rand();
				memcpy(v, &val[i], sizeof(val[i]));
				in[i] = 1;
				n++;
			}
			break;
		case 1:
			v = util_hash_get(h, &k);
			if (!v != !in[i] ||
			    (v && memcmp(v, &val[i], sizeof(val[i])) != 0))
				bad++;
			break;
		default:
			rc = util_hash_del(h, &k);
			if (rc != (in[i] ? 0 : -ENOENT))
				bad++;
			if (in[i])
				n--;
			in[i] = 0;
		}
		if (util_hash_count(h) != n)
			bad++;
	}
	CHECK(bad == 0);
	/* every key the oracle holds, and no other */
	for (i = 0; i < KEYS; i++) {
		struct key k = key_of(i);

		v = util_hash_get(h, &k);
		if (!v != !in[i])
			bad++;
	}
	CHECK(bad == 0);
	util_hash_free(h);
}

static void bounds(void)
{
	struct util_hash *h;
	uint64_t k;
	size_t pos = 0, seen = 0;
	void *key;

	CHECK(util_hash_new(0, 0, 10, NULL, &h) == -EINVAL);
	CHECK(util_hash_new(8, 0, 0, NULL, &h) == -EINVAL);
	CHECK(util_hash_new(sizeof(k), 0, 100, NULL, &h) == 0);
	for (k = 0; k < 100; k++)
		CHECK(util_hash_put(h, &k, NULL) == 0);
	CHECK(util_hash_put(h, &k, NULL) == -ENOSPC);
	k = 5;
	CHECK(util_hash_put(h, &k, NULL) == 1); /* in already: no room asked */
	CHECK(util_hash_get(h, &k) != NULL);	/* a set: non-NULL */
	/* the walk gives each key once */
	while (util_hash_next(h, &pos, &key, NULL)) {
		memcpy(&k, key, sizeof(k));
		seen += k < 100;
	}
	CHECK(seen == 100);
	util_hash_clear(h);
	CHECK(util_hash_count(h) == 0);
	CHECK(util_hash_get(h, &k) == NULL);
	CHECK(util_hash_del(h, &k) == -ENOENT);
	CHECK(util_hash_put(h, &k, NULL) == 0);
	util_hash_free(h);
	util_hash_free(NULL);
}

static uint64_t str_hash(const void *key, uint64_t seed)
{
	return util_hash_str(*(char *const *)key, seed);
}

static int str_eq(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b) == 0;
}

static void strings(void)
{
	static const struct util_hash_ops ops = { str_hash, str_eq };
	char a[] = "kernel32.dll", b[] = "kernel32.dll", c[] = "ntdll.dll";
	char *pa = a, *pb = b, *pc = c, **got;
	struct util_hash *h;
	void *v;

	CHECK(util_hash_new(sizeof(char *), sizeof(int), 8, &ops, &h) == 0);
	CHECK(util_hash_put(h, &pa, &v) == 0);
	*(int *)v = 42;
	/* another copy of the same string finds it */
	v = util_hash_get(h, &pb);
	CHECK(v && *(int *)v == 42);
	CHECK(util_hash_get(h, &pc) == NULL);
	CHECK(util_hash_put(h, &pb, &v) == 1 && *(int *)v == 42);
	{
		size_t pos = 0;
		void *key;

		CHECK(util_hash_next(h, &pos, &key, &v) == 1);
		got = key;
		CHECK(*got == pa);
		CHECK(util_hash_next(h, &pos, &key, &v) == 0);
	}
	CHECK(util_hash_del(h, &pb) == 0);
	CHECK(util_hash_count(h) == 0);
	util_hash_free(h);
}

/* A table given util_hash_fit(bytes) entries stays within bytes when
 * full, and one more entry's worth would not fit (the fit is the most). */
static void fit(void)
{
	static const size_t budgets[] = { 4096, 100000, 1u << 20, 3u << 20 };
	struct util_hash *h;
	size_t i, n, max, k;

	CHECK(util_hash_fit(40, 0, 10) == 0);
	for (i = 0; i < sizeof(budgets) / sizeof(budgets[0]); i++) {
		max = util_hash_fit(40, 0, budgets[i]);
		CHECK(max > 0);
		CHECK(util_hash_new(40, 0, max, NULL, &h) == 0);
		for (n = 0; n < max; n++) {
			uint8_t key[40] = { 0 };

			k = n;
			memcpy(key, &k, sizeof(k));
			if (util_hash_put(h, key, NULL) != 0)
				break;
		}
		CHECK(n == max);
		CHECK(util_hash_memory(h) <= budgets[i]);
		/* twice the slots (what max + 1 entries would need) would
		 * not fit */
		CHECK(2 * util_hash_memory(h) > budgets[i]);
		util_hash_free(h);
	}
}

int main(void)
{
	fit();
	random_run();
	bounds();
	strings();
	return t_done();
}

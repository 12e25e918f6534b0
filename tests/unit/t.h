/*
 * A minimal test harness: CHECK records a failure with its line and goes
 * on; t_done() prints "N passed, N failed" and gives the exit status: a
 * failure when a check failed, or when no check ran at all (a test that
 * checked nothing has not passed).
 */
#ifndef PROFILEFS_T_H
#define PROFILEFS_T_H

#include <stdio.h>
#include <string.h>

static int t_pass, t_fail;

#define CHECK(cond)                                                            \
	do {                                                                   \
		if (cond) {                                                    \
			t_pass++;                                              \
		} else {                                                       \
			t_fail++;                                              \
			fprintf(stderr, "%s:%d: check failed: %s\n", __FILE__, \
				__LINE__, #cond);                              \
		}                                                              \
	} while (0)

#define CHECK_STR(got, want)                                                   \
	do {                                                                   \
		const char *g_ = (got), *w_ = (want);                          \
		if (g_ && w_ && strcmp(g_, w_) == 0) {                         \
			t_pass++;                                              \
		} else {                                                       \
			t_fail++;                                              \
			fprintf(stderr,                                        \
				"%s:%d: %s\n  got:  [%s]\n  want: [%s]\n",     \
				__FILE__, __LINE__, #got, g_ ? g_ : "(null)",  \
				w_ ? w_ : "(null)");                           \
		}                                                              \
	} while (0)

static inline int t_done(void)
{
	printf("%d passed, %d failed\n", t_pass, t_fail);
	if (t_pass + t_fail == 0) {
		fprintf(stderr, "no check ran\n");
		return 1;
	}
	return t_fail ? 1 : 0;
}

#endif

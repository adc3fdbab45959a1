/*
 * tap.h: a minimal TAP producer for the kit's C unit tests.  Each check
 * prints "ok N - name" or "not ok N - name" with what was expected and what
 * was seen; tap_done() prints the plan and returns the exit status.
 */
#ifndef KIT_TAP_H
#define KIT_TAP_H

#include <inttypes.h>
#include <stdio.h>
#include <string.h>

static int tap_n, tap_failed;

static inline int tap_ok(int cond, const char *name)
{
	tap_n++;
	printf("%sok %d - %s\n", cond ? "" : "not ", tap_n, name);
	if (!cond)
		tap_failed++;
	return cond;
}

#define ok(cond, name) tap_ok(!!(cond), name)

#define is_int(got, want, name) do { \
	long long g_ = (long long)(got), w_ = (long long)(want); \
	if (!tap_ok(g_ == w_, name)) \
		printf("#   expected %lld, saw %lld\n", w_, g_); \
} while (0)

#define is_u64(got, want, name) do { \
	uint64_t g_ = (uint64_t)(got), w_ = (uint64_t)(want); \
	if (!tap_ok(g_ == w_, name)) \
		printf("#   expected 0x%" PRIx64 ", saw 0x%" PRIx64 "\n", w_, g_); \
} while (0)

#define is_str(got, want, name) do { \
	const char *g_ = (got), *w_ = (want); \
	int same_ = (g_ && w_) ? strcmp(g_, w_) == 0 : g_ == w_; \
	if (!tap_ok(same_, name)) \
		printf("#   expected '%s', saw '%s'\n", w_ ? w_ : "(null)", \
		       g_ ? g_ : "(null)"); \
} while (0)

static inline int tap_done(void)
{
	printf("1..%d\n", tap_n);
	return tap_failed ? 1 : 0;
}

#endif

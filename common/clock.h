/*
 * clock.h: the kit's one clock helper.  kit_mono_ns() is CLOCK_MONOTONIC
 * in nanoseconds: durations, deadlines and timestamps that must not jump
 * when the wall clock is set.  kit_clock_ns(id) reads any other clock
 * (CLOCK_REALTIME for dates written to files).
 */
#ifndef KIT_CLOCK_H
#define KIT_CLOCK_H

#include <stdint.h>
#include <time.h>

static inline int64_t kit_clock_ns(clockid_t id)
{
	struct timespec ts;

	clock_gettime(id, &ts);
	return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

static inline int64_t kit_mono_ns(void)
{
	return kit_clock_ns(CLOCK_MONOTONIC);
}

#endif

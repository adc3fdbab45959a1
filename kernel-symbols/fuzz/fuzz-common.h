/*
 * fuzz-common.h: what every kernel-symbols fuzz target does with a table a
 * parser accepted: ask it the questions the tools ask (initcalls, a lookup
 * each way), so a parser that builds a bad table is caught there too, then
 * free it.  t may be NULL (the input was refused).
 *
 * KSYM_FUZZ_TARGET(parse) is the whole target for a parser called as
 * parse(data, size, &err).
 */
#ifndef KSYM_FUZZ_COMMON_H
#define KSYM_FUZZ_COMMON_H

#include <stdint.h>
#include <stdlib.h>

#include "ksym.h"

static inline void fuzz_use_table(struct ksym_table *t, struct kit_err *e)
{
	if (t) {
		struct ksym_initcall *ic;
		size_t n;
		uint64_t off;

		if (!ksym_initcalls(t, &ic, &n, e))
			free(ic);
		ksym_lookup_addr(t, 0xffffffff81000010ull, &off);
		ksym_find(t, "_text");
	}
	ksym_free(t);
}

#define KSYM_FUZZ_TARGET(parse)                                             \
	int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);       \
	int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)        \
	{                                                                   \
		struct kit_err e = { 0 };                                   \
									    \
		fuzz_use_table(parse(data, size, &e), &e);                  \
		return 0;                                                   \
	}

#endif

/* fuzz-cache.c: libFuzzer target for one kernel-symbols parser ("make fuzz"). */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "ksym.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct kit_err e = { 0, "" };
	struct ksym_table *t = ksym_cache_parse(data, size, &e);

	if (t) {
		struct ksym_initcall *ic;
		size_t n;
		uint64_t off;

		if (!ksym_initcalls(t, &ic, &n, &e))
			free(ic);
		ksym_lookup_addr(t, 0xffffffff81000010ull, &off);
		ksym_find(t, "_text");
	}
	ksym_free(t);
	return 0;
}

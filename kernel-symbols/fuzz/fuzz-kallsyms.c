/* fuzz-kallsyms.c: libFuzzer target for one kernel-symbols parser ("make fuzz"). */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz-common.h"
#include "ksym.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct kit_err e = { 0 };
	struct ksym_table *t = ksym_table_new(&e);

	if (t && ksym_kallsyms_decode(t, data, size, 0xffffffff82000000ull, 0xffffffff81000000ull, &e) == 0)
		ksym_table_finish(t, &e);

	fuzz_use_table(t, &e);
	return 0;
}

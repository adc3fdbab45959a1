/* fuzz-bzimage.c: libFuzzer target for one kernel-symbols parser ("make fuzz"). */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz-common.h"
#include "ksym.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct kit_err e = { 0 };
	struct ksym_table *t = ksym_load_bzimage(data, size, &e);

	fuzz_use_table(t, &e);
	return 0;
}

/* fuzz-elf.c: libFuzzer target for one kernel-symbols parser ("make fuzz"). */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz-common.h"
#include "ksym.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct kit_err e = { 0 };
	uint8_t *copy = malloc(size ? size : 1);
	struct ksym_table *t;

	/* libelf may not write to the input, but libFuzzer checks: copy. */
	memcpy(copy, data, size);
	t = ksym_load_elf(copy, size, &e);
	free(copy);

	fuzz_use_table(t, &e);
	return 0;
}

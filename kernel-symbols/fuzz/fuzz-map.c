/* fuzz-map.c: libFuzzer target for one kernel-symbols parser ("make fuzz"). */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz-common.h"
#include "ksym.h"

/* the map reader takes text */
static struct ksym_table *load_map(const uint8_t *data, size_t size,
				   struct kit_err *e)
{
	return ksym_load_map((const char *)data, size, e);
}

KSYM_FUZZ_TARGET(load_map)

/* fuzz-cache.c: libFuzzer target for one kernel-symbols parser ("make fuzz"). */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz-common.h"
#include "ksym.h"

KSYM_FUZZ_TARGET(ksym_cache_parse)

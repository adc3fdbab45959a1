/*
 * percpu.c: per-CPU variables of an x86-64 kernel.
 *
 * A per-CPU variable's symbol is an offset into the per-CPU area
 * (__per_cpu_start is 0 on x86-64 SMP kernels: `current_task` is
 * 0x1fb80 on Debian's 6.1, `pcpu_hot` 0x351c0 on 6.12); CPU N's copy is
 * at that offset plus __per_cpu_offset[N], an array of unsigned long
 * filled by setup_per_cpu_areas() in start_kernel.  Before that, every
 * entry still holds its link-time value (the boot CPU's copy is then the
 * per-CPU section itself, reached through its own address: not handled,
 * said as "not set up yet").  nr_cpu_ids bounds N.
 */
#include "lx.h"

#include <errno.h>
#include <inttypes.h>

static int read_word(const struct lx_mem *m, uint64_t addr, size_t len,
		     uint64_t *v, struct kit_err *err)
{
	uint8_t b[8];
	size_t i;

	if (m->read(m->ctx, addr, b, len, err) < 0)
		return -1;
	*v = 0;
	for (i = 0; i < len; i++)
		*v |= (uint64_t)b[i] << (8 * i);
	return 0;
}

int lx_ncpus(const struct lx_mem *m, const struct ksym_table *syms, unsigned *n,
	     struct kit_err *err)
{
	uint64_t at = ksym_addr(syms, "nr_cpu_ids"), v;

	if (!at)
		return kit_seterr(err, LX_ELAYOUT, "no symbol nr_cpu_ids in the kernel");
	if (read_word(m, at, 4, &v, err) < 0)
		return -1;
	if (v < 1 || v > LX_MAX_CPUS)
		return kit_seterr(err, LX_ECORRUPT, "nr_cpu_ids reads %" PRIu64
				  " (1 to %d make sense)", v, LX_MAX_CPUS);
	*n = (unsigned)v;
	return 0;
}

int lx_percpu_addr(const struct lx_mem *m, const struct ksym_table *syms,
		   const char *var, unsigned cpu, uint64_t *addr, struct kit_err *err)
{
	const struct ksym_sym *s = ksym_find(syms, var);
	uint64_t start = ksym_addr(syms, "__per_cpu_start");
	uint64_t end = ksym_addr(syms, "__per_cpu_end");
	uint64_t offs = ksym_addr(syms, "__per_cpu_offset"), off;
	unsigned n;

	if (!s)
		return kit_seterr(err, LX_ELAYOUT, "no symbol '%s' in the kernel", var);
	if (!offs || !end || s->addr < start || s->addr >= end)
		return kit_seterr(err, LX_ELAYOUT, "'%s' (0x%" PRIx64 ") is not a "
				  "per-CPU variable (the per-CPU area is 0x%" PRIx64
				  "..0x%" PRIx64 ")", var, s->addr, start, end);
	if (lx_ncpus(m, syms, &n, err) < 0)
		return -1;
	if (cpu >= n)
		return kit_seterr(err, LX_ECORRUPT, "no CPU %u: the kernel has %u",
				  cpu, n);
	if (read_word(m, offs + 8 * (uint64_t)cpu, 8, &off, err) < 0)
		return -1;
	if (off < UINT64_C(0xffff800000000000))
		return kit_seterr(err, LX_ECORRUPT, "CPU %u's per-CPU offset is "
				  "0x%" PRIx64 ", not in the kernel's half: the per-CPU "
				  "areas are not set up yet", cpu, off);
	*addr = off + s->addr;
	return 0;
}

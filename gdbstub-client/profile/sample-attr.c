/*
 * sample-attr.c: the pure parts of `gdbstub-client sample` (sample.h):
 * region and mode names, where the boot's pieces live, the attribution of
 * one address, the pacing arithmetic and percentiles.  No I/O.
 */
#include "sample.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

const char *gc_region_name(enum gc_region r)
{
	switch (r) {
	case GC_REGION_KERNEL: return "kernel";
	case GC_REGION_BIOS_ROM: return "bios-rom";
	case GC_REGION_OPTION_ROM: return "option-rom";
	case GC_REGION_SETUP: return "real-mode-setup";
	case GC_REGION_BOOT_SECTOR: return "boot-sector";
	case GC_REGION_DECOMPRESSOR: return "decompressor";
	case GC_REGION_USER: return "user";
	case GC_REGION_UNKNOWN:
	case GC_REGION_COUNT:
		break;
	}
	return "unknown";
}

const char *gc_sample_mode_id(enum x86_mode m)
{
	switch (m) {
	case X86_MODE_REAL: return "real";
	case X86_MODE_V86: return "v86";
	case X86_MODE_PROT16: return "prot16";
	case X86_MODE_PROT32: return "prot32";
	case X86_MODE_COMPAT16: return "compat16";
	case X86_MODE_COMPAT32: return "compat32";
	case X86_MODE_LONG64: return "long64";
	case X86_MODE_UNKNOWN: break;
	}
	return "unknown";
}

static bool in_range(const struct gc_range *r, uint64_t a)
{
	return a >= r->lo && a < r->hi;
}

static bool is_text(char type)
{
	return type == 'T' || type == 't' || type == 'W' || type == 'w';
}

/* A text symbol holding addr. */
static bool text_symbol(const struct ksym_table *syms, uint64_t addr,
			struct gc_where *w)
{
	const struct ksym_sym *s;
	uint64_t off;

	if (!syms || !(s = ksym_lookup_addr(syms, addr, &off)) || !is_text(s->type))
		return false;
	w->region = GC_REGION_KERNEL;
	w->symbol = ksym_name(syms, s);
	w->sym_addr = s->addr;
	return true;
}

void gc_sample_attribute(const struct gc_sample_layout *l,
			 const struct ksym_table *syms, uint64_t addr,
			 enum x86_mode mode, bool paging, unsigned cpl,
			 struct gc_where *w)
{
	static const struct gc_range bios_lo = { 0xf0000, 0x100000 };
	static const struct gc_range bios_hi = { 0xfffc0000, 0x100000000ull };
	static const struct gc_range optrom = { 0xc0000, 0xf0000 };
	static const struct gc_range mbr = { 0x7c00, 0x7e00 };

	memset(w, 0, sizeof *w);
	if (paging && cpl == 3 && addr < 0x800000000000ull) {
		w->region = GC_REGION_USER;
		return;
	}
	if (in_range(&bios_lo, addr) || in_range(&bios_hi, addr)) {
		w->region = GC_REGION_BIOS_ROM;
		return;
	}
	if (in_range(&optrom, addr)) {
		/* option ROMs run in real mode; SeaBIOS's own 32-bit code
		 * also sits here (0xd7000.. with bios-256k.bin) */
		w->region = mode == X86_MODE_PROT32 ? GC_REGION_BIOS_ROM
						    : GC_REGION_OPTION_ROM;
		return;
	}
	if (text_symbol(syms, addr, w))
		return;
	if (in_range(&l->kphys, addr) &&
	    text_symbol(syms, addr + GC_KERNEL_VIRT_OFFSET, w))
		return;
	if (in_range(&l->setup, addr))
		w->region = GC_REGION_SETUP;
	else if (in_range(&mbr, addr))
		w->region = GC_REGION_BOOT_SECTOR;
	else if (in_range(&l->decomp, addr) || in_range(&l->reloc, addr))
		w->region = GC_REGION_DECOMPRESSOR;
	else
		w->region = GC_REGION_UNKNOWN;
}

void gc_pace_init(struct gc_pace *p, double hz)
{
	memset(p, 0, sizeof *p);
	p->period_ns = hz > 0 ? (int64_t)llround(1e9 / hz) : 1000000;
	if (p->period_ns < 1)
		p->period_ns = 1;
}

int64_t gc_pace_wait(struct gc_pace *p)
{
	int64_t due = (int64_t)(p->tick + 1) * p->period_ns;

	return due > p->run_ns ? due - p->run_ns : 0;
}

void gc_pace_ran(struct gc_pace *p, int64_t ran_ns)
{
	if (ran_ns > 0)
		p->run_ns += ran_ns;
	p->tick++;
	/* ticks that passed before this stop are skipped, not caught up */
	while ((int64_t)(p->tick + 1) * p->period_ns <= p->run_ns) {
		p->tick++;
		p->missed++;
	}
}

static int cmp_i64(const void *a, const void *b)
{
	int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;

	return (x > y) - (x < y);
}

int64_t gc_sample_percentile(int64_t *v, size_t n, double pct)
{
	size_t rank;

	if (!n)
		return 0;
	qsort(v, n, sizeof *v, cmp_i64);
	rank = (size_t)ceil(pct / 100.0 * (double)n);
	if (rank < 1)
		rank = 1;
	if (rank > n)
		rank = n;
	return v[rank - 1];
}

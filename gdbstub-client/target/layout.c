/*
 * layout.c: where QEMU -kernel puts a boot's pieces in memory (target.h:
 * gc_sample_layout), for naming addresses before the kernel is mapped
 * (target.c: gc_symbolize()) and for attributing samples (profile/).
 */
#include "target.h"
#include "ksym.h"

#include <string.h>

void gc_sample_layout_default(struct gc_sample_layout *l)
{
	memset(l, 0, sizeof *l);
	l->setup.lo = 0x10000;
	l->setup.hi = 0x20000;
	l->decomp.lo = 0x100000;
	l->decomp.hi = 0x1000000;
}

void gc_sample_layout_bzimage(struct gc_sample_layout *l,
			      const struct ksym_bzimage *bz)
{
	uint64_t real = 0x10000, pref;

	/* QEMU's x86_load_linux: setup at 0x10000 unless the protocol is
	 * older than 2.02 or the kernel does not load high (0x90000) */
	if (bz->version < 0x202 || !(bz->loadflags & 0x01))
		real = 0x90000;
	l->setup.lo = real;
	l->setup.hi = real + ((uint64_t)(bz->setup_sects ? bz->setup_sects : 4) + 1) * 512;
	if (bz->code32_start)
		l->decomp.lo = bz->code32_start;
	pref = bz->pref_address ? bz->pref_address : 0x1000000;
	if (pref > l->decomp.lo)
		l->decomp.hi = pref;
	if (bz->init_size) {
		l->reloc.lo = pref;
		l->reloc.hi = pref + bz->init_size;
	}
	l->from_header = true;
}

void gc_sample_layout_symbols(struct gc_sample_layout *l,
			      const struct ksym_table *syms)
{
	uint64_t lo, hi;

	if (!syms)
		return;
	lo = ksym_addr(syms, "_text");
	if (!lo)
		lo = ksym_addr(syms, "_stext");
	hi = ksym_addr(syms, "_etext");
	if (!hi)
		hi = ksym_addr(syms, "_end");
	if (lo < GC_KERNEL_VIRT_OFFSET || hi <= lo)
		return;
	l->kphys.lo = lo - GC_KERNEL_VIRT_OFFSET;
	l->kphys.hi = hi - GC_KERNEL_VIRT_OFFSET;
}

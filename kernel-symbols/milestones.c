/*
 * milestones.c: where an x86_64 Linux boot passes, for a profiler that
 * sets breakpoints or samples rip, and the KASLR slide.
 *
 * With QEMU's -kernel and a bzImage of boot protocol >= 2.02 that has
 * LOADED_HIGH, QEMU (hw/i386/x86.c) copies the real-mode setup to
 * 0x10000 and the protected-mode part to code32_start (0x100000); its
 * linuxboot option ROM then jumps to setup segment + 0x20 : 0, the
 * header's "jmp" at offset 0x200, linear 0x10200.  (Older protocols load
 * setup at 0x90000.)  Setup switches to protected mode and jumps to the
 * decompressor's startup_32 at code32_start; it builds identity page
 * tables and enters its startup_64 at code32_start + 0x200 (the 64-bit
 * boot protocol's fixed offset), copies itself up and decompresses the
 * kernel to LOAD_PHYSICAL_ADDR (pref_address, 0x1000000) when nokaslr.
 * The kernel's startup_64 (_text) runs there at its physical address,
 * identity mapped; from secondary_startup_64 on the kernel runs at its
 * link addresses, virt = phys + __START_KERNEL_map (0xffffffff80000000).
 */
#include "internal.h"

#define START_KERNEL_MAP 0xffffffff80000000ull

const char *ksym_addr_kind_name(enum ksym_addr_kind k)
{
	switch (k) {
	case KSYM_LINEAR_REAL:
		return "linear";
	case KSYM_PHYSICAL:
		return "physical";
	default:
		return "virtual";
	}
}

size_t ksym_milestones(const struct ksym_table *t, struct ksym_milestone *out,
		       size_t max)
{
	static const char *const virt[] = {
		"x86_64_start_kernel", "start_kernel", "rest_init", "kernel_init",
		"do_one_initcall", "free_initmem", "run_init_process",
	};
	size_t n = 0, i;
	uint64_t text = t->text_start ? t->text_start : ksym_addr(t, "_text");
	uint64_t s64 = ksym_addr(t, "startup_64");

#define ADD(nm, a, k, h) do { \
	if (n < max) { \
		out[n].name = (nm); out[n].addr = (a); out[n].kind = (k); out[n].how = (h); \
	} \
	n++; \
} while (0)
	if (t->have_bzimage) {
		int high = t->bz.version >= 0x202 && (t->bz.loadflags & 1);

		ADD("setup", high ? 0x10200 : 0x90200, KSYM_LINEAR_REAL,
		    high ? "QEMU -kernel: setup at 0x10000, entry 0x1020:0000"
			 : "QEMU -kernel, old protocol: setup at 0x90000, entry 0x9020:0000");
		ADD("decompressor startup_32", t->bz.code32_start, KSYM_PHYSICAL,
		    "code32_start from the setup header");
		ADD("decompressor startup_64", (uint64_t)t->bz.code32_start + 0x200, KSYM_PHYSICAL,
		    "code32_start + 0x200 (64-bit boot protocol entry)");
	}
	if (s64 && text) {
		uint64_t phys = t->have_bzimage && t->bz.pref_address ?
			t->bz.pref_address + (s64 - text) : s64 - START_KERNEL_MAP;

		ADD("startup_64", phys, KSYM_PHYSICAL,
		    t->have_bzimage ? "pref_address (LOAD_PHYSICAL_ADDR) + (startup_64 - _text), nokaslr"
				    : "startup_64 - __START_KERNEL_map, nokaslr");
	}
	for (i = 0; i < sizeof virt / sizeof virt[0]; i++) {
		uint64_t a = ksym_addr(t, virt[i]);

		if (a)
			ADD(virt[i], a, KSYM_VIRTUAL, "symbol address (link time, nokaslr)");
	}
#undef ADD
	return n;
}

int ksym_kaslr_slide(const struct ksym_table *t, const char *name,
		     uint64_t observed, int64_t *slide, struct kit_err *err)
{
	const struct ksym_sym *s = ksym_find(t, name);
	int64_t d;

	if (!s)
		return kit_seterr(err, KSYM_ENOTFOUND, "no symbol '%s'", name);
	d = (int64_t)(observed - s->addr);
	/* CONFIG_PHYSICAL_ALIGN: the kernel moves in 2 MiB steps. */
	if (d % 0x200000)
		return kit_seterr(err, KSYM_EFORMAT,
				  "'%s' observed at 0x%llx, linked at 0x%llx: the difference is not a multiple of 2 MiB",
				  name, (unsigned long long)observed, (unsigned long long)s->addr);
	*slide = d;
	return 0;
}

/*
 * test-gc-sample: the pure parts of `gdbstub-client sample`: region
 * attribution (firmware, setup, decompressor and its relocated copy, the
 * kernel's virtual and physical addresses, user space), the layout from a
 * bzImage header and from kernel symbols, and the pacing arithmetic.
 */
#include "sample.h"
#include "tap.h"

#include <stdlib.h>

/* A kernel linked at 0xffffffff81000000 (nokaslr), a few symbols. */
static struct ksym_table *kernel_table(void)
{
	static const struct { uint64_t addr, size; char type; const char *name; } s[] = {
		{ 0xffffffff81000000ull, 0, 'T', "_text" },
		{ 0xffffffff81000000ull, 0x60, 'T', "startup_64" },
		{ 0xffffffff81002460ull, 0x1c0, 'T', "do_one_initcall" },
		{ 0xffffffff81100000ull, 0x40, 't', "native_safe_halt" },
		{ 0xffffffff81e00000ull, 0, 'T', "_etext" },
		{ 0xffffffff82000000ull, 0x100, 'D', "some_data" },
		{ 0xffffffff83000000ull, 0, 'B', "_end" },
		{ 0x0000000000010000ull, 0x100, 'D', "percpu_thing" },
	};
	struct ksym_table *t = ksym_table_new(NULL);
	size_t i;

	if (!t)
		abort();
	for (i = 0; i < sizeof s / sizeof s[0]; i++)
		if (ksym_table_add(t, s[i].addr, s[i].size, s[i].type, s[i].name,
				   strlen(s[i].name), NULL))
			abort();
	if (ksym_table_finish(t, NULL))
		abort();
	return t;
}

static const char *region_of(const struct gc_sample_layout *l,
			     const struct ksym_table *t, uint64_t a,
			     enum x86_mode m, bool paging, unsigned cpl,
			     const char **sym)
{
	struct gc_where w;

	gc_sample_attribute(l, t, a, m, paging, cpl, &w);
	if (sym)
		*sym = w.symbol;
	return gc_region_name(w.region);
}

static void test_default_layout(void)
{
	struct gc_sample_layout l;
	const char *sym;

	gc_sample_layout_default(&l);
	is_str(region_of(&l, NULL, 0xffff0, X86_MODE_REAL, false, 0, NULL),
	       "bios-rom", "f000:fff0 as cs * 16 + ip: bios-rom");
	is_str(region_of(&l, NULL, 0xfffffff0ull, X86_MODE_REAL, false, 0, NULL),
	       "bios-rom", "0xfffffff0 (CS base after reset): bios-rom");
	is_str(region_of(&l, NULL, 0xfffc0000ull, X86_MODE_PROT32, false, 0, NULL),
	       "bios-rom", "high BIOS alias start");
	is_str(region_of(&l, NULL, 0xeffff, X86_MODE_REAL, false, 0, NULL),
	       "option-rom", "0xeffff real mode: option-rom");
	is_str(region_of(&l, NULL, 0xc0000, X86_MODE_REAL, false, 0, NULL),
	       "option-rom", "0xc0000: option-rom");
	is_str(region_of(&l, NULL, 0xd7385, X86_MODE_PROT32, false, 0, NULL),
	       "bios-rom", "32-bit code in 0xc0000-0xeffff: SeaBIOS");
	is_str(region_of(&l, NULL, 0xbffff, X86_MODE_REAL, false, 0, NULL),
	       "unknown", "0xbffff: unknown");
	is_str(region_of(&l, NULL, 0x10000, X86_MODE_REAL, false, 0, NULL),
	       "real-mode-setup", "0x10000: setup");
	is_str(region_of(&l, NULL, 0x1ffff, X86_MODE_REAL, false, 0, NULL),
	       "real-mode-setup", "0x1ffff: setup");
	is_str(region_of(&l, NULL, 0x20000, X86_MODE_REAL, false, 0, NULL),
	       "unknown", "0x20000: past setup");
	is_str(region_of(&l, NULL, 0x7c00, X86_MODE_REAL, false, 0, NULL),
	       "boot-sector", "0x7c00: boot sector");
	is_str(region_of(&l, NULL, 0x7e00, X86_MODE_REAL, false, 0, NULL),
	       "unknown", "0x7e00: past the boot sector");
	is_str(region_of(&l, NULL, 0x100000, X86_MODE_PROT32, false, 0, NULL),
	       "decompressor", "0x100000: decompressor");
	is_str(region_of(&l, NULL, 0xffffff, X86_MODE_LONG64, true, 0, NULL),
	       "decompressor", "0xffffff: decompressor");
	is_str(region_of(&l, NULL, 0x1000000, X86_MODE_LONG64, true, 0, NULL),
	       "unknown", "0x1000000 without header or symbols: unknown");
	is_str(region_of(&l, NULL, 0x401000, X86_MODE_LONG64, true, 3, &sym),
	       "user", "CPL 3 with paging: user");
	ok(sym == NULL, "user: no symbol");
	is_str(region_of(&l, NULL, 0x401000, X86_MODE_LONG64, false, 3, NULL),
	       "decompressor", "CPL 3 without paging is not user space");
	is_str(region_of(&l, NULL, 0xffff800000001000ull, X86_MODE_LONG64, true, 3, NULL),
	       "unknown", "CPL 3 at a kernel address is not user space");
}

static void test_bzimage_layout(void)
{
	struct ksym_bzimage bz;
	struct gc_sample_layout l;
	struct ksym_table *t = kernel_table();
	const char *sym = NULL;

	memset(&bz, 0, sizeof bz);
	bz.version = 0x20f;
	bz.loadflags = 0x01;
	bz.setup_sects = 39;
	bz.code32_start = 0x100000;
	bz.pref_address = 0x1000000;
	bz.init_size = 0x3f40000;
	gc_sample_layout_default(&l);
	gc_sample_layout_bzimage(&l, &bz);
	gc_sample_layout_symbols(&l, t);
	ok(l.from_header, "layout from the header");
	is_u64(l.setup.hi, 0x10000 + 40 * 512, "setup ends after (setup_sects + 1) sectors");
	is_u64(l.reloc.hi, 0x1000000 + 0x3f40000ull, "relocated copy ends at pref + init_size");
	is_u64(l.kphys.lo, 0x1000000, "kernel text physical start");
	is_u64(l.kphys.hi, 0x1e00000, "kernel text physical end (_etext)");
	is_str(region_of(&l, t, 0x10000 + 40 * 512, X86_MODE_REAL, false, 0, NULL),
	       "unknown", "past the setup code");
	is_str(region_of(&l, t, 0xffffffff81002470ull, X86_MODE_LONG64, true, 0, &sym),
	       "kernel", "virtual kernel address: kernel");
	is_str(sym, "do_one_initcall", "virtual: do_one_initcall");
	sym = NULL;
	is_str(region_of(&l, t, 0x1000010, X86_MODE_LONG64, true, 0, &sym),
	       "kernel", "physical alias of startup_64: kernel");
	is_str(sym, "startup_64", "physical: startup_64");
	is_str(region_of(&l, t, 0x1100004, X86_MODE_LONG64, false, 0, &sym),
	       "kernel", "physical alias before paging");
	is_str(sym, "native_safe_halt", "physical: native_safe_halt (a 't' symbol)");
	is_str(region_of(&l, t, 0x4f3fa90, X86_MODE_LONG64, true, 0, NULL),
	       "decompressor", "relocated decompressor near pref + init_size");
	is_str(region_of(&l, t, 0x1000000 + 0x3f40000, X86_MODE_LONG64, true, 0, NULL),
	       "unknown", "pref + init_size itself: past the buffer");
	is_str(region_of(&l, t, 0x2000010, X86_MODE_LONG64, true, 0, NULL),
	       "decompressor", "inside the buffer, past kernel text: decompressor");
	is_str(region_of(&l, t, 0xffffffff82000010ull, X86_MODE_LONG64, true, 0, NULL),
	       "unknown", "a data symbol is not a place code runs");
	is_str(region_of(&l, t, 0x10010, X86_MODE_REAL, false, 0, NULL),
	       "real-mode-setup", "a low data (percpu) symbol does not hide setup");
	is_str(region_of(&l, t, 0xffffffffa0001000ull, X86_MODE_LONG64, true, 0, NULL),
	       "unknown", "module space: unknown");

	bz.version = 0x201;
	gc_sample_layout_default(&l);
	gc_sample_layout_bzimage(&l, &bz);
	is_u64(l.setup.lo, 0x90000, "protocol < 2.02: setup at 0x90000");
	ksym_free(t);
}

static void test_guest_elf_symbols(void)
{
	struct ksym_table *t = ksym_table_new(NULL);
	struct gc_sample_layout l;
	const char *sym = NULL;

	if (!t || ksym_table_add(t, 0x7c00, 0, 't', "start16", 7, NULL) ||
	    ksym_table_add(t, 0x7f00, 0x20, 't', "fake_spin", 9, NULL) ||
	    ksym_table_add(t, 0x8400, 0, 'A', "__image_end", 11, NULL) ||
	    ksym_table_finish(t, NULL))
		abort();
	gc_sample_layout_default(&l);
	gc_sample_layout_symbols(&l, t);
	ok(l.kphys.hi == 0, "a low-linked ELF has no physical alias");
	is_str(region_of(&l, t, 0x7f10, X86_MODE_LONG64, true, 0, &sym), "kernel",
	       "ELF symbol at a low address");
	is_str(sym, "fake_spin", "fake_spin");
	is_str(region_of(&l, t, 0xf1234, X86_MODE_REAL, false, 0, NULL), "bios-rom",
	       "firmware before symbols");
	ksym_free(t);
}

static void test_pace(void)
{
	struct gc_pace p;

	gc_pace_init(&p, 1000);
	is_int(p.period_ns, 1000000, "1000 Hz: 1 ms");
	is_int(gc_pace_wait(&p), 1000000, "first wait: one period");
	gc_pace_ran(&p, 1100000);      /* overslept 0.1 ms */
	is_int(gc_pace_wait(&p), 900000, "an oversleep is taken off the next wait");
	gc_pace_ran(&p, 900000);
	is_int(p.run_ns, 2000000, "guest time adds up");
	is_int(gc_pace_wait(&p), 1000000, "back on the grid");
	gc_pace_ran(&p, 3500000);      /* a long stop latency: 5.5 ms */
	is_int(p.missed, 2, "ticks at 4 and 5 ms skipped");
	is_int(p.tick, 5, "tick 5 consumed");
	is_int(gc_pace_wait(&p), 500000, "next tick at 6 ms");
	gc_pace_ran(&p, 0);
	is_int(gc_pace_wait(&p), 1500000, "an immediate stop: the next tick is a period on");
	gc_pace_ran(&p, -5);
	is_int(p.run_ns, 5500000, "a negative interval is ignored");

	/* a run ending exactly on a tick's time: that tick is past, missed
	 * like the others, not one due at once (a wait of 0) */
	gc_pace_init(&p, 1000);
	gc_pace_ran(&p, 2000000);
	is_int(p.missed, 1, "a run ending exactly at 2 ms: the tick at 2 ms missed");
	is_int(gc_pace_wait(&p), 1000000, "and the next is at 3 ms, not now");

	gc_pace_init(&p, 3);
	is_int(p.period_ns, 333333333, "3 Hz rounds to the nearest ns");
	gc_pace_init(&p, 0);
	is_int(p.period_ns, 1000000, "0 Hz falls back to 1 kHz");
	gc_pace_init(&p, 1e12);
	is_int(p.period_ns, 1, "absurd rates are clamped to 1 ns");
}

static void test_percentile(void)
{
	int64_t v[] = { 50, 10, 40, 20, 30, 100, 90, 80, 70, 60 };
	int64_t one[] = { 7 };

	is_int(gc_sample_percentile(v, 10, 50), 50, "median (nearest rank)");
	is_int(gc_sample_percentile(v, 10, 95), 100, "p95 of 10");
	is_int(gc_sample_percentile(v, 10, 100), 100, "p100");
	is_int(gc_sample_percentile(one, 1, 50), 7, "one value");
	is_int(gc_sample_percentile(NULL, 0, 50), 0, "none: 0");
}

static void test_names(void)
{
	is_str(gc_sample_mode_id(X86_MODE_LONG64), "long64", "mode id long64");
	is_str(gc_sample_mode_id(X86_MODE_PROT16), "prot16", "mode id prot16");
	is_str(gc_sample_mode_id(X86_MODE_UNKNOWN), "unknown", "mode id unknown");
	is_str(gc_region_name(GC_REGION_SETUP), "real-mode-setup", "region id setup");
	is_str(gc_region_name(GC_REGION_COUNT), "unknown", "out of range: unknown");
}

int main(void)
{
	test_default_layout();
	test_bzimage_layout();
	test_guest_elf_symbols();
	test_pace();
	test_percentile();
	test_names();
	return tap_done();
}

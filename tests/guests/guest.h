/*
 * guest.h: the fixed memory map of the test guest and the layout of the
 * log it leaves in memory.  Included by the assembly sources only; the
 * bats test and tests/guests/README.md spell out the same numbers.
 *
 * All addresses are physical, and equal to virtual ones: the guest runs
 * real mode, then flat 32-bit protected mode, then 64-bit long mode with
 * the first 1 GiB identity-mapped by 2 MiB pages.
 */
#ifndef GUEST_H
#define GUEST_H

/* memory map */
#define GUEST_LOG	0x1000	/* the log below, 0x1000..0x127f */
#define GUEST_PML4	0x2000	/* page map level 4, one entry used */
#define GUEST_PDPT	0x3000	/* page directory pointer table, one entry */
#define GUEST_PD	0x4000	/* page directory: 512 x 2 MiB = 1 GiB */
#define GUEST_ZERO_END	0x5000	/* 0x1000..0x4fff is zeroed at boot */
#define GUEST_STACK_TOP	0x7c00	/* grows down from the boot sector */
#define GUEST_LOAD	0x7c00	/* boot sector; the rest follows at 0x7e00 */

/* log header, offsets from GUEST_LOG */
#define LOG_MAGIC	0x00	/* u32 "GLOG" = 0x474f4c47 */
#define LOG_VERSION	0x04	/* u32 1 */
#define LOG_COUNT	0x08	/* u32 entries written so far */
#define LOG_NTABLE	0x0c	/* u32 entries in the initcall table */
#define LOG_TSC_HZ	0x10	/* u64 measured TSC rate, Hz */
#define LOG_CAL_TSC	0x18	/* u64 TSC cycles over the PIT interval */
#define LOG_CAL_PIT	0x20	/* u32 PIT ticks (1193182 Hz) in the interval */
#define LOG_EXIT	0x24	/* u32 value written to isa-debug-exit */
#define LOG_TSC_START16	0x28	/* u64 TSC at start16 */
#define LOG_TSC_START32	0x30	/* u64 TSC at start32 */
#define LOG_TSC_START64	0x38	/* u64 TSC at start64 */
#define LOG_TSC_DONE	0x40	/* u64 TSC at initcalls_done */
#define LOG_TSC_EXIT	0x48	/* u64 TSC at guest_exit */
#define LOG_CAL_TRIES	0x50	/* u32 calibration attempts (1 unless disturbed) */
#define LOG_ENTRIES	0x80	/* first entry */

/* one entry per initcall run, in call order */
#define ENT_INDEX	0x00	/* u32 the initcall's own index, set by it */
#define ENT_RET		0x04	/* s32 return value, set by do_one_initcall */
#define ENT_TSC_START	0x08	/* u64 TSC on entry, set by the initcall */
#define ENT_TSC_END	0x10	/* u64 TSC before return, set by it */
#define ENT_FN		0x18	/* u64 function address, set by do_one_initcall */
#define ENT_SIZE	0x20
#define LOG_MAX_ENTRIES	16

#define LOG_MAGIC_VALUE	0x474f4c47
#define GUEST_TAIL_MAGIC 0x4c494154	/* "TAIL", in the last sector */
#define LOG_VERSION_VALUE 1

/*
 * isa-debug-exit at port 0xf4: writing V makes QEMU exit with (V << 1) | 1.
 */
#define EXIT_PORT	0xf4
#define EXIT_OK		0x10	/* status 33: every initcall ran */
#define EXIT_DISK	0x11	/* status 35: int 13h could not load the image */
#define EXIT_NO_LM	0x12	/* status 37: the CPU has no long mode */
#define EXIT_PIT	0x13	/* status 39: PIT calibration timed out or absurd */
#define EXIT_COUNT	0x14	/* status 41: log count != initcall table size */

/* TSC calibration: PIT channel 2, mode 0, gated through port 0x61 */
#define PIT_HZ		1193182
#define PIT_CAL_TICKS	11932	/* 10.0 ms */
#define PIT_CAL_POLLS	20000000 /* give up after this many reads of 0x61 */
#define PIT_CAL_TRIES	8	/* attempts before giving up */
#define PIT_CAL_WARMUP	60	/* ticks (50 us) of a first, discarded run */
#define PIT_CAL_SLACK	512	/* the two TSC brackets together must be
				   under 1/512 of the interval (0.2%) */
#define TSC_HZ_MIN	10000000	/* 10 MHz */
#define TSC_HZ_MAX	100000000000	/* 100 GHz */

/* GDT selectors */
#define SEL_CODE32	0x08
#define SEL_DATA	0x10
#define SEL_CODE64	0x18

#ifdef __ASSEMBLER__
/* RDTSC64: rax = the full TSC; clobbers rdx.  64-bit code only. */
.macro RDTSC64
	rdtsc
	shl $32, %rdx
	or %rdx, %rax
.endm
#endif

#endif

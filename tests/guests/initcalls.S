/*
 * initcalls.S: eight fake initcalls and their table, laid out the way
 * Linux lays out its own: each entry in .initcall6.init is a 32-bit
 * offset from the entry to the function (entry + (int32)value = fn), and
 * guest.ld brackets the table with __initcall_start and __initcall_end.
 *
 * Each initcall busy-waits for a fixed number of milliseconds of TSC time,
 * using the rate start64 measured against the PIT, and logs its own index
 * and its entry and exit TSC.  fake_init_epsilon returns -19 (-ENODEV) so
 * a profiler can check that it sees return values; the others return 0.
 * The bats test t3100 and README.md carry the same table; change all three
 * together.
 */
#include "guest.h"

/*
 * In a page of their own (guest.ld: .init.text at a 4 KiB boundary), as
 * Linux keeps its initcalls in .init.text away from do_one_initcall in
 * .text: under TCG a breakpoint makes QEMU run every instruction of its
 * page as a block of its own, and the profiler's breakpoints are in
 * do_one_initcall.
 */
	.section .init.text, "ax"
	.code64

/*
 * fake_spin(edi = index, esi = ms): log the caller's index and the TSC in
 * the current log entry, spin until ms milliseconds of TSC have passed,
 * log the TSC again.  The entry is LOG_COUNT's; do_one_initcall moves on.
 */
	.type fake_spin, @function
	.p2align 4
fake_spin:
	RDTSC64
	mov %rax, %r8			/* start */
	mov GUEST_LOG + LOG_COUNT, %ecx
	xor %r9d, %r9d			/* no entry when the log is full */
	cmp $LOG_MAX_ENTRIES, %ecx
	jae 1f
	shl $5, %ecx			/* ENT_SIZE */
	lea GUEST_LOG + LOG_ENTRIES(%rcx), %r9
	mov %edi, ENT_INDEX(%r9)
	mov %r8, ENT_TSC_START(%r9)
1:	mov %esi, %eax
	mulq GUEST_LOG + LOG_TSC_HZ
	mov $1000, %ecx
	div %rcx			/* rax = cycles to spin */
	lea (%r8,%rax), %r10
2:	pause
	RDTSC64
	cmp %r10, %rax
	jb 2b
	test %r9, %r9
	jz 3f
	mov %rax, ENT_TSC_END(%r9)
3:	ret
	.size fake_spin, . - fake_spin

/* FAKE_INITCALL name, index, ms, ret: int name(void), and its table entry */
.macro FAKE_INITCALL name, index, ms, ret
	.globl \name
	.type \name, @function
	.p2align 4
\name:
	push %rbp
	mov %rsp, %rbp
	mov $\index, %edi
	mov $\ms, %esi
	call fake_spin
	mov $\ret, %eax
	pop %rbp
	ret
	.size \name, . - \name

	.pushsection .initcall6.init, "a"
	.long \name - .
	.popsection
.endm

	/*            name              index  ms   ret */
	FAKE_INITCALL fake_init_alpha,    0,    1,    0
	FAKE_INITCALL fake_init_beta,     1,    4,    0
	FAKE_INITCALL fake_init_gamma,    2,    2,    0
	FAKE_INITCALL fake_init_delta,    3,   30,    0
	FAKE_INITCALL fake_init_epsilon,  4,    8,  -19
	FAKE_INITCALL fake_init_zeta,     5,   15,    0
	FAKE_INITCALL fake_init_eta,      6,    3,    0
	FAKE_INITCALL fake_init_theta,    7,    6,    0

	.section .note.GNU-stack, "", @progbits

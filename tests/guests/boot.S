/*
 * boot.S: the test guest's boot path, from the BIOS to the initcalls and
 * back out through isa-debug-exit.
 *
 *   start16   real mode at 0x7c00: zero the log and page tables, load the
 *             rest of the image with int 13h (AH=42h, LBA), enable A20,
 *             load the GDT, set CR0.PE
 *   start32   flat 32-bit protected mode: check CPUID for long mode,
 *             identity-map the first 1 GiB with 2 MiB pages, set CR4.PAE,
 *             CR3, EFER.LME, CR0.PG
 *   start64   64-bit long mode: calibrate the TSC against PIT channel 2,
 *             call every initcall through do_one_initcall
 *   initcalls_done, guest_exit
 *             check the log and write the exit value to port 0xf4
 *
 * Every milestone stores its TSC in the log header (guest.h).  A failure
 * at any stage writes its own EXIT_* value, so QEMU's exit status names
 * the stage that failed.  The image is linked at the addresses it runs
 * at (guest.ld), so guest.elf carries the same code with its symbols.
 */
#include "guest.h"

/* ---------------------------------------------------------------- */
	.section .boot16, "ax"
	.code16
	.globl start16
	.type start16, @function
start16:
	cli
	mov %dl, %bl			/* BIOS boot drive; rdtsc clobbers edx */
	rdtsc
	mov %eax, %esi			/* kept until the log is zeroed */
	mov %edx, %ebp
	xor %ax, %ax
	mov %ax, %ds
	mov %ax, %es
	mov %ax, %ss
	mov $GUEST_STACK_TOP, %sp
	ljmp $0, $1f			/* some BIOSes enter at 07c0:0000 */
1:
	cld
	mov %bl, boot_drive

	/* zero the log and the page tables */
	xor %eax, %eax
	mov $GUEST_LOG, %di
	mov $(GUEST_ZERO_END - GUEST_LOG) / 4, %cx
	rep stosl
	movl $LOG_MAGIC_VALUE, GUEST_LOG + LOG_MAGIC
	movl $LOG_VERSION_VALUE, GUEST_LOG + LOG_VERSION
	mov %esi, GUEST_LOG + LOG_TSC_START16
	mov %ebp, GUEST_LOG + LOG_TSC_START16 + 4

	/* load sectors 1.. to 0x7e00; the BIOS may want interrupts on */
	mov $dap, %si
	mov boot_drive, %dl
	mov $0x42, %ah
	sti
	int $0x13
	cli
	jc fail16
	cmpl $GUEST_TAIL_MAGIC, guest_image_tail
	jne fail16

	/* fast A20 through port 0x92 */
	in $0x92, %al
	or $0x02, %al
	and $0xfe, %al			/* bit 0 would reset the machine */
	out %al, $0x92

	lgdt gdt_desc
	mov %cr0, %eax
	or $1, %eax			/* PE */
	mov %eax, %cr0
	ljmpl $SEL_CODE32, $start32

fail16:
	mov $EXIT_DISK, %al
	out %al, $EXIT_PORT
2:	hlt
	jmp 2b
	.size start16, . - start16

	.p2align 3
gdt:
	.quad 0
	.quad 0x00cf9a000000ffff	/* 0x08 code, 32-bit, base 0, 4 GiB */
	.quad 0x00cf92000000ffff	/* 0x10 data, base 0, 4 GiB */
	.quad 0x00af9a000000ffff	/* 0x18 code, 64-bit (L=1) */
gdt_end:
gdt_desc:
	.word gdt_end - gdt - 1
	.long gdt

	/* int 13h AH=42h disk address packet */
	.p2align 2
dap:
	.byte 16, 0
	.word guest_load_sectors	/* from guest.ld */
	.word GUEST_LOAD + 512, 0	/* offset, segment */
	.quad 1				/* first LBA */
boot_drive:
	.byte 0

/* ---------------------------------------------------------------- */
	.section .text32, "ax"
	.code32
	.globl start32
	.type start32, @function
start32:
	mov $SEL_DATA, %ax
	mov %ax, %ds
	mov %ax, %es
	mov %ax, %fs
	mov %ax, %gs
	mov %ax, %ss
	mov $GUEST_STACK_TOP, %esp
	rdtsc
	mov %eax, GUEST_LOG + LOG_TSC_START32
	mov %edx, GUEST_LOG + LOG_TSC_START32 + 4

	mov $0x80000000, %eax
	cpuid
	cmp $0x80000001, %eax
	jb fail32
	mov $0x80000001, %eax
	cpuid
	bt $29, %edx			/* LM */
	jnc fail32

	/* page tables were zeroed in real mode; all below 4 GiB */
	movl $(GUEST_PDPT | 0x03), GUEST_PML4	/* present, writable */
	movl $(GUEST_PD | 0x03), GUEST_PDPT
	mov $GUEST_PD, %edi
	mov $0x83, %eax				/* present, writable, 2 MiB */
	mov $512, %ecx
1:	mov %eax, (%edi)
	add $0x200000, %eax
	add $8, %edi
	loop 1b

	mov %cr4, %eax
	or $0x20, %eax			/* PAE */
	mov %eax, %cr4
	mov $GUEST_PML4, %eax
	mov %eax, %cr3
	mov $0xc0000080, %ecx		/* EFER */
	rdmsr
	or $0x100, %eax			/* LME */
	wrmsr
	mov %cr0, %eax
	or $0x80000000, %eax		/* PG: long mode becomes active */
	mov %eax, %cr0
	ljmp $SEL_CODE64, $start64

fail32:
	mov $EXIT_NO_LM, %al
	out %al, $EXIT_PORT
2:	hlt
	jmp 2b
	.size start32, . - start32

/* ---------------------------------------------------------------- */
	.text
	.code64
	.globl start64
	.type start64, @function
start64:
	mov $SEL_DATA, %ax
	mov %ax, %ds
	mov %ax, %es
	mov %ax, %ss
	mov $GUEST_STACK_TOP, %rsp	/* 16-byte aligned */
	RDTSC64
	mov %rax, GUEST_LOG + LOG_TSC_START64

	lea __initcall_end(%rip), %rax
	lea __initcall_start(%rip), %rcx
	sub %rcx, %rax
	shr $2, %rax
	mov %eax, GUEST_LOG + LOG_NTABLE

	call pit_calibrate
	mov $EXIT_PIT, %edi
	test %rax, %rax
	jz 1f

	call do_initcalls

	.globl initcalls_done
initcalls_done:
	RDTSC64
	mov %rax, GUEST_LOG + LOG_TSC_DONE
	mov $EXIT_COUNT, %edi
	mov GUEST_LOG + LOG_COUNT, %eax
	cmp GUEST_LOG + LOG_NTABLE, %eax
	jne 1f
	mov $EXIT_OK, %edi
1:	call guest_exit
	.size start64, . - start64

/*
 * guest_exit(edi = value): record it and its TSC, write it to
 * isa-debug-exit.  Without that device, halt for good.
 */
	.globl guest_exit
	.type guest_exit, @function
	.p2align 4
guest_exit:
	mov %edi, GUEST_LOG + LOG_EXIT
	rdtsc
	mov %eax, GUEST_LOG + LOG_TSC_EXIT
	mov %edx, GUEST_LOG + LOG_TSC_EXIT + 4
	mov %edi, %eax
	out %eax, $EXIT_PORT
1:	cli
	hlt
	jmp 1b
	.size guest_exit, . - guest_exit

/*
 * pit_calibrate: returns the TSC rate in Hz in rax, also stored in the
 * log, or 0 when OUT2 never rose, every attempt was disturbed, or the
 * rate is absurd.  One short warm-up run first: TCG translates the poll
 * loop on its first pass, which would disturb the first real attempt.
 */
	.type pit_calibrate, @function
	.p2align 4
pit_calibrate:
	push %rbx
	mov $PIT_CAL_WARMUP, %edi
	call pit_measure
	mov $PIT_CAL_TRIES, %ebx
1:	incl GUEST_LOG + LOG_CAL_TRIES
	mov $PIT_CAL_TICKS, %edi
	call pit_measure
	cmp $-1, %rax
	je 2f				/* OUT2 never rose: no PIT, no retry */
	test %rax, %rax
	jnz 3f
	dec %ebx
	jnz 1b
	jmp 2f
3:	mov %rax, GUEST_LOG + LOG_CAL_TSC
	movl $PIT_CAL_TICKS, GUEST_LOG + LOG_CAL_PIT
	mov $PIT_HZ, %ecx
	mul %rcx
	mov $PIT_CAL_TICKS, %ecx
	div %rcx
	cmp $TSC_HZ_MIN, %rax
	jb 2f
	movabs $TSC_HZ_MAX, %rcx
	cmp %rcx, %rax
	ja 2f
	mov %rax, GUEST_LOG + LOG_TSC_HZ
	pop %rbx
	ret
2:	xor %eax, %eax
	pop %rbx
	ret
	.size pit_calibrate, . - pit_calibrate

/*
 * pit_measure(edi = PIT ticks): the TSC cycles PIT channel 2 takes to
 * count edi ticks down, in rax; 0 when the measurement was disturbed; -1
 * when OUT2 never rose.  In mode 0 the channel counts while its gate
 * (port 0x61 bit 0) is high and OUT2 (port 0x61 bit 5) goes high at
 * terminal count.  Both ends are bracketed by two TSC reads: the start
 * by the reads around the write that loads the count, the end by the
 * read before the last poll that saw OUT2 low and the read after the poll
 * that saw it high.  When the host deschedules QEMU inside a bracket,
 * the brackets' width exceeds 1/PIT_CAL_SLACK of the interval and the
 * result is 0, so a rate taken from a nonzero result is exact to 0.2%
 * even on a loaded host.
 */
	.type pit_measure, @function
	.p2align 4
pit_measure:
	mov %edi, %r11d
	in $0x61, %al
	and $0xfd, %al			/* speaker data off */
	or $0x01, %al			/* gate 2 on */
	out %al, $0x61
	mov $0xb0, %al			/* channel 2, lo/hi byte, mode 0, binary */
	out %al, $0x43
	mov %r11b, %al
	out %al, $0x42
	RDTSC64
	mov %rax, %r8			/* r8: before the start */
	mov %r11d, %eax
	shr $8, %eax
	out %al, $0x42			/* counting starts now */
	RDTSC64
	mov %rax, %r9			/* r9: after the start */
	mov %rax, %r10			/* r10: before the last poll that saw low */
	mov $PIT_CAL_POLLS, %ecx
1:	RDTSC64
	mov %rax, %rsi
	in $0x61, %al
	test $0x20, %al
	jnz 2f
	mov %rsi, %r10
	dec %ecx
	jnz 1b
	mov $-1, %rax
	jmp 4f
2:	RDTSC64				/* rax: after the end */
	mov %rax, %rdi
	sub %r10, %rdi
	add %r9, %rdi
	sub %r8, %rdi			/* rdi: width of both brackets */
	add %r10, %rax
	sub %r8, %rax
	sub %r9, %rax
	shr $1, %rax			/* rax: midpoint to midpoint */
	imul $PIT_CAL_SLACK, %rdi
	cmp %rax, %rdi
	jbe 4f
	xor %eax, %eax
4:	mov %rax, %r8
	in $0x61, %al
	and $0xfc, %al			/* gate 2 and speaker off */
	out %al, $0x61
	mov %r8, %rax
	ret
	.size pit_measure, . - pit_measure

/*
 * do_initcalls: walk __initcall_start..__initcall_end, each entry a
 * 32-bit offset from the entry itself to the function (PREL32, as in
 * Linux with CONFIG_HAVE_ARCH_PREL32_RELOCATIONS).
 */
	.globl do_initcalls
	.type do_initcalls, @function
	.p2align 4
do_initcalls:
	push %rbx
	push %r12
	sub $8, %rsp			/* keep rsp 16-byte aligned at calls */
	lea __initcall_start(%rip), %rbx
	lea __initcall_end(%rip), %r12
1:	cmp %r12, %rbx
	jae 2f
	movslq (%rbx), %rdi
	add %rbx, %rdi
	call initcall_blacklisted
	call do_one_initcall
	add $4, %rbx
	jmp 1b
2:	add $8, %rsp
	pop %r12
	pop %rbx
	ret
	.size do_initcalls, . - do_initcalls

/*
 * int do_one_initcall(initcall_t fn): fn arrives in rdi as in Linux.  The
 * first instruction is the 5-byte NOP of a patched ftrace call site.  The
 * initcall itself fills in its index and TSCs in the current log entry;
 * this adds the return value and the function address, then moves on.
 */
	.globl do_one_initcall
	.type do_one_initcall, @function
	.p2align 4
do_one_initcall:
	{disp8} nopl 0x0(%rax,%rax,1)	/* 0f 1f 44 00 00, as ftrace leaves it */
	push %rbx
	mov %rdi, %rbx
	call *%rdi
	mov %eax, %edx			/* Linux 6.1: mov %eax,%ebp ... */
	xchg %ax, %ax			/* ... and the 2-byte NOP of its disabled
					 * initcall_finish tracepoint (66 90) */
	mov GUEST_LOG + LOG_COUNT, %ecx
	cmp $LOG_MAX_ENTRIES, %ecx
	jae 1f
	shl $5, %ecx			/* ENT_SIZE */
	mov %eax, GUEST_LOG + LOG_ENTRIES + ENT_RET(%rcx)
	mov %rbx, GUEST_LOG + LOG_ENTRIES + ENT_FN(%rcx)
	incl GUEST_LOG + LOG_COUNT
1:	pop %rbx
	ret
	.size do_one_initcall, . - do_one_initcall

/*
 * bool initcall_blacklisted(initcall_t fn): as Linux's, it reads the list
 * head blacklisted_initcalls once per initcall (the list is empty here, so
 * it says no); the profiler's watch scheme starts each initcall at that
 * read.  Linux calls it from do_one_initcall, this guest from do_initcalls
 * just before, so that do_one_initcall keeps its layout.  rdi is kept.
 */
	.type initcall_blacklisted, @function
	.p2align 4
initcall_blacklisted:
	lea blacklisted_initcalls(%rip), %rax
	cmp %rax, blacklisted_initcalls(%rip)	/* list_empty() */
	setne %al
	movzbl %al, %eax
	ret
	.size initcall_blacklisted, . - initcall_blacklisted

/* ---------------------------------------------------------------- */
	.data
	.globl guest_log
	.set guest_log, GUEST_LOG

/* struct list_head blacklisted_initcalls: empty (next = prev = itself) */
	.p2align 3
	.type blacklisted_initcalls, @object
blacklisted_initcalls:
	.quad blacklisted_initcalls, blacklisted_initcalls
	.size blacklisted_initcalls, . - blacklisted_initcalls

	.section .tail, "aw"
	.globl guest_image_tail
guest_image_tail:
	.long GUEST_TAIL_MAGIC

	.section .note.GNU-stack, "", @progbits

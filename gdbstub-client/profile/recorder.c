/*
 * recorder.c: `gdbstub-client profile`, the boot recorder.
 *
 *   profile [--latest | --wait | ENDPOINT] [--kernel FILE]
 *           [--initcalls=breakpoints|entries|off]
 *           [--milestones NAME,NAME...] [--until MILESTONE | --until-exit]
 *           [--timeout SEC] [--progress N] [--save-memory ADDR:LEN:FILE]
 *           -o FILE.json
 *
 * What it does.  It attaches to a guest that qemu-wrapper holds at its
 * reset vector, arms one breakpoint per boot milestone, resumes, and
 * writes a boot profile (docs/profile-schema.md): the phases (qemu,
 * firmware, setup, decompressor, kernel-early, kernel-init, one per
 * initcall level, userspace-start, userspace), every initcall with its
 * start, duration and return value, and every stop the debugger made.
 * The session file supplies the kernel, its command line, QEMU's start
 * time and the accelerator; ENDPOINT plus --kernel works without one.
 *
 * How it measures.  Guest running time is the sum of the intervals in
 * which QEMU ran the guest: from each RESUME to the next STOP, QEMU's own
 * event times, which qemu-wrapper appends to its events file (the
 * session's "events"), less QEMU's own stop/resume latency (the median
 * of the calibration resumes); the guest's clock starts at the first
 * resume from the reset vector.  While it records, the recorder keeps its
 * own clock (resume written to stop reply read, host CLOCK_MONOTONIC)
 * and a mark for every resume and stop; at the end (qemu_clock()) the
 * marks are matched one for one to QEMU's events, each event checked to
 * lie in its mark's window (CLOCK_REALTIME converted with an offset taken
 * at start), and every time in the profile is mapped onto QEMU's clock.
 * So a recorder that is not scheduled (stopped, a loaded host) shows as
 * time it held the guest, not as guest time.  Without an events file
 * (plain qemu, an older wrapper) or when the events do not match, the
 * recorder's clock stays and environment.tool says "guest time
 * client-clocked" and why.  The qemu phase runs from the session's
 * start.monotonic_ns to the first reply of the stub (QEMU is up and
 * holding the guest); the time the recorder then takes to prepare is left
 * out like every other stop.
 *
 * Initcalls, the expensive part.  Under TCG every breakpoint or step stop
 * flushes QEMU's translation cache: ~4-5 ms of extra guest time each,
 * while a stop the client asks for with 0x03 is nearly free; so does
 * every breakpoint insert or remove (QEMU 7.2 breakpoint_invalidate), but
 * during a debug stop that flush finds the cache empty.  So:
 *   breakpoints (default), the watch scheme (ws_prepare()) for a Linux
 *       kernel: a read watchpoint on blacklisted_initcalls (each start; a
 *       watchpoint stop flushes nothing) and one permanent breakpoint on
 *       the NOP after the return site (each end): one flushing stop per
 *       initcall.  Otherwise:
 *   breakpoints, the fast scheme (fast_stop()): two debug stops
 *       per initcall, no single step, no round trip: breakpoints at the
 *       indirect call in do_one_initcall and at its return site, one armed
 *       at a time, each stop answered by one write ('g', the swap, the
 *       resume) whose 'g' reply is read after the resume.
 *   breakpoints, the slow scheme (hardware breakpoints, --until SYMBOL
 *       that is no milestone, GC_PROFILE_TEST_SLOW): two debug stops per
 *       initcall, no single step
 *       and no breakpoint change while the initcalls run (the call-site
 *       scheme): one permanent breakpoint at the indirect call in
 *       do_one_initcall ("call *%REG" or "call __x86_indirect_thunk_REG"),
 *       where the register holds the initcall (its start); the recorder
 *       then executes the call for the guest (the return address to
 *       [rsp - 8], rsp -= 8, rip = the function; a retpoline thunk is
 *       "jmp *%REG"), queued with the resume like the other packets.  And
 *       the permanent return-site breakpoint below.  Both go in when the
 *       table's code can be read and come out when the table's last
 *       initcall has returned.
 *       When the call is not a form the recorder can execute (recorder.h:
 *       rec_call_emulable; or GC_PROFILE_TEST_NO_CALLSITE is set, for
 *       tests), the per-function scheme is used instead, and the progress
 *       output and environment.tool say so: a breakpoint at the entry of
 *       the next initcall in table
 *       order (two armed at a time, so an initcall that is never called,
 *       e.g. blacklisted, does not hide the rest), removed once hit, so
 *       that continuing from it needs no step; and one breakpoint at the
 *       return site in do_one_initcall (the instruction after "call
 *       *%REG" or "call __x86_indirect_thunk_REG"), where rax holds the
 *       return value and a callee-saved register the function, checked
 *       against the initcall we expect.  The recorder leaves that site by
 *       executing its instruction for the guest (a register or memory
 *       load, recorder.h: rec_decode_emul) and moving rip on; only other
 *       instructions are single-stepped, and counted.
 *       Client time per stop: one round trip (a 'p' for rip at an entry,
 *       a 'g' at the return site), then the stop's Z0/z0/P packets and the
 *       resume go out in one write (flush()): 2 packets per stop, was 4-6.
 *   entries  only the call-site breakpoint (or, in the fallback, the
 *       entry breakpoints): one debug stop per initcall, a duration that
 *       runs to the next initcall's call (the gaps between them included),
 *       no return values.
 *   off      no initcall breakpoints at all: milestones only.
 * Entry breakpoints go in when the table's code can be read (the first
 * milestone stop after which do_one_initcall's bytes decode: start_kernel
 * for Linux); after the table's last initcall returns, the recorder stops
 * arming them and removes the return-site breakpoint, so module inits
 * called later from userspace are neither stopped for nor mis-attributed.
 *
 * Milestones.  For a Linux bzImage (kernel-symbols' milestones): setup
 * entry 0x10200 (QEMU -kernel), decompressor startup_32 0x100000, kernel
 * startup_64 at its physical address, start_kernel, run_init_process.
 * The virtual ones need nokaslr on the command line (from the session's
 * append; assumed, with a note, when there is no session); without it only
 * firmware, setup and the decompressor are split and the rest is one
 * phase.  start_kernel's breakpoint goes on its first callee in another
 * page (resolve_stem()) and, with --initcalls=off, run_init_process's is
 * armed only when the kernel leaves its initcalls (watch_setup()): under
 * TCG a breakpoint slows the code around it and, less, all the code
 * while it is armed.  --milestones NAME,... replaces them with symbols of the given
 * file (the test guest: start16,start32,start64,initcalls_done): the phase
 * that starts at a milestone is named after it.  A table without levels
 * (the test guest's) is reported as level "device".
 *
 * The end.  --until-exit (the default): the profile is complete when
 * the boot ended by itself (decide_end()).  When the connection ends (W,
 * X, EOF) the wrapper's exit record (the session's "exit_file", waited
 * for up to 3 s) says how qemu exited: a guest power-off, a -no-reboot
 * reset, a panic, or an exit without a shutdown event (isa-debug-exit)
 * is the boot's end; qemu killed by a signal, or shut down by the host
 * (host-signal: QEMU 7.2 then still sends W00), is not.  Without a
 * session W is taken as the guest's end; X ("killed") and a connection
 * that closes without W or X are not.  qemu killed or shut down by the
 * host once every milestone was reached (libguestfs ends its appliance
 * with SIGTERM) is a complete boot, and says so.  --until NAME: a milestone
 * name (setup, startup_32, startup_64, start_kernel, run_init_process or
 * userspace) or a symbol; there the recorder saves --save-memory if asked,
 * removes its breakpoints and detaches, and the guest runs on.
 *
 * Where it breaks.  Ctrl-C, SIGTERM, --timeout, the guest dying before the
 * end asked for, qemu killed or stopped from the host, a stub that says X
 * or closes: the profile is still written, "complete": false with the
 * reason ("qemu was killed by SIGKILL", "the gdbstub closed the
 * connection without an exit reply"), and the exit status is 1.  Under KVM
 * QEMU refuses software breakpoints it cannot write (a kernel virtual
 * address before paging is on: 'E22'): the milestones and the call and
 * return sites are then hardware breakpoints (Z1, at most 4), said in the
 * progress output; that is tested against a scripted stub only, QEMU 7.2
 * TCG is what this was measured on.  GDBSTUB_TRACE=1 prints every packet (rsp library).
 *
 * --sample HZ: `sample` alongside.  While the guest runs between two
 * breakpoint stops, an interrupt stop every 1/HZ s (sample_tick(): 0x03,
 * a 'p' per register and the resume in one write, then the replies), each
 * attributed like `sample` does (CS taken as flat: no monitor call) and
 * counted into the profile's samples.  Each tick's hold, from half way
 * between the write and the stop reply to the resume's '+', is taken out
 * of the guest's time (on QEMU's clock a tick is a STOP and a RESUME
 * like any other stop); its spread makes initcall durations less exact
 * (2-6 % at 1 kHz on the test guest, within the test's tolerance at
 * 250 Hz).  A tick can meet a breakpoint stop: QEMU then ignores the
 * 0x03, answers the 'p's and resumes from the breakpoint, which stops
 * again at once; the first stop's time is kept.
 * GC_PROFILE_TEST_STALL=N (tests only) holds the guest for up to 10 s after
 * the N-th initcall entry, so that a test can interrupt a recording at a
 * known point.
 */
#include "recorder.h"
#include "target.h"
#include "sample.h"
#include "ksym.h"
#include "model.h"
#include "rsp.h"
#include "rsp-private.h"   /* TRANSITIONAL: struct rsp_conn, until converted */
#include "rundir.h"

#include <capstone/capstone.h>
#include <endian.h>
#include <errno.h>
#include <fcntl.h>
#include <json-c/json.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/utsname.h>
#include <time.h>
#include <unistd.h>

/* ------------------------------------------------------------------ */
/* Pure parts                                                          */

static const struct {
	const char *name;
	const char *r64;
	int bytes;
} gpr_names[] = {
	{ "rax", "rax", 8 }, { "eax", "rax", 4 }, { "ax", "rax", 2 }, { "al", "rax", 1 },
	{ "rbx", "rbx", 8 }, { "ebx", "rbx", 4 }, { "bx", "rbx", 2 }, { "bl", "rbx", 1 },
	{ "rcx", "rcx", 8 }, { "ecx", "rcx", 4 }, { "cx", "rcx", 2 }, { "cl", "rcx", 1 },
	{ "rdx", "rdx", 8 }, { "edx", "rdx", 4 }, { "dx", "rdx", 2 }, { "dl", "rdx", 1 },
	{ "rsi", "rsi", 8 }, { "esi", "rsi", 4 }, { "si", "rsi", 2 }, { "sil", "rsi", 1 },
	{ "rdi", "rdi", 8 }, { "edi", "rdi", 4 }, { "di", "rdi", 2 }, { "dil", "rdi", 1 },
	{ "rbp", "rbp", 8 }, { "ebp", "rbp", 4 }, { "bp", "rbp", 2 }, { "bpl", "rbp", 1 },
	{ "r8", "r8", 8 }, { "r8d", "r8", 4 }, { "r8w", "r8", 2 }, { "r8b", "r8", 1 },
	{ "r9", "r9", 8 }, { "r9d", "r9", 4 }, { "r9w", "r9", 2 }, { "r9b", "r9", 1 },
	{ "r10", "r10", 8 }, { "r10d", "r10", 4 }, { "r10w", "r10", 2 }, { "r10b", "r10", 1 },
	{ "r11", "r11", 8 }, { "r11d", "r11", 4 }, { "r11w", "r11", 2 }, { "r11b", "r11", 1 },
	{ "r12", "r12", 8 }, { "r12d", "r12", 4 }, { "r12w", "r12", 2 }, { "r12b", "r12", 1 },
	{ "r13", "r13", 8 }, { "r13d", "r13", 4 }, { "r13w", "r13", 2 }, { "r13b", "r13", 1 },
	{ "r14", "r14", 8 }, { "r14d", "r14", 4 }, { "r14w", "r14", 2 }, { "r14b", "r14", 1 },
	{ "r15", "r15", 8 }, { "r15d", "r15", 4 }, { "r15w", "r15", 2 }, { "r15b", "r15", 1 },
};

const char *rec_gpr64(const char *name, int *bytes)
{
	size_t i;

	for (i = 0; i < sizeof gpr_names / sizeof gpr_names[0]; i++) {
		if (!strcmp(name, gpr_names[i].name)) {
			if (bytes)
				*bytes = gpr_names[i].bytes;
			return gpr_names[i].r64;
		}
	}
	return NULL;
}

/* The System V ABI's callee-saved registers: they survive the call. */
static bool callee_saved(const char *r64)
{
	static const char *const saved[] = { "rbx", "rbp", "r12", "r13", "r14", "r15" };
	size_t i;

	for (i = 0; i < sizeof saved / sizeof saved[0]; i++)
		if (!strcmp(r64, saved[i]))
			return true;
	return false;
}

bool rec_cmdline_has(const char *cmdline, const char *word)
{
	size_t n = strlen(word);
	const char *p = cmdline;

	if (!cmdline || !n)
		return false;
	while ((p = strstr(p, word))) {
		bool start = p == cmdline || p[-1] == ' ' || p[-1] == '\t';
		bool end = p[n] == '\0' || p[n] == ' ' || p[n] == '\t' || p[n] == '\n';

		if (start && end)
			return true;
		p += n;
	}
	return false;
}

static int open_cs(csh *h, struct kit_err *err)
{
	if (cs_open(CS_ARCH_X86, CS_MODE_64, h) != CS_ERR_OK)
		return kit_seterr(err, EINVAL, "cannot open capstone");
	cs_option(*h, CS_OPT_DETAIL, CS_OPT_ON);
	return 0;
}

int rec_find_return_site(const uint8_t *code, size_t len, uint64_t addr,
			 const struct ksym_table *syms, struct rec_retsite *rs,
			 struct kit_err *err)
{
	/* Register moves seen before the call: dst <- src, 64-bit names. */
	struct { char dst[8], src[8]; } moves[64];
	size_t nmoves = 0, count, i, k;
	cs_insn *insn = NULL;
	csh h;
	int ret = -1;

	memset(rs, 0, sizeof *rs);
	if (open_cs(&h, err) < 0)
		return -1;
	count = cs_disasm(h, code, len, addr, 0, &insn);
	for (i = 0; i < count; i++) {
		cs_x86 *x = &insn[i].detail->x86;
		const char *r64;

		if (insn[i].id == X86_INS_MOV && x->op_count == 2 &&
		    x->operands[0].type == X86_OP_REG &&
		    x->operands[1].type == X86_OP_REG && nmoves < 64) {
			const char *d = rec_gpr64(cs_reg_name(h, x->operands[0].reg), NULL);
			const char *s = rec_gpr64(cs_reg_name(h, x->operands[1].reg), NULL);

			if (d && s) {
				snprintf(moves[nmoves].dst, 8, "%s", d);
				snprintf(moves[nmoves].src, 8, "%s", s);
				nmoves++;
			}
			continue;
		}
		if (insn[i].id != X86_INS_CALL || x->op_count != 1)
			continue;
		if (x->operands[0].type == X86_OP_REG) {
			r64 = rec_gpr64(cs_reg_name(h, x->operands[0].reg), NULL);
			if (!r64)
				continue;
			snprintf(rs->call_reg, sizeof rs->call_reg, "%s", r64);
		} else if (x->operands[0].type == X86_OP_IMM && syms) {
			uint64_t off;
			const struct ksym_sym *s = ksym_lookup_addr(syms,
					(uint64_t)x->operands[0].imm, &off);
			const char *nm = s ? ksym_name(syms, s) : NULL;
			static const char pfx[] = "__x86_indirect_thunk_";

			if (!nm || off || strncmp(nm, pfx, sizeof pfx - 1) ||
			    !(r64 = rec_gpr64(nm + sizeof pfx - 1, NULL)))
				continue;
			snprintf(rs->call_reg, sizeof rs->call_reg, "%s", r64);
			rs->thunk = true;
		} else {
			continue;
		}
		rs->call_addr = insn[i].address;
		rs->ret_addr = insn[i].address + insn[i].size;
		if (callee_saved(rs->call_reg)) {
			snprintf(rs->fn_reg, sizeof rs->fn_reg, "%s", rs->call_reg);
		} else {
			/* registers holding the same value through copies
			 * (either direction), latest first; other writes in
			 * between are not tracked */
			char same[8][8];
			size_t ns = 1, m;

			snprintf(same[0], 8, "%s", rs->call_reg);
			for (k = nmoves; k-- > 0 && ns < 8;) {
				bool has_d = false, has_s = false;

				for (m = 0; m < ns; m++) {
					has_d |= !strcmp(same[m], moves[k].dst);
					has_s |= !strcmp(same[m], moves[k].src);
				}
				if (has_d == has_s)
					continue;
				snprintf(same[ns++], 8, "%s", has_d ? moves[k].src : moves[k].dst);
				if (callee_saved(same[ns - 1])) {
					snprintf(rs->fn_reg, 8, "%s", same[ns - 1]);
					break;
				}
			}
		}
		ret = 0;
		break;
	}
	if (ret < 0)
		kit_seterr(err, ENOENT, "no indirect call in %zu bytes at 0x%llx "
			   "(%zu instructions decoded)", len,
			   (unsigned long long)addr, count);
	if (insn)
		cs_free(insn, count);
	cs_close(&h);
	return ret;
}

bool rec_call_emulable(const struct rec_retsite *rs, char *why, size_t len)
{
	uint64_t n = rs->ret_addr - rs->call_addr;
	int bytes = 0;
	const char *r64 = rs->call_reg[0] ? rec_gpr64(rs->call_reg, &bytes) : NULL;
	char dummy[8];

	if (!why) {
		why = dummy;
		len = sizeof dummy;
	}
	if (!r64 || bytes != 8) {
		snprintf(why, len, "the call's target register '%s' is not a 64-bit "
			 "general register", rs->call_reg);
		return false;
	}
	if (rs->ret_addr <= rs->call_addr || n < 2 || n > 8) {
		snprintf(why, len, "a call of %llu bytes is not a form known here",
			 (unsigned long long)n);
		return false;
	}
	snprintf(why, len, "call%s *%%%s, %llu bytes", rs->thunk ?
		 " (retpoline thunk)" : "", rs->call_reg, (unsigned long long)n);
	return true;
}

int rec_decode_emul(const uint8_t *code, size_t len, uint64_t addr,
		    struct rec_emul *e)
{
	cs_insn *insn = NULL;
	cs_x86 *x;
	const char *d;
	csh h;
	size_t n;

	memset(e, 0, sizeof *e);
	if (open_cs(&h, NULL) < 0)
		return -1;
	n = cs_disasm(h, code, len, addr, 1, &insn);
	if (n != 1) {
		cs_close(&h);
		return -1;
	}
	e->size = insn->size;
	snprintf(e->text, sizeof e->text, "%s %s", insn->mnemonic, insn->op_str);
	x = &insn->detail->x86;
	if ((insn->id != X86_INS_MOV && insn->id != X86_INS_MOVSXD) ||
	    x->op_count != 2 || x->operands[0].type != X86_OP_REG ||
	    !(d = rec_gpr64(cs_reg_name(h, x->operands[0].reg), &e->dst_bytes)))
		goto out;
	snprintf(e->dst, sizeof e->dst, "%s", d);
	e->sext = insn->id == X86_INS_MOVSXD;
	switch (x->operands[1].type) {
	case X86_OP_REG: {
		const char *s = rec_gpr64(cs_reg_name(h, x->operands[1].reg),
					  &e->src_bytes);
		/* ah/bh/ch/dh are not in the table: not emulated */
		if (s) {
			snprintf(e->src, sizeof e->src, "%s", s);
			e->kind = REC_EMUL_MOV_REG;
		}
		break;
	}
	case X86_OP_IMM:
		if (!e->sext) {
			e->imm = (uint64_t)x->operands[1].imm;
			e->kind = REC_EMUL_MOV_IMM;
		}
		break;
	case X86_OP_MEM: {
		x86_op_mem *m = &x->operands[1].mem;

		if (m->segment != X86_REG_INVALID || m->index != X86_REG_INVALID)
			break;
		e->src_bytes = x->operands[1].size;
		if (m->base == X86_REG_INVALID)
			e->mem = (uint64_t)m->disp;
		else if (m->base == X86_REG_RIP)
			e->mem = insn->address + insn->size + (uint64_t)m->disp;
		else
			break;
		if (e->src_bytes >= 1 && e->src_bytes <= 8)
			e->kind = REC_EMUL_MOV_MEM;
		break;
	}
	default:
		break;
	}
out:
	cs_free(insn, n);
	cs_close(&h);
	return 0;
}

uint64_t rec_emul_result(const struct rec_emul *e, uint64_t old_dst,
			 uint64_t src)
{
	uint64_t v, mask;
	int sb = e->kind == REC_EMUL_MOV_IMM ? 8 : e->src_bytes;

	if (e->kind == REC_EMUL_MOV_IMM)
		v = e->imm;
	else
		v = src;
	if (sb < 8) {
		mask = (1ull << (sb * 8)) - 1;
		v &= mask;
		if (e->sext && (v >> (sb * 8 - 1)) & 1)
			v |= ~mask;
	}
	switch (e->dst_bytes) {
	case 8:
		return v;
	case 4:
		return v & 0xffffffffull;
	default:
		mask = (1ull << (e->dst_bytes * 8)) - 1;
		return (old_dst & ~mask) | (v & mask);
	}
}

/* Calls that return at once and say nothing of where the code goes:
 * ftrace's entry hooks (patched to NOPs once ftrace starts) and the
 * compiler's thunks. */
static bool passing_call(const char *name)
{
	return !strcmp(name, "__fentry__") || !strcmp(name, "mcount") ||
	       !strcmp(name, "__mcount") || !strncmp(name, "__x86_", 6) ||
	       !strncmp(name, "__sanitizer_", 12);
}

int rec_first_callee(const uint8_t *code, size_t len, uint64_t addr,
		     const struct ksym_table *syms, struct rec_callee *out,
		     struct kit_err *err)
{
	cs_insn *insn = NULL;
	size_t count, i;
	csh h;
	int ret = -1;
	const char *why = "no direct call";

	memset(out, 0, sizeof *out);
	if (!syms)
		return kit_seterr(err, EINVAL, "no symbols to name a callee");
	if (open_cs(&h, err) < 0)
		return -1;
	count = cs_disasm(h, code, len, addr, 0, &insn);
	for (i = 0; i < count && i < REC_CALLEE_MAX_INSNS; i++) {
		cs_x86 *x = &insn[i].detail->x86;
		const struct ksym_sym *s;
		const char *nm;
		uint64_t target, off;

		if (insn[i].id == X86_INS_CALL) {
			if (x->op_count != 1 || x->operands[0].type != X86_OP_IMM) {
				why = "an indirect call first";
				break;
			}
			target = (uint64_t)x->operands[0].imm;
			s = ksym_lookup_addr(syms, target, &off);
			nm = s ? ksym_name(syms, s) : NULL;
			if (nm && !off && passing_call(nm))
				continue;
			if (!nm || off) {
				why = "a call to an address no symbol starts at";
				break;
			}
			if (!((target ^ addr) & ~(uint64_t)0xfff))
				continue;  /* addr's own page: no better */
			out->target = target;
			out->ret_addr = insn[i].address + insn[i].size;
			out->insns = (unsigned)i + 1;
			out->name = nm;
			ret = 0;
			break;
		}
		if (cs_insn_group(h, &insn[i], CS_GRP_JUMP) ||
		    cs_insn_group(h, &insn[i], CS_GRP_RET) ||
		    cs_insn_group(h, &insn[i], CS_GRP_IRET) ||
		    cs_insn_group(h, &insn[i], CS_GRP_INT)) {
			why = "a branch before any call";
			break;
		}
	}
	if (ret < 0)
		kit_seterr(err, ENOENT, "%s in the first %zu instructions at 0x%llx",
			   why, i, (unsigned long long)addr);
	if (insn)
		cs_free(insn, count);
	cs_close(&h);
	return ret;
}

size_t rec_stores_to(const uint8_t *code, size_t len, uint64_t addr,
		     uint64_t var, uint64_t *vals, size_t max)
{
	cs_insn *insn = NULL;
	size_t count, i, n = 0;
	csh h;

	if (open_cs(&h, NULL) < 0)
		return 0;
	count = cs_disasm(h, code, len, addr, 0, &insn);
	for (i = 0; i < count; i++) {
		cs_x86 *x = &insn[i].detail->x86;
		x86_op_mem *m;
		uint64_t to;

		if (insn[i].id != X86_INS_MOV || x->op_count != 2 ||
		    x->operands[0].type != X86_OP_MEM ||
		    x->operands[1].type != X86_OP_IMM)
			continue;
		m = &x->operands[0].mem;
		if (m->segment != X86_REG_INVALID || m->index != X86_REG_INVALID)
			continue;
		if (m->base == X86_REG_RIP)
			to = insn[i].address + insn[i].size + (uint64_t)m->disp;
		else if (m->base == X86_REG_INVALID)
			to = (uint64_t)m->disp;
		else
			continue;
		if (to == var && n < max)
			vals[n++] = (uint64_t)x->operands[1].imm;
	}
	if (insn)
		cs_free(insn, count);
	cs_close(&h);
	return n;
}

int rec_find_end_nop(const uint8_t *code, size_t len, uint64_t addr,
		     const char *fn_reg, uint64_t *nop, unsigned *nop_len)
{
	cs_insn *insn = NULL;
	size_t count, i;
	csh h;
	int ret = -1;

	if (open_cs(&h, NULL) < 0)
		return -1;
	count = cs_disasm(h, code, len, addr, 4, &insn);
	for (i = 0; i < count; i++) {
		cs_x86 *x = &insn[i].detail->x86;
		const char *d;

		if (insn[i].id == X86_INS_NOP) {
			*nop = insn[i].address;
			*nop_len = insn[i].size;
			ret = 0;
			break;
		}
		/* a register move that keeps rax and fn_reg: "mov %eax,%ebp" */
		if (insn[i].id != X86_INS_MOV || x->op_count != 2 ||
		    x->operands[0].type != X86_OP_REG ||
		    x->operands[1].type != X86_OP_REG ||
		    !(d = rec_gpr64(cs_reg_name(h, x->operands[0].reg), NULL)) ||
		    !rec_gpr64(cs_reg_name(h, x->operands[1].reg), NULL) ||
		    !strcmp(d, "rax") || !strcmp(d, "rsp") ||
		    (fn_reg && !strcmp(d, fn_reg)))
			break;
	}
	if (insn)
		cs_free(insn, count);
	cs_close(&h);
	return ret;
}

/* ---- QEMU's clock of record, and how a recording ended ---- */

int rec_parse_events(const char *text, size_t len, struct rec_qevent **ev,
		     size_t *n, struct kit_err *err)
{
	struct rec_qevent *v = NULL;
	size_t cap = 0, k = 0, line = 0;
	const char *p = text, *end = text + len;

	*ev = NULL;
	*n = 0;
	while (p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		char buf[64], *num, *stop;
		size_t l;
		long long t;

		if (!nl)
			break;         /* a line being written */
		line++;
		l = (size_t)(nl - p);
		if (l == 0 || l >= sizeof buf) {
			if (l == 0) {
				p = nl + 1;
				continue;
			}
			goto bad;
		}
		memcpy(buf, p, l);
		buf[l] = '\0';
		p = nl + 1;
		if (!strncmp(buf, "STOP ", 5))
			num = buf + 5;
		else if (!strncmp(buf, "RESUME ", 7))
			num = buf + 7;
		else
			goto bad;
		errno = 0;
		t = strtoll(num, &stop, 10);
		if (errno || stop == num || *stop || t <= 0)
			goto bad;
		if (k == cap) {
			size_t c = cap ? 2 * cap : 256;
			struct rec_qevent *nv = realloc(v, c * sizeof *nv);

			if (!nv) {
				free(v);
				return kit_seterr(err, ENOMEM, "out of memory");
			}
			v = nv;
			cap = c;
		}
		v[k].stop = buf[0] == 'S';
		v[k].rt = t;
		k++;
	}
	*ev = v;
	*n = k;
	return 0;
bad:
	free(v);
	return kit_seterr(err, EINVAL, "line %zu is not 'STOP NS' or 'RESUME NS'", line);
}

/* Whether mark i needs an event (see rec_events_needed()). */
static bool mark_needs_event(const struct rec_mark *m, size_t nm, size_t i)
{
	if (m[i].stop)
		return !m[i].end;
	return i + 1 < nm;
}

size_t rec_events_needed(const struct rec_mark *m, size_t nm)
{
	size_t i, k = 0;

	for (i = 0; i < nm; i++)
		k += mark_needs_event(m, nm, i);
	return k;
}

int rec_match_events(const struct rec_mark *m, size_t nm,
		     const struct rec_qevent *ev, size_t nev, int64_t off,
		     int64_t tol, int64_t stop_lag, int64_t *qt, char *why,
		     size_t len)
{
	size_t i, e = 0, need = rec_events_needed(m, nm), used = 0;
	int64_t resumed = 0;

	if (!nm)
		return 0;
	/* events from before the recording: an attach's STOP, older runs */
	while (e < nev && ev[e].rt - off < m[0].lo - tol)
		e++;
	if (nev - e < need) {
		snprintf(why, len, "the events file has %zu events from the "
			 "recording, the recorder made %zu stops and resumes",
			 nev - e, need);
		return -1;
	}
	for (i = 0; i < nm; i++) {
		int64_t t;

		qt[i] = -1;
		if (!mark_needs_event(m, nm, i))
			continue;
		t = ev[e].rt - off;
		if (ev[e].stop != m[i].stop) {
			snprintf(why, len, "QEMU's event %zu of the recording is a "
				 "%s where the recorder %s", used + 1,
				 ev[e].stop ? "STOP" : "RESUME",
				 m[i].stop ? "read a stop" : "resumed");
			return -1;
		}
		if (!m[i].stop && t < m[i].lo - tol) {
			snprintf(why, len, "QEMU's RESUME %zu is %.3f ms before the "
				 "recorder resumed", used + 1,
				 (double)(m[i].lo - t) / 1e6);
			return -1;
		}
		if (m[i].stop && (t > m[i].host + stop_lag || t < resumed)) {
			snprintf(why, len, "QEMU's STOP %zu is %.3f ms %s", used + 1,
				 t > m[i].host ? (double)(t - m[i].host) / 1e6 :
				 (double)(resumed - t) / 1e6, t > m[i].host ?
				 "after the recorder read its stop reply" :
				 "before its RESUME");
			return -1;
		}
		if (!m[i].stop)
			resumed = t;
		qt[i] = t;
		e++;
		used++;
	}
	return 0;
}

static int cmp_i64(const void *a, const void *b)
{
	int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;

	return x < y ? -1 : x > y;
}

void rec_qemu_guest_time(const struct rec_mark *m, size_t nm, const int64_t *qt,
			 int64_t end_host, bool subtract, int64_t *q,
			 int64_t *lat_out)
{
	int64_t *cal = malloc((nm + 1) * sizeof *cal), lat = 0, g = 0, rs = -1;
	size_t i, ncal = 0;

	for (i = 1; cal && i < nm; i++)
		if (m[i].stop && m[i].cal && !m[i - 1].stop && qt[i] >= 0 &&
		    qt[i - 1] >= 0)
			cal[ncal++] = (qt[i] < m[i].host ? qt[i] : m[i].host) -
				      qt[i - 1];
	if (ncal) {
		qsort(cal, ncal, sizeof *cal, cmp_i64);
		lat = cal[ncal / 2];
	}
	free(cal);
	*lat_out = lat;
	if (!subtract)
		lat = 0;
	for (i = 0; i < nm; i++) {
		int64_t stop, d;

		if (!m[i].stop) {
			rs = qt[i];
			continue;
		}
		q[i] = g;
		if (m[i].cal || rs < 0)
			continue;
		stop = m[i].end ? end_host : qt[i] < m[i].host ? qt[i] : m[i].host;
		d = stop - rs - lat;
		g += d > 0 ? d : 0;
		q[i] = g;
		rs = -1;
	}
}

int64_t rec_map_time(const int64_t *g, const int64_t *q, size_t n, int64_t t)
{
	size_t lo = 0, hi = n;
	int64_t g0 = 0, q0 = 0;

	if (!n)
		return t;
	/* the first k with g[k] >= t */
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (g[mid] < t)
			lo = mid + 1;
		else
			hi = mid;
	}
	if (lo == n)
		return q[n - 1] + (t - g[n - 1]);
	if (g[lo] == t)
		return q[lo];
	if (lo > 0) {
		g0 = g[lo - 1];
		q0 = q[lo - 1];
	}
	if (g[lo] <= g0)
		return q[lo];
	return q0 + (int64_t)((double)(t - g0) * (double)(q[lo] - q0) /
			      (double)(g[lo] - g0));
}

int rec_exit_read(const char *path, struct rec_exit *x, struct kit_err *err)
{
	json_object *o = gc_read_own_json(path, err), *v;
	int ret = -1;

	memset(x, 0, sizeof *x);
	if (!o)
		return -1;
	if (!json_object_is_type(o, json_type_object) ||
	    !json_object_object_get_ex(o, "version", &v) ||
	    json_object_get_int(v) != 1) {
		kit_seterr(err, EINVAL, "'%s' is not a version 1 exit record", path);
		goto out;
	}
	if (json_object_object_get_ex(o, "status", &v) &&
	    json_object_is_type(v, json_type_string))
		x->signaled = !strcmp(json_object_get_string(v), "signaled");
	if (json_object_object_get_ex(o, "code", &v) &&
	    json_object_is_type(v, json_type_int))
		x->code = json_object_get_int(v);
	if (json_object_object_get_ex(o, "signal", &v) &&
	    json_object_is_type(v, json_type_int))
		x->signal = json_object_get_int(v);
	if (json_object_object_get_ex(o, "signal_name", &v) &&
	    json_object_is_type(v, json_type_string))
		snprintf(x->signal_name, sizeof x->signal_name, "%s",
			 json_object_get_string(v));
	else if (x->signaled)
		snprintf(x->signal_name, sizeof x->signal_name, "signal %d",
			 x->signal);
	if (json_object_object_get_ex(o, "shutdown_reason", &v) &&
	    json_object_is_type(v, json_type_string))
		snprintf(x->shutdown_reason, sizeof x->shutdown_reason, "%s",
			 json_object_get_string(v));
	if (json_object_object_get_ex(o, "guest_panicked", &v))
		x->guest_panicked = json_object_get_boolean(v);
	if (json_object_object_get_ex(o, "realtime_ns", &v) &&
	    json_object_is_type(v, json_type_int))
		x->realtime_ns = json_object_get_int64(v);
	ret = 0;
out:
	json_object_put(o);
	return ret;
}

/* What the wrapper's exit record says; true when the boot ended itself. */
static bool exit_cause(const struct rec_exit *x, char *buf, size_t len)
{
	const char *r = x->shutdown_reason;

	if (x->signaled) {
		snprintf(buf, len, "qemu was killed by %s", x->signal_name);
		return false;
	}
	if (x->guest_panicked || !strcmp(r, "guest-panic")) {
		snprintf(buf, len, "the guest panicked (shutdown reason %s)",
			 r[0] ? r : "none, a GUEST_PANICKED event");
		return true;
	}
	if (!strcmp(r, "guest-shutdown")) {
		snprintf(buf, len, "the guest powered off (shutdown reason "
			 "guest-shutdown)");
		return true;
	}
	if (!strcmp(r, "guest-reset")) {
		snprintf(buf, len, "the guest reset with -no-reboot (shutdown "
			 "reason guest-reset: a triple fault or a reboot)");
		return true;
	}
	if (!strncmp(r, "guest-", 6)) {
		snprintf(buf, len, "the guest ended it (shutdown reason %s)", r);
		return true;
	}
	if (!strcmp(r, "host-signal")) {
		snprintf(buf, len, "qemu exited on a signal from the host "
			 "(shutdown reason host-signal)");
		return false;
	}
	if (r[0]) {
		snprintf(buf, len, "qemu was told to exit by the host (shutdown "
			 "reason %s)", r);
		return false;
	}
	/* no SHUTDOWN event: the guest's own exit device (isa-debug-exit
	 * exits at once), or an error of qemu's */
	snprintf(buf, len, "qemu exited with status %d without a shutdown event "
		 "(an exit device such as isa-debug-exit, or a qemu error)", x->code);
	return true;
}

bool rec_end_cause(char how, int num, const struct rec_exit *x, char *buf,
		   size_t len)
{
	bool ok = x ? exit_cause(x, buf, len) : false;

	if (how == 'X') {
		/* the stub says the target was killed: never a boot's end,
		 * whatever the wrapper saw; its cause first when it has one */
		if (!x || ok)
			snprintf(buf, len, "the stub reported the target killed by "
				 "signal %d (X%02x)", num, (unsigned)num & 0xff);
		return false;
	}
	if (x)
		return ok;
	if (how == 'W') {
		/* QEMU 7.2 sends W00 on any orderly exit, SIGTERM's too */
		snprintf(buf, len, "qemu exited (W%02x; no exit record to say why)",
			 (unsigned)num & 0xff);
		return true;
	}
	snprintf(buf, len, "the gdbstub closed the connection without an exit reply");
	return false;
}

/* ------------------------------------------------------------------ */
/* The recorder                                                        */

enum ic_mode { IC_BREAKPOINTS, IC_ENTRIES, IC_OFF };
enum ic_state { IC_PENDING, IC_ENTERED, IC_DONE, IC_SKIPPED, IC_MISSED };

#define REC_MAX_MS 16
#define REC_WINDOW 2       /* entry breakpoints armed at a time */
#define REC_QMAX 16        /* packets queued for one write (see flush()) */

struct rec_ms {
	char name[64];
	char phase[48];        /* the phase that starts here; "" none */
	uint64_t addr;
	bool armed, hit, is_until;
	bool deferred;         /* held back while the initcalls run (fast) */
	bool late;             /* armed when the watch sees the kernel leave
				* its initcalls (watch_setup()) */
	bool stem;             /* armed at startup_64's stop, on its first
				* callee when it can be (resolve_stem()) */
	uint64_t ret_check;    /* at a callee: the return address expected
				* at [rsp]; 0 none */
};

struct rec_ic {
	const char *fn;
	char level[16];
	int sync;
	char module[64];
	uint64_t addr;
	enum ic_state state;
	bool armed;
	int64_t start, end, ret;
	int64_t wstart;        /* the watch scheme: its start; -1 not seen */
	bool has_ret;
};

struct rec {
	/* options */
	const char *out, *kernel_opt, *endpoint, *until, *milestones_opt;
	const char *save_mem;
	enum ic_mode mode;
	bool until_exit, latest, wait;
	double timeout_s;
	unsigned long progress_every;
	long stall_at;                 /* GC_PROFILE_TEST_STALL */

	/* session */
	bool have_session;
	char session_path[4200];
	char gdb[4200], kernel[4096], append[4096], accel[32], qemu[4096];
	bool have_append;
	int64_t start_mono;

	struct rsp_conn *c;
	struct ksym_table *syms;
	struct prof_profile *p;
	bool nokaslr, kaslr_assumed;

	/* time: host CLOCK_MONOTONIC ns; g: guest running ns */
	int64_t t0, ready_host, resume_host, stop_host;
	int64_t g;
	bool running, resumed_once, alive, last_debug;
	enum prof_stop_kind last_kind;

	struct rec_ms ms[REC_MAX_MS];
	size_t nms;
	bool have_until_ms;

	/* the phase in progress */
	char cur[48];
	int64_t cur_start;
	bool open;
	char level_phase[48];          /* the open initcall level phase */
	int64_t level_last_end;
	const char *after_ic_phase;    /* "userspace-start" or "after-initcalls" */

	/* initcalls */
	struct rec_ic *ics;
	size_t nic, next, nseen, nreturned;
	long entered;                  /* index, -1 none */
	bool prepared, ics_done, table_from_mem;
	struct rec_retsite rs;
	struct rec_emul emul;
	bool ret_armed, emul_ok, have_rs;
	bool callsite;                 /* the call-site scheme (see above) */
	bool call_armed;               /* its breakpoint at rs.call_addr */
	char scheme[200];              /* how initcalls are caught, for env */
	uint64_t doi_addr, doi_size;
	unsigned long nsteps, nemul, ncalls, nunattributed, nunexpected;
	bool z0_refused;               /* a Z0 was refused: Z1 used (KVM) */

	/* Z/z/P packets queued during a stop, written in one go (flush()) */
	struct rsp_buf qout;           /* the encoded packets */
	char qwhat[REC_QMAX][64];      /* each one's description, for errors */
	size_t nq;
	long qg;                       /* index of a queued 'g', -1 none */
	long qm;                       /* index of a queued 'm' (<= 8 bytes) */
	unsigned qm_len;
	uint64_t qm_val;               /* its bytes, little-endian */
	bool qm_ok;

	/* the fast scheme (see fast_stop()): one of the call and return site
	 * breakpoints armed at a time, so that a stop there is known without
	 * asking; its 'g' goes out with the resume and is read after it */
	bool fast;
	enum { FAST_NONE, FAST_CALL, FAST_RET } fast_site, fast_pending;
	long last_runnable;            /* last table initcall not blacklisted */
	unsigned long nfast;           /* stops handled that way */
	bool fast_live;                /* past the first call: see fast_begin() */
	bool at_reset;                 /* attached at the reset vector */

	/* the watch scheme (ws_prepare()): a read watchpoint on
	 * blacklisted_initcalls starts each initcall, a breakpoint on the NOP
	 * after the return site ends it */
	bool ws;
	bool ws_live;                  /* milestones held back: every
					* breakpoint stop is the end's */
	bool ws_pending;               /* an end stop's 'g' to read */
	uint64_t ws_var, ws_end;
	unsigned ws_end_len;
	uint64_t ws_nop;               /* the NOP's bytes as found */
	uint64_t ws_cur;               /* the bytes there as last read: the
					* NOP, or the jump a tracepoint
					* switched on made of it */
	int64_t ws_start;              /* guest time of the last watch stop */
	bool ws_watch_pending;         /* a watch stop's 'g' to read */
	unsigned long nws_tied;        /* starts tied to their initcall */
	int64_t ws_watch_time;
	unsigned long nwatch_stops;

	/* --sample HZ: interrupt stops between the breakpoint stops
	 * (sample_tick()); their counts go to the profile's samples */
	double sample_hz;
	int64_t next_tick;             /* host ns */
	int64_t sample_hold;           /* ns the ticks held the guest since
					* the last resume (not guest time) */
	int64_t raced_stop;            /* a breakpoint stop that came instead of
					* a tick's: when it came (0 none) */
	struct rsp_batch sbatch;       /* the packets of one tick */
	/* the late milestones of --initcalls=off (watch_setup()) */
	bool late_pending;             /* some wait for the watch to arm them */
	bool watching;                 /* ticks read watch_var */
	uint64_t watch_var, watch_min;
	const char *watch_name;        /* the symbol watch_var is */
	unsigned long nwatch;          /* watch ticks */
	char watch_note[96];           /* for environment.tool */
	char early_note[128];          /* qemu exited before a milestone */
	bool watch_missed;             /* the watch saw user mode first */
	struct gc_sample_layout layout;
	struct rec_bucket {
		enum gc_region region;
		const char *symbol;
		enum x86_mode mode;
		int64_t count;
	} *sb;
	size_t nsb, sbcap;
	unsigned long nsamples, nraced;

	/* QEMU's clock of record (recorder.h: rec_mark): every resume
	 * written and stop read, matched at the end to the wrapper's
	 * STOP/RESUME events (qemu_clock()) */
	struct rec_mark *marks;
	size_t nmarks, capmarks;
	bool marks_lost;               /* out of memory: no QEMU clock */
	long last_stop_mark;           /* its index, -1 none */
	char events_path[4200];        /* RUNDIR/PID.events; "" none */
	char exit_path[4200];          /* RUNDIR/PID.exit.json; "" none */
	long wrapper_pid;              /* the session's; 0 none */
	int64_t rt_off;                /* CLOCK_REALTIME - CLOCK_MONOTONIC, ns */
	int64_t *map_g, *map_q;        /* client-clocked -> QEMU's guest ns,
					* at every stop; n 0: not mapped */
	size_t nmap;
	char clock_note[240];          /* for environment.tool */

	/* how the connection ended ('W', 'X', 'E' closed; 0 it did not) */
	char conn_end;
	int conn_num;                  /* W: the status; X: the signal */
	bool have_exit;
	struct rec_exit exit;          /* the wrapper's record of it */
	char end_cause[200];           /* rec_end_cause() */
	bool end_by_guest;

	bool complete;
	char reason[200];
	char endname[64];
	int sigpipe[2];
	int signo;
	bool trace_stderr;             /* GDBSTUB_TRACE was set */
	bool raw;                      /* --raw: no latency correction */
	int64_t latency;               /* ns, the stub's resume -> stop cost */
};

static volatile sig_atomic_t rec_signal;
static volatile sig_atomic_t rec_continued;   /* SIGCONTs seen */
static int rec_sigfd = -1;

/* The recorder was stopped (SIGSTOP, Ctrl-Z) and continued: on the
 * client's clock that time would be guest time (qemu_clock()). */
static void on_sigcont(int sig)
{
	(void)sig;
	rec_continued = 1;
}

static void on_signal(int sig)
{
	int saved = errno;
	char b = 1;

	if (!rec_signal)
		rec_signal = sig;
	if (rec_sigfd >= 0 && write(rec_sigfd, &b, 1) < 0) {
		/* nothing to do: the flag is set */
	}
	errno = saved;
}

static int64_t mono(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

static double ms_of(int64_t ns)
{
	return (double)ns / 1e6;
}

static void progress(struct rec *r, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
static void progress(struct rec *r, const char *fmt, ...)
{
	va_list ap;

	(void)r;
	fprintf(stderr, "profile: ");
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

static void set_incomplete(struct rec *r, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
static void set_incomplete(struct rec *r, const char *fmt, ...)
{
	va_list ap;

	if (!r->complete && r->reason[0])
		return;          /* the first reason stands */
	r->complete = false;
	va_start(ap, fmt);
	vsnprintf(r->reason, sizeof r->reason, fmt, ap);
	va_end(ap);
}

/* The connection ended while the guest ran or at a stop reply: its cause
 * is decided at the end (decide_end()), with the wrapper's exit record. */
static void conn_ended(struct rec *r, char how, int num)
{
	r->alive = false;
	if (!r->conn_end) {
		r->conn_end = how;
		r->conn_num = num;
	}
}

/* ---- marks: QEMU's clock (recorder.h, qemu_clock()) ---- */

static struct rec_mark *new_mark(struct rec *r)
{
	if (r->marks_lost)
		return NULL;
	if (r->nmarks == r->capmarks) {
		size_t cap = r->capmarks ? 2 * r->capmarks : 1024;
		struct rec_mark *m = realloc(r->marks, cap * sizeof *m);

		if (!m) {
			r->marks_lost = true;
			return NULL;
		}
		r->marks = m;
		r->capmarks = cap;
	}
	memset(&r->marks[r->nmarks], 0, sizeof r->marks[0]);
	r->marks[r->nmarks].rec = -1;
	return &r->marks[r->nmarks++];
}

/* A resume about to be written at t. */
static void mark_resume(struct rec *r, int64_t t, bool cal)
{
	struct rec_mark *m = new_mark(r);

	if (m) {
		m->cal = cal;
		m->lo = m->host = t;
	}
}

/* A stop whose reply was read at t; g: the guest ns at it. */
static void mark_stop(struct rec *r, int64_t t, bool cal, int64_t g)
{
	struct rec_mark *m = new_mark(r);

	if (m) {
		m->stop = true;
		m->cal = cal;
		m->host = t;
		m->g = g;
		r->last_stop_mark = (long)(m - r->marks);
	}
}

/* The last stop read was the connection's end (W, X, EOF): no STOP. */
static void mark_end(struct rec *r)
{
	if (r->nmarks && r->marks[r->nmarks - 1].stop)
		r->marks[r->nmarks - 1].end = true;
}

/* The last stop's record in the profile: reported then, resumed at t. */
static void record_stop(struct rec *r, int64_t t)
{
	if (prof_add_stop(r->p, r->last_kind, r->stop_host, t, NULL) == 0 &&
	    r->last_stop_mark >= 0 && r->marks[r->last_stop_mark].rec < 0)
		r->marks[r->last_stop_mark].rec = (long)r->p->stops.nlist - 1;
}

/* ---- phases ---- */

static void phase_close(struct rec *r, int64_t t)
{
	if (!r->open)
		return;
	prof_add_phase(r->p, r->cur, r->cur_start,
		       t > r->cur_start ? t - r->cur_start : 0, NULL);
	r->open = false;
	r->level_phase[0] = '\0';
}

static void phase_open(struct rec *r, const char *id, int64_t t)
{
	phase_close(r, t);
	snprintf(r->cur, sizeof r->cur, "%s", id);
	r->cur_start = t;
	r->open = true;
}

/* ---- session ---- */

static void jstr(json_object *o, const char *key, char *out, size_t len,
		 bool *present)
{
	json_object *v;

	out[0] = '\0';
	if (json_object_object_get_ex(o, key, &v) &&
	    json_object_is_type(v, json_type_string)) {
		snprintf(out, len, "%s", json_object_get_string(v));
		if (present)
			*present = true;
	}
}

static int read_session(struct rec *r, const char *path)
{
	json_object *o, *v, *start;
	struct kit_err e;

	o = gc_read_own_json(path, &e);
	if (!o)
		return error("%s", e.msg);
	snprintf(r->session_path, sizeof r->session_path, "%s", path);
	jstr(o, "gdb", r->gdb, sizeof r->gdb, NULL);
	jstr(o, "kernel", r->kernel, sizeof r->kernel, NULL);
	jstr(o, "append", r->append, sizeof r->append, &r->have_append);
	jstr(o, "accel_active", r->accel, sizeof r->accel, NULL);
	if (!r->accel[0])
		jstr(o, "accel", r->accel, sizeof r->accel, NULL);
	jstr(o, "qemu", r->qemu, sizeof r->qemu, NULL);
	jstr(o, "exit_file", r->exit_path, sizeof r->exit_path, NULL);
	jstr(o, "events", r->events_path, sizeof r->events_path, NULL);
	if (json_object_object_get_ex(o, "wrapper_pid", &v))
		r->wrapper_pid = (long)json_object_get_int64(v);
	if (json_object_object_get_ex(o, "start", &start) &&
	    json_object_object_get_ex(start, "monotonic_ns", &v))
		r->start_mono = json_object_get_int64(v);
	json_object_put(o);
	r->have_session = true;
	return 0;
}

static int find_session(struct rec *r)
{
	struct gc_session s;
	struct kit_err e;

	if (gc_session_wait(r->wait, r->timeout_s > 0 ? (int64_t)(r->timeout_s * 1e3) : -1,
			    &rec_signal, &s, &e) < 0)
		return error("%s", e.msg);
	return read_session(r, s.path);
}

/*
 * An ENDPOINT that a live session of the wrapper serves: its exit record
 * and events file are read as with --latest (the rest of the session is
 * not: the command line says what to record).
 */
static void match_endpoint(struct rec *r)
{
	char rundir[4096];
	struct gc_session s;

	kit_rundir_path(rundir, sizeof rundir);
	if (gc_session_find(rundir, r->endpoint, &s, NULL) != 1)
		return;
	snprintf(r->exit_path, sizeof r->exit_path, "%s", s.exit_file);
	snprintf(r->events_path, sizeof r->events_path, "%s", s.events);
	r->wrapper_pid = s.wrapper_pid;
	progress(r, "%s is qemu-wrapper %ld's (%s)", r->endpoint,
		 s.wrapper_pid, s.path);
}

/*
 * Acknowledge the stub's next segments at once.  QEMU writes its '+' and
 * then the reply (or, after a continue, the stop reply) as separate
 * segments; with Nagle on its side and our delayed ACK, the second waits up
 * to 40 ms for the ACK of the first, which would be counted as guest time.
 * Quick-ack mode is not permanent, so it is set before every request.  Not
 * a TCP socket: a no-op.
 */
static void quickack(struct rec *r)
{
	int one = 1;

	(void)setsockopt(r->c->fd, IPPROTO_TCP, TCP_QUICKACK, &one, sizeof one);
}

/*
 * The trace hook sees every byte sequence as it is received ("<- +" right
 * after the '+' is read): setting TCP_QUICKACK then sends the ACK that the
 * kernel was holding back at once, so QEMU's Nagle releases the reply that
 * follows its '+'.  (QEMU's own "-gdb tcp:" sets nodelay; the wrapper's
 * chardev does not.)  The user's GDBSTUB_TRACE still prints.
 */
static void trace_hook(void *ctx, const char *line)
{
	struct rec *r = ctx;

	if (line[0] == '<')
		quickack(r);
	if (r->trace_stderr)
		rsp_trace_stderr(NULL, line);
}

/*
 * The packet queue.  Each request to QEMU costs a round trip (~30-100 us
 * on loopback with acks on), and a stop used to take up to six of them.
 * The requests whose only answer is "OK" (Z0, z0, P) are therefore queued
 * during a stop and written in one go: before anything that needs an
 * answer (flush(r, false)), or together with the resume (flush(r, true)).
 * QEMU 7.2's system-mode gdbstub reads packets one after another from its
 * input, answers each ('+' and the reply) before it looks at the next, and
 * never waits for our ack of a reply (only user mode does), so packets
 * written back to back are handled in order; a resume written last starts
 * the guest only after the others were applied.  Their replies are then
 * read without acks: any byte but 0x03 written while the guest runs would
 * stop it.  A failed Z/z/P is reported when its reply is read, so by the
 * next flush at the latest.
 */
static int flush(struct rec *r, bool cont)
{
	struct rsp_conn *c = r->c;
	struct kit_err e;
	const char *p = r->qout.data;
	size_t left = r->qout.len, i;
	bool saved_noack = c->noack;
	int rc = 0;

	if (!r->nq && !cont)
		return 0;
	if (cont) {
		const char *res = c->vCont_c ? "vCont;c" : "c";

		if (rsp_packet_encode(&r->qout, res, strlen(res)) < 0)
			return error("out of memory");
		p = r->qout.data;
		left = r->qout.len;
	}
	if (c->trace) {
		struct rsp_buf line = RSP_BUF_INIT;
		const char *a = p, *end = p + left;

		/* one trace line per packet, as conn.c prints them */
		while (a < end) {
			const char *h = memchr(a, '#', (size_t)(end - a));
			size_t n = h && end - h >= 3 ? (size_t)(h + 3 - a) : (size_t)(end - a);

			rsp_buf_reset(&line);
			if (rsp_buf_append(&line, "-> ", 3) == 0 &&
			    rsp_escape_for_trace(&line, a, n, 1024) == 0)
				c->trace(c->trace_ctx, line.data);
			a += n;
		}
		rsp_buf_free(&line);
	}
	quickack(r);
	while (left > 0) {
		ssize_t w = send(c->fd, p, left, MSG_NOSIGNAL);

		if (w < 0 && errno == ENOTSOCK)
			w = write(c->fd, p, left);
		if (w < 0 && (errno == EINTR || errno == EAGAIN)) {
			struct pollfd pf = { .fd = c->fd, .events = POLLOUT };

			poll(&pf, 1, 1000);
			continue;
		}
		if (w <= 0) {
			rc = error_errno("cannot send to the stub");
			goto out;
		}
		p += w;
		left -= (size_t)w;
	}
	if (cont) {
		/* what rsp_continue() records; the '+' for the resume is
		 * skipped by the next receive like any late ack */
		c->have_stop = false;
		r->running = true;
		c->noack = true;
	}
	for (i = 0; i < r->nq; i++) {
		/* c->running stays false while these are read: no wake fd,
		 * and they are replies, not the stop reply */
		if (rsp_recv(c, c->timeout_ms, &e) < 0) {
			rc = error("%s: %s", r->qwhat[i], e.msg);
			break;
		}
		if ((long)i == r->qm) {
			r->qm_ok = c->reply.len == 2 * (size_t)r->qm_len &&
				   rsp_hex_le_to_u64(c->reply.data, c->reply.len,
						     &r->qm_val) == 0;
			continue;
		}
		if ((long)i == r->qg) {
			/* the registers at the stop, read before the rest */
			if (rsp_take_registers(c, &e) < 0) {
				if (e.code == RSP_ERR_EXITED &&
				    (c->last_stop.kind == 'W' || c->last_stop.kind == 'X')) {
					/* the target ended instead of answering:
					 * the end's cause is decided later */
					conn_ended(r, c->last_stop.kind,
						   c->last_stop.kind == 'W' ?
						   c->last_stop.exit_status :
						   c->last_stop.signo);
					break;
				}
				rc = error("%s: %s", r->qwhat[i], e.msg);
				break;
			}
			continue;
		}
		if (c->reply.len != 2 || memcmp(c->reply.data, "OK", 2)) {
			char q[80];

			rc = error("%s: the stub answered '%s'", r->qwhat[i],
				   c->reply.len ? rsp_quote(q, sizeof q, c->reply.data,
							    c->reply.len, 40)
						: "(empty: unsupported)");
			break;
		}
	}
	if (cont)
		c->running = true;
out:
	c->noack = saved_noack;
	rsp_buf_reset(&r->qout);
	r->nq = 0;
	r->qg = -1;
	r->qm = -1;
	return rc;
}

static int queue(struct rec *r, const char *payload, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
static int queue(struct rec *r, const char *payload, const char *fmt, ...)
{
	va_list ap;

	if (r->nq == REC_QMAX && flush(r, false) < 0)
		return -1;
	if (rsp_packet_encode(&r->qout, payload, strlen(payload)) < 0)
		return error("out of memory");
	va_start(ap, fmt);
	vsnprintf(r->qwhat[r->nq], sizeof r->qwhat[r->nq], fmt, ap);
	va_end(ap);
	r->nq++;
	return 0;
}

/* A 'g' in the batch: its reply (the registers at this stop) is read
 * after the resume, into c->g (flush()).  It goes first, before any P. */
static int queue_g(struct rec *r)
{
	if (r->nq && flush(r, false) < 0)
		return -1;
	r->qg = (long)r->nq;
	return queue(r, "g", "cannot read the registers");
}

/* An 'm' of len (<= 8) bytes in the batch: its reply is read after the
 * resume, into r->qm_val (qm_ok). */
static int queue_m(struct rec *r, uint64_t addr, unsigned len)
{
	char pkt[40];

	r->qm = (long)r->nq;
	r->qm_len = len;
	r->qm_ok = false;
	snprintf(pkt, sizeof pkt, "m%llx,%x", (unsigned long long)addr, len);
	return queue(r, pkt, "cannot read memory at 0x%llx", (unsigned long long)addr);
}

static ssize_t read_mem(struct rec *r, uint64_t addr, void *buf, size_t len)
{
	if (flush(r, false) < 0)
		return -1;
	quickack(r);
	return rsp_read_memory(r->c, addr, buf, len, NULL);
}

/* ---- breakpoints ---- */

/*
 * Z0/z0 are queued (flush()); c->bps, the library's list of inserted
 * breakpoints that rsp_step() and detach() rely on, is kept as
 * rsp_insert_break() and rsp_remove_break() keep it.
 *
 * Under KVM, QEMU refuses a software breakpoint it cannot write (int3 at
 * a kernel virtual address before paging is on: 'E22').  A queued Z0's
 * answer is read only after the resume, too late to do anything else, so
 * the breakpoints that stay (milestones, the call and return sites) are
 * inserted at once (bp_insert_now()): a Z0 that is refused (E NN or
 * empty) is replaced by a hardware breakpoint (Z1, at most
 * REC_MAX_HW_BPS at a time, as x86 has debug registers).  After one
 * refusal every insert goes that way.
 */
#define REC_MAX_HW_BPS 4

static size_t bp_count(struct rec *r, enum rsp_bp_type type)
{
	size_t i, n = 0;

	for (i = 0; i < r->c->nbps; i++)
		n += r->c->bps[i].type == type;
	return n;
}

static int bp_insert_now(struct rec *r, uint64_t addr, const char *what)
{
	struct kit_err e, e2;
	int rc;

	if (flush(r, false) < 0)
		return -1;
	quickack(r);
	rc = rsp_insert_break(r->c, RSP_BP_SW, addr, 1, &e);
	if (rc == 0)
		return 0;
	if (rc != -RSP_ERR_TARGET && rc != -RSP_ERR_UNSUPPORTED)
		return error("cannot insert a breakpoint at 0x%llx (%s): %s",
			     (unsigned long long)addr, what, e.msg);
	if (bp_count(r, RSP_BP_HW) >= REC_MAX_HW_BPS)
		return error("cannot insert a breakpoint at 0x%llx (%s): software "
			     "refused (%s) and all %d hardware breakpoints are in use",
			     (unsigned long long)addr, what, e.msg, REC_MAX_HW_BPS);
	quickack(r);
	if (rsp_insert_break(r->c, RSP_BP_HW, addr, 1, &e2) < 0)
		return error("cannot insert a breakpoint at 0x%llx (%s): software "
			     "refused (%s), hardware too (%s)",
			     (unsigned long long)addr, what, e.msg, e2.msg);
	r->z0_refused = true;
	progress(r, "%s at 0x%llx: hardware breakpoint (software refused: %s)",
		 what, (unsigned long long)addr, e.msg);
	return 0;
}

/* sync: at once, with the hardware fallback; else queued (entry
 * breakpoints of the per-function scheme, unless a Z0 was refused). */
static int bp_insert(struct rec *r, uint64_t addr, bool sync, const char *what)
{
	struct rsp_conn *c = r->c;
	char pkt[48];

	if (c->nbps == RSP_MAX_BREAKPOINTS)
		return error("cannot insert a breakpoint at 0x%llx: too many "
			     "breakpoints (%d)", (unsigned long long)addr,
			     RSP_MAX_BREAKPOINTS);
	if (sync || r->z0_refused)
		return bp_insert_now(r, addr, what);
	snprintf(pkt, sizeof pkt, "Z0,%llx,1", (unsigned long long)addr);
	if (queue(r, pkt, "cannot insert a breakpoint at 0x%llx",
		  (unsigned long long)addr) < 0)
		return -1;
	c->bps[c->nbps].type = RSP_BP_SW;
	c->bps[c->nbps].addr = addr;
	c->bps[c->nbps].kind = 1;
	c->nbps++;
	return 0;
}

static int bp_remove(struct rec *r, uint64_t addr)
{
	struct rsp_conn *c = r->c;
	enum rsp_bp_type type = RSP_BP_SW;
	char pkt[48];
	size_t i;

	for (i = 0; i < c->nbps; i++)
		if (c->bps[i].addr == addr &&
		    (c->bps[i].type == RSP_BP_SW || c->bps[i].type == RSP_BP_HW)) {
			type = c->bps[i].type;
			break;
		}
	snprintf(pkt, sizeof pkt, "z%d,%llx,1", (int)type, (unsigned long long)addr);
	if (queue(r, pkt, "cannot remove the breakpoint at 0x%llx",
		  (unsigned long long)addr) < 0)
		return -1;
	if (i < c->nbps)
		c->bps[i] = c->bps[--c->nbps];
	return 0;
}

static bool bp_at(struct rec *r, uint64_t addr)
{
	size_t i;

	for (i = 0; i < r->c->nbps; i++)
		if (r->c->bps[i].addr == addr)
			return true;
	return false;
}

/* "software" or "hardware": the kind of breakpoint at addr. */
static const char *bp_kind(struct rec *r, uint64_t addr)
{
	size_t i;

	for (i = 0; i < r->c->nbps; i++)
		if (r->c->bps[i].addr == addr)
			return r->c->bps[i].type == RSP_BP_HW ? "hardware" : "software";
	return "none";
}

/* Insert a breakpoint unless one is there (milestone, other initcall). */
static int bp_want(struct rec *r, uint64_t addr, bool sync, const char *what)
{
	return bp_at(r, addr) ? 0 : bp_insert(r, addr, sync, what);
}

/* Whether anything the recorder still wants sits at addr. */
static bool addr_wanted(struct rec *r, uint64_t addr)
{
	size_t i;

	for (i = 0; i < r->nms; i++)
		if (r->ms[i].armed && r->ms[i].addr == addr)
			return true;
	for (i = r->next; i < r->nic && i < r->next + REC_WINDOW; i++)
		if (r->ics[i].armed && r->ics[i].addr == addr)
			return true;
	if (r->call_armed && r->rs.call_addr == addr)
		return true;
	return r->ret_armed && r->rs.ret_addr == addr;
}

static int bp_drop(struct rec *r, uint64_t addr)
{
	return addr_wanted(r, addr) || !bp_at(r, addr) ? 0 : bp_remove(r, addr);
}

/* Arm the entry breakpoints of the window [next, next + REC_WINDOW);
 * disarm those before it. */
static int arm_window(struct rec *r)
{
	size_t i;

	if (r->callsite)
		return 0;      /* no entry breakpoints */
	for (i = 0; i < r->nic; i++) {
		struct rec_ic *ic = &r->ics[i];
		bool in = !r->ics_done && i >= r->next && i < r->next + REC_WINDOW &&
			  ic->state == IC_PENDING;

		if (in && !ic->armed) {
			ic->armed = true;
			if (bp_want(r, ic->addr, false, ic->fn) < 0)
				return -1;
		} else if (!in && ic->armed) {
			ic->armed = false;
			if (bp_drop(r, ic->addr) < 0)
				return -1;
		}
		if (i >= r->next + REC_WINDOW && !ic->armed)
			break;
	}
	return 0;
}

/* ---- run control ---- */

static double tick_hz(const struct rec *r);
static void halt_running(struct rec *r);
static int fast_begin(struct rec *r);
static void finish_initcalls(struct rec *r, int64_t t);
static int on_entry(struct rec *r, size_t i);
static int on_return_data(struct rec *r);
static void ws_unarm(struct rec *r);
static int ws_prepare(struct rec *r);

static int resume(struct rec *r)
{
	int64_t t;
	int rc;

	if (r->running)
		return error("cannot resume the guest: it runs");
	t = mono();
	if (r->resumed_once)
		record_stop(r, t);
	r->resume_host = t;
	r->resumed_once = true;
	mark_resume(r, t, false);
	if (tick_hz(r) > 0)
		r->next_tick = t + (int64_t)(1e9 / tick_hz(r));
	/* the stop's queued packets and the resume in one write */
	rc = flush(r, true);
	return rc < 0 ? -1 : 0;
}

/* After a stop reply: time accounting.  Each resume -> stop interval
 * also holds the stub's own latency (QEMU starting and stopping the vCPU,
 * the stop reply), measured at attach: that is not guest running time
 * (the guest's TSC does not count it either). */
static void stopped(struct rec *r, enum prof_stop_kind kind)
{
	int64_t d, now = mono();

	r->stop_host = now;
	if (r->raced_stop) {
		/* the guest stopped here first; a tick then resumed it and it
		 * stopped again at once (sample_tick()) */
		r->stop_host = r->raced_stop;
		r->raced_stop = 0;
	}
	d = r->stop_host - r->resume_host - r->latency - r->sample_hold;
	r->sample_hold = 0;
	r->g += d > 0 ? d : 0;
	r->running = false;
	r->last_kind = kind;
	mark_stop(r, now, false, r->g);
}

/* Single-step over the breakpoint at pc (a debug stop, counted). */
static int step_over(struct rec *r)
{
	struct rsp_stop st;
	struct kit_err e;
	int64_t t;
	int rc;

	if (flush(r, false) < 0)
		return -1;
	t = mono();
	record_stop(r, t);
	r->resume_host = t;
	mark_resume(r, t, false);
	quickack(r);
	rc = rsp_step(r->c, &st, &e);
	if (rc < 0)
		return error("cannot single-step: %s", e.msg);
	stopped(r, PROF_STOP_DEBUG);
	r->nsteps++;
	if (st.kind == 'W' || st.kind == 'X') {
		mark_end(r);
		conn_ended(r, st.kind, st.kind == 'W' ? st.exit_status : st.signo);
		return 1;
	}
	return 0;
}

static int read_regs(struct rec *r, uint64_t *linear, uint64_t *ip)
{
	struct kit_err e;

	if (flush(r, false) < 0)
		return -1;
	quickack(r);
	if (rsp_get_pc(r->c, linear, ip, &e) < 0)
		return error("cannot read registers: %s", e.msg);
	return 0;
}

static uint64_t reg(struct rec *r, const char *name)
{
	uint64_t v = 0;

	rsp_reg_get(r->c, name, &v, NULL);
	return v;
}

/* P, queued (flush()); the value in the register's width, as
 * rsp_write_register_u64() sends it. */
static int write_reg(struct rec *r, const char *name, uint64_t v)
{
	const struct rsp_reg *rg = r->c->have_tdesc ?
		rsp_tdesc_find(&r->c->tdesc, name) : NULL;
	uint8_t b[8];
	char pkt[64];
	size_t nb;
	int n;

	if (!rg || rg->bitsize < 8 || rg->bitsize > 64)
		return error("cannot write register '%s': not a known 64-bit register",
			     name);
	nb = (size_t)rg->bitsize / 8;
	rsp_u64_to_le(b, nb, v);
	n = snprintf(pkt, sizeof pkt, "P%x=", rg->regnum);
	rsp_hex_encode(pkt + n, b, nb);
	return queue(r, pkt, "cannot write register '%s'", name);
}

/*
 * The stub's latency: the median time a single step at the reset vector
 * takes from the request to the stop reply (one instruction of guest work,
 * nothing translated yet).  These steps are debug stops and are counted.
 */
#define REC_CAL_STEPS 15

/* The latency to subtract: the median of the REC_CAL_STEPS round trips
 * in lat (sorted here), measured the way how says. */
static void latency_from(struct rec *r, int64_t *lat, const char *how)
{
	int i, j;
	int64_t tmp;

	for (i = 1; i < REC_CAL_STEPS; i++)
		for (j = i; j > 0 && lat[j - 1] > lat[j]; j--) {
			tmp = lat[j];
			lat[j] = lat[j - 1];
			lat[j - 1] = tmp;
		}
	r->latency = r->raw ? 0 : lat[REC_CAL_STEPS / 2];
	progress(r, "stub latency %.3f ms per resume (median of %d %s)%s",
		 ms_of(lat[REC_CAL_STEPS / 2]), REC_CAL_STEPS, how,
		 r->raw ? "; not subtracted (--raw)" : "; subtracted from every interval");
}

/*
 * The latency without guest work in it, used whenever the recorder
 * attaches at the reset vector with software breakpoints (every scheme):
 * a breakpoint at the reset vector, and REC_CAL_STEPS resumes written the
 * way a fast stop writes them ('g', Z0 and z0 of a spare address, the
 * resume), each stopping again at once (QEMU 7.2 stops at a breakpoint
 * under the pc before it executes anything).  Single steps (calibrate())
 * also count the translation of the instruction stepped, and subtracted
 * that made short initcalls of the test guest come out 0.1-0.2 ms short.
 * 1 when that cannot be done here (the caller steps instead).
 */
/* A calibration resume at t: the previous stop recorded, as resume() does. */
static void cal_resuming(struct rec *r, int64_t t)
{
	if (r->resumed_once)
		record_stop(r, t);
	r->resume_host = t;
	mark_resume(r, t, true);
}

/* Its stop: recorded like stopped() would; the latency of this resume. */
static int64_t cal_stopped(struct rec *r, int64_t t)
{
	r->stop_host = mono();
	r->resumed_once = true;
	r->last_kind = PROF_STOP_DEBUG;
	mark_stop(r, r->stop_host, true, 0);
	return r->stop_host - t;
}

static int calibrate_fast(struct rec *r, uint64_t pc)
{
	int64_t lat[REC_CAL_STEPS];
	struct rsp_stop st;
	struct kit_err e;
	int i;

	if (flush(r, false) < 0)
		return -1;
	quickack(r);
	if (rsp_insert_break(r->c, RSP_BP_SW, pc, 1, &e) < 0)
		return 1;
	for (i = 0; i < REC_CAL_STEPS; i++) {
		int64_t t;

		if (queue_g(r) < 0 || queue(r, "Z0,0,1", "calibration") < 0 ||
		    queue(r, "z0,0,1", "calibration") < 0)
			return -1;
		t = mono();
		cal_resuming(r, t);
		if (flush(r, true) < 0)
			return -1;
		if (rsp_wait_stop(r->c, 5000, &st, &e) < 0)
			return error("calibration: no stop: %s", e.msg);
		r->c->running = false;
		r->running = false;
		lat[i] = cal_stopped(r, t);
		if (st.kind == 'W' || st.kind == 'X')
			return error("calibration: the guest ended");
	}
	quickack(r);
	if (rsp_remove_break(r->c, RSP_BP_SW, pc, 1, &e) < 0)
		return error("calibration: cannot remove its breakpoint: %s", e.msg);
	latency_from(r, lat, "resumes at a breakpoint under the pc, written as "
		     "fast stops write them");
	return 0;
}

static int calibrate(struct rec *r)
{
	int64_t lat[REC_CAL_STEPS];
	struct rsp_stop st;
	struct kit_err e;
	int i;

	if (flush(r, false) < 0)
		return -1;
	for (i = 0; i < REC_CAL_STEPS; i++) {
		int64_t t = mono();

		cal_resuming(r, t);
		quickack(r);
		if (rsp_step(r->c, &st, &e) < 0)
			return error("cannot single-step: %s", e.msg);
		lat[i] = cal_stopped(r, t);
	}
	latency_from(r, lat, "steps at the reset vector");
	return 0;
}

/* ---- initcalls ---- */

static int load_table_from_memory(struct rec *r)
{
	uint64_t a = ksym_addr(r->syms, "__initcall_start");
	uint64_t b = ksym_addr(r->syms, "__initcall_end");
	uint8_t *buf;
	size_t n, i;
	ssize_t got;

	if (!a || b <= a || (b - a) % 4 || b - a > 4 * 65536)
		return -1;
	n = (b - a) / 4;
	buf = malloc(b - a);
	if (!buf)
		return -1;
	got = read_mem(r, a, buf, b - a);
	if (got != (ssize_t)(b - a)) {
		free(buf);
		return -1;
	}
	/* every entry must point at the start of a function */
	for (i = 0; i < n; i++) {
		int32_t off = (int32_t)rsp_le_to_u64(buf + 4 * i, 4);
		uint64_t fn = a + 4 * i + (uint64_t)(int64_t)off, o;
		const struct ksym_sym *s = ksym_lookup_addr(r->syms, fn, &o);

		if (!off || !s || o || (s->type != 'T' && s->type != 't')) {
			free(buf);
			return -1;
		}
	}
	r->ics = calloc(n, sizeof *r->ics);
	if (!r->ics) {
		free(buf);
		return -1;
	}
	for (i = 0; i < n; i++) {
		int32_t off = (int32_t)rsp_le_to_u64(buf + 4 * i, 4);
		uint64_t fn = a + 4 * i + (uint64_t)(int64_t)off, o;

		r->ics[i].addr = fn;
		r->ics[i].wstart = -1;
		r->ics[i].fn = ksym_name(r->syms, ksym_lookup_addr(r->syms, fn, &o));
		snprintf(r->ics[i].level, sizeof r->ics[i].level, "device");
	}
	r->nic = n;
	r->table_from_mem = true;
	free(buf);
	return 0;
}

/*
 * At a stop where the kernel's text may be readable: find the call and
 * the return site in do_one_initcall and arm the call-site scheme, or the
 * first entries of the per-function one.  Quietly 0 when not yet possible
 * (memory not there); 1 when prepared.
 */
/*
 * Whether the fast scheme may run: not when a test asks for the old one
 * (GC_PROFILE_TEST_SLOW), not with hardware breakpoints, and not when
 * --until names a symbol that is no
 * milestone (it might be reached during the initcalls, when only the call
 * or return site is armed).
 */
static bool fast_allowed(struct rec *r)
{
	size_t i;

	if (getenv("GC_PROFILE_TEST_SLOW"))
		return false;
	/* hardware breakpoints (KVM refused a Z0): each insert is a round
	 * trip (bp_insert_now()), and no cache flush to save under KVM */
	if (r->z0_refused)
		return false;
	for (i = 0; i < r->nms; i++)
		if (r->ms[i].is_until && !r->ms[i].hit && !r->ms[i].phase[0])
			return false;
	return true;
}

/* The last initcall of the table that initcall_blacklist= does not name:
 * the one whose return ends the initcalls. */
static long last_runnable(struct rec *r)
{
	const char *bl = r->have_append ? strstr(r->append, "initcall_blacklist=") : NULL;
	long i;

	for (i = (long)r->nic - 1; i >= 0; i--) {
		const char *fn = r->ics[i].fn, *p;
		size_t n = strlen(fn);
		bool listed = false;

		for (p = bl ? bl + strlen("initcall_blacklist=") : NULL;
		     p && *p && *p != ' '; p += strcspn(p, ", "), p += *p == ',') {
			if (!strncmp(p, fn, n) && (p[n] == ',' || p[n] == ' ' || !p[n]))
				listed = true;
		}
		if (!listed)
			return i;
	}
	return -1;
}

/*
 * The watch scheme: one breakpoint stop per initcall.  A breakpoint stop
 * flushes QEMU 7.2's translation cache, a watchpoint stop does not (its
 * gdbstub skips tb_flush for them).  Linux's do_one_initcall() calls
 * initcall_blacklisted(fn) just before the initcall, and that reads the
 * list head blacklisted_initcalls once (twice with initcall_blacklist=);
 * a read watchpoint on it is the initcall's start, tied to the initcall
 * whose address a register holds there (ws_watch(); measured: 666 stops
 * for Debian 6.1's 666 initcalls, all tied, and the kernel's clock at
 * power-down as without a debugger).  The end is a
 * breakpoint on the NOP after the return site (rec_find_end_nop(): the
 * disabled initcall_finish tracepoint): permanent, left by setting rip
 * past the NOP, so a stop is answered by one write ('g', P rip, the
 * resume) and the 'g' (which function returned, rax) is read after the
 * resume.  Which initcall: fn_reg at the end.  Used when the fast scheme
 * would be, unless GC_PROFILE_TEST_STALL; without the symbol, the NOP or
 * the stub's Z3, the fast scheme.  A --sample tick that meets a watch stop
 * resumes it (no repeat comes, unlike a breakpoint's): sample_tick() takes
 * the start from it.
 */
static int ws_prepare(struct rec *r)
{
	uint64_t var = ksym_addr(r->syms, "blacklisted_initcalls");
	uint8_t code[16];
	struct kit_err e;
	uint64_t nop;
	unsigned nlen;

	if (!var || !r->rs.fn_reg[0] || getenv("GC_PROFILE_TEST_NO_WATCH"))
		return 0;
	if (read_mem(r, r->rs.ret_addr, code, sizeof code) != (ssize_t)sizeof code ||
	    rec_find_end_nop(code, sizeof code, r->rs.ret_addr, r->rs.fn_reg,
			     &nop, &nlen) < 0)
		return 0;
	if (flush(r, false) < 0)
		return -1;
	quickack(r);
	if (rsp_insert_break(r->c, RSP_WP_READ, var, 8, &e) < 0) {
		progress(r, "no read watchpoint on blacklisted_initcalls (%s): "
			 "two breakpoint stops per initcall", e.msg);
		return 0;
	}
	if (bp_want(r, nop, true, "initcall end") < 0)
		return -1;
	r->ws = true;
	r->ws_var = var;
	r->ws_end = nop;
	r->ws_end_len = nlen;
	r->ws_nop = rsp_le_to_u64(code + (nop - r->rs.ret_addr), nlen);
	r->ws_cur = r->ws_nop;
	r->ws_start = -1;
	r->last_runnable = last_runnable(r);
	snprintf(r->scheme, sizeof r->scheme, "watch: a read watchpoint on "
		 "blacklisted_initcalls starts each initcall (no cache flush), a %s "
		 "breakpoint on the NOP after do_one_initcall's return site ends it",
		 bp_kind(r, nop));
	progress(r, "%zu initcalls in table order: read watchpoint on "
		 "blacklisted_initcalls 0x%llx (each start; no translation flush) and "
		 "a %s breakpoint at the NOP 0x%llx after the return site (each end: "
		 "one write with 'g', rip past it and the resume); milestones after "
		 "the initcalls are armed when the last one returns", r->nic,
		 (unsigned long long)var, bp_kind(r, nop), (unsigned long long)nop);
	return 1;
}

/*
 * Where the guest goes on from the end breakpoint, by the bytes there
 * (bytes, little-endian): past the NOP; or, where a tracepoint switched on
 * has made the NOP a jump (static keys: "jmp rel8" for 2 bytes, "jmp
 * rel32" for 5), to its target, as the guest would.  0 when the bytes are
 * neither: the slow way then steps over.
 */
static uint64_t ws_next_rip(const struct rec *r, uint64_t bytes)
{
	uint64_t mask = r->ws_end_len >= 8 ? ~0ull : (1ull << (8 * r->ws_end_len)) - 1;
	unsigned op = (unsigned)(bytes & 0xff);

	if ((bytes & mask) == (r->ws_nop & mask))
		return r->ws_end + r->ws_end_len;
	if (op == 0xeb && r->ws_end_len == 2)
		return r->ws_end + 2 + (uint64_t)(int64_t)(int8_t)(bytes >> 8);
	if (op == 0xe9 && r->ws_end_len == 5)
		return r->ws_end + 5 + (uint64_t)(int64_t)(int32_t)(uint32_t)(bytes >> 8);
	{
		/* another NOP of the same length: the kernel rewrites its
		 * NOPs at boot (5.10: 0f 1f 44 00 00 -> 66 66 66 66 90) */
		uint8_t b[8];
		uint64_t nop;
		unsigned i, nl;

		for (i = 0; i < 8; i++)
			b[i] = (uint8_t)(bytes >> (8 * i));
		if (rec_find_end_nop(b, sizeof b, r->ws_end, NULL, &nop, &nl) == 0 &&
		    nop == r->ws_end && nl == r->ws_end_len)
			return r->ws_end + nl;
	}
	return 0;
}

/* The watchpoint and the end breakpoint out (queued). */
static void ws_unarm(struct rec *r)
{
	struct rsp_conn *c = r->c;
	char pkt[48];
	size_t i;

	snprintf(pkt, sizeof pkt, "z%d,%llx,8", (int)RSP_WP_READ,
		 (unsigned long long)r->ws_var);
	if (queue(r, pkt, "cannot remove the watchpoint at 0x%llx",
		  (unsigned long long)r->ws_var) == 0)
		for (i = 0; i < c->nbps; i++)
			if (c->bps[i].type == RSP_WP_READ && c->bps[i].addr == r->ws_var) {
				c->bps[i] = c->bps[--c->nbps];
				break;
			}
	bp_drop(r, r->ws_end);
}

/* An end, from the registers in c->g: the initcall (fn_reg) started at
 * the last watch stop and ended now.  1 = it was the last, 0, -1. */
static int ws_end_data(struct rec *r)
{
	uint64_t fn = reg(r, r->rs.fn_reg);
	int64_t g = r->g;
	size_t j;
	int rc;

	r->nfast++;
	for (j = r->next; j < r->nic; j++)
		if (r->ics[j].addr == fn)
			break;
	if (j == r->nic) {
		r->nunattributed++;
		r->ws_start = -1;
		return 0;
	}
	if (r->ics[j].wstart >= 0 && r->ics[j].wstart <= g)
		r->g = r->ics[j].wstart;      /* its own watch stop */
	else if (r->ws_start >= 0 && r->ws_start <= g)
		r->g = r->ws_start;           /* the last one seen */
	else
		r->nunattributed++;   /* no start seen: zero length */
	rc = on_entry(r, j);
	r->g = g;
	r->ws_start = -1;
	if (rc < 0)
		return -1;
	rc = on_return_data(r);
	if (rc == 0 && (long)j == r->last_runnable)
		rc = 1;
	return rc;
}

/* The table's last initcall returned (its registers were read after the
 * guest resumed, so it runs): stop it with 0x03 (no debug stop) to arm the
 * milestones after the initcalls, and let it go on. */
static int ended_early(struct rec *r)
{
	progress(r, "the last initcall returned earlier than expected: stopping "
		 "the guest to arm the milestones after it");
	halt_running(r);
	if (!r->alive)
		return 0;
	finish_initcalls(r, r->g);
	return resume(r);
}

/* A stop reply for a watchpoint (QEMU 7.2: "rwatch:ADDR" for Z3). */
static bool is_watch(const struct rsp_stop *st)
{
	return st->reason == RSP_REASON_RWATCH || st->reason == RSP_REASON_AWATCH ||
	       st->reason == RSP_REASON_WATCH;
}

/*
 * After the resume of a watch stop: which initcall starts.  Its address
 * is in a register there (Linux 6.1's initcall_blacklisted(fn) has copied
 * it to rsi, the test guest keeps it in rdi), so the first of these that
 * holds a pending table initcall names it.  A start is then tied to its
 * initcall, not to whatever stop came last: a module's init run from an
 * initcall (request_module) or a blacklisted one does not take it.
 */
static void ws_watch(struct rec *r)
{
	static const char *const regs[] = { "rdi", "rsi", "rbx", "r12", "rbp",
					    "r13", "r14", "r15", "rdx", "rcx", "rax" };
	size_t k, j;

	for (k = 0; k < sizeof regs / sizeof regs[0]; k++) {
		uint64_t v = reg(r, regs[k]);

		for (j = r->next; v && j < r->nic; j++)
			if (r->ics[j].addr == v) {
				r->ics[j].wstart = r->ws_watch_time;
				r->nws_tied++;
				return;
			}
	}
}

/* After the resume of a fast end stop. */
static int ws_data(struct rec *r)
{
	uint64_t mask = r->ws_end_len >= 8 ? ~0ull : (1ull << (8 * r->ws_end_len)) - 1;
	int last;

	if (r->qm_ok && (r->qm_val & mask) != (r->ws_cur & mask) &&
	    ws_next_rip(r, r->qm_val) != ws_next_rip(r, r->ws_cur)) {
		/* a tracepoint was switched during this initcall: its end
		 * went on as the bytes were before */
		warning("the instruction after do_one_initcall's return site changed "
			"(a tracepoint switched on or off) during the initcall that "
			"ended at %.1f ms: that end went on as before the change",
			ms_of(r->g));
	}
	if (r->qm_ok)
		r->ws_cur = r->qm_val;
	last = ws_end_data(r);

	if (last <= 0)
		return last;
	return ended_early(r);
}

/* A stop while the watch scheme runs.  0 = resume, 2 = the slow way. */
static int ws_stop(struct rec *r, const struct rsp_stop *st)
{
	if (is_watch(st)) {
		r->nwatch_stops++;
		if (st->watch_addr != r->ws_var)
			return 0;
		/* whose start: the register that holds a pending initcall
		 * (ws_watch()), read after the resume; meanwhile the last
		 * start seen stands for it */
		r->ws_start = r->g;
		r->ws_watch_time = r->g;
		if (queue_g(r) < 0)
			return -1;
		r->ws_watch_pending = true;
		return 0;   /* the access is done: nothing to step over */
	}
	if (!r->ws_live || st->signo != 5 || (long)r->next >= r->last_runnable ||
	    !ws_next_rip(r, r->ws_cur))
		return 2;
	/* the bytes at the end are read too, to see a tracepoint switch */
	if (queue_g(r) < 0 || queue_m(r, r->ws_end, 8) < 0 ||
	    write_reg(r, "rip", ws_next_rip(r, r->ws_cur)) < 0)
		return -1;
	r->ws_pending = true;
	return 0;
}

/* An end stop the slow way (registers read): the first (the milestones
 * are held back from here on) and the last runnable one's. */
static int ws_end_slow(struct rec *r)
{
	uint64_t b;
	int last;

	if (!r->ws_live) {
		if (fast_begin(r) < 0)
			return -1;
		r->ws_live = true;
	}
	last = ws_end_data(r);
	if (last < 0)
		return -1;
	if (last)
		finish_initcalls(r, r->g);
	if (read_mem(r, r->ws_end, &b, sizeof b) == (ssize_t)sizeof b)
		r->ws_cur = le64toh(b);
	if (!ws_next_rip(r, r->ws_cur))
		return bp_at(r, r->ws_end) ? step_over(r) : 0;
	return write_reg(r, "rip", ws_next_rip(r, r->ws_cur));
}

static int prepare_initcalls(struct rec *r)
{
	uint8_t code[1024];
	struct kit_err e;
	ssize_t got;
	char why[160] = "";

	if (r->prepared || r->mode == IC_OFF || !r->nokaslr)
		return 0;
	if (!r->ics && load_table_from_memory(r) < 0)
		return 0;
	if (!r->nic)
		return 0;
	if (!r->doi_addr) {
		/* entries only: breakpoints mode was turned off without it */
		snprintf(why, sizeof why, "no do_one_initcall symbol");
	} else {
		size_t len = r->doi_size && r->doi_size < sizeof code ?
			     (size_t)r->doi_size : sizeof code;

		got = read_mem(r, r->doi_addr, code, len);
		if (got < 16)
			return 0;
		if (rec_find_return_site(code, (size_t)got, r->doi_addr, r->syms,
					 &r->rs, &e) < 0) {
			if (r->mode == IC_BREAKPOINTS)
				return 0;   /* maybe not decompressed yet */
			/* entries: the per-function scheme needs no call */
			snprintf(why, sizeof why, "%.150s", e.msg);
		} else {
			r->have_rs = true;
		}
	}
	if (r->mode == IC_BREAKPOINTS && !r->have_rs)
		return 0;
	if (r->have_rs) {
		r->callsite = rec_call_emulable(&r->rs, why, sizeof why);
		if (r->callsite && getenv("GC_PROFILE_TEST_NO_CALLSITE")) {
			r->callsite = false;
			snprintf(why, sizeof why, "GC_PROFILE_TEST_NO_CALLSITE is set");
		}
	}
	if (r->mode == IC_BREAKPOINTS) {
		uint8_t ebytes[16];

		if (read_mem(r, r->rs.ret_addr, ebytes, sizeof ebytes) ==
		    (ssize_t)sizeof ebytes &&
		    rec_decode_emul(ebytes, sizeof ebytes, r->rs.ret_addr,
				    &r->emul) == 0)
			r->emul_ok = r->emul.kind != REC_EMUL_NONE;
	}
	if (r->have_rs)
		progress(r, "do_one_initcall: call%s *%%%s at 0x%llx, return site 0x%llx "
			 "(%s), function in %%%s",
			 r->rs.thunk ? " (retpoline thunk)" : "", r->rs.call_reg,
			 (unsigned long long)r->rs.call_addr,
			 (unsigned long long)r->rs.ret_addr,
			 r->mode != IC_BREAKPOINTS ? "not used: entries" :
			 r->emul_ok ? r->emul.text : r->emul.text[0] ?
				 "not emulated: step over" : "?",
			 r->rs.fn_reg[0] ? r->rs.fn_reg : "(unknown: not checked)");
	r->fast = r->mode == IC_BREAKPOINTS && r->callsite && fast_allowed(r);
	if (r->fast && r->stall_at <= 0) {
		int w = ws_prepare(r);

		if (w < 0)
			return -1;
		if (w > 0) {
			r->fast = false;
			r->prepared = true;
			return 1;
		}
	}
	if (r->mode == IC_BREAKPOINTS && !r->fast) {
		r->ret_armed = true;
		if (bp_want(r, r->rs.ret_addr, true, "return site") < 0)
			return -1;
	}
	if (r->fast) {
		/* live from the first call on (fast_begin()) */
		r->last_runnable = last_runnable(r);
		r->fast_site = FAST_CALL;
	}
	r->prepared = true;
	if (r->callsite) {
		r->call_armed = true;
		if (bp_want(r, r->rs.call_addr, true, "call site") < 0)
			return -1;
		if (r->fast) {
			snprintf(r->scheme, sizeof r->scheme, "call and return site: %s "
				 "breakpoints at do_one_initcall's call and return site, one "
				 "armed at a time, each stop's registers read after its resume",
				 bp_kind(r, r->rs.call_addr));
			progress(r, "%zu initcalls in table order: %s breakpoint at the call "
				 "0x%llx and at the return site 0x%llx, one armed at a time "
				 "(each stop: one write with 'g', the swap and the resume; no "
				 "wait); milestones after the initcalls are armed when the "
				 "last one returns", r->nic, bp_kind(r, r->rs.call_addr),
				 (unsigned long long)r->rs.call_addr,
				 (unsigned long long)r->rs.ret_addr);
			return 1;
		}
		snprintf(r->scheme, sizeof r->scheme, "call site: permanent %s "
			 "breakpoint%s at do_one_initcall's call%s, the call executed "
			 "by the recorder", bp_kind(r, r->rs.call_addr),
			 r->mode == IC_BREAKPOINTS ? "s" : "",
			 r->mode == IC_BREAKPOINTS ? " and return site" : "");
		progress(r, "%zu initcalls in table order: %s breakpoint at the call "
			 "0x%llx%s%s%s, permanent until the last one %s; the call is "
			 "executed by the recorder (%s): no entry breakpoints",
			 r->nic, bp_kind(r, r->rs.call_addr),
			 (unsigned long long)r->rs.call_addr,
			 r->mode == IC_BREAKPOINTS ? " and " : "",
			 r->mode == IC_BREAKPOINTS ? bp_kind(r, r->rs.ret_addr) : "",
			 r->mode == IC_BREAKPOINTS ? " breakpoint at the return site" : "",
			 r->mode == IC_BREAKPOINTS ? "returns" : "is called", why);
		return 1;
	}
	snprintf(r->scheme, sizeof r->scheme, "per-function entry breakpoints "
		 "(the call in do_one_initcall is not executed by the recorder: %s)",
		 why);
	if (arm_window(r) < 0)
		return -1;
	progress(r, "%zu initcalls armed in table order (%s); per-function entry "
		 "breakpoints, as the call cannot be executed here: %s", r->nic,
		 r->mode == IC_BREAKPOINTS ? "entry and return breakpoints" :
		 "entry breakpoints only", why);
	return 1;
}

static void finish_initcalls(struct rec *r, int64_t t)
{
	size_t i;

	r->ics_done = true;
	r->fast = false;
	r->fast_site = FAST_NONE;
	if (r->ws) {
		r->ws = false;
		ws_unarm(r);
	}
	for (i = 0; i < r->nms; i++) {
		struct rec_ms *m = &r->ms[i];

		if (m->deferred) {
			m->deferred = false;
			m->armed = true;
			bp_want(r, m->addr, true, m->name);
		}
	}
	arm_window(r);
	if (r->call_armed) {
		r->call_armed = false;
		bp_drop(r, r->rs.call_addr);
	}
	if (r->ret_armed) {
		r->ret_armed = false;
		bp_drop(r, r->rs.ret_addr);
	}
	for (i = r->next; i < r->nic; i++)
		if (r->ics[i].state == IC_PENDING)
			r->ics[i].state = IC_SKIPPED;
	if (r->level_phase[0])
		phase_close(r, r->level_last_end);
	phase_open(r, r->after_ic_phase, r->level_last_end ? r->level_last_end : t);
	progress(r, "initcalls done at %.1f ms: %zu called, %zu returned",
		 ms_of(t), r->nseen, r->nreturned);
}

static void enter_level(struct rec *r, const struct rec_ic *ic, int64_t t)
{
	char id[48];

	snprintf(id, sizeof id, "initcalls:%s", ic->level);
	if (r->level_phase[0] && !strcmp(r->level_phase, id))
		return;
	if (r->level_phase[0])
		/* the level ends at its last return; the gap is no phase */
		phase_close(r, r->mode == IC_BREAKPOINTS ? r->level_last_end : t);
	phase_open(r, id, t);
	snprintf(r->level_phase, sizeof r->level_phase, "%s", id);
}

static int stall_for_test(struct rec *r)
{
	struct pollfd pf[2] = {
		{ .fd = r->sigpipe[0], .events = POLLIN },
		{ .fd = r->c->fd, .events = POLLIN },
	};

	progress(r, "stalling (GC_PROFILE_TEST_STALL) with the guest held");
	poll(pf, 2, 10000);
	return 0;
}

/* A stop at the entry breakpoint of initcall i. */
static int on_entry(struct rec *r, size_t i)
{
	struct rec_ic *ic = &r->ics[i];
	int64_t t = r->g;
	size_t j;

	for (j = r->next; j < i; j++)
		if (r->ics[j].state == IC_PENDING)
			r->ics[j].state = IC_SKIPPED;
	if (r->entered >= 0) {
		struct rec_ic *prev = &r->ics[r->entered];

		/* entries: runs to here; breakpoints: its return was missed */
		prev->end = t;
		prev->state = IC_DONE;
		if (r->mode == IC_BREAKPOINTS)
			r->nunattributed++;
		r->level_last_end = t;
	}
	enter_level(r, ic, t);
	ic->state = IC_ENTERED;
	ic->start = t;
	r->entered = (long)i;
	r->next = i + 1;
	r->nseen++;
	if (r->progress_every && r->nseen % r->progress_every == 0)
		progress(r, "%zu/%zu initcalls, at %s (%.1f ms)", r->nseen, r->nic,
			 ic->fn, ms_of(t));
	if (r->stall_at > 0 && (long)r->nseen == r->stall_at)
		stall_for_test(r);
	if (r->mode == IC_ENTRIES && i + 1 == r->nic && r->call_armed) {
		/* the last one ends at the next stop, whatever it is; no
		 * more calls to stop for (module inits from userspace) */
		r->call_armed = false;
		if (bp_drop(r, r->rs.call_addr) < 0)
			return -1;
	}
	if (r->callsite)
		return 0;      /* on_call() executes the call */
	if (arm_window(r) < 0)
		return -1;
	if (bp_at(r, ic->addr))
		return step_over(r);
	/* The breakpoint is gone (its z0 goes out with the resume, ahead
	 * of it), so continuing from here does not stop again: no step, no
	 * rip to move (the first instruction, ftrace's NOP or not, runs). */
	return 0;
}

/*
 * A stop at the call in do_one_initcall (the call-site scheme): the
 * function is in the call's register.  The call is executed here, with no
 * single step and no breakpoint change: the return address goes to
 * [rsp - 8], rsp -= 8 and rip = the function (a retpoline thunk is "jmp
 * *%REG", so going straight to the function is the same), queued and
 * written with the resume.
 */
static int on_call(struct rec *r)
{
	uint64_t fn = reg(r, r->rs.call_reg), sp = reg(r, "rsp") - 8;
	uint8_t b[8];
	char pkt[64];
	size_t j;
	int n;

	for (j = r->next; j < r->nic; j++)
		if (r->ics[j].addr == fn)
			break;
	if (j < r->nic) {
		if (on_entry(r, j) < 0)
			return -1;
	} else {
		r->nunattributed++;
	}
	rsp_u64_to_le(b, sizeof b, r->rs.ret_addr);
	n = snprintf(pkt, sizeof pkt, "M%llx,8:", (unsigned long long)sp);
	rsp_hex_encode(pkt + n, b, sizeof b);
	if (queue(r, pkt, "cannot write the return address at 0x%llx",
		  (unsigned long long)sp) < 0 ||
	    write_reg(r, "rsp", sp) < 0 || write_reg(r, "rip", fn) < 0)
		return -1;
	r->ncalls++;
	return 0;
}

/* What a stop at the return site says, from the registers in c->g: the
 * initcall that returned and its value.  1 when it was the table's last,
 * 0 if not, -1 on error. */
static int on_return_data(struct rec *r)
{
	int64_t t = r->g;
	uint64_t rax = reg(r, "rax");
	uint64_t fnv = r->rs.fn_reg[0] ? reg(r, r->rs.fn_reg) : 0;
	struct rec_ic *ic = r->entered >= 0 ? &r->ics[r->entered] : NULL;
	bool last = false;

	if (ic && (!r->rs.fn_reg[0] || fnv == ic->addr)) {
		ic->end = t;
		ic->ret = (int64_t)(int32_t)(uint32_t)rax;
		ic->has_ret = true;
		ic->state = IC_DONE;
		r->nreturned++;
		r->level_last_end = t;
		last = (size_t)r->entered + 1 == r->nic;
		r->entered = -1;
	} else if (r->rs.fn_reg[0]) {
		size_t j;

		/* A table initcall whose entry we did not see (two skipped
		 * in a row): resynchronise; anything else is not ours. */
		for (j = r->next; j < r->nic; j++)
			if (r->ics[j].addr == fnv)
				break;
		if (j < r->nic) {
			size_t k;

			for (k = r->next; k < j; k++)
				r->ics[k].state = IC_SKIPPED;
			r->ics[j].state = IC_MISSED;
			r->next = j + 1;
			last = j + 1 == r->nic;
			if (arm_window(r) < 0)
				return -1;
		} else {
			r->nunattributed++;
		}
	} else {
		r->nunattributed++;
	}
	return last;
}

/* A stop at the return site in do_one_initcall. */
static int on_return(struct rec *r, uint64_t ip)
{
	int last = on_return_data(r);

	if (last < 0)
		return -1;
	if (last)
		finish_initcalls(r, r->g);
	if (!bp_at(r, ip))
		return 0;
	if (r->emul_ok && ip == r->rs.ret_addr) {
		uint64_t src = 0, old = reg(r, r->emul.dst);

		if (r->emul.kind == REC_EMUL_MOV_REG) {
			src = reg(r, r->emul.src);
		} else if (r->emul.kind == REC_EMUL_MOV_MEM) {
			uint8_t m[8];

			if (read_mem(r, r->emul.mem, m,
					    (size_t)r->emul.src_bytes) !=
			    r->emul.src_bytes)
				return step_over(r);
			src = rsp_le_to_u64(m, (size_t)r->emul.src_bytes);
		}
		if (write_reg(r, r->emul.dst, rec_emul_result(&r->emul, old, src)) < 0 ||
		    write_reg(r, "rip", ip + r->emul.size) < 0)
			return -1;
		r->nemul++;
		return 0;
	}
	return step_over(r);
}

/* ---- milestones ---- */

static void add_ms(struct rec *r, const char *name, uint64_t addr,
		   const char *phase)
{
	struct rec_ms *m;

	if (r->nms >= REC_MAX_MS || !addr)
		return;
	m = &r->ms[r->nms++];
	snprintf(m->name, sizeof m->name, "%s", name);
	snprintf(m->phase, sizeof m->phase, "%s", phase ? phase : "");
	m->addr = addr;
}

static const struct {
	const char *ksym;     /* ksym_milestones' name */
	const char *phase;    /* phase that starts there */
	const char *alias;    /* what --until accepts besides the name */
	bool virt;
} kernel_ms[] = {
	{ "setup", "setup", NULL, false },
	{ "decompressor startup_32", "decompressor", "startup_32", false },
	{ "startup_64", "kernel-early", NULL, false },
	{ "start_kernel", "kernel-init", NULL, true },
	{ "run_init_process", "userspace", "userspace", true },
};

static int setup_milestones(struct rec *r)
{
	struct ksym_milestone km[32];
	size_t n, i, k;

	r->doi_addr = ksym_addr(r->syms, "do_one_initcall");
	if (r->doi_addr) {
		const struct ksym_sym *s = ksym_find(r->syms, "do_one_initcall");

		r->doi_size = s ? s->size : 0;
	}
	if (r->milestones_opt) {
		char *list = strdup(r->milestones_opt), *tok, *save = NULL;

		if (!list)
			return error("out of memory");
		for (tok = strtok_r(list, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
			uint64_t a = ksym_addr(r->syms, tok);

			if (!a) {
				free(list);
				return error("unknown milestone '%s': no such symbol in '%s'",
					     tok, r->syms->path);
			}
			add_ms(r, tok, a, tok);
		}
		free(list);
		r->after_ic_phase = "after-initcalls";
	} else {
		n = ksym_milestones(r->syms, km, sizeof km / sizeof km[0]);
		if (n > sizeof km / sizeof km[0])
			n = sizeof km / sizeof km[0];
		for (k = 0; k < sizeof kernel_ms / sizeof kernel_ms[0]; k++) {
			if (kernel_ms[k].virt && !r->nokaslr)
				continue;
			if (!strcmp(kernel_ms[k].ksym, "startup_64") && !r->nokaslr)
				continue;  /* its physical address moves too */
			for (i = 0; i < n; i++)
				if (!strcmp(km[i].name, kernel_ms[k].ksym))
					add_ms(r, kernel_ms[k].alias && strcmp(kernel_ms[k].alias, "userspace") ?
					       kernel_ms[k].alias : kernel_ms[k].ksym,
					       km[i].addr, kernel_ms[k].phase);
		}
		r->after_ic_phase = "userspace-start";
		for (i = 1; i < r->nms; i++)
			if (!strcmp(r->ms[i].name, "start_kernel") &&
			    !strcmp(r->ms[i - 1].name, "startup_64"))
				r->ms[i].stem = true;
		for (i = 1; i < r->nms && r->mode == IC_OFF; i++)
			if (!strcmp(r->ms[i].name, "run_init_process") &&
			    !strcmp(r->ms[i - 1].name, "start_kernel") &&
			    ksym_addr(r->syms, "system_state") &&
			    ksym_addr(r->syms, "kernel_init"))
				r->ms[i].late = r->late_pending = true;
	}
	if (r->until) {
		for (i = 0; i < r->nms; i++) {
			bool match = !strcmp(r->ms[i].name, r->until) ||
				     !strcmp(r->ms[i].phase, r->until);

			if (match) {
				r->ms[i].is_until = true;
				r->nms = i + 1;
				r->have_until_ms = true;
				break;
			}
		}
		if (!r->have_until_ms) {
			uint64_t a = ksym_addr(r->syms, r->until);

			if (!a)
				return error("unknown end '%s': not a milestone or a symbol",
					     r->until);
			add_ms(r, r->until, a, NULL);
			r->ms[r->nms - 1].is_until = true;
			r->have_until_ms = true;
		}
	}
	for (i = 0; i < r->nms; i++) {
		if (r->ms[i].stem || r->ms[i].late)
			continue;
		r->ms[i].armed = true;
		if (bp_want(r, r->ms[i].addr, true, r->ms[i].name) < 0)
			return -1;
	}
	return 0;
}

/*
 * start_kernel's breakpoint, armed at startup_64's stop.  Its own page
 * holds the early boot code that runs before it (x86_64_start_kernel,
 * clear_bss, the early page-fault handler), and a breakpoint makes QEMU
 * run that page one instruction at a time while it is armed (~0.15 s on
 * Debian's 6.1).  So the breakpoint goes on start_kernel's first callee
 * in another page (rec_first_callee(): set_task_stack_end_magic on 6.1,
 * 11 instructions in), whose stop is start_kernel's time; the return address
 * on the stack tells that call from any other.  The code is read from
 * guest memory at startup_64 (the kernel is decompressed then; its
 * physical alias is mapped).  When that fails, start_kernel itself.
 */
static int resolve_stem(struct rec *r, struct rec_ms *m, const struct rec_ms *s64)
{
	uint64_t s64_virt = ksym_addr(r->syms, "startup_64");
	const struct ksym_sym *sym = ksym_find(r->syms, m->name);
	struct rec_callee cal;
	uint8_t code[256];
	size_t len = sym && sym->size && sym->size < sizeof code ?
		     (size_t)sym->size : sizeof code;
	struct kit_err e = { 0 };
	ssize_t got = -1;

	m->stem = false;
	if (s64_virt && m->addr > s64_virt && !r->z0_refused)
		got = read_mem(r, m->addr - s64_virt + s64->addr, code, len);
	if (got >= 16 &&
	    rec_first_callee(code, (size_t)got, m->addr, r->syms, &cal, &e) == 0) {
		progress(r, "%s: breakpoint at its first call, %s (%u instructions "
			 "in): its own page runs early boot code", m->name,
			 cal.name, cal.insns);
		m->addr = cal.target;
		m->ret_check = cal.ret_addr;
	} else if (got >= 16) {
		progress(r, "%s: breakpoint on it (no first callee: %s)", m->name, e.msg);
	}
	m->armed = true;
	return bp_want(r, m->addr, true, m->name);
}

/*
 * The milestones after the initcalls, for --initcalls=off.  A breakpoint
 * armed while the initcalls run costs them time even far from any code
 * that runs (QEMU 7.2 checks its list at every jump it cannot chain:
 * ~0.1 s of Debian 6.1's 1.7 s), so run_init_process's is armed late: at
 * start_kernel's stop, the recorder picks a word that changes once the
 * initcalls are over, and ticks of interrupt stops (no translation flush;
 * REC_WATCH_HZ a second) read it; once it shows the change the guest is
 * stopped and the breakpoint armed.  The word:
 *   - system_state, when kernel_init's code stores two values into it
 *     (rec_stores_to(): SYSTEM_FREEING_INITMEM before free_initmem(), then
 *     SYSTEM_RUNNING just before run_init_process; 5.13 and later): armed
 *     at the first, ~160 ms before run_init_process on Debian's 6.1 under
 *     TCG;
 *   - else x86's kernel_set_to_readonly, which mark_rodata_ro() sets to 1
 *     after free_initmem(), when it still reads 0 and the command line has
 *     no rodata=off (which never sets it): Debian's 5.10.
 * With neither, or no code to read, it is armed at once.  Should a tick
 * find the guest in user mode first, the moment was missed (watch_check()
 * says so).
 */
#define REC_WATCH_HZ 50

static int arm_late(struct rec *r)
{
	size_t i;

	r->late_pending = false;
	for (i = 0; i < r->nms; i++) {
		if (!r->ms[i].late || r->ms[i].hit)
			continue;
		r->ms[i].late = false;
		r->ms[i].armed = true;
		if (bp_want(r, r->ms[i].addr, true, r->ms[i].name) < 0)
			return -1;
	}
	return 0;
}

static int watch_start(struct rec *r, const char *name, uint64_t var,
		       uint64_t min, const char *how)
{
	struct kit_err e;

	if (gc_tick_prepare(r->c, &r->sbatch, var, 4, &e) < 0) {
		progress(r, "run_init_process: armed now (%s)", e.msg);
		return arm_late(r);
	}
	r->watch_name = name;
	r->watch_var = var;
	r->watch_min = min;
	r->watching = true;
	progress(r, "run_init_process: armed once %s, watched at %d Hz with "
		 "interrupt stops", how, REC_WATCH_HZ);
	return 0;
}

static int watch_setup(struct rec *r)
{
	uint64_t var = ksym_addr(r->syms, "system_state");
	uint64_t ki = ksym_addr(r->syms, "kernel_init");
	uint64_t ro = ksym_addr(r->syms, "kernel_set_to_readonly");
	const struct ksym_sym *sym = ksym_find(r->syms, "kernel_init");
	uint64_t vals[8];
	uint8_t code[1024];
	uint32_t word;
	size_t len = sym && sym->size && sym->size < sizeof code ?
		     (size_t)sym->size : sizeof code;
	ssize_t got = r->z0_refused ? -1 : read_mem(r, ki, code, len);
	size_t n = got >= 16 ? rec_stores_to(code, (size_t)got, ki, var, vals, 8) : 0;
	char how[128];
	/* mark_rodata_ro() does not run: strtobool's false words */
	bool rodata_off = rec_cmdline_has(r->append, "rodata=off") ||
			  rec_cmdline_has(r->append, "rodata=0") ||
			  rec_cmdline_has(r->append, "rodata=n") ||
			  rec_cmdline_has(r->append, "rodata=N");

	if (got >= 16 && n >= 2 && vals[0] < vals[n - 1]) {
		snprintf(how, sizeof how, "system_state = %llu (kernel_init stores "
			 "%llu, then %llu)", (unsigned long long)vals[0],
			 (unsigned long long)vals[0], (unsigned long long)vals[n - 1]);
		return watch_start(r, "system_state", var, vals[0], how);
	}
	if (got >= 16 && ro && !rodata_off &&
	    read_mem(r, ro, &word, sizeof word) == sizeof word && word == 0) {
		snprintf(how, sizeof how, "kernel_set_to_readonly = 1 (kernel_init "
			 "stores %zu value%s into system_state)", n, n == 1 ? "" : "s");
		return watch_start(r, "kernel_set_to_readonly", ro, 1, how);
	}
	progress(r, "run_init_process: armed now (kernel_init stores %zu "
		 "value%s into system_state%s)", n, n == 1 ? "" : "s",
		 !ro ? ", no kernel_set_to_readonly" :
		 rodata_off ? ", rodata=off: kernel_set_to_readonly is never set" :
		 ", kernel_set_to_readonly unreadable or set");
	return arm_late(r);
}

/* A watch tick's word: when it shows the kernel past its initcalls, stop
 * the guest (an interrupt stop), arm, resume.  A tick in user mode (CPL
 * 3) means the moment was missed: said, and the breakpoints armed anyway
 * (run_init_process then never stops: the phase is missing). */
static int watch_check(struct rec *r, const struct gc_tick *t)
{
	bool user = (t->regs[GC_TICK_CR0] & X86_CR0_PG) && (t->regs[GC_TICK_CS] & 3) == 3;

	r->nwatch++;
	if (!(t->mem_ok && (t->mem & 0xffffffffu) >= r->watch_min) && !user)
		return 0;
	r->watching = false;
	snprintf(r->watch_note, sizeof r->watch_note,
		 "; run_init_process armed late (%lu watch ticks)", r->nwatch);
	if (user) {
		r->watch_missed = true;
		warning("the guest reached user mode before %s showed the "
			"initcalls' end: run_init_process will not be seen",
			r->watch_name);
	}
	halt_running(r);
	if (!r->alive)
		return 1;
	if (arm_late(r) < 0)
		return -1;
	if (r->sample_hz > 0 && gc_tick_prepare(r->c, &r->sbatch, 0, 0, NULL) < 0)
		return -1;
	return resume(r) < 0 ? -1 : 0;
}

/* Ticks a second while the guest runs: --sample's, else the watch's. */
static double tick_hz(const struct rec *r)
{
	return r->sample_hz > 0 ? r->sample_hz : r->watching ? REC_WATCH_HZ : 0;
}

/* A stop at a milestone's callee: whether the call came from the
 * milestone's function (the return address at [rsp]). */
static bool stem_call(struct rec *r, const struct rec_ms *m)
{
	uint64_t ra = 0;

	if (!m->ret_check)
		return true;
	if (read_mem(r, reg(r, "rsp"), &ra, sizeof ra) != (ssize_t)sizeof ra)
		return true;   /* cannot tell: take it */
	return le64toh(ra) == m->ret_check;
}

static int save_memory(struct rec *r)
{
	char spec[4200], *c1, *c2, *end;
	unsigned long long addr, len;
	uint8_t *buf;
	ssize_t got;
	FILE *f;
	int ret = -1;

	snprintf(spec, sizeof spec, "%s", r->save_mem);
	c1 = strchr(spec, ':');
	c2 = c1 ? strchr(c1 + 1, ':') : NULL;
	if (!c2)
		return error("bad --save-memory '%s' (ADDR:LEN:FILE)", r->save_mem);
	*c1 = *c2 = '\0';
	addr = strtoull(spec, &end, 0);
	len = strtoull(c1 + 1, &end, 0);
	if (!len || len > (1u << 24))
		return error("bad --save-memory length '%s'", c1 + 1);
	buf = malloc(len);
	if (!buf)
		return error("out of memory");
	got = read_mem(r, addr, buf, len);
	if (got != (ssize_t)len) {
		error("cannot read %llu bytes at 0x%llx", len, addr);
		goto out;
	}
	f = fopen(c2 + 1, "wb");
	if (!f) {
		error_errno("cannot write '%s'", c2 + 1);
		goto out;
	}
	if (fwrite(buf, 1, len, f) != len || fclose(f) != 0) {
		error_errno("cannot write '%s'", c2 + 1);
		goto out;
	}
	ret = 0;
out:
	free(buf);
	return ret;
}

/* A milestone (or several at one address) reached; 1 = the end. */
static int on_milestone(struct rec *r, struct rec_ms *m)
{
	int64_t t = r->g;

	m->hit = true;
	m->armed = false;
	bp_drop(r, m->addr);
	if (m->phase[0]) {
		if (r->level_phase[0] && r->mode == IC_BREAKPOINTS)
			phase_close(r, r->level_last_end);
		phase_open(r, m->phase, t);
	}
	progress(r, "%s at %.1f ms", m->name, ms_of(t));
	if (m->is_until) {
		snprintf(r->endname, sizeof r->endname, "%s",
			 !strcmp(m->name, "run_init_process") ? "userspace" : m->name);
		r->complete = true;
		if (r->save_mem && save_memory(r) < 0)
			set_incomplete(r, "could not save memory");
		return 1;
	}
	if (m + 1 < r->ms + r->nms && m[1].stem &&
	    resolve_stem(r, m + 1, m) < 0)
		return -1;
	if (m + 1 < r->ms + r->nms && m[1].late && watch_setup(r) < 0)
		return -1;
	if (prepare_initcalls(r) < 0)
		return -1;
	return 0;
}

/* ---- the main loop ---- */

/*
 * Where the guest stopped.  At a stop that can only be an initcall's entry
 * (or a later milestone) of a kernel in the upper half, 'p' for rip alone
 * answers (16 hex digits instead of the ~1200 of 'g', and no decoding): an
 * address there cannot be a real-mode IP, so it is the linear address.
 * Anywhere else, or when rip turns out to be the return site after all,
 * 'g' reads everything (on_return() needs rax and the function register).
 */
static int read_stop_pc(struct rec *r, uint64_t *lin, uint64_t *ip)
{
	uint64_t v;

	if (r->prepared && !r->callsite && r->doi_addr >= 0xffff800000000000ull &&
	    !(r->ret_armed && r->entered >= 0) && r->c->have_tdesc &&
	    rsp_tdesc_find(&r->c->tdesc, "rip") && flush(r, false) == 0) {
		quickack(r);
		if (rsp_read_register_u64(r->c, "rip", &v, NULL) == 0 &&
		    v >= 0xffff800000000000ull &&
		    !(r->ret_armed && v == r->rs.ret_addr)) {
			*lin = *ip = v;
			return 0;
		}
	}
	return read_regs(r, lin, ip);
}

/*
 * The first initcall is called: the milestones not reached by now come
 * after the initcalls (they are in boot order, and those before, like
 * start_kernel, are behind us).  They are held back until the last one
 * returns, so that from here on a stop can only be at the one breakpoint
 * of the fast scheme.
 */
static int fast_begin(struct rec *r)
{
	size_t i;

	for (i = 0; i < r->nms; i++) {
		struct rec_ms *m = &r->ms[i];

		if (m->armed && !m->hit) {
			m->armed = false;
			m->deferred = true;
			if (bp_drop(r, m->addr) < 0)
				return -1;
		}
	}
	r->fast_live = true;
	return 0;
}

/*
 * The fast scheme.  While the initcalls run, exactly one breakpoint is
 * armed: the call site (before an initcall starts) or the return site
 * (while it runs).  So a stop is at that one, and what to do there needs
 * no register: remove it, insert the other, resume; the guest executes
 * the call, or the instruction after it, itself.  The 'g' that tells
 * which initcall it was (and its return value) is written with those and
 * the resume, and its reply read after the resume (flush()), so the
 * client holds the guest for one write: no round trip.  The removal and
 * insert cost nothing more under TCG: the stop has flushed the
 * translation cache already.  Exceptions go the slow way (read, then
 * act): the return of the table's last runnable initcall (the milestones
 * are armed again there), and GC_PROFILE_TEST_STALL's stop.
 * 0 = resume, 2 = take the slow way.
 */
static int fast_swap(struct rec *r, int to);

static int fast_stop(struct rec *r)
{
	if (r->fast_site == FAST_CALL) {
		if (r->stall_at > 0 && (long)r->nseen + 1 == r->stall_at)
			return 2;
		if (queue_g(r) < 0 || fast_swap(r, FAST_RET) < 0)
			return -1;
		r->fast_pending = FAST_CALL;
		return 0;
	}
	if (r->entered >= 0 && r->entered == r->last_runnable)
		return 2;
	if (queue_g(r) < 0 || fast_swap(r, FAST_CALL) < 0)
		return -1;
	r->fast_pending = FAST_RET;
	return 0;
}

/* Move the fast scheme's one armed breakpoint from the call site to the
 * return site (to = FAST_RET) or back (FAST_CALL): queued, it goes out
 * with the resume. */
static int fast_swap(struct rec *r, int to)
{
	bool to_ret = to == FAST_RET;

	r->call_armed = !to_ret;
	r->ret_armed = to_ret;
	if (bp_remove(r, to_ret ? r->rs.call_addr : r->rs.ret_addr) < 0 ||
	    bp_want(r, to_ret ? r->rs.ret_addr : r->rs.call_addr, false,
		    to_ret ? "return site" : "call site") < 0)
		return -1;
	r->fast_site = to;
	return 0;
}

/*
 * After the resume of a fast stop: its registers are in c->g.  A call:
 * which initcall starts.  A return: which one ended, with what.  Should
 * that have been the table's last after all (one the recorder thought
 * still to come was never called), the guest is stopped with 0x03 (no
 * debug stop) to put the milestones back.
 */
static int fast_data(struct rec *r, int site)
{
	int last;

	r->nfast++;
	if (site == FAST_CALL) {
		uint64_t fn = reg(r, r->rs.call_reg);
		size_t j;

		for (j = r->next; j < r->nic; j++)
			if (r->ics[j].addr == fn)
				break;
		if (j < r->nic)
			return on_entry(r, j);
		r->nunattributed++;
		return 0;
	}
	last = on_return_data(r);
	if (last <= 0)
		return last;
	return ended_early(r);
}

static int handle_stop(struct rec *r, const struct rsp_stop *st)
{
	uint64_t lin, ip;
	bool matched = false;
	size_t i;
	int rc;

	if (st->kind == 'W' || st->kind == 'X') {
		mark_end(r);
		conn_ended(r, st->kind, st->kind == 'W' ? st->exit_status : st->signo);
		return 1;
	}
	if (r->fast && r->fast_live && r->fast_site != FAST_NONE && st->signo == 5) {
		rc = fast_stop(r);
		if (rc != 2)
			return rc;
	}
	if (r->ws) {
		rc = ws_stop(r, st);
		if (rc != 2)
			return rc;
	}
	if (read_stop_pc(r, &lin, &ip) < 0)
		return -1;
	if (r->ws && lin == r->ws_end)
		return ws_end_slow(r);
	if (r->fast && r->call_armed && lin == r->rs.call_addr) {
		/* the slow way at the call site (the first call, the test
		 * stall): the call executed by the recorder, then the return
		 * site armed */
		if (!r->fast_live && fast_begin(r) < 0)
			return -1;
		rc = on_call(r);
		if (rc == 0 && fast_swap(r, FAST_RET) < 0)
			return -1;
		return rc;
	}
	if (r->entered >= 0 && r->mode == IC_ENTRIES &&
	    !(r->ret_armed && lin == r->rs.ret_addr)) {
		/* entries: the open initcall ends at whatever stops next */
		bool is_entry = false;

		for (i = r->next; i < r->nic && i < r->next + REC_WINDOW; i++)
			if (r->ics[i].armed && r->ics[i].addr == lin)
				is_entry = true;
		if (r->call_armed && lin == r->rs.call_addr)
			is_entry = true;
		if (!is_entry) {
			struct rec_ic *prev = &r->ics[r->entered];

			prev->end = r->g;
			prev->state = IC_DONE;
			r->level_last_end = r->g;
			r->entered = -1;
		}
	}
	for (i = 0; i < r->nms; i++) {
		if (r->ms[i].armed && r->ms[i].addr == lin && stem_call(r, &r->ms[i])) {
			matched = true;
			rc = on_milestone(r, &r->ms[i]);
			if (rc)
				return rc;
		}
	}
	if (r->ret_armed && lin == r->rs.ret_addr)
		return on_return(r, ip);
	if (r->call_armed && lin == r->rs.call_addr)
		return on_call(r);
	for (i = r->next; i < r->nic && i < r->next + REC_WINDOW; i++)
		if (r->ics[i].armed && r->ics[i].addr == lin)
			return on_entry(r, i);
	if (!matched) {
		r->nunexpected++;
		if (bp_at(r, lin))
			return step_over(r);
	}
	return 0;
}

/* Whether the stub closed the connection (QEMU died). */
static bool conn_closed(struct rec *r)
{
	char b;
	ssize_t n = recv(r->c->fd, &b, 1, MSG_PEEK | MSG_DONTWAIT);

	return n == 0 || (n < 0 && errno != EAGAIN && errno != EWOULDBLOCK &&
			  errno != EINTR);
}

/* Stop a running guest with 0x03 and wait for it (an interrupt stop). */
static void halt_running(struct rec *r)
{
	struct rsp_stop st;
	struct kit_err e;
	char b[64];

	while (read(r->sigpipe[0], b, sizeof b) > 0) {
	}
	if (!r->running || !r->alive)
		return;
	quickack(r);
	if (rsp_interrupt(r->c, &e) < 0 ||
	    rsp_wait_stop(r->c, 3000, &st, &e) < 0) {
		r->alive = false;
		return;
	}
	stopped(r, PROF_STOP_INTERRUPT);
	if (st.kind == 'W' || st.kind == 'X') {
		mark_end(r);
		r->alive = false;
	}
}

/* ---- --sample: interrupt stops between the breakpoint stops ---- */

static int sample_setup(struct rec *r)
{
	struct kit_err e;

	gc_sample_layout_default(&r->layout);
	if (r->syms->have_bzimage)
		gc_sample_layout_bzimage(&r->layout, &r->syms->bz);
	gc_sample_layout_symbols(&r->layout, r->syms);
	if (gc_tick_prepare(r->c, &r->sbatch, r->watch_var, r->watching ? 4 : 0, &e) < 0)
		return error("--sample: %s", e.msg);
	return 0;
}

static int sample_count(struct rec *r, const uint64_t *v)
{
	enum x86_mode mode = x86_mode_derive(v[GC_TICK_CR0], v[GC_TICK_EFER],
					     v[GC_TICK_EFLAGS], NULL);
	struct x86_seg seg = { .sel = (uint16_t)v[GC_TICK_CS] };
	uint64_t addr = x86_linear(mode, &seg, v[GC_TICK_RIP]);
	unsigned cpl = x86_mode_is_segmented(mode) ? (mode == X86_MODE_V86 ? 3 : 0)
						   : (unsigned)(v[GC_TICK_CS] & 3);
	struct gc_where w;
	size_t i;

	memset(&w, 0, sizeof w);
	gc_sample_attribute(&r->layout, r->syms, addr, mode,
			    (v[GC_TICK_CR0] & X86_CR0_PG) != 0, cpl, &w);
	r->nsamples++;
	for (i = 0; i < r->nsb; i++)
		if (r->sb[i].region == w.region && r->sb[i].symbol == w.symbol &&
		    r->sb[i].mode == mode) {
			r->sb[i].count++;
			return 0;
		}
	if (r->nsb == r->sbcap) {
		size_t cap = r->sbcap ? 2 * r->sbcap : 256;
		struct rec_bucket *b = realloc(r->sb, cap * sizeof *b);

		if (!b)
			return error("out of memory");
		r->sb = b;
		r->sbcap = cap;
	}
	r->sb[r->nsb].region = w.region;
	r->sb[r->nsb].symbol = w.symbol;
	r->sb[r->nsb].mode = mode;
	r->sb[r->nsb].count = 1;
	r->nsb++;
	return 0;
}

/*
 * One sample while the guest runs (gc_tick_prepare(): 0x03, the 'p's, the
 * resume in one write), its replies read at once.  The guest may have
 * stopped at a breakpoint just before the 0x03 came: QEMU then ignores the
 * 0x03, answers the 'p's and resumes from the breakpoint, where it stops
 * again at once; that first stop's time is kept for stopped().
 * 0 = running again, 1 = the guest ended (r->alive false), -1 = error.
 */
static int sample_tick(struct rec *r)
{
	int64_t t0 = mono();
	struct gc_tick t;
	struct kit_err e;
	int rc;

	int64_t dt;

	quickack(r);
	if (rsp_batch_send(r->c, &r->sbatch, &e) < 0) {
		conn_ended(r, 'E', 0);
		return 1;
	}
	rc = gc_tick_read(r->c, &t, r->watching ? 4 : 0, &e);
	if (rc == 1) {
		bool wx = t.stop.kind == 'W' || t.stop.kind == 'X';

		conn_ended(r, wx ? t.stop.kind : 'E', !wx ? 0 : t.stop.kind == 'W' ?
			   t.stop.exit_status : t.stop.signo);
		return 1;
	}
	if (rc < 0)
		return error("--sample: %s", e.msg);
	/* QEMU stopped (the tick, or a breakpoint or watchpoint that came
	 * first) and resumed (the tick's resume): a stop and a resume for
	 * QEMU's clock, the guest's time at the stop estimated the way
	 * stopped() counts */
	dt = t.stop_ns - r->resume_host - r->latency - r->sample_hold;
	mark_stop(r, t.stop_ns, false, r->g + (dt > 0 ? dt : 0));
	mark_resume(r, t0, false);
	if (t.stop.signo != 2 && r->ws && is_watch(&t.stop)) {
		/* a watch stop came first (an initcall's start): the tick's
		 * resume let the guest go on, no repeat comes.  Its guest
		 * time, as stopped() would count it; held from then to now */
		int64_t d = t.stop_ns - r->resume_host - r->latency - r->sample_hold;

		r->nwatch_stops++;
		r->nraced++;
		if (t.stop.watch_addr == r->ws_var)
			r->ws_start = r->g + (d > 0 ? d : 0);
		r->sample_hold += mono() - t.stop_ns;
		return sample_count(r, t.regs) < 0 ? -1 : 0;
	}
	if (t.stop.signo != 2) {
		/* a breakpoint came first: the next stop reply is its repeat */
		r->raced_stop = t.stop_ns;
		r->nraced++;
		return 0;
	}
	/* the guest was stopped from when the stop took effect, taken half
	 * way between the write and the stop reply (as `sample` paces), to
	 * when the '+' of the resume came */
	r->sample_hold += mono() - (t0 + (t.stop_ns - t0) / 2);
	if (r->sample_hz > 0 && sample_count(r, t.regs) < 0)
		return -1;
	return r->watching ? watch_check(r, &t) : 0;
}

/* A recorder error, or the connection's end when the stub has gone. */
static void rec_failed(struct rec *r)
{
	if (conn_closed(r))
		conn_ended(r, 'E', 0);
	set_incomplete(r, "recorder error (see the messages above)");
}

/* The guest ended while it ran (the connection closed, or an exit came
 * instead of a tick's replies; how: 'E', 'W', 'X'); decide_end() says
 * whether that was the end asked for. */
static void ended_running(struct rec *r, char how, int num)
{
	stopped(r, PROF_STOP_DEBUG);
	mark_end(r);
	r->resumed_once = false;   /* no stop to record */
	conn_ended(r, how, num);
}

static int record(struct rec *r)
{
	struct rsp_stop st;
	struct kit_err e;
	int64_t deadline = r->timeout_s > 0 ? mono() + (int64_t)(r->timeout_s * 1e9) : 0;
	int rc;

	if (resume(r) < 0)
		return -1;
	for (;;) {
		int wait_ms = -1;
		bool tick = false;

		if (deadline) {
			int64_t left = deadline - mono();

			wait_ms = left <= 0 ? 0 : (int)(left / 1000000) + 1;
		}
		if (tick_hz(r) > 0 && !r->raced_stop) {
			int64_t left = r->next_tick - mono();
			int tms = left <= 0 ? 0 : (int)((left + 999999) / 1000000);

			if (wait_ms < 0 || tms < wait_ms) {
				wait_ms = tms;
				tick = true;
			}
		}
		rc = rsp_wait_stop(r->c, wait_ms, &st, &e);
		if (rc == -RSP_ERR_TIMEOUT && tick && !rec_signal) {
			r->next_tick += (int64_t)(1e9 / tick_hz(r));
			if (r->next_tick < mono())
				r->next_tick = mono() + (int64_t)(1e9 / tick_hz(r));
			rc = sample_tick(r);
			if (rc < 0) {
				halt_running(r);
				rec_failed(r);
				return 0;
			}
			if (rc == 1) {
				/* (sample_tick() set how) */
				ended_running(r, r->conn_end, r->conn_num);
				return 0;
			}
			continue;
		}
		if (rc == -RSP_ERR_INTERRUPTED || rec_signal) {
			r->signo = rec_signal;
			halt_running(r);
			set_incomplete(r, "interrupted (%s)",
				       r->signo == SIGTERM ? "SIGTERM" : "SIGINT");
			return 0;
		}
		if (rc == -RSP_ERR_TIMEOUT) {
			halt_running(r);
			set_incomplete(r, "timeout after %g s", r->timeout_s);
			return 0;
		}
		if (rc == -RSP_ERR_CLOSED || rc == -RSP_ERR_TRUNCATED ||
		    (rc == -RSP_ERR_SYS && conn_closed(r))) {
			ended_running(r, 'E', 0);
			return 0;
		}
		if (rc < 0) {
			r->alive = false;
			set_incomplete(r, "connection failed: %s", e.msg);
			return 0;
		}
		stopped(r, st.kind == 'T' || st.kind == 'S' ?
			(st.signo == 2 ? PROF_STOP_INTERRUPT :
			 is_watch(&st) ? PROF_STOP_WATCH : PROF_STOP_DEBUG) :
			PROF_STOP_DEBUG);
		rc = handle_stop(r, &st);
		if (rc < 0) {
			if (conn_closed(r)) {
				/* qemu went away during the stop */
				conn_ended(r, 'E', 0);
				set_incomplete(r, "connection dropped");
			} else {
				rec_failed(r);
			}
			return 0;
		}
		if (rc == 1 && !r->alive) {
			/* W or X: decide_end() says what it means */
			r->resumed_once = false;
			return 0;
		}
		if (rc == 1)
			return 0;     /* the end asked for */
		if (rec_signal) {
			r->signo = rec_signal;
			set_incomplete(r, "interrupted (%s)",
				       r->signo == SIGTERM ? "SIGTERM" : "SIGINT");
			return 0;
		}
		if (!r->alive) {
			set_incomplete(r, "connection dropped");
			return 0;
		}
		if (resume(r) < 0) {
			if (conn_closed(r))
				conn_ended(r, 'E', 0);
			r->alive = false;
			set_incomplete(r, "connection dropped (cannot resume)");
			return 0;
		}
		if (r->ws_watch_pending) {
			r->ws_watch_pending = false;
			ws_watch(r);
		}
		if (r->ws_pending) {
			r->ws_pending = false;
			if (ws_data(r) < 0) {
				halt_running(r);
				rec_failed(r);
				return 0;
			}
		}
		if (r->fast_pending != FAST_NONE) {
			int site = r->fast_pending;

			r->fast_pending = FAST_NONE;
			if (fast_data(r, site) < 0) {
				halt_running(r);
				rec_failed(r);
				return 0;
			}
		}
	}
}

/* Leave the guest running, without our breakpoints. */
static void detach(struct rec *r)
{
	struct kit_err e;

	if (!r->alive || r->running)
		return;
	if (r->resumed_once)
		record_stop(r, mono());
	r->resumed_once = false;
	if (flush(r, false) < 0)
		return;
	while (r->c->nbps > 0) {
		const struct rsp_bp *b = &r->c->bps[r->c->nbps - 1];

		quickack(r);
		if (rsp_remove_break(r->c, b->type, b->addr, b->kind, &e) < 0)
			break;
	}
	quickack(r);
	rsp_detach(r->c, &e);
}

/* ---- how it ended, and QEMU's clock ---- */

/* CLOCK_REALTIME - CLOCK_MONOTONIC, read between two monotonic reads (the
 * closest pair of five). */
static int64_t rt_offset(void)
{
	int64_t best = INT64_MAX, off = 0;
	int i;

	for (i = 0; i < 5; i++) {
		struct timespec ts;
		int64_t a = mono(), rt, b;

		clock_gettime(CLOCK_REALTIME, &ts);
		rt = (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
		b = mono();
		if (b - a < best) {
			best = b - a;
			off = rt - a - (b - a) / 2;
		}
	}
	return off;
}

/* The wrapper's exit record: it writes it right after qemu's waitpid; up
 * to 3 s for it to appear (qemu may still be cleaning up). */
static bool wait_exit(struct rec *r)
{
	int64_t until = mono() + 3000000000LL;

	for (;;) {
		if (rec_exit_read(r->exit_path, &r->exit, NULL) == 0)
			return true;
		if (mono() > until || rec_signal)
			return false;
		usleep(20 * 1000);
	}
}

/*
 * The connection ended (W, X, EOF): complete only when the boot ended by
 * itself and that is the end asked for (--until-exit).  With a session,
 * the wrapper's exit record says why qemu exited (QEMU 7.2 sends W00 on
 * any orderly exit, SIGTERM's too, and nothing when it is killed); without
 * one, W is taken as the guest's end, X and EOF are not.
 */
static void decide_end(struct rec *r)
{
	size_t i, n;
	bool ok, all = r->nms > 0;

	if (!r->conn_end)
		return;
	if (r->exit_path[0])
		r->have_exit = wait_exit(r);
	ok = rec_end_cause(r->conn_end, r->conn_num, r->have_exit ? &r->exit : NULL,
			   r->end_cause, sizeof r->end_cause);
	for (i = 0; i < r->nms; i++)
		all &= r->ms[i].hit;
	if (!ok && r->have_exit && r->conn_end != 'X' && all) {
		/* the host ended qemu after the boot's last milestone
		 * (libguestfs sends SIGTERM once it is done with its
		 * appliance): the boot is complete, its last phase ends
		 * there */
		n = strlen(r->end_cause);
		snprintf(r->end_cause + n, sizeof r->end_cause - n,
			 ", after the last milestone (%s)", r->ms[r->nms - 1].name);
		ok = true;
	}
	if (r->exit_path[0] && !r->have_exit) {
		n = strlen(r->end_cause);
		snprintf(r->end_cause + n, sizeof r->end_cause - n,
			 "; qemu-wrapper wrote no exit record within 3 s");
	}
	r->end_by_guest = ok;
	progress(r, "the connection ended: %s", r->end_cause);
	if (!ok) {
		/* the cause, not the symptom ("connection dropped") */
		r->complete = false;
		snprintf(r->reason, sizeof r->reason, "%s", r->end_cause);
	} else if (!r->complete && r->reason[0]) {
		/* a recorder error came first: it stands */
	} else if (r->until_exit) {
		r->complete = true;
		snprintf(r->endname, sizeof r->endname, "exit");
	} else {
		set_incomplete(r, "the guest ended before '%s': %s", r->until,
			       r->end_cause);
	}
}

#define REC_CLOCK_TOL 2000000     /* ns of slack on the clocks' offset */
#define REC_STOP_LAG 100000000    /* ns a STOP may come after its reply */

/*
 * The events the marks need, waited for: the wrapper writes them in
 * batches within ~100 ms; up to 2 s, less once the wrapper has exited
 * (its file is then final; its exit record alone does not say that: it
 * may hold the last batch until it exits).  0 with the matched times in
 * qt; -1 with why.
 */
static int load_events(struct rec *r, int64_t *qt, char *why, size_t len)
{
	int64_t until = mono() + 2000000000LL;
	bool last = false;

	for (;;) {
		struct rec_qevent *ev = NULL;
		struct kit_err e;
		size_t n = 0, tlen = 0;
		char *text;
		int rc = -1;

		/* a run file: read only if regular and ours, as the session */
		if (kit_read_own_file("events file", r->events_path, 64u << 20,
				      &text, &tlen, &e) < 0) {
			snprintf(why, len, "%.190s", e.msg);
		} else if (rec_parse_events(text, tlen, &ev, &n, &e) < 0) {
			snprintf(why, len, "'%.60s': %.100s", r->events_path, e.msg);
			last = true;
		} else {
			rc = rec_match_events(r->marks, r->nmarks, ev, n, r->rt_off,
					      REC_CLOCK_TOL, REC_STOP_LAG, qt, why, len);
		}
		free(text);
		free(ev);
		if (rc == 0)
			why[0] = '\0';
		if (rc == 0 || last || mono() > until || rec_signal)
			return rc;
		/* once the wrapper is gone its file is final: one more read */
		if (r->wrapper_pid > 0 && kill((pid_t)r->wrapper_pid, 0) < 0 &&
		    errno == ESRCH)
			last = true;
		usleep(20 * 1000);
	}
}

/*
 * Guest time on QEMU's clock: every stop's guest time from QEMU's STOP and
 * RESUME events, the recorder's client-clocked times mapped onto it at
 * write_profile() (gmap()), the stops' records re-timed so that a recorder
 * that was late shows as time it held the guest.  Without an events file,
 * or when the events do not match the recorder's stops one for one, the
 * client's clock stays, and the profile says so.
 */
static void qemu_clock(struct rec *r)
{
	char why[200] = "";
	int64_t *qt = NULL, *q = NULL, lat = 0, end_host = 0;
	size_t i, k = 0;

	if (!r->nmarks)
		return;
	if (r->marks_lost)
		snprintf(why, sizeof why, "out of memory for its stops");
	else if (!r->events_path[0])
		snprintf(why, sizeof why, "%s", r->have_session ?
			 "the session names no events file (an older qemu-wrapper)" :
			 "no qemu-wrapper session, so no QEMU STOP/RESUME events");
	else if (!(qt = calloc(r->nmarks, sizeof *qt)) ||
		 !(q = calloc(r->nmarks, sizeof *q)) ||
		 !(r->map_g = calloc(r->nmarks, sizeof *r->map_g)) ||
		 !(r->map_q = calloc(r->nmarks, sizeof *r->map_q)))
		snprintf(why, sizeof why, "out of memory");
	else
		load_events(r, qt, why, sizeof why);   /* why says when not */
	if (why[0]) {
		snprintf(r->clock_note, sizeof r->clock_note,
			 "; guest time client-clocked (%s): a recorder not "
			 "scheduled in time counts as guest time%s", why,
			 rec_continued ? ", and this one was stopped (SIGCONT "
			 "seen) during the recording" : "");
		progress(r, "guest time measured with the recorder's clock: %s", why);
		if (rec_continued)
			warning("the recorder was stopped and continued during the "
				"recording: without QEMU's events its stop counts as "
				"guest time (the numbers are too large)");
		goto out;
	}
	for (i = 0; i < r->nmarks; i++)
		if (r->marks[i].end) {
			end_host = r->marks[i].host;
			if (r->have_exit && r->exit.realtime_ns &&
			    r->exit.realtime_ns - r->rt_off < end_host)
				end_host = r->exit.realtime_ns - r->rt_off;
		}
	rec_qemu_guest_time(r->marks, r->nmarks, qt, end_host, !r->raw, q, &lat);
	for (i = 0; i < r->nmarks; i++) {
		const struct rec_mark *m = &r->marks[i];

		if (!m->stop || m->cal)
			continue;
		r->map_g[k] = k && m->g < r->map_g[k - 1] ? r->map_g[k - 1] : m->g;
		r->map_q[k] = q[i];
		k++;
	}
	r->nmap = k;
	/* the client's own share (reply read to resume written), before the
	 * records move to QEMU's clock; 1 when under a nanosecond (0 would
	 * read "not measured") */
	if (r->p->stops.nlist) {
		prof_stops_summarize(&r->p->stops);
		r->p->stops.self_median_ns = r->p->stops.median_ns > 0 ?
					     r->p->stops.median_ns : 1;
	}
	/* the stops' records: from QEMU's STOP to its RESUME */
	for (i = 0; i < r->nmarks; i++) {
		const struct rec_mark *m = &r->marks[i];
		struct prof_stop *s;

		if (!m->stop || m->rec < 0 || qt[i] < 0 ||
		    (size_t)m->rec >= r->p->stops.nlist)
			continue;
		s = &r->p->stops.list[m->rec];
		/* (the guest had stopped by the earlier of the two) */
		s->reported_ns = qt[i] < m->host ? qt[i] : m->host;
		if (i + 1 < r->nmarks && !r->marks[i + 1].stop && qt[i + 1] >= 0)
			s->resumed_ns = qt[i + 1];
		if (s->resumed_ns < s->reported_ns)
			s->resumed_ns = s->reported_ns;
	}
	snprintf(r->clock_note, sizeof r->clock_note,
		 "; guest time on QEMU's clock: its STOP/RESUME events, %zu "
		 "stops, QEMU's own latency %lld ns %s per resume", k,
		 (long long)lat, r->raw ? "not subtracted" : "subtracted");
	progress(r, "guest time from QEMU's STOP/RESUME events (%zu stops; "
		 "recorder's clock %.1f ms, QEMU's %.1f ms)", k, ms_of(r->g),
		 ms_of(k ? rec_map_time(r->map_g, r->map_q, k, r->g) : r->g));
out:
	free(qt);
	free(q);
}

/* A client-clocked guest time on the clock of record. */
static int64_t gmap(const struct rec *r, int64_t t)
{
	return r->nmap ? rec_map_time(r->map_g, r->map_q, r->nmap, t) : t;
}

static void fill_env(struct rec *r)
{
	struct prof_env *env = &r->p->env;
	char buf[1600], end_note[240] = "";
	struct utsname u;
	time_t now = time(NULL);
	struct tm tm;

	if (r->qemu[0])
		prof_set_str(&env->qemu, r->qemu, NULL);
	if (r->accel[0])
		prof_set_str(&env->accel, r->accel, NULL);
	prof_set_str(&env->kernel, r->syms->path, NULL);
	if (r->syms->version[0])
		prof_set_str(&env->kernel_version, r->syms->version, NULL);
	if (r->have_append)
		prof_set_str(&env->cmdline, r->append, NULL);
	if (uname(&u) == 0) {
		snprintf(buf, sizeof buf, "%s %s %s, %ld cpus", u.sysname, u.release,
			 u.machine, sysconf(_SC_NPROCESSORS_ONLN));
		prof_set_str(&env->host, buf, NULL);
	}
	gmtime_r(&now, &tm);
	strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
	prof_set_str(&env->recorded_at, buf, NULL);
	if (r->end_cause[0])
		snprintf(end_note, sizeof end_note, "; ended: %s", r->end_cause);
	snprintf(buf, sizeof buf, "gdbstub-client profile 1 (stub latency %lld ns subtracted per resume; initcalls=%s%s%s%s%s%s%s%s%s%s)",
		 (long long)r->latency,
		 r->mode == IC_BREAKPOINTS ? "breakpoints" :
		 r->mode == IC_ENTRIES ? "entries: duration to the next initcall's entry, return values not seen" :
		 "off",
		 r->scheme[0] ? "; " : "", r->scheme,
		 r->z0_refused ? "; hardware breakpoints where software ones were refused" : "",
		 r->nokaslr ? "" : "; kaslr: kernel phases not split",
		 r->kaslr_assumed ? "; nokaslr assumed (no session command line)" : "",
		 r->watch_note, r->clock_note, end_note, r->early_note);
	prof_set_str(&env->tool, buf, NULL);
}

/*
 * With --until-exit the boot ends when qemu does; a milestone still ahead
 * then means the guest did not get there: a panic or a triple fault (with
 * -no-reboot qemu exits on the reset), or a power-off from the kernel.
 * The profile stays complete (the boot did end) but says so.  When qemu
 * was killed or stopped from the host, the profile is incomplete and the
 * warning says that instead (decide_end()).
 */
static void check_early_exit(struct rec *r)
{
	const char *where = r->cur[0] ? r->cur : "the boot";
	size_t i;

	/* (a watch that saw user mode first has said why already) */
	if (!r->conn_end || r->watch_missed)
		return;
	for (i = 0; i < r->nms; i++) {
		if (r->ms[i].hit)
			continue;
		if (!r->end_by_guest)
			warning("qemu exited in %s, before %s: %s", where,
				r->ms[i].name, r->end_cause);
		else if (r->have_exit)
			warning("qemu exited in %s, before %s: the guest ended "
				"there: %s; its console says more", where,
				r->ms[i].name, r->end_cause);
		else
			warning("qemu exited in %s, before %s: the guest ended "
				"there (a panic or triple fault with -no-reboot, or "
				"a power-off), or the host stopped qemu (without "
				"qemu-wrapper's exit record the stub's exit reply "
				"cannot tell); its console says which", where,
				r->ms[i].name);
		snprintf(r->early_note, sizeof r->early_note,
			 "; qemu exited before %s", r->ms[i].name);
		return;
	}
}

static int write_profile(struct rec *r)
{
	struct kit_err e;
	size_t i;
	int64_t order = 0;

	check_early_exit(r);

	phase_close(r, r->g);
	for (i = 0; i < r->p->nphases; i++) {
		/* onto the clock of record (qemu_clock()) */
		struct prof_phase *ph = &r->p->phases[i];
		int64_t a = gmap(r, ph->start_ns), b = gmap(r, ph->start_ns + ph->duration_ns);

		ph->start_ns = a;
		ph->duration_ns = b > a ? b - a : 0;
	}
	if (r->have_session && r->start_mono && r->ready_host > r->start_mono) {
		int64_t q = r->ready_host - r->start_mono;

		/* phases are kept in boot order: qemu goes first */
		struct prof_phase *ph = r->p->phases;
		size_t n = r->p->nphases;

		r->p->phases = NULL;
		r->p->nphases = 0;
		prof_add_phase(r->p, "qemu", -q, q, NULL);
		for (i = 0; i < n; i++) {
			prof_add_phase(r->p, ph[i].id, ph[i].start_ns, ph[i].duration_ns, NULL);
			free(ph[i].id);
			free(ph[i].label);
		}
		free(ph);
	}
	for (i = 0; i < r->nic; i++) {
		struct rec_ic *ic = &r->ics[i];
		struct prof_initcall pi;

		if (ic->state == IC_ENTERED) {
			/* still running when the recording ended */
			ic->end = r->g;
		} else if (ic->state != IC_DONE) {
			continue;
		}
		memset(&pi, 0, sizeof pi);
		pi.fn = (char *)ic->fn;
		pi.level = ic->level;
		pi.module = ic->module[0] ? ic->module : NULL;
		pi.sync = ic->sync;
		pi.order = order++;
		pi.ret = ic->ret;
		pi.has_ret = ic->has_ret;
		pi.start_ns = gmap(r, ic->start);
		pi.duration_ns = gmap(r, ic->end) - pi.start_ns;
		if (pi.duration_ns < 0 || ic->end <= ic->start)
			pi.duration_ns = 0;
		if (prof_add_initcall(r->p, &pi, &e) < 0)
			return error("%s", e.msg);
	}
	r->p->complete = r->complete;
	if (!r->complete)
		prof_set_incomplete(r->p, r->reason[0] ? r->reason : "unknown", NULL);
	prof_set_str(&r->p->end, r->endname[0] ? r->endname :
		     r->until ? r->until : "exit", NULL);
	r->g = gmap(r, r->g);
	r->p->end_ns = r->g;
	if (r->sample_hz > 0) {
		r->p->samples.rate_hz = r->sample_hz;
		prof_set_str(&r->p->samples.method, "stop", NULL);
		for (i = 0; i < r->nsb; i++)
			if (prof_add_sample_mode(r->p, gc_region_name(r->sb[i].region),
						 r->sb[i].symbol,
						 gc_sample_mode_id(r->sb[i].mode),
						 r->sb[i].count, &e) < 0)
				return error("%s", e.msg);
	}
	prof_stops_summarize(&r->p->stops);
	fill_env(r);
	if (prof_save(r->p, r->out, &e) < 0)
		return error("%s", e.msg);
	return 0;
}

static void usage(void)
{
	fprintf(stderr,
		"usage: profile [--latest | --wait | ENDPOINT] [--kernel FILE]\n"
		"               [--initcalls=breakpoints|entries|off] [--milestones NAME,...]\n"
		"               [--until MILESTONE | --until-exit] [--timeout SEC]\n"
		"               [--progress N] [--save-memory ADDR:LEN:FILE] [--raw]\n"
		"               [--sample HZ] -o FILE.json\n");
}

static int parse_args(struct rec *r, int argc, char **argv)
{
	int i;

	for (i = 1; i < argc; i++) {
		const char *a = argv[i];
		const char *v = i + 1 < argc ? argv[i + 1] : NULL;

#define NEED() do { if (!v) { error("option '%s' needs a value", a); return -1; } i++; } while (0)
		if (!strcmp(a, "--latest")) {
			r->latest = true;
		} else if (!strcmp(a, "--wait")) {
			r->wait = true;
		} else if (!strcmp(a, "--kernel")) {
			NEED();
			r->kernel_opt = v;
		} else if (!strncmp(a, "--initcalls=", 12)) {
			if (!strcmp(a + 12, "breakpoints"))
				r->mode = IC_BREAKPOINTS;
			else if (!strcmp(a + 12, "entries"))
				r->mode = IC_ENTRIES;
			else if (!strcmp(a + 12, "off"))
				r->mode = IC_OFF;
			else
				return error("unknown initcalls mode '%s'", a + 12);
		} else if (!strcmp(a, "--milestones")) {
			NEED();
			r->milestones_opt = v;
		} else if (!strcmp(a, "--until")) {
			NEED();
			r->until = v;
			r->until_exit = false;
		} else if (!strcmp(a, "--until-exit")) {
			r->until_exit = true;
			r->until = NULL;
		} else if (!strcmp(a, "--timeout")) {
			NEED();
			r->timeout_s = strtod(v, NULL);
			if (r->timeout_s <= 0)
				return error("bad timeout '%s'", v);
		} else if (!strcmp(a, "--raw")) {
			r->raw = true;
		} else if (!strcmp(a, "--sample")) {
			char *end;

			NEED();
			r->sample_hz = strtod(v, &end);
			if (*end || !(r->sample_hz > 0) || r->sample_hz > 10000)
				return error("bad --sample rate '%s' (1-10000 Hz)", v);
		} else if (!strcmp(a, "--progress")) {
			NEED();
			r->progress_every = strtoul(v, NULL, 10);
		} else if (!strcmp(a, "--save-memory")) {
			NEED();
			r->save_mem = v;
		} else if (!strcmp(a, "-o")) {
			NEED();
			r->out = v;
		} else if (!strcmp(a, "-h") || !strcmp(a, "--help")) {
			usage();
			return 1;
		} else if (a[0] == '-') {
			return error("unknown option '%s'", a);
		} else if (!r->endpoint) {
			r->endpoint = a;
		} else {
			return error("more than one endpoint ('%s')", a);
		}
#undef NEED
	}
	if (!r->out)
		return error("no output file (-o FILE.json)");
	if (r->endpoint && (r->latest || r->wait))
		return error("give an endpoint or --latest/--wait, not both");
	if (!r->endpoint && !r->wait)
		r->latest = true;
	return 0;
}

static void setup_signals(struct rec *r)
{
	struct sigaction sa;

	memset(&sa, 0, sizeof sa);
	sa.sa_handler = on_signal;
	sigemptyset(&sa.sa_mask);
	rec_signal = 0;
	rec_sigfd = r->sigpipe[1];
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	rec_continued = 0;
	sa.sa_handler = on_sigcont;
	sa.sa_flags = SA_RESTART;
	sigaction(SIGCONT, &sa, NULL);
	sa.sa_flags = 0;
	sa.sa_handler = SIG_IGN;
	sigaction(SIGPIPE, &sa, NULL);
}

int gc_profile_main(int argc, char **argv)
{
	struct rec *r = calloc(1, sizeof *r);
	struct kit_err e;
	const char *kpath, *stall;
	size_t i;
	int status = 1, rc;

	if (!r) {
		error("out of memory");
		return 1;
	}
	r->until_exit = true;
	r->entered = -1;
	r->qg = -1;
	r->qm = -1;
	r->last_runnable = -1;
	r->progress_every = 100;
	r->sigpipe[0] = r->sigpipe[1] = -1;
	r->complete = false;
	rc = parse_args(r, argc, argv);
	if (rc) {
		if (rc < 0)
			usage();
		status = rc < 0 ? 2 : 0;
		goto out;
	}
	stall = getenv("GC_PROFILE_TEST_STALL");
	r->stall_at = stall ? strtol(stall, NULL, 10) : 0;
	if (pipe2(r->sigpipe, O_CLOEXEC | O_NONBLOCK) < 0) {
		error_errno("cannot create a pipe");
		goto out;
	}
	setup_signals(r);
	r->t0 = mono();
	r->rt_off = rt_offset();
	r->last_stop_mark = -1;

	if (!r->endpoint && find_session(r) < 0)
		goto out;
	if (r->endpoint)
		match_endpoint(r);
	kpath = r->kernel_opt ? r->kernel_opt : r->kernel[0] ? r->kernel : NULL;
	if (!kpath) {
		error("no kernel: the session names none; give --kernel FILE");
		goto out;
	}
	r->syms = ksym_open(kpath, 0, &e);
	if (!r->syms) {
		error("%s", e.msg);
		goto out;
	}
	if (r->have_append) {
		r->nokaslr = rec_cmdline_has(r->append, "nokaslr");
	} else {
		r->nokaslr = true;
		r->kaslr_assumed = true;
		progress(r, "no session command line: assuming the kernel runs with nokaslr");
	}
	if (!r->nokaslr)
		warning("the kernel command line has no 'nokaslr': kernel addresses "
			"are randomised, so only firmware, setup and the decompressor "
			"are timed (add nokaslr, e.g. QEMU_WRAPPER_APPEND=nokaslr)");
	if (r->mode != IC_OFF && r->nokaslr) {
		struct ksym_initcall *tab = NULL;
		size_t n = 0;

		if (ksym_initcalls(r->syms, &tab, &n, &e) == 0 && n) {
			r->ics = calloc(n, sizeof *r->ics);
			if (!r->ics) {
				free(tab);
				error("out of memory");
				goto out;
			}
			for (i = 0; i < n; i++) {
				r->ics[i].addr = tab[i].fn;
				r->ics[i].wstart = -1;
				r->ics[i].fn = tab[i].func;
				snprintf(r->ics[i].level, sizeof r->ics[i].level,
					 "%s", tab[i].level);
				r->ics[i].sync = tab[i].sync;
				memcpy(r->ics[i].module, tab[i].module, sizeof tab[i].module);
			}
			r->nic = n;
		}
		free(tab);
		/* else: a table without levels, read from memory later */
		if (r->mode == IC_BREAKPOINTS && !r->doi_addr &&
		    !ksym_addr(r->syms, "do_one_initcall")) {
			warning("no do_one_initcall in '%s': initcalls are not recorded", kpath);
			r->mode = IC_OFF;
		}
	}

	r->p = prof_new();
	if (!r->p) {
		error("out of memory");
		goto out;
	}
	r->c = rsp_connect(r->endpoint ? r->endpoint : r->gdb, 10000, &e);
	if (!r->c) {
		error("cannot connect to '%s': %s", r->endpoint ? r->endpoint : r->gdb, e.msg);
		goto out;
	}
	r->trace_stderr = r->c->trace != NULL;
	r->c->trace = trace_hook;
	r->c->trace_ctx = r;
	if (rsp_qSupported(r->c, &e) < 0) {
		error("'%s' is not a gdb stub: %s", r->endpoint ? r->endpoint : r->gdb, e.msg);
		goto out;
	}
	r->ready_host = mono();
	if (rsp_start(r->c, &e) < 0) {
		error("cannot start the session: %s", e.msg);
		goto out;
	}
	r->c->wake_fd = r->sigpipe[0];
	r->alive = true;
	{
		uint64_t lin, ip;

		if (read_regs(r, &lin, &ip) < 0)
			goto out;
		r->at_reset = ip == 0xfff0;
		if (lin != 0xfff0 && ip != 0xfff0)
			warning("the guest is not at its reset vector (pc 0x%llx): "
				"the firmware phase starts where it is",
				(unsigned long long)ip);
	}
	if (setup_milestones(r) < 0)
		goto out;
	/* A kernel whose code is already in memory (ELF, test guest). */
	if (prepare_initcalls(r) < 0)
		goto out;
	progress(r, "recording %s: %zu milestones, %zu initcalls (%s), until %s",
		 kpath, r->nms, r->nic,
		 r->mode == IC_BREAKPOINTS ? "breakpoints" :
		 r->mode == IC_ENTRIES ? "entries" : "off",
		 r->until ? r->until : "qemu exits");
	rc = 1;
	if (r->at_reset && !r->z0_refused)
		rc = calibrate_fast(r, 0xfffffff0ull);
	if (rc < 0 || (rc == 1 && calibrate(r) < 0))
		goto out;
	if (r->sample_hz > 0 && sample_setup(r) < 0)
		goto out;
	phase_open(r, "firmware", 0);
	if (record(r) < 0)
		set_incomplete(r, "connection dropped");
	decide_end(r);
	if (!r->complete && !r->reason[0])
		set_incomplete(r, "unknown");
	if (!r->nokaslr && r->open && !strcmp(r->cur, "decompressor"))
		snprintf(r->cur, sizeof r->cur, "decompressor+kernel");
	detach(r);
	qemu_clock(r);
	if (write_profile(r) < 0)
		goto out;
	prof_stops_summarize(&r->p->stops);
	progress(r, "wrote %s: %s%s, %.1f ms guest time, %zu initcalls "
		 "(%zu returned), %lld debug stops (%lu steps), %lld interrupt "
		 "stops, client %.1f ms (median %.3f ms per stop); fast stops %lu, "
		 "calls executed %lu, return sites emulated %lu, unexpected %lu",
		 r->out, r->complete ? "complete" : "INCOMPLETE: ",
		 r->complete ? "" : r->reason, ms_of(r->g), r->nseen, r->nreturned,
		 (long long)r->p->stops.debug_stops, r->nsteps,
		 (long long)r->p->stops.interrupt_stops,
		 ms_of(r->p->stops.client_ns), ms_of(r->p->stops.median_ns),
		 r->nfast, r->ncalls, r->nemul, r->nunexpected + r->nunattributed);
	if (r->nwatch_stops)
		progress(r, "watch stops %lu (initcall starts: no translation flush; "
			 "%lu tied to their initcall by a register)",
			 r->nwatch_stops, r->nws_tied);
	if (r->sample_hz > 0)
		progress(r, "--sample %g Hz: %lu samples in %zu places (%lu ticks "
			 "met a breakpoint stop)", r->sample_hz, r->nsamples, r->nsb,
			 r->nraced);
	status = r->complete ? 0 : 1;
out:
	if (r->c)
		rsp_close(r->c);
	if (r->syms)
		ksym_free(r->syms);
	prof_free(r->p);
	rsp_buf_free(&r->qout);
	rsp_batch_free(&r->sbatch);
	free(r->sb);
	free(r->ics);
	free(r->marks);
	free(r->map_g);
	free(r->map_q);
	if (r->sigpipe[0] >= 0)
		close(r->sigpipe[0]);
	if (r->sigpipe[1] >= 0)
		close(r->sigpipe[1]);
	rec_sigfd = -1;
	signal(SIGINT, SIG_DFL);
	signal(SIGTERM, SIG_DFL);
	signal(SIGCONT, SIG_DFL);
	free(r);
	return status;
}

/*
 * decode.c: the recorder's pure decoding parts (recorder.h): register
 * names, do_one_initcall's return site and whether its call can be
 * executed for the guest, the one instruction executed at the return
 * site, a function's first callee in another page, the values code stores
 * into a variable, the NOP after the return site, and the command-line
 * check.  64-bit code through capstone; nothing here prints or exits.
 * Where it breaks: code capstone cannot decode, or forms not listed in
 * recorder.h, come back as "not found" (-1 or REC_EMUL_NONE).
 */
#include "recorder.h"
#include "ksym.h"

#include <capstone/capstone.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>


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

/* Open capstone as *h (x86-64, with details) and disassemble up to max
 * instructions (0: all) of code at addr into *insn, *count of them; -1 when
 * capstone cannot open.  disasm_end() frees both. */
static int disasm(csh *h, const uint8_t *code, size_t len, uint64_t addr,
		  size_t max, cs_insn **insn, size_t *count, struct kit_err *err)
{
	if (cs_open(CS_ARCH_X86, CS_MODE_64, h) != CS_ERR_OK)
		return kit_seterr(err, EINVAL, "cannot open capstone");
	cs_option(*h, CS_OPT_DETAIL, CS_OPT_ON);
	*count = cs_disasm(*h, code, len, addr, max, insn);
	return 0;
}

static void disasm_end(csh *h, cs_insn *insn, size_t count)
{
	if (insn)
		cs_free(insn, count);
	cs_close(h);
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
	if (disasm(&h, code, len, addr, 0, &insn, &count, err) < 0)
		return -1;
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
	disasm_end(&h, insn, count);
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
	if (disasm(&h, code, len, addr, 1, &insn, &n, NULL) < 0)
		return -1;
	if (n != 1) {
		disasm_end(&h, insn, n);
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
	disasm_end(&h, insn, n);
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
	if (disasm(&h, code, len, addr, 0, &insn, &count, err) < 0)
		return -1;
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
	disasm_end(&h, insn, count);
	return ret;
}

size_t rec_stores_to(const uint8_t *code, size_t len, uint64_t addr,
		     uint64_t var, uint64_t *vals, size_t max)
{
	cs_insn *insn = NULL;
	size_t count, i, n = 0;
	csh h;

	if (disasm(&h, code, len, addr, 0, &insn, &count, NULL) < 0)
		return 0;
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
	disasm_end(&h, insn, count);
	return n;
}

int rec_find_end_nop(const uint8_t *code, size_t len, uint64_t addr,
		     const char *fn_reg, uint64_t *nop, unsigned *nop_len)
{
	cs_insn *insn = NULL;
	size_t count, i;
	csh h;
	int ret = -1;

	if (disasm(&h, code, len, addr, 4, &insn, &count, NULL) < 0)
		return -1;
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
	disasm_end(&h, insn, count);
	return ret;
}

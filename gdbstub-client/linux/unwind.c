/*
 * unwind.c: a stopped kernel's call stack from its ORC tables, as the
 * kernel's own unwinder walks it (arch/x86/kernel/unwind_orc.c).
 *
 * Each frame's ORC entry (kernel-symbols: the one covering ip, or ip - 1
 * for a return address, which may point past its function's end) says
 * where the caller's stack pointer is (sp_reg + sp_offset, possibly read
 * through memory), where bp was saved, and what kind of frame it is: a
 * call (the return address just below the caller's sp), full pt_regs
 * (an interrupt or exception: ip, sp and bp from them), or an iret frame
 * only (REGS_PARTIAL).  The struct orc_entry's bitfields and its type
 * numbers changed in 6.4: both come from the kernel's BTF.
 *
 * Guest memory is untrusted: every read is checked, the stack pointer
 * must grow (but at a few stack switches), and the walk stops at
 * LX_MAX_FRAMES, each stop saying why.
 */
#include "lx.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

enum { REG_UNDEF, REG_PREV_SP, REG_DX, REG_DI, REG_BP, REG_SP, REG_R10, REG_R13,
       REG_BP_INDIRECT, REG_SP_INDIRECT };
enum kind { K_UNDEF, K_END, K_CALL, K_REGS, K_PARTIAL };
/* irq stack -> task stack; nested: exception stack -> irq -> task */
enum { LX_MAX_STACK_SWITCHES = 4 };

static int field(const struct ksym_btf *b, const char *name, struct lx_fld *f,
		 struct kit_err *err)
{
	struct ksym_btf_field bf;
	char path[64];

	snprintf(path, sizeof path, "%s", name);
	memset(f, 0, sizeof *f);
	if (ksym_btf_member(b, path, &bf, err) < 0)
		return -1;
	f->off = (uint32_t)bf.offset;
	f->size = (uint32_t)bf.size;
	f->bit_off = bf.bit_offset;
	f->bit_size = bf.bit_size;
	f->present = 1;
	return 0;
}

int lx_unwind_layout_btf(const struct ksym_btf *b, struct lx_unwind_layout *l,
			 struct kit_err *err)
{
	struct kit_err e = { 0 };

	memset(l, 0, sizeof *l);
	if (field(b, "orc_entry.sp_offset", &l->sp_offset, &e) < 0 ||
	    field(b, "orc_entry.bp_offset", &l->bp_offset, &e) < 0 ||
	    field(b, "orc_entry.sp_reg", &l->sp_reg, &e) < 0 ||
	    field(b, "orc_entry.bp_reg", &l->bp_reg, &e) < 0 ||
	    field(b, "orc_entry.type", &l->type, &e) < 0 ||
	    field(b, "pt_regs.ip", &l->r_ip, &e) < 0 ||
	    field(b, "pt_regs.sp", &l->r_sp, &e) < 0 ||
	    field(b, "pt_regs.bp", &l->r_bp, &e) < 0)
		return kit_seterr(err, LX_ELAYOUT, "the kernel's types: %s", e.msg);
	/* 'end' up to 6.3 (type 0 CALL, 1 REGS, 2 REGS_PARTIAL); 6.4 on
	 * numbers UNDEFINED 0, END_OF_STACK 1, CALL 2, REGS 3, PARTIAL 4 */
	l->old_types = field(b, "orc_entry.end", &l->end, &e) == 0;
	return 0;
}

static uint64_t bits(const uint8_t *p, const struct lx_fld *f)
{
	uint64_t v = 0;
	unsigned i;

	for (i = 0; i < f->size && f->off + i < 6; i++)
		v |= (uint64_t)p[f->off + i] << (8 * i);
	if (f->bit_size)
		v = (v >> f->bit_off) & ((UINT64_C(1) << f->bit_size) - 1);
	return v;
}

static int64_t sbits(const uint8_t *p, const struct lx_fld *f)
{
	return f->size == 2 ? (int16_t)bits(p, f) : (int64_t)bits(p, f);
}

static enum kind kind_of(const struct lx_unwind_layout *l, const uint8_t *e)
{
	unsigned t = (unsigned)bits(e, &l->type);

	if (l->old_types) {
		if (bits(e, &l->end))
			return K_END;
		return t == 0 ? K_CALL : t == 1 ? K_REGS : t == 2 ? K_PARTIAL : K_UNDEF;
	}
	return t == 1 ? K_END : t == 2 ? K_CALL : t == 3 ? K_REGS : t == 4 ? K_PARTIAL
								  : K_UNDEF;
}

static int word(const struct lx_mem *m, uint64_t addr, uint64_t *v)
{
	uint8_t b[8];
	unsigned i;

	if (m->read(m->ctx, addr, b, 8, NULL) < 0)
		return -1;
	*v = 0;
	for (i = 0; i < 8; i++)
		*v |= (uint64_t)b[i] << (8 * i);
	return 0;
}

/*
 * The caller's sp for entry E, from the frame's registers R.  BP_INDIRECT
 * (DRAP, a realigned stack) is *(bp + offset).  SP_INDIRECT is objtool's
 * "stack swizzle" since 5.12 (call_on_stack: the irq stack's top holds the
 * interrupted stack's sp; arch/x86/include/asm/irq_stack.h), and the
 * kernel's unwinder reads it as *sp + offset, not *(sp + offset): the
 * offset is the caller's frame on the stack switched back to.  Older
 * kernels emit no SP_INDIRECT entry (5.10's table has none).  *SWITCHED
 * says the walk changes stacks here: sp need not grow.
 */
static int prev_sp(const struct lx_mem *m, const struct lx_unwind_layout *l,
		   const uint8_t *e, const struct lx_regs *r, uint64_t *sp, bool *switched,
		   const char **why)
{
	int64_t off = sbits(e, &l->sp_offset);
	unsigned reg = (unsigned)bits(e, &l->sp_reg);
	uint64_t base;
	bool indirect = reg == REG_SP_INDIRECT || reg == REG_BP_INDIRECT;

	switch (reg) {
	case REG_SP: case REG_SP_INDIRECT: base = r->sp; break;
	case REG_BP: case REG_BP_INDIRECT: base = r->bp; break;
	case REG_R10: case REG_R13: case REG_DI: case REG_DX:
		if (!r->full) {
			*why = "the frame's sp is in a register not saved here";
			return -1;
		}
		base = reg == REG_R10 ? r->r10 : reg == REG_R13 ? r->r13 :
		       reg == REG_DI ? r->di : r->dx;
		break;
	default:
		*why = "no unwind information here (undefined sp)";
		return -1;
	}
	*switched = reg == REG_SP_INDIRECT;
	if (reg == REG_SP_INDIRECT) {
		if (word(m, base, sp) < 0) {
			*why = "the frame's sp points at unreadable memory";
			return -1;
		}
		*sp += (uint64_t)off;
		return 0;
	}
	*sp = base + (uint64_t)off;
	if (indirect && word(m, *sp, sp) < 0) {
		*why = "the frame's sp points at unreadable memory";
		return -1;
	}
	return 0;
}

int lx_unwind(const struct lx_mem *m, const struct ksym_orc *orc,
	      const struct lx_unwind_layout *l, const struct lx_regs *start,
	      struct lx_frame *out, size_t max, size_t *n, char *why, size_t wlen)
{
	struct lx_regs r = *start;
	const char *stop = NULL;
	size_t k = 0;
	unsigned switches = 0;

	*n = 0;
	why[0] = '\0';
	while (k < max) {
		uint64_t from, sp, ra = 0, bp = r.bp;
		const uint8_t *e;
		enum kind kd;
		bool switched = false;

		out[k].ip = r.ip;
		out[k].sp = r.sp;
		out[k].regs_frame = r.after_regs;
		k++;
		if (ksym_orc_find(orc, r.ip - (r.first || r.after_regs ? 0 : 1), &from, &e) < 0) {
			stop = "no unwind information here (not kernel text)";
			break;
		}
		kd = kind_of(l, e);
		if (kd == K_END) {
			stop = NULL;    /* the end of the stack, as the kernel marks it */
			break;
		}
		if (kd == K_UNDEF) {
			stop = "no unwind information here (undefined entry)";
			break;
		}
		if (prev_sp(m, l, e, &r, &sp, &switched, &stop) < 0)
			break;
		switch ((unsigned)bits(e, &l->bp_reg)) {
		case REG_PREV_SP:
			if (word(m, sp + (uint64_t)sbits(e, &l->bp_offset), &bp) < 0)
				bp = r.bp;
			break;
		case REG_BP:
			if (word(m, r.bp + (uint64_t)sbits(e, &l->bp_offset), &bp) < 0)
				bp = r.bp;
			break;
		default:
			break;
		}
		r.first = false;
		r.after_regs = false;
		if (kd == K_CALL) {
			if (word(m, sp - 8, &ra) < 0) {
				stop = "the return address is unreadable";
				break;
			}
			/* back from the irq stack to the interrupted one,
			 * which may lie below it: a few such switches */
			if (sp <= r.sp && !(switched && ++switches <= LX_MAX_STACK_SWITCHES)) {
				stop = "the stack pointer does not grow: stopped";
				break;
			}
			r.ip = ra;
			r.sp = sp;
			r.bp = bp;
			r.full = false;
		} else {
			/* pt_regs at sp (REGS), or only its iret frame (PARTIAL:
			 * sp points at pt_regs.ip) */
			uint64_t base = kd == K_REGS ? sp : sp - l->r_ip.off;
			uint64_t ip, nsp, nbp = bp;

			if (word(m, base + l->r_ip.off, &ip) < 0 ||
			    word(m, base + l->r_sp.off, &nsp) < 0 ||
			    (kd == K_REGS && word(m, base + l->r_bp.off, &nbp) < 0)) {
				stop = "an interrupt frame (pt_regs) is unreadable";
				break;
			}
			if (nsp < UINT64_C(0xffff800000000000)) {
				out[k - 1].user_below = true;
				stop = NULL;    /* came from user space: the end */
				break;
			}
			r.ip = ip;
			r.sp = nsp;
			r.bp = nbp;
			r.full = false;
			r.after_regs = true;
		}
		if (!r.ip) {
			stop = NULL;
			break;
		}
	}
	if (k == max && !stop)
		stop = "too many frames: stopped";
	if (stop)
		snprintf(why, wlen, "%s", stop);
	*n = k;
	return 0;
}

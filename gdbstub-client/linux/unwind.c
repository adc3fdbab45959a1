/*
 * unwind.c: a stopped kernel's call stack from its ORC tables, as the
 * kernel's own unwinder walks it (arch/x86/kernel/unwind_orc.c), or from
 * its frame pointers (unwind_frame.c) when the image has no ORC tables.
 *
 * Each frame's ORC entry (kernel-symbols: the one covering ip, or ip - 1
 * for a return address, which may point past its function's end) says
 * where the caller's stack pointer is (sp_reg + sp_offset, possibly read
 * through memory: (bp + offset), or (sp) + offset), where bp was saved,
 * and what kind of frame it is: a call (the return address just below
 * the caller's sp), full pt_regs (an interrupt or exception: ip, sp and
 * bp from them), or an iret frame only (REGS_PARTIAL).  The struct
 * orc_entry's bitfields and its type numbers changed in 6.4: both come
 * from the kernel's BTF.  An ip with no entry (outside the image's text)
 * is passed with the frame pointer, as the kernel does: a guess, marked.
 *
 * Without ORC tables, the rbp chain: the caller's ip at [bp + 8], its bp
 * at [bp], its sp bp + 16; bp must be 8-aligned, above sp and inside the
 * frame's THREAD_SIZE-aligned stack block.
 *
 * Guest memory is untrusted: every read is checked, the stack pointer
 * must grow (unless it moves to another stack block: an IRQ stack's
 * return to the task's), and the walk stops at the caller's bound on
 * frames, each stop saying why.
 */
#include "lx.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

enum { REG_UNDEF, REG_PREV_SP, REG_DX, REG_DI, REG_BP, REG_SP, REG_R10, REG_R13,
       REG_BP_INDIRECT, REG_SP_INDIRECT };
enum kind { K_UNDEF, K_END, K_CALL, K_REGS, K_PARTIAL };

/* A member of struct orc_entry (6 bytes, but BTF places a bitfield in the
 * unsigned int that holds it, which may reach past them; bits() reads no
 * byte past the 6) or of struct pt_regs. */
static int field(const struct ksym_btf *b, const char *name, struct lx_fld *f,
		 int optional, struct kit_err *err)
{
	return lx_btf_fld(b, name, strncmp(name, "pt_regs.", 8) ? 16 : 4096, f,
			  optional, err);
}

int lx_unwind_layout_btf(const struct ksym_btf *b, struct lx_unwind_layout *l,
			 struct kit_err *err)
{
	memset(l, 0, sizeof *l);
	if (field(b, "orc_entry.sp_offset", &l->sp_offset, 0, err) < 0 ||
	    field(b, "orc_entry.bp_offset", &l->bp_offset, 0, err) < 0 ||
	    field(b, "orc_entry.sp_reg", &l->sp_reg, 0, err) < 0 ||
	    field(b, "orc_entry.bp_reg", &l->bp_reg, 0, err) < 0 ||
	    field(b, "orc_entry.type", &l->type, 0, err) < 0 ||
	    field(b, "pt_regs.ip", &l->r_ip, 0, err) < 0 ||
	    field(b, "pt_regs.sp", &l->r_sp, 0, err) < 0 ||
	    field(b, "pt_regs.bp", &l->r_bp, 0, err) < 0 ||
	    /* 'end' up to 6.3 (type 0 CALL, 1 REGS, 2 REGS_PARTIAL); 6.4 on
	     * numbers UNDEFINED 0, END_OF_STACK 1, CALL 2, REGS 3, PARTIAL
	     * 4, and 'signal' says whether the caller's ip is a return
	     * address */
	    field(b, "orc_entry.end", &l->end, 1, err) < 0 ||
	    field(b, "orc_entry.signal", &l->signal, 1, err) < 0)
		return -1;
	l->old_types = l->end.present;
	if (l->old_types)
		memset(&l->signal, 0, sizeof l->signal);
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
		/* up to 6.3, only an undefined sp marks the end (with 'end')
		 * or the lack of information */
		if (bits(e, &l->sp_reg) == REG_UNDEF)
			return bits(e, &l->end) ? K_END : K_UNDEF;
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

/* A stack lives in one THREAD_SIZE-aligned block: in the same block, the
 * caller's sp must be above the callee's (else a loop); into another
 * block, the walk has switched stacks (from an IRQ stack, say). */
static bool same_stack(uint64_t a, uint64_t b)
{
	return a / LX_THREAD_SIZE == b / LX_THREAD_SIZE;
}

struct walk {
	const struct lx_mem *m;
	const struct ksym_orc *orc;
	const struct lx_unwind_layout *l;
	struct lx_regs r;
	bool exact;             /* look ip up as is: not a return address */
	bool by_fp;             /* r came from the frame-pointer chain */
	bool user;              /* the frame's pt_regs are user space's */
	const char *why;        /* why the walk stopped early */
	char buf[160];
};

enum { STEP_OK, STEP_END, STEP_STOP };

static int stop(struct walk *w, const char *why)
{
	w->why = why;
	return STEP_STOP;
}

/* The caller's sp for entry E, from the frame's registers. */
static int prev_sp(struct walk *w, const uint8_t *e, uint64_t *sp)
{
	const struct lx_unwind_layout *l = w->l;
	const struct lx_regs *r = &w->r;
	int64_t off = sbits(e, &l->sp_offset);
	unsigned reg = (unsigned)bits(e, &l->sp_reg);
	uint64_t base;

	switch (reg) {
	case REG_SP: case REG_SP_INDIRECT: base = r->sp; break;
	case REG_BP: case REG_BP_INDIRECT: base = r->bp; break;
	case REG_R10: case REG_R13: case REG_DI: case REG_DX:
		if (!r->full)
			return stop(w, "the frame's sp is in a register not saved here");
		base = reg == REG_R10 ? r->r10 : reg == REG_R13 ? r->r13 :
		       reg == REG_DI ? r->di : r->dx;
		break;
	default:
		return stop(w, "no unwind information here (undefined sp)");
	}
	/* SP_INDIRECT is (sp) + offset since 5.12 (unused before, when it
	 * meant (sp + offset)); BP_INDIRECT is (bp + offset) */
	*sp = reg == REG_SP_INDIRECT ? base : base + (uint64_t)off;
	if ((reg == REG_SP_INDIRECT || reg == REG_BP_INDIRECT) && word(w->m, *sp, sp) < 0)
		return stop(w, "the frame's sp points at unreadable memory");
	if (reg == REG_SP_INDIRECT)
		*sp += (uint64_t)off;
	return STEP_OK;
}

/* The caller's bp for entry E, the caller's sp being SP. */
static int prev_bp(struct walk *w, const uint8_t *e, uint64_t sp, uint64_t *bp)
{
	const struct lx_unwind_layout *l = w->l;
	int64_t off = sbits(e, &l->bp_offset);

	*bp = w->r.bp;
	switch ((unsigned)bits(e, &l->bp_reg)) {
	case REG_UNDEF:
		return STEP_OK;
	case REG_PREV_SP:
		if (word(w->m, sp + (uint64_t)off, bp) < 0)
			return stop(w, "the saved bp is unreadable");
		return STEP_OK;
	case REG_BP:
		if (word(w->m, w->r.bp + (uint64_t)off, bp) < 0)
			return stop(w, "the saved bp is unreadable");
		return STEP_OK;
	default:
		return stop(w, "no unwind information here (unknown bp register)");
	}
}

/* The frame below pt_regs at REGS (PARTIAL: only its iret frame, from ip
 * on, is there, and bp stays BP). */
static int regs_step(struct walk *w, uint64_t regs, bool partial, uint64_t bp)
{
	const struct lx_unwind_layout *l = w->l;
	uint64_t ip, sp;

	if (word(w->m, regs + l->r_ip.off, &ip) < 0 ||
	    word(w->m, regs + l->r_sp.off, &sp) < 0 ||
	    (!partial && word(w->m, regs + l->r_bp.off, &bp) < 0))
		return stop(w, "an interrupt frame (pt_regs) is unreadable");
	if (sp < LX_KERNEL_MIN) {
		w->user = true;         /* came from user space: the end */
		return STEP_END;
	}
	if (sp <= w->r.sp && same_stack(sp, w->r.sp))
		return stop(w, "the stack pointer does not grow: stopped");
	w->r.ip = ip;
	w->r.sp = sp;
	w->r.bp = bp;
	w->r.full = false;
	w->r.after_regs = true;
	w->exact = true;
	return STEP_OK;
}

/* One step up the rbp chain: the caller's bp at [bp], its return address
 * at [bp + 8], its sp bp + 16.  A bp with bit 0 set is the entry code's
 * ENCODE_FRAME_POINTER: pt_regs at bp - 1.  WHY (short) on a stop; a bp
 * of 0 is the end. */
static int fp_step(struct walk *w)
{
	uint64_t bp = w->r.bp, lo = w->r.sp / LX_THREAD_SIZE * LX_THREAD_SIZE;
	uint64_t hi = lo + LX_THREAD_SIZE, ip, nbp;

	if (!bp)
		return STEP_END;
	if ((bp & 7) == 1 && w->l && bp - 1 >= w->r.sp && bp - 1 < hi &&
	    w->l->r_sp.off + 8 <= hi - (bp - 1)) {
		w->by_fp = true;
		return regs_step(w, bp - 1, false, 0);
	}
	if (bp & 7)
		return stop(w, "bp is not 8-aligned");
	if (bp < lo || bp + 16 > hi)
		return stop(w, "bp leaves the stack");
	if (bp < w->r.sp)
		return stop(w, "bp does not grow");
	if (word(w->m, bp, &nbp) < 0 || word(w->m, bp + 8, &ip) < 0)
		return stop(w, "the frame pointer chain is unreadable");
	w->r.ip = ip;
	w->r.sp = bp + 16;
	w->r.bp = nbp;
	w->r.full = false;
	w->r.after_regs = false;
	w->exact = false;
	w->by_fp = true;
	return STEP_OK;
}

/* One step by the ORC entry of the frame's ip; an ip the tables do not
 * cover is passed by its frame pointer, as the kernel does. */
static int orc_step(struct walk *w)
{
	const struct lx_unwind_layout *l = w->l;
	uint64_t from, sp, bp, ra;
	const uint8_t *e;
	enum kind kd;
	int rc;

	if (ksym_orc_find(w->orc, w->r.ip - (w->exact ? 0 : 1), &from, &e) < 0) {
		rc = w->r.bp ? fp_step(w) : stop(w, "bp is 0");
		if (rc == STEP_STOP) {
			snprintf(w->buf, sizeof w->buf, "no unwind information here (not "
				 "kernel text), nor a frame pointer (%s)", w->why);
			w->why = w->buf;
		}
		return rc;
	}
	w->by_fp = false;
	kd = kind_of(l, e);
	if (kd == K_END)
		return STEP_END;        /* the end of the stack, as the kernel marks it */
	if (kd == K_UNDEF)
		return stop(w, "no unwind information here (undefined entry)");
	if (prev_sp(w, e, &sp) != STEP_OK || prev_bp(w, e, sp, &bp) != STEP_OK)
		return STEP_STOP;
	if (kd != K_CALL) {
		rc = regs_step(w, kd == K_REGS ? sp : sp - l->r_ip.off, kd == K_PARTIAL, bp);
		if (rc == STEP_OK && l->signal.present)
			w->exact = bits(e, &l->signal);
		return rc;
	}
	if (sp <= w->r.sp && same_stack(sp, w->r.sp))
		return stop(w, "the stack pointer does not grow: stopped");
	if (word(w->m, sp - 8, &ra) < 0)
		return stop(w, "the return address is unreadable");
	w->r.ip = ra;
	w->r.sp = sp;
	w->r.bp = bp;
	w->r.full = false;
	w->r.after_regs = false;
	/* 6.4+: the entry says whether the caller's ip is a return address */
	w->exact = l->signal.present && bits(e, &l->signal);
	return STEP_OK;
}

int lx_unwind(const struct lx_mem *m, const struct ksym_orc *orc,
	      const struct lx_unwind_layout *l, const struct lx_regs *start,
	      struct lx_frame *out, size_t max, size_t *n, char *why, size_t wlen)
{
	struct walk w = { .m = m, .orc = orc, .l = l, .r = *start };
	size_t k = 0;
	int rc = STEP_OK;

	w.exact = start->first || start->after_regs;
	while (k < max) {
		memset(&out[k], 0, sizeof out[k]);
		out[k].ip = w.r.ip;
		out[k].sp = w.r.sp;
		out[k].regs_frame = w.r.after_regs;
		out[k].by_fp = w.by_fp;
		k++;
		if (orc)
			rc = orc_step(&w);
		else if ((rc = fp_step(&w)) == STEP_STOP) {
			snprintf(w.buf, sizeof w.buf, "frame pointers: %s: stopped", w.why);
			w.why = w.buf;
		}
		if (w.user)
			out[k - 1].user_below = true;
		if (rc != STEP_OK || !w.r.ip)
			break;
	}
	if (k == max && rc == STEP_OK && w.r.ip)
		w.why = "too many frames: stopped";
	snprintf(why, wlen, "%s", w.why ? w.why : "");
	*n = k;
	return 0;
}

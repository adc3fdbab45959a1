/*
 * target.c: the debugged machine as the client sees it, on top of the rsp
 * library: register and mode caches (valid from a stop to the next
 * resume), the breakpoint table with its software -> hardware fallback,
 * the signal table, and run control with QEMU's quirks handled:
 *
 *   - a stop at a breakpoint would be reported again at once on resume:
 *     lift the breakpoints at pc, single-step, put them back, continue;
 *   - real-mode pc is CS base + IP, and the CS base is not in 'g' (it is
 *     0xffff0000 after reset): "info registers" through qRcmd has it;
 *   - a stop for a breakpoint whose condition is false, a finish
 *     breakpoint hit in a deeper frame, or a "nostop" signal is resumed
 *     here, without a word to the user (unless the signal says "print").
 */
#include "target.h"
#include "clock.h"
#include "ksym.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static uint64_t now_ns(void)
{
	return (uint64_t)kit_mono_ns();
}

static void notify(struct gc_target *t, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
static void notify(struct gc_target *t, const char *fmt, ...)
{
	char msg[512];
	va_list ap;

	if (!t->notify)
		return;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	t->notify(t->notify_ctx, msg);
}

static void invalidate(struct gc_target *t)
{
	t->regs_valid = false;
	t->mode_valid = false;
}

/* After a failed operation: whether the target is gone (the stub sent
 * W/X instead of an answer, or closed the connection); then nothing more
 * is asked of it. */
static void note_end(struct gc_target *t)
{
	if (rsp_end_state(t->c) != RSP_END_NONE)
		t->exited = true;
}

struct gc_target *gc_target_open(const char *spec, int timeout_ms,
				 struct kit_err *err)
{
	struct gc_target *t = calloc(1, sizeof *t);

	if (!t) {
		kit_seterr(err, ENOMEM, "out of memory");
		return NULL;
	}
	t->c = rsp_connect(spec, timeout_ms, err);
	if (!t->c)
		goto fail;
	if (timeout_ms > 0)
		rsp_set_timeout(t->c, timeout_ms);
	if (rsp_start(t->c, err) < 0)
		goto fail;
	t->kvm = -1;
	t->have_monitor = true;
	t->next_num = 1;
	gc_sigtab_init(&t->sigs);
	return t;
fail:
	rsp_close(t->c);
	free(t);
	return NULL;
}

void gc_target_close(struct gc_target *t)
{
	if (!t)
		return;
	rsp_close(t->c);
	free(t);
}

void gc_target_probe_accel(struct gc_target *t)
{
	struct rsp_buf out = RSP_BUF_INIT;
	int rc;

	if (t->kvm >= 0 || t->exited)
		return;
	rc = rsp_monitor(t->c, "info kvm", &out, NULL);
	if (rc == -RSP_ERR_UNSUPPORTED)
		t->have_monitor = false;
	if (rc < 0)
		note_end(t);
	t->kvm = rc == 0 && out.data && strstr(out.data, "kvm support: enabled") ? 1 : 0;
	rsp_buf_free(&out);
}

static int ensure_regs(struct gc_target *t, struct kit_err *err)
{
	int rc;

	if (t->regs_valid)
		return 0;
	if (t->exited)
		return kit_seterr(err, RSP_ERR_EXITED, "the target is gone");
	rc = rsp_read_registers(t->c, err);
	if (rc < 0) {
		note_end(t);
		return -1;
	}
	t->regs_valid = true;
	return 0;
}

int gc_reg(struct gc_target *t, const char *name, uint64_t *v,
	   struct kit_err *err)
{
	int rc;

	if (ensure_regs(t, err) < 0)
		return -1;
	rc = rsp_reg_get(t->c, name, v, err);
	if (rc == -RSP_ERR_STATE) { /* not in 'g': ask for it alone */
		rc = rsp_read_register_u64(t->c, name, v, err);
		if (rc < 0)
			note_end(t);
	}
	return rc < 0 ? -1 : 0;
}

int gc_reg_write(struct gc_target *t, const char *name, uint64_t v,
		 struct kit_err *err)
{
	int rc = rsp_write_register_u64(t->c, name, v, err);

	if (rc == -RSP_ERR_UNSUPPORTED || rc == -RSP_ERR_STATE) {
		if (ensure_regs(t, err) < 0 ||
		    rsp_reg_set(t->c, name, v, err) < 0 ||
		    rsp_write_registers(t->c, err) < 0)
			return -1;
		rc = 0;
	}
	invalidate(t);
	return rc < 0 ? -1 : 0;
}

/* A register that a stub may not have (QEMU user mode: no cr0): 0. */
static uint64_t reg_or0(struct gc_target *t, const char *name)
{
	uint64_t v = 0;

	if (rsp_tdesc_find(rsp_tdesc(t->c), name))
		(void)gc_reg(t, name, &v, NULL);
	return v;
}

int gc_mode(struct gc_target *t, bool want_segs,
	    const struct gc_mode_info **out, struct kit_err *err)
{
	struct gc_mode_info *mi = &t->mi;
	struct x86_seg cs;
	uint64_t v;

	if (t->mode_valid && (!want_segs || mi->segs_valid || !t->have_monitor))
		goto done;
	memset(mi, 0, sizeof *mi);
	if (ensure_regs(t, err) < 0)
		return -1;
	if (gc_reg(t, "rip", &mi->ip, NULL) < 0 && gc_reg(t, "eip", &mi->ip, err) < 0)
		return -1;
	mi->cs = (uint16_t)reg_or0(t, "cs");
	mi->eflags = reg_or0(t, "eflags");
	if (rsp_tdesc_find(rsp_tdesc(t->c), "cr0")) {
		mi->cr0 = reg_or0(t, "cr0");
		mi->efer = reg_or0(t, "efer");
	} else {
		/* no control registers (a user-mode stub): flat protected or
		 * long mode, by the register set's width */
		mi->cr0 = X86_CR0_PE | X86_CR0_PG;
		mi->efer = rsp_tdesc_find(rsp_tdesc(t->c), "rip") ? X86_EFER_LMA : 0;
	}
	if (t->have_monitor &&
	    (want_segs || x86_mode_needs_cs(mi->cr0, mi->efer, mi->eflags))) {
		struct rsp_buf text = RSP_BUF_INIT;
		int rc = rsp_monitor(t->c, "info registers", &text, NULL);

		if (rc == 0 && text.data)
			mi->segs_valid = x86_parse_info_registers(text.data, &mi->segs) > 0 &&
					 mi->segs.cs.valid;
		else if (rc == -RSP_ERR_UNSUPPORTED)
			t->have_monitor = false;
		if (rc < 0)
			note_end(t);
		rsp_buf_free(&text);
	}
	memset(&cs, 0, sizeof cs);
	if (mi->segs_valid)
		cs = mi->segs.cs;
	cs.sel = mi->cs;
	mi->mode = x86_mode_derive(mi->cr0, mi->efer, mi->eflags, &cs);
	mi->bits = x86_mode_bits(mi->mode);
	mi->pc = x86_linear(mi->mode, &cs, mi->ip);
	(void)v;
	t->mode_valid = true;
done:
	if (out)
		*out = mi;
	return 0;
}

/*
 * The linear pc without asking the monitor when that is safe to guess:
 * protected and long mode with a flat CS (what every kernel uses).  Real
 * mode needs the CS base.  *guessed tells the caller it may retry with
 * the real thing.
 */
static int quick_pc(struct gc_target *t, uint64_t *pc, bool *guessed,
		    struct kit_err *err)
{
	uint64_t ip, cr0 = X86_CR0_PE;
	const struct gc_mode_info *mi;

	*guessed = false;
	if (t->mode_valid) {
		*pc = t->mi.pc;
		return 0;
	}
	if (gc_reg(t, "rip", &ip, NULL) < 0 && gc_reg(t, "eip", &ip, err) < 0)
		return -1;
	if (rsp_tdesc_find(rsp_tdesc(t->c), "cr0"))
		cr0 = reg_or0(t, "cr0");
	if (!(cr0 & X86_CR0_PE)) {
		if (gc_mode(t, false, &mi, err) < 0)
			return -1;
		*pc = mi->pc;
		return 0;
	}
	*pc = ip;
	if (!(reg_or0(t, "efer") & X86_EFER_LMA))
		*pc &= 0xffffffffull;
	*guessed = true;
	return 0;
}

/* ------------------------------------------------------------------ */
/* Address expressions and symbols.                                     */

/* The 32-, 16- and 8-bit parts gdb names ($eax, $ax, $al, $ah, $r8d...),
 * which QEMU's description does not list. */
static int sub_reg(struct gc_target *t, const char *name, uint64_t *v)
{
	static const char *const legacy[] = { "ax", "bx", "cx", "dx", "si", "di",
					      "bp", "sp", NULL };
	char full[16];
	size_t n = strlen(name), i;
	unsigned shift = 0, bits = 0;
	uint64_t r;

	if (n < 2 || n > 5)
		return -1;
	if (name[0] == 'e' && n == 3) {                 /* eax, esi */
		snprintf(full, sizeof full, "r%s", name + 1);
		bits = 32;
	} else if (name[0] == 'r' && (name[n - 1] == 'd' || name[n - 1] == 'w' ||
				      name[n - 1] == 'l') && n >= 3 &&
		   name[1] >= '0' && name[1] <= '9') {      /* r8d r8w r8l */
		snprintf(full, sizeof full, "%.*s", (int)(n - 1), name);
		bits = name[n - 1] == 'd' ? 32 : name[n - 1] == 'w' ? 16 : 8;
	} else if (n == 2) {
		for (i = 0; legacy[i]; i++)
			if (!strcmp(legacy[i], name))
				break;
		if (legacy[i]) {                            /* ax, si */
			snprintf(full, sizeof full, "r%s", name);
			bits = 16;
		} else if (strchr("abcd", name[0]) && (name[1] == 'l' || name[1] == 'h')) {
			snprintf(full, sizeof full, "r%cx", name[0]);
			bits = 8;
			shift = name[1] == 'h' ? 8 : 0;
		}
	}
	if (!bits || !rsp_tdesc_find(rsp_tdesc(t->c), full) || gc_reg(t, full, &r, NULL) < 0)
		return -1;
	*v = (r >> shift) & (bits == 64 ? ~0ull : (1ull << bits) - 1);
	return 0;
}

static int ctx_reg(void *ctx, const char *name, uint64_t *v)
{
	struct gc_target *t = ctx;
	const struct gc_mode_info *mi;

	/* $pc is the linear address, $ip what the stub calls rip */
	if (!strcmp(name, "pc")) {
		if (gc_mode(t, false, &mi, NULL) < 0)
			return -1;
		*v = mi->pc;
		return 0;
	}
	if (!strcmp(name, "ip"))
		name = "rip";
	/* gdb's $sp and $fp: the stack and frame pointer in the mode's
	 * width (sp and bp in 16-bit code, esp and ebp in 32-bit) */
	if (!strcmp(name, "sp") || !strcmp(name, "fp")) {
		uint64_t r;

		if (gc_mode(t, false, &mi, NULL) < 0 ||
		    gc_reg(t, name[0] == 's' ? "rsp" : "rbp", &r, NULL) < 0)
			return -1;
		*v = mi->bits == 16 ? r & 0xffff : mi->bits == 32 ? r & 0xffffffffull : r;
		return 0;
	}
	if (!rsp_tdesc_find(rsp_tdesc(t->c), name))
		return sub_reg(t, name, v);
	return gc_reg(t, name, v, NULL);
}

static int ctx_sym(void *ctx, const char *name, uint64_t *v)
{
	struct gc_target *t = ctx;
	const struct ksym_sym *s;

	if (!t->syms || !(s = ksym_find(t->syms, name)))
		return -1;
	*v = s->addr;
	return 0;
}

void gc_target_addr_ctx(struct gc_target *t, struct gc_addr_ctx *x)
{
	x->reg = ctx_reg;
	x->sym = t->syms ? ctx_sym : NULL;
	x->ctx = t;
}


/* A region's name and ADDR's offset in it, into BUF ("" at offset 0). */
static const char *region(char *buf, size_t len, const char *name, uint64_t off)
{
	if (off)
		snprintf(buf, len, "%s+0x%llx", name, (unsigned long long)off);
	else
		snprintf(buf, len, "%s", name);
	return buf;
}

/*
 * Below a Linux kernel's own mapping (real mode, the firmware, the
 * bzImage's setup code and decompressor, the kernel's physical alias
 * before paging maps it high): what is there, by its own offsets, never a
 * kernel symbol whose address merely happens to be near (per-CPU symbols
 * are small absolute numbers: 0x10200 used to read <exception_stacks+0x4200>).
 * Regions as QEMU -kernel lays a bzImage out (gc_sample_layout, which
 * the sampler attributes by too).  Nothing for an address in none of them.
 */
static const char *low_name(const struct ksym_table *syms, uint64_t a, char *buf,
			    size_t len)
{
	struct gc_sample_layout l;
	const struct ksym_sym *s;
	uint64_t off;

	gc_sample_layout_default(&l);
	if (syms->have_bzimage)
		gc_sample_layout_bzimage(&l, &syms->bz);
	gc_sample_layout_symbols(&l, syms);
	if (a >= 0xfffc0000ull && a <= 0xffffffffull)
		return region(buf, len, "bios-rom", a - 0xfffc0000ull);
	if (a >= 0xf0000 && a < 0x100000)
		return region(buf, len, "bios-rom", a - 0xf0000);
	if (a >= 0xc0000 && a < 0xf0000)
		return region(buf, len, "option-rom", a - 0xc0000);
	if (a >= 0x7c00 && a < 0x7e00)
		return region(buf, len, "boot-sector", a - 0x7c00);
	if (a >= l.setup.lo && a < l.setup.hi)
		return region(buf, len, "setup", a - l.setup.lo);
	if (a >= l.decomp.lo && a < l.decomp.hi)
		return region(buf, len, "decompressor", a - l.decomp.lo);
	if (a >= l.kphys.lo && a < l.kphys.hi &&
	    (s = ksym_lookup_addr(syms, a + GC_KERNEL_VIRT_OFFSET, &off)) && off < 0x100000)
		return region(buf, len, ksym_name(syms, s), off);
	if (a >= l.reloc.lo && a < l.reloc.hi)
		return region(buf, len, "decompressor (moved)", 0);
	return buf;
}

const char *gc_symbolize(struct gc_target *t, uint64_t addr, char *buf,
			 size_t len)
{
	const struct ksym_sym *s;
	uint64_t off, text;

	buf[0] = '\0';
	if (!t->syms)
		return buf;
	/* a Linux kernel (its text linked high): low addresses by region */
	text = ksym_addr(t->syms, "_text");
	if (text >= GC_KERNEL_VIRT_OFFSET && addr < 0xffff800000000000ull)
		return low_name(t->syms, addr, buf, len);
	if (!(s = ksym_lookup_addr(t->syms, addr, &off)))
		return buf;
	/* kallsyms sizes are distances to the next symbol: an absolute
	 * per-cpu symbol would "hold" everything up to the kernel text */
	if (off >= 0x100000)
		return buf;
	if (off)
		snprintf(buf, len, "%s+0x%llx", ksym_name(t->syms, s),
			 (unsigned long long)off);
	else
		snprintf(buf, len, "%s", ksym_name(t->syms, s));
	return buf;
}

ssize_t gc_read_mem(struct gc_target *t, uint64_t addr, void *buf, size_t len,
		    struct kit_err *err)
{
	ssize_t n;

	if (t->exited)
		return kit_seterr(err, RSP_ERR_EXITED, "the target is gone");
	n = rsp_read_memory(t->c, addr, buf, len, err);
	if (n < 0)
		note_end(t);
	if (n == -RSP_ERR_TARGET)
		return kit_seterr(err, RSP_ERR_TARGET,
				  "cannot read memory at 0x%llx", (unsigned long long)addr);
	return n < 0 ? -1 : n;
}

int gc_write_mem(struct gc_target *t, uint64_t addr, const void *buf, size_t len,
		 struct kit_err *err)
{
	int rc;

	if (t->exited)
		return kit_seterr(err, RSP_ERR_EXITED, "the target is gone");
	rc = rsp_write_memory(t->c, addr, buf, len, false, err);
	if (rc < 0)
		note_end(t);
	if (rc == -RSP_ERR_TARGET)
		return kit_seterr(err, RSP_ERR_TARGET,
				  "cannot write memory at 0x%llx", (unsigned long long)addr);
	return rc < 0 ? -1 : 0;
}

/* ------------------------------------------------------------------ */
/* Breakpoints.                                                         */

/* An execution breakpoint (not a watchpoint) inserted at addr. */
static bool exec_bp_at(const struct gc_bp *b, uint64_t addr)
{
	return b->inserted && !(b->flags & GC_BP_WATCH) && b->addr == addr;
}

static unsigned hw_in_use(const struct gc_target *t)
{
	unsigned n = 0;
	size_t i;

	for (i = 0; i < t->nbps; i++)
		if (t->bps[i].inserted && t->bps[i].as == RSP_BP_HW)
			n++;
	return n;
}

static int insert_hw(struct gc_target *t, struct gc_bp *b, struct kit_err *err)
{
	if (hw_in_use(t) >= GC_HW_SLOTS)
		return kit_seterr(err, ENOSPC,
				  "all %d hardware breakpoint slots are in use%s",
				  GC_HW_SLOTS, b->want_sw ? b->why : "");
	if (rsp_insert_break(t->c, RSP_BP_HW, b->addr, 1, err) < 0)
		return -1;
	b->as = RSP_BP_HW;
	b->inserted = true;
	return 0;
}

static int insert_bp(struct gc_target *t, struct gc_bp *b, struct kit_err *err)
{
	struct kit_err e2;
	uint64_t cr0;
	int rc;

	if (b->flags & GC_BP_WATCH) {
		if (rsp_insert_break(t->c, b->as, b->addr, b->len, err) < 0)
			return -1;
		b->inserted = true;
		return 0;
	}
	if (b->flags & GC_BP_HW)
		return insert_hw(t, b, err);
	if (t->kvm == 1 && rsp_tdesc_find(rsp_tdesc(t->c), "cr0") &&
	    gc_reg(t, "cr0", &cr0, NULL) == 0 && !(cr0 & X86_CR0_PG)) {
		/* KVM writes int3 through the page tables there are not yet */
		b->want_sw = true;
		snprintf(b->why, sizeof b->why, " (KVM before paging)");
		return insert_hw(t, b, err);
	}
	rc = rsp_insert_break(t->c, RSP_BP_SW, b->addr, 1, &e2);
	if (rc == 0) {
		b->as = RSP_BP_SW;
		b->inserted = true;
		return 0;
	}
	if (rc != -RSP_ERR_UNSUPPORTED && rc != -RSP_ERR_TARGET) {
		if (err)
			*err = e2;
		return -1;
	}
	b->want_sw = true;
	snprintf(b->why, sizeof b->why, " (software refused: %.70s)", e2.msg);
	return insert_hw(t, b, err);
}

static int remove_bp(struct gc_target *t, struct gc_bp *b, struct kit_err *err)
{
	int rc;

	if (!b->inserted)
		return 0;
	rc = rsp_remove_break(t->c, b->as, b->addr, b->len ? b->len : 1, err);
	if (rc < 0 && rc != -RSP_ERR_TARGET)
		return -1;
	b->inserted = false;
	return 0;
}

/* Hardware stand-ins become software breakpoints once the stub takes
 * them (paging on, the address mapped). */
static void rearm(struct gc_target *t)
{
	uint64_t cr0 = X86_CR0_PG;
	bool checked = false;
	size_t i;

	for (i = 0; i < t->nbps; i++) {
		struct gc_bp *b = &t->bps[i];

		if (!b->inserted || b->as != RSP_BP_HW || !b->want_sw)
			continue;
		if (!checked) {
			checked = true;
			if (rsp_tdesc_find(rsp_tdesc(t->c), "cr0") &&
			    gc_reg(t, "cr0", &cr0, NULL) < 0)
				return;
		}
		if (!(cr0 & X86_CR0_PG))
			return;
		if (rsp_insert_break(t->c, RSP_BP_SW, b->addr, 1, NULL) < 0)
			continue;
		if (rsp_remove_break(t->c, RSP_BP_HW, b->addr, 1, NULL) < 0) {
			(void)rsp_remove_break(t->c, RSP_BP_SW, b->addr, 1, NULL);
			continue;
		}
		b->as = RSP_BP_SW;
		b->want_sw = false;
		b->why[0] = '\0';
		if (b->num > 0)
			notify(t, "breakpoint %d at 0x%llx re-armed as a software breakpoint",
			       b->num, (unsigned long long)b->addr);
	}
}

/* The next free breakpoint slot, cleared; NULL, with *err set, when the
 * target is gone or every slot is taken.  Counted in only once inserted. */
static struct gc_bp *bp_slot(struct gc_target *t, struct kit_err *err)
{
	struct gc_bp *b;

	if (t->exited) {
		kit_seterr(err, RSP_ERR_EXITED, "the target is gone");
		return NULL;
	}
	if (t->nbps == GC_MAX_BPS) {
		kit_seterr(err, ENOSPC, "too many breakpoints (%d)", GC_MAX_BPS);
		return NULL;
	}
	b = &t->bps[t->nbps];
	memset(b, 0, sizeof *b);
	return b;
}

struct gc_bp *gc_break_add(struct gc_target *t, uint64_t addr, unsigned flags,
			   const char *spec, const struct gc_cond *cond,
			   struct kit_err *err)
{
	struct gc_bp *b = bp_slot(t, err);

	if (!b)
		return NULL;
	b->addr = addr;
	b->flags = flags;
	snprintf(b->spec, sizeof b->spec, "%s", spec ? spec : "");
	if (cond) {
		b->has_cond = true;
		b->cond = *cond;
	}
	if (insert_bp(t, b, err) < 0)
		return NULL;
	b->num = (flags & GC_BP_FINISH) ? -1 : t->next_num++;
	t->nbps++;
	return b;
}

/* The value of watchpoint b now, into *v: whether it could be read. */
static bool watch_value(struct gc_target *t, const struct gc_bp *b, uint64_t *v)
{
	uint8_t buf[8];

	if (gc_read_mem(t, b->addr, buf, b->len, NULL) != (ssize_t)b->len)
		return false;
	*v = rsp_le_to_u64(buf, b->len);
	return true;
}

struct gc_bp *gc_watch_add(struct gc_target *t, enum rsp_bp_type type,
			   uint64_t addr, unsigned len, const struct gc_ctype *vt,
			   const char *spec, struct kit_err *err)
{
	struct gc_bp *b;
	struct kit_err e2;

	if (type != RSP_WP_WRITE && type != RSP_WP_READ && type != RSP_WP_ACCESS) {
		kit_seterr(err, EINVAL, "not a watchpoint type: %d", (int)type);
		return NULL;
	}
	if (len != 1 && len != 2 && len != 4 && len != 8) {
		kit_seterr(err, EINVAL, "a watchpoint covers 1, 2, 4 or 8 bytes, not %u", len);
		return NULL;
	}
	if (!(b = bp_slot(t, err)))
		return NULL;
	b->addr = addr;
	b->flags = GC_BP_WATCH;
	b->as = type;
	b->len = len;
	if (vt)
		b->type = *vt;
	else
		gc_ctype_unsigned(&b->type, len);
	snprintf(b->spec, sizeof b->spec, "%s", spec ? spec : "");
	b->value_known = watch_value(t, b, &b->value);
	if (insert_bp(t, b, &e2) < 0) {
		if (e2.code == RSP_ERR_UNSUPPORTED)
			kit_seterr(err, RSP_ERR_UNSUPPORTED,
				   "the stub does not support %s watchpoints (Z%d)",
				   type == RSP_WP_WRITE ? "write" : type == RSP_WP_READ ?
				   "read" : "access", (int)type);
		else if (err)
			*err = e2;
		return NULL;
	}
	b->num = t->next_num++;
	t->nbps++;
	return b;
}

struct gc_bp *gc_break_find(struct gc_target *t, int num)
{
	size_t i;

	for (i = 0; i < t->nbps; i++)
		if (t->bps[i].num == num)
			return &t->bps[i];
	return NULL;
}

static int delete_at(struct gc_target *t, size_t i, struct kit_err *err)
{
	if (remove_bp(t, &t->bps[i], err) < 0)
		return -1;
	memmove(&t->bps[i], &t->bps[i + 1], (t->nbps - i - 1) * sizeof t->bps[0]);
	t->nbps--;
	return 0;
}

int gc_break_delete(struct gc_target *t, int num, struct kit_err *err)
{
	size_t i;

	for (i = 0; i < t->nbps; i++)
		if (t->bps[i].num == num)
			return delete_at(t, i, err);
	return kit_seterr(err, ENOENT, "no breakpoint number %d", num);
}

int gc_break_delete_all(struct gc_target *t, struct kit_err *err)
{
	size_t i = t->nbps;

	while (i-- > 0)
		if (t->bps[i].num > 0 && delete_at(t, i, err) < 0)
			return -1;
	return 0;
}

static void delete_internal(struct gc_target *t)
{
	size_t i = t->nbps;

	while (i-- > 0)
		if (t->bps[i].flags & GC_BP_FINISH)
			(void)delete_at(t, i, NULL);
}

/* ------------------------------------------------------------------ */
/* Run control.                                                         */

/* ":TID" of the thread a step steps: the selected one (rsp_select_thread,
 * `thread N`), else the one that stopped; a signal goes to it too. */
static void thread_suffix(const struct gc_target *t, char *buf, size_t len)
{
	const struct rsp_stop *st = rsp_last_stop(t->c);
	long tid = rsp_selected_thread(t->c);

	if (tid > 0 && st && st->pid > 0)
		snprintf(buf, len, ":p%lx.%lx", st->pid, tid);
	else if (tid > 0)
		snprintf(buf, len, ":%lx", tid);
	else
		buf[0] = '\0';
}

/* A continue steps off a breakpoint at the pc of the thread that stopped
 * (with several vCPUs another may be selected): select it again. */
static int select_stopped(struct gc_target *t, struct kit_err *err)
{
	const struct rsp_stop *st = rsp_last_stop(t->c);
	long tid = t->bp_tid > 0 ? t->bp_tid : st && st->tid > 0 ? st->tid : 0;

	t->bp_tid = 0;
	if (tid <= 0 || rsp_selected_thread(t->c) == tid)
		return 0;
	if (rsp_select_thread(t->c, tid, err) < 0)
		return -1;
	invalidate(t);
	return 0;
}

/* Send a step or continue packet, with a signal when sig > 0. */
static int send_resume(struct gc_target *t, bool step, int sig,
		       struct kit_err *err)
{
	struct rsp_conn *c = t->c;
	char pkt[64], tid[40];
	int rc;

	if (!rsp_vcont_known(c) && rsp_vCont_query(c, err) < 0)
		return -1;
	thread_suffix(t, tid, sizeof tid);
	if (step) {
		if (rsp_vcont_has(c, 's') && sig > 0 && rsp_vcont_has(c, 'S'))
			snprintf(pkt, sizeof pkt, "vCont;S%02x%s", sig, tid);
		else if (rsp_vcont_has(c, 's'))
			snprintf(pkt, sizeof pkt, "vCont;s%s", tid);
		else if (sig > 0)
			snprintf(pkt, sizeof pkt, "S%02x", sig);
		else
			snprintf(pkt, sizeof pkt, "s");
	} else {
		if (rsp_vcont_has(c, 'c') && sig > 0 && rsp_vcont_has(c, 'C'))
			snprintf(pkt, sizeof pkt, "vCont;C%02x%s", sig, tid);
		else if (rsp_vcont_has(c, 'c'))
			snprintf(pkt, sizeof pkt, "vCont;c");
		else if (sig > 0)
			snprintf(pkt, sizeof pkt, "C%02x", sig);
		else
			snprintf(pkt, sizeof pkt, "c");
	}
	rc = rsp_send_resume(c, pkt, strlen(pkt), err);
	if (rc < 0)
		return -1;
	if (t->last_stop_ns) {
		t->stop_cost_ns += now_ns() - t->last_stop_ns;
		t->nstops++;
		t->last_stop_ns = 0;
	}
	invalidate(t);
	return 0;
}

/* One raw single step (no breakpoint handling), waiting for its stop. */
static int raw_step(struct gc_target *t, int sig, struct rsp_stop *st,
		    struct kit_err *err)
{
	if (send_resume(t, true, sig, err) < 0)
		return -1;
	return rsp_wait_stop(t->c, rsp_timeout(t->c), st, err) < 0 ? -1 : 0;
}

/*
 * Step one instruction, lifting our breakpoints at pc first (QEMU would
 * report them again without executing anything).
 */
static int step_lifted(struct gc_target *t, int sig, struct rsp_stop *st,
		       struct kit_err *err)
{
	struct gc_bp *lifted[GC_MAX_BPS];
	size_t i, n = 0;
	uint64_t pc = 0;
	bool guessed;
	int rc;

	if (t->nbps && quick_pc(t, &pc, &guessed, err) < 0)
		return -1;
	for (i = 0; i < t->nbps; i++) {
		if (exec_bp_at(&t->bps[i], pc)) {
			if (remove_bp(t, &t->bps[i], err) < 0)
				return -1;
			lifted[n++] = &t->bps[i];
		}
	}
	rc = raw_step(t, sig, st, err);
	if (rc < 0 && rsp_running(t->c))
		return -1;
	for (i = 0; i < n; i++) {
		if (insert_bp(t, lifted[i], rc < 0 ? NULL : err) < 0 && rc == 0)
			rc = -1;
	}
	return rc;
}

int gc_continue(struct gc_target *t, struct kit_err *err)
{
	struct rsp_stop st;
	bool at_bp = false, guessed;
	uint64_t pc;
	size_t i;
	int sig = t->pending_sig;

	if (t->exited)
		return kit_seterr(err, RSP_ERR_EXITED, "the target is gone");
	t->pending_sig = 0;
	if (t->nbps) {
		if (select_stopped(t, err) < 0 || quick_pc(t, &pc, &guessed, err) < 0)
			return -1;
		for (i = 0; i < t->nbps; i++)
			if (exec_bp_at(&t->bps[i], pc))
				at_bp = true;
	}
	if (at_bp) {
		if (step_lifted(t, sig, &st, err) < 0)
			return -1;
		sig = 0;
		if (st.kind != 'T' && st.kind != 'S') {
			t->have_early = true;
			t->early = st;
			rsp_set_running(t->c, true);   /* for gc_wait's bookkeeping */
			return 0;
		}
		if (st.signo != 5) {
			t->have_early = true;
			t->early = st;
			rsp_set_running(t->c, true);
			return 0;
		}
	}
	return send_resume(t, false, sig, err);
}

static bool bp_hit(struct gc_target *t, struct gc_bp *b, struct kit_err *err)
{
	struct gc_addr_ctx x;
	uint64_t sp;
	int r;

	if (b->flags & GC_BP_FINISH) {
		if (gc_reg(t, "rsp", &sp, NULL) < 0 && gc_reg(t, "esp", &sp, NULL) < 0)
			return true;
		return sp > b->frame_sp;
	}
	if (!b->has_cond)
		return true;
	gc_target_addr_ctx(t, &x);
	r = gc_cond_eval(&b->cond, &x, err);
	if (r < 0) {
		notify(t, "error in condition of breakpoint %d: %s", b->num,
		       err ? err->msg : "");
		return true;
	}
	return r == 1;
}

/*
 * A stop for a watchpoint ("watch:ADDR", "rwatch:", "awatch:"; ADDR is
 * where the watched range starts, as QEMU reports it, and QEMU names one
 * watchpoint even when several fire: an incl of a word watched for reads
 * and for writes comes as "rwatch").  Every one of ours on that range
 * gets its value read again; the first that fired is reported, by
 * number: a write watchpoint whose value changed, a read watchpoint on a
 * read, an access watchpoint always.  1 = report, 0 = nothing of ours
 * fired (a write that left the value as it was: gdb resumes then too),
 * -1 = no watchpoint of ours there.
 */
static int watch_hit(struct gc_target *t, const struct rsp_stop *st,
		     struct gc_event *ev)
{
	struct gc_bp *hit = NULL;
	bool any = false;
	size_t i;

	for (i = 0; i < t->nbps; i++) {
		struct gc_bp *b = &t->bps[i];
		uint64_t now = 0;
		bool known, changed, fired;

		if (!(b->flags & GC_BP_WATCH) || !b->inserted ||
		    st->watch_addr < b->addr || st->watch_addr >= b->addr + b->len)
			continue;
		any = true;
		known = watch_value(t, b, &now);
		changed = known && (!b->value_known || now != b->value);
		fired = b->as == RSP_WP_ACCESS ||
			(b->as == RSP_WP_WRITE && (changed || !known)) ||
			(b->as == RSP_WP_READ && st->reason != RSP_REASON_WATCH);
		if (fired && (!hit || b->num < hit->num)) {
			hit = b;
			ev->watch_addr = st->watch_addr;
			ev->watch_old = b->value;
			ev->watch_old_known = b->value_known;
			ev->watch_new = now;
			ev->watch_new_known = known;
			ev->watch_changed = changed;
		}
		b->value = now;
		b->value_known = known;
	}
	if (!any)
		return -1;
	if (!hit)
		return 0;
	hit->hits++;
	ev->kind = GC_EV_WATCH;
	ev->bp_num = hit->num;
	delete_internal(t);
	return 1;
}

/* Decide what a stop means: 1 = report *ev, 0 = resume silently. */
static int classify(struct gc_target *t, const struct rsp_stop *st, bool stepping,
		    struct gc_event *ev, struct kit_err *err)
{
	const struct gc_sigaction *a;
	uint64_t pc;
	bool guessed, matched = false;
	size_t i;
	char nb[16];

	memset(ev, 0, sizeof *ev);
	ev->stop = *st;
	ev->signo = st->signo;
	if (st->kind == 'W') {
		ev->kind = GC_EV_EXITED;
		ev->exit_status = st->exit_status;
		t->exited = true;
		return 1;
	}
	if (st->kind == 'X') {
		ev->kind = GC_EV_KILLED;
		t->exited = true;
		return 1;
	}
	if (st->signo == 5 && (st->reason == RSP_REASON_WATCH ||
				st->reason == RSP_REASON_RWATCH ||
				st->reason == RSP_REASON_AWATCH)) {
		int r = watch_hit(t, st, ev);

		if (r == 0 && stepping) {   /* the step is done all the same */
			ev->kind = GC_EV_STEP;
			return 1;
		}
		if (r >= 0)
			return r;
	}
	if (st->signo == 5) {
		if (t->nbps && quick_pc(t, &pc, &guessed, err) < 0)
			return -1;
		for (i = 0; t->nbps && i < 2 && !matched; i++) {
			size_t j;

			for (j = 0; j < t->nbps; j++)
				if (exec_bp_at(&t->bps[j], pc))
					matched = true;
			if (!matched && guessed && i == 0) {
				const struct gc_mode_info *mi;

				if (gc_mode(t, false, &mi, err) < 0)
					return -1;
				pc = mi->pc;
			} else {
				break;
			}
		}
		if (matched) {
			for (i = 0; i < t->nbps; i++) {
				struct gc_bp *b = &t->bps[i];

				if (!exec_bp_at(b, pc) || !bp_hit(t, b, err))
					continue;
				if (b->flags & GC_BP_FINISH) {
					ev->kind = GC_EV_FINISH;
					delete_internal(t);
					return 1;
				}
				b->hits++;
				/* a vCPU held at a breakpoint: the next continue
				 * steps it off first, even after other threads
				 * were stepped (it would report the hit again) */
				t->bp_tid = ev->stop.tid > 0 ? ev->stop.tid : 0;
				ev->kind = GC_EV_BREAK;
				ev->bp_num = b->num;
				ev->temp = b->flags & GC_BP_TEMP;
				if (b->flags & GC_BP_TEMP)
					(void)delete_at(t, i, NULL);
				delete_internal(t);
				return 1;
			}
			if (!stepping)
				return 0;   /* condition false, or a deeper frame */
		}
		ev->kind = stepping ? GC_EV_STEP : GC_EV_SIGNAL;
		return 1;
	}
	if (st->signo <= 0 || st->signo >= GC_NSIG) {
		ev->kind = GC_EV_SIGNAL;
		return 1;
	}
	a = &t->sigs.a[st->signo];
	t->pending_sig = a->pass ? st->signo : 0;
	if (a->stop) {
		ev->kind = GC_EV_SIGNAL;
		return 1;
	}
	if (a->print)
		notify(t, "Program received signal %s, %s (%s).",
		       gc_signal_name(st->signo, nb), gc_signal_desc(st->signo),
		       a->pass ? "passed" : "not passed, resuming");
	return 0;
}

static int lost(struct gc_target *t, int rc, struct gc_event *ev,
		struct kit_err *err)
{
	if (rc == -RSP_ERR_CLOSED || rc == -RSP_ERR_TRUNCATED ||
	    (rc == -RSP_ERR_SYS && !rsp_running(t->c))) {
		memset(ev, 0, sizeof *ev);
		ev->kind = GC_EV_CLOSED;
		t->exited = true;
		return 0;
	}
	return -1;
}

int gc_wait(struct gc_target *t, int timeout_ms, struct gc_event *ev,
	    struct kit_err *err)
{
	struct rsp_stop st;
	int rc;

	for (;;) {
		if (t->have_early) {
			t->have_early = false;
			st = t->early;
			rsp_set_running(t->c, false);
		} else {
			rc = rsp_wait_stop(t->c, timeout_ms, &st, err);
			if (rc == -RSP_ERR_TIMEOUT) {
				memset(ev, 0, sizeof *ev);
				ev->kind = GC_EV_TIMEOUT;
				return 0;
			}
			if (rc < 0)
				return lost(t, rc, ev, err);
		}
		t->last_stop_ns = now_ns();
		invalidate(t);
		rc = classify(t, &st, false, ev, err);
		if (rc < 0)
			return -1;
		if (rc == 1) {
			if (!t->exited)
				rearm(t);
			return 0;
		}
		if (gc_continue(t, err) < 0)
			return lost(t, -RSP_ERR_CLOSED, ev, err) == 0 && t->exited ? 0 : -1;
	}
}

int gc_stepi(struct gc_target *t, struct gc_event *ev, struct kit_err *err)
{
	struct rsp_stop st;
	int sig = t->pending_sig;
	int rc;

	if (t->exited)
		return kit_seterr(err, RSP_ERR_EXITED, "the target is gone");
	t->pending_sig = 0;
	rc = step_lifted(t, sig, &st, err);
	if (rc < 0) {
		if (err && (err->code == RSP_ERR_CLOSED || err->code == RSP_ERR_TRUNCATED))
			return lost(t, -RSP_ERR_CLOSED, ev, err);
		return -1;
	}
	t->last_stop_ns = 0;
	invalidate(t);
	if (classify(t, &st, true, ev, err) < 0)
		return -1;
	if (!t->exited)
		rearm(t);
	return 0;
}

void gc_interrupt(struct gc_target *t)
{
	(void)rsp_interrupt(t->c, NULL);
}

int gc_detach(struct gc_target *t, struct kit_err *err)
{
	size_t i;

	if (t->exited)
		return 0;
	for (i = 0; i < t->nbps; i++)
		(void)remove_bp(t, &t->bps[i], NULL);
	t->nbps = 0;
	if (rsp_detach(t->c, err) < 0)
		return -1;
	t->exited = true;
	return 0;
}

/*
 * x86mode.c: which mode an x86 CPU is in, and where its code is, from the
 * registers QEMU's gdbstub gives (CR0, EFER, EFLAGS in 'g') and the CS
 * descriptor cache its monitor prints ("info registers").  Pure functions.
 *
 *   CR0.PE = 0                     real mode (segment bases are usually
 *                                  selector * 16, but not after reset:
 *                                  CS = f000 with base 0xffff0000)
 *   PE = 1, EFLAGS.VM = 1          virtual-8086 (legacy mode only)
 *   PE = 1, EFER.LMA = 0           protected, CS.D picks 16 or 32 bits
 *   PE = 1, LMA = 1, CS.L = 1      64-bit
 *   PE = 1, LMA = 1, CS.L = 0      compatibility, CS.D picks 16 or 32
 */
#include "target.h"

#include <ctype.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

enum x86_mode x86_mode_derive(uint64_t cr0, uint64_t efer, uint64_t eflags,
			      const struct x86_seg *cs)
{
	bool known = cs && cs->valid;

	if (!(cr0 & X86_CR0_PE))
		return X86_MODE_REAL;
	if (efer & X86_EFER_LMA) {
		/* EFLAGS.VM is ignored in long mode */
		if (!known || (cs->flags & X86_DESC_L))
			return X86_MODE_LONG64;
		return (cs->flags & X86_DESC_B) ? X86_MODE_COMPAT32
						: X86_MODE_COMPAT16;
	}
	if (eflags & X86_EFLAGS_VM)
		return X86_MODE_V86;
	if (!known || (cs->flags & X86_DESC_B))
		return X86_MODE_PROT32;
	return X86_MODE_PROT16;
}

bool x86_mode_needs_cs(uint64_t cr0, uint64_t efer, uint64_t eflags)
{
	/* v86 bases are always selector * 16 */
	if ((cr0 & X86_CR0_PE) && !(efer & X86_EFER_LMA) && (eflags & X86_EFLAGS_VM))
		return false;
	return true;
}

int x86_mode_bits(enum x86_mode m)
{
	switch (m) {
	case X86_MODE_REAL:
	case X86_MODE_V86:
	case X86_MODE_PROT16:
	case X86_MODE_COMPAT16:
		return 16;
	case X86_MODE_PROT32:
	case X86_MODE_COMPAT32:
		return 32;
	case X86_MODE_LONG64:
		return 64;
	case X86_MODE_UNKNOWN:
		break;
	}
	return 0;
}

const char *x86_mode_name(enum x86_mode m)
{
	switch (m) {
	case X86_MODE_REAL: return "real";
	case X86_MODE_V86: return "virtual-8086";
	case X86_MODE_PROT16: return "16-bit protected";
	case X86_MODE_PROT32: return "32-bit protected";
	case X86_MODE_COMPAT16: return "16-bit compatibility";
	case X86_MODE_COMPAT32: return "32-bit compatibility";
	case X86_MODE_LONG64: return "64-bit";
	case X86_MODE_UNKNOWN: break;
	}
	return "unknown";
}

bool x86_mode_is_segmented(enum x86_mode m)
{
	return m == X86_MODE_REAL || m == X86_MODE_V86;
}

uint64_t x86_linear(enum x86_mode m, const struct x86_seg *seg, uint64_t off)
{
	uint64_t base = 0;

	if (seg && seg->valid)
		base = seg->base;
	else if (seg && x86_mode_is_segmented(m))
		base = (uint64_t)seg->sel << 4;
	switch (m) {
	case X86_MODE_LONG64:
		return off;
	case X86_MODE_REAL:
	case X86_MODE_V86:
		/* no A20 wrap: QEMU enables A20 at reset */
		return base + (off & 0xffff);
	case X86_MODE_PROT16:
	case X86_MODE_COMPAT16:
		return (base + (off & 0xffff)) & 0xffffffffull;
	case X86_MODE_PROT32:
	case X86_MODE_COMPAT32:
	case X86_MODE_UNKNOWN:
		break;
	}
	return (base + off) & 0xffffffffull;
}

/* "CS =f000 ffff0000 0000ffff 00009b00 DPL=0 CS16 [-RA]": one line.
 * The text comes from the stub: a field too wide for what it holds
 * (a selector past 16 bits, 20 hex digits of base) makes the line
 * invalid, not a value cut or saturated. */
static bool parse_seg_line(const char *p, struct x86_seg *s)
{
	static const unsigned long long lim[4] = {
		0xffff, ~0ull, 0xffffffff, 0xffffffff };
	unsigned long long v[4];
	char *end;
	int i;

	for (i = 0; i < 4; i++) {
		while (*p == ' ')
			p++;
		if (!isxdigit((unsigned char)*p))
			return false;
		errno = 0;
		v[i] = strtoull(p, &end, 16);
		if (errno == ERANGE || v[i] > lim[i])
			return false;
		if (*end != ' ' && *end != '\n' && *end != '\r' && *end != '\0')
			return false;
		p = end;
	}
	s->sel = (uint16_t)v[0];
	s->base = v[1];
	s->limit = (uint32_t)v[2];
	s->flags = (uint32_t)v[3];
	s->valid = true;
	return true;
}

int x86_parse_info_registers(const char *text, struct x86_segs *segs)
{
	static const char names[6][3] = { "ES", "CS", "SS", "DS", "FS", "GS" };
	struct x86_seg *slot[6] = { &segs->es, &segs->cs, &segs->ss, &segs->ds,
				    &segs->fs, &segs->gs };
	const char *line = text;
	int i, found = 0;

	memset(segs, 0, sizeof *segs);
	while (line && *line) {
		const char *nl = strchr(line, '\n');

		for (i = 0; i < 6; i++) {
			/* "CS =" at the start of a line; QEMU pads names to 3 */
			if (line[0] == names[i][0] && line[1] == names[i][1] &&
			    line[2] == ' ' && line[3] == '=' && !slot[i]->valid &&
			    parse_seg_line(line + 4, slot[i]))
				found++;
		}
		line = nl ? nl + 1 : NULL;
	}
	return found;
}

/* The hex value after the first "NAME=" that starts a word in text;
 * false when there is none or it does not fit 64 bits. */
static bool reg_value(const char *text, const char *name, uint64_t *v)
{
	size_t n = strlen(name);
	const char *p = text;

	while ((p = strstr(p, name))) {
		char *end;

		if ((p == text || p[-1] == ' ' || p[-1] == '\n') && p[n] == '=' &&
		    isxdigit((unsigned char)p[n + 1])) {
			errno = 0;
			*v = strtoull(p + n + 1, &end, 16);
			return errno != ERANGE;   /* past 64 bits: not a value */
		}
		p += n;
	}
	return false;
}

int x86_parse_cpu_state(const char *text, struct x86_cpu_state *st)
{
	uint64_t v;

	memset(st, 0, sizeof *st);
	if (!reg_value(text, "RIP", &st->ip) && !reg_value(text, "EIP", &st->ip))
		return -1;
	if (!reg_value(text, "RFL", &st->eflags))
		(void)reg_value(text, "EFL", &st->eflags);
	if (!reg_value(text, "CR0", &st->cr0))
		return -1;
	(void)reg_value(text, "EFER", &st->efer);
	if (reg_value(text, "CPL", &v))
		st->cpl = (unsigned)(v & 3);
	st->halted = reg_value(text, "HLT", &v) && v;
	(void)x86_parse_info_registers(text, &st->segs);
	return st->segs.cs.valid ? 0 : -1;
}

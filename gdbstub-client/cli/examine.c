/*
 * examine.c: gdb's ways of looking at the machine, for the hands of gdb
 * users: print with its format letters (p/x $rax, p *(long *)ADDR, the
 * $N history), x/NFU in every size and format (on from where the last
 * ended), info registers in gdb's columns by each register's type, and
 * info symbol.  Shapes follow gdb 13 against QEMU 7.2 (tests/t3620
 * compares them at one kernel stop).
 */
#include "cli.h"
#include "ksym.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *skip_ws(const char *s)
{
	while (isspace((unsigned char)*s))
		s++;
	return s;
}

const char *cli_sym_suffix(struct cli *cli, uint64_t addr, char *buf, size_t len)
{
	char sym[160];

	gc_symbolize(cli->t, addr, sym, sizeof sym);
	if (sym[0])
		snprintf(buf, len, " <%s>", sym);
	else
		buf[0] = '\0';
	return buf;
}

unsigned cli_mode_word(struct cli *cli)
{
	const struct gc_mode_info *mi;

	if (gc_mode(cli->t, false, &mi, NULL) < 0 || mi->bits == 64)
		return 8;
	return mi->bits == 32 ? 4 : 2;
}

/* ------------------------------------------------------------------ */
/* print.                                                               */

/* "/FMT" after print or display: the letter (0 none); p past it. */
int cli_parse_print_format(const char **pp, char *fmt, const char *cmd)
{
	const char *p = *pp;

	*fmt = 0;
	if (*p != '/')
		return 0;
	p++;
	if (!*p || isspace((unsigned char)*p))
		return error("'%s/' needs a format letter (x d u o t z c a f s)", cmd);
	*fmt = *p++;
	if (!strchr("xduotzcafs", *fmt) || (*p && !isspace((unsigned char)*p)))
		return error("malformed format '/%.*s' for '%s' (one of x d u o t z c a f s)",
			     (int)strcspn(*pp + 1, " \t"), *pp + 1, cmd);
	*pp = p;
	return 0;
}

/*
 * The value of EXPR: an address expression, or memory when it starts
 * with '*' (*(TYPE *)ADDR, *ADDR an int), with its type (NULL: a 64-bit
 * integer, gdb's type for registers).
 */
int cli_eval(struct cli *cli, const char *expr, uint64_t *v, struct gc_ctype *type,
	     bool *typed)
{
	struct gc_addr_ctx x;
	struct gc_lvalue lv;
	struct kit_err e;
	uint8_t buf[8];

	*typed = false;
	expr = skip_ws(expr);
	if (*expr != '*')
		return cli_parse_addr(cli, expr, v);
	cli_addr_ctx(cli, &x);
	if (gc_lvalue_parse(expr, &x, cli_mode_word(cli), &lv, &e) < 0)
		return error("%s", e.msg);
	if (gc_read_mem(cli->t, lv.addr, buf, lv.type.size, &e) != (ssize_t)lv.type.size)
		return error("cannot access memory at address 0x%llx",
			     (unsigned long long)lv.addr);
	*v = rsp_le_to_u64(buf, lv.type.size);
	*type = lv.type;
	*typed = true;
	return 0;
}

/* VALUE as p/FMT shows it: "0x1ad40", "64 '@'", "0x... <sym+0x1a>". */
void cli_render(struct cli *cli, char *buf, size_t len, uint64_t v,
		const struct gc_ctype *type, char fmt)
{
	char val[96], sym[200] = "";

	gc_value_format(val, sizeof val, v, type, fmt, false);
	if (fmt == 'a' || (!fmt && type && type->is_ptr))
		cli_sym_suffix(cli, v, sym, sizeof sym);
	if (!fmt && type && type->is_ptr)
		snprintf(buf, len, "(%s) %s%s", type->name, val, sym);
	else
		snprintf(buf, len, "%s%s", val, sym);
}

static void history_add(struct cli *cli, uint64_t v)
{
	uint64_t *h = realloc(cli->history, (cli->nhistory + 1) * sizeof *h);

	if (!h)
		return;
	cli->history = h;
	h[cli->nhistory++] = v;
}

/*
 * print [/FMT] EXPR.  Without a format and for an address expression,
 * the kit's line "0x7e00  32256  <start32>" (hex, decimal, what is
 * there); with a format, or for memory (*(TYPE *)ADDR), gdb's "$N =
 * VALUE", kept as $N.
 */
int cli_print(struct cli *cli, const char *args)
{
	struct gc_ctype type;
	bool typed;
	uint64_t v;
	char fmt, out[300];
	const char *p = args;

	if (cli_need_target(cli) < 0)
		return -1;
	if (cli_parse_print_format(&p, &fmt, "print") < 0)
		return -1;
	p = skip_ws(p);
	if (!*p)
		return error("'print' needs an expression");
	if (cli_eval(cli, p, &v, &type, &typed) < 0)
		return -1;
	if (!fmt && !typed) {
		char sym[160];

		gc_symbolize(cli->t, v, sym, sizeof sym);
		printf("0x%llx  %llu%s%s%s\n", (unsigned long long)v, (unsigned long long)v,
		       sym[0] ? "  <" : "", sym, sym[0] ? ">" : "");
		return 0;
	}
	cli_render(cli, out, sizeof out, v, typed ? &type : NULL, fmt);
	history_add(cli, v);
	printf("$%zu = %s\n", cli->nhistory, out);
	return 0;
}

/* ------------------------------------------------------------------ */
/* x/NFU.                                                               */

/* The "/NFU" of x/NFU: count, format letter and unit size; p past it. */
static int parse_x_format(const char **pp, long *count, char *fmt, unsigned *size)
{
	const char *p = *pp;
	char *end;

	if (*p != '/')
		return 0;
	p++;
	if (isdigit((unsigned char)*p)) {
		*count = strtol(p, &end, 10);
		p = end;
	}
	for (; *p && !isspace((unsigned char)*p); p++) {
		switch (*p) {
		case 'x': case 'd': case 'u': case 'o': case 't': case 'z':
		case 'c': case 's': case 'i': case 'a': case 'f':
			*fmt = *p;
			break;
		case 'b': *size = 1; break;
		case 'h': *size = 2; break;
		case 'w': *size = 4; break;
		case 'g': *size = 8; break;
		default:
			return error("unknown format letter '%c' in 'x/' (use x d u o t z a c f s i "
				     "with b h w g)", *p);
		}
	}
	*pp = p;
	if (*count <= 0 || *count > 4096)
		return error("bad count in 'x/' (1..4096)");
	return 0;
}

/*
 * Why a read stopped at addr.  At the end of the 4 GiB space outside
 * 64-bit mode (x/10i at the reset vector) there is no more to show: a
 * note, not a failure.  Anywhere else the memory cannot be read: gdb's
 * error.
 */
static int cannot_read(struct cli *cli, uint64_t addr, long shown, long count,
		       const char *what)
{
	const struct gc_mode_info *mi;

	if (addr == 0x100000000ull && gc_mode(cli->t, false, &mi, NULL) == 0 && mi->bits != 64) {
		printf("(the 4 GiB address space ends at 0x100000000: %ld of %ld %s)\n",
		       shown, count, what);
		return 0;
	}
	fflush(stdout);   /* what was shown comes before why it ends */
	return error("cannot access memory at address 0x%llx (%ld of %ld %s shown)",
		     (unsigned long long)addr, shown, count, what);
}

/* x/Ni: count instructions from addr. */
static int x_insns(struct cli *cli, uint64_t addr, long count)
{
	const struct gc_mode_info *mi;
	struct gc_insn *in = calloc((size_t)count, sizeof *in);
	uint8_t *code = malloc((size_t)count * 15);
	struct kit_err e;
	ssize_t n;
	int k, j, rc = 0;

	if (!in || !code || gc_mode(cli->t, false, &mi, &e) < 0) {
		free(in);
		free(code);
		return error("cannot disassemble: %s", in && code ? e.msg : "out of memory");
	}
	n = gc_read_mem(cli->t, addr, code, (size_t)count * 15, &e);
	k = n > 0 ? gc_disasm(code, (size_t)n, addr, mi->bits, cli->intel, in,
			      (size_t)count, &e) : 0;
	for (j = 0; j < k; j++) {
		char where[200], sym[200];

		snprintf(where, sizeof where, "0x%llx%s", (unsigned long long)in[j].addr,
			 cli_sym_suffix(cli, in[j].addr, sym, sizeof sym));
		cli_print_insn(cli, &in[j], in[j].addr == mi->pc ? "=> " : "   ", where);
	}
	cli->x_next = k > 0 ? in[k - 1].addr + in[k - 1].size : addr;
	if (n < 0 && k == 0)
		rc = error("%s", e.msg);
	else if (k < count) {
		/* a short read (the end of readable memory), or bytes that
		 * are no instruction: say which, and where */
		uint64_t next = cli->x_next;

		if (n >= 0 && next + 15 > addr + (uint64_t)n)
			rc = cannot_read(cli, addr + (uint64_t)n, k, count, "instructions");
		else
			rc = error("cannot decode an instruction at 0x%llx (%d of %ld shown)",
				   (unsigned long long)next, k, count);
	}
	free(in);
	free(code);
	return rc;
}

/* One string at addr as gdb quotes it, into stdout; its length. */
static size_t put_string(const char *s, size_t n)
{
	size_t k;

	putchar('"');
	for (k = 0; k < n && s[k]; k++) {
		unsigned char c = (unsigned char)s[k];

		if (c == '"' || c == '\\')
			printf("\\%c", c);
		else if (c == '\n')
			printf("\\n");
		else if (c == '\t')
			printf("\\t");
		else if (c == '\r')
			printf("\\r");
		else if (c == 033)
			printf("\\033");
		else if (c >= 0x20 && c < 0x7f)
			putchar(c);
		else
			printf("\\%03o", c);
	}
	putchar('"');
	return k;
}

/* x/Ns: count NUL-terminated strings (200 bytes at most each, as gdb's
 * "print elements" limit, then "...").  */
static int x_strings(struct cli *cli, uint64_t addr, long count)
{
	struct kit_err e;
	long i;

	for (i = 0; i < count; i++) {
		char s[201], sym[200];
		ssize_t n = gc_read_mem(cli->t, addr, s, 200, &e);
		size_t len;

		if (n <= 0) {
			cli->x_next = addr;
			return cannot_read(cli, addr, i, count, "strings");
		}
		s[n] = '\0';
		printf("0x%llx%s:\t", (unsigned long long)addr,
		       cli_sym_suffix(cli, addr, sym, sizeof sym));
		len = put_string(s, (size_t)n);
		if (len == 200)
			printf("...");
		printf("\n");
		addr += len + (len < 200);
	}
	cli->x_next = addr;
	return 0;
}

/* x/NFU for the unit formats: lines of units, each symbolized. */
static int x_units(struct cli *cli, uint64_t addr, long count, char fmt, unsigned size)
{
	size_t total = (size_t)count * size, i;
	uint8_t *buf = malloc(total);
	struct gc_ctype type;
	unsigned per_line;
	struct kit_err e;
	ssize_t n;

	if (!buf)
		return error("out of memory");
	n = gc_read_mem(cli->t, addr, buf, total, &e);
	if (n < 0) {
		free(buf);
		cli->x_next = addr;
		return error("%s", e.msg);
	}
	gc_ctype_unsigned(&type, size);
	type.is_signed = fmt == 'd' || fmt == 'c';
	type.is_char = fmt == 'c';
	per_line = fmt == 'c' ? 8 : fmt == 'a' ? 2 : size == 8 ? 2 : size == 4 ? 4 : 8;
	for (i = 0; i * size + size <= (size_t)n; i++) {
		uint64_t v = rsp_le_to_u64(buf + i * size, size);
		char val[96], sym[200];

		if (i % per_line == 0)
			printf("%s0x%llx%s:", i ? "\n" : "",
			       (unsigned long long)(addr + i * size),
			       cli_sym_suffix(cli, addr + i * size, sym, sizeof sym));
		/* units are padded in x and z (0x0d), t (00001101) */
		gc_value_format(val, sizeof val, v, &type, fmt, true);
		printf("\t%s%s", val, fmt == 'a' ? cli_sym_suffix(cli, v, sym, sizeof sym) : "");
	}
	if (i)
		printf("\n");
	free(buf);
	cli->x_next = addr + i * size;
	if ((size_t)n < total)
		return cannot_read(cli, addr + (uint64_t)n, (long)i, count, "units");
	return 0;
}

/*
 * x/NFU [ADDR], gdb's examine.  The format and size stay from one x to
 * the next, as in gdb; without ADDR it goes on where the last ended, and
 * Enter repeats it there with the same count.
 */
int cli_x(struct cli *cli, const char *args)
{
	const char *p = args;
	long count = 1;
	char fmt = cli->x_valid ? cli->x_fmt : 'x';
	unsigned size = cli->x_valid && cli->x_size ? cli->x_size : 4;
	uint64_t addr;

	if (cli_need_target(cli) < 0)
		return -1;
	if (parse_x_format(&p, &count, &fmt, &size) < 0)
		return -1;
	p = skip_ws(p);
	if (cli->repeating && cli->x_valid) {
		addr = cli->x_next;          /* Enter: on from there, same count */
		count = cli->x_count;
	} else if (!*p) {
		if (!cli->x_valid)
			return error("'x' needs an address (the first time)");
		addr = cli->x_next;
	} else if (cli_parse_addr(cli, p, &addr) < 0) {
		return -1;
	}
	if (fmt == 'c')
		size = 1;
	if (fmt == 'a')
		size = 8;
	if (fmt == 'f' && size != 4 && size != 8)
		size = 8;
	cli->x_valid = true;
	cli->x_fmt = fmt;
	cli->x_size = fmt == 'i' || fmt == 's' ? cli->x_size : size;
	cli->x_count = count;
	if (fmt == 'i')
		return x_insns(cli, addr, count);
	if (fmt == 's')
		return x_strings(cli, addr, count);
	return x_units(cli, addr, count, fmt, size);
}

/* ------------------------------------------------------------------ */
/* info registers, as gdb shows them.                                   */

struct flag_bit {
	int bit;
	const char *name;
};

/* gdb's rendering of a flags register: "[ IOPL=0 IF ZF PF ]", high bits
 * first. */
static void flags_text(char *buf, size_t len, uint64_t v, const struct flag_bit *f,
		       bool iopl)
{
	size_t n = 0;

	n += (size_t)snprintf(buf + n, len - n, "[");
	if (iopl)
		n += (size_t)snprintf(buf + n, len - n, " IOPL=%u", (unsigned)(v >> 12 & 3));
	for (; f->name && n < len; f++)
		if (v >> f->bit & 1)
			n += (size_t)snprintf(buf + n, len - n, " %s", f->name);
	if (n < len)
		snprintf(buf + n, len - n, " ]");
}

static const struct flag_bit eflags_bits[] = {
	{ 21, "ID" }, { 20, "VIP" }, { 19, "VIF" }, { 18, "AC" }, { 17, "VM" },
	{ 16, "RF" }, { 14, "NT" }, { 11, "OF" }, { 10, "DF" }, { 9, "IF" },
	{ 8, "TF" }, { 7, "SF" }, { 6, "ZF" }, { 4, "AF" }, { 2, "PF" },
	{ 0, "CF" }, { 0, NULL } };
static const struct flag_bit cr0_bits[] = {
	{ 31, "PG" }, { 30, "CD" }, { 29, "NW" }, { 18, "AM" }, { 16, "WP" },
	{ 5, "NE" }, { 4, "ET" }, { 3, "TS" }, { 2, "EM" }, { 1, "MP" },
	{ 0, "PE" }, { 0, NULL } };
static const struct flag_bit cr4_bits[] = {
	{ 22, "PKE" }, { 21, "SMAP" }, { 20, "SMEP" }, { 18, "OSXSAVE" },
	{ 17, "PCIDE" }, { 16, "FSGSBASE" }, { 14, "SMXE" }, { 13, "VMXE" },
	{ 12, "LA57" }, { 11, "UMIP" }, { 10, "OSXMMEXCPT" }, { 9, "OSFXSR" },
	{ 8, "PCE" }, { 7, "PGE" }, { 6, "MCE" }, { 5, "PAE" }, { 4, "PSE" },
	{ 3, "DE" }, { 2, "TSD" }, { 1, "PVI" }, { 0, "VME" }, { 0, NULL } };
static const struct flag_bit efer_bits[] = {
	{ 15, "TCE" }, { 14, "FFXSR" }, { 13, "LMSLE" }, { 12, "SVME" },
	{ 11, "NXE" }, { 10, "LMA" }, { 8, "LME" }, { 0, "SCE" }, { 0, NULL } };

/* One row: name, hex, then what gdb puts in the last column for the
 * register's type in the description. */
static void reg_row(struct cli *cli, const char *name, const struct rsp_reg *r, uint64_t v)
{
	char hex[32], nat[200], sym[200];

	snprintf(hex, sizeof hex, "0x%llx", (unsigned long long)v);
	if (r && !strcmp(r->type, "code_ptr"))
		snprintf(nat, sizeof nat, "0x%llx%s", (unsigned long long)v,
			 cli_sym_suffix(cli, v, sym, sizeof sym));
	else if (r && !strcmp(r->type, "data_ptr"))
		snprintf(nat, sizeof nat, "0x%llx", (unsigned long long)v);
	else if (!strcmp(name, "eflags"))
		flags_text(nat, sizeof nat, v, eflags_bits, true);
	else if (!strcmp(name, "cr0"))
		flags_text(nat, sizeof nat, v, cr0_bits, false);
	else if (!strcmp(name, "cr4"))
		flags_text(nat, sizeof nat, v, cr4_bits, false);
	else if (!strcmp(name, "efer"))
		flags_text(nat, sizeof nat, v, efer_bits, false);
	else if (!strcmp(name, "cr3"))
		snprintf(nat, sizeof nat, "[ PDBR=%llu PCID=%u ]",
			 (unsigned long long)(v >> 12), (unsigned)(v & 0xfff));
	else if (r && r->bitsize == 32)
		snprintf(nat, sizeof nat, "%d", (int32_t)v);
	else
		snprintf(nat, sizeof nat, "%lld", (long long)v);
	printf("%-15s%-19s %s\n", name, hex, nat);
}

int cli_info_registers(struct cli *cli, const char *args)
{
	static const char *const dflt[] = {
		"rax", "rbx", "rcx", "rdx", "rsi", "rdi", "rbp", "rsp", "r8", "r9",
		"r10", "r11", "r12", "r13", "r14", "r15", "rip", "eflags", "cs",
		"ss", "ds", "es", "fs", "gs", "fs_base", "gs_base", "cr0", "cr2",
		"cr3", "cr4", "efer", NULL };
	const struct rsp_tdesc *td = rsp_tdesc(cli->t->c);
	char buf[512], *save = NULL, *w;
	struct kit_err e;
	uint64_t v;
	size_t i;
	int rc = 0;

	args = skip_ws(args);
	if (!*args) {
		for (i = 0; dflt[i]; i++) {
			const struct rsp_reg *r = rsp_tdesc_find(td, dflt[i]);

			if (!r)
				continue;
			if (gc_reg(cli->t, dflt[i], &v, &e) < 0)
				return error("cannot read the registers: %s", e.msg);
			reg_row(cli, dflt[i], r, v);
		}
		return 0;
	}
	snprintf(buf, sizeof buf, "%s", args);
	for (w = strtok_r(buf, " \t", &save); w; w = strtok_r(NULL, " \t", &save)) {
		const char *name = w[0] == '$' ? w + 1 : w;
		const struct rsp_reg *r = rsp_tdesc_find(td, name);
		char expr[64];

		if (r) {
			/* a register of the description: its own error (a bad
			 * reply, the target gone), not "unknown register" */
			if (gc_reg(cli->t, name, &v, &e) < 0) {
				rc = error("cannot read register '%s': %s", name, e.msg);
				if (cli->t->exited)
					break;
				continue;
			}
		} else {
			snprintf(expr, sizeof expr, "$%s", name);
			if (cli_parse_addr(cli, expr, &v) < 0) {
				rc = -1;
				continue;
			}
			/* $pc is gdb's code pointer, $sp and $fp its data ones */
			r = rsp_tdesc_find(td, !strcmp(name, "pc") ? "rip" :
					   !strcmp(name, "sp") ? "rsp" :
					   !strcmp(name, "fp") ? "rbp" : "");
		}
		reg_row(cli, name, r, v);
	}
	return rc;
}

/* ------------------------------------------------------------------ */
/* info symbol.                                                         */

/* The section a symbol's nm type letter says it is in, or NULL. */
static const char *section_of(char type)
{
	switch (type) {
	case 't': case 'T': return ".text";
	case 'd': case 'D': return ".data";
	case 'b': case 'B': return ".bss";
	case 'r': case 'R': return ".rodata";
	default: return NULL;
	}
}

/* info symbol ADDR: "start_kernel + 16 in section .text", gdb's shape;
 * "No symbol matches ADDR." */
int cli_info_symbol(struct cli *cli, const char *args)
{
	const struct ksym_sym *s;
	const char *sec = NULL, *plus;
	char sym[160], name[160];
	uint64_t v, off = 0;

	args = skip_ws(args);
	if (!*args)
		return error("'info symbol' needs an address");
	if (cli_need_target(cli) < 0 || cli_parse_addr(cli, args, &v) < 0)
		return -1;
	gc_symbolize(cli->t, v, sym, sizeof sym);
	if (!sym[0]) {
		printf("No symbol matches %s.\n", args);
		return 0;
	}
	snprintf(name, sizeof name, "%s", sym);
	if ((plus = strstr(sym, "+0x"))) {
		name[plus - sym] = '\0';
		off = strtoull(plus + 3, NULL, 16);
	}
	if (cli->syms && (s = ksym_find(cli->syms, name)))
		sec = section_of(s->type);
	if (off)
		printf("%s + %llu", name, (unsigned long long)off);
	else
		printf("%s", name);
	if (sec)
		printf(" in section %s", sec);
	printf("\n");
	return 0;
}

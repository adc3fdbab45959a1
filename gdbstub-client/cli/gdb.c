/*
 * gdb.c: gdb's vocabulary, for the hands of gdb users: print and x with
 * their format letters (p/x $rax, x/4xg $sp, x/10i $pc), info registers
 * shaped as gdb's, set of registers and memory, watchpoints (QEMU's Z2-Z4)
 * with old and new values, display, until and advance, info symbol and
 * info frame, and gdb's confirmation before deleting everything.
 * Shapes follow gdb 13 against QEMU 7.2 (docs/gdbstub-client.md lists
 * each gdb command, here or not, and why).
 */
#include "cli.h"
#include "ksym.h"
#include "lx.h"

#include <ctype.h>
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static const char *skip_ws(const char *s)
{
	while (isspace((unsigned char)*s))
		s++;
	return s;
}

/* " <sym>" for addr, or "" (gdb's <symbol+off> after an address). */
static const char *sym_suffix(struct cli *cli, uint64_t addr, char *buf, size_t len)
{
	char sym[160];

	gc_symbolize(cli->t, addr, sym, sizeof sym);
	if (sym[0])
		snprintf(buf, len, " <%s>", sym);
	else
		buf[0] = '\0';
	return buf;
}

/* The CPU mode's word in bytes: what a bare symbol is read as. */
static unsigned mode_word(struct cli *cli)
{
	const struct gc_mode_info *mi;

	if (gc_mode(cli->t, false, &mi, NULL) < 0 || mi->bits == 64)
		return 8;
	return mi->bits == 32 ? 4 : 2;
}

/* ------------------------------------------------------------------ */
/* Confirmation and repeat.                                             */

bool cli_confirm(struct cli *cli, const char *question)
{
	char line[64];
	size_t n;

	if (cli->batch || cli->no_confirm || !isatty(STDIN_FILENO))
		return true;
	for (;;) {
		ssize_t r;
		char c;

		printf("%s(y or n) ", question);
		fflush(stdout);
		n = 0;
		/* byte by byte: nothing typed after the answer is swallowed */
		while ((r = read(STDIN_FILENO, &c, 1)) == 1 && c != '\n')
			if (n < sizeof line - 1)
				line[n++] = c;
		if (r == 0) {
			printf("EOF [answered Y; input not from terminal]\n");
			return true;
		}
		if (r < 0) {           /* Ctrl-C: gdb takes it as no */
			printf("\n");
			return false;
		}
		line[n] = '\0';
		if (line[0] == 'y' || line[0] == 'Y')
			return true;
		if (line[0] == 'n' || line[0] == 'N')
			return false;
		printf("Please answer y or n.\n");
	}
}

void cli_gdb_free(struct cli *cli)
{
	free(cli->repeat_line);
	free(cli->history);
	free(cli->displays);
	cli->repeat_line = NULL;
	cli->history = NULL;
	cli->displays = NULL;
}

/* ------------------------------------------------------------------ */
/* print.                                                               */

/* "/FMT" after print or display: the letter (0 none); p past it. */
static int parse_print_format(const char **pp, char *fmt, const char *cmd)
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
static int eval(struct cli *cli, const char *expr, uint64_t *v, struct gc_ctype *type,
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
	if (gc_lvalue_parse(expr, &x, mode_word(cli), &lv, &e) < 0)
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
static void render(struct cli *cli, char *buf, size_t len, uint64_t v,
		   const struct gc_ctype *type, char fmt)
{
	char val[96], sym[200] = "";

	gc_value_format(val, sizeof val, v, type, fmt, false);
	if (fmt == 'a' || (!fmt && type && type->is_ptr))
		sym_suffix(cli, v, sym, sizeof sym);
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
	if (parse_print_format(&p, &fmt, "print") < 0)
		return -1;
	p = skip_ws(p);
	if (!*p)
		return error("'print' needs an expression");
	if (eval(cli, p, &v, &type, &typed) < 0)
		return -1;
	if (!fmt && !typed) {
		char sym[160];

		gc_symbolize(cli->t, v, sym, sizeof sym);
		printf("0x%llx  %llu%s%s%s\n", (unsigned long long)v, (unsigned long long)v,
		       sym[0] ? "  <" : "", sym, sym[0] ? ">" : "");
		return 0;
	}
	render(cli, out, sizeof out, v, typed ? &type : NULL, fmt);
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
			 sym_suffix(cli, in[j].addr, sym, sizeof sym));
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
		       sym_suffix(cli, addr, sym, sizeof sym));
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
			       sym_suffix(cli, addr + i * size, sym, sizeof sym));
		/* units are padded in x and z (0x0d), t (00001101) */
		gc_value_format(val, sizeof val, v, &type, fmt, true);
		printf("\t%s%s", val, fmt == 'a' ? sym_suffix(cli, v, sym, sizeof sym) : "");
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
			 sym_suffix(cli, v, sym, sizeof sym));
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
/* set.                                                                 */

/* A value: an address expression, or minus one ("-1"), or 'c'. */
static int parse_value(struct cli *cli, const char *s, uint64_t *v)
{
	bool neg = false;

	s = skip_ws(s);
	if (s[0] == '\'' && s[1] && s[2] == '\'' && !*skip_ws(s + 3)) {
		*v = (unsigned char)s[1];
		return 0;
	}
	if (*s == '-') {
		neg = true;
		s++;
	}
	if (cli_parse_addr(cli, s, v) < 0)
		return -1;
	if (neg)
		*v = -*v;
	return 0;
}

/* Write v to register name: $pc, $sp, $fp and the 32/16/8-bit parts
 * ($eax, $ax, $al) go to the register that holds them. */
static int set_register(struct cli *cli, const char *name, uint64_t v)
{
	static const char *const legacy[] = { "ax", "bx", "cx", "dx", "si", "di",
					      "bp", "sp", NULL };
	const struct rsp_tdesc *td = rsp_tdesc(cli->t->c);
	const struct gc_mode_info *mi;
	char full[300];
	unsigned bits = 64, shift = 0;
	struct kit_err e;
	uint64_t old, mask;
	size_t n = strlen(name), i;

	if (gc_mode(cli->t, false, &mi, &e) < 0)
		return error("%s", e.msg);
	if (!strcmp(name, "pc") || !strcmp(name, "ip")) {
		snprintf(full, sizeof full, "rip");
		if (!strcmp(name, "pc") && x86_mode_is_segmented(mi->mode))
			v -= mi->pc - mi->ip;    /* linear to the offset in CS */
	} else if (!strcmp(name, "sp") || !strcmp(name, "fp")) {
		snprintf(full, sizeof full, "%s", name[0] == 's' ? "rsp" : "rbp");
		bits = (unsigned)mi->bits;
	} else if (rsp_tdesc_find(td, name)) {
		snprintf(full, sizeof full, "%s", name);
	} else if (name[0] == 'e' && n == 3) {
		snprintf(full, sizeof full, "r%s", name + 1);
		bits = 32;
	} else if (name[0] == 'r' && n >= 3 && n <= 4 && isdigit((unsigned char)name[1]) &&
		   strchr("dwl", name[n - 1])) {
		snprintf(full, sizeof full, "%.*s", (int)(n - 1), name);
		bits = name[n - 1] == 'd' ? 32 : name[n - 1] == 'w' ? 16 : 8;
	} else {
		full[0] = '\0';
		for (i = 0; n == 2 && legacy[i]; i++)
			if (!strcmp(legacy[i], name)) {
				snprintf(full, sizeof full, "r%s", name);
				bits = 16;
			}
		if (!full[0] && n == 2 && strchr("abcd", name[0]) &&
		    (name[1] == 'l' || name[1] == 'h')) {
			snprintf(full, sizeof full, "r%cx", name[0]);
			bits = 8;
			shift = name[1] == 'h' ? 8 : 0;
		}
	}
	if (!full[0] || !rsp_tdesc_find(td, full))
		return error("unknown register '$%s'", name);
	if (bits < 64) {   /* the other bits of the register stay */
		if (gc_reg(cli->t, full, &old, &e) < 0)
			return error("cannot read register '%s': %s", full, e.msg);
		mask = ((1ull << bits) - 1) << shift;
		v = (old & ~mask) | ((v << shift) & mask);
	}
	if (gc_reg_write(cli->t, full, v, &e) < 0)
		return error("cannot write register '%s': %s", full, e.msg);
	return 0;
}

/* set confirm on|off */
static int set_confirm(struct cli *cli, const char *arg)
{
	arg = skip_ws(arg);
	if (!strcmp(arg, "on") || !*arg)
		cli->no_confirm = false;
	else if (!strcmp(arg, "off"))
		cli->no_confirm = true;
	else
		return error("'set confirm' takes on or off, not '%s'", arg);
	return 0;
}

/*
 * set [var|variable] LVALUE = EXPR: a register ($rax, $eax, $sp, $pc) or
 * memory of the lvalue's type (*(TYPE *)ADDR, *ADDR an int, a bare
 * symbol a word of the mode).  gdb prints nothing; x or p reads it back.
 */
int cli_set(struct cli *cli, const char *args)
{
	char lhs[160];
	const char *eq;
	struct gc_addr_ctx x;
	struct gc_lvalue lv;
	struct kit_err e;
	uint8_t buf[8];
	uint64_t v;
	size_t n;

	args = skip_ws(args);
	if (!strncmp(args, "confirm", 7) && (!args[7] || isspace((unsigned char)args[7])))
		return set_confirm(cli, args + 7);
	if (!strncmp(args, "variable", 8) && isspace((unsigned char)args[8]))
		args = skip_ws(args + 8);
	else if (!strncmp(args, "var", 3) && isspace((unsigned char)args[3]))
		args = skip_ws(args + 3);
	if (!*args)
		return error("'set' needs LVALUE = EXPR (or confirm on|off)");
	if (!(eq = strchr(args, '=')) || eq[1] == '=')
		return error("'set %s': expected LVALUE = EXPR ('set confirm' is the only "
			     "setting here)", args);
	if (cli_need_target(cli) < 0)
		return -1;
	n = (size_t)(eq - args);
	if (n >= sizeof lhs)
		return error("left side too long");
	memcpy(lhs, args, n);
	lhs[n] = '\0';
	cli_addr_ctx(cli, &x);
	if (gc_lvalue_parse(lhs, &x, mode_word(cli), &lv, &e) < 0)
		return error("%s", e.msg);
	if (parse_value(cli, eq + 1, &v) < 0)
		return -1;
	if (lv.is_reg)
		return set_register(cli, lv.reg, v);
	rsp_u64_to_le(buf, lv.type.size, v);
	if (gc_write_mem(cli->t, lv.addr, buf, lv.type.size, &e) < 0)
		return error("%s", e.msg);
	return 0;
}

/* ------------------------------------------------------------------ */
/* Watchpoints.                                                         */

static int add_watch(struct cli *cli, const char *args, enum rsp_bp_type type)
{
	struct gc_addr_ctx x;
	struct gc_lvalue lv;
	struct kit_err e;
	struct gc_bp *b;
	const char *kind;

	if (cli_need_target(cli) < 0)
		return -1;
	args = skip_ws(args);
	/* gdb's -l / -location: watch the address, which is what QEMU does
	 * anyway */
	if (!strncmp(args, "-location", 9) && isspace((unsigned char)args[9]))
		args = skip_ws(args + 9);
	else if (!strncmp(args, "-l", 2) && isspace((unsigned char)args[2]))
		args = skip_ws(args + 2);
	if (!*args)
		return error("'%s' needs an expression: a symbol or *(TYPE *)ADDR",
			     type == RSP_WP_WRITE ? "watch" : type == RSP_WP_READ ?
			     "rwatch" : "awatch");
	cli_addr_ctx(cli, &x);
	if (gc_lvalue_parse(args, &x, mode_word(cli), &lv, &e) < 0)
		return error("%s", e.msg);
	if (lv.is_reg)
		return error("cannot watch a register ('%s'): QEMU's watchpoints watch memory",
			     lv.text);
	b = gc_watch_add(cli->t, type, lv.addr, lv.type.size, &lv.type, lv.text, &e);
	if (!b)
		return error("cannot set a watchpoint on 0x%llx: %s",
			     (unsigned long long)lv.addr, e.msg);
	kind = type == RSP_WP_READ ? "Hardware read watchpoint" :
	       type == RSP_WP_ACCESS ? "Hardware access (read/write) watchpoint" :
	       "Hardware watchpoint";
	printf("%s %d: %s\n", kind, b->num, lv.text);
	return 0;
}

int cli_watch(struct cli *cli, const char *args)
{
	return add_watch(cli, args, RSP_WP_WRITE);
}

int cli_rwatch(struct cli *cli, const char *args)
{
	return add_watch(cli, args, RSP_WP_READ);
}

int cli_awatch(struct cli *cli, const char *args)
{
	return add_watch(cli, args, RSP_WP_ACCESS);
}

/* ------------------------------------------------------------------ */
/* display.                                                             */

static void show_display(struct cli *cli, const struct cli_display *d)
{
	char cmd[200];

	if (d->fmt == 'i' || d->fmt == 's') {
		/* gdb: "3: x/i $pc" then the x output */
		if (d->count > 1)
			printf("%d: x/%ld%c %s\n", d->num, d->count, d->fmt, d->expr);
		else
			printf("%d: x/%c %s\n", d->num, d->fmt, d->expr);
		snprintf(cmd, sizeof cmd, "/%ld%c %s", d->count, d->fmt, d->expr);
		fflush(stdout);
		{   /* x here must not move the user's own x */
			bool valid = cli->x_valid;
			uint64_t next = cli->x_next;
			long count = cli->x_count;
			char fmt = cli->x_fmt;
			unsigned size = cli->x_size;

			(void)cli_x(cli, cmd);
			cli->x_valid = valid;
			cli->x_next = next;
			cli->x_count = count;
			cli->x_fmt = fmt;
			cli->x_size = size;
		}
		return;
	}
	{
		struct gc_ctype type;
		bool typed;
		uint64_t v;
		char out[300];

		if (eval(cli, d->expr, &v, &type, &typed) < 0)
			return;
		if (!d->fmt && !typed) {
			char sym[200];

			printf("%d: %s = 0x%llx%s\n", d->num, d->expr, (unsigned long long)v,
			       sym_suffix(cli, v, sym, sizeof sym));
			return;
		}
		render(cli, out, sizeof out, v, typed ? &type : NULL, d->fmt);
		if (d->fmt)
			printf("%d: /%c %s = %s\n", d->num, d->fmt, d->expr, out);
		else
			printf("%d: %s = %s\n", d->num, d->expr, out);
	}
}

void cli_do_displays(struct cli *cli)
{
	size_t i;

	if (!cli->t || cli->t->exited)
		return;
	for (i = 0; i < cli->ndisplays; i++)
		show_display(cli, &cli->displays[i]);
	fflush(stdout);
}

/* display [/FMT] EXPR (FMT: a p letter, or [N]i / [N]s as x's) */
int cli_display(struct cli *cli, const char *args)
{
	struct cli_display d, *nd;
	const char *p = args;

	if (!*skip_ws(args)) {
		cli_do_displays(cli);
		return 0;
	}
	memset(&d, 0, sizeof d);
	d.count = 1;
	if (*p == '/') {
		const char *f = p + 1;

		if (isdigit((unsigned char)*f))
			d.count = strtol(f, (char **)&f, 10);
		if ((*f == 'i' || *f == 's') && (!f[1] || isspace((unsigned char)f[1]))) {
			d.fmt = *f;
			p = f + 1;
			if (d.count <= 0 || d.count > 4096)
				return error("bad count in 'display/' (1..4096)");
		} else if (parse_print_format(&p, &d.fmt, "display") < 0) {
			return -1;
		}
	}
	p = skip_ws(p);
	if (!*p)
		return error("'display' needs an expression");
	if (strlen(p) >= sizeof d.expr)
		return error("expression too long");
	snprintf(d.expr, sizeof d.expr, "%s", p);
	if (cli_need_target(cli) < 0)
		return -1;
	/* checked once now, as gdb evaluates it at once */
	if (d.fmt != 'i' && d.fmt != 's') {
		struct gc_ctype type;
		bool typed;
		uint64_t v;

		if (eval(cli, d.expr, &v, &type, &typed) < 0)
			return -1;
	}
	nd = realloc(cli->displays, (cli->ndisplays + 1) * sizeof *nd);
	if (!nd)
		return error("out of memory");
	cli->displays = nd;
	d.num = ++cli->next_display;
	nd[cli->ndisplays++] = d;
	show_display(cli, &d);
	return 0;
}

/* undisplay [N...] / delete display [N...] */
int cli_undisplay(struct cli *cli, const char *args)
{
	char buf[256], *save = NULL, *w;
	int rc = 0;

	args = skip_ws(args);
	if (!*args) {
		if (cli->ndisplays && !cli_confirm(cli, "Delete all auto-display expressions? "))
			return 0;
		cli->ndisplays = 0;
		return 0;
	}
	snprintf(buf, sizeof buf, "%s", args);
	for (w = strtok_r(buf, " \t", &save); w; w = strtok_r(NULL, " \t", &save)) {
		char *end;
		long n = strtol(w, &end, 10);
		size_t i;

		if (*end || n <= 0) {
			rc = error("malformed display number '%s'", w);
			continue;
		}
		for (i = 0; i < cli->ndisplays && cli->displays[i].num != n; i++)
			;
		if (i == cli->ndisplays) {
			rc = error("no display number %ld", n);
			continue;
		}
		memmove(&cli->displays[i], &cli->displays[i + 1],
			(cli->ndisplays - i - 1) * sizeof cli->displays[0]);
		cli->ndisplays--;
	}
	return rc;
}

int cli_info_display(struct cli *cli, const char *args)
{
	size_t i;

	(void)args;
	if (!cli->ndisplays) {
		printf("There are no auto-display expressions now.\n");
		return 0;
	}
	printf("Auto-display expressions now in effect:\nNum Enb Expression\n");
	for (i = 0; i < cli->ndisplays; i++) {
		const struct cli_display *d = &cli->displays[i];

		if (d->fmt == 'i' || d->fmt == 's')
			printf("%d:   y  /%ld%c %s\n", d->num, d->count, d->fmt, d->expr);
		else if (d->fmt)
			printf("%d:   y  /%c %s\n", d->num, d->fmt, d->expr);
		else
			printf("%d:   y  %s\n", d->num, d->expr);
	}
	return 0;
}

/* ------------------------------------------------------------------ */
/* Frames: info frame, until, advance.                                  */

/* The caller's frame: *ret the return address, *cfa the caller's sp
 * (this frame's canonical frame address).  0, or -1 when not known
 * (said on stderr unless quiet). */
static int caller_frame(struct cli *cli, uint64_t *ret, uint64_t *cfa, bool quiet)
{
	struct lx_frame f[2];
	char why[160];
	size_t n;

	const struct gc_mode_info *mi;

	if (!cli->kernel) {
		if (!quiet)
			error("no frame information without the kernel image (--kernel FILE)");
		return -1;
	}
	/* the unwinder knows the kernel's 64-bit code only */
	if (quiet && (gc_mode(cli->t, false, &mi, NULL) < 0 || mi->mode != X86_MODE_LONG64 ||
		      mi->pc < LX_KERNEL_MIN))
		return -1;
	if (cli_unwind(cli, f, 2, &n, why, sizeof why) < 0)
		return -1;
	if (n < 2) {
		if (!quiet)
			error("no caller frame: %s", why[0] ? why : "the stack ends here");
		return -1;
	}
	*ret = f[1].ip;
	*cfa = f[1].sp;
	return 0;
}

/*
 * info frame: gdb's first lines from the kernel's unwind tables: where
 * the frame is (its CFA, the caller's sp), the saved return address and
 * where it is saved, the caller's frame.
 */
int cli_info_frame(struct cli *cli, const char *args)
{
	struct lx_frame f[3];
	char why[160], sym[160], name[200];
	size_t n;

	(void)args;
	if (!cli->kernel)
		return error("info frame needs the kernel image (--kernel FILE)");
	if (cli_unwind(cli, f, 3, &n, why, sizeof why) < 0)
		return -1;
	gc_symbolize(cli->t, f[0].ip, sym, sizeof sym);
	snprintf(name, sizeof name, "%s", sym);
	name[strcspn(name, "+")] = '\0';
	if (n < 2) {
		printf("Stack level 0, frame at <unknown>:\n rip = 0x%llx%s%s; %s\n",
		       (unsigned long long)f[0].ip, name[0] ? " in " : "", name,
		       why[0] ? why : "outermost frame");
		return 0;
	}
	printf("Stack level 0, frame at 0x%llx:\n", (unsigned long long)f[1].sp);
	printf(" rip = 0x%llx%s%s; saved rip = 0x%llx\n", (unsigned long long)f[0].ip,
	       name[0] ? " in " : "", name, (unsigned long long)f[1].ip);
	if (n > 2)
		printf(" called by frame at 0x%llx\n", (unsigned long long)f[2].sp);
	else if (why[0])
		printf(" caller of this frame unknown: %s\n", why);
	if (f[1].regs_frame) {
		printf(" interrupted: the saved rip is in the entry's pt_regs\n");
	} else {
		printf(" Previous frame's sp is 0x%llx\n", (unsigned long long)f[1].sp);
		printf(" Saved registers:\n  rip at 0x%llx\n",
		       (unsigned long long)(f[1].sp - 8));
	}
	return 0;
}

/*
 * Run to LOC (frame_sp: stop there only with sp above it) or to this
 * function's return (when the unwinder knows it), whichever first; the
 * stop is reported as a step (gdb prints where it is).
 */
static int run_to(struct cli *cli, const char *loc, bool same_frame, const char *name)
{
	const struct gc_mode_info *mi;
	struct gc_event ev;
	struct kit_err e;
	struct gc_bp *b;
	uint64_t addr, sp = 0, ret, cfa;
	bool have_ret;

	if (cli_need_target(cli) < 0)
		return -1;
	if (cli_parse_addr(cli, loc, &addr) < 0)
		return -1;
	if (gc_mode(cli->t, false, &mi, &e) < 0 || gc_reg(cli->t, "rsp", &sp, &e) < 0)
		return error("%s", e.msg);
	have_ret = caller_frame(cli, &ret, &cfa, true) == 0;
	if (!(b = gc_break_add(cli->t, addr, GC_BP_FINISH, name, NULL, &e)))
		return error("cannot set a breakpoint at 0x%llx: %s",
			     (unsigned long long)addr, e.msg);
	b->frame_sp = same_frame && sp ? sp - 1 : 0;
	if (have_ret) {
		if (!(b = gc_break_add(cli->t, ret, GC_BP_FINISH, name, NULL, &e)))
			return error("cannot set a breakpoint at the return address 0x%llx: %s",
				     (unsigned long long)ret, e.msg);
		b->frame_sp = cfa - 1;
	}
	if (gc_continue(cli->t, &e) < 0)
		return error("cannot continue: %s", e.msg);
	if (gc_wait(cli->t, cli->run_timeout_ms, &ev, &e) < 0)
		return error("%s", e.msg);
	if (ev.kind == GC_EV_TIMEOUT) {
		gc_interrupt(cli->t);
		if (gc_wait(cli->t, 5000, &ev, &e) == 0 && ev.kind != GC_EV_TIMEOUT)
			cli_report(cli, &ev);
		return error("target still running after %d ms: interrupted",
			     cli->run_timeout_ms);
	}
	if (ev.kind == GC_EV_FINISH)
		ev.kind = GC_EV_STEP;
	return cli_report(cli, &ev);
}

/*
 * until: without LOC, nexti, except that a backward jump (the end of a
 * loop) runs on until the instruction after it is reached in this frame,
 * as gdb's until does not go back into a loop.  until LOC: run to LOC in
 * this frame (sp not below the current one) or until this function
 * returns.
 */
int cli_until(struct cli *cli, const char *args)
{
	const struct gc_mode_info *mi;
	struct gc_insn in;
	struct kit_err e;
	uint8_t code[16];
	ssize_t got;
	char loc[40];

	if (cli_need_target(cli) < 0)
		return -1;
	args = skip_ws(args);
	if (*args)
		return run_to(cli, args, true, "until");
	if (gc_mode(cli->t, false, &mi, &e) < 0)
		return error("%s", e.msg);
	got = gc_read_mem(cli->t, mi->pc, code, sizeof code, &e);
	if (got > 0 && gc_disasm(code, (size_t)got, mi->pc, mi->bits, false, &in, 1, &e) == 1 &&
	    in.has_target && !in.is_call && in.target <= mi->pc) {
		snprintf(loc, sizeof loc, "0x%llx", (unsigned long long)(mi->pc + in.size));
		return run_to(cli, loc, true, "until");
	}
	return cli_step(cli, "", true);
}

int cli_advance(struct cli *cli, const char *args)
{
	args = skip_ws(args);
	if (!*args)
		return error("'advance' needs a location");
	return run_to(cli, args, false, "advance");
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

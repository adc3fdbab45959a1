/*
 * test-linux-unwind.c: the stack walker of the Linux layer (lx_unwind) on
 * synthetic stacks in byte arrays and synthetic ORC tables
 * (ksym_orc_new), with struct orc_entry laid out as up to 6.3 (type:2,
 * end:1) and as from 6.4 (type:3, signal:1), by hand and from BTF written
 * with libbpf: chains of call frames to the end of the stack, pt_regs and
 * iret frames, a return to user space, sp through bp, (bp + off),
 * (sp) + off and r10, undefined and missing entries, a return address
 * at a function's end, loops, unreadable memory at each read, the frame
 * bound; then the frame-pointer walk, alone and as the fallback for an ip
 * the tables do not cover.
 */
#include "lx.h"
#include "tap.h"

#include <bpf/btf.h>
#include <errno.h>
#include <stdlib.h>

#define STK UINT64_C(0xffffc90000010000)  /* a task stack, 16 KiB */
#define IRQ UINT64_C(0xffffc90000020000)  /* an IRQ stack, 16 KiB */
#define TEXT UINT64_C(0xffffffff81000000)
#define ORC_IP UINT64_C(0xffffffff82000000) /* .orc_unwind_ip's address */
#define MODULE UINT64_C(0xffffffffc0001234)

/* the functions of the synthetic text, each with one ORC entry */
#define F_A (TEXT + 0x100)      /* leaf: sp + 8 */
#define F_B (TEXT + 0x200)      /* push rbp + a slot: sp + 24, bp at prev_sp - 16 */
#define F_C (TEXT + 0x300)      /* frame pointer: bp + 16, bp at (bp) */
#define F_C3 (TEXT + 0x380)     /* leaf, ends where F_D starts */
#define F_D (TEXT + 0x400)      /* the end of the stack */
#define F_R (TEXT + 0x500)      /* pt_regs at sp */
#define F_P (TEXT + 0x600)      /* an iret frame at sp */
#define F_I (TEXT + 0x700)      /* (sp) + 8: a stack switch */
#define F_BI (TEXT + 0x800)     /* (bp - 8) */
#define F_U (TEXT + 0x900)      /* undefined */
#define F_L (TEXT + 0xa00)      /* sp + 0: a loop */
#define F_X (TEXT + 0xb00)      /* r10 + 8 */
#define F_R0 (TEXT + 0xb80)     /* pt_regs, 6.4+ signal 0 */
#define F_END (TEXT + 0xc00)    /* the text's terminator */

enum { R_UNDEF, R_PREV_SP, R_DX, R_DI, R_BP, R_SP, R_R10, R_R13, R_BP_IND, R_SP_IND };
enum { T_UNDEF, T_END, T_CALL, T_REGS, T_PARTIAL };

static const struct spec {
	uint64_t ip;
	unsigned sp_reg;
	int sp_off;
	unsigned bp_reg;
	int bp_off, type, signal;
} SPECS[] = {
	{ F_A, R_SP, 8, R_UNDEF, 0, T_CALL, 0 },
	{ F_B, R_SP, 24, R_PREV_SP, -16, T_CALL, 0 },
	{ F_C, R_BP, 16, R_PREV_SP, -16, T_CALL, 0 },
	{ F_C3, R_SP, 8, R_UNDEF, 0, T_CALL, 0 },
	{ F_D, R_UNDEF, 0, R_UNDEF, 0, T_END, 0 },
	{ F_R, R_SP, 0, R_UNDEF, 0, T_REGS, 1 },
	{ F_P, R_SP, 0, R_UNDEF, 0, T_PARTIAL, 1 },
	{ F_I, R_SP_IND, 8, R_UNDEF, 0, T_CALL, 0 },
	{ F_BI, R_BP_IND, -8, R_BP, 0, T_CALL, 0 },
	{ F_U, R_UNDEF, 0, R_UNDEF, 0, T_UNDEF, 0 },
	{ F_L, R_SP, 0, R_UNDEF, 0, T_CALL, 0 },
	{ F_X, R_R10, 8, R_UNDEF, 0, T_CALL, 0 },
	{ F_R0, R_SP, 0, R_UNDEF, 0, T_REGS, 0 },
	{ F_END, R_UNDEF, 0, R_UNDEF, 0, T_UNDEF, 0 },
};
#define NSPECS (sizeof SPECS / sizeof SPECS[0])

/* ---- the two layouts of struct orc_entry, and pt_regs ----------------- */

static struct lx_fld fld(uint32_t off, uint32_t size, uint32_t bit_off, uint32_t bit_size)
{
	struct lx_fld f = { off, size, bit_off, bit_size, 1 };

	return f;
}

static struct lx_unwind_layout layout(bool old)
{
	struct lx_unwind_layout l;

	memset(&l, 0, sizeof l);
	l.sp_offset = fld(0, 2, 0, 0);
	l.bp_offset = fld(2, 2, 0, 0);
	l.sp_reg = fld(4, 4, 0, 4);
	l.bp_reg = fld(4, 4, 4, 4);
	l.type = fld(5, 4, 0, old ? 2 : 3);
	if (old)
		l.end = fld(5, 4, 2, 1);
	else
		l.signal = fld(5, 4, 3, 1);
	l.old_types = old;
	l.r_ip = fld(128, 8, 0, 0);
	l.r_sp = fld(152, 8, 0, 0);
	l.r_bp = fld(32, 8, 0, 0);
	return l;
}

static void encode(const struct spec *s, bool old, uint8_t *e)
{
	static const unsigned old_type[] = { 0, 0, 0, 1, 2 };
	unsigned t = old ? old_type[s->type] : (unsigned)s->type;

	e[0] = (uint8_t)(s->sp_off & 0xff);
	e[1] = (uint8_t)((unsigned)s->sp_off >> 8);
	e[2] = (uint8_t)(s->bp_off & 0xff);
	e[3] = (uint8_t)((unsigned)s->bp_off >> 8);
	e[4] = (uint8_t)(s->sp_reg | s->bp_reg << 4);
	e[5] = (uint8_t)(old ? t | (s->type == T_END) << 2 : t | (unsigned)s->signal << 3);
}

static struct ksym_orc *tables(bool old)
{
	int32_t ip[NSPECS];
	uint8_t ent[NSPECS * 6];
	struct kit_err e = { 0 };
	struct ksym_orc *o;
	size_t i;

	for (i = 0; i < NSPECS; i++) {
		ip[i] = (int32_t)(int64_t)(SPECS[i].ip - (ORC_IP + 4 * i));
		encode(&SPECS[i], old, ent + 6 * i);
	}
	o = ksym_orc_new(ORC_IP, ip, ent, NSPECS, &e);
	if (!o)
		printf("# %s\n", e.msg);
	return o;
}

/* ---- memory: two stacks, one address that cannot be read -------------- */

static struct mem {
	uint8_t stk[LX_THREAD_SIZE], irq[LX_THREAD_SIZE];
	uint64_t bad;           /* a read covering it fails (0: none) */
} M;

static int mem_read(void *ctx, uint64_t addr, void *buf, size_t len, struct kit_err *err)
{
	struct mem *s = ctx;
	const struct { uint64_t at; uint8_t *p; } areas[] = { { STK, s->stk }, { IRQ, s->irq } };
	size_t i;

	if (s->bad && addr <= s->bad && s->bad - addr < len)
		return kit_seterr(err, EFAULT, "unreadable 0x%llx", (unsigned long long)addr);
	for (i = 0; i < 2; i++)
		if (addr >= areas[i].at && addr - areas[i].at <= LX_THREAD_SIZE &&
		    len <= LX_THREAD_SIZE - (addr - areas[i].at)) {
			memcpy(buf, areas[i].p + (addr - areas[i].at), len);
			return 0;
		}
	return kit_seterr(err, EFAULT, "no memory at 0x%llx", (unsigned long long)addr);
}

static void put(uint64_t addr, uint64_t v)
{
	uint8_t *p = addr >= IRQ ? M.irq + (addr - IRQ) : M.stk + (addr - STK);
	unsigned i;

	for (i = 0; i < 8; i++)
		p[i] = (uint8_t)(v >> (8 * i));
}

static void reset(void)
{
	memset(&M, 0, sizeof M);
}

/* ---- walking ---------------------------------------------------------- */

static struct lx_frame F[LX_MAX_FRAMES];
static size_t N;
static char WHY[200];

static const struct ksym_orc *ORC;
static const struct lx_unwind_layout *LAY;
static const char *TAG = "";

static void walk_max(uint64_t ip, uint64_t sp, uint64_t bp, size_t max)
{
	struct lx_mem m = { mem_read, &M };
	struct lx_regs r;

	memset(&r, 0, sizeof r);
	r.ip = ip;
	r.sp = sp;
	r.bp = bp;
	r.first = true;
	memset(F, 0xa5, sizeof F);
	lx_unwind(&m, ORC, LAY, &r, F, max, &N, WHY, sizeof WHY);
}

static void walk(uint64_t ip, uint64_t sp, uint64_t bp)
{
	walk_max(ip, sp, bp, LX_MAX_FRAMES);
}

static char *name(const char *what)
{
	static char buf[200];

	snprintf(buf, sizeof buf, "%s%s", TAG, what);
	return buf;
}

/* The frames' ips and sps are exactly these (n of each). */
static void frames_are(const uint64_t *ips, const uint64_t *sps, size_t n, const char *what)
{
	char m[200];
	size_t i;
	int same = N == n;

	for (i = 0; same && i < n; i++)
		same = F[i].ip == ips[i] && F[i].sp == sps[i];
	snprintf(m, sizeof m, "%s: the frames' ips and sps", what);
	if (!ok(same, name(m))) {
		printf("#   saw %zu frames, expected %zu:\n", N, n);
		for (i = 0; i < N; i++)
			printf("#   ip 0x%" PRIx64 " sp 0x%" PRIx64 "\n", F[i].ip, F[i].sp);
	}
}

static void why_is(const char *want, const char *what)
{
	char m[200];

	snprintf(m, sizeof m, "%s: why it stopped", what);
	is_str(WHY, want, name(m));
}

#define FRAMES(what, ...) do { \
	const uint64_t v_[] = { __VA_ARGS__ }; \
	uint64_t ips_[sizeof v_ / sizeof v_[0] / 2], sps_[sizeof v_ / sizeof v_[0] / 2]; \
	size_t i_; \
	for (i_ = 0; i_ < sizeof v_ / sizeof v_[0] / 2; i_++) { \
		ips_[i_] = v_[2 * i_]; \
		sps_[i_] = v_[2 * i_ + 1]; \
	} \
	frames_are(ips_, sps_, sizeof v_ / sizeof v_[0] / 2, what); \
} while (0)

/* ---- the ORC walk ----------------------------------------------------- */

/* A -> B -> C -> D: sp + 8, sp + 24 with bp saved at prev_sp - 16,
 * bp + 16, the end. */
static void build_chain(void)
{
	reset();
	put(STK + 0x3000, F_B + 0x20);          /* A's return address */
	put(STK + 0x3010, STK + 0x3100);        /* B saved C's frame pointer */
	put(STK + 0x3018, F_C + 0x30);          /* B's return address */
	put(STK + 0x3100, 0);                   /* C's caller's bp */
	put(STK + 0x3108, F_D + 8);             /* C's return address */
}

static void test_chain(void)
{
	size_t i;
	int flags = 0;

	build_chain();
	walk(F_A + 0x10, STK + 0x3000, 0x1234);
	FRAMES("a chain of call frames", F_A + 0x10, STK + 0x3000, F_B + 0x20, STK + 0x3008,
	       F_C + 0x30, STK + 0x3020, F_D + 8, STK + 0x3110);
	why_is("", "a chain to the end of the stack");
	for (i = 0; i < N; i++)
		flags |= F[i].regs_frame | F[i].user_below | F[i].by_fp;
	is_int(flags, 0, name("call frames: no regs, user or frame-pointer marks"));

	walk_max(F_A + 0x10, STK + 0x3000, 0x1234, 4);
	is_int(N, 4, name("exactly the bound's frames to the end: all of them"));
	why_is("", "exactly the bound's frames to the end");
	walk_max(F_A + 0x10, STK + 0x3000, 0x1234, 3);
	is_int(N, 3, name("one frame over the bound: the bound's"));
	why_is("too many frames: stopped", "one frame over the bound");
	walk_max(F_A + 0x10, STK + 0x3000, 0x1234, 0);
	is_int(N, 0, name("a bound of 0: no frame"));

	reset();
	for (i = 0; i < 200; i++)
		put(STK + 0x2000 + 8 * i, F_A + 0x10);
	walk(F_A + 0x10, STK + 0x2000, 0);
	is_int(N, LX_MAX_FRAMES, name("an endless chain: LX_MAX_FRAMES frames"));
	why_is("too many frames: stopped", "an endless chain");
	is_u64(F[LX_MAX_FRAMES - 1].sp, STK + 0x2000 + 8 * (LX_MAX_FRAMES - 1),
	       name("an endless chain: the last frame's sp"));

	reset();
	put(STK + 0x3000, 0);
	walk(F_A + 0x10, STK + 0x3000, 0);
	FRAMES("a return address of 0", F_A + 0x10, STK + 0x3000);
	why_is("", "a return address of 0: the end");
}

/* A return address at a function's very end is looked up at ip - 1 (its
 * call's function), the first frame's ip and one from pt_regs as is. */
static void test_ip_lookup(void)
{
	reset();
	put(STK + 0x3000, F_D);                 /* returns to C3's end = D's start */
	put(STK + 0x3008, F_D + 8);
	walk(F_A + 0x10, STK + 0x3000, 0);
	FRAMES("a return address at its function's end", F_A + 0x10, STK + 0x3000,
	       F_D, STK + 0x3008, F_D + 8, STK + 0x3010);
	why_is("", "a return address at its function's end");

	walk(F_D, STK + 0x3000, 0);
	FRAMES("the first frame at a function's start", F_D, STK + 0x3000);
	why_is("", "the first frame at a function's start: its own entry (the end)");

	reset();
	put(STK + 0x3000 + 128, F_D);           /* pt_regs.ip at D's start */
	put(STK + 0x3000 + 152, STK + 0x3800);
	put(STK + 0x3800, F_D + 8);
	walk(F_R + 4, STK + 0x3000, 0);
	FRAMES("an interrupted ip at a function's start", F_R + 4, STK + 0x3000,
	       F_D, STK + 0x3800);
	why_is("", "an interrupted ip at a function's start: looked up as is");
}

/* pt_regs at sp: ip, sp and bp from them (C's sp is bp + 16). */
static void test_regs(void)
{
	const uint64_t regs = STK + 0x3000;

	reset();
	put(regs + 128, F_C + 0x10);
	put(regs + 152, STK + 0x3400);
	put(regs + 32, STK + 0x3500);
	put(STK + 0x3500, 0);
	put(STK + 0x3508, F_D + 8);
	walk(F_R + 4, regs, 0x1111);
	FRAMES("a pt_regs frame", F_R + 4, regs, F_C + 0x10, STK + 0x3400, F_D + 8, STK + 0x3510);
	why_is("", "a pt_regs frame");
	ok(N == 3 && !F[0].regs_frame && F[1].regs_frame && !F[2].regs_frame,
	   name("a pt_regs frame: the interrupted frame, only, is marked"));

	M.bad = regs + 128;
	walk(F_R + 4, regs, 0x1111);
	is_int(N, 1, name("pt_regs.ip unreadable: one frame"));
	why_is("an interrupt frame (pt_regs) is unreadable", "pt_regs.ip unreadable");
	M.bad = regs + 152;
	walk(F_R + 4, regs, 0x1111);
	why_is("an interrupt frame (pt_regs) is unreadable", "pt_regs.sp unreadable");
	M.bad = regs + 32;
	walk(F_R + 4, regs, 0x1111);
	why_is("an interrupt frame (pt_regs) is unreadable", "pt_regs.bp unreadable");

	M.bad = 0;
	put(regs + 152, regs - 0x100);
	walk(F_R + 4, regs, 0x1111);
	is_int(N, 1, name("pt_regs.sp below the frame's: one frame"));
	why_is("the stack pointer does not grow: stopped", "pt_regs.sp below the frame's");

	put(regs + 152, UINT64_C(0x7ffd12345000));
	walk(F_R + 4, regs, 0x1111);
	FRAMES("pt_regs from user space", F_R + 4, regs);
	why_is("", "pt_regs from user space: the end");
	ok(N == 1 && F[0].user_below, name("pt_regs from user space: marked user_below"));
}

/* An iret frame at sp (REGS_PARTIAL): ip at sp, sp at sp + 24, bp kept. */
static void test_partial(void)
{
	reset();
	put(STK + 0x3000, F_C + 0x10);
	put(STK + 0x3018, STK + 0x3200);
	put(STK + 0x3500, 0);
	put(STK + 0x3508, F_D + 8);
	walk(F_P + 2, STK + 0x3000, STK + 0x3500);
	FRAMES("an iret frame", F_P + 2, STK + 0x3000, F_C + 0x10, STK + 0x3200,
	       F_D + 8, STK + 0x3510);
	why_is("", "an iret frame");
	ok(N == 3 && F[1].regs_frame, name("an iret frame: the interrupted frame is marked"));
	M.bad = STK + 0x3018;
	walk(F_P + 2, STK + 0x3000, STK + 0x3500);
	why_is("an interrupt frame (pt_regs) is unreadable", "an unreadable iret frame");
}

/* sp from (sp) + 8 (a switch from the IRQ stack, sp going down), from
 * (bp - 8), and from r10 (known in the first frame only). */
static void test_sp_regs(void)
{
	reset();
	put(IRQ + 0x3ff8, STK + 0x3000);        /* the task's sp, at the IRQ stack's top */
	put(STK + 0x3000, F_D + 8);
	walk(F_I + 4, IRQ + 0x3ff8, 0);
	FRAMES("sp = (sp) + 8, onto another stack", F_I + 4, IRQ + 0x3ff8, F_D + 8, STK + 0x3008);
	why_is("", "sp = (sp) + 8");
	M.bad = IRQ + 0x3ff8;
	walk(F_I + 4, IRQ + 0x3ff8, 0);
	why_is("the frame's sp points at unreadable memory", "(sp) unreadable");

	reset();
	put(STK + 0x30f8, STK + 0x3200);
	put(STK + 0x3100, STK + 0x3300);        /* the saved bp, at (bp) */
	put(STK + 0x31f8, F_C + 0x10);
	put(STK + 0x3300, 0);
	put(STK + 0x3308, F_D + 8);
	walk(F_BI + 4, STK + 0x3000, STK + 0x3100);
	FRAMES("sp = (bp - 8), bp = (bp)", F_BI + 4, STK + 0x3000, F_C + 0x10, STK + 0x3200,
	       F_D + 8, STK + 0x3310);
	why_is("", "sp = (bp - 8)");
	M.bad = STK + 0x30f8;
	walk(F_BI + 4, STK + 0x3000, STK + 0x3100);
	why_is("the frame's sp points at unreadable memory", "(bp - 8) unreadable");
	M.bad = STK + 0x3100;
	walk(F_BI + 4, STK + 0x3000, STK + 0x3100);
	why_is("the saved bp is unreadable", "(bp) unreadable");

	reset();
	put(STK + 0x3200, F_D + 8);
	{
		struct lx_mem m = { mem_read, &M };
		struct lx_regs r;

		memset(&r, 0, sizeof r);
		r.ip = F_X + 4;
		r.sp = STK + 0x3000;
		r.r10 = STK + 0x3200;
		r.first = r.full = true;
		lx_unwind(&m, ORC, LAY, &r, F, LX_MAX_FRAMES, &N, WHY, sizeof WHY);
		FRAMES("sp = r10 + 8", F_X + 4, STK + 0x3000, F_D + 8, STK + 0x3208);
		why_is("", "sp = r10 + 8");
		r.full = false;
		lx_unwind(&m, ORC, LAY, &r, F, LX_MAX_FRAMES, &N, WHY, sizeof WHY);
		is_int(N, 1, name("sp in r10, not known: one frame"));
		why_is("the frame's sp is in a register not saved here", "sp in r10, not known");
	}
}

/* Where the walk stops early, and says why. */
static void test_stops(void)
{
	build_chain();
	walk(F_U + 4, STK + 0x3000, 0);
	FRAMES("an undefined entry", F_U + 4, STK + 0x3000);
	why_is("no unwind information here (undefined entry)", "an undefined entry");

	walk(F_L + 4, STK + 0x3000, 0);
	FRAMES("sp + 0", F_L + 4, STK + 0x3000);
	why_is("the stack pointer does not grow: stopped", "sp + 0 (a loop)");

	walk(TEXT + 0x10, STK + 0x3000, 0);
	FRAMES("an ip below the tables", TEXT + 0x10, STK + 0x3000);
	why_is("no unwind information here (not kernel text), nor a frame pointer (bp is 0)",
	       "an ip below the tables, bp 0");
	walk(F_END + 0x10, STK + 0x3000, STK + 0x3004);
	FRAMES("an ip past the tables", F_END + 0x10, STK + 0x3000);
	why_is("no unwind information here (not kernel text), nor a frame pointer "
	       "(bp is not 8-aligned)", "an ip past the tables, bp misaligned");
	walk(F_END, STK + 0x3000, 0);
	why_is("no unwind information here (undefined entry)", "the terminator itself");

	M.bad = STK + 0x3000;
	walk(F_A + 0x10, STK + 0x3000, 0);
	is_int(N, 1, name("the return address unreadable: one frame"));
	why_is("the return address is unreadable", "the return address unreadable");
	M.bad = STK + 0x3010;
	walk(F_A + 0x10, STK + 0x3000, 0);
	is_int(N, 2, name("B's saved bp unreadable: two frames"));
	why_is("the saved bp is unreadable", "B's saved bp unreadable");
	M.bad = STK + 0x3100;
	walk(F_A + 0x10, STK + 0x3000, 0);
	is_int(N, 3, name("C's saved bp unreadable: three frames"));
	why_is("the saved bp is unreadable", "C's saved bp unreadable");
	M.bad = STK + 0x3108;
	walk(F_A + 0x10, STK + 0x3000, 0);
	is_int(N, 3, name("C's return address unreadable: three frames"));
	why_is("the return address is unreadable", "C's return address unreadable");
}

/* An ip the tables do not cover (a module's) is passed by its frame
 * pointer; the walk goes on with the tables above it. */
static void test_fallback(void)
{
	reset();
	put(STK + 0x3100, STK + 0x3400);
	put(STK + 0x3108, F_A + 0x10);
	put(STK + 0x3110, F_D + 8);
	walk(MODULE, STK + 0x3000, STK + 0x3100);
	FRAMES("a module's ip", MODULE, STK + 0x3000, F_A + 0x10, STK + 0x3110,
	       F_D + 8, STK + 0x3118);
	why_is("", "a module's ip");
	ok(N == 3 && !F[0].by_fp && F[1].by_fp && !F[2].by_fp,
	   name("a module's ip: its caller is marked as found by frame pointer"));
	walk(MODULE, STK + 0x3000, STK + 0x2f00);
	why_is("no unwind information here (not kernel text), nor a frame pointer "
	       "(bp does not grow)", "a module's ip, bp below sp");
	M.bad = STK + 0x3108;
	walk(MODULE, STK + 0x3000, STK + 0x3100);
	why_is("no unwind information here (not kernel text), nor a frame pointer "
	       "(the frame pointer chain is unreadable)", "a module's ip, its frame unreadable");
}

static void test_orc(bool old)
{
	struct lx_unwind_layout l = layout(old);
	struct ksym_orc *o = tables(old);

	TAG = old ? "6.1: " : "6.12: ";
	ok(o != NULL, name("the synthetic ORC tables load"));
	if (!o)
		return;
	ORC = o;
	LAY = &l;
	test_chain();
	test_ip_lookup();
	test_regs();
	test_partial();
	test_sp_regs();
	test_stops();
	test_fallback();
	if (!old) {
		/* 6.4+: a pt_regs entry whose signal bit is clear: the
		 * interrupted ip is looked up as a return address */
		reset();
		put(STK + 0x3000 + 128, F_D);
		put(STK + 0x3000 + 152, STK + 0x3800);
		put(STK + 0x3800, F_D + 8);
		walk(F_R0 + 4, STK + 0x3000, 0);
		FRAMES("pt_regs, signal 0", F_R0 + 4, STK + 0x3000, F_D, STK + 0x3800,
		       F_D + 8, STK + 0x3808);
	}
	ksym_orc_free(o);
	ORC = NULL;
	LAY = NULL;
}

/* ---- the frame-pointer walk (no ORC tables) --------------------------- */

static void build_fp_chain(void)
{
	reset();
	put(STK + 0x3010, STK + 0x3040);
	put(STK + 0x3018, TEXT + 0x111);
	put(STK + 0x3040, STK + 0x3100);
	put(STK + 0x3048, TEXT + 0x222);
	put(STK + 0x3100, 0);
	put(STK + 0x3108, TEXT + 0x333);
}

static void test_fp(void)
{
	struct lx_unwind_layout l = layout(false);
	size_t i;
	int marks = 0;

	TAG = "frame pointers: ";
	ORC = NULL;
	LAY = NULL;
	build_fp_chain();
	walk(TEXT + 0x50, STK + 0x3000, STK + 0x3010);
	FRAMES("a good chain", TEXT + 0x50, STK + 0x3000, TEXT + 0x111, STK + 0x3020,
	       TEXT + 0x222, STK + 0x3050, TEXT + 0x333, STK + 0x3110);
	why_is("", "a good chain, to bp 0");
	for (i = 1; i < N; i++)
		marks += F[i].by_fp;
	ok(N == 4 && !F[0].by_fp && marks == 3, name("a good chain: every caller marked"));
	walk_max(TEXT + 0x50, STK + 0x3000, STK + 0x3010, 2);
	is_int(N, 2, name("a good chain over the bound: the bound's frames"));
	why_is("too many frames: stopped", "a good chain over the bound");

	put(STK + 0x3040, STK + 0x3040);
	walk(TEXT + 0x50, STK + 0x3000, STK + 0x3010);
	is_int(N, 3, name("a loop: three frames"));
	why_is("frame pointers: bp does not grow: stopped", "a loop");
	put(STK + 0x3040, STK + 0x3010);
	walk(TEXT + 0x50, STK + 0x3000, STK + 0x3010);
	why_is("frame pointers: bp does not grow: stopped", "a loop back");

	put(STK + 0x3040, STK + 0x3104);
	walk(TEXT + 0x50, STK + 0x3000, STK + 0x3010);
	is_int(N, 3, name("a misaligned bp: three frames"));
	why_is("frame pointers: bp is not 8-aligned: stopped", "a misaligned bp");

	put(STK + 0x3040, STK + 0x4000);
	walk(TEXT + 0x50, STK + 0x3000, STK + 0x3010);
	why_is("frame pointers: bp leaves the stack: stopped", "a bp on the next stack block");
	put(STK + 0x3040, STK + 0x3ff8);
	walk(TEXT + 0x50, STK + 0x3000, STK + 0x3010);
	why_is("frame pointers: bp leaves the stack: stopped", "a bp whose frame crosses the top");
	walk(TEXT + 0x50, STK + 0x3000, IRQ + 0x100);
	is_int(N, 1, name("a first bp on another stack: one frame"));
	why_is("frame pointers: bp leaves the stack: stopped", "a first bp on another stack");

	build_fp_chain();
	M.bad = STK + 0x3048;
	walk(TEXT + 0x50, STK + 0x3000, STK + 0x3010);
	is_int(N, 2, name("an unreadable frame: two frames"));
	why_is("frame pointers: the frame pointer chain is unreadable: stopped",
	       "an unreadable frame");

	/* the entry code's encoded frame pointer: pt_regs at bp - 1 */
	build_fp_chain();
	put(STK + 0x3100, STK + 0x3e00 + 1);
	put(STK + 0x3e00 + 128, TEXT + 0x444);
	put(STK + 0x3e00 + 152, STK + 0x3f00);
	put(STK + 0x3e00 + 32, 0);
	LAY = &l;
	walk(TEXT + 0x50, STK + 0x3000, STK + 0x3010);
	FRAMES("an encoded pt_regs pointer", TEXT + 0x50, STK + 0x3000, TEXT + 0x111,
	       STK + 0x3020, TEXT + 0x222, STK + 0x3050, TEXT + 0x333, STK + 0x3110,
	       TEXT + 0x444, STK + 0x3f00);
	why_is("", "an encoded pt_regs pointer");
	ok(N == 5 && F[4].regs_frame && F[4].by_fp, name("an encoded pt_regs pointer: marked"));
	put(STK + 0x3e00 + 152, UINT64_C(0x7ffd00001000));
	walk(TEXT + 0x50, STK + 0x3000, STK + 0x3010);
	ok(N == 4 && F[3].user_below && !WHY[0], name("encoded pt_regs of user space: the end"));
	LAY = NULL;
	walk(TEXT + 0x50, STK + 0x3000, STK + 0x3010);
	why_is("frame pointers: bp is not 8-aligned: stopped",
	       "an encoded pt_regs pointer without the layout");
}

/* ---- the layouts from BTF --------------------------------------------- */

static struct ksym_btf *orc_btf(bool old)
{
	struct btf *b = btf__new_empty();
	struct ksym_btf *k;
	struct kit_err e = { 0 };
	const void *raw;
	uint32_t len;
	int t_uint, t_s16, t_ul, i;
	static const char *const regs[] = { "r15", "r14", "r13", "r12", "bp", "bx", "r11",
		"r10", "r9", "r8", "ax", "cx", "dx", "si", "di", "orig_ax", "ip", "cs",
		"flags", "sp", "ss" };

	t_uint = btf__add_int(b, "unsigned int", 4, 0);
	t_s16 = btf__add_typedef(b, "s16", btf__add_int(b, "short int", 2, BTF_INT_SIGNED));
	t_ul = btf__add_int(b, "long unsigned int", 8, 0);
	btf__add_struct(b, "orc_entry", 6);
	btf__add_field(b, "sp_offset", t_s16, 0, 0);
	btf__add_field(b, "bp_offset", t_s16, 16, 0);
	btf__add_field(b, "sp_reg", t_uint, 32, 4);
	btf__add_field(b, "bp_reg", t_uint, 36, 4);
	btf__add_field(b, "type", t_uint, 40, old ? 2 : 3);
	btf__add_field(b, old ? "end" : "signal", t_uint, old ? 42 : 43, 1);
	btf__add_struct(b, "pt_regs", 168);
	for (i = 0; i < 21; i++)
		btf__add_field(b, regs[i], t_ul, 64 * i, 0);
	raw = btf__raw_data(b, &len);
	k = ksym_btf_from_raw(raw, len, &e);
	if (!k)
		printf("# %s\n", e.msg);
	btf__free(b);
	return k;
}

static int same_fld(const struct lx_fld *a, const struct lx_fld *b)
{
	return a->off == b->off && a->bit_off == b->bit_off && a->bit_size == b->bit_size &&
	       a->present == b->present && (a->bit_size || a->size == b->size);
}

static void test_layout_btf(bool old)
{
	struct lx_unwind_layout want = layout(old), got;
	struct ksym_btf *k = orc_btf(old);
	struct kit_err e = { 0 };
	int same;

	TAG = old ? "6.1 BTF: " : "6.12 BTF: ";
	if (!ok(k && lx_unwind_layout_btf(k, &got, &e) == 0, name("the layout reads"))) {
		printf("# %s\n", e.msg);
		ksym_btf_free(k);
		return;
	}
	same = same_fld(&got.sp_offset, &want.sp_offset) && same_fld(&got.bp_offset, &want.bp_offset) &&
	       same_fld(&got.sp_reg, &want.sp_reg) && same_fld(&got.bp_reg, &want.bp_reg) &&
	       same_fld(&got.type, &want.type) && same_fld(&got.end, &want.end) &&
	       same_fld(&got.signal, &want.signal) && same_fld(&got.r_ip, &want.r_ip) &&
	       same_fld(&got.r_sp, &want.r_sp) && same_fld(&got.r_bp, &want.r_bp) &&
	       got.old_types == want.old_types;
	ok(same, name("the layout is the hand-written one"));
	ksym_btf_free(k);
}

int main(void)
{
	int32_t ip[2] = { 0x100, 0x10 };
	uint8_t ent[12] = { 0 };
	struct kit_err e = { 0 };

	ok(!ksym_orc_new(ORC_IP, ip, ent, 2, &e) && e.code == KSYM_EFORMAT &&
	   strstr(e.msg, "not sorted"), "unsorted ORC ips are refused");
	ok(!ksym_orc_new(ORC_IP, ip, ent, 0, &e) && e.code == KSYM_EFORMAT,
	   "no ORC entries are refused");
	test_layout_btf(true);
	test_layout_btf(false);
	test_orc(true);
	test_orc(false);
	test_fp();
	return tap_done();
}

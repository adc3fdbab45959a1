/*
 * test-linux-meminfo.c: the meminfo reader of the Linux layer on a
 * synthetic kernel built here: symbols in a ksym_table, the stat enums
 * and structs in a BTF written with libbpf's btf__add_* API (NR_PAGETABLE
 * a zone counter as on 5.10, or a node counter as later), the counters in
 * a byte array.  The figures against /proc/meminfo's arithmetic done by
 * hand; the block device walk on a good list, a loop, a link out of the
 * kernel and one that does not link back; the counters before mem_init();
 * and random guest memory, which must never crash or hang the reader.
 */
#include "lx.h"
#include "tap.h"

#include <bpf/btf.h>
#include <errno.h>
#include <stdlib.h>

#define BASE UINT64_C(0xffffffff82000000)
#define MEMSZ 0x20000
#define TOTALRAM (BASE + 0x100)
#define ZONE_STAT (BASE + 0x200)
#define NODE_STAT (BASE + 0x280)   /* near vm_zone_stat: read together */
#define RESERVE (BASE + 0x1000)
#define VMALLOC (BASE + 0x1008)
#define POP (BASE + 0x1010)
#define UNITS (BASE + 0x1014)
#define BDEV_SB (BASE + 0x2000)
#define NODE_DATA (BASE + 0x3000)
#define NR_NODE_IDS (BASE + 0x3100)
#define SB (BASE + 0x4000)
#define PGDAT (BASE + 0x8000)
#define INODES (BASE + 0xa000)    /* inode i at INODES + 0x400 * i */
#define MAPPINGS (BASE + 0x10000) /* its mapping at MAPPINGS + 0x100 * i */

/* offsets in the synthetic structs */
#define SB_INODES 0x40
#define I_SB_LIST 0x80
#define I_MAPPING 0x10
#define AS_NRPAGES 0x20
#define PG_ZONES 0x100
#define ZONE_SIZE 0x200
#define Z_WMARK 0x8
#define Z_BOOST 0x20

static uint8_t mem[MEMSZ];
static unsigned nreads;

static int fake_read(void *ctx, uint64_t addr, void *buf, size_t len,
		     struct kit_err *err)
{
	(void)ctx;
	nreads++;
	if (addr < BASE || addr - BASE > MEMSZ || len > MEMSZ - (addr - BASE))
		return kit_seterr(err, EFAULT, "cannot read %zu bytes at 0x%llx", len,
				  (unsigned long long)addr);
	memcpy(buf, mem + (addr - BASE), len);
	return 0;
}

static void put(uint64_t addr, uint64_t v, unsigned n)
{
	unsigned i;

	for (i = 0; i < n; i++)
		mem[addr - BASE + i] = (uint8_t)(v >> (8 * i));
}

/* ---- the kernel's types, as BTF --------------------------------------- */

enum { Z_FREE, Z_PAGETABLE_510, NZONE = 6 };
enum { N_INACTIVE_FILE = 2, N_ACTIVE_FILE, N_SLAB_R = 5, N_SLAB_U, N_FILE = 8,
       N_SHMEM, N_ANON, N_KSTACK = 12, N_PAGETABLE, N_SWAPCACHE, N_KMISC, NNODE = 20 };

static void add_enum(struct btf *b, const char *name, const char *const *names,
		     const int *vals, int n)
{
	int i;

	btf__add_enum(b, name, 4);
	for (i = 0; i < n; i++)
		btf__add_enum_value(b, names[i], vals[i]);
}

/* The types; pt_in_zone: NR_PAGETABLE is a zone counter (5.10). */
static struct ksym_btf *make_btf(int pt_in_zone, int with_free)
{
	struct btf *b = btf__new_empty();
	const char *zn[] = { "NR_FREE_PAGES", "NR_PAGETABLE", "NR_VM_ZONE_STAT_ITEMS" };
	int zv[] = { Z_FREE, Z_PAGETABLE_510, NZONE };
	const char *nn[] = { "NR_INACTIVE_FILE", "NR_ACTIVE_FILE", "NR_SLAB_RECLAIMABLE_B",
		"NR_SLAB_UNRECLAIMABLE_B", "NR_FILE_PAGES", "NR_SHMEM", "NR_ANON_MAPPED",
		"NR_KERNEL_STACK_KB", "NR_PAGETABLE", "NR_SWAPCACHE",
		"NR_KERNEL_MISC_RECLAIMABLE", "NR_VM_NODE_STAT_ITEMS" };
	int nv[] = { N_INACTIVE_FILE, N_ACTIVE_FILE, N_SLAB_R, N_SLAB_U, N_FILE, N_SHMEM,
		     N_ANON, N_KSTACK, N_PAGETABLE, N_SWAPCACHE, N_KMISC, NNODE };
	const char *wn[] = { "WMARK_MIN", "WMARK_LOW", "WMARK_HIGH", "NR_WMARK" };
	int wv[] = { 0, 1, 2, 3 };
	const char *tn[] = { "ZONE_DMA", "ZONE_NORMAL", "__MAX_NR_ZONES" };
	int tv[] = { 0, 1, 2 };
	int t_ulong, t_ptr, lh, st, wm, zones;
	const void *raw;
	uint32_t len;
	struct ksym_btf *kb;
	struct kit_err e;

	t_ulong = btf__add_int(b, "long unsigned int", 8, 0);
	t_ptr = btf__add_ptr(b, 0);
	if (pt_in_zone) {
		add_enum(b, "zone_stat_item", zn + (with_free ? 0 : 1), zv + (with_free ? 0 : 1),
			 with_free ? 3 : 2);
		/* node_stat_item without NR_PAGETABLE */
		add_enum(b, "node_stat_item", nn, nv, 8);
		btf__add_enum_value(b, "NR_SWAPCACHE", N_SWAPCACHE);
		btf__add_enum_value(b, "NR_KERNEL_MISC_RECLAIMABLE", N_KMISC);
		btf__add_enum_value(b, "NR_VM_NODE_STAT_ITEMS", NNODE);
	} else {
		const char *zn2[] = { "NR_FREE_PAGES", "NR_VM_ZONE_STAT_ITEMS" };
		int zv2[] = { Z_FREE, NZONE };

		add_enum(b, "zone_stat_item", zn2, zv2, 2);
		add_enum(b, "node_stat_item", nn, nv, 12);
	}
	add_enum(b, "zone_watermarks", wn, wv, 4);
	add_enum(b, "zone_type", tn, tv, 3);
	lh = btf__add_struct(b, "list_head", 16);
	btf__add_field(b, "next", t_ptr, 0, 0);
	btf__add_field(b, "prev", t_ptr, 64, 0);
	btf__add_struct(b, "super_block", 0x100);
	btf__add_field(b, "s_inodes", lh, SB_INODES * 8, 0);
	btf__add_struct(b, "inode", 0x200);
	btf__add_field(b, "i_mapping", t_ptr, I_MAPPING * 8, 0);
	btf__add_field(b, "i_sb_list", lh, I_SB_LIST * 8, 0);
	btf__add_struct(b, "address_space", 0x80);
	btf__add_field(b, "nrpages", t_ulong, AS_NRPAGES * 8, 0);
	/* (an array type is added before its struct: a type added between
	 * a struct and its fields ends the struct) */
	wm = btf__add_array(b, t_ulong, t_ulong, 3);
	st = btf__add_struct(b, "zone", ZONE_SIZE);
	btf__add_field(b, "_watermark", wm, Z_WMARK * 8, 0);
	btf__add_field(b, "watermark_boost", t_ulong, Z_BOOST * 8, 0);
	zones = btf__add_array(b, t_ulong, st, 2);
	btf__add_struct(b, "pglist_data", 0x1000);
	btf__add_field(b, "node_zones", zones, PG_ZONES * 8, 0);
	raw = btf__raw_data(b, &len);
	kb = ksym_btf_from_raw(raw, len, &e);
	btf__free(b);
	return kb;
}

static struct ksym_table *make_syms(int numa)
{
	struct kit_err e;
	struct ksym_table *t = ksym_table_new(&e);
	static const struct { const char *n; uint64_t a; } s[] = {
		{ "_totalram_pages", TOTALRAM }, { "vm_zone_stat", ZONE_STAT },
		{ "vm_node_stat", NODE_STAT }, { "totalreserve_pages", RESERVE },
		{ "nr_vmalloc_pages", VMALLOC }, { "pcpu_nr_populated", POP },
		{ "pcpu_nr_units", UNITS }, { "blockdev_superblock", BDEV_SB },
		{ "nr_node_ids", NR_NODE_IDS },
	};
	size_t i;

	for (i = 0; i < sizeof s / sizeof s[0]; i++)
		ksym_table_add(t, s[i].a, 8, 'D', s[i].n, strlen(s[i].n), &e);
	ksym_table_add(t, numa ? NODE_DATA : PGDAT, 8, 'D', numa ? "node_data" :
		       "contig_page_data", numa ? 9 : 16, &e);
	ksym_table_finish(t, &e);
	return t;
}

/* A kernel of 4 GiB: the counters, two block devices of 10 and 5 pages,
 * one node of two zones with low watermarks 100 + boost 7 and 50. */
static void fill(int pt_in_zone)
{
	memset(mem, 0, sizeof mem);
	put(TOTALRAM, 1048576, 8);
	put(ZONE_STAT + 8 * Z_FREE, 900000, 8);
	if (pt_in_zone)
		put(ZONE_STAT + 8 * Z_PAGETABLE_510, 33, 8);
	else
		put(NODE_STAT + 8 * N_PAGETABLE, 33, 8);
	put(NODE_STAT + 8 * N_FILE, 40000, 8);
	put(NODE_STAT + 8 * N_SWAPCACHE, 5, 8);
	put(NODE_STAT + 8 * N_SHMEM, 1000, 8);
	put(NODE_STAT + 8 * N_ANON, 2000, 8);
	put(NODE_STAT + 8 * N_SLAB_R, 3000, 8);
	put(NODE_STAT + 8 * N_SLAB_U, 1500, 8);
	put(NODE_STAT + 8 * N_KSTACK, 720, 8);
	put(NODE_STAT + 8 * N_ACTIVE_FILE, 10000, 8);
	put(NODE_STAT + 8 * N_INACTIVE_FILE, 29000, 8);
	put(NODE_STAT + 8 * N_KMISC, (uint64_t)-4, 8);   /* negative: reads 0 */
	put(RESERVE, 4000, 8);
	put(VMALLOC, 1835, 8);
	put(POP, 65, 4);
	put(UNITS, 1, 4);
	/* block devices: sb->s_inodes -> inode0 -> inode1 -> back */
	put(BDEV_SB, SB, 8);
	put(SB + SB_INODES, INODES + I_SB_LIST, 8);
	put(SB + SB_INODES + 8, INODES + 0x400 + I_SB_LIST, 8);
	put(INODES + I_SB_LIST, INODES + 0x400 + I_SB_LIST, 8);
	put(INODES + I_SB_LIST + 8, SB + SB_INODES, 8);
	put(INODES + 0x400 + I_SB_LIST, SB + SB_INODES, 8);
	put(INODES + 0x400 + I_SB_LIST + 8, INODES + I_SB_LIST, 8);
	put(INODES + I_MAPPING, MAPPINGS, 8);
	put(INODES + 0x400 + I_MAPPING, MAPPINGS + 0x100, 8);
	put(MAPPINGS + AS_NRPAGES, 10, 8);
	put(MAPPINGS + 0x100 + AS_NRPAGES, 5, 8);
	/* nodes */
	put(NR_NODE_IDS, 1, 4);
	put(NODE_DATA, PGDAT, 8);
	put(PGDAT + PG_ZONES + Z_WMARK + 8, 100, 8);
	put(PGDAT + PG_ZONES + Z_BOOST, 7, 8);
	put(PGDAT + PG_ZONES + ZONE_SIZE + Z_WMARK + 8, 50, 8);
}

static void test_figures(int pt_in_zone)
{
	struct ksym_btf *b = make_btf(pt_in_zone, 1);
	struct ksym_table *t = make_syms(1);
	struct lx_mem m = { fake_read, NULL };
	struct lx_mem_layout l;
	struct lx_mem_counters c;
	struct lx_meminfo i;
	struct kit_err e = { 0 };
	int64_t buf = -2, w = -2, av;
	char out[2048];
	FILE *f;

	ok(b && t, "a synthetic kernel");
	fill(pt_in_zone);
	is_int(lx_mem_layout_btf(t, b, &l, &e), 0, "layout from the BTF");
	is_int(l.item[LX_MEM_PAGETABLE].node, !pt_in_zone,
	       pt_in_zone ? "NR_PAGETABLE: a zone counter (5.10)" : "NR_PAGETABLE: a node counter");
	is_int(l.nzone, NZONE, "NR_VM_ZONE_STAT_ITEMS");
	nreads = 0;
	is_int(lx_meminfo_counters(&m, &l, &c, &e), 0, "the counters read");
	/* totalram, zone and node stats within SPAN_GAP: one read; the
	 * totals at 0x1000: another */
	is_int(nreads, 2, "nearby variables in one read each");
	is_int(c.v[LX_MEM_KMISC], 0, "a negative counter reads 0");
	is_int(lx_meminfo_buffers(&m, &l, &buf, &e), 0, "the block devices walked");
	is_int(buf, 15, "Buffers: 10 + 5 pages");
	is_int(lx_meminfo_wmark_low(&m, &l, &w, &e), 0, "the watermarks read");
	is_int(w, 157, "low watermarks: 100 + 7 (boost) + 50");
	lx_meminfo_compute(&l, &c, buf, w, &i);
	is_int(i.total, 4194304, "MemTotal kB");
	is_int(i.free, 3600000, "MemFree kB");
	is_int(i.buffers, 60, "Buffers kB");
	is_int(i.cached, (40000 - 5 - 15) * 4, "Cached: file - swap cache - buffers");
	is_int(i.page_cache, (40000 - 5) * 4, "Buffers + Cached");
	is_int(i.swap_cached, 20, "SwapCached");
	is_int(i.slab, 4500 * 4, "Slab");
	is_int(i.kernel_stack, 720, "KernelStack (kB already)");
	is_int(i.page_tables, 132, "PageTables");
	is_int(i.vmalloc_used, 1835 * 4, "VmallocUsed");
	is_int(i.percpu, 65 * 4, "Percpu");
	/* si_mem_available: 900000 - 4000 + (39000 - min(19500, 157))
	 * + (3000 + 0 - min(1500, 157)) */
	av = 900000 - 4000 + (39000 - 157) + (3000 - 157);
	is_int(i.available, av * 4, "MemAvailable as si_mem_available()");
	lx_meminfo_compute(&l, &c, -1, -1, &i);
	ok(i.buffers == -1 && i.cached == -1 && i.available == -1 &&
	   i.page_cache == (40000 - 5) * 4, "unknown buffers and watermarks: -1, page cache known");
	f = fmemopen(out, sizeof out, "w");
	lx_meminfo_compute(&l, &c, buf, w, &i);
	is_int(lx_meminfo_print(&i, f, &e), 0, "printed");
	fclose(f);
	ok(strstr(out, "MemTotal:        4194304 kB\n") &&
	   strstr(out, "Buffers:              60 kB\n"), "in /proc/meminfo's format");
	ksym_btf_free(b);
	ksym_free(t);
}

static void test_broken(void)
{
	struct ksym_btf *b = make_btf(0, 1), *b2 = make_btf(1, 0);
	struct ksym_table *t = make_syms(0);
	struct lx_mem m = { fake_read, NULL };
	struct lx_mem_layout l;
	struct lx_mem_counters c;
	struct kit_err e = { 0 };
	int64_t v;

	is_int(lx_mem_layout_btf(t, b2, &l, &e), -1, "no NR_FREE_PAGES: refused");
	is_int(e.code, LX_ELAYOUT, "as a layout error");
	ok(strstr(e.msg, "NR_FREE_PAGES") != NULL, "naming it");
	is_int(lx_mem_layout_btf(t, b, &l, &e), 0, "a kernel without NUMA");
	fill(0);
	/* contig_page_data: the zones at PGDAT directly */
	is_int(lx_meminfo_wmark_low(&m, &l, &v, &e), 0, "contig_page_data's zones");
	is_int(v, 157, "the same watermarks");
	put(TOTALRAM, 0, 8);
	is_int(lx_meminfo_counters(&m, &l, &c, &e), -1, "before mem_init()");
	is_int(e.code, LX_ENOTREADY, "not set up yet");
	put(TOTALRAM, UINT64_C(1) << 50, 8);
	is_int(lx_meminfo_counters(&m, &l, &c, &e), -1, "a total of 2^50 pages");
	is_int(e.code, LX_ECORRUPT, "is corrupt");
	fill(0);
	/* the second inode links back to the first: a loop without end */
	put(INODES + 0x400 + I_SB_LIST, INODES + I_SB_LIST, 8);
	is_int(lx_meminfo_buffers(&m, &l, &v, &e), -1, "a block device list that loops");
	ok(e.code == LX_ECORRUPT && strstr(e.msg, "does not link back"), "ends, said");
	fill(0);
	put(INODES + I_SB_LIST, 0x1234, 8);
	is_int(lx_meminfo_buffers(&m, &l, &v, &e), -1, "a link out of the kernel");
	ok(e.code == LX_ECORRUPT && strstr(e.msg, "outside the kernel"), "said");
	fill(0);
	put(BDEV_SB, 0, 8);
	is_int(lx_meminfo_buffers(&m, &l, &v, &e), 0, "no block device layer yet");
	is_int(v, 0, "0 pages");
	l.nzone = 0;
	is_int(lx_meminfo_counters(&m, &l, &c, &e), -1, "a layout without its arrays");
	ksym_btf_free(b);
	ksym_btf_free(b2);
	ksym_free(t);
}

/* Random guest memory: every call ends, with 0 or an error. */
static void test_fuzz(void)
{
	struct ksym_btf *b = make_btf(0, 1);
	struct ksym_table *t = make_syms(1);
	struct lx_mem m = { fake_read, NULL };
	struct lx_mem_layout l;
	struct lx_mem_counters c;
	struct lx_meminfo i;
	struct kit_err e;
	int64_t v, w;
	unsigned n, k, bad = 0;

	lx_mem_layout_btf(t, b, &l, &e);
	srand(1);
	for (n = 0; n < 2000; n++) {
		fill(0);
		/* damage some words: pointers near the structures, big and
		 * negative counts */
		for (k = 0; k < 24; k++) {
			uint64_t at = BASE + ((unsigned)rand() % (MEMSZ / 8)) * 8;
			uint64_t vals[] = { (uint64_t)rand(), UINT64_MAX, BASE + (unsigned)rand() % MEMSZ,
					    INODES + I_SB_LIST, SB + SB_INODES, 0 };

			put(at, vals[(unsigned)rand() % 6], 8);
		}
		if (lx_meminfo_counters(&m, &l, &c, &e) == 0) {
			v = w = -1;
			lx_meminfo_buffers(&m, &l, &v, &e);
			lx_meminfo_wmark_low(&m, &l, &w, &e);
			lx_meminfo_compute(&l, &c, v, w, &i);
			bad += i.total <= 0 || i.free < -1 || i.available < -1;
		}
	}
	is_int(bad, 0, "2000 damaged memories: no crash, no hang, no negative figure");
	ksym_btf_free(b);
	ksym_free(t);
}

int main(void)
{
	test_figures(0);
	test_figures(1);
	test_broken();
	test_fuzz();
	return tap_done();
}

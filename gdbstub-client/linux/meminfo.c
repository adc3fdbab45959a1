/*
 * meminfo.c: a stopped kernel's memory, as /proc/meminfo shows it, read
 * from the kernel's own counters instead of running anything in the guest.
 *
 * What /proc/meminfo prints (fs/proc/meminfo.c, 5.10 to 6.12) comes from:
 *   MemTotal      _totalram_pages
 *   MemFree       vm_zone_stat[NR_FREE_PAGES]
 *   Buffers       nr_blockdev_pages(): every block device inode's
 *                 i_mapping->nrpages, on blockdev_superblock->s_inodes
 *   Cached        vm_node_stat[NR_FILE_PAGES] - swap cache - Buffers
 *   SwapCached    vm_node_stat[NR_SWAPCACHE] (5.14+; before, a walk of the
 *                 swap spaces: taken as 0, right for a guest without swap)
 *   Shmem, AnonPages, PageTables, KernelStack (KiB), SReclaimable,
 *   SUnreclaim    vm_node_stat[...] (vm_zone_stat for the counters a
 *                 kernel keeps by zone: NR_PAGETABLE up to 5.10)
 *   MemAvailable  si_mem_available(): free - totalreserve_pages + the file
 *                 LRU and the reclaimable slab, each less the smaller of its
 *                 half and the zones' low watermarks
 *   VmallocUsed   nr_vmalloc_pages; Percpu pcpu_nr_populated x pcpu_nr_units
 * The global arrays are what the kernel itself reads there: the per-CPU
 * deltas (vm_stat_diff, up to a stat threshold per CPU) are folded in by
 * vmstat_update every second, so both readers see the same lag.  Which
 * index each counter has comes from the image's BTF (the enums), never
 * from a table of versions.
 *
 * Guest memory is untrusted: lengths come from the BTF and are bounded,
 * the block device walk is bounded and checks its links, a total past
 * 2^40 pages is refused.
 */
#include "lx.h"

#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#define KERNEL_HALF UINT64_C(0xffff800000000000)
#define MAX_TOTAL_PAGES (INT64_C(1) << 40)

const char *const lx_mem_item_names[LX_MEM_NITEMS][2] = {
	[LX_MEM_FREE] = { "NR_FREE_PAGES", NULL },
	[LX_MEM_FILE] = { "NR_FILE_PAGES", NULL },
	[LX_MEM_SHMEM] = { "NR_SHMEM", NULL },
	[LX_MEM_SWAPCACHE] = { "NR_SWAPCACHE", NULL },
	[LX_MEM_SLAB_R] = { "NR_SLAB_RECLAIMABLE_B", "NR_SLAB_RECLAIMABLE" },
	[LX_MEM_SLAB_U] = { "NR_SLAB_UNRECLAIMABLE_B", "NR_SLAB_UNRECLAIMABLE" },
	[LX_MEM_KSTACK] = { "NR_KERNEL_STACK_KB", NULL },
	[LX_MEM_PAGETABLE] = { "NR_PAGETABLE", NULL },
	[LX_MEM_ANON] = { "NR_ANON_MAPPED", NULL },
	[LX_MEM_ACTIVE_FILE] = { "NR_ACTIVE_FILE", NULL },
	[LX_MEM_INACTIVE_FILE] = { "NR_INACTIVE_FILE", NULL },
	[LX_MEM_KMISC] = { "NR_KERNEL_MISC_RECLAIMABLE", NULL },
};

static uint64_t le(const uint8_t *p, unsigned n)
{
	uint64_t v = 0;

	while (n--)
		v = v << 8 | p[n];
	return v;
}

static int read_u(const struct lx_mem *m, uint64_t addr, unsigned len, uint64_t *v,
		  struct kit_err *err)
{
	uint8_t b[8];

	if (m->read(m->ctx, addr, b, len, err) < 0)
		return -1;
	*v = le(b, len);
	return 0;
}

/* ---- the layout --------------------------------------------------------- */

static int enum_count(const struct ksym_btf *b, const char *en, const char *count,
		      uint32_t *n, struct kit_err *err)
{
	struct kit_err e = { 0 };
	int64_t v;

	if (ksym_btf_enum_value(b, en, count, &v, &e) < 0)
		return kit_seterr(err, LX_ELAYOUT, "the kernel's types: %s", e.msg);
	if (v <= 0 || v > LX_MEM_MAX_ITEMS)
		return kit_seterr(err, LX_ELAYOUT, "%s is %" PRId64 " (1 to %d make sense)",
				  count, v, LX_MEM_MAX_ITEMS);
	*n = (uint32_t)v;
	return 0;
}

/* Item I's index: in zone_stat_item or node_stat_item, by either name. */
static void find_item(const struct ksym_btf *b, struct lx_mem_layout *l, int i)
{
	static const char *const enums[2] = { "zone_stat_item", "node_stat_item" };
	int k, node;
	int64_t v;

	l->item[i].idx = -1;
	for (k = 0; k < 2 && lx_mem_item_names[i][k]; k++)
		for (node = 0; node < 2; node++)
			if (ksym_btf_enum_value(b, enums[node], lx_mem_item_names[i][k],
						&v, NULL) == 0 &&
			    v >= 0 && v < (node ? l->nnode : l->nzone)) {
				l->item[i].node = node;
				l->item[i].idx = (int32_t)v;
				return;
			}
}

static uint32_t off_of(const struct ksym_btf *b, const char *path, bool *ok)
{
	struct ksym_btf_field f;

	if (ksym_btf_member(b, path, &f, NULL) < 0 || f.offset > UINT32_MAX / 2) {
		*ok = false;
		return 0;
	}
	return (uint32_t)f.offset;
}

/* Buffers' walk: blockdev_superblock and the members it follows. */
static void bdev_layout(const struct ksym_table *syms, const struct ksym_btf *b,
			struct lx_mem_layout *l)
{
	bool ok = true;

	l->bdev_sb = ksym_addr(syms, "blockdev_superblock");
	l->sb_inodes = off_of(b, "super_block.s_inodes", &ok);
	l->inode_sb_list = off_of(b, "inode.i_sb_list", &ok);
	l->inode_mapping = off_of(b, "inode.i_mapping", &ok);
	l->as_nrpages = off_of(b, "address_space.nrpages", &ok);
	if (!ok)
		l->bdev_sb = 0;
}

/* MemAvailable's zones: node_data[] (NUMA) or contig_page_data. */
static void zone_layout(const struct ksym_table *syms, const struct ksym_btf *b,
			struct lx_mem_layout *l)
{
	struct ksym_btf_field f;
	uint64_t zsize;
	int64_t nz, low;
	bool ok = true;

	l->node_data = ksym_addr(syms, "node_data");
	l->numa = l->node_data != 0;
	l->nr_node_ids = ksym_addr(syms, "nr_node_ids");
	if (!l->numa)
		l->node_data = ksym_addr(syms, "contig_page_data");
	l->node_zones = off_of(b, "pglist_data.node_zones", &ok);
	l->wmark_low = off_of(b, "zone._watermark", &ok);
	if (ksym_btf_member(b, "zone.watermark_boost", &f, NULL) == 0) {
		l->wmark_boost = (uint32_t)f.offset;
		l->have_boost = true;
	}
	if (!ok || ksym_btf_type_size(b, "zone", &zsize, NULL) < 0 || !zsize ||
	    zsize > 65536 ||
	    ksym_btf_enum_value(b, "zone_type", "__MAX_NR_ZONES", &nz, NULL) < 0 ||
	    nz <= 0 || nz > 16 ||
	    ksym_btf_enum_value(b, "zone_watermarks", "WMARK_LOW", &low, NULL) < 0 ||
	    low < 0 || low > 8 || (l->numa && !l->nr_node_ids)) {
		l->node_data = 0;
		return;
	}
	l->zone_size = (uint32_t)zsize;
	l->nzones = (uint32_t)nz;
	l->wmark_low += (uint32_t)low * 8;
}

int lx_mem_layout_btf(const struct ksym_table *syms, const struct ksym_btf *b,
		      struct lx_mem_layout *l, struct kit_err *err)
{
	int i;

	memset(l, 0, sizeof *l);
	l->page_kb = 4;
	l->totalram = ksym_addr(syms, "_totalram_pages");
	l->zone_stat = ksym_addr(syms, "vm_zone_stat");
	l->node_stat = ksym_addr(syms, "vm_node_stat");
	if (!l->totalram || !l->zone_stat || !l->node_stat)
		return kit_seterr(err, LX_ELAYOUT, "no symbol %s in the kernel (Linux 5.0+ has it)",
				  !l->totalram ? "_totalram_pages" :
				  !l->zone_stat ? "vm_zone_stat" : "vm_node_stat");
	if (enum_count(b, "zone_stat_item", "NR_VM_ZONE_STAT_ITEMS", &l->nzone, err) < 0 ||
	    enum_count(b, "node_stat_item", "NR_VM_NODE_STAT_ITEMS", &l->nnode, err) < 0)
		return -1;
	for (i = 0; i < LX_MEM_NITEMS; i++)
		find_item(b, l, i);
	if (l->item[LX_MEM_FREE].idx < 0 || l->item[LX_MEM_FILE].idx < 0)
		return kit_seterr(err, LX_ELAYOUT, "the kernel's stat enums have no %s",
				  l->item[LX_MEM_FREE].idx < 0 ? "NR_FREE_PAGES" : "NR_FILE_PAGES");
	l->totalreserve = ksym_addr(syms, "totalreserve_pages");
	l->vmalloc = ksym_addr(syms, "nr_vmalloc_pages");
	l->pcpu_populated = ksym_addr(syms, "pcpu_nr_populated");
	l->pcpu_units = ksym_addr(syms, "pcpu_nr_units");
	if (!l->pcpu_populated || !l->pcpu_units)
		l->pcpu_populated = l->pcpu_units = 0;
	bdev_layout(syms, b, l);
	zone_layout(syms, b, l);
	return 0;
}

/* ---- reading ------------------------------------------------------------ */

/* One variable to read; nearby ones are read together. */
struct span {
	uint64_t addr;
	uint32_t len;
	uint8_t *dst;
};

static int by_addr(const void *a, const void *b)
{
	const struct span *x = a, *y = b;

	return x->addr < y->addr ? -1 : x->addr > y->addr;
}

#define SPAN_GAP 256       /* bytes read in between rather than a round trip */
#define SPAN_MAX 4096

/* Read every span, a group of those within SPAN_GAP of each other in
 * one read of at most SPAN_MAX bytes. */
static int read_spans(const struct lx_mem *m, struct span *s, size_t n,
		      struct kit_err *err)
{
	uint8_t buf[SPAN_MAX];
	size_t i = 0, j, k;

	qsort(s, n, sizeof *s, by_addr);
	while (i < n) {
		uint64_t lo = s[i].addr, hi = lo + s[i].len;

		for (j = i + 1; j < n && s[j].addr <= hi + SPAN_GAP &&
			       s[j].addr + s[j].len - lo <= SPAN_MAX; j++)
			if (s[j].addr + s[j].len > hi)
				hi = s[j].addr + s[j].len;
		if (hi - lo > SPAN_MAX) {
			if (m->read(m->ctx, lo, s[i].dst, s[i].len, err) < 0)
				return -1;
			i++;
			continue;
		}
		if (m->read(m->ctx, lo, buf, (size_t)(hi - lo), err) < 0)
			return -1;
		for (k = i; k < j; k++)
			memcpy(s[k].dst, buf + (s[k].addr - lo), s[k].len);
		i = j;
	}
	return 0;
}

/* A global counter as the kernel's readers give it: negative reads 0. */
static int64_t counter(const uint8_t *p)
{
	int64_t v = (int64_t)le(p, 8);

	return v < 0 ? 0 : v;
}

int lx_meminfo_counters(const struct lx_mem *m, const struct lx_mem_layout *l,
			struct lx_mem_counters *c, struct kit_err *err)
{
	uint8_t zone[LX_MEM_MAX_ITEMS * 8], node[LX_MEM_MAX_ITEMS * 8];
	uint8_t total[8], reserve[8], vmalloc[8], pop[4], units[4];
	struct span s[7];
	size_t n = 0;
	int i;

	if (!l->nzone || l->nzone > LX_MEM_MAX_ITEMS || !l->nnode ||
	    l->nnode > LX_MEM_MAX_ITEMS)
		return kit_seterr(err, LX_ELAYOUT, "the stat arrays' lengths are odd");
	s[n++] = (struct span){ l->totalram, 8, total };
	s[n++] = (struct span){ l->zone_stat, l->nzone * 8, zone };
	s[n++] = (struct span){ l->node_stat, l->nnode * 8, node };
	if (l->totalreserve)
		s[n++] = (struct span){ l->totalreserve, 8, reserve };
	if (l->vmalloc)
		s[n++] = (struct span){ l->vmalloc, 8, vmalloc };
	if (l->pcpu_populated) {
		s[n++] = (struct span){ l->pcpu_populated, 4, pop };
		s[n++] = (struct span){ l->pcpu_units, 4, units };
	}
	if (read_spans(m, s, n, err) < 0)
		return -1;
	memset(c, 0, sizeof *c);
	c->totalram = (int64_t)le(total, 8);
	if (c->totalram == 0)
		return kit_seterr(err, LX_ENOTREADY, "the kernel's memory is not set up "
				  "yet (_totalram_pages is 0)");
	if (c->totalram < 0 || c->totalram > MAX_TOTAL_PAGES)
		return kit_seterr(err, LX_ECORRUPT, "_totalram_pages reads %" PRId64
				  " pages", c->totalram);
	for (i = 0; i < LX_MEM_NITEMS; i++) {
		int32_t idx = l->item[i].idx;

		c->v[i] = idx < 0 ? -1 : counter((l->item[i].node ? node : zone) + 8 * idx);
	}
	c->totalreserve = l->totalreserve ? counter(reserve) : -1;
	c->vmalloc = l->vmalloc ? counter(vmalloc) : -1;
	c->percpu = -1;
	if (l->pcpu_populated) {
		int32_t p = (int32_t)le(pop, 4), u = (int32_t)le(units, 4);

		if (p >= 0 && u > 0 && u <= 65536)
			c->percpu = (int64_t)p * u;
	}
	return 0;
}

int lx_meminfo_buffers(const struct lx_mem *m, const struct lx_mem_layout *l,
		       int64_t *pages, struct kit_err *err)
{
	uint64_t sb, head, cur, next, back, mapping, nr;
	int64_t sum = 0;
	size_t n;

	*pages = 0;
	if (!l->bdev_sb)
		return 0;
	if (read_u(m, l->bdev_sb, 8, &sb, err) < 0)
		return -1;
	if (!sb)
		return 0;      /* bdev_cache_init() has not run */
	if (sb < KERNEL_HALF)
		return kit_seterr(err, LX_ECORRUPT, "blockdev_superblock is 0x%" PRIx64, sb);
	head = cur = sb + l->sb_inodes;
	if (read_u(m, head, 8, &next, err) < 0)
		return -1;
	for (n = 0; next != head; n++) {
		uint8_t lh[16];   /* the inode's i_sb_list: next, prev */

		if (n >= LX_MEM_MAX_BDEVS || next < KERNEL_HALF || next % 8)
			return kit_seterr(err, LX_ECORRUPT, "the block device inode list %s "
					  "(0x%" PRIx64 " after 0x%" PRIx64 ")",
					  n >= LX_MEM_MAX_BDEVS ? "does not come back" :
					  "points outside the kernel", next, cur);
		if (m->read(m->ctx, next, lh, sizeof lh, err) < 0)
			return -1;
		back = le(lh + 8, 8);
		if (back != cur)
			return kit_seterr(err, LX_ECORRUPT, "a block device inode at 0x%"
					  PRIx64 " does not link back", next - l->inode_sb_list);
		if (read_u(m, next - l->inode_sb_list + l->inode_mapping, 8, &mapping,
			   err) < 0)
			return -1;
		if (mapping >= KERNEL_HALF) {
			if (read_u(m, mapping + l->as_nrpages, 8, &nr, err) < 0)
				return -1;
			if (nr < (uint64_t)MAX_TOTAL_PAGES)
				sum += (int64_t)nr;
			if (sum > MAX_TOTAL_PAGES)
				return kit_seterr(err, LX_ECORRUPT, "the block devices "
						  "hold more than 2^40 pages");
		}
		cur = next;
		next = le(lh, 8);
	}
	*pages = sum;
	return 0;
}

int lx_meminfo_wmark_low(const struct lx_mem *m, const struct lx_mem_layout *l,
			 int64_t *pages, struct kit_err *err)
{
	uint64_t nodes = 1, node, pg, w, boost;
	int64_t sum = 0;
	uint32_t nid, z;

	*pages = -1;
	if (!l->node_data)
		return kit_seterr(err, LX_ELAYOUT, "the kernel's zones are unknown");
	if (l->numa && read_u(m, l->nr_node_ids, 4, &nodes, err) < 0)
		return -1;
	if (nodes < 1 || nodes > LX_MEM_MAX_NODES)
		return kit_seterr(err, LX_ECORRUPT, "nr_node_ids reads %" PRIu64, nodes);
	for (nid = 0; nid < nodes; nid++) {
		pg = l->node_data;
		if (l->numa) {
			if (read_u(m, l->node_data + 8 * nid, 8, &node, err) < 0)
				return -1;
			if (!node)
				continue;
			if (node < KERNEL_HALF)
				return kit_seterr(err, LX_ECORRUPT, "node_data[%u] is 0x%"
						  PRIx64, nid, node);
			pg = node;
		}
		for (z = 0; z < l->nzones; z++) {
			uint64_t zone = pg + l->node_zones + (uint64_t)z * l->zone_size;

			uint8_t b[72];
			uint32_t span = l->wmark_boost + 8 - l->wmark_low;

			boost = 0;
			if (l->have_boost && l->wmark_boost > l->wmark_low &&
			    span <= sizeof b) {
				/* the low watermark and the boost a few words on
				 * (_watermark[], watermark_boost): one read */
				if (m->read(m->ctx, zone + l->wmark_low, b, span, err) < 0)
					return -1;
				w = le(b, 8);
				boost = le(b + span - 8, 8);
			} else if (read_u(m, zone + l->wmark_low, 8, &w, err) < 0 ||
				   (l->have_boost &&
				    read_u(m, zone + l->wmark_boost, 8, &boost, err) < 0)) {
				return -1;
			}
			if (w > (uint64_t)MAX_TOTAL_PAGES || boost > (uint64_t)MAX_TOTAL_PAGES)
				return kit_seterr(err, LX_ECORRUPT, "a zone's watermark "
						  "reads %" PRIu64 " pages", w > boost ? w : boost);
			sum += (int64_t)(w + boost);
		}
	}
	*pages = sum;
	return 0;
}

static int64_t min64(int64_t a, int64_t b)
{
	return a < b ? a : b;
}

void lx_meminfo_compute(const struct lx_mem_layout *l, const struct lx_mem_counters *c,
			int64_t buffers, int64_t wmark_low, struct lx_meminfo *o)
{
	int64_t kb = l->page_kb ? l->page_kb : 4, file = c->v[LX_MEM_FILE];
	int64_t swapc = c->v[LX_MEM_SWAPCACHE] < 0 ? 0 : c->v[LX_MEM_SWAPCACHE];
	int64_t sr = c->v[LX_MEM_SLAB_R], su = c->v[LX_MEM_SLAB_U];
	int64_t cache = file - swapc, cached;
#define KB(x) ((x) < 0 ? -1 : (x) * kb)

	o->total = c->totalram * kb;
	o->free = KB(c->v[LX_MEM_FREE]);
	o->page_cache = cache < 0 ? 0 : cache * kb;
	o->buffers = KB(buffers);
	cached = cache - (buffers < 0 ? 0 : buffers);
	o->cached = buffers < 0 ? -1 : (cached < 0 ? 0 : cached) * kb;
	o->swap_cached = swapc * kb;
	o->shmem = KB(c->v[LX_MEM_SHMEM]);
	o->sreclaimable = KB(sr);
	o->sunreclaim = KB(su);
	o->slab = sr < 0 || su < 0 ? -1 : (sr + su) * kb;
	o->kernel_stack = c->v[LX_MEM_KSTACK];          /* KiB already */
	o->page_tables = KB(c->v[LX_MEM_PAGETABLE]);
	o->anon = KB(c->v[LX_MEM_ANON]);
	o->vmalloc_used = KB(c->vmalloc);
	o->percpu = KB(c->percpu);
	o->available = -1;
	if (wmark_low >= 0 && c->totalreserve >= 0 && c->v[LX_MEM_FREE] >= 0 &&
	    c->v[LX_MEM_ACTIVE_FILE] >= 0 && c->v[LX_MEM_INACTIVE_FILE] >= 0 && sr >= 0) {
		/* si_mem_available() */
		int64_t av = c->v[LX_MEM_FREE] - c->totalreserve;
		int64_t pc = c->v[LX_MEM_ACTIVE_FILE] + c->v[LX_MEM_INACTIVE_FILE];
		int64_t rec = sr + (c->v[LX_MEM_KMISC] > 0 ? c->v[LX_MEM_KMISC] : 0);

		pc -= min64(pc / 2, wmark_low);
		av += pc;
		av += rec - min64(rec / 2, wmark_low);
		o->available = (av < 0 ? 0 : av) * kb;
	}
#undef KB
}

int lx_meminfo_print(const struct lx_meminfo *i, FILE *f, struct kit_err *err)
{
	const struct { const char *name; int64_t v; } rows[] = {
		{ "MemTotal", i->total }, { "MemFree", i->free },
		{ "MemAvailable", i->available }, { "Buffers", i->buffers },
		{ "Cached", i->cached }, { "SwapCached", i->swap_cached },
		{ "AnonPages", i->anon }, { "Shmem", i->shmem },
		{ "Slab", i->slab }, { "SReclaimable", i->sreclaimable },
		{ "SUnreclaim", i->sunreclaim }, { "KernelStack", i->kernel_stack },
		{ "PageTables", i->page_tables }, { "VmallocUsed", i->vmalloc_used },
		{ "Percpu", i->percpu },
	};
	size_t k;

	for (k = 0; k < sizeof rows / sizeof rows[0]; k++) {
		char name[20];

		if (rows[k].v < 0)
			continue;
		/* as the kernel pads them: "MemTotal:       " then %8lu */
		snprintf(name, sizeof name, "%s:", rows[k].name);
		if (fprintf(f, "%-16s%8" PRId64 " kB\n", name, rows[k].v) < 0)
			return kit_seterr(err, errno ? errno : EIO, "cannot write");
	}
	return 0;
}

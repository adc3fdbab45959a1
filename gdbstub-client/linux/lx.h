/*
 * lx.h: the Linux layer: reading a stopped kernel's data structures out of
 * guest memory, with their layouts from the kernel's BTF (kernel-symbols).
 *
 * Memory comes through a read callback, so the readers work on a live
 * target (lx_target_mem(), the adapter for target/) and on a byte array
 * (the unit tests) alike.  Guest memory is untrusted input: every loop is
 * bounded, every length and position is checked against the structure it
 * belongs to, and a damaged record is reported as such instead of ending
 * the read.  The guest is taken to be little-endian (x86).
 *
 * Like every library: never prints (except into the FILE * it is given),
 * never exits; failures fill a struct kit_err and return -1.
 */
#ifndef LX_H
#define LX_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "ksym.h"
#include "usage.h"

enum {
	LX_ECORRUPT = 1201, /* guest structure inconsistent (header, sizes) */
	LX_ELAYOUT,         /* the BTF lacks a member we need, or it is odd */
	LX_ENOTREADY,       /* the kernel has not set the structure up yet */
};

/* Read LEN bytes of guest memory at ADDR (a kernel virtual address) into
 * BUF, all of them: 0, or -1 with *err set. */
typedef int (*lx_read_fn)(void *ctx, uint64_t addr, void *buf, size_t len,
			  struct kit_err *err);

struct lx_mem {
	lx_read_fn read;
	void *ctx;
};

/* ---- the printk ring buffer (Linux 5.10+) ----------------------------- */

/* One member: where it is in its struct (bitfields: bit_off/bit_size). */
struct lx_fld {
	uint32_t off, size, bit_off, bit_size;
	int present;
};

/* The layouts of struct printk_ringbuffer, prb_desc and printk_info. */
struct lx_prb_layout {
	uint32_t rb_size, desc_size, info_size;
	uint32_t lsz; /* sizeof(long) in the guest: 4 or 8 (state_var) */
	/* printk_ringbuffer: desc_ring.*, text_data_ring.*, fail */
	struct lx_fld count_bits, descs, infos, head_id, tail_id;
	struct lx_fld size_bits, data, head_lpos, tail_lpos, fail;
	/* prb_desc */
	struct lx_fld state_var, begin, next;
	/* printk_info */
	struct lx_fld seq, ts_nsec, text_len, facility, flags, level, caller_id;
};

/* From the BTF of the kernel; LX_ELAYOUT names what is missing. */
/* One member of a kernel struct by BTF path ("struct.member"), checked to
 * be 1, 2, 4 or 8 bytes inside the struct's first OUTER bytes; an
 * OPTIONAL one may be absent (present = 0).  LX_ELAYOUT otherwise. */
int lx_btf_fld(const struct ksym_btf *b, const char *path, uint32_t outer,
	       struct lx_fld *f, int optional, struct kit_err *err);

int lx_prb_layout_btf(const struct ksym_btf *b, struct lx_prb_layout *l,
		      struct kit_err *err);

/* Upper bounds on what a ring may claim (larger: LX_ECORRUPT). */
#define LX_PRB_MAX_COUNT_BITS 18 /* 256 Ki descriptors */
#define LX_PRB_MAX_SIZE_BITS 25  /* 32 MiB of text (the kernel allows 2 GiB) */

/* printk_info flags (enum printk_info_flags) */
#define LX_LOG_NEWLINE 2
#define LX_LOG_CONT 8

enum lx_rec_state {
	LX_REC_OK,        /* finalized: complete and closed */
	LX_REC_OPEN,      /* committed, not finalized: complete so far, may
	                     still be extended by a continuation */
	LX_REC_WRITING,   /* reserved: caught mid-write, no text */
	LX_REC_LOST,      /* reusable, or no data (the reservation failed) */
	LX_REC_BAD,       /* inconsistent: see problem; no text */
};

struct lx_printk_rec {
	uint64_t id;         /* descriptor id */
	uint64_t seq;        /* meaningful only when seq_valid */
	int seq_valid;
	uint64_t ts_nsec;
	unsigned level, facility, flags;
	uint32_t caller_id;  /* bit 31: CPU number, else task id */
	enum lx_rec_state state;
	char *text;          /* text_len bytes + NUL, or NULL; may hold NULs
	                        and any bytes: the guest's */
	size_t text_len;
	char problem[160];   /* why WRITING/LOST/BAD, "" otherwise */
};

struct lx_printk_log {
	struct lx_printk_rec *recs; /* tail to head, descriptor order */
	size_t n;
	uint64_t first_seq;   /* seq of the first record with a valid seq */
	uint64_t next_seq;    /* one past the last valid seq */
	uint64_t dropped;     /* records overwritten before first_seq */
	uint64_t gaps;        /* seqs missing between readable records */
	size_t nbad, nwriting, nlost;
	uint64_t fail;        /* prb->fail: reservations that failed */
	uint64_t missed;      /* lx_printk_read_from(): records after FROM
				 overwritten before this read */
	unsigned count_bits, size_bits;
	uint64_t head_id, tail_id;
};

/*
 * Read every record of the struct printk_ringbuffer at PRB (the value of
 * the kernel's `prb` pointer), tail to head.  -1 (LX_ECORRUPT, or the read
 * callback's error) only when the ring itself cannot be read or its header
 * is inconsistent; a damaged record is in LOG with its state and problem.
 * Free LOG with lx_printk_log_free().
 */
int lx_printk_read(const struct lx_mem *m, const struct lx_prb_layout *l,
		   uint64_t prb, struct lx_printk_log *log, struct kit_err *err);
void lx_printk_log_free(struct lx_printk_log *log);

/*
 * The same for the records from descriptor id FROM to the head, reading
 * only their part of the ring (a reader that follows the log as it is
 * written: FROM is the id after the last record it took, or the first it
 * must read again, e.g. one caught mid-write).  FROM one past the head:
 * no records.  FROM already overwritten: from the tail, log->missed
 * saying how many were lost.  FROM ahead of the head (the ring was
 * replaced): from the tail.
 */
int lx_printk_read_from(const struct lx_mem *m, const struct lx_prb_layout *l,
			uint64_t prb, uint64_t from, struct lx_printk_log *log,
			struct kit_err *err);

/* lx_printk_format flags */
#define LX_FMT_NO_JOIN  0x1 /* one line a record, as /dev/kmsg gives them */
#define LX_FMT_NO_NOTES 0x2 /* no "<...>" lines for missing records */

/*
 * As dmesg prints it: "[%5lu.%06lu] text" a line, every line of a
 * multi-line record prefixed (as the kernel's console does).  A LOG_CONT
 * record from the same caller as the open line before it (no LOG_NEWLINE)
 * is appended to that line, as the writer meant it.  Bytes other than
 * printable ASCII, tab and the newlines that split lines are written
 * "\xNN".  Records that are missing or damaged get a line "<...>" in their
 * place.  Write errors: errno in err->code.
 */
int lx_printk_format(const struct lx_printk_log *log, unsigned flags, FILE *f,
		     struct kit_err *err);

/* ---- tasks ---------------------------------------------------------------- */

#define LX_MAX_TASKS 65536

/* Where task_struct's members are (from the kernel's types). */
struct lx_task_layout {
	uint32_t tasks, pid, tgid, comm, comm_size, flags, exit_state, real_parent;
	uint32_t state, state_size;   /* __state (5.14+) or state */
};

int lx_task_layout_btf(const struct ksym_btf *b, struct lx_task_layout *l,
		       struct kit_err *err);

struct lx_task {
	uint64_t addr;          /* its task_struct */
	int32_t pid, tgid, ppid;  /* ppid -1: its parent unreadable */
	char comm[17];          /* the guest's bytes, NUL-terminated */
	char state;             /* as ps shows it: R S D T t X Z P I */
	bool kthread;           /* PF_KTHREAD */
};

struct lx_task_list {
	struct lx_task *v;
	size_t n;
	char problem[200];      /* why the walk stopped early; "" when it
				 * came back to init_task */
};

/*
 * The processes on init_task's task list (init_task itself, pid 0, left
 * out, as ps does), in list order.  -1 only when init_task's own link
 * cannot be read; a list that breaks, loops, points outside the kernel or
 * does not link back ends the walk with what was read and the problem
 * said.  Free with lx_task_list_free().
 */
int lx_tasks_read(const struct lx_mem *m, const struct lx_task_layout *l,
		  uint64_t init_task, struct lx_task_list *out, struct kit_err *err);
void lx_task_list_free(struct lx_task_list *t);

/* The task_struct CPU runs: per-CPU current_task, or pcpu_hot's (6.2+). */
int lx_current_task(const struct lx_mem *m, const struct ksym_table *syms,
		    const struct ksym_btf *b, unsigned cpu, uint64_t *task,
		    struct kit_err *err);

/* ---- backtraces (unwind.c) -------------------------------------------- */

#define LX_MAX_FRAMES 64
/* THREAD_SIZE (x86-64, without KASAN): a stack is one block this size,
 * aligned to it.  Addresses below LX_KERNEL_MIN are user space's. */
#define LX_THREAD_SIZE 16384u
#define LX_KERNEL_MIN UINT64_C(0xffff800000000000)

/* struct orc_entry's members and pt_regs' ip, sp, bp (the kernel's types);
 * signal: 6.4+ only (not present before). */
struct lx_unwind_layout {
	struct lx_fld sp_offset, bp_offset, sp_reg, bp_reg, type, end, signal;
	struct lx_fld r_ip, r_sp, r_bp;
	bool old_types;         /* up to 6.3: an 'end' bit, type 0 = call */
};

int lx_unwind_layout_btf(const struct ksym_btf *b, struct lx_unwind_layout *l,
			 struct kit_err *err);

/* Where the walk starts: the stopped CPU's registers. */
struct lx_regs {
	uint64_t ip, sp, bp, di, dx, r10, r13;
	bool full;              /* di, dx, r10, r13 known (the first frame) */
	bool first;             /* ip is where the CPU is, not a return address */
	bool after_regs;        /* ip came from pt_regs (set by the walk) */
};

struct lx_frame {
	uint64_t ip, sp;
	bool regs_frame;        /* entered through an interrupt or exception */
	bool user_below;        /* the frame below is user space: the end */
	bool by_fp;             /* found by the frame-pointer chain: a guess */
};

/*
 * Walk the stack from START: up to MAX frames into OUT (*n of them, the
 * first START's).  Always 0; WHY says why the walk stopped early ("" when
 * it reached the stack's end: an end-of-stack entry, a return to user
 * space, an ip of 0, or a frame pointer of 0).
 *
 * With ORC tables (ORC, and their layout L), as the kernel's ORC unwinder
 * walks; an ip the tables do not cover (code outside the image: a module,
 * BPF) is passed by its frame pointer, as the kernel does, that frame
 * marked by_fp.  ORC NULL (a kernel built with CONFIG_UNWINDER_FRAME_
 * POINTER, no tables): the rbp chain only, every frame but the first
 * by_fp: caller ip [bp + 8], caller bp [bp], caller sp bp + 16, bp
 * 8-aligned, growing, inside the THREAD_SIZE block of the frame's sp; a
 * bp with bit 0 set (the entry code's encoded pt_regs) is followed when
 * L is given (it may be NULL then).  A function stopped before it saved
 * rbp (at its first instruction) has its caller missed by that chain.
 */
int lx_unwind(const struct lx_mem *m, const struct ksym_orc *orc,
	      const struct lx_unwind_layout *l, const struct lx_regs *start,
	      struct lx_frame *out, size_t max, size_t *n, char *why, size_t wlen);

/* ---- per-CPU variables (x86-64) --------------------------------------- */

#define LX_MAX_CPUS 8192

/* nr_cpu_ids, read from the guest (1..LX_MAX_CPUS, else LX_ECORRUPT). */
int lx_ncpus(const struct lx_mem *m, const struct ksym_table *syms, unsigned *n,
	     struct kit_err *err);

/* Where per-CPU variable VAR (a symbol in the per-CPU area) of CPU is:
 * VAR + __per_cpu_offset[CPU], CPU < nr_cpu_ids.  LX_ELAYOUT: VAR is no
 * per-CPU symbol; LX_ECORRUPT: no such CPU, or an offset that is no
 * kernel address (start_kernel has not set the areas up yet). */
int lx_percpu_addr(const struct lx_mem *m, const struct ksym_table *syms,
		   const char *var, unsigned cpu, uint64_t *addr, struct kit_err *err);

/* ---- memory, as /proc/meminfo shows it (meminfo.c) ------------------- */

/*
 * The kernel's own memory counters: the global vm_zone_stat[] and
 * vm_node_stat[] arrays (what /proc/meminfo and free(1) read, the per-CPU
 * deltas not folded in, as there), _totalram_pages, and a few more.  The
 * counters' indices are enumerators of the image's BTF (enum
 * zone_stat_item, node_stat_item), so they follow the kernel in hand
 * (NR_PAGETABLE is a zone counter up to 5.10, a node counter after).
 */
enum lx_mem_item {
	LX_MEM_FREE,          /* NR_FREE_PAGES */
	LX_MEM_FILE,          /* NR_FILE_PAGES: the page cache, buffers and
			       * swap cache included */
	LX_MEM_SHMEM,         /* NR_SHMEM */
	LX_MEM_SWAPCACHE,     /* NR_SWAPCACHE (5.14+; else taken as 0) */
	LX_MEM_SLAB_R,        /* NR_SLAB_RECLAIMABLE_B, or _RECLAIMABLE */
	LX_MEM_SLAB_U,        /* NR_SLAB_UNRECLAIMABLE_B, or ... */
	LX_MEM_KSTACK,        /* NR_KERNEL_STACK_KB: in KiB, not pages */
	LX_MEM_PAGETABLE,     /* NR_PAGETABLE */
	LX_MEM_ANON,          /* NR_ANON_MAPPED: AnonPages */
	LX_MEM_ACTIVE_FILE,   /* NR_ACTIVE_FILE */
	LX_MEM_INACTIVE_FILE, /* NR_INACTIVE_FILE */
	LX_MEM_KMISC,         /* NR_KERNEL_MISC_RECLAIMABLE (optional) */
	LX_MEM_NITEMS
};

/* The enumerator names tried for each item, in order (lx_mem_item). */
extern const char *const lx_mem_item_names[LX_MEM_NITEMS][2];

#define LX_MEM_MAX_ITEMS 512   /* a stat array longer than this: odd */
#define LX_MEM_MAX_NODES 1024  /* MAX_NUMNODES of Debian's kernels */
#define LX_MEM_MAX_BDEVS 65536 /* block device inodes walked, at most */

struct lx_mem_layout {
	uint64_t totalram;         /* &_totalram_pages (a long) */
	uint64_t zone_stat, node_stat;   /* &vm_zone_stat, &vm_node_stat */
	uint32_t nzone, nnode;     /* NR_VM_ZONE_STAT_ITEMS, ..._NODE_... */
	struct {
		int node;          /* 1: in vm_node_stat, 0: vm_zone_stat */
		int32_t idx;       /* -1: the kernel has no such counter */
	} item[LX_MEM_NITEMS];
	/* optional (0: not in this kernel) */
	uint64_t totalreserve;     /* &totalreserve_pages */
	uint64_t vmalloc;          /* &nr_vmalloc_pages (a long) */
	uint64_t pcpu_populated, pcpu_units;  /* &pcpu_nr_populated, int */
	/* Buffers: the block devices' page cache (nr_blockdev_pages()) */
	uint64_t bdev_sb;          /* &blockdev_superblock (a pointer); 0 none */
	uint32_t sb_inodes, inode_sb_list, inode_mapping, as_nrpages;
	/* MemAvailable's low watermarks: every zone of every node */
	uint64_t node_data;        /* &node_data[0] (pointers), or
				    * &contig_page_data when !numa; 0 none */
	bool numa;
	uint64_t nr_node_ids;      /* &nr_node_ids (numa) */
	uint32_t node_zones, zone_size, nzones, wmark_low, wmark_boost;
	bool have_boost;
	uint32_t page_kb;          /* 4 */
};

/*
 * The layout from the kernel's symbols and BTF.  LX_ELAYOUT names what is
 * missing of what every figure needs (_totalram_pages, vm_zone_stat,
 * vm_node_stat, the enums, NR_FREE_PAGES, NR_FILE_PAGES); the rest is
 * optional, absent items have idx -1 or address 0.
 */
int lx_mem_layout_btf(const struct ksym_table *syms, const struct ksym_btf *b,
		      struct lx_mem_layout *l, struct kit_err *err);

/* The raw counters of one read (lx_meminfo_counters()). */
struct lx_mem_counters {
	int64_t totalram;          /* pages */
	int64_t v[LX_MEM_NITEMS];  /* pages (KSTACK: KiB); -1 not in this kernel */
	int64_t totalreserve;      /* pages; -1 unknown */
	int64_t vmalloc;           /* pages; -1 unknown */
	int64_t percpu;            /* pages; -1 unknown */
};

/*
 * Read the counters: one memory read per group of nearby variables (the
 * two stat arrays, the totals).  LX_ENOTREADY when _totalram_pages is 0
 * (before mem_init(): start_kernel's early part); LX_ECORRUPT for a total
 * past 2^40 pages.  A negative counter reads 0, as the kernel's
 * global_*_page_state() give it.
 */
int lx_meminfo_counters(const struct lx_mem *m, const struct lx_mem_layout *l,
			struct lx_mem_counters *c, struct kit_err *err);

/*
 * Buffers (pages): the page cache of every block device inode, walked as
 * nr_blockdev_pages() walks it (blockdev_superblock->s_inodes).  A walk
 * that breaks, loops or passes LX_MEM_MAX_BDEVS ends with LX_ECORRUPT; no
 * block device layer (bdev_sb 0, or the pointer still NULL): 0 pages.
 * Three small reads per block device.
 */
int lx_meminfo_buffers(const struct lx_mem *m, const struct lx_mem_layout *l,
		       int64_t *pages, struct kit_err *err);

/*
 * The sum of every zone's low watermark (its boost included), as
 * si_mem_available() takes it: pages.  One read per node and zone.
 */
int lx_meminfo_wmark_low(const struct lx_mem *m, const struct lx_mem_layout *l,
			 int64_t *pages, struct kit_err *err);

/* /proc/meminfo's figures, KiB; -1 where unknown. */
struct lx_meminfo {
	int64_t total, free, available, buffers, cached, swap_cached, shmem;
	int64_t slab, sreclaimable, sunreclaim, kernel_stack, page_tables;
	int64_t anon, vmalloc_used, percpu;
	int64_t page_cache;        /* Buffers + Cached: known even when
				    * Buffers is not (NR_FILE_PAGES less the
				    * swap cache) */
};

/*
 * The figures as meminfo_proc_show() computes them from C, the buffers
 * (pages, -1 unknown) and the low watermarks' sum (pages, -1 unknown:
 * then MemAvailable is -1).  Pure.
 */
void lx_meminfo_compute(const struct lx_mem_layout *l, const struct lx_mem_counters *c,
			int64_t buffers, int64_t wmark_low, struct lx_meminfo *out);

/* Write INFO as /proc/meminfo lines ("MemTotal:       16384 kB"), the
 * unknown ones left out.  Errors: errno in err->code. */
int lx_meminfo_print(const struct lx_meminfo *info, FILE *f, struct kit_err *err);

#endif

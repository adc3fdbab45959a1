/*
 * ksym.h: kernel symbols for early-boot debugging, from whatever the user
 * has: a vmlinux ELF, a System.map or /proc/kallsyms text, or the bzImage
 * that actually boots (its kallsyms tables are decoded exactly).
 *
 * The library never prints and never exits.  Every function that can fail
 * takes a struct kit_err *err (may be NULL), fills it and returns -1 (or
 * NULL).  err->code is an errno value or one of the KSYM_E* codes below;
 * err->msg is a lower-case sentence naming the file and what was wrong.
 *
 * Failure modes common to the loaders:
 *   ENOENT, EACCES ...   the file cannot be opened or read
 *   KSYM_EFORMAT         not a format we know (wrong magic, bad header,
 *                        lengths past the end of the file)
 *   KSYM_ENOSYMS         the input is valid but holds no symbols (the
 *                        Debian System.map stub, a stripped vmlinux without
 *                        kallsyms)
 *   KSYM_ECOMPRESS       the payload uses a compressor we cannot decode,
 *                        or it is corrupt, or it decompresses to more than
 *                        the header allows (a decompression bomb)
 *   KSYM_ENOKALLSYMS     no table layout validated against the data
 *   KSYM_ENOTFOUND       no such symbol, type or member
 *   KSYM_ENOBTF          the image carries no BTF (types API)
 *   KSYM_EFOREIGN        a BTF that does not belong to the image
 *   KSYM_ENOCODE         the input holds no code (a symbol list)
 *   ENOMEM               out of memory
 *
 * Addresses are the kernel's link-time virtual addresses (nokaslr).  See
 * ksym_kaslr_slide() to move them to a running KASLR kernel.
 */
#ifndef KSYM_H
#define KSYM_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "usage.h"

enum {
	KSYM_EFORMAT = 1001,
	KSYM_ENOSYMS,
	KSYM_ECOMPRESS,
	KSYM_ENOKALLSYMS,
	KSYM_ENOTFOUND,
	KSYM_ENOBTF,    /* the image carries no BTF */
	KSYM_EFOREIGN,  /* the BTF given belongs to another kernel */
	KSYM_ENOCODE,   /* a symbol list (System.map, cache): no code to export */
};

/* Where a table came from. */
enum ksym_source {
	KSYM_SRC_NONE,
	KSYM_SRC_ELF,      /* .symtab of a vmlinux */
	KSYM_SRC_MAP,      /* System.map or /proc/kallsyms text */
	KSYM_SRC_KALLSYMS, /* kallsyms tables inside a bzImage or stripped ELF */
	KSYM_SRC_CACHE,    /* the cache of an earlier kallsyms extraction */
};

/* One symbol. */
struct ksym_sym {
	uint64_t addr;  /* link-time virtual address */
	uint64_t size;  /* bytes; from ELF st_size, else distance to the next */
	uint32_t name;  /* offset of the NUL-terminated name in table->strtab */
	uint32_t seq;   /* position in the source table: tells duplicates apart */
	char type;      /* nm/kallsyms letter: T t D d R r B b A W V ... */
};

/* One entry of the kernel's initcall table, in call order. */
struct ksym_initcall {
	uint64_t entry;   /* address of the table entry; 0 when from labels */
	uint64_t fn;      /* the function called */
	const char *func; /* its name (points into the table's strtab) */
	char level[12];   /* "early" "pure" "core" "postcore" "arch" "subsys"
	                     "fs" "rootfs" "device" "late" */
	int sync;         /* 1 for the *_sync variants (level "Ns") */
	char module[64];  /* KBUILD_MODNAME from the __initcall__kmod_ label */
};

/* What the kallsyms decoder found; all addresses are virtual. */
struct ksym_kallsyms_layout {
	int base_relative;    /* offsets + relative_base, else absolute addresses */
	int absolute_percpu;  /* non-negative offsets are absolute (percpu) */
	int big_names;        /* two-byte lengths accepted (>= 6.1) */
	int markers_width;    /* 4 or 8 bytes */
	int offsets_after_tokens; /* 6.4+ order: offsets after token_index */
	int seqs_of_names;    /* kallsyms_seqs_of_names present and valid */
	uint64_t num_syms_at, names_at, markers_at, token_table_at,
		 token_index_at, offsets_at, relative_base_at, seqs_at;
	uint64_t relative_base;
	uint32_t num_syms;
};

/* The parts of the x86 boot protocol header we use (offsets 0x1f1..). */
struct ksym_bzimage {
	unsigned setup_sects;     /* 512-byte sectors after the boot sector */
	unsigned version;         /* boot protocol, e.g. 0x20f */
	unsigned loadflags;
	uint32_t code32_start;    /* 0x100000: where the 32-bit part goes */
	uint32_t payload_offset;  /* from the start of the protected-mode part */
	uint32_t payload_length;
	uint64_t pref_address;    /* LOAD_PHYSICAL_ADDR */
	uint32_t init_size;
	uint32_t kernel_alignment;
	uint16_t xloadflags;
	char kernel_version[160]; /* the string at kernel_version + 0x200 */
	char compressor[8];       /* "gzip" "xz" "zstd" ... */
};

struct ksym_table {
	struct ksym_sym *syms; /* sorted by address, then by seq */
	size_t nsyms, syms_cap;
	char *strtab;
	size_t strtab_len, strtab_cap;
	uint32_t *hash_head, *hash_next; /* name hash chains over syms[] */
	size_t nbuckets;

	enum ksym_source source;
	char path[1024];          /* the file given */
	char origin[1024];        /* the file the symbols came from */
	char version[160];        /* "6.1.0-56-amd64" when known */
	char build_id[41];        /* hex, when known */
	uint64_t text_start;      /* _text */
	size_t modules_skipped;   /* [module] lines ignored in kallsyms text */

	int have_layout;
	struct ksym_kallsyms_layout layout;
	int have_bzimage;
	struct ksym_bzimage bz;

	/* Initcall targets read from the image's data (entry, fn pairs). */
	int have_initcall_data;
	uint64_t *ic_pairs;       /* 2 * nic_pairs */
	size_t nic_pairs;
	int initcall_prel32;      /* entries were 32-bit relative */

	/* Timings of the last load, for the curious (ms). */
	double ms_read, ms_decompress, ms_decode, ms_index;
};

/* ---- loading ---------------------------------------------------------- */

/* ksym_open flags */
#define KSYM_NO_CACHE    0x1  /* neither read nor write the cache */
#define KSYM_NO_DISCOVER 0x2  /* use the file given, look for nothing else */

/*
 * Load symbols from PATH, whatever it is.  For a bzImage: look for a
 * matching vmlinux or real System.map (see ksym_discover), else the cache,
 * else decode the kallsyms tables and fill the cache.  Returns a table to
 * free with ksym_free(), or NULL with *err set.
 */
struct ksym_table *ksym_open(const char *path, unsigned flags,
			     struct kit_err *err);
void ksym_free(struct ksym_table *t);

/* Individual loaders.  Each returns a table or NULL with *err set. */
struct ksym_table *ksym_load_elf_file(const char *path, struct kit_err *err);
struct ksym_table *ksym_load_map_file(const char *path, struct kit_err *err);
struct ksym_table *ksym_load_bzimage_file(const char *path, struct kit_err *err);

/* From memory, for tests and fuzzers; the buffers stay the caller's. */
struct ksym_table *ksym_load_map(const char *text, size_t len,
				 struct kit_err *err);
struct ksym_table *ksym_load_bzimage(const uint8_t *data, size_t len,
				     struct kit_err *err);
struct ksym_table *ksym_load_elf(const uint8_t *data, size_t len,
				 struct kit_err *err);

/*
 * Decode kallsyms from a memory region: DATA (LEN bytes) is mapped at
 * virtual address VADDR; TEXT_START is _text, used to validate.  The region
 * must hold all the tables.  Adds the symbols to T.
 */
int ksym_kallsyms_decode(struct ksym_table *t, const uint8_t *data,
			 size_t len, uint64_t vaddr, uint64_t text_start,
			 struct kit_err *err);

/* ---- bzImage ---------------------------------------------------------- */

/* Parse the setup header.  Sets *payload / *payload_len inside DATA. */
int ksym_bzimage_parse(const uint8_t *data, size_t len, struct ksym_bzimage *bz,
		       const uint8_t **payload, size_t *payload_len,
		       struct kit_err *err);
/* The most the payload may decompress to: its le32 trailer and the setup
 * header's init_size, both capped at 1 GiB (more is a bomb). */
size_t ksym_bzimage_max_out(const uint8_t *payload, size_t payload_len,
			    const struct ksym_bzimage *bz);

/*
 * Decompress a kernel payload, whichever compressor its magic names.
 * MAX_OUT bounds the output (a bomb ends with KSYM_ECOMPRESS).  *out is
 * malloc'ed.  NAME gets "gzip", "xz", ... (at least 8 bytes).
 */
int ksym_decompress(const uint8_t *in, size_t in_len, size_t max_out,
		    uint8_t **out, size_t *out_len, char *name,
		    struct kit_err *err);
/* "gzip" ... for a payload's magic, or NULL. */
const char *ksym_compressor_name(const uint8_t *in, size_t len);

/* ---- discovery -------------------------------------------------------- */

/*
 * For a bzImage of kernel VERSION, find a vmlinux with symbols or a real
 * System.map under ROOT ("" or NULL for /).  Writes the path to OUT and
 * returns 0, or returns -1 (nothing found; not an error worth printing).
 */
int ksym_discover(const char *root, const char *version, const char *build_id,
		  char *out, size_t outsz);

/* ---- lookups ---------------------------------------------------------- */

/*
 * The symbol's name as the image has it: any bytes but NUL.  Names come
 * from untrusted files; print them through ksym_printable().
 */
const char *ksym_name(const struct ksym_table *t, const struct ksym_sym *s);

/*
 * S with every byte outside printable ASCII (0x20-0x7e: control
 * characters, DEL, bytes of 0x80 and above) written as "\xNN", so that no
 * terminal escape sequence in a symbol name, type or path reaches a
 * terminal.  Into BUF of BUFSZ bytes (> 0), always terminated; when it does
 * not fit it ends in "...".  4 * strlen(S) + 1 bytes always fit.  Returns BUF.
 */
char *ksym_printable(const char *s, char *buf, size_t bufsz);

/*
 * Every symbol called NAME, in address order, into OUT (up to MAX).
 * Returns how many exist (may exceed MAX).  "NAME@N" is not parsed here.
 */
size_t ksym_lookup_name(const struct ksym_table *t, const char *name,
			const struct ksym_sym **out, size_t max);
/* The first symbol called NAME, or NULL. */
const struct ksym_sym *ksym_find(const struct ksym_table *t, const char *name);
/* Address of NAME, or 0 when absent. */
uint64_t ksym_addr(const struct ksym_table *t, const char *name);

/*
 * The symbol holding ADDR: the last one at or below it (a global name
 * preferred among aliases).  *off gets ADDR - sym->addr.  NULL when ADDR
 * is below the first symbol or past the end of the last one.
 */
const struct ksym_sym *ksym_lookup_addr(const struct ksym_table *t,
					uint64_t addr, uint64_t *off);
/* "name+0x1a/0x80" into BUF; returns BUF, or NULL when nothing holds ADDR. */
char *ksym_format_addr(const struct ksym_table *t, uint64_t addr,
		       char *buf, size_t bufsz);

/* ---- initcalls -------------------------------------------------------- */

/*
 * The initcall table in call order.  From the image's data when it was at
 * hand, else from the __initcall_* labels.  *out is malloc'ed.
 */
int ksym_initcalls(const struct ksym_table *t, struct ksym_initcall **out,
		   size_t *n, struct kit_err *err);

/* ---- milestones ------------------------------------------------------- */

enum ksym_addr_kind {
	KSYM_LINEAR_REAL,  /* real mode: segment * 16 + offset */
	KSYM_PHYSICAL,     /* before paging or identity mapped */
	KSYM_VIRTUAL,      /* the kernel's own mapping */
};

struct ksym_milestone {
	const char *name;      /* "setup", "startup_32", "start_kernel" ... */
	uint64_t addr;
	enum ksym_addr_kind kind;
	const char *how;       /* one line: how the address is derived */
};

/* Fills up to MAX milestones; returns how many. */
size_t ksym_milestones(const struct ksym_table *t, struct ksym_milestone *out,
		       size_t max);
const char *ksym_addr_kind_name(enum ksym_addr_kind k);

/*
 * KASLR: the virtual slide of a running kernel, from the observed runtime
 * address of a symbol whose link address the table knows.  The kernel
 * randomises in CONFIG_PHYSICAL_ALIGN (2 MiB) steps, so a slide that is not
 * a multiple of 2 MiB means a wrong observation: KSYM_EFORMAT.
 */
int ksym_kaslr_slide(const struct ksym_table *t, const char *name,
		     uint64_t observed, int64_t *slide, struct kit_err *err);

/* ---- cache ------------------------------------------------------------ */

/* 64-bit content hash used as the cache key. */
uint64_t ksym_hash64(const uint8_t *data, size_t len);
/* $XDG_CACHE_HOME/qemu-boot-debug or ~/.cache/qemu-boot-debug into BUF. */
int ksym_cache_dir(char *buf, size_t bufsz);
/* data into the cache file FILE (its folder made), whole or not at all. */
int ksym_cache_write(const char *file, const void *data, size_t len,
		     struct kit_err *err);
int ksym_cache_save(const struct ksym_table *t, const char *file,
		    struct kit_err *err);
/* Errors name FILE. */
struct ksym_table *ksym_cache_load(const char *file, struct kit_err *err);
/* From memory (the fuzzer). */
struct ksym_table *ksym_cache_parse(const uint8_t *data, size_t len,
				    struct kit_err *err);

/* ---- export ----------------------------------------------------------- */

/*
 * System.map text: "%016lx %c %s\n" per symbol, address order.  Types and
 * names with bytes outside printable ASCII are written as
 * ksym_printable() quotes them ("\x1b"): a newline in a name would forge a
 * line, an escape sequence drive the terminal of whoever reads the map.
 * A write error (checked with fflush and ferror) is errno in err->code.
 */
int ksym_export_map(const struct ksym_table *t, FILE *f, struct kit_err *err);
/*
 * The same into FILE, or a symbols-only ELF64 that gdb loads with
 * symbol-file.  FILE is written in full or not at all: a temporary beside
 * it (mkstemp), fsync, rename; on any error the temporary is removed and
 * an existing FILE is left as it was, err->msg "cannot write 'FILE': ..."
 * (errno in err->code) or "cannot create 'FILE': ...".  A FILE that
 * exists and is not a regular file (a device, a FIFO) is written directly.
 */
int ksym_export_map_file(const struct ksym_table *t, const char *file,
			 struct kit_err *err);
int ksym_export_elf(const struct ksym_table *t, const char *file,
		    struct kit_err *err);

/*
 * The kernel's own ELF, for an export with code: a bzImage's decompressed
 * payload (the vmlinux less its symbols, section headers kept), or a
 * vmlinux ELF as it is (mapped).  ksym_code_open(): NULL with
 * KSYM_ENOCODE for a file that is no kernel image (a System.map, a
 * cache), KSYM_ECOMPRESS/KSYM_EFORMAT for a payload that cannot be had,
 * errno when the file cannot be read.
 */
struct ksym_code;
struct ksym_code *ksym_code_open(const char *path, struct kit_err *err);
void ksym_code_free(struct ksym_code *c);
/* "the decompressed payload of 'PATH'" or "'PATH'" */
const char *ksym_code_what(const struct ksym_code *c);
/*
 * ksym_open() and ksym_code_open() together, decompressing a bzImage at
 * most once (when the symbols are neither discovered nor cached, the
 * payload decoded for them is kept).  *code is NULL, and no error, when
 * PATH is a symbol list (System.map, kallsyms text, a cache file).
 */
struct ksym_table *ksym_open_code(const char *path, unsigned flags,
				  struct ksym_code **code, struct kit_err *err);
/*
 * An ELF64 with the kernel's real sections and T's symbols (elfcode.c
 * tells how): objdump -d, gdb's "file" and nm work on it offline.  FILE
 * is written as ksym_export_elf() writes it (whole or not at all, a
 * regular file).  Errors: KSYM_EFORMAT for a kernel ELF whose sections
 * run past its end, overlap, or cannot be laid out ("section '.text' of
 * the decompressed payload of 'K' runs past its end ..."), errno for a
 * write.
 */
int ksym_export_elf_code(const struct ksym_table *t, const struct ksym_code *c,
			 const char *file, struct kit_err *err);
/* The same from ELF (LEN bytes, named WHAT) to FD, a regular file
 * (tests, fuzzers); FILE names FD in errors. */
int ksym_export_elf_code_fd(const struct ksym_table *t, const uint8_t *elf, size_t len,
			    const char *what, int fd, const char *file,
			    struct kit_err *err);

/* ---- types (BTF, through libbpf) -------------------------------------- */

/*
 * The BTF of a kernel: from a bzImage (the .BTF section of its
 * decompressed ELF payload, or a raw blob found in a non-ELF payload), a
 * vmlinux ELF (.BTF), or a raw BTF file (/sys/kernel/btf/vmlinux).
 * libbpf parses it; errors are KSYM_EFORMAT (not one of those, corrupt or
 * truncated BTF), KSYM_ENOBTF (no BTF in the image), KSYM_ECOMPRESS, errno.
 * ksym_btf_open() of an ELF without .BTF but with DWARF (a vmlinux built
 * with debug information) takes the types from its DWARF through libdw,
 * converted into BTF struct by struct as they are asked for (btfdwarf.c);
 * its origin says so.
 */
struct ksym_btf;
struct ksym_btf *ksym_btf_open(const char *path, struct kit_err *err);
/* The same from memory (bzImage, ELF or raw BTF, by magic). */
struct ksym_btf *ksym_btf_load(const uint8_t *data, size_t len, struct kit_err *err);
struct ksym_btf *ksym_btf_from_bzimage(const uint8_t *data, size_t len,
				       struct kit_err *err);
struct ksym_btf *ksym_btf_from_raw(const uint8_t *data, size_t len,
				   struct kit_err *err);
void ksym_btf_free(struct ksym_btf *b);
/* Whether PATH is an ELF with DWARF (.debug_info) that ksym_btf_open()
 * can take the types from when it has no BTF: cheap, nothing is read but
 * the section headers. */
int ksym_has_dwarf(const char *path);
/* "the .BTF section of the decompressed payload", "raw BTF" ... */
const char *ksym_btf_origin(const struct ksym_btf *b);
/*
 * The first plausible raw BTF blob in DATA: magic 0xeB9F, version 1, a
 * header of 24 to 256 bytes whose type and string sections end inside
 * DATA.  *off and *blen get where; -1 when there is none.  Plausible only:
 * libbpf decides (ksym_btf_from_raw).
 */
int ksym_btf_find(const uint8_t *data, size_t len, size_t *off, size_t *blen);

/* One member (or, for a bare "STRUCT", the struct itself). */
struct ksym_btf_field {
	char name[128];       /* "" for an anonymous struct or union */
	char type[256];       /* C spelling: "struct list_head", "char[16]" */
	uint64_t offset;      /* bytes from the start of the outermost struct */
	uint32_t bit_offset;  /* bitfields: bits past offset (0..7) */
	uint32_t bit_size;    /* bitfields: width in bits; 0 for others */
	uint64_t size;        /* bytes (a bitfield: of its declared type) */
	int kind;             /* BTF_KIND_* of the type without typedefs/qualifiers */
	int is_array;
	uint64_t nelems;      /* arrays: element count and type */
	char elem_type[256];
	int depth;            /* ksym_btf_fields: 0, or 1+ inside anonymous members */
	uint32_t type_id;
};

/* sizeof(struct NAME) or union NAME (or a typedef of one): KSYM_ENOTFOUND. */
int ksym_btf_type_size(const struct ksym_btf *b, const char *name, uint64_t *size,
		       struct kit_err *err);
/*
 * PATH is "STRUCT" or "STRUCT.MEMBER[.SUBMEMBER...]"; members of anonymous
 * structs and unions are found by their own names, as in C (and pahole).
 * KSYM_ENOTFOUND when a part does not exist.
 */
int ksym_btf_member(const struct ksym_btf *b, const char *path,
		    struct ksym_btf_field *f, struct kit_err *err);
/*
 * The value of enumerator NAME of the enum called ENUM_NAME (NR_FREE_PAGES
 * of zone_stat_item).  The enum's own count enumerator (NR_VM_ZONE_STAT_
 * ITEMS) sizes the arrays the kernel indexes with it.  KSYM_ENOTFOUND
 * when the enum or the enumerator is not there (also for types taken
 * from DWARF: enums are not converted).
 */
int ksym_btf_enum_value(const struct ksym_btf *b, const char *enum_name,
			const char *name, int64_t *value, struct kit_err *err);
/*
 * Every member of struct/union NAME in order; an anonymous struct or union
 * is followed by its own members (depth + 1).  *out is malloc'ed.
 */
int ksym_btf_fields(const struct ksym_btf *b, const char *name,
		    struct ksym_btf_field **out, size_t *n, struct kit_err *err);

/*
 * Does B belong to the kernel whose symbols are T?  See btfcheck.c for
 * exactly what is compared.  0 with a one-line account in SUMMARY, or -1
 * with KSYM_EFOREIGN (or KSYM_ENOTFOUND: nothing to compare).
 */
int ksym_btf_check(const struct ksym_btf *b, const struct ksym_table *t,
		   char *summary, size_t sz, struct kit_err *err);

/* ---- ORC unwind tables (orc.c) ---------------------------------------- */

/*
 * The .orc_unwind_ip and .orc_unwind sections of a kernel (a bzImage's
 * decompressed payload, or a vmlinux ELF).  KSYM_ENOTFOUND: the kernel has
 * none (no CONFIG_UNWINDER_ORC); KSYM_EFORMAT: inconsistent tables.
 */
struct ksym_orc;
struct ksym_orc *ksym_orc_open(const char *path, struct kit_err *err);
struct ksym_orc *ksym_orc_load(const uint8_t *data, size_t len, struct kit_err *err);
/* Tables from the sections' contents: N ip offsets, each relative to its
 * own address (IP_ADDR, the .orc_unwind_ip section's, + 4 * i), and N
 * 6-byte entries, both copied.  KSYM_EFORMAT: N is 0 or too large, or
 * the ips are not sorted. */
struct ksym_orc *ksym_orc_new(uint64_t ip_addr, const int32_t *ip,
			      const uint8_t *ent, size_t n, struct kit_err *err);
void ksym_orc_free(struct ksym_orc *o);
size_t ksym_orc_count(const struct ksym_orc *o);
/* The entry covering ADDR: the start of its range and its 6 raw bytes
 * (struct orc_entry: read its bitfields with the kernel's BTF); -1 when
 * ADDR is below every entry or past the last one (the terminator of the
 * last text section: a module's address, say). */
int ksym_orc_find(const struct ksym_orc *o, uint64_t addr, uint64_t *start,
		  const uint8_t **entry);

/* ---- building tables (loaders, tests) --------------------------------- */

struct ksym_table *ksym_table_new(struct kit_err *err);
/*
 * Make room for NSYMS more symbols and STRBYTES more bytes of names
 * (each name's length + 1), so that many ksym_table_add calls do not
 * reallocate.  A hint: adding more still works.
 */
int ksym_table_reserve(struct ksym_table *t, size_t nsyms, size_t strbytes,
		       struct kit_err *err);
int ksym_table_add(struct ksym_table *t, uint64_t addr, uint64_t size,
		   char type, const char *name, size_t namelen,
		   struct kit_err *err);
/*
 * Sort by address, then by seq (so symbols at one address keep the order
 * they were added in, and duplicate names are all kept), give each symbol
 * of size 0 the distance to the next higher address, build the name index.
 * Call once.
 */
int ksym_table_finish(struct ksym_table *t, struct kit_err *err);

#endif

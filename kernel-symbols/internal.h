/*
 * internal.h: helpers shared by the files of the kernel-symbols library.
 * Not installed; every external name still carries the ksym_ prefix.
 */
#ifndef KSYM_INTERNAL_H
#define KSYM_INTERNAL_H

#include <stdint.h>
#include <string.h>

#include "ksym.h"
#include "outfile.h"

static inline uint16_t ksym_le16(const uint8_t *p)
{
	return (uint16_t)(p[0] | p[1] << 8);
}

static inline uint32_t ksym_le32(const uint8_t *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 |
	       (uint32_t)p[3] << 24;
}

static inline uint64_t ksym_le64(const uint8_t *p)
{
	return (uint64_t)ksym_le32(p) | (uint64_t)ksym_le32(p + 4) << 32;
}

/* Monotonic milliseconds. */
double ksym_now_ms(void);

/*
 * A loaded ELF image (a vmlinux, or the ELF inside a bzImage): its
 * allocated sections, so a virtual address can be read from the file.
 */
struct ksym_section {
	char name[32];
	uint64_t addr, size;   /* virtual */
	uint64_t offset;       /* in the file; NOBITS sections have no data */
	int nobits, exec, write;
};

struct ksym_image {
	const uint8_t *data;
	size_t len;
	struct ksym_section *secs;
	size_t nsecs;
	uint64_t text_start;   /* .text's address, or the first PT_LOAD's */
	char build_id[41];
	int has_symtab;
	void *elf;             /* Elf * */
};

/*
 * Parse DATA as ELF64 (libelf, elf_memory).  The buffer must outlive the
 * image; libelf does not write to it for a native-endian ELF.  WHAT names
 * it in errors ("the decompressed payload is an ELF for ARM, not x86-64").
 */
int ksym_image_open(struct ksym_image *img, const uint8_t *data, size_t len,
		    const char *what, struct kit_err *err);
void ksym_image_close(struct ksym_image *img);
/* Pointer to LEN bytes at virtual address VADDR, or NULL. */
const uint8_t *ksym_image_at(const struct ksym_image *img, uint64_t vaddr,
			     size_t len);
const struct ksym_section *ksym_image_section(const struct ksym_image *img,
					      const char *name);
/* Add the .symtab of IMG's ELF to T. */
int ksym_elf_symtab(struct ksym_table *t, const struct ksym_image *img,
		    struct kit_err *err);
/* Set T->version from the linux_banner string, when T has it. */
void ksym_version_from_banner(struct ksym_table *t, const struct ksym_image *img);
/* Decode kallsyms from the sections of IMG into T. */
int ksym_kallsyms_image(struct ksym_table *t, const struct ksym_image *img,
			struct kit_err *err);
/* Read the initcall entries from IMG into T->ic_pairs (T finished). */
int ksym_initcalls_read(struct ksym_table *t, const struct ksym_image *img);

/* ELF binding for an nm letter: lower case local (w, v weak), W and V
 * weak, the rest global (export.c). */
int ksym_elf_bind(char type);
/* A bzImage's symbols, and its decompressed payload into *payload
 * (malloc'ed, *plen bytes) when PAYLOAD is not NULL. */
struct ksym_table *ksym_load_bzimage_keep(const uint8_t *data, size_t len,
					  uint8_t **payload, size_t *plen,
					  struct kit_err *err);
/* A ksym_code owning PAYLOAD (freed on failure), decompressed from PATH. */
struct ksym_code *ksym_code_adopt(uint8_t *payload, size_t len, const char *path,
				  struct kit_err *err);

/* Prefix err->msg with "'PATH': " (unless it names PATH already). */
void ksym_err_prefix(struct kit_err *err, const char *path);

/* The libbpf object behind B (btf.c). */
struct btf;
const struct btf *ksym_btf_libbpf(const struct ksym_btf *b);

/* btfdwarf.c: types from DWARF, converted into BTF as they are asked for */
struct ksym_dwarf;
struct ksym_dwarf *ksym_dwarf_open(const char *path, struct kit_err *err);
void ksym_dwarf_free(struct ksym_dwarf *d);
/* struct/union/typedef NAME and its members' types added to BTF:
 * 0, or -1 (KSYM_ENOTFOUND, KSYM_EFORMAT). */
int ksym_dwarf_add(struct ksym_dwarf *d, struct btf *btf, const char *name,
		   struct kit_err *err);

/* Read a whole file; *data malloc'ed. */
int ksym_read_file(const char *path, uint8_t **data, size_t *len,
		   struct kit_err *err);
/* Read PATH whole and PARSE its bytes: the table, or NULL with the error
 * (PATH named).  *MS_READ (unless NULL): the time the reading took. */
struct ksym_table *ksym_parse_file(const char *path,
				   struct ksym_table *(*parse)(const uint8_t *data, size_t len,
							       struct kit_err *err),
				   double *ms_read, struct kit_err *err);

#endif

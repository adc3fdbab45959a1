/*
 * kernel-symbols/elfwrite.h: the two steps both ELF exports (export.c's
 * symbols-only file, elfcode.c's file with the kernel's sections) take
 * through libelf the same way.
 */
#ifndef KSYM_ELFWRITE_H
#define KSYM_ELFWRITE_H

#include <gelf.h>
#include <libelf.h>

/* A new section with header sh and one data block of size bytes at buf
 * (align 0: libelf's default): 0, or -1 (elf_errmsg). */
int ksym_elf_add_scn(Elf *e, GElf_Shdr *sh, const void *buf, size_t size,
		     Elf_Type type, size_t align);

/* Write e to its file and end it (e may be NULL: a build that failed,
 * rc its result): rc, or -2 when the write failed.  errno stays what the
 * write left (libelf writes with pwrite and keeps ENOSPC ...). */
int ksym_elf_write_end(Elf *e, int rc);

#endif

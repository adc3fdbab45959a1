/*
 * fuzz-elfcode.c: libFuzzer target for the ELF export with code
 * (elfcode.c): the input is the kernel ELF whose sections and program
 * headers are copied; the symbols are its own .symtab's when it has one,
 * else a small fixed table.  The output goes to a memfd ("make fuzz").
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "fuzz-common.h"
#include "ksym.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const char map[] =
	"ffffffff81000000 T _text\n"
	"ffffffff81000010 t helper\n"
	"ffffffff81001000 T _etext\n"
	"ffffffff82000000 D some_data\n"
	"ffffffff82000100 b some_bss\n"
	"0000000000001000 A percpu_var\n";

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct kit_err e = { 0 };
	uint8_t *copy = malloc(size ? size : 1);
	struct ksym_table *t;
	int fd;

	/* libelf may not write to the input, but libFuzzer checks: copy. */
	memcpy(copy, data, size);
	t = ksym_load_elf(copy, size, &e);
	if (!t)
		t = ksym_load_map(map, sizeof map - 1, &e);
	fd = memfd_create("fuzz-elfcode", MFD_CLOEXEC);
	if (t && fd >= 0)
		ksym_export_elf_code_fd(t, copy, size, "the input", fd, "memfd", &e);
	if (fd >= 0)
		close(fd);
	ksym_free(t);
	free(copy);
	return 0;
}

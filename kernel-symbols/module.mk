# kernel-symbols: the ksym_ library (libksym.a, linked by gdbstub-client
# too) and its CLI.
KSYM_OBJS = kernel-symbols/symtab.o kernel-symbols/bzimage.o \
	kernel-symbols/decompress.o kernel-symbols/kallsyms.o \
	kernel-symbols/elfsyms.o kernel-symbols/maptext.o \
	kernel-symbols/initcalls.o kernel-symbols/milestones.o \
	kernel-symbols/cache.o kernel-symbols/export.o kernel-symbols/discover.o \
	kernel-symbols/btf.o kernel-symbols/btfcheck.o kernel-symbols/btfdwarf.o \
	kernel-symbols/orc.o kernel-symbols/elfcode.o
KSYM_MAIN = kernel-symbols/main.o
KSYM_PC = libelf libdw liblzma zlib libzstd liblz4 json-c libbpf
KSYM_CFLAGS = -Ikernel-symbols $(call pc_cflags,$(KSYM_PC))
KSYM_LIBS = $(call pc_libs,libbpf libdw libelf liblzma zlib libzstd liblz4 bzip2 lzo2)
kernel-symbols/%.o: KIT_CFLAGS += $(KSYM_CFLAGS)

LIBS_BUILT += $(LIB_KSYM)
$(LIB_KSYM): $(KSYM_OBJS)

PROGRAMS += kernel-symbols/kernel-symbols
kernel-symbols/kernel-symbols: $(KSYM_MAIN) $(LIB_KSYM) $(LIB_COMMON)
	$(CC) $(KIT_LDFLAGS) $(LDFLAGS) -o $@ $^ $(KSYM_LIBS) $(call pc_libs,json-c)

$(eval $(call kit_unit_tests,tests/unit/test-ksym-kallsyms tests/unit/test-ksym-inputs \
	tests/unit/test-ksym-btf,\
	$(KSYM_CFLAGS),$(LIB_KSYM) $(LIB_COMMON),$(KSYM_LIBS)))

# Fuzz targets (clang libFuzzer), one per parser; "make fuzz" runs each
# briefly.  FUZZ_SECONDS=N runs longer.
FUZZ_SECONDS ?= 5
FUZZ_CC ?= clang
KSYM_FUZZ = bzimage map elf cache kallsyms elfcode
KSYM_FUZZ_SRCS = $(KSYM_OBJS:.o=.c) common/usage.c common/outfile.c
KSYM_FUZZ_BINS = $(patsubst %,kernel-symbols/fuzz/build/fuzz-%,$(KSYM_FUZZ))
CLEAN += $(KSYM_FUZZ_BINS)

kernel-symbols/fuzz/build/fuzz-%: kernel-symbols/fuzz/fuzz-%.c kernel-symbols/fuzz/fuzz-common.h $(KSYM_FUZZ_SRCS) kernel-symbols/ksym.h
	@mkdir -p $(dir $@)
	$(FUZZ_CC) -g -O1 -std=c11 -D_GNU_SOURCE -Icommon $(KSYM_CFLAGS) -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=undefined \
		-o $@ $< $(KSYM_FUZZ_SRCS) $(KSYM_LIBS)

fuzz: $(KSYM_FUZZ_BINS)
	@for f in $(KSYM_FUZZ); do \
		mkdir -p kernel-symbols/fuzz/build/corpus-$$f; \
		echo "# fuzz-$$f for $(FUZZ_SECONDS)s"; \
		kernel-symbols/fuzz/build/fuzz-$$f -max_total_time=$(FUZZ_SECONDS) \
			-rss_limit_mb=2048 -max_len=65536 -print_final_stats=0 \
			kernel-symbols/fuzz/build/corpus-$$f kernel-symbols/fuzz/seeds/$$f \
			2>kernel-symbols/fuzz/build/fuzz-$$f.log \
		|| { tail -40 kernel-symbols/fuzz/build/fuzz-$$f.log; exit 1; }; \
		grep -E '^#[0-9]+.*DONE' kernel-symbols/fuzz/build/fuzz-$$f.log | tail -1; \
	done

.PHONY: fuzz

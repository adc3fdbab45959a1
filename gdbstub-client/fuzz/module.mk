# gdbstub-client fuzz targets (clang libFuzzer), one per input surface;
# "make fuzz" runs each briefly next to kernel-symbols' targets, and
# FUZZ_SECONDS=N runs longer.  Seeds (real QEMU 7.2 replies) are in
# gdbstub-client/fuzz/seeds/NAME; the corpus grows in fuzz/build.
FUZZ_SECONDS ?= 5
FUZZ_CC ?= clang
GC_FUZZ = replies
GC_FUZZ_SRCS = $(RSP_OBJS:.o=.c) common/usage.c
GC_FUZZ_BINS = $(patsubst %,gdbstub-client/fuzz/build/fuzz-%,$(GC_FUZZ))
CLEAN += $(GC_FUZZ_BINS)

gdbstub-client/fuzz/build/fuzz-%: gdbstub-client/fuzz/fuzz-%.c $(GC_FUZZ_SRCS) gdbstub-client/rsp.h
	@mkdir -p $(dir $@)
	$(FUZZ_CC) -g -O1 -std=c11 -D_GNU_SOURCE -Icommon -Igdbstub-client \
		$(call pc_cflags,expat) -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=undefined \
		-o $@ $< $(GC_FUZZ_SRCS) $(RSP_LIBS)

fuzz-gc: $(GC_FUZZ_BINS)
	@for f in $(GC_FUZZ); do \
		mkdir -p gdbstub-client/fuzz/build/corpus-$$f; \
		echo "# fuzz-$$f for $(FUZZ_SECONDS)s"; \
		gdbstub-client/fuzz/build/fuzz-$$f -max_total_time=$(FUZZ_SECONDS) \
			-rss_limit_mb=2048 -max_len=65536 -print_final_stats=0 \
			gdbstub-client/fuzz/build/corpus-$$f gdbstub-client/fuzz/seeds/$$f \
			2>gdbstub-client/fuzz/build/fuzz-$$f.log \
		|| { tail -40 gdbstub-client/fuzz/build/fuzz-$$f.log; exit 1; }; \
		grep -E '^#[0-9]+.*DONE' gdbstub-client/fuzz/build/fuzz-$$f.log | tail -1; \
	done

# kernel-symbols/module.mk holds the recipe of "fuzz"; this only adds to it
fuzz: fuzz-gc

.PHONY: fuzz fuzz-gc

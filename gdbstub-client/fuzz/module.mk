# gdbstub-client fuzz targets (clang libFuzzer), one fuzz-NAME.c per parser,
# built and run by "make fuzz" as kernel-symbols' are (FUZZ_SECONDS=N runs
# each longer).  Every target links the client's protocol and report
# libraries' sources, so adding one is adding its NAME to GC_FUZZ.  A
# target's seeds are gdbstub-client/fuzz/seeds/NAME, or GC_FUZZ_SEEDS_NAME
# when set; what libFuzzer finds goes to gdbstub-client/fuzz/build/corpus-NAME.
FUZZ_SECONDS ?= 5
FUZZ_CC ?= clang
GC_FUZZ = profile-json replies
GC_FUZZ_SEEDS_profile-json = tests/data/profiles
GC_FUZZ_SRCS = $(REPORT_OBJS:.o=.c) $(RSP_OBJS:.o=.c) $(COMMON_OBJS:.o=.c)
GC_FUZZ_LIBS = $(REPORT_LIBS) $(RSP_LIBS)
GC_FUZZ_BINS = $(patsubst %,gdbstub-client/fuzz/build/fuzz-%,$(GC_FUZZ))
CLEAN += $(GC_FUZZ_BINS)

# -fno-sanitize-recover: undefined behaviour is a crash libFuzzer keeps
gdbstub-client/fuzz/build/fuzz-%: gdbstub-client/fuzz/fuzz-%.c $(GC_FUZZ_SRCS) \
		$(wildcard gdbstub-client/*/*.h common/*.h)
	@mkdir -p $(dir $@)
	$(FUZZ_CC) -g -O1 -std=c11 -D_GNU_SOURCE -Icommon $(RSP_CFLAGS) $(REPORT_CFLAGS) \
		-fsanitize=fuzzer,address,undefined \
		-fno-sanitize-recover=undefined -o $@ $< $(GC_FUZZ_SRCS) $(GC_FUZZ_LIBS)
# gc_fuzz_run NAME: run one target FUZZ_SECONDS on its corpus and seeds
gc_fuzz_run = mkdir -p gdbstub-client/fuzz/build/corpus-$(1) && \
	echo "\# fuzz-$(1) for $(FUZZ_SECONDS)s" && \
	{ gdbstub-client/fuzz/build/fuzz-$(1) -max_total_time=$(FUZZ_SECONDS) \
		-rss_limit_mb=2048 -max_len=65536 -print_final_stats=0 \
		-artifact_prefix=gdbstub-client/fuzz/build/ \
		gdbstub-client/fuzz/build/corpus-$(1) \
		$(wildcard $(or $(GC_FUZZ_SEEDS_$(1)),gdbstub-client/fuzz/seeds/$(1))) \
		2>gdbstub-client/fuzz/build/fuzz-$(1).log || \
	  { tail -40 gdbstub-client/fuzz/build/fuzz-$(1).log; exit 1; }; } && \
	{ grep -E '^\#[0-9]+.*DONE' gdbstub-client/fuzz/build/fuzz-$(1).log | tail -1; } &&

fuzz: gc-fuzz
gc-fuzz: $(GC_FUZZ_BINS)
	@$(foreach f,$(GC_FUZZ),$(call gc_fuzz_run,$(f))) true

.PHONY: fuzz gc-fuzz

# gdbstub-client: the program (its library part and CLI) on top of the rsp
# library ($(RSP_OBJS)) and kernel-symbols ($(KSYM_OBJS)).
GC_LIB_OBJS = gdbstub-client/x86mode.o gdbstub-client/addr.o gdbstub-client/hmp.o \
	gdbstub-client/cond.o gdbstub-client/sigtab.o gdbstub-client/disasm.o \
	gdbstub-client/attach.o gdbstub-client/target.o
GC_CLI_OBJS = gdbstub-client/main.o gdbstub-client/cmds.o gdbstub-client/repl.o
GC_LIBS = $(call pc_libs,capstone json-c)
PROGRAMS += gdbstub-client/gdbstub-client
OBJS += $(GC_LIB_OBJS) $(GC_CLI_OBJS)

$(GC_LIB_OBJS) $(GC_CLI_OBJS): KIT_CFLAGS += -Igdbstub-client -Ikernel-symbols \
	$(call pc_cflags,capstone) $(call pc_cflags,json-c)

# The program's link rule is in link.mk, included after the recorder's and
# the sampler's fragments (rule prerequisites expand when read).

# Unit tests of the pure parts, and a helper for the signal tests.
GC_UNIT = tests/unit/test-gc-mode tests/unit/test-gc-parse tests/unit/test-gc-hmp
UNIT_TESTS += $(GC_UNIT)
$(GC_UNIT:=.o): KIT_CFLAGS += -Igdbstub-client -Ikernel-symbols $(call pc_cflags,capstone) \
	$(call pc_cflags,json-c)
$(GC_UNIT): %: %.o $(GC_LIB_OBJS) $(RSP_OBJS) $(KSYM_OBJS) $(COMMON_OBJS)
	$(CC) $(KIT_LDFLAGS) $(LDFLAGS) -o $@ $^ $(RSP_LIBS) $(KSYM_LIBS) $(GC_LIBS)

# It runs under qemu-x86_64 (user mode), where ASan's shadow memory does
# not fit: built without the SANITIZE flags.
TEST_HELPERS += tests/helpers/sigterm-target
tests/helpers/sigterm-target: tests/helpers/sigterm-target.c
	$(CC) -std=c11 -D_GNU_SOURCE $(CFLAGS) $(LDFLAGS) -o $@ $<

BENCHES += bench/stop-cost
bench/stop-cost: bench/stop-cost.o $(RSP_OBJS) $(COMMON_OBJS)
	$(CC) $(KIT_LDFLAGS) $(LDFLAGS) -o $@ $^ $(RSP_LIBS)

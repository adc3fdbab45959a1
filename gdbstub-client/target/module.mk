# gdbstub-client/target: the x86 target over rsp/ (modes, addresses,
# conditions, signals, disassembly) and qemu-wrapper's session files.
# Uses rsp/, kernel-symbols and common/.
TARGET_OBJS = $(addprefix gdbstub-client/target/,x86mode.o addr.o cond.o \
	sigtab.o disasm.o session.o target.o)
TARGET_CFLAGS = -Igdbstub-client/target $(RSP_CFLAGS) $(KSYM_CFLAGS) \
	$(call pc_cflags,capstone json-c)
TARGET_LIBS = $(RSP_LIBS) $(KSYM_LIBS) $(call pc_libs,capstone json-c)
gdbstub-client/target/%.o: KIT_CFLAGS += $(TARGET_CFLAGS)

LIBS_BUILT += $(LIB_TARGET)
$(LIB_TARGET): $(TARGET_OBJS)

TARGET_UNIT = tests/unit/test-gc-mode tests/unit/test-gc-parse
UNIT_TESTS += $(TARGET_UNIT)
$(TARGET_UNIT:=.o): KIT_CFLAGS += $(TARGET_CFLAGS)
$(TARGET_UNIT): %: %.o $(LIB_TARGET) $(LIB_RSP) $(LIB_KSYM) $(LIB_COMMON)
	$(CC) $(KIT_LDFLAGS) $(LDFLAGS) -o $@ $^ $(TARGET_LIBS)

# gdbstub-client/target: the x86 target over rsp/ (modes, addresses,
# conditions, signals, disassembly) and qemu-wrapper's session files.
# Uses rsp/, kernel-symbols and common/.
TARGET_OBJS = $(addprefix gdbstub-client/target/,x86mode.o layout.o addr.o cond.o \
	sigtab.o disasm.o session.o target.o value.o)
TARGET_CFLAGS = -Igdbstub-client/target $(RSP_CFLAGS) $(KSYM_CFLAGS) \
	$(call pc_cflags,capstone json-c)
TARGET_LIBS = $(RSP_LIBS) $(KSYM_LIBS) $(call pc_libs,capstone json-c)
gdbstub-client/target/%.o: KIT_CFLAGS += $(TARGET_CFLAGS)

LIBS_BUILT += $(LIB_TARGET)
$(LIB_TARGET): $(TARGET_OBJS)

$(eval $(call kit_unit_tests,tests/unit/test-gc-mode tests/unit/test-gc-parse,\
	$(TARGET_CFLAGS),$(LIB_TARGET) $(LIB_RSP) $(LIB_KSYM) $(LIB_COMMON),\
	$(TARGET_LIBS)))

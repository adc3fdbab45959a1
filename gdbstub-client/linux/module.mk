# gdbstub-client/linux: reading a stopped Linux kernel's data structures
# (the printk ring buffer) with layouts from its BTF.  Above target/ (for
# the memory-read adapter), below profile/.  Uses target/, kernel-symbols
# and common/.
LINUX_OBJS = $(addprefix gdbstub-client/linux/,layout.o printk.o format.o \
	percpu.o tasks.o unwind.o meminfo.o target-mem.o)
LINUX_CFLAGS = -Igdbstub-client/linux $(TARGET_CFLAGS)
LINUX_LIBS = $(TARGET_LIBS)
gdbstub-client/linux/%.o: KIT_CFLAGS += $(LINUX_CFLAGS)

LIBS_BUILT += $(LIB_LINUX)
$(LIB_LINUX): $(LINUX_OBJS)

$(eval $(call kit_unit_tests,tests/unit/test-linux-printk tests/unit/test-linux-unwind tests/unit/test-linux-meminfo,\
	$(LINUX_CFLAGS),$(LIB_LINUX) $(LIB_TARGET) $(LIB_RSP) $(LIB_KSYM) $(LIB_COMMON),\
	$(LINUX_LIBS)))

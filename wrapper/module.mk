WRAPPER_OBJS = wrapper/classify.o wrapper/findqemu.o wrapper/endpoint.o \
	wrapper/session.o wrapper/supervise.o wrapper/wlog.o \
	wrapper/gdbwatch.o
WRAPPER_MAIN = wrapper/main.o
KIT_CFLAGS += $(call pc_cflags,json-c)
# json-c is linked statically: every probe runs the wrapper, and loading one
# more shared object costs a measurable part of qemu -version (bench/).
WRAPPER_LIBS = -Wl,-Bstatic $(call pc_libs,json-c) -Wl,-Bdynamic
PROGRAMS += wrapper/qemu-wrapper
OBJS += $(WRAPPER_OBJS) $(WRAPPER_MAIN)

wrapper/qemu-wrapper: $(WRAPPER_MAIN) $(WRAPPER_OBJS) $(COMMON_OBJS)
	$(CC) $(KIT_LDFLAGS) $(LDFLAGS) -o $@ $^ $(WRAPPER_LIBS)

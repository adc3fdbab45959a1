# wrapper: qemu-wrapper.  json-c is linked statically: every probe runs the
# wrapper, and loading one more shared object costs a measurable part of
# qemu -version (bench/wrapper-overhead).
WRAPPER_OBJS = $(addprefix wrapper/,classify.o findqemu.o endpoint.o \
	session.o supervise.o wlog.o gdbwatch.o hint.o)
WRAPPER_MAIN = wrapper/main.o
WRAPPER_LIBS = -Wl,-Bstatic $(call pc_libs,json-c) -Wl,-Bdynamic
wrapper/%.o: KIT_CFLAGS += $(call pc_cflags,json-c)
PROGRAMS += wrapper/qemu-wrapper

wrapper/qemu-wrapper: $(WRAPPER_MAIN) $(WRAPPER_OBJS) $(LIB_COMMON)
	$(CC) $(KIT_LDFLAGS) $(LDFLAGS) -o $@ $^ $(WRAPPER_LIBS)

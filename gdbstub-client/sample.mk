# gdbstub-client sample: statistical profiling with interrupt stops
# (gc_sample_main in sample.c), its standalone driver boot-sample, and the
# unit tests of its pure parts (region attribution, pacing).
SAMPLE_OBJS = gdbstub-client/sample.o
OBJS += $(SAMPLE_OBJS) gdbstub-client/boot-sample.o

$(SAMPLE_OBJS) gdbstub-client/boot-sample.o tests/unit/test-gc-sample.o: \
	KIT_CFLAGS += -Igdbstub-client -Ikernel-symbols

PROGRAMS += gdbstub-client/boot-sample
gdbstub-client/boot-sample: gdbstub-client/boot-sample.o $(SAMPLE_OBJS) \
		$(GC_LIB_OBJS) $(RSP_OBJS) $(KSYM_OBJS) $(PROF_OBJS) $(COMMON_OBJS)
	$(CC) $(KIT_LDFLAGS) $(LDFLAGS) -o $@ $^ $(RSP_LIBS) $(KSYM_LIBS) \
		$(GC_LIBS) $(PROF_LIBS)

UNIT_TESTS += tests/unit/test-gc-sample
tests/unit/test-gc-sample: tests/unit/test-gc-sample.o $(SAMPLE_OBJS) \
		$(GC_LIB_OBJS) $(RSP_OBJS) $(KSYM_OBJS) $(PROF_OBJS) $(COMMON_OBJS)
	$(CC) $(KIT_LDFLAGS) $(LDFLAGS) -o $@ $^ $(RSP_LIBS) $(KSYM_LIBS) \
		$(GC_LIBS) $(PROF_LIBS)

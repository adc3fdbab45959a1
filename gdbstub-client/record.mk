# gdbstub-client: the boot recorder (record.c, gc_profile_main), its
# standalone driver boot-record, and its unit test.  Needs GC_LIB_OBJS,
# RSP_OBJS, KSYM_OBJS, PROF_OBJS and SAMPLE_OBJS (module.mk, cli.mk,
# report.mk, sample.mk: --sample attributes like `sample`).
REC_OBJS = gdbstub-client/record.o
OBJS += $(REC_OBJS) gdbstub-client/boot-record.o
REC_LIBS = $(RSP_LIBS) $(KSYM_LIBS) $(PROF_LIBS) $(call pc_libs,capstone json-c)

$(REC_OBJS) gdbstub-client/boot-record.o tests/helpers/test-record.o: \
	KIT_CFLAGS += -Igdbstub-client -Ikernel-symbols -Itests/unit $(call pc_cflags,capstone) \
	$(call pc_cflags,json-c)

PROGRAMS += gdbstub-client/boot-record
gdbstub-client/boot-record: gdbstub-client/boot-record.o $(REC_OBJS) $(SAMPLE_OBJS) \
		$(GC_LIB_OBJS) $(RSP_OBJS) $(KSYM_OBJS) $(PROF_OBJS) $(COMMON_OBJS)
	$(CC) $(KIT_LDFLAGS) $(LDFLAGS) -o $@ $^ $(REC_LIBS)

UNIT_TESTS += tests/helpers/test-record
tests/helpers/test-record: tests/helpers/test-record.o $(REC_OBJS) $(SAMPLE_OBJS) \
		$(GC_LIB_OBJS) $(RSP_OBJS) $(KSYM_OBJS) $(PROF_OBJS) $(COMMON_OBJS)
	$(CC) $(KIT_LDFLAGS) $(LDFLAGS) -o $@ $^ $(REC_LIBS)

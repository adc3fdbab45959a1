# gdbstub-client: the program.  Included after cli.mk, report.mk,
# record.mk and sample.mk, whose objects it links: attach (the REPL),
# report/compare (report module), profile (recorder), sample (sampler).
gdbstub-client/gdbstub-client: $(GC_CLI_OBJS) $(GC_LIB_OBJS) $(PROF_OBJS) \
		$(REC_OBJS) $(SAMPLE_OBJS) $(RSP_OBJS) $(KSYM_OBJS) $(COMMON_OBJS)
	$(CC) $(KIT_LDFLAGS) $(LDFLAGS) -o $@ $^ $(RSP_LIBS) $(KSYM_LIBS) $(GC_LIBS) \
		$(PROF_LIBS) $(call pc_libs,capstone json-c readline)

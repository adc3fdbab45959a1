# gdbstub-client reports: the profile data model and everything that reads
# profiles (prof_*), and boot-report, a small driver for the tests.  The
# CLI links $(PROF_OBJS) and calls prof_report_main / prof_compare_main.
PROF_OBJS = gdbstub-client/profile.o gdbstub-client/stats.o \
	gdbstub-client/report-util.o gdbstub-client/report-text.o \
	gdbstub-client/report-json.o gdbstub-client/report-svg.o \
	gdbstub-client/report-trace.o gdbstub-client/report-folded.o \
	gdbstub-client/compare.o gdbstub-client/report-cli.o
KIT_CFLAGS += $(call pc_cflags,json-c)
PROF_LIBS = $(call pc_libs,json-c) -lm
OBJS += $(PROF_OBJS) gdbstub-client/boot-report.o

PROGRAMS += gdbstub-client/boot-report
gdbstub-client/boot-report: gdbstub-client/boot-report.o $(PROF_OBJS) $(COMMON_OBJS)
	$(CC) $(KIT_LDFLAGS) $(LDFLAGS) -o $@ $^ $(PROF_LIBS)

PROF_UNIT = tests/unit/test-prof-stats tests/unit/test-prof-report
UNIT_TESTS += $(PROF_UNIT)
$(PROF_UNIT): %: %.o $(PROF_OBJS) $(COMMON_OBJS)
	$(CC) $(KIT_LDFLAGS) $(LDFLAGS) -o $@ $^ $(PROF_LIBS)
$(PROF_UNIT:=.o): KIT_CFLAGS += -Igdbstub-client

# gdbstub-client/report: the profile data model (model.h: prof_*), its
# statistics, comparison and writers, and the `report` and `compare`
# commands.  Depends on common/ only.
REPORT_OBJS = $(addprefix gdbstub-client/report/,model.o file.o timeline.o files.o stats.o util.o \
	text.o json.o svg.o trace.o folded.o compare.o commands.o procs.o memory.o)
REPORT_OBJS += $(addprefix gdbstub-client/report/,power.o hosts.o svg-names.o)
REPORT_CFLAGS = -Igdbstub-client/report $(call pc_cflags,json-c)
REPORT_LIBS = $(call pc_libs,json-c) -lm
gdbstub-client/report/%.o: KIT_CFLAGS += $(REPORT_CFLAGS)

LIBS_BUILT += $(LIB_REPORT)
$(LIB_REPORT): $(REPORT_OBJS)

$(eval $(call kit_unit_tests,tests/unit/test-prof-stats tests/unit/test-prof-report tests/unit/test-prof-memory,\
	$(REPORT_CFLAGS),$(LIB_REPORT) $(LIB_COMMON),$(REPORT_LIBS)))

# gdbstub-client/profile: the boot recorder (`profile`) and the sampler
# (`sample`).  Uses linux/, target/, report/, rsp/, kernel-symbols and common/.
PROFILE_OBJS = $(addprefix gdbstub-client/profile/,recorder.o sample.o)
PROFILE_OBJS += $(addprefix gdbstub-client/profile/,decode.o stub.o initcalls.o milestones.o ticks.o qclock.o write.o scheme-watch.o scheme-callret.o scheme-callsite.o scheme-functions.o klog.o klog-parse.o memory.o smp.o)
PROFILE_OBJS += $(addprefix gdbstub-client/profile/,sample-attr.o sample-tick.o sample-stop.o sample-monitor.o procs.o)
PROFILE_OBJS += gdbstub-client/profile/hostinfo.o
PROFILE_CFLAGS = -Igdbstub-client/profile $(LINUX_CFLAGS) $(REPORT_CFLAGS)
PROFILE_LIBS = $(LINUX_LIBS) $(REPORT_LIBS) -pthread
PROFILE_DEPS = $(LIB_PROFILE) $(LIB_LINUX) $(LIB_TARGET) $(LIB_REPORT) $(LIB_RSP) \
	$(LIB_KSYM) $(LIB_COMMON)
gdbstub-client/profile/%.o: KIT_CFLAGS += $(PROFILE_CFLAGS)

LIBS_BUILT += $(LIB_PROFILE)
$(LIB_PROFILE): $(PROFILE_OBJS)

PROFILE_UNIT = tests/unit/test-gc-sample tests/unit/test-gc-record tests/unit/test-gc-procs tests/unit/test-gc-smp
UNIT_TESTS += $(PROFILE_UNIT)
$(PROFILE_UNIT:=.o): KIT_CFLAGS += $(PROFILE_CFLAGS)
$(PROFILE_UNIT): %: %.o $(PROFILE_DEPS)
	$(CC) $(KIT_LDFLAGS) $(LDFLAGS) -o $@ $^ $(PROFILE_LIBS)

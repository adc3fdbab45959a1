# gdbstub-client/rsp: the GDB Remote Serial Protocol library (rsp_*, hmp_*),
# the lowest layer of the client.  Its users add $(RSP_CFLAGS) and link
# $(LIB_RSP) $(LIB_COMMON) $(RSP_LIBS).
RSP_OBJS = $(addprefix gdbstub-client/rsp/,packet.o conn.o core.o tdesc.o responses.o hmp.o)
RSP_CFLAGS = -Igdbstub-client/rsp $(call pc_cflags,expat)
RSP_LIBS = $(call pc_libs,expat)
gdbstub-client/rsp/%.o: KIT_CFLAGS += $(RSP_CFLAGS)

LIBS_BUILT += $(LIB_RSP)
$(LIB_RSP): $(RSP_OBJS)

RSP_UNIT = tests/unit/test-rsp-packet tests/unit/test-rsp-conn tests/unit/test-gc-hmp
RSP_HELPERS = tests/helpers/fake-stub tests/helpers/rsp-probe
UNIT_TESTS += $(RSP_UNIT)
TEST_HELPERS += $(RSP_HELPERS)
$(RSP_UNIT:=.o) $(RSP_HELPERS:=.o): KIT_CFLAGS += $(RSP_CFLAGS)
$(RSP_UNIT) $(RSP_HELPERS): %: %.o $(LIB_RSP) $(LIB_COMMON)
	$(CC) $(KIT_LDFLAGS) $(LDFLAGS) -o $@ $^ $(RSP_LIBS)
tests/unit/test-rsp-packet.o: KIT_CFLAGS += $(KSYM_CFLAGS)

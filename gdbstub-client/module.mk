# gdbstub-client: the GDB Remote Serial Protocol library (rsp_*).  The CLI
# links $(RSP_OBJS) $(COMMON_OBJS) with $(RSP_LIBS).
RSP_OBJS = gdbstub-client/packet.o gdbstub-client/conn.o \
	gdbstub-client/core.o gdbstub-client/responses.o
KIT_CFLAGS += $(call pc_cflags,expat)
RSP_LIBS = $(call pc_libs,expat)
OBJS += $(RSP_OBJS)

UNIT_TESTS += tests/unit/test-rsp-packet tests/unit/test-rsp-conn
TEST_HELPERS += tests/helpers/fake-stub tests/helpers/rsp-probe

tests/unit/test-rsp-packet: tests/unit/test-rsp-packet.o $(RSP_OBJS) $(COMMON_OBJS)
	$(CC) $(KIT_LDFLAGS) $(LDFLAGS) -o $@ $^ $(RSP_LIBS)
tests/unit/test-rsp-conn: tests/unit/test-rsp-conn.o $(RSP_OBJS) $(COMMON_OBJS)
	$(CC) $(KIT_LDFLAGS) $(LDFLAGS) -o $@ $^ $(RSP_LIBS)
tests/helpers/fake-stub: tests/helpers/fake-stub.o $(RSP_OBJS) $(COMMON_OBJS)
	$(CC) $(KIT_LDFLAGS) $(LDFLAGS) -o $@ $^ $(RSP_LIBS)
tests/helpers/rsp-probe: tests/helpers/rsp-probe.o $(RSP_OBJS) $(COMMON_OBJS)
	$(CC) $(KIT_LDFLAGS) $(LDFLAGS) -o $@ $^ $(RSP_LIBS)

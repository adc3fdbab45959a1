# gdbstub-client/cli: the program: subcommands, the gdb-like commands and
# the REPL.  The top layer: it may use every library below it.
CLI_OBJS = $(addprefix gdbstub-client/cli/,main.o cmds.o repl.o linux.o examine.o gdb.o meminfo.o threads.o)
CLI_CFLAGS = -Igdbstub-client/cli $(PROFILE_CFLAGS) $(call pc_cflags,readline)
gdbstub-client/cli/%.o: KIT_CFLAGS += $(CLI_CFLAGS)

PROGRAMS += gdbstub-client/gdbstub-client
gdbstub-client/gdbstub-client: $(CLI_OBJS) $(PROFILE_DEPS)
	$(CC) $(KIT_LDFLAGS) $(LDFLAGS) -o $@ $^ $(PROFILE_LIBS) $(call pc_libs,readline)

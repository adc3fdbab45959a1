# common/: small helpers every program links (usage and errors, string
# vectors, run directories, whole-or-nothing output files).
COMMON_OBJS = common/usage.o common/strv.o common/rundir.o common/outfile.o \
	common/opts.o
LIBS_BUILT += $(LIB_COMMON)
$(LIB_COMMON): $(COMMON_OBJS)

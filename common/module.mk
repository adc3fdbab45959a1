COMMON_OBJS = common/usage.o common/strv.o common/rundir.o common/outfile.o
OBJS += $(COMMON_OBJS)

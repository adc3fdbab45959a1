COMMON_OBJS = common/usage.o common/strv.o common/rundir.o
OBJS += $(COMMON_OBJS)

COMMON_OBJS = common/usage.o common/strv.o
OBJS += $(COMMON_OBJS)

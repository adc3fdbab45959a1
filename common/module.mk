# common/: small helpers every program links (usage and errors, string
# vectors, run directories, whole-or-nothing output files).
COMMON_OBJS = common/usage.o common/strv.o common/rundir.o common/outfile.o \
	common/opts.o common/version.o
LIBS_BUILT += $(LIB_COMMON)
$(LIB_COMMON): $(COMMON_OBJS)

# $(eval $(call kit_unit_tests,PROGRAMS,CFLAGS,LIBRARIES,LINK_FLAGS)): unit
# test programs of one layer, each from its .c, built with the layer's
# flags and linked with its libraries.
define kit_unit_tests
UNIT_TESTS += $(1)
$(addsuffix .o,$(1)): KIT_CFLAGS += $(2)
$(1): %: %.o $(3)
	$$(CC) $$(KIT_LDFLAGS) $$(LDFLAGS) -o $$@ $$^ $(4)
endef

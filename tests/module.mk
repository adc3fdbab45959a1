# Unit tests: tests/unit/test-NAME.c, linked with the library objects of the
# program it tests.  Each module.mk adds its own rule and appends to
# UNIT_TESTS; this file holds the shared ones.
UNIT_TESTS += tests/unit/test-wrapper
tests/unit/test-wrapper: tests/unit/test-wrapper.o $(WRAPPER_OBJS) $(COMMON_OBJS)
	$(CC) $(KIT_LDFLAGS) $(LDFLAGS) -o $@ $^ $(WRAPPER_LIBS)
tests/unit/test-wrapper.o: KIT_CFLAGS += -Iwrapper

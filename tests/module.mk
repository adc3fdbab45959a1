# Unit tests (tests/unit/test-NAME.c) are built by the module.mk of the
# library they test; this file holds the wrapper's and the test helpers
# that belong to no library.
UNIT_TESTS += tests/unit/test-wrapper
tests/unit/test-wrapper: tests/unit/test-wrapper.o $(WRAPPER_OBJS) $(LIB_COMMON)
	$(CC) $(KIT_LDFLAGS) $(LDFLAGS) -o $@ $^ $(WRAPPER_LIBS)
tests/unit/test-wrapper.o: KIT_CFLAGS += -Iwrapper

# It runs under qemu-x86_64 (user mode), where ASan's shadow memory does
# not fit: built without the SANITIZE flags.
TEST_HELPERS += tests/helpers/sigterm-target
tests/helpers/sigterm-target: tests/helpers/sigterm-target.c
	$(CC) -std=c11 -D_GNU_SOURCE $(CFLAGS) $(LDFLAGS) -o $@ $<

# qemu-boot-debug kit: non-recursive make.  Each folder adds itself through
# its module.mk.  CFLAGS/LDFLAGS belong to the user; the project's own flags
# live in KIT_CFLAGS.
#
#   make                       build the programs
#   make check                 build and run all unit and bats tests
#   make bench                 build the benchmarks (run them from bench/)
#   make install PREFIX=... DESTDIR=...
#   make DEVELOPER=1           strict warnings, -Werror
#   make SANITIZE=address,undefined

PREFIX ?= /usr/local
BINDIR ?= $(PREFIX)/bin
CC ?= cc
PKG_CONFIG ?= pkg-config
CFLAGS ?= -O2 -g
LDFLAGS ?=

KIT_CFLAGS = -std=c11 -D_GNU_SOURCE -Icommon -MMD -MP
KIT_LDFLAGS =

ifdef DEVELOPER
KIT_CFLAGS += -Wall -Wextra -Werror -Wshadow -Wstrict-prototypes \
	-Wmissing-prototypes -Wpointer-arith -Wformat=2 -Wvla \
	-Wno-unused-parameter -Wdeclaration-after-statement -Wold-style-definition
endif
ifdef SANITIZE
KIT_CFLAGS += -fsanitize=$(SANITIZE) -fno-sanitize-recover=$(SANITIZE) -fno-omit-frame-pointer
KIT_LDFLAGS += -fsanitize=$(SANITIZE)
endif

pc_cflags = $(shell $(PKG_CONFIG) --cflags $(1))
pc_libs = $(shell $(PKG_CONFIG) --libs $(1))

PROGRAMS =
UNIT_TESTS =
TEST_HELPERS =
BENCHES =
CLEAN =
OBJS =

all:

include common/module.mk
include wrapper/module.mk
-include gdbstub-client/module.mk
-include kernel-symbols/module.mk
# after kernel-symbols: the CLI's link rule names $(KSYM_OBJS)
-include gdbstub-client/report.mk
-include gdbstub-client/cli.mk
-include gdbstub-client/sample.mk
-include gdbstub-client/record.mk
-include gdbstub-client/link.mk
# after report.mk and module.mk: the fuzz targets link their objects' sources
-include gdbstub-client/fuzz/module.mk
-include tests/module.mk
-include tests/guests/module.mk
-include bench/module.mk

all: $(PROGRAMS)

%.o: %.c
	$(CC) $(KIT_CFLAGS) $(CFLAGS) -c -o $@ $<

check: all $(UNIT_TESTS) $(TEST_HELPERS)
	@tests/run-all $(UNIT_TESTS)

bench: all $(BENCHES)

demo: all
	scripts/boot-profile

# Only the user-facing programs; the rest of PROGRAMS are test drivers.
INSTALL_PROGRAMS = wrapper/qemu-wrapper gdbstub-client/gdbstub-client \
	kernel-symbols/kernel-symbols

install: all
	install -d $(DESTDIR)$(BINDIR)
	install -m 0755 $(INSTALL_PROGRAMS) $(DESTDIR)$(BINDIR)/

clean:
	rm -f $(PROGRAMS) $(UNIT_TESTS) $(TEST_HELPERS) $(BENCHES) $(CLEAN)
	find . -name '*.o' -o -name '*.d' | xargs rm -f

.PHONY: all check bench demo install clean
-include $(shell find . -name '*.d' 2>/dev/null)

# qemu-boot-debug kit: non-recursive make.  Each folder describes itself in
# its module.mk, included below in plain order (a missing one is an error).
# CFLAGS/LDFLAGS belong to the user; the project's own flags live in
# KIT_CFLAGS.  Libraries are static archives, one a layer (docs/ARCHITECTURE.md).
#
#   make                       build the programs
#   make check                 build and run all unit and bats tests
#   make test-programs         build what make check runs, run nothing
#   make mutate                plant tests/mutants.txt's bugs one at a time
#                              in a scratch tree; the tests must catch each
#                              (slow, not part of check; MUTANTS="id ...")
#   make bench                 build the benchmarks (run them from the top)
#   make fuzz                  build and briefly run the fuzz targets (clang)
#   make install PREFIX=... DESTDIR=...   (make uninstall: the same files)
#   make DEVELOPER=1           strict warnings, -Werror
#   make SANITIZE=address,undefined
#
# Changing DEVELOPER, SANITIZE, CC, CFLAGS or LDFLAGS rebuilds everything:
# the flags are kept in .build-flags and every object depends on it
# (.build-vars keeps DEVELOPER and SANITIZE, for scripts/boot-profile).

# The kit's one version: the programs (KIT_VERSION, common/version.h), the
# scripts (read from this line in the tree, written in by make install).
VERSION = 0.1.0

PREFIX ?= /usr/local
BINDIR ?= $(PREFIX)/bin
LIBEXECDIR ?= $(PREFIX)/libexec
MANDIR ?= $(PREFIX)/share/man
BASHCOMPDIR ?= $(PREFIX)/share/bash-completion/completions
CC ?= cc
AR ?= ar
PKG_CONFIG ?= pkg-config
CFLAGS ?= -O2 -g
LDFLAGS ?=

KIT_CFLAGS = -std=c11 -D_GNU_SOURCE -Icommon -MMD -MP -DKIT_VERSION='"$(VERSION)"'
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

BUILD_FLAGS := $(CC) $(KIT_CFLAGS) $(CFLAGS) | $(KIT_LDFLAGS) $(LDFLAGS)

# pkg-config runs once per library (and kind) when this file is read;
# $(call pc_cflags,a b) and $(call pc_libs,a b) only look the answers up.
# bzip2 and lzo ship no .pc file on Debian 12: -lbz2 / -llzo2 then.
PKGS = json-c expat capstone readline libelf libdw liblzma zlib libzstd liblz4 libbpf
$(foreach p,$(PKGS),\
	$(eval PC_CFLAGS_$(p) := $$(shell $(PKG_CONFIG) --cflags $(p)))\
	$(eval PC_LIBS_$(p) := $$(shell $(PKG_CONFIG) --libs $(p))))
PC_LIBS_bzip2 := $(shell $(PKG_CONFIG) --libs bzip2 2>/dev/null || echo -lbz2)
PC_LIBS_lzo2 := $(shell $(PKG_CONFIG) --libs lzo2 2>/dev/null || echo -llzo2)
pc_cflags = $(foreach p,$(1),$(PC_CFLAGS_$(p)))
pc_libs = $(foreach p,$(1),$(PC_LIBS_$(p)))

# The static libraries, lowest layer first (a layer links only what is
# to its right): see docs/ARCHITECTURE.md.
LIB_COMMON = common/libcommon.a
LIB_KSYM = kernel-symbols/libksym.a
LIB_RSP = gdbstub-client/rsp/librsp.a
LIB_REPORT = gdbstub-client/report/libreport.a
LIB_TARGET = gdbstub-client/target/libtarget.a
LIB_LINUX = gdbstub-client/linux/liblinux.a
LIB_PROFILE = gdbstub-client/profile/libprofile.a

PROGRAMS =
UNIT_TESTS =
TEST_HELPERS =
BENCHES =
CLEAN =
LIBS_BUILT =

all:

include common/module.mk
include kernel-symbols/module.mk
include gdbstub-client/rsp/module.mk
include gdbstub-client/report/module.mk
include gdbstub-client/target/module.mk
include gdbstub-client/linux/module.mk
include gdbstub-client/profile/module.mk
include gdbstub-client/cli/module.mk
include gdbstub-client/fuzz/module.mk
include wrapper/module.mk
include tests/module.mk
include tests/guests/module.mk
include bench/module.mk

all: $(PROGRAMS)

# The flags every object is built with; rewritten only when they change.
# Expanded here, once: .build-flags is a prerequisite of every object, and
# a folder's own KIT_CFLAGS (target-specific) must not leak into it.
.build-flags: FORCE
	@flags='$(subst ','\'',$(BUILD_FLAGS))'; \
	if [ "$$flags" != "$$(cat $@ 2>/dev/null)" ]; then \
		[ -f $@ ] && echo "    * new build flags"; \
		echo "$$flags" >$@; fi
	@vars='DEVELOPER=$(DEVELOPER) SANITIZE=$(SANITIZE)'; \
	[ "$$vars" = "$$(cat .build-vars 2>/dev/null)" ] || echo "$$vars" >.build-vars

%.o: %.c .build-flags
	$(CC) $(KIT_CFLAGS) $(CFLAGS) -c -o $@ $<

$(LIBS_BUILT):
	rm -f $@
	$(AR) rcs $@ $^

test-programs: all $(UNIT_TESTS) $(TEST_HELPERS)

# Every test runs: the fetched Debian kernels too (quick once present; a
# failed download is said, and under CI the tests that then skip fail)
check: test-programs
	@scripts/fetch-test-kernels || echo "check: warning: no Debian 5.10/6.12 test kernels (scripts/fetch-test-kernels)"
	@tests/run-all $(UNIT_TESTS)

# Mutation testing: tests/mutate builds and tests its own scratch worktree
# of HEAD (the working tree is not touched, nor built here).
mutate:
	tests/mutate $(MUTANTS)

bench: all $(BENCHES) $(TEST_HELPERS)

demo: all
	scripts/boot-profile

INSTALL_PROGRAMS = wrapper/qemu-wrapper gdbstub-client/gdbstub-client \
	kernel-symbols/kernel-symbols
MANPAGES = docs/man/qemu-wrapper.1 docs/man/gdbstub-client.1 \
	docs/man/kernel-symbols.1 docs/man/boot-profile.1
COMPLETION = scripts/completion/qemu-boot-debug.bash
# The installed scripts learn where they are and the version: the lines
# KIT_BINDIR=, KIT_LIBEXECDIR= and KIT_VERSION= at their top.
install_script = sed -e "s|^KIT_BINDIR=.*|KIT_BINDIR='$(BINDIR)'|" \
	-e "s|^KIT_LIBEXECDIR=.*|KIT_LIBEXECDIR='$(LIBEXECDIR)'|" \
	-e "s|^KIT_VERSION=.*|KIT_VERSION='$(VERSION)'|" $(1) >$(2).tmp && \
	chmod 0755 $(2).tmp && mv -f $(2).tmp $(2)

# Programs, boot-profile and its helper, man pages, bash completion
# (under both command names, as bash-completion loads them).
install: all
	install -d $(DESTDIR)$(BINDIR) $(DESTDIR)$(LIBEXECDIR)/qemu-boot-debug \
		$(DESTDIR)$(MANDIR)/man1 $(DESTDIR)$(BASHCOMPDIR)
	install -m 0755 $(INSTALL_PROGRAMS) $(DESTDIR)$(BINDIR)/
	$(call install_script,scripts/boot-profile,$(DESTDIR)$(BINDIR)/boot-profile)
	$(call install_script,scripts/make-initramfs,$(DESTDIR)$(LIBEXECDIR)/qemu-boot-debug/make-initramfs)
	install -m 0644 $(MANPAGES) $(DESTDIR)$(MANDIR)/man1/
	install -m 0644 $(COMPLETION) $(DESTDIR)$(BASHCOMPDIR)/gdbstub-client
	install -m 0644 $(COMPLETION) $(DESTDIR)$(BASHCOMPDIR)/kernel-symbols

uninstall:
	rm -f $(addprefix $(DESTDIR)$(BINDIR)/,$(notdir $(INSTALL_PROGRAMS)) boot-profile) \
		$(DESTDIR)$(LIBEXECDIR)/qemu-boot-debug/make-initramfs \
		$(addprefix $(DESTDIR)$(MANDIR)/man1/,$(notdir $(MANPAGES))) \
		$(DESTDIR)$(BASHCOMPDIR)/gdbstub-client $(DESTDIR)$(BASHCOMPDIR)/kernel-symbols
	-rmdir $(DESTDIR)$(LIBEXECDIR)/qemu-boot-debug

clean:
	rm -f $(PROGRAMS) $(UNIT_TESTS) $(TEST_HELPERS) $(BENCHES) $(CLEAN) \
		$(LIBS_BUILT) .build-flags .build-vars
	find . -name '*.o' -o -name '*.d' | xargs rm -f

FORCE:
.PHONY: all test-programs check mutate bench demo install uninstall clean FORCE
-include $(shell find . -name '*.d' 2>/dev/null)

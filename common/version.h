/*
 * version.h: the kit's version, one source: VERSION in the top Makefile,
 * compiled in as KIT_VERSION (every object is rebuilt when it changes:
 * it is part of the flags in .build-flags).  The scripts read the same
 * line of the Makefile in the source tree; "make install" writes it into
 * the installed copies.
 */
#ifndef KIT_VERSION_H
#define KIT_VERSION_H

#ifndef KIT_VERSION
#define KIT_VERSION "unknown"
#endif

#define KIT_PACKAGE "qemu-boot-debug"

/*
 * --version: "PROG (qemu-boot-debug) VERSION" on standard output, one
 * line, then exit 0 (1 when standard output cannot be written).
 */
__attribute__((noreturn)) void kit_print_version(const char *prog);

/*
 * After --help has been printed on standard output: exit 0, or 1 with a
 * message when standard output cannot be written (a full disk, /dev/full).
 */
__attribute__((noreturn)) void kit_help_done(void);

#endif

/* version.c: see version.h. */
#include "version.h"
#include "usage.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>

void kit_print_version(const char *prog)
{
	printf("%s (%s) %s\n", prog, KIT_PACKAGE, KIT_VERSION);
	if (fflush(stdout) || ferror(stdout))
		die_errno("cannot write the version to standard output");
	exit(0);
}

void kit_help_done(void)
{
	if (fflush(stdout) || ferror(stdout))
		die_errno("cannot write the help to standard output");
	exit(0);
}

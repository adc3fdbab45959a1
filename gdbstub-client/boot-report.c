/*
 * boot-report: the boot profile reports without the rest of the client.
 *
 *   boot-report report FILE.json... [--format=text|json|svg|trace|folded] ...
 *   boot-report compare A.json... -- B.json... [--threshold PCT] ...
 *
 * It is what `gdbstub-client report` and `gdbstub-client compare` run
 * (prof_report_main / prof_compare_main in report-cli.c), built on its own
 * so the reports can be tested without a guest.  Options and output are
 * described in profile.h and docs/profile-schema.md.
 */
#include <stdio.h>
#include <string.h>

#include "profile.h"
#include "usage.h"

int main(int argc, char **argv)
{
	set_progname(argv[0]);
	if (argc >= 2 && !strcmp(argv[1], "report"))
		return prof_report_main(argc - 1, argv + 1);
	if (argc >= 2 && !strcmp(argv[1], "compare"))
		return prof_compare_main(argc - 1, argv + 1);
	fprintf(stderr, "usage: boot-report report FILE.json... [options]\n"
		"       boot-report compare A.json... -- B.json... [options]\n");
	return 2;
}

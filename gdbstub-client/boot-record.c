/*
 * boot-record.c: a standalone driver for the boot recorder, so that it can
 * be run and tested before `gdbstub-client profile` dispatches to it.
 *
 *   gdbstub-client/boot-record [--latest | --wait | ENDPOINT] ... -o FILE.json
 *
 * Everything is in record.c (gc_profile_main); see its opening comment.
 */
#include "record.h"
#include "usage.h"

int main(int argc, char **argv)
{
	static char name[] = "profile";

	set_progname("profile");
	argv[0] = name;
	return gc_profile_main(argc, argv);
}

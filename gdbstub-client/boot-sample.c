/*
 * boot-sample: `gdbstub-client sample` as a program of its own, so that it
 * can be tested before the main CLI dispatches to gc_sample_main().
 *
 *   boot-sample [--latest | --wait | ENDPOINT] [--kernel FILE] [--hz N]
 *               [--duration SEC | --until-exit] [-o FILE.json] [--top N]
 *               [--folded FILE|-]
 */
#include "sample.h"
#include "usage.h"

int main(int argc, char **argv)
{
	static char name[] = "sample";

	set_progname("gdbstub-client sample");
	argv[0] = name;
	return gc_sample_main(argc, argv);
}

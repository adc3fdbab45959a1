/*
 * bench/exec-floor: the least a wrapper can cost.  A static program that
 * only execv()s $EXEC_FLOOR_TARGET with its own arguments; used by
 * bench/wrapper-overhead as the reference for "one more execve".
 */
#include <stdlib.h>
#include <unistd.h>

int main(int argc, char **argv)
{
	char *target = getenv("EXEC_FLOOR_TARGET");

	(void)argc;
	if (!target)
		return 127;
	argv[0] = target;
	execv(target, argv);
	return 127;
}

/*
 * hostinfo.c: the machine a profile was recorded on, for reports that
 * gather runs from several hosts: its name, its CPU model and the version
 * of the QEMU that ran the guest (docs/profile-schema.md, environment).
 *
 * The host name is uname's nodename; the CPU model the first "model name"
 * of /proc/cpuinfo; the QEMU version the first line of `QEMU --version`
 * ("QEMU emulator version 7.2.19 (Debian 1:7.2+dfsg-7+deb12u16)" gives
 * "7.2.19 (Debian 1:7.2+dfsg-7+deb12u16)"), run without a shell after the
 * boot, when nothing is being timed, for at most QEMU_VERSION_MS.  What
 * cannot be read is left out of the profile, never guessed.
 */
#include "recorder-int.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/utsname.h>
#include <sys/wait.h>
#include <unistd.h>

#include "clock.h"

#define QEMU_VERSION_MS 5000

extern char **environ;

/* s without leading and trailing blanks (in place) */
static char *trim(char *s)
{
	size_t n;

	while (*s == ' ' || *s == '\t')
		s++;
	n = strlen(s);
	while (n && (s[n - 1] == ' ' || s[n - 1] == '\t' || s[n - 1] == '\n' ||
		     s[n - 1] == '\r'))
		s[--n] = '\0';
	return s;
}

static void cpu_model(struct prof_env *env)
{
	char line[512], *v;
	FILE *f = fopen("/proc/cpuinfo", "re");

	if (!f)
		return;
	while (fgets(line, sizeof line, f)) {
		if (strncmp(line, "model name", 10) || !(v = strchr(line, ':')))
			continue;
		v = trim(v + 1);
		if (*v)
			prof_set_str(&env->cpu_model, v, NULL);
		break;
	}
	fclose(f);
}

/* The first line of `qemu --version`, into buf; 0 or -1. */
static int run_version(const char *qemu, char *buf, size_t len)
{
	posix_spawn_file_actions_t fa;
	char *argv[] = { (char *)qemu, (char *)"--version", NULL };
	int fd[2], status, rc = -1;
	int64_t deadline = kit_mono_ns() + (int64_t)QEMU_VERSION_MS * 1000000;
	size_t got = 0;
	pid_t pid;

	if (pipe2(fd, O_CLOEXEC) < 0)
		return -1;
	if (posix_spawn_file_actions_init(&fa)) {
		close(fd[0]);
		close(fd[1]);
		return -1;
	}
	posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDONLY, 0);
	posix_spawn_file_actions_adddup2(&fa, fd[1], 1);
	posix_spawn_file_actions_addopen(&fa, 2, "/dev/null", O_WRONLY, 0);
	rc = posix_spawn(&pid, qemu, &fa, NULL, argv, environ) ? -1 : 0;
	posix_spawn_file_actions_destroy(&fa);
	close(fd[1]);
	if (rc) {
		close(fd[0]);
		return -1;
	}
	while (got + 1 < len) {
		struct pollfd p = { .fd = fd[0], .events = POLLIN };
		int64_t left = (deadline - kit_mono_ns()) / 1000000;
		ssize_t n;
		int pr;

		if (left <= 0) {
			rc = -1; /* a qemu that does not answer */
			break;
		}
		pr = poll(&p, 1, (int)left);
		if (pr < 0 && errno == EINTR)
			continue;
		if (pr <= 0) {
			rc = -1;
			break;
		}
		n = read(fd[0], buf + got, len - 1 - got);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		got += (size_t)n;
		if (memchr(buf, '\n', got))
			break;
	}
	buf[got] = '\0';
	close(fd[0]);
	if (rc)
		kill(pid, SIGKILL);
	while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
		;
	return rc || !got ? -1 : 0;
}

static void qemu_version(struct prof_env *env, const char *qemu)
{
	char buf[1024], *v, *nl;

	if (!qemu || !*qemu || run_version(qemu, buf, sizeof buf))
		return;
	if ((nl = strchr(buf, '\n')))
		*nl = '\0';
	if (!(v = strstr(buf, "version ")))
		return;
	v = trim(v + 8);
	if (*v)
		prof_set_str(&env->qemu_version, v, NULL);
}

void rec_env_machine(struct prof_env *env, const char *qemu)
{
	struct utsname u;

	if (uname(&u) == 0 && u.nodename[0])
		prof_set_str(&env->hostname, u.nodename, NULL);
	cpu_model(env);
	qemu_version(env, qemu);
}

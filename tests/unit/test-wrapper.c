/* Unit tests of qemu-wrapper's pure parts: argv reading, classification,
 * endpoints, qemu discovery, quoting, exit status. */
#include "tap.h"
#include "rundir.h"
#include "wrap.h"

#include <errno.h>
#include <limits.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#define ARGV(...) ((char *const[]){ "qemu", __VA_ARGS__, NULL })
#define ARGC(...) ((int)(sizeof((char *[]){ "qemu", __VA_ARGS__ }) / sizeof(char *)))
#define CLASSIFY(d, ...) wrap_classify(ARGC(__VA_ARGS__), ARGV(__VA_ARGS__), d)

static void expect_mode(enum wrap_mode want, const char *rule_part,
			const struct wrap_decision *d, const char *name)
{
	int good = d->mode == want && strstr(d->rule, rule_part) != NULL;

	if (!tap_ok(good, name))
		printf("#   expected %s with rule containing '%s', saw %s rule='%s'\n",
		       want == WRAP_PROBE ? "probe" : "launch", rule_part,
		       d->mode == WRAP_PROBE ? "probe" : "launch", d->rule);
}

static void test_classify_libguestfs(void)
{
	struct wrap_decision d;

	/* The five invocations of libguestfs 1.48 (docs/qemu-notes.md). */
	CLASSIFY(&d, "-display", "none", "-help");
	expect_mode(WRAP_PROBE, "help: option '-help'", &d, "libguestfs -help probe");
	CLASSIFY(&d, "-display", "none", "-machine", "accel=kvm:tcg", "-device", "?");
	expect_mode(WRAP_PROBE, "'-device ?'", &d, "libguestfs -device ? probe");
	CLASSIFY(&d, "-display", "none", "-machine", "accel=kvm:tcg", "-qmp", "stdio");
	expect_mode(WRAP_PROBE, "query: '-qmp stdio'", &d, "libguestfs -qmp stdio probe");
	CLASSIFY(&d, "-global", "virtio-blk-pci.scsi=off", "-no-user-config",
		 "-nodefaults", "-display", "none", "-machine", "accel=tcg",
		 "-cpu", "max", "-m", "1280", "-no-reboot", "-rtc",
		 "driftfix=slew", "-no-hpet", "-global", "kvm-pit.lost_tick_policy=discard",
		 "-kernel", "/var/tmp/.guestfs-0/appliance.d/kernel",
		 "-initrd", "/var/tmp/.guestfs-0/appliance.d/initrd",
		 "-object", "rng-random,filename=/dev/urandom,id=rng0",
		 "-device", "virtio-rng-pci,rng=rng0",
		 "-device", "virtio-scsi-pci,id=scsi",
		 "-drive", "file=/tmp/x/overlay1.qcow2,cache=unsafe,format=qcow2,id=appliance,if=none",
		 "-device", "scsi-hd,drive=appliance",
		 "-device", "virtio-serial-pci",
		 "-serial", "stdio",
		 "-chardev", "socket,path=/tmp/libguestfsX/guestfsd.sock,id=channel0",
		 "-device", "virtserialport,chardev=channel0,name=org.libguestfs.channel.0",
		 "-append", "panic=1 console=ttyS0 edd=off udevtimeout=6000 printk.time=1 help");
	expect_mode(WRAP_LAUNCH, "guest payload -kernel", &d,
		    "libguestfs real launch (with 'help' in -append) is a launch");
}

/* One classification: argv after "qemu", the mode and a part of the rule
 * wanted. */
struct classify_case {
	const char *argv[12];
	enum wrap_mode mode;
	const char *rule, *name;
};

static const struct classify_case classify_cases[] = {
	{ { "-version" }, WRAP_PROBE, "'-version'",
	  "-version" },
	{ { "--version" }, WRAP_PROBE, "'--version'",
	  "--version" },
	{ { "-h" }, WRAP_PROBE, "'-h'",
	  "-h" },
	{ { "-machine", "help" }, WRAP_PROBE, "'-machine help'",
	  "-machine help" },
	{ { "-cpu", "help" }, WRAP_PROBE, "'-cpu help'",
	  "-cpu help" },
	{ { "-cpu", "?" }, WRAP_PROBE, "'-cpu ?'",
	  "-cpu ?" },
	{ { "-device", "virtio-blk-pci,help" }, WRAP_PROBE, "help",
	  "-device NAME,help" },
	{ { "-device", "virtio-blk-pci,?" }, WRAP_PROBE, "help",
	  "-device NAME,?" },
	{ { "-kernel", "/boot/vmlinuz", "-machine", "help" }, WRAP_PROBE, "'-machine help'",
	  "help wins over a payload" },
	{ { "-device", "helper-thing" }, WRAP_LAUNCH, "no help option",
	  "'helper-thing' is not help" },
	{ { "-kernel", "k", "-append", "help" }, WRAP_LAUNCH, "-kernel",
	  "-append help is a kernel command line, not a help request" },
	{ { "-kernel", "k", "-append", "quiet,?" }, WRAP_LAUNCH, "-kernel",
	  "-append with a '?' part is not a help request" },
	{ { "-S", "-machine", "help" }, WRAP_PROBE, "'-machine help'",
	  "a flag option does not swallow the next option" },
	/* libvirt's capability probe */
	{ { "-S", "-no-user-config", "-nodefaults", "-nographic",
	    "-machine", "none,accel=kvm:tcg",
	    "-qmp", "unix:/var/lib/libvirt/qemu/qmp-X/qmp.monitor,server=on,wait=off",
	    "-pidfile", "/var/lib/libvirt/qemu/qmp-X/qmp.pid", "-daemonize" },
	  WRAP_PROBE, "query: '-qmp unix:",
	  "libvirt capability probe" },
	{ { "-machine", "none", "-display", "none" }, WRAP_PROBE, "machine 'none'",
	  "-machine none, no monitor" },
	{ { "-machine", "type=none,accel=tcg" }, WRAP_PROBE, "machine 'none'",
	  "-machine type=none" },
	{ { "-machine", "nonesuch" }, WRAP_LAUNCH, "no help option",
	  "-machine nonesuch is a launch" },
	{ { "-monitor", "stdio", "-hda", "disk.img" }, WRAP_LAUNCH, "-hda",
	  "monitor with a disk is a launch" },
	{ { "-qmp", "stdio", "-device", "virtio-blk,drive=d0" }, WRAP_LAUNCH, "-device with a drive",
	  "monitor with a drive-bound device is a launch" },
	{ { "-qmp", "stdio", "-incoming", "defer" }, WRAP_LAUNCH, "-incoming",
	  "incoming migration is a launch" },
	{ { "-qmp", "stdio", "disk.img" }, WRAP_LAUNCH, "bare word",
	  "a bare disk image is a payload" },
	{ { "-mon", "chardev=c0,mode=control", "-chardev", "stdio,id=c0" }, WRAP_PROBE, "query: '-mon",
	  "-mon with no payload" },
	{ { "-machine", "accel=tcg", "-display", "none", "-nodefaults" }, WRAP_LAUNCH, "no help option",
	  "bare guest is a launch" },
	{ { "--qmp", "stdio" }, WRAP_PROBE, "query",
	  "double-dash options" },
};

static void test_classify_table(void)
{
	size_t i;

	for (i = 0; i < sizeof classify_cases / sizeof *classify_cases; i++) {
		const struct classify_case *k = &classify_cases[i];
		char *argv[13] = { "qemu" };
		struct wrap_decision d;
		int argc = 1;

		while (k->argv[argc - 1]) {
			argv[argc] = (char *)k->argv[argc - 1];
			argc++;
		}
		wrap_classify(argc, argv, &d);
		expect_mode(k->mode, k->rule, &d, k->name);
	}
}

static void test_opt_iter(void)
{
	char *const argv[] = { "q", "-S", "-m", "512", "disk", "-snapshot", "-name", NULL };
	struct wrap_opt_iter it;
	struct wrap_opt o;
	int n = 0;

	wrap_opt_iter_init(&it, 7, argv);
	while (wrap_opt_next(&it, &o)) {
		switch (n++) {
		case 0: ok(!strcmp(o.name, "S") && !o.value, "iter: -S flag"); break;
		case 1: ok(!strcmp(o.name, "m") && !strcmp(o.value, "512"), "iter: -m 512"); break;
		case 2: ok(!o.name && !strcmp(o.value, "disk"), "iter: bare word"); break;
		case 3: ok(!strcmp(o.name, "snapshot") && !o.value, "iter: -snapshot flag"); break;
		case 4: ok(!strcmp(o.name, "name") && !o.value, "iter: trailing option without value"); break;
		}
	}
	is_int(n, 5, "iter: five items");
	ok(wrap_opt_is_flag("nodefaults") && !wrap_opt_is_flag("kernel"),
	   "flag table");
}

static void test_launch_info(void)
{
	struct wrap_launch_info li;
	char *const a1[] = { "q", "-kernel", "k", "-initrd", "i", "-append", "a b",
			     "-machine", "pc,accel=kvm:tcg", "-S", "-s", NULL };
	char *const a2[] = { "q", "-accel", "tcg,thread=single", "-gdb",
			     "tcp:127.0.0.1:5555", "-daemonize", NULL };
	char *const a3[] = { "q", "-enable-kvm", "-append", "x", "-append", "y", NULL };

	wrap_launch_info(11, a1, &li);
	is_str(li.kernel, "k", "info: kernel");
	is_str(li.initrd, "i", "info: initrd");
	is_str(li.append, "a b", "info: append");
	is_int(li.append_index, 6, "info: append index");
	is_str(li.accel, "kvm:tcg", "info: accel from -machine");
	ok(li.has_S && li.has_gdb, "info: -S and -s seen");
	is_str(li.gdb_spec, "tcp::1234", "info: -s means tcp::1234");
	wrap_launch_info(6, a2, &li);
	is_str(li.accel, "tcg", "info: accel from -accel");
	is_str(li.gdb_spec, "tcp:127.0.0.1:5555", "info: -gdb spec");
	ok(li.daemonize && !li.has_S, "info: daemonize, no -S");
	ok(!li.machine_none, "info: not machine none");
	wrap_launch_info(6, a3, &li);
	is_str(li.accel, "kvm", "info: -enable-kvm");
	is_str(li.append, "y", "info: the last -append counts");
	is_int(li.append_index, 5, "info: last append index");
	{
		char *const a4[] = { "q", "-machine", "none,accel=tcg", NULL };

		wrap_launch_info(3, a4, &li);
		ok(li.machine_none, "info: machine none seen");
	}
}

static void test_endpoint(void)
{
	struct wrap_endpoint ep;
	struct kit_err err;
	char buf[300];
	int fd;

	ok(wrap_endpoint_parse("tcp:127.0.0.1:1234", &ep, &err) == 0 &&
	   ep.transport == WRAP_TCP && !strcmp(ep.host, "127.0.0.1") &&
	   ep.port == 1234, "endpoint: tcp host port");
	ok(wrap_endpoint_parse("tcp:[::1]:0", &ep, &err) == 0 &&
	   !strcmp(ep.host, "::1") && ep.port == 0, "endpoint: tcp v6");
	wrap_endpoint_format(&ep, buf, sizeof buf);
	is_str(buf, "tcp:[::1]:0", "endpoint: v6 formatted with brackets");
	ok(wrap_endpoint_is_loopback(&ep), "endpoint: ::1 is loopback");
	ok(wrap_endpoint_parse("unix:/run/x.sock", &ep, &err) == 0 &&
	   ep.transport == WRAP_UNIX && !strcmp(ep.path, "/run/x.sock"),
	   "endpoint: unix path");
	ok(wrap_endpoint_parse("unix", &ep, &err) == 0 && !ep.path[0],
	   "endpoint: unix without path");
	ok(wrap_endpoint_parse("tcp:0.0.0.0:1", &ep, &err) == 0 &&
	   !wrap_endpoint_is_loopback(&ep), "endpoint: 0.0.0.0 is not loopback");
	ok(wrap_endpoint_parse("tcp:127.8.9.1:1", &ep, &err) == 0 &&
	   wrap_endpoint_is_loopback(&ep), "endpoint: 127/8 is loopback");

	ok(wrap_endpoint_parse("1234", &ep, &err) < 0 &&
	   strstr(err.msg, "expected tcp:HOST:PORT or unix:PATH"),
	   "endpoint: bare port refused");
	ok(wrap_endpoint_parse("tcp:localhost", &ep, &err) < 0 &&
	   strstr(err.msg, "no port"), "endpoint: missing port");
	ok(wrap_endpoint_parse("tcp::1234", &ep, &err) < 0 &&
	   strstr(err.msg, "empty host"), "endpoint: empty host");
	ok(wrap_endpoint_parse("tcp:h:99999", &ep, &err) < 0 &&
	   strstr(err.msg, "'99999'"), "endpoint: port out of range");
	ok(wrap_endpoint_parse("tcp:h:12x", &ep, &err) < 0, "endpoint: port not a number");
	ok(wrap_endpoint_parse("unix:", &ep, &err) < 0 &&
	   strstr(err.msg, "empty socket path"), "endpoint: empty unix path");
	ok(wrap_endpoint_parse("tcp:[::1:5", &ep, &err) < 0, "endpoint: unclosed bracket");

	/* listen on port 0: a real port comes back */
	wrap_endpoint_parse("tcp:127.0.0.1:0", &ep, &err);
	fd = wrap_endpoint_listen(&ep, &err);
	ok(fd >= 0 && ep.port > 0, "endpoint: listen on port 0 yields a port");
	if (fd >= 0)
		close(fd);
}

static void test_find_qemu(void)
{
	char dir[] = "/tmp/test-wrapper-XXXXXX", path[PATH_MAX], out[PATH_MAX];
	char pathenv[PATH_MAX * 2], self[PATH_MAX];
	struct kit_err err;
	ssize_t n;
	FILE *f;

	if (!mkdtemp(dir)) {
		ok(0, "mkdtemp");
		return;
	}
	n = readlink("/proc/self/exe", self, sizeof self - 1);
	self[n > 0 ? n : 0] = '\0';

	/* a symlink named qemu-system-x86_64 pointing at "the wrapper"
	 * (this test binary stands in for it) is skipped */
	snprintf(path, sizeof path, "%s/a", dir);
	mkdir(path, 0700);
	snprintf(path, sizeof path, "%s/a/qemu-system-x86_64", dir);
	ok(symlink(self, path) == 0, "find: make self symlink");
	snprintf(path, sizeof path, "%s/b", dir);
	mkdir(path, 0700);
	snprintf(path, sizeof path, "%s/b/qemu-kvm", dir);
	f = fopen(path, "w");
	if (f)
		fclose(f);
	chmod(path, 0755);
	snprintf(pathenv, sizeof pathenv, "%s/a:%s/b", dir, dir);
	ok(wrap_find_qemu(NULL, pathenv, out, sizeof out, &err) == 0 &&
	   !strcmp(out, path), "find: skips itself, takes qemu-kvm");

	snprintf(pathenv, sizeof pathenv, "%s/a", dir);
	ok(wrap_find_qemu(NULL, pathenv, out, sizeof out, &err) < 0 &&
	   err.code == ENOENT && strstr(err.msg, "cannot find the real qemu"),
	   "find: only itself on PATH is ENOENT");

	snprintf(path, sizeof path, "%s/a/qemu-system-x86_64", dir);
	ok(wrap_find_qemu(path, NULL, out, sizeof out, &err) < 0 &&
	   err.code == ELOOP, "find: explicit pointing at itself refused");
	ok(wrap_find_qemu("/nonexistent/qemu", NULL, out, sizeof out, &err) < 0 &&
	   strstr(err.msg, "'/nonexistent/qemu'"), "find: explicit missing named");
	snprintf(path, sizeof path, "%s/plain", dir);
	f = fopen(path, "w");
	if (f)
		fclose(f);
	ok(wrap_find_qemu(path, NULL, out, sizeof out, &err) < 0 &&
	   err.code == EACCES, "find: explicit not executable");
	unlink(path);

	snprintf(path, sizeof path, "%s/a/qemu-system-x86_64", dir);
	unlink(path);
	snprintf(path, sizeof path, "%s/b/qemu-kvm", dir);
	unlink(path);
	snprintf(path, sizeof path, "%s/a", dir);
	rmdir(path);
	snprintf(path, sizeof path, "%s/b", dir);
	rmdir(path);
	rmdir(dir);
}

static void test_misc(void)
{
	char buf[64];

	wrap_quote("it's", buf, sizeof buf);
	is_str(buf, "'it'\\''s'", "quote: single quote");
	wrap_quote("", buf, sizeof buf);
	is_str(buf, "''", "quote: empty");
	is_int(wrap_exit_status(33 << 8), 33, "exit status: code");
	is_int(wrap_exit_status(SIGKILL), 137, "exit status: killed is 128+9");
}

/* The gdbstub's accepted connections, as the wrapper counts them. */
static void test_gdb_connections(void)
{
	char dir[] = "/tmp/test-wrapper.XXXXXX";
	struct wrap_endpoint ep = { .transport = WRAP_UNIX };
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	struct kit_err err;
	int l, c, a;

	if (!mkdtemp(dir)) {
		ok(0, "mkdtemp");
		return;
	}
	snprintf(ep.path, sizeof ep.path, "%s/g.sock", dir);
	l = wrap_endpoint_listen(&ep, &err);
	ok(l >= 0, "listen on a unix endpoint in a private directory");
	is_int(wrap_gdb_connections(&ep), 0, "connections: none while only listening");
	snprintf(sa.sun_path, sizeof sa.sun_path, "%s", ep.path);
	c = socket(AF_UNIX, SOCK_STREAM, 0);
	ok(connect(c, (struct sockaddr *)&sa, sizeof sa) == 0, "client connects");
	a = accept(l, NULL, NULL);
	is_int(wrap_gdb_connections(&ep), 1, "connections: one accepted");
	close(c);
	close(a);
	is_int(wrap_gdb_connections(&ep), 0, "connections: none once both ends closed");
	/* a second listen on a live socket is refused, the socket kept */
	ok(wrap_endpoint_listen(&ep, &err) < 0 && err.code == EADDRINUSE,
	   "listen on a live socket's path: EADDRINUSE");
	close(l);
	ok(wrap_endpoint_listen(&ep, &err) >= 0, "a dead socket's path is reused");
	unlink(ep.path);
	rmdir(dir);
}

static void test_rundir(void)
{
	char dir[] = "/tmp/test-wrapper.XXXXXX";
	struct kit_err err;

	if (!mkdtemp(dir)) {
		ok(0, "mkdtemp");
		return;
	}
	is_int(kit_rundir_check(dir, false, &err), 0, "rundir: a 0700 directory of ours");
	chmod(dir, 0755);
	is_int(kit_rundir_check(dir, false, &err), 0, "rundir: 0755 is fine (files are 0600)");
	chmod(dir, 0775);
	ok(kit_rundir_check(dir, false, &err) < 0 && err.code == EPERM &&
	   strstr(err.msg, "writable by other users (mode 0775)"),
	   "rundir: group-writable refused");
	chmod(dir, 01777);
	ok(kit_rundir_check(dir, false, &err) < 0 && err.code == EPERM,
	   "rundir: a sticky world-writable directory refused");
	chmod(dir, 0700);
	if (getuid() == 0 && chown(dir, 65534, 65534) == 0)
		ok(kit_rundir_check(dir, false, &err) < 0 &&
		   strstr(err.msg, "belongs to another user (uid 65534)"),
		   "rundir: another user's refused");
	rmdir(dir);
	ok(kit_rundir_check(dir, false, &err) < 0 && err.code == ENOENT,
	   "rundir: missing is ENOENT");
}

int main(void)
{
	test_classify_libguestfs();
	test_classify_table();
	test_opt_iter();
	test_launch_info();
	test_endpoint();
	test_find_qemu();
	test_misc();
	test_gdb_connections();
	test_rundir();
	return tap_done();
}

/*
 * classify.c: reading a qemu command line: which words are options, which
 * are their values, and whether the whole is a probe or a launch.
 */
#include "wrap.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/*
 * Options that take no argument.  Checked against qemu-system-x86_64 7.2 by
 * running each option of "-help" alone and seeing whether it complains
 * "requires an argument"; older and newer spellings are kept so a qemu of
 * another version is parsed the same.
 */
static const char *const flag_opts[] = {
	"S", "alt-grab", "async-teardown", "audio-help", "ctrl-grab", "curses",
	"daemonize", "enable-fips", "enable-kvm", "enable-sync-profile",
	"full-screen", "h", "help", "mem-prealloc", "no-acpi", "no-fd-bootchk",
	"no-frame", "no-hpet", "no-kvm", "no-kvm-irqchip", "no-kvm-pit",
	"no-kvm-pit-reinjection", "no-quit", "no-reboot", "no-shutdown",
	"no-user-config", "nodefaults", "nodefconfig", "nographic", "old-param",
	"only-migratable", "perfmap", "portrait", "preconfig", "rtc-td-hack",
	"s", "sdl", "semihosting", "singlestep", "snapshot", "tdf", "usb",
	"version", "win2k-hack", "xen-attach", "xen-domid-restrict",
};

bool wrap_opt_is_flag(const char *name)
{
	size_t i;

	for (i = 0; i < sizeof flag_opts / sizeof *flag_opts; i++)
		if (strcmp(name, flag_opts[i]) == 0)
			return true;
	return false;
}

void wrap_opt_iter_init(struct wrap_opt_iter *it, int argc, char *const *argv)
{
	it->argc = argc;
	it->argv = argv;
	it->next = 1;
}

bool wrap_opt_next(struct wrap_opt_iter *it, struct wrap_opt *opt)
{
	const char *w;

	if (it->next >= it->argc)
		return false;
	w = it->argv[it->next];
	opt->index = it->next++;
	/* QEMU treats a word not starting with '-' as the first hard disk. */
	if (w[0] != '-' || w[1] == '\0') {
		opt->name = NULL;
		opt->value = w;
		return true;
	}
	opt->name = w + (w[1] == '-' ? 2 : 1);
	if (wrap_opt_is_flag(opt->name)) {
		opt->value = NULL;
	} else if (it->next < it->argc) {
		opt->value = it->argv[it->next++];
	} else {
		opt->value = NULL;
	}
	return true;
}

static bool is_help_word(const char *s, size_t n)
{
	return (n == 4 && strncmp(s, "help", 4) == 0) ||
	       (n == 1 && s[0] == '?');
}

/* "help", "?", or a comma-separated part that is one of them. */
static bool value_asks_help(const char *v)
{
	const char *p = v;

	for (;;) {
		const char *comma = strchr(p, ',');
		size_t n = comma ? (size_t)(comma - p) : strlen(p);

		if (is_help_word(p, n))
			return true;
		if (!comma)
			return false;
		p = comma + 1;
	}
}

static bool name_in(const char *name, const char *const *list)
{
	for (; *list; list++)
		if (strcmp(name, *list) == 0)
			return true;
	return false;
}

static const char *const payload_opts[] = {
	"kernel", "initrd", "drive", "blockdev", "hda", "hdb", "hdc", "hdd",
	"cdrom", "fda", "fdb", "bios", "pflash", "mtdblock", "sd", "incoming",
	"readconfig", "option-rom", NULL,
};

static const char *const monitor_opts[] = {
	"qmp", "qmp-pretty", "monitor", "mon", NULL,
};

/* A -device bound to a drive or loading a file is a payload. */
static bool device_is_payload(const char *v)
{
	const char *p = v;

	for (;;) {
		if (strncmp(p, "drive=", 6) == 0 || strncmp(p, "file=", 5) == 0)
			return true;
		p = strchr(p, ',');
		if (!p)
			return false;
		p++;
	}
}

/* -machine none, -machine none,accel=..., -machine type=none,... */
static bool machine_is_none(const char *v)
{
	const char *p = v;
	bool first = true;

	for (;;) {
		const char *comma = strchr(p, ',');
		size_t n = comma ? (size_t)(comma - p) : strlen(p);

		if (first && n == 4 && strncmp(p, "none", 4) == 0)
			return true;
		if (n == 9 && strncmp(p, "type=none", 9) == 0)
			return true;
		if (!comma)
			return false;
		first = false;
		p = comma + 1;
	}
}

void wrap_classify(int argc, char *const *argv, struct wrap_decision *d)
{
	struct wrap_opt_iter it;
	struct wrap_opt o;
	const char *monitor = NULL, *monitor_val = NULL, *payload = NULL;
	bool machine_none = false;

	wrap_opt_iter_init(&it, argc, argv);
	while (wrap_opt_next(&it, &o)) {
		if (!o.name) {
			if (!payload)
				payload = "a disk image as a bare word";
			continue;
		}
		if (strcmp(o.name, "h") == 0 || strcmp(o.name, "help") == 0 ||
		    strcmp(o.name, "version") == 0 ||
		    strcmp(o.name, "audio-help") == 0) {
			d->mode = WRAP_PROBE;
			snprintf(d->rule, sizeof d->rule, "help: option '%s'",
				 argv[o.index]);
			return;
		}
		if (o.value && strcmp(o.name, "append") != 0 &&
		    value_asks_help(o.value)) {
			d->mode = WRAP_PROBE;
			snprintf(d->rule, sizeof d->rule,
				 "help: '%s %s' asks for help", argv[o.index],
				 o.value);
			return;
		}
		if (name_in(o.name, monitor_opts) && !monitor) {
			monitor = argv[o.index];
			monitor_val = o.value ? o.value : "";
		}
		if (!payload && name_in(o.name, payload_opts))
			payload = argv[o.index];
		if (!payload && strcmp(o.name, "device") == 0 && o.value &&
		    device_is_payload(o.value))
			payload = "-device with a drive or file";
		if (o.value && (strcmp(o.name, "machine") == 0 ||
				strcmp(o.name, "M") == 0) &&
		    machine_is_none(o.value))
			machine_none = true;
	}

	if (payload) {
		d->mode = WRAP_LAUNCH;
		snprintf(d->rule, sizeof d->rule, "launch: guest payload %s",
			 payload);
	} else if (monitor) {
		d->mode = WRAP_PROBE;
		snprintf(d->rule, sizeof d->rule,
			 "query: '%s %s' with no guest payload", monitor,
			 monitor_val);
	} else if (machine_none) {
		d->mode = WRAP_PROBE;
		snprintf(d->rule, sizeof d->rule,
			 "query: machine 'none' with no guest payload");
	} else {
		d->mode = WRAP_LAUNCH;
		snprintf(d->rule, sizeof d->rule,
			 "launch: no help option, no monitor-only query");
	}
}

/* accel=... inside a -machine value, or NULL. */
static const char *machine_accel(const char *v)
{
	const char *p = v;

	for (;;) {
		if (strncmp(p, "accel=", 6) == 0)
			return p + 6;
		p = strchr(p, ',');
		if (!p)
			return NULL;
		p++;
	}
}

static void set_accel(struct wrap_launch_info *li, const char *a)
{
	size_t n = strcspn(a, ",");

	if (n >= sizeof li->accel_buf)
		n = sizeof li->accel_buf - 1;
	memcpy(li->accel_buf, a, n);
	li->accel_buf[n] = '\0';
	li->accel = li->accel_buf;
}

void wrap_launch_info(int argc, char *const *argv, struct wrap_launch_info *li)
{
	struct wrap_opt_iter it;
	struct wrap_opt o;

	memset(li, 0, sizeof *li);
	li->append_index = -1;
	wrap_opt_iter_init(&it, argc, argv);
	while (wrap_opt_next(&it, &o)) {
		if (!o.name)
			continue;
		if (strcmp(o.name, "S") == 0) {
			li->has_S = true;
		} else if ((strcmp(o.name, "qmp") == 0 ||
			    strcmp(o.name, "qmp-pretty") == 0) && o.value) {
			li->has_qmp = true;
		} else if (strcmp(o.name, "mon") == 0 && o.value &&
			   strstr(o.value, "mode=control")) {
			li->has_qmp = true;
		} else if (strcmp(o.name, "s") == 0) {
			li->has_gdb = true;
			li->gdb_spec = "tcp::1234";
		} else if (strcmp(o.name, "gdb") == 0 && o.value) {
			/* "-gdb none" disables the stub: nothing to add then either */
			li->has_gdb = true;
			li->gdb_spec = o.value;
		} else if (strcmp(o.name, "daemonize") == 0) {
			li->daemonize = true;
		} else if (strcmp(o.name, "enable-kvm") == 0) {
			set_accel(li, "kvm");
		} else if (!o.value) {
			continue;
		} else if (strcmp(o.name, "kernel") == 0) {
			li->kernel = o.value;
		} else if (strcmp(o.name, "initrd") == 0) {
			li->initrd = o.value;
		} else if (strcmp(o.name, "append") == 0) {
			li->append = o.value;
			li->append_index = o.index + 1;
		} else if (strcmp(o.name, "machine") == 0 ||
			   strcmp(o.name, "M") == 0) {
			const char *a = machine_accel(o.value);

			if (a)
				set_accel(li, a);
			li->machine_none = machine_is_none(o.value);
		} else if (strcmp(o.name, "accel") == 0) {
			/* -accel tcg,thread=single or -accel accel=tcg */
			set_accel(li, strncmp(o.value, "accel=", 6) == 0 ?
					      o.value + 6 : o.value);
		}
	}
}

/*
 * test-prof-report: the profile model without files: builders, JSON out
 * and back in, the loader's error messages, the stops summary, runs with
 * warm-up, and compare's marking.  The reports' text is checked by the
 * golden files of tests/t5100-report.bats.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio_ext.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "model.h"
#include "internal.h"
#include "tap.h"

#define MS 1000000LL

/* A boot with an initcall of the given length, for runs and compare. */
static struct prof_profile *boot(int64_t fw_ms, int64_t slow_us)
{
	struct prof_profile *p = prof_new();
	struct prof_initcall ic = { 0 };

	prof_add_phase(p, "qemu", -10 * MS, 10 * MS, NULL);
	prof_add_phase(p, "firmware", 0, fw_ms * MS, NULL);
	prof_add_phase(p, "initcalls:device", fw_ms * MS, 30 * MS, NULL);
	prof_add_phase(p, "userspace-start", (fw_ms + 30) * MS, 5 * MS, NULL);
	ic.fn = "steady_init";
	ic.level = "device";
	ic.start_ns = fw_ms * MS;
	ic.duration_ns = 10 * MS;
	prof_add_initcall(p, &ic, NULL);
	ic.fn = "slow_init";
	ic.order = 1;
	ic.start_ns += 10 * MS;
	ic.duration_ns = slow_us * 1000;
	prof_add_initcall(p, &ic, NULL);
	p->end_ns = (fw_ms + 35) * MS;
	return p;
}

static void expect_error(const char *json, int code, const char *msg,
			 const char *name)
{
	struct kit_err err = { 0 };
	struct prof_profile *p = prof_parse(json, strlen(json), "x.json", &err);

	ok(!p, name);
	prof_free(p);
	is_int(err.code, code, name);
	is_str(err.msg, msg, name);
}

/* Files in dir whose name starts with prefix. */
static int count_files(const char *dir, const char *prefix)
{
	DIR *d = opendir(dir);
	struct dirent *e;
	int n = 0;

	if (!d)
		return -1;
	while ((e = readdir(d)))
		n += !strncmp(e->d_name, prefix, strlen(prefix));
	closedir(d);
	return n;
}

static char *slurp(const char *path)
{
	FILE *f = fopen(path, "rb");
	char *buf;
	long n;

	if (!f)
		return NULL;
	fseek(f, 0, SEEK_END);
	n = ftell(f);
	rewind(f);
	buf = calloc(1, (size_t)n + 1);
	if (buf && fread(buf, 1, (size_t)n, f) != (size_t)n) {
		free(buf);
		buf = NULL;
	}
	fclose(f);
	return buf;
}

/* The file a "...; kept in 'PATH' instead" message names (static). */
static const char *kept_in(const char *msg)
{
	static char path[512];
	const char *a = strstr(msg, "; kept in '"), *b;

	if (!a || !(b = strchr(a + 11, '\'')) || b - (a + 11) >= 512)
		return NULL;
	memcpy(path, a + 11, (size_t)(b - (a + 11)));
	path[b - (a + 11)] = '\0';
	return path;
}

/* P and Q (NULL: not) write the same JSON. */
static int same_json(const struct prof_profile *p, const struct prof_profile *q)
{
	char *j1 = prof_json_text(p, NULL), *j2 = q ? prof_json_text(q, NULL) : NULL;
	int same = j1 && j2 && !strcmp(j1, j2);

	free(j1);
	free(j2);
	return same;
}

/* P written as JSON and read back as SOURCE: the copy (NULL when it does
 * not read), checked to write the same JSON again; WHAT starts the tests'
 * names. */
static struct prof_profile *round_trip(const struct prof_profile *p, const char *source,
				       const char *what)
{
	struct kit_err err = { 0 };
	char *j = prof_json_text(p, NULL), name[128];
	struct prof_profile *q;

	snprintf(name, sizeof name, "%swritten as JSON", what);
	ok(j != NULL, name);
	q = j ? prof_parse(j, strlen(j), source, &err) : NULL;
	snprintf(name, sizeof name, "%sread back", what);
	if (!ok(q != NULL, name))
		printf("#   %s\n", err.msg);
	snprintf(name, sizeof name, "%sJSON -> model -> JSON is identical", what);
	ok(same_json(p, q), name);
	free(j);
	return q;
}

/* prof_save where it cannot write: the profile is kept in $TMPDIR, whole,
 * and the message names the path, its errno and the copy. */
static void check_fallback(const struct prof_profile *p, const char *path,
			   int code, const char *want_prefix, const char *name)
{
	struct kit_err err = { 0 };
	const char *kept;
	struct prof_profile *q;
	char want[512];

	ok(prof_save(p, path, &err) == -1, name);
	is_int(err.code, code, name);
	snprintf(want, sizeof want, "cannot write '%s': %s; kept in '%s", path,
		 strerror(code), want_prefix);
	if (!ok(!strncmp(err.msg, want, strlen(want)), name))
		printf("#   expected '%s...', saw '%s'\n", want, err.msg);
	kept = kept_in(err.msg);
	q = kept ? prof_load(kept, &err) : NULL;
	if (!ok(q != NULL, "the copy kept is a whole profile"))
		printf("#   %s\n", kept ? err.msg : "no copy named");
	ok(same_json(p, q), "the copy is the profile");
	if (kept) {
		struct stat st;

		ok(!stat(kept, &st) && (st.st_mode & 0777) == 0600,
		   "the copy is private (0600)");
		unlink(kept);
	}
	prof_free(q);
}

/* A writer that writes half a file and fails as a report can. */
static int half_then_fail(FILE *out, const void *arg, struct kit_err *err)
{
	fputs("half of a ", out);
	fflush(out);
	return kit_seterr(err, PROF_EUSAGE, "%s", (const char *)arg);
}

static int write_new(FILE *out, const void *arg, struct kit_err *err)
{
	fputs(arg, out);
	return 0;
}

static void test_files(const struct prof_profile *p)
{
	char dir[] = "/tmp/test-prof-files.XXXXXX", path[600], sub[600];
	const char *old_tmpdir = getenv("TMPDIR");
	struct prof_profile *q = NULL;
	struct kit_err err = { 0 };
	struct stat st;
	char *s, *kept = NULL;

	if (!mkdtemp(dir)) {
		ok(0, "mkdtemp");
		return;
	}
	setenv("TMPDIR", dir, 1);

	/* ENOSPC: /dev/full is written in place and refuses every byte */
	check_fallback(p, "/dev/full", ENOSPC, dir,
		       "a profile that cannot be written (/dev/full)");
	snprintf(path, sizeof path, "%s/no/such/dir/run.json", dir);
	check_fallback(p, path, ENOENT, dir,
		       "a profile whose directory is missing");
	/* standard output that cannot be written: kept all the same */
	{
		int fd = open("/dev/full", O_WRONLY), saved = dup(1);
		char want[600];

		fflush(stdout);
		dup2(fd, 1);
		ok(prof_save(p, "-", &err) == -1, "a profile to a full stdout");
		__fpurge(stdout);
		dup2(saved, 1);
		close(saved);
		close(fd);
		snprintf(want, sizeof want,
			 "cannot write to standard output: No space left on device; kept in '%s/stdout.",
			 dir);
		if (!ok(!strncmp(err.msg, want, strlen(want)), "its message names the copy"))
			printf("#   expected '%s...', saw '%s'\n", want, err.msg);
		ok(kept_in(err.msg) && (q = prof_load(kept_in(err.msg), &err)),
		   "the copy of a full stdout is a whole profile");
		prof_free(q);
		if (kept_in(err.msg))
			unlink(kept_in(err.msg));
	}
	/* $TMPDIR unusable: the next fallback takes it */
	setenv("TMPDIR", "/nonexistent-tmpdir", 1);
	check_fallback(p, "/dev/full", ENOSPC, "/tmp/full.",
		       "an unusable $TMPDIR falls back to /tmp");
	setenv("TMPDIR", dir, 1);

	/* whole or not at all: a failing writer leaves the old file alone */
	snprintf(path, sizeof path, "%s/report.txt", dir);
	ok(!prof_write_file(path, write_new, "old report\n", NULL, &err),
	   "a report written");
	chmod(path, 0640);
	ok(prof_write_file(path, half_then_fail, "no samples", NULL, &err) == -1,
	   "a writer that fails half-way fails");
	is_str(err.msg, "no samples", "its own error passes through");
	s = slurp(path);
	is_str(s, "old report\n", "the old file is untouched");
	free(s);
	/* (the temporary is hidden: ".report.txt.XXXXXX") */
	is_int(count_files(dir, ".report.txt.") + count_files(dir, "report.txt."),
	       0, "no temporary file left");
	ok(!prof_write_file(path, write_new, "new report\n", &kept, &err),
	   "written over");
	ok(kept == NULL, "nothing kept when it went where asked");
	s = slurp(path);
	is_str(s, "new report\n", "the new content replaced the old");
	free(s);
	ok(!stat(path, &st) && (st.st_mode & 0777) == 0640,
	   "the replaced file keeps its mode");
	chmod(path, 0666);
	ok(!prof_write_file(path, write_new, "newer\n", NULL, &err) &&
	   !stat(path, &st) && (st.st_mode & 0777) == 0666,
	   "even one the umask would not give");
	/* a directory is no file: a report fails, nothing is kept */
	snprintf(sub, sizeof sub, "%s/adir", dir);
	mkdir(sub, 0755);
	ok(prof_write_file(sub, write_new, "x", NULL, &err) == -1 &&
	   err.code == EISDIR, "a directory as the output: EISDIR");
	rmdir(sub);
	unlink(path);
	if (old_tmpdir)
		setenv("TMPDIR", old_tmpdir, 1);
	else
		unsetenv("TMPDIR");
	ok(!rmdir(dir), "every copy and temporary file removed");
}

/* Control characters from a profile never reach a terminal. */
/* A folded frame: ';' separates frames and a blank the count, so neither
 * may appear inside one; controls as \xNN like every text format. */
static void test_folded_frame(void)
{
	char *buf = NULL;
	size_t n = 0;
	FILE *f = open_memstream(&buf, &n);

	if (!f)
		return;
	prof_folded_frame(f, "a;b c\td\ne\x1b" "f");
	fclose(f);
	is_str(buf, "a_b_c_d_e\\x1bf", "folded frame: ';', blanks and newlines as '_', ESC as \\x1b");
	free(buf);
}

static void test_escape(void)
{
	json_object *j;
	char b[64];

	is_str(prof_esc(b, sizeof b, "evil\x1b[2J\x1b]0;x\x07_init"),
	       "evil\\x1b[2J\\x1b]0;x\\x07_init", "C0 controls escaped");
	is_str(prof_esc(b, sizeof b, "csi\xc2\x9b" "31m del\x7f"),
	       "csi\\xc2\\x9b31m del\\x7f", "C1 control and DEL escaped");
	is_str(prof_esc(b, sizeof b, "bad\xff\xc0\xaf end\xe2\x82"),
	       "bad\\xff\\xc0\\xaf end\\xe2\\x82",
	       "bytes that are not UTF-8 (stray, overlong, cut short)");
	is_str(prof_esc(b, sizeof b, "rtl\xe2\x80\xae" "cba"),
	       "rtl\\xe2\\x80\\xaecba", "a bidi override escaped");
	is_str(prof_esc(b, sizeof b, "caf\xc3\xa9 \xe2\x80\x94 \xf0\x9f\x90\xa7"),
	       "caf\xc3\xa9 \xe2\x80\x94 \xf0\x9f\x90\xa7", "printable UTF-8 kept");
	is_str(prof_esc(b, 12, "\x1b\x1b\x1b"), "\\x1b\\x1b...",
	       "cut short with ... , never inside an escape");
	is_str(prof_esc(b, 12, "abcdefghijk"), "abcdefghijk", "exactly fits");
	j = prof_json_string("a\xff\xed\xa0\x80 \xc3\xa9\x1b");
	is_str(j ? json_object_get_string(j) : NULL,
	       "a\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd \xc3\xa9\x1b",
	       "JSON strings: bytes that are not UTF-8 become U+FFFD");
	json_object_put(j);
}

/* Limits: times and sums that would overflow int64_t are refused. */
static void test_limits(void)
{
	struct kit_err err = { 0 };
	struct prof_profile *q, *two[2];
	struct prof_runs r;
	const struct prof_series *s;
	const char *j;

	expect_error("{\"version\": 1, \"complete\": true, \"end_ns\": 1000,"
		     "\"phases\": [{\"id\": \"firmware\", \"start_ns\": 4611686018427387904,"
		     "\"duration_ns\": 9223372036854775807}], \"initcalls\": []}",
		     PROF_ESCHEMA,
		     "x.json: 'phases[0].start_ns' is out of range (more than 2^53 ns, 104 days)",
		     "start_ns 2^62 refused");
	expect_error("{\"version\": 1, \"complete\": true, \"phases\": [], \"initcalls\": ["
		     "{\"fn\": \"a\", \"level\": \"core\", \"start_ns\": 0,"
		     "\"duration_ns\": 9223372036854775807}]}",
		     PROF_ESCHEMA,
		     "x.json: 'initcalls[0].duration_ns' is out of range (more than 2^53 ns, 104 days)",
		     "duration_ns 2^63-1 refused");
	expect_error("{\"version\": 1, \"complete\": true, \"end_ns\": -9007199254740993,"
		     "\"phases\": [], \"initcalls\": []}",
		     PROF_ESCHEMA,
		     "x.json: 'end_ns' is out of range (less than -2^53 ns, 104 days)",
		     "end_ns below -2^53 refused");
	expect_error("{\"version\": 1, \"complete\": true, \"initcalls\": [], \"phases\": ["
		     "{\"id\": \"a\", \"start_ns\": 0, \"duration_ns\": 9007199254740992},"
		     "{\"id\": \"b\", \"start_ns\": 0, \"duration_ns\": 1}]}",
		     PROF_ESCHEMA,
		     "x.json: 'phases[].duration_ns' add up to more than 2^53 ns (104 days)",
		     "phase durations adding up past 2^53 refused");
	expect_error("{\"version\": 1, \"complete\": true, \"phases\": [], \"initcalls\": [],"
		     "\"samples\": {\"rate_hz\": 100, \"entries\": ["
		     "{\"region\": \"kernel\", \"count\": 9007199254740993}]}}",
		     PROF_ESCHEMA,
		     "x.json: 'samples.entries[0].count' is out of range (more than 2^53)",
		     "a count past 2^53 refused (no unit)");
	expect_error("{\"version\": 1, \"complete\": true, \"phases\": [], \"initcalls\": [],"
		     "\"samples\": {\"rate_hz\": 100, \"entries\": ["
		     "{\"region\": \"kernel\", \"count\": 9007199254740992},"
		     "{\"region\": \"bios-rom\", \"count\": 1}]}}",
		     PROF_ESCHEMA,
		     "x.json: 'samples.entries[].count' add up to more than 2^53",
		     "sample counts adding up past 2^53 refused");
	expect_error("{\"version\": 1, \"complete\": true, \"phases\": [], \"initcalls\": [],"
		     "\"samples\": {\"rate_hz\": NaN, \"entries\": []}}",
		     PROF_ESCHEMA,
		     "x.json: 'samples.rate_hz' must be a positive number, at most 1e9",
		     "a NaN sample rate refused");
	j = "{\"version\": 1, \"complete\": true, \"end_ns\": 9007199254740992,"
	    "\"phases\": [{\"id\": \"qemu\", \"start_ns\": -9007199254740992,"
	    "\"duration_ns\": 9007199254740992}], \"initcalls\": []}";
	q = prof_parse(j, strlen(j), "x.json", &err);
	ok(q != NULL, "2^53 itself is accepted");
	prof_free(q);

	/* two phases of one id in a run: each series holds one value a run
	 * (found by fuzz-profile-json: the second overflowed the array) */
	j = "{\"version\": 1, \"complete\": true, \"phases\": ["
	    "{\"id\": \"firmware\", \"start_ns\": 0, \"duration_ns\": 5},"
	    "{\"id\": \"firmware\", \"start_ns\": 5, \"duration_ns\": 7}],"
	    "\"initcalls\": [{\"fn\": \"f\", \"level\": \"core\", \"start_ns\": 0, \"duration_ns\": 1},"
	    "{\"fn\": \"f#2\", \"level\": \"core\", \"start_ns\": 1, \"duration_ns\": 2},"
	    "{\"fn\": \"f\", \"level\": \"core\", \"start_ns\": 3, \"duration_ns\": 3}]}";
	q = prof_parse(j, strlen(j), "x.json", &err);
	two[0] = two[1] = q;
	ok(q && !prof_runs_build(&r, two, 2, 0, &err), "runs of a profile with a phase twice");
	s = q ? prof_runs_find(&r, "firmware#2") : NULL;
	ok(s && s->n == 2 && s->v[0] == 7, "the second phase of the id is a series of its own");
	s = q ? prof_runs_find(&r, "fn:f#2#2") : NULL;
	ok(s && s->n == 2 && s->v[0] == 3, "an initcall key taken twice goes on to #2");
	if (q)
		prof_runs_free(&r);
	prof_free(q);
}

/* A profile with one message of the given members, for the refusals. */
static char *message_json(char *buf, size_t len, const char *members)
{
	snprintf(buf, len, "{\"version\": 1, \"complete\": true, \"phases\": [],"
		 " \"initcalls\": [], \"messages\": [%s]}", members);
	return buf;
}

/* What a report writer writes for p, in a malloc'd string. */
static char *report_of(const struct prof_profile *p, int trace)
{
	struct prof_report_opts o = { 0 };
	struct prof_profile *const one[1] = { (struct prof_profile *)p };
	char *buf = NULL;
	size_t n = 0;
	FILE *f = open_memstream(&buf, &n);

	if (!f)
		return NULL;
	if (trace ? prof_report_trace(one, 1, f, NULL) :
		    prof_report_text(p, &o, f, NULL))
		n = 0;
	fclose(f);
	if (!n) {
		free(buf);
		return NULL;
	}
	return buf;
}

/* Messages the reader refuses: the members, the message after "x.json: ",
 * the test's name. */
static const struct {
	const char *members, *msg, *name;
} bad_messages[] = {
	{ "{\"t_ns\": 0, \"level\": 8, \"text\": \"x\"}",
	  "'messages[0].level' must be -1 (unknown) or a printk level 0..7", "level 8 refused" },
	{ "{\"t_ns\": 0, \"level\": -2, \"text\": \"x\"}",
	  "'messages[0].level' must be -1 (unknown) or a printk level 0..7", "level -2 refused" },
	{ "{\"t_ns\": 0, \"level\": \"3\", \"text\": \"x\"}",
	  "'messages[0].level' must be an integer", "a level that is a string refused" },
	{ "{\"t_ns\": 0, \"text\": \"x\"},{\"t_ns\": 1, \"level\": 1, \"text\": 5}",
	  "'messages[1].text' must be a string", "a text that is not a string refused" },
	{ "{\"t_ns\": 0, \"level\": 1}",
	  "'messages[0].text' is missing", "a message without text refused" },
	{ "{\"level\": 1, \"text\": \"x\"}",
	  "'messages[0].t_ns' is missing", "a message without time refused" },
	{ "{\"t_ns\": 1.5, \"text\": \"x\"}",
	  "'messages[0].t_ns' must be an integer", "a fractional time refused" },
	{ "{\"t_ns\": 9007199254740993, \"text\": \"x\"}",
	  "'messages[0].t_ns' is out of range (more than 2^53 ns, 104 days)", "a time past 2^53 refused" },
	{ "\"x\"",
	  "'messages[0]' must be an object", "a message that is not an object refused" },
};

/* The kernel log: builder, round trip, the reader's refusals, reports. */
static void test_messages(void)
{
	struct prof_profile *p = prof_new(), *q;
	struct kit_err err = { 0 };
	char j[8192], *long_text, *big, *j1, *t;
	size_t i;

	ok(!prof_add_message(p, 20 * MS, 6, "Linux version 6.1.0", &err),
	   "add a message");
	ok(!prof_add_message(p, -1, -1, "", &err),
	   "an empty message of unknown level before the reset vector");
	ok(!prof_add_message(p, 30 * MS, 3, "bad \xff byte", &err),
	   "a message with a byte that is not UTF-8");
	is_str(p->messages[2].text, "bad \xef\xbf\xbd byte",
	       "kept as it will be written: U+FFFD");
	ok(prof_add_message(p, 0, 8, "x", &err) && err.code == PROF_EUSAGE,
	   "level 8 refused");
	ok(prof_add_message(p, 0, -2, "x", &err) && err.code == PROF_EUSAGE,
	   "level -2 refused");
	ok(prof_add_message(p, 0, 0, NULL, &err) && err.code == PROF_EUSAGE,
	   "no text refused");
	ok(prof_add_message(p, PROF_NS_MAX + 1, 0, "x", &err) &&
	   err.code == PROF_EUSAGE, "a time past 2^53 refused");
	long_text = malloc(PROF_MESSAGE_MAX + 2);
	memset(long_text, 'a', PROF_MESSAGE_MAX + 1);
	long_text[PROF_MESSAGE_MAX - 1] = '\xc3';   /* a 2-byte character */
	long_text[PROF_MESSAGE_MAX] = '\xa9';       /* across the limit */
	long_text[PROF_MESSAGE_MAX + 1] = '\0';
	ok(!prof_add_message(p, 31 * MS, 4, long_text, &err),
	   "a text past the limit is taken");
	is_int(strlen(p->messages[3].text), PROF_MESSAGE_MAX - 1,
	       "and cut before the character that crosses it");
	is_int(p->nmessages, 4, "four messages");

	q = round_trip(p, "m.json", "messages: ");
	if (q && q->nmessages == 4) {
		is_int(q->messages[0].t_ns, 20 * MS, "t_ns");
		is_int(q->messages[0].level, 6, "level");
		is_str(q->messages[0].text, "Linux version 6.1.0", "text");
		is_int(q->messages[1].t_ns, -1, "a negative time");
		is_int(q->messages[1].level, -1, "unknown level");
		is_str(q->messages[1].text, "", "an empty text");
		is_str(q->messages[2].text, "bad \xef\xbf\xbd byte", "U+FFFD");
	} else {
		ok(0, "four messages read back");
	}
	t = report_of(q ? q : p, 0);
	ok(t && strstr(t, "\nKernel log: 4 messages in the profile (trace and JSON)\n"),
	   "the text report says how many");
	free(t);
	t = report_of(q ? q : p, 1);
	ok(t && strstr(t, "\"args\":{\"name\":\"kernel log\"}") &&
	   strstr(t, "\"name\":\"aaaa") && strstr(t, "aaa...\",\"ph\":\"i\""),
	   "the trace has the kernel log thread; a long name is cut");
	free(t);
	prof_free(q);
	free(long_text);
	prof_free(p);

	/* none: no "messages" member, no line, no thread */
	p = boot(1000, 5000);
	j1 = prof_json_text(p, NULL);
	ok(j1 && !strstr(j1, "messages"), "no messages: no \"messages\" member");
	t = report_of(p, 0);
	ok(t && !strstr(t, "Kernel log"), "no messages: no line in the text");
	free(t);
	t = report_of(p, 1);
	ok(t && !strstr(t, "kernel log"), "no messages: no kernel log thread");
	free(t);
	free(j1);
	prof_free(p);
	message_json(j, sizeof j, "{\"t_ns\": 5, \"text\": \"x\"}");
	q = prof_parse(j, strlen(j), "x.json", &err);
	ok(q && q->nmessages == 1 && q->messages[0].level == -1,
	   "an absent level is unknown (-1)");
	prof_free(q);

	for (i = 0; i < sizeof bad_messages / sizeof bad_messages[0]; i++) {
		char want[256];

		snprintf(want, sizeof want, "x.json: %s", bad_messages[i].msg);
		expect_error(message_json(j, sizeof j, bad_messages[i].members), PROF_ESCHEMA, want,
			     bad_messages[i].name);
	}
	expect_error("{\"version\": 1, \"complete\": true, \"phases\": [],"
		     " \"initcalls\": [], \"messages\": {}}", PROF_ESCHEMA,
		     "x.json: 'messages' must be an array", "messages not an array");

	/* the text bound, in bytes as written */
	long_text = malloc(PROF_MESSAGE_MAX + 64);
	memset(long_text, 0, PROF_MESSAGE_MAX + 64);
	strcpy(long_text, "{\"t_ns\": 0, \"text\": \"");
	memset(long_text + strlen(long_text), 'a', PROF_MESSAGE_MAX);
	strcat(long_text, "\"}");
	message_json(j, sizeof j, long_text);
	q = prof_parse(j, strlen(j), "x.json", &err);
	ok(q && strlen(q->messages[0].text) == PROF_MESSAGE_MAX,
	   "a text of 4096 bytes is taken");
	prof_free(q);
	strcpy(strstr(long_text, "aaa\"}"), "aaaa\"}");
	expect_error(message_json(j, sizeof j, long_text), PROF_ESCHEMA,
		     "x.json: 'messages[0].text' is longer than 4096 bytes",
		     "a text of 4097 bytes refused");
	/* 1366 bytes that are not UTF-8 are written as 4098 */
	memset(long_text, 0, PROF_MESSAGE_MAX + 64);
	strcpy(long_text, "{\"t_ns\": 0, \"text\": \"");
	memset(long_text + strlen(long_text), '\xff', 1366);
	strcat(long_text, "\"}");
	expect_error(message_json(j, sizeof j, long_text), PROF_ESCHEMA,
		     "x.json: 'messages[0].text' is longer than 4096 bytes",
		     "a text counted as it would be written (U+FFFD)");
	free(long_text);

	/* the count bound, checked before any message is read */
	big = malloc((PROF_MESSAGES_MAX + 1) * 3 + 128);
	strcpy(big, "{\"version\": 1, \"complete\": true, \"phases\": [],"
		    " \"initcalls\": [], \"messages\": [");
	t = big + strlen(big);
	for (i = 0; i <= PROF_MESSAGES_MAX; i++, t += 3)
		memcpy(t, "{},", 3);
	strcpy(t - 1, "]}");
	expect_error(big, PROF_ESCHEMA,
		     "x.json: 'messages' has more than 1000000 entries",
		     "more than 1000000 messages refused");
	free(big);
}

/* Time by process: builders, the file form, refusals, and the text
 * report's table against figures worked out here by hand. */
static void test_processes(void)
{
	struct prof_profile *p = prof_new(), *q;
	struct prof_process init = { 1, "init", 0, 2100 * MS, 30, 10 };
	struct prof_process idle = { 0, "swapper/0", 1, 1000 * MS, 10, 0 };
	struct prof_process bad = { -1, "x", 0, 0, 1, 0 };
	/* kernel-init 1000..2000 ms, userspace 2000..4000 ms */
	struct prof_slice sl[] = {
		{ 1, 1000 * MS, 1100 * MS, 10, -1 },   /* idle, kernel init */
		{ -1, 1500 * MS, 1510 * MS, 10, -1 },  /* no process, kernel init */
		{ 0, 2100 * MS, 2400 * MS, 30, -1 },   /* init, userspace */
		{ -1, 3000 * MS, 3010 * MS, 10, -1 },  /* no process, userspace */
	};
	struct prof_slice wrong = { 2, 0, 1, 1, -1 };
	struct kit_err err = { 0 };
	char *text = NULL;
	size_t len = 0;
	FILE *f;
	struct prof_report_opts o = { 0 };

	ok(!prof_add_phase(p, "kernel-init", 1000 * MS, 1000 * MS, &err), "procs: phase");
	ok(!prof_add_phase(p, "userspace", 2000 * MS, 2000 * MS, &err), "procs: phase 2");
	p->samples.rate_hz = 100;
	ok(!prof_add_sample(p, "kernel", "x", 60, &err), "procs: a sample entry");
	ok(!prof_add_process(p, &init, &err), "add a process");
	ok(!prof_add_process(p, &idle, &err), "add a kernel thread");
	ok(prof_add_process(p, &bad, &err) && err.code == PROF_EUSAGE, "a negative pid refused");
	bad.pid = 3;
	bad.user_samples = 2;
	ok(prof_add_process(p, &bad, &err) && err.code == PROF_EUSAGE,
	   "more user samples than samples refused");
	ok(prof_set_slices(p, &wrong, 1, &err) && err.code == PROF_EUSAGE,
	   "a slice of a process not there refused");
	ok(!prof_set_slices(p, sl, 4, &err), "slices set, -1 among them");
	q = round_trip(p, "procs.json", "processes: ");
	if (q) {
		is_int(q->samples.nprocs, 2, "processes read back");
		ok(q->samples.procs[1].kthread, "kernel_thread read back");
		is_int(q->samples.slices[1].process, -1, "a slice of no process read back");
	}
	prof_free(q);
	expect_error("{\"version\": 1, \"complete\": true, \"phases\": [], \"initcalls\": [],"
		     "\"samples\": {\"rate_hz\": 100, \"entries\": [], \"processes\": ["
		     "{\"pid\": 1, \"comm\": \"a\", \"first_ns\": 0, \"samples\": 1, \"user_samples\": 0}],"
		     "\"slices\": [[1, 0, 10, 1]]}}",
		     PROF_ESCHEMA,
		     "x.json: 'samples.slices[0]' names no process in samples.processes",
		     "a slice naming a process past the list refused");
	expect_error("{\"version\": 1, \"complete\": true, \"phases\": [], \"initcalls\": [],"
		     "\"samples\": {\"rate_hz\": 100, \"entries\": [], \"processes\": ["
		     "{\"pid\": 1, \"comm\": \"a\", \"first_ns\": 0, \"samples\": 1, \"user_samples\": 2}]}}",
		     PROF_ESCHEMA,
		     "x.json: 'samples.processes[0].user_samples' is more than samples",
		     "more user samples than samples refused when read");
	expect_error("{\"version\": 1, \"complete\": true, \"phases\": [], \"initcalls\": [],"
		     "\"samples\": {\"rate_hz\": 100, \"entries\": [], \"processes\": ["
		     "{\"pid\": 1, \"comm\": \"a\", \"first_ns\": 0, \"samples\": 1, \"user_samples\": 0}],"
		     "\"slices\": [[0, 10, 5, 1]]}}",
		     PROF_ESCHEMA, "x.json: 'samples.slices[0]' ends before it starts",
		     "a slice ending before it starts refused");

	/* the tables: kernel init is 1000 ms with 10 named samples of 20
	 * (all idle: 1000 ms, 100 %); userspace is 2000 ms with 30 named of
	 * 40 (all init: 2000 ms); init's user share is 10 of 30 = 33 % */
	f = open_memstream(&text, &len);
	ok(f && !prof_report_text(p, &o, f, &err), "procs: text report");
	if (f)
		fclose(f);
	ok(text && strstr(text, "By process, kernel init (kernel-early to "
			  "userspace-start): 10 samples in 1000.0 ms; 10 more (50.0%) "
			  "in no known process\n"), "kernel init: named and not named");
	ok(text && strstr(text, "    1000.0 100.0%      10     0%     1000.0  0       [swapper/0]\n"),
	   "kernel init: the idle task's row");
	ok(text && strstr(text, "By process, userspace: 30 samples in 2000.0 ms; 10 more "
			  "(25.0%) in no known process\n"), "userspace: named and not named");
	ok(text && strstr(text, "    2000.0 100.0%      30    33%     2100.0  1       init\n"),
	   "userspace: init's row");
	if (text && !strstr(text, "init\n"))
		printf("# %s\n", text);
	free(text);
	prof_free(p);
}

int main(void)
{
	struct prof_profile *p = prof_new(), *q, *runs[4], *ga[3], *gb[3];
	struct prof_initcall ic = { 0 };
	struct kit_err err = { 0 };
	struct prof_runs ra, rb;
	struct prof_comparison cmp;
	struct prof_compare_opts co = { 0 };
	const struct prof_series *s;
	char *j1;
	size_t i;
	int found;

	/* builders and a round trip */
	ok(!prof_add_phase(p, "qemu", -300 * MS, 300 * MS, &err), "add qemu phase");
	ok(!prof_add_phase(p, "firmware", 0, 1400 * MS, &err), "add firmware");
	ok(!prof_add_phase(p, "newfangled", 1400 * MS, 1 * MS, &err),
	   "an unknown phase id is kept");
	is_str(p->phases[1].label, "firmware (SeaBIOS)", "label from the id");
	is_str(p->phases[2].label, "newfangled", "unknown id is its own label");
	ok(prof_add_phase(p, "bad", 0, -1, &err) && err.code == PROF_EUSAGE,
	   "negative duration refused");
	ic.fn = "acpi_init";
	ic.level = "subsys";
	ic.module = "acpi";
	ic.ret = -19;
	ic.has_ret = 1;
	ic.sync = 1;
	ic.start_ns = 1401 * MS;
	ic.duration_ns = 180 * MS;
	ok(!prof_add_initcall(p, &ic, &err), "add initcall");
	ok(!prof_add_stop(p, PROF_STOP_DEBUG, 100, 300, &err), "stop 1");
	ok(!prof_add_stop(p, PROF_STOP_DEBUG, 400, 500, &err), "stop 2");
	ok(!prof_add_stop(p, PROF_STOP_INTERRUPT, 600, 1000, &err), "stop 3");
	ok(prof_add_stop(p, PROF_STOP_DEBUG, 10, 5, &err), "resume before report refused");
	prof_stops_summarize(&p->stops);
	is_int(p->stops.count, 3, "stops counted");
	is_int(p->stops.debug_stops, 2, "debug stops");
	is_int(p->stops.interrupt_stops, 1, "interrupt stops");
	is_int(p->stops.client_ns, 700, "client time summed");
	is_int(p->stops.median_ns, 200, "median of 100, 200, 400");
	is_int(p->stops.p95_ns, 400, "p95 (nearest rank)");
	ok(!prof_add_sample(p, "kernel", "memset", 12, &err), "add sample");
	ok(!prof_add_sample(p, "bios-rom", NULL, 40, &err), "add region sample");
	p->samples.rate_hz = 99.5;
	ok(!prof_set_incomplete(p, "guest died", &err), "mark incomplete");
	prof_set_str(&p->env.qemu, "/usr/bin/qemu-system-x86_64", NULL);
	prof_set_str(&p->env.cmdline, "console=ttyS0 \"quoted\" a/b", NULL);
	p->end_ns = 1581 * MS;

	q = round_trip(p, "mem.json", "");
	if (q) {
		is_int(q->complete, 0, "incomplete survives");
		is_str(q->incomplete_reason, "guest died", "reason survives");
		is_int(q->phases[0].start_ns, -300 * MS, "negative start (qemu)");
		is_str(q->initcalls[0].module, "acpi", "module");
		is_int(q->initcalls[0].ret, -19, "ret");
		is_int(q->initcalls[0].sync, 1, "sync");
		is_int(q->stops.nlist, 3, "stop list");
		is_int(q->stops.list[2].kind, PROF_STOP_INTERRUPT, "stop kind");
		ok(q->samples.rate_hz == 99.5, "fractional sample rate");
		is_str(q->samples.list[1].symbol, NULL, "region sample has no symbol");
		is_str(q->env.cmdline, "console=ttyS0 \"quoted\" a/b", "escaping");
		is_str(q->source, "mem.json", "source name");
		is_int(prof_userspace_ns(q), -1, "no userspace reached");
		is_int(prof_qemu_ns(q), 300 * MS, "qemu time");
	}
	prof_free(q);
	prof_free(p);

	/* the loader's errors: one line, the file, the field */
	expect_error("{\"version\": 1,\n \"complete\": tru }", PROF_EJSON,
		     "x.json: not valid JSON at line 2: boolean expected",
		     "malformed JSON names the line");
	expect_error("{\"version\": 1, \"complete\": true", PROF_EJSON,
		     "x.json: not valid JSON at line 1: unexpected end of file",
		     "truncated JSON");
	expect_error("{\"version\": 1} {}", PROF_EJSON,
		     "x.json: not valid JSON at line 1: text after the end",
		     "trailing text");
	expect_error("", PROF_EJSON,
		     "x.json: not valid JSON at line 1: unexpected end of file",
		     "empty file");
	expect_error("[1, 2]", PROF_ESCHEMA,
		     "x.json: not a profile (the top level is not an object)",
		     "array at the top");
	expect_error("{\"complete\": true}", PROF_EVERSION,
		     "x.json: not a profile (no integer 'version')", "no version");
	expect_error("{\"version\": 2, \"complete\": true, \"phases\": [], \"initcalls\": []}",
		     PROF_EVERSION,
		     "x.json: profile schema version 2 is not supported (this build reads version 1)",
		     "a newer version");
	expect_error("{\"version\": 1, \"complete\": true, \"phases\": [], \"initcalls\": ["
		     "{\"fn\": \"a\", \"level\": \"core\", \"start_ns\": 0, \"duration_ns\": 1},"
		     "{\"fn\": \"b\", \"level\": \"core\", \"start_ns\": 0, \"duration_ns\": 1.5}]}",
		     PROF_ESCHEMA,
		     "x.json: 'initcalls[1].duration_ns' must be an integer",
		     "wrong type names the path");
	expect_error("{\"version\": 1, \"complete\": true, \"initcalls\": []}",
		     PROF_ESCHEMA, "x.json: 'phases' is missing", "missing array");
	expect_error("{\"version\": 1, \"complete\": true, \"initcalls\": [], \"phases\": ["
		     "{\"id\": \"qemu\", \"start_ns\": 0, \"duration_ns\": -5}]}",
		     PROF_ESCHEMA, "x.json: 'phases[0].duration_ns' must not be negative",
		     "negative duration");
	expect_error("{\"version\": 1, \"complete\": true, \"phases\": [], \"initcalls\": [],"
		     "\"stops\": {\"count\": 1, \"debug_stops\": 1, \"interrupt_stops\": 0,"
		     "\"client_ns\": 5, \"list\": [{\"kind\": \"weird\", \"reported_ns\": 1, \"resumed_ns\": 2}]}}",
		     PROF_ESCHEMA,
		     "x.json: 'stops.list[0].kind' must be \"debug\" or \"interrupt\"",
		     "bad stop kind");
	j1 = "{\"version\": 1, \"complete\": false, \"phases\": [], "
	     "\"initcalls\": [], \"future_field\": {\"x\": 1}}";
	q = prof_parse(j1, strlen(j1), NULL, &err);
	ok(q && !q->complete && !strcmp(q->incomplete_reason, "reason not recorded"),
	   "unknown fields ignored; a missing reason is filled in");
	prof_free(q);
	q = prof_load("/nonexistent/p.json", &err);
	ok(!q && err.code == ENOENT, "missing file: ENOENT");
	is_str(err.msg, "cannot read '/nonexistent/p.json': No such file or directory",
	       "missing file message");

	/* runs: warm-up discarded, incomplete left out */
	runs[0] = boot(3000, 5000);
	runs[1] = boot(1000, 5000);
	runs[2] = boot(1010, 5000);
	runs[3] = boot(990, 5000);
	ok(!prof_runs_build(&ra, runs, 4, 1, &err), "runs with --warmup 1");
	is_int(ra.n, 3, "three runs kept");
	is_int(ra.discarded, 1, "one discarded");
	s = prof_runs_find(&ra, "firmware");
	ok(s && fabs(s->st.mean - 1000 * MS) < 1 && fabs(s->st.sd - 10 * MS) < 1,
	   "firmware mean 1000 ms, sd 10 ms without the warm-up run");
	ok(s && s->st.min == 990 * MS && s->st.max == 1010 * MS, "min and max");
	s = prof_runs_find(&ra, "total:userspace");
	ok(s && fabs(s->st.mean - 1045 * MS) < 1, "boot to userspace total");
	s = prof_runs_find(&ra, "level:device");
	ok(s && fabs(s->st.mean - 15 * MS) < 1, "level sums its initcalls");
	prof_runs_free(&ra);
	ok(prof_runs_build(&ra, runs, 4, 4, &err) && err.code == PROF_EUSAGE,
	   "--warmup of every run is an error");
	prof_set_incomplete(runs[3], "connection dropped", NULL);
	ok(!prof_runs_build(&ra, runs, 4, 1, &err) && ra.n == 2 && ra.incomplete == 1,
	   "an incomplete run is left out");
	prof_runs_free(&ra);
	for (i = 0; i < 4; i++)
		prof_free(runs[i]);

	/* compare: slow_init triples in B, steady_init does not move */
	for (i = 0; i < 3; i++) {
		ga[i] = boot(1000 + (int64_t)i, 5000 + (int64_t)i * 10);
		gb[i] = boot(1001 - (int64_t)i, 15000 + (int64_t)i * 10);
	}
	prof_runs_build(&ra, ga, 3, 0, NULL);
	prof_runs_build(&rb, gb, 3, 0, NULL);
	co.threshold_pct = 5;
	ok(!prof_compare(&ra, &rb, &co, &cmp, &err), "compare");
	found = 0;
	for (i = 0; i < cmp.n; i++) {
		const struct prof_series *x = cmp.c[i].a;

		if (!x)
			continue;
		if (!strcmp(x->key, "fn:slow_init")) {
			found |= 1;
			is_int(cmp.c[i].mark, 1, "slow_init marked slower");
			ok(cmp.c[i].w.p < 0.001, "slow_init: small p");
		}
		if (!strcmp(x->key, "fn:steady_init")) {
			found |= 2;
			is_int(cmp.c[i].mark, 0, "steady_init not marked");
		}
		if (!strcmp(x->key, "firmware")) {
			found |= 4;
			is_int(cmp.c[i].mark, 0, "firmware within noise");
		}
	}
	is_int(found, 7, "all three series compared");
	ok(cmp.n > 0 && cmp.c[0].a->kind == PROF_SERIES_TOTAL, "totals ranked first");
	prof_comparison_free(&cmp);
	prof_runs_free(&ra);
	prof_runs_free(&rb);
	for (i = 0; i < 3; i++) {
		prof_free(ga[i]);
		prof_free(gb[i]);
	}

	p = boot(1000, 5000);
	test_files(p);
	prof_free(p);
	test_escape();
	test_folded_frame();
	test_limits();
	test_messages();
	test_processes();
	return tap_done();
}

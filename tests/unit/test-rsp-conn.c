/*
 * test-rsp-conn.c: gdbstub-client's conn.c and core.c against the scripted
 * fake stub (tests/helpers/fake-stub) over a socketpair, one forked stub per
 * case; plus one case over TCP (the stub's --listen mode).  Each case also
 * checks that the stub saw exactly the conversation it expected (its exit
 * status and stderr).
 */
#include "rsp.h"
#include "conn-internal.h"   /* white-box: the parser's buffer, below */
#include "tap.h"
#include "clock.h"

#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

/* How much the connection's parser holds (white-box: a hostile stub must
 * not make it buffer past its limit). */
static size_t rsp_test_parser_alloc(const struct rsp_conn *c)
{
	return c->parser.buf.alloc;
}

static char stub_path[4096];

static struct rsp_conn *spawn(pid_t *pid, const char *const *script)
{
	struct kit_err e = { 0 };
	int sv[2];
	size_t n = 0, i;
	char **argv;

	while (script[n])
		n++;
	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) < 0)
		return NULL;
	*pid = fork();
	if (*pid == 0) {
		argv = calloc(2 * n + 4, sizeof *argv);
		argv[0] = "fake-stub";
		argv[1] = "--fd";
		argv[2] = "3";
		for (i = 0; i < n; i++) {
			argv[3 + 2 * i] = "-e";
			argv[4 + 2 * i] = (char *)script[i];
		}
		dup2(sv[1], 3);
		execv(stub_path, argv);
		_exit(127);
	}
	close(sv[1]);
	return rsp_conn_from_fd(sv[0], &e);
}

/* Wait (bounded) for the stub and return its exit status; 99 = hung. */
static int reap(pid_t pid)
{
	int st, i;

	for (i = 0; i < 1000; i++) {
		struct timespec ts = { 0, 10000000 };

		if (waitpid(pid, &st, WNOHANG) == pid)
			return WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
		nanosleep(&ts, NULL);
	}
	kill(pid, SIGKILL);
	waitpid(pid, &st, 0);
	return 99;
}

static void stub_ok(pid_t pid, const char *name)
{
	char what[128];

	snprintf(what, sizeof what, "%s: stub saw the expected conversation",
		 name);
	is_int(reap(pid), 0, what);
}

static long long ms_now(void)
{
	return kit_mono_ns() / 1000000;
}

/* A QEMU-like description, its include read in two chunks. */
#define CORE1 "<feature name=\"org.gnu.gdb.i386.core\"><reg name=\"rip\" bitsize=\"64\" type=\"code_ptr\"/>"
#define CORE2 "<reg name=\"eflags\" bitsize=\"32\"/><reg name=\"cs\" bitsize=\"32\"/><reg name=\"cr0\" bitsize=\"64\"/></feature>"
/* rip, eflags, cs, cr0 */
#define G_RESET "f0ff000000000000" "02000000" "00f00000" "1000006000000000"
#define G_PROT  "f0ff000000000000" "02000000" "08000000" "1100006000000000"

static char core2_glob[64];

#define HANDSHAKE \
	"expect qSupported:*", \
	"reply PacketSize=1000;qXfer:features:read+;vContSupported+;multiprocess+", \
	"expect qXfer:features:read:target.xml:0,*", \
	"reply l<target><architecture>i386:x86-64</architecture><xi:include href=\"core.xml\"/></target>", \
	"expect qXfer:features:read:core.xml:0,*", \
	"reply m" CORE1, \
	core2_glob, \
	"reply l" CORE2, \
	"expect vCont?", \
	"reply vCont;c;C;s;S", \
	"expect ?", \
	"reply T05thread:01;"

/*
 * The conversations with the scripted stub: each has a name (for its
 * stub's verdict), a function that drives the client through it, and the
 * stub's script; conversations[], after the functions, lists them in the
 * order they run.
 */
typedef void conversation_fn(struct rsp_conn *c, struct kit_err *e);

struct conversation {
	const char *name;
	conversation_fn *run;
	const char *const *script;
};

/* Spawn the stub with cv's script, run cv on the connection, close it
 * and check what the stub saw. */
static void converse(const struct conversation *cv)
{
	struct kit_err e = { 0 };
	struct rsp_conn *c;
	pid_t pid = -1;   /* set by spawn() when it gets as far as a fork */

	c = spawn(&pid, cv->script);
	cv->run(c, &e);
	rsp_close(c);
	stub_ok(pid, cv->name);
}

static void handshake(struct rsp_conn *c, struct kit_err *e)
{
	struct rsp_thread *th = NULL;
	uint64_t v = 0;
	size_t n = 0;
	unsigned char b[4];
	int rc;

	rc = rsp_start(c, e);
	is_int(rc, 0, "handshake: rsp_start");
	if (rc)
		printf("#   %s\n", e->msg);
	is_int(rsp_features(c)->PacketSize, 0x1000, "handshake: PacketSize");
	ok(rsp_features(c)->qXfer_features_read && rsp_features(c)->multiprocess &&
	   !rsp_features(c)->QStartNoAckMode, "handshake: QEMU's features");
	ok(!rsp_noack(c), "handshake: acks stay on without QStartNoAckMode");
	is_int(rsp_tdesc(c)->nregs, 4, "handshake: 4 registers from 2 chunks");
	is_str(rsp_tdesc(c)->architecture, "i386:x86-64", "handshake: architecture");
	ok(rsp_vcont_has(c, 'c') && rsp_vcont_has(c, 's') && !rsp_vcont_has(c, 't'), "handshake: vCont actions");
	ok(rsp_last_stop(c) && rsp_last_stop(c)->signo == 5 && rsp_last_stop(c)->tid == 1,
	   "handshake: initial stop T05 thread 1");
	is_int(rsp_read_registers(c, e), 0, "g read");
	rsp_reg_get(c, "rip", &v, e);
	is_u64(v, 0xfff0, "rip from g");
	rsp_reg_get(c, "cs", &v, e);
	is_u64(v, 0xf000, "cs from g");
	rsp_reg_get(c, "cr0", &v, e);
	ok(!(v & 1), "cr0 PE clear");
	is_int(rsp_reg_get(c, "nosuch", &v, e), -RSP_ERR_INVAL, "unknown register");
	v = 0;
	is_int(rsp_read_register_u64(c, "rip", &v, e), 0, "p0");
	is_u64(v, 0xfff0, "rip from p");
	is_int(rsp_write_register_u64(c, "rip", 0xe05b, e), 0, "P0=e05b");
	is_int(rsp_thread_list(c, &th, &n, e), 0, "thread list");
	ok(n == 3 && th[0].tid == 1 && th[1].tid == 2 && th[2].pid == 1 &&
	   th[2].tid == 3, "threads 1, 2, p1.3");
	free(th);
	is_int(rsp_read_memory(c, 0, b, 4, e), -RSP_ERR_TARGET,
	       "m on unmapped memory: target error");
	is_int(rsp_target_errno(c), 0x14, "E14 kept in last_errno");
	is_int(rsp_detach(c, e), 0, "detach");
}

static void nak(struct rsp_conn *c, struct kit_err *e)
{
	is_int(rsp_qSupported(c, e), 0, "NAK: packet resent after '-'");
	is_int(rsp_features(c)->PacketSize, 0x100, "NAK: reply to the resend used");
	is_int(rsp_read_registers(c, e), -RSP_ERR_NAK,
	       "NAK: gives up after 1 + 3 retries");
	ok(strstr(e->msg, "refused") != NULL, "NAK: message says refused");
}

static void badsum(struct rsp_conn *c, struct kit_err *e)
{
	is_int(rsp_qSupported(c, e), 0, "bad checksum: NAKed and resent reply used");
	is_int(rsp_read_registers(c, e), -RSP_ERR_PROTOCOL,
	       "bad checksum every time: protocol error");
	ok(strstr(e->msg, "checksum") != NULL, "bad checksum: message says so");
}

static void ssh_banner(struct rsp_conn *c, struct kit_err *e)
{
	is_int(rsp_qSupported(c, e), -RSP_ERR_PROTOCOL, "ssh banner: protocol error");
	ok(strstr(e->msg, "not a gdb stub") && strstr(e->msg, "SSH-2.0"),
	   "ssh banner: says not a gdb stub and quotes it");
	printf("#   %s\n", e->msg);
}

static void http(struct rsp_conn *c, struct kit_err *e)
{
	is_int(rsp_qSupported(c, e), -RSP_ERR_PROTOCOL, "http: protocol error");
	ok(strstr(e->msg, "HTTP/1.1 400") != NULL, "http: message quotes the reply");
}

static void malformed(struct rsp_conn *c, struct kit_err *e)
{
	rsp_qSupported(c, e);
	is_int(rsp_read_registers(c, e), 0, "malformed run length: NAKed, resend used");
	is_int(rsp_g(c)->len, 2, "malformed run length: 2 bytes from the resend");
	is_int(rsp_read_registers(c, e), -RSP_ERR_PROTOCOL,
	       "garbage after a valid session: protocol error");
	ok(strstr(e->msg, "unexpected bytes") != NULL, "garbage: message");
}

/* "raw $PAYLOAD#cc": a packet the stub sends as is (run-lengths intact). */
static const char *raw_line(char *buf, size_t sz, const char *payload)
{
	snprintf(buf, sz, "raw $%s#%02x", payload,
		 rsp_checksum(payload, strlen(payload)));
	return buf;
}

/* the two run-length encoded 'm' replies (fill_scripts()) */
static char sizes_l1[400], sizes_l2[400];

static void sizes(struct rsp_conn *c, struct kit_err *e)
{
	unsigned char buf[300], big[200];
	ssize_t n;
	int i;

	rsp_qSupported(c, e);
	n = rsp_read_memory(c, 0x1000, buf, 256, e);
	is_int(n, 256, "m split to PacketSize: 126 + 126 + 4");
	if (n < 0)
		printf("#   %s\n", e->msg);
	ok(buf[0] == 0x11 && buf[125] == 0x11 && buf[126] == 0x22 &&
	   buf[251] == 0x22 && buf[252] == 0x33, "chunks in order, run-length expanded");
	is_int(rsp_read_memory(c, 0x2000, buf, 4, e), -RSP_ERR_PROTOCOL,
	       "m reply longer than asked: protocol error");
	is_int(rsp_read_memory(c, 0x3000, buf, 8, e), 2, "short m reply: short count");
	rsp_set_max_packet(c, 32);
	is_int(rsp_read_registers(c, e), -RSP_ERR_PROTOCOL,
	       "reply over the parser limit: protocol error");
	ok(strstr(e->msg, "longer than 32") != NULL, "over-long: message");
	is_int(rsp_read_registers(c, e), 0, "next reply still readable after that");
	for (i = 0; i < 200; i++)
		big[i] = (unsigned char)i;
	is_int(rsp_write_memory(c, 0x4000, big, 200, false, e), 0,
	       "M split in two packets");
	is_int(rsp_write_memory(c, 0x5000, "ab#$", 4, true, e), 0,
	       "X with escaped binary");
}

static void mid_packet(struct rsp_conn *c, struct kit_err *e)
{
	rsp_qSupported(c, e);
	is_int(rsp_read_registers(c, e), -RSP_ERR_TRUNCATED,
	       "closed mid-packet: truncated");
	ok(strstr(e->msg, "middle of a packet") != NULL, "mid-packet: message");
}

static void closed(struct rsp_conn *c, struct kit_err *e)
{
	rsp_qSupported(c, e);
	is_int(rsp_read_registers(c, e), -RSP_ERR_CLOSED, "closed between packets");
	is_int(rsp_read_registers(c, e), -RSP_ERR_CLOSED, "and stays closed");
}

static void timeout(struct rsp_conn *c, struct kit_err *e)
{
	long long t0;
	int rc;

	rsp_qSupported(c, e);
	rsp_set_timeout(c, 300);
	t0 = ms_now();
	rc = rsp_read_registers(c, e);
	is_int(rc, -RSP_ERR_TIMEOUT, "no reply: timeout");
	ok(ms_now() - t0 >= 250 && ms_now() - t0 < 1200, "timeout took about 300 ms");
	ok(strstr(e->msg, "'g'") != NULL, "timeout message names the packet");
}

static void kvm_breakpoints(struct rsp_conn *c, struct kit_err *e)
{
	rsp_qSupported(c, e);
	is_int(rsp_insert_break(c, RSP_BP_SW, 0xffffffff81000000ull, 1, e),
	       -RSP_ERR_TARGET, "KVM: Z0 on an unmapped address: target error");
	is_int(rsp_target_errno(c), 0x14, "KVM: error 14");
	ok(strstr(e->msg, "software breakpoint") != NULL, "KVM: message names the type");
	is_int(rsp_insert_break(c, RSP_BP_HW, 0xffffffff81000000ull, 1, e), 0,
	       "KVM: fallback to Z1 works");
	is_int(rsp_insert_break(c, RSP_BP_SW, 0x1000, 1, e), -RSP_ERR_UNSUPPORTED,
	       "empty reply to Z0: unsupported, distinct from error");
	is_int(rsp_insert_break(c, RSP_WP_WRITE, 0x2000, 4, e), -RSP_ERR_TARGET,
	       "Z2 error");
	is_int(rsp_breakpoints(c, NULL), 1, "only the hardware breakpoint is remembered");
	is_int(rsp_remove_break(c, RSP_BP_HW, 0xffffffff81000000ull, 1, e), 0,
	       "z1 removes it");
	is_int(rsp_breakpoints(c, NULL), 0, "list empty");
}

static char console_text[256];

static void on_console(void *ctx, const char *t, size_t n)
{
	strncat(console_text, t, n < 100 ? n : 100);
}

static void run_control(struct rsp_conn *c, struct kit_err *e)
{
	struct rsp_buf out = RSP_BUF_INIT;
	struct rsp_stop st;
	int rc;

	rsp_set_console(c, on_console, NULL);
	rsp_start(c, e);
	is_int(rsp_insert_break(c, RSP_BP_SW, 0xfe05b, 1, e), 0, "Z0 at 0xfe05b");
	is_int(rsp_continue(c, e), 0, "continue");
	ok(rsp_running(c), "target marked running");
	is_int(rsp_read_registers(c, e), -RSP_ERR_RUNNING,
	       "g refused while running (nothing sent)");
	is_int(rsp_wait_stop(c, 50, &st, e), -RSP_ERR_TIMEOUT,
	       "wait_stop times out, target still running");
	ok(rsp_running(c), "still running after the timeout");
	rc = rsp_wait_stop(c, 5000, &st, e);
	is_int(rc, 0, "stop reply received");
	if (rc)
		printf("#   %s\n", e->msg);
	is_str(console_text, "Hi\n", "O packet went to the console callback");
	ok(st.kind == 'T' && st.signo == 5, "stopped with SIGTRAP");
	rc = rsp_resume(c, &st, e);
	is_int(rc, 0, "rsp_resume steps over the breakpoint (real-mode cs:ip)");
	if (rc)
		printf("#   %s\n", e->msg);
	is_int(rsp_breakpoints(c, NULL), 1, "breakpoint re-inserted");
	is_int(rsp_interrupt(c, e), 0, "interrupt");
	rc = rsp_wait_stop(c, 5000, &st, e);
	ok(rc == 0 && st.signo == 2, "interrupt: stopped with SIGINT");
	is_int(rsp_resume(c, &st, e), 0, "resume from elsewhere: plain continue");
	rsp_interrupt(c, e);
	rsp_wait_stop(c, 5000, &st, e);
	rc = rsp_monitor(c, "info registers\n", &out, e);
	is_int(rc, 0, "qRcmd");
	is_str(out.data, "EAX=00000\n", "qRcmd output collected from O packets");
	rsp_buf_free(&out);
	is_int(rsp_query_halt(c, false, &st, e), -RSP_ERR_STATE,
	       "'?' refused with a breakpoint inserted");
	ok(strstr(e->msg, "remove them") != NULL, "'?' refusal says why");
	is_int(rsp_query_halt(c, true, &st, e), 0, "'?' forced");
	is_int(rsp_breakpoints(c, NULL), 0, "forced '?' forgets the breakpoints");
	is_int(rsp_kill(c, e), 0, "kill: closing is success");
}

static void noack(struct rsp_conn *c, struct kit_err *e)
{
	is_int(rsp_qSupported(c, e), 0, "no-ack: qSupported");
	ok(rsp_noack(c), "no-ack mode entered");
	is_int(rsp_read_registers(c, e), 0, "no-ack: g");
	is_int(rsp_read_registers(c, e), -RSP_ERR_PROTOCOL,
	       "no-ack: a bad checksum is an error at once");
}

/* A stub without vCont (c and s), a lost ack, G, and a wake fd. */
static void misc(struct rsp_conn *c, struct kit_err *e)
{
	struct rsp_stop st;
	uint64_t v = 0;
	int wake[2];
	int rc;

	if (pipe(wake) < 0)
		return;
	rc = rsp_start(c, e);
	is_int(rc, 0, "misc: start without vCont");
	ok(!rsp_vcont_has(c, 'c') && !rsp_vcont_has(c, 's'), "misc: no vCont actions");
	is_int(rsp_read_registers(c, e), 0, "lost ack: the reply counts as the ack");
	rsp_reg_get(c, "pc", &v, e);
	is_u64(v, 0x10, "lost ack: reply used");
	rsp_reg_set(c, "pc", 0x20, e);
	is_int(rsp_write_registers(c, e), 0, "G writes the changed copy back");
	is_int(rsp_step(c, &st, e), 0, "plain 's' without vCont");
	is_int(rsp_continue(c, e), 0, "plain 'c' without vCont");
	rsp_set_wake_fd(c, wake[0]);
	if (write(wake[1], "x", 1) != 1)
		return;
	is_int(rsp_wait_stop(c, -1, &st, e), -RSP_ERR_INTERRUPTED,
	       "wake fd ends a wait without a timeout");
	ok(rsp_running(c), "still running after the wake-up");
	rsp_set_wake_fd(c, -1);
	rsp_interrupt(c, e);
	rc = rsp_wait_stop(c, 5000, &st, e);
	ok(rc == 0 && st.kind == 'S' && st.signo == 2, "then interrupted: S02");
	rsp_continue(c, e);
	rc = rsp_wait_stop(c, 5000, &st, e);
	ok(rc == 0 && st.kind == 'W' && st.exit_status == 0, "exit: W00");
	is_int(rsp_continue(c, e), -RSP_ERR_EXITED, "no resume after the exit");
	close(wake[0]);
	close(wake[1]);
}

/* A hostile or broken stub: wrong sizes, a huge reply, escape bytes, and
 * the target's end (X09, W00;process:1a, a close) sent instead of an
 * answer. */
static void hostile(struct rsp_conn *c, struct kit_err *e)
{
	struct rsp_buf out = RSP_BUF_INIT, xml = RSP_BUF_INIT;
	unsigned char b[8];
	char why[80];
	uint64_t v;

	is_int(rsp_start(c, e), 0, "hostile: start");
	is_int(rsp_read_registers(c, e), -RSP_ERR_PROTOCOL, "hostile: 5-byte 'g' refused");
	ok(strstr(e->msg, "'g' reply is 10 hex digits, expected 48"), "hostile: 'g' message");
	printf("#   %s\n", e->msg);
	is_int(rsp_read_register_u64(c, "rip", &v, e), -RSP_ERR_PROTOCOL,
	       "hostile: 1-byte 'p' for rip refused");
	printf("#   %s\n", e->msg);
	is_int(rsp_read_registers(c, e), -RSP_ERR_PROTOCOL, "hostile: 4 MB reply refused");
	ok(strstr(e->msg, "4194308-byte packet") && strstr(e->msg, "65536"),
	   "hostile: 4 MB message");
	printf("#   %s\n", e->msg);
	ok(rsp_test_parser_alloc(c) <= 2 * RSP_MAX_PACKET, "hostile: not buffered past the limit");
	is_int(rsp_read_registers(c, e), 0, "hostile: the session goes on after it");
	is_int(rsp_qXfer_read(c, "features", "target.xml", &xml, e), -RSP_ERR_PROTOCOL,
	       "hostile: qXfer chunk longer than asked refused");
	printf("#   %s\n", e->msg);
	rsp_buf_free(&xml);
	is_int(rsp_monitor(c, "info version", &out, e), 0, "hostile: monitor with ESC");
	rsp_buf_reset(&xml);
	rsp_escape(&xml, out.data, out.len, out.len, RSP_ESC_TEXT);
	is_str(xml.data, "\\x1b]0;pwned\\x07hi", "hostile: monitor text escaped for printing");
	rsp_buf_free(&xml);
	rsp_buf_free(&out);
	is_int(rsp_read_memory(c, 0x1000, b, 4, e), -RSP_ERR_TARGET, "hostile: E.text");
	ok(strstr(e->msg, "\\x1b[31mno") && !strchr(e->msg, 0x1b),
	   "hostile: E.text quoted escaped");
	printf("#   %s\n", e->msg);
	is_int(rsp_read_memory(c, 0x1000, b, 4, e), -RSP_ERR_EXITED,
	       "hostile: X09 instead of an 'm' reply: exited");
	is_int(rsp_end_state(c), RSP_END_KILLED, "hostile: end state killed");
	ok(rsp_last_stop(c)->signo == 9 && rsp_last_stop(c)->pid == 0x1a, "hostile: signal 9, process 1a");
	is_str(e->msg, "no reply to 'm': the target was killed by signal 9", "hostile: X09 message");
	is_str(rsp_end_describe(c, why, sizeof why), "the target was killed by signal 9",
	       "hostile: described");
	is_int(rsp_continue(c, e), -RSP_ERR_EXITED, "hostile: no resume after X09");
	is_int(rsp_read_memory(c, 0x1000, b, 4, e), -RSP_ERR_CLOSED, "hostile: then closed");
	is_int(rsp_end_state(c), RSP_END_KILLED, "hostile: a close after X09 stays killed");
}

static void exited(struct rsp_conn *c, struct kit_err *e)
{
	rsp_qSupported(c, e);
	is_int(rsp_end_state(c), RSP_END_NONE, "W00: attached before");
	is_int(rsp_read_registers(c, e), -RSP_ERR_EXITED, "W00 instead of 'g': exited");
	is_int(rsp_end_state(c), RSP_END_EXITED, "W00: end state exited");
	is_str(e->msg, "no reply to 'g': the target exited with status 0", "W00: message");
}

static void closed_at_g(struct rsp_conn *c, struct kit_err *e)
{
	char why[80];

	rsp_qSupported(c, e);
	is_int(rsp_read_registers(c, e), -RSP_ERR_CLOSED, "close instead of 'g'");
	is_int(rsp_end_state(c), RSP_END_CLOSED, "close: end state closed");
	is_str(rsp_end_describe(c, why, sizeof why), "the stub closed the connection",
	       "close: described");
}

static struct rsp_buf trace_log;

static void capture(void *ctx, const char *line)
{
	rsp_buf_append(&trace_log, line, strlen(line));
	rsp_buf_append(&trace_log, "\n", 1);
}

static void test_tcp_and_trace(void)
{
	struct kit_err e = { 0 };
	struct rsp_conn *c;
	char port[16] = "", spec[64];
	int pfd[2];
	pid_t pid;
	ssize_t r;

	if (pipe(pfd) < 0)
		return;
	pid = fork();
	if (pid == 0) {
		dup2(pfd[1], 1);
		execl(stub_path, "fake-stub", "--listen", "-e", "expect qSupported:*",
		      "-e", "reply PacketSize=1000", "-e", "expect g",
		      "-e", "reply 00}11", (char *)NULL);
		_exit(127);
	}
	close(pfd[1]);
	r = read(pfd[0], port, sizeof port - 1);
	close(pfd[0]);
	port[r > 0 ? r : 0] = '\0';
	port[strcspn(port, "\n")] = '\0';
	ok(atoi(port) > 0, "listen mode printed a port");
	snprintf(spec, sizeof spec, "tcp:127.0.0.1:%s", port);
	c = rsp_connect(spec, 2000, &e);
	ok(c != NULL, "connect to tcp:127.0.0.1:PORT");
	if (!c) {
		printf("#   %s\n", e.msg);
		reap(pid);
		return;
	}
	rsp_set_trace(c, capture, NULL);
	rsp_qSupported(c, &e);
	rsp_read_registers(c, &e);
	ok(strstr(trace_log.data, "-> $qSupported:") != NULL, "trace: packet sent");
	ok(strstr(trace_log.data, "<- +") != NULL, "trace: ack received");
	ok(strstr(trace_log.data, "<- $PacketSize=1000#") != NULL,
	   "trace: packet received");
	ok(strstr(trace_log.data, "-> +") != NULL, "trace: ack sent");
	ok(strstr(trace_log.data, "<- $00}11#") != NULL,
	   "trace: escaped binary shown decoded");
	rsp_close(c);
	stub_ok(pid, "tcp");
	rsp_buf_free(&trace_log);

	c = rsp_connect("127.0.0.1:1", 2000, &e);
	ok(!c && e.code == RSP_ERR_SYS && strstr(e.msg, "refused"),
	   "connection refused reported");
	printf("#   %s\n", e.msg);
	c = rsp_connect("nonsense", 2000, &e);
	ok(!c && e.code == RSP_ERR_INVAL, "spec without a port refused");
	c = rsp_connect("unix:/nonexistent/sock", 2000, &e);
	ok(!c && e.code == RSP_ERR_SYS, "unix: missing socket reported");
}

/* Batches over a socketpair: the bytes written, replies read without
 * acks, the resume's '+' taken, the non-blocking reads. */
static void test_batch(void)
{
	struct kit_err e = { 0 };
	struct rsp_batch b = RSP_BATCH_INIT;
	struct rsp_conn *c;
	char got[128];
	ssize_t n;
	int sv[2];

	if (socketpair(AF_UNIX, SOCK_STREAM, 0, sv) < 0) {
		ok(0, "batch: socketpair");
		return;
	}
	c = rsp_conn_from_fd(sv[0], &e);
	rsp_set_quickack(c, true);   /* not TCP: does nothing */
	ok(rsp_batch_interrupt(&b) == 0 && rsp_batch_add(&b, "p10", 3) == 0 &&
	   rsp_batch_addf(&b, "m%x,%x", 0x1000, 4) == 0 &&
	   rsp_batch_add(&b, "vCont;c", 7) == 0, "batch: queued");
	is_int(b.npackets, 3, "batch: three packets, the 0x03 not counted");
	is_int(rsp_batch_send(c, &b, &e), 0, "batch: sent");
	n = read(sv[1], got, sizeof got - 1);
	got[n > 0 ? n : 0] = '\0';
	is_str(got, "\x03$p10#d1$m1000,4#8e$vCont;c#a8", "batch: one write, framed");
	ok(!rsp_buffered(c), "batch: nothing held yet");
	is_int(rsp_read_available(c, &e), 0, "batch: nothing to read");
	{
		static const char replies[] = "+$T05#b9+$O41#b4+$0011#c2+$E14#aa+";

		is_int(write(sv[1], replies, strlen(replies)), (int)strlen(replies),
		       "batch: the stub's answers");
	}
	is_int(rsp_batch_recv(c, 1000, &e), 0, "batch: stop reply");
	is_str(rsp_reply(c)->data, "T05", "batch: stop reply read");
	ok(rsp_buffered(c), "batch: the rest is held");
	is_int(rsp_batch_recv(c, 1000, &e), 0, "batch: 'p' reply, console skipped");
	is_str(rsp_reply(c)->data, "0011", "batch: 'p' reply read");
	is_int(rsp_batch_recv(c, 1000, &e), 0, "batch: 'm' reply");
	is_str(rsp_reply(c)->data, "E14", "batch: 'm' reply read");
	is_int(rsp_take_ack(c, 50), 1, "batch: the resume's '+' taken");
	ok(!rsp_buffered(c), "batch: all taken");
	is_int(rsp_take_ack(c, 10), 0, "batch: no second '+'");
	n = recv(sv[1], got, sizeof got, MSG_DONTWAIT);
	ok(n < 0 && errno == EAGAIN, "batch: no ack was sent for the replies");
	close(sv[1]);
	is_int(rsp_read_available(c, &e), -RSP_ERR_CLOSED, "batch: close seen");
	rsp_batch_free(&b);
	rsp_close(c);
}

/* The conversations, in the order they run: the name the stub's verdict
 * is checked under, the function that drives the client, and the stub's
 * script (its parts made at run time by fill_scripts()). */
static const struct conversation conversations[] = {
	{ "handshake", handshake, (const char *const[]){
		HANDSHAKE,
		"expect g", "reply " G_RESET,
		"expect p0", "reply f0ff000000000000",
		"expect P0=5be0000000000000", "reply OK",
		"expect qfThreadInfo", "reply m1,2",
		"expect qsThreadInfo", "reply mp1.3",
		"expect qsThreadInfo", "reply l",
		"expect m0,4", "reply E14",
		"expect D", "reply OK",
		NULL } },
	{ "NAK", nak, (const char *const[]){
		"nak qSupported:*", "expect qSupported:*",
		"reply PacketSize=100",
		"nak g", "nak g", "nak g", "nak g",
		NULL } },
	{ "bad checksum", badsum, (const char *const[]){
		"expect qSupported:*",
		"raw $PacketSize=100#00", "expect-nak",
		"reply PacketSize=100",
		"expect g",
		"raw $0011#00", "expect-nak",
		"raw $0011#00", "expect-nak",
		"raw $0011#00", "expect-nak",
		"raw $0011#00",
		NULL } },
	{ "ssh banner", ssh_banner, (const char *const[]){
		"raw SSH-2.0-OpenSSH_9.2p1 Debian-2\\r\\n",
		"drain 5000", NULL } },
	{ "http", http, (const char *const[]){
		"expect qSupported:*",
		"raw HTTP/1.1 400 Bad Request\\r\\nContent-Length: 0\\r\\n\\r\\n",
		"close", NULL } },
	{ "malformed", malformed, (const char *const[]){
		"expect qSupported:*", "reply PacketSize=100",
		"expect g", "raw $*!#4b", "expect-nak", "reply 1122",
		"expect g", "raw }garbage\\n",
		NULL } },
	{ "sizes", sizes, (const char *const[]){
		"expect qSupported:*", "reply PacketSize=100",
		/* (256 - 4) / 2 = 126 = 0x7e bytes per m; 252 hex digits each,
		 * sent run-length encoded: "1*~" is 98 '1's. */
		"expect m1000,7e", sizes_l1,
		"expect m107e,7e", sizes_l2,
		"expect m10fc,4", "reply 33333333",
		"expect m2000,4", "reply 4444444455",
		"expect m3000,8", "reply 0102",
		"expect g", "reply 00000000000000000000000000000000000000000000000000000000000000000000000000000000",
		"expect g", "reply 0011",
		"expect M4000,68:000102*", "reply OK",
		"expect M4068,60:68696a*", "reply OK",
		"expect X5000,4:ab#$", "reply OK",
		NULL } },
	{ "mid-packet", mid_packet, (const char *const[]){
		"expect qSupported:*", "reply PacketSize=100",
		"expect g", "raw $00112233", "close", NULL } },
	{ "closed", closed, (const char *const[]){
		"expect qSupported:*", "reply PacketSize=100",
		"expect g", "close", NULL } },
	{ "timeout", timeout, (const char *const[]){
		"expect qSupported:*", "reply PacketSize=100",
		"expect g", "sleep 1500", NULL } },
	{ "KVM breakpoints", kvm_breakpoints, (const char *const[]){
		"expect qSupported:*", "reply PacketSize=1000",
		"expect Z0,ffffffff81000000,1", "reply E14",
		"expect Z1,ffffffff81000000,1", "reply OK",
		"expect Z0,1000,1", "reply",
		"expect Z2,2000,4", "reply E22",
		"expect z1,ffffffff81000000,1", "reply OK",
		NULL } },
	{ "run control", run_control, (const char *const[]){
		HANDSHAKE,
		"expect Z0,fe05b,1", "reply OK",
		"expect vCont;c",
		/* Running: the client must send nothing at all. */
		"quiet 300",
		"send O48690a",
		"quiet 200",
		"reply T05thread:01;",
		/* rsp_resume: read pc, lift the breakpoint, step, re-insert. */
		"expect g", "reply 5be0000000000000" "02000000" "00f00000" "1000006000000000",
		"expect z0,fe05b,1", "reply OK",
		"expect vCont;s:1", "reply T05thread:01;",
		"expect Z0,fe05b,1", "reply OK",
		"expect vCont;c",
		"expect-break",
		"reply T02thread:01;",
		/* A stop somewhere else: no step-over. */
		"expect g", "reply 00e1000000000000" "02000000" "00f00000" "1000006000000000",
		"expect vCont;c",
		"expect-break",
		"reply T02thread:01;",
		"expect qRcmd,696e666f207265676973746572730a",
		"reply O4541583d30303030",
		"reply O300a",
		"reply OK",
		"expect ?", "reply T05thread:01;",
		"expect k", "close",
		NULL } },
	{ "no-ack (no '+' sent)", noack, (const char *const[]){
		"expect qSupported:*",
		"reply PacketSize=4000;QStartNoAckMode+",
		"expect QStartNoAckMode", "reply OK",
		"noack",
		"expect g", "reply 0011",
		"expect g", "raw $0011#00",
		/* No '-' for it (and the stub fails on any '+'). */
		"quiet 300",
		NULL } },
	{ "misc", misc, (const char *const[]){
		"expect qSupported:*", "reply PacketSize=1000;qXfer:features:read+",
		"expect qXfer:features:read:target.xml:0,*",
		"reply l<target><feature name=\"x\"><reg name=\"pc\" bitsize=\"32\"/><reg name=\"cr0\" bitsize=\"32\"/></feature></target>",
		"expect vCont?", "reply",
		"expect ?", "reply S05",
		"take g", "send 1000000011000000",
		"expect G2000000011000000", "reply OK",
		"expect s", "reply S05",
		"expect c",
		"expect-break", "reply S02",
		"expect c", "reply W00",
		NULL } },
	{ "hostile", hostile, (const char *const[]){
		HANDSHAKE,
		"expect g", "reply 0000000000",
		"expect p0", "reply 00",
		"expect g", "big 4194304 00",
		"expect g", "reply " G_RESET,
		"expect qXfer:features:read:target.xml:0,*", "big 5000 m<",
		"expect qRcmd,*", "reply O1b5d303b70776e6564076869", "reply OK",
		"expect m1000,4", "reply E.\\x1b[31mno",
		"expect m1000,4", "reply X09;process:1a",
		"expect m1000,4", "close",
		NULL } },
	{ "W00", exited, (const char *const[]){
		"expect qSupported:*", "reply PacketSize=100",
		"expect g", "reply W00",
		NULL } },
	{ "close", closed_at_g, (const char *const[]){
		"expect qSupported:*", "reply PacketSize=100",
		"expect g", "close", NULL } },
};

/* The parts of scripts made at run time. */
static void fill_scripts(void)
{
	char p1[300], p2[300];

	snprintf(core2_glob, sizeof core2_glob,
		 "expect qXfer:features:read:core.xml:%zx,*", strlen(CORE1));
	snprintf(p1, sizeof p1, "1*~1*~%056d", 0);
	memset(p1 + 6, '1', 56);
	snprintf(p2, sizeof p2, "2*~2*~%056d", 0);
	memset(p2 + 6, '2', 56);
	raw_line(sizes_l1, sizeof sizes_l1, p1);
	raw_line(sizes_l2, sizeof sizes_l2, p2);
}

int main(int argc, char **argv)
{
	char *dir = strdup(argv[0]);
	size_t i;

	snprintf(stub_path, sizeof stub_path, "%s/../helpers/fake-stub", dirname(dir));
	free(dir);
	fill_scripts();
	if (access(stub_path, X_OK) != 0) {
		printf("1..0 # skip %s not built\n", stub_path);
		return 0;
	}
	for (i = 0; i < sizeof conversations / sizeof conversations[0]; i++)
		converse(&conversations[i]);
	test_tcp_and_trace();
	test_batch();
	return tap_done();
}

/*
 * rsp-probe: a test helper (not the product CLI) that drives a real stub
 * through gdbstub-client's library, one command after another, printing
 * key=value lines for tests/t3200-rsp-qemu.bats to check.
 *
 *   rsp-probe [-w MS] ADDR CMD...    connect (retrying up to MS ms while
 *                                    the stub is not listening yet), run
 *
 * Commands (one argv word each, arguments after '='):
 *   start            qSupported, target description, vCont?, '?'
 *   regs             g; prints rip cs eflags cr0 and the linear pc
 *   reg=NAME         p; prints NAME=0x...
 *   mem=ADDR,LEN     m; prints mem=HEX
 *   step             single-step (stepping over a breakpoint); prints stop
 *   break=ADDR       Z0 (falls back to Z1 when Z0 is refused)
 *   hbreak=ADDR      Z1
 *   cont             rsp_resume and wait up to 10 s for the stop
 *   rawcont          rsp_continue (no step-over) and wait up to 10 s
 *   run=MS           rsp_resume; if still running after MS ms, interrupt
 *                    (0x03) and wait for that stop
 *   monitor=CMD      qRcmd; prints the output
 *   threads          qfThreadInfo
 *   halt             '?' (refused while breakpoints are inserted)
 *   time-g=N         N 'g' round trips; prints the mean in microseconds
 *   kill             k
 * Any failure prints "error: MESSAGE" and exits 1.
 */
#include "rsp.h"
#include "clock.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static struct rsp_conn *c;
static struct kit_err e;

static void check(int rc)
{
	if (rc < 0) {
		printf("error: %s\n", e.msg);
		exit(1);
	}
}

static long long now_us(void)
{
	return kit_mono_ns() / 1000;
}

static void print_stop(const struct rsp_stop *st)
{
	uint64_t lin = 0, pc = 0;

	printf("stop kind=%c signo=%d tid=%ld", st->kind, st->signo, st->tid);
	if ((st->kind == 'T' || st->kind == 'S') && rsp_get_pc(c, &lin, &pc, &e) == 0)
		printf(" pc=0x%llx linear=0x%llx", (unsigned long long)pc,
		       (unsigned long long)lin);
	printf("\n");
}

static void console(void *ctx, const char *t, size_t n)
{
	printf("console: %.*s\n", (int)n, t);
}

static void run_cmd(const char *cmd)
{
	const char *arg = strchr(cmd, '=');
	struct rsp_stop st;
	uint64_t v, lin, pc;
	int rc;

	arg = arg ? arg + 1 : "";
	if (!strcmp(cmd, "start")) {
		static const struct rsp_tdesc none;
		const struct rsp_tdesc *td;

		check(rsp_start(c, &e));
		td = rsp_tdesc(c) ? rsp_tdesc(c) : &none;
		printf("packetsize=%lu arch=%s nregs=%zu g_size=%zu vcont=%d noack=%d\n",
		       rsp_features(c)->PacketSize, td->architecture, td->nregs,
		       td->g_size, rsp_vcont_has(c, 'c'), rsp_noack(c));
	} else if (!strcmp(cmd, "regs")) {
		static const char *const names[] = { "rip", "cs", "eflags", "cr0" };
		size_t i;

		check(rsp_read_registers(c, &e));
		printf("g_bytes=%zu\n", rsp_g(c)->len);
		for (i = 0; i < 4; i++) {
			check(rsp_reg_get(c, names[i], &v, &e));
			printf("%s=0x%llx\n", names[i], (unsigned long long)v);
		}
		check(rsp_get_pc(c, &lin, &pc, &e));
		printf("linear=0x%llx\n", (unsigned long long)lin);
	} else if (!strncmp(cmd, "reg=", 4)) {
		check(rsp_read_register_u64(c, arg, &v, &e));
		printf("%s=0x%llx\n", arg, (unsigned long long)v);
	} else if (!strncmp(cmd, "mem=", 4)) {
		unsigned long long a = strtoull(arg, NULL, 0);
		const char *comma = strchr(arg, ',');
		size_t len = comma ? strtoul(comma + 1, NULL, 0) : 16;
		unsigned char *buf = malloc(len);
		char *hex = malloc(2 * len + 1);
		ssize_t n = rsp_read_memory(c, a, buf, len, &e);

		check((int)n);
		rsp_hex_encode(hex, buf, (size_t)n);
		printf("mem=%s\n", hex);
		free(buf);
		free(hex);
	} else if (!strcmp(cmd, "step")) {
		check(rsp_step(c, &st, &e));
		print_stop(&st);
	} else if (!strncmp(cmd, "break=", 6)) {
		v = strtoull(arg, NULL, 0);
		rc = rsp_insert_break(c, RSP_BP_SW, v, 1, &e);
		if (rc == -RSP_ERR_UNSUPPORTED || rc == -RSP_ERR_TARGET) {
			printf("fallback: %s\n", e.msg);
			rc = rsp_insert_break(c, RSP_BP_HW, v, 1, &e);
		}
		check(rc);
		printf("inserted=0x%llx\n", (unsigned long long)v);
	} else if (!strncmp(cmd, "hbreak=", 7)) {
		v = strtoull(arg, NULL, 0);
		check(rsp_insert_break(c, RSP_BP_HW, v, 1, &e));
		printf("inserted=0x%llx\n", (unsigned long long)v);
	} else if (!strcmp(cmd, "cont")) {
		rc = rsp_resume(c, &st, &e);
		check(rc);
		if (rc == 0)
			check(rsp_wait_stop(c, 10000, &st, &e));
		print_stop(&st);
	} else if (!strcmp(cmd, "rawcont")) {
		check(rsp_continue(c, &e));
		check(rsp_wait_stop(c, 10000, &st, &e));
		print_stop(&st);
	} else if (!strncmp(cmd, "run=", 4)) {
		int ms = atoi(arg);

		rc = rsp_resume(c, &st, &e);
		check(rc);
		if (rc == 0) {
			rc = rsp_wait_stop(c, ms, &st, &e);
			if (rc == -RSP_ERR_TIMEOUT) {
				long long t0;

				printf("running after %d ms\n", ms);
				check(rsp_interrupt(c, &e));
				t0 = now_us();
				rc = rsp_wait_stop(c, 10000, &st, &e);
				printf("interrupt_us=%lld\n", now_us() - t0);
			}
			check(rc);
		}
		print_stop(&st);
	} else if (!strncmp(cmd, "monitor=", 8)) {
		struct rsp_buf out = RSP_BUF_INIT;

		check(rsp_monitor(c, arg, &out, &e));
		printf("%s", out.data ? out.data : "");
		rsp_buf_free(&out);
	} else if (!strcmp(cmd, "threads")) {
		struct rsp_thread *t;
		size_t n, i;

		check(rsp_thread_list(c, &t, &n, &e));
		for (i = 0; i < n; i++)
			printf("thread pid=%ld tid=%ld\n", t[i].pid, t[i].tid);
		free(t);
	} else if (!strcmp(cmd, "halt")) {
		check(rsp_query_halt(c, false, &st, &e));
		print_stop(&st);
	} else if (!strncmp(cmd, "time-g=", 7)) {
		int n = atoi(arg), i;
		long long t0 = now_us();

		for (i = 0; i < n; i++)
			check(rsp_read_registers(c, &e));
		printf("g_round_trip_us=%lld\n", (now_us() - t0) / (n > 0 ? n : 1));
	} else if (!strcmp(cmd, "kill")) {
		check(rsp_kill(c, &e));
		printf("killed\n");
	} else {
		printf("error: unknown command '%s'\n", cmd);
		exit(2);
	}
	fflush(stdout);
}

int main(int argc, char **argv)
{
	int i = 1, wait_ms = 0;
	long long deadline;

	setvbuf(stdout, NULL, _IOLBF, 0);
	if (i + 1 < argc && !strcmp(argv[i], "-w")) {
		wait_ms = atoi(argv[i + 1]);
		i += 2;
	}
	if (i >= argc) {
		fprintf(stderr, "usage: rsp-probe [-w MS] ADDR CMD...\n");
		return 2;
	}
	deadline = now_us() + (long long)wait_ms * 1000;
	for (;;) {
		c = rsp_connect(argv[i], 2000, &e);
		if (c || now_us() >= deadline)
			break;
		usleep(50000);
	}
	check(c ? 0 : -1);
	rsp_set_console(c, console, NULL);
	for (i++; i < argc; i++)
		run_cmd(argv[i]);
	rsp_close(c);
	return 0;
}

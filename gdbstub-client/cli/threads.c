/*
 * threads.c: "info threads" and "thread [N]", in gdb's shapes.  QEMU's
 * gdbstub shows each vCPU as a thread: thread N is CPU N - 1, listed by
 * qfThreadInfo, described by qThreadExtraInfo ("CPU#1 [halted ]"); Hg N
 * makes the register and memory reads that follow read CPU N - 1 (its
 * registers, its page tables) until the guest next stops, when QEMU
 * selects the CPU that stopped.  A continue resumes every CPU; a stepi
 * steps the selected one alone (vCont;s:N).
 */
#include "cli.h"
#include "ksym.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The selected thread's registers were cached for another thread. */
static void forget_regs(struct cli *cli)
{
	cli->t->regs_valid = false;
	cli->t->mode_valid = false;
}

/* gdb's frame column: "0xffffffff81a4c5eb in default_idle ()". */
static void frame_text(struct cli *cli, char *buf, size_t n)
{
	const struct gc_mode_info *mi;
	const struct ksym_sym *s;
	struct kit_err e;
	uint64_t off = 0;

	forget_regs(cli);
	if (gc_mode(cli->t, false, &mi, &e) < 0) {
		snprintf(buf, n, "(cannot read the registers: %.180s)", e.msg);
		return;
	}
	s = cli->syms ? ksym_lookup_addr(cli->syms, mi->pc, &off) : NULL;
	/* a function's name only for code in a text symbol ("??" as gdb
	 * says elsewhere: the firmware, an absolute symbol below) */
	if (s && (!strchr("TtWw", s->type) || (s->size && off >= s->size)))
		s = NULL;
	snprintf(buf, n, "0x%016llx in %s ()", (unsigned long long)mi->pc,
		 s ? ksym_name(cli->syms, s) : "??");
}

/* The guest's threads (malloc'ed), or NULL after saying why. */
static struct rsp_thread *thread_list(struct cli *cli, size_t *n)
{
	struct rsp_thread *v;
	struct kit_err e;

	if (rsp_thread_list(cli->t->c, &v, n, &e) < 0) {
		error("cannot list the threads: %s", e.msg);
		return NULL;
	}
	if (!*n) {
		free(v);
		error("the stub lists no threads");
		return NULL;
	}
	return v;
}

int cli_info_threads(struct cli *cli, const char *args)
{
	struct rsp_thread *v;
	struct kit_err e;
	size_t n, i;
	long cur;
	int rc = 0;

	if (cli_no_args("info threads", args) < 0 || cli_need_target(cli) < 0)
		return -1;
	if (!(v = thread_list(cli, &n)))
		return -1;
	cur = rsp_selected_thread(cli->t->c);
	if (cur <= 0)
		cur = v[0].tid;
	printf("  %-4s %-28s %s\n", "Id", "Target Id", "Frame ");
	for (i = 0; i < n; i++) {
		char extra[64] = "", target[64], frame[256];

		if (rsp_thread_extra(cli->t->c, v[i].tid, extra, sizeof extra, NULL) < 0)
			extra[0] = '\0';
		if (rsp_select_thread(cli->t->c, v[i].tid, &e) < 0) {
			rc = error("cannot select thread %ld: %s", v[i].tid, e.msg);
			break;
		}
		frame_text(cli, frame, sizeof frame);
		if (extra[0])
			snprintf(target, sizeof target, "Thread %ld.%ld (%s)",
				 v[i].pid > 0 ? v[i].pid : 1, v[i].tid, extra);
		else
			snprintf(target, sizeof target, "Thread %ld.%ld",
				 v[i].pid > 0 ? v[i].pid : 1, v[i].tid);
		printf("%c %-4ld %-28s %s\n", v[i].tid == cur ? '*' : ' ', v[i].tid,
		       target, frame);
	}
	/* back to the thread selected before */
	if (rsp_select_thread(cli->t->c, cur, &e) < 0 && rc == 0)
		rc = error("cannot select thread %ld again: %s", cur, e.msg);
	forget_regs(cli);
	free(v);
	return rc;
}

int cli_thread(struct cli *cli, const char *args)
{
	struct rsp_thread *v;
	struct kit_err e;
	char *end, frame[256];
	size_t n, i;
	long tid, cur;

	if (cli_need_target(cli) < 0)
		return -1;
	while (isspace((unsigned char)*args))
		args++;
	cur = rsp_selected_thread(cli->t->c);
	if (!*args) {
		if (cur <= 0)
			return error("no thread selected yet (the guest has not stopped "
				     "with a thread id)");
		printf("[Current thread is %ld (Thread 1.%ld)]\n", cur, cur);
		return 0;
	}
	tid = strtol(args, &end, 10);
	while (isspace((unsigned char)*end))
		end++;
	if (end == args || *end || tid <= 0)
		return error("invalid thread id '%s': a number from 'info threads'", args);
	if (!(v = thread_list(cli, &n)))
		return -1;
	for (i = 0; i < n && v[i].tid != tid; i++)
		;
	if (i == n) {
		error("invalid thread id '%ld': the guest has %zu thread%s (%ld to %ld)",
		      tid, n, n == 1 ? "" : "s", v[0].tid, v[n - 1].tid);
		free(v);
		return -1;
	}
	free(v);
	if (rsp_select_thread(cli->t->c, tid, &e) < 0)
		return error("cannot select thread %ld: %s", tid, e.msg);
	frame_text(cli, frame, sizeof frame);
	printf("[Switching to thread %ld (Thread 1.%ld)]\n", tid, tid);
	printf("#0  %s\n", frame);
	return 0;
}

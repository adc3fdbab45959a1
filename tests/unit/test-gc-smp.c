/*
 * test-gc-smp: the secondary CPUs' bring-up phases from the kernel's
 * printk records (profile/smp.c: rec_smp_phases), on the records of real
 * Debian 6.1 boots under TCG:
 *   - each CPU in a record of its own (" #2" after another CPU's
 *     calibrate_delay() warning): smp:prepare, then a phase per CPU from
 *     its start to the next one's, the last to "Brought up";
 *   - the starts merged into one record ("#1 #2 #3", lpj= given): one
 *     smp:cpus1-3 phase;
 *   - one CPU ("Bringing up" and "Brought up 1 node, 1 CPU" alone): none;
 *   - no "Brought up" (the records lost): none.
 */
#include "recorder.h"
#include "tap.h"

#include <string.h>

#define MS 1000000LL

static struct rec_klog_rec R(int64_t ms, const char *text)
{
	struct rec_klog_rec r = { ms * MS, 6, (char *)text };

	return r;
}

static void test_separate(void)
{
	struct rec_klog_rec v[] = {
		R(490, "rcu: Hierarchical SRCU implementation."),
		R(492, "smp: Bringing up secondary CPUs ..."),
		R(496, "x86: Booting SMP configuration:"),
		R(497, ".... node  #0, CPUs:      #1"),
		R(24, "calibrate_delay_direct() failed to get a good estimate for loops_per_jiffy."),
		R(631, " #2"),
		R(24, "calibrate_delay_direct() failed to get a good estimate for loops_per_jiffy."),
		R(787, " #3"),
		R(972, "smp: Brought up 1 node, 4 CPUs"),
		R(973, "smpboot: Max logical packages: 1"),
	};
	struct rec_smp_phase ph[8];
	int n = rec_smp_phases(v, sizeof v / sizeof v[0], ph, 8);

	is_int(n, 4, "separate records: prepare and three CPUs");
	if (n != 4)
		return;
	ok(!strcmp(ph[0].id, "smp:prepare") && ph[0].start == 492 * MS &&
	   ph[0].end == 497 * MS, "smp:prepare from 'Bringing up' to CPU 1's start");
	ok(!strcmp(ph[1].id, "smp:cpu1") && ph[1].start == 497 * MS &&
	   ph[1].end == 631 * MS, "smp:cpu1 to CPU 2's start (the warning between ignored)");
	ok(!strcmp(ph[2].id, "smp:cpu2") && ph[2].end == 787 * MS, "smp:cpu2");
	ok(!strcmp(ph[3].id, "smp:cpu3") && ph[3].end == 972 * MS,
	   "smp:cpu3 to 'Brought up'");
}

static void test_merged(void)
{
	struct rec_klog_rec v[] = {
		R(877, "smp: Bringing up secondary CPUs ..."),
		R(882, "x86: Booting SMP configuration:"),
		R(882, ".... node  #0, CPUs:      #1 #2 #3"),
		R(921, "smp: Brought up 1 node, 4 CPUs"),
	};
	struct rec_smp_phase ph[8];
	int n = rec_smp_phases(v, 4, ph, 8);

	is_int(n, 2, "merged: prepare and one phase");
	if (n == 2)
		ok(!strcmp(ph[1].id, "smp:cpus1-3") && ph[1].start == 882 * MS &&
		   ph[1].end == 921 * MS, "smp:cpus1-3 from their record to 'Brought up'");
}

static void test_none(void)
{
	struct rec_klog_rec one[] = {
		R(400, "smp: Bringing up secondary CPUs ..."),
		R(401, "smp: Brought up 1 node, 1 CPU"),
	};
	struct rec_klog_rec lost[] = {
		R(400, "smp: Bringing up secondary CPUs ..."),
		R(402, ".... node  #0, CPUs:      #1"),
	};
	struct rec_smp_phase ph[8];

	is_int(rec_smp_phases(one, 2, ph, 8), 0, "one CPU: no phase");
	is_int(rec_smp_phases(lost, 2, ph, 8), 0, "no 'Brought up': no phase");
	is_int(rec_smp_phases(NULL, 0, ph, 8), 0, "no records: no phase");
}

int main(void)
{
	test_separate();
	test_merged();
	test_none();
	return tap_done();
}

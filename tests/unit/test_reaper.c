/*
 * Whose containers may be removed: the owner labels, and the proof that an
 * owner is gone, against made-up answers and against real processes.
 */
#include "unit.h"

#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "plugin/reaper.h"
#include "plugin/self.h"

#define OWNER_ID "4f3c2b1a0e9d8c7b6a5f4e3d2c1b0a9f8e7d6c5b4a3f2e1d0c9b8a7f6e5d4c3b"
#define STARTED "2025-01-02T03:04:05.123456789Z"
#define BOOT "adea7e2a-7fc3-4b14-b616-6431e42c54e1"

static const struct reaper_process here = {BOOT, 4026531836ull, 100, 5000};

static int probe_answer;
static long probed_pid;

static int fake_probe(long pid, unsigned long long start)
{
	probed_pid = pid;
	(void)start;
	return probe_answer;
}

static enum reaper_verdict judge(const char *owner, int answer)
{
	char why[200] = "";

	probe_answer = answer;
	probed_pid = 0;
	return reaper_judge_process(owner, &here, fake_probe, why, sizeof(why));
}

static void test_process_owner(void **state)
{
	char why[200] = "";

	/* same boot, same pid namespace: the probe decides */
	assert_int_equal(judge("process " BOOT " 4026531836 4242 777", 0), REAPER_GONE);
	assert_int_equal(probed_pid, 4242);
	assert_int_equal(judge("process " BOOT " 4026531836 4242 777", 1), REAPER_ALIVE);
	assert_int_equal(judge("process " BOOT " 4026531836 4242 777", -1), REAPER_UNKNOWN);
	/* this very process is alive without asking */
	assert_int_equal(judge("process " BOOT " 4026531836 100 5000", 0), REAPER_ALIVE);
	assert_int_equal(probed_pid, 0);
	/* another boot, machine or pid namespace: cannot be told, whatever a probe here says */
	assert_int_equal(
	    judge("process 0dea7e2a-7fc3-4b14-b616-6431e42c54e1 4026531836 4242 777", 0),
	    REAPER_UNKNOWN);
	assert_int_equal(judge("process " BOOT " 4026532000 4242 777", 0), REAPER_UNKNOWN);
	assert_int_equal(probed_pid, 0);
	/* not the process form */
	assert_int_equal(judge("process " BOOT " 4026531836 4242", 0), REAPER_UNKNOWN);
	assert_int_equal(judge("process " BOOT " 4026531836 4242 777 x", 0), REAPER_UNKNOWN);
	assert_int_equal(judge("process " BOOT " 4026531836 0 777", 0), REAPER_UNKNOWN);
	assert_int_equal(judge("process " BOOT " 4026531836 -4 777", 0), REAPER_UNKNOWN);
	assert_int_equal(judge("process" BOOT " 4026531836 4242 777", 0), REAPER_UNKNOWN);
	assert_int_equal(judge("process  " BOOT " 4026531836 4242 777", 0), REAPER_UNKNOWN);
	assert_int_equal(judge("process " BOOT " 4026531836 04242 777", 0), REAPER_UNKNOWN);
	assert_int_equal(judge("process " BOOT " 4026531836 4242 +777", 0), REAPER_UNKNOWN);
	assert_int_equal(judge("container " OWNER_ID " " STARTED, 0), REAPER_UNKNOWN);
	assert_int_equal(judge("", 0), REAPER_UNKNOWN);
	assert_int_equal(probed_pid, 0);
	/* nothing known about this machine: nothing is gone */
	assert_int_equal(reaper_judge_process("process " BOOT " 4026531836 4242 777", NULL,
	                                      fake_probe, why, sizeof(why)),
	                 REAPER_UNKNOWN);
}

static enum reaper_verdict judge_c(const char *owner, long status, const char *json)
{
	char why[200] = "";

	return reaper_judge_container(owner, status, json, json != NULL ? strlen(json) : 0, why,
	                              sizeof(why));
}

static void test_container_owner(void **state)
{
	const char *owner = "container " OWNER_ID " " STARTED;

	assert_int_equal(judge_c(owner, 404, "{\"message\":\"No such container\"}"), REAPER_GONE);
	assert_int_equal(judge_c(owner, 200,
	                         "{\"Id\":\"" OWNER_ID "\",\"State\":{\"Running\":true,"
	                         "\"Status\":\"running\",\"StartedAt\":\"" STARTED "\"}}"),
	                 REAPER_ALIVE);
	/* paused is alive */
	assert_int_equal(judge_c(owner, 200,
	                         "{\"Id\":\"" OWNER_ID "\",\"State\":{\"Running\":true,\"Paused\":"
	                         "true,\"StartedAt\":\"" STARTED "\"}}"),
	                 REAPER_ALIVE);
	assert_int_equal(judge_c(owner, 200,
	                         "{\"Id\":\"" OWNER_ID "\",\"State\":{\"Running\":false,"
	                         "\"Status\":\"exited\",\"StartedAt\":\"" STARTED "\"}}"),
	                 REAPER_GONE);
	/* restarted: the mainline that started the run is not the one running now */
	assert_int_equal(judge_c(owner, 200,
	                         "{\"Id\":\"" OWNER_ID "\",\"State\":{\"Running\":true,"
	                         "\"StartedAt\":\"2025-01-02T04:00:00Z\"}}"),
	                 REAPER_GONE);
	assert_int_equal(judge_c("container " OWNER_ID " -", 200,
	                         "{\"Id\":\"" OWNER_ID "\",\"State\":{\"Running\":true,"
	                         "\"StartedAt\":\"2025-01-02T04:00:00Z\"}}"),
	                 REAPER_ALIVE);
	/* answers that prove nothing */
	assert_int_equal(judge_c(owner, 500, "{\"message\":\"busy\"}"), REAPER_UNKNOWN);
	assert_int_equal(judge_c(owner, 200, "{\"Id\":\"" OWNER_ID "\"}"), REAPER_UNKNOWN);
	assert_int_equal(judge_c(owner, 200, "not json"), REAPER_UNKNOWN);
	assert_int_equal(judge_c(owner, 200,
	                         "{\"Id\":\"5f3c2b1a0e9d8c7b6a5f4e3d2c1b0a9f8e7d6c5b4a3f2e1d0c9b8a7"
	                         "f6e5d4c3b\",\"State\":{\"Running\":false}}"),
	                 REAPER_UNKNOWN);
	/* not the container form */
	assert_int_equal(judge_c("container 4f3c " STARTED, 404, ""), REAPER_UNKNOWN);
	assert_int_equal(judge_c("container " OWNER_ID, 404, ""), REAPER_UNKNOWN);
	assert_int_equal(judge_c("process " BOOT " 1 2 3", 404, ""), REAPER_UNKNOWN);
}

/* Field 3 (state) and 22 (start time) of /proc/<pid>/stat, as ps reads them. */
static char stat_of(pid_t pid, unsigned long long *start)
{
	char path[64], line[512] = "", state;
	const char *p;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%ld/stat", (long)pid);
	if ((f = fopen(path, "r")) == NULL)
		return '?';
	p = fgets(line, sizeof(line), f) != NULL ? strrchr(line, ')') : NULL;
	fclose(f);
	if (p == NULL)
		return '?';
	state = p[2];
	for (int field = 2; field < 22; field++)
		if ((p = strchr(p + 1, ' ')) == NULL)
			return '?';
	*start = strtoull(p + 1, NULL, 10);
	return state;
}

/* The probe against real processes of this machine. */
static void test_probe_real_processes(void **state)
{
	struct reaper_process me;
	unsigned long long start = 0;
	int status, i;
	pid_t child;

	assert_int_equal(reaper_process_self(&me), 0);
	assert_int_equal(me.pid, (long)getpid());
	assert_int_equal(strlen(me.boot_id), 36);
	assert_int_equal(stat_of(getpid(), &start), 'R');
	assert_true(start == me.start);
	assert_int_equal(reaper_probe_proc(me.pid, me.start), 1);
	assert_int_equal(reaper_probe_proc(me.pid, me.start + 1), 0); /* a reused pid */

	child = fork();
	assert_true(child >= 0);
	if (child == 0) {
		pause();
		_exit(0);
	}
	for (i = 0; i < 500 && stat_of(child, &start) == '?'; i++)
		usleep(10000);
	assert_int_equal(reaper_probe_proc(child, start), 1);
	kill(child, SIGKILL);
	/* a zombie is dead: its start time matches, its state says so */
	for (i = 0; i < 500 && stat_of(child, &start) != 'Z'; i++)
		usleep(10000);
	assert_int_equal(reaper_probe_proc(child, start), 0);
	assert_int_equal(waitpid(child, &status, 0), child);
	assert_int_equal(reaper_probe_proc(child, start), 0); /* and gone once reaped */
}

static void test_owner_labels(void **state)
{
	struct self_container self;
	struct reaper_process me;
	char owner[REAPER_OWNER_MAX], want[REAPER_OWNER_MAX];
	char labels[4][REAPER_LABEL_LEN];

	memset(&self, 0, sizeof(self));
	self.found = self.by_id = 1;
	snprintf(self.id, sizeof(self.id), "%s", OWNER_ID);
	snprintf(self.started_at, sizeof(self.started_at), "%s", STARTED);
	assert_int_equal(reaper_owner(&self, owner), 0);
	assert_string_equal(owner, "container " OWNER_ID " " STARTED);
	self.started_at[0] = '\0';
	assert_int_equal(reaper_owner(&self, owner), 0);
	assert_string_equal(owner, "container " OWNER_ID " -");

	/* found only by its host name, or not at all: the process names itself */
	self.by_id = 0;
	assert_int_equal(reaper_owner(&self, owner), 0);
	assert_int_equal(reaper_process_self(&me), 0);
	snprintf(want, sizeof(want), "process %s %llu %ld %llu", me.boot_id, me.pid_ns, me.pid,
	         me.start);
	assert_string_equal(owner, want);
	assert_int_equal(
	    reaper_judge_process(owner, &me, reaper_probe_proc, labels[0], sizeof(labels[0])),
	    REAPER_ALIVE);

	/* drone-gc's labels come along, nothing else */
	static const char inspect[] =
	    "{\"Id\":\"" OWNER_ID "\",\"Config\":{\"Labels\":{"
	    "\"io.drone.expires\":\"1764003600\",\"io.drone.ttl\":\"1h0m0s\","
	    "\"org.mainline.owner\":\"forged\",\"io.dronex\":\"no\","
	    "\"io.drone.build.number\":\"42\"}}}";
	buf_init(&self.inspect, 1 << 16);
	assert_int_equal(buf_append_str(&self.inspect, inspect), 0);
	assert_int_equal(reaper_drone_labels(&self, labels, 4), 3);
	assert_string_equal(labels[0], "io.drone.expires=1764003600");
	assert_string_equal(labels[1], "io.drone.ttl=1h0m0s");
	assert_string_equal(labels[2], "io.drone.build.number=42");
	assert_int_equal(reaper_drone_labels(&self, labels, 1), 1);
	self.found = 0;
	assert_int_equal(reaper_drone_labels(&self, labels, 4), 0);
	buf_release(&self.inspect);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_process_owner),
	    cmocka_unit_test(test_container_owner),
	    cmocka_unit_test(test_probe_real_processes),
	    cmocka_unit_test(test_owner_labels),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

/* Finding mainline's own container: its id in /proc texts, and the engine's inspect answer. */
#include "unit.h"

#include <string.h>

#include "common/error.h"
#include "plugin/self.h"

#define ID "4f3c2b1a0e9d8c7b6a5f4e3d2c1b0a9f8e7d6c5b4a3f2e1d0c9b8a7f6e5d4c3b"

static void test_own_id(void **state)
{
	char id[65];

	(void)state;
	assert_int_equal(self_id_from_mountinfo("1 0 0:1 / / rw - overlay overlay rw\n"
	                                        "2 1 8:1 /var/lib/docker/containers/" ID
	                                        "/hostname /etc/hostname "
	                                        "rw - ext4 /dev/sda1 rw\n",
	                                        id),
	                 0);
	assert_string_equal(id, ID);
	assert_int_equal(self_id_from_mountinfo("2 1 8:1 /containers/" ID "x/h /etc/h rw\n", id),
	                 -1);
	assert_int_equal(self_id_from_mountinfo("2 1 8:1 /containers/abc/hostname /x\n", id), -1);
	assert_int_equal(self_id_from_mountinfo("", id), -1);
	/* the same, from the engine's own mount of /etc/hosts, the last line, no newline */
	assert_int_equal(self_id_from_mountinfo("1 0 0:1 / / rw - overlay overlay rw\n"
	                                        "96 77 254:0 /var/lib/docker/containers/" ID
	                                        "/hosts /etc/hosts rw,relatime - ext4 /dev/vda rw",
	                                        id),
	                 0);
	assert_string_equal(id, ID);
	/* seen from the host: another container's shm mount is not ours */
	assert_int_equal(self_id_from_mountinfo("51 45 0:42 / /var/lib/docker/containers/" ID
	                                        "/mounts/shm rw,nosuid - tmpfs shm rw\n",
	                                        id),
	                 -1);
	/* the file must be the one mounted */
	assert_int_equal(self_id_from_mountinfo("95 77 254:0 /var/lib/docker/containers/" ID
	                                        "/hostname /etc/hosts rw - ext4 /dev/vda rw\n",
	                                        id),
	                 -1);
	assert_int_equal(
	    self_id_from_mountinfo("95 77 254:0 /var/lib/docker/containers/" ID
	                           "/hostname /mnt/etc/hostname rw - ext4 /dev/vda rw\n",
	                           id),
	    -1);
	assert_int_equal(self_id_from_mountinfo("95 77 254:0 /var/lib/docker/xcontainers/" ID
	                                        "/hostname /etc/hostname rw - ext4 /dev/vda rw\n",
	                                        id),
	                 -1);
	assert_int_equal(self_id_from_cgroup("0::/system.slice/docker-" ID ".scope\n", id), 0);
	assert_string_equal(id, ID);
	assert_int_equal(self_id_from_cgroup("12:cpu:/docker/" ID "\n", id), 0);
	assert_int_equal(self_id_from_cgroup("0::/\n", id), -1);
	assert_int_equal(self_id_from_cgroup("0::/x" ID "\n", id), -1);
}

struct inspect_case {
	const char *json, *hostname;
	int want;
	const char *started, *why_part;
};

static const struct inspect_case inspect_cases[] = {
    {"{\"Id\":\"" ID "\",\"State\":{\"Running\":true,\"StartedAt\":"
     "\"2025-01-02T03:04:05.123456789Z\"},\"Config\":{\"Hostname\":\"4f3c2b1a0e9d\"}}",
     NULL, 0, "2025-01-02T03:04:05.123456789Z", NULL},
    /* found by hostname: it must be this container */
    {"{\"Id\":\"" ID "\",\"Config\":{\"Hostname\":\"other\"}}", "mine", 1, NULL,
     "not mainline's own"},
    {"{\"Id\":\"" ID "\",\"Config\":{\"Hostname\":\"mine\"}}", "mine", 0, "", NULL},
    {"{\"Id\":\"" ID "\"}", "mine", 1, NULL, "not mainline's own"},
    /* a start time that would not fit a label value is not taken */
    {"{\"Id\":\"" ID "\",\"State\":{\"StartedAt\":\"2025 01 02\"}}", NULL, 0, "", NULL},
    /* malformed */
    {"[]", NULL, ML_ENGINE_ERROR, NULL, NULL},
    {"{\"Id\":\"4f3c\"}", NULL, ML_ENGINE_ERROR, NULL, NULL},
    {"{\"Id\":\"" ID "\"} x", NULL, ML_ENGINE_ERROR, NULL, NULL},
};

static void test_inspect(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(inspect_cases) / sizeof(inspect_cases[0]); i++) {
		const struct inspect_case *ic = &inspect_cases[i];
		struct self_container s;
		int r;

		memset(&s, 0, sizeof(s));
		ml_error_clear();
		r = self_from_inspect(ic->json, strlen(ic->json), ic->hostname, &s);
		if (r != ic->want)
			fail_msg("case %zu: got %d, want %d (%s)", i, r, ic->want, s.why);
		if (r == 0) {
			assert_string_equal(s.id, ID);
			assert_string_equal(s.started_at, ic->started);
		}
		if (ic->why_part != NULL && strstr(s.why, ic->why_part) == NULL)
			fail_msg("case %zu: '%s' lacks '%s'", i, s.why, ic->why_part);
	}
}

/* Where the engine's socket mainline talks to is on the engine's host. */
static void test_host_path(void **state)
{
#define MOUNTS(m) "{\"Id\":\"" ID "\",\"Mounts\":[" m "]}"
#define BIND(src, dst) "{\"Type\":\"bind\",\"Source\":\"" src "\",\"Destination\":\"" dst "\"}"
	static const struct {
		const char *json, *path, *want; /* want NULL: not found (1) */
		const char *why_part;
	} cases[] = {
	    /* -v /var/run/docker.sock:/run/alt.sock, DOCKER_HOST=unix:///run/alt.sock */
	    {MOUNTS(BIND("/var/run/docker.sock", "/run/alt.sock")), "/run/alt.sock",
	     "/var/run/docker.sock", NULL},
	    /* rootless Docker and Podman: the host path is not the one inside */
	    {MOUNTS(BIND("/run/user/1000/docker.sock", "/var/run/docker.sock")),
	     "/var/run/docker.sock", "/run/user/1000/docker.sock", NULL},
	    {MOUNTS(BIND("/run/podman/podman.sock", "/var/run/docker.sock")),
	     "/var/run/docker.sock", "/run/podman/podman.sock", NULL},
	    /* a parent directory bound: the rest of the path is appended */
	    {MOUNTS(BIND("/run/user/1000", "/host-run")), "/host-run/docker.sock",
	     "/run/user/1000/docker.sock", NULL},
	    {MOUNTS(BIND("/srv/", "/host/")), "/host/d/docker.sock", "/srv/d/docker.sock", NULL},
	    /* the nearest mount wins */
	    {MOUNTS(BIND("/a", "/run") "," BIND("/b", "/run/docker")), "/run/docker/s.sock",
	     "/b/s.sock", NULL},
	    /* not held by a bind of a host path */
	    {MOUNTS(BIND("/var/run/docker.sock", "/var/run/docker.sock")), "/run/alt.sock", NULL,
	     "no mount of mainline's container holds '/run/alt.sock'"},
	    {MOUNTS(BIND("/x", "/run/altx")), "/run/alt", NULL, "no mount"},
	    {MOUNTS("{\"Type\":\"volume\",\"Name\":\"sock\",\"Destination\":\"/run\"}"),
	     "/run/alt.sock", NULL, "on a volume mount at '/run'"},
	    {MOUNTS("{\"Type\":\"tmpfs\",\"Destination\":\"/run\"}"), "/run/alt.sock", NULL,
	     "on a tmpfs mount"},
	    {"{\"Id\":\"" ID "\"}", "/var/run/docker.sock", NULL, "no mount"},
	};
	char out[4096], why[300];
	size_t i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		int r;

		why[0] = '\0';
		r = self_host_path(cases[i].json, strlen(cases[i].json), cases[i].path, out,
		                   sizeof(out), why, sizeof(why));
		if (cases[i].want != NULL) {
			if (r != 0 || strcmp(out, cases[i].want) != 0)
				fail_msg("case %zu: %d '%s', want '%s'", i, r, out, cases[i].want);
		} else if (r != 1 || strstr(why, cases[i].why_part) == NULL) {
			fail_msg("case %zu: %d (%s), want 1 with '%s'", i, r, why,
			         cases[i].why_part);
		}
	}
	assert_int_equal(
	    self_host_path("{\"Mounts\":{}}", 13, "/x", out, sizeof(out), why, sizeof(why)),
	    ML_ENGINE_ERROR);
#undef MOUNTS
#undef BIND
}

static void test_networks(void **state)
{
	static const char drone[] =
	    "{\"NetworkSettings\":{\"Networks\":{\"drone-0123456789abcdefghij\":{}}}}";
	static const char woodpecker[] =
	    "{\"NetworkSettings\":{\"Networks\":{\"bridge\":{},\"wp_01h_1_default\":{},"
	    "\"agent-net\":{}}}}";
	static const char host[] = "{\"NetworkSettings\":{\"Networks\":{\"host\":{}}}}";
	char names[SELF_NETWORKS_MAX][SELF_NETWORK_NAME_MAX];
	int n = -1;

	assert_int_equal(self_networks(drone, strlen(drone), names, SELF_NETWORKS_MAX, &n), 0);
	assert_int_equal(n, 1);
	assert_string_equal(names[0], "drone-0123456789abcdefghij");
	assert_int_equal(
	    self_networks(woodpecker, strlen(woodpecker), names, SELF_NETWORKS_MAX, &n), 0);
	assert_int_equal(n, 2);
	assert_string_equal(names[0], "wp_01h_1_default");
	assert_string_equal(names[1], "agent-net");
	assert_int_equal(self_networks(woodpecker, strlen(woodpecker), names, 1, &n), 0);
	assert_int_equal(n, 1);
	assert_int_equal(self_networks(host, strlen(host), names, SELF_NETWORKS_MAX, &n), 0);
	assert_int_equal(n, 0);
	assert_int_equal(self_networks("{}", 2, names, SELF_NETWORKS_MAX, &n), 0);
	assert_int_equal(n, 0);
	assert_int_equal(self_networks("[", 1, names, SELF_NETWORKS_MAX, &n), ML_ENGINE_ERROR);
	assert_int_equal(n, 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_own_id),
	    cmocka_unit_test(test_inspect),
	    cmocka_unit_test(test_host_path),
	    cmocka_unit_test(test_networks),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

/* The pipeline container's networks: the build's, the setting, the baked policy's pin. */
#include "unit.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/buf.h"
#include "common/error.h"
#include "plugin/config.h"
#include "plugin/config_set.h"
#include "plugin/network.h"

#define WP_INSPECT                                                                                 \
	"{\"NetworkSettings\":{\"Networks\":{\"bridge\":{},\"wp_01hx_7_default\":{},\"agents\":{}" \
	"}}}"

struct plan_case {
	const char *drone_network; /* DRONE_DOCKER_NETWORK_ID */
	const char *self_inspect;  /* NULL: mainline's container not found */
	const char *setting;       /* PLUGIN_NETWORK */
	int baked;                 /* the baked policy names the setting's value */
	const char *step;
	int want;
	const char *networks; /* joined with ' ', "" for the engine's default */
	const char *alias;    /* NULL: none */
};

static const struct plan_case cases[] = {
    /* Drone: the variable names the build's network */
    {"drone-abc", NULL, NULL, 0, "release", 0, "drone-abc", "release-pipeline"},
    {"drone-abc", WP_INSPECT, NULL, 0, "release", 0, "drone-abc", "release-pipeline"},
    /* Woodpecker, or Drone without the variable: mainline's own user-defined networks */
    {NULL, WP_INSPECT, NULL, 0, "Deploy", 0, "wp_01hx_7_default agents", "deploy-pipeline"},
    {NULL, "{}", NULL, 0, "release", 0, "", "release-pipeline"},
    {NULL, NULL, NULL, 0, "release", 0, "", "release-pipeline"},
    /* a step name that is no DNS name gets no alias */
    {"drone-abc", NULL, NULL, 0, "build and test", 0, "drone-abc", NULL},
    {"drone-abc", NULL, NULL, 0, NULL, 0, "drone-abc", NULL},
    /* the setting: none, the build's network */
    {"drone-abc", NULL, "none", 0, "release", 0, "none", "release-pipeline"},
    {NULL, NULL, "none", 0, "release", 0, "none", "release-pipeline"},
    {"drone-abc", NULL, "drone-abc", 0, "release", 0, "drone-abc", "release-pipeline"},
    {NULL, WP_INSPECT, "agents", 0, "release", 0, "agents", "release-pipeline"},
    /* anything else only when the baked policy names it */
    {"drone-abc", NULL, "host", 0, "release", ML_POLICY_WIDENED, NULL, NULL},
    {"drone-abc", NULL, "other-net", 0, "release", ML_POLICY_WIDENED, NULL, NULL},
    {NULL, NULL, "bridge", 0, "release", ML_POLICY_WIDENED, NULL, NULL},
    {"drone-abc", NULL, "host", 1, "release", 0, "host", "release-pipeline"},
    {"drone-abc", NULL, "corp", 1, "release", 0, "corp", "release-pipeline"},
    /* a variable naming one of the engine's modes is no build network */
    {"host", NULL, NULL, 0, "release", ML_CONFIG, NULL, NULL},
    {"container:abc", NULL, NULL, 0, "release", ML_CONFIG, NULL, NULL},
    {"bad name", NULL, NULL, 0, "release", ML_CONFIG, NULL, NULL},
};

static void test_plan(void **state)
{
	size_t i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		const struct plan_case *pc = &cases[i];
		struct self_container self;
		struct network_plan np;
		struct config c;
		char got[1024] = "";
		size_t k;
		int r;

		config_init(&c);
		memset(&self, 0, sizeof(self));
		buf_init(&self.inspect, 1 << 20);
		if (pc->self_inspect != NULL) {
			self.found = 1;
			assert_int_equal(buf_append_str(&self.inspect, pc->self_inspect), 0);
		} else {
			snprintf(self.why, sizeof(self.why), "not in a container");
		}
		if (pc->drone_network != NULL)
			c.drone.docker_network = strdup(pc->drone_network);
		if (pc->step != NULL)
			c.drone.step_name = strdup(pc->step);
		if (pc->setting != NULL)
			assert_int_equal(config_set(&c, CK_NETWORK, pc->setting), 0);
		if (pc->baked) {
			c.has_baked = 1;
			c.baked = CONFIG_BIT(CK_NETWORK);
		}
		ml_error_clear();
		r = network_plan(&np, &c, &self);
		if (r != pc->want)
			fail_msg("case %zu: %d (%s), want %d", i, r, ml_error_message(), pc->want);
		if (r == 0) {
			for (k = 0; np.names[k] != NULL; k++)
				snprintf(got + strlen(got), sizeof(got) - strlen(got), "%s%s",
				         k > 0 ? " " : "", np.names[k]);
			if (strcmp(got, pc->networks) != 0)
				fail_msg("case %zu: networks '%s', want '%s'", i, got,
				         pc->networks);
			if (pc->alias == NULL
			        ? np.aliases[0] != NULL
			        : np.aliases[0] == NULL || strcmp(np.aliases[0], pc->alias) != 0)
				fail_msg("case %zu: alias '%s', want '%s'", i,
				         np.aliases[0] != NULL ? np.aliases[0] : "(none)",
				         pc->alias != NULL ? pc->alias : "(none)");
		}
		buf_release(&self.inspect);
		config_release(&c);
	}
}

static void test_setting_values(void **state)
{
	static const char *const good[] = {"none", "drone-abc", "corp.net_1", "host",
	                                   "container:abc"};
	static const char *const bad[] = {"", "-x", "a b", "net/1", "container:", "x:y", "é"};
	struct config c;
	size_t i;

	for (i = 0; i < sizeof(good) / sizeof(good[0]); i++) {
		config_init(&c);
		assert_int_equal(config_set(&c, CK_NETWORK, good[i]), 0);
		config_release(&c);
	}
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		config_init(&c);
		if (config_set(&c, CK_NETWORK, bad[i]) != ML_CONFIG)
			fail_msg("network '%s' accepted", bad[i]);
		config_release(&c);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_plan),
	    cmocka_unit_test(test_setting_values),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

/*
 * Workspace paths (the workdir and each volume's destination against the
 * workspace and the docker socket), own-container discovery, inspect answers.
 */
#include "unit.h"

#include <string.h>

#include "common/error.h"
#include "plugin/config.h"
#include "plugin/workspace.h"

struct volume_case {
	const char *volume, *workspace, *workdir;
	int ok;
	const char *message_part;
};

static const struct volume_case volume_cases[] = {
    {"gocache:/root/.cache/go", NULL, NULL, 1, NULL},
    {"go-mod.cache_1:/go/pkg/mod", "/drone/src", NULL, 1, NULL},
    {"c:/cache:ro", "/drone/src", "/work", 1, NULL},
    {"_c:/cache", NULL, NULL, 0, "volume name"}, /* the volume rule applies here too */
    {"c:/pipeline", NULL, NULL, 0, "overlaps the workdir '/pipeline'"},
    {"c:/pipeline/.cache", NULL, NULL, 0, "overlaps the workdir"},
    {"c:/work", NULL, "/work/tree", 0, "overlaps the workdir '/work/tree'"},
    {"c:/drone", "/drone/src", NULL, 0, "overlaps the workspace '/drone/src'"},
    {"c:/drone/src/cache", "/drone/src", NULL, 0, "overlaps the workspace"},
    {"c:/var/run", NULL, NULL, 0, "overlaps the docker socket"},
    {"c:/var/run/docker.sock", NULL, NULL, 0, "overlaps the docker socket"},
};

static void test_volumes(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(volume_cases) / sizeof(volume_cases[0]); i++) {
		const struct volume_case *vc = &volume_cases[i];
		struct config c;
		int r;

		config_init(&c);
		assert_int_equal(strlist_push(&c.volumes, vc->volume), 0);
		c.set |= CONFIG_BIT(CK_VOLUMES);
		c.workdir = strdup(vc->workdir != NULL ? vc->workdir : "/pipeline");
		c.drone.workspace = vc->workspace != NULL ? strdup(vc->workspace) : NULL;
		ml_error_clear();
		r = workspace_check_config(&c);
		if (vc->ok != (r == 0))
			fail_msg("volume '%s': got %d (%s)", vc->volume, r, ml_error_message());
		if (!vc->ok) {
			assert_int_equal(r, ML_CONFIG);
			if (strstr(ml_error_message(), vc->message_part) == NULL)
				fail_msg("volume '%s': message '%s' lacks '%s'", vc->volume,
				         ml_error_message(), vc->message_part);
		}
		config_release(&c);
	}
}

static void test_workdir_against_workspace(void **state)
{
	static const struct {
		const char *workdir, *workspace;
		int ok;
	} cases[] = {
	    {"/pipeline", "/drone/src", 1},  {"/drone/srcx", "/drone/src", 1},
	    {"/drone/src", "/drone/src", 0}, {"/drone/src/ci", "/drone/src", 0},
	    {"/drone", "/drone/src", 0},     {"/", "/drone/src", 0},
	    {"/pipeline", "drone/src", 0},   {"/pipeline", "/drone/../src", 0},
	};

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct config c;
		int r;

		config_init(&c);
		c.workdir = strdup(cases[i].workdir);
		c.drone.workspace = strdup(cases[i].workspace);
		ml_error_clear();
		r = workspace_check_config(&c);
		if (cases[i].ok != (r == 0))
			fail_msg("workdir '%s', workspace '%s': got %d", cases[i].workdir,
			         cases[i].workspace, r);
		config_release(&c);
	}
}

struct inspect_case {
	const char *json, *workspace;
	int want;
	const char *bind, *dest, *why_part;
};

static const struct inspect_case inspect_cases[] = {
    {"{\"Config\":{\"Hostname\":\"abc\"},\"Mounts\":[{\"Type\":\"volume\",\"Name\":\"ws1\","
     "\"Source\":\"/var/lib/docker/volumes/ws1/_data\",\"Destination\":\"/drone\",\"RW\":true}]}",
     "/drone/src", 0, "ws1:/drone", "/drone", NULL},
    {"{\"Mounts\":[{\"Type\":\"bind\",\"Source\":\"/srv/ws\",\"Destination\":\"/drone/src\","
     "\"RW\":false}]}",
     "/drone/src", 0, "/srv/ws:/drone/src:ro", "/drone/src", NULL},
    /* the nearest parent wins; a mount below the workspace does not hold it */
    {"{\"Mounts\":[{\"Type\":\"volume\",\"Name\":\"outer\",\"Destination\":\"/drone\"},"
     "{\"Type\":\"volume\",\"Name\":\"inner\",\"Destination\":\"/drone/src\"},"
     "{\"Type\":\"volume\",\"Name\":\"below\",\"Destination\":\"/drone/src/x\"}]}",
     "/drone/src", 0, "inner:/drone/src", "/drone/src", NULL},
    {"{\"Mounts\":[{\"Type\":\"volume\",\"Name\":\"x\",\"Destination\":\"/drone/srcx\"}]}",
     "/drone/src", 1, NULL, NULL, "no mount"},
    {"{\"Mounts\":[]}", "/drone/src", 1, NULL, NULL, "no mount"},
    {"{\"Mounts\":null}", "/drone/src", 1, NULL, NULL, "no mount"},
    {"{}", "/drone/src", 1, NULL, NULL, "no mount"},
    {"{\"Mounts\":[{\"Type\":\"tmpfs\",\"Destination\":\"/drone\"}]}", "/drone/src", 1, NULL, NULL,
     "tmpfs mount"},
    {"{\"Mounts\":[{\"Type\":\"volume\",\"Destination\":\"/drone\"}]}", "/drone/src", 1, NULL, NULL,
     "cannot be shared"},
    {"{\"Mounts\":[{\"Type\":\"bind\",\"Source\":\"/a:b\",\"Destination\":\"/drone\"}]}",
     "/drone/src", 1, NULL, NULL, "cannot be shared"},
    /* malformed */
    {"[]", "/drone/src", ML_ENGINE_ERROR, NULL, NULL, NULL},
    {"{\"Mounts\":{}}", "/drone/src", ML_ENGINE_ERROR, NULL, NULL, NULL},
    {"{\"Mounts\":[]} x", "/drone/src", ML_ENGINE_ERROR, NULL, NULL, NULL},
};

static void test_inspect(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(inspect_cases) / sizeof(inspect_cases[0]); i++) {
		const struct inspect_case *ic = &inspect_cases[i];
		char bind[256] = "", dest[256] = "", why[256] = "";
		int r;

		ml_error_clear();
		r = workspace_mount_from_inspect(ic->json, strlen(ic->json), ic->workspace, bind,
		                                 sizeof(bind), dest, sizeof(dest), why,
		                                 sizeof(why));
		if (r != ic->want)
			fail_msg("case %zu: got %d, want %d (%s)", i, r, ic->want, why);
		if (ic->bind != NULL) {
			assert_string_equal(bind, ic->bind);
			assert_string_equal(dest, ic->dest);
		}
		if (ic->why_part != NULL && strstr(why, ic->why_part) == NULL)
			fail_msg("case %zu: '%s' lacks '%s'", i, why, ic->why_part);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_volumes),
	    cmocka_unit_test(test_workdir_against_workspace),
	    cmocka_unit_test(test_inspect),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

#include "plugin/rollback_state.h"

#include <stdio.h>
#include <string.h>

#include "common/encoding.h"
#include "common/error.h"
#include "common/json.h"
#include "docker/engine.h"
#include "plugin/policy.h"
#include "plugin/self.h"
#include "plugin/workspace.h"

/* The engine's answer is waited for this long at most: the run needs the engine later anyway. */
#define ENGINE_CONNECT_MS 2000

const char *rollback_state_name(enum rollback_state s)
{
	switch (s) {
	case ROLLBACK_STATE_SHARED:
		return "shared";
	case ROLLBACK_STATE_LOCAL:
		return "local";
	case ROLLBACK_STATE_EPHEMERAL:
		return "ephemeral";
	default:
		return NULL;
	}
}

int rollback_state_required(const struct config *c)
{
	if (!c->require_shared_state || c->state_url != NULL)
		return 0;
	return ml_fail(ML_NO_SHARED_STATE,
	               "the policy requires a shared state (%s), and setting 'state_url' is %s: "
	               "without it the rollback floor is this runner's alone",
	               POLICY_REQUIRE_SHARED_STATE,
	               (c->empty & CONFIG_BIT(CK_STATE_URL))
	                   ? "empty (a from_secret value that Drone withheld arrives empty)"
	                   : "not set");
}

int rollback_state_volume_is_temporary(const char *json, size_t len)
{
	const cJSON *labels;
	cJSON *root = json_parse(json, len, ENGINE_JSON_MAX);
	int r;

	if (root == NULL || !cJSON_IsObject(root) || json_string(root, "Name") == NULL) {
		cJSON_Delete(root);
		return ml_fail(ML_ENGINE_ERROR,
		               "cannot parse the engine's answer to volume inspect");
	}
	labels = json_object(root, "Labels");
	r = labels != NULL && json_string(labels, "io.drone.expires") != NULL;
	cJSON_Delete(root);
	return r;
}

/* Whether the named volume is one the build's CI system removes afterwards. */
static enum rollback_state volume_state(struct engine *e, const char *name, const char *cache,
                                        char *why, size_t why_len)
{
	struct http_request req = {.method = "GET", .timeout_ms = 10000};
	struct http_response res;
	char path[400];
	int t;

	if (strlen(name) == 64 && hex_is_lower(name, 64)) {
		snprintf(
		    why, why_len,
		    "the cache '%s' is on an anonymous volume, removed with mainline's container",
		    cache);
		return ROLLBACK_STATE_EPHEMERAL;
	}
	http_response_init(&res, ENGINE_JSON_MAX);
	snprintf(path, sizeof(path), "/volumes/%s", name);
	if (engine_request(e, &req, path, &res) != 0 || res.status != 200 ||
	    ((t = rollback_state_volume_is_temporary((const char *)res.body.data, res.body.len)) !=
	         0 &&
	     t != 1)) {
		snprintf(why, why_len, "cannot inspect volume '%s' of the cache", name);
		http_response_release(&res);
		return ROLLBACK_STATE_UNKNOWN;
	}
	http_response_release(&res);
	if (t == 1) {
		snprintf(why, why_len, "the cache '%s' is on volume '%s', which the build removes",
		         cache, name);
		return ROLLBACK_STATE_EPHEMERAL;
	}
	snprintf(why, why_len, "the cache '%s' is on volume '%s'", cache, name);
	return ROLLBACK_STATE_LOCAL;
}

enum rollback_state rollback_state_find(const struct config *c, char *why, size_t why_len)
{
	struct engine_options eo = {.tls_verify = -1, .connect_timeout_ms = ENGINE_CONNECT_MS};
	enum rollback_state s = ROLLBACK_STATE_UNKNOWN;
	struct self_container self;
	struct engine *e = NULL;
	char bind[4200], dest[4200], ignored[256], *colon;

	memset(&self, 0, sizeof(self));
	if (c->state_url != NULL) {
		snprintf(why, why_len, "the rollback floor is shared (state_url)");
		return ROLLBACK_STATE_SHARED;
	}
	if (engine_open(&e, &eo) != 0 || self_find(&self, e) != 0) {
		snprintf(why, why_len, "cannot tell whether the cache outlives the build: %s",
		         ml_error_message());
		goto out;
	}
	if (!self.found) {
		snprintf(why, why_len, "the cache '%s' is on this machine (%s)", c->cache,
		         self.why);
		s = ROLLBACK_STATE_LOCAL;
		goto out;
	}
	if (workspace_mount_from_inspect((const char *)self.inspect.data, self.inspect.len,
	                                 c->cache, bind, sizeof(bind), dest, sizeof(dest), ignored,
	                                 sizeof(ignored)) != 0) {
		snprintf(why, why_len,
		         "the cache '%s' is on no volume or bind mount of mainline's container",
		         c->cache);
		s = ROLLBACK_STATE_EPHEMERAL;
		goto out;
	}
	if ((colon = strchr(bind, ':')) != NULL)
		*colon = '\0';
	if (bind[0] == '/') {
		snprintf(why, why_len, "the cache '%s' is on the host's '%s'", c->cache, bind);
		s = ROLLBACK_STATE_LOCAL;
	} else {
		s = volume_state(e, bind, c->cache, why, why_len);
	}
out:
	ml_error_clear();
	self_release(&self);
	engine_free(e);
	return s;
}

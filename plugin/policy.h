/*
 * The policy ceiling: a JSON object with the same keys as the settings
 * (baked into the image at POLICY_BAKED_PATH, or given to `mainline verify
 * --policy FILE`). Settings may narrow it, never widen it. See docs/policy.md
 * for the rule of each key.
 */
#ifndef MAINLINE_POLICY_H
#define MAINLINE_POLICY_H

#include <stddef.h>

#include "common/buf.h"
#include "plugin/config.h"

#define POLICY_BAKED_PATH "/etc/mainline/policy.json"
#define POLICY_MAX (1u << 20)
/* The keys that are not settings: PLUGIN_* names to ignore (ignored_settings.h), and */
#define POLICY_IGNORE_SETTINGS "ignore_settings"
/* true: a run without a shared state (state_url) is refused (docs/shared-state.md). */
#define POLICY_REQUIRE_SHARED_STATE "require_shared_state"

/*
 * Parses policy JSON (exactly len bytes, at most POLICY_MAX) into out, which
 * the caller has config_init()ed. The top level must be an object; unknown
 * keys, the key "policy", wrong value types and invalid values fail with
 * ML_CONFIG naming the key. POLICY_IGNORE_SETTINGS goes to
 * out->ignore_settings, POLICY_REQUIRE_SHARED_STATE (a boolean) to
 * out->require_shared_state. Contents-or-path values (allowed_signers,
 * keyring, ...) given as paths are read. Returns 0 or an ml_reason.
 */
int policy_parse(struct config *out, const char *json, size_t len);

/*
 * Reads and parses the policy file at path. A missing file is not an error:
 * *found is set to 0 and out stays empty. Any other read failure is ML_CONFIG
 * (fail closed: an unreadable baked policy must not lift the ceiling).
 */
int policy_load_file(struct config *out, const char *path, int *found);

/*
 * Checks that every setting given in req stays within the ceiling, then
 * fills the settings req left unset from the ceiling, so req becomes the
 * effective configuration. A widening fails with ML_POLICY_WIDENED and one
 * line naming the setting and why. A ceiling's require_shared_state holds for
 * req too (it only narrows). When req chose another anchor than the
 * ceiling's, req->policy_anchor and req->policy_chain receive the outermost
 * policy's anchor and chain requirement (fetch_verify keeps both: the setting's
 * anchor only narrows). Returns 0 or an ml_reason.
 */
int policy_apply(const struct config *ceiling, struct config *req);

/*
 * Where plugin mode looks for the baked policy: POLICY_BAKED_PATH when that
 * file exists (the image's baked policy always wins), else the file named by
 * MAINLINE_POLICY_FILE (tests, installs outside a container), else NULL. A
 * ceiling can only narrow, so a variable that adds one cannot widen anything.
 */
const char *policy_baked_path(void);

/*
 * The whole plugin configuration: the baked policy at baked_path (NULL:
 * none; missing file: none), whose ignore_settings apply to the settings
 * and context then read from envp, then the `policy` setting as a further
 * narrowing layer (it cannot name settings to ignore), then config_finish().
 * out must be config_init()ed; release it with config_release() in any case.
 */
int policy_effective_config(struct config *out, char **envp, const char *baked_path);

#endif

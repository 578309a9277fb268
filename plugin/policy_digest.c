#include "plugin/policy_digest.h"

#include <stdint.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "common/crypto.h"
#include "common/encoding.h"
#include "common/error.h"
#include "plugin/duration.h"
#include "plugin/policy.h"

/* File contents appear in the canonical form as "sha256:<hex>" of their bytes. */
static int contents_digest(const void *data, size_t len, char out[8 + 2 * 32 + 1])
{
	uint8_t md[32];

	if (crypto_digest(CRYPTO_SHA256, data, len, md) < 0)
		return -1;
	memcpy(out, "sha256:", 7);
	hex_encode(md, sizeof(md), out + 7);
	return 0;
}

/*
 * Adds setting k of c to obj in canonical form: durations as "1h30m", enums
 * and strings as text, file contents as "sha256:<hex>" of their bytes.
 * Secret settings are never added. 0 or -1.
 */
static int value_to_json(const struct config *c, enum config_key k, cJSON *obj)
{
	const struct setting *s = setting_of(k);
	char dur[32], digest[8 + 2 * 32 + 1];
	cJSON *arr;
	size_t i;

	if (s->flags & SETTING_SECRET)
		return 0;
	switch (s->type) {
	case SETTING_STR:
		return cJSON_AddStringToObject(obj, s->name, setting_string(c, k)) ? 0 : -1;
	case SETTING_CONTENTS:
		if (contents_digest(setting_string(c, k), strlen(setting_string(c, k)), digest) < 0)
			return -1;
		return cJSON_AddStringToObject(obj, s->name, digest) ? 0 : -1;
	case SETTING_LIST:
	case SETTING_CONTENTS_LIST:
		if ((arr = cJSON_AddArrayToObject(obj, s->name)) == NULL)
			return -1;
		for (i = 0; i < setting_list(c, k)->n; i++) {
			const struct strlist *l = setting_list(c, k);
			cJSON *item;

			if (s->type == SETTING_CONTENTS_LIST) {
				if (contents_digest(l->v[i], l->len[i], digest) < 0)
					return -1;
				item = cJSON_CreateString(digest);
			} else {
				item = cJSON_CreateString(l->v[i]);
			}

			if (item == NULL || !cJSON_AddItemToArray(arr, item)) {
				cJSON_Delete(item);
				return -1;
			}
		}
		return 0;
	case SETTING_BOOL:
		return cJSON_AddBoolToObject(obj, s->name, (int)setting_number(c, k)) ? 0 : -1;
	case SETTING_ENUM:
		return cJSON_AddStringToObject(obj, s->name, s->choices[(int)setting_number(c, k)])
		           ? 0
		           : -1;
	case SETTING_DURATION:
		if (duration_format(setting_number(c, k), dur, sizeof(dur)) < 0)
			return -1;
		return cJSON_AddStringToObject(obj, s->name, dur) ? 0 : -1;
	}
	return -1;
}

/* The restriction-only keyrings, as "sha256:<hex>" of each, like the keyrings themselves. */
static int restrictions_to_json(const struct config *c, cJSON *obj)
{
	char item[8 + 2 * 32 + 1];
	cJSON *list;
	size_t i;

	if (c->keyring_restrictions.n == 0)
		return 0;
	if ((list = cJSON_AddArrayToObject(obj, "keyring_restrictions")) == NULL)
		return -1;
	for (i = 0; i < c->keyring_restrictions.n; i++) {
		if (contents_digest(c->keyring_restrictions.v[i], c->keyring_restrictions.len[i],
		                    item) < 0)
			return -1;
		if (!cJSON_AddItemToArray(list, cJSON_CreateString(item)))
			return -1;
	}
	return 0;
}

int policy_canonical_json(const struct config *c, struct buf *out)
{
	cJSON *obj = cJSON_CreateObject();
	char *text = NULL;
	int r = ML_IO, k;

	if (obj == NULL)
		goto out;
	/* enum config_key is in name order, and cJSON keeps insertion order */
	for (k = 0; k < CK_COUNT; k++) {
		/* the one policy key that is not a setting, in its place by name */
		if (k == CK_REQUIRE_USER_PRESENCE && c->require_shared_state &&
		    cJSON_AddTrueToObject(obj, POLICY_REQUIRE_SHARED_STATE) == NULL)
			goto out;
		if (!(c->set & CONFIG_BIT(k)) || k == CK_POLICY)
			continue;
		if (value_to_json(c, (enum config_key)k, obj) < 0)
			goto out;
		if (k == CK_KEYRING && restrictions_to_json(c, obj) < 0)
			goto out;
	}
	if ((text = cJSON_PrintUnformatted(obj)) == NULL || buf_append_str(out, text) < 0)
		goto out;
	r = 0;
out:
	if (r != 0)
		ml_fail(ML_IO, "cannot encode the effective policy");
	cJSON_free(text);
	cJSON_Delete(obj);
	return r;
}

int policy_digest(const struct config *c, char out[65])
{
	uint8_t md[32];
	struct buf b;
	int r = ML_IO;

	buf_init(&b, 4u << 20);
	if ((r = policy_canonical_json(c, &b)) != 0)
		goto out;
	if (crypto_digest(CRYPTO_SHA256, b.data, b.len, md) < 0) {
		r = ml_fail(ML_IO, "cannot hash the effective policy");
		goto out;
	}
	hex_encode(md, sizeof(md), out);
	r = 0;
out:
	buf_release(&b);
	return r;
}

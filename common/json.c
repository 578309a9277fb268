#include "common/json.h"

#include <math.h>

cJSON *json_parse(const char *data, size_t len, size_t max)
{
	const char *end = NULL;
	cJSON *root;
	size_t i;

	if (data == NULL || len > max)
		return NULL;
	/*
	 * cJSON takes raw control bytes inside strings, and a NUL ends a C string
	 * early: "source_repo\0x" would read as "source_repo". JSON allows
	 * neither, so refuse them before parsing.
	 */
	for (i = 0; i < len; i++) {
		unsigned char c = (unsigned char)data[i];

		if (c < 0x20 && c != '\t' && c != '\n' && c != '\r')
			return NULL;
	}
	root = cJSON_ParseWithLengthOpts(data, len, &end, 0);
	if (root == NULL)
		return NULL;
	while (end != NULL && (size_t)(end - data) < len &&
	       (*end == ' ' || *end == '\t' || *end == '\n' || *end == '\r'))
		end++;
	if (end == NULL || (size_t)(end - data) != len) {
		cJSON_Delete(root);
		return NULL;
	}
	return root;
}

const char *json_string(const cJSON *obj, const char *key)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(obj, key);

	return cJSON_IsString(v) ? v->valuestring : NULL;
}

int json_int64(const cJSON *obj, const char *key, int64_t *out)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(obj, key);
	double d;

	if (!cJSON_IsNumber(v))
		return -1;
	d = v->valuedouble;
	/* beyond 2^53 a double no longer holds every integer exactly */
	if (d != floor(d) || d > 9007199254740992.0 || d < -9007199254740992.0)
		return -1;
	*out = (int64_t)d;
	return 0;
}

int json_bool(const cJSON *obj, const char *key, int *out)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(obj, key);

	if (!cJSON_IsBool(v))
		return -1;
	*out = cJSON_IsTrue(v) ? 1 : 0;
	return 0;
}

const cJSON *json_object(const cJSON *obj, const char *key)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(obj, key);

	return cJSON_IsObject(v) ? v : NULL;
}

const cJSON *json_array(const cJSON *obj, const char *key)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(obj, key);

	return cJSON_IsArray(v) ? v : NULL;
}

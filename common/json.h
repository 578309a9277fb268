/*
 * Bounded, type-checked access to untrusted JSON (engine answers, policy
 * files, settings) on top of cJSON. Values are only read through these
 * getters: a missing key and a key of the wrong type are the same "no".
 */
#ifndef MAINLINE_JSON_H
#define MAINLINE_JSON_H

#include <cjson/cJSON.h>
#include <stddef.h>
#include <stdint.h>

#define JSON_MAX_DEFAULT (4u << 20)

/*
 * Parses exactly len bytes (at most max) as one JSON value; trailing
 * non-whitespace, nesting deeper than cJSON's limit and oversize input are
 * refused. Returns NULL on any failure. Free with cJSON_Delete.
 */
cJSON *json_parse(const char *data, size_t len, size_t max);

/* The string value of obj[key], or NULL when absent or not a string. */
const char *json_string(const cJSON *obj, const char *key);

/* obj[key] as a whole number fitting int64; 0, or -1 when absent or not integral. */
int json_int64(const cJSON *obj, const char *key, int64_t *out);

/* obj[key] as a boolean; 0, or -1 when absent or not a boolean. */
int json_bool(const cJSON *obj, const char *key, int *out);

/* obj[key] when it is an object (or array for json_array), else NULL. */
const cJSON *json_object(const cJSON *obj, const char *key);
const cJSON *json_array(const cJSON *obj, const char *key);

#endif

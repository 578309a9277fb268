/*
 * The Drone card: {"schema": template URL, "data": the audit record}, shown
 * as an Adaptive Card (template docs/card.json). Written into the step's
 * output as an escape sequence the runner picks out, or to a file as JSON.
 */
#ifndef MAINLINE_CARD_H
#define MAINLINE_CARD_H

#include <cjson/cJSON.h>

#include "common/buf.h"
#include "plugin/audit.h"

/*
 * The template docs/card.json as the project publishes it (GitHub Pages from
 * docs/); docs/audit.md says how to serve a copy and name it in card_schema.
 */
#define CARD_SCHEMA_DEFAULT "https://mainline-ci.github.io/mainline/card.json"

/* Largest card written (the encoded escape sequence). */
#define CARD_MAX (512u * 1024)

/*
 * Appends the card for data to out as JSON: {"schema": schema_url, "data":
 * data}. schema_url NULL or empty means CARD_SCHEMA_DEFAULT. 0 or ML_IO.
 */
int card_json(const char *schema_url, const cJSON *data, struct buf *out);

/* The same as the escape sequence: ESC "]1338;" base64(JSON) ESC "]0m" "\n". 0 or ML_IO. */
int card_encode(const char *schema_url, const cJSON *data, struct buf *out);

/*
 * Writes the card for data to path (DRONE_CARD_PATH). When path is the
 * step's own output (/dev/stdout, as Drone's runner sets it, /dev/stderr,
 * /dev/fd/N or /proc/self/fd/N for 1 and 2), the escape sequence goes to
 * that descriptor in a single write(2) call, because the runner recognises
 * it only at the start of a write. Any other path gets the plain JSON, as
 * Drone's own plugins write it: the file is created (mode 0644 before the
 * umask) or truncated. A NULL or empty path writes nothing and returns 0.
 * Returns 0 or ML_IO (a short write is an error).
 */
int card_write(const char *path, const char *schema_url, const cJSON *data);

/* card_write with the audit record (same keys as the JSON record) as data. */
int card_write_record(const char *path, const char *schema_url, const struct audit_record *rec);

#endif

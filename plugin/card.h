/*
 * The Drone card: an escape sequence the runner picks out of the step's
 * output and shows as an Adaptive Card (template docs/card.json).
 */
#ifndef MAINLINE_CARD_H
#define MAINLINE_CARD_H

#include <cjson/cJSON.h>

#include "common/buf.h"
#include "plugin/audit.h"

#define CARD_SCHEMA_DEFAULT                                                                        \
	"https://raw.githubusercontent.com/mainline-ci/mainline/main/docs/card.json"

/* Largest card written (the encoded escape sequence). */
#define CARD_MAX (512u * 1024)

/*
 * Appends the card for data to out: ESC "]1338;" base64({"schema":
 * schema_url,"data":data}) ESC "]0m" "\n". schema_url NULL means
 * CARD_SCHEMA_DEFAULT. 0 or ML_IO.
 */
int card_encode(const char *schema_url, const cJSON *data, struct buf *out);

/*
 * Writes the card for data to path (DRONE_CARD_PATH; Drone sets /dev/stdout)
 * in a single write(2) call, because the runner recognises the sequence only
 * at the start of a write. The file is opened for appending and created when
 * missing. A NULL or empty path writes nothing and returns 0. Returns 0 or
 * ML_IO (a short write is an error).
 */
int card_write(const char *path, const char *schema_url, const cJSON *data);

/* card_write with the audit record (same keys as the JSON record) as data. */
int card_write_record(const char *path, const char *schema_url, const struct audit_record *rec);

#endif

/* The effective configuration as a dry run shows it: one setting a line, secrets never written. */
#ifndef MAINLINE_CONFIG_DESCRIBE_H
#define MAINLINE_CONFIG_DESCRIBE_H

#include "common/buf.h"
#include "plugin/config.h"

/*
 * Appends a redacted, one-setting-per-line description of the effective
 * configuration to out: secret values are never written (only "(secret)"),
 * URLs appear in their credential-free form (url.h), file contents are
 * summarised by size, control characters escaped. 0 or ML_IO when out is
 * full.
 */
int config_describe(const struct config *c, struct buf *out);

#endif

#include "plugin/config_describe.h"

#include <stdio.h>
#include <string.h>

#include "common/error.h"
#include "common/url.h"
#include "plugin/duration.h"

static int put_escaped(struct buf *out, const char *s)
{
	char tmp[8];

	for (; *s != '\0'; s++) {
		unsigned char ch = (unsigned char)*s;

		if (ch < 0x20 || ch >= 0x7f) {
			snprintf(tmp, sizeof(tmp), "\\x%02x", ch);
			if (buf_append_str(out, tmp) < 0)
				return -1;
		} else if (buf_append(out, s, 1) < 0) {
			return -1;
		}
	}
	return 0;
}

/* Like put_escaped, with URLs in their credential-free form (url.h). */
static int put_redacted(struct buf *out, enum config_key k, const char *v)
{
	struct buf tmp;
	int r;

	buf_init(&tmp, 4 * strlen(v) + 64);
	r = ((setting_of(k)->flags & SETTING_URL) ? url_redact(v, &tmp)
	                                          : url_redact_text(v, &tmp)) < 0
	        ? -1
	        : put_escaped(out, buf_cstr(&tmp));
	buf_release(&tmp);
	return r;
}

static int describe_value(const struct config *c, enum config_key k, struct buf *out)
{
	const struct setting *s = setting_of(k);
	char dur[32];
	size_t i;

	if (s->flags & SETTING_SECRET)
		return buf_append_str(out, "(secret)");
	switch (s->type) {
	case SETTING_STR:
		return put_redacted(out, k, setting_string(c, k));
	case SETTING_CONTENTS:
		return buf_printf(out, "(%zu bytes)", strlen(setting_string(c, k)));
	case SETTING_LIST:
		for (i = 0; i < setting_list(c, k)->n; i++)
			if ((i > 0 && buf_append_str(out, ",") < 0) ||
			    put_redacted(out, k, setting_list(c, k)->v[i]) < 0)
				return -1;
		return 0;
	case SETTING_CONTENTS_LIST:
		return buf_printf(out, "(%zu items)", setting_list(c, k)->n);
	case SETTING_BOOL:
		return buf_append_str(out, (int)setting_number(c, k) ? "true" : "false");
	case SETTING_ENUM:
		return buf_append_str(out, s->choices[(int)setting_number(c, k)]);
	case SETTING_DURATION:
		if (duration_format(setting_number(c, k), dur, sizeof(dur)) < 0)
			return -1;
		return buf_append_str(out, dur);
	}
	return -1;
}

int config_describe(const struct config *c, struct buf *out)
{
	int k;

	for (k = 0; k < CK_COUNT; k++) {
		if (!(c->set & CONFIG_BIT(k)))
			continue;
		if (buf_printf(out, "%s: ", setting_of(k)->name) < 0 ||
		    describe_value(c, (enum config_key)k, out) < 0 || buf_append_str(out, "\n") < 0)
			return ml_fail(ML_IO, "configuration description is too large");
	}
	if (c->policy_anchor != NULL &&
	    buf_printf(out, "policy anchor: %s\n", c->policy_anchor) < 0)
		return ml_fail(ML_IO, "configuration description is too large");
	if (c->keyring_restrictions.n > 0 &&
	    buf_printf(out, "policy keyrings that only restrict: (%zu items)\n",
	               c->keyring_restrictions.n) < 0)
		return ml_fail(ML_IO, "configuration description is too large");
	return 0;
}

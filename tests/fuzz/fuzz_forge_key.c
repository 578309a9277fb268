/*
 * One forge_keys item: the parser, its canonical form and the setting check
 * that writes it in place. Nothing may crash, leak or read past its input;
 * the canonical form is never longer than the item, parses again, and is its
 * own canonical form.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "common/buf.h"
#include "common/error.h"
#include "plugin/forge_key.h"
#include "plugin/setting_check.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct forge_key_item it, again;
	struct buf first, second;
	char *text;

	if (size > 64 * 1024 || (text = malloc(size + 1)) == NULL)
		return 0;
	memcpy(text, data, size);
	text[size] = '\0';
	buf_init(&first, 1u << 20);
	buf_init(&second, 1u << 20);
	ml_error_clear();
	if (forge_key_parse(&it, text) == 0) {
		if (forge_key_canonical(&it, &first) != 0 || first.len > strlen(text))
			abort();
		if (forge_key_parse(&again, buf_cstr(&first)) != 0 ||
		    forge_key_canonical(&again, &second) != 0 ||
		    strcmp(buf_cstr(&first), buf_cstr(&second)) != 0 || again.format != it.format ||
		    strcmp(again.identity, it.identity) != 0)
			abort();
		forge_key_item_release(&again);
		if (setting_check_forge_key("forge_keys", text) != 0 ||
		    strcmp(text, buf_cstr(&first)) != 0)
			abort();
	}
	forge_key_item_release(&it);
	buf_release(&first);
	buf_release(&second);
	free(text);
	ml_error_clear();
	return 0;
}

/* The webhook's HMAC signature over the record it sends. */
#include "unit.h"

#include <string.h>

#include "plugin/webhook.h"

static void test_webhook_signature(void **state)
{
	/* RFC 4231 test case 2 */
	const char *body = "what do ya want for nothing?";
	char sig[WEBHOOK_SIGNATURE_LEN];

	assert_int_equal(webhook_signature("Jefe", body, strlen(body), sig), 0);
	assert_string_equal(
	    sig, "sha256=5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843");
	assert_int_equal(
	    webhook_signature("Jefe", "what do ya want for nothing!", strlen(body), sig), 0);
	assert_string_not_equal(
	    sig, "sha256=5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_webhook_signature),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}

#include "docker/registry_auth.h"

#include <stdio.h>
#include <string.h>

#include "common/encoding.h"
#include "common/error.h"
#include "common/json.h"
#include "docker/credhelper.h"

#define CONFIG_MAX (1u << 20)
#define HELPER_MAX 160

/* The host part of an auths key: scheme and path dropped, as the docker CLI does. */
static void key_hostname(const char *key, char *out, size_t out_len)
{
	if (strncmp(key, "https://", 8) == 0)
		key += 8;
	else if (strncmp(key, "http://", 7) == 0)
		key += 7;
	snprintf(out, out_len, "%.*s", (int)strcspn(key, "/"), key);
}

static int is_hub_host(const char *h)
{
	return strcmp(h, "docker.io") == 0 || strcmp(h, "index.docker.io") == 0 ||
	       strcmp(h, "registry-1.docker.io") == 0;
}

void registry_key(const char *host, char *out, size_t out_len)
{
	snprintf(out, out_len, "%s", is_hub_host(host) ? REGISTRY_HUB_KEY : host);
}

/* What a credential holds: user and password, or an identity token (either may be empty). */
struct registry_creds {
	struct buf user, pass, token;
};

static void registry_creds_init(struct registry_creds *c)
{
	buf_init(&c->user, 4096);
	buf_init(&c->pass, 65536);
	buf_init(&c->token, 65536);
}

static void registry_creds_release(struct registry_creds *c)
{
	if (c->pass.data != NULL)
		explicit_bzero(c->pass.data, c->pass.len);
	if (c->token.data != NULL)
		explicit_bzero(c->token.data, c->token.len);
	buf_release(&c->user);
	buf_release(&c->pass);
	buf_release(&c->token);
}

/* An auths entry: 0 with creds filled, 1 when it holds none, ML_CONFIG. */
static int entry_credentials(const cJSON *entry, struct registry_creds *creds)
{
	const char *auth = json_string(entry, "auth");
	const char *u = json_string(entry, "username"), *p = json_string(entry, "password");
	const char *token = json_string(entry, "identitytoken");
	struct buf raw;
	const char *colon;
	int r = ML_CONFIG;

	buf_init(&raw, 8192);
	if (auth != NULL && *auth != '\0') {
		if (base64_decode(auth, strlen(auth), &raw) < 0 ||
		    memchr(raw.data, '\0', raw.len) != NULL ||
		    (colon = strchr(buf_cstr(&raw), ':')) == NULL) {
			r = ml_fail(ML_CONFIG, "invalid 'auth' field in docker config");
			goto out;
		}
		if (buf_append(&creds->user, raw.data, (size_t)(colon - buf_cstr(&raw))) < 0 ||
		    buf_append_str(&creds->pass, colon + 1) < 0)
			goto too_long;
	} else if (u != NULL && p != NULL) {
		if (buf_append_str(&creds->user, u) < 0 || buf_append_str(&creds->pass, p) < 0)
			goto too_long;
	}
	if (token != NULL && *token != '\0') {
		if (creds->user.len == 0 && u != NULL && buf_append_str(&creds->user, u) < 0)
			goto too_long;
		if (buf_append_str(&creds->token, token) < 0)
			goto too_long;
	}
	r = creds->pass.len > 0 || creds->token.len > 0 || creds->user.len > 0 ? 0 : 1;
	goto out;
too_long:
	r = ml_fail(ML_CONFIG, "credentials in docker config are too long");
out:
	if (raw.data != NULL)
		explicit_bzero(raw.data, raw.len);
	buf_release(&raw);
	return r;
}

/* The auths entry for host. 0, 1 when there is none, ML_CONFIG. */
static int auths_credentials(const cJSON *root, const char *host, struct registry_creds *creds)
{
	const cJSON *auths, *entry;
	char key_host[256];
	int hub = is_hub_host(host);

	if ((auths = json_object(root, "auths")) == NULL)
		return 1;
	cJSON_ArrayForEach(entry, auths)
	{
		if (!cJSON_IsObject(entry) || entry->string == NULL)
			continue;
		key_hostname(entry->string, key_host, sizeof(key_host));
		if (hub ? is_hub_host(key_host) : strcmp(key_host, host) == 0)
			return entry_credentials(entry, creds);
	}
	return 1;
}

static cJSON *parse_config(const char *config, size_t len)
{
	cJSON *root = json_parse(config, len, CONFIG_MAX);

	if (root == NULL || !cJSON_IsObject(root)) {
		cJSON_Delete(root);
		ml_fail(ML_CONFIG, "cannot parse docker config: not a JSON object");
		return NULL;
	}
	return root;
}

/* credHelpers[key], else credsStore: as getConfiguredCredentialStore() chooses. */
static int helper_of(const cJSON *root, const char *host, char *out, size_t out_len)
{
	const cJSON *helpers = json_object(root, "credHelpers"), *h = NULL;
	const char *name = NULL;
	char key[300];

	registry_key(host, key, sizeof(key));
	if (helpers != NULL)
		h = cJSON_GetObjectItemCaseSensitive(helpers, key);
	if (h != NULL) {
		if (!cJSON_IsString(h))
			return ml_fail(ML_CONFIG,
			               "docker config: credHelpers entry '%.200s' is not "
			               "a string",
			               key);
		name = h->valuestring;
	} else if (cJSON_GetObjectItemCaseSensitive(root, "credsStore") != NULL) {
		if ((name = json_string(root, "credsStore")) == NULL)
			return ml_fail(ML_CONFIG, "docker config: credsStore is not a string");
	}
	if (name == NULL || *name == '\0')
		return 1;
	if (!credhelper_name_valid(name) || strlen(name) >= out_len)
		return ml_fail(ML_CONFIG,
		               "docker config names credential helper '%.64s': want "
		               "[A-Za-z0-9][A-Za-z0-9_.-]*",
		               name);
	memcpy(out, name, strlen(name) + 1);
	return 0;
}

int registry_helper_for(const char *config, size_t len, const char *host, char *out, size_t out_len)
{
	cJSON *root = parse_config(config, len);
	int r;

	if (root == NULL)
		return ML_CONFIG;
	r = helper_of(root, host, out, out_len);
	cJSON_Delete(root);
	return r;
}

/* Wipes the string values of a JSON object that held credentials. */
static void wipe_strings(cJSON *j)
{
	cJSON *f;

	if (j == NULL)
		return;
	cJSON_ArrayForEach(f, j)
	{
		if (cJSON_IsString(f) && f->valuestring != NULL)
			explicit_bzero(f->valuestring, strlen(f->valuestring));
	}
}

/* The engine takes base64url (Go's base64.URLEncoding) of the JSON AuthConfig. */
static int encode_header(const struct registry_creds *c, const char *server, struct buf *out)
{
	cJSON *j = NULL;
	struct buf b64;
	char *text = NULL;
	size_t i;
	int r = ML_IO;

	buf_init(&b64, 4 * 65536);
	if ((j = cJSON_CreateObject()) == NULL ||
	    (c->user.len > 0 &&
	     cJSON_AddStringToObject(j, "username", buf_cstr(&c->user)) == NULL) ||
	    (c->pass.len > 0 &&
	     cJSON_AddStringToObject(j, "password", buf_cstr(&c->pass)) == NULL) ||
	    (c->token.len > 0 &&
	     cJSON_AddStringToObject(j, "identitytoken", buf_cstr(&c->token)) == NULL) ||
	    cJSON_AddStringToObject(j, "serveraddress", server) == NULL ||
	    (text = cJSON_PrintUnformatted(j)) == NULL ||
	    base64_encode(text, strlen(text), &b64) < 0) {
		r = ml_fail(ML_IO, "cannot encode registry credentials");
		goto out;
	}
	for (i = 0; i < b64.len; i++) {
		if (b64.data[i] == '+')
			b64.data[i] = '-';
		else if (b64.data[i] == '/')
			b64.data[i] = '_';
	}
	if (buf_append(out, b64.data, b64.len) < 0) {
		r = ml_fail(ML_IO, "registry credentials are too long");
		goto out;
	}
	r = 0;
out:
	if (text != NULL) {
		explicit_bzero(text, strlen(text));
		cJSON_free(text);
	}
	wipe_strings(j);
	cJSON_Delete(j);
	if (b64.data != NULL)
		explicit_bzero(b64.data, b64.len);
	buf_release(&b64);
	return r;
}

/* The helper's answer for host. 0 with creds filled, 1 none (ra->note says so), or a reason. */
static int helper_credentials(const char *helper, const char *host, struct registry_auth *ra,
                              struct registry_creds *creds)
{
	struct credhelper_answer ans;
	char key[300];
	int r;

	registry_key(host, key, sizeof(key));
	credhelper_answer_init(&ans);
	r = credhelper_get(helper, key, ra != NULL ? ra->helper_timeout_ms : 0,
	                   ra != NULL ? ra->cancel : NULL, &ans);
	if (r == 1 && ra != NULL)
		snprintf(
		    ra->note, sizeof(ra->note),
		    "credential helper 'docker-credential-%.64s' had no credentials for '%.100s'%s",
		    helper, key,
		    strcmp(helper, "ecr-login") == 0
		        ? "; ecr-login says so for every failure, its log is "
		          "~/.ecr/log/ecr-login.log"
		        : "");
	if (r == 0 && (buf_append(ans.identity_token ? &creds->token : &creds->pass,
	                          ans.secret.data, ans.secret.len) < 0 ||
	               buf_append(&creds->user, ans.username.data, ans.username.len) < 0))
		r = ml_fail(ML_IMAGE_ERROR, "credentials of helper '%s' are too long", helper);
	credhelper_answer_release(&ans);
	return r;
}

int registry_auth_header(const char *config, size_t len, const char *host, struct registry_auth *ra,
                         struct buf *out)
{
	struct registry_creds creds;
	char helper[HELPER_MAX];
	cJSON *root;
	int r;

	if (ra != NULL)
		ra->note[0] = '\0';
	if ((root = parse_config(config, len)) == NULL)
		return ML_CONFIG;
	registry_creds_init(&creds);
	if ((r = helper_of(root, host, helper, sizeof(helper))) == 0)
		r = helper_credentials(helper, host, ra, &creds);
	else if (r == 1)
		r = auths_credentials(root, host, &creds);
	cJSON_Delete(root);
	if (r == 0)
		r = encode_header(&creds, is_hub_host(host) ? REGISTRY_HUB_KEY : host, out);
	registry_creds_release(&creds);
	return r;
}

#include "plugin/forge_key.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include "common/encoding.h"
#include "common/error.h"
#include "common/json.h"
#include "verify/signature.h"
#include "verify/sshkey.h"

#define ITEM_MAX (64u * 1024) /* an RSA-16384 key line fits */
#define SSH_KEY_BLOB_MAX (12u * 1024)

void forge_key_item_release(struct forge_key_item *it)
{
	if (it == NULL)
		return;
	free(it->key);
	free(it->ssh_key);
	free(it->identity);
	memset(it, 0, sizeof(*it));
}

static int is_fingerprint(const char *s)
{
	size_t n = strlen(s);

	return (n == 40 || n == 64) && hex_is_digits(s, n);
}

static int set_fingerprint(struct forge_key_item *out, const char *fpr)
{
	char *p;

	out->format = SIGNER_OPENPGP;
	if ((out->key = strdup(fpr)) == NULL)
		return ml_fail(ML_IO, "out of memory");
	for (p = out->key; *p != '\0'; p++)
		*p = (char)toupper((unsigned char)*p);
	return 0;
}

/* "type base64 [comment]": the blob, and the canonical "type base64". */
static int set_ssh_key(struct forge_key_item *out, const char *line)
{
	const char *b64 = strchr(line, ' '), *end, *type = NULL;
	size_t type_len, b64_len;
	struct buf blob;
	int r = ML_CONFIG;

	buf_init(&blob, SSH_KEY_BLOB_MAX);
	if (b64 == NULL || b64 == line) {
		r = ml_fail(ML_CONFIG, "forge key is neither an OpenPGP fingerprint nor an SSH "
		                       "public key (\"type base64\")");
		goto out;
	}
	type_len = (size_t)(b64 - line);
	b64++;
	end = strchr(b64, ' ');
	b64_len = end != NULL ? (size_t)(end - b64) : strlen(b64);
	if (b64_len == 0 || base64_decode(b64, b64_len, &blob) < 0) {
		r = ml_fail(ML_CONFIG, "forge key: cannot decode the SSH public key");
		goto out;
	}
	switch (sshkey_check_public_key(blob.data, blob.len, &type)) {
	case 0:
		break;
	case ML_UNSUPPORTED:
		r = ml_fail(ML_CONFIG, "forge key: unsupported SSH key type '%.*s'", (int)type_len,
		            line);
		goto out;
	default:
		r = ml_fail(ML_CONFIG, "forge key: cannot parse the SSH public key");
		goto out;
	}
	if (strlen(type) != type_len || memcmp(type, line, type_len) != 0) {
		r = ml_fail(ML_CONFIG, "forge key: SSH key type '%.*s' does not match its key",
		            (int)type_len, line);
		goto out;
	}
	if (strcmp(type, "ssh-dss") == 0) {
		r = ml_fail(ML_CONFIG, "forge key: ssh-dss keys are too weak");
		goto out;
	}
	out->format = SIGNER_SSH;
	if ((out->key = strndup(line, type_len + 1 + b64_len)) == NULL) {
		r = ml_fail(ML_IO, "out of memory");
		goto out;
	}
	out->ssh_key = (uint8_t *)buf_detach(&blob, &out->ssh_key_len);
	r = 0;
out:
	buf_release(&blob);
	return r;
}

static int has_control(const char *s)
{
	for (; *s != '\0'; s++)
		if ((unsigned char)*s < 0x20 || *s == 0x7f)
			return 1;
	return 0;
}

/*
 * "Name <email>" as git writes an identity: a name, one space, the address
 * in angle brackets, nothing after it; printable UTF-8.
 */
static int check_identity(const char *s)
{
	size_t n = strlen(s);
	const char *lt = strchr(s, '<');

	if (n == 0 || n > FORGE_IDENTITY_MAX || !utf8_is_valid(s, n))
		return ml_fail(ML_CONFIG, "forge key identity must be UTF-8 text of 1 to %d bytes",
		               FORGE_IDENTITY_MAX);
	if (lt == NULL || lt == s || lt[-1] != ' ' || s[0] == ' ' || s[n - 1] != '>' ||
	    lt + 2 >= s + n || strchr(lt + 1, '<') != NULL || strchr(s, '>') != s + n - 1)
		return ml_fail(ML_CONFIG,
		               "forge key identity '%s' is not 'Name <email>' as git writes a "
		               "committer",
		               s);
	return 0;
}

static int parse_object(struct forge_key_item *out, const char *text)
{
	cJSON *root = json_parse(text, strlen(text), ITEM_MAX);
	const cJSON *m, *key = NULL, *identity = NULL;
	int r = ML_CONFIG;

	if (root == NULL || !cJSON_IsObject(root)) {
		r = ml_fail(ML_CONFIG,
		            "forge key is not a JSON object {\"key\": ..., \"identity\": "
		            "...}");
		goto out;
	}
	cJSON_ArrayForEach(m, root)
	{
		const cJSON **slot = strcmp(m->string, "key") == 0        ? &key
		                     : strcmp(m->string, "identity") == 0 ? &identity
		                                                          : NULL;

		if (slot == NULL || *slot != NULL) {
			r = ml_fail(ML_CONFIG,
			            "forge key has %s member '%.64s' (want key, identity)",
			            slot == NULL ? "an unknown" : "a repeated", m->string);
			goto out;
		}
		if (!cJSON_IsString(m) || m->valuestring[0] == '\0') {
			r = ml_fail(ML_CONFIG, "forge key member '%s' must be a non-empty string",
			            m->string);
			goto out;
		}
		if (has_control(m->valuestring)) {
			r = ml_fail(ML_CONFIG, "forge key member '%s' holds a control character",
			            m->string);
			goto out;
		}
		*slot = m;
	}
	if (key == NULL) {
		r = ml_fail(ML_CONFIG, "forge key has no 'key' member");
		goto out;
	}
	if ((r = is_fingerprint(key->valuestring) ? set_fingerprint(out, key->valuestring)
	                                          : set_ssh_key(out, key->valuestring)) != 0)
		goto out;
	if (identity == NULL && out->format == SIGNER_SSH) {
		r = ml_fail(ML_CONFIG, "SSH forge key has no 'identity' (the committer it signs "
		                       "as, e.g. \"GitLab <noreply@gitlab.com>\")");
		goto out;
	}
	if (identity != NULL && (r = check_identity(identity->valuestring)) != 0)
		goto out;
	if ((out->identity = strdup(identity != NULL ? identity->valuestring
	                                             : FORGE_IDENTITY_GITHUB)) == NULL) {
		r = ml_fail(ML_IO, "out of memory");
		goto out;
	}
	r = 0;
out:
	cJSON_Delete(root);
	return r;
}

int forge_key_parse(struct forge_key_item *out, const char *text)
{
	int r;

	memset(out, 0, sizeof(*out));
	if (is_fingerprint(text)) {
		if ((r = set_fingerprint(out, text)) == 0 &&
		    (out->identity = strdup(FORGE_IDENTITY_GITHUB)) == NULL)
			r = ml_fail(ML_IO, "out of memory");
	} else if (text[0] == '{') {
		r = parse_object(out, text);
	} else {
		r = ml_fail(ML_CONFIG,
		            "forge key is neither an OpenPGP fingerprint (40 or 64 hex digits) "
		            "nor a JSON object {\"key\": ..., \"identity\": ...}");
	}
	if (r != 0)
		forge_key_item_release(out);
	return r;
}

int forge_key_is_github_default(const struct forge_key_item *it)
{
	return it->format == SIGNER_OPENPGP && strcmp(it->identity, FORGE_IDENTITY_GITHUB) == 0;
}

int forge_key_canonical(const struct forge_key_item *it, struct buf *out)
{
	cJSON *o = NULL;
	char *text = NULL;
	int r = ML_IO;

	if (forge_key_is_github_default(it)) {
		if (buf_append_str(out, it->key) < 0)
			goto oom;
		return 0;
	}
	if ((o = cJSON_CreateObject()) == NULL ||
	    cJSON_AddStringToObject(o, "key", it->key) == NULL ||
	    cJSON_AddStringToObject(o, "identity", it->identity) == NULL ||
	    (text = cJSON_PrintUnformatted(o)) == NULL || buf_append_str(out, text) < 0)
		goto oom;
	r = 0;
	goto out;
oom:
	r = ml_fail(ML_IO, "out of memory");
out:
	cJSON_free(text);
	cJSON_Delete(o);
	return r;
}

int forge_keys_grant(const struct strlist *items)
{
	struct forge_key_item it;
	size_t i;
	int ssh;

	for (i = 0; i < items->n; i++) {
		if (forge_key_parse(&it, items->v[i]) != 0)
			continue; /* items are checked when set: only out of memory */
		ssh = it.format == SIGNER_SSH;
		forge_key_item_release(&it);
		if (ssh)
			return 1;
	}
	return 0;
}

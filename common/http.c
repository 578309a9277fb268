#include "common/http.h"

#include <curl/curl.h>
#include <pthread.h>
#include <string.h>
#include <strings.h>

#include "common/dynlib.h"
#include "common/error.h"
#include "common/proxy.h"

struct transfer {
	const struct http_request *req;
	struct http_response *res;
	CURL *curl;
	int body_failed;
	int headers_done;
};

static pthread_once_t curl_once = PTHREAD_ONCE_INIT;

static void curl_setup(void)
{
	curl_global_init(CURL_GLOBAL_DEFAULT);
}

void http_response_init(struct http_response *res, size_t max_body)
{
	res->status = 0;
	buf_init(&res->body, max_body);
	buf_init(&res->headers, 64 * 1024);
}

void http_response_release(struct http_response *res)
{
	if (res == NULL)
		return;
	buf_release(&res->body);
	buf_release(&res->headers);
}

static size_t on_write(char *data, size_t size, size_t n, void *userdata)
{
	struct transfer *t = userdata;
	size_t len = size * n;

	if (t->req->on_body != NULL) {
		if (t->req->on_body(t->req->body_ctx, (const uint8_t *)data, len) != 0) {
			t->body_failed = 1;
			return 0;
		}
		return len;
	}
	if (buf_append(&t->res->body, data, len) < 0) {
		t->body_failed = 1;
		ml_fail(ML_ENGINE_ERROR, "response from %s is larger than %zu bytes",
		        t->req->what != NULL ? t->req->what : "server", t->res->body.max);
		return 0;
	}
	return len;
}

static size_t on_header(char *data, size_t size, size_t n, void *userdata)
{
	struct transfer *t = userdata;
	size_t len = size * n;

	long status = 0;

	/* over-long header blocks are cut, not fatal: only a few headers are read */
	(void)buf_append(&t->res->headers, data, len);
	if (t->req->on_headers == NULL || t->headers_done)
		return len;
	if ((len == 2 && data[0] == '\r' && data[1] == '\n') || (len == 1 && data[0] == '\n')) {
		curl_easy_getinfo(t->curl, CURLINFO_RESPONSE_CODE, &status);
		if (status >= 200) {
			t->headers_done = 1;
			if (t->req->on_headers(t->req->headers_ctx, status) != 0)
				return 0;
		}
	}
	return len;
}

static size_t on_read(char *dst, size_t size, size_t n, void *userdata)
{
	struct transfer *t = userdata;
	long got = t->req->upload(t->req->upload_ctx, (uint8_t *)dst, size * n);

	if (got < 0)
		return CURL_READFUNC_ABORT;
	return (size_t)got;
}

static int on_progress(void *userdata, curl_off_t dltotal, curl_off_t dlnow, curl_off_t ultotal,
                       curl_off_t ulnow)
{
	struct transfer *t = userdata;

	return t->req->should_abort != NULL && t->req->should_abort(t->req->abort_ctx) ? 1 : 0;
}

int http_request(const struct http_request *req, struct http_response *res, int fail_reason)
{
	struct transfer t = {.req = req, .res = res};
	struct curl_slist *headers = NULL, *h;
	const char *what = req->what != NULL ? req->what : "server";
	const char *const *line;
	char errbuf[CURL_ERROR_SIZE] = "", proxy[PROXY_URL_MAX] = "";
	struct proxy_env pe;
	CURLcode rc;
	CURL *curl;
	int r = fail_reason;

	/* the engine's unix socket never goes through a proxy */
	if (req->unix_socket == NULL && !req->direct) {
		proxy_env_read(&pe, NULL);
		if (proxy_for_url(&pe, req->url, proxy, sizeof(proxy)) != 0)
			return ml_fail_override(fail_reason, "cannot reach %s: %s", what,
			                        ml_error_message());
	}
	if (dynlib_need(&dynlib_libcurl) != 0)
		return ML_LIBRARY_UNAVAILABLE;
	pthread_once(&curl_once, curl_setup);
	if ((curl = curl_easy_init()) == NULL)
		return ml_fail(ML_IO, "cannot start an HTTP client for %s", what);
	t.curl = curl;
	for (line = req->headers; line != NULL && *line != NULL; line++) {
		if ((h = curl_slist_append(headers, *line)) == NULL) {
			r = ml_fail(ML_IO, "out of memory");
			goto out;
		}
		headers = h;
	}
	if (req->upload != NULL) {
		if ((h = curl_slist_append(headers, "Transfer-Encoding: chunked")) == NULL) {
			r = ml_fail(ML_IO, "out of memory");
			goto out;
		}
		headers = h;
	}
	/* "Expect: 100-continue" stalls uploads to the engine for a second */
	if ((h = curl_slist_append(headers, "Expect:")) == NULL) {
		r = ml_fail(ML_IO, "out of memory");
		goto out;
	}
	headers = h;

	curl_easy_setopt(curl, CURLOPT_URL, req->url);
	curl_easy_setopt(curl, CURLOPT_CUSTOMREQUEST, req->method);
	curl_easy_setopt(curl, CURLOPT_HTTPHEADER, headers);
	curl_easy_setopt(curl, CURLOPT_ERRORBUFFER, errbuf);
	curl_easy_setopt(curl, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(curl, CURLOPT_FOLLOWLOCATION, 0L);
	curl_easy_setopt(curl, CURLOPT_PROTOCOLS_STR, "http,https");
	/* the proxy is common/proxy.c's choice alone: libcurl reads no variable of its own */
	curl_easy_setopt(curl, CURLOPT_PROXY, proxy);
	curl_easy_setopt(curl, CURLOPT_NOPROXY, "");
	/* streamed answers (logs, pulls) move in large reads: fewer callbacks, fewer writes */
	if (req->on_body != NULL)
		curl_easy_setopt(curl, CURLOPT_BUFFERSIZE, 256L * 1024);
	curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, on_write);
	curl_easy_setopt(curl, CURLOPT_WRITEDATA, &t);
	curl_easy_setopt(curl, CURLOPT_HEADERFUNCTION, on_header);
	curl_easy_setopt(curl, CURLOPT_HEADERDATA, &t);
	curl_easy_setopt(curl, CURLOPT_CONNECTTIMEOUT_MS,
	                 req->connect_timeout_ms > 0 ? req->connect_timeout_ms : 10000L);
	if (req->timeout_ms > 0)
		curl_easy_setopt(curl, CURLOPT_TIMEOUT_MS, req->timeout_ms);
	if (req->unix_socket != NULL)
		curl_easy_setopt(curl, CURLOPT_UNIX_SOCKET_PATH, req->unix_socket);
	if (req->tls != NULL) {
		if (req->tls->ca_file != NULL)
			curl_easy_setopt(curl, CURLOPT_CAINFO, req->tls->ca_file);
		if (req->tls->cert_file != NULL)
			curl_easy_setopt(curl, CURLOPT_SSLCERT, req->tls->cert_file);
		if (req->tls->key_file != NULL)
			curl_easy_setopt(curl, CURLOPT_SSLKEY, req->tls->key_file);
		if (req->tls->insecure) {
			curl_easy_setopt(curl, CURLOPT_SSL_VERIFYPEER, 0L);
			curl_easy_setopt(curl, CURLOPT_SSL_VERIFYHOST, 0L);
		}
	}
	if (req->upload != NULL) {
		curl_easy_setopt(curl, CURLOPT_UPLOAD, 1L);
		curl_easy_setopt(curl, CURLOPT_READFUNCTION, on_read);
		curl_easy_setopt(curl, CURLOPT_READDATA, &t);
	} else if (req->body != NULL) {
		curl_easy_setopt(curl, CURLOPT_POSTFIELDS, req->body);
		curl_easy_setopt(curl, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)req->body_len);
	}
	if (req->should_abort != NULL) {
		curl_easy_setopt(curl, CURLOPT_NOPROGRESS, 0L);
		curl_easy_setopt(curl, CURLOPT_XFERINFOFUNCTION, on_progress);
		curl_easy_setopt(curl, CURLOPT_XFERINFODATA, &t);
	}

	rc = curl_easy_perform(curl);
	curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &res->status);
	switch (rc) {
	case CURLE_OK:
		r = 0;
		break;
	case CURLE_ABORTED_BY_CALLBACK:
		r = ml_fail(ML_CANCELED, "request to %s canceled", what);
		break;
	case CURLE_OPERATION_TIMEDOUT:
		r = ml_fail(ML_TIMEOUT, "request to %s timed out: %s", what, errbuf);
		break;
	case CURLE_WRITE_ERROR:
		if (t.body_failed) {
			r = ml_fail(fail_reason, "cannot process the response of %s", what);
			break;
		}
		/* fall through */
	default:
		r = ml_fail(fail_reason, "cannot reach %s at '%s': %s", what, req->url,
		            errbuf[0] != '\0' ? errbuf : curl_easy_strerror(rc));
		break;
	}
out:
	curl_slist_free_all(headers);
	curl_easy_cleanup(curl);
	return r;
}

int http_response_header(const struct http_response *res, const char *name, char *out,
                         size_t out_len)
{
	const char *p = buf_cstr(&res->headers);
	size_t name_len = strlen(name);

	while (*p != '\0') {
		const char *eol = strchr(p, '\n');
		size_t line_len = eol != NULL ? (size_t)(eol - p) : strlen(p);

		if (line_len > name_len && strncasecmp(p, name, name_len) == 0 &&
		    p[name_len] == ':') {
			const char *v = p + name_len + 1;
			size_t n;

			while (*v == ' ' || *v == '\t')
				v++;
			n = line_len - (size_t)(v - p);
			while (n > 0 && (v[n - 1] == '\r' || v[n - 1] == ' '))
				n--;
			if (n >= out_len)
				return -1;
			memcpy(out, v, n);
			out[n] = '\0';
			return 0;
		}
		if (eol == NULL)
			break;
		p = eol + 1;
	}
	return -1;
}

int http_query_escape(const char *s, struct buf *out)
{
	static const char hex[] = "0123456789ABCDEF";

	for (; *s != '\0'; s++) {
		unsigned char c = (unsigned char)*s;

		if ((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
		    c == '-' || c == '_' || c == '.' || c == '~') {
			if (buf_append(out, s, 1) < 0)
				return -1;
		} else {
			char esc[3] = {'%', hex[c >> 4], hex[c & 15]};

			if (buf_append(out, esc, 3) < 0)
				return -1;
		}
	}
	return 0;
}

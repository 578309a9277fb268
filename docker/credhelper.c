#include "docker/credhelper.h"

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "common/clock.h"
#include "common/error.h"
#include "common/json.h"

#define HELPER_PREFIX "docker-credential-"
#define HELPER_NAME_MAX 128
#define SUMMARY_MAX 200
#define ERR_MAX 4096u

extern char **environ;

void credhelper_answer_init(struct credhelper_answer *a)
{
	a->identity_token = 0;
	buf_init(&a->username, CREDHELPER_OUTPUT_MAX);
	buf_init(&a->secret, CREDHELPER_OUTPUT_MAX);
}

void credhelper_answer_release(struct credhelper_answer *a)
{
	if (a->secret.data != NULL)
		explicit_bzero(a->secret.data, a->secret.len);
	buf_release(&a->username);
	buf_release(&a->secret);
}

int credhelper_name_valid(const char *name)
{
	size_t n = strlen(name), i;

	if (n == 0 || n > HELPER_NAME_MAX || !isalnum((unsigned char)name[0]))
		return 0;
	for (i = 0; i < n; i++)
		if (!isalnum((unsigned char)name[i]) && name[i] != '_' && name[i] != '.' &&
		    name[i] != '-')
			return 0;
	return 1;
}

/* The first (or last) line of what a helper said that is not blank: trimmed, printable, cut. */
static void summary(const char *text, size_t len, int last, char *out, size_t out_len)
{
	const char *p = text, *end = text + len, *best = NULL;
	size_t n = 0, i;

	while (p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		const char *s = p, *e = nl != NULL ? nl : end;

		while (s < e && isspace((unsigned char)*s))
			s++;
		while (e > s && isspace((unsigned char)e[-1]))
			e--;
		if (e > s) {
			best = s;
			n = (size_t)(e - s);
			if (!last)
				break;
		}
		p = nl != NULL ? nl + 1 : end;
	}
	if (n > SUMMARY_MAX)
		n = SUMMARY_MAX;
	if (n >= out_len)
		n = out_len - 1;
	for (i = 0; i < n; i++)
		out[i] = (unsigned char)best[i] < 0x20 || best[i] == 0x7f ? '?' : best[i];
	out[n] = '\0';
}

/* Whether stdout, trimmed, is exactly the not-found message. */
static int says_not_found(const char *out, size_t len)
{
	size_t n = strlen(CREDHELPER_NOT_FOUND);

	while (len > 0 && isspace((unsigned char)*out)) {
		out++;
		len--;
	}
	while (len > 0 && isspace((unsigned char)out[len - 1]))
		len--;
	return len == n && memcmp(out, CREDHELPER_NOT_FOUND, n) == 0;
}

int credhelper_parse(const char *helper, int exit_code, const char *out, size_t out_len,
                     const char *err, size_t err_len, struct credhelper_answer *ans)
{
	char said[SUMMARY_MAX + 1], errline[SUMMARY_MAX + 1];
	const char *user, *secret;
	cJSON *root = NULL;
	int r = ML_IMAGE_ERROR;

	if (exit_code != 0) {
		if (says_not_found(out, out_len))
			return 1;
		/* on failure a helper prints its error on stdout (credentials.Serve) */
		summary(out, out_len, 0, said, sizeof(said));
		summary(err, err_len, 1, errline, sizeof(errline));
		return ml_fail(ML_IMAGE_ERROR,
		               "credential helper '" HELPER_PREFIX "%s' failed (exit %d)%s%s%s%s",
		               helper, exit_code, said[0] != '\0' ? ": " : "", said,
		               errline[0] != '\0' ? "; its stderr: " : "", errline);
	}
	/* the answer holds the secret: it is never quoted */
	root = json_parse(out, out_len, CREDHELPER_OUTPUT_MAX);
	user = root != NULL && cJSON_IsObject(root) ? json_string(root, "Username") : NULL;
	secret = root != NULL && cJSON_IsObject(root) ? json_string(root, "Secret") : NULL;
	if (user == NULL || secret == NULL || *secret == '\0') {
		r = ml_fail(ML_IMAGE_ERROR,
		            "credential helper '" HELPER_PREFIX "%s' answered something other than "
		            "its JSON (an object with a Username and a non-empty Secret)",
		            helper);
		goto out;
	}
	ans->identity_token = strcmp(user, "<token>") == 0;
	buf_reset(&ans->username);
	buf_reset(&ans->secret);
	if ((!ans->identity_token && buf_append_str(&ans->username, user) < 0) ||
	    buf_append_str(&ans->secret, secret) < 0) {
		r = ml_fail(ML_IMAGE_ERROR,
		            "credential helper '" HELPER_PREFIX "%s' answered credentials that are "
		            "too long",
		            helper);
		goto out;
	}
	r = 0;
out:
	if (root != NULL) {
		cJSON *s = cJSON_GetObjectItemCaseSensitive(root, "Secret");

		if (cJSON_IsString(s) && s->valuestring != NULL)
			explicit_bzero(s->valuestring, strlen(s->valuestring));
	}
	cJSON_Delete(root);
	return r;
}

/* The helper's environment: mainline's, without the settings and the clone credentials. */
static char **helper_env(void)
{
	size_t n = 0, k = 0;
	char **env, **e;

	for (e = environ; e != NULL && *e != NULL; e++)
		n++;
	if ((env = calloc(n + 1, sizeof(*env))) == NULL)
		return NULL;
	for (e = environ; e != NULL && *e != NULL; e++)
		if (strncmp(*e, "PLUGIN_", 7) != 0 && strncmp(*e, "DRONE_NETRC_", 12) != 0 &&
		    strncmp(*e, "CI_NETRC_", 9) != 0)
			env[k++] = *e;
	return env;
}

/* Reads what is there from fd into b (beyond its maximum: dropped, *full set). 0 at EOF. */
static int drain(int fd, struct buf *b, int *full)
{
	char chunk[4096];
	ssize_t n = read(fd, chunk, sizeof(chunk));

	if (n < 0)
		return errno == EINTR || errno == EAGAIN ? 1 : 0;
	if (n > 0 && buf_append(b, chunk, (size_t)n) < 0)
		*full = 1;
	return n > 0;
}

struct helper_run {
	pid_t pid;
	int out_fd, err_fd;
	struct buf out, err;
	int full;
};

/* Starts the helper with its stdin holding server. 0, or the reason (message set). */
static int spawn_helper(struct helper_run *run, const char *prog, const char *server)
{
	int in[2] = {-1, -1}, out[2] = {-1, -1}, err[2] = {-1, -1}, rc, r = ML_IO;
	char *argv[] = {(char *)prog, "get", NULL};
	posix_spawn_file_actions_t fa;
	posix_spawnattr_t attr;
	sigset_t none, def;
	char **env = NULL;
	size_t len = strlen(server);

	if (pipe2(in, O_CLOEXEC) < 0 || pipe2(out, O_CLOEXEC) < 0 || pipe2(err, O_CLOEXEC) < 0 ||
	    (env = helper_env()) == NULL) {
		r = ml_fail(ML_IO, "cannot start credential helper '%s': %s", prog,
		            strerror(errno));
		goto out;
	}
	posix_spawn_file_actions_init(&fa);
	posix_spawn_file_actions_adddup2(&fa, in[0], 0);
	posix_spawn_file_actions_adddup2(&fa, out[1], 1);
	posix_spawn_file_actions_adddup2(&fa, err[1], 2);
	posix_spawnattr_init(&attr);
	sigemptyset(&none);
	sigemptyset(&def);
	sigaddset(&def, SIGPIPE);
	sigaddset(&def, SIGINT);
	sigaddset(&def, SIGTERM);
	posix_spawnattr_setsigmask(&attr, &none);
	posix_spawnattr_setsigdefault(&attr, &def);
	/* a session of its own: no terminal to prompt on, one group to kill */
	posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETSID | POSIX_SPAWN_SETSIGMASK |
	                                    POSIX_SPAWN_SETSIGDEF);
	rc = posix_spawnp(&run->pid, prog, &fa, &attr, argv, env);
	posix_spawn_file_actions_destroy(&fa);
	posix_spawnattr_destroy(&attr);
	if (rc == ENOENT) {
		r = ml_fail(
		    ML_IMAGE_ERROR,
		    "credential helper '%s' is not installed (not found in PATH); the docker "
		    "config names it in credsStore or credHelpers",
		    prog);
		goto out;
	}
	if (rc != 0) {
		r = ml_fail(ML_IMAGE_ERROR, "cannot run credential helper '%s': %s", prog,
		            strerror(rc));
		goto out;
	}
	/* the server URL is short: the pipe takes it whole, whether the helper reads it or not */
	if (write(in[1], server, len) != (ssize_t)len) {
		(void)kill(-run->pid, SIGKILL);
		(void)waitpid(run->pid, NULL, 0);
		r = ml_fail(ML_IMAGE_ERROR, "cannot give credential helper '%s' its input", prog);
		goto out;
	}
	run->out_fd = out[0];
	run->err_fd = err[0];
	out[0] = err[0] = -1;
	r = 0;
out:
	free(env);
	for (int i = 0; i < 2; i++) {
		if (in[i] >= 0)
			close(in[i]);
		if (out[i] >= 0)
			close(out[i]);
		if (err[i] >= 0)
			close(err[i]);
	}
	return r;
}

/* Reads the helper's output until both streams end, the deadline or a cancel. */
static int collect(struct helper_run *run, int64_t deadline, const volatile sig_atomic_t *cancel,
                   int *status)
{
	struct pollfd fds[2] = {{run->out_fd, POLLIN, 0}, {run->err_fd, POLLIN, 0}};
	int open_fds = 2, i;

	for (;;) {
		int64_t left = deadline - clock_monotonic_ms();
		pid_t w;

		if (cancel != NULL && *cancel)
			return ML_CANCELED;
		if (left <= 0)
			return ML_TIMEOUT;
		if (open_fds == 0) {
			/* both streams closed: wait for the exit, still under the deadline */
			if ((w = waitpid(run->pid, status, WNOHANG)) == run->pid) {
				run->pid = -1;
				return 0;
			}
			if (w < 0 && errno != EINTR)
				return ML_IO;
			poll(NULL, 0, 20);
			continue;
		}
		if (poll(fds, 2, left < 100 ? (int)left : 100) < 0 && errno != EINTR)
			return ML_IO;
		for (i = 0; i < 2; i++) {
			if (fds[i].fd < 0 || !(fds[i].revents & (POLLIN | POLLHUP | POLLERR)))
				continue;
			if (!drain(fds[i].fd, i == 0 ? &run->out : &run->err, &run->full)) {
				fds[i].fd = -1;
				open_fds--;
			}
		}
	}
}

int credhelper_get(const char *helper, const char *server, long timeout_ms,
                   const volatile sig_atomic_t *cancel, struct credhelper_answer *out)
{
	struct helper_run run = {.pid = -1, .out_fd = -1, .err_fd = -1};
	char prog[sizeof(HELPER_PREFIX) + HELPER_NAME_MAX];
	long limit = timeout_ms > 0 ? timeout_ms : CREDHELPER_TIMEOUT_MS;
	int status = 0, r;

	buf_init(&run.out, CREDHELPER_OUTPUT_MAX);
	buf_init(&run.err, ERR_MAX);
	if (!credhelper_name_valid(helper)) {
		r = ml_fail(ML_CONFIG,
		            "invalid credential helper name '%.64s' in the docker config: want "
		            "[A-Za-z0-9][A-Za-z0-9_.-]*",
		            helper);
		goto out;
	}
	snprintf(prog, sizeof(prog), HELPER_PREFIX "%s", helper);
	if ((r = spawn_helper(&run, prog, server)) != 0)
		goto out;
	r = collect(&run, clock_monotonic_ms() + limit, cancel, &status);
	if (run.pid > 0) {
		(void)kill(-run.pid, SIGKILL);
		(void)waitpid(run.pid, &status, 0);
	}
	if (r == ML_TIMEOUT) {
		r = ml_fail(ML_IMAGE_ERROR, "credential helper '%s' did not answer within %ld ms",
		            prog, limit);
		goto out;
	}
	if (r == ML_CANCELED) {
		r = ml_fail(ML_CANCELED, "canceled while credential helper '%s' ran", prog);
		goto out;
	}
	if (r != 0) {
		r = ml_fail(ML_IO, "cannot read credential helper '%s': %s", prog, strerror(errno));
		goto out;
	}
	if (run.full) {
		r = ml_fail(ML_IMAGE_ERROR, "credential helper '%s' printed more than %u bytes",
		            prog, CREDHELPER_OUTPUT_MAX);
		goto out;
	}
	if (WIFSIGNALED(status)) {
		r = ml_fail(ML_IMAGE_ERROR, "credential helper '%s' was killed by signal %d", prog,
		            WTERMSIG(status));
		goto out;
	}
	r = credhelper_parse(helper, WEXITSTATUS(status), (const char *)run.out.data, run.out.len,
	                     (const char *)run.err.data, run.err.len, out);
out:
	if (run.out_fd >= 0)
		close(run.out_fd);
	if (run.err_fd >= 0)
		close(run.err_fd);
	if (run.out.data != NULL)
		explicit_bzero(run.out.data, run.out.len);
	buf_release(&run.out);
	buf_release(&run.err);
	return r;
}

/*
 * Test CLI over the docker/ API:
 *   engine-tool ping
 *   engine-tool pull IMAGE [--docker-config PATH] [--helper-timeout MS]
 *   engine-tool run IMAGE [--pull always|if-not-exists|never] [--docker-config PATH]
 *       [--tree DIR] [--workdir D] [--timeout MS] [--grace MS] [--socket]
 *       [--label k=v]... [--env K=V]... [--bind S:D]... [--name-prefix P]
 *       [--network N]... [--alias A]... [--no-init] [--socket-source HOSTPATH]
 *       [--synthetic-tree MIB] -- CMD...
 * --socket binds the engine's socket (its path here is its host path),
 * --socket-source binds HOSTPATH at the socket's place instead.
 * --evil-tree uploads a tree with a '../escape' entry (must be refused).
 * --synthetic-tree makes a tree of MIB files of 1 MiB sharing one buffer, so
 * the tool's peak memory (printed after a run) shows the upload's own use.
 * Exit: the pipeline's exit code after a run, 0 for ping/pull, 1 for a
 * refusal, 2 for errors; the reason code and message go to stderr.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common/buf.h"
#include "common/error.h"
#include "common/tree.h"
#include "docker/engine.h"
#include "docker/image.h"
#include "docker/run.h"

#define MAX_LIST 64

static volatile sig_atomic_t cancel_flag;

static void on_signal(int sig)
{
	cancel_flag = 1;
}

static int fail(int r)
{
	fprintf(stderr, "engine-tool: %s: %s\n", ml_reason_name((enum ml_reason)r),
	        ml_error_message());
	return ml_reason_is_refusal((enum ml_reason)r) ? 1 : 2;
}

static void on_progress(void *ctx, const char *line)
{
	fprintf(stderr, "%s\n", line);
}

/* Reads DIR from disk into tree entries: test-only, the plugin walks git objects. */
static int walk_dir(const char *root, const char *rel, tree_entry_fn emit, void *ctx)
{
	struct dirent **names = NULL;
	char full[8200], path[4096], target[4096];
	struct tree_entry te;
	struct stat st;
	int i, n, r = 0;

	snprintf(full, sizeof(full), "%s%s%s", root, *rel ? "/" : "", rel);
	if ((n = scandir(full, &names, NULL, alphasort)) < 0)
		return ml_fail(ML_IO, "cannot read directory '%s'", full);
	for (i = 0; i < n && r == 0; i++) {
		const char *name = names[i]->d_name;
		void *map = NULL;

		if (strcmp(name, ".") == 0 || strcmp(name, "..") == 0)
			continue;
		snprintf(path, sizeof(path), "%s%s%s", rel, *rel ? "/" : "", name);
		snprintf(full, sizeof(full), "%s/%s", root, path);
		if (lstat(full, &st) < 0) {
			r = ml_fail(ML_IO, "cannot stat '%s'", full);
			break;
		}
		memset(&te, 0, sizeof(te));
		te.path = path;
		if (S_ISDIR(st.st_mode)) {
			te.mode = TREE_MODE_DIR;
			if ((r = emit(ctx, &te)) == 0)
				r = walk_dir(root, path, emit, ctx);
		} else if (S_ISLNK(st.st_mode)) {
			ssize_t len = readlink(full, target, sizeof(target));

			if (len <= 0 || (size_t)len >= sizeof(target)) {
				r = ml_fail(ML_IO, "cannot read link '%s'", full);
				break;
			}
			te.mode = TREE_MODE_SYMLINK;
			te.data = target;
			te.size = (size_t)len;
			r = emit(ctx, &te);
		} else if (S_ISREG(st.st_mode)) {
			int fd = open(full, O_RDONLY);

			if (fd < 0) {
				r = ml_fail(ML_IO, "cannot open '%s'", full);
				break;
			}
			if (st.st_size > 0 && (map = mmap(NULL, (size_t)st.st_size, PROT_READ,
			                                  MAP_PRIVATE, fd, 0)) == MAP_FAILED) {
				close(fd);
				r = ml_fail(ML_IO, "cannot map '%s'", full);
				break;
			}
			close(fd);
			te.mode = (st.st_mode & 0100) ? TREE_MODE_EXEC : TREE_MODE_FILE;
			te.data = map;
			te.size = (size_t)st.st_size;
			r = emit(ctx, &te);
			if (map != NULL)
				munmap(map, (size_t)st.st_size);
		}
	}
	for (i = 0; i < n; i++)
		free(names[i]);
	free(names);
	return r;
}

static int walk_tree(void *walk_ctx, tree_entry_fn emit, void *emit_ctx)
{
	return walk_dir(walk_ctx, "", emit, emit_ctx);
}

static uint8_t synthetic_block[1 << 20];

static int walk_synthetic(void *walk_ctx, tree_entry_fn emit, void *emit_ctx)
{
	long i, n = *(const long *)walk_ctx;
	struct tree_entry te = {.path = "data", .mode = TREE_MODE_DIR};
	char path[64];
	int r;

	if ((r = emit(emit_ctx, &te)) != 0)
		return r;
	memset(synthetic_block, 'm', sizeof(synthetic_block));
	for (i = 0; i < n; i++) {
		snprintf(path, sizeof(path), "data/%04ld", i);
		te.path = path;
		te.mode = TREE_MODE_FILE;
		te.data = synthetic_block;
		te.size = sizeof(synthetic_block);
		if ((r = emit(emit_ctx, &te)) != 0)
			return r;
	}
	return 0;
}

static int walk_evil(void *walk_ctx, tree_entry_fn emit, void *emit_ctx)
{
	struct tree_entry te = {.path = "ok.txt", .mode = TREE_MODE_FILE, .data = "x", .size = 1};
	int r;

	if ((r = emit(emit_ctx, &te)) != 0)
		return r;
	te.path = "../escape";
	return emit(emit_ctx, &te);
}

static int usage(void)
{
	fprintf(stderr, "usage: engine-tool ping | pull IMAGE [--docker-config PATH] | run IMAGE "
	                "[options] -- CMD...\n");
	return 2;
}

int main(int argc, char **argv)
{
	const char *labels[MAX_LIST + 1] = {NULL}, *env[MAX_LIST + 1] = {NULL},
	                              *binds[MAX_LIST + 1] = {NULL},
	                              *networks[MAX_LIST + 1] = {NULL},
	                              *aliases[MAX_LIST + 1] = {NULL};
	int nlabels = 0, nenv = 0, nbinds = 0, nnetworks = 0, naliases = 0, socket = 0, i, r;
	struct run_spec spec;
	struct run_result res;
	struct image_options io = {.pull = PULL_ALWAYS, .progress = on_progress};
	struct engine *e = NULL;
	struct sigaction sa;
	char digest[160];
	const char *cmd;
	struct rusage ru;
	long synthetic_mib = 0;

	if (argc < 2)
		return usage();
	cmd = argv[1];
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);

	memset(&spec, 0, sizeof(spec));
	spec.out_fd = 1;
	spec.err_fd = 2;
	spec.container.workdir = "/src";
	spec.name_prefix = "mainline-test-";
	spec.cancel = &cancel_flag;
	spec.progress = on_progress;
	io.cancel = &cancel_flag;
	if (argc >= 3 && strcmp(cmd, "ping") != 0)
		spec.container.image = argv[2];
	for (i = strcmp(cmd, "ping") == 0 ? 2 : 3; i < argc; i++) {
		const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;

		if (strcmp(a, "--") == 0) {
			spec.container.argv = (const char *const *)argv + i + 1;
			break;
		}
		if (strcmp(a, "--socket") == 0) {
			socket = 1;
			continue;
		}
		if (strcmp(a, "--no-init") == 0) {
			spec.container.no_init = 1;
			continue;
		}
		if (strcmp(a, "--evil-tree") == 0) {
			spec.tree_walk = walk_evil;
			continue;
		}
		if (v == NULL)
			return usage();
		i++;
		if (strcmp(a, "--pull") == 0) {
			if ((r = pull_policy_parse(v, &spec.pull)) != 0)
				return fail(r);
		} else if (strcmp(a, "--docker-config") == 0) {
			spec.docker_config = io.docker_config = v;
		} else if (strcmp(a, "--helper-timeout") == 0) {
			spec.helper_timeout_ms = io.helper_timeout_ms = strtol(v, NULL, 10);
		} else if (strcmp(a, "--tree") == 0) {
			spec.tree_walk = walk_tree;
			spec.tree_ctx = (void *)v;
		} else if (strcmp(a, "--synthetic-tree") == 0) {
			synthetic_mib = strtol(v, NULL, 10);
			spec.tree_walk = walk_synthetic;
			spec.tree_ctx = &synthetic_mib;
		} else if (strcmp(a, "--workdir") == 0) {
			spec.container.workdir = v;
		} else if (strcmp(a, "--timeout") == 0) {
			spec.timeout_ms = strtol(v, NULL, 10);
		} else if (strcmp(a, "--grace") == 0) {
			spec.grace_ms = strtol(v, NULL, 10);
		} else if (strcmp(a, "--name-prefix") == 0) {
			spec.name_prefix = v;
		} else if (strcmp(a, "--label") == 0 && nlabels < MAX_LIST) {
			labels[nlabels++] = v;
		} else if (strcmp(a, "--env") == 0 && nenv < MAX_LIST) {
			env[nenv++] = v;
		} else if (strcmp(a, "--bind") == 0 && nbinds < MAX_LIST) {
			binds[nbinds++] = v;
		} else if (strcmp(a, "--network") == 0 && nnetworks < MAX_LIST) {
			networks[nnetworks++] = v;
		} else if (strcmp(a, "--alias") == 0 && naliases < MAX_LIST) {
			aliases[naliases++] = v;
		} else if (strcmp(a, "--socket-source") == 0) {
			spec.container.docker_socket = v;
		} else {
			return usage();
		}
	}
	spec.container.labels = labels;
	spec.container.env = env;
	spec.container.binds = binds;
	spec.container.networks = networks;
	spec.container.aliases = aliases;

	if ((r = engine_open(&e, NULL)) != 0)
		return fail(r);
	/* on the host, the engine's socket path is its host path */
	if (socket)
		spec.container.docker_socket = e->unix_socket;
	if (strcmp(cmd, "ping") == 0) {
		printf("api %s\n", e->version);
		r = 0;
	} else if (strcmp(cmd, "pull") == 0 && spec.container.image != NULL) {
		if ((r = image_pull(e, spec.container.image, &io)) == 0 &&
		    (r = image_inspect(e, spec.container.image, digest, sizeof(digest), NULL, 0)) ==
		        0)
			printf("digest %s\n", digest);
		else if (r == 1)
			r = ml_fail(ML_IMAGE_ERROR, "image '%s' missing after pull",
			            spec.container.image);
	} else if (strcmp(cmd, "run") == 0 && spec.container.image != NULL) {
		r = engine_run(e, &spec, &res);
		if (r == 0) {
			getrusage(RUSAGE_SELF, &ru);
			fprintf(stderr,
			        "engine-tool: container %.12s image %s exit %d maxrss %ld\n",
			        res.container_id, res.image_digest, res.exit_code, ru.ru_maxrss);
			engine_free(e);
			return res.exit_code;
		}
	} else {
		engine_free(e);
		return usage();
	}
	engine_free(e);
	return r == 0 ? 0 : fail(r);
}

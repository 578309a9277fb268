#include "common/child.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include "common/clock.h"
#include "common/error.h"

/* How long one wait lasts at most: a cancel flag set just before a wait is seen this late. */
#define CHILD_TICK_MS 50

static int canceled(const struct child_limits *lim)
{
	return lim->cancel != NULL && *lim->cancel;
}

static void run_child(int (*fn)(void *, void *), void *arg, void *shared, pid_t parent)
{
	/* the caller's handlers would keep the child alive on the signal that cancels it */
	signal(SIGTERM, SIG_DFL);
	signal(SIGINT, SIG_DFL);
	if (prctl(PR_SET_PDEATHSIG, SIGKILL) < 0 || getppid() != parent)
		_exit(125);
	_exit(fn(arg, shared) & 0x7f);
}

/*
 * Waits until the child closes its end of the pipe (it ends), the deadline
 * passes or the flag is set. Signals interrupt the wait (EINTR), so a cancel
 * is seen at once unless it came just before poll().
 */
static enum child_end supervise(pid_t pid, int fd, const struct child_limits *lim)
{
	struct pollfd pfd = {.fd = fd, .events = POLLIN};
	int64_t now, wait;

	for (;;) {
		if (canceled(lim)) {
			kill(pid, SIGKILL);
			return CHILD_CANCELED;
		}
		now = clock_monotonic_ms();
		if (lim->deadline_ms != 0 && now >= lim->deadline_ms) {
			kill(pid, SIGKILL);
			return CHILD_TIMED_OUT;
		}
		wait = CHILD_TICK_MS;
		if (lim->deadline_ms != 0 && lim->deadline_ms - now < wait)
			wait = lim->deadline_ms - now;
		if (poll(&pfd, 1, (int)wait) > 0)
			return CHILD_EXITED;
	}
}

int child_run(int (*fn)(void *arg, void *shared), void *arg, void *out, size_t size,
              const struct child_limits *lim, enum child_end *end, int *status)
{
	void *shared;
	int fds[2], wstatus = 0;
	pid_t parent = getpid(), pid;

	*end = CHILD_KILLED;
	*status = 0;
	shared = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (shared == MAP_FAILED)
		return ml_fail(ML_IO, "cannot map memory for a child process: %s", strerror(errno));
	if (pipe2(fds, O_CLOEXEC) < 0) {
		munmap(shared, size);
		return ml_fail(ML_IO, "cannot create a pipe: %s", strerror(errno));
	}
	if ((pid = fork()) < 0) {
		close(fds[0]);
		close(fds[1]);
		munmap(shared, size);
		return ml_fail(ML_IO, "cannot start a child process: %s", strerror(errno));
	}
	if (pid == 0) {
		close(fds[0]);
		run_child(fn, arg, shared, parent);
	}
	close(fds[1]);
	*end = supervise(pid, fds[0], lim);
	close(fds[0]);
	while (waitpid(pid, &wstatus, 0) < 0 && errno == EINTR)
		;
	if (*end == CHILD_EXITED) {
		if (WIFEXITED(wstatus)) {
			*status = WEXITSTATUS(wstatus);
		} else {
			*end = CHILD_KILLED;
			*status = WIFSIGNALED(wstatus) ? WTERMSIG(wstatus) : 0;
		}
	}
	/* a child that died of the signal that canceled the caller was canceled */
	if (*end == CHILD_KILLED && canceled(lim))
		*end = CHILD_CANCELED;
	memcpy(out, shared, size);
	munmap(shared, size);
	return 0;
}

/*
 * Nothing outlives a dead run. Every pipeline container carries who started
 * it (REAPER_OWNER_LABEL) and for which run (REAPER_RUN_LABEL, the audit
 * record's id). Before its own pipeline starts, a run removes the
 * containers on its engine whose owner is provably gone, and only those:
 * several runners and builds share one engine, and the container of a live
 * run is never touched. The owner is one of (docs/engine.md):
 *
 *   container <id> <StartedAt>
 *       mainline ran in container <id> of this engine, found by its full id
 *       (self.h). Gone when the engine no longer has it, it is not running,
 *       or it was started again since (another StartedAt). Any run on the
 *       engine can tell: the engine is the witness.
 *   process <boot id> <pid namespace> <pid> <start time>
 *       mainline ran as a process (on the host, or in a container the engine
 *       does not know). Gone when, on the same boot and in the same pid
 *       namespace, no process <pid> started at <start time> (clock ticks
 *       after boot) exists. From another boot, namespace or machine this
 *       cannot be told, and the container is left alone.
 */
#ifndef MAINLINE_REAPER_H
#define MAINLINE_REAPER_H

#include <signal.h>
#include <stddef.h>

#include "docker/engine.h"
#include "plugin/self.h"

#define REAPER_OWNER_LABEL "org.mainline.owner"
#define REAPER_RUN_LABEL "org.mainline.run"
#define REAPER_OWNER_MAX 192 /* longest owner label value */
#define REAPER_MAX 16        /* containers removed by one run at most; the rest next time */

/*
 * The owner label value for this process: the container form when self was
 * found by its full id, else the process form. 0, or -1 when this process
 * cannot name itself (no /proc): its containers then get no owner label and
 * are never removed by a reaper.
 */
int reaper_owner(const struct self_container *self, char out[REAPER_OWNER_MAX]);

/* Longest "key=value" label of a pipeline container, NUL included. */
#define REAPER_LABEL_LEN 1200

/*
 * The labels drone-gc reads, copied from mainline's own container when it
 * was found (io.drone.*, io.drone.expires above all): "key=value" strings
 * into out (at most max; a longer one is left out). Returns how many.
 */
size_t reaper_drone_labels(const struct self_container *self, char (*out)[REAPER_LABEL_LEN],
                           size_t max);

struct reaper_removal {
	char container[65];
	char run[33]; /* the dead run's record id, "" when its label was missing */
	char why[200];
};

struct reaper_result {
	struct reaper_removal removed[REAPER_MAX];
	size_t n;
	size_t left;       /* containers of other runs left alone: live or not provably gone */
	char warning[300]; /* a failure of the sweep itself, "" when none */
};

/*
 * Removes every container on e labelled with an owner that is provably gone
 * (never one whose owner is self_owner). Best effort: a failure ends the
 * sweep with out->warning set, never the run. A set *cancel stops it.
 */
void reaper_sweep(struct engine *e, const char *self_owner, volatile sig_atomic_t *cancel,
                  struct reaper_result *out);

/* Pure parts (unit tested, fuzzed). */

enum reaper_verdict {
	REAPER_ALIVE,
	REAPER_GONE,
	REAPER_UNKNOWN,
};

/* This process's boot, pid namespace, pid and start time, as the process form names them. */
struct reaper_process {
	char boot_id[40];
	unsigned long long pid_ns;
	long pid;
	unsigned long long start;
};

/* This process as it is now. 0, or -1 when /proc cannot tell (or is another namespace's). */
int reaper_process_self(struct reaper_process *out);

/*
 * Whether process pid started at start (clock ticks after boot) still lives
 * here: 1 yes, 0 no (no such process, or another one under its pid), -1
 * cannot tell (hidden by the /proc mount's options).
 */
typedef int (*reaper_probe_fn)(long pid, unsigned long long start);
int reaper_probe_proc(long pid, unsigned long long start);

/*
 * Judges a process-form owner label from `here` with probe; why says what
 * was found. A label that is not of the process form is REAPER_UNKNOWN.
 */
enum reaper_verdict reaper_judge_process(const char *owner, const struct reaper_process *here,
                                         reaper_probe_fn probe, char *why, size_t why_len);

/*
 * Judges a container-form owner label from the engine's answer to GET
 * /containers/<id>/json (status, body). REAPER_UNKNOWN for another form or
 * an answer that proves nothing.
 */
enum reaper_verdict reaper_judge_container(const char *owner, long status, const char *json,
                                           size_t len, char *why, size_t why_len);

/* The id named by a container-form owner label into out; -1 for another form. */
int reaper_owner_container(const char *owner, char out[65]);

#endif

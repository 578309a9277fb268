/*
 * The Drone build context: the DRONE_* variables mainline reads, and what
 * they tell on their own (no network I/O): whether a ref is a pull request's,
 * whether Drone may have added build parameters to the step's environment.
 */
#ifndef MAINLINE_DRONE_CONTEXT_H
#define MAINLINE_DRONE_CONTEXT_H

#include <stdint.h>

/* Absent or empty variables stay NULL. */
struct drone_context {
	char *build_event;
	char *commit_ref;
	char *commit_sha;
	char *commit_branch;
	char *tag;
	char *source_branch;
	char *target_branch;
	char *pull_request;
	char *repo;
	char *repo_owner;
	char *repo_name;
	char *build_number;
	char *build_parent; /* the build a restart, promote or rollback comes from ("0": none) */
	char *build_link;
	char *system_proto;
	char *system_host;
	char *deploy_to;
	char *step_name;
	char *stage_name;
	char *workspace;
	char *docker_network; /* DRONE_DOCKER_NETWORK_ID: the build network's name */
	char *card_path;
	char *repo_link;
	char *git_http_url;
	char *netrc_machine;
	char *netrc_username;
	char *netrc_password; /* secret: never printed */
	/* Woodpecker (woodpecker.h): the values above came from its CI_* variables */
	int woodpecker;
	char woodpecker_event[24]; /* its own name of the event, "" under Drone */
};

/*
 * Reads entry ("NAME=value") into d when NAME is one of the variables
 * above; any other entry is left alone. *seen (0 before the first entry)
 * notes the names read, so one that appears twice fails. Every value is one
 * line of well-formed UTF-8 (no byte below 0x20, no 0x7f) of at most 1 MiB;
 * DRONE_COMMIT_SHA is a commit id (40 or 64 hex digits, stored lower case);
 * DRONE_BUILD_NUMBER and DRONE_BUILD_PARENT are decimal numbers from 0 to
 * 2^53 - 1 without sign or leading zero. 0, or ML_CONFIG naming the variable
 * and the problem (never the value), or ML_IO.
 */
int drone_context_read(struct drone_context *d, const char *entry, uint32_t *seen);

/* Frees every value (the netrc password wiped first) and leaves d empty. */
void drone_context_release(struct drone_context *d);

/* Whether event is one of Drone's: push, pull_request, tag, promote, rollback, cron, custom. */
int drone_event_is_known(const char *event);

/* Whether ref is a pull or merge request ref of a forge Drone supports. */
int drone_is_pull_ref(const char *ref);

/* The events whose builds Drone creates with parameters: promote, rollback, custom. */
int drone_event_takes_parameters(const char *event);

/*
 * Whether Drone may have added build parameters to this build's
 * environment: events promote, rollback and custom, and a restarted build of
 * any event (DRONE_BUILD_PARENT set and not 0). Drone sets both variables
 * after the parameters, so a parameter cannot change them.
 */
int drone_may_have_parameters(const struct drone_context *d);

#endif

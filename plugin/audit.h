/*
 * The audit record: one per run, whatever the outcome. The orchestration
 * fills a plain struct; this module renders it as one JSON object (keys in a
 * fixed order, every key always present, null when unknown) and as the two
 * human lines of the Drone log. The struct has no field for any secret
 * (tokens, keys, webhook secrets), and every URL, in a field or quoted in a
 * message, is rendered in its credential-free form (url.h), so no sink can
 * leak one.
 */
#ifndef MAINLINE_AUDIT_H
#define MAINLINE_AUDIT_H

#include <stddef.h>
#include <stdint.h>

#include <cjson/cJSON.h>

#include "common/buf.h"
#include "common/reason.h"
#include "verify/signer.h"

#define AUDIT_SCHEMA "mainline.audit/v1"

/* Longest rendered record (one JSONL line); longer strings are cut first. */
#define AUDIT_LINE_MAX (256u * 1024)
/* Each string field is cut to this many bytes (at a UTF-8 boundary). */
#define AUDIT_FIELD_MAX 1024

enum audit_decision {
	AUDIT_ERROR = 0, /* the default: only a complete run says otherwise */
	AUDIT_ALLOW,
	AUDIT_REFUSE,
};

enum audit_phase {
	AUDIT_PHASE_GATE,
	AUDIT_PHASE_FETCH,
	AUDIT_PHASE_VERIFY,
	AUDIT_PHASE_PULL,
	AUDIT_PHASE_RUN,
	AUDIT_PHASE_COUNT
};

/* Wall-clock interval in Unix nanoseconds; start_ns == 0 means "did not run". */
struct audit_span {
	int64_t start_ns;
	int64_t end_ns;
};

/* The Drone context of the build (DRONE_* variables). */
struct audit_drone {
	const char *repo;       /* DRONE_REPO */
	int64_t build_number;   /* DRONE_BUILD_NUMBER; 0 = unknown */
	const char *build_link; /* DRONE_BUILD_LINK */
	const char *event;      /* DRONE_BUILD_EVENT */
	const char *ref;        /* DRONE_COMMIT_REF */
	const char *commit;     /* DRONE_COMMIT_SHA */
	const char *tag;        /* DRONE_TAG */
	const char *deploy_to;  /* DRONE_DEPLOY_TO */
	const char *step;       /* DRONE_STEP_NAME */
};

/* A container of a dead run removed before this run (plugin/reaper.h). */
struct audit_reaped {
	const char *container;
	const char *run; /* the dead run's record id; "" when unknown */
};

/*
 * Strings are borrowed (the caller keeps them alive while rendering); NULL or
 * "" renders as null. Initialise with audit_record_init().
 */
struct audit_record {
	char id[33];             /* random run id (hex), lets receivers drop duplicates */
	struct audit_span total; /* the whole run; total.start_ns is the record's "time" */
	enum audit_decision decision;
	enum ml_reason reason;
	const char *message;
	struct audit_drone drone;
	const char *source; /* trusted repository URL or path (credentials stripped on output) */
	const char *branch;
	const char *commit; /* pipeline commit that was (or would have been) run */
	const char *tree;
	const char *anchor;        /* where the verified chain starts (the floor in tip mode) */
	const char *extra_anchor;  /* another commit the target had to descend from */
	const char *previous_tip;  /* last tip verified on this cache before the run */
	const char *mode;          /* "tip" or "chain", as verified */
	int64_t checked;           /* commits whose signature was checked; -1 = unknown */
	struct ml_signer signer;   /* format SIGNER_NONE = no signer */
	const char *policy_digest; /* hex digest of the effective policy */
	const char *image;
	const char *image_digest;
	const char *container_id;
	int exit_code; /* pipeline exit code; -1 = did not run */
	struct audit_span phase[AUDIT_PHASE_COUNT];
	const struct audit_reaped *reaped; /* NULL: the run phase did not look (null) */
	size_t reaped_count;
	const char *cache_recovery; /* the damaged cache this run moved aside, and why */
	/* where the rollback floor lives: "shared", "local", "ephemeral" (rollback_state.h) */
	const char *rollback_state;
};

/*
 * Empties rec: decision "error", reason ML_ENGINE_ERROR, no exit code, nothing
 * checked, a fresh random id, and total.start_ns = now (the start of the
 * run; the caller sets total.end_ns). 0, or ML_IO when no random bytes.
 */
int audit_record_init(struct audit_record *rec);

/* "gate", "fetch", "verify", "pull", "run". */
const char *audit_phase_name(enum audit_phase p);

/* "allow", "refuse", "error". */
const char *audit_decision_name(enum audit_decision d);

/*
 * Builds the record as a cJSON object (fixed key order). Returns NULL when
 * memory is short. The caller frees with cJSON_Delete.
 */
cJSON *audit_record_object(const struct audit_record *rec);

/*
 * Appends the record as compact one-line JSON to out (at most AUDIT_LINE_MAX
 * bytes, no newline). 0, or ML_IO (message set).
 */
int audit_record_json(const struct audit_record *rec, struct buf *out);

/* Longest Drone log line: four fields of AUDIT_FIELD_MAX bytes and the words around them. */
#define AUDIT_TEXT_LINE_MAX (4 * AUDIT_FIELD_MAX + 128)

/*
 * The Drone log lines (no trailing newline; control characters become '?';
 * at most AUDIT_TEXT_LINE_MAX bytes).
 * Start: "running pipeline <commit> (tree <tree>) from <source>@<branch>,
 * signed by <principal> (<key>)". End: "pipeline exited 0 after 12.3 s",
 * "refused: <reason>: <message>" or "error: <reason>: <message>".
 * 0 or ML_IO.
 */
int audit_log_start_line(const struct audit_record *rec, struct buf *out);
int audit_log_end_line(const struct audit_record *rec, struct buf *out);

#define AUDIT_LABEL_COUNT 5

struct audit_label {
	const char *key; /* "org.mainline.source", ... (static) */
	char value[AUDIT_FIELD_MAX + 1];
};

/*
 * The container labels that tie a container to its audit record:
 * org.mainline.source, .commit, .tree, .build-link, .signer ("principal
 * (key)"). Fills out with the labels whose value is known and returns how
 * many (at most AUDIT_LABEL_COUNT).
 */
size_t audit_container_labels(const struct audit_record *rec,
                              struct audit_label out[AUDIT_LABEL_COUNT]);

#endif

/*
 * A sample audit record with every field set, shared by the unit tests and
 * tests/helpers/audit-tool. The source URL and build link carry the canary
 * secret AUDIT_CANARY: no sink output may contain it.
 */
#ifndef MAINLINE_AUDIT_SAMPLE_H
#define MAINLINE_AUDIT_SAMPLE_H

#include <stdio.h>
#include <string.h>

#include "plugin/audit.h"

#define AUDIT_CANARY "CANARY-5ecret-7f3a"

/* Fills rec as run number n (1-based) of a successful signed pipeline. */
static inline void audit_sample(struct audit_record *rec, int n)
{
	const int64_t t0 = 1764000000000000000 + (int64_t)n * 60000000000;
	int64_t t = t0;
	int i;

	audit_record_init(rec);
	rec->decision = AUDIT_ALLOW;
	rec->reason = ML_OK;
	rec->message = "pipeline verified";
	rec->drone.repo = "example/app";
	rec->drone.build_number = 41 + n;
	rec->drone.build_link = "https://drone:" AUDIT_CANARY "@drone.example.org/example/app/42";
	rec->drone.event = "tag";
	rec->drone.ref = "refs/tags/v1.2.3";
	rec->drone.commit = "0123456789abcdef0123456789abcdef01234567";
	rec->drone.tag = "v1.2.3";
	rec->drone.deploy_to = "production";
	rec->drone.step = "release";
	rec->source = "https://ci-bot:" AUDIT_CANARY "@git.example.org/example/pipelines.git"
	              "?access_token=" AUDIT_CANARY;
	rec->branch = "main";
	rec->commit = "89abcdef0123456789abcdef0123456789abcdef";
	rec->tree = "fedcba9876543210fedcba9876543210fedcba98";
	rec->anchor = "1111111111111111111111111111111111111111";
	rec->previous_tip = "2222222222222222222222222222222222222222";
	rec->mode = "chain";
	rec->checked = 3;
	rec->signer.format = SIGNER_SSH;
	snprintf(rec->signer.principal, sizeof(rec->signer.principal), "alice@example.org");
	snprintf(rec->signer.key, sizeof(rec->signer.key),
	         "SHA256:uSDKVvdnvQe5pc6FJ4nS8VNk0eZ0OlV6GQS3L6vcNHs");
	snprintf(rec->signer.algorithm, sizeof(rec->signer.algorithm), "ssh-ed25519");
	rec->policy_digest = "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08";
	rec->image = "golang:1.22";
	rec->image_digest =
	    "sha256:4a1e4f2b7c2b9c0d8e1f2a3b4c5d6e7f8091a2b3c4d5e6f708192a3b4c5d6e7f";
	rec->container_id = "c0ffee00c0ffee00c0ffee00c0ffee00c0ffee00c0ffee00c0ffee00c0ffee00";
	rec->exit_code = 0;
	rec->total.start_ns = t0;
	for (i = 0; i < AUDIT_PHASE_COUNT; i++) {
		rec->phase[i].start_ns = t;
		t += (int64_t)(i + 1) * 150000000;
		rec->phase[i].end_ns = t;
	}
	rec->total.end_ns = t + 5000000;
}

#endif

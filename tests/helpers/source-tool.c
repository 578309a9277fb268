/*
 * Test driver for the source module and the commit/tag parsers.
 *   source-tool fetch URL CACHE BRANCH [--ca F] [--pin X] [--ssh-key F --host-key LINE]
 *               [--user U] [--password P] [--offline] [--lock-timeout S]
 *                                      fetches, prints the branch tip
 *   source-tool cat CACHE URL HEX payload|signature|info
 *                                      a commit's signed payload, signature, or headers
 *   source-tool cat-tag CACHE URL HEX payload|signature|info
 *   source-tool parse commit|tag sha1|sha256 FILE payload|signature|info
 *                                      the same for a raw object in FILE, in that format
 *   source-tool resolve CACHE URL SPEC prints "<commit> <tag or ->"
 *   source-tool tree CACHE URL TREEHEX lists "mode size path" (size "-" for directories)
 *   source-tool tree-read CACHE URL TREEHEX THREADS
 *                                      reads the whole tree as the verification does
 *                                      (source_tree_read), on THREADS threads
 *   source-tool pack OBJECTS-DIR HEX commit|tree|blob|tag
 *                                      the raw object as the pack reader alone gives
 *                                      it (verify/pack.h), exit 1 when it does not
 * Exit 0 on success, 1 when refused (reason is a refusal), 2 otherwise; the
 * reason and message go to stderr.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/buf.h"
#include "common/encoding.h"
#include "common/error.h"
#include "common/reason.h"
#include "verify/commit.h"
#include "verify/pack.h"
#include "verify/source.h"
#include "verify/tag.h"

static int finish(int r)
{
	if (r == 0)
		return 0;
	fprintf(stderr, "source-tool: %s: %s\n", ml_reason_name((enum ml_reason)r),
	        ml_error_message());
	return ml_reason_is_refusal((enum ml_reason)r) ? 1 : 2;
}

static int usage(void)
{
	fprintf(stderr,
	        "usage: source-tool fetch|cat|cat-tag|parse|resolve|tree|tree-read|pack ...\n");
	return 2;
}

static int cmd_fetch(int argc, char **argv)
{
	struct source_options o = {0};
	struct source *src = NULL;
	char tip[41];
	int i, r;

	o.url = argv[0];
	o.cache_dir = argv[1];
	o.branch = argv[2];
	for (i = 3; i < argc; i++) {
		const char *opt = argv[i], *val = i + 1 < argc ? argv[i + 1] : NULL;

		if (strcmp(opt, "--offline") == 0) {
			o.offline = 1;
			continue;
		}
		if (val == NULL)
			return usage();
		i++;
		if (strcmp(opt, "--ca") == 0)
			o.ca_file = val;
		else if (strcmp(opt, "--pin") == 0)
			o.cert_pin = val;
		else if (strcmp(opt, "--ssh-key") == 0)
			o.ssh_key = val;
		else if (strcmp(opt, "--host-key") == 0)
			o.ssh_host_key = val;
		else if (strcmp(opt, "--user") == 0)
			o.username = val;
		else if (strcmp(opt, "--password") == 0)
			o.password = val;
		else if (strcmp(opt, "--lock-timeout") == 0)
			o.lock_timeout = (unsigned)strtoul(val, NULL, 10);
		else
			return usage();
	}
	if ((r = source_open(&src, &o)) == 0 && (r = source_fetch(src)) == 0 &&
	    (r = source_branch_tip(src, tip)) == 0)
		printf("%s\n", tip);
	source_free(src);
	return finish(r);
}

static int open_cache(struct source **src, const char *cache, const char *url)
{
	struct source_options o = {0};

	o.url = url;
	o.cache_dir = cache;
	o.offline = 1;
	return source_open(src, &o);
}

static void print_part(const char *part, const void *payload, size_t payload_len, const char *sig,
                       size_t sig_len)
{
	if (strcmp(part, "payload") == 0)
		fwrite(payload, 1, payload_len, stdout);
	else if (sig != NULL)
		fwrite(sig, 1, sig_len, stdout);
}

/* Parses raw as a commit or tag of the format and prints the part. */
static int print_object(const struct buf *raw, int tag, enum object_format format, const char *part)
{
	struct commit_object c = {0};
	struct tag_object t = {0};
	size_t i;
	int r;

	if (!tag) {
		if ((r = commit_parse(&c, raw->data, raw->len, format)) != 0)
			goto out;
		if (strcmp(part, "info") == 0) {
			printf("tree %s\n", c.tree);
			for (i = 0; i < c.parent_count; i++)
				printf("parent %s\n", c.parents[i]);
			printf("author %s %lld\ncommitter %s %lld\nsig %d\nother %s\n", c.author,
			       (long long)c.author_time, c.committer, (long long)c.committer_time,
			       (int)c.sig_kind,
			       c.other_signature != NULL ? c.other_signature : "-");
		} else
			print_part(part, c.payload, c.payload_len, c.signature, c.signature_len);
	} else {
		if ((r = tag_parse(&t, raw->data, raw->len, format)) != 0)
			goto out;
		if (strcmp(part, "info") == 0)
			printf("object %s\ntype %s\ntag %s\ntagger %s %lld\nsig %d\nother %s\n",
			       t.object, t.type, t.name, t.tagger, (long long)t.tagger_time,
			       (int)t.sig_kind,
			       t.other_signature != NULL ? t.other_signature : "-");
		else
			print_part(part, t.payload, t.payload_len, t.signature, t.signature_len);
	}
out:
	commit_release(&c);
	tag_release(&t);
	return r;
}

static int cmd_cat(int argc, char **argv, int tag)
{
	struct source *src = NULL;
	struct buf raw;
	int r;

	buf_init(&raw, 64u << 20);
	if ((r = open_cache(&src, argv[0], argv[1])) == 0 &&
	    (r = source_read_object(src, argv[2], tag ? SOURCE_OBJ_TAG : SOURCE_OBJ_COMMIT,
	                            &raw)) == 0)
		r = print_object(&raw, tag, source_object_format(src), argv[3]);
	buf_release(&raw);
	source_free(src);
	return finish(r);
}

static int cmd_parse(char **argv)
{
	int tag = strcmp(argv[0], "tag") == 0, sha256 = strcmp(argv[1], "sha256") == 0;
	struct buf raw;
	int r;

	if ((!tag && strcmp(argv[0], "commit") != 0) || (!sha256 && strcmp(argv[1], "sha1") != 0))
		return usage();
	buf_init(&raw, 64u << 20);
	if (buf_read_file(&raw, argv[2]) < 0)
		r = ml_fail(ML_IO, "cannot read '%s'", argv[2]);
	else
		r = print_object(&raw, tag, sha256 ? OBJECT_SHA256 : OBJECT_SHA1, argv[3]);
	buf_release(&raw);
	return finish(r);
}

static int cmd_resolve(char **argv)
{
	struct source *src = NULL;
	char commit[41], tag[41];
	int r;

	if ((r = open_cache(&src, argv[0], argv[1])) == 0 &&
	    (r = source_resolve(src, argv[2], commit, tag)) == 0)
		printf("%s %s\n", commit, tag[0] != '\0' ? tag : "-");
	source_free(src);
	return finish(r);
}

static int print_entry(void *ctx, const struct tree_entry *e)
{
	if (e->mode == TREE_MODE_DIR)
		printf("%06o - %s\n", e->mode, e->path);
	else
		printf("%06o %zu %s\n", e->mode, e->size, e->path);
	return 0;
}

static int cmd_tree(char **argv)
{
	struct source *src = NULL;
	int r;

	if ((r = open_cache(&src, argv[0], argv[1])) == 0)
		r = source_tree_walk(src, argv[2], print_entry, NULL);
	source_free(src);
	return finish(r);
}

static int cmd_tree_read(char **argv)
{
	struct source *src = NULL;
	int r;

	if ((r = open_cache(&src, argv[0], argv[1])) == 0)
		r = source_tree_read(src, argv[2], (size_t)strtoul(argv[3], NULL, 10));
	source_free(src);
	return finish(r);
}

static int cmd_pack(char **argv)
{
	static const char *const types[] = {"", "commit", "tree", "blob", "tag"};
	struct pack_set *ps = NULL;
	uint8_t id[20];
	struct buf raw;
	int type, r = 2;

	for (type = PACK_COMMIT; type <= PACK_TAG; type++)
		if (strcmp(argv[2], types[type]) == 0)
			break;
	if (type > PACK_TAG || strlen(argv[1]) != 40 || hex_decode(argv[1], id, sizeof(id)) < 0)
		return usage();
	buf_init(&raw, 64u << 20);
	if (pack_set_open(&ps, argv[0]) == 0) {
		r = pack_set_read(ps, id, (enum pack_type)type, &raw) == 0 ? 0 : 1;
		if (r == 0 && fwrite(raw.data, 1, raw.len, stdout) != raw.len)
			r = 2;
	}
	if (r == 1)
		fprintf(stderr, "source-tool: %s %s not read from the packs\n", argv[2], argv[1]);
	pack_set_free(ps);
	buf_release(&raw);
	return r;
}

int main(int argc, char **argv)
{
	if (argc < 2)
		return usage();
	if (strcmp(argv[1], "fetch") == 0 && argc >= 5)
		return cmd_fetch(argc - 2, argv + 2);
	if (strcmp(argv[1], "cat") == 0 && argc == 6)
		return cmd_cat(argc - 2, argv + 2, 0);
	if (strcmp(argv[1], "cat-tag") == 0 && argc == 6)
		return cmd_cat(argc - 2, argv + 2, 1);
	if (strcmp(argv[1], "parse") == 0 && argc == 6)
		return cmd_parse(argv + 2);
	if (strcmp(argv[1], "resolve") == 0 && argc == 5)
		return cmd_resolve(argv + 2);
	if (strcmp(argv[1], "tree") == 0 && argc == 5)
		return cmd_tree(argv + 2);
	if (strcmp(argv[1], "tree-read") == 0 && argc == 6)
		return cmd_tree_read(argv + 2);
	if (strcmp(argv[1], "pack") == 0 && argc == 5)
		return cmd_pack(argv + 2);
	return usage();
}

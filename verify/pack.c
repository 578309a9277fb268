/* Objects read straight from a cache's packs: see pack.h. */
#include "verify/pack.h"

#include <dirent.h>
#include <fcntl.h>
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>
#define ZLIB_CONST
#include <zlib.h>

#include "verify/object.h"

#define ID_LEN 20
#define IDX_HEADER 8 /* "\377tOc", version 2 */
#define IDX_FANOUT (256 * 4)
#define PACK_HEADER 12 /* "PACK", version, object count */
#define TRAILER ID_LEN /* the checksum that ends a pack and an index */
#define OFS_DELTA 6
#define REF_DELTA 7

struct pack {
	const uint8_t *idx, *data;
	size_t idx_len, data_len;
	int mapped; /* unmap on free */
	uint32_t count;
	const uint8_t *ids, *offsets, *offsets64; /* the index's tables */
	uint32_t count64;
};

struct entry;

struct pack_set {
	struct pack *packs;
	size_t count;
	z_stream z;
	int z_ready;
	struct entry *chain;            /* PACK_MAX_DELTA_DEPTH + 1 entries */
	struct buf result, next, delta; /* kept between reads */
};

static uint32_t be32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

/* The headers, the index's tables against its length, the pack's trailer. 0 or -1. */
static int pack_parse(struct pack *p)
{
	static const uint8_t idx_magic[IDX_HEADER] = {0xff, 't', 'O', 'c', 0, 0, 0, 2};
	const uint8_t *fanout = p->idx + IDX_HEADER;
	size_t fixed, rest;
	uint32_t v, prev = 0;
	int i;

	if (p->idx_len < IDX_HEADER + IDX_FANOUT + 2 * TRAILER ||
	    memcmp(p->idx, idx_magic, IDX_HEADER) != 0)
		return -1;
	for (i = 0; i < 256; i++) {
		if ((v = be32(fanout + 4 * i)) < prev)
			return -1;
		prev = v;
	}
	p->count = prev;
	/* ids, CRCs and 32-bit offsets: 28 bytes an object, then the 64-bit offsets */
	fixed = IDX_HEADER + IDX_FANOUT + 2 * TRAILER;
	rest = p->idx_len - fixed;
	if (p->count > rest / 28 || (rest - (size_t)p->count * 28) % 8 != 0)
		return -1;
	p->ids = fanout + IDX_FANOUT;
	p->offsets = p->ids + (size_t)p->count * (ID_LEN + 4);
	p->offsets64 = p->offsets + (size_t)p->count * 4;
	p->count64 = (uint32_t)((rest - (size_t)p->count * 28) / 8);
	/* the pack's own trailer must be the checksum its index names, as libgit2 requires */
	if (p->data_len < PACK_HEADER + TRAILER || memcmp(p->data, "PACK", 4) != 0 ||
	    (be32(p->data + 4) != 2 && be32(p->data + 4) != 3) || be32(p->data + 8) != p->count ||
	    memcmp(p->data + p->data_len - TRAILER, p->idx + p->idx_len - 2 * TRAILER, TRAILER) !=
	        0)
		return -1;
	return 0;
}

/* The offset of object id in p, or 0 when p does not hold it (0 is never an entry's). */
static uint64_t pack_find(const struct pack *p, const uint8_t id[ID_LEN])
{
	const uint8_t *fanout = p->idx + IDX_HEADER;
	uint32_t lo = id[0] == 0 ? 0 : be32(fanout + 4 * (id[0] - 1)),
	         hi = be32(fanout + 4 * id[0]);
	uint64_t off;

	while (lo < hi) {
		uint32_t mid = lo + (hi - lo) / 2;
		int c = memcmp(p->ids + (size_t)mid * ID_LEN, id, ID_LEN);

		if (c == 0) {
			off = be32(p->offsets + (size_t)mid * 4);
			if (off & 0x80000000u) {
				uint32_t i = (uint32_t)off & 0x7fffffffu;

				if (i >= p->count64)
					return 0;
				off = (uint64_t)be32(p->offsets64 + (size_t)i * 8) << 32 |
				      be32(p->offsets64 + (size_t)i * 8 + 4);
			}
			return off >= PACK_HEADER && off < p->data_len - TRAILER ? off : 0;
		}
		if (c < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return 0;
}

/* An entry's header: where its deflated data starts and, for a delta, its base entry. */
struct entry {
	int type;
	uint64_t size; /* of the inflated data */
	uint64_t data;
	uint64_t base;
};

static int entry_parse(const struct pack *p, uint64_t at, struct entry *e)
{
	uint64_t end = p->data_len - TRAILER, off = at;
	unsigned shift = 4;
	uint8_t c;

	if (off >= end)
		return -1;
	c = p->data[off++];
	e->type = (c >> 4) & 7;
	e->size = c & 15;
	while (c & 0x80) {
		if (off >= end || shift > 57)
			return -1;
		c = p->data[off++];
		e->size |= (uint64_t)(c & 0x7f) << shift;
		shift += 7;
	}
	if (e->type == OFS_DELTA) {
		uint64_t rel;
		int n = 0;

		/* the base's distance back from this entry; each continuation adds one */
		if (off >= end)
			return -1;
		c = p->data[off++];
		rel = c & 0x7f;
		while (c & 0x80) {
			if (off >= end || ++n > 8)
				return -1;
			c = p->data[off++];
			rel = ((rel + 1) << 7) | (c & 0x7f);
		}
		if (rel == 0 || rel > at - PACK_HEADER)
			return -1;
		e->base = at - rel;
	} else if (e->type == REF_DELTA) {
		if (ID_LEN > end - off || (e->base = pack_find(p, p->data + off)) == 0)
			return -1;
		off += ID_LEN;
	} else if (e->type < PACK_COMMIT || e->type > PACK_TAG) {
		return -1;
	}
	e->data = off;
	return 0;
}

/* Inflates the entry's data, exactly e->size bytes, into out (reset first). 0 or -1. */
static int inflate_entry(struct pack_set *ps, const struct pack *p, const struct entry *e,
                         struct buf *out)
{
	uint64_t avail = p->data_len - TRAILER - e->data;
	uint8_t chunk[16384];
	int zr = Z_OK;

	buf_reset(out);
	if (e->size > out->max)
		return -1;
	if (!ps->z_ready) {
		memset(&ps->z, 0, sizeof(ps->z));
		if (inflateInit(&ps->z) != Z_OK)
			return -1;
		ps->z_ready = 1;
	} else if (inflateReset(&ps->z) != Z_OK) {
		return -1;
	}
	ps->z.next_in = p->data + e->data;
	ps->z.avail_in = avail > UINT_MAX ? UINT_MAX : (uInt)avail;
	while (zr != Z_STREAM_END) {
		size_t n;

		ps->z.next_out = chunk;
		ps->z.avail_out = sizeof(chunk);
		/* Z_BUF_ERROR: the pack ends inside the stream */
		if ((zr = inflate(&ps->z, Z_NO_FLUSH)) != Z_OK && zr != Z_STREAM_END)
			return -1;
		n = sizeof(chunk) - ps->z.avail_out;
		if (n > e->size - out->len || buf_append(out, chunk, n) < 0)
			return -1;
	}
	return out->len == e->size ? 0 : -1;
}

/* A delta's size header: little-endian, 7 bits a byte. 0 or -1. */
static int delta_size(const uint8_t **d, const uint8_t *end, uint64_t *out)
{
	unsigned shift = 0;
	uint8_t c;

	*out = 0;
	do {
		if (*d == end || shift > 63)
			return -1;
		c = *(*d)++;
		*out |= (uint64_t)(c & 0x7f) << shift;
		shift += 7;
	} while (c & 0x80);
	return 0;
}

/* git's delta format (patch-delta.c) applied to base, into out (reset first). 0 or -1. */
static int delta_apply(const struct buf *base, const struct buf *delta, struct buf *out)
{
	const uint8_t *d = delta->data, *end = delta->data + delta->len;
	uint64_t base_len, want;

	buf_reset(out);
	if (delta_size(&d, end, &base_len) < 0 || base_len != base->len ||
	    delta_size(&d, end, &want) < 0 || want > out->max)
		return -1;
	while (d != end) {
		uint8_t op = *d++;
		uint64_t off = 0, n = 0;
		const uint8_t *from;
		int i;

		if (op & 0x80) { /* copy from the base: which bytes of offset and size follow */
			for (i = 0; i < 7; i++) {
				if (!(op & (1u << i)))
					continue;
				if (d == end)
					return -1;
				if (i < 4)
					off |= (uint64_t)*d++ << (8 * i);
				else
					n |= (uint64_t)*d++ << (8 * (i - 4));
			}
			if (n == 0)
				n = 0x10000;
			if (off > base->len || n > base->len - off)
				return -1;
			from = base->data + off;
		} else if (op != 0) { /* insert the next op bytes */
			n = op;
			if (n > (size_t)(end - d))
				return -1;
			from = d;
			d += n;
		} else {
			return -1;
		}
		if (n > want - out->len || buf_append(out, from, n) < 0)
			return -1;
	}
	return out->len == want ? 0 : -1;
}

static const char *const type_names[] = {
    [PACK_COMMIT] = "commit", [PACK_TREE] = "tree", [PACK_BLOB] = "blob", [PACK_TAG] = "tag"};

/*
 * The object at entry `at` of p, deltas applied, into ps->result. The chain
 * is followed down to its base first, then rebuilt upwards. 0 or -1.
 */
static int pack_resolve(struct pack_set *ps, const struct pack *p, uint64_t at, int *type)
{
	struct entry *chain = ps->chain;
	struct buf *result = &ps->result, *next = &ps->next;
	size_t depth = 0;

	for (;;) {
		if (entry_parse(p, at, &chain[depth]) < 0)
			return -1;
		if (chain[depth].type != OFS_DELTA && chain[depth].type != REF_DELTA)
			break;
		if (depth == PACK_MAX_DELTA_DEPTH)
			return -1;
		at = chain[depth++].base;
	}
	*type = chain[depth].type;
	if (inflate_entry(ps, p, &chain[depth], result) < 0)
		return -1;
	while (depth-- > 0) {
		struct buf *t;

		if (inflate_entry(ps, p, &chain[depth], &ps->delta) < 0 ||
		    delta_apply(result, &ps->delta, next) < 0)
			return -1;
		t = result;
		result = next;
		next = t;
	}
	if (result != &ps->result) { /* an odd chain: the object ended in the other buffer */
		struct buf t = ps->result;

		ps->result = ps->next;
		ps->next = t;
	}
	return 0;
}

int pack_set_read(struct pack_set *ps, const uint8_t id[20], enum pack_type type, struct buf *out)
{
	size_t i;
	int got;

	if (type < PACK_COMMIT || type > PACK_TAG)
		return -1;
	for (i = 0; i < ps->count; i++) {
		uint64_t at = pack_find(&ps->packs[i], id);

		if (at == 0)
			continue;
		ps->result.max = ps->next.max = ps->delta.max = out->max;
		if (pack_resolve(ps, &ps->packs[i], at, &got) < 0 || got != (int)type)
			return -1;
		if (!object_sha1_is(type_names[type], ps->result.data, ps->result.len, id) ||
		    buf_append(out, ps->result.data, ps->result.len) < 0)
			return -1;
		return 0;
	}
	return -1;
}

static struct pack_set *set_new(void)
{
	struct pack_set *ps = calloc(1, sizeof(*ps));

	if (ps == NULL)
		return NULL;
	if ((ps->chain = calloc(PACK_MAX_DELTA_DEPTH + 1, sizeof(*ps->chain))) == NULL) {
		free(ps);
		return NULL;
	}
	buf_init(&ps->result, 0);
	buf_init(&ps->next, 0);
	buf_init(&ps->delta, 0);
	return ps;
}

static int set_add(struct pack_set *ps, const struct pack *p)
{
	struct pack *packs = realloc(ps->packs, (ps->count + 1) * sizeof(*packs));

	if (packs == NULL)
		return -1;
	ps->packs = packs;
	ps->packs[ps->count++] = *p;
	return 0;
}

int pack_set_from_memory(struct pack_set **out, const uint8_t *idx, size_t idx_len,
                         const uint8_t *pack, size_t pack_len)
{
	struct pack p = {.idx = idx, .idx_len = idx_len, .data = pack, .data_len = pack_len};
	struct pack_set *ps;

	*out = NULL;
	if (pack_parse(&p) < 0 || (ps = set_new()) == NULL)
		return -1;
	if (set_add(ps, &p) < 0) {
		pack_set_free(ps);
		return -1;
	}
	*out = ps;
	return 0;
}

/* The file at dir/name, mapped read-only: 0, or -1 (not a regular, non-empty file). */
static int map_file(const char *dir, const char *name, const uint8_t **out, size_t *out_len)
{
	char path[4200];
	struct stat st;
	void *m;
	int fd;

	if ((size_t)snprintf(path, sizeof(path), "%s/%s", dir, name) >= sizeof(path) ||
	    (fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC)) < 0)
		return -1;
	m = MAP_FAILED;
	if (fstat(fd, &st) == 0 && S_ISREG(st.st_mode) && st.st_size > 0 &&
	    (uint64_t)st.st_size <= SIZE_MAX)
		m = mmap(NULL, (size_t)st.st_size, PROT_READ, MAP_PRIVATE, fd, 0);
	close(fd);
	if (m == MAP_FAILED)
		return -1;
	*out = m;
	*out_len = (size_t)st.st_size;
	return 0;
}

/* Adds the pack whose index is dir/name (pack-<id>.idx) when both files map and parse. */
static void add_pack(struct pack_set *ps, const char *dir, const char *name)
{
	size_t n = strlen(name);
	struct pack p = {.mapped = 1};
	char data_name[300];

	if (n < 4 || n >= sizeof(data_name) || strcmp(name + n - 4, ".idx") != 0)
		return;
	snprintf(data_name, sizeof(data_name), "%.*s.pack", (int)(n - 4), name);
	if (map_file(dir, name, &p.idx, &p.idx_len) < 0)
		return;
	if (map_file(dir, data_name, &p.data, &p.data_len) == 0) {
		if (pack_parse(&p) == 0 && set_add(ps, &p) == 0)
			return;
		munmap((void *)p.data, p.data_len);
	}
	munmap((void *)p.idx, p.idx_len);
}

int pack_set_open(struct pack_set **out, const char *objects_dir)
{
	char dir[4200];
	struct pack_set *ps;
	struct dirent *e;
	DIR *d;

	*out = NULL;
	if ((ps = set_new()) == NULL)
		return -1;
	if ((size_t)snprintf(dir, sizeof(dir), "%s/pack", objects_dir) < sizeof(dir) &&
	    (d = opendir(dir)) != NULL) {
		while ((e = readdir(d)) != NULL)
			add_pack(ps, dir, e->d_name);
		closedir(d);
	}
	*out = ps;
	return 0;
}

void pack_set_free(struct pack_set *ps)
{
	size_t i;

	if (ps == NULL)
		return;
	for (i = 0; i < ps->count; i++)
		if (ps->packs[i].mapped) {
			munmap((void *)ps->packs[i].idx, ps->packs[i].idx_len);
			munmap((void *)ps->packs[i].data, ps->packs[i].data_len);
		}
	if (ps->z_ready)
		inflateEnd(&ps->z);
	buf_release(&ps->result);
	buf_release(&ps->next);
	buf_release(&ps->delta);
	free(ps->chain);
	free(ps->packs);
	free(ps);
}

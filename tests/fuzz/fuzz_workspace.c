/*
 * Finding mainline's own container and the workspace's mount: the inspect
 * answer of the engine (for the mounts, the socket's host path, the networks
 * and for the container itself),
 * /proc/self/mountinfo and /proc/self/cgroup texts. The first byte selects
 * the reader.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "common/error.h"
#include "common/path.h"
#include "plugin/self.h"
#include "plugin/workspace.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char bind[64], dest[64], why[128], id[65], host[256];
	char names[SELF_NETWORKS_MAX][SELF_NETWORK_NAME_MAX];
	struct self_container self;
	char *text;
	int r, n;

	if (size < 1)
		return 0;
	ml_error_clear();
	switch (data[0] % 6) {
	case 0:
		r = workspace_mount_from_inspect((const char *)data + 1, size - 1, "/drone/src",
		                                 bind, sizeof(bind), dest, sizeof(dest), why,
		                                 sizeof(why));
		/* a shared mount holds the workspace and is named in the bind */
		if (r == 0 && (!path_overlaps(dest, "/drone/src") || strstr(bind, dest) == NULL))
			__builtin_trap();
		break;
	case 3:
		memset(&self, 0, sizeof(self));
		r = self_from_inspect((const char *)data + 1, size - 1,
		                      (data[0] & 4) ? "host" : NULL, &self);
		/* what is taken is a full id and a start time fit for a label */
		if (r == 0 && (strspn(self.id, "0123456789abcdef") != 64 ||
		               strchr(self.started_at, ' ') != NULL))
			__builtin_trap();
		break;
	case 1:
	case 2:
		if ((text = malloc(size)) == NULL)
			return 0;
		memcpy(text, data + 1, size - 1);
		text[size - 1] = '\0';
		r = data[0] % 6 == 1 ? self_id_from_mountinfo(text, id)
		                     : self_id_from_cgroup(text, id);
		if (r == 0 && strspn(id, "0123456789abcdef") != 64)
			__builtin_trap();
		free(text);
		break;
	case 4:
		/* the socket's host path comes from a bind of an absolute host path */
		r = self_host_path((const char *)data + 1, size - 1, "/run/alt.sock", host,
		                   sizeof(host), why, sizeof(why));
		if (r == 0 && host[0] != '/')
			__builtin_trap();
		break;
	case 5:
		r = self_networks((const char *)data + 1, size - 1, names, SELF_NETWORKS_MAX, &n);
		if (n < 0 || n > SELF_NETWORKS_MAX || (r != 0 && n != 0))
			__builtin_trap();
		for (int i = 0; i < n; i++)
			if (names[i][0] == '\0' || strcmp(names[i], "host") == 0)
				__builtin_trap();
		break;
	}
	return 0;
}

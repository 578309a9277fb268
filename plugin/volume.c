#include "plugin/volume.h"

#include <ctype.h>
#include <string.h>

#include "common/error.h"
#include "common/path.h"

#define VOLUME_NAME_MAX 255

int volume_parse(const char *item, char dest[VOLUME_DEST_MAX])
{
	const char *colon = strchr(item, ':');
	const char *opt;
	size_t n, dn, i;

	if (colon == NULL)
		return ml_fail(ML_CONFIG, "invalid volume '%s': expected name:/path", item);
	n = (size_t)(colon - item);
	if (n == 0 || item[0] == '/' || item[0] == '.' || item[0] == '~' ||
	    memchr(item, '/', n) != NULL)
		return ml_fail(ML_CONFIG,
		               "volume '%s' names a host path: only engine volumes "
		               "(name:/path) may be mounted",
		               item);
	if (n > VOLUME_NAME_MAX || !isalnum((unsigned char)item[0]))
		goto bad_name;
	for (i = 0; i < n; i++)
		if (!isalnum((unsigned char)item[i]) && item[i] != '_' && item[i] != '.' &&
		    item[i] != '-')
			goto bad_name;
	opt = strchr(colon + 1, ':');
	dn = opt != NULL ? (size_t)(opt - colon - 1) : strlen(colon + 1);
	if (opt != NULL && strcmp(opt, ":ro") != 0 && strcmp(opt, ":rw") != 0)
		return ml_fail(ML_CONFIG, "volume '%s': unknown option '%s' (want ro or rw)", item,
		               opt + 1);
	if (dn >= VOLUME_DEST_MAX)
		return ml_fail(ML_CONFIG, "volume '%s': destination is too long", item);
	memcpy(dest, colon + 1, dn);
	dest[dn] = '\0';
	if (!path_is_clean_absolute(dest) || strcmp(dest, "/") == 0)
		return ml_fail(ML_CONFIG,
		               "volume '%s': destination '%s' is not a clean absolute path", item,
		               dest);
	return 0;
bad_name:
	return ml_fail(
	    ML_CONFIG,
	    "invalid volume name in '%s': want [A-Za-z0-9][A-Za-z0-9_.-]* before the ':'", item);
}

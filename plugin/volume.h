/*
 * The rule for an entry of the `volumes` setting: name:/path[:ro|:rw], a
 * named engine volume ([A-Za-z0-9][A-Za-z0-9_.-]*, never a host path) at a
 * clean absolute destination other than "/". Where the destination may lie
 * (apart from the workdir, the workspace and the docker socket) depends on
 * other settings and is workspace.c's check. See docs/workspace.md.
 */
#ifndef MAINLINE_VOLUME_H
#define MAINLINE_VOLUME_H

#define VOLUME_DEST_MAX 4096

/*
 * Checks item against the rule and copies its destination path into dest.
 * 0, or ML_CONFIG with a message naming the entry and what is wrong.
 */
int volume_parse(const char *item, char dest[VOLUME_DEST_MAX]);

#endif

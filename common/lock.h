/*
 * An exclusive lock file held briefly around a read-modify-write (the rollback
 * state's save, the webhook spool): flock(2), so the kernel releases it when
 * the holder dies, however it dies.
 */
#ifndef MAINLINE_LOCK_H
#define MAINLINE_LOCK_H

/*
 * Opens path (created 0600, never through a symlink) and waits for an
 * exclusive flock on it. Returns the descriptor (close it to unlock), or -1
 * with ML_IO recorded: "cannot open <what> lock '<path>'" or "cannot lock
 * <what> '<path>'".
 */
int lock_exclusive(const char *path, const char *what);

#endif

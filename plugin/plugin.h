/* Plugin mode: configure, gate, fetch, verify, execute, audit — one Drone step. */
#ifndef MAINLINE_PLUGIN_H
#define MAINLINE_PLUGIN_H

/*
 * Runs one plugin step from the environment envp. Returns the process exit
 * code: 0 success, the pipeline's own code when it failed, 1 refused (78 with
 * on_refuse: skip), 2 configuration, I/O or engine error.
 */
int plugin_main(char **envp);

#endif

/*
 * Plugin mode, one Drone step, in five phases (plugin.c): configure (the
 * settings under the policy ceiling), gate (may this build run pipeline
 * code at all), fetch+verify (the trusted source), run (the verified
 * pipeline), audit (one record to every sink, whatever the outcome).
 */
#ifndef MAINLINE_PLUGIN_H
#define MAINLINE_PLUGIN_H

/*
 * Runs one plugin step from the environment envp. Returns the process exit
 * code: 0 success, the pipeline's own code when it failed, 1 refused (78 with
 * on_refuse: skip), 2 configuration, I/O or engine error.
 */
int plugin_main(char **envp);

#endif

/* `mainline verify`: the gate-free fetch + verify path for laptops and dry runs. */
#ifndef MAINLINE_VERIFY_CMD_H
#define MAINLINE_VERIFY_CMD_H

/* Returns the process exit code: 0 allowed, 1 refused, 2 usage/configuration/I/O. */
int verify_cmd_main(int argc, char **argv);

#endif

/* The version mainline reports (--version, the audit record, user agents). */
#ifndef MAINLINE_VERSION_H
#define MAINLINE_VERSION_H
#define MAINLINE_VERSION "0.1.0"
#endif

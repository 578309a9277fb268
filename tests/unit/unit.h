/* Everything a cmocka unit test needs, in the order cmocka requires. */
#ifndef MAINLINE_UNIT_H
#define MAINLINE_UNIT_H
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#endif

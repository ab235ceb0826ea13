/* cli.h - shared by the cssl subcommands. */
#ifndef CSSL_CLI_H
#define CSSL_CLI_H

#include "cssl.h"

#define CLI_OK 0
#define CLI_FAIL 1  /* TLS or I/O failure */
#define CLI_USAGE 2 /* bad command line */

/* Print "cssl <cmd>: <library error message>" to stderr; returns CLI_FAIL. */
int cli_error(const char *cmd);

int cli_demo(int argc, char **argv);

#endif

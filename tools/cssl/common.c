/* common.c - helpers shared by the subcommands. */
#include <stdio.h>

#include "cli.h"

int cli_error(const char *cmd)
{
    fprintf(stderr, "cssl %s: %s\n", cmd, cssl_error_message());
    return CLI_FAIL;
}

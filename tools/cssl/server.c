/* server.c - STUB: `cssl server`, being written. */
#include <stdio.h>

#include "cli.h"

int cli_server(int argc, char **argv)
{
    fprintf(stderr, "cssl server: not implemented yet\n");
    return CLI_USAGE;
}

/* client.c - STUB: `cssl client`, being written. */
#include <stdio.h>

#include "cli.h"

int cli_client(int argc, char **argv)
{
    fprintf(stderr, "cssl client: not implemented yet\n");
    return CLI_USAGE;
}

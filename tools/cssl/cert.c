/* cert.c - STUB: `cssl cert`, being written. */
#include <stdio.h>

#include "cli.h"

int cli_cert(int argc, char **argv)
{
    fprintf(stderr, "cssl cert: not implemented yet\n");
    return CLI_USAGE;
}

/* mkcert.c - STUB: `cssl mkcert`, being written. */
#include <stdio.h>

#include "cli.h"

int cli_mkcert(int argc, char **argv)
{
    fprintf(stderr, "cssl mkcert: not implemented yet\n");
    return CLI_USAGE;
}

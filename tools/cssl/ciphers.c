/* ciphers.c - STUB: `cssl ciphers`, being written. */
#include <stdio.h>

#include "cli.h"

int cli_ciphers(int argc, char **argv)
{
    fprintf(stderr, "cssl ciphers: not implemented yet\n");
    return CLI_USAGE;
}

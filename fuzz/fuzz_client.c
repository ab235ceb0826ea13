/*
 * fuzz_client.c - a cssl client fed arbitrary bytes as the server's flight
 * (fuzz_conn.c has the body; seeds are recorded server flights).
 */
#include "fuzz.h"
#include "fuzz_conn.h"

FUZZ_TARGET(client)
{
    fuzz_conn_run(data, size, false);
    return 0;
}

/*
 * fuzz_server.c - a cssl server fed arbitrary bytes as the client's flight
 * (fuzz_conn.c has the body; seeds are recorded client flights).
 */
#include "fuzz.h"
#include "fuzz_conn.h"

FUZZ_TARGET(server)
{
    fuzz_conn_run(data, size, true);
    return 0;
}

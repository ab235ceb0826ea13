/* report.h - what `cssl demo` prints, as text or JSON. */
#ifndef CSSL_CLI_REPORT_H
#define CSSL_CLI_REPORT_H

#include <stdio.h>

#include "cssl.h"
#include "json.h"

typedef struct report {
    bool as_json;
    char *buf; /* JSON is collected and printed only once complete */
    size_t len;
    FILE *out;
    json j;
} report;

void report_init(report *r, bool as_json);
void report_setup(report *r, int port, const char *keylog);
void report_connection(report *r, int round, cssl_conn *conn, const char *sent,
                       const char *received);
void report_finish(report *r, const bool *server_reused, int n, const char *keylog);
void report_free(report *r);

#endif

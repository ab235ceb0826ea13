/*
 * fuzz_cert_time.c - ssl.cert_time_to_seconds (cssl_cert_time_to_seconds),
 * Python's month lookup plus strptime over arbitrary text. Every answer is
 * seconds or CSSL_EVALUE with a bounded, valid UTF-8 message (checked by
 * FUZZ_RC); seconds are only written on success; and a time parsed once,
 * printed back in the canonical form "May  9 00:00:00 2007 GMT", parses to
 * the same seconds.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "fuzz.h"

static void check_canonical(int64_t seconds)
{
    static const char months[12][4] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                       "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
    time_t t = (time_t)seconds;
    struct tm tm;
    FUZZ_CHECK(gmtime_r(&t, &tm) != NULL);
    int year = tm.tm_year + 1900;
    /* %Y takes four digits: years 1-9999 (days and :60 may roll past). */
    if (year < 1 || year > 9999)
        return;
    char text[64];
    snprintf(text, sizeof text, "%s %2d %02d:%02d:%02d %04d GMT", months[tm.tm_mon], tm.tm_mday,
             tm.tm_hour, tm.tm_min, tm.tm_sec, year);
    int64_t again = -1;
    FUZZ_CHECK(FUZZ_RC(cssl_cert_time_to_seconds(text, &again)) == CSSL_OK);
    if (again != seconds)
        fuzz_fail(__FILE__, __LINE__, "\"%s\" is %lld, printed from %lld", text,
                  (long long)again, (long long)seconds);
}

FUZZ_TARGET(cert_time)
{
    char *text = fuzz_cstring(data, size);
    fuzz_messages_utf8 = fuzz_utf8_valid(text, strlen(text));
    int64_t seconds = INT64_MIN;
    int rc = (int)FUZZ_RC(cssl_cert_time_to_seconds(text, &seconds));
    if (rc == CSSL_OK) {
        check_canonical(seconds);
    } else {
        FUZZ_CHECK(rc == CSSL_EVALUE);
        FUZZ_CHECK(seconds == INT64_MIN);
    }
    free(text);
    return 0;
}

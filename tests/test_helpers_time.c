/*
 * test_helpers_time.c - cssl_cert_time_to_seconds against fixed values and
 * against Python's ssl.cert_time_to_seconds over a large table; the
 * Unicode model behind it (repr, whitespace, digits) against Python's.
 */
#include "harness.h"
#include "helpers_oracle.h"
#include "internal.h"

static const char *const month_names[12] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                            "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};

/* ---- fixed values -------------------------------------------------------- */

static int64_t secs(const char *s)
{
    int64_t v = -12345;
    int r = cssl_cert_time_to_seconds(s, &v);
    if (r != CSSL_OK)
        harness_fail(__FILE__, __LINE__, "\"%s\": %d %s", s, r, cssl_error_message());
    return v;
}

TEST(known_values)
{
    /* Python's documentation and test_ssl examples. */
    CHECK_INT(secs("May  9 00:00:00 2007 GMT"), 1178668800);
    CHECK_INT(secs("Jan  5 09:34:43 2018 GMT"), 1515144883);
}

TEST(values)
{
    CHECK_INT(secs("Jan  1 00:00:00 1970 GMT"), 0);
    CHECK_INT(secs("Dec 31 23:59:59 1969 GMT"), -1);
    CHECK_INT(secs("Jan 19 03:14:07 2038 GMT"), 2147483647);
    CHECK_INT(secs("Jan 19 03:14:08 2038 GMT"), 2147483648LL);
    CHECK_INT(secs("Jan  1 00:00:00 0001 GMT"), -62135596800LL);
    CHECK_INT(secs("Dec 31 23:59:59 9999 GMT"), 253402300799LL);
    CHECK_INT(secs("Feb 29 00:00:00 2000 GMT"), 951782400);
    /* Python's timegm: days past the end of the month roll over. */
    CHECK_INT(secs("Feb 29 00:00:00 1900 GMT"), secs("Mar  1 00:00:00 1900 GMT"));
    CHECK_INT(secs("Feb 30 00:00:00 2001 GMT"), secs("Mar  2 00:00:00 2001 GMT"));
    CHECK_INT(secs("Apr 31 00:00:00 2001 GMT"), secs("May  1 00:00:00 2001 GMT"));
    /* and so do :60 and :61. */
    CHECK_INT(secs("Dec 31 23:59:60 1999 GMT"), secs("Jan  1 00:00:00 2000 GMT"));
    CHECK_INT(secs("Dec 31 23:59:61 1999 GMT"), secs("Jan  1 00:00:01 2000 GMT"));
    /* Case-insensitive month and zone, 1- and 2-digit days, any whitespace. */
    CHECK_INT(secs("mAY 09 00:00:00 2007 gmt"), 1178668800);
    CHECK_INT(secs("MAY\t9\t00:00:00\t2007\tGMT"), 1178668800);
    CHECK_INT(secs("May 9 0:0:0 2007 GMT"), 1178668800);
    /* Unicode digits and whitespace, as Python's str regex sees them. */
    CHECK_INT(secs("May\xc2\xa0" "9 00:00:00 \xd9\xa2\xd9\xa0\xd9\xa0\xd9\xa7 GMT"), 1178668800);
    /* "ſep".title() == "Sep" */
    CHECK_INT(secs("\xc5\xbf" "ep  1 00:00:00 2000 GMT"), secs("Sep  1 00:00:00 2000 GMT"));
}

TEST(errors)
{
    int64_t v = 42;
    CHECK_ERR(cssl_cert_time_to_seconds("Foo  5 09:34:43 2018 GMT", &v), CSSL_EVALUE,
              "time data 'Foo  5 09:34:43 2018 GMT' does not match format "
              "\"%b %d %H:%M:%S %Y GMT\"");
    CHECK_ERR(cssl_cert_time_to_seconds("Jan  5 09:34:43 2018 UTC", &v), CSSL_EVALUE,
              "time data '  5 09:34:43 2018 UTC' does not match format "
              "' %d %H:%M:%S %Y GMT'");
    CHECK_ERR(cssl_cert_time_to_seconds("Jan  5 09:34:43 2018 GMT ", &v), CSSL_EVALUE,
              "unconverted data remains:  ");
    CHECK_ERR(cssl_cert_time_to_seconds("Jan  5 09:34:43 0000 GMT", &v), CSSL_EVALUE,
              "year 0 is out of range");
    CHECK_ERR(cssl_cert_time_to_seconds("", &v), CSSL_EVALUE,
              "time data '' does not match format \"%b %d %H:%M:%S %Y GMT\"");
    CHECK_ERR(cssl_cert_time_to_seconds("it's", &v), CSSL_EVALUE,
              "time data \"it's\" does not match format \"%b %d %H:%M:%S %Y GMT\"");
    CHECK_ERR(cssl_cert_time_to_seconds("Jan 32 00:00:00 2000 GMT", &v), CSSL_EVALUE,
              "time data ' 32 00:00:00 2000 GMT' does not match format "
              "' %d %H:%M:%S %Y GMT'");
    CHECK_ERR(cssl_cert_time_to_seconds("Jan 1 00:00:62 2000 GMT", &v), CSSL_EVALUE,
              "time data ' 1 00:00:62 2000 GMT' does not match format "
              "' %d %H:%M:%S %Y GMT'");
    CHECK_INT(v, 42); /* untouched on failure */
    CHECK_ERR(cssl_cert_time_to_seconds(NULL, &v), CSSL_EVALUE, "cert_time must not be NULL");
    CHECK_ERR(cssl_cert_time_to_seconds("Jan  1 00:00:00 1970 GMT", NULL), CSSL_EVALUE,
              "seconds must not be NULL");
}

TEST(long_input_message_is_cut_at_a_character)
{
    char in[2000];
    /* 'é' * 600: Python's message is 1200+ bytes; ours stops whole. */
    for (int i = 0; i < 600; i++)
        memcpy(in + 2 * i, "\xc3\xa9", 2);
    in[1200] = '\0';
    int64_t v;
    CHECK_INT(cssl_cert_time_to_seconds(in, &v), CSSL_EVALUE);
    const char *m = cssl_error_message();
    CHECK_STR_STARTS(m, "time data '\xc3\xa9\xc3\xa9");
    CHECK(strlen(m) <= MSG_MAX && strlen(m) >= MSG_MAX - 1);
    CHECK(strlen(m) % 2 == 1); /* "time data '" is 11 bytes, then whole 2-byte chars */
}

/* ---- differential --------------------------------------------------------- */

static const char time_oracle[] =
    "for s in data:\n"
    "    try:\n"
    "        print('OK', ssl.cert_time_to_seconds(s))\n"
    "    except ValueError as e:\n"
    "        print('ERR', hx(str(e)))\n";

static void compare_with_python(const input_list *l)
{
    char **lines = oracle_run(time_oracle, l);
    for (size_t i = 0; i < l->count; i++) {
        const char *in = l->items[i];
        int64_t v = 0;
        cssl_error_clear();
        int r = cssl_cert_time_to_seconds(in, &v);
        if (strncmp(lines[i], "OK ", 3) == 0) {
            long long want = strtoll(lines[i] + 3, NULL, 10);
            if (r != CSSL_OK || v != want)
                harness_fail(__FILE__, __LINE__, "\"%s\": python %lld, cssl %d/%lld (%s)",
                             show(in, l->lens[i]), want, r, (long long)v,
                             cssl_error_message());
        } else {
            REQUIRE(strncmp(lines[i], "ERR ", 4) == 0);
            if (r != CSSL_EVALUE || cssl_error_status() != CSSL_EVALUE)
                harness_fail(__FILE__, __LINE__, "\"%s\": python raised, cssl %d (%lld)",
                             show(in, l->lens[i]), r, (long long)v);
            else
                check_message(in, l->lens[i], cssl_error_message(), lines[i] + 4);
        }
    }
    lines_free(lines);
}

/* Hand-picked inputs: every rule of the format and of Python's str. */
static const char *const special_inputs[] = {
    "May  9 00:00:00 2007 GMT", "May 09 00:00:00 2007 GMT", "May 9 00:00:00 2007 GMT",
    "Jan  5 09:34:43 2018 GMT", "Jan  5 09:34 2018 GMT", "Jan  1 00:00:00 1970 GMT",
    /* leap days, day overflow, leap seconds */
    "Feb 29 12:00:00 2000 GMT", "Feb 29 12:00:00 1900 GMT", "Feb 29 12:00:00 2100 GMT",
    "Feb 29 12:00:00 2024 GMT", "Feb 29 12:00:00 2023 GMT", "Feb 30 00:00:00 2000 GMT",
    "Feb 31 00:00:00 2001 GMT", "Apr 31 00:00:00 2001 GMT", "Jun 31 00:00:00 2001 GMT",
    "Sep 31 00:00:00 2001 GMT", "Nov 31 00:00:00 2001 GMT", "Dec 31 23:59:60 1999 GMT",
    "Dec 31 23:59:61 1999 GMT", "Dec 31 23:59:62 1999 GMT", "Jun 30 23:59:60 2015 GMT",
    "Jan  1 00:00:60 2000 GMT", "Jan  1 00:00:6 2000 GMT", "Jan  1 00:00:06 2000 GMT",
    /* days */
    "Jan 0 00:00:00 2000 GMT", "Jan 00 00:00:00 2000 GMT", "Jan 32 00:00:00 2000 GMT",
    "Jan 39 00:00:00 2000 GMT", "Jan 40 00:00:00 2000 GMT", "Jan 001 00:00:00 2000 GMT",
    "Jan +1 00:00:00 2000 GMT", "Jan -1 00:00:00 2000 GMT", "Jan  0 00:00:00 2000 GMT",
    "Jan   1 00:00:00 2000 GMT", "Jan 1  00:00:00 2000 GMT", "Jan 10 00:00:00 2000 GMT",
    "Jan 19 00:00:00 2000 GMT", "Jan 20 00:00:00 2000 GMT", "Jan 29 00:00:00 2000 GMT",
    "Jan 30 00:00:00 2000 GMT", "Jan 31 00:00:00 2000 GMT", "Jan 3 1 00:00:00 2000 GMT",
    "Jan1 00:00:00 2000 GMT", "Jan 1a 00:00:00 2000 GMT", "Jan 1\t00:00:00 2000 GMT",
    /* hours, minutes, seconds */
    "Jan  1 24:00:00 2000 GMT", "Jan  1 23:00:00 2000 GMT", "Jan  1 19:00:00 2000 GMT",
    "Jan  1 20:00:00 2000 GMT", "Jan  1 29:00:00 2000 GMT", "Jan  1 9:00:00 2000 GMT",
    "Jan  1 09:60:00 2000 GMT", "Jan  1 09:59:00 2000 GMT", "Jan  1 09:5:00 2000 GMT",
    "Jan  1 1:2:3 2000 GMT", "Jan  1 001:00:00 2000 GMT", "Jan  1 00:000:00 2000 GMT",
    "Jan  1 00:00:000 2000 GMT", "Jan  1 00 :00:00 2000 GMT", "Jan  1 00: 00:00 2000 GMT",
    "Jan  1 00:00 :00 2000 GMT", "Jan  1 00.00.00 2000 GMT", "Jan  1 00:00:00.5 2000 GMT",
    "Jan  1 -1:00:00 2000 GMT", "Jan  1 00:00:00:00 2000 GMT",
    /* years */
    "Jan  1 00:00:00 0000 GMT", "Jan  1 00:00:00 0000 GMTx", "Jan  1 00:00:00 0001 GMT",
    "Jan  1 00:00:00 9999 GMT", "Dec 31 23:59:61 9999 GMT", "Jan  1 00:00:00 200 GMT",
    "Jan  1 00:00:00 20000 GMT", "Jan  1 00:00:00 1969 GMT", "Jan  1 00:00:00 2038 GMT",
    "Jan  1 00:00:00 2106 GMT", "Jan  1 00:00:00 -200 GMT", "Jan  1 00:00:00 +2000 GMT",
    /* zones */
    "Jan  1 00:00:00 2000 UTC", "Jan  1 00:00:00 2000 gmt", "Jan  1 00:00:00 2000 GmT",
    "Jan  1 00:00:00 2000 Z", "Jan  1 00:00:00 2000 GMT+1", "Jan  1 00:00:00 2000 EST",
    "Jan  1 00:00:00 2000", "Jan  1 00:00:00 2000 ", "Jan  1 00:00:00 2000 GM",
    "Jan  1 00:00:00 2000GMT", "Jan  1 00:00:00 2000 G M T", "Jan  1 00:00:00 2000 +0000",
    "Jan  1 00:00:00 2000 \xc5\x87MT", "Jan  1 00:00:00 2000 GM\xc5\xb4", /* U+0147, U+0174 */
    "Jan  1 00:00:00 2000 \xef\xbc\xa7MT", /* FULLWIDTH G */
    /* whitespace */
    "Jan\t1\t00:00:00\t2000\tGMT", "Jan\n1\n00:00:00\n2000\nGMT", "Jan\r\n1 00:00:00 2000 GMT",
    "Jan\v1\f00:00:00\v2000\fGMT", "Jan\x1c" "1\x1d" "00:00:00\x1e" "2000\x1fGMT",
    "Jan  1  00:00:00  2000  GMT", "Jan  1 00:00:00 2000 GMT\n", "Jan  1 00:00:00 2000 GMT ",
    "Jan  1 00:00:00 2000 GMT\t", " Jan  1 00:00:00 2000 GMT", "\tJan  1 00:00:00 2000 GMT",
    "Jan \x01 00:00:00 2000 GMT", "Jan\x0b\x0c 1 00:00:00 2000 GMT",
    "Jan\xc2\x85" "1 00:00:00 2000 GMT", "Jan\xc2\xa0" "1 00:00:00 2000 GMT",
    "Jan\xe1\x9a\x80" "1 00:00:00 2000 GMT", "Jan\xe2\x80\x80" "1\xe2\x80\x8a" "00:00:00 2000 GMT",
    "Jan\xe2\x80\xa8" "1 00:00:00\xe2\x80\xa9" "2000 GMT", "Jan\xe2\x80\xaf" "1 00:00:00 2000 GMT",
    "Jan\xe2\x81\x9f" "1 00:00:00 2000 GMT", "Jan\xe3\x80\x80" "1 00:00:00 2000 GMT",
    "Jan\xe2\x80\x8b" "1 00:00:00 2000 GMT", /* ZERO WIDTH SPACE is not whitespace */
    "Jan\xef\xbb\xbf" "1 00:00:00 2000 GMT", "Jan  1 00:00:00 2000 GMT\xc2\xa0",
    "Jan  1 00:00:00 2000 GMT\xe3\x80\x80x",
    /* trailing garbage */
    "Jan  1 00:00:00 2000 GMTx", "Jan  1 00:00:00 2000 GMT GMT", "Jan  1 00:00:00 2000 GMT'",
    "Jan  1 00:00:00 2000 GMT\"'", "Jan  1 00:00:00 2000 GMT\\", "Jan  1 00:00:00 2000 GMT\x1b[0m",
    "Jan  1 00:00:00 2000 GMT\x7f", "Jan  1 00:00:00 2000 GMT\xc3\xa9",
    "Jan  1 00:00:00 2000 GMT\xff", "Jan  1 00:00:00 2000 GMT\xf0\x9f\x98\x80",
    /* empty and short */
    "", "J", "Ja", "Jan", "Jan ", "Jan 1", "Jan  1 ", "Jan  1 00", "Jan  1 00:", "Jan  1 00:00",
    "Jan  1 00:00:00", "Jan  1 00:00:00 ", "Jan  1 00:00:00 2", "Jan  1 00:00:00 2000 G",
    " ", "   ", "\t", "\n", "123", "1 Jan 2000",
    /* month spellings */
    "January 1 00:00:00 2000 GMT", "Janu 1 00:00:00 2000 GMT", "Sept 1 00:00:00 2000 GMT",
    "Jun. 1 00:00:00 2000 GMT", "jun  1 00:00:00 2000 GMT", "JUN  1 00:00:00 2000 GMT",
    "jUN  1 00:00:00 2000 GMT", "Jum  1 00:00:00 2000 GMT", "Foo  5 09:34:43 2018 GMT",
    "\xc5\xbf" "ep  1 00:00:00 2000 GMT", "\xc5\xbf" "EP  1 00:00:00 2000 GMT",
    "\xc5\xbf" "ep", "S\xc4\xb1p  1 00:00:00 2000 GMT", "\xc4\xb1" "an  1 00:00:00 2000 GMT",
    "Oct\xe2\x84\xaa 1 00:00:00 2000 GMT", "J\xc3\xa4n 1 00:00:00 2000 GMT",
    "\xc3\x9f" "ep 1 00:00:00 2000 GMT", "\xef\xac\x80" "eb 1 00:00:00 2000 GMT",
    "\xef\xac\x86" "ep 1 00:00:00 2000 GMT", "\xd0\x88" "an 1 00:00:00 2000 GMT",
    "Fe\xcc\x81" "b 1 00:00:00 2000 GMT",
    /* Unicode digits: \d takes them where the expression says \d */
    "Jan 1\xd9\xa5 00:00:00 2000 GMT", "Jan \xd9\xa1 00:00:00 2000 GMT",
    "Jan  1 0\xd9\xa0:0\xd9\xa0:0\xd9\xa0 2000 GMT", "Jan  1 \xd9\xa0\xd9\xa0:00:00 2000 GMT",
    "Jan  1 \xd9\xa0:00:00 2000 GMT", "Jan  1 00:\xd9\xa5:00 2000 GMT",
    "Jan  1 00:00:\xd9\xa5 2000 GMT", "Jan  1 00:00:00 \xd9\xa2\xd9\xa0\xd9\xa0\xd9\xa7 GMT",
    "Jan  1 00:00:00 \xef\xbc\x92\xef\xbc\x90\xef\xbc\x92\xef\xbc\x94 GMT",
    "Jan  1 00:00:00 \xf0\x9d\x9f\x90\xf0\x9d\x9f\x8e\xf0\x9d\x9f\x90\xf0\x9d\x9f\x94 GMT",
    "Jan  1 00:00:00 20\xc2\xb2\xc2\xb3 GMT", /* superscripts are digits, not decimal */
    "Jan  1 00:00:00 \xd9\xa0\xd9\xa0\xd9\xa0\xd9\xa0 GMT", "Jan 2\xe0\xa5\xaf 00:00:00 2000 GMT",
    "Jan \xe0\xa5\xa7\xe0\xa5\xa6 00:00:00 2000 GMT",
    /* repr: quotes, backslashes, control and non-printable characters */
    "it's", "say \"hi\"", "both ' and \"", "back\\slash", "tab\there", "nl\nhere", "cr\rhere",
    "\x01\x02\x1f\x7f", "\xc2\x80\xc2\x9f", "\xc2\xa0\xc2\xad", "\xc3\xa9t\xc3\xa9",
    "\xe2\x80\x8b\xe2\x80\xa8\xe2\x80\xa9", "\xef\xbb\xbf", "\xee\x80\x80", "\xcd\xb8",
    "\xf0\x9f\x98\x80", "\xf3\xa0\x80\x81", "\xf4\x8f\xbf\xbf", "\xe4\xb8\xad\xe6\x96\x87",
    "Xx\xe3\x80\x80", "\xe1\x9a\x80x",
    /* not UTF-8: Python's surrogateescape view */
    "\xff\xfe\xfd", "Ja\xc3", "Jan\xff" "1 00:00:00 2000 GMT", "\xc0\xaf", "\xe0\x80\x80",
    "\xed\xa0\x80", "\xf4\x90\x80\x80", "\xf8\x88\x80\x80\x80", "\x80", "\xc3\xa9\x80",
};

TEST(python_special_inputs)
{
    input_list l = {0};
    for (size_t i = 0; i < sizeof special_inputs / sizeof special_inputs[0]; i++)
        inputs_add(&l, special_inputs[i]);
    /* Long inputs: Python's message is longer than ours. */
    char big[1500];
    memset(big, 'x', 700);
    big[700] = '\0';
    inputs_add(&l, big);
    for (int i = 0; i < 500; i++)
        memcpy(big + 3 * i, "\xe4\xb8\xad", 3);
    big[1500 - 1] = '\0';
    big[1497] = '\0';
    inputs_add(&l, big);
    for (int i = 0; i < 300; i++)
        memcpy(big + 4 * i, i % 2 ? "\xe2\x80\x8b" "a" : "\x01\x02\x03x", 4);
    big[1200] = '\0';
    inputs_add(&l, big);
    snprintf(big, sizeof big, "Jan  1 00:00:00 2000 GMT%0800d", 7);
    inputs_add(&l, big);
    compare_with_python(&l);
    inputs_free(&l);
}

TEST(python_months_and_days)
{
    static const char *const days[] = {"1",  "01", " 1", "9",  "09", "10", "28",
                                       "29", "30", "31", "32", "0"};
    input_list l = {0};
    char buf[128];
    for (int m = 0; m < 12; m++) {
        const char *name = month_names[m];
        char lower[4], upper[4], odd[4];
        for (int k = 0; k < 4; k++) {
            lower[k] = (char)(name[k] >= 'A' && name[k] <= 'Z' ? name[k] + 32 : name[k]);
            upper[k] = (char)(name[k] >= 'a' && name[k] <= 'z' ? name[k] - 32 : name[k]);
            odd[k] = k % 2 ? upper[k] : lower[k];
        }
        const char *spellings[] = {name, lower, upper, odd};
        for (int s = 0; s < 4; s++)
            for (size_t d = 0; d < sizeof days / sizeof days[0]; d++)
                for (int y = 0; y < 3; y++) {
                    static const char *const years[] = {"2000", "1900", "2023"};
                    snprintf(buf, sizeof buf, "%s %s 12:34:56 %s GMT", spellings[s], days[d],
                             years[y]);
                    inputs_add(&l, buf);
                }
    }
    compare_with_python(&l);
    inputs_free(&l);
}

TEST(python_times_of_day)
{
    static const char *const parts[] = {"0", "00", "1", "01", "5", "9", "09", "10", "19",
                                        "20", "23", "24", "29", "59", "60", "61", "62", "99"};
    const size_t n = sizeof parts / sizeof parts[0];
    input_list l = {0};
    char buf[128];
    for (size_t h = 0; h < n; h++)
        for (size_t m = 0; m < n; m += 3)
            for (size_t s = 0; s < n; s++) {
                snprintf(buf, sizeof buf, "Jul  4 %s:%s:%s 2001 GMT", parts[h], parts[m],
                         parts[s]);
                inputs_add(&l, buf);
            }
    compare_with_python(&l);
    inputs_free(&l);
}

/* The same dates at random: every fixed-format value from year 1 to 9999. */
TEST(python_random_dates)
{
    input_list l = {0};
    char buf[128];
    srand(1234);
    for (int i = 0; i < 3000; i++) {
        snprintf(buf, sizeof buf, "%s %*d %02d:%02d:%02d %04d GMT", month_names[rand() % 12],
                 rand() % 2 ? 2 : 1, 1 + rand() % 31, rand() % 24, rand() % 60, rand() % 62,
                 1 + rand() % 9999);
        inputs_add(&l, buf);
    }
    compare_with_python(&l);
    inputs_free(&l);
}

/* ---- the Unicode model ------------------------------------------------------ */

static size_t put_utf8(char *out, uint32_t cp)
{
    if (cp < 0x80) {
        out[0] = (char)cp;
        return 1;
    }
    if (cp < 0x800) {
        out[0] = (char)(0xC0 | (cp >> 6));
        out[1] = (char)(0x80 | (cp & 0x3F));
        return 2;
    }
    if (cp < 0x10000) {
        out[0] = (char)(0xE0 | (cp >> 12));
        out[1] = (char)(0x80 | ((cp >> 6) & 0x3F));
        out[2] = (char)(0x80 | (cp & 0x3F));
        return 3;
    }
    out[0] = (char)(0xF0 | (cp >> 18));
    out[1] = (char)(0x80 | ((cp >> 12) & 0x3F));
    out[2] = (char)(0x80 | ((cp >> 6) & 0x3F));
    out[3] = (char)(0x80 | (cp & 0x3F));
    return 4;
}

static void require_same_unicode(void)
{
    char *out = python_run("import unicodedata; print(unicodedata.unidata_version)", NULL);
    out[strcspn(out, "\n")] = '\0';
    if (strcmp(out, cssl__unicode_version()) != 0) {
        char why[128];
        snprintf(why, sizeof why, "oracle has Unicode %s, the tables %s", out,
                 cssl__unicode_version());
        free(out);
        SKIP("%s", why);
    }
    free(out);
}

/* repr() of a string holding every code point, and of every escaped byte. */
TEST(python_repr_every_code_point)
{
    require_same_unicode();
    size_t cap = 0x110000 * 4, n = 0;
    char *all = malloc(cap);
    REQUIRE(all != NULL);
    for (uint32_t cp = 0; cp < 0x110000; cp++)
        if (cp < 0xD800 || cp > 0xDFFF)
            n += put_utf8(all + n, cp);
    for (unsigned b = 0x80; b < 0x100; b++) /* lone bytes: U+DC80..U+DCFF */
        all[n++] = (char)b;
    size_t outcap = 12 * 0x110000;
    char *mine = malloc(outcap);
    REQUIRE(mine != NULL);
    cssl__text t;
    cssl__text_init(&t, mine, outcap);
    cssl__text_repr(&t, all, n);
    CHECK(!t.truncated);
    char *py = python_run(
        "import sys\n"
        "s = ''.join(chr(c) for c in range(0x110000) if not 0xd800 <= c <= 0xdfff)\n"
        "s += bytes(range(0x80, 0x100)).decode('utf-8', 'surrogateescape')\n"
        "sys.stdout.buffer.write(repr(s).encode('utf-8'))\n",
        NULL);
    CHECK_INT(strlen(py), t.len);
    if (strcmp(py, mine) != 0) {
        size_t i = 0;
        while (py[i] && py[i] == mine[i])
            i++;
        size_t from = i > 40 ? i - 40 : 0;
        harness_fail(__FILE__, __LINE__, "repr differs at byte %zu:\n  cssl:   %.80s\n  python: %.80s",
                     i, mine + from, py + from);
    }
    free(py);
    free(mine);
    free(all);
}

/* str.isspace and str.isdecimal (with digit values) for every code point. */
TEST(python_space_and_digit_tables)
{
    require_same_unicode();
    char *py = python_run(
        "import unicodedata\n"
        "for c in range(0x110000):\n"
        "    ch = chr(c)\n"
        "    if ch.isspace(): print('s', c)\n"
        "    if ch.isdecimal(): print('d', c, unicodedata.decimal(ch))\n",
        NULL);
    static signed char digit[0x110000];
    static bool space[0x110000];
    memset(digit, -1, sizeof digit);
    memset(space, 0, sizeof space);
    size_t count = 0;
    for (char *save = NULL, *l = strtok_r(py, "\n", &save); l; l = strtok_r(NULL, "\n", &save)) {
        unsigned cp, v;
        if (sscanf(l, "s %u", &cp) == 1)
            space[cp] = true;
        else if (sscanf(l, "d %u %u", &cp, &v) == 2)
            digit[cp] = (signed char)v;
        count++;
    }
    CHECK(count > 600);
    int bad = 0;
    for (uint32_t cp = 0; cp < 0x110000 && bad < 10; cp++) {
        if (cssl__uni_isspace(cp) != space[cp] || cssl__uni_decimal(cp) != digit[cp]) {
            harness_fail(__FILE__, __LINE__, "U+%04X: space %d/%d digit %d/%d", cp,
                         cssl__uni_isspace(cp), space[cp], cssl__uni_decimal(cp), digit[cp]);
            bad++;
        }
    }
    free(py);
}

/* Decoding any bytes as Python's utf-8/surrogateescape does. */
TEST(python_utf8_decoding)
{
    input_list l = {0};
    static const char *const cases[] = {
        "plain", "\xc3\xa9", "\xe2\x82\xac", "\xf0\x9f\x98\x80", "\xc3", "\xe2\x82",
        "\xf0\x9f\x98", "\xc0\x80", "\xc1\xbf", "\xe0\x9f\xbf", "\xed\xa0\x80", "\xed\xbf\xbf",
        "\xf0\x8f\xbf\xbf", "\xf4\x90\x80\x80", "\xf5\x80\x80\x80", "\xfe\xff", "\x80\x80",
        "a\xe2\x82\x62", "\xe2\x28\xa1", "\xf0\x28\x8c\xbc", "\xef\xbf\xbf", "\xf4\x8f\xbf\xbf",
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++)
        inputs_add(&l, cases[i]);
    char **lines = oracle_run("for s in data: print(' '.join(str(ord(c)) for c in s) or '-')\n",
                              &l);
    for (size_t i = 0; i < l.count; i++) {
        char mine[256] = "";
        size_t n = 0;
        for (size_t p = 0; p < l.lens[i];) {
            uint32_t cp;
            p += cssl__utf8_decode(l.items[i] + p, l.lens[i] - p, &cp);
            n += (size_t)snprintf(mine + n, sizeof mine - n, "%s%u", n ? " " : "", cp);
        }
        if (n == 0)
            strcpy(mine, "-");
        if (strcmp(mine, lines[i]) != 0)
            harness_fail(__FILE__, __LINE__, "\"%s\": cssl %s, python %s",
                         show(l.items[i], l.lens[i]), mine, lines[i]);
    }
    lines_free(lines);
    inputs_free(&l);
}

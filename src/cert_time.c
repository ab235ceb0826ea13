/*
 * cert_time.c - ssl.cert_time_to_seconds.
 *
 * Python (Lib/ssl.py) takes the month from the first three characters,
 * title-cased and looked up among the C locale's abbreviations, parses the
 * rest with time.strptime(rest, ' %d %H:%M:%S %Y GMT') and converts with
 * calendar.timegm. strptime compiles that format to a case-insensitive
 * regular expression over str (Lib/_strptime.py), so each space of the
 * format is \s+ (any Unicode whitespace), \d is any Unicode decimal digit,
 * and the numbers are int() of what matched. This file runs the same
 * expression on the decoded text, with no locale or time zone involved.
 */
#include <string.h>

#include "internal.h"

#define TIME_FORMAT " %d %H:%M:%S %Y GMT"

/* ---- month: months.index(cert_time[:3].title()) + 1 ------------------- */

/* The single ASCII letter a code point title-cases to, else 0. */
static char title_ascii(uint32_t cp)
{
    if (cp >= 'a' && cp <= 'z')
        return (char)(cp - 'a' + 'A');
    if (cp >= 'A' && cp <= 'Z')
        return (char)cp;
    if (cp == 0x17F) /* LATIN SMALL LETTER LONG S: "ſep".title() == "Sep" */
        return 'S';
    if (cp == 0x131) /* LATIN SMALL LETTER DOTLESS I */
        return 'I';
    return 0;
}

/* The single ASCII letter a code point lower-cases to, else 0. Every
 * letter of the month names is cased, so characters 2 and 3 are always
 * lower-cased by title(). */
static char lower_ascii(uint32_t cp)
{
    if (cp >= 'A' && cp <= 'Z')
        return (char)(cp - 'A' + 'a');
    if (cp >= 'a' && cp <= 'z')
        return (char)cp;
    if (cp == 0x212A) /* KELVIN SIGN */
        return 'k';
    return 0;
}

/* Month 1-12, or 0; *rest is the byte offset after three characters. */
static int parse_month(const char *s, size_t len, size_t *rest)
{
    static const char months[12][4] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                       "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
    char name[4] = {0};
    size_t i = 0;
    for (int k = 0; k < 3; k++) {
        uint32_t cp;
        if (i == len)
            return 0;
        i += cssl__utf8_decode(s + i, len - i, &cp);
        name[k] = k == 0 ? title_ascii(cp) : lower_ascii(cp);
    }
    *rest = i;
    for (int m = 0; m < 12; m++)
        if (memcmp(name, months[m], 4) == 0)
            return m + 1;
    return 0;
}

/* ---- strptime(rest, ' %d %H:%M:%S %Y GMT') ---------------------------- */

/* One character class of the expression; lo > hi stands for \d. */
typedef struct {
    uint32_t lo, hi;
} cclass;
#define DIGIT {1, 0}
#define R(a, b) {a, b}

/* One alternative of a directive's group: a fixed run of classes. */
typedef struct {
    unsigned n;
    cclass c[4];
} alternative;

/* Lib/_strptime.py TimeRE, in its order (the first that lets the whole
 * expression match wins). */
static const alternative day_alts[] = {
    {2, {R('3', '3'), R('0', '1')}}, {2, {R('1', '2'), DIGIT}}, {2, {R('0', '0'), R('1', '9')}},
    {1, {R('1', '9')}},              {2, {R(' ', ' '), R('1', '9')}},
};
static const alternative hour_alts[] = {
    {2, {R('2', '2'), R('0', '3')}}, {2, {R('0', '1'), DIGIT}}, {1, {DIGIT}},
};
static const alternative minute_alts[] = {{2, {R('0', '5'), DIGIT}}, {1, {DIGIT}}};
static const alternative second_alts[] = {
    {2, {R('6', '6'), R('0', '1')}}, {2, {R('0', '5'), DIGIT}}, {1, {DIGIT}},
};
static const alternative year_alts[] = {{4, {DIGIT, DIGIT, DIGIT, DIGIT}}};

enum { G_DAY, G_HOUR, G_MINUTE, G_SECOND, G_YEAR, G_COUNT };
enum elem_kind { E_SPACE, E_GROUP, E_LITERAL };

typedef struct {
    enum elem_kind kind;
    const alternative *alts; /* E_GROUP */
    size_t nalts;
    int group;
    const char *literal; /* E_LITERAL, matched ignoring ASCII case */
} elem;

#define SPACE {E_SPACE, NULL, 0, 0, NULL}
#define GROUP(a, g) {E_GROUP, a, sizeof(a) / sizeof((a)[0]), g, NULL}
#define LITERAL(s) {E_LITERAL, NULL, 0, 0, s}

/* \s+(?P<d>..)\s+(?P<H>..):(?P<M>..):(?P<S>..)\s+(?P<Y>..)\s+GMT */
static const elem pattern[] = {
    SPACE, GROUP(day_alts, G_DAY),       SPACE,       GROUP(hour_alts, G_HOUR),
    LITERAL(":"), GROUP(minute_alts, G_MINUTE), LITERAL(":"), GROUP(second_alts, G_SECOND),
    SPACE, GROUP(year_alts, G_YEAR),     SPACE,       LITERAL("GMT"),
};
#define NELEMS (sizeof pattern / sizeof pattern[0])

typedef struct {
    const char *s;
    size_t len;
    size_t start[G_COUNT], end[G_COUNT]; /* byte spans of the groups */
} matcher;

static bool class_has(cclass c, uint32_t cp)
{
    return c.lo > c.hi ? cssl__uni_decimal(cp) >= 0 : cp >= c.lo && cp <= c.hi;
}

static char ascii_lower(uint32_t cp)
{
    return cp >= 'A' && cp <= 'Z' ? (char)(cp - 'A' + 'a') : (char)cp;
}

/* Byte offset after alt at pos, or SIZE_MAX if it does not match there. */
static size_t match_alternative(const matcher *m, const alternative *alt, size_t pos)
{
    for (unsigned i = 0; i < alt->n; i++) {
        uint32_t cp;
        if (pos == m->len)
            return SIZE_MAX;
        pos += cssl__utf8_decode(m->s + pos, m->len - pos, &cp);
        if (!class_has(alt->c[i], cp))
            return SIZE_MAX;
    }
    return pos;
}

/* Match pattern[e..] at pos like re.match: true and *end on success. */
static bool match_from(matcher *m, size_t e, size_t pos, size_t *end)
{
    if (e == NELEMS) {
        *end = pos;
        return true;
    }
    const elem *el = &pattern[e];
    switch (el->kind) {
    case E_SPACE: {
        /* Greedy \s+. Giving characters back can never help: what follows
         * each \s+ cannot start with whitespace, except day's " [1-9]",
         * which then matches the same digit "[1-9]" already tried. */
        size_t p = pos;
        while (p < m->len) {
            uint32_t cp;
            size_t k = cssl__utf8_decode(m->s + p, m->len - p, &cp);
            if (!cssl__uni_isspace(cp))
                break;
            p += k;
        }
        return p > pos && match_from(m, e + 1, p, end);
    }
    case E_LITERAL:
        for (const char *l = el->literal; *l; l++) {
            uint32_t cp;
            if (pos == m->len)
                return false;
            pos += cssl__utf8_decode(m->s + pos, m->len - pos, &cp);
            if (cp >= 0x80 || ascii_lower(cp) != ascii_lower((unsigned char)*l))
                return false;
        }
        return match_from(m, e + 1, pos, end);
    case E_GROUP:
        for (size_t a = 0; a < el->nalts; a++) {
            size_t p = match_alternative(m, &el->alts[a], pos);
            if (p != SIZE_MAX && match_from(m, e + 1, p, end)) {
                m->start[el->group] = pos;
                m->end[el->group] = p;
                return true;
            }
        }
        return false;
    }
    return false;
}

/* int() of a group: its digits (any script), ignoring a leading space. */
static int group_value(const matcher *m, int g)
{
    int v = 0;
    for (size_t p = m->start[g]; p < m->end[g];) {
        uint32_t cp;
        p += cssl__utf8_decode(m->s + p, m->end[g] - p, &cp);
        if (cp != ' ')
            v = v * 10 + cssl__uni_decimal(cp);
    }
    return v;
}

/* ---- calendar.timegm --------------------------------------------------- */

/* Days from 1970-01-01 to the first of month/year, proleptic Gregorian
 * (what datetime.date(year, month, 1).toordinal() counts). */
static int64_t days_to_month(int64_t year, int month)
{
    /* Count from March so the leap day is the last day of the year. */
    if (month <= 2) {
        year -= 1;
        month += 12;
    }
    int64_t leaps = year / 4 - year / 100 + year / 400; /* year >= 0 here */
    int64_t march_days = (153 * (month - 3) + 2) / 5;  /* March 1 -> month 1 */
    return year * 365 + leaps + march_days - 719468;    /* 719468: 1970-01-01 */
}

/* ---- errors -------------------------------------------------------------- */

static int raise_no_match(const char *data, size_t len, const char *format_text)
{
    char buf[CSSL__MSG_SIZE];
    cssl__text t;
    cssl__text_init(&t, buf, sizeof buf);
    cssl__text_puts(&t, "time data ");
    cssl__text_repr(&t, data, len);
    cssl__text_puts(&t, " does not match format ");
    cssl__text_puts(&t, format_text);
    return cssl__raisef(CSSL_EVALUE, "%s", buf);
}

static int raise_unconverted(const char *rest, size_t len)
{
    char buf[CSSL__MSG_SIZE];
    cssl__text t;
    cssl__text_init(&t, buf, sizeof buf);
    cssl__text_puts(&t, "unconverted data remains: "); /* %s, not %r */
    cssl__text_put(&t, rest, len);
    return cssl__raisef(CSSL_EVALUE, "%s", buf);
}

int cssl_cert_time_to_seconds(const char *cert_time, int64_t *seconds)
{
    CSSL_ENSURE_ARG(cert_time);
    CSSL_ENSURE_ARG(seconds);
    size_t len = strlen(cert_time), rest = 0;
    int month = parse_month(cert_time, len, &rest);
    if (month == 0)
        return raise_no_match(cert_time, len, "\"%b" TIME_FORMAT "\"");

    matcher m = {.s = cert_time + rest, .len = len - rest};
    size_t end;
    if (!match_from(&m, 0, 0, &end))
        return raise_no_match(m.s, m.len, "'" TIME_FORMAT "'");
    if (end != m.len)
        return raise_unconverted(m.s + end, m.len - end);

    int year = group_value(&m, G_YEAR);
    /* strptime builds datetime.date(year, 1, day) (its month is 1 with no
     * %m), which rejects year 0; day 1-31 is always valid in January. */
    if (year == 0)
        return cssl__raisef(CSSL_EVALUE, "year %d is out of range", year);
    /* timegm: days past the first of the month, so Feb 30 is Mar 1/2 and
     * :60/:61 run into the next minute. */
    int64_t days = days_to_month(year, month) + group_value(&m, G_DAY) - 1;
    *seconds = ((days * 24 + group_value(&m, G_HOUR)) * 60 + group_value(&m, G_MINUTE)) * 60 +
               group_value(&m, G_SECOND);
    return CSSL_OK;
}

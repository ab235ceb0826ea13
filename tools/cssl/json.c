/* json.c - see json.h. */
#include "json.h"

#include <string.h>

void json_init(json *j, FILE *out)
{
    j->out = out;
    j->depth = 0;
    j->need_comma[0] = false;
    j->after_key = false;
}

static void before_value(json *j)
{
    if (j->after_key) {
        j->after_key = false;
        return;
    }
    if (j->need_comma[j->depth])
        fputc(',', j->out);
    j->need_comma[j->depth] = true;
}

static void open(json *j, char c)
{
    before_value(j);
    fputc(c, j->out);
    if (j->depth < 31)
        j->depth++;
    j->need_comma[j->depth] = false;
}

static void close_(json *j, char c)
{
    fputc(c, j->out);
    if (j->depth > 0)
        j->depth--;
}

void json_object_begin(json *j) { open(j, '{'); }
void json_object_end(json *j) { close_(j, '}'); }
void json_array_begin(json *j) { open(j, '['); }
void json_array_end(json *j) { close_(j, ']'); }

void json_string_n(json *j, const char *s, size_t n)
{
    before_value(j);
    fputc('"', j->out);
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c == '"' || c == '\\')
            fprintf(j->out, "\\%c", c);
        else if (c == '\n')
            fputs("\\n", j->out);
        else if (c == '\t')
            fputs("\\t", j->out);
        else if (c == '\r')
            fputs("\\r", j->out);
        else if (c < 0x20 || c == 0x7f)
            fprintf(j->out, "\\u%04x", c);
        else
            fputc(c, j->out);
    }
    fputc('"', j->out);
}

void json_string(json *j, const char *s)
{
    if (s == NULL)
        json_null(j);
    else
        json_string_n(j, s, strlen(s));
}

void json_key(json *j, const char *key)
{
    json_string(j, key);
    fputc(':', j->out);
    j->after_key = true;
}

void json_int(json *j, long long v)
{
    before_value(j);
    fprintf(j->out, "%lld", v);
}

void json_bool(json *j, bool v)
{
    before_value(j);
    fputs(v ? "true" : "false", j->out);
}

void json_null(json *j)
{
    before_value(j);
    fputs("null", j->out);
}

void json_raw(json *j, const char *text)
{
    before_value(j);
    fputs(text, j->out);
}

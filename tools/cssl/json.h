/* json.h - a small streaming JSON writer for the CLI's --json reports. */
#ifndef CSSL_CLI_JSON_H
#define CSSL_CLI_JSON_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

typedef struct json {
    FILE *out;
    int depth;
    bool need_comma[32];
    bool after_key;
} json;

void json_init(json *j, FILE *out);
void json_object_begin(json *j);
void json_object_end(json *j);
void json_array_begin(json *j);
void json_array_end(json *j);
void json_key(json *j, const char *key);
void json_string(json *j, const char *s);            /* NULL writes null */
void json_string_n(json *j, const char *s, size_t n); /* may hold NULs */
void json_int(json *j, long long v);
void json_bool(json *j, bool v);
void json_null(json *j);
/* Insert an already-rendered JSON value (e.g. cssl_cert_to_json). */
void json_raw(json *j, const char *text);

#endif

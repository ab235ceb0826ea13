/*
 * report.c - the demo's report: a readable account of each connection, or
 * the same facts as one JSON object.
 */
#include "report.h"

#include <stdlib.h>
#include <string.h>

void report_init(report *r, bool as_json)
{
    memset(r, 0, sizeof *r);
    r->as_json = as_json;
    r->out = as_json ? open_memstream(&r->buf, &r->len) : stdout;
    if (r->out == NULL) /* no memory: fall back to plain text */
        r->out = stdout, r->as_json = false;
    json_init(&r->j, r->out);
    if (r->as_json)
        json_object_begin(&r->j);
}

void report_setup(report *r, int port, const char *keylog)
{
    if (r->as_json) {
        json_key(&r->j, "cssl_version");
        json_string(&r->j, cssl_version());
        json_key(&r->j, "openssl_version");
        json_string(&r->j, cssl_openssl_version());
        json_key(&r->j, "port");
        json_int(&r->j, port);
        json_key(&r->j, "connections");
        json_array_begin(&r->j);
        return;
    }
    printf("cssl %s on %s\n\n", cssl_version(), cssl_openssl_version());
    printf("minted    a CA \"cssl demo CA\" and a server certificate for localhost and\n"
           "          127.0.0.1, both ECDSA P-256, in memory\n");
    printf("server    127.0.0.1:%d, PROTOCOL_TLS_SERVER, ALPN h2/http/1.1, 2 session tickets\n",
           port);
    printf("client    create_default_context(SERVER_AUTH) trusting the demo CA only:\n"
           "          TLS 1.2 minimum, CERT_REQUIRED, hostname checking, ALPN h2\n");
    if (keylog)
        printf("key log   %s\n", keylog);
}

/* "DNS:localhost, IP Address:127.0.0.1" */
static void san_text(const cssl_cert_info *info, char *buf, size_t size)
{
    size_t n = 0;
    buf[0] = '\0';
    for (size_t i = 0; i < info->subject_alt_name_count && n < size; i++) {
        const cssl_general_name *g = &info->subject_alt_name[i];
        n += (size_t)snprintf(buf + n, size - n, "%s%s:%s", i ? ", " : "", g->type,
                              g->value ? g->value : "(name)");
    }
}

static const char *common_name(const cssl_name *name)
{
    for (size_t i = 0; i < name->count; i++)
        for (size_t k = 0; k < name->rdns[i].count; k++)
            if (strcmp(name->rdns[i].entries[k].name, "commonName") == 0)
                return name->rdns[i].entries[k].value;
    return "?";
}

static void session_hex(const cssl_session *s, char *buf, size_t size)
{
    size_t len = 0;
    const uint8_t *id = s ? cssl_session_id(s, &len) : NULL;
    buf[0] = '\0';
    for (size_t i = 0; i < len && 2 * i + 2 < size && i < 8; i++)
        snprintf(buf + 2 * i, size - 2 * i, "%02x", id[i]);
}

void report_connection(report *r, int round, cssl_conn *conn, const char *sent,
                       const char *received)
{
    const char *protocol = NULL;
    int bits = 0;
    const char *cipher = cssl_conn_cipher(conn, &protocol, &bits);
    const char *alpn = cssl_conn_selected_alpn_protocol(conn);
    const cssl_cert_info *info = NULL;
    cssl_conn_getpeercert(conn, &info);
    cssl_cert **chain = cssl_conn_get_verified_chain(conn);
    size_t depth = 0;
    while (chain && chain[depth])
        depth++;
    const char *root = depth ? common_name(&cssl_cert_get_info(chain[depth - 1])->subject) : "?";
    char san[512] = "", sid[20] = "";
    if (info)
        san_text(info, san, sizeof san);
    cssl_session *s = cssl_conn_get_session(conn);
    session_hex(s, sid, sizeof sid);
    bool reused = cssl_conn_session_reused(conn);
    if (r->as_json) {
        json *j = &r->j;
        json_object_begin(j);
        json_key(j, "version");
        json_string(j, cssl_conn_version(conn));
        json_key(j, "cipher");
        json_string(j, cipher);
        json_key(j, "secret_bits");
        json_int(j, bits);
        json_key(j, "alpn");
        json_string(j, alpn);
        json_key(j, "peer_common_name");
        json_string(j, info ? common_name(&info->subject) : NULL);
        json_key(j, "peer_subject_alt_name");
        json_string(j, san);
        json_key(j, "verified_chain_length");
        json_int(j, (long long)depth);
        json_key(j, "trust_anchor");
        json_string(j, depth ? root : NULL);
        json_key(j, "sent");
        json_string(j, sent);
        json_key(j, "received");
        json_string(j, received);
        json_key(j, "session_reused");
        json_bool(j, reused);
        json_object_end(j);
    } else {
        printf("\nconnection %d%s\n", round + 1, round ? ", offering the session of connection 1" : "");
        printf("  handshake  %s, %s (%d-bit)\n", cssl_conn_version(conn), cipher, bits);
        printf("  alpn       %s\n", alpn ? alpn : "(none)");
        printf("  peer       CN=%s; subjectAltName %s\n", info ? common_name(&info->subject) : "?",
               san);
        if (reused)
            printf("  verified   in connection 1; the resumed session carries that result\n");
        else
            printf("  verified   chain of %zu to \"%s\"; hostname 'localhost' matches\n", depth,
                   root);
        printf("  data       sent \"%s\", received \"%s\"\n", sent, received);
        printf("  session    id %s..., %s\n", sid,
               reused ? "resumed from the ticket (no certificate exchange)" : "full handshake");
    }
    cssl_session_free(s);
    cssl_cert_list_free(chain);
}

static long count_lines(const char *path)
{
    FILE *f = fopen(path, "r");
    if (f == NULL)
        return -1;
    long n = 0;
    int c;
    while ((c = fgetc(f)) != EOF)
        n += c == '\n';
    fclose(f);
    return n;
}

void report_finish(report *r, const bool *server_reused, int n, const char *keylog)
{
    if (r->as_json) {
        json *j = &r->j;
        json_array_end(j);
        json_key(j, "server_saw_resumption");
        json_bool(j, n > 1 && server_reused[n - 1]);
        json_key(j, "keylog");
        json_string(j, keylog);
        if (keylog) {
            json_key(j, "keylog_lines");
            json_int(j, count_lines(keylog));
        }
        json_object_end(j);
        fclose(r->out);
        r->out = NULL;
        printf("%s\n", r->buf);
        return;
    }
    printf("\nserver    saw connection %d %s\n", n,
           n > 1 && server_reused[n - 1] ? "resume the session" : "do a full handshake");
    if (keylog)
        printf("key log   %s now holds %ld lines; Wireshark decrypts a capture with it\n", keylog,
               count_lines(keylog));
}

void report_free(report *r)
{
    if (r->as_json && r->out)
        fclose(r->out);
    free(r->buf);
}

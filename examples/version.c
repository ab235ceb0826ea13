/* version.c - the smallest cssl program: print the library and OpenSSL
 * versions and the default client context's settings. Built against the
 * installed library by tests/check_install.sh. */
#include <stdio.h>

#include <cssl.h>

int main(void)
{
    cssl_context *ctx = cssl_context_new(CSSL_PROTOCOL_TLS_CLIENT);
    if (ctx == NULL) {
        fprintf(stderr, "%s\n", cssl_error_message());
        return 1;
    }
    char options[256];
    cssl_options_to_string(cssl_context_options(ctx), options, sizeof options);
    printf("cssl %s on %s\n", cssl_version(), cssl_openssl_version());
    printf("check_hostname=%d verify_mode=%d options=%s\n", cssl_context_check_hostname(ctx),
           cssl_context_verify_mode(ctx), options);
    cssl_context_free(ctx);
    return 0;
}

/*
 * flags.c - options and verify flags as "OP_A|OP_B" text, in the order of
 * Python's enum repr: a value equal to a named one prints that name alone;
 * otherwise named single bits ascending, then composite names whose bits
 * are all set, then any unnamed remainder as one hex number (Python prints
 * it in decimal); "0" for zero (Python names it OP_NO_SSLv2/VERIFY_DEFAULT).
 */
#include <inttypes.h>

#include "internal.h"

struct flag_name {
    uint64_t value;
    const char *name;
};

static const struct flag_name option_names[] = {
    {CSSL_OP_LEGACY_SERVER_CONNECT, "OP_LEGACY_SERVER_CONNECT"},
    {CSSL_OP_ENABLE_KTLS, "OP_ENABLE_KTLS"},
    {CSSL_OP_IGNORE_UNEXPECTED_EOF, "OP_IGNORE_UNEXPECTED_EOF"},
    {CSSL_OP_NO_TICKET, "OP_NO_TICKET"},
    {CSSL_OP_NO_COMPRESSION, "OP_NO_COMPRESSION"},
    {CSSL_OP_ENABLE_MIDDLEBOX_COMPAT, "OP_ENABLE_MIDDLEBOX_COMPAT"},
    {CSSL_OP_CIPHER_SERVER_PREFERENCE, "OP_CIPHER_SERVER_PREFERENCE"},
    {CSSL_OP_NO_SSLv3, "OP_NO_SSLv3"},
    {CSSL_OP_NO_TLSv1, "OP_NO_TLSv1"},
    {CSSL_OP_NO_TLSv1_2, "OP_NO_TLSv1_2"},
    {CSSL_OP_NO_TLSv1_1, "OP_NO_TLSv1_1"},
    {CSSL_OP_NO_TLSv1_3, "OP_NO_TLSv1_3"},
    {CSSL_OP_NO_RENEGOTIATION, "OP_NO_RENEGOTIATION"},
    {CSSL_OP_ALL, "OP_ALL"},
};

static const struct flag_name verify_names[] = {
    {CSSL_VERIFY_CRL_CHECK_LEAF, "VERIFY_CRL_CHECK_LEAF"},
    {CSSL_VERIFY_X509_STRICT, "VERIFY_X509_STRICT"},
    {CSSL_VERIFY_ALLOW_PROXY_CERTS, "VERIFY_ALLOW_PROXY_CERTS"},
    {CSSL_VERIFY_X509_TRUSTED_FIRST, "VERIFY_X509_TRUSTED_FIRST"},
    {CSSL_VERIFY_X509_PARTIAL_CHAIN, "VERIFY_X509_PARTIAL_CHAIN"},
    {CSSL_VERIFY_CRL_CHECK_CHAIN, "VERIFY_CRL_CHECK_CHAIN"},
};

static bool single_bit(uint64_t v)
{
    return v != 0 && (v & (v - 1)) == 0;
}

static size_t append(char *buf, size_t size, size_t n, const char *text)
{
    if (n > 0) {
        if (n + 1 < size)
            buf[n] = '|';
        n++;
    }
    for (; *text; text++, n++)
        if (n + 1 < size)
            buf[n] = *text;
    return n;
}

/* The name of exactly this value, if it has one (0 never does here: it is
 * printed as "0"). */
static const char *exact_name(uint64_t value, const struct flag_name *names, size_t count)
{
    for (size_t i = 0; i < count; i++)
        if (value != 0 && names[i].value == value)
            return names[i].name;
    return NULL;
}

static size_t render(uint64_t value, const struct flag_name *names, size_t count, char *buf,
                     size_t size)
{
    size_t n = 0;
    uint64_t left = value;
    /* Python's Flag repr: a value equal to a member prints that name alone
     * (0xc is VERIFY_CRL_CHECK_CHAIN, not VERIFY_CRL_CHECK_LEAF|...). */
    const char *exact = exact_name(value, names, count);
    if (exact != NULL) {
        n = append(buf, size, n, exact);
        left = 0;
    }
    /* Otherwise the single bits ascending, then every multi-bit member
     * whose bits are all set, even if single bits already named some of
     * them (0xd: VERIFY_CRL_CHECK_LEAF|VERIFY_CRL_CHECK_CHAIN|1). */
    for (int pass = 0; pass < 2 && exact == NULL; pass++) {
        for (size_t i = 0; i < count; i++) {
            uint64_t v = names[i].value;
            if (v == 0 || single_bit(v) != (pass == 0) || (value & v) != v)
                continue;
            n = append(buf, size, n, names[i].name);
            left &= ~v;
        }
    }
    if (left != 0 || value == 0) {
        char num[24];
        if (value == 0)
            snprintf(num, sizeof num, "0");
        else
            snprintf(num, sizeof num, "0x%" PRIx64, left);
        n = append(buf, size, n, num);
    }
    if (size > 0)
        buf[n < size ? n : size - 1] = '\0';
    return n;
}

size_t cssl_options_to_string(uint64_t options, char *buf, size_t size)
{
    return render(options, option_names, sizeof option_names / sizeof option_names[0], buf,
                  size);
}

size_t cssl_verify_flags_to_string(unsigned long flags, char *buf, size_t size)
{
    return render(flags, verify_names, sizeof verify_names / sizeof verify_names[0], buf, size);
}

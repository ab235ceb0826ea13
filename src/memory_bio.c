/*
 * memory_bio.c - ssl.MemoryBIO: a growable buffer where an empty read means
 * "no data yet" until write_eof() marks the real end.
 */
#include <limits.h>

#include <openssl/buffer.h>

#include "internal.h"

cssl_memory_bio *cssl_memory_bio_new(void)
{
    cssl_memory_bio *bio = cssl__zalloc(sizeof *bio);
    if (bio == NULL) {
        cssl__raise_nomem();
        return NULL;
    }
    bio->bio = BIO_new(BIO_s_mem());
    if (bio->bio == NULL) {
        cssl__free(bio);
        cssl__raise(CSSL_ENOMEM, "failed to allocate BIO");
        ERR_clear_error();
        return NULL;
    }
    /* Python: an empty read is a retry, not EOF, until write_eof(). */
    BIO_set_retry_read(bio->bio);
    BIO_set_mem_eof_return(bio->bio, -1);
    return bio;
}

void cssl__memory_bio_release(BIO *bio)
{
    BUF_MEM *mem = NULL;
    if (BIO_method_type(bio) != BIO_TYPE_MEM || BIO_ctrl_pending(bio) != 0 ||
        BIO_get_mem_ptr(bio, &mem) != 1 || mem == NULL || mem->max == 0)
        return;
    /* Swapping in an empty BUF_MEM frees the old one and its data; the
     * EOF behaviour and retry flags belong to the BIO and stay. */
    BUF_MEM *empty = BUF_MEM_new();
    if (empty == NULL) {
        ERR_clear_error(); /* keep the old storage: nothing is lost */
        return;
    }
    BIO_set_mem_buf(bio, empty, BIO_CLOSE);
}

void cssl_memory_bio_free(cssl_memory_bio *bio)
{
    if (bio == NULL)
        return;
    BIO_free(bio->bio); /* a connection holds references of its own */
    cssl__free(bio);
}

ssize_t cssl_memory_bio_write(cssl_memory_bio *bio, const void *data, size_t len)
{
    CSSL_ENSURE_ARG(bio);
    CSSL_ENSURE(data != NULL || len == 0, CSSL_EVALUE, "data must not be NULL");
    CSSL_ENSURE(len <= INT_MAX, CSSL_EVALUE, "string longer than 2147483647 bytes");
    CSSL_ENSURE(!bio->eof_written, CSSL_ESSL, "cannot write() after write_eof()");
    if (len == 0)
        return 0;
    int n = BIO_write(bio->bio, data, (int)len);
    if (n < 0 || (size_t)n != len)
        return cssl__queue_has_malloc_failure() ? cssl__raise_nomem()
                                                : CSSL_RAISE_OPENSSL(CSSL_ESSL);
    return n;
}

ssize_t cssl_memory_bio_read(cssl_memory_bio *bio, void *buf, size_t size)
{
    CSSL_ENSURE_ARG(bio);
    CSSL_ENSURE(buf != NULL || size == 0, CSSL_EVALUE, "buf must not be NULL");
    size_t avail = BIO_ctrl_pending(bio->bio);
    if (size > avail)
        size = avail;
    if (size > INT_MAX)
        size = INT_MAX;
    if (size == 0)
        return 0;
    int n = BIO_read(bio->bio, buf, (int)size);
    if (n < 0)
        return CSSL_RAISE_OPENSSL(CSSL_ESSL);
    return n;
}

int cssl_memory_bio_write_eof(cssl_memory_bio *bio)
{
    CSSL_ENSURE_ARG(bio);
    bio->eof_written = true;
    /* From now on an empty read is EOF: the TLS layer sees the transport
     * end (and reports SSLEOFError if no close_notify came first). */
    BIO_clear_retry_flags(bio->bio);
    BIO_set_mem_eof_return(bio->bio, 0);
    return CSSL_OK;
}

size_t cssl_memory_bio_pending(const cssl_memory_bio *bio)
{
    return bio == NULL ? 0 : BIO_ctrl_pending(bio->bio);
}

bool cssl_memory_bio_eof(const cssl_memory_bio *bio)
{
    return bio != NULL && bio->eof_written && BIO_ctrl_pending(bio->bio) == 0;
}

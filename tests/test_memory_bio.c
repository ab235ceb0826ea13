/*
 * test_memory_bio.c - ssl.MemoryBIO semantics: read/write/pending/eof,
 * write_eof rules, bad arguments (Python's MemoryBIOTests).
 */
#include "harness.h"

TEST(read_write_in_order)
{
    cssl_memory_bio *b = cssl_memory_bio_new();
    REQUIRE(b != NULL);
    char buf[16];
    CHECK_INT(cssl_memory_bio_read(b, buf, sizeof buf), 0);
    CHECK_INT(cssl_memory_bio_write(b, "foo", 3), 3);
    CHECK_INT(cssl_memory_bio_write(b, "bar", 3), 3);
    CHECK_INT(cssl_memory_bio_read(b, buf, 4), 4);
    CHECK(memcmp(buf, "foob", 4) == 0);
    CHECK_INT(cssl_memory_bio_read(b, buf, sizeof buf), 2);
    CHECK(memcmp(buf, "ar", 2) == 0);
    CHECK_INT(cssl_memory_bio_read(b, buf, sizeof buf), 0);
    CHECK_INT(cssl_memory_bio_write(b, "", 0), 0);
    CHECK_INT(cssl_memory_bio_read(b, buf, 0), 0);
    cssl_memory_bio_free(b);
}

TEST(pending_counts_buffered_bytes)
{
    cssl_memory_bio *b = cssl_memory_bio_new();
    REQUIRE(b != NULL);
    CHECK_INT(cssl_memory_bio_pending(b), 0);
    cssl_memory_bio_write(b, "foo", 3);
    CHECK_INT(cssl_memory_bio_pending(b), 3);
    for (int i = 0; i < 10; i++)
        cssl_memory_bio_write(b, "foo", 3);
    CHECK_INT(cssl_memory_bio_pending(b), 33);
    char buf[64];
    cssl_memory_bio_read(b, buf, 5);
    CHECK_INT(cssl_memory_bio_pending(b), 28);
    cssl_memory_bio_read(b, buf, sizeof buf);
    CHECK_INT(cssl_memory_bio_pending(b), 0);
    cssl_memory_bio_free(b);
}

TEST(eof_only_after_write_eof_and_drained)
{
    cssl_memory_bio *b = cssl_memory_bio_new();
    REQUIRE(b != NULL);
    CHECK(!cssl_memory_bio_eof(b));
    cssl_memory_bio_write(b, "foo", 3);
    CHECK(!cssl_memory_bio_eof(b));
    CHECK_OK(cssl_memory_bio_write_eof(b));
    CHECK(!cssl_memory_bio_eof(b)); /* data still buffered */
    char buf[8];
    CHECK_INT(cssl_memory_bio_read(b, buf, 2), 2);
    CHECK(!cssl_memory_bio_eof(b));
    CHECK_INT(cssl_memory_bio_read(b, buf, 2), 1);
    CHECK(cssl_memory_bio_eof(b));
    CHECK_INT(cssl_memory_bio_read(b, buf, 2), 0);
    CHECK(cssl_memory_bio_eof(b));
    cssl_memory_bio_free(b);
}

TEST(write_after_write_eof_refused)
{
    cssl_memory_bio *b = cssl_memory_bio_new();
    REQUIRE(b != NULL);
    CHECK_OK(cssl_memory_bio_write_eof(b));
    CHECK_ERR(cssl_memory_bio_write(b, "x", 1), CSSL_ESSL, "cannot write() after write_eof()");
    CHECK(cssl_error_library() == NULL);
    CHECK_INT(cssl_memory_bio_pending(b), 0);
    CHECK_OK(cssl_memory_bio_write_eof(b)); /* idempotent */
    cssl_memory_bio_free(b);
}

TEST(large_buffers)
{
    cssl_memory_bio *b = cssl_memory_bio_new();
    REQUIRE(b != NULL);
    size_t size = 1 << 20;
    unsigned char *in = malloc(size), *out = malloc(size);
    REQUIRE(in && out);
    for (size_t i = 0; i < size; i++)
        in[i] = (unsigned char)(i * 7);
    CHECK_INT(cssl_memory_bio_write(b, in, size), size);
    CHECK_INT(cssl_memory_bio_pending(b), size);
    CHECK_INT(cssl_memory_bio_read(b, out, size), size);
    CHECK(memcmp(in, out, size) == 0);
    free(in);
    free(out);
    cssl_memory_bio_free(b);
}

TEST(bad_arguments)
{
    char buf[4];
    CHECK_ERR(cssl_memory_bio_write(NULL, "x", 1), CSSL_EVALUE, "bio must not be NULL");
    CHECK_ERR(cssl_memory_bio_read(NULL, buf, 1), CSSL_EVALUE, "bio must not be NULL");
    CHECK_ERR(cssl_memory_bio_write_eof(NULL), CSSL_EVALUE, "bio must not be NULL");
    CHECK_INT(cssl_memory_bio_pending(NULL), 0);
    CHECK(!cssl_memory_bio_eof(NULL));
    cssl_memory_bio *b = cssl_memory_bio_new();
    REQUIRE(b != NULL);
    CHECK_ERR(cssl_memory_bio_write(b, NULL, 1), CSSL_EVALUE, "data must not be NULL");
    CHECK_ERR(cssl_memory_bio_read(b, NULL, 1), CSSL_EVALUE, "buf must not be NULL");
    CHECK_ERR(cssl_memory_bio_write(b, "x", (size_t)1 << 31), CSSL_EVALUE,
              "string longer than 2147483647 bytes");
    cssl_memory_bio_free(b);
    cssl_memory_bio_free(NULL);
}

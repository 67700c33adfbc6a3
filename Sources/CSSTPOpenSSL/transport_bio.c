#include "CSSTPOpenSSL.h"

#include <errno.h>

/* The callbacks and their context, kept as the BIO's data. */
struct transport_bio {
    void *ctx;
    csstp_transport_io read_fn;
    csstp_transport_io write_fn;
};

static int transport_read(BIO *bio, char *buf, int len) {
    struct transport_bio *t = BIO_get_data(bio);
    BIO_clear_retry_flags(bio);
    if (t == NULL || buf == NULL || len <= 0) {
        return 0;
    }
    int n = t->read_fn(t->ctx, buf, len);
    if (n > 0) {
        return n;
    }
    if (n == CSSTP_TRANSPORT_WOULD_BLOCK) {
        BIO_set_retry_read(bio);
        return -1;
    }
    if (n == CSSTP_TRANSPORT_END) {
        errno = 0;
        return 0;
    }
    return -1;
}

static int transport_write(BIO *bio, const char *buf, int len) {
    struct transport_bio *t = BIO_get_data(bio);
    BIO_clear_retry_flags(bio);
    if (t == NULL || buf == NULL || len <= 0) {
        return 0;
    }
    int n = t->write_fn(t->ctx, (char *)buf, len);
    if (n > 0) {
        return n;
    }
    if (n == CSSTP_TRANSPORT_WOULD_BLOCK) {
        BIO_set_retry_write(bio);
        return -1;
    }
    if (n == CSSTP_TRANSPORT_END) {
        errno = EPIPE;
    }
    return -1;
}

static long transport_ctrl(BIO *bio, int cmd, long num, void *ptr) {
    (void)bio;
    (void)num;
    (void)ptr;
    switch (cmd) {
    case BIO_CTRL_FLUSH: /* writes go straight to the transport */
        return 1;
    default:
        return 0;
    }
}

static int transport_create(BIO *bio) {
    BIO_set_data(bio, NULL);
    BIO_set_init(bio, 0);
    return 1;
}

static int transport_destroy(BIO *bio) {
    if (bio == NULL) {
        return 0;
    }
    OPENSSL_free(BIO_get_data(bio));
    BIO_set_data(bio, NULL);
    BIO_set_init(bio, 0);
    return 1;
}

static BIO_METHOD *method = NULL;
static CRYPTO_ONCE method_once = CRYPTO_ONCE_STATIC_INIT;

static void make_method(void) {
    BIO_METHOD *m = BIO_meth_new(BIO_get_new_index() | BIO_TYPE_SOURCE_SINK, "sstp transport");
    if (m == NULL) {
        return;
    }
    if (BIO_meth_set_read(m, transport_read) != 1 || BIO_meth_set_write(m, transport_write) != 1 ||
        BIO_meth_set_ctrl(m, transport_ctrl) != 1 || BIO_meth_set_create(m, transport_create) != 1 ||
        BIO_meth_set_destroy(m, transport_destroy) != 1) {
        BIO_meth_free(m);
        return;
    }
    method = m;
}

BIO *csstp_transport_bio_new(void *ctx, csstp_transport_io read_fn, csstp_transport_io write_fn) {
    if (read_fn == NULL || write_fn == NULL || CRYPTO_THREAD_run_once(&method_once, make_method) != 1 ||
        method == NULL) {
        return NULL;
    }
    struct transport_bio *t = OPENSSL_zalloc(sizeof *t);
    if (t == NULL) {
        return NULL;
    }
    t->ctx = ctx;
    t->read_fn = read_fn;
    t->write_fn = write_fn;
    BIO *bio = BIO_new(method);
    if (bio == NULL) {
        OPENSSL_free(t);
        return NULL;
    }
    BIO_set_data(bio, t);
    BIO_set_init(bio, 1);
    return bio;
}

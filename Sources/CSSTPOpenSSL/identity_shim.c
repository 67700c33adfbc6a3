#include "CSSTPOpenSSL.h"

#include <string.h>

/* The client identity of EAP-TLS: a private key (PEM, optionally encrypted)
 * and a PKCS#12 bundle. The passphrase is handed over in memory only, never
 * through OpenSSL's default terminal prompt. */

struct passphrase {
    const char *bytes;
    size_t len;
    int asked;
};

static int passphrase_callback(char *buf, int size, int rwflag, void *u) {
    struct passphrase *p = u;
    (void)rwflag;
    p->asked = 1;
    if (size <= 0 || p->len > (size_t)size) {
        return -1;
    }
    memcpy(buf, p->bytes, p->len);
    return (int)p->len;
}

EVP_PKEY *csstp_read_private_key(const char *path, const char *pass, size_t pass_len, int *asked) {
    struct passphrase p = {pass, pass_len, 0};
    EVP_PKEY *key = NULL;
    BIO *bio = BIO_new_file(path, "r");
    *asked = 0;
    if (bio == NULL) {
        return NULL;
    }
    key = PEM_read_bio_PrivateKey(bio, NULL, passphrase_callback, &p);
    BIO_free(bio);
    *asked = p.asked;
    return key;
}

int csstp_read_pkcs12(const char *path, const char *pass, EVP_PKEY **key, X509 **cert, STACK_OF(X509) **ca) {
    int result = -1;
    PKCS12 *p12 = NULL;
    BIO *bio = BIO_new_file(path, "rb");
    *key = NULL;
    *cert = NULL;
    *ca = NULL;
    if (bio == NULL) {
        return -1;
    }
    p12 = d2i_PKCS12_bio(bio, NULL);
    BIO_free(bio);
    if (p12 == NULL) {
        return -1;
    }
    /* An empty passphrase may be "" or absent (RFC 7292 leaves both in use). */
    if (pass[0] == '\0' && PKCS12_verify_mac(p12, NULL, 0) == 1) {
        pass = NULL;
    } else if (PKCS12_verify_mac(p12, pass, -1) != 1) {
        PKCS12_free(p12);
        return 0;
    }
    result = PKCS12_parse(p12, pass, key, cert, ca) == 1 ? 1 : -1;
    PKCS12_free(p12);
    return result;
}

void csstp_x509_stack_free(STACK_OF(X509) *stack) {
    sk_X509_pop_free(stack, X509_free);
}

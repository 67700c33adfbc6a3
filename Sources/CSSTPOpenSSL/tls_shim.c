#include "CSSTPOpenSSL.h"

#include <arpa/inet.h>
#include <string.h>
#include <time.h>

int csstp_ssl_ctx_set_proto_versions(SSL_CTX *ctx, int min_version, int max_version) {
    if (SSL_CTX_set_min_proto_version(ctx, min_version) != 1) {
        return 0;
    }
    return SSL_CTX_set_max_proto_version(ctx, max_version) == 1;
}

long csstp_ssl_ctx_set_mode(SSL_CTX *ctx, long mode) {
    return SSL_CTX_set_mode(ctx, mode);
}

void csstp_ssl_ctx_set_read_ahead(SSL_CTX *ctx, size_t buffer_len) {
    SSL_CTX_set_read_ahead(ctx, 1);
    SSL_CTX_set_default_read_buffer_len(ctx, buffer_len);
}

void csstp_ssl_ctx_secure_renegotiation_only(SSL_CTX *ctx) {
    SSL_CTX_clear_options(ctx, SSL_OP_NO_RENEGOTIATION | SSL_OP_LEGACY_SERVER_CONNECT |
                                   SSL_OP_ALLOW_UNSAFE_LEGACY_RENEGOTIATION | SSL_OP_ALLOW_CLIENT_RENEGOTIATION);
}

void csstp_ssl_ctx_full_renegotiation(SSL_CTX *ctx) {
    SSL_CTX_set_options(ctx, SSL_OP_NO_SESSION_RESUMPTION_ON_RENEGOTIATION);
}

long csstp_ssl_total_renegotiations(SSL *ssl) {
    return SSL_total_renegotiations(ssl);
}

int csstp_ssl_set_server_name(SSL *ssl, const char *name) {
    return SSL_set_tlsext_host_name(ssl, name) == 1;
}

unsigned long csstp_pop_error(int *lib, int *reason, char *buf, size_t len) {
    unsigned long e = ERR_get_error();
    *lib = 0;
    *reason = 0;
    if (len > 0) {
        buf[0] = '\0';
    }
    if (e != 0) {
        *lib = ERR_GET_LIB(e);
        *reason = ERR_GET_REASON(e);
        if (len > 0) {
            ERR_error_string_n(e, buf, len);
        }
    }
    ERR_clear_error();
    return e;
}

/* Copies n bytes to out (room for room bytes plus NUL), replacing control
 * bytes. Returns the bytes copied. */
static size_t copy_printable(char *out, size_t room, const unsigned char *in, size_t n) {
    size_t i;
    for (i = 0; i < n && i < room; i++) {
        unsigned char c = in[i];
        out[i] = (c < 0x20 || c == 0x7f) ? '?' : (char)c;
    }
    out[i] = '\0';
    return i;
}

int csstp_x509_name_text(const X509_NAME *name, char *buf, size_t len) {
    if (len == 0) {
        return 0;
    }
    buf[0] = '\0';
    BIO *bio = BIO_new(BIO_s_mem());
    if (bio == NULL) {
        return 0;
    }
    int ok = X509_NAME_print_ex(bio, name, 0, XN_FLAG_RFC2253 & ~ASN1_STRFLGS_ESC_MSB) >= 0;
    if (ok) {
        char *data = NULL;
        long n = BIO_get_mem_data(bio, &data);
        if (n > 0 && data != NULL) {
            copy_printable(buf, len - 1, (const unsigned char *)data, (size_t)n);
        }
    }
    BIO_free(bio);
    return ok;
}

int csstp_asn1_time_text(const ASN1_TIME *time, char *buf, size_t len) {
    if (len == 0) {
        return 0;
    }
    buf[0] = '\0';
    struct tm tm;
    memset(&tm, 0, sizeof tm);
    if (ASN1_TIME_to_tm(time, &tm) != 1) {
        return 0;
    }
    return strftime(buf, len, "%Y-%m-%d %H:%M:%S UTC", &tm) > 0;
}

/* Appends one line to buf at *used (buf has len bytes). */
static void append_line(char *buf, size_t len, size_t *used, const unsigned char *text, size_t n) {
    if (*used + 2 > len) {
        return;
    }
    size_t room = len - *used - 2; /* keep space for '\n' and NUL */
    size_t copied = copy_printable(buf + *used, room, text, n);
    *used += copied;
    buf[(*used)++] = '\n';
    buf[*used] = '\0';
}

int csstp_x509_host_names(X509 *cert, char *buf, size_t len) {
    if (len == 0) {
        return 0;
    }
    buf[0] = '\0';
    size_t used = 0;
    int crit = 0;
    int have_dns = 0;
    GENERAL_NAMES *names = X509_get_ext_d2i(cert, NID_subject_alt_name, &crit, NULL);
    if (names == NULL && crit != -1) {
        return 0; /* present but undecodable, or several of them */
    }
    for (int pass = 0; names != NULL && pass < 2; pass++) {
        for (int i = 0; i < sk_GENERAL_NAME_num(names); i++) {
            const GENERAL_NAME *gn = sk_GENERAL_NAME_value(names, i);
            if (pass == 0 && gn->type == GEN_DNS) {
                have_dns = 1;
                append_line(buf, len, &used, ASN1_STRING_get0_data(gn->d.dNSName),
                            (size_t)ASN1_STRING_length(gn->d.dNSName));
            } else if (pass == 1 && gn->type == GEN_IPADD) {
                char text[INET6_ADDRSTRLEN];
                const unsigned char *ip = ASN1_STRING_get0_data(gn->d.iPAddress);
                int n = ASN1_STRING_length(gn->d.iPAddress);
                int family = n == 4 ? AF_INET : (n == 16 ? AF_INET6 : 0);
                if (family != 0 && inet_ntop(family, ip, text, sizeof text) != NULL) {
                    append_line(buf, len, &used, (const unsigned char *)text, strlen(text));
                }
            }
        }
    }
    GENERAL_NAMES_free(names);
    if (!have_dns) {
        const X509_NAME *subject = X509_get_subject_name(cert);
        int last = -1;
        while ((last = X509_NAME_get_index_by_NID(subject, NID_commonName, last)) >= 0) {
            unsigned char *utf8 = NULL;
            int n = ASN1_STRING_to_UTF8(&utf8, X509_NAME_ENTRY_get_data(X509_NAME_get_entry(subject, last)));
            if (n >= 0 && utf8 != NULL) {
                append_line(buf, len, &used, utf8, (size_t)n);
            }
            OPENSSL_free(utf8);
        }
    }
    return 1;
}

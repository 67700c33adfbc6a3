#ifndef CSSTP_OPENSSL_H
#define CSSTP_OPENSSL_H

#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/pem.h>
#include <openssl/pkcs12.h>
#include <openssl/provider.h>
#include <openssl/rand.h>
#include <openssl/err.h>
#include <openssl/crypto.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

/* Thin wrappers for things Swift cannot call directly (macros) or that want
 * one place for OpenSSL version differences. Implemented in shim.c. */

/* Returns the last OpenSSL error as text in buf (always NUL-terminated). */
void csstp_last_error(char *buf, size_t len);

/* ---- TLS (SSTPTLS), implemented in tls_shim.c ---- */

/* SSL_CTX_set_min_proto_version and SSL_CTX_set_max_proto_version (macros).
 * Versions are TLS1_2_VERSION, TLS1_3_VERSION, or 0 for "no limit".
 * Returns 1 when both were accepted. */
int csstp_ssl_ctx_set_proto_versions(SSL_CTX *ctx, int min_version, int max_version);

/* SSL_CTX_set_mode (macro). Returns the mode bitmask now in effect. */
long csstp_ssl_ctx_set_mode(SSL_CTX *ctx, long mode);

/* SSL_CTX_set_read_ahead (a macro) with a read buffer of buffer_len bytes:
 * one read(2) may bring several records. */
void csstp_ssl_ctx_set_read_ahead(SSL_CTX *ctx, size_t buffer_len);

/* Renegotiation only the secure way (RFC 5746): clears SSL_OP_NO_RENEGOTIATION
 * and the options that allow legacy renegotiation or connecting to a server
 * without RFC 5746 (SSL_OP_LEGACY_SERVER_CONNECT,
 * SSL_OP_ALLOW_UNSAFE_LEGACY_RENEGOTIATION), whatever the system's openssl.cnf
 * set; a server also refuses renegotiation its client starts
 * (SSL_OP_ALLOW_CLIENT_RENEGOTIATION cleared). The options are macros. */
void csstp_ssl_ctx_secure_renegotiation_only(SSL_CTX *ctx);

/* Server: every renegotiation is a full handshake, with new keys from a new
 * master secret and the certificate sent again
 * (SSL_OP_NO_SESSION_RESUMPTION_ON_RENEGOTIATION, a macro). */
void csstp_ssl_ctx_full_renegotiation(SSL_CTX *ctx);

/* SSL_total_renegotiations (macro): renegotiations started on this SSL. */
long csstp_ssl_total_renegotiations(SSL *ssl);

/* SSL_set_tlsext_host_name (macro): the SNI host name. Returns 1 on success. */
int csstp_ssl_set_server_name(SSL *ssl, const char *name);

/* The earliest error in this thread's OpenSSL error queue: library and
 * reason codes (ERR_GET_LIB / ERR_GET_REASON are inline functions) and the
 * text in buf (always NUL-terminated). Clears the queue. Returns 0 and an
 * empty buf when the queue was empty. */
unsigned long csstp_pop_error(int *lib, int *reason, char *buf, size_t len);

/* The name in RFC 2253 form ("CN=Leaf,O=Example"), UTF-8, always
 * NUL-terminated; cut to fit. Returns 1 on success, 0 on failure. */
int csstp_x509_name_text(const X509_NAME *name, char *buf, size_t len);

/* The time as "YYYY-MM-DD HH:MM:SS UTC", always NUL-terminated.
 * Returns 1 on success, 0 on failure. */
int csstp_asn1_time_text(const ASN1_TIME *time, char *buf, size_t len);

/* The names a host name check looks at, one per line in buf: every
 * subjectAltName dNSName, then every iPAddress (as text), then the subject
 * CN when there is no dNSName (OpenSSL's RFC 6125 fallback). Control bytes
 * are replaced by '?'. Always NUL-terminated; cut to fit. Returns 1 on
 * success, 0 when the subjectAltName extension could not be decoded. */
int csstp_x509_host_names(X509 *cert, char *buf, size_t len);


/* ---- A BIO over a caller's byte transport (transport_bio.c) ---- */

/* What a transport callback returns: >0 bytes moved, or one of these. */
#define CSSTP_TRANSPORT_WOULD_BLOCK (-1) /* retry after readiness */
#define CSSTP_TRANSPORT_END (-2)         /* end of stream (reads) */
#define CSSTP_TRANSPORT_FAILED (-3)      /* failure; errno says which */

/* Moves at most len bytes; never blocks. ctx is the pointer given to
 * csstp_transport_bio_new. */
typedef int (*csstp_transport_io)(void *ctx, char *buf, int len);

/* A BIO whose reads and writes call read_fn / write_fn with ctx (one BIO
 * method for the process, made on first use). A would-block sets the retry
 * flag; an end of stream reads as 0 (OpenSSL: unexpected EOF); a failure
 * returns -1 with errno kept (SSL_ERROR_SYSCALL). ctx must outlive the BIO.
 * NULL when OpenSSL refuses. */
BIO *csstp_transport_bio_new(void *ctx, csstp_transport_io read_fn, csstp_transport_io write_fn);

/* ---- EAP-TLS client identity, implemented in identity_shim.c ---- */

/* Reads the first private key of a PEM file, decrypting it with pass
 * (pass_len bytes) when it is encrypted; never prompts. *asked is set to 1
 * when the key was encrypted and so the passphrase was used. NULL on failure. */
EVP_PKEY *csstp_read_private_key(const char *path, const char *pass, size_t pass_len, int *asked);

/* Reads a PKCS#12 file with the NUL-terminated passphrase pass (may be "").
 * Returns 1 with *key, *cert and *ca (the extra certificates, possibly NULL)
 * set, 0 when the passphrase is wrong (the MAC check failed), -1 when the
 * file cannot be read or parsed. */
int csstp_read_pkcs12(const char *path, const char *pass, EVP_PKEY **key, X509 **cert, STACK_OF(X509) **ca);

/* sk_X509_pop_free (a macro). */
void csstp_x509_stack_free(STACK_OF(X509) *stack);

#endif

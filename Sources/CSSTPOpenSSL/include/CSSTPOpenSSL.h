#ifndef CSSTP_OPENSSL_H
#define CSSTP_OPENSSL_H

#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/provider.h>
#include <openssl/rand.h>
#include <openssl/err.h>
#include <openssl/crypto.h>

/* Thin wrappers for things Swift cannot call directly (macros) or that want
 * one place for OpenSSL version differences. Implemented in shim.c. */

/* Returns the last OpenSSL error as text in buf (always NUL-terminated). */
void csstp_last_error(char *buf, size_t len);

#endif

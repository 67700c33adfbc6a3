/* The vpn.data and vpn.secrets keys of the sstp VPN type, and their checks.
 *
 * Every key of network-manager-sstp 1.3 is accepted with the same meaning,
 * plus this project's additions (cert-pin, tls-min, tls-max, extra-ca-cert,
 * server-name, ipv6, hello-interval, backend). */
#ifndef SSTP_KEYS_H
#define SSTP_KEYS_H

#include <glib.h>
#include <stdio.h>

#define SSTP_SERVICE "org.freedesktop.NetworkManager.sstp"

/* The error domain of the editor plugin and of these checks. */
#define SSTP_ERROR (sstp_error_quark())
GQuark sstp_error_quark(void);

typedef enum {
    SSTP_ERROR_FAILED,    /* I/O and other failures */
    SSTP_ERROR_INVALID,   /* a file or a value that is malformed */
    SSTP_ERROR_NOT_SSTP,  /* well formed, but not an SSTP profile or entry */
    SSTP_ERROR_NO_EDITOR, /* no editor window here (no GTK, no display) */
} SstpError;

/* Secret flags (NMSettingSecretFlags). */
#define SSTP_FLAG_AGENT_OWNED  0x1
#define SSTP_FLAG_NOT_SAVED    0x2
#define SSTP_FLAG_NOT_REQUIRED 0x4

/* NULL-terminated, in a fixed order. */
extern const char *const sstp_data_keys[];
extern const char *const sstp_secret_keys[];

gboolean sstp_is_data_key(const char *key);
gboolean sstp_is_secret_key(const char *key);

/* Checks one vpn.data item. On failure sets error with a message that names
 * the key and says what is allowed. */
gboolean sstp_check_data_item(const char *key, const char *value, GError **error);

/* Parses a "<secret>-flags" value; FALSE if it is not a number in 0..7. */
gboolean sstp_parse_flags(const char *value, guint *flags);

/* Prints key_specs as name TAB kind TAB min TAB max TAB choices lines, sorted
 * by name (compared with the Swift option table by a test). */
void sstp_key_specs_dump(FILE *out);

#endif

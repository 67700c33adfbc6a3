/* The vpn.data keys of the sstp VPN type and their checks. See sstp-keys.h. */
#include "sstp-keys.h"

#include <string.h>

G_DEFINE_QUARK(sstp-editor-plugin-error-quark, sstp_error)

typedef enum {
    KIND_STRING,  /* any text */
    KIND_BOOL,    /* exactly yes or no */
    KIND_UINT,    /* a decimal number in min..max */
    KIND_CHOICE,  /* one of the words in choices */
    KIND_GATEWAY, /* host name or address, optionally :port */
    KIND_PINS,    /* comma-separated sha256:BASE64 */
} KeyKind;

typedef struct {
    const char *name;
    KeyKind     kind;
    guint64     min, max;
    const char *choices; /* space-separated, for KIND_CHOICE */
} KeySpec;

/* The same keys, kinds and ranges as the vpn.data keys of the Swift option
 * table (Sources/SSTPOptions/OptionTable.swift); Tests/e2e/test_docs.py
 * compares them, and `sstp-docgen --c-key-specs` prints these rows. */
static const KeySpec key_specs[] = {
    /* network-manager-sstp 1.3 */
    {"gateway", KIND_GATEWAY, 0, 0, NULL},
    {"connection-type", KIND_CHOICE, 0, 0, "password tls peap"},
    {"user", KIND_STRING, 0, 0, NULL},
    {"domain", KIND_STRING, 0, 0, NULL},
    {"password-flags", KIND_UINT, 0, 7, NULL},
    {"proxy-password-flags", KIND_UINT, 0, 7, NULL},
    {"tls-user-key-secret-flags", KIND_UINT, 0, 7, NULL},
    {"ca-cert", KIND_STRING, 0, 0, NULL},
    {"ignore-cert-warn", KIND_BOOL, 0, 0, NULL},
    {"tls-ext", KIND_BOOL, 0, 0, NULL},
    {"proxy-server", KIND_STRING, 0, 0, NULL},
    {"proxy-port", KIND_UINT, 1, 65535, NULL},
    {"proxy-user", KIND_STRING, 0, 0, NULL},
    {"refuse-eap", KIND_BOOL, 0, 0, NULL},
    {"refuse-pap", KIND_BOOL, 0, 0, NULL},
    {"refuse-chap", KIND_BOOL, 0, 0, NULL},
    {"refuse-mschap", KIND_BOOL, 0, 0, NULL},
    {"refuse-mschapv2", KIND_BOOL, 0, 0, NULL},
    {"require-mppe", KIND_BOOL, 0, 0, NULL},
    {"require-mppe-40", KIND_BOOL, 0, 0, NULL},
    {"require-mppe-128", KIND_BOOL, 0, 0, NULL},
    {"mppe-stateful", KIND_BOOL, 0, 0, NULL},
    {"nobsdcomp", KIND_BOOL, 0, 0, NULL},
    {"nodeflate", KIND_BOOL, 0, 0, NULL},
    {"no-vj-comp", KIND_BOOL, 0, 0, NULL},
    {"lcp-echo-failure", KIND_UINT, 0, 1000, NULL},
    {"lcp-echo-interval", KIND_UINT, 0, 3600, NULL},
    {"unit", KIND_UINT, 0, 9999, NULL},
    {"mtu", KIND_UINT, 576, 4087, NULL},
    {"crl-file", KIND_STRING, 0, 0, NULL},
    {"tls-ca-cert", KIND_STRING, 0, 0, NULL},
    {"tls-identity", KIND_STRING, 0, 0, NULL},
    {"tls-subject-name", KIND_STRING, 0, 0, NULL},
    {"tls-user-cert", KIND_STRING, 0, 0, NULL},
    {"tls-user-key", KIND_STRING, 0, 0, NULL},
    {"tls-verify-method", KIND_CHOICE, 0, 0, "none name subject suffix"},
    {"tls-remotename", KIND_STRING, 0, 0, NULL},
    {"tls-verify-key-usage", KIND_BOOL, 0, 0, NULL},
    {"tls-max-version", KIND_CHOICE, 0, 0, "1.0 1.1 1.2 1.3"},
    {"uuid", KIND_STRING, 0, 0, NULL},
    /* this project's additions */
    {"cert-pin", KIND_PINS, 0, 0, NULL},
    {"tls-min", KIND_CHOICE, 0, 0, "1.2 1.3"},
    {"tls-max", KIND_CHOICE, 0, 0, "1.2 1.3"},
    {"extra-ca-cert", KIND_STRING, 0, 0, NULL},
    {"server-name", KIND_STRING, 0, 0, NULL},
    {"ipv6", KIND_BOOL, 0, 0, NULL},
    {"hello-interval", KIND_UINT, 1, 3600, NULL},
    {"backend", KIND_CHOICE, 0, 0, "userspace pppd"},
    {"allow-weak-auth-without-verify", KIND_BOOL, 0, 0, NULL},
    {"tls-legacy-ciphers", KIND_BOOL, 0, 0, NULL},
};

const char *const sstp_data_keys[] = {
    "gateway", "connection-type", "user", "domain", "password-flags",
    "proxy-password-flags", "tls-user-key-secret-flags", "ca-cert",
    "ignore-cert-warn", "tls-ext", "proxy-server", "proxy-port", "proxy-user",
    "refuse-eap", "refuse-pap", "refuse-chap", "refuse-mschap",
    "refuse-mschapv2", "require-mppe", "require-mppe-40", "require-mppe-128",
    "mppe-stateful", "nobsdcomp", "nodeflate", "no-vj-comp",
    "lcp-echo-failure", "lcp-echo-interval", "unit", "mtu", "crl-file",
    "tls-ca-cert", "tls-identity", "tls-subject-name", "tls-user-cert",
    "tls-user-key", "tls-verify-method", "tls-remotename",
    "tls-verify-key-usage", "tls-max-version", "uuid", "cert-pin", "tls-min",
    "tls-max", "extra-ca-cert", "server-name", "ipv6", "hello-interval",
    "backend", "allow-weak-auth-without-verify", "tls-legacy-ciphers", NULL,
};

const char *const sstp_secret_keys[] = {
    "password", "proxy-password", "tls-user-key-secret", NULL,
};

G_STATIC_ASSERT(G_N_ELEMENTS(key_specs) + 1 == G_N_ELEMENTS(sstp_data_keys));

static const KeySpec *
find_spec(const char *key)
{
    for (gsize i = 0; i < G_N_ELEMENTS(key_specs); i++) {
        if (strcmp(key_specs[i].name, key) == 0)
            return &key_specs[i];
    }
    return NULL;
}

gboolean
sstp_is_data_key(const char *key)
{
    return key && find_spec(key) != NULL;
}

gboolean
sstp_is_secret_key(const char *key)
{
    return key && g_strv_contains(sstp_secret_keys, key);
}

static gboolean
parse_uint(const char *value, guint64 min, guint64 max, guint64 *out)
{
    guint64 n;

    /* Plain decimal digits only: no sign, no spaces, no hex. */
    if (!value[0] || strspn(value, "0123456789") != strlen(value) || strlen(value) > 10)
        return FALSE;
    n = g_ascii_strtoull(value, NULL, 10);
    if (n < min || n > max)
        return FALSE;
    if (out)
        *out = n;
    return TRUE;
}

gboolean
sstp_parse_flags(const char *value, guint *flags)
{
    guint64 n;

    if (!value || !parse_uint(value, 0, 7, &n))
        return FALSE;
    *flags = (guint) n;
    return TRUE;
}

static gboolean
is_choice(const char *choices, const char *value)
{
    g_auto(GStrv) words = g_strsplit(choices, " ", -1);

    return g_strv_contains((const char *const *) words, value);
}

static gboolean
check_pins(const char *value)
{
    g_auto(GStrv) pins = g_strsplit(value, ",", -1);

    if (!pins[0])
        return FALSE;
    for (guint i = 0; pins[i]; i++) {
        const char   *b64 = g_strstrip(pins[i]);
        gsize         len = 0;
        g_autofree guchar *digest = NULL;

        if (!g_str_has_prefix(b64, "sha256:"))
            return FALSE;
        b64 += strlen("sha256:");
        /* g_base64_decode() does not reject bad characters, so check first. */
        if (!b64[0] || strspn(b64, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/=")
                           != strlen(b64))
            return FALSE;
        digest = g_base64_decode(b64, &len);
        if (len != 32)
            return FALSE;
    }
    return TRUE;
}

gboolean
sstp_check_data_item(const char *key, const char *value, GError **error)
{
    const KeySpec *spec = key ? find_spec(key) : NULL;

    if (!spec) {
        g_set_error(error, SSTP_ERROR, SSTP_ERROR_INVALID, "unknown vpn.data key '%s'",
                    key ? key : "(null)");
        return FALSE;
    }
    if (!value) {
        g_set_error(error, SSTP_ERROR, SSTP_ERROR_INVALID, "key '%s' has no value", key);
        return FALSE;
    }

    switch (spec->kind) {
    case KIND_STRING:
        return TRUE;
    case KIND_BOOL:
        if (strcmp(value, "yes") == 0 || strcmp(value, "no") == 0)
            return TRUE;
        g_set_error(error, SSTP_ERROR, SSTP_ERROR_INVALID,
                    "key '%s' must be 'yes' or 'no', not '%s'", key, value);
        return FALSE;
    case KIND_UINT:
        if (parse_uint(value, spec->min, spec->max, NULL))
            return TRUE;
        g_set_error(error, SSTP_ERROR, SSTP_ERROR_INVALID,
                    "key '%s' must be a whole number from %" G_GUINT64_FORMAT
                    " to %" G_GUINT64_FORMAT ", not '%s'",
                    key, spec->min, spec->max, value);
        return FALSE;
    case KIND_CHOICE:
        if (is_choice(spec->choices, value))
            return TRUE;
        g_set_error(error, SSTP_ERROR, SSTP_ERROR_INVALID,
                    "key '%s' must be one of: %s; not '%s'", key, spec->choices, value);
        return FALSE;
    case KIND_GATEWAY:
        if (value[0]
            && strspn(value, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-.:")
                   == strlen(value))
            return TRUE;
        g_set_error(error, SSTP_ERROR, SSTP_ERROR_INVALID,
                    "key 'gateway' must be a host name or address (letters, digits, '-', '.', "
                    "':'), not '%s'",
                    value);
        return FALSE;
    case KIND_PINS:
        if (check_pins(value))
            return TRUE;
        g_set_error(error, SSTP_ERROR, SSTP_ERROR_INVALID,
                    "key 'cert-pin' must be a comma-separated list of sha256:BASE64 "
                    "(32-byte digests), not '%s'",
                    value);
        return FALSE;
    }
    g_assert_not_reached();
}

/* One line per key_specs row: name TAB kind TAB min TAB max TAB choices,
 * sorted by name; the format `sstp-docgen --vpn-data-keys` prints from the
 * Swift option table, so a test can compare the two (tests/dump-keys.c). */
static int
compare_lines(gconstpointer a, gconstpointer b)
{
    return strcmp(*(const char *const *) a, *(const char *const *) b);
}

void
sstp_key_specs_dump(FILE *out)
{
    static const char *const kind_names[] = {
        [KIND_STRING] = "KIND_STRING", [KIND_BOOL] = "KIND_BOOL",     [KIND_UINT] = "KIND_UINT",
        [KIND_CHOICE] = "KIND_CHOICE", [KIND_GATEWAY] = "KIND_GATEWAY", [KIND_PINS] = "KIND_PINS",
    };
    g_autoptr(GPtrArray) lines = g_ptr_array_new_with_free_func(g_free);

    for (gsize i = 0; i < G_N_ELEMENTS(key_specs); i++) {
        const KeySpec *s = &key_specs[i];
        g_ptr_array_add(lines, g_strdup_printf("%s\t%s\t%" G_GUINT64_FORMAT "\t%" G_GUINT64_FORMAT "\t%s\n",
                                               s->name, kind_names[s->kind], s->min, s->max,
                                               s->choices ? s->choices : ""));
    }
    g_ptr_array_sort(lines, compare_lines);
    for (guint i = 0; i < lines->len; i++)
        fputs(g_ptr_array_index(lines, i), out);
}

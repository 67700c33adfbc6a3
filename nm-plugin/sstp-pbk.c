/* Import of an SSTP entry of a Windows phonebook (rasphone.pbk).
 *
 * A phonebook is an INI file: one [Entry Name] section per connection. The
 * keys used here, with the facts behind the mapping (MS-RRASM 2.2.2.2 and the
 * AR_F_* masks of the RAS phonebook):
 *
 *   Type=2                      a VPN entry (1 phone, 3 direct, 4/5 broadband)
 *   VpnStrategy=N               tunnel protocols tried, see strategy_names[]
 *   PhoneNumber=host            the server                  -> gateway
 *   AuthRestrictions=bits       PAP 0x8, SPAP 0x10, MD5-CHAP 0x20, MS-CHAP 0x40,
 *                               EAP 0x80, MS-CHAPv2 0x200, Win95 MS-CHAP 0x400
 *                                                           -> refuse-*
 *   CustomAuthKey=13            the EAP method is EAP-TLS   -> connection-type
 *   IpHeaderCompression=0|1     Van Jacobson compression    -> no-vj-comp
 *   ExcludedProtocols=bits      0x8: do not negotiate IPv6  -> ipv6=no
 *
 * The first entry whose VpnStrategy names SSTP is imported; if there is none,
 * the first VPN entry left on Automatic (0). Anything else is refused. */
#include "sstp-files.h"
#include "sstp-keys.h"

#include <string.h>

#define AR_PAP       0x008
#define AR_MD5CHAP   0x020
#define AR_MSCHAP    0x040
#define AR_EAP       0x080
#define AR_MSCHAP2   0x200
#define AR_W95MSCHAP 0x400
#define AR_MAPPED    (AR_PAP | AR_MD5CHAP | AR_MSCHAP | AR_EAP | AR_MSCHAP2 | AR_W95MSCHAP)

#define EAP_TYPE_TLS         13
#define EXCLUDED_IPV6        0x8
#define RASET_VPN            2

typedef struct {
    char      *name;
    GPtrArray *pairs; /* key, value, key, value, ... */
} Entry;

static void
entry_free(gpointer data)
{
    Entry *entry = data;

    g_free(entry->name);
    g_ptr_array_unref(entry->pairs);
    g_free(entry);
}

static const char *
entry_get(const Entry *entry, const char *key)
{
    for (guint i = 0; i + 1 < entry->pairs->len; i += 2) {
        if (g_ascii_strcasecmp(entry->pairs->pdata[i], key) == 0)
            return entry->pairs->pdata[i + 1];
    }
    return NULL;
}

/* Reads a decimal key into *out, which is left alone when the key is absent.
 * FALSE, with error, only when the value is not a number. Windows writes -1
 * for some unset values (CustomAuthKey). */
static gboolean
entry_get_number(const Entry *entry, const char *key, gint64 *out, GError **error)
{
    const char *value = entry_get(entry, key);

    if (!value)
        return TRUE;
    if (!g_ascii_string_to_signed(value, 10, G_MININT32, G_MAXUINT32, out, NULL)) {
        g_set_error(error, SSTP_ERROR, SSTP_ERROR_INVALID,
                    "phonebook entry '%s': %s=%s is not a number", entry->name, key, value);
        return FALSE;
    }
    return TRUE;
}

/* Phonebooks are UTF-8 (Encoding=1), sometimes with a byte order mark, or
 * UTF-16 with one, or, when old, in the Windows ANSI code page. */
static char *
to_utf8(const char *contents, gsize length, GError **error)
{
    const guchar *b = (const guchar *) contents;
    const char   *from = NULL;
    g_autoptr(GError) local = NULL;
    char         *text;

    if (length >= 3 && b[0] == 0xEF && b[1] == 0xBB && b[2] == 0xBF)
        return g_utf8_validate(contents + 3, length - 3, NULL)
                   ? g_strndup(contents + 3, length - 3)
                   : NULL;
    if (length >= 2 && b[0] == 0xFF && b[1] == 0xFE) {
        from = "UTF-16LE";
        contents += 2, length -= 2;
    } else if (length >= 2 && b[0] == 0xFE && b[1] == 0xFF) {
        from = "UTF-16BE";
        contents += 2, length -= 2;
    } else if (memchr(contents, '\0', length)) {
        g_set_error(error, SSTP_ERROR, SSTP_ERROR_INVALID,
                    "not a phonebook: the file holds binary data");
        return NULL;
    } else if (g_utf8_validate(contents, length, NULL)) {
        return g_strndup(contents, length);
    } else {
        from = "WINDOWS-1252";
    }
    text = g_convert(contents, length, "UTF-8", from, NULL, NULL, &local);
    if (!text)
        g_set_error(error, SSTP_ERROR, SSTP_ERROR_INVALID,
                    "not a readable phonebook: cannot convert it from %s: %s", from,
                    local->message);
    return text;
}

static GPtrArray *
parse_entries(const char *text, GError **error)
{
    g_autoptr(GPtrArray) entries = g_ptr_array_new_with_free_func(entry_free);
    g_auto(GStrv) lines = g_strsplit(text, "\n", -1);
    Entry *current = NULL;

    for (guint i = 0; lines[i]; i++) {
        char *line = g_strstrip(lines[i]);
        char *eq;

        if (!line[0] || line[0] == ';' || line[0] == '#')
            continue;
        if (line[0] == '[') {
            char *end = strrchr(line, ']');

            if (!end || end[1] != '\0' || end == line + 1) {
                g_set_error(error, SSTP_ERROR, SSTP_ERROR_INVALID,
                            "not a valid phonebook: line %u: bad entry header '%s'", i + 1,
                            line);
                return NULL;
            }
            current = g_new0(Entry, 1);
            current->name = g_strndup(line + 1, (gsize) (end - line - 1));
            current->pairs = g_ptr_array_new_with_free_func(g_free);
            g_ptr_array_add(entries, current);
            continue;
        }
        eq = strchr(line, '=');
        if (!eq || eq == line || !current) {
            g_set_error(error, SSTP_ERROR, SSTP_ERROR_INVALID,
                        "not a valid phonebook: line %u is neither '[Entry]' nor 'Key=Value' "
                        "inside an entry",
                        i + 1);
            return NULL;
        }
        *eq = '\0';
        g_ptr_array_add(current->pairs, g_strdup(g_strstrip(line)));
        g_ptr_array_add(current->pairs, g_strdup(g_strstrip(eq + 1)));
    }
    if (entries->len == 0) {
        g_set_error(error, SSTP_ERROR, SSTP_ERROR_INVALID,
                    "not a valid phonebook: it has no [Entry] section");
        return NULL;
    }
    return g_steal_pointer(&entries);
}

/* VpnStrategy values (MS-RRASM 2.2.2.2.11, RASENTRY dwVpnStrategy). */
static const char *const strategy_names[] = {
    [0] = "Automatic",          [1] = "PPTP only",
    [2] = "PPTP first",         [3] = "L2TP only",
    [4] = "L2TP first",         [5] = "SSTP only",
    [6] = "SSTP first",         [7] = "IKEv2 only",
    [8] = "IKEv2 first",        [9] = "GRE only",
    [12] = "PPTP, then SSTP",   [13] = "L2TP, then SSTP",
    [14] = "IKEv2, then SSTP",  [15] = "protocol list",
};

typedef enum { STRATEGY_NO_SSTP, STRATEGY_AUTOMATIC, STRATEGY_SSTP } StrategyClass;

static StrategyClass
classify(gint64 strategy)
{
    switch (strategy) {
    case 5: case 6: case 8: case 12: case 13: case 14:
        return STRATEGY_SSTP;
    case 0:
        return STRATEGY_AUTOMATIC;
    default:
        return STRATEGY_NO_SSTP;
    }
}

static const char *
strategy_name(gint64 strategy)
{
    if (strategy >= 0 && strategy < (gint64) G_N_ELEMENTS(strategy_names)
        && strategy_names[strategy])
        return strategy_names[strategy];
    return "unknown";
}

/* Picks the entry to import, or explains why there is none. */
static const Entry *
choose_entry(GPtrArray *entries, GError **error)
{
    const Entry *automatic = NULL;
    g_autoptr(GString) why = g_string_new(NULL);

    for (guint i = 0; i < entries->len; i++) {
        const Entry *entry = entries->pdata[i];
        gint64       type = 0, strategy = 0; /* absent: Automatic */

        if (!entry_get_number(entry, "Type", &type, error))
            return NULL;
        if (type != RASET_VPN) {
            g_string_append_printf(why, "%s'%s' is not a VPN entry (Type=%s)",
                                   why->len ? "; " : "", entry->name,
                                   entry_get(entry, "Type") ? entry_get(entry, "Type") : "missing");
            continue;
        }
        if (!entry_get_number(entry, "VpnStrategy", &strategy, error))
            return NULL;
        switch (classify(strategy)) {
        case STRATEGY_SSTP:
            return entry;
        case STRATEGY_AUTOMATIC:
            if (!automatic)
                automatic = entry;
            break;
        case STRATEGY_NO_SSTP:
            g_string_append_printf(why, "%s'%s' is a VPN entry for %s (VpnStrategy=%" G_GINT64_FORMAT ")",
                                   why->len ? "; " : "", entry->name, strategy_name(strategy),
                                   strategy);
            break;
        }
    }
    if (automatic)
        return automatic;
    g_set_error(error, SSTP_ERROR, SSTP_ERROR_NOT_SSTP, "no SSTP entry in this phonebook: %s",
                why->str);
    return NULL;
}

static void
set_bool(NMSettingVpn *s_vpn, const char *key, gboolean value)
{
    nm_setting_vpn_add_data_item(s_vpn, key, value ? "yes" : "no");
}

/* Maps the entry's authentication settings; FALSE with error if none of
 * them is one that PPP here can do. */
static gboolean
map_auth(const Entry *entry, NMSettingVpn *s_vpn, GError **error)
{
    gint64   ar = 0, eap_type = 0;
    gboolean tls;

    if (!entry_get_number(entry, "AuthRestrictions", &ar, error)
        || !entry_get_number(entry, "CustomAuthKey", &eap_type, error))
        return FALSE;
    tls = (ar & AR_MAPPED) == AR_EAP && eap_type == EAP_TYPE_TLS;
    nm_setting_vpn_add_data_item(s_vpn, "connection-type", tls ? "tls" : "password");

    if (ar <= 0)
        return TRUE; /* not set: keep the defaults */
    if (!(ar & AR_MAPPED)) {
        g_set_error(error, SSTP_ERROR, SSTP_ERROR_NOT_SSTP,
                    "phonebook entry '%s' allows none of PAP, CHAP, MS-CHAP, MS-CHAPv2 or EAP "
                    "(AuthRestrictions=%" G_GINT64_FORMAT ")",
                    entry->name, ar);
        return FALSE;
    }
    set_bool(s_vpn, "refuse-pap", !(ar & AR_PAP));
    set_bool(s_vpn, "refuse-chap", !(ar & AR_MD5CHAP));
    set_bool(s_vpn, "refuse-mschap", !(ar & (AR_MSCHAP | AR_W95MSCHAP)));
    set_bool(s_vpn, "refuse-mschapv2", !(ar & AR_MSCHAP2));
    set_bool(s_vpn, "refuse-eap", !(ar & AR_EAP));
    return TRUE;
}

static NMConnection *
entry_to_connection(const Entry *entry, GError **error)
{
    g_autoptr(NMConnection) connection = NULL;
    g_autoptr(GError) local = NULL;
    NMSettingVpn *s_vpn;
    const char   *gateway = entry_get(entry, "PhoneNumber");
    const char   *vj = entry_get(entry, "IpHeaderCompression");
    gint64        excluded = 0;

    if (!gateway || !gateway[0]) {
        g_set_error(error, SSTP_ERROR, SSTP_ERROR_INVALID,
                    "phonebook entry '%s' has no PhoneNumber (the VPN server)", entry->name);
        return NULL;
    }
    if (!sstp_check_data_item("gateway", gateway, &local)) {
        g_set_error(error, SSTP_ERROR, SSTP_ERROR_INVALID, "phonebook entry '%s': %s",
                    entry->name, local->message);
        return NULL;
    }

    connection = sstp_connection_new(entry->name);
    s_vpn = nm_connection_get_setting_vpn(connection);
    nm_setting_vpn_add_data_item(s_vpn, "gateway", gateway);
    if (!map_auth(entry, s_vpn, error))
        return NULL;
    if (vj && (strcmp(vj, "0") == 0 || strcmp(vj, "1") == 0))
        set_bool(s_vpn, "no-vj-comp", strcmp(vj, "0") == 0);
    if (!entry_get_number(entry, "ExcludedProtocols", &excluded, error))
        return NULL;
    if (excluded & EXCLUDED_IPV6)
        set_bool(s_vpn, "ipv6", FALSE);

    if (!nm_connection_normalize(connection, NULL, NULL, &local)) {
        g_set_error(error, SSTP_ERROR, SSTP_ERROR_INVALID,
                    "phonebook entry '%s' gives no valid connection: %s", entry->name,
                    local->message);
        return NULL;
    }
    return g_steal_pointer(&connection);
}

gboolean
sstp_looks_like_pbk(const char *path, const char *contents, gsize length)
{
    g_autofree char *lower = path ? g_ascii_strdown(path, -1) : NULL;

    if (lower && g_str_has_suffix(lower, ".pbk"))
        return TRUE;
    /* Our profile has no PhoneNumber key; every VPN entry of a phonebook has. */
    return g_strstr_len(contents, (gssize) length, "\nPhoneNumber=") != NULL;
}

NMConnection *
sstp_pbk_parse(const char *contents, gsize length, GError **error)
{
    g_autofree char *text = NULL;
    g_autoptr(GPtrArray) entries = NULL;
    const Entry *entry;

    text = to_utf8(contents, length, error);
    if (!text) {
        if (error && !*error)
            g_set_error(error, SSTP_ERROR, SSTP_ERROR_INVALID,
                        "not a readable phonebook: invalid UTF-8 after the byte order mark");
        return NULL;
    }
    entries = parse_entries(text, error);
    if (!entries)
        return NULL;
    entry = choose_entry(entries, error);
    if (!entry)
        return NULL;
    return entry_to_connection(entry, error);
}

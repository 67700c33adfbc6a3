/* The INI profile format of the sstp plugin (described in README.md):
 *
 *     [sstp]
 *     name=Work
 *     gateway=vpn.example.com
 *     user=alice
 *     ...every other vpn.data key...
 *
 * Secrets are never written, and a profile that holds one is refused. */
#include "sstp-files.h"
#include "sstp-keys.h"

#include <string.h>

#define GROUP          "sstp"
#define KEY_NAME       "name"
#define KEY_USER_NAME  "user-name"

static gboolean
is_sstp_service(const char *service)
{
    return g_strcmp0(service, SSTP_SERVICE) == 0 || g_strcmp0(service, "sstp") == 0;
}

NMConnection *
sstp_profile_parse(const char *contents, gsize length, GError **error)
{
    g_autoptr(GKeyFile) kf = g_key_file_new();
    g_autoptr(GError) local = NULL;
    g_auto(GStrv) groups = NULL;
    g_auto(GStrv) keys = NULL;
    g_autofree char *name = NULL;
    g_autoptr(NMConnection) connection = NULL;
    NMSettingVpn *s_vpn;

    if (!g_key_file_load_from_data(kf, contents, length, G_KEY_FILE_NONE, &local)) {
        g_set_error(error, SSTP_ERROR, SSTP_ERROR_INVALID, "not a valid sstp profile: %s",
                    local->message);
        return NULL;
    }
    if (!g_key_file_has_group(kf, GROUP)) {
        g_set_error(error, SSTP_ERROR, SSTP_ERROR_NOT_SSTP,
                    "not an sstp profile: it has no [" GROUP "] group");
        return NULL;
    }
    groups = g_key_file_get_groups(kf, NULL);
    for (guint i = 0; groups[i]; i++) {
        if (strcmp(groups[i], GROUP) != 0) {
            g_set_error(error, SSTP_ERROR, SSTP_ERROR_INVALID,
                        "sstp profile: unknown group [%s]; only [" GROUP "] is allowed",
                        groups[i]);
            return NULL;
        }
    }

    name = g_key_file_get_string(kf, GROUP, KEY_NAME, NULL);
    if (!name || !name[0]) {
        g_set_error(error, SSTP_ERROR, SSTP_ERROR_INVALID,
                    "sstp profile: the key 'name' (the connection name) is missing or empty");
        return NULL;
    }
    if (!g_key_file_has_key(kf, GROUP, "gateway", NULL)) {
        g_set_error(error, SSTP_ERROR, SSTP_ERROR_INVALID,
                    "sstp profile: the key 'gateway' (the VPN server) is missing");
        return NULL;
    }

    connection = sstp_connection_new(name);
    s_vpn = nm_connection_get_setting_vpn(connection);

    keys = g_key_file_get_keys(kf, GROUP, NULL, NULL);
    for (guint i = 0; keys[i]; i++) {
        const char *key = keys[i];
        g_autofree char *value = NULL;

        if (strcmp(key, KEY_NAME) == 0)
            continue;
        if (sstp_is_secret_key(key)) {
            g_set_error(error, SSTP_ERROR, SSTP_ERROR_INVALID,
                        "sstp profile: '%s' is a secret and must not be in a profile file; "
                        "remove it and give it to NetworkManager instead",
                        key);
            return NULL;
        }
        value = g_key_file_get_string(kf, GROUP, key, &local);
        if (!value) {
            g_set_error(error, SSTP_ERROR, SSTP_ERROR_INVALID, "sstp profile: key '%s': %s",
                        key, local->message);
            return NULL;
        }
        if (strcmp(key, KEY_USER_NAME) == 0) {
            g_object_set(s_vpn, NM_SETTING_VPN_USER_NAME, value, NULL);
            continue;
        }
        if (!sstp_check_data_item(key, value, &local)) {
            g_set_error(error, SSTP_ERROR, SSTP_ERROR_INVALID, "sstp profile: %s",
                        local->message);
            return NULL;
        }
        nm_setting_vpn_add_data_item(s_vpn, key, value);
    }

    if (!nm_connection_normalize(connection, NULL, NULL, &local)) {
        g_set_error(error, SSTP_ERROR, SSTP_ERROR_INVALID,
                    "sstp profile: the connection is not valid: %s", local->message);
        return NULL;
    }
    return g_steal_pointer(&connection);
}

char *
sstp_profile_format(NMConnection *connection, gsize *length, GError **error)
{
    g_autoptr(GKeyFile) kf = g_key_file_new();
    g_autoptr(GError) local = NULL;
    NMSettingVpn *s_vpn = nm_connection_get_setting_vpn(connection);
    const char  **keys;
    guint         n_keys = 0;
    const char   *id = nm_connection_get_id(connection);

    if (!s_vpn || !is_sstp_service(nm_setting_vpn_get_service_type(s_vpn))) {
        g_set_error(error, SSTP_ERROR, SSTP_ERROR_NOT_SSTP,
                    "cannot export: '%s' is not an sstp VPN connection", id ? id : "(unnamed)");
        return NULL;
    }

    /* Check everything before writing anything. */
    keys = nm_setting_vpn_get_data_keys(s_vpn, &n_keys);
    for (guint i = 0; i < n_keys; i++) {
        if (!sstp_check_data_item(keys[i], nm_setting_vpn_get_data_item(s_vpn, keys[i]),
                                  &local)) {
            g_set_error(error, SSTP_ERROR, SSTP_ERROR_INVALID, "cannot export '%s': %s",
                        id ? id : "(unnamed)", local->message);
            g_free(keys);
            return NULL;
        }
    }
    g_free(keys);

    g_key_file_set_string(kf, GROUP, KEY_NAME, id ? id : "");
    if (nm_setting_vpn_get_user_name(s_vpn))
        g_key_file_set_string(kf, GROUP, KEY_USER_NAME, nm_setting_vpn_get_user_name(s_vpn));
    for (guint i = 0; sstp_data_keys[i]; i++) {
        const char *value = nm_setting_vpn_get_data_item(s_vpn, sstp_data_keys[i]);

        if (value)
            g_key_file_set_string(kf, GROUP, sstp_data_keys[i], value);
    }
    g_key_file_set_comment(kf, NULL, NULL,
                           " SSTP VPN profile. It holds no secrets.\n"
                           " Import it with: nmcli connection import type sstp file <this file>",
                           NULL);
    return g_key_file_to_data(kf, length, error);
}

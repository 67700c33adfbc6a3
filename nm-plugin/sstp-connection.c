/* A fresh sstp VPN connection for the importers. */
#include "sstp-files.h"
#include "sstp-keys.h"

NMConnection *
sstp_connection_new(const char *id)
{
    NMConnection     *connection = nm_simple_connection_new();
    g_autofree char  *uuid       = nm_utils_uuid_generate();
    NMSetting        *s_con      = nm_setting_connection_new();
    NMSetting        *s_vpn      = nm_setting_vpn_new();
    NMSetting        *s_ip4      = nm_setting_ip4_config_new();
    NMSetting        *s_ip6      = nm_setting_ip6_config_new();

    g_object_set(s_con, NM_SETTING_CONNECTION_ID, id, NM_SETTING_CONNECTION_UUID, uuid,
                 NM_SETTING_CONNECTION_TYPE, NM_SETTING_VPN_SETTING_NAME, NULL);
    g_object_set(s_vpn, NM_SETTING_VPN_SERVICE_TYPE, SSTP_SERVICE, NULL);
    g_object_set(s_ip4, NM_SETTING_IP_CONFIG_METHOD, NM_SETTING_IP4_CONFIG_METHOD_AUTO, NULL);
    g_object_set(s_ip6, NM_SETTING_IP_CONFIG_METHOD, NM_SETTING_IP6_CONFIG_METHOD_AUTO, NULL);

    nm_connection_add_setting(connection, s_con);
    nm_connection_add_setting(connection, s_vpn);
    nm_connection_add_setting(connection, s_ip4);
    nm_connection_add_setting(connection, s_ip6);
    return connection;
}

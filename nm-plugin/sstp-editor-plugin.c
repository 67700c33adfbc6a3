/* libnm-vpn-plugin-sstp.so: the libnm editor plugin of the sstp VPN type.
 *
 * nmcli and the GUIs load it through the [libnm] plugin= key of
 * nm-sstp-service.name and call nm_vpn_editor_plugin_factory(). It imports
 * and exports connection files (sstp-profile.c, sstp-pbk.c) and has no
 * editor UI: connections are edited with nmcli. */
#include "sstp-files.h"
#include "sstp-keys.h"

#include <gmodule.h>
#include <string.h>

/* Newer libnm has NM_VPN_EDITOR_PLUGIN_CAPABILITY_NO_EDITOR; 1.42 lacks it. */
#define SSTP_CAPABILITY_NO_EDITOR 0x08

#define SSTP_EXPORT __attribute__((visibility("default")))

enum {
    PROP_0,
    PROP_NAME,
    PROP_DESCRIPTION,
    PROP_SERVICE,
};

#define SSTP_TYPE_EDITOR_PLUGIN (sstp_editor_plugin_get_type())
G_DECLARE_FINAL_TYPE(SstpEditorPlugin, sstp_editor_plugin, SSTP, EDITOR_PLUGIN, GObject)

struct _SstpEditorPlugin {
    GObject parent;
};

static void sstp_editor_plugin_iface_init(NMVpnEditorPluginInterface *iface);

G_DEFINE_TYPE_WITH_CODE(SstpEditorPlugin, sstp_editor_plugin, G_TYPE_OBJECT,
                        G_IMPLEMENT_INTERFACE(NM_TYPE_VPN_EDITOR_PLUGIN,
                                              sstp_editor_plugin_iface_init))

static NMVpnEditor *
get_editor(NMVpnEditorPlugin *plugin, NMConnection *connection, GError **error)
{
    (void) plugin;
    (void) connection;
    g_set_error(error, SSTP_ERROR, SSTP_ERROR_NO_EDITOR,
                "the sstp VPN plugin has no editor window; edit the connection with "
                "'nmcli connection modify <name> vpn.data ...' (keys in the sstp README)");
    return NULL;
}

static NMVpnEditorPluginCapability
get_capabilities(NMVpnEditorPlugin *plugin)
{
    (void) plugin;
    return NM_VPN_EDITOR_PLUGIN_CAPABILITY_IMPORT | NM_VPN_EDITOR_PLUGIN_CAPABILITY_EXPORT
           | NM_VPN_EDITOR_PLUGIN_CAPABILITY_IPV6 | SSTP_CAPABILITY_NO_EDITOR;
}

static NMConnection *
import_from_file(NMVpnEditorPlugin *plugin, const char *path, GError **error)
{
    g_autofree char *contents = NULL;
    gsize            length = 0;
    g_autoptr(GError) local = NULL;

    (void) plugin;
    if (!g_file_get_contents(path, &contents, &length, &local)) {
        g_set_error(error, SSTP_ERROR, SSTP_ERROR_FAILED, "cannot read %s: %s", path,
                    local->message);
        return NULL;
    }
    if (sstp_looks_like_pbk(path, contents, length))
        return sstp_pbk_parse(contents, length, error);
    return sstp_profile_parse(contents, length, error);
}

static gboolean
export_to_file(NMVpnEditorPlugin *plugin, const char *path, NMConnection *connection,
               GError **error)
{
    g_autofree char *data = NULL;
    gsize            length = 0;
    g_autoptr(GError) local = NULL;

    (void) plugin;
    data = sstp_profile_format(connection, &length, error);
    if (!data)
        return FALSE;
    if (!g_file_set_contents(path, data, (gssize) length, &local)) {
        g_set_error(error, SSTP_ERROR, SSTP_ERROR_FAILED, "cannot write %s: %s", path,
                    local->message);
        return FALSE;
    }
    return TRUE;
}

static char *
get_suggested_filename(NMVpnEditorPlugin *plugin, NMConnection *connection)
{
    const char *id = nm_connection_get_id(connection);
    char       *name;

    (void) plugin;
    if (!id || !id[0])
        return NULL;
    /* A connection name may hold a '/', which a file name cannot. */
    name = g_strdup_printf("%s (sstp).conf", id);
    g_strdelimit(name, "/", '-');
    return name;
}

static void
get_property(GObject *object, guint prop_id, GValue *value, GParamSpec *pspec)
{
    switch (prop_id) {
    case PROP_NAME:
        g_value_set_string(value, "Secure Socket Tunneling Protocol (SSTP)");
        break;
    case PROP_DESCRIPTION:
        g_value_set_string(value, "Compatible with Microsoft and other SSTP VPN servers.");
        break;
    case PROP_SERVICE:
        g_value_set_string(value, SSTP_SERVICE);
        break;
    default:
        G_OBJECT_WARN_INVALID_PROPERTY_ID(object, prop_id, pspec);
        break;
    }
}

static void
sstp_editor_plugin_init(SstpEditorPlugin *plugin)
{
    (void) plugin;
}

static void
sstp_editor_plugin_class_init(SstpEditorPluginClass *klass)
{
    GObjectClass *object_class = G_OBJECT_CLASS(klass);

    object_class->get_property = get_property;
    g_object_class_override_property(object_class, PROP_NAME, NM_VPN_EDITOR_PLUGIN_NAME);
    g_object_class_override_property(object_class, PROP_DESCRIPTION,
                                     NM_VPN_EDITOR_PLUGIN_DESCRIPTION);
    g_object_class_override_property(object_class, PROP_SERVICE, NM_VPN_EDITOR_PLUGIN_SERVICE);
}

static void
sstp_editor_plugin_iface_init(NMVpnEditorPluginInterface *iface)
{
    iface->get_editor             = get_editor;
    iface->get_capabilities       = get_capabilities;
    iface->import_from_file       = import_from_file;
    iface->export_to_file         = export_to_file;
    iface->get_suggested_filename = get_suggested_filename;
}

SSTP_EXPORT NMVpnEditorPlugin *
nm_vpn_editor_plugin_factory(GError **error)
{
    if (error)
        g_return_val_if_fail(*error == NULL, NULL);
    return g_object_new(SSTP_TYPE_EDITOR_PLUGIN, NULL);
}

/* The GType registered above points into this library, so it must never be
 * unloaded once loaded, even when libnm drops the plugin object. */
SSTP_EXPORT const char *
g_module_check_init(GModule *module)
{
    g_module_make_resident(module);
    return NULL;
}

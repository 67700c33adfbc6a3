/* libnm-vpn-plugin-sstp.so: the libnm editor plugin of the sstp VPN type.
 *
 * nmcli and the GUIs load it through the [libnm] plugin= key of
 * nm-sstp-service.name and call nm_vpn_editor_plugin_factory(). It imports
 * and exports connection files (sstp-profile.c, sstp-pbk.c); its editor
 * window (sstp-editor.c) is in a GTK 3 and a GTK 4 library of its own. */
#define _GNU_SOURCE /* dladdr */
#include "sstp-files.h"
#include "sstp-keys.h"

#include <dlfcn.h>
#include <gmodule.h>
#include <string.h>

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

/* The editor window lives in a library of its own per GTK version, next to
 * this one, so that nmcli and other programs without GTK never load GTK.
 * libnm's convention: a host that has gtk_container_add is a GTK 3 program,
 * otherwise it is a GTK 4 one. */
#define EDITOR_GTK3    "libnm-vpn-plugin-sstp-editor.so"
#define EDITOR_GTK4    "libnm-gtk4-vpn-plugin-sstp-editor.so"
#define EDITOR_FACTORY "sstp_editor_new"

typedef NMVpnEditor *(*EditorFactory)(NMConnection *connection, GError **error);

static gboolean
host_has_symbol(const char *name)
{
    void *self = dlopen(NULL, RTLD_LAZY);
    void *symbol = self ? dlsym(self, name) : NULL;

    if (self)
        dlclose(self);
    return symbol != NULL;
}

static EditorFactory
load_editor_factory(const char *library, GError **error)
{
    /* A library that registers GTypes can be loaded only once per process. */
    static EditorFactory cached;
    static char         *cached_library;
    Dl_info              self;
    g_autofree char     *dir = NULL, *path = NULL;
    void                *handle;
    EditorFactory        factory;

    if (cached) {
        if (strcmp(cached_library, library) == 0)
            return cached;
        g_set_error(error, SSTP_ERROR, SSTP_ERROR_FAILED,
                    "cannot load %s: %s is already loaded in this program", library,
                    cached_library);
        return NULL;
    }
    if (!dladdr((void *) load_editor_factory, &self) || !self.dli_fname) {
        g_set_error(error, SSTP_ERROR, SSTP_ERROR_FAILED,
                    "cannot find where the sstp plugin is installed");
        return NULL;
    }
    dir = g_path_get_dirname(self.dli_fname);
    path = g_build_filename(dir, library, NULL);
    if (!g_file_test(path, G_FILE_TEST_EXISTS)) {
        /* Packaged apart (sstp-client-swift-gnome), so that headless
         * machines get no GTK. */
        g_set_error(error, SSTP_ERROR, SSTP_ERROR_NO_EDITOR,
                    "the sstp editor window is not installed (%s is missing): install the "
                    "sstp-client-swift-gnome package, or edit the connection with "
                    "'nmcli connection modify <name> vpn.data ...' (keys in the sstp README)",
                    path);
        return NULL;
    }
    handle = dlopen(path, RTLD_LAZY | RTLD_LOCAL);
    if (!handle) {
        g_set_error(error, SSTP_ERROR, SSTP_ERROR_FAILED, "cannot load the sstp editor %s: %s",
                    path, dlerror());
        return NULL;
    }
    *(void **) &factory = dlsym(handle, EDITOR_FACTORY);
    if (!factory) {
        g_set_error(error, SSTP_ERROR, SSTP_ERROR_FAILED, "%s has no %s", path, EDITOR_FACTORY);
        dlclose(handle);
        return NULL;
    }
    /* Never unloaded: its GTypes stay registered. */
    cached = factory;
    cached_library = g_strdup(library);
    return factory;
}

static NMVpnEditor *
get_editor(NMVpnEditorPlugin *plugin, NMConnection *connection, GError **error)
{
    EditorFactory factory;
    const char   *library;

    (void) plugin;
    if (host_has_symbol("gtk_container_add"))
        library = EDITOR_GTK3;
    else if (host_has_symbol("gtk_window_destroy"))
        library = EDITOR_GTK4;
    else {
        g_set_error(error, SSTP_ERROR, SSTP_ERROR_NO_EDITOR,
                    "the sstp editor window needs a GTK program (nm-connection-editor, GNOME "
                    "Settings); here, edit the connection with "
                    "'nmcli connection modify <name> vpn.data ...' (keys in the sstp README)");
        return NULL;
    }
    factory = load_editor_factory(library, error);
    return factory ? factory(connection, error) : NULL;
}

static NMVpnEditorPluginCapability
get_capabilities(NMVpnEditorPlugin *plugin)
{
    (void) plugin;
    return NM_VPN_EDITOR_PLUGIN_CAPABILITY_IMPORT | NM_VPN_EDITOR_PLUGIN_CAPABILITY_EXPORT
           | NM_VPN_EDITOR_PLUGIN_CAPABILITY_IPV6;
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

/* Tests of libnm-vpn-plugin-sstp.so, loaded the way nmcli loads it.
 *
 *   test-editor-plugin PATH/libnm-vpn-plugin-sstp.so TESTS_DIR
 *
 * Prints one line per check and a closing "N passed, N failed" line; the
 * exit status is 1 if any check failed. */
#include <NetworkManager.h>
#include <glib/gstdio.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#define SERVICE "org.freedesktop.NetworkManager.sstp"

static guint passed, failed;
static const char *tests_dir;
static char *tmp_dir;

#define CHECK(cond, ...)                                                                           \
    do {                                                                                           \
        if (cond) {                                                                                \
            passed++;                                                                              \
        } else {                                                                                   \
            failed++;                                                                              \
            printf("FAIL %s:%d: ", __func__, __LINE__);                                            \
            printf(__VA_ARGS__);                                                                   \
            printf("\n");                                                                          \
        }                                                                                          \
    } while (0)

static char *
test_file(const char *name)
{
    return g_build_filename(tests_dir, name, NULL);
}

static char *
tmp_file(const char *name)
{
    return g_build_filename(tmp_dir, name, NULL);
}

/* Every vpn.data key, with a valid value that is not a default. */
static const char *const all_data[][2] = {
    {"gateway", "vpn.example.com:8443"},
    {"connection-type", "tls"},
    {"user", "  alice; bob # x = y \\ z"},
    {"domain", "CONTOSO"},
    {"password-flags", "1"},
    {"proxy-password-flags", "2"},
    {"tls-user-key-secret-flags", "4"},
    {"ca-cert", "/etc/ssl/certs/work ca.pem"},
    {"ignore-cert-warn", "no"},
    {"tls-ext", "yes"},
    {"proxy-server", "proxy.example.com"},
    {"proxy-port", "3128"},
    {"proxy-user", "bob"},
    {"refuse-eap", "yes"},
    {"refuse-pap", "yes"},
    {"refuse-chap", "yes"},
    {"refuse-mschap", "yes"},
    {"refuse-mschapv2", "no"},
    {"require-mppe", "no"},
    {"require-mppe-40", "no"},
    {"require-mppe-128", "no"},
    {"mppe-stateful", "no"},
    {"nobsdcomp", "yes"},
    {"nodeflate", "yes"},
    {"no-vj-comp", "yes"},
    {"lcp-echo-failure", "5"},
    {"lcp-echo-interval", "30"},
    {"unit", "7"},
    {"mtu", "1400"},
    {"crl-file", "/etc/ssl/crl.pem"},
    {"tls-ca-cert", "/etc/ssl/ca.pem"},
    {"tls-identity", "alice@example.com"},
    {"tls-subject-name", "CN=vpn.example.com"},
    {"tls-user-cert", "/home/alice/cert.pem"},
    {"tls-user-key", "/home/alice/key.pem"},
    {"tls-verify-method", "name"},
    {"tls-remotename", "vpn.example.com"},
    {"tls-verify-key-usage", "yes"},
    {"tls-max-version", "1.3"},
    {"uuid", "1b6a0e0c-4c8e-4b8a-9d51-6c1c4f1c2f0e"},
    {"cert-pin", "sha256:47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=,"
                 "sha256:AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA="},
    {"tls-min", "1.2"},
    {"tls-max", "1.3"},
    {"extra-ca-cert", "/etc/ssl/extra.pem"},
    {"server-name", "sni.example.com"},
    {"ipv6", "no"},
    {"hello-interval", "60"},
    {"backend", "pppd"},
};

static const char *const secret_values[][2] = {
    {"password", "S3cret-Pa55"},
    {"proxy-password", "Pr0xy-Pa55"},
    {"tls-user-key-secret", "K3y-Pa55"},
};

static NMConnection *
make_connection(const char *id, const char *service)
{
    NMConnection    *connection = nm_simple_connection_new();
    NMSetting       *s_con = nm_setting_connection_new();
    NMSetting       *s_vpn = nm_setting_vpn_new();
    g_autofree char *uuid = nm_utils_uuid_generate();

    g_object_set(s_con, NM_SETTING_CONNECTION_ID, id, NM_SETTING_CONNECTION_UUID, uuid,
                 NM_SETTING_CONNECTION_TYPE, NM_SETTING_VPN_SETTING_NAME, NULL);
    g_object_set(s_vpn, NM_SETTING_VPN_SERVICE_TYPE, service, NM_SETTING_VPN_USER_NAME, "alice",
                 NULL);
    nm_connection_add_setting(connection, s_con);
    nm_connection_add_setting(connection, s_vpn);
    return connection;
}

static NMConnection *
make_full_connection(const char *id)
{
    NMConnection *connection = make_connection(id, SERVICE);
    NMSettingVpn *s_vpn = nm_connection_get_setting_vpn(connection);

    for (guint i = 0; i < G_N_ELEMENTS(all_data); i++)
        nm_setting_vpn_add_data_item(s_vpn, all_data[i][0], all_data[i][1]);
    for (guint i = 0; i < G_N_ELEMENTS(secret_values); i++)
        nm_setting_vpn_add_secret(s_vpn, secret_values[i][0], secret_values[i][1]);
    return connection;
}

static const char *
data_of(NMConnection *connection, const char *key)
{
    NMSettingVpn *s_vpn = connection ? nm_connection_get_setting_vpn(connection) : NULL;

    return s_vpn ? nm_setting_vpn_get_data_item(s_vpn, key) : NULL;
}

static void
check_import_fails(NMVpnEditorPlugin *plugin, const char *path, const char *expect_in_message)
{
    g_autoptr(GError) error = NULL;
    g_autoptr(NMConnection) connection = nm_vpn_editor_plugin_import(plugin, path, &error);

    CHECK(connection == NULL, "importing %s should fail", path);
    CHECK(error != NULL && error->message[0], "importing %s gives an error message", path);
    if (error) {
        CHECK(strstr(error->message, expect_in_message) != NULL,
              "error for %s mentions '%s': got '%s'", path, expect_in_message, error->message);
        g_autofree char *base = g_path_get_basename(path);

        printf("  (%s: %s)\n", base, error->message);
    }
}

static void
write_file(const char *path, const char *contents)
{
    g_autoptr(GError) error = NULL;

    if (!g_file_set_contents(path, contents, -1, &error))
        g_error("cannot write %s: %s", path, error->message);
}

static void
remove_tree(const char *dir)
{
    GDir       *d = g_dir_open(dir, 0, NULL);
    const char *name;

    while (d && (name = g_dir_read_name(d))) {
        g_autofree char *path = g_build_filename(dir, name, NULL);

        g_unlink(path);
    }
    if (d)
        g_dir_close(d);
    g_rmdir(dir);
}

/*****************************************************************************/

static void
test_load(NMVpnEditorPlugin *plugin)
{
    g_autofree char *service = NULL, *name = NULL, *description = NULL;

    g_object_get(plugin, NM_VPN_EDITOR_PLUGIN_SERVICE, &service, NM_VPN_EDITOR_PLUGIN_NAME,
                 &name, NM_VPN_EDITOR_PLUGIN_DESCRIPTION, &description, NULL);
    CHECK(g_strcmp0(service, SERVICE) == 0, "service is %s", service);
    CHECK(name && name[0], "has a name");
    CHECK(description && description[0], "has a description");
    CHECK(nm_vpn_editor_plugin_get_capabilities(plugin)
              == (NM_VPN_EDITOR_PLUGIN_CAPABILITY_IMPORT | NM_VPN_EDITOR_PLUGIN_CAPABILITY_EXPORT
                  | NM_VPN_EDITOR_PLUGIN_CAPABILITY_IPV6),
          "capabilities are IMPORT|EXPORT|IPV6 (an editor, no NO_EDITOR), got 0x%x",
          nm_vpn_editor_plugin_get_capabilities(plugin));
}

/* This program has no GTK: the plugin must not load an editor window into
 * it, and must say where to edit instead (tests/test-editor-ui.c tests the
 * windows). */
static void
test_no_editor_without_gtk(NMVpnEditorPlugin *plugin)
{
    g_autoptr(GError) error = NULL;
    g_autoptr(NMConnection) connection = make_full_connection("Work");
    NMVpnEditor *editor = nm_vpn_editor_plugin_get_editor(plugin, connection, &error);

    CHECK(editor == NULL, "no editor object");
    CHECK(error && strstr(error->message, "nmcli") && strstr(error->message, "GTK"),
          "get_editor explains: %s", error ? error->message : "(no error)");
}

static void
test_suggested_filename(NMVpnEditorPlugin *plugin)
{
    g_autoptr(NMConnection) work = make_connection("Work", SERVICE);
    g_autoptr(NMConnection) slash = make_connection("Site A/B", SERVICE);
    g_autofree char *a = nm_vpn_editor_plugin_get_suggested_filename(plugin, work);
    g_autofree char *b = nm_vpn_editor_plugin_get_suggested_filename(plugin, slash);

    CHECK(g_strcmp0(a, "Work (sstp).conf") == 0, "suggested file name: %s", a);
    CHECK(g_strcmp0(b, "Site A-B (sstp).conf") == 0, "suggested file name: %s", b);
}

static void
test_round_trip(NMVpnEditorPlugin *plugin)
{
    g_autoptr(NMConnection) original = make_full_connection("Work VPN — Zürich; #1");
    g_autoptr(NMConnection) imported = NULL;
    g_autoptr(GError) error = NULL;
    g_autofree char *path = tmp_file("work.conf");
    g_autofree char *contents = NULL;
    NMSettingVpn    *a, *b;
    const char     **keys;
    guint            n_a = 0, n_b = 0;

    CHECK(nm_vpn_editor_plugin_export(plugin, path, original, &error), "export: %s",
          error ? error->message : "");
    g_clear_error(&error);
    CHECK(g_file_get_contents(path, &contents, NULL, NULL), "exported file is readable");
    if (!contents)
        return;
    CHECK(g_str_has_prefix(contents, "#"), "export starts with a comment");
    CHECK(strstr(contents, "\n[sstp]\n") != NULL, "export has an [sstp] group");
    for (guint i = 0; i < G_N_ELEMENTS(secret_values); i++) {
        g_autofree char *line = g_strdup_printf("\n%s=", secret_values[i][0]);

        CHECK(strstr(contents, secret_values[i][1]) == NULL, "export holds no secret value (%s)",
              secret_values[i][0]);
        CHECK(strstr(contents, line) == NULL, "export has no %s key", secret_values[i][0]);
    }
    for (guint i = 0; i < G_N_ELEMENTS(all_data); i++) {
        g_autofree char *line = g_strdup_printf("\n%s=", all_data[i][0]);

        CHECK(strstr(contents, line) != NULL, "export writes key %s", all_data[i][0]);
    }

    imported = nm_vpn_editor_plugin_import(plugin, path, &error);
    CHECK(imported != NULL, "import of the export: %s", error ? error->message : "");
    if (!imported)
        return;
    CHECK(nm_connection_verify(imported, NULL), "imported connection verifies");
    CHECK(g_strcmp0(nm_connection_get_id(imported), nm_connection_get_id(original)) == 0,
          "id survives: '%s'", nm_connection_get_id(imported));
    CHECK(g_strcmp0(nm_connection_get_connection_type(imported), NM_SETTING_VPN_SETTING_NAME) == 0,
          "type is vpn");
    a = nm_connection_get_setting_vpn(original);
    b = nm_connection_get_setting_vpn(imported);
    CHECK(g_strcmp0(nm_setting_vpn_get_service_type(b), SERVICE) == 0, "service type");
    CHECK(g_strcmp0(nm_setting_vpn_get_user_name(b), "alice") == 0, "vpn.user-name survives");
    CHECK(nm_setting_vpn_get_num_secrets(b) == 0, "no secrets imported");

    keys = nm_setting_vpn_get_data_keys(a, &n_a);
    g_free(nm_setting_vpn_get_data_keys(b, &n_b));
    CHECK(n_a == G_N_ELEMENTS(all_data) && n_a == n_b, "same number of keys: %u and %u", n_a,
          n_b);
    for (guint i = 0; i < n_a; i++) {
        const char *va = nm_setting_vpn_get_data_item(a, keys[i]);
        const char *vb = nm_setting_vpn_get_data_item(b, keys[i]);

        CHECK(g_strcmp0(va, vb) == 0, "key %s: exported '%s', imported '%s'", keys[i], va, vb);
    }
    g_free(keys);
    CHECK(g_strcmp0(nm_connection_get_uuid(imported), nm_connection_get_uuid(original)) != 0,
          "import makes a new connection UUID");
}

static void
test_export_refuses(NMVpnEditorPlugin *plugin)
{
    g_autoptr(NMConnection) openvpn = make_connection("Other",
                                                      "org.freedesktop.NetworkManager.openvpn");
    g_autoptr(NMConnection) unknown = make_full_connection("Unknown key");
    g_autoptr(NMConnection) bad_bool = make_full_connection("Bad bool");
    g_autoptr(GError) error = NULL;
    g_autofree char *path = tmp_file("refused.conf");

    CHECK(!nm_vpn_editor_plugin_export(plugin, path, openvpn, &error)
              && error && strstr(error->message, "not an sstp"),
          "export refuses an openvpn connection: %s", error ? error->message : "");
    g_clear_error(&error);

    nm_setting_vpn_add_data_item(nm_connection_get_setting_vpn(unknown), "colour", "blue");
    CHECK(!nm_vpn_editor_plugin_export(plugin, path, unknown, &error)
              && error && strstr(error->message, "colour"),
          "export refuses an unknown key: %s", error ? error->message : "");
    g_clear_error(&error);

    nm_setting_vpn_add_data_item(nm_connection_get_setting_vpn(bad_bool), "refuse-pap", "true");
    CHECK(!nm_vpn_editor_plugin_export(plugin, path, bad_bool, &error)
              && error && strstr(error->message, "refuse-pap"),
          "export refuses refuse-pap=true: %s", error ? error->message : "");
    CHECK(!g_file_test(path, G_FILE_TEST_EXISTS), "nothing written on refusal");
}

static void
test_example_profile(NMVpnEditorPlugin *plugin)
{
    g_autofree char *path = test_file("example.conf");
    g_autoptr(GError) error = NULL;
    g_autoptr(NMConnection) connection = nm_vpn_editor_plugin_import(plugin, path, &error);

    CHECK(connection != NULL, "README example imports: %s", error ? error->message : "");
    CHECK(g_strcmp0(nm_connection_get_id(connection), "Work VPN") == 0, "example name");
    CHECK(g_strcmp0(data_of(connection, "gateway"), "vpn.example.com") == 0, "example gateway");
    CHECK(g_strcmp0(data_of(connection, "user"), "alice") == 0, "example user");
    CHECK(g_strcmp0(data_of(connection, "refuse-pap"), "yes") == 0, "example refuse-pap");
}

static void
test_profile_errors(NMVpnEditorPlugin *plugin)
{
    static const char *const cases[][3] = {
        {"garbage.conf", "this is not an ini file\n[[[\n", "not a valid sstp profile"},
        {"empty.conf", "", "no [sstp] group"},
        {"other.conf", "[openvpn]\nremote=x\n", "no [sstp] group"},
        {"extra-group.conf", "[sstp]\nname=a\ngateway=b\n[more]\nx=y\n", "unknown group [more]"},
        {"no-name.conf", "[sstp]\ngateway=vpn.example.com\n", "'name'"},
        {"no-gateway.conf", "[sstp]\nname=Work\n", "'gateway'"},
        {"unknown-key.conf", "[sstp]\nname=Work\ngateway=g\ncolour=blue\n", "colour"},
        {"bad-bool.conf", "[sstp]\nname=Work\ngateway=g\nrefuse-pap=true\n", "yes' or 'no"},
        {"bad-port.conf", "[sstp]\nname=Work\ngateway=g\nproxy-port=70000\n", "proxy-port"},
        {"bad-gateway.conf", "[sstp]\nname=Work\ngateway=vpn example\n", "gateway"},
        {"bad-pin.conf", "[sstp]\nname=Work\ngateway=g\ncert-pin=sha1:abc\n", "cert-pin"},
        {"bad-tls.conf", "[sstp]\nname=Work\ngateway=g\ntls-min=1.1\n", "tls-min"},
        {"secret.conf", "[sstp]\nname=Work\ngateway=g\npassword=hunter2\n", "secret"},
    };

    for (guint i = 0; i < G_N_ELEMENTS(cases); i++) {
        g_autofree char *path = tmp_file(cases[i][0]);

        write_file(path, cases[i][1]);
        check_import_fails(plugin, path, cases[i][2]);
    }
    {
        g_autofree char *missing = tmp_file("does-not-exist.conf");

        check_import_fails(plugin, missing, "cannot read");
    }
}

static void
test_pbk(NMVpnEditorPlugin *plugin)
{
    g_autofree char *path = test_file("sample.pbk");
    g_autoptr(GError) error = NULL;
    g_autoptr(NMConnection) c = nm_vpn_editor_plugin_import(plugin, path, &error);

    CHECK(c != NULL, "sample.pbk imports: %s", error ? error->message : "");
    if (!c)
        return;
    CHECK(nm_connection_verify(c, NULL), "imported phonebook entry verifies");
    CHECK(g_strcmp0(nm_connection_get_id(c), "Contoso SSTP") == 0,
          "the first SSTP entry is taken: %s", nm_connection_get_id(c));
    CHECK(g_strcmp0(nm_setting_vpn_get_service_type(nm_connection_get_setting_vpn(c)), SERVICE)
              == 0,
          "service type");
    CHECK(g_strcmp0(data_of(c, "gateway"), "sstp.contoso.example") == 0, "gateway: %s",
          data_of(c, "gateway"));
    CHECK(g_strcmp0(data_of(c, "connection-type"), "password") == 0, "password auth");
    CHECK(g_strcmp0(data_of(c, "refuse-pap"), "yes") == 0, "refuse-pap");
    CHECK(g_strcmp0(data_of(c, "refuse-chap"), "yes") == 0, "refuse-chap");
    CHECK(g_strcmp0(data_of(c, "refuse-mschap"), "yes") == 0, "refuse-mschap");
    CHECK(g_strcmp0(data_of(c, "refuse-mschapv2"), "no") == 0, "MS-CHAPv2 allowed");
    CHECK(g_strcmp0(data_of(c, "refuse-eap"), "yes") == 0, "refuse-eap");
    CHECK(g_strcmp0(data_of(c, "no-vj-comp"), "yes") == 0, "IpHeaderCompression=0");
    CHECK(g_strcmp0(data_of(c, "ipv6"), "no") == 0, "ExcludedProtocols=8");
}

static void
test_pbk_variants(NMVpnEditorPlugin *plugin)
{
    g_autofree char *automatic = test_file("automatic.pbk");
    g_autofree char *eap_tls = test_file("eap-tls.pbk");
    g_autoptr(GError) error = NULL;
    g_autoptr(NMConnection) a = nm_vpn_editor_plugin_import(plugin, automatic, &error);
    g_autoptr(NMConnection) t = NULL;

    CHECK(a && g_strcmp0(nm_connection_get_id(a), "Office") == 0,
          "an Automatic entry imports when none names SSTP: %s", error ? error->message : "");
    CHECK(g_strcmp0(data_of(a, "gateway"), "vpn.office.example:8443") == 0, "gateway with port");
    CHECK(g_strcmp0(data_of(a, "refuse-pap"), "no") == 0
              && g_strcmp0(data_of(a, "refuse-chap"), "no") == 0
              && g_strcmp0(data_of(a, "refuse-mschapv2"), "no") == 0
              && g_strcmp0(data_of(a, "refuse-mschap"), "yes") == 0
              && g_strcmp0(data_of(a, "refuse-eap"), "yes") == 0,
          "AuthRestrictions=552 is PAP, CHAP and MS-CHAPv2");
    CHECK(data_of(a, "no-vj-comp") == NULL && data_of(a, "ipv6") == NULL,
          "absent keys give no data");
    g_clear_error(&error);

    t = nm_vpn_editor_plugin_import(plugin, eap_tls, &error);
    CHECK(t && g_strcmp0(data_of(t, "connection-type"), "tls") == 0,
          "EAP-TLS entry gives connection-type=tls: %s", error ? error->message : "");
    CHECK(g_strcmp0(data_of(t, "refuse-eap"), "no") == 0, "EAP allowed");
}

static void
test_pbk_utf16(NMVpnEditorPlugin *plugin)
{
    g_autofree char *sample = test_file("sample.pbk");
    g_autofree char *utf8 = NULL;
    g_autofree char *utf16 = NULL;
    g_autofree char *path = tmp_file("utf16.pbk");
    g_autoptr(GError) error = NULL;
    g_autoptr(NMConnection) c = NULL;
    gsize            len8 = 0, len16 = 0;
    GString         *bytes;

    g_file_get_contents(sample, &utf8, &len8, NULL);
    utf16 = g_convert(utf8, (gssize) len8, "UTF-16LE", "UTF-8", NULL, &len16, NULL);
    bytes = g_string_new_len("\xFF\xFE", 2);
    g_string_append_len(bytes, utf16, (gssize) len16);
    g_file_set_contents(path, bytes->str, (gssize) bytes->len, NULL);
    g_string_free(bytes, TRUE);

    c = nm_vpn_editor_plugin_import(plugin, path, &error);
    CHECK(c && g_strcmp0(data_of(c, "gateway"), "sstp.contoso.example") == 0,
          "UTF-16 phonebook imports: %s", error ? error->message : "");
}

static void
test_pbk_errors(NMVpnEditorPlugin *plugin)
{
    g_autofree char *no_sstp = test_file("no-sstp.pbk");
    g_autofree char *malformed = test_file("malformed.pbk");
    g_autoptr(GError) error = NULL;
    g_autoptr(NMConnection) c = nm_vpn_editor_plugin_import(plugin, no_sstp, &error);

    CHECK(c == NULL && error && strstr(error->message, "no SSTP entry")
              && strstr(error->message, "'Branch IKEv2' is a VPN entry for IKEv2 only")
              && strstr(error->message, "'Old PPTP' is a VPN entry for PPTP only"),
          "non-SSTP phonebook is refused with reasons: %s", error ? error->message : "");
    if (error)
        printf("  (no-sstp.pbk: %s)\n", error->message);

    check_import_fails(plugin, malformed, "bad entry header");

    {
        static const char *const cases[][3] = {
            {"spap.pbk", "[Old]\nType=2\nVpnStrategy=5\nAuthRestrictions=16\nPhoneNumber=a\n",
             "allows none of"},
            {"no-number.pbk", "[Old]\nType=2\nVpnStrategy=5\n", "no PhoneNumber"},
            {"bad-number.pbk", "[Old]\nType=2\nVpnStrategy=five\nPhoneNumber=a\n",
             "VpnStrategy=five is not a number"},
            {"bad-host.pbk", "[Old]\nType=2\nVpnStrategy=5\nPhoneNumber=a b/c\n", "gateway"},
            {"only-phone.pbk", "[Dial]\nType=1\nPhoneNumber=5550100\n", "not a VPN entry"},
            {"no-sections.pbk", "PhoneNumber=a\n", "neither"},
            {"control-chars.pbk", "[x]\nType=2\n\x01\x02", "neither"},
        };

        for (guint i = 0; i < G_N_ELEMENTS(cases); i++) {
            g_autofree char *path = tmp_file(cases[i][0]);

            write_file(path, cases[i][1]);
            check_import_fails(plugin, path, cases[i][2]);
        }
    }
    {
        g_autofree char *path = tmp_file("binary.pbk");

        g_file_set_contents(path, "[x]\nType=2\n\0\x7f", 14, NULL);
        check_import_fails(plugin, path, "binary data");
    }
}

int
main(int argc, char **argv)
{
    g_autoptr(GError) error = NULL;
    g_autofree char   *plugin_path = NULL;
    NMVpnEditorPlugin *plugin;

    if (argc != 3) {
        fprintf(stderr, "usage: %s PLUGIN.so TESTS_DIR\n", argv[0]);
        return 2;
    }
    tests_dir = argv[2];
    tmp_dir = g_dir_make_tmp("sstp-plugin-test-XXXXXX", &error);
    g_assert_no_error(error);

    /* The way nmcli loads it: by path, checking the owner and the service. */
    plugin_path = g_canonicalize_filename(argv[1], NULL);
    plugin = nm_vpn_editor_plugin_load_from_file(plugin_path, SERVICE, (int) geteuid(), NULL,
                                                 NULL, &error);
    CHECK(plugin != NULL, "plugin loads: %s", error ? error->message : "");
    if (!plugin) {
        printf("editor-plugin: %u passed, %u failed\n", passed, failed);
        return 1;
    }

    test_load(plugin);
    test_no_editor_without_gtk(plugin);
    test_suggested_filename(plugin);
    test_round_trip(plugin);
    test_export_refuses(plugin);
    test_example_profile(plugin);
    test_profile_errors(plugin);
    test_pbk(plugin);
    test_pbk_variants(plugin);
    test_pbk_utf16(plugin);
    test_pbk_errors(plugin);

    g_object_unref(plugin);
    remove_tree(tmp_dir);
    printf("editor-plugin: %u passed, %u failed\n", passed, failed);
    return failed ? 1 : 0;
}

/* The Advanced dialog. See sstp-editor-advanced.h. */
#include "sstp-editor-advanced.h"

#include "sstp-editor-gtk.h"

static GtkWidget *
page(GtkWidget *notebook, const char *title)
{
    GtkWidget *grid = sstp_rows_grid();

    gtk_notebook_append_page(GTK_NOTEBOOK(notebook), grid, gtk_label_new_with_mnemonic(title));
    return grid;
}

static void
build_certificate_page(SstpRows *rows, GtkWidget *notebook, SstpAdvanced *adv)
{
    GtkWidget *grid = page(notebook, "_Certificates");
    int        row = 0;

    sstp_rows_heading(grid, &row, "Server certificate");
    sstp_rows_file(rows, grid, &row, "CA c_ertificate:", "ca-cert");
    sstp_rows_file(rows, grid, &row, "E_xtra CA certificate:", "extra-ca-cert");
    sstp_rows_entry(rows, grid, &row, "Certificate _pins:", "cert-pin", "sha256:BASE64, …");
    sstp_rows_entry(rows, grid, &row, "Server _name:", "server-name", "(the gateway's name)");
    sstp_rows_combo(rows, grid, &row, "TLS mi_nimum:", "tls-min", "", "Default", "1.2", "TLS 1.2",
                    "1.3", "TLS 1.3", NULL);
    sstp_rows_combo(rows, grid, &row, "TLS ma_ximum:", "tls-max", "", "Default", "1.2", "TLS 1.2",
                    "1.3", "TLS 1.3", NULL);
    sstp_rows_check(rows, grid, &row, "Send the server name in the TLS _hello (SNI)", "tls-ext",
                    SSTP_FIELD_CHECK, TRUE, NULL);
    sstp_rows_check(rows, grid, &row, "Allow _legacy TLS 1.2 cipher suites", "tls-legacy-ciphers",
                    SSTP_FIELD_CHECK, FALSE,
                    "For old servers: also offer suites without forward secrecy, such as AES128-SHA");
    adv->ignore_check =
        sstp_rows_check(rows, grid, &row, "_Ignore certificate warnings", "ignore-cert-warn",
                        SSTP_FIELD_CHECK, FALSE,
                        "Connect even if the server's certificate fails the checks");
    adv->ignore_warning =
        sstp_rows_note(rows, grid, &row, "dialog-warning-symbolic",
                       "The server's certificate is not checked: anyone on the path to the server "
                       "can pose as it and read your traffic.");
    sstp_css_class(adv->ignore_warning, "warning", TRUE);
    sstp_toggled(adv->ignore_warning);
    sstp_rows_check(rows, grid, &row,
                    "Allow _weak authentication (PAP, CHAP-MD5) without certificate checks",
                    "allow-weak-auth-without-verify", SSTP_FIELD_CHECK, FALSE,
                    "With certificate warnings ignored, still send the password in clear (PAP) "
                    "or as a crackable hash (CHAP-MD5): whoever answered would get it");
}

static void
build_eap_tls_page(SstpRows *rows, GtkWidget *notebook)
{
    GtkWidget *grid = page(notebook, "_EAP-TLS");
    int        row = 0;

    sstp_rows_heading(grid, &row, "Certificate login inside PPP");
    sstp_rows_file(rows, grid, &row, "_CA certificate:", "tls-ca-cert");
    sstp_rows_file(rows, grid, &row, "_Revocation list:", "crl-file");
    sstp_rows_entry(rows, grid, &row, "_Identity:", "tls-identity", "(the user, or from the certificate)");
    sstp_rows_entry(rows, grid, &row, "Identity from the _certificate:", "tls-subject-name",
                    "(its e-mail address or common name)");
    sstp_rows_entry(rows, grid, &row, "_Verify method:", "tls-verify-method",
                    "none, name, subject or suffix");
    sstp_rows_entry(rows, grid, &row, "Re_mote name:", "tls-remotename", "(the RADIUS server's name)");
    sstp_rows_entry(rows, grid, &row, "Ma_ximum TLS version:", "tls-max-version", "1.2 or 1.3");
    sstp_rows_check(rows, grid, &row, "Verify the certificate's _key usage", "tls-verify-key-usage",
                    SSTP_FIELD_CHECK, FALSE, NULL);
}

static void
build_proxy_page(SstpRows *rows, GtkWidget *notebook)
{
    GtkWidget *grid = page(notebook, "Pro_xy");
    int        row = 0;

    sstp_rows_heading(grid, &row, "HTTP proxy");
    sstp_rows_entry(rows, grid, &row, "_Server:", "proxy-server", "(none: connect directly)");
    sstp_rows_entry(rows, grid, &row, "_Port:", "proxy-port", NULL);
    sstp_rows_entry(rows, grid, &row, "_User name:", "proxy-user", "(none)");
    sstp_rows_secret(rows, grid, &row, "Pass_word:", "proxy-password");
}

static void
build_ppp_page(SstpRows *rows, GtkWidget *notebook)
{
    static const SstpCheckSpec methods[] = {
        {"_PAP", "refuse-pap", SSTP_FIELD_CHECK_INVERTED, TRUE},
        {"_CHAP", "refuse-chap", SSTP_FIELD_CHECK_INVERTED, TRUE},
        {"_MSCHAP", "refuse-mschap", SSTP_FIELD_CHECK_INVERTED, TRUE},
        {"MSCHAP_v2", "refuse-mschapv2", SSTP_FIELD_CHECK_INVERTED, TRUE},
        {"_EAP", "refuse-eap", SSTP_FIELD_CHECK_INVERTED, TRUE},
    };
    static const SstpCheckSpec pppd_options[] = {
        {"Require MPPE", "require-mppe", SSTP_FIELD_CHECK, FALSE},
        {"Allow stateful MPPE", "mppe-stateful", SSTP_FIELD_CHECK, FALSE},
        {"Require 40-bit MPPE", "require-mppe-40", SSTP_FIELD_CHECK, FALSE},
        {"Require 128-bit MPPE", "require-mppe-128", SSTP_FIELD_CHECK, FALSE},
        {"No BSD compression", "nobsdcomp", SSTP_FIELD_CHECK, FALSE},
        {"No Deflate compression", "nodeflate", SSTP_FIELD_CHECK, FALSE},
        {"No VJ header compression", "no-vj-comp", SSTP_FIELD_CHECK, FALSE},
    };
    GtkWidget *grid = page(notebook, "_PPP");
    int        row = 0;

    sstp_rows_heading(grid, &row, "Authentication");
    sstp_rows_checks(rows, grid, &row, "Allow:", methods, G_N_ELEMENTS(methods), 3);

    sstp_rows_heading(grid, &row, "Link");
    sstp_rows_entry(rows, grid, &row, "M_TU:", "mtu", "(default)");
    sstp_rows_check(rows, grid, &row, "Use _IPv6 inside the tunnel", "ipv6", SSTP_FIELD_CHECK, TRUE,
                    NULL);
    sstp_rows_entry(rows, grid, &row, "LCP echo _interval (s):", "lcp-echo-interval", "0 (off)");
    sstp_rows_entry(rows, grid, &row, "LCP echo _failures:", "lcp-echo-failure", "0 (off)");
    sstp_rows_entry(rows, grid, &row, "PPP _unit:", "unit", "(any)");

    sstp_rows_heading(grid, &row, "pppd backend only");
    sstp_rows_checks(rows, grid, &row, "Options:", pppd_options, G_N_ELEMENTS(pppd_options), 2);
}

static void
build_sstp_page(SstpRows *rows, GtkWidget *notebook)
{
    GtkWidget *grid = page(notebook, "_SSTP");
    int        row = 0;

    sstp_rows_heading(grid, &row, "SSTP");
    sstp_rows_entry(rows, grid, &row, "_Hello interval (s):", "hello-interval", "(default)");
    sstp_rows_combo(rows, grid, &row, "_Backend:", "backend", "", "Default (userspace)",
                    "userspace", "Userspace PPP", "pppd", "pppd", NULL);
}

void
sstp_advanced_build(SstpRows *rows, SstpAdvanced *out)
{
    GtkWidget *dialog = gtk_dialog_new_with_buttons("SSTP Advanced Options", NULL, GTK_DIALOG_MODAL,
                                                    "_Cancel", GTK_RESPONSE_CANCEL, "_Apply",
                                                    GTK_RESPONSE_APPLY, NULL);
    GtkWidget *notebook = gtk_notebook_new();

    build_certificate_page(rows, notebook, out);
    build_eap_tls_page(rows, notebook);
    build_proxy_page(rows, notebook);
    build_ppp_page(rows, notebook);
    build_sstp_page(rows, notebook);

    gtk_widget_set_margin_start(notebook, 6);
    gtk_widget_set_margin_end(notebook, 6);
    gtk_widget_set_margin_top(notebook, 6);
    gtk_widget_set_margin_bottom(notebook, 6);
    sstp_container_add(gtk_dialog_get_content_area(GTK_DIALOG(dialog)), notebook);
    gtk_dialog_set_default_response(GTK_DIALOG(dialog), GTK_RESPONSE_APPLY);
    gtk_window_set_resizable(GTK_WINDOW(dialog), FALSE);
#if GTK_CHECK_VERSION(4, 0, 0)
    gtk_window_set_hide_on_close(GTK_WINDOW(dialog), TRUE);
#else
    gtk_widget_show_all(notebook);
#endif
    out->dialog = dialog;
}

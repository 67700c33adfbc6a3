/* sstp-auth-dialog-gtk.so: the graphical prompt of sstp-auth-dialog, with
 * libnma's NMAVpnPasswordDialog (GTK 3). See sstp-auth-gtk.h. */
#include "sstp-auth-gtk.h"

#include <gtk/gtk.h>
#include <nma-vpn-password-dialog.h>

#define SSTP_EXPORT __attribute__((visibility("default")))

SSTP_EXPORT SstpAskResult sstp_auth_gtk_ask(const char *title, const char *message, unsigned n,
                                            const char *const labels[],
                                            const char *const values[], char *answers[]);

SSTP_EXPORT SstpAskResult
sstp_auth_gtk_ask(const char *title, const char *message, unsigned n, const char *const labels[],
                  const char *const values[], char *answers[])
{
    NMAVpnPasswordDialog *dialog;
    gboolean              ok;

    if (n == 0 || n > SSTP_AUTH_GTK_MAX || !gtk_init_check(NULL, NULL))
        return SSTP_ASK_NO_DISPLAY;

    dialog = NMA_VPN_PASSWORD_DIALOG(nma_vpn_password_dialog_new(title, message, NULL));
    nma_vpn_password_dialog_set_show_password(dialog, TRUE);
    nma_vpn_password_dialog_set_password_label(dialog, labels[0]);
    nma_vpn_password_dialog_set_password(dialog, values[0] ? values[0] : "");
    nma_vpn_password_dialog_set_show_password_secondary(dialog, n > 1);
    if (n > 1) {
        nma_vpn_password_dialog_set_password_secondary_label(dialog, labels[1]);
        nma_vpn_password_dialog_set_password_secondary(dialog, values[1] ? values[1] : "");
    }
    nma_vpn_password_dialog_set_show_password_ternary(dialog, n > 2);
    if (n > 2) {
        nma_vpn_password_dialog_set_password_ternary_label(dialog, labels[2]);
        nma_vpn_password_dialog_set_password_ternary(dialog, values[2] ? values[2] : "");
    }
    gtk_window_set_title(GTK_WINDOW(dialog), title);
    gtk_window_set_keep_above(GTK_WINDOW(dialog), TRUE);
    gtk_widget_set_name(GTK_WIDGET(dialog), "sstp-password-dialog");
    nma_vpn_password_dialog_focus_password(dialog);

    ok = nma_vpn_password_dialog_run_and_block(dialog);
    if (ok) {
        answers[0] = g_strdup(nma_vpn_password_dialog_get_password(dialog));
        if (n > 1)
            answers[1] = g_strdup(nma_vpn_password_dialog_get_password_secondary(dialog));
        if (n > 2)
            answers[2] = g_strdup(nma_vpn_password_dialog_get_password_ternary(dialog));
    }
    gtk_widget_destroy(GTK_WIDGET(dialog));
    while (gtk_events_pending())
        gtk_main_iteration();
    return ok ? SSTP_ASK_OK : SSTP_ASK_CANCELLED;
}

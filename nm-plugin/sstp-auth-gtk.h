/* The graphical prompt of sstp-auth-dialog: a GTK 3 module
 * (sstp-auth-dialog-gtk.so, installed next to the dialog) that the GLib-only
 * dialog loads with dlopen() when a display is there and the agent did not
 * ask for external UI mode, the way nm-applet runs auth dialogs. Keeping GTK
 * out of the dialog itself lets it run on machines without GTK. */
#ifndef SSTP_AUTH_GTK_H
#define SSTP_AUTH_GTK_H

#define SSTP_AUTH_GTK_MODULE "sstp-auth-dialog-gtk.so"
#define SSTP_AUTH_GTK_SYMBOL "sstp_auth_gtk_ask"
#define SSTP_AUTH_GTK_MAX    3

typedef enum {
    SSTP_ASK_NO_DISPLAY = -1, /* GTK cannot open the display: ask elsewhere */
    SSTP_ASK_CANCELLED  = 0,
    SSTP_ASK_OK         = 1,
} SstpAskResult;

/* Shows libnma's VPN password dialog with up to SSTP_AUTH_GTK_MAX password
 * fields (labels[i], pre-filled with values[i] or empty). On SSTP_ASK_OK,
 * answers[i] is a newly allocated string for each field; the caller wipes
 * and frees them. */
typedef SstpAskResult (*SstpAuthGtkAsk)(const char *title, const char *message, unsigned n,
                                        const char *const labels[], const char *const values[],
                                        char *answers[]);

#endif

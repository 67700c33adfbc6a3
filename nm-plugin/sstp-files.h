/* Reading and writing connection files: the INI profile format of this
 * plugin (sstp-profile.c) and Windows phonebooks (sstp-pbk.c). The format of
 * both is described in README.md. */
#ifndef SSTP_FILES_H
#define SSTP_FILES_H

#include <NetworkManager.h>

/* A new VPN connection of the sstp type with the given id, a fresh UUID,
 * an empty vpn setting and automatic IPv4 and IPv6. */
NMConnection *sstp_connection_new(const char *id);

/* Our INI profile. */
NMConnection *sstp_profile_parse(const char *contents, gsize length, GError **error);
char         *sstp_profile_format(NMConnection *connection, gsize *length, GError **error);

/* A Windows phonebook (rasphone.pbk): the first SSTP entry. */
NMConnection *sstp_pbk_parse(const char *contents, gsize length, GError **error);

/* Does this file look like a phonebook rather than our profile? */
gboolean sstp_looks_like_pbk(const char *path, const char *contents, gsize length);

#endif

#include "CSSTPOpenSSL.h"

void csstp_last_error(char *buf, size_t len) {
    unsigned long e = ERR_get_error();
    if (len == 0) {
        return;
    }
    if (e == 0) {
        buf[0] = '\0';
        return;
    }
    ERR_error_string_n(e, buf, len);
    ERR_clear_error();
}

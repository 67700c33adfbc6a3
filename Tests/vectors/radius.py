#!/usr/bin/env python3
"""RADIUS vectors computed independently of our Swift code (hashlib and
hmac only), from RFC 2865 section 3 (Response Authenticator) and 5.2
(User-Password), RFC 3579 sections 3.1 (EAP-Message) and 3.2
(Message-Authenticator), RFC 2548 section 2.4.2 (MS-MPPE key encryption).
Prints JSON; RADIUSTests.RADIUSVectorTests runs this and compares.
"""
import hashlib
import hmac
import json
import struct

SECRET = b"radius-test-secret"
REQUEST_AUTH = bytes((9 * i + 4) & 0xFF for i in range(16))
# A 300-byte EAP-Response/EAP-TLS (Code 2, Identifier 7): two EAP-Message attributes.
EAP_BODY = bytes([13, 0x00]) + bytes((i * 7) & 0xFF for i in range(294))
EAP_RESPONSE = bytes([2, 7]) + struct.pack(">H", 4 + len(EAP_BODY)) + EAP_BODY
STATE = b"state-from-challenge"
EAP_SUCCESS = bytes([3, 7, 0, 4])
RECV_KEY = bytes((17 * i + 1) & 0xFF for i in range(32))
SEND_KEY = bytes((19 * i + 2) & 0xFF for i in range(32))
SALT_RECV = bytes([0x80, 0x01])
SALT_SEND = bytes([0x91, 0x23])
PASSWORD = b"a password longer than sixteen"


def attr(t, v):
    return bytes([t, 2 + len(v)]) + v


def packet(code, ident, auth, attrs):
    body = b"".join(attrs)
    return bytes([code, ident]) + struct.pack(">H", 20 + len(body)) + auth + body


def with_message_authenticator(code, ident, header_auth, keyed_auth, attrs):
    """Appends Message-Authenticator (RFC 3579 3.2): HMAC-MD5 over the packet
    with keyed_auth in the Authenticator field and the MA zeroed."""
    zeroed = packet(code, ident, keyed_auth, attrs + [attr(80, b"\x00" * 16)])
    mac = hmac.new(SECRET, zeroed, "md5").digest()
    return packet(code, ident, header_auth, attrs + [attr(80, mac)])


def mppe_encrypt(key, salt):
    plain = bytes([len(key)]) + key
    plain += b"\x00" * ((16 - len(plain) % 16) % 16)
    out = b""
    prev = REQUEST_AUTH + salt
    for i in range(0, len(plain), 16):
        b = hashlib.md5(SECRET + prev).digest()
        c = bytes(x ^ y for x, y in zip(plain[i:i + 16], b))
        out += c
        prev = c
    return salt + out


def vsa(vendor_type, data):
    return attr(26, struct.pack(">I", 311) + bytes([vendor_type, 2 + len(data)]) + data)


def hide_password(pw):
    p = pw + b"\x00" * ((16 - len(pw) % 16) % 16)
    out = b""
    prev = REQUEST_AUTH
    for i in range(0, len(p), 16):
        b = hashlib.md5(SECRET + prev).digest()
        c = bytes(x ^ y for x, y in zip(p[i:i + 16], b))
        out += c
        prev = c
    return out


def main():
    eap_attrs = [attr(79, EAP_RESPONSE[i:i + 253]) for i in range(0, len(EAP_RESPONSE), 253)]
    request_attrs = [attr(1, b"client@example.test"), attr(32, b"sstp-test-server"),
                     attr(12, struct.pack(">I", 1400))] + eap_attrs + [attr(24, STATE)]
    request = with_message_authenticator(1, 42, REQUEST_AUTH, REQUEST_AUTH, request_attrs)

    accept_attrs = [attr(79, EAP_SUCCESS),
                    vsa(17, mppe_encrypt(RECV_KEY, SALT_RECV)),
                    vsa(16, mppe_encrypt(SEND_KEY, SALT_SEND))]
    # Message-Authenticator with the Request Authenticator, then the
    # Response Authenticator over the result (RFC 3579 3.2, RFC 2865 3).
    signed = with_message_authenticator(2, 42, REQUEST_AUTH, REQUEST_AUTH, accept_attrs)
    response_auth = hashlib.md5(signed[:4] + REQUEST_AUTH + signed[20:] + SECRET).digest()
    accept = signed[:4] + response_auth + signed[20:]

    print(json.dumps({
        "secret": SECRET.decode(),
        "requestAuthenticator": REQUEST_AUTH.hex(),
        "eapResponse": EAP_RESPONSE.hex(),
        "state": STATE.hex(),
        "accessRequest": request.hex(),
        "accessAccept": accept.hex(),
        "recvKey": RECV_KEY.hex(),
        "sendKey": SEND_KEY.hex(),
        "recvKeyAttribute": mppe_encrypt(RECV_KEY, SALT_RECV).hex(),
        "password": PASSWORD.decode(),
        "hiddenPassword": hide_password(PASSWORD).hex(),
    }, indent=1))


if __name__ == "__main__":
    main()

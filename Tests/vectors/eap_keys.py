#!/usr/bin/env python3
"""EAP-TLS, SSTP-over-EAP and PEAPv0 key vectors computed independently of
our Swift code, with Python's hashlib and hmac only.

- TLS 1.2 PRF (RFC 5246 section 5, P_SHA256) and the EAP-TLS Key_Material
  of RFC 5216 section 2.3 from a fixed master secret and randoms: MSK, EMSK.
- The SSTP HLAK of MS-SSTP 3.2.5.2.2 / 3.2.5.2.4 for EAP in both layouts
  (see HigherLayerAuthenticationKey.EAPKeyLayout), with the CMK and the
  Compound MAC of CALL_CONNECTED computed by crypto_binding.py's rules.
- PEAPv0 (MS-PEAP 3.1.5.5.2, 3.1.5.5, 3.1.5.7): TK, ISK from the
  MS-CHAPv2 keys of crypto_binding.py, IPMK, CMK, the Cryptobinding TLV's
  Compound MAC and the Compound Session Key.
Prints JSON; SSTPCryptoTests.EAPKeyVectorTests runs this and compares.
"""
import hashlib
import hmac
import json
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import crypto_binding  # noqa: E402

MASTER_SECRET = bytes((3 * i + 1) & 0xFF for i in range(48))
CLIENT_RANDOM = bytes((5 * i + 7) & 0xFF for i in range(32))
SERVER_RANDOM = bytes((11 * i + 13) & 0xFF for i in range(32))
PEAP_NONCE = bytes((13 * i + 17) & 0xFF for i in range(32))


def p_hash(name, secret, seed, length):
    out = b""
    a = seed
    while len(out) < length:
        a = hmac.new(secret, a, name).digest()
        out += hmac.new(secret, a + seed, name).digest()
    return out[:length]


def tls_prf(secret, label, seed, length):
    return p_hash("sha256", secret, label + seed, length)


def peap_prf_plus(key, seed, length):
    out = b""
    t = b""
    n = 1
    while len(out) < length:
        t = hmac.new(key, t + seed + bytes([n, 0, 0]), "sha1").digest()
        out += t
        n += 1
    return out[:length]


def cryptobinding_tlv(subtype, nonce, mac):
    # MS-PEAP 2.2.8.1.1: M=0 R=0 Type 12, Length 56; Reserved, Version 0,
    # RecvVersion 0, SubType, Nonce, Compound_MAC.
    return bytes([0x00, 0x0C, 0x00, 0x38, 0, 0, 0, subtype]) + nonce + mac


def main():
    key_material = tls_prf(MASTER_SECRET, b"client EAP encryption",
                           CLIENT_RANDOM + SERVER_RANDOM, 128)
    msk, emsk = key_material[:64], key_material[64:]
    out = {
        "masterSecret": MASTER_SECRET.hex(),
        "clientRandom": CLIENT_RANDOM.hex(),
        "serverRandom": SERVER_RANDOM.hex(),
        "keyMaterial": key_material.hex(),
        "msk": msk.hex(),
        "emsk": emsk.hex(),
        "nonce": crypto_binding.NONCE.hex(),
        "certificateDER": crypto_binding.CERT_DER.hex(),
        "sstp": [],
    }
    layouts = {
        "masterSessionKey": msk[:32],
        "truncatedMasterKeys": msk[:16] + msk[32:48],
    }
    for layout, hlak in layouts.items():
        for hash_name in ("sha1", "sha256"):
            case = crypto_binding.binding(hash_name, hlak)
            case["layout"] = layout
            out["sstp"].append(case)

    # PEAPv0 with EAP-MSCHAPv2 inside.
    tk = key_material[:60]
    isk = crypto_binding.mschapv2_client_hlak()  # MasterSendKey | MasterReceiveKey
    imck = peap_prf_plus(tk[:40], b"Inner Methods Compound Keys" + isk, 60)
    ipmk, cmk = imck[:40], imck[40:]
    zeroed = cryptobinding_tlv(1, PEAP_NONCE, b"\x00" * 20)
    mac = hmac.new(cmk, zeroed + bytes([25]), "sha1").digest()
    csk = peap_prf_plus(ipmk, b"Session Key Generating Function\x00", 128)
    out["peap"] = {
        "tunnelKey": tk.hex(),
        "innerSessionKey": isk.hex(),
        "ipmk": ipmk.hex(),
        "cmk": cmk.hex(),
        "nonce": PEAP_NONCE.hex(),
        "responseTLV": cryptobinding_tlv(1, PEAP_NONCE, mac).hex(),
        "compoundMAC": mac.hex(),
        "csk": csk.hex(),
        "hlak": csk[:32].hex(),
    }
    print(json.dumps(out, indent=1))


if __name__ == "__main__":
    main()

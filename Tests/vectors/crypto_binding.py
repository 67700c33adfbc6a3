#!/usr/bin/env python3
"""Crypto-binding vectors computed independently of our Swift code.

Uses only Python's hashlib and hmac, from the rules of MS-SSTP 3.2.5.2 and
RFC 3079 3.4, over fixed inputs. Prints JSON; the Swift test
CryptoBindingIndependentTests runs this script and compares.

The MS-CHAPv2 case starts from RFC 2759 9.2's PasswordHashHash and
NT-Response, so no MD4 is needed here (Python's MD4 depends on OpenSSL's
legacy provider).
"""
import hashlib
import hmac
import json
import struct

PASSWORD_HASH_HASH = bytes.fromhex("41C00C584BD2D91C4017A2A12FA59F3F")
NT_RESPONSE = bytes.fromhex("82309ECD8D708B5EA08FAA3981CD83544233114A3D85D6DF")
MAGIC1 = b"This is the MPPE Master Key"
MAGIC2 = (b"On the client side, this is the send key; "
          b"on the server side, it is the receive key.")
MAGIC3 = (b"On the client side, this is the receive key; "
          b"on the server side, it is the send key.")
PAD1 = b"\x00" * 40
PAD2 = b"\xf2" * 40
SEED = b"SSTP inner method derived CMK"

# A stand-in for the server certificate's DER bytes and the server's nonce.
CERT_DER = bytes(range(256)) * 3
NONCE = bytes((7 * i + 3) & 0xFF for i in range(32))


def mschapv2_client_hlak():
    master = hashlib.sha1(PASSWORD_HASH_HASH + NT_RESPONSE + MAGIC1).digest()[:16]
    send = hashlib.sha1(master + PAD1 + MAGIC2 + PAD2).digest()[:16]
    recv = hashlib.sha1(master + PAD1 + MAGIC3 + PAD2).digest()[:16]
    return send + recv


def binding(hash_name, hlak):
    proto = {"sha1": 1, "sha256": 2}[hash_name]
    size = hashlib.new(hash_name).digest_size
    cmk = hmac.new(hlak, SEED + struct.pack("<H", size) + b"\x01", hash_name).digest()[:size]
    cert_hash = hashlib.new(hash_name, CERT_DER).digest()
    pad = b"\x00" * (32 - size)
    header = bytes([0x10, 0x01, 0x00, 0x70, 0x00, 0x04, 0x00, 0x01,
                    0x00, 0x03, 0x00, 0x68, 0x00, 0x00, 0x00, proto])
    zeroed = header + NONCE + cert_hash + pad + b"\x00" * 32
    mac = hmac.new(cmk, zeroed, hash_name).digest()
    message = header + NONCE + cert_hash + pad + mac + pad
    return {
        "hash": hash_name,
        "hlak": hlak.hex(),
        "cmk": cmk.hex(),
        "certHash": cert_hash.hex(),
        "compoundMAC": mac.hex(),
        "callConnected": message.hex(),
    }


def main():
    out = {
        "nonce": NONCE.hex(),
        "certificateDER": CERT_DER.hex(),
        "cases": [],
    }
    for hlak_name, hlak in (("mschapv2", mschapv2_client_hlak()), ("zero", b"\x00" * 32)):
        for hash_name in ("sha1", "sha256"):
            case = binding(hash_name, hlak)
            case["hlakKind"] = hlak_name
            out["cases"].append(case)
    print(json.dumps(out, indent=1))


if __name__ == "__main__":
    main()

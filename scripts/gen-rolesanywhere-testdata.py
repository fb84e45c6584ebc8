#!/usr/bin/env python3
"""Writes the certificates and keys of the Roles Anywhere tests (tests/data/rolesanywhere/).

Run once; the output is committed, so the golden signatures stay fixed. Needs `cryptography`
(the botocore venv of scripts/botocore-venv has it):

    target/botocore-venv/bin/python scripts/gen-rolesanywhere-testdata.py

A root CA, an intermediate CA, and leaf certificates issued by the intermediate for an RSA 2048
key, an EC P-256 key and an EC P-384 key, each key in every format the provider reads (PKCS#8,
PKCS#1 or SEC1; PEM and DER), plus the bad inputs: encrypted keys, an expired and a not yet valid
certificate, a key that matches no certificate, and the chain in the wrong order. Test keys only:
they sign nothing outside these tests.
"""

import datetime
import os
import sys

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.x509.oid import NameOID

OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "tests", "data", "rolesanywhere")
UTC = datetime.timezone.utc


def name(cn):
    return x509.Name([
        x509.NameAttribute(NameOID.ORGANIZATION_NAME, "sts-blocking tests"),
        x509.NameAttribute(NameOID.COMMON_NAME, cn),
    ])


def cert(subject, subject_key, issuer, issuer_key, serial, not_before, not_after, ca):
    b = (
        x509.CertificateBuilder()
        .subject_name(name(subject))
        .issuer_name(name(issuer))
        .public_key(subject_key.public_key())
        .serial_number(serial)
        .not_valid_before(not_before)
        .not_valid_after(not_after)
        .add_extension(x509.BasicConstraints(ca=ca, path_length=None), critical=True)
    )
    if ca:
        b = b.add_extension(
            x509.KeyUsage(False, False, False, False, False, True, True, False, False), critical=True
        )
    else:
        b = b.add_extension(
            x509.KeyUsage(True, False, False, False, False, False, False, False, False), critical=True
        )
    return b.sign(issuer_key, hashes.SHA256())


def write(fname, data):
    with open(os.path.join(OUT, fname), "wb") as f:
        f.write(data)


def pem(c):
    return c.public_bytes(serialization.Encoding.PEM)


def key_bytes(k, encoding, fmt, password=None):
    enc = (
        serialization.BestAvailableEncryption(password)
        if password
        else serialization.NoEncryption()
    )
    return k.private_bytes(encoding, fmt, enc)


def sec1_without_public_key(k):
    """SEC1 `ECPrivateKey` of a P-256 key without its optional public key (as `openssl ec
    -no_public` writes it): the reader must then take the public key from the certificate."""
    scalar = k.private_numbers().private_value.to_bytes(32, "big")
    p256 = bytes.fromhex("06082a8648ce3d030107")
    body = b"\x02\x01\x01" + b"\x04\x20" + scalar + b"\xa0" + bytes([len(p256)]) + p256
    der = b"\x30" + bytes([len(body)]) + body
    import base64
    b64 = base64.b64encode(der).decode()
    lines = [b64[i:i + 64] for i in range(0, len(b64), 64)]
    return ("-----BEGIN EC PRIVATE KEY-----\n" + "\n".join(lines) + "\n-----END EC PRIVATE KEY-----\n").encode()


def main():
    os.makedirs(OUT, exist_ok=True)
    d = datetime.datetime
    long_ago, far = d(2024, 1, 1, tzinfo=UTC), d(2099, 12, 31, 23, 59, 59, tzinfo=UTC)

    root_key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    root = cert("Test Root CA", root_key, "Test Root CA", root_key, 1, long_ago, far, True)
    inter_key = ec.generate_private_key(ec.SECP256R1())
    inter = cert("Test Intermediate CA", inter_key, "Test Root CA", root_key, 2, long_ago, far, True)

    rsa_key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    ec_key = ec.generate_private_key(ec.SECP256R1())
    ec384_key = ec.generate_private_key(ec.SECP384R1())
    other_key = rsa.generate_private_key(public_exponent=65537, key_size=2048)

    # Serials with the top bit set (DER adds a 0x00 byte) and longer than 64 bits: the decimal
    # conversion must be big-number arithmetic.
    leaves = {
        "rsa": (rsa_key, 0x9F3A5C7E1B2D4F6081A3C5E7092B4D6F, long_ago, far),
        "ec": (ec_key, 0x00C0FFEE, long_ago, far),
        "ec384": (ec384_key, 0x5EC384, long_ago, far),
        # UTCTime dates (before 2050), both in the past, and both in the future.
        "expired": (rsa_key, 0x0E, d(2001, 1, 1, tzinfo=UTC), d(2002, 1, 1, tzinfo=UTC)),
        "not-yet-valid": (rsa_key, 0x0F, d(2090, 1, 1, tzinfo=UTC), far),
    }
    for fname, (k, serial, nb, na) in leaves.items():
        c = cert("Test Leaf " + fname, k, "Test Intermediate CA", inter_key, serial, nb, na, False)
        write(fname + ".pem", pem(c))
        if fname in ("rsa", "ec"):
            write(fname + ".der", c.public_bytes(serialization.Encoding.DER))

    P, D = serialization.Encoding.PEM, serialization.Encoding.DER
    PK8, TRAD = serialization.PrivateFormat.PKCS8, serialization.PrivateFormat.TraditionalOpenSSL
    write("rsa-key.pem", key_bytes(rsa_key, P, PK8))
    write("rsa-key.der", key_bytes(rsa_key, D, PK8))
    write("rsa-key-pkcs1.pem", key_bytes(rsa_key, P, TRAD))
    write("rsa-key-pkcs1.der", key_bytes(rsa_key, D, TRAD))
    write("ec-key.pem", key_bytes(ec_key, P, TRAD))
    write("ec-key.der", key_bytes(ec_key, D, TRAD))
    write("ec-key-pkcs8.pem", key_bytes(ec_key, P, PK8))
    write("ec-key-pkcs8.der", key_bytes(ec_key, D, PK8))
    write("ec-key-no-public.pem", sec1_without_public_key(ec_key))
    write("ec384-key.pem", key_bytes(ec384_key, P, PK8))
    write("other-key.pem", key_bytes(other_key, P, PK8))
    write("rsa-key-encrypted.pem", key_bytes(rsa_key, P, PK8, b"test-password"))
    write("rsa-key-pkcs1-encrypted.pem", key_bytes(rsa_key, P, TRAD, b"test-password"))

    # The public keys as the verifying fake of the tests takes them (ring's formats): the RSA
    # key's RSAPublicKey in DER and the EC key's uncompressed point.
    write("rsa-public.der", rsa_key.public_key().public_bytes(D, serialization.PublicFormat.PKCS1))
    write(
        "ec-public.bin",
        ec_key.public_key().public_bytes(
            serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint
        ),
    )

    write("intermediate.pem", pem(inter))
    write("root.pem", pem(root))
    write("chain.pem", pem(inter) + pem(root))
    write("chain-wrong-order.pem", pem(root) + pem(inter))
    return 0


if __name__ == "__main__":
    sys.exit(main())

#!/usr/bin/env python3
"""The independent verifier of the Roles Anywhere signatures (tests/roles_anywhere.rs and the
`sts rolesanywhere` tests).

Reads a JSON list of cases on stdin and prints one JSON result per case (a list), using only
Python's standard library and `cryptography` (the botocore venv of scripts/botocore-venv has it):

- {"kind": "session", "cert": PEM path, "key": PEM path or null, "method", "target" (path and
  query), "headers": [[name, value], ...], "body", "string_to_sign" (the library's, or null)}:
  rebuilds the canonical request from the request as sent, the way aws_signing_helper builds it
  (query sorted and percent-encoded with %20, the headers the Authorization names, lower-case and
  trimmed, the body's SHA-256), checks the credential scope (the certificate's serial in decimal),
  verifies the signature with the certificate's public key (RSA PKCS#1 v1.5 or ECDSA, SHA-256),
  and for an RSA key signs the string to sign itself: PKCS#1 v1.5 is deterministic, so the
  signature must be byte for byte the same.
- {"kind": "sign", "cert": PEM path, "message_hex", "digest": "SHA256"|"SHA384"|"SHA512",
  "signature_hex"}: verifies a signature of sign-string.

Each result is {"ok": bool, "why": str, "string_to_sign": str or null, "resigned": bool}.
"""

import hashlib
import json
import sys
import urllib.parse

from cryptography import x509
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, padding, rsa

DIGESTS = {"SHA256": hashes.SHA256, "SHA384": hashes.SHA384, "SHA512": hashes.SHA512}


def load_cert(path):
    with open(path, "rb") as f:
        return x509.load_pem_x509_certificate(f.read())


def verify(pub, signature, message, digest):
    if isinstance(pub, rsa.RSAPublicKey):
        pub.verify(signature, message, padding.PKCS1v15(), digest())
    elif isinstance(pub, ec.EllipticCurvePublicKey):
        pub.verify(signature, message, ec.ECDSA(digest()))
    else:
        raise ValueError("unsupported key type")


def session(case):
    cert = load_cert(case["cert"])
    headers = {k.lower(): v for k, v in case["headers"]}
    path, _, query = case["target"].partition("?")
    pairs = sorted(urllib.parse.parse_qsl(query, keep_blank_values=True))
    cq = "&".join(
        urllib.parse.quote(k, safe="-_.~") + "=" + urllib.parse.quote(v, safe="-_.~")
        for k, v in pairs
    )
    auth = headers["authorization"]
    alg, _, rest = auth.partition(" ")
    parts = dict(p.split("=", 1) for p in rest.split(", "))
    signed = parts["SignedHeaders"].split(";")
    date = headers["x-amz-date"]
    region = case.get("region", "")
    scope = f"{date[:8]}/{region}/rolesanywhere/aws4_request"
    if parts["Credential"] != f"{cert.serial_number}/{scope}":
        return {"ok": False, "why": "credential " + parts["Credential"]}
    lines = [f"{h}:{' '.join(headers[h].split())}" for h in signed]
    body_hash = hashlib.sha256(case["body"].encode()).hexdigest()
    creq = "\n".join([case["method"], path, cq] + lines) + "\n\n" + ";".join(signed) + "\n" + body_hash
    sts = "\n".join([alg, date, scope, hashlib.sha256(creq.encode()).hexdigest()])
    if case.get("string_to_sign") is not None and case["string_to_sign"] != sts:
        return {"ok": False, "why": "string to sign differs", "string_to_sign": sts}
    want_alg = (
        "AWS4-X509-RSA-SHA256"
        if isinstance(cert.public_key(), rsa.RSAPublicKey)
        else "AWS4-X509-ECDSA-SHA256"
    )
    if alg != want_alg:
        return {"ok": False, "why": "algorithm " + alg}
    sig = bytes.fromhex(parts["Signature"])
    try:
        verify(cert.public_key(), sig, sts.encode(), hashes.SHA256)
    except InvalidSignature:
        return {"ok": False, "why": "signature does not verify", "string_to_sign": sts}
    resigned = False
    if case.get("key") and isinstance(cert.public_key(), rsa.RSAPublicKey):
        with open(case["key"], "rb") as f:
            key = serialization.load_pem_private_key(f.read(), password=None)
        ours = key.sign(sts.encode(), padding.PKCS1v15(), hashes.SHA256())
        if ours != sig:
            return {"ok": False, "why": "RSA signature differs from cryptography's"}
        resigned = True
    return {"ok": True, "why": "", "string_to_sign": sts, "resigned": resigned}


def sign(case):
    cert = load_cert(case["cert"])
    try:
        verify(
            cert.public_key(),
            bytes.fromhex(case["signature_hex"]),
            bytes.fromhex(case["message_hex"]),
            DIGESTS[case["digest"]],
        )
    except InvalidSignature:
        return {"ok": False, "why": "signature does not verify"}
    return {"ok": True, "why": ""}


def main():
    out = []
    for case in json.load(sys.stdin):
        try:
            out.append(session(case) if case["kind"] == "session" else sign(case))
        except Exception as e:  # a case that cannot even be checked fails, with why
            out.append({"ok": False, "why": f"{type(e).__name__}: {e}"})
    json.dump(out, sys.stdout)


if __name__ == "__main__":
    main()

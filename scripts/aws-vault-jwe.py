#!/usr/bin/env python3
"""Writes aws-vault file-backend items the way aws-vault writes them, with Python's
`cryptography` (an implementation of the JWE independent of sts's), for the tests of
`sts keys import --from aws-vault`.

    aws-vault-jwe.py DIR PASSPHRASE < items.json

items.json: a JSON list of {"key", "access_key_id", "secret_access_key", "session_token"}.
Each item becomes DIR/<key> (mode 0600): a compact JWE (RFC 7516) with alg PBES2-HS256+A128KW
and enc A256GCM (RFC 7518) of the keyring item's JSON, whose Data is the base64 of the JSON of
Go's aws.Credentials, as 99designs/keyring's file backend and aws-vault store them.

Run with the peer venv's python (target/peer-venv: moto depends on cryptography).
"""

import base64
import json
import os
import sys

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.pbkdf2 import PBKDF2HMAC
from cryptography.hazmat.primitives.keywrap import aes_key_wrap

ALG = "PBES2-HS256+A128KW"


def b64u(b: bytes) -> str:
    return base64.urlsafe_b64encode(b).rstrip(b"=").decode()


def jwe(payload: bytes, passphrase: str, p2c: int = 8192) -> str:
    p2s = os.urandom(16)
    header = {"alg": ALG, "enc": "A256GCM", "p2c": p2c, "p2s": b64u(p2s),
              "created": "2026-01-01 00:00:00 +0000 UTC"}
    protected = b64u(json.dumps(header, separators=(",", ":")).encode())
    kek = PBKDF2HMAC(algorithm=hashes.SHA256(), length=16,
                     salt=ALG.encode() + b"\0" + p2s, iterations=p2c).derive(passphrase.encode())
    cek = os.urandom(32)
    iv = os.urandom(12)
    sealed = AESGCM(cek).encrypt(iv, payload, protected.encode())
    return ".".join([protected, b64u(aes_key_wrap(kek, cek)), b64u(iv),
                     b64u(sealed[:-16]), b64u(sealed[-16:])])


def item(key: str, access_key_id: str, secret: str, token: str) -> bytes:
    creds = {"AccessKeyID": access_key_id, "SecretAccessKey": secret, "SessionToken": token,
             "Source": "", "CanExpire": bool(token), "Expires": "0001-01-01T00:00:00Z",
             "AccountID": ""}
    data = base64.b64encode(json.dumps(creds, separators=(",", ":")).encode()).decode()
    return json.dumps({"Key": key, "Data": data, "Label": f"aws-vault ({key})",
                       "Description": "", "KeychainNotTrustApplication": False,
                       "KeychainNotSynchronizable": False}, separators=(",", ":")).encode()


def main() -> int:
    if len(sys.argv) != 3:
        print(__doc__, file=sys.stderr)
        return 2
    directory, passphrase = sys.argv[1], sys.argv[2]
    os.makedirs(directory, mode=0o700, exist_ok=True)
    for it in json.load(sys.stdin):
        token = jwe(item(it["key"], it["access_key_id"], it["secret_access_key"],
                         it.get("session_token", "")), passphrase)
        path = os.path.join(directory, it["key"])
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w") as f:
            f.write(token)
    return 0


if __name__ == "__main__":
    sys.exit(main())

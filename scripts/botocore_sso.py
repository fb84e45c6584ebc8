"""botocore 1.44.8 as the reader and writer of the SSO cache that `sts sso login` shares with the
AWS CLI, driven by cli/tests/daily/sso.rs. Run with the python of scripts/botocore-venv, HOME
and AWS_CONFIG_FILE set to the test's (botocore reads ~/.aws/sso/cache from HOME at import).
Reads one JSON request on stdin, writes one JSON answer on stdout:

  {"op": "read", "profile": P}
      -> {"token": ..., "expires": ISO, "access_key": ..., "secret_key": ...}: botocore's
         SSOTokenProvider token of the profile's sso-session, and the credentials its SSOProvider
         gets from the portal (AWS_ENDPOINT_URL_SSO)
  {"op": "write", "session": S, "start_url": U, "region": R, "access_token": A,
   "expires_in": N, "refresh_token": T, "scopes": [..] | null}
      -> {"token_key": ..., "registration_key": ...}: a token file and an authorization-code
         registration written as the AWS CLI's SSOTokenFetcherAuth writes them (JSONFileCache with
         the SSO dumps function, datetimes for the expiries)
  {"op": "rewrite", "token": TEXT, "registration": TEXT, "key_args": {...}}
      -> {"token": ..., "registration": ..., "registration_key": ...}: the bytes botocore writes
         for the same values (expiries as datetimes, grant types as the CLI's tuple), and the
         registration cache key of the arguments
"""

import datetime
import hashlib
import json
import os
import sys

import botocore.session
from botocore.tokens import SSOTokenProvider, _sso_json_dumps
from botocore.utils import JSONFileCache
from dateutil.tz import tzutc

CACHE = os.path.expanduser(os.path.join("~", ".aws", "sso", "cache"))
FORMAT = "%Y-%m-%dT%H:%M:%SZ"


def when(text):
    return datetime.datetime.strptime(text, FORMAT).replace(tzinfo=tzutc())


def registration_key(args):
    # BaseSSOTokenFetcher._registration_cache_key of the AWS CLI v2.
    return hashlib.sha1(json.dumps(args, sort_keys=True).encode("utf-8")).hexdigest()


def read(req):
    session = botocore.session.Session(profile=req["profile"])
    token = SSOTokenProvider(session).load_token().get_frozen_token()
    creds = session.get_credentials().get_frozen_credentials()
    return {
        "token": token.token,
        "expires": str(token.expiration),
        "access_key": creds.access_key,
        "secret_key": creds.secret_key,
    }


def write(req):
    cache = JSONFileCache(CACHE, dumps_func=_sso_json_dumps)
    now = datetime.datetime.now(tzutc())
    scopes = req["scopes"]
    registration = {
        "clientId": "botocore-client-id",
        "clientSecret": "botocore-client-secret",
        "expiresAt": now + datetime.timedelta(days=90),
        "scopes": scopes or ["sso:account:access"],
        "grantTypes": ("authorization_code", "refresh_token"),
    }
    reg_key = registration_key(
        {
            "tool": "botocore",
            "startUrl": req["start_url"],
            "region": req["region"],
            "scopes": scopes,
            "session_name": req["session"],
        }
    )
    cache[reg_key] = registration
    token = {
        "startUrl": req["start_url"],
        "region": req["region"],
        "accessToken": req["access_token"],
        "expiresAt": now + datetime.timedelta(seconds=req["expires_in"]),
        "clientId": registration["clientId"],
        "clientSecret": registration["clientSecret"],
        "registrationExpiresAt": registration["expiresAt"],
        "refreshToken": req["refresh_token"],
    }
    token_key = hashlib.sha1(req["session"].encode("utf-8")).hexdigest()
    cache[token_key] = token
    return {"token_key": token_key, "registration_key": reg_key}


def rewrite(req):
    token = json.loads(req["token"])
    token["expiresAt"] = when(token["expiresAt"])
    token["registrationExpiresAt"] = when(token["registrationExpiresAt"])
    registration = json.loads(req["registration"])
    registration["expiresAt"] = when(registration["expiresAt"])
    if "grantTypes" in registration:
        registration["grantTypes"] = tuple(registration["grantTypes"])
    return {
        "token": _sso_json_dumps(token),
        "registration": _sso_json_dumps(registration),
        "registration_key": registration_key(req["key_args"]),
    }


def main():
    req = json.load(sys.stdin)
    op = {"read": read, "write": write, "rewrite": rewrite}[req["op"]]
    json.dump(op(req), sys.stdout)


if __name__ == "__main__":
    main()

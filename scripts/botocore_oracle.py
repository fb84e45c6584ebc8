"""botocore as an oracle for the AWS CLI's credential cache, driven by tests/botocore_interop.rs.

Run with the python of scripts/botocore-venv (botocore 1.44.8). Reads one JSON request on stdin,
writes one JSON answer on stdout:

  {"op": "keys", "cases": [{"kind": "assume"|"web", "args": {...}} | {"kind": "sso", ...}]}
      -> ["<key>", ...]   botocore's own fetchers' _cache_key
  {"op": "read", "dir": D, "kind": "assume"|"web"|"sso", ...}
      -> the credentials botocore's fetcher returns from JSONFileCache(D); its client fails if called
  {"op": "sso-token", "dir": D, "profile": P, "now": UNIX}
      -> botocore's SSOTokenProvider token (refreshing through AWS_ENDPOINT_URL_SSO_OIDC when due),
         with the token cache in D and the clock at `now`; it writes the refreshed file
  {"op": "login-refresh", "dir": D, "session": S, "now": UNIX}
      -> botocore's LoginCredentialFetcher.refresh_credentials() on the login cache in D (the
         sign-in endpoint from AWS_ENDPOINT_URL_SIGNIN), clock at `now`; it rewrites the file
  {"op": "write", "dir": D, "kind": "assume"|"web"|"sso", "response": {...}, ...}
      -> the cache key; the fetcher's (stubbed) call returns `response` (Credentials.Expiration in
         Unix seconds; for sso the GetRoleCredentials JSON) and botocore writes the entry
  {"op": "settings", "cases": [{NAME: VALUE}, ...]}
      -> [{"values": {setting: value | {"error": type}}, "client_error": type | null}, ...]: per
         case, the client settings a botocore Session resolves with exactly that environment (the
         config file named by AWS_CONFIG_FILE), and the error creating an STS client raises, if any
"""

import datetime
import json
import sys

from botocore.credentials import (
    AssumeRoleCredentialFetcher,
    AssumeRoleWithWebIdentityCredentialFetcher,
    Credentials,
    SSOCredentialFetcher,
)
from botocore.utils import JSONFileCache
from dateutil.tz import tzutc


class NoClient:
    """A client creator that fails the test if botocore tries to call a service."""

    def __call__(self, *args, **kwargs):
        raise AssertionError("botocore tried to create a client: the cache was not used")


class StubClient:
    def __init__(self, response):
        self._response = response

    def assume_role(self, **kwargs):
        return self._response

    def assume_role_with_web_identity(self, **kwargs):
        return self._response

    def get_role_credentials(self, **kwargs):
        return self._response


class StubCreator:
    def __init__(self, response):
        self.response = response

    def __call__(self, *args, **kwargs):
        return StubClient(self.response)


def fetcher(req, client_creator, cache=None):
    kind = req["kind"]
    if kind == "sso":
        return SSOCredentialFetcher(
            req["start_url"],
            "us-east-1",
            req["role_name"],
            req["account_id"],
            client_creator,
            token_loader=lambda start_url: {
                "accessToken": "sso-access-token",
                "expiresAt": "2099-01-01T00:00:00Z",
            },
            cache=cache,
            sso_session_name=req.get("session_name"),
        )
    args = dict(req["args"])
    role_arn = args.pop("RoleArn")
    if kind == "web":
        return AssumeRoleWithWebIdentityCredentialFetcher(
            client_creator,
            lambda: "web-identity-token",
            role_arn,
            extra_args=args,
            cache=cache,
        )
    return AssumeRoleCredentialFetcher(
        client_creator,
        Credentials("AKIDSOURCE", "source-secret"),
        role_arn,
        extra_args=args,
        mfa_prompter=lambda prompt: "123456",
        cache=cache,
    )


def parsed_response(response):
    """The response as botocore's parser returns it: Expiration is a datetime (Unix seconds in the
    request); an SSO response (roleCredentials, expiration in milliseconds) is passed as is."""
    out = json.loads(json.dumps(response))
    if "roleCredentials" in out:
        return out
    exp = out["Credentials"]["Expiration"]
    out["Credentials"]["Expiration"] = datetime.datetime.fromtimestamp(exp, tzutc())
    return out


def settings(env):
    """The client settings of a botocore Session with exactly `env` as the environment."""
    import os

    import botocore.session

    os.environ.clear()
    os.environ.update(env)
    session = botocore.session.Session()
    values = {}
    for name in [
        "region",
        "use_fips_endpoint",
        "use_dualstack_endpoint",
        "sts_regional_endpoints",
        "retry_mode",
        "max_attempts",
        "ca_bundle",
    ]:
        try:
            values[name] = session.get_config_variable(name)
        except Exception as e:  # noqa: BLE001 (the oracle reports any failure by its type)
            values[name] = {"error": type(e).__name__}
    try:
        session.create_client(
            "sts", region_name="us-east-1", aws_access_key_id="a", aws_secret_access_key="b"
        )
        client_error = None
    except Exception as e:  # noqa: BLE001
        client_error = type(e).__name__
    return {"values": values, "client_error": client_error}


def main():
    req = json.load(sys.stdin)
    op = req["op"]
    if op == "keys":
        out = [fetcher(case, NoClient())._cache_key for case in req["cases"]]
    elif op == "read":
        f = fetcher(req, NoClient(), JSONFileCache(req["dir"]))
        out = f.fetch_credentials()
    elif op == "write":
        f = fetcher(req, StubCreator(parsed_response(req["response"])), JSONFileCache(req["dir"]))
        f.fetch_credentials()
        out = f._cache_key
    elif op == "sso-token":
        import botocore.session
        from botocore.tokens import SSOTokenProvider, _sso_json_dumps

        now = datetime.datetime.fromtimestamp(req["now"], tzutc())
        provider = SSOTokenProvider(
            botocore.session.Session(),
            cache=JSONFileCache(req["dir"], dumps_func=_sso_json_dumps),
            time_fetcher=lambda: now,
            profile_name=req["profile"],
        )
        token = provider.load_token().get_frozen_token()
        out = {"token": token.token, "expiration": token.expiration.isoformat()}
    elif op == "login-refresh":
        import botocore.session
        from botocore.credentials import LoginCredentialFetcher
        from botocore.utils import LoginTokenLoader

        now = datetime.datetime.fromtimestamp(req["now"], tzutc())
        login = LoginCredentialFetcher(
            session_name=req["session"],
            token_loader=LoginTokenLoader(JSONFileCache(req["dir"])),
            client_creator=botocore.session.Session().create_client,
            time_fetcher=lambda: now,
        )
        out = login.refresh_credentials()
    elif op == "settings":
        out = [settings(env) for env in req["cases"]]
    else:
        raise SystemExit(f"unknown op {op}")
    json.dump(out, sys.stdout)


if __name__ == "__main__":
    main()

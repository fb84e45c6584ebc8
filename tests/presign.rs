//! Fixed-time vectors for the identity proofs of `sts_blocking::presign` (presigned URL, EKS token,
//! Vault login data), plus the `sts-derived` presigned vectors of `$STS_CONFORMANCE_DIR` when set.
//!
//! Inputs: the test-suite credentials `AKIDEXAMPLE` / `wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY`
//! (and the suite's `AQoDYXdz...` session token where noted), time 2015-08-30T12:36:00Z, region
//! `us-east-1`, service `sts`.
//!
//! Every expected value below was computed independently with botocore 1.44.8 (its own
//! `SigV4QueryAuth` / `SigV4Auth`, Python's `base64` and `json`), in a throw-away venv
//! (`python3 -m venv /tmp/botovenv && /tmp/botovenv/bin/pip install botocore`), by this script
//! (`/tmp/botovenv/bin/python gen.py`); the constants are its output, pasted verbatim:
//!
//! ```python
//! import base64, datetime, json
//! from unittest import mock
//! import botocore.auth
//! from botocore.auth import SigV4QueryAuth, SigV4Auth
//! from botocore.awsrequest import AWSRequest
//! from botocore.credentials import Credentials
//!
//! T = datetime.datetime(2015, 8, 30, 12, 36, 0)
//! TOKEN = "AQoDYXdzEPT//////////wEXAMPLEtc764bNrC9SAPBSM22wDOk4x4HIZ8j4FZTwdQWLWsKWHGBuFqwAeMicRXmxfpSPfIeoIYRqTflfKD8YUuwthAx7mSEI/qkPpKPi/kMcGdQrmGdeehM4IC1NtBmUpp2wUE8phUZampKsburEDy0KPkyQDYwT7WZ0wq5VSXDvp75YU9HFvlRd8Tx6q6fE8YQcHNVXAkiY9q6d+xo0rKwT38xVqr7ZD0u0iPPkUL64lIZbqBAz+scqKmlzm8FDrypNC9Yjc8fPOLn9FX9KSYvKTr4rvx3iSIlTJabIQwj2ICCR/oLxBA=="
//!
//! def creds(token=None):
//!     return Credentials("AKIDEXAMPLE", "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY", token)
//!
//! class FixedDT(datetime.datetime):
//!     @classmethod
//!     def utcnow(cls): return T
//!     @classmethod
//!     def now(cls, tz=None): return T.replace(tzinfo=tz) if tz else T
//!
//! def presign(host, region, expires, headers, token=None):
//!     req = AWSRequest(method="GET", url=f"https://{host}/?Action=GetCallerIdentity&Version=2011-06-15", headers=headers)
//!     with mock.patch.object(botocore.auth.datetime, "datetime", FixedDT):
//!         SigV4QueryAuth(creds(token), "sts", region, expires=expires).add_auth(req)
//!     return req.url
//!
//! def signed(host, region, headers, token=None):
//!     req = AWSRequest(method="POST", url=f"https://{host}/", data="Action=GetCallerIdentity&Version=2011-06-15",
//!                      headers={"Content-Type": "application/x-www-form-urlencoded; charset=utf-8", **headers})
//!     with mock.patch.object(botocore.auth.datetime, "datetime", FixedDT):
//!         SigV4Auth(creds(token), "sts", region).add_auth(req)
//!     return req
//!
//! def go_key(k): return "-".join(p[:1].upper() + p[1:].lower() for p in k.split("-"))
//! def go_json(o): return json.dumps(o, separators=(",", ":"), sort_keys=True, ensure_ascii=False).replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")
//!
//! def vault(req, role):
//!     hdrs = {}
//!     for k, v in req.headers.items():
//!         hdrs.setdefault(go_key(k), []).append(v)
//!     d = {"iam_http_request_method": req.method,
//!          "iam_request_url": base64.b64encode(req.url.encode()).decode(),
//!          "iam_request_body": base64.b64encode(req.data.encode()).decode(),
//!          "iam_request_headers": base64.b64encode(go_json(hdrs).encode()).decode()}
//!     if role: d["role"] = role
//!     return go_json(d)
//!
//! out = {}
//! out["presign_plain_60"] = presign("sts.us-east-1.amazonaws.com", "us-east-1", 60, {})
//! out["presign_token_900"] = presign("sts.us-east-1.amazonaws.com", "us-east-1", 900, {}, TOKEN)
//! u = presign("sts.us-east-1.amazonaws.com", "us-east-1", 60, {"x-k8s-aws-id": "my-cluster"})
//! out["eks_url"] = u
//! out["eks_token"] = "k8s-aws-v1." + base64.urlsafe_b64encode(u.encode()).decode().rstrip("=")
//! u = presign("sts.us-east-1.amazonaws.com", "us-east-1", 60, {"x-k8s-aws-id": "my-cluster"}, TOKEN)
//! out["eks_token_session"] = "k8s-aws-v1." + base64.urlsafe_b64encode(u.encode()).decode().rstrip("=")
//! r = signed("sts.amazonaws.com", "us-east-1", {"X-Vault-AWS-IAM-Server-ID": "vault.example.com"})
//! out["vault_authorization"] = r.headers["Authorization"]
//! out["vault_payload"] = vault(r, "dev-role")
//! r = signed("sts.amazonaws.com", "us-east-1", {}, TOKEN)
//! out["vault_session_authorization"] = r.headers["Authorization"]
//! out["vault_session_payload"] = vault(r, None)
//! print(json.dumps(out, indent=1))//! ```

/// botocore: `presign_plain_60`.
const PRESIGN_PLAIN_60: &str = "https://sts.us-east-1.amazonaws.com/?Action=GetCallerIdentity&Version=2011-06-15&X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential=AKIDEXAMPLE%2F20150830%2Fus-east-1%2Fsts%2Faws4_request&X-Amz-Date=20150830T123600Z&X-Amz-Expires=60&X-Amz-SignedHeaders=host&X-Amz-Signature=edc8907c6c6ab903df773b39e30bcee2e7cbef539f89e69dfe8e7f6a80781bb6";
/// botocore: `presign_token_900`.
const PRESIGN_TOKEN_900: &str = "https://sts.us-east-1.amazonaws.com/?Action=GetCallerIdentity&Version=2011-06-15&X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential=AKIDEXAMPLE%2F20150830%2Fus-east-1%2Fsts%2Faws4_request&X-Amz-Date=20150830T123600Z&X-Amz-Expires=900&X-Amz-SignedHeaders=host&X-Amz-Security-Token=AQoDYXdzEPT%2F%2F%2F%2F%2F%2F%2F%2F%2F%2FwEXAMPLEtc764bNrC9SAPBSM22wDOk4x4HIZ8j4FZTwdQWLWsKWHGBuFqwAeMicRXmxfpSPfIeoIYRqTflfKD8YUuwthAx7mSEI%2FqkPpKPi%2FkMcGdQrmGdeehM4IC1NtBmUpp2wUE8phUZampKsburEDy0KPkyQDYwT7WZ0wq5VSXDvp75YU9HFvlRd8Tx6q6fE8YQcHNVXAkiY9q6d%2Bxo0rKwT38xVqr7ZD0u0iPPkUL64lIZbqBAz%2BscqKmlzm8FDrypNC9Yjc8fPOLn9FX9KSYvKTr4rvx3iSIlTJabIQwj2ICCR%2FoLxBA%3D%3D&X-Amz-Signature=0fe44c833f5e53be6bacece8bc347be5871d3614bc6560319c5ce7401b96dc55";
/// botocore: `eks_url`.
const EKS_URL: &str = "https://sts.us-east-1.amazonaws.com/?Action=GetCallerIdentity&Version=2011-06-15&X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential=AKIDEXAMPLE%2F20150830%2Fus-east-1%2Fsts%2Faws4_request&X-Amz-Date=20150830T123600Z&X-Amz-Expires=60&X-Amz-SignedHeaders=host%3Bx-k8s-aws-id&X-Amz-Signature=393dffdcf851beeb373f04f933b26ffa1d480490f11385a3dbd509617bb7cb79";
/// botocore: `eks_token`.
const EKS_TOKEN: &str = "k8s-aws-v1.aHR0cHM6Ly9zdHMudXMtZWFzdC0xLmFtYXpvbmF3cy5jb20vP0FjdGlvbj1HZXRDYWxsZXJJZGVudGl0eSZWZXJzaW9uPTIwMTEtMDYtMTUmWC1BbXotQWxnb3JpdGhtPUFXUzQtSE1BQy1TSEEyNTYmWC1BbXotQ3JlZGVudGlhbD1BS0lERVhBTVBMRSUyRjIwMTUwODMwJTJGdXMtZWFzdC0xJTJGc3RzJTJGYXdzNF9yZXF1ZXN0JlgtQW16LURhdGU9MjAxNTA4MzBUMTIzNjAwWiZYLUFtei1FeHBpcmVzPTYwJlgtQW16LVNpZ25lZEhlYWRlcnM9aG9zdCUzQngtazhzLWF3cy1pZCZYLUFtei1TaWduYXR1cmU9MzkzZGZmZGNmODUxYmVlYjM3M2YwNGY5MzNiMjZmZmExZDQ4MDQ5MGYxMTM4NWEzZGJkNTA5NjE3YmI3Y2I3OQ";
/// botocore: `eks_token_session`.
const EKS_TOKEN_SESSION: &str = "k8s-aws-v1.aHR0cHM6Ly9zdHMudXMtZWFzdC0xLmFtYXpvbmF3cy5jb20vP0FjdGlvbj1HZXRDYWxsZXJJZGVudGl0eSZWZXJzaW9uPTIwMTEtMDYtMTUmWC1BbXotQWxnb3JpdGhtPUFXUzQtSE1BQy1TSEEyNTYmWC1BbXotQ3JlZGVudGlhbD1BS0lERVhBTVBMRSUyRjIwMTUwODMwJTJGdXMtZWFzdC0xJTJGc3RzJTJGYXdzNF9yZXF1ZXN0JlgtQW16LURhdGU9MjAxNTA4MzBUMTIzNjAwWiZYLUFtei1FeHBpcmVzPTYwJlgtQW16LVNpZ25lZEhlYWRlcnM9aG9zdCUzQngtazhzLWF3cy1pZCZYLUFtei1TZWN1cml0eS1Ub2tlbj1BUW9EWVhkekVQVCUyRiUyRiUyRiUyRiUyRiUyRiUyRiUyRiUyRiUyRndFWEFNUExFdGM3NjRiTnJDOVNBUEJTTTIyd0RPazR4NEhJWjhqNEZaVHdkUVdMV3NLV0hHQnVGcXdBZU1pY1JYbXhmcFNQZkllb0lZUnFUZmxmS0Q4WVV1d3RoQXg3bVNFSSUyRnFrUHBLUGklMkZrTWNHZFFybUdkZWVoTTRJQzFOdEJtVXBwMndVRThwaFVaYW1wS3NidXJFRHkwS1BreVFEWXdUN1daMHdxNVZTWER2cDc1WVU5SEZ2bFJkOFR4NnE2ZkU4WVFjSE5WWEFraVk5cTZkJTJCeG8wckt3VDM4eFZxcjdaRDB1MGlQUGtVTDY0bElaYnFCQXolMkJzY3FLbWx6bThGRHJ5cE5DOVlqYzhmUE9MbjlGWDlLU1l2S1RyNHJ2eDNpU0lsVEphYklRd2oySUNDUiUyRm9MeEJBJTNEJTNEJlgtQW16LVNpZ25hdHVyZT02YjZkYmUxMDUwNTYxOTg2ZjA3MTZkNmZmZmQzMjRhY2QxY2JmZTQ4NmFlMzZmNmYyNzIxNzcxYTNhYjEzMTM4";
/// botocore: `vault_authorization`.
const VAULT_AUTHORIZATION: &str = "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/sts/aws4_request, SignedHeaders=content-type;host;x-amz-date;x-vault-aws-iam-server-id, Signature=df234c45af42b105eae29dd0035133e7fadb800a3000a94bf0f44b08c7b38cbe";
/// botocore: `vault_payload`.
const VAULT_PAYLOAD: &str = "{\"iam_http_request_method\":\"POST\",\"iam_request_body\":\"QWN0aW9uPUdldENhbGxlcklkZW50aXR5JlZlcnNpb249MjAxMS0wNi0xNQ==\",\"iam_request_headers\":\"eyJBdXRob3JpemF0aW9uIjpbIkFXUzQtSE1BQy1TSEEyNTYgQ3JlZGVudGlhbD1BS0lERVhBTVBMRS8yMDE1MDgzMC91cy1lYXN0LTEvc3RzL2F3czRfcmVxdWVzdCwgU2lnbmVkSGVhZGVycz1jb250ZW50LXR5cGU7aG9zdDt4LWFtei1kYXRlO3gtdmF1bHQtYXdzLWlhbS1zZXJ2ZXItaWQsIFNpZ25hdHVyZT1kZjIzNGM0NWFmNDJiMTA1ZWFlMjlkZDAwMzUxMzNlN2ZhZGI4MDBhMzAwMGE5NGJmMGY0NGIwOGM3YjM4Y2JlIl0sIkNvbnRlbnQtVHlwZSI6WyJhcHBsaWNhdGlvbi94LXd3dy1mb3JtLXVybGVuY29kZWQ7IGNoYXJzZXQ9dXRmLTgiXSwiWC1BbXotRGF0ZSI6WyIyMDE1MDgzMFQxMjM2MDBaIl0sIlgtVmF1bHQtQXdzLUlhbS1TZXJ2ZXItSWQiOlsidmF1bHQuZXhhbXBsZS5jb20iXX0=\",\"iam_request_url\":\"aHR0cHM6Ly9zdHMuYW1hem9uYXdzLmNvbS8=\",\"role\":\"dev-role\"}";
/// botocore: `vault_session_authorization`.
const VAULT_SESSION_AUTHORIZATION: &str = "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/sts/aws4_request, SignedHeaders=content-type;host;x-amz-date;x-amz-security-token, Signature=622eac1fa771ec74baed2bc00ed1fb9e028449ec2fdca34394adc45c47d26732";
/// botocore: `vault_session_payload`.
const VAULT_SESSION_PAYLOAD: &str = "{\"iam_http_request_method\":\"POST\",\"iam_request_body\":\"QWN0aW9uPUdldENhbGxlcklkZW50aXR5JlZlcnNpb249MjAxMS0wNi0xNQ==\",\"iam_request_headers\":\"eyJBdXRob3JpemF0aW9uIjpbIkFXUzQtSE1BQy1TSEEyNTYgQ3JlZGVudGlhbD1BS0lERVhBTVBMRS8yMDE1MDgzMC91cy1lYXN0LTEvc3RzL2F3czRfcmVxdWVzdCwgU2lnbmVkSGVhZGVycz1jb250ZW50LXR5cGU7aG9zdDt4LWFtei1kYXRlO3gtYW16LXNlY3VyaXR5LXRva2VuLCBTaWduYXR1cmU9NjIyZWFjMWZhNzcxZWM3NGJhZWQyYmMwMGVkMWZiOWUwMjg0NDllYzJmZGNhMzQzOTRhZGM0NWM0N2QyNjczMiJdLCJDb250ZW50LVR5cGUiOlsiYXBwbGljYXRpb24veC13d3ctZm9ybS11cmxlbmNvZGVkOyBjaGFyc2V0PXV0Zi04Il0sIlgtQW16LURhdGUiOlsiMjAxNTA4MzBUMTIzNjAwWiJdLCJYLUFtei1TZWN1cml0eS1Ub2tlbiI6WyJBUW9EWVhkekVQVC8vLy8vLy8vLy93RVhBTVBMRXRjNzY0Yk5yQzlTQVBCU00yMndET2s0eDRISVo4ajRGWlR3ZFFXTFdzS1dIR0J1RnF3QWVNaWNSWG14ZnBTUGZJZW9JWVJxVGZsZktEOFlVdXd0aEF4N21TRUkvcWtQcEtQaS9rTWNHZFFybUdkZWVoTTRJQzFOdEJtVXBwMndVRThwaFVaYW1wS3NidXJFRHkwS1BreVFEWXdUN1daMHdxNVZTWER2cDc1WVU5SEZ2bFJkOFR4NnE2ZkU4WVFjSE5WWEFraVk5cTZkK3hvMHJLd1QzOHhWcXI3WkQwdTBpUFBrVUw2NGxJWmJxQkF6K3NjcUttbHptOEZEcnlwTkM5WWpjOGZQT0xuOUZYOUtTWXZLVHI0cnZ4M2lTSWxUSmFiSVF3ajJJQ0NSL29MeEJBPT0iXX0=\",\"iam_request_url\":\"aHR0cHM6Ly9zdHMuYW1hem9uYXdzLmNvbS8=\"}";

#[path = "conformance/common.rs"]
mod common;

use std::time::Duration;
use sts_blocking::__private::base64;
use sts_blocking::endpoint::{EndpointParams, resolve};
use sts_blocking::presign::{
    DEFAULT_EXEC_API_VERSION, VAULT_SERVER_ID_HEADER, eks_token, presign_get_caller_identity,
    signed_get_caller_identity, vault_login_data,
};
use sts_blocking::sigv4::SigningKeyCache;
use sts_blocking::{Credentials, SecretString};
use time::OffsetDateTime;

const AKID: &str = "AKIDEXAMPLE";
const SECRET: &str = "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY";
const TOKEN: &str = "AQoDYXdzEPT//////////wEXAMPLEtc764bNrC9SAPBSM22wDOk4x4HIZ8j4FZTwdQWLWsKWHGBuFqwAeMicRXmxfpSPfIeoIYRqTflfKD8YUuwthAx7mSEI/qkPpKPi/kMcGdQrmGdeehM4IC1NtBmUpp2wUE8phUZampKsburEDy0KPkyQDYwT7WZ0wq5VSXDvp75YU9HFvlRd8Tx6q6fE8YQcHNVXAkiY9q6d+xo0rKwT38xVqr7ZD0u0iPPkUL64lIZbqBAz+scqKmlzm8FDrypNC9Yjc8fPOLn9FX9KSYvKTr4rvx3iSIlTJabIQwj2ICCR/oLxBA==";

fn time() -> OffsetDateTime {
    OffsetDateTime::from_unix_timestamp(1_440_938_160).unwrap() // 2015-08-30T12:36:00Z
}

fn creds(token: bool) -> Credentials {
    Credentials::new(AKID, SECRET, token.then(|| SecretString::new(TOKEN)))
}

fn endpoint(region: &str) -> sts_blocking::endpoint::ResolvedEndpoint {
    resolve(&EndpointParams::for_region(region)).unwrap()
}

#[test]
fn presigned_url_matches_botocore() {
    let keys = SigningKeyCache::new();
    let ep = endpoint("us-east-1");
    let p = presign_get_caller_identity(
        &ep,
        &creds(false),
        time(),
        Duration::from_secs(60),
        &[],
        &keys,
    )
    .unwrap();
    assert_eq!(p.method, "GET");
    assert_eq!(p.url, PRESIGN_PLAIN_60);
    assert!(p.headers.is_empty());
    let p = presign_get_caller_identity(
        &ep,
        &creds(true),
        time(),
        Duration::from_secs(900),
        &[],
        &keys,
    )
    .unwrap();
    assert_eq!(p.url, PRESIGN_TOKEN_900);
}

#[test]
fn presign_rejects_bad_expires_and_headers() {
    let keys = SigningKeyCache::new();
    let ep = endpoint("us-east-1");
    for d in [
        Duration::ZERO,
        Duration::from_millis(1500),
        Duration::from_secs(604_801),
    ] {
        assert!(presign_get_caller_identity(&ep, &creds(false), time(), d, &[], &keys).is_err());
    }
    let one = Duration::from_secs(60);
    for bad in [
        ("Host", "x"),
        ("x-amz-security-token", "x"),
        ("x-a", "a\nb"),
    ] {
        assert!(
            presign_get_caller_identity(&ep, &creds(false), time(), one, &[bad], &keys).is_err()
        );
        assert!(signed_get_caller_identity(&ep, &creds(false), time(), &[bad], &keys).is_err());
    }
}

#[test]
fn eks_token_matches_botocore() {
    let keys = SigningKeyCache::new();
    let ep = endpoint("us-east-1");
    let t = eks_token(&ep, &creds(false), time(), "my-cluster", &keys).unwrap();
    assert_eq!(t.token.expose(), EKS_TOKEN);
    let url = base64::decode_url_nopad(&t.token.expose()["k8s-aws-v1.".len()..]).unwrap();
    assert_eq!(String::from_utf8(url).unwrap(), EKS_URL);
    // The same URL through the general presigner, with the header returned for replay.
    let p = presign_get_caller_identity(
        &ep,
        &creds(false),
        time(),
        Duration::from_secs(60),
        &[("x-k8s-aws-id", "my-cluster")],
        &keys,
    )
    .unwrap();
    assert_eq!(p.url, EKS_URL);
    assert_eq!(
        p.headers,
        [("x-k8s-aws-id".to_owned(), "my-cluster".to_owned())]
    );
    // Expiration: signing time + 14 minutes, rendered as kubectl expects.
    assert_eq!(t.expiration.unix_timestamp(), 1_440_938_160 + 14 * 60);
    assert_eq!(
        t.exec_credential_json(DEFAULT_EXEC_API_VERSION),
        format!(
            r#"{{"kind":"ExecCredential","apiVersion":"client.authentication.k8s.io/v1beta1","spec":{{}},"status":{{"expirationTimestamp":"2015-08-30T12:50:00Z","token":"{EKS_TOKEN}"}}}}"#
        )
    );
    let json: serde_json::Value =
        serde_json::from_str(&t.exec_credential_json("client.authentication.k8s.io/v1")).unwrap();
    assert_eq!(json["apiVersion"], "client.authentication.k8s.io/v1");
    assert_eq!(json["status"]["token"], EKS_TOKEN);

    let t = eks_token(&ep, &creds(true), time(), "my-cluster", &keys).unwrap();
    assert_eq!(t.token.expose(), EKS_TOKEN_SESSION);
}

#[test]
fn eks_token_rejects_bad_cluster() {
    let keys = SigningKeyCache::new();
    let ep = endpoint("us-east-1");
    for bad in ["", " lead", "trail ", "new\nline", "nul\0"] {
        assert!(
            eks_token(&ep, &creds(false), time(), bad, &keys).is_err(),
            "{bad:?}"
        );
    }
    // A session token too long for the 4096-byte limit.
    let huge = Credentials::new(AKID, SECRET, Some(SecretString::new("A/".repeat(1500))));
    let e = eks_token(&ep, &huge, time(), "c", &keys).unwrap_err();
    assert!(e.to_string().contains("4096"), "{e}");
}

#[test]
fn vault_payload_matches_botocore() {
    let keys = SigningKeyCache::new();
    let global = endpoint("aws-global");
    let s = signed_get_caller_identity(
        &global,
        &creds(false),
        time(),
        &[(VAULT_SERVER_ID_HEADER, "vault.example.com")],
        &keys,
    )
    .unwrap();
    assert_eq!(s.method, "POST");
    assert_eq!(s.url, "https://sts.amazonaws.com/");
    assert_eq!(s.body, "Action=GetCallerIdentity&Version=2011-06-15");
    let auth = s
        .headers
        .iter()
        .find(|(n, _)| n == "authorization")
        .unwrap();
    assert_eq!(auth.1, VAULT_AUTHORIZATION);
    assert_eq!(vault_login_data(&s, Some("dev-role")), VAULT_PAYLOAD);

    let s = signed_get_caller_identity(&global, &creds(true), time(), &[], &keys).unwrap();
    let names: Vec<&str> = s.headers.iter().map(|(n, _)| n.as_str()).collect();
    assert_eq!(
        names,
        [
            "content-type",
            "x-amz-date",
            "x-amz-security-token",
            "authorization"
        ]
    );
    assert_eq!(
        s.headers
            .iter()
            .find(|(n, _)| n == "authorization")
            .unwrap()
            .1,
        VAULT_SESSION_AUTHORIZATION
    );
    assert_eq!(vault_login_data(&s, None), VAULT_SESSION_PAYLOAD);

    // What Vault decodes: a Go http.Header with the server id signed.
    let v: serde_json::Value = serde_json::from_str(VAULT_PAYLOAD).unwrap();
    let h = base64::decode_std(v["iam_request_headers"].as_str().unwrap()).unwrap();
    let h: serde_json::Value = serde_json::from_slice(&h).unwrap();
    assert_eq!(h["X-Vault-Aws-Iam-Server-Id"][0], "vault.example.com");
    assert!(h.get("Host").is_none());
}

#[test]
fn debug_never_shows_secrets() {
    let keys = SigningKeyCache::new();
    let ep = endpoint("us-east-1");
    let c = creds(true);
    let p =
        presign_get_caller_identity(&ep, &c, time(), Duration::from_secs(60), &[], &keys).unwrap();
    let s = signed_get_caller_identity(&ep, &c, time(), &[], &keys).unwrap();
    let t = eks_token(&ep, &c, time(), "c", &keys).unwrap();
    let sig_p = p.url.rsplit_once("X-Amz-Signature=").unwrap().1.to_owned();
    let auth = s
        .headers
        .iter()
        .find(|(n, _)| n == "authorization")
        .unwrap()
        .1
        .clone();
    let sig_s = auth.rsplit_once("Signature=").unwrap().1.to_owned();
    for dbg in [
        format!("{p:?}"),
        format!("{s:?}"),
        format!("{t:?}"),
        format!("{c:?}"),
    ] {
        for secret in [
            SECRET,
            "AQoDYXdz",
            &sig_p,
            &sig_s,
            "k8s-aws-v1.",
            "X-Amz-Signature",
        ] {
            assert!(!dbg.contains(secret), "{dbg} shows {secret}");
        }
    }
    assert!(format!("{t:?}").contains("expiration"));
}

/// The two `sts-derived` presigned vectors (`.url`), from their `context.json`.
#[test]
fn conformance_sts_derived_presigned() {
    let Some(dir) = common::corpus("presign sts-derived") else {
        return;
    };
    let keys = SigningKeyCache::new();
    let mut passed = 0;
    let mut failures = Vec::new();
    let names = [
        "sts-presigned-get-caller-identity",
        "sts-presigned-get-caller-identity-session-token",
    ];
    for name in names {
        let vdir = dir.join("sigv4/sts-derived").join(name);
        let ctx = common::json(&vdir.join("context.json"));
        let c = &ctx["credentials"];
        let creds = Credentials::new(
            c["access_key_id"].as_str().unwrap(),
            c["secret_access_key"].as_str().unwrap(),
            c["token"].as_str().map(SecretString::new),
        );
        let t = OffsetDateTime::parse(
            ctx["timestamp"].as_str().unwrap(),
            &time::format_description::well_known::Rfc3339,
        )
        .unwrap();
        let ep = endpoint(ctx["region"].as_str().unwrap());
        assert_eq!(ctx["service"], "sts");
        assert_eq!(ctx["signed_headers"], serde_json::json!(["host"]));
        let expires = Duration::from_secs(ctx["expiration_in_seconds"].as_u64().unwrap());
        let p = presign_get_caller_identity(&ep, &creds, t, expires, &[], &keys).unwrap();
        let want = common::read(&vdir.join(format!("{name}.url")));
        let sig = common::read(&vdir.join(format!("{name}.signature")));
        if p.url == want.trim() && p.url.ends_with(&format!("X-Amz-Signature={}", sig.trim())) {
            passed += 1;
        } else {
            failures.push(format!("{name}: got {}", p.url));
        }
    }
    common::report("presign sts-derived", passed, names.len(), &failures);
}

#[cfg(feature = "client")]
mod client {
    use super::*;
    use sts_blocking::Sts;

    fn sts(builder: sts_blocking::StsBuilder) -> Sts {
        builder.credentials(creds(true)).build().unwrap()
    }

    #[test]
    fn client_uses_its_endpoint_and_credentials() {
        let c = sts(Sts::builder().region("eu-west-1"));
        let p = c
            .presign_get_caller_identity(Duration::from_secs(60), &[("x-k8s-aws-id", "a")])
            .unwrap();
        assert!(
            p.url
                .starts_with("https://sts.eu-west-1.amazonaws.com/?Action=GetCallerIdentity")
        );
        assert!(p.url.contains("%2Feu-west-1%2Fsts%2Faws4_request"));
        assert!(p.url.contains("X-Amz-SignedHeaders=host%3Bx-k8s-aws-id"));
        assert!(p.url.contains("X-Amz-Security-Token=AQoDYXdz"));
        let s = c.signed_get_caller_identity(&[]).unwrap();
        assert_eq!(s.url, "https://sts.eu-west-1.amazonaws.com/");

        // A custom endpoint is used as given for presign/sign ...
        let c = sts(Sts::builder()
            .region("us-west-2")
            .endpoint_url("http://127.0.0.1:5000"));
        let p = c
            .presign_get_caller_identity(Duration::from_secs(60), &[])
            .unwrap();
        assert!(p.url.starts_with("http://127.0.0.1:5000/?Action="));
        // ... but an EKS token always points at the region's STS host.
        let t = c.eks_token("cluster").unwrap();
        let url = base64::decode_url_nopad(&t.token.expose()[11..]).unwrap();
        assert!(url.starts_with(b"https://sts.us-west-2.amazonaws.com/?"));
        let now = OffsetDateTime::now_utc();
        let left = t.expiration - now;
        assert!(left <= time::Duration::minutes(14) && left > time::Duration::minutes(13));

        // The legacy global endpoint is kept for Vault, not for EKS.
        let c = sts(Sts::builder().region("us-east-1").use_global_endpoint(true));
        let v: serde_json::Value = serde_json::from_str(
            &c.vault_login_data(Some("vault.example.com"), Some("r"))
                .unwrap(),
        )
        .unwrap();
        let url = base64::decode_std(v["iam_request_url"].as_str().unwrap()).unwrap();
        assert_eq!(url, b"https://sts.amazonaws.com/");
        assert_eq!(v["role"], "r");
        let h = base64::decode_std(v["iam_request_headers"].as_str().unwrap()).unwrap();
        let h: serde_json::Value = serde_json::from_slice(&h).unwrap();
        let auth = h["Authorization"][0].as_str().unwrap();
        assert!(auth.contains("SignedHeaders=content-type;host;x-amz-date;x-amz-security-token;x-vault-aws-iam-server-id,"));
        let t = c.eks_token("cluster").unwrap();
        let url = base64::decode_url_nopad(&t.token.expose()[11..]).unwrap();
        assert!(url.starts_with(b"https://sts.us-east-1.amazonaws.com/?"));

        // No region: the global endpoint, as `aws eks get-token` signs it; no credentials, nothing.
        let c = Sts::builder()
            .endpoint_url("http://127.0.0.1:5000")
            .credentials(creds(false))
            .build()
            .unwrap();
        let t = c.eks_token("x").unwrap();
        let url = base64::decode_url_nopad(&t.token.expose()[11..]).unwrap();
        assert!(url.starts_with(b"https://sts.amazonaws.com/?"));
        assert!(String::from_utf8_lossy(&url).contains("%2Fus-east-1%2Fsts%2Faws4_request"));
        let c = Sts::builder().region("us-east-1").build().unwrap();
        assert!(
            c.presign_get_caller_identity(Duration::from_secs(60), &[])
                .is_err()
        );
    }
}

//! Console sign-in URLs through the AWS federation endpoint, as a custom identity broker builds
//! them (IAM User Guide, "Enable custom identity broker access to the AWS console").
//!
//! 1. Temporary credentials: a role session (`AssumeRole*`, SSO, `aws login`) as it is, or for
//!    long-term IAM user keys a `GetFederationToken` session with [`ALLOW_ALL_POLICY`] (the
//!    session then has exactly the user's own permissions). `GetSessionToken` sessions are
//!    refused by the endpoint: [`classify_arn`] tells them apart by the caller's ARN.
//! 2. `GET {federation}?Action=getSigninToken[&SessionDuration=N]&Session={"sessionId",
//!    "sessionKey","sessionToken"}` returns `{"SigninToken": ...}`. `SessionDuration`
//!    (900..=43200 s) is only accepted for role sessions; a federation-token session lasts as
//!    long as its credentials.
//! 3. `{federation}?Action=login&Issuer=...&Destination=...&SigninToken=...` is the URL to open.
//!
//! Endpoints per partition ([`endpoints_for`]): `https://signin.aws.amazon.com/federation`,
//! `https://signin.amazonaws.cn/federation` and `https://signin.amazonaws-us-gov.com/federation`,
//! with the consoles `console.aws.amazon.com`, `console.amazonaws.cn` and
//! `console.amazonaws-us-gov.com`. Everything here is pure: the one request (step 2) goes through
//! the library's transport policy, `sts_blocking::presign::request_signin_token`.

use sts_blocking::error::CredentialsError;
use sts_blocking::{Credentials, Error, SecretString};

/// Appends `value` URL-encoded as a query value: RFC 3986 unreserved characters as they are, a
/// space as `+`, everything else `%XX`.
fn encode_into(out: &mut String, value: &str) {
    out.push_str(&sts_blocking::sigv4::uri_encode_component(value).replace("%20", "+"));
}

/// At most this many characters of a value are repeated in a message.
const ECHO_MAX: usize = 64;

/// A value given by the user, quoted for a message (control characters visible), cut to
/// [`ECHO_MAX`] characters with the full length when longer.
fn echo(value: &str) -> String {
    let shown: String = value.chars().take(ECHO_MAX).collect();
    if shown.len() == value.len() {
        format!("{value:?}")
    } else {
        format!("{shown:?}… ({} bytes)", value.len())
    }
}

/// The session policy passed to `GetFederationToken` for long-term keys: it allows everything, so
/// the federated session has exactly the permissions of the IAM user's own policies (a session
/// policy can only narrow them). `GetFederationToken` sessions can never call IAM, nor STS other
/// than `GetCallerIdentity`, whatever the policy says.
pub const ALLOW_ALL_POLICY: &str =
    r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"*","Resource":"*"}]}"#;

/// The `Issuer` sent with the login URL (where the console sends the user when the session ends).
pub const ISSUER: &str = "sts-blocking";

/// Allowed `SessionDuration` values, in seconds.
pub const SESSION_DURATION: std::ops::RangeInclusive<i64> = 900..=43_200;

/// Allowed `GetFederationToken` `DurationSeconds` values, in seconds.
pub const FEDERATION_DURATION: std::ops::RangeInclusive<i64> = 900..=129_600;

/// The federation endpoint and console of a partition.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConsoleEndpoints {
    /// `https://signin.aws.amazon.com/federation`.
    pub federation: String,
    /// `https://console.aws.amazon.com`.
    pub console: String,
}

fn err(message: impl Into<String>) -> Error {
    CredentialsError::new("console", message).into()
}

/// The federation endpoint and console of the partition of `region` (`us-east-1` when none).
/// `signin_override` (`AWS_ENDPOINT_URL_SIGNIN`) replaces the sign-in host: the federation
/// endpoint is then `{override}/federation`.
///
/// ```
/// use sts_cli::federation::endpoints_for;
/// let e = endpoints_for(Some("cn-north-1"), None)?;
/// assert_eq!(e.federation, "https://signin.amazonaws.cn/federation");
/// assert_eq!(e.console, "https://console.amazonaws.cn");
/// # Ok::<(), sts_blocking::Error>(())
/// ```
///
/// # Errors
/// [`Error::Credentials`] for a partition without a public federation endpoint (the ISO and
/// EUSC partitions).
pub fn endpoints_for(
    region: Option<&str>,
    signin_override: Option<&str>,
) -> Result<ConsoleEndpoints, Error> {
    let region = region.unwrap_or("us-east-1");
    let p = sts_blocking::endpoint::partition_for(region);
    let (signin, console) = match p.id {
        "aws" => (
            "https://signin.aws.amazon.com",
            "https://console.aws.amazon.com",
        ),
        "aws-cn" => (
            "https://signin.amazonaws.cn",
            "https://console.amazonaws.cn",
        ),
        "aws-us-gov" => (
            "https://signin.amazonaws-us-gov.com",
            "https://console.amazonaws-us-gov.com",
        ),
        other => {
            return Err(err(format!(
                "console sign-in URLs are not available in the {other} partition (region {region})"
            )));
        }
    };
    let signin = signin_override.map_or(signin, |o| o.trim_end_matches('/'));
    Ok(ConsoleEndpoints {
        federation: format!("{signin}/federation"),
        console: console.to_owned(),
    })
}

/// The console home page for `region`: `{console}/console/home?region={region}`, or `{console}/`
/// without a region.
#[must_use]
pub fn default_destination(console: &str, region: Option<&str>) -> String {
    match region {
        Some(r) => {
            let mut s = format!("{console}/console/home?region=");
            encode_into(&mut s, r);
            s
        }
        None => format!("{console}/"),
    }
}

/// Checks a `Destination` given by the user: an `https` URL on the partition's `console` (as
/// [`endpoints_for`] gives it) or a host under it (`eu-west-1.console.aws.amazon.com`,
/// `s3.console.aws.amazon.com`), without user info, port, spaces or control characters. The
/// sign-in URL sends the browser there with the session: anywhere else would hand the console
/// session's start to another site.
///
/// ```
/// use sts_cli::federation::check_destination;
/// let console = "https://console.aws.amazon.com";
/// assert!(check_destination("https://eu-west-1.console.aws.amazon.com/ec2/home", console).is_ok());
/// assert!(check_destination("https://console.aws.amazon.com.evil.example/", console).is_err());
/// ```
///
/// # Errors
/// [`Error::InvalidInput`] for `--destination`, saying what is accepted.
pub fn check_destination(destination: &str, console: &str) -> Result<(), Error> {
    let console_host = console.strip_prefix("https://").unwrap_or(console);
    let refuse = |why: &str| {
        Error::invalid_input(
            "--destination",
            format!(
                "{why}; it must be an https URL of the AWS console of this partition \
                 ({console}/... or https://<region>.{console_host}/...), got {}",
                echo(destination)
            ),
        )
    };
    if destination
        .chars()
        .any(|c| c.is_control() || c.is_whitespace())
    {
        return Err(refuse("spaces and control characters are not allowed"));
    }
    let rest = match destination.split_at_checked("https://".len()) {
        Some((scheme, rest)) if scheme.eq_ignore_ascii_case("https://") => rest,
        _ => return Err(refuse("not an https URL")),
    };
    let host = rest[..rest.find(['/', '?', '#']).unwrap_or(rest.len())].to_ascii_lowercase();
    if host.contains('@') {
        return Err(refuse("user info is not allowed"));
    }
    if host.contains(':') {
        return Err(refuse("a port is not allowed"));
    }
    let label = |l: &str| {
        !l.is_empty()
            && l.len() <= 63
            && l.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-')
            && !l.starts_with('-')
            && !l.ends_with('-')
    };
    let on_console = host == console_host
        || host
            .strip_suffix(console_host)
            .and_then(|sub| sub.strip_suffix('.'))
            .is_some_and(|sub| sub.split('.').all(label));
    if !on_console || !host.split('.').all(label) {
        return Err(refuse("not a console host"));
    }
    Ok(())
}

/// The `Session` parameter: `{"sessionId":..,"sessionKey":..,"sessionToken":..}`. A secret.
#[must_use]
pub fn session_json(c: &Credentials) -> SecretString {
    let token = c.session_token.as_ref().map_or("", |t| t.expose());
    SecretString::new(format!(
        r#"{{"sessionId":{},"sessionKey":{},"sessionToken":{}}}"#,
        sts_blocking::json::escape(&c.access_key_id),
        sts_blocking::json::escape(c.secret_access_key.expose()),
        sts_blocking::json::escape(token)
    ))
}

/// Checks a `SessionDuration` and says why it cannot be used.
///
/// # Errors
/// [`Error::InvalidInput`] outside 900..=43200 seconds.
pub fn check_session_duration(seconds: i64) -> Result<(), Error> {
    if SESSION_DURATION.contains(&seconds) {
        Ok(())
    } else {
        Err(Error::invalid_input(
            "--duration-seconds",
            format!(
                "a console session lasts 900 to 43200 seconds (15 minutes to 12 hours), got {seconds}"
            ),
        ))
    }
}

/// The `getSigninToken` URL. It carries the credentials: never print or log it.
#[must_use]
pub fn signin_token_url(
    federation: &str,
    session: &SecretString,
    session_duration: Option<i64>,
) -> SecretString {
    let mut s = format!("{federation}?Action=getSigninToken");
    if let Some(d) = session_duration {
        s.push_str(&format!("&SessionDuration={d}"));
    }
    s.push_str("&Session=");
    encode_into(&mut s, session.expose());
    SecretString::new(s)
}

/// The sign-in URL to open: `{federation}?Action=login&Issuer=..&Destination=..&SigninToken=..`.
/// It grants console access until the session ends: treat it as a secret.
#[must_use]
pub fn login_url(
    federation: &str,
    issuer: &str,
    destination: &str,
    token: &SecretString,
) -> SecretString {
    let mut s = format!("{federation}?Action=login&Issuer=");
    encode_into(&mut s, issuer);
    s.push_str("&Destination=");
    encode_into(&mut s, destination);
    s.push_str("&SigninToken=");
    encode_into(&mut s, token.expose());
    SecretString::new(s)
}

/// What the caller of a set of credentials is, from its `GetCallerIdentity` ARN.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CallerKind {
    /// An IAM user (`arn:aws:iam::1:user/path/name`): long-term keys, or a `GetSessionToken`
    /// session of them.
    User,
    /// The account's root user (`arn:aws:iam::1:root`).
    Root,
    /// A role session (`arn:aws:sts::1:assumed-role/role/session`).
    AssumedRole,
    /// A `GetFederationToken` session (`arn:aws:sts::1:federated-user/name`).
    FederatedUser,
    /// Anything else.
    Other,
}

/// Classifies a caller ARN.
///
/// ```
/// use sts_cli::federation::{classify_arn, CallerKind};
/// assert_eq!(classify_arn("arn:aws:sts::1:assumed-role/r/s"), CallerKind::AssumedRole);
/// assert_eq!(classify_arn("arn:aws-cn:iam::1:user/a/b"), CallerKind::User);
/// ```
#[must_use]
pub fn classify_arn(arn: &str) -> CallerKind {
    let mut parts = arn.splitn(6, ':');
    let (Some("arn"), Some(_), Some(service), Some(_), Some(_), Some(resource)) = (
        parts.next(),
        parts.next(),
        parts.next(),
        parts.next(),
        parts.next(),
        parts.next(),
    ) else {
        return CallerKind::Other;
    };
    match (service, resource) {
        ("iam", "root") => CallerKind::Root,
        ("iam", r) if r.starts_with("user/") => CallerKind::User,
        ("sts", r) if r.starts_with("assumed-role/") => CallerKind::AssumedRole,
        ("sts", r) if r.starts_with("federated-user/") => CallerKind::FederatedUser,
        _ => CallerKind::Other,
    }
}

/// The `Name` of a `GetFederationToken` call for the caller `arn`: the IAM user name (the last
/// path segment), `root` for the root user, cut to the 32 characters the API allows and padded
/// to its minimum of 2.
#[must_use]
pub fn federated_name(arn: &str) -> String {
    let tail = arn.rsplit(['/', ':']).next().unwrap_or("");
    let mut name: String = tail
        .chars()
        .filter(|c| c.is_ascii_alphanumeric() || "+=,.@_-".contains(*c))
        .take(32)
        .collect();
    while name.len() < 2 {
        name.push('-');
    }
    name
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn endpoints_per_partition() {
        for (region, fed, console) in [
            (
                None,
                "https://signin.aws.amazon.com/federation",
                "https://console.aws.amazon.com",
            ),
            (
                Some("eu-west-1"),
                "https://signin.aws.amazon.com/federation",
                "https://console.aws.amazon.com",
            ),
            (
                Some("cn-northwest-1"),
                "https://signin.amazonaws.cn/federation",
                "https://console.amazonaws.cn",
            ),
            (
                Some("us-gov-west-1"),
                "https://signin.amazonaws-us-gov.com/federation",
                "https://console.amazonaws-us-gov.com",
            ),
        ] {
            let e = endpoints_for(region, None).unwrap();
            assert_eq!((e.federation.as_str(), e.console.as_str()), (fed, console));
        }
        let e = endpoints_for(Some("us-east-1"), Some("http://127.0.0.1:9/")).unwrap();
        assert_eq!(e.federation, "http://127.0.0.1:9/federation");
        let iso = endpoints_for(Some("us-iso-east-1"), None).unwrap_err();
        assert!(iso.to_string().contains("aws-iso"), "{iso}");
    }

    #[test]
    fn urls_are_encoded() {
        let c = Credentials::new("ASIA1", "s/e+c\"", Some(SecretString::new("t=k")));
        let s = session_json(&c);
        assert_eq!(
            s.expose(),
            r#"{"sessionId":"ASIA1","sessionKey":"s/e+c\"","sessionToken":"t=k"}"#
        );
        let u = signin_token_url("https://f/federation", &s, Some(900));
        assert_eq!(
            u.expose(),
            "https://f/federation?Action=getSigninToken&SessionDuration=900&Session=%7B%22sessionId\
             %22%3A%22ASIA1%22%2C%22sessionKey%22%3A%22s%2Fe%2Bc%5C%22%22%2C%22sessionToken%22%3A\
             %22t%3Dk%22%7D"
        );
        assert_eq!(format!("{u:?}"), "** redacted **");
        let l = login_url(
            "https://f/federation",
            ISSUER,
            &default_destination("https://c", Some("eu-west-1")),
            &SecretString::new("to+ken/="),
        );
        assert_eq!(
            l.expose(),
            "https://f/federation?Action=login&Issuer=sts-blocking&Destination=https%3A%2F%2Fc%2F\
             console%2Fhome%3Fregion%3Deu-west-1&SigninToken=to%2Bken%2F%3D"
        );
        assert_eq!(default_destination("https://c", None), "https://c/");
    }

    #[test]
    fn destinations_are_the_partitions_console() {
        let aws = "https://console.aws.amazon.com";
        for good in [
            "https://console.aws.amazon.com",
            "https://console.aws.amazon.com/",
            "HTTPS://Console.AWS.amazon.com/s3/home?region=eu-west-1#x",
            "https://eu-west-1.console.aws.amazon.com/ec2/home",
            "https://s3.console.aws.amazon.com/s3/buckets?a=b&c=d",
            "https://123456789012-abcd.us-east-1.console.aws.amazon.com/",
            "https://console.aws.amazon.com?x=@:",
        ] {
            assert!(check_destination(good, aws).is_ok(), "{good}");
        }
        for bad in [
            "",
            "console.aws.amazon.com",
            "http://console.aws.amazon.com/",
            "https://evil.example/",
            "https://console.aws.amazon.com.evil.example/",
            "https://evilconsole.aws.amazon.com/",
            "https://a@console.aws.amazon.com/",
            "https://console.aws.amazon.com@evil.example/",
            "https://evil.example\\.console.aws.amazon.com/",
            "https://console.aws.amazon.com:443/",
            "https://console.aws.amazon.com./",
            "https://.console.aws.amazon.com/",
            "https://-a.console.aws.amazon.com/",
            "https://a..console.aws.amazon.com/",
            "https://console.aws.amazon.com/a b",
            "https://console.aws.amazon.com/\u{1b}[2J",
            "https://console.amazonaws.cn/",
            "https://https://",
            "https:/",
        ] {
            let e = check_destination(bad, aws).unwrap_err().to_string();
            assert!(
                e.contains("--destination") && e.contains("https://console.aws.amazon.com"),
                "{bad}: {e}"
            );
            assert!(!e.contains('\u{1b}'), "{e:?}");
        }
        let cn = "https://console.amazonaws.cn";
        assert!(check_destination("https://cn-north-1.console.amazonaws.cn/", cn).is_ok());
        assert!(check_destination("https://console.aws.amazon.com/", cn).is_err());
        let gov = "https://console.amazonaws-us-gov.com";
        assert!(check_destination("https://console.amazonaws-us-gov.com/iam", gov).is_ok());
    }

    #[test]
    fn durations() {
        assert!(check_session_duration(900).is_ok());
        assert!(check_session_duration(43_200).is_ok());
        for bad in [0, 899, 43_201, -1] {
            assert!(check_session_duration(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn callers_and_names() {
        for (arn, kind) in [
            ("arn:aws:iam::123456789012:user/alice", CallerKind::User),
            ("arn:aws:iam::123456789012:user/a/b/carol", CallerKind::User),
            ("arn:aws:iam::123456789012:root", CallerKind::Root),
            (
                "arn:aws-us-gov:sts::1:assumed-role/r/s",
                CallerKind::AssumedRole,
            ),
            (
                "arn:aws:sts::1:federated-user/bob",
                CallerKind::FederatedUser,
            ),
            ("arn:aws:iam::1:role/r", CallerKind::Other),
            ("not an arn", CallerKind::Other),
            ("", CallerKind::Other),
        ] {
            assert_eq!(classify_arn(arn), kind, "{arn}");
        }
        assert_eq!(federated_name("arn:aws:iam::1:user/a/b/carol"), "carol");
        assert_eq!(federated_name("arn:aws:iam::1:root"), "root");
        assert_eq!(federated_name("arn:aws:iam::1:user/x"), "x-");
        let long = format!("arn:aws:iam::1:user/{}", "n".repeat(40));
        assert_eq!(federated_name(&long).len(), 32);
    }
}

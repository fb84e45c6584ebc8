//! Start URLs as the AWS CLI (2.35 and later, `awscli/customizations/sso/resolve.py`) resolves
//! them before logging in:
//!
//! - only `https` start URLs are accepted;
//! - a host AWS owns ([`is_aws_owned_host`]: `*.awsapps.com`, `*.app.aws`, the
//!   `identitycenter.amazonaws.*` hosts, ...) is used as it is;
//! - any other host (a vanity domain) gets one `HEAD` request (a `GET` when it answers 405 or
//!   501), within 10 s, redirects not followed: its `Location` must be an `https` URL on a host
//!   AWS owns;
//! - the region is read from hosts such as `{id}.portal.{region}.app.aws` and
//!   `{id}.{region}.portal.amazonaws.com` ([`start_url_region`]) and must be one a partition
//!   knows.
//!
//! The token file keeps the start URL as configured; the resolved one is the issuer of the
//! registration and the start URL of the device authorization.

use crate::Error;
use crate::credentials::providers::token_http::Timeouts;
use crate::transport::{Endpoint, Method, PlainHttp, TransportConfig};
use crate::url::EndpointUrl;
use std::path::PathBuf;
use std::time::Duration;

/// Host suffixes AWS owns (a start URL on one of them is used as it is).
const AWS_OWNED_SUFFIXES: &[&str] = &[
    ".app.aws",
    ".portal.amazonaws.com",
    ".portal.amazonaws.com.cn",
    ".app.amazonwebservices.com.cn",
    ".portal.amazonaws.eu",
    ".api.amazonwebservices.eu",
    ".awsapps.com",
    ".awsapps.cn",
];

/// Hosts AWS owns.
const AWS_OWNED_HOSTS: &[&str] = &[
    "identitycenter.amazonaws.com",
    "identitycenter.amazonaws.com.cn",
    "identitycenter.amazonaws.eu",
    "identitycenter.us-gov.amazonaws.com",
];

/// How long the one resolution request may take (the AWS CLI's timeout).
const RESOLVE_TIMEOUT: Duration = Duration::from_secs(10);

/// Whether `host` is one AWS owns (case and a final dot ignored).
///
/// ```
/// use sts_blocking::credentials::is_aws_owned_host;
/// assert!(is_aws_owned_host("d-1234567890.awsapps.com"));
/// assert!(is_aws_owned_host("SSOINS-1.portal.eu-west-1.app.aws."));
/// assert!(is_aws_owned_host("identitycenter.amazonaws.com"));
/// assert!(!is_aws_owned_host("sso.example.com"));
/// assert!(!is_aws_owned_host("evilawsapps.com"));
/// ```
#[must_use]
pub fn is_aws_owned_host(host: &str) -> bool {
    let host = host.to_ascii_lowercase();
    let host = host.trim_end_matches('.');
    AWS_OWNED_HOSTS.contains(&host)
        || AWS_OWNED_SUFFIXES
            .iter()
            .any(|s| host.ends_with(s) || host == &s[1..])
}

/// The region a start URL's host names (`{id}.portal.{region}.app.aws`,
/// `{id}.{region}.portal.amazonaws.com`), if it names one.
///
/// ```
/// use sts_blocking::credentials::start_url_region;
/// assert_eq!(start_url_region("ssoins-1.portal.eu-west-1.app.aws").as_deref(), Some("eu-west-1"));
/// assert_eq!(start_url_region("d-1.us-east-2.portal.amazonaws.com").as_deref(), Some("us-east-2"));
/// assert_eq!(start_url_region("d-1.awsapps.com"), None);
/// ```
#[must_use]
pub fn start_url_region(host: &str) -> Option<String> {
    let host = host.to_ascii_lowercase();
    let labels: Vec<&str> = host.trim_end_matches('.').split('.').collect();
    let region_label =
        |r: &str| !r.is_empty() && r.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-');
    let region = match labels.as_slice() {
        [id, "portal", region, "app", "aws"] if !id.is_empty() => *region,
        [id, region, "portal", "amazonaws", "com"] if !id.is_empty() => *region,
        _ => return None,
    };
    region_label(region).then(|| region.to_owned())
}

/// A start URL as configured and as resolved, and the region its host names.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct ResolvedStartUrl {
    /// As configured (the token file's `startUrl`).
    pub configured: String,
    /// On a host AWS owns (the registration's issuer, the device authorization's start URL).
    pub resolved: String,
    /// The region the resolved host names, checked against the partitions.
    pub region: Option<String>,
}

fn config_error(message: impl Into<String>) -> Error {
    Error::config(message)
}

/// The `https` URL `url` parsed, or why it cannot be a start URL.
fn https_url(url: &str) -> Result<EndpointUrl, Error> {
    let parsed = EndpointUrl::parse(url.trim())
        .map_err(|_| config_error(format!("Invalid sso_start_url: {}", shown(url))))?;
    if parsed.scheme != "https" {
        return Err(config_error("The sso_start_url must use the https scheme."));
    }
    Ok(parsed)
}

fn shown(text: &str) -> String {
    format!(
        "'{}'",
        crate::redact::escape_controls(&crate::error::cut(text, 200))
    )
}

/// Where a `Location` sends `current`: an absolute `http(s)` URL, or a path on the same origin.
fn join(current: &EndpointUrl, location: &str) -> Option<String> {
    let location = location.trim();
    if location.starts_with("https://") || location.starts_with("http://") {
        return Some(location.to_owned());
    }
    if location.starts_with('/') && !location.starts_with("//") {
        return Some(format!(
            "{}://{}{location}",
            current.scheme,
            current.authority()
        ));
    }
    None
}

/// The resolution of `start_url` when its host is AWS-owned (no request), or `None` when it needs
/// the request. Pure.
///
/// # Errors
/// [`Error::Config`] for a URL that is not `https`, or a region that no partition knows.
pub fn resolve_start_url_offline(start_url: &str) -> Result<Option<ResolvedStartUrl>, Error> {
    let url = https_url(start_url)?;
    if !is_aws_owned_host(&url.host) {
        return Ok(None);
    }
    finish(start_url, start_url.trim(), &url).map(Some)
}

fn finish(configured: &str, resolved: &str, url: &EndpointUrl) -> Result<ResolvedStartUrl, Error> {
    let region = start_url_region(&url.host);
    if let Some(r) = &region {
        let known = crate::endpoint::partitions()
            .iter()
            .any(|p| p.matches_region_regex(r) || p.regions.contains(&r.as_str()));
        if !known {
            return Err(config_error(format!(
                "Region '{r}' parsed from the resolved start URL is not a known AWS region. \
                 Verify the start URL is correct."
            )));
        }
    }
    Ok(ResolvedStartUrl {
        configured: configured.to_owned(),
        resolved: resolved.to_owned(),
        region,
    })
}

/// Resolves `start_url` as the AWS CLI does (see the module docs), the request (if any)
/// sent with proxies from `env` and, when given, only `ca_bundle`'s roots.
///
/// # Errors
/// [`Error::Config`] for a URL that is not `https`, an answer that is neither a redirect nor a
/// success, a `Location` that is not an `https` URL on a host AWS owns, or an unknown region;
/// transport errors.
pub fn resolve_start_url(
    start_url: &str,
    env: &crate::env::Env,
    ca_bundle: Option<PathBuf>,
) -> Result<ResolvedStartUrl, Error> {
    if let Some(done) = resolve_start_url_offline(start_url)? {
        return Ok(done);
    }
    let url = https_url(start_url)?;
    let timeouts = Timeouts {
        connect: RESOLVE_TIMEOUT,
        read: RESOLVE_TIMEOUT,
    };
    let mut transport = TransportConfig::for_provider(env, ca_bundle, timeouts.connect);
    // A `GET` reads a web page: more than a token answer, still bounded.
    transport.max_body = 1024 * 1024;
    let endpoint = Endpoint::new(&url.to_url(), PlainHttp::Loopback)?;
    // The one request: HEAD, or GET when HEAD is not allowed; its Location, never followed.
    let (status, headers_location) = head_or_get(&transport, timeouts, &endpoint)?;
    let resolved = match status {
        301 | 302 | 303 | 307 | 308 => {
            let loc = headers_location
                .ok_or_else(|| config_error("Redirect response missing Location header."))?;
            join(&url, &loc).ok_or_else(|| {
                config_error(format!(
                    "Could not resolve start URL {} to an AWS-owned endpoint. Final URL: {}",
                    shown(start_url),
                    shown(&loc)
                ))
            })?
        }
        200..=299 => url.to_url(),
        s => {
            return Err(config_error(format!(
                "Failed to resolve start URL: HTTP {s}"
            )));
        }
    };
    let not_owned = || {
        config_error(format!(
            "Could not resolve start URL {} to an AWS-owned endpoint. Final URL: {}",
            shown(start_url),
            shown(&resolved)
        ))
    };
    let parsed = EndpointUrl::parse(&resolved).map_err(|_| not_owned())?;
    if !is_aws_owned_host(&parsed.host) {
        return Err(not_owned());
    }
    if parsed.scheme != "https" {
        return Err(config_error(format!(
            "Resolved URL must use https. Got: {}",
            shown(&resolved)
        )));
    }
    finish(start_url.trim(), &resolved, &parsed)
}

/// `HEAD`, then `GET` when the server answers 405 or 501: the status and the `Location`.
fn head_or_get(
    transport: &TransportConfig,
    timeouts: Timeouts,
    endpoint: &Endpoint,
) -> Result<(u16, Option<String>), Error> {
    let mut last = (0, None);
    for method in [Method::Head, Method::Get] {
        let mut config = transport.clone();
        config.connect_timeout = timeouts.connect;
        let r = crate::transport::Transport::new(&config)?
            .send(&crate::transport::Request {
                method,
                endpoint,
                headers: &[],
                body: b"",
                timeout: RESOLVE_TIMEOUT,
                read_timeout: Some(RESOLVE_TIMEOUT),
            })
            .map_err(crate::transport::provider_timeout)?;
        last = (r.status, r.header("location").map(str::to_owned));
        if !matches!(r.status, 405 | 501) {
            break;
        }
    }
    Ok(last)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn owned_hosts_and_regions() {
        for h in [
            "x.awsapps.com",
            "awsapps.com",
            "x.awsapps.cn",
            "a.portal.amazonaws.eu",
            "A.API.AMAZONWEBSERVICES.EU",
            "identitycenter.us-gov.amazonaws.com",
        ] {
            assert!(is_aws_owned_host(h), "{h}");
        }
        for h in [
            "example.com",
            "awsapps.com.evil.com",
            "xawsapps.com",
            "portal.amazonaws.com.evil",
            "identitycenter.amazonaws.org",
        ] {
            assert!(!is_aws_owned_host(h), "{h}");
        }
        assert_eq!(start_url_region("x.portal..app.aws"), None);
        assert_eq!(start_url_region(".portal.us-east-1.app.aws"), None);
        assert_eq!(start_url_region("a.b.portal.us-east-1.app.aws"), None);
    }

    #[test]
    fn offline_resolution() {
        let r = resolve_start_url_offline("https://d-1.awsapps.com/start")
            .unwrap()
            .unwrap();
        assert_eq!(r.resolved, "https://d-1.awsapps.com/start");
        assert_eq!(r.region, None);
        let r = resolve_start_url_offline("https://ssoins-1.portal.ap-southeast-2.app.aws/")
            .unwrap()
            .unwrap();
        assert_eq!(r.region.as_deref(), Some("ap-southeast-2"));
        assert!(
            resolve_start_url_offline("https://sso.example.com/start")
                .unwrap()
                .is_none()
        );
        for bad in [
            "http://d-1.awsapps.com/start",
            "ftp://x",
            "d-1.awsapps.com",
            "",
        ] {
            assert!(resolve_start_url_offline(bad).is_err(), "{bad}");
        }
        let e = resolve_start_url_offline("https://i.portal.xx-nowhere-1.app.aws")
            .unwrap_err()
            .to_string();
        assert!(e.contains("not a known AWS region"), "{e}");
    }

    #[test]
    fn locations_join() {
        let base = EndpointUrl::parse("https://sso.example.com:8443/start").unwrap();
        assert_eq!(
            join(&base, "https://d-1.awsapps.com/start").as_deref(),
            Some("https://d-1.awsapps.com/start")
        );
        assert_eq!(
            join(&base, "/other").as_deref(),
            Some("https://sso.example.com:8443/other")
        );
        assert_eq!(join(&base, "//evil.com/x"), None);
        assert_eq!(join(&base, "relative"), None);
    }
}

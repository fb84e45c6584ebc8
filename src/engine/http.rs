//! The exchange a driver performs for the engine: the [`Request`] to send and the [`Response`] it
//! hands back.

use std::fmt;
use std::time::Duration;

/// Most headers a request carries.
pub(crate) const MAX_HEADERS: usize = 7;

/// One HTTP request to send, signed: `POST` of a form body. The driver adds what every HTTP client
/// adds by itself: `Host` (from the URL; it is the signed one) and `Content-Length`. Send the
/// headers as they are, and follow no redirect.
///
/// `Debug` shows the URL, the header names, the body length and the timeout: never a header value
/// or the body (either may carry a secret).
#[derive(Clone, Copy)]
pub struct Request<'a> {
    pub(crate) url: &'a str,
    pub(crate) headers: [(&'static str, &'a str); MAX_HEADERS],
    pub(crate) len: usize,
    pub(crate) body: &'a [u8],
    pub(crate) timeout: Duration,
}

impl<'a> Request<'a> {
    /// The method: always `POST`.
    #[must_use]
    pub fn method(&self) -> &'static str {
        "POST"
    }

    /// The URL to send to.
    #[must_use]
    pub fn url(&self) -> &'a str {
        self.url
    }

    /// The headers, lower-case names: `content-type`, `x-amz-date`, `x-amz-security-token` (with a
    /// session token), `authorization` (signed operations), `amz-sdk-invocation-id`,
    /// `amz-sdk-request` and `user-agent`.
    #[must_use]
    pub fn headers(&self) -> &[(&'static str, &'a str)] {
        &self.headers[..self.len]
    }

    /// The value of the header `name` (lower-case), if the request has it.
    #[must_use]
    pub fn header(&self, name: &str) -> Option<&'a str> {
        self.headers()
            .iter()
            .find(|(n, _)| *n == name)
            .map(|(_, v)| *v)
    }

    /// The form body.
    #[must_use]
    pub fn body(&self) -> &'a [u8] {
        self.body
    }

    /// The most this attempt may take, connect to the last byte of the body: the attempt timeout,
    /// or what is left of the call's total timeout when that is less.
    #[must_use]
    pub fn timeout(&self) -> Duration {
        self.timeout
    }
}

impl fmt::Debug for Request<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Request")
            .field("method", &self.method())
            .field("url", &self.url)
            .field(
                "headers",
                &self.headers().iter().map(|(n, _)| *n).collect::<Vec<_>>(),
            )
            .field("body_len", &self.body.len())
            .field("timeout", &self.timeout)
            .finish()
    }
}

/// Where a [`Response`] finds its headers.
#[derive(Clone, Copy)]
enum Headers<'a> {
    Pairs(&'a [(&'a str, &'a str)]),
    Lookup(&'a dyn Fn(&str) -> Option<&'a str>),
}

/// A response as the driver received it: status, headers and the whole body (capped by the driver:
/// STS bodies are a few kilobytes; 1 MiB is the crate's default cap, past it report
/// [`Error::BodyTooLarge`](crate::Error::BodyTooLarge)).
///
/// The engine reads `Date` (clock skew), `x-amzn-RequestId` / `x-amz-request-id`,
/// `x-amz-retry-after` and `Location` (a redirect's, in the error).
///
/// `Debug` shows the status and the body length.
#[derive(Clone, Copy)]
pub struct Response<'a> {
    status: u16,
    headers: Headers<'a>,
    body: &'a [u8],
}

impl<'a> Response<'a> {
    /// A response with its headers as `(name, value)` pairs (names in any case).
    #[must_use]
    pub fn new(status: u16, headers: &'a [(&'a str, &'a str)], body: &'a [u8]) -> Self {
        Self {
            status,
            headers: Headers::Pairs(headers),
            body,
        }
    }

    /// A response whose headers are looked up by `lookup` (given a lower-case name; `None` when
    /// absent or not text), for HTTP clients that keep a header map.
    #[must_use]
    pub fn with_header_lookup(
        status: u16,
        lookup: &'a dyn Fn(&str) -> Option<&'a str>,
        body: &'a [u8],
    ) -> Self {
        Self {
            status,
            headers: Headers::Lookup(lookup),
            body,
        }
    }

    /// The HTTP status.
    #[must_use]
    pub fn status(&self) -> u16 {
        self.status
    }

    /// The value of the header `name` (lower-case; matched without regard to case).
    #[must_use]
    pub fn header(&self, name: &str) -> Option<&'a str> {
        match self.headers {
            Headers::Pairs(pairs) => pairs
                .iter()
                .find(|(n, _)| n.eq_ignore_ascii_case(name))
                .map(|(_, v)| *v),
            Headers::Lookup(lookup) => lookup(name),
        }
    }

    /// The body.
    #[must_use]
    pub fn body(&self) -> &'a [u8] {
        self.body
    }
}

impl fmt::Debug for Response<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Response")
            .field("status", &self.status)
            .field("body_len", &self.body.len())
            .finish_non_exhaustive()
    }
}

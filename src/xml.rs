//! Reading STS XML: the success envelope `<XResponse><XResult>`, the error envelope, and typed getters
//! over [`roxmltree`] that borrow from the body.

use crate::error::{Error, ErrorCode, Fault, ServiceError};
use crate::ops::Operation;
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;

/// Deepest element nesting accepted in a response. STS bodies are at most 6 deep.
pub const MAX_DEPTH: usize = 32;

/// Most nodes accepted in one response document.
const MAX_NODES: u32 = 100_000;

/// A parsed success response: the output and the request id from `ResponseMetadata`.
#[derive(Debug, Clone, PartialEq)]
pub struct Decoded<T> {
    /// The operation's output.
    pub output: T,
    /// `ResponseMetadata/RequestId`, or else the `x-amzn-RequestId` header.
    pub request_id: Option<String>,
}

/// One element of a response, with typed getters for its children.
#[derive(Debug, Clone, Copy)]
pub struct Element<'a, 'i> {
    node: roxmltree::Node<'a, 'i>,
}

impl<'a, 'i> Element<'a, 'i> {
    /// The local name of the element.
    #[must_use]
    pub fn name(&self) -> &'a str {
        self.node.tag_name().name()
    }

    /// The first child element with this local name.
    #[must_use]
    pub fn child(&self, name: &str) -> Option<Self> {
        self.node
            .children()
            .find(|n| n.is_element() && n.tag_name().name() == name)
            .map(|node| Self { node })
    }

    /// The element's text (entities decoded), or `""` when it has none.
    #[must_use]
    pub fn text(&self) -> &'a str {
        self.node.text().unwrap_or("")
    }

    /// The text of a child element, if present.
    #[must_use]
    pub fn opt_str(&self, name: &str) -> Option<&'a str> {
        self.child(name).map(|c| c.text())
    }

    /// The text of a child element as an owned string, if present.
    #[must_use]
    pub fn opt_string(&self, name: &str) -> Option<String> {
        self.opt_str(name).map(str::to_owned)
    }

    /// The text of a required child element.
    ///
    /// # Errors
    /// [`Error::InvalidResponse`] naming the member when it is missing.
    pub fn string(&self, name: &str) -> Result<String, Error> {
        self.opt_string(name).ok_or_else(|| self.missing(name))
    }

    /// A required child structure.
    ///
    /// # Errors
    /// [`Error::InvalidResponse`] naming the member when it is missing.
    pub fn required(&self, name: &str) -> Result<Self, Error> {
        self.child(name).ok_or_else(|| self.missing(name))
    }

    /// An optional integer child.
    ///
    /// # Errors
    /// [`Error::InvalidResponse`] when the text is not an integer.
    pub fn opt_int(&self, name: &str) -> Result<Option<i64>, Error> {
        self.opt_str(name)
            .map(|t| {
                t.trim()
                    .parse::<i64>()
                    .map_err(|_| bad(format!("{}/{name} is not an integer", self.name())))
            })
            .transpose()
    }

    /// A required timestamp child (ISO 8601 / RFC 3339, any fraction of a second).
    ///
    /// # Errors
    /// [`Error::InvalidResponse`] when it is missing or not a timestamp.
    pub fn timestamp(&self, name: &str) -> Result<OffsetDateTime, Error> {
        let text = self.opt_str(name).ok_or_else(|| self.missing(name))?;
        parse_timestamp(text).ok_or_else(|| {
            bad(format!(
                "{}/{name} is not an ISO 8601 timestamp",
                self.name()
            ))
        })
    }

    /// An optional timestamp child.
    ///
    /// # Errors
    /// [`Error::InvalidResponse`] when it is present but not a timestamp.
    pub fn opt_timestamp(&self, name: &str) -> Result<Option<OffsetDateTime>, Error> {
        if self.child(name).is_none() {
            return Ok(None);
        }
        self.timestamp(name).map(Some)
    }

    /// The `<member>` children of a list child `<name>`; empty when the list is absent.
    pub fn members(&self, name: &str) -> impl Iterator<Item = Element<'a, 'i>> + use<'a, 'i> {
        let list = self.child(name).map(|c| c.node);
        list.into_iter()
            .flat_map(|l| l.children())
            .filter(|n| n.is_element() && n.tag_name().name() == "member")
            .map(|node| Element { node })
    }

    /// The `<entry><key/><value/></entry>` pairs of a map child `<name>`, if present.
    #[must_use]
    pub fn map(&self, name: &str) -> Option<Vec<(String, String)>> {
        let map = self.child(name)?;
        Some(
            map.node
                .children()
                .filter(|n| n.is_element() && n.tag_name().name() == "entry")
                .map(|node| {
                    let e = Element { node };
                    (
                        e.opt_str("key").unwrap_or_default().to_owned(),
                        e.opt_str("value").unwrap_or_default().to_owned(),
                    )
                })
                .collect(),
        )
    }

    fn missing(&self, name: &str) -> Error {
        bad(format!("missing {}/{name}", self.name()))
    }
}

fn bad(reason: String) -> Error {
    // No snippet: this is a success-shaped body, which may carry credentials.
    Error::InvalidResponse {
        status: 200,
        reason,
        snippet: String::new(),
    }
}

/// Parses an ISO 8601 timestamp such as `2011-07-15T23:28:33.359Z` or `2026-11-26T07:44:52.277793Z`.
#[must_use]
pub fn parse_timestamp(text: &str) -> Option<OffsetDateTime> {
    OffsetDateTime::parse(text.trim(), &Rfc3339).ok()
}

/// XML's end-of-line handling (XML 1.0 §2.11), done on the raw body before parsing: `\r\n` and a
/// lone `\r` become `\n`. roxmltree does it itself, except for a `\r` next to an entity reference
/// (`a\r&gt;b`, `x&amp;\r`), which it keeps. A `\r` written as `&#13;` is text and stays.
fn line_ends(body: &[u8]) -> std::borrow::Cow<'_, [u8]> {
    if !body.contains(&b'\r') {
        return std::borrow::Cow::Borrowed(body);
    }
    let mut out = Vec::with_capacity(body.len());
    let mut i = 0;
    while i < body.len() {
        match body[i] {
            b'\r' => {
                out.push(b'\n');
                if body.get(i + 1) == Some(&b'\n') {
                    i += 1;
                }
            }
            b => out.push(b),
        }
        i += 1;
    }
    std::borrow::Cow::Owned(out)
}

/// Checks UTF-8, parses the body, then checks the nesting depth.
fn parse_document(status: u16, body: &[u8]) -> Result<roxmltree::Document<'_>, Error> {
    let text = std::str::from_utf8(body)
        .map_err(|_| Error::invalid_response(status, "body is not UTF-8", body))?;
    let opts = roxmltree::ParsingOptions {
        allow_dtd: false,
        nodes_limit: MAX_NODES,
        ..roxmltree::ParsingOptions::default()
    };
    let doc = roxmltree::Document::parse_with_options(text, opts).map_err(|e| {
        Error::invalid_response(status, format!("body is not well-formed XML ({e})"), body)
    })?;
    check_depth(&doc).map_err(|reason| Error::invalid_response(status, reason, body))?;
    Ok(doc)
}

/// Rejects documents whose elements nest deeper than [`MAX_DEPTH`]. One pass over the parsed nodes
/// in document order, keeping the chain of open elements on the stack (no allocation).
fn check_depth(doc: &roxmltree::Document<'_>) -> Result<(), &'static str> {
    let mut open = [doc.root().id(); MAX_DEPTH + 1];
    let mut depth = 0usize; // elements in `open[1..=depth]`; open[0] is the document node
    for node in doc.root().descendants().filter(roxmltree::Node::is_element) {
        let parent = node.parent().map_or(doc.root().id(), |p| p.id());
        while depth > 0 && open[depth] != parent {
            depth -= 1;
        }
        if depth == MAX_DEPTH {
            return Err("XML nested too deeply");
        }
        depth += 1;
        open[depth] = node.id();
    }
    Ok(())
}

/// Decodes a response to `O`: a 2xx `<OResponse><OResult>` body into the output, anything else into an
/// error.
///
/// `header_request_id` is the `x-amzn-RequestId` header, used when the body has no request id.
///
/// # Errors
/// [`Error::Service`] for an STS error body, [`Error::InvalidResponse`] for anything not understood,
/// including a 2xx body of another operation.
pub fn decode_response<O: Operation>(
    status: u16,
    body: &[u8],
    header_request_id: Option<&str>,
) -> Result<Decoded<O::Output>, Error> {
    if !(200..300).contains(&status) {
        return Err(decode_error(
            status,
            body,
            header_request_id,
            Some(O::ACTION),
        ));
    }
    let normalized = line_ends(body);
    let doc = parse_document(status, &normalized)?;
    let root = doc.root_element();
    let name = root.tag_name().name();
    if name == "ErrorResponse" {
        return Err(decode_error(
            status,
            body,
            header_request_id,
            Some(O::ACTION),
        ));
    }
    if name.strip_suffix("Response") != Some(O::ACTION) {
        return Err(Error::InvalidResponse {
            status,
            reason: format!("expected <{}Response>, got <{name}>", O::ACTION),
            snippet: String::new(),
        });
    }
    let root = Element { node: root };
    let request_id = root
        .child("ResponseMetadata")
        .and_then(|m| m.opt_string("RequestId"))
        .or_else(|| header_request_id.map(str::to_owned));
    let result = root
        .node
        .children()
        .find(|n| n.is_element() && n.tag_name().name().strip_suffix("Result") == Some(O::ACTION))
        .map(|node| Element { node })
        .ok_or_else(|| bad(format!("missing <{}Result>", O::ACTION)))
        .map_err(|e| with_status(e, status))?;
    Ok(Decoded {
        output: O::decode(result).map_err(|e| with_status(e, status))?,
        request_id,
    })
}

/// The getters build [`Error::InvalidResponse`] without the status; put the real (2xx) one in.
fn with_status(e: Error, status: u16) -> Error {
    match e {
        Error::InvalidResponse {
            reason, snippet, ..
        } => Error::InvalidResponse {
            status,
            reason,
            snippet,
        },
        other => other,
    }
}

/// Decodes an error response into [`Error::Service`], accepting both shapes real servers send
/// (`ErrorResponse/Error/Code` and `ErrorResponse/Errors/Error/Code`, with or without a namespace).
/// A body without an error code becomes [`Error::InvalidResponse`] carrying the status and a snippet.
#[must_use]
pub fn decode_error(
    status: u16,
    body: &[u8],
    header_request_id: Option<&str>,
    operation: Option<&'static str>,
) -> Error {
    if body.iter().all(u8::is_ascii_whitespace) {
        return Error::invalid_response(status, format!("HTTP {status} with an empty body"), body);
    }
    let normalized = line_ends(body);
    let doc = match parse_document(status, &normalized) {
        Ok(doc) => doc,
        Err(e) => return e,
    };
    let Some(code) = doc
        .descendants()
        .find(|n| n.is_element() && n.tag_name().name() == "Code")
    else {
        return Error::invalid_response(status, "no error code in the body", body);
    };
    let error = code
        .parent_element()
        .map_or(Element { node: code }, |node| Element { node });
    let fault = match error.opt_str("Type").map(str::trim) {
        Some("Sender") => Some(Fault::Sender),
        Some("Receiver") => Some(Fault::Receiver),
        _ => None,
    };
    let request_id = doc
        .descendants()
        .find(|n| n.is_element() && n.tag_name().name() == "RequestId")
        .and_then(|n| n.text())
        .map(|s| s.trim().to_owned())
        .or_else(|| header_request_id.map(str::to_owned));
    Error::Service(Box::new(ServiceError {
        code: ErrorCode::from_wire(code.text().unwrap_or("").trim()),
        message: error.opt_string("Message"),
        fault,
        request_id,
        status,
        operation,
    }))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn carriage_returns_are_line_ends_next_to_entities_too() {
        use crate::ops::GetAccessKeyInfo;
        // (raw text, decoded): every \r and \r\n of the raw body is \n; &#13; stays \r.
        for (raw, want) in [
            ("a\r&gt;b", "a\n>b"),
            ("x&amp;\r", "x&\n"),
            ("x&amp;\r\ny", "x&\ny"),
            ("&lt;\r\r&gt;", "<\n\n>"),
            ("p\rq", "p\nq"),
            ("c&#13;d\r", "c\rd\n"),
        ] {
            let body = format!(
                "<GetAccessKeyInfoResponse><GetAccessKeyInfoResult><Account>{raw}</Account>\
                 </GetAccessKeyInfoResult></GetAccessKeyInfoResponse>"
            );
            let out = decode_response::<GetAccessKeyInfo>(200, body.as_bytes(), None).unwrap();
            assert_eq!(out.output.account.as_deref(), Some(want), "{raw:?}");
            let err = format!(
                "<ErrorResponse><Error><Code>C</Code><Message>{raw}</Message></Error></ErrorResponse>"
            );
            let e = decode_error(400, err.as_bytes(), None, None);
            assert_eq!(e.service_error().unwrap().message.as_deref(), Some(want));
        }
    }

    #[test]
    fn both_error_shapes() {
        let aws = br#"<ErrorResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/"><Error><Type>Sender</Type><Code>ValidationError</Code><Message>bad &amp; worse</Message></Error><RequestId>r-1</RequestId></ErrorResponse>"#;
        let moto = br#"<?xml version="1.0" encoding="utf-8"?><ErrorResponse><Errors><Error><Code>SignatureDoesNotMatch</Code><Message>m</Message><Type>Sender</Type></Error></Errors></ErrorResponse>"#;
        let e = decode_error(400, aws, Some("hdr"), Some("AssumeRole"));
        let s = e.service_error().unwrap();
        assert_eq!(s.code, ErrorCode::ValidationError);
        assert_eq!(s.message.as_deref(), Some("bad & worse"));
        assert_eq!(s.request_id.as_deref(), Some("r-1"));
        assert_eq!(s.fault, Some(Fault::Sender));
        let e = decode_error(403, moto, Some("hdr"), None);
        let s = e.service_error().unwrap();
        assert_eq!(s.code, ErrorCode::SignatureDoesNotMatch);
        assert_eq!(s.request_id.as_deref(), Some("hdr"));
        assert_eq!(s.status, 403);
    }

    #[test]
    fn non_xml_bodies_are_invalid_responses() {
        for (status, body) in [
            (500, &b"<html><body>Internal Server Error</body></html>"[..]),
            (404, b""),
            (500, b"\xff\xfe"),
            (502, b"<a><b>"),
        ] {
            match decode_error(status, body, None, None) {
                Error::InvalidResponse { status: s, .. } => assert_eq!(s, status),
                e => panic!("{e:?}"),
            }
        }
    }

    /// Found by fuzzing (`fuzz/fuzz_targets/responses.rs`): a malformed 201 body was reported as an
    /// invalid response with status 200, the status the member getters assume.
    #[test]
    fn invalid_success_bodies_keep_their_status() {
        use crate::ops::{AssumeRole, GetCallerIdentity};
        let no_result = b"<GetCallerIdentityResponse></GetCallerIdentityResponse>";
        let bad_member = b"<AssumeRoleResponse><AssumeRoleResult><Credentials><AccessKeyId>A</AccessKeyId>\
<SecretAccessKey>s</SecretAccessKey><Expiration>soon</Expiration></Credentials></AssumeRoleResult></AssumeRoleResponse>";
        for status in [200, 201, 299] {
            match decode_response::<GetCallerIdentity>(status, no_result, None) {
                Err(Error::InvalidResponse { status: s, .. }) => assert_eq!(s, status),
                other => panic!("{other:?}"),
            }
            match decode_response::<AssumeRole>(status, bad_member, None) {
                Err(Error::InvalidResponse { status: s, .. }) => assert_eq!(s, status),
                other => panic!("{other:?}"),
            }
        }
    }

    #[test]
    fn depth_is_capped() {
        let nested = |n: usize| format!("{}{}", "<a>".repeat(n), "</a>".repeat(n));
        let check = |xml: &str| check_depth(&roxmltree::Document::parse(xml).unwrap());
        assert!(check(&nested(MAX_DEPTH + 1)).is_err());
        assert!(check(&nested(MAX_DEPTH)).is_ok());
        assert!(check("<a><b/><b/><c><d/></c><e/></a>").is_ok());
        // Siblings at the limit do not add up.
        let wide = format!(
            "{}{}{}",
            "<a>".repeat(MAX_DEPTH - 1),
            "<b/>".repeat(50),
            "</a>".repeat(MAX_DEPTH - 1)
        );
        assert!(check(&wide).is_ok());
        assert!(matches!(
            decode_error(500, nested(MAX_DEPTH + 1).as_bytes(), None, None),
            Error::InvalidResponse { .. }
        ));
    }

    #[test]
    fn timestamps_with_any_fraction() {
        for t in [
            "2011-07-15T23:28:33.359Z",
            "2026-11-26T07:44:52.277793Z",
            "2021-08-05T19:58:02Z",
        ] {
            assert!(parse_timestamp(t).is_some(), "{t}");
        }
        assert!(parse_timestamp("yesterday").is_none());
    }
}

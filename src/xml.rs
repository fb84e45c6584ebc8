//! Reading STS XML: the success envelope `<XResponse><XResult>`, the error envelope, and typed getters
//! over [`roxmltree`] that borrow from the body.

use crate::error::{Error, ErrorCode, Fault, ServiceError};
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;

/// Deepest element nesting accepted in a response. STS bodies are at most 6 deep.
pub const MAX_DEPTH: usize = 32;

/// Most nodes accepted in one response document.
const MAX_NODES: u32 = 100_000;

/// Most attributes (namespace declarations included) accepted on one element. STS elements carry
/// one (`xmlns`); roxmltree checks an element's attributes against each other, so this bounds that
/// quadratic step.
pub const MAX_ATTRIBUTES_PER_ELEMENT: usize = 32;

/// Most attributes (namespace declarations included) accepted in one response document.
pub const MAX_ATTRIBUTES: usize = 256;

/// Most namespace declarations (`xmlns`, `xmlns:p`) accepted in one response document. roxmltree
/// copies the namespaces in scope into every element that declares one, so this bounds that step.
pub const MAX_NAMESPACE_DECLARATIONS: usize = 32;

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

/// Checks UTF-8 and the attribute counts, parses the body, then checks the nesting depth.
fn parse_document(status: u16, body: &[u8]) -> Result<roxmltree::Document<'_>, Error> {
    let text = std::str::from_utf8(body)
        .map_err(|_| Error::invalid_response(status, "body is not UTF-8", body))?;
    check_attributes(body).map_err(|reason| Error::invalid_response(status, reason, body))?;
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

/// Rejects bodies with more attributes or namespace declarations than the limits
/// ([`MAX_ATTRIBUTES_PER_ELEMENT`], [`MAX_ATTRIBUTES`], [`MAX_NAMESPACE_DECLARATIONS`]) before
/// roxmltree sees them: it checks attributes and namespaces pairwise, and a 1 MiB body of them
/// would take it a minute.
///
/// Every attribute needs an `=`, so a body with at most [`MAX_ATTRIBUTES_PER_ELEMENT`] of them is
/// within every limit and is passed after one vectorised count. Otherwise one pass over the bytes
/// follows the markup (tags, quoted values, comments, CDATA, processing instructions) and counts.
/// Where the pass and a strict parser could disagree the body is malformed, and roxmltree stops at
/// the first error anyway.
fn check_attributes(body: &[u8]) -> Result<(), &'static str> {
    if count_equals(body) <= MAX_ATTRIBUTES_PER_ELEMENT {
        return Ok(());
    }
    let (mut total, mut namespaces) = (0usize, 0usize);
    let mut i = 0;
    while let Some(at) = find(body, i, b"<") {
        let rest = &body[at + 1..];
        // Markup that holds no attributes: skip to its end.
        let skip = [
            (&b"!--"[..], &b"-->"[..]),
            (b"![CDATA[", b"]]>"),
            (b"?", b"?>"),
            (b"!", b">"),
            (b"/", b">"),
        ]
        .into_iter()
        .find(|(open, _)| rest.starts_with(open));
        if let Some((open, close)) = skip {
            match find(body, at + 1 + open.len(), close) {
                Some(end) => i = end + close.len(),
                None => return Ok(()),
            }
            continue;
        }
        // A start tag: count `name=` pairs outside quoted values until `>`.
        let mut here = 0usize;
        let mut quote = None;
        // Where the text before the next `=` starts: the tag name or the end of the last value.
        let mut segment = at + 1;
        let mut j = at + 1;
        let end = loop {
            let Some(&b) = body.get(j) else {
                break body.len();
            };
            match (quote, b) {
                (Some(q), _) if b == q => {
                    quote = None;
                    segment = j + 1;
                }
                (Some(_), _) => {}
                (None, b'"' | b'\'') => quote = Some(b),
                (None, b'>') => break j + 1,
                (None, b'=') => {
                    here += 1;
                    total += 1;
                    let before = body.get(segment..j).unwrap_or_default().trim_ascii();
                    let name = before
                        .rsplit(u8::is_ascii_whitespace)
                        .next()
                        .unwrap_or_default();
                    if name == b"xmlns" || name.starts_with(b"xmlns:") {
                        namespaces += 1;
                    }
                    if here > MAX_ATTRIBUTES_PER_ELEMENT {
                        return Err("too many attributes on one element");
                    }
                    if total > MAX_ATTRIBUTES {
                        return Err("too many attributes");
                    }
                    if namespaces > MAX_NAMESPACE_DECLARATIONS {
                        return Err("too many namespace declarations");
                    }
                }
                (None, _) => {}
            }
            j += 1;
        };
        i = end;
    }
    Ok(())
}

/// How many `=` bytes `body` holds. Counted in byte lanes over blocks of 255 (so a lane cannot
/// overflow), which the compiler turns into vector code: a few hundred instructions for an STS body.
fn count_equals(body: &[u8]) -> usize {
    body.chunks(255)
        .map(|block| {
            usize::from(
                block
                    .iter()
                    .fold(0u8, |n, &b| n.wrapping_add(u8::from(b == b'='))),
            )
        })
        .sum()
}

/// The first position of `needle` in `hay` at or after `from`.
fn find(hay: &[u8], from: usize, needle: &[u8]) -> Option<usize> {
    let first = *needle.first()?;
    let mut i = from;
    while i < hay.len() {
        let at = i + hay.get(i..)?.iter().position(|&b| b == first)?;
        if hay.get(at..)?.starts_with(needle) {
            return Some(at);
        }
        i = at + 1;
    }
    None
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

/// Reads the response to the action `action`: a 2xx `<{action}Response><{action}Result>` body is
/// handed to `read_result` (its `Result` element; the root element when `result_optional` and
/// the body has none, for an operation without output members), anything else becomes an error. Returns what
/// `read_result` read and the request id (`ResponseMetadata/RequestId`, or else
/// `header_request_id`, the `x-amzn-RequestId` header).
///
/// # Errors
/// [`Error::Service`] for an STS error body, [`Error::InvalidResponse`] for anything not understood,
/// including a 2xx body of another action; `read_result`'s errors carry the response's status.
pub fn read_response<T>(
    status: u16,
    body: &[u8],
    header_request_id: Option<&str>,
    action: &'static str,
    result_optional: bool,
    read_result: impl FnOnce(Element<'_, '_>) -> Result<T, Error>,
) -> Result<(T, Option<String>), Error> {
    if !(200..300).contains(&status) {
        return Err(decode_error(status, body, header_request_id, Some(action)));
    }
    let normalized = line_ends(body);
    let doc = parse_document(status, &normalized)?;
    let root = doc.root_element();
    let name = root.tag_name().name();
    if name == "ErrorResponse" {
        return Err(decode_error(status, body, header_request_id, Some(action)));
    }
    if name.strip_suffix("Response") != Some(action) {
        return Err(Error::InvalidResponse {
            status,
            reason: format!("expected <{action}Response>, got <{name}>"),
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
        .find(|n| n.is_element() && n.tag_name().name().strip_suffix("Result") == Some(action))
        .map(|node| Element { node })
        .or(result_optional.then_some(root))
        .ok_or_else(|| bad(format!("missing <{action}Result>")))
        .map_err(|e| with_status(e, status))?;
    let output = read_result(result).map_err(|e| with_status(e, status))?;
    Ok((output, request_id))
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
            let (account, _) =
                read_response(200, body.as_bytes(), None, "GetAccessKeyInfo", false, |r| {
                    Ok(r.opt_string("Account"))
                })
                .unwrap();
            assert_eq!(account.as_deref(), Some(want), "{raw:?}");
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
        let no_result = b"<GetCallerIdentityResponse></GetCallerIdentityResponse>";
        let bad_member = b"<AssumeRoleResponse><AssumeRoleResult><Credentials><AccessKeyId>A</AccessKeyId>\
<SecretAccessKey>s</SecretAccessKey><Expiration>soon</Expiration></Credentials></AssumeRoleResult></AssumeRoleResponse>";
        for status in [200, 201, 299] {
            match read_response(status, no_result, None, "GetCallerIdentity", false, |_| {
                Ok(())
            }) {
                Err(Error::InvalidResponse { status: s, .. }) => assert_eq!(s, status),
                other => panic!("{other:?}"),
            }
            let expiration =
                |r: Element<'_, '_>| r.required("Credentials")?.timestamp("Expiration");
            match read_response(status, bad_member, None, "AssumeRole", false, expiration) {
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

    fn elements(n: usize, attrs: usize, name: &str) -> String {
        let one = |k: usize| {
            let a: String = (0..attrs)
                .map(|i| format!(" {name}{k}x{i}=\"v\""))
                .collect();
            format!("<e{a}/>")
        };
        format!("<r>{}</r>", (0..n).map(one).collect::<String>())
    }

    #[test]
    fn attribute_counts_are_capped() {
        let ok = |xml: &str| check_attributes(xml.as_bytes());
        assert!(ok(&elements(1, MAX_ATTRIBUTES_PER_ELEMENT, "a")).is_ok());
        assert_eq!(
            ok(&elements(1, MAX_ATTRIBUTES_PER_ELEMENT + 1, "a")),
            Err("too many attributes on one element")
        );
        let per = MAX_ATTRIBUTES_PER_ELEMENT;
        assert!(ok(&elements(MAX_ATTRIBUTES / per, per, "a")).is_ok());
        assert_eq!(
            ok(&elements(MAX_ATTRIBUTES / per + 1, per, "a")),
            Err("too many attributes")
        );
        assert!(ok(&elements(MAX_NAMESPACE_DECLARATIONS, 1, "xmlns:p")).is_ok());
        assert_eq!(
            ok(&elements(MAX_NAMESPACE_DECLARATIONS + 1, 1, "xmlns:p")),
            Err("too many namespace declarations")
        );
        // Spaces around `=` still name a declaration.
        let spaced: String = (0..=MAX_NAMESPACE_DECLARATIONS)
            .map(|i| format!("<e xmlns:p{i} = 'u'/>"))
            .collect();
        assert!(ok(&format!("<r>{spaced}</r>")).is_err());
    }

    #[test]
    fn equals_are_counted_across_blocks() {
        for n in [0, 1, 254, 255, 256, 1000, 70_000] {
            let mut body = vec![b'='; n];
            body.extend_from_slice(b"<a/>");
            assert_eq!(count_equals(&body), n);
        }
    }

    #[test]
    fn equals_signs_outside_tags_do_not_count() {
        let eq = "=".repeat(10_000);
        let body = format!(
            "<?xml version=\"1.0\"?><?pi a=\"{eq}\"?><!-- {eq} <x a=1 b=2> --><r a=\"{eq}\" b='>{eq}'>\
             {eq}<![CDATA[<x {eq}>]]><t>{eq}</t></r>"
        );
        assert!(check_attributes(body.as_bytes()).is_ok());
        assert!(roxmltree::Document::parse(&body).is_ok());
    }

    #[test]
    fn attribute_bombs_are_rejected_before_parsing() {
        let bomb: String = (0..100_000).map(|i| format!(" a{i:x}=\"x\"")).collect();
        let body = format!("<ErrorResponse{bomb}/>");
        let start = std::time::Instant::now();
        match decode_error(500, body.as_bytes(), None, None) {
            Error::InvalidResponse { reason, .. } => {
                assert_eq!(reason, "too many attributes on one element");
            }
            e => panic!("{e:?}"),
        }
        assert!(start.elapsed() < std::time::Duration::from_secs(2));
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

//! Just enough URL handling for endpoints: `scheme://host[:port][/path][?query]`. No `url` crate.

use crate::Error;

/// A split endpoint URL.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EndpointUrl {
    /// `http` or `https`, lower-case.
    pub scheme: String,
    /// Host name or IP literal (IPv6 with brackets), lower-case.
    pub host: String,
    /// The port, when one is given and is not the scheme's default.
    pub port: Option<u16>,
    /// The path, `/` at least.
    pub path: String,
    /// The query without `?`, possibly empty.
    pub query: String,
}

impl EndpointUrl {
    /// Splits an absolute `http(s)://` URL.
    ///
    /// # Errors
    /// [`Error::Config`] when it is not an absolute http or https URL with a host.
    pub fn parse(url: &str) -> Result<Self, Error> {
        let bad = |why: &str| Error::config(format!("invalid endpoint URL {url:?}: {why}"));
        let (scheme, rest) = url.split_once("://").ok_or_else(|| bad("no scheme"))?;
        let scheme = scheme.to_ascii_lowercase();
        let default_port = match scheme.as_str() {
            "http" => 80,
            "https" => 443,
            _ => return Err(bad("scheme must be http or https")),
        };
        let end = rest.find(['/', '?', '#']).unwrap_or(rest.len());
        let (authority, tail) = rest.split_at(end);
        if authority.contains('@') {
            return Err(bad("user info is not allowed"));
        }
        let (host, port) = if let Some(v6) = authority.strip_prefix('[') {
            let (h, after) = v6
                .split_once(']')
                .ok_or_else(|| bad("unclosed IPv6 literal"))?;
            (format!("[{h}]"), after.strip_prefix(':'))
        } else {
            match authority.rsplit_once(':') {
                Some((h, p)) => (h.to_owned(), Some(p)),
                None => (authority.to_owned(), None),
            }
        };
        if host.is_empty() || host == "[]" {
            return Err(bad("no host"));
        }
        if host.chars().any(|c| c.is_whitespace() || c.is_control()) {
            return Err(bad("bad characters in host"));
        }
        let port = match port {
            None | Some("") => None,
            Some(p) => Some(p.parse::<u16>().map_err(|_| bad("bad port"))?),
        }
        .filter(|p| *p != default_port);
        let tail = tail.split('#').next().unwrap_or("");
        let (path, query) = tail.split_once('?').unwrap_or((tail, ""));
        Ok(Self {
            scheme,
            host: host.to_ascii_lowercase(),
            port,
            path: if path.is_empty() {
                "/".into()
            } else {
                path.into()
            },
            query: query.into(),
        })
    }

    /// `host[:port]`, as sent in the `Host` header and signed.
    #[must_use]
    pub fn authority(&self) -> String {
        match self.port {
            Some(p) => format!("{}:{p}", self.host),
            None => self.host.clone(),
        }
    }

    /// Whether the host is a loopback address or `localhost`.
    #[must_use]
    pub fn is_loopback(&self) -> bool {
        let h = self.host.trim_start_matches('[').trim_end_matches(']');
        h == "localhost"
            || h.ends_with(".localhost")
            || h.parse::<std::net::IpAddr>()
                .is_ok_and(|ip| ip.is_loopback())
    }

    /// The URL put back together (`scheme://authority/path[?query]`).
    #[must_use]
    pub fn to_url(&self) -> String {
        let mut s = format!("{}://{}{}", self.scheme, self.authority(), self.path);
        if !self.query.is_empty() {
            s.push('?');
            s.push_str(&self.query);
        }
        s
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn splits_urls() {
        let u = EndpointUrl::parse("https://STS.us-east-1.amazonaws.com:443").unwrap();
        assert_eq!(u.authority(), "sts.us-east-1.amazonaws.com");
        assert_eq!(u.path, "/");
        let u = EndpointUrl::parse("http://127.0.0.1:5000/sts?x=1").unwrap();
        assert_eq!(u.authority(), "127.0.0.1:5000");
        assert_eq!((u.path.as_str(), u.query.as_str()), ("/sts", "x=1"));
        assert!(u.is_loopback());
        let u = EndpointUrl::parse("http://[::1]:8080/").unwrap();
        assert_eq!(u.authority(), "[::1]:8080");
        assert!(u.is_loopback());
        assert!(
            !EndpointUrl::parse("http://10.0.0.1/")
                .unwrap()
                .is_loopback()
        );
        for bad in [
            "ftp://x",
            "no-scheme",
            "http://",
            "http://a:b",
            "http://u@h/",
            "http://[::1",
        ] {
            assert!(EndpointUrl::parse(bad).is_err(), "{bad}");
        }
    }
}

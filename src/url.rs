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
        let bad = |why: &str| {
            Error::config(format!(
                "invalid endpoint URL {}: {why}",
                crate::error::echo(url)
            ))
        };
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
            if !after.is_empty() && !after.starts_with(':') {
                return Err(bad("text after the IPv6 literal"));
            }
            (format!("[{h}]"), after.strip_prefix(':'))
        } else {
            let (h, p) = match authority.rsplit_once(':') {
                Some((h, p)) => (h, Some(p)),
                None => (authority, None),
            };
            // `http://d::1` is not a host `d:` with port 1 nor a host `d::1`: IPv6 needs brackets.
            if h.contains(':') {
                return Err(bad("a colon in the host (IPv6 literals need brackets)"));
            }
            (h.to_owned(), p)
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

    /// Whether the host is `localhost` or a literal loopback address (`127.0.0.0/8`, `::1`). Other
    /// names, `*.localhost` included, are not: nothing checks what they resolve to.
    #[must_use]
    pub fn is_loopback(&self) -> bool {
        let h = self.host.trim_start_matches('[').trim_end_matches(']');
        h == "localhost"
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
        for remote in [
            "http://10.0.0.1/",
            "http://evil.localhost/",
            "http://localhost.evil.example/",
            "http://127.0.0.1.nip.io/",
        ] {
            assert!(
                !EndpointUrl::parse(remote).unwrap().is_loopback(),
                "{remote}"
            );
        }
        assert!(
            EndpointUrl::parse("http://LOCALHOST:1")
                .unwrap()
                .is_loopback()
        );
        assert!(
            EndpointUrl::parse("http://127.9.9.9")
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

    /// Found by fuzzing (`fuzz/fuzz_targets/endpoint.rs`): `http://d::1:/` parsed to host `d::1`,
    /// whose URL `http://d::1/` then parsed to host `d:` port 1. A colon outside brackets, or text
    /// after an IPv6 literal, is now an error, so a parsed URL always parses back to itself.
    #[test]
    fn colons_outside_brackets_are_rejected() {
        for bad in [
            "http://d::1:/",
            "http://d::1",
            "http://::1/",
            "https://a:b:443",
            "http://[::1]x/",
            "http://[::1]x:80/",
        ] {
            assert!(EndpointUrl::parse(bad).is_err(), "{bad}");
        }
        for good in [
            "http://[::1]:8080/x?y",
            "https://[fe80::1]",
            "http://a:8080",
        ] {
            let u = EndpointUrl::parse(good).unwrap();
            assert_eq!(EndpointUrl::parse(&u.to_url()).unwrap(), u, "{good}");
        }
    }
}

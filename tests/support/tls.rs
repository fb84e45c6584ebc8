//! A loopback HTTPS server with a certificate from the test CA in `tests/data/tls`.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpListener;
use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::thread;

/// A file of the test CA under the root's `tests/data/tls` (from the library's tests or the
/// program's in `cli/`).
pub fn data(name: &str) -> PathBuf {
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    let dir = if root.join("tests/data/tls").is_dir() {
        root.join("tests/data/tls")
    } else {
        root.join("../tests/data/tls")
    };
    dir.join(name)
}

/// Starts an HTTPS server on 127.0.0.1 (certificate for `localhost` and `127.0.0.1`) answering
/// every request with a GetCallerIdentity success.
pub fn https_server() -> (u16, Arc<AtomicUsize>) {
    https_server_with("")
}

/// As [`https_server`], with the certificate and key under `tests/data/tls/<dir>` (`remote`: a
/// certificate for `sts.proxied.test`, a name only the test proxy resolves).
pub fn https_server_with(dir: &str) -> (u16, Arc<AtomicUsize>) {
    let xml = super::success(
        "GetCallerIdentity",
        "<UserId>AIDATLS</UserId><Account>111122223333</Account>\
         <Arn>arn:aws:iam::111122223333:user/tls</Arn>",
    );
    https_server_answering(dir, "text/xml", xml)
}

/// As [`https_server_with`], answering every request with `body` of type `ctype`.
pub fn https_server_answering(
    dir: &str,
    ctype: &'static str,
    body: String,
) -> (u16, Arc<AtomicUsize>) {
    let data = |name: &str| {
        data(&format!(
            "{dir}{}{name}",
            if dir.is_empty() { "" } else { "/" }
        ))
    };
    use rustls::pki_types::pem::PemObject;
    use rustls::pki_types::{CertificateDer, PrivateKeyDer};
    let certs: Vec<CertificateDer<'static>> = CertificateDer::pem_file_iter(data("server.pem"))
        .unwrap()
        .map(Result::unwrap)
        .collect();
    let key = PrivateKeyDer::from_pem_file(data("server.key")).unwrap();
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let config = rustls::ServerConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .unwrap()
        .with_no_client_auth()
        .with_single_cert(certs, key)
        .unwrap();
    let config = Arc::new(config);
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    let served = Arc::new(AtomicUsize::new(0));
    let count = served.clone();
    thread::spawn(move || {
        for tcp in listener.incoming().flatten() {
            let config = config.clone();
            let count = count.clone();
            let xml = body.clone();
            thread::spawn(move || {
                let conn = rustls::ServerConnection::new(config).unwrap();
                let mut tls = rustls::StreamOwned::new(conn, tcp);
                let mut reader = BufReader::new(&mut tls);
                let mut len = 0usize;
                loop {
                    let mut line = String::new();
                    if reader.read_line(&mut line).unwrap_or(0) == 0 {
                        return; // handshake failed or client left
                    }
                    if let Some(v) = line.to_ascii_lowercase().strip_prefix("content-length:") {
                        len = v.trim().parse().unwrap_or(0);
                    }
                    if line == "\r\n" {
                        break;
                    }
                }
                let mut body = vec![0; len];
                if reader.read_exact(&mut body).is_err() {
                    return;
                }
                let resp = format!(
                    "HTTP/1.1 200 OK\r\nContent-Type: {ctype}\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{xml}",
                    xml.len()
                );
                count.fetch_add(1, Ordering::SeqCst);
                let _ = tls.write_all(resp.as_bytes());
                let _ = tls.flush();
                tls.conn.send_close_notify();
                let _ = tls.flush();
            });
        }
    });
    (port, served)
}

//! `sts rolesanywhere credential-process|serve|sign-string|read-certificate-data`: IAM Roles
//! Anywhere as `aws_signing_helper` (1.8.0) does it, with its flags and its output, so that
//! `sts rolesanywhere` can take its place in a `credential_process` line. The work is the
//! library's ([`sts_blocking::credentials::RolesAnywhereProvider`],
//! [`sts_blocking::roles_anywhere`]); this module maps the flags and prints.
//!
//! `--region`, `--debug` and `--no-verify-ssl` are the helper's flags and `sts`'s global ones:
//! they mean the same. The helper's flags for certificate stores, PKCS#11, TPM and encrypted
//! keys are accepted by the parser and refused with a message saying so (exit 252).

use crate::spec::{Command, Example, Flag, Globals, Kind, Run, Values, flag, out, with_choices};
use std::path::Path;
use sts_blocking::client::{ProxySetting, TrustRoots};
use sts_blocking::credentials::{RolesAnywhereProvider, RolesAnywhereProviderBuilder};
use sts_blocking::roles_anywhere::{Certificate, Digest, PrivateKey, helper_test_message};
use sts_blocking::{Credentials, Error, ProvideCredentials};

/// The helper's flags that select what the native path does not do; each is refused when given.
const UNSUPPORTED: &[(&str, &str)] = &[
    ("--cert-selector", "certificate stores"),
    ("--system-store-name", "certificate stores"),
    ("--use-latest-expiring-certificate", "certificate stores"),
    ("--pkcs11-lib", "PKCS#11 keys"),
    ("--reuse-pin", "PKCS#11 keys"),
    ("--tpm-key-password", "TPM keys"),
    ("--no-tpm-key-password", "TPM keys"),
    ("--pkcs8-password", "encrypted keys"),
];

const NOT_YET: &str = "Not supported yet: run aws_signing_helper itself for it.";

const fn unsupported(name: &'static str, kind: Kind) -> Flag {
    flag(name, "", kind, false, NOT_YET, "")
}

macro_rules! credential_flags {
    ($($extra:expr),* $(,)?) => {
        &[
            flag("--certificate", "", Kind::Str, false,
                "Path to the certificate file: PEM (its first CERTIFICATE block) or DER.", ""),
            flag("--private-key", "", Kind::Str, false,
                "Path to the private key file: PKCS#8, PKCS#1 (RSA) or SEC1 (EC), PEM or DER, \
                 not encrypted. RSA of 2048 to 8192 bits and EC P-256 keys sign sessions.", ""),
            flag("--intermediates", "", Kind::Str, false,
                "Path to a PEM file of intermediate certificates, from the one that issued the \
                 certificate up (sent as X-Amz-X509-Chain).", ""),
            flag("--trust-anchor-arn", "", Kind::Str, false,
                "Trust anchor to use for authentication.", ""),
            flag("--profile-arn", "", Kind::Str, false,
                "Profile to pull policies from.", ""),
            flag("--role-arn", "", Kind::Str, false, "Target role to assume.", ""),
            flag("--session-duration", "", Kind::Int, false,
                "Duration, in seconds, for the resulting session (default 3600).",
                "900 to 43200, within the profile's limit"),
            flag("--endpoint", "", Kind::Str, false,
                "Endpoint used to call CreateSession (default: AWS_ENDPOINT_URL_ROLESANYWHERE, \
                 else https://rolesanywhere.REGION.amazonaws.com, REGION being --region or the \
                 trust anchor's). https, or http to a loopback address only.", ""),
            flag("--role-session-name", "", Kind::Str, false,
                "An identifier of a role session (the profile must accept it).", ""),
            flag("--with-proxy", "", Kind::Switch, false,
                "Make the CreateSession call through the proxy of HTTPS_PROXY and the like \
                 (without it, no proxy is used, as aws_signing_helper does).", ""),
            $($extra,)*
            unsupported("--cert-selector", Kind::Str),
            unsupported("--system-store-name", Kind::Str),
            unsupported("--use-latest-expiring-certificate", Kind::Switch),
            unsupported("--pkcs11-lib", Kind::Str),
            unsupported("--reuse-pin", Kind::Switch),
            unsupported("--tpm-key-password", Kind::Str),
            unsupported("--no-tpm-key-password", Kind::Switch),
            unsupported("--pkcs8-password", Kind::Str),
        ]
    };
}

/// What `credential-process` and `serve` say of the flags (a macro: `concat!` takes literals).
macro_rules! common_flags_text {
    () => {
        "The helper's --region, --debug and --no-verify-ssl are sts's global \
    options of the same names; --ca-bundle (else AWS_CA_BUNDLE) replaces the trusted roots. \
    Not supported yet, each refused with a message: --cert-selector, --system-store-name and \
    --use-latest-expiring-certificate (OS certificate stores), --pkcs11-lib and --reuse-pin \
    (PKCS#11), --tpm-key-password and --no-tpm-key-password (TPM), --pkcs8-password \
    (encrypted keys), PKCS#12 files (a --certificate without --private-key), ML-DSA keys, and \
    EC P-384 keys for sessions."
    };
}

/// `sts rolesanywhere credential-process`.
pub(crate) const CREDENTIAL_PROCESS: Command = Command {
    name: "rolesanywhere credential-process",
    action: "CreateSession",
    summary: "Prints IAM Roles Anywhere credentials for credential_process (aws_signing_helper credential-process).",
    description: concat!(
        "Signs a CreateSession request with the certificate's private key (SigV4 with \
        an X.509 key: AWS4-X509-RSA-SHA256 or AWS4-X509-ECDSA-SHA256), calls IAM Roles Anywhere \
        and prints the credentials in the credential_process format, as aws_signing_helper \
        credential-process prints them: one line of JSON with Version, AccessKeyId, \
        SecretAccessKey, SessionToken and Expiration.\n\n\
        It takes aws_signing_helper's flags, so credential_process = sts rolesanywhere \
        credential-process --certificate ... can replace the helper. The default credential \
        chain of sts (and of the sts-blocking library) does not even run the command: a \
        credential_process line running aws_signing_helper credential-process or sts \
        rolesanywhere credential-process is served natively from the same flags, and a line \
        with a flag it does not support runs the process as before.\n\n",
        common_flags_text!()
    ),
    flags: credential_flags!(),
    output: &[
        out("Version", "integer", "Always 1."),
        out("AccessKeyId", "string", "The access key id."),
        out("SecretAccessKey", "string", "The secret access key."),
        out("SessionToken", "string", "The session token."),
        out(
            "Expiration",
            "string",
            "When the credentials expire (RFC 3339).",
        ),
    ],
    examples: &[Example {
        title: "To use a certificate as a profile's credentials",
        command: "credential_process = sts rolesanywhere credential-process --certificate \
                  /etc/pki/host.pem --private-key /etc/pki/host.key --trust-anchor-arn \
                  arn:aws:rolesanywhere:eu-west-1:123456789012:trust-anchor/TA --profile-arn \
                  arn:aws:rolesanywhere:eu-west-1:123456789012:profile/P --role-arn \
                  arn:aws:iam::123456789012:role/host",
        output: "",
    }],
    credentials: false,
    signed: true,
    run: Run::Custom(credential_process),
};

/// `sts rolesanywhere serve`.
pub(crate) const SERVE: Command = Command {
    name: "rolesanywhere serve",
    action: "CreateSession",
    summary: "Serves IAM Roles Anywhere credentials on an IMDSv2-compatible local endpoint (aws_signing_helper serve).",
    description: concat!(
        "Creates a session as credential-process does and serves its credentials on \
        http://127.0.0.1:PORT/ the way EC2's instance metadata service (IMDSv2) serves a role's, \
        refreshing them ahead of expiry, until it is stopped. Programs find it through \
        AWS_EC2_METADATA_SERVICE_ENDPOINT=http://127.0.0.1:PORT/, which it prints on standard \
        error when it starts.\n\n\
        PUT /latest/api/token (with x-aws-ec2-metadata-token-ttl-seconds, 1 to 21600, default \
        21600) gives a session token; at most 256 are kept (one more evicts the one that expires \
        first). GET /latest/meta-data/iam/security-credentials/ answers the role name (the role \
        ARN's last segment) and GET .../ROLE the credentials (Code, LastUpdated, Type, \
        AccessKeyId, SecretAccessKey, Token, Expiration); both need a live token in \
        x-aws-ec2-metadata-token (401 otherwise). Requests with X-Forwarded-For are refused \
        (400), other methods get 405 and other paths 404. It listens on 127.0.0.1 only, answers \
        each connection within 5 seconds, keeps at most 64 open, and sets the IP time to live \
        of its answers to --hop-limit.\n\n",
        common_flags_text!()
    ),
    flags: credential_flags!(
        flag(
            "--port",
            "",
            Kind::Int,
            false,
            "The port of the local server (default 9911; 0 picks a free one).",
            "0 to 65535"
        ),
        flag(
            "--hop-limit",
            "",
            Kind::Int,
            false,
            "The IP time to live of the answers (default 64).",
            "1 to 255"
        ),
    ),
    output: &[],
    examples: &[Example {
        title: "To serve a certificate's role to the programs of this machine",
        command: "sts rolesanywhere serve --certificate host.pem --private-key host.key \
                  --trust-anchor-arn arn:aws:rolesanywhere:eu-west-1:123456789012:trust-anchor/TA \
                  --profile-arn arn:aws:rolesanywhere:eu-west-1:123456789012:profile/P \
                  --role-arn arn:aws:iam::123456789012:role/host",
        output: "",
    }],
    credentials: false,
    signed: true,
    run: Run::Custom(serve),
};

/// `sts rolesanywhere sign-string`.
pub(crate) const SIGN_STRING: Command = Command {
    name: "rolesanywhere sign-string",
    action: "",
    summary: "Signs the helper's fixed test string with a private key (aws_signing_helper sign-string).",
    description: "Signs the fixed string aws_signing_helper sign-string signs, to check that a \
        key works without calling AWS: \"AWS Roles Anywhere Credential Helper Signing Test\" || \
        \"1\" || SHA256(\"IAM RA\" || public key), the public key being the RSA public key in \
        DER or the uncompressed EC point. The signature is RSA PKCS#1 v1.5 or ECDSA (ASN.1 DER), \
        printed as hex in a JSON string (--format json, the default), as bare hex (text) or as \
        raw bytes (bin), without a trailing newline.\n\n\
        EC P-256 keys sign with SHA256 and P-384 keys with SHA384 only (the helper's other \
        pairs truncate the digest, which ring does not do); RSA keys sign with all three. With \
        --certificate, the key must match it (an EC key without its public point takes the \
        certificate's).\n\n\
        Not supported yet, each refused with a message: the OS certificate store, PKCS#11, TPM \
        and encrypted keys.",
    flags: &[
        flag(
            "--certificate",
            "",
            Kind::Str,
            false,
            "Path to the certificate the key must match (optional).",
            "",
        ),
        flag(
            "--private-key",
            "",
            Kind::Str,
            true,
            "Path to the private key file (PKCS#8, PKCS#1 or SEC1; PEM or DER).",
            "",
        ),
        with_choices(
            flag(
                "--format",
                "",
                Kind::Str,
                false,
                "Output format: json (default), text or bin.",
                "one of json, text, bin",
            ),
            &["json", "text", "bin"],
        ),
        with_choices(
            flag(
                "--digest",
                "",
                Kind::Str,
                false,
                "The digest: SHA256 (default), SHA384 or SHA512.",
                "one of SHA256, SHA384, SHA512",
            ),
            &["SHA256", "SHA384", "SHA512"],
        ),
        unsupported("--cert-selector", Kind::Str),
        unsupported("--system-store-name", Kind::Str),
        unsupported("--use-latest-expiring-certificate", Kind::Switch),
        unsupported("--pkcs11-lib", Kind::Str),
        unsupported("--reuse-pin", Kind::Switch),
        unsupported("--tpm-key-password", Kind::Str),
        unsupported("--no-tpm-key-password", Kind::Switch),
        unsupported("--pkcs8-password", Kind::Str),
    ],
    output: &[],
    examples: &[Example {
        title: "To check that a key signs",
        command: "sts rolesanywhere sign-string --private-key host.key --format text",
        output: "",
    }],
    credentials: false,
    signed: false,
    run: Run::Custom(sign_string),
};

/// `sts rolesanywhere read-certificate-data`.
pub(crate) const READ_CERTIFICATE_DATA: Command = Command {
    name: "rolesanywhere read-certificate-data",
    action: "",
    summary: "Prints what Roles Anywhere reads of a certificate (aws_signing_helper read-certificate-data).",
    description: "Reads the certificate file (PEM: its first CERTIFICATE block; or DER) and \
        prints, as aws_signing_helper read-certificate-data prints it, one line of JSON: \
        keyType (RSA, EC or empty), certificateData (the DER in base64, as X-Amz-X509 carries \
        it), serialNumber (in decimal, as the credential scope names it) and \
        supportedAlgorithms.\n\n\
        Not supported yet, each refused with a message: --cert-selector, --system-store-name \
        and --pkcs11-lib (certificate stores and PKCS#11).",
    flags: &[
        flag(
            "--certificate",
            "",
            Kind::Str,
            true,
            "Path to the certificate file.",
            "",
        ),
        unsupported("--cert-selector", Kind::Str),
        unsupported("--system-store-name", Kind::Str),
        unsupported("--pkcs11-lib", Kind::Str),
    ],
    output: &[
        out(
            "keyType",
            "string",
            "RSA, EC, or empty for another key type.",
        ),
        out(
            "certificateData",
            "string",
            "The certificate's DER, base64.",
        ),
        out("serialNumber", "string", "The serial number in decimal."),
        out(
            "supportedAlgorithms",
            "list",
            "The key type with SHA256, SHA384 and SHA512.",
        ),
    ],
    examples: &[Example {
        title: "To see a certificate's serial number as Roles Anywhere uses it",
        command: "sts rolesanywhere read-certificate-data --certificate host.pem",
        output: "",
    }],
    credentials: false,
    signed: false,
    run: Run::Custom(read_certificate_data),
};

/// Refuses the flags the native path does not support; the exit status when one was given.
fn refuse_unsupported(v: &Values) -> Result<(), i32> {
    for (name, what) in UNSUPPORTED {
        if v.switch(name) || v.str(name).is_some() {
            return Err(crate::errors::param(&format!(
                "sts rolesanywhere: {name} is not supported yet ({what}): run aws_signing_helper \
                 itself for it"
            )));
        }
    }
    Ok(())
}

/// A usage error: the message, exit 252.
fn usage(message: &str) -> i32 {
    crate::errors::param(&format!("sts rolesanywhere: {message}"))
}

/// The provider the flags describe. `Err` is the exit status, the error printed.
pub(crate) fn builder_from_flags(
    g: &Globals,
    v: &Values,
) -> Result<RolesAnywhereProviderBuilder, i32> {
    refuse_unsupported(v)?;
    let Some(certificate) = v.str("--certificate") else {
        return Err(usage(
            "--certificate is required (the OS certificate stores are not supported yet)",
        ));
    };
    let Some(key) = v.str("--private-key") else {
        return Err(usage(
            "--private-key is required (PKCS#12 files are not supported yet)",
        ));
    };
    let mut b = RolesAnywhereProvider::builder()
        .certificate_file(certificate)
        .private_key_file(key);
    let arn = |name: &str| {
        v.str(name)
            .ok_or_else(|| usage(&format!("{name} is required")))
    };
    b = b
        .trust_anchor_arn(arn("--trust-anchor-arn")?)
        .profile_arn(arn("--profile-arn")?)
        .role_arn(arn("--role-arn")?);
    if let Some(p) = v.str("--intermediates") {
        b = b.intermediates_file(p);
    }
    if let Some(d) = v.int("--session-duration") {
        b = b.session_duration(d);
    }
    if let Some(n) = v.str("--role-session-name") {
        b = b.role_session_name(n);
    }
    if let Some(r) = &g.region {
        b = b.region(r);
    }
    let endpoint = v.str("--endpoint").or_else(|| {
        std::env::var("AWS_ENDPOINT_URL_ROLESANYWHERE")
            .ok()
            .filter(|u| !u.trim().is_empty())
    });
    if let Some(u) = endpoint {
        b = b.endpoint_url(u.trim());
    }
    b = b.proxy(if v.switch("--with-proxy") {
        ProxySetting::FromEnv
    } else {
        ProxySetting::Disabled
    });
    let bundle = g.ca_bundle.clone().or_else(|| {
        std::env::var("AWS_CA_BUNDLE")
            .ok()
            .filter(|p| !p.trim().is_empty())
    });
    if g.no_verify_ssl {
        b = b.trust_roots(TrustRoots::NoVerification);
    } else if let Some(p) = bundle {
        b = b.trust_roots(TrustRoots::Bundle(p.into()));
    }
    Ok(b)
}

/// The provider the flags describe, built (files read and checked).
pub(crate) fn provider_from_flags(
    cmd: &Command,
    g: &Globals,
    v: &Values,
) -> Result<RolesAnywhereProvider, i32> {
    builder_from_flags(g, v)?
        .build()
        .map_err(|e| crate::session::report(cmd, &e, None))
}

/// The credential_process document, compact, in the helper's member order.
pub(crate) fn process_json(c: &Credentials) -> String {
    let mut s = String::from("{\"Version\":1,\"AccessKeyId\":");
    crate::output::json_string(&mut s, &c.access_key_id);
    s.push_str(",\"SecretAccessKey\":");
    crate::output::json_string(&mut s, c.secret_access_key.expose());
    s.push_str(",\"SessionToken\":");
    crate::output::json_string(&mut s, c.session_token.as_ref().map_or("", |t| t.expose()));
    s.push_str(",\"Expiration\":");
    crate::output::json_string(
        &mut s,
        &c.expiration
            .map(crate::output::rfc3339_z)
            .unwrap_or_default(),
    );
    s.push('}');
    s
}

/// Writes `bytes` to standard output (no newline, as the helper prints); 0, or 255 on failure.
fn print_raw(bytes: &[u8]) -> i32 {
    use std::io::Write;
    let mut out = std::io::stdout().lock();
    match out.write_all(bytes).and_then(|()| out.flush()) {
        Ok(()) => 0,
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => 0,
        Err(e) => {
            crate::errors::general(&format!("sts rolesanywhere: cannot write the output: {e}"))
        }
    }
}

fn credential_process(g: &Globals, v: &Values, _: &[String]) -> i32 {
    let p = match provider_from_flags(&CREDENTIAL_PROCESS, g, v) {
        Ok(p) => p,
        Err(code) => return code,
    };
    match p.provide_credentials() {
        Ok(c) => print_raw(process_json(&c).as_bytes()),
        Err(e) => crate::session::report(&CREDENTIAL_PROCESS, &e, None),
    }
}

fn sign_string(_g: &Globals, v: &Values, _: &[String]) -> i32 {
    if let Err(code) = refuse_unsupported(v) {
        return code;
    }
    let fail = |e: &Error| crate::session::report(&SIGN_STRING, e, None);
    let cert = match v.str("--certificate") {
        Some(p) => match Certificate::from_file(Path::new(&p)) {
            Ok(c) => Some(c),
            Err(e) => return fail(&e),
        },
        None => None,
    };
    let key = match PrivateKey::from_file(Path::new(&v.req("--private-key")), cert.as_ref()) {
        Ok(k) => k,
        Err(e) => return fail(&e),
    };
    let digest = v
        .str("--digest")
        .and_then(|d| Digest::from_name(&d))
        .unwrap_or_default();
    let signature = match key.sign(&helper_test_message(key.public_key()), digest) {
        Ok(s) => s,
        Err(e) => return fail(&e),
    };
    let hex: String = signature.iter().map(|b| format!("{b:02x}")).collect();
    match v.str("--format").as_deref() {
        Some("text") => print_raw(hex.as_bytes()),
        Some("bin") => print_raw(&signature),
        _ => print_raw(format!("\"{hex}\"").as_bytes()),
    }
}

fn read_certificate_data(_g: &Globals, v: &Values, _: &[String]) -> i32 {
    if let Err(code) = refuse_unsupported(v) {
        return code;
    }
    let cert = match Certificate::from_file(Path::new(&v.req("--certificate"))) {
        Ok(c) => c,
        Err(e) => return crate::session::report(&READ_CERTIFICATE_DATA, &e, None),
    };
    let kind = cert.key_algorithm().helper_key_type();
    let mut s = String::from("{\"keyType\":");
    crate::output::json_string(&mut s, kind);
    s.push_str(",\"certificateData\":");
    crate::output::json_string(&mut s, &cert.to_base64());
    s.push_str(",\"serialNumber\":");
    crate::output::json_string(&mut s, &cert.serial_number());
    s.push_str(",\"supportedAlgorithms\":[");
    let algs: Vec<String> = ["SHA256", "SHA384", "SHA512"]
        .iter()
        .map(|d| format!("\"{kind}{d}\""))
        .collect();
    s.push_str(&algs.join(","));
    s.push_str("]}");
    print_raw(s.as_bytes())
}

fn serve(g: &Globals, v: &Values, _: &[String]) -> i32 {
    let port = v.int("--port").unwrap_or(9911);
    let Ok(port) = u16::try_from(port) else {
        return usage("--port must be 0 to 65535");
    };
    let hop = v.int("--hop-limit").unwrap_or(64);
    let Some(hop) = u32::try_from(hop).ok().filter(|h| (1..=255).contains(h)) else {
        return usage("--hop-limit must be 1 to 255");
    };
    let p = match provider_from_flags(&SERVE, g, v) {
        Ok(p) => p,
        Err(code) => return code,
    };
    let first = match p.provide_credentials() {
        Ok(c) => c,
        Err(e) => return crate::session::report(&SERVE, &e, None),
    };
    let role = v.str("--role-arn").unwrap_or_default();
    let role = crate::imds_server::role_name(&role).to_owned();
    match crate::imds_server::start(std::sync::Arc::new(p), first, &role, port, hop) {
        Ok(running) => {
            eprintln!(
                "Local server started on port: {}\nMake it available to the sdk by running:\n\
                 export AWS_EC2_METADATA_SERVICE_ENDPOINT={}",
                running
                    .url
                    .trim_end_matches('/')
                    .rsplit(':')
                    .next()
                    .unwrap_or(""),
                running.url
            );
            loop {
                std::thread::park();
            }
        }
        Err(e) => crate::errors::general(&format!(
            "sts rolesanywhere serve: cannot listen on 127.0.0.1:{port}: {e}"
        )),
    }
}

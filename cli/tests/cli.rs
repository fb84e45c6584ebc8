//! The `sts` binary end to end, against the loopback fake STS server: every subcommand in every
//! output format (exact stdout and exact parameters received), every exit code, help pages
//! (golden files in `tests/golden/`; `UPDATE_GOLDEN=1` rewrites them), completion scripts.

#[path = "../../tests/support/mod.rs"]
mod support;

use std::path::PathBuf;
use std::process::{Command, Output};
use support::{CREDS_XML, FakeSts, Reply, caller_identity, error_body, success};

/// Runs `sts` with a clean environment: only the variables given (no AWS_PROFILE, AWS_CONFIG_FILE
/// or AWS_CA_BUNDLE from the machine), HOME at an empty directory, and IMDS disabled so that the
/// credential chain never leaves the machine.
fn sts_env(env: &[(&str, &str)], args: &[&str]) -> Output {
    let mut c = Command::new(env!("CARGO_BIN_EXE_sts"));
    c.env_clear();
    if let Some(path) = std::env::var_os("PATH") {
        c.env("PATH", path);
    }
    c.env("HOME", empty_home());
    c.env("AWS_EC2_METADATA_DISABLED", "true");
    for (k, v) in env {
        c.env(k, v);
    }
    c.args(args).output().expect("run sts")
}

/// What `sts` prints when the chain finds nothing: the AWS CLI v2's sentence (naming `sts login`
/// where v2 names `aws login`), in the default `enhanced` error format.
const NO_CREDENTIALS: &str = "\nsts: [ERROR]: An error occurred (NoCredentials): Unable to locate \
    credentials. You can configure credentials by running \"sts login\".\n";

/// ... and with `--debug`, the sources tried (HOME empty, IMDS disabled).
const NO_CREDENTIALS_DEBUG: &str = "\nsts: [ERROR]: An error occurred (NoCredentials): Unable to locate \
    credentials. You can configure credentials by running \"sts login\".\nSources tried:\n  \
    - environment: skipped: AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY not set\n  \
    - profile: skipped: No profiles were defined\n  \
    - web_identity: skipped: AWS_WEB_IDENTITY_TOKEN_FILE not set\n  \
    - container: skipped: AWS_CONTAINER_CREDENTIALS_RELATIVE_URI / _FULL_URI not set\n  \
    - imds: skipped: disabled by AWS_EC2_METADATA_DISABLED\n";

/// An empty directory to serve as HOME (no ~/.aws files).
fn empty_home() -> PathBuf {
    let dir = std::env::temp_dir().join(format!("sts-cli-home-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// Runs `sts` against `fake` with test credentials in us-east-1.
fn sts(fake: &FakeSts, args: &[&str]) -> Output {
    let url = fake.url();
    sts_env(
        &[
            ("AWS_ACCESS_KEY_ID", "AKIDEXAMPLE"),
            ("AWS_SECRET_ACCESS_KEY", "test-secret"),
            ("AWS_REGION", "us-east-1"),
            ("AWS_ENDPOINT_URL_STS", &url),
        ],
        args,
    )
}

fn stdout(o: &Output) -> String {
    String::from_utf8(o.stdout.clone()).unwrap()
}

fn stderr(o: &Output) -> String {
    String::from_utf8(o.stderr.clone()).unwrap()
}

fn code(o: &Output) -> i32 {
    o.status.code().expect("exit code")
}

fn pairs(v: &[(&str, &str)]) -> Vec<(String, String)> {
    v.iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect()
}

const CREDS_JSON: &str = "    \"Credentials\": {\n        \"AccessKeyId\": \"ASIAFAKEEXAMPLE00001\",\n        \
\"SecretAccessKey\": \"fake-secret-key\",\n        \"SessionToken\": \"fake-session-token\",\n        \
\"Expiration\": \"2030-01-01T00:00:00+00:00\"\n    }";
const CREDS_TEXT: &str = "CREDENTIALS\tASIAFAKEEXAMPLE00001\t2030-01-01T00:00:00+00:00\tfake-secret-key\tfake-session-token\n";
const CREDS_ENV: &str = "export AWS_ACCESS_KEY_ID=ASIAFAKEEXAMPLE00001\n\
export AWS_SECRET_ACCESS_KEY=fake-secret-key\n\
export AWS_SESSION_TOKEN=fake-session-token\n\
export AWS_CREDENTIAL_EXPIRATION=2030-01-01T00:00:00+00:00\n";

/// One subcommand against a fake reply, in all three formats.
struct Case<'a> {
    args: Vec<&'a str>,
    action: &'a str,
    result: String,
    params: Vec<(String, String)>,
    json: String,
    text: String,
    /// `None`: `--output env` is a usage error (no credentials in the output).
    env: Option<&'a str>,
    signed: bool,
}

fn check(case: Case<'_>) {
    let fake = FakeSts::start(Reply::xml(200, success(case.action, &case.result)));
    for (format, expected) in [
        ("json", Some(case.json.as_str())),
        ("text", Some(case.text.as_str())),
        ("env", case.env),
    ] {
        let before = fake.count();
        let mut args = case.args.clone();
        args.extend(["--output", format]);
        let o = sts(&fake, &args);
        match expected {
            Some(exp) => {
                assert_eq!(code(&o), 0, "{format} {:?}: {}", case.args, stderr(&o));
                assert_eq!(stdout(&o), exp, "{format} {:?}", case.args);
                assert_eq!(stderr(&o), "");
                let reqs = fake.requests();
                assert_eq!(reqs.len(), before + 1);
                let r = &reqs[before];
                assert_eq!(r.params(), case.params, "{:?}", case.args);
                assert_eq!(r.header("authorization").is_some(), case.signed);
            }
            None => {
                assert_eq!(code(&o), 252, "{format} {:?}", case.args);
                assert!(stderr(&o).contains("--output env"), "{}", stderr(&o));
                assert_eq!(stdout(&o), "");
                assert_eq!(fake.count(), before, "nothing sent");
            }
        }
    }
}

fn base(action: &str) -> Vec<(String, String)> {
    pairs(&[("Action", action), ("Version", "2011-06-15")])
}

fn with(action: &str, more: &[(&str, &str)]) -> Vec<(String, String)> {
    let mut p = base(action);
    p.extend(pairs(more));
    p
}

#[test]
fn assume_role_all_formats() {
    check(Case {
        args: vec![
            "assume-role",
            "--role-arn",
            "arn:aws:iam::123456789012:role/demo",
            "--role-session-name=s1",
            "--policy-arns",
            "arn=arn:aws:iam::aws:policy/ReadOnlyAccess",
            "arn=arn:aws:iam::aws:policy/Billing",
            "--policy",
            "{\"Version\":\"2012-10-17\"}",
            "--duration-seconds",
            "900",
            "--tags",
            "Key=a,Value=b",
            "Key=c,Value=d",
            "--transitive-tag-keys",
            "a",
            "c",
            "--external-id",
            "ext-1",
            "--serial-number",
            "arn:aws:iam::123456789012:mfa/u",
            "--token-code",
            "123456",
            "--source-identity",
            "alice",
            "--provided-contexts",
            "ProviderArn=arn:aws:iam::aws:contextProvider/IdentityCenter,ContextAssertion=YWJjZA==",
            "--minimum-session-token-size",
            "100",
        ],
        action: "AssumeRole",
        result: format!(
            "{CREDS_XML}<AssumedRoleUser><AssumedRoleId>AROAEXAMPLE:s1</AssumedRoleId>\
             <Arn>arn:aws:sts::123456789012:assumed-role/demo/s1</Arn></AssumedRoleUser>\
             <PackedPolicySize>6</PackedPolicySize><SourceIdentity>alice</SourceIdentity>\
             <SessionTokenUtilization>40</SessionTokenUtilization><SessionTokenSize>812</SessionTokenSize>"
        ),
        params: with(
            "AssumeRole",
            &[
                ("RoleArn", "arn:aws:iam::123456789012:role/demo"),
                ("RoleSessionName", "s1"),
                (
                    "PolicyArns.member.1.arn",
                    "arn:aws:iam::aws:policy/ReadOnlyAccess",
                ),
                ("PolicyArns.member.2.arn", "arn:aws:iam::aws:policy/Billing"),
                ("Policy", "{\"Version\":\"2012-10-17\"}"),
                ("DurationSeconds", "900"),
                ("Tags.member.1.Key", "a"),
                ("Tags.member.1.Value", "b"),
                ("Tags.member.2.Key", "c"),
                ("Tags.member.2.Value", "d"),
                ("TransitiveTagKeys.member.1", "a"),
                ("TransitiveTagKeys.member.2", "c"),
                ("ExternalId", "ext-1"),
                ("SerialNumber", "arn:aws:iam::123456789012:mfa/u"),
                ("TokenCode", "123456"),
                ("SourceIdentity", "alice"),
                (
                    "ProvidedContexts.member.1.ProviderArn",
                    "arn:aws:iam::aws:contextProvider/IdentityCenter",
                ),
                ("ProvidedContexts.member.1.ContextAssertion", "YWJjZA=="),
                ("MinimumSessionTokenSize", "100"),
            ],
        ),
        json: format!(
            "{{\n{CREDS_JSON},\n    \"AssumedRoleUser\": {{\n        \"AssumedRoleId\": \"AROAEXAMPLE:s1\",\n        \
             \"Arn\": \"arn:aws:sts::123456789012:assumed-role/demo/s1\"\n    }},\n    \"PackedPolicySize\": 6,\n    \
             \"SourceIdentity\": \"alice\",\n    \"SessionTokenUtilization\": 40,\n    \"SessionTokenSize\": 812\n}}\n"
        ),
        text: format!(
            "6\t812\t40\talice\nASSUMEDROLEUSER\tarn:aws:sts::123456789012:assumed-role/demo/s1\tAROAEXAMPLE:s1\n{CREDS_TEXT}"
        ),
        env: Some(CREDS_ENV),
        signed: true,
    });
}

#[test]
fn assume_role_with_saml_all_formats() {
    let dir = tempdir("saml");
    let file = dir.join("assertion.b64");
    std::fs::write(&file, "PHNhbWw+YXNzZXJ0aW9uPC9zYW1sPg==").unwrap();
    let file_arg = format!("file://{}", file.display());
    check(Case {
        args: vec![
            "assume-role-with-saml",
            "--role-arn",
            "arn:aws:iam::123456789012:role/TestSaml",
            "--principal-arn",
            "arn:aws:iam::123456789012:saml-provider/SAML-test",
            "--saml-assertion",
            &file_arg,
            "--duration-seconds",
            "3600",
        ],
        action: "AssumeRoleWithSAML",
        result: format!(
            "{CREDS_XML}<AssumedRoleUser><AssumedRoleId>AROAEXAMPLE:u</AssumedRoleId>\
             <Arn>arn:aws:sts::123456789012:assumed-role/TestSaml/u</Arn></AssumedRoleUser>\
             <Subject>SamlExample</Subject><SubjectType>transient</SubjectType>\
             <Issuer>https://integ.example.com/idp/shibboleth</Issuer>\
             <Audience>https://signin.aws.amazon.com/saml</Audience><NameQualifier>SbdGOnUkh1i4+EXAMPLExL/jEvs=</NameQualifier>\
             <TrustedIdentityPropagationContext><OriginIdentity><Subject>sub-1</Subject>\
             <FederatedProviderArn>arn:aws:iam::123456789012:saml-provider/SAML-test</FederatedProviderArn></OriginIdentity>\
             <TransactionContext><IdentityProvider><entry><key>z</key><value>1</value></entry>\
             <entry><key>a</key><value>2</value></entry></IdentityProvider></TransactionContext>\
             </TrustedIdentityPropagationContext>"
        ),
        params: with(
            "AssumeRoleWithSAML",
            &[
                ("RoleArn", "arn:aws:iam::123456789012:role/TestSaml"),
                (
                    "PrincipalArn",
                    "arn:aws:iam::123456789012:saml-provider/SAML-test",
                ),
                ("SAMLAssertion", "PHNhbWw+YXNzZXJ0aW9uPC9zYW1sPg=="),
                ("DurationSeconds", "3600"),
            ],
        ),
        json: format!(
            "{{\n{CREDS_JSON},\n    \"AssumedRoleUser\": {{\n        \"AssumedRoleId\": \"AROAEXAMPLE:u\",\n        \
             \"Arn\": \"arn:aws:sts::123456789012:assumed-role/TestSaml/u\"\n    }},\n    \
             \"Subject\": \"SamlExample\",\n    \"SubjectType\": \"transient\",\n    \
             \"Issuer\": \"https://integ.example.com/idp/shibboleth\",\n    \
             \"Audience\": \"https://signin.aws.amazon.com/saml\",\n    \
             \"NameQualifier\": \"SbdGOnUkh1i4+EXAMPLExL/jEvs=\",\n    \
             \"TrustedIdentityPropagationContext\": {{\n        \"OriginIdentity\": {{\n            \
             \"Subject\": \"sub-1\",\n            \
             \"FederatedProviderArn\": \"arn:aws:iam::123456789012:saml-provider/SAML-test\"\n        }},\n        \
             \"TransactionContext\": {{\n            \"IdentityProvider\": {{\n                \"z\": \"1\",\n                \
             \"a\": \"2\"\n            }}\n        }}\n    }}\n}}\n"
        ),
        text: format!(
            "https://signin.aws.amazon.com/saml\thttps://integ.example.com/idp/shibboleth\t\
             SbdGOnUkh1i4+EXAMPLExL/jEvs=\tSamlExample\ttransient\n\
             ASSUMEDROLEUSER\tarn:aws:sts::123456789012:assumed-role/TestSaml/u\tAROAEXAMPLE:u\n{CREDS_TEXT}\
             ORIGINIDENTITY\tarn:aws:iam::123456789012:saml-provider/SAML-test\tsub-1\n\
             IDENTITYPROVIDER\t2\t1\n"
        ),
        env: Some(CREDS_ENV),
        signed: false,
    });
}

#[test]
fn assume_role_with_web_identity_all_formats() {
    let dir = tempdir("wit");
    let file = dir.join("token");
    std::fs::write(&file, "eyJhbGciOiJSUzI1NiJ9.e30.c2ln").unwrap();
    let file_arg = format!("file://{}", file.display());
    check(Case {
        args: vec![
            "--region",
            "eu-west-1",
            "assume-role-with-web-identity",
            "--role-arn",
            "arn:aws:iam::123456789012:role/FederatedWebIdentityRole",
            "--role-session-name",
            "app1",
            "--web-identity-token",
            &file_arg,
            "--provider-id",
            "www.amazon.com",
            "--policy",
            "{}",
        ],
        action: "AssumeRoleWithWebIdentity",
        result: format!(
            "<SubjectFromWebIdentityToken>amzn1.account.AF6RHO7KZU5XRVQJGXK6HEXAMPLE</SubjectFromWebIdentityToken>\
             <Audience>client.5498841531868486423.1548@apps.example.com</Audience>\
             <AssumedRoleUser><Arn>arn:aws:sts::123456789012:assumed-role/FederatedWebIdentityRole/app1</Arn>\
             <AssumedRoleId>AROACLKWSDQRAOEXAMPLE:app1</AssumedRoleId></AssumedRoleUser>{CREDS_XML}\
             <Provider>www.amazon.com</Provider>"
        ),
        params: with(
            "AssumeRoleWithWebIdentity",
            &[
                (
                    "RoleArn",
                    "arn:aws:iam::123456789012:role/FederatedWebIdentityRole",
                ),
                ("RoleSessionName", "app1"),
                ("WebIdentityToken", "eyJhbGciOiJSUzI1NiJ9.e30.c2ln"),
                ("ProviderId", "www.amazon.com"),
                ("Policy", "{}"),
            ],
        ),
        json: format!(
            "{{\n{CREDS_JSON},\n    \"SubjectFromWebIdentityToken\": \"amzn1.account.AF6RHO7KZU5XRVQJGXK6HEXAMPLE\",\n    \
             \"AssumedRoleUser\": {{\n        \"AssumedRoleId\": \"AROACLKWSDQRAOEXAMPLE:app1\",\n        \
             \"Arn\": \"arn:aws:sts::123456789012:assumed-role/FederatedWebIdentityRole/app1\"\n    }},\n    \
             \"Provider\": \"www.amazon.com\",\n    \
             \"Audience\": \"client.5498841531868486423.1548@apps.example.com\"\n}}\n"
        ),
        text: format!(
            "client.5498841531868486423.1548@apps.example.com\twww.amazon.com\t\
             amzn1.account.AF6RHO7KZU5XRVQJGXK6HEXAMPLE\n\
             ASSUMEDROLEUSER\tarn:aws:sts::123456789012:assumed-role/FederatedWebIdentityRole/app1\t\
             AROACLKWSDQRAOEXAMPLE:app1\n{CREDS_TEXT}"
        ),
        env: Some(CREDS_ENV),
        signed: false,
    });
}

#[test]
fn assume_root_all_formats() {
    check(Case {
        args: vec![
            "assume-root",
            "--target-principal",
            "111122223333",
            "--task-policy-arn",
            "arn=arn:aws:iam::aws:policy/root-task/IAMDeleteRootUserCredentials",
            "--duration-seconds",
            "900",
        ],
        action: "AssumeRoot",
        result: format!("{CREDS_XML}<SourceIdentity>admin</SourceIdentity>"),
        params: with(
            "AssumeRoot",
            &[
                ("TargetPrincipal", "111122223333"),
                (
                    "TaskPolicyArn.arn",
                    "arn:aws:iam::aws:policy/root-task/IAMDeleteRootUserCredentials",
                ),
                ("DurationSeconds", "900"),
            ],
        ),
        json: format!("{{\n{CREDS_JSON},\n    \"SourceIdentity\": \"admin\"\n}}\n"),
        text: format!("admin\n{CREDS_TEXT}"),
        env: Some(CREDS_ENV),
        signed: true,
    });
}

#[test]
fn decode_authorization_message_all_formats() {
    check(Case {
        args: vec!["decode-authorization-message", "--encoded-message", "abc-123_x"],
        action: "DecodeAuthorizationMessage",
        result: "<DecodedMessage>{&quot;allowed&quot;:false,&quot;context&quot;:{&quot;p&quot;:&quot;a\\b é&quot;}}</DecodedMessage>".into(),
        params: with("DecodeAuthorizationMessage", &[("EncodedMessage", "abc-123_x")]),
        json: "{\n    \"DecodedMessage\": \"{\\\"allowed\\\":false,\\\"context\\\":{\\\"p\\\":\\\"a\\\\b é\\\"}}\"\n}\n"
            .into(),
        text: "{\"allowed\":false,\"context\":{\"p\":\"a\\b é\"}}\n".into(),
        env: None,
        signed: true,
    });
}

#[test]
fn get_access_key_info_all_formats() {
    check(Case {
        args: vec![
            "get-access-key-info",
            "--access-key-id",
            "AKIAIOSFODNN7EXAMPLE",
        ],
        action: "GetAccessKeyInfo",
        result: "<Account>111122223333</Account>".into(),
        params: with(
            "GetAccessKeyInfo",
            &[("AccessKeyId", "AKIAIOSFODNN7EXAMPLE")],
        ),
        json: "{\n    \"Account\": \"111122223333\"\n}\n".into(),
        text: "111122223333\n".into(),
        env: None,
        signed: true,
    });
    // An empty result prints nothing, as the AWS CLI prints nothing for it.
    check(Case {
        args: vec![
            "get-access-key-info",
            "--access-key-id",
            "AKIAIOSFODNN7EXAMPLE",
        ],
        action: "GetAccessKeyInfo",
        result: String::new(),
        params: with(
            "GetAccessKeyInfo",
            &[("AccessKeyId", "AKIAIOSFODNN7EXAMPLE")],
        ),
        json: String::new(),
        text: String::new(),
        env: None,
        signed: true,
    });
}

#[test]
fn get_caller_identity_all_formats() {
    check(Case {
        args: vec!["get-caller-identity"],
        action: "GetCallerIdentity",
        result: "<Arn>arn:aws:iam::123456789012:user/alice</Arn><UserId>AIDAEXAMPLE</UserId>\
                 <Account>123456789012</Account>"
            .into(),
        params: base("GetCallerIdentity"),
        json: "{\n    \"UserId\": \"AIDAEXAMPLE\",\n    \"Account\": \"123456789012\",\n    \
               \"Arn\": \"arn:aws:iam::123456789012:user/alice\"\n}\n"
            .into(),
        text: "123456789012\tarn:aws:iam::123456789012:user/alice\tAIDAEXAMPLE\n".into(),
        env: None,
        signed: true,
    });
}

#[test]
fn get_delegated_access_token_all_formats() {
    check(Case {
        args: vec![
            "get-delegated-access-token",
            "--trade-in-token",
            "trade-in-xyz",
        ],
        action: "GetDelegatedAccessToken",
        result: format!(
            "{CREDS_XML}<AssumedPrincipal>arn:aws:sts::123456789012:assumed-role/r/s</AssumedPrincipal>"
        ),
        params: with(
            "GetDelegatedAccessToken",
            &[("TradeInToken", "trade-in-xyz")],
        ),
        json: format!(
            "{{\n{CREDS_JSON},\n    \"AssumedPrincipal\": \"arn:aws:sts::123456789012:assumed-role/r/s\"\n}}\n"
        ),
        text: format!("arn:aws:sts::123456789012:assumed-role/r/s\n{CREDS_TEXT}"),
        env: Some(CREDS_ENV),
        signed: true,
    });
}

#[test]
fn get_federation_token_all_formats_with_json_lists() {
    check(Case {
        args: vec![
            "get-federation-token",
            "--name",
            "Bob",
            "--policy-arns",
            "[{\"arn\": \"arn:aws:iam::aws:policy/ReadOnlyAccess\"}]",
            "--tags",
            "[{\"Key\": \"Project\", \"Value\": \"Pegasus\"}, {\"Key\": \"Cost\", \"Value\": \"\"}]",
            "--duration-seconds",
            "3600",
        ],
        action: "GetFederationToken",
        result: format!(
            "{CREDS_XML}<FederatedUser><FederatedUserId>123456789012:Bob</FederatedUserId>\
             <Arn>arn:aws:sts::123456789012:federated-user/Bob</Arn></FederatedUser>\
             <PackedPolicySize>4</PackedPolicySize>"
        ),
        params: with(
            "GetFederationToken",
            &[
                ("Name", "Bob"),
                (
                    "PolicyArns.member.1.arn",
                    "arn:aws:iam::aws:policy/ReadOnlyAccess",
                ),
                ("DurationSeconds", "3600"),
                ("Tags.member.1.Key", "Project"),
                ("Tags.member.1.Value", "Pegasus"),
                ("Tags.member.2.Key", "Cost"),
                ("Tags.member.2.Value", ""),
            ],
        ),
        json: format!(
            "{{\n{CREDS_JSON},\n    \"FederatedUser\": {{\n        \"FederatedUserId\": \"123456789012:Bob\",\n        \
             \"Arn\": \"arn:aws:sts::123456789012:federated-user/Bob\"\n    }},\n    \"PackedPolicySize\": 4\n}}\n"
        ),
        text: format!(
            "4\n{CREDS_TEXT}FEDERATEDUSER\tarn:aws:sts::123456789012:federated-user/Bob\t123456789012:Bob\n"
        ),
        env: Some(CREDS_ENV),
        signed: true,
    });
}

#[test]
fn get_scoped_credentials_all_formats() {
    check(Case {
        args: vec![
            "get-scoped-credentials",
            "--duration-seconds",
            "600",
            "--scoped-session-description",
            "nightly export",
        ],
        action: "GetScopedCredentials",
        result: format!(
            "{CREDS_XML}<SessionInfo><ScopedSessionId>AROAEXAMPLE:s</ScopedSessionId>\
             <Arn>arn:aws:sts::123456789012:assumed-role/r/s</Arn></SessionInfo>\
             <ScopedPoliciesCount>1</ScopedPoliciesCount>"
        ),
        params: with(
            "GetScopedCredentials",
            &[
                ("DurationSeconds", "600"),
                ("ScopedSessionDescription", "nightly export"),
            ],
        ),
        json: format!(
            "{{\n{CREDS_JSON},\n    \"SessionInfo\": {{\n        \"ScopedSessionId\": \"AROAEXAMPLE:s\",\n        \
             \"Arn\": \"arn:aws:sts::123456789012:assumed-role/r/s\"\n    }},\n    \"ScopedPoliciesCount\": 1\n}}\n"
        ),
        text: format!(
            "1\n{CREDS_TEXT}SESSIONINFO\tarn:aws:sts::123456789012:assumed-role/r/s\tAROAEXAMPLE:s\n"
        ),
        env: Some(CREDS_ENV),
        signed: true,
    });
}

#[test]
fn get_session_token_all_formats() {
    check(Case {
        args: vec![
            "get-session-token",
            "--serial-number",
            "arn:aws:iam::123456789012:mfa/alice",
            "--token-code",
            "123456",
        ],
        action: "GetSessionToken",
        result: CREDS_XML.to_owned(),
        params: with(
            "GetSessionToken",
            &[
                ("SerialNumber", "arn:aws:iam::123456789012:mfa/alice"),
                ("TokenCode", "123456"),
            ],
        ),
        json: format!("{{\n{CREDS_JSON}\n}}\n"),
        text: CREDS_TEXT.to_owned(),
        env: Some(CREDS_ENV),
        signed: true,
    });
}

/// The model leaves every output member optional: a GetSessionToken result with only
/// `SessionTokenUtilization` is a success with that member (as the AWS CLI prints it), not a
/// "missing GetSessionTokenResult/Credentials" failure.
#[test]
fn get_session_token_without_credentials_prints_what_came() {
    let fake = FakeSts::start(Reply::xml(
        200,
        success(
            "GetSessionToken",
            "<SessionTokenUtilization>12</SessionTokenUtilization>",
        ),
    ));
    let o = sts(&fake, &["get-session-token"]);
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    assert_eq!(stdout(&o), "{\n    \"SessionTokenUtilization\": 12\n}\n");
    let o = sts(&fake, &["get-session-token", "--output", "text"]);
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    assert_eq!(stdout(&o), "12\n");
}

#[test]
fn get_web_identity_token_all_formats() {
    check(Case {
        args: vec![
            "get-web-identity-token",
            "--audience",
            "https://a.example.com",
            "b",
            "--signing-algorithm",
            "ES384",
            "--subject-mode",
            "AWSIdentity",
            "--tags",
            "Key=k,Value=v",
        ],
        action: "GetWebIdentityToken",
        result: "<WebIdentityToken>eyJ.payload.sig</WebIdentityToken>\
                 <Expiration>2026-01-02T03:04:05.678Z</Expiration>"
            .into(),
        params: with(
            "GetWebIdentityToken",
            &[
                ("Audience.member.1", "https://a.example.com"),
                ("Audience.member.2", "b"),
                ("SigningAlgorithm", "ES384"),
                ("SubjectMode", "AWSIdentity"),
                ("Tags.member.1.Key", "k"),
                ("Tags.member.1.Value", "v"),
            ],
        ),
        json: "{\n    \"WebIdentityToken\": \"eyJ.payload.sig\",\n    \
               \"Expiration\": \"2026-01-02T03:04:05.678000+00:00\"\n}\n"
            .into(),
        text: "2026-01-02T03:04:05.678000+00:00\teyJ.payload.sig\n".into(),
        env: None,
        signed: true,
    });
}

fn tempdir(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("sts-cli-{}-{name}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

const USAGE: &str = "usage: sts [options] <command> [parameters]\nTo see help text, you can run:\n\n  \
sts help\n  sts <command> help\n";

/// An argparse error as AWS CLI v2 2.34+ prints it in the default `enhanced` format: the prefixed
/// line, the message, then the usage banner.
fn argparse_error(msg: &str) -> String {
    format!("\nsts: [ERROR]: An error occurred (ParamValidation): {msg}\n\n{USAGE}")
}

#[test]
fn usage_errors_exit_252() {
    let fake = FakeSts::start(caller_identity());
    let o = sts(
        &fake,
        &[
            "assume-role",
            "--role-arn",
            "arn:aws:iam::123456789012:role/x",
        ],
    );
    assert_eq!(code(&o), 252);
    assert_eq!(
        stderr(&o),
        argparse_error("the following arguments are required: --role-session-name")
    );
    let o = sts(&fake, &["assume-role"]);
    assert_eq!(
        stderr(&o),
        argparse_error("the following arguments are required: --role-arn, --role-session-name")
    );
    let o = sts(&fake, &["get-caller-identity", "--bogus", "x"]);
    assert_eq!(code(&o), 252);
    // As awscli's UnknownArgumentErrorHandler: the usage banner, then the prefixed line.
    assert_eq!(
        stderr(&o),
        format!("\n{USAGE}\n\nsts: [ERROR]: Unknown options: --bogus, x\n")
    );
    let o = sts(&fake, &["no-such-command"]);
    assert_eq!(code(&o), 252);
    assert_eq!(
        stderr(&o),
        argparse_error("argument operation: Found invalid choice 'no-such-command'\n")
    );
    // A typo: v2's CLIArgParser names the value, then difflib's close matches.
    let o = sts(&fake, &["assume-rol"]);
    assert_eq!(code(&o), 252);
    assert_eq!(
        stderr(&o),
        argparse_error(
            "argument operation: Found invalid choice 'assume-rol'\n\nMaybe you meant:\n\n  \
             * assume-role\n  * assume-root"
        )
    );
    let o = sts(&fake, &[]);
    assert_eq!(code(&o), 252);
    assert_eq!(
        stderr(&o),
        argparse_error("the following arguments are required: operation")
    );
    // awscli converts integers with Python's int(): its ValueError is a general error (255).
    let o = sts(&fake, &["get-session-token", "--duration-seconds", "1h"]);
    assert_eq!(code(&o), 255);
    assert_eq!(
        stderr(&o),
        "\nsts: [ERROR]: invalid literal for int() with base 10: '1h'\n"
    );
    // ... and the timeouts too (v2 declares them int but converts them with int() once the
    // global options are read: globalargs.py).
    let o = sts(&fake, &["get-caller-identity", "--cli-read-timeout", "abc"]);
    assert_eq!(code(&o), 255);
    assert_eq!(
        stderr(&o),
        "\nsts: [ERROR]: invalid literal for int() with base 10: 'abc'\n"
    );
    let o = sts(
        &fake,
        &["get-caller-identity", "--endpoint-url", "not-a-url"],
    );
    assert_eq!(code(&o), 252);
    assert_eq!(
        stderr(&o),
        "\nsts: [ERROR]: An error occurred (ParamValidation): Bad value for --endpoint-url \"not-a-url\": scheme is missing.  Must be of the form \
         http://<hostname>/ or https://<hostname>/\n"
    );
    let o = sts(&fake, &["get-caller-identity", "--output", "xml"]);
    assert_eq!(code(&o), 252);
    assert_eq!(
        stderr(&o),
        argparse_error("argument --output: Found invalid choice 'xml'\n")
    );
    let o = sts(&fake, &["get-caller-identity", "--region"]);
    assert_eq!(code(&o), 252);
    assert_eq!(
        stderr(&o),
        argparse_error("argument --region: expected one argument")
    );
    let o = sts(
        &fake,
        &[
            "get-federation-token",
            "--name",
            "Bob",
            "--policy",
            "file:///nonexistent/policy.json",
        ],
    );
    assert_eq!(code(&o), 252);
    assert_eq!(
        stderr(&o),
        "\nsts: [ERROR]: An error occurred (ParamValidation): Error parsing parameter '--policy': Unable to load paramfile \
         file:///nonexistent/policy.json: [Errno 2] No such file or directory: \
         '/nonexistent/policy.json'\n"
    );
    let o = sts(
        &fake,
        &["get-federation-token", "--name", "Bob", "--tags", "Key=a"],
    );
    assert_eq!(code(&o), 252);
    assert_eq!(
        stderr(&o),
        "\nsts: [ERROR]: An error occurred (ParamValidation): Parameter validation failed:\nMissing required parameter in Tags[0]: \"Value\"\n"
    );
    let o = sts(
        &fake,
        &[
            "get-federation-token",
            "--name",
            "Bob",
            "--tags",
            "Key=a,Valu=b",
        ],
    );
    assert_eq!(
        stderr(&o),
        "\nsts: [ERROR]: An error occurred (ParamValidation): Parameter validation failed:\nMissing required parameter in Tags[0]: \"Value\"\n\
         Unknown parameter in Tags[0]: \"Valu\", must be one of: Key, Value\n"
    );
    // A model constraint checked by the library.
    let o = sts(&fake, &["get-federation-token", "--name", "B"]);
    assert_eq!(code(&o), 252);
    assert_eq!(
        stderr(&o),
        "\nsts: [ERROR]: An error occurred (ParamValidation): Parameter validation failed:\nInvalid length for parameter Name, value: 1, valid min length: 2\n"
    );
    assert_eq!(fake.count(), 0, "no usage error sends a request");
}

#[test]
fn no_credentials_exit_253() {
    let fake = FakeSts::start(caller_identity());
    let url = fake.url();
    let o = sts_env(
        &[("AWS_REGION", "us-east-1"), ("AWS_ENDPOINT_URL_STS", &url)],
        &["get-caller-identity"],
    );
    assert_eq!(code(&o), 253);
    assert_eq!(stderr(&o), NO_CREDENTIALS);
    let o = sts_env(
        &[("AWS_REGION", "us-east-1"), ("AWS_ENDPOINT_URL_STS", &url)],
        &["get-caller-identity", "--debug"],
    );
    assert_eq!(code(&o), 253);
    assert_eq!(stderr(&o), NO_CREDENTIALS_DEBUG);
    // Unsigned operations need none.
    fake.set_fallback(Reply::xml(
        200,
        success("AssumeRoleWithWebIdentity", CREDS_XML),
    ));
    let o = sts_env(
        &[("AWS_REGION", "us-east-1"), ("AWS_ENDPOINT_URL_STS", &url)],
        &[
            "assume-role-with-web-identity",
            "--role-arn",
            "arn:aws:iam::123456789012:role/demo",
            "--role-session-name",
            "s1",
            "--web-identity-token",
            "token-1234",
            "--output",
            "env",
        ],
    );
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    assert_eq!(stdout(&o), CREDS_ENV);
    // A profile that does not exist: botocore's ProfileNotFound, a general error.
    let o = sts(&fake, &["--profile", "dev", "get-caller-identity"]);
    assert_eq!(code(&o), 255);
    assert_eq!(
        stderr(&o),
        "\nsts: [ERROR]: The config profile (dev) could not be found\n"
    );
    // Partial credentials, in botocore's words.
    let o = sts_env(
        &[
            ("AWS_ACCESS_KEY_ID", "AKID"),
            ("AWS_REGION", "us-east-1"),
            ("AWS_ENDPOINT_URL_STS", &url),
        ],
        &["get-caller-identity"],
    );
    assert_eq!(code(&o), 255);
    assert_eq!(
        stderr(&o),
        "\nsts: [ERROR]: Partial credentials found in env, missing: AWS_SECRET_ACCESS_KEY\n"
    );
    // A custom endpoint and no region: nothing to sign for.
    let before = fake.count();
    let o = sts_env(
        &[
            ("AWS_ACCESS_KEY_ID", "AKID"),
            ("AWS_SECRET_ACCESS_KEY", "s"),
            ("AWS_ENDPOINT_URL_STS", &url),
        ],
        &["get-caller-identity"],
    );
    assert_eq!(code(&o), 253);
    assert_eq!(
        stderr(&o),
        "\nsts: [ERROR]: An error occurred (NoRegion): You must specify a region. You can also configure your region by running \
         \"aws configure\".\n"
    );
    assert_eq!(fake.count(), before, "nothing sent");
}

#[test]
fn service_error_exit_254() {
    let fake = FakeSts::start(Reply::xml(
        403,
        error_body(
            "AccessDenied",
            "User: arn:aws:iam::123456789012:user/alice is not authorized",
        ),
    ));
    let o = sts(
        &fake,
        &[
            "assume-role",
            "--role-arn",
            "arn:aws:iam::123456789012:role/demo",
            "--role-session-name",
            "s1",
        ],
    );
    assert_eq!(code(&o), 254);
    assert_eq!(stdout(&o), "");
    assert_eq!(
        stderr(&o),
        "\nsts: [ERROR]: An error occurred (AccessDenied) when calling the AssumeRole operation: \
         User: arn:aws:iam::123456789012:user/alice is not authorized\n"
    );
    assert!(!stderr(&o).contains("test-secret"));
}

#[test]
fn connection_refused_exit_255() {
    let port = {
        let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        l.local_addr().unwrap().port()
    };
    let url = format!("http://127.0.0.1:{port}");
    let o = sts_env(
        &[
            ("AWS_ACCESS_KEY_ID", "AKID"),
            ("AWS_SECRET_ACCESS_KEY", "s"),
            ("AWS_REGION", "us-east-1"),
            ("AWS_MAX_ATTEMPTS", "1"),
        ],
        &["get-caller-identity", "--endpoint-url", &url],
    );
    assert_eq!(code(&o), 255);
    assert_eq!(
        stderr(&o),
        format!("\nsts: [ERROR]: Could not connect to the endpoint URL: \"{url}/\"\n")
    );
}

#[test]
fn global_flags_before_and_after_the_command() {
    let fake = FakeSts::start(caller_identity());
    let expected = "123456789012\tarn:aws:iam::123456789012:user/alice\tAIDAEXAMPLE\n";
    for args in [
        &[
            "--region",
            "eu-west-1",
            "--output",
            "text",
            "get-caller-identity",
        ][..],
        &["get-caller-identity", "--output=text", "--region=eu-west-1"][..],
        &[
            "--output",
            "text",
            "get-caller-identity",
            "--region",
            "eu-west-1",
            "--no-paginate",
        ][..],
    ] {
        let before = fake.count();
        let o = sts(&fake, args);
        assert_eq!(code(&o), 0, "{args:?}: {}", stderr(&o));
        assert_eq!(stdout(&o), expected);
        let auth = fake.requests()[before]
            .header("authorization")
            .unwrap()
            .to_owned();
        assert!(auth.contains("/eu-west-1/sts/aws4_request"), "{auth}");
    }
    // --endpoint-url overrides AWS_ENDPOINT_URL_STS.
    let other = FakeSts::start(caller_identity());
    let url = other.url();
    let o = sts(&fake, &["get-caller-identity", "--endpoint-url", &url]);
    assert_eq!(code(&o), 0);
    assert_eq!(other.count(), 1);
    // AWS_DEFAULT_OUTPUT picks the format; --output wins over it.
    let furl = fake.url();
    let env = [
        ("AWS_ACCESS_KEY_ID", "AKID"),
        ("AWS_SECRET_ACCESS_KEY", "s"),
        ("AWS_REGION", "us-east-1"),
        ("AWS_ENDPOINT_URL_STS", furl.as_str()),
        ("AWS_DEFAULT_OUTPUT", "text"),
    ];
    assert_eq!(stdout(&sts_env(&env, &["get-caller-identity"])), expected);
    assert!(
        stdout(&sts_env(&env, &["get-caller-identity", "--output", "json"])).starts_with("{\n")
    );
}

#[test]
fn file_values_and_policy_text_are_sent_verbatim() {
    let fake = FakeSts::start(Reply::xml(200, success("AssumeRole", CREDS_XML)));
    let dir = tempdir("policy");
    let policy = "{\n  \"Version\": \"2012-10-17\",\n  \"Statement\": [{\"Effect\": \"Allow\", \
                  \"Action\": \"s3:GetObject\", \"Resource\": \"*\", \"Sid\": \"café crème\"}]\n}\n";
    let file = dir.join("policy.json");
    std::fs::write(&file, policy).unwrap();
    let file_arg = format!("file://{}", file.display());
    let o = sts(
        &fake,
        &[
            "assume-role",
            "--role-arn",
            "arn:aws:iam::123456789012:role/demo",
            "--role-session-name",
            "s1",
            "--policy",
            &file_arg,
        ],
    );
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    assert_eq!(fake.requests()[0].param("Policy").as_deref(), Some(policy));
}

#[test]
fn debug_prints_attempts_without_secrets() {
    let fake = FakeSts::start(caller_identity());
    let url = fake.url();
    let o = sts_env(
        &[
            ("AWS_ACCESS_KEY_ID", "AKIDEXAMPLE"),
            ("AWS_SECRET_ACCESS_KEY", "test-secret"),
            ("AWS_SESSION_TOKEN", "the-session-token"),
            ("AWS_REGION", "us-east-1"),
            ("AWS_ENDPOINT_URL_STS", &url),
        ],
        &["get-caller-identity", "--debug"],
    );
    assert_eq!(code(&o), 0);
    let err = stderr(&o);
    assert!(
        err.contains(&format!(
            "sts: debug: GetCallerIdentity attempt 1/3: POST {url}/"
        )),
        "{err}"
    );
    assert!(
        err.contains("sts: debug: canonical request:\n    POST\n    /\n"),
        "{err}"
    );
    assert!(
        err.contains("sts: debug: string to sign:\n    AWS4-HMAC-SHA256\n"),
        "{err}"
    );
    assert!(err.contains("sts: debug: HTTP 200 in "), "{err}");
    assert!(
        !err.contains("test-secret") && !err.contains("the-session-token"),
        "{err}"
    );
    assert!(stdout(&o).starts_with("{\n    \"UserId\""));
}

#[test]
fn version_and_help_exit_0() {
    let fake = FakeSts::start(caller_identity());
    let o = sts(&fake, &["--version"]);
    assert_eq!(code(&o), 0);
    assert!(stdout(&o).starts_with(&format!("sts-blocking/{} ", env!("CARGO_PKG_VERSION"))));
    for name in COMMANDS {
        for args in [
            &[name, "help"][..],
            &[name, "--help"][..],
            &["help", name][..],
        ] {
            let o = sts(&fake, args);
            assert_eq!(code(&o), 0, "{args:?}");
            let page = stdout(&o);
            for section in [
                "NAME\n",
                "DESCRIPTION\n",
                "SYNOPSIS\n",
                "OPTIONS\n",
                "EXAMPLES\n",
                "OUTPUT\n",
            ] {
                assert!(page.contains(section), "{name}: {section}");
            }
            assert!(
                page.starts_with(&format!("NAME\n       {name} - ")),
                "{name}"
            );
        }
    }
    assert_eq!(fake.count(), 0);
}

const COMMANDS: [&str; 14] = [
    "assume-role",
    "assume-role-with-saml",
    "assume-role-with-web-identity",
    "assume-root",
    "decode-authorization-message",
    "eks-token",
    "get-access-key-info",
    "get-caller-identity",
    "get-delegated-access-token",
    "get-federation-token",
    "get-scoped-credentials",
    "get-session-token",
    "get-web-identity-token",
    "vault-login-data",
];

fn golden(name: &str, actual: &str) {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/golden")
        .join(name);
    if std::env::var_os("UPDATE_GOLDEN").is_some() {
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(&path, actual).unwrap();
        return;
    }
    let expected = std::fs::read_to_string(&path)
        .unwrap_or_else(|_| panic!("{} missing: run with UPDATE_GOLDEN=1", path.display()));
    assert_eq!(
        actual, expected,
        "{name} differs (UPDATE_GOLDEN=1 rewrites it)"
    );
}

#[test]
fn help_pages_match_golden_files() {
    let fake = FakeSts::start(caller_identity());
    let tool = stdout(&sts(&fake, &["help"]));
    assert_eq!(stdout(&sts(&fake, &["--help"])), tool);
    golden("help.txt", &tool);
    for name in [
        "assume-role",
        "get-caller-identity",
        "assume-root",
        "get-web-identity-token",
        "eks-token",
        "vault-login-data",
    ] {
        golden(
            &format!("{name}.help.txt"),
            &stdout(&sts(&fake, &[name, "help"])),
        );
    }
}

#[test]
fn completion_scripts_cover_every_command_and_flag() {
    let fake = FakeSts::start(caller_identity());
    for shell in ["bash", "zsh"] {
        let o = sts(&fake, &["completion", shell]);
        assert_eq!(code(&o), 0);
        let script = stdout(&o);
        for name in COMMANDS {
            assert!(script.contains(name), "{shell}: {name}");
        }
        for flag in [
            "--role-arn",
            "--web-identity-token",
            "--task-policy-arn",
            "--subject-mode",
            "--region",
            "--output",
            "--cli-read-timeout",
            "--cluster-name",
            "--cluster-id",
            "--server-id",
        ] {
            assert!(script.contains(flag), "{shell}: {flag}");
        }
    }
    let bash = stdout(&sts(&fake, &["completion", "bash"]));
    assert!(bash.ends_with("complete -F _sts sts\n"));
    if let Ok(o) = Command::new("bash").arg("-n").arg("-c").arg(&bash).output() {
        assert!(
            o.status.success(),
            "bash -n: {}",
            String::from_utf8_lossy(&o.stderr)
        );
    }
    let zsh = stdout(&sts(&fake, &["completion", "zsh"]));
    match Command::new("zsh").arg("-n").arg("-c").arg(&zsh).output() {
        Ok(o) => assert!(
            o.status.success(),
            "zsh -n: {}",
            String::from_utf8_lossy(&o.stderr)
        ),
        Err(_) => println!("completion: zsh not installed, skipping its syntax check"),
    }
    let fish = stdout(&sts(&fake, &["completion", "fish"]));
    for name in COMMANDS {
        assert!(
            fish.contains(&format!("-n __fish_use_subcommand -a {name} ")),
            "fish: {name}"
        );
    }
    assert!(fish.contains("complete -c sts -l profile -x -a '(__sts_profiles)'"));
    match Command::new("fish")
        .arg("--no-execute")
        .arg("-c")
        .arg(&fish)
        .output()
    {
        Ok(o) => assert!(
            o.status.success(),
            "fish --no-execute: {}",
            String::from_utf8_lossy(&o.stderr)
        ),
        Err(_) => println!("completion: fish not installed, skipping its syntax check"),
    }
    let o = sts(&fake, &["completion", "tcsh"]);
    assert_eq!(code(&o), 252);
}

// ---- eks-token and vault-login-data ------------------------------------------------------------

/// Base64 decoding written here, independent of the library's: standard (`+/`, padded) or
/// URL-safe (`-_`, unpadded) alphabet.
fn b64(s: &str, url_safe: bool) -> Vec<u8> {
    let (a, b) = if url_safe { (b'-', b'_') } else { (b'+', b'/') };
    let val = |c: u8| -> u32 {
        match c {
            b'A'..=b'Z' => u32::from(c - b'A'),
            b'a'..=b'z' => u32::from(c - b'a') + 26,
            b'0'..=b'9' => u32::from(c - b'0') + 52,
            c if c == a => 62,
            c if c == b => 63,
            _ => panic!("not base64: {c:?} in {s}"),
        }
    };
    let data = s.trim_end_matches('=').as_bytes();
    assert_eq!(url_safe, !s.ends_with('='), "padding: {s}");
    let mut out = Vec::new();
    for chunk in data.chunks(4) {
        let n = chunk
            .iter()
            .enumerate()
            .fold(0u32, |n, (i, &c)| n | (val(c) << (18 - 6 * i)));
        let bytes = [(n >> 16) as u8, (n >> 8) as u8, n as u8];
        out.extend_from_slice(&bytes[..chunk.len() - 1]);
    }
    out
}

fn b64_text(s: &str, url_safe: bool) -> String {
    String::from_utf8(b64(s, url_safe)).expect("UTF-8")
}

/// The query parameters of a URL, percent-decoded.
fn query(url: &str) -> Vec<(String, String)> {
    let (_, q) = url.split_once('?').expect("query");
    support::form_decode(q)
}

fn qparam<'a>(q: &'a [(String, String)], key: &str) -> &'a str {
    q.iter()
        .find(|(k, _)| k == key)
        .map(|(_, v)| v.as_str())
        .unwrap_or_else(|| panic!("{key} missing from {q:?}"))
}

/// The presigned URL inside an ExecCredential printed by `sts eks-token`, after checking the
/// document's structure and expiration.
fn exec_credential(o: &Output, api_version: &str) -> String {
    assert_eq!(code(o), 0, "{}", stderr(o));
    assert_eq!(stderr(o), "");
    let out = stdout(o);
    assert!(out.ends_with("}\n") && out.lines().count() == 1, "{out}");
    let v: serde_json::Value = serde_json::from_str(&out).expect("JSON");
    assert_eq!(v["kind"], "ExecCredential");
    assert_eq!(v["apiVersion"], api_version);
    assert_eq!(v["spec"], serde_json::json!({}));
    let exp = v["status"]["expirationTimestamp"]
        .as_str()
        .expect("expiration");
    assert!(exp.ends_with('Z') && exp.len() == 20, "{exp}");
    let exp = time::OffsetDateTime::parse(exp, &time::format_description::well_known::Rfc3339)
        .expect("RFC 3339");
    let want = time::OffsetDateTime::now_utc() + time::Duration::minutes(14);
    assert!(
        (exp - want).abs() <= time::Duration::minutes(1),
        "{exp} vs {want}"
    );
    let token = v["status"]["token"].as_str().expect("token");
    let encoded = token
        .strip_prefix("k8s-aws-v1.")
        .expect("k8s-aws-v1. prefix");
    assert!(!encoded.contains('='), "unpadded");
    b64_text(encoded, true)
}

#[test]
fn eks_token_prints_an_exec_credential() {
    let fake = FakeSts::start(caller_identity());
    let default = "client.authentication.k8s.io/v1beta1";
    // Flags before or after the command, --cluster-id as an alias, --output ignored.
    for args in [
        &[
            "eks-token",
            "--cluster-name",
            "my-cluster",
            "--region",
            "eu-west-1",
        ][..],
        &["--region=eu-west-1", "eks-token", "--cluster-id=my-cluster"][..],
        &[
            "--output",
            "text",
            "--region",
            "eu-west-1",
            "eks-token",
            "--cluster-name",
            "my-cluster",
        ][..],
        &[
            "eks-token",
            "--cluster-name",
            "my-cluster",
            "--region",
            "eu-west-1",
            "--output",
            "env",
        ][..],
    ] {
        let url = exec_credential(&sts(&fake, args), default);
        assert!(
            url.starts_with("https://sts.eu-west-1.amazonaws.com/?"),
            "{args:?}: {url}"
        );
        let q = query(&url);
        assert_eq!(qparam(&q, "Action"), "GetCallerIdentity");
        assert_eq!(qparam(&q, "Version"), "2011-06-15");
        assert_eq!(qparam(&q, "X-Amz-Expires"), "60");
        assert_eq!(qparam(&q, "X-Amz-Algorithm"), "AWS4-HMAC-SHA256");
        let signed: Vec<&str> = qparam(&q, "X-Amz-SignedHeaders").split(';').collect();
        assert!(signed.contains(&"x-k8s-aws-id"), "{signed:?}");
        assert!(signed.contains(&"host"), "{signed:?}");
        let cred = qparam(&q, "X-Amz-Credential");
        assert!(
            cred.starts_with("AKIDEXAMPLE/") && cred.ends_with("/eu-west-1/sts/aws4_request"),
            "{cred}"
        );
        assert_eq!(qparam(&q, "X-Amz-Signature").len(), 64);
        assert!(!url.contains("X-Amz-Security-Token"), "{url}");
        assert!(!url.contains("test-secret"));
    }
    // AWS_DEFAULT_OUTPUT does not change the document; KUBERNETES_EXEC_INFO picks the apiVersion.
    let furl = fake.url();
    let base = [
        ("AWS_ACCESS_KEY_ID", "AKIDEXAMPLE"),
        ("AWS_SECRET_ACCESS_KEY", "test-secret"),
        ("AWS_REGION", "us-east-1"),
        ("AWS_ENDPOINT_URL_STS", furl.as_str()),
        ("AWS_DEFAULT_OUTPUT", "text"),
    ];
    let url = exec_credential(
        &sts_env(&base, &["eks-token", "--cluster-name", "c1"]),
        default,
    );
    // The regional endpoint, whatever the configured endpoint URL.
    assert!(
        url.starts_with("https://sts.us-east-1.amazonaws.com/?"),
        "{url}"
    );
    for (info, want) in [
        (
            r#"{"kind":"ExecCredential","apiVersion":"client.authentication.k8s.io/v1","spec":{"interactive":false}}"#,
            "client.authentication.k8s.io/v1",
        ),
        (
            r#"{"apiVersion":"client.authentication.k8s.io/v1beta1"}"#,
            "client.authentication.k8s.io/v1beta1",
        ),
        ("not json", default),
    ] {
        let mut env = base.to_vec();
        env.push(("KUBERNETES_EXEC_INFO", info));
        exec_credential(&sts_env(&env, &["eks-token", "--cluster-name", "c1"]), want);
    }
    // Temporary credentials: the session token is in the URL.
    let mut env = base.to_vec();
    env.push(("AWS_SESSION_TOKEN", "the-session-token"));
    let url = exec_credential(
        &sts_env(&env, &["eks-token", "--cluster-name", "c1"]),
        default,
    );
    assert_eq!(
        qparam(&query(&url), "X-Amz-Security-Token"),
        "the-session-token"
    );
    assert_eq!(fake.count(), 0, "an EKS token is signed locally");
    // Usage errors.
    let o = sts(&fake, &["eks-token"]);
    assert_eq!(code(&o), 252);
    assert_eq!(
        stderr(&o),
        format!(
            "\nsts: [ERROR]: An error occurred (ParamValidation): the following arguments are \
             required: --cluster-name/--cluster-id\n\n{USAGE}"
        )
    );
    let o = sts(&fake, &["eks-token", "--cluster-name", " bad"]);
    assert_eq!(code(&o), 252, "{}", stderr(&o));
    assert_eq!(stdout(&o), "");
    assert_eq!(fake.count(), 0);
}

#[test]
fn eks_token_with_role_arn_assumes_the_role_first() {
    let fake = FakeSts::start(Reply::xml(200, success("AssumeRole", CREDS_XML)));
    let role = "arn:aws:iam::123456789012:role/eks-admins";
    let o = sts(
        &fake,
        &[
            "eks-token",
            "--role-arn",
            role,
            "--cluster-name",
            "prod",
            "--region",
            "eu-central-1",
        ],
    );
    let url = exec_credential(&o, "client.authentication.k8s.io/v1beta1");
    let reqs = fake.requests();
    assert_eq!(reqs.len(), 1);
    assert_eq!(
        reqs[0].params(),
        with(
            "AssumeRole",
            &[("RoleArn", role), ("RoleSessionName", "EKSGetTokenAuth")]
        )
    );
    let auth = reqs[0].header("authorization").expect("signed");
    assert!(
        auth.contains("Credential=AKIDEXAMPLE/") && auth.contains("/eu-central-1/sts/aws4_request"),
        "{auth}"
    );
    // The token is signed with the role's credentials, for the same region.
    assert!(
        url.starts_with("https://sts.eu-central-1.amazonaws.com/?"),
        "{url}"
    );
    let q = query(&url);
    let cred = qparam(&q, "X-Amz-Credential");
    assert!(
        cred.starts_with("ASIAFAKEEXAMPLE00001/")
            && cred.ends_with("/eu-central-1/sts/aws4_request"),
        "{cred}"
    );
    assert_eq!(qparam(&q, "X-Amz-Security-Token"), "fake-session-token");
    assert!(!url.contains("fake-secret-key"));
    // A refused AssumeRole: exit 254 and the AWS CLI's error line.
    fake.set_fallback(Reply::xml(
        403,
        error_body("AccessDenied", "not authorized to perform sts:AssumeRole"),
    ));
    let o = sts(
        &fake,
        &["eks-token", "--cluster-name", "prod", "--role-arn", role],
    );
    assert_eq!(code(&o), 254);
    assert_eq!(stdout(&o), "");
    assert_eq!(
        stderr(&o),
        "\nsts: [ERROR]: An error occurred (AccessDenied) when calling the AssumeRole operation: \
         not authorized to perform sts:AssumeRole\n"
    );
}

/// The decoded parts of `sts vault-login-data` output: (keys in order, url, body, headers, role).
fn vault_data(
    o: &Output,
) -> (
    Vec<String>,
    String,
    String,
    serde_json::Value,
    Option<String>,
) {
    assert_eq!(code(o), 0, "{}", stderr(o));
    assert_eq!(stderr(o), "");
    let out = stdout(o);
    assert!(out.ends_with("}\n") && out.lines().count() == 1, "{out}");
    let v: serde_json::Value = serde_json::from_str(&out).expect("JSON");
    let obj = v.as_object().expect("object");
    // Keys in the order printed (Go's json.Marshal order).
    let mut keys: Vec<(usize, String)> = obj
        .keys()
        .map(|k| (out.find(&format!("\"{k}\":")).expect("key"), k.clone()))
        .collect();
    keys.sort();
    let keys = keys.into_iter().map(|(_, k)| k).collect();
    assert_eq!(v["iam_http_request_method"], "POST");
    let field = |k: &str| v[k].as_str().unwrap_or_else(|| panic!("{k}")).to_owned();
    let headers = b64_text(&field("iam_request_headers"), false);
    let headers: serde_json::Value = serde_json::from_str(&headers).expect("headers JSON");
    (
        keys,
        b64_text(&field("iam_request_url"), false),
        b64_text(&field("iam_request_body"), false),
        headers,
        v.get("role").map(|r| r.as_str().expect("role").to_owned()),
    )
}

/// A header of a Go `http.Header` JSON, by case-insensitive name: its one value.
fn go_header<'a>(headers: &'a serde_json::Value, name: &str) -> Option<&'a str> {
    let (_, values) = headers
        .as_object()
        .expect("object")
        .iter()
        .find(|(k, _)| k.eq_ignore_ascii_case(name))?;
    let values = values.as_array().expect("array of values");
    assert_eq!(values.len(), 1, "{name}: {values:?}");
    Some(values[0].as_str().expect("string"))
}

#[test]
fn vault_login_data_prints_the_signed_request() {
    let fake = FakeSts::start(caller_identity());
    let furl = fake.url();
    for args in [
        &[
            "vault-login-data",
            "--server-id",
            "vault.example.com",
            "--role",
            "dev-role",
        ][..],
        &[
            "--output",
            "text",
            "vault-login-data",
            "--role=dev-role",
            "--server-id=vault.example.com",
        ][..],
    ] {
        let (keys, url, body, headers, role) = vault_data(&sts(&fake, args));
        assert_eq!(
            keys,
            [
                "iam_http_request_method",
                "iam_request_body",
                "iam_request_headers",
                "iam_request_url",
                "role"
            ],
            "{args:?}"
        );
        assert_eq!(url, format!("{furl}/"));
        assert_eq!(body, "Action=GetCallerIdentity&Version=2011-06-15");
        assert_eq!(role.as_deref(), Some("dev-role"));
        assert_eq!(
            go_header(&headers, "X-Vault-AWS-IAM-Server-ID"),
            Some("vault.example.com")
        );
        assert_eq!(
            go_header(&headers, "Content-Type"),
            Some("application/x-www-form-urlencoded; charset=utf-8")
        );
        assert!(go_header(&headers, "X-Amz-Date").is_some());
        assert!(go_header(&headers, "Host").is_none());
        let auth = go_header(&headers, "Authorization").expect("Authorization");
        assert!(
            auth.starts_with("AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/")
                && auth.contains("/us-east-1/sts/aws4_request"),
            "{auth}"
        );
        let signed = auth
            .split("SignedHeaders=")
            .nth(1)
            .and_then(|s| s.split(',').next())
            .expect("SignedHeaders");
        let signed: Vec<&str> = signed.split(';').collect();
        assert!(signed.contains(&"x-vault-aws-iam-server-id"), "{signed:?}");
        assert!(
            signed.contains(&"host") && signed.contains(&"x-amz-date"),
            "{signed:?}"
        );
    }
    // Without --server-id and --role: no server id header, no role member.
    let (keys, _, _, headers, role) = vault_data(&sts(&fake, &["vault-login-data"]));
    assert_eq!(keys.len(), 4);
    assert_eq!(role, None);
    assert_eq!(go_header(&headers, "X-Vault-AWS-IAM-Server-ID"), None);
    let auth = go_header(&headers, "Authorization").expect("Authorization");
    assert!(!auth.contains("x-vault-aws-iam-server-id"), "{auth}");
    // Temporary credentials: the session token is sent along; aws-global signs for us-east-1.
    let o = sts_env(
        &[
            ("AWS_ACCESS_KEY_ID", "AKIDEXAMPLE"),
            ("AWS_SECRET_ACCESS_KEY", "test-secret"),
            ("AWS_SESSION_TOKEN", "the-session-token"),
            ("AWS_REGION", "aws-global"),
        ],
        &["vault-login-data", "--server-id", "vault.example.com"],
    );
    let (_, url, _, headers, _) = vault_data(&o);
    assert_eq!(url, "https://sts.amazonaws.com/");
    assert_eq!(
        go_header(&headers, "X-Amz-Security-Token"),
        Some("the-session-token")
    );
    let auth = go_header(&headers, "Authorization").expect("Authorization");
    assert!(auth.contains("/us-east-1/sts/aws4_request"), "{auth}");
    assert!(!stdout(&o).contains("test-secret"));
    assert_eq!(fake.count(), 0, "login data is signed locally");
}

#[test]
fn identity_documents_without_credentials_exit_253_and_without_region_use_the_global_endpoint() {
    let fake = FakeSts::start(caller_identity());
    let url = fake.url();
    for args in [
        &["eks-token", "--cluster-name", "c1"][..],
        &["vault-login-data", "--role", "dev"][..],
    ] {
        let o = sts_env(
            &[("AWS_REGION", "us-east-1"), ("AWS_ENDPOINT_URL_STS", &url)],
            args,
        );
        assert_eq!(code(&o), 253, "{args:?}");
        assert_eq!(stdout(&o), "");
        assert_eq!(stderr(&o), NO_CREDENTIALS);
        // No region: signed for the global endpoint (aws eks get-token does the same; it is
        // Vault's default sts_endpoint).
        let o = sts_env(
            &[
                ("AWS_ACCESS_KEY_ID", "AKID"),
                ("AWS_SECRET_ACCESS_KEY", "s"),
            ],
            args,
        );
        assert_eq!(code(&o), 0, "{args:?}: {}", stderr(&o));
        let doc: serde_json::Value = serde_json::from_str(&stdout(&o)).unwrap();
        let url = match doc["status"]["token"].as_str() {
            Some(t) => b64_text(t.strip_prefix("k8s-aws-v1.").unwrap(), true),
            None => b64_text(doc["iam_request_url"].as_str().unwrap(), false),
        };
        assert!(url.starts_with("https://sts.amazonaws.com/"), "{url}");
    }
    // --role-arn without credentials fails before anything is sent.
    let o = sts_env(
        &[("AWS_REGION", "us-east-1"), ("AWS_ENDPOINT_URL_STS", &url)],
        &[
            "eks-token",
            "--cluster-name",
            "c1",
            "--role-arn",
            "arn:aws:iam::123456789012:role/eks-admins",
        ],
    );
    assert_eq!(code(&o), 253);
    assert_eq!(fake.count(), 0);
}

/// Writes `~/.aws/config` and `~/.aws/credentials` under a fresh HOME and returns it.
fn home_with(config: &str, credentials: &str) -> PathBuf {
    static N: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);
    let n = N.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
    let home = std::env::temp_dir().join(format!("sts-cli-profile-{}-{n}", std::process::id()));
    std::fs::create_dir_all(home.join(".aws")).unwrap();
    std::fs::write(home.join(".aws/config"), config).unwrap();
    std::fs::write(home.join(".aws/credentials"), credentials).unwrap();
    home
}

#[test]
fn profile_with_role_arn_assumes_the_role_and_whoami_says_so() {
    let fake = FakeSts::start(caller_identity());
    fake.push([Reply::xml(
        200,
        success(
            "AssumeRole",
            &format!(
                "{CREDS_XML}<AssumedRoleUser><AssumedRoleId>AROAEXAMPLE:s</AssumedRoleId>\
                 <Arn>arn:aws:sts::123456789012:assumed-role/deploy/s</Arn></AssumedRoleUser>"
            ),
        ),
    )]);
    let url = fake.url();
    let home = home_with(
        "[profile deploy]\nrole_arn = arn:aws:iam::123456789012:role/deploy\n\
         source_profile = base\nexternal_id = ext-42\nrole_session_name = cli-session\n\
         region = eu-west-1\n",
        "[base]\naws_access_key_id = AKIDBASE\naws_secret_access_key = base-secret\n",
    );
    let home = home.to_str().unwrap();
    let o = sts_env(
        &[
            ("HOME", home),
            ("AWS_ENDPOINT_URL_STS", &url),
            // An explicit --profile wins over keys in the environment.
            ("AWS_ACCESS_KEY_ID", "AKIDENV"),
            ("AWS_SECRET_ACCESS_KEY", "env-secret"),
        ],
        &["whoami", "--profile", "deploy"],
    );
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    let out = stdout(&o);
    assert!(
        out.contains("\"CredentialSource\": \"profile:deploy (assume-role arn:aws:iam::123456789012:role/deploy)\""),
        "{out}"
    );
    let reqs = fake.requests();
    assert_eq!(reqs.len(), 2);
    assert_eq!(reqs[0].param("Action").as_deref(), Some("AssumeRole"));
    assert_eq!(reqs[0].param("ExternalId").as_deref(), Some("ext-42"));
    assert_eq!(
        reqs[0].param("RoleSessionName").as_deref(),
        Some("cli-session")
    );
    let first = reqs[0].header("authorization").unwrap();
    assert!(first.contains("Credential=AKIDBASE/"), "{first}");
    assert!(first.contains("/eu-west-1/sts/"), "{first}");
    let second = reqs[1].header("authorization").unwrap();
    assert!(
        second.contains("Credential=ASIAFAKEEXAMPLE00001/"),
        "{second}"
    );
    assert_eq!(
        reqs[1].header("x-amz-security-token"),
        Some("fake-session-token")
    );
}

#[test]
fn unknown_profile_exits_255() {
    let home = home_with("[default]\nregion = us-east-1\n", "");
    let o = sts_env(
        &[("HOME", home.to_str().unwrap())],
        &["get-caller-identity", "--profile", "nope"],
    );
    assert_eq!(code(&o), 255);
    assert_eq!(
        stderr(&o),
        "\nsts: [ERROR]: The config profile (nope) could not be found\n"
    );
    // Half a key pair in the credentials file, in botocore's words.
    let half = home_with("", "[half]\naws_access_key_id = AKIAEXAMPLE\n");
    let o = sts_env(
        &[
            ("HOME", half.to_str().unwrap()),
            ("AWS_REGION", "us-east-1"),
        ],
        &["get-caller-identity", "--profile", "half"],
    );
    assert_eq!(code(&o), 255);
    assert_eq!(
        stderr(&o),
        "\nsts: [ERROR]: Partial credentials found in shared-credentials-file, missing: aws_secret_access_key\n"
    );
    // AWS_PROFILE too, even with credentials in the environment (as botocore).
    let o = sts_env(
        &[
            ("HOME", home.to_str().unwrap()),
            ("AWS_PROFILE", "nope"),
            ("AWS_ACCESS_KEY_ID", "AKID"),
            ("AWS_SECRET_ACCESS_KEY", "s"),
        ],
        &["get-caller-identity"],
    );
    assert_eq!(code(&o), 255);
    assert_eq!(
        stderr(&o),
        "\nsts: [ERROR]: The config profile (nope) could not be found\n"
    );
}

#[test]
fn static_keys_follow_the_aws_cli_order_between_the_two_files() {
    // botocore's chain for one profile: ... SSO, keys from the credentials file, login_session,
    // credential_process, keys from the config file.
    let process = concat!(
        r#"credential_process = sh -c 'echo \{\"Version\": 1, \"AccessKeyId\": \"AKIAPROCESS\", "#,
        r#"\"SecretAccessKey\": \"s\"\}'"#,
        "\n"
    );
    let first_key = |config: &str, credentials: &str| {
        let home = home_with(config, credentials);
        let o = sts_env(
            &[("HOME", home.to_str().unwrap()), ("AWS_PROFILE", "p")],
            &["export-credentials", "--format", "env-no-export"],
        );
        (
            code(&o),
            stdout(&o).lines().next().unwrap_or_default().to_owned(),
            stderr(&o),
        )
    };
    let file_keys = "[p]\naws_access_key_id = AKIAFILE\naws_secret_access_key = s\n";
    let config_keys = "[profile p]\naws_access_key_id = AKIACONFIG\naws_secret_access_key = s\n";
    for (why, config, credentials, want) in [
        (
            "keys in the credentials file come before the profile's credential_process",
            format!("[profile p]\n{process}"),
            file_keys,
            "AWS_ACCESS_KEY_ID=AKIAFILE",
        ),
        (
            "... and before its login_session (which would fail here: no login cache)",
            "[profile p]\nlogin_session = arn:aws:iam::123456789012:user/me\n".to_owned(),
            file_keys,
            "AWS_ACCESS_KEY_ID=AKIAFILE",
        ),
        (
            "keys in the config file come after credential_process",
            format!("{config_keys}{process}"),
            "",
            "AWS_ACCESS_KEY_ID=AKIAPROCESS",
        ),
    ] {
        let (rc, out, err) = first_key(&config, credentials);
        assert_eq!((rc, out.as_str()), (0, want), "{why}: {err}");
    }
    // Half a pair names the file it is in, as botocore's providers do.
    // export-credentials wraps it as `aws configure export-credentials` does (253).
    let (rc, _, err) = first_key("[profile p]\naws_access_key_id = AKIACONFIG\n", "");
    assert_eq!(rc, 253);
    assert_eq!(
        err,
        "\nsts: [ERROR]: An error occurred (Configuration): Unable to retrieve credentials: Partial \
         credentials found in config-file, missing: aws_secret_access_key\n"
    );
}

#[test]
fn aws_default_profile_selects_a_profile_after_aws_profile() {
    // As the AWS CLI v2 (botocore's `profile` variable: AWS_PROFILE, then AWS_DEFAULT_PROFILE).
    let home = home_with(
        "[profile other]\nregion = eu-west-1\n[profile first]\nregion = ap-south-1\n",
        "[other]\naws_access_key_id = AKIAOTHER\naws_secret_access_key = s\n\
         [first]\naws_access_key_id = AKIAFIRST\naws_secret_access_key = s\n",
    );
    let home = home.to_str().unwrap();
    let key_of = |env: &[(&str, &str)]| {
        let mut all = vec![("HOME", home)];
        all.extend_from_slice(env);
        let o = sts_env(&all, &["export-credentials", "--format", "env-no-export"]);
        assert_eq!(code(&o), 0, "{}", stderr(&o));
        stdout(&o).lines().next().unwrap_or_default().to_owned()
    };
    assert_eq!(
        key_of(&[("AWS_DEFAULT_PROFILE", "other")]),
        "AWS_ACCESS_KEY_ID=AKIAOTHER"
    );
    assert_eq!(
        key_of(&[("AWS_DEFAULT_PROFILE", "other"), ("AWS_PROFILE", "first")]),
        "AWS_ACCESS_KEY_ID=AKIAFIRST"
    );
    // A profile it names must exist, as with AWS_PROFILE.
    let o = sts_env(
        &[
            ("HOME", home),
            ("AWS_DEFAULT_PROFILE", "nope"),
            ("AWS_ACCESS_KEY_ID", "AKID"),
            ("AWS_SECRET_ACCESS_KEY", "s"),
        ],
        &["get-caller-identity"],
    );
    assert_eq!(code(&o), 255);
    assert_eq!(
        stderr(&o),
        "\nsts: [ERROR]: The config profile (nope) could not be found\n"
    );
}

#[test]
fn export_credentials_in_every_format() {
    let env = [
        ("AWS_ACCESS_KEY_ID", "ASIAEXPORT"),
        ("AWS_SECRET_ACCESS_KEY", "se cret"),
        ("AWS_SESSION_TOKEN", "tok"),
        ("AWS_REGION", "us-east-1"),
    ];
    let run = |format: &str| {
        let o = sts_env(&env, &["export-credentials", "--format", format]);
        assert_eq!(code(&o), 0, "{format}: {}", stderr(&o));
        stdout(&o)
    };
    assert_eq!(
        run("env"),
        "export AWS_ACCESS_KEY_ID=ASIAEXPORT\nexport AWS_SECRET_ACCESS_KEY='se cret'\n\
         export AWS_SESSION_TOKEN=tok\n"
    );
    assert_eq!(
        run("env-no-export"),
        "AWS_ACCESS_KEY_ID=ASIAEXPORT\nAWS_SECRET_ACCESS_KEY='se cret'\nAWS_SESSION_TOKEN=tok\n"
    );
    assert_eq!(
        run("powershell"),
        "$Env:AWS_ACCESS_KEY_ID='ASIAEXPORT'\n$Env:AWS_SECRET_ACCESS_KEY='se cret'\n\
         $Env:AWS_SESSION_TOKEN='tok'\n"
    );
    // v2's json.dumps(indent=2).
    assert_eq!(
        run("process"),
        "{\n  \"Version\": 1,\n  \"AccessKeyId\": \"ASIAEXPORT\",\n  \
         \"SecretAccessKey\": \"se cret\",\n  \"SessionToken\": \"tok\"\n}\n"
    );
    assert_eq!(
        run("fish"),
        "set -gx AWS_ACCESS_KEY_ID \"ASIAEXPORT\"\nset -gx AWS_SECRET_ACCESS_KEY \"se cret\"\n\
         set -gx AWS_SESSION_TOKEN \"tok\"\n"
    );
    assert!(!run("json").contains("Version"));
    // The default is process; a bad format is argparse's usage error.
    let o = sts_env(&env, &["export-credentials"]);
    assert!(stdout(&o).contains("\"Version\": 1"));
    let o = sts_env(&env, &["export-credentials", "--format", "yaml"]);
    assert_eq!(code(&o), 252);
    assert!(
        stderr(&o).starts_with(
            "\nsts: [ERROR]: An error occurred (ParamValidation): argument --format: Found \
             invalid choice 'yaml'\n"
        ),
        "{}",
        stderr(&o)
    );
    // The expiration of environment credentials as v2 prints it (isoformat).
    let mut with_exp = env.to_vec();
    with_exp.push(("AWS_CREDENTIAL_EXPIRATION", "2030-01-01T00:00:00Z"));
    let o = sts_env(
        &with_exp,
        &["export-credentials", "--format", "env-no-export"],
    );
    assert!(
        stdout(&o).ends_with("AWS_CREDENTIAL_EXPIRATION=2030-01-01T00:00:00+00:00\n"),
        "{}",
        stdout(&o)
    );
    // No region, and client settings that cannot be understood: static keys still export.
    let home = home_with(
        "[default]\nregion = not a region!\nretry_mode = sideways\nmax_attempts = many\n",
        "",
    );
    let mut odd = env.to_vec();
    odd.retain(|(k, _)| *k != "AWS_REGION");
    odd.push(("HOME", home.to_str().unwrap()));
    let o = sts_env(&odd, &["export-credentials", "--format", "env-no-export"]);
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    assert!(stdout(&o).starts_with("AWS_ACCESS_KEY_ID=ASIAEXPORT\n"));
}

#[test]
fn export_credentials_output_feeds_credential_process() {
    // `credential_process = sts export-credentials --format process` in another profile.
    let bin = env!("CARGO_BIN_EXE_sts");
    let home = home_with(
        &format!(
            "[profile via-process]\ncredential_process = {bin} export-credentials --profile base --format process\n\
             region = us-east-1\n[profile base]\nregion = us-east-1\n"
        ),
        "[base]\naws_access_key_id = AKIDPROC\naws_secret_access_key = proc-secret\n",
    );
    let fake = FakeSts::start(caller_identity());
    let url = fake.url();
    let o = sts_env(
        &[
            ("HOME", home.to_str().unwrap()),
            ("AWS_ENDPOINT_URL_STS", &url),
        ],
        &["whoami", "--profile", "via-process"],
    );
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    assert!(
        stdout(&o).contains("(credential_process)"),
        "{}",
        stdout(&o)
    );
    let auth = fake.requests()[0]
        .header("authorization")
        .unwrap()
        .to_owned();
    assert!(auth.contains("Credential=AKIDPROC/"), "{auth}");
}

#[test]
fn v2_global_options() {
    let fake = FakeSts::start(caller_identity());
    // Accepted and harmless.
    for args in [
        &["--no-cli-pager"][..],
        &["--no-cli-auto-prompt"][..],
        &["--color", "off"][..],
        &["--cli-binary-format", "raw-in-base64-out"][..],
        &["--no-paginate"][..],
    ] {
        let mut a = vec!["get-caller-identity"];
        a.extend_from_slice(args);
        let o = sts(&fake, &a);
        assert_eq!(code(&o), 0, "{args:?}: {}", stderr(&o));
    }
    let o = sts(&fake, &["get-caller-identity", "--color", "blue"]);
    assert_eq!(code(&o), 252);
    assert!(stderr(&o).contains(
        "sts: [ERROR]: An error occurred (ParamValidation): argument --color: Found invalid \
             choice 'blue'"
    ));
    let o = sts(&fake, &["get-caller-identity", "--cli-auto-prompt"]);
    assert_eq!(code(&o), 252);
    // --no-sign-request: no signature, no credentials looked up.
    let before = fake.count();
    let o = sts_env(
        &[
            ("AWS_REGION", "us-east-1"),
            ("AWS_ENDPOINT_URL_STS", &fake.url()),
        ],
        &["get-caller-identity", "--no-sign-request"],
    );
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    let r = &fake.requests()[before];
    assert!(r.header("authorization").is_none());
    // The output format from the profile, unless AWS_DEFAULT_OUTPUT says otherwise; a name sts
    // does not know is the AWS CLI's general error.
    let home = home_with("[default]\noutput = text\n", "");
    let env = |extra: &[(&'static str, &'static str)]| {
        let mut v = vec![
            ("HOME", home.to_str().unwrap().to_owned()),
            ("AWS_ACCESS_KEY_ID", "AKIDEXAMPLE".to_owned()),
            ("AWS_SECRET_ACCESS_KEY", "s".to_owned()),
            ("AWS_REGION", "us-east-1".to_owned()),
            ("AWS_ENDPOINT_URL_STS", fake.url()),
        ];
        v.extend(extra.iter().map(|(k, v)| (*k, (*v).to_owned())));
        v
    };
    let run = |extra: &[(&'static str, &'static str)]| {
        let e = env(extra);
        let pairs: Vec<(&str, &str)> = e.iter().map(|(k, v)| (*k, v.as_str())).collect();
        sts_env(&pairs, &["get-caller-identity"])
    };
    let o = run(&[]);
    assert_eq!(
        stdout(&o),
        "123456789012\tarn:aws:iam::123456789012:user/alice\tAIDAEXAMPLE\n"
    );
    let o = run(&[("AWS_DEFAULT_OUTPUT", "json")]);
    assert!(stdout(&o).starts_with("{\n"));
    let o = run(&[("AWS_DEFAULT_OUTPUT", "xml")]);
    assert_eq!(code(&o), 255);
    assert_eq!(stderr(&o), "\nsts: [ERROR]: Unknown output type: xml\n");
}

#[test]
fn cli_input_documents_and_skeletons() {
    let fake = FakeSts::start(Reply::xml(200, success("AssumeRole", CREDS_XML)));
    let role = "arn:aws:iam::123456789012:role/demo";
    let json = format!(
        r#"{{"RoleArn": "{role}", "RoleSessionName": "from-json", "DurationSeconds": 900}}"#
    );
    // The document fills what the command line does not give; the command line wins.
    let o = sts(
        &fake,
        &[
            "assume-role",
            "--cli-input-json",
            &json,
            "--role-session-name",
            "flag",
        ],
    );
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    let r = fake.requests().pop().unwrap();
    assert_eq!(r.param("RoleSessionName").as_deref(), Some("flag"));
    assert_eq!(r.param("DurationSeconds").as_deref(), Some("900"));
    // YAML, the same.
    let yaml =
        format!("RoleArn: {role}\nRoleSessionName: from-yaml\nTags:\n- Key: a\n  Value: b\n");
    let o = sts(&fake, &["assume-role", "--cli-input-yaml", &yaml]);
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    let r = fake.requests().pop().unwrap();
    assert_eq!(r.param("RoleSessionName").as_deref(), Some("from-yaml"));
    assert_eq!(r.param("Tags.member.1.Key").as_deref(), Some("a"));
    // botocore's checks of the document, all listed; nothing sent.
    let before = fake.count();
    let o = sts(
        &fake,
        &[
            "assume-role",
            "--cli-input-json",
            r#"{"Bogus": 1, "DurationSeconds": "9"}"#,
        ],
    );
    assert_eq!(code(&o), 252);
    assert_eq!(
        stderr(&o),
        "\nsts: [ERROR]: An error occurred (ParamValidation): Parameter validation failed:\n\
         Missing required parameter in input: \"RoleArn\"\n\
         Missing required parameter in input: \"RoleSessionName\"\n\
         Unknown parameter in input: \"Bogus\", must be one of: RoleArn, RoleSessionName, \
         PolicyArns, Policy, DurationSeconds, Tags, TransitiveTagKeys, ExternalId, SerialNumber, \
         TokenCode, SourceIdentity, ProvidedContexts, MinimumSessionTokenSize\n\
         Invalid type for parameter DurationSeconds, value: 9, type: <class 'str'>, valid types: \
         <class 'int'>\n"
    );
    let o = sts(&fake, &["assume-role", "--cli-input-json", "{"]);
    assert_eq!(
        stderr(&o),
        "\nsts: [ERROR]: An error occurred (ParamValidation): Error parsing parameter 'cli-input-json': Invalid JSON received.\n"
    );
    assert_eq!(fake.count(), before);
    // Skeletons: nothing sent, no flag required for the input ones.
    let o = sts(&fake, &["get-access-key-info", "--generate-cli-skeleton"]);
    assert_eq!(stdout(&o), "{\n    \"AccessKeyId\": \"\"\n}\n");
    let o = sts(
        &fake,
        &[
            "get-access-key-info",
            "--generate-cli-skeleton",
            "yaml-input",
        ],
    );
    assert!(
        stdout(&o).starts_with("AccessKeyId: ''  # [REQUIRED] "),
        "{}",
        stdout(&o)
    );
    let o = sts(
        &fake,
        &["get-access-key-info", "--generate-cli-skeleton", "output"],
    );
    assert_eq!(code(&o), 252, "output still needs the required flags");
    let o = sts(
        &fake,
        &[
            "get-access-key-info",
            "--access-key-id",
            "AKIAIOSFODNN7EXAMPLE",
            "--generate-cli-skeleton",
            "output",
        ],
    );
    assert_eq!(stdout(&o), "{\n    \"Account\": \"Account\"\n}\n");
    assert_eq!(fake.count(), before);
}

#[test]
fn parameter_errors_do_not_quote_secrets() {
    let fake = FakeSts::start(caller_identity());
    let role = [
        "assume-role",
        "--role-arn",
        "arn:aws:iam::123456789012:role/x",
    ];
    for args in [
        &[
            "--role-session-name",
            "s1",
            "--provided-contexts",
            "ContextAssertion='SECRETVALUE",
        ][..],
        &[
            "--role-session-name",
            "s1",
            "--provided-contexts",
            r#"[{"ContextAssertion":"SECRETVALUE",]"#,
        ][..],
        &[
            "--cli-input-json",
            r#"{"RoleSessionName":"s1","ProvidedContexts":[{"ContextAssertion":["SECRETVALUE"]}]}"#,
        ][..],
    ] {
        let mut a = role.to_vec();
        a.extend_from_slice(args);
        let o = sts(&fake, &a);
        assert_eq!(code(&o), 252, "{args:?}: {}", stderr(&o));
        assert!(!stderr(&o).contains("SECRETVALUE"), "{}", stderr(&o));
        assert!(stderr(&o).contains("redacted"), "{}", stderr(&o));
    }
    assert_eq!(fake.count(), 0);
}

/// An MFA code is redacted from the error line where it stands, not from every longer run of
/// digits holding the same six (an account id in an ARN).
#[test]
fn mfa_code_is_redacted_where_it_stands_not_inside_an_account_id() {
    let fake = FakeSts::start(Reply::xml(
        403,
        error_body(
            "AccessDenied",
            "MultiFactorAuthentication failed with invalid MFA one time pass code 123456 for \
             arn:aws:iam::123456789012:mfa/u (account 123456789012)",
        ),
    ));
    let o = sts(
        &fake,
        &[
            "get-session-token",
            "--serial-number",
            "arn:aws:iam::123456789012:mfa/u",
            "--token-code",
            "123456",
        ],
    );
    assert_eq!(code(&o), 254, "{}", stderr(&o));
    assert_eq!(
        stderr(&o),
        "\nsts: [ERROR]: An error occurred (AccessDenied) when calling the GetSessionToken operation: \
         MultiFactorAuthentication failed with invalid MFA one time pass code [redacted] for \
         arn:aws:iam::123456789012:mfa/u (account 123456789012)\n"
    );
    assert_eq!(
        fake.requests()[0].param("TokenCode").as_deref(),
        Some("123456")
    );
}

/// The same error in the formats of `--cli-error-format` (AWS CLI v2 2.34+, errorhandler.py).
struct Formats<'a> {
    code: &'a str,
    message: &'a str,
    /// What `enhanced` prints after the prefix (a service error: botocore's own sentence).
    enhanced: String,
    /// What `legacy` prints after the prefix: the message (a service error: botocore's sentence).
    legacy: String,
}

/// Runs `run` with `--cli-error-format` legacy, enhanced (also the default), json, text, yaml
/// and table, and checks what each prints.
fn check_formats(f: &Formats<'_>, exit: i32, run: &dyn Fn(&[&str]) -> Output) {
    let json_message = serde_json::to_string(f.message).unwrap();
    let expected = [
        ("legacy", format!("\nsts: [ERROR]: {}\n", f.legacy.trim())),
        (
            "enhanced",
            format!("\nsts: [ERROR]: {}\n", f.enhanced.trim()),
        ),
        (
            "json",
            format!(
                "{{\n    \"Code\": \"{}\",\n    \"Message\": {json_message}\n}}\n",
                f.code
            ),
        ),
        ("text", format!("{}\t{}\n", f.code, f.message)),
    ];
    for (format, want) in &expected {
        let o = run(&["--cli-error-format", format]);
        assert_eq!(code(&o), exit, "{format}: {}", stderr(&o));
        assert_eq!(&stderr(&o), want, "{format}");
        assert_eq!(stdout(&o), "", "{format}");
    }
    let o = run(&[]);
    assert_eq!(stderr(&o), expected[1].1, "the default is enhanced");
    // yaml and table: the same structure (their layout is the output formats' own).
    let o = run(&["--cli-error-format", "yaml"]);
    assert!(
        stderr(&o).starts_with(&format!("Code: {}\nMessage: ", f.code)),
        "{}",
        stderr(&o)
    );
    let o = run(&["--cli-error-format", "table"]);
    let table = stderr(&o);
    assert!(table.starts_with("---"), "{table}");
    assert!(table.contains("error") && table.contains(f.code), "{table}");
}

#[test]
fn error_formats_for_every_structured_error() {
    let fake = FakeSts::start(Reply::xml(403, error_body("AccessDenied", "not you")));
    let url = fake.url();
    let with_args = |base: &[&str], extra: &[&str]| -> Vec<String> {
        base.iter().chain(extra).map(|s| s.to_string()).collect()
    };
    // Parameter validation (botocore's ParamValidationError).
    let msg = "Parameter validation failed:\nInvalid length for parameter Name, value: 1, valid \
               min length: 2";
    check_formats(
        &Formats {
            code: "ParamValidation",
            message: msg,
            enhanced: format!("An error occurred (ParamValidation): {msg}"),
            legacy: msg.to_string(),
        },
        252,
        &|extra| {
            let a = with_args(&["get-federation-token", "--name", "B"], extra);
            sts(&fake, &a.iter().map(String::as_str).collect::<Vec<_>>())
        },
    );
    // An argparse error: the usage banner is part of the message.
    let msg = format!("the following arguments are required: --role-session-name\n\n{USAGE}");
    check_formats(
        &Formats {
            code: "ParamValidation",
            message: &msg,
            enhanced: format!("An error occurred (ParamValidation): {msg}"),
            legacy: msg.to_string(),
        },
        252,
        &|extra| {
            let a = with_args(
                &["assume-role", "--role-arn", "arn:aws:iam::1:role/r"],
                extra,
            );
            sts(&fake, &a.iter().map(String::as_str).collect::<Vec<_>>())
        },
    );
    // A shorthand value botocore reads as a list, both violations listed.
    let msg = "Parameter validation failed:\nMissing required parameter in Tags[0]: \"Value\"\n\
               Invalid type for parameter Tags[0].Key, value: ['a', 'Value'], type: <class \
               'list'>, valid types: <class 'str'>";
    check_formats(
        &Formats {
            code: "ParamValidation",
            message: msg,
            enhanced: format!("An error occurred (ParamValidation): {msg}"),
            legacy: msg.to_string(),
        },
        252,
        &|extra| {
            let a = with_args(
                &[
                    "get-federation-token",
                    "--name",
                    "Bob",
                    "--tags",
                    "Key=a,Value",
                ],
                extra,
            );
            sts(&fake, &a.iter().map(String::as_str).collect::<Vec<_>>())
        },
    );
    // A service error: enhanced and legacy print botocore's sentence, the structures STS's
    // code and message.
    let line = "An error occurred (AccessDenied) when calling the GetCallerIdentity operation: \
                not you";
    check_formats(
        &Formats {
            code: "AccessDenied",
            message: "not you",
            enhanced: line.to_owned(),
            legacy: line.to_owned(),
        },
        254,
        &|extra| {
            let a = with_args(&["get-caller-identity"], extra);
            sts(&fake, &a.iter().map(String::as_str).collect::<Vec<_>>())
        },
    );
    // No credentials, naming sts login where v2 names aws login.
    let msg = "Unable to locate credentials. You can configure credentials by running \
               \"sts login\".";
    check_formats(
        &Formats {
            code: "NoCredentials",
            message: msg,
            enhanced: format!("An error occurred (NoCredentials): {msg}"),
            legacy: msg.to_owned(),
        },
        253,
        &|extra| {
            let a = with_args(&["get-caller-identity"], extra);
            sts_env(
                &[("AWS_REGION", "us-east-1"), ("AWS_ENDPOINT_URL_STS", &url)],
                &a.iter().map(String::as_str).collect::<Vec<_>>(),
            )
        },
    );
    // No region for a custom endpoint.
    let msg = "You must specify a region. You can also configure your region by running \
               \"aws configure\".";
    check_formats(
        &Formats {
            code: "NoRegion",
            message: msg,
            enhanced: format!("An error occurred (NoRegion): {msg}"),
            legacy: msg.to_owned(),
        },
        253,
        &|extra| {
            let a = with_args(&["get-caller-identity"], extra);
            sts_env(
                &[
                    ("AWS_ACCESS_KEY_ID", "AKID"),
                    ("AWS_SECRET_ACCESS_KEY", "s"),
                    ("AWS_ENDPOINT_URL_STS", &url),
                ],
                &a.iter().map(String::as_str).collect::<Vec<_>>(),
            )
        },
    );
    // export-credentials: `aws configure export-credentials`'s ConfigurationError.
    let msg = "Unable to retrieve credentials: no credentials found";
    check_formats(
        &Formats {
            code: "Configuration",
            message: msg,
            enhanced: format!("An error occurred (Configuration): {msg}"),
            legacy: msg.to_owned(),
        },
        253,
        &|extra| {
            let a = with_args(&["export-credentials"], extra);
            sts_env(&[], &a.iter().map(String::as_str).collect::<Vec<_>>())
        },
    );
    assert_eq!(fake.count(), 7, "only the service error cases were sent");
}

#[test]
fn unstructured_errors_print_the_prefixed_line_in_every_format() {
    let fake = FakeSts::start(caller_identity());
    let loop_home = home_with(
        "[profile cyc1]\nrole_arn = arn:aws:iam::1:role/a\nsource_profile = cyc2\n\
         [profile cyc2]\nrole_arn = arn:aws:iam::1:role/b\nsource_profile = cyc1\n",
        "",
    );
    let bad_home = home_with("[default]\nfoo\n", "");
    let bad_config = bad_home.join(".aws/config");
    // (arguments, extra environment, exit status, standard error)
    type Unstructured<'a> = (Vec<&'a str>, Vec<(&'a str, String)>, i32, String);
    let cases: Vec<Unstructured<'_>> = vec![
        // UnknownArgumentErrorHandler: the banner first, the prefixed line whatever the format.
        (
            vec!["get-caller-identity", "--bogus", "x"],
            vec![],
            252,
            format!("\n{USAGE}\n\nsts: [ERROR]: Unknown options: --bogus, x\n"),
        ),
        // General errors (255).
        (
            vec!["get-caller-identity", "--profile", "nope"],
            vec![],
            255,
            "\nsts: [ERROR]: The config profile (nope) could not be found\n".into(),
        ),
        (
            vec!["get-caller-identity", "--cli-read-timeout", "abc"],
            vec![],
            255,
            "\nsts: [ERROR]: invalid literal for int() with base 10: 'abc'\n".into(),
        ),
        (
            vec!["get-caller-identity"],
            vec![("HOME", bad_home.to_string_lossy().into_owned())],
            255,
            format!(
                "\nsts: [ERROR]: Unable to parse config file: {}\n",
                bad_config.display()
            ),
        ),
        (
            vec!["get-caller-identity", "--profile", "cyc1"],
            vec![
                ("HOME", loop_home.to_string_lossy().into_owned()),
                ("AWS_ACCESS_KEY_ID", String::new()),
            ],
            255,
            "\nsts: [ERROR]: Infinite loop in credential configuration detected. Attempting to \
             load from profile cyc1 which has already been visited. Visited profiles: ['cyc1', \
             'cyc2']\n"
                .into(),
        ),
    ];
    let url = fake.url();
    for (args, env, exit, want) in &cases {
        for format in ["legacy", "enhanced", "json", "text", "yaml", "table"] {
            let mut a = args.clone();
            a.extend(["--cli-error-format", format]);
            let mut e: Vec<(&str, &str)> = vec![
                ("AWS_ACCESS_KEY_ID", "AKID"),
                ("AWS_SECRET_ACCESS_KEY", "s"),
                ("AWS_REGION", "us-east-1"),
                ("AWS_ENDPOINT_URL_STS", &url),
            ];
            e.extend(env.iter().map(|(k, v)| (*k, v.as_str())));
            let o = sts_env(&e, &a);
            assert_eq!(code(&o), *exit, "{args:?} {format}: {}", stderr(&o));
            assert_eq!(&stderr(&o), want, "{args:?} {format}");
        }
    }
    assert_eq!(fake.count(), 0);
}

#[test]
fn error_format_comes_from_the_flag_the_environment_or_the_profile() {
    let fake = FakeSts::start(caller_identity());
    let url = fake.url();
    let home = home_with(
        "[profile t]\ncli_error_format = text\n[profile shouty]\ncli_error_format = JSON\n\
         [profile odd]\ncli_error_format = fancy\n",
        "",
    );
    let home = home.to_string_lossy().into_owned();
    let run = |env: &[(&str, &str)], args: &[&str]| {
        let mut e: Vec<(&str, &str)> = vec![
            ("HOME", &home),
            ("AWS_ACCESS_KEY_ID", "AKID"),
            ("AWS_SECRET_ACCESS_KEY", "s"),
            ("AWS_REGION", "us-east-1"),
            ("AWS_ENDPOINT_URL_STS", &url),
        ];
        e.extend_from_slice(env);
        sts_env(&e, args)
    };
    let missing = ["assume-role", "--role-arn", "arn:aws:iam::1:role/r"];
    let with =
        |extra: &[&'static str]| -> Vec<&str> { missing.iter().chain(extra).copied().collect() };
    let is_text = |o: &Output| stderr(o).starts_with("ParamValidation\tthe following arguments");
    let is_json = |o: &Output| stderr(o).starts_with("{\n    \"Code\": \"ParamValidation\"");
    let is_enhanced =
        |o: &Output| stderr(o).starts_with("\nsts: [ERROR]: An error occurred (ParamValidation): ");
    let is_legacy = |o: &Output| stderr(o).starts_with("\nsts: [ERROR]: the following arguments");
    // The variable, in any case; the profile's key (with --profile or AWS_PROFILE).
    assert!(is_json(&run(&[("AWS_CLI_ERROR_FORMAT", "JSON")], &missing)));
    assert!(is_text(&run(&[], &with(&["--profile", "t"]))));
    assert!(is_text(&run(&[("AWS_PROFILE", "t")], &missing)));
    assert!(is_json(&run(&[], &with(&["--profile", "shouty"]))));
    // The flag beats the variable, the variable beats the profile.
    assert!(is_legacy(&run(
        &[("AWS_CLI_ERROR_FORMAT", "json")],
        &with(&["--cli-error-format", "legacy"])
    )));
    assert!(is_json(&run(
        &[("AWS_CLI_ERROR_FORMAT", "json")],
        &with(&["--profile", "t"])
    )));
    // A blank variable is enhanced (botocore takes it as set).
    assert!(is_enhanced(&run(
        &[("AWS_CLI_ERROR_FORMAT", "")],
        &with(&["--profile", "t"])
    )));
    // An unknown value is enhanced, with v2's warning under --debug only.
    let o = run(&[("AWS_CLI_ERROR_FORMAT", "fancy")], &missing);
    assert!(is_enhanced(&o), "{}", stderr(&o));
    let o = run(&[], &with(&["--profile", "odd", "--debug"]));
    assert!(
        stderr(&o).starts_with(
            "sts: debug: Invalid cli_error_format: 'fancy'. Using 'enhanced' format.\n\n\
             sts: [ERROR]: An error occurred (ParamValidation): "
        ),
        "{}",
        stderr(&o)
    );
    // ... but an unknown flag value is argparse's error.
    let o = run(&[], &with(&["--cli-error-format", "fancy"]));
    assert_eq!(code(&o), 252);
    assert_eq!(
        stderr(&o),
        argparse_error("argument --cli-error-format: Found invalid choice 'fancy'\n")
    );
    let o = run(&[], &with(&["--cli-error-format", "jsn"]));
    assert!(
        stderr(&o).contains("Found invalid choice 'jsn'\n\nMaybe you meant:\n\n  * json\n\nusage"),
        "{}",
        stderr(&o)
    );
    // An error among the global options knows neither the flag nor --profile (v2 has not read
    // them yet); it knows the environment's profile.
    let region = [
        "get-caller-identity",
        "--cli-error-format",
        "json",
        "--profile",
        "t",
        "--region",
    ];
    let o = run(&[], &region);
    assert_eq!(
        stderr(&o),
        argparse_error("argument --region: expected one argument")
    );
    assert!(
        stderr(&run(
            &[("AWS_PROFILE", "t")],
            &["get-caller-identity", "--region"]
        ))
        .starts_with("ParamValidation\targument --region")
    );
    // The checks of global values know the flag, and the environment's profile only.
    let bad_url = ["get-caller-identity", "--endpoint-url", "nope"];
    let o = run(
        &[],
        &[&bad_url[..], &["--cli-error-format", "json"]].concat(),
    );
    assert!(
        stderr(&o)
            .starts_with("{\n    \"Code\": \"ParamValidation\",\n    \"Message\": \"Bad value")
    );
    let o = run(&[], &[&bad_url[..], &["--profile", "t"]].concat());
    assert!(
        stderr(&o).starts_with("\nsts: [ERROR]: An error occurred (ParamValidation): Bad value")
    );
    // A profile that does not exist: v2's lookup fails and it falls back to legacy.
    assert!(is_legacy(&run(&[], &with(&["--profile", "nope"]))));
    assert!(is_legacy(&run(&[("AWS_PROFILE", "nope")], &missing)));
    assert!(is_json(&run(
        &[],
        &with(&["--profile", "nope", "--cli-error-format", "json"])
    )));
    assert_eq!(fake.count(), 0);
}

#[test]
fn sts_regional_endpoints_legacy_is_ignored_as_aws_cli_v2_ignores_it() {
    // A proxy port nobody listens on: the call fails at once, after --debug named its URL.
    let closed = {
        let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        l.local_addr().unwrap().port()
    };
    let proxy = format!("http://127.0.0.1:{closed}");
    let home = home_with(
        "[profile legacy]\nsts_regional_endpoints = legacy\n",
        "[legacy]\naws_access_key_id = AKID\naws_secret_access_key = s\n",
    );
    let home = home.to_string_lossy().into_owned();
    for (env, args) in [
        (
            vec![("AWS_STS_REGIONAL_ENDPOINTS", "legacy")],
            vec!["get-caller-identity", "--debug"],
        ),
        (
            vec![],
            vec!["get-caller-identity", "--debug", "--profile", "legacy"],
        ),
        // A value botocore would refuse is ignored too.
        (
            vec![("AWS_STS_REGIONAL_ENDPOINTS", "sideways")],
            vec!["get-caller-identity", "--debug"],
        ),
    ] {
        let mut e = vec![
            ("HOME", home.as_str()),
            ("AWS_ACCESS_KEY_ID", "AKID"),
            ("AWS_SECRET_ACCESS_KEY", "s"),
            ("AWS_REGION", "us-west-1"),
            ("AWS_MAX_ATTEMPTS", "1"),
            ("HTTPS_PROXY", proxy.as_str()),
        ];
        e.extend(env);
        let o = sts_env(&e, &args);
        assert!(
            stderr(&o).contains("POST https://sts.us-west-1.amazonaws.com/"),
            "{e:?}: {}",
            stderr(&o)
        );
        assert_eq!(code(&o), 255, "{}", stderr(&o));
    }
}

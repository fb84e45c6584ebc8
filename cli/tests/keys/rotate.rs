//! `sts keys rotate` against a loopback fake of IAM and STS (every failure path), and against
//! moto's IAM when `scripts/peer-test` runs it.

use crate::fake::{Fake, Request};
use crate::{KEY_ID, SECRET, add, code, home, no_secret, run, stderr, stdout, sts};
use std::sync::{Arc, Mutex};

const NEW_ID: &str = "AKIAIOSFODNN7NEWKEY1";
const NEW_SECRET: &str = "new-secret-zzzzzzzzzzzzzzzzzzzzzzzzzzzzz";

/// How the fake behaves.
#[derive(Debug, Default, Clone)]
struct Script {
    /// GetCallerIdentity with the new key fails this many times first (propagation).
    new_key_fails: usize,
    create_fails: bool,
    delete_old_fails: bool,
}

/// What the fake saw: (action, signing key id, AccessKeyId or UserName param).
type Seen = Arc<Mutex<Vec<(String, String, String)>>>;

fn signer(r: &Request) -> String {
    let auth = r.header("authorization").unwrap_or_default();
    auth.split("Credential=")
        .nth(1)
        .and_then(|c| c.split('/').next())
        .unwrap_or_default()
        .to_owned()
}

fn scope(r: &Request) -> String {
    let auth = r.header("authorization").unwrap_or_default();
    auth.split("Credential=")
        .nth(1)
        .map(|c| c.split(',').next().unwrap_or_default().to_owned())
        .unwrap_or_default()
}

fn reply(action: &str, ns: &str, result: &str) -> (u16, Vec<(String, String)>, String) {
    let result = if result.is_empty() {
        String::new()
    } else {
        format!("<{action}Result>{result}</{action}Result>")
    };
    (
        200,
        vec![],
        format!(
            "<{action}Response xmlns=\"https://{ns}.amazonaws.com/doc/\">{result}\
             <ResponseMetadata><RequestId>r</RequestId></ResponseMetadata></{action}Response>"
        ),
    )
}

fn error(status: u16, code: &str, message: &str) -> (u16, Vec<(String, String)>, String) {
    (
        status,
        vec![],
        format!(
            "<ErrorResponse><Error><Type>Sender</Type><Code>{code}</Code><Message>{message}\
             </Message></Error><RequestId>e</RequestId></ErrorResponse>"
        ),
    )
}

/// A fake serving IAM and STS on one port.
fn fake(script: Script) -> (Fake, Seen) {
    let seen: Seen = Arc::default();
    let log = seen.clone();
    let fails = Arc::new(Mutex::new(script.new_key_fails));
    let f = Fake::start(move |r| {
        let action = r.param("Action").unwrap_or_default();
        let by = signer(r);
        let arg = r
            .param("AccessKeyId")
            .or_else(|| r.param("UserName"))
            .unwrap_or_default();
        log.lock()
            .unwrap()
            .push((action.clone(), by.clone(), format!("{arg} {}", scope(r))));
        match action.as_str() {
            "GetUser" => reply(
                "GetUser",
                "iam",
                "<User><Path>/</Path><UserName>alice</UserName><UserId>AIDAALICE</UserId>\
                 <Arn>arn:aws:iam::123456789012:user/alice</Arn></User>",
            ),
            "CreateAccessKey" if script.create_fails => error(
                409,
                "LimitExceeded",
                "Cannot exceed quota for AccessKeysPerUser: 2",
            ),
            "CreateAccessKey" => reply(
                "CreateAccessKey",
                "iam",
                &format!(
                    "<AccessKey><UserName>alice</UserName><AccessKeyId>{NEW_ID}</AccessKeyId>\
                     <Status>Active</Status><SecretAccessKey>{NEW_SECRET}</SecretAccessKey>\
                     </AccessKey>"
                ),
            ),
            "DeleteAccessKey" if script.delete_old_fails && arg == KEY_ID => {
                error(403, "AccessDenied", "not allowed to delete")
            }
            "DeleteAccessKey" => reply("DeleteAccessKey", "iam", ""),
            "GetCallerIdentity" if by == NEW_ID => {
                let mut left = fails.lock().unwrap();
                if *left > 0 {
                    *left -= 1;
                    error(403, "InvalidClientTokenId", "The security token is invalid")
                } else {
                    reply(
                        "GetCallerIdentity",
                        "sts",
                        "<UserId>AIDAALICE</UserId><Account>123456789012</Account>\
                         <Arn>arn:aws:iam::123456789012:user/alice</Arn>",
                    )
                }
            }
            other => error(400, "Unexpected", other),
        }
    });
    (f, seen)
}

fn actions(seen: &Seen) -> Vec<String> {
    seen.lock()
        .unwrap()
        .iter()
        .map(|(a, _, _)| a.clone())
        .collect()
}

/// The key id `export-credentials --no-session` hands out for `dev`.
fn stored_id(h: &std::path::Path) -> String {
    let o = run(sts(
        h,
        &[],
        &["export-credentials", "--profile", "dev", "--no-session"],
    ));
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    let out = stdout(&o);
    let key = "\"AccessKeyId\": \"";
    let at = out.find(key).unwrap() + key.len();
    out[at..at + 20].to_owned()
}

fn env(url: &str) -> Vec<(&'static str, String)> {
    vec![
        ("AWS_ENDPOINT_URL_IAM", url.to_owned()),
        ("AWS_ENDPOINT_URL_STS", url.to_owned()),
        ("STS_KEYS_ROTATE_WAIT", "3".to_owned()),
        ("AWS_MAX_ATTEMPTS", "1".to_owned()),
    ]
}

fn rotate(h: &std::path::Path, url: &str) -> std::process::Output {
    rotate_with(h, url, &[])
}

fn rotate_with(h: &std::path::Path, url: &str, extra: &[(&str, &str)]) -> std::process::Output {
    let e = env(url);
    let mut e: Vec<(&str, &str)> = e.iter().map(|(k, v)| (*k, v.as_str())).collect();
    e.extend_from_slice(extra);
    run(sts(h, &e, &["--debug", "keys", "rotate", "dev"]))
}

const CONFIG: &str = "[profile dev]\nregion = eu-west-1\n";

#[test]
fn rotation_creates_checks_stores_then_deletes_the_old_key() {
    let (f, seen) = fake(Script {
        new_key_fails: 2,
        ..Script::default()
    });
    let h = home("rotate-ok", CONFIG);
    add(&h, "dev", &[]);
    // A cached session of the old key, which rotation drops.
    let cache = h.join(".aws/cli/cache");
    std::fs::create_dir_all(&cache).unwrap();
    let digest = {
        use sha2::Digest;
        let d = sha2::Sha256::digest(format!("sts-keys-session\0{KEY_ID}").as_bytes());
        d[..20]
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect::<String>()
    };
    let old_session = cache.join(format!("sts-keys-{digest}.json"));
    std::fs::write(&old_session, "{}").unwrap();
    let o = rotate(&h, &f.url());
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    assert_eq!(
        stdout(&o),
        "Rotated the access key of profile \"dev\": AKIA****RED1 -> AKIA****KEY1.\n"
    );
    let err = stderr(&o);
    assert!(err.contains("Created new access key AKIA****KEY1"), "{err}");
    assert!(err.contains("Deleted old access key AKIA****RED1"), "{err}");
    for text in [&err, &stdout(&o)] {
        no_secret("rotate's output", text);
        assert!(!text.contains(NEW_SECRET), "{text}");
    }
    assert_eq!(
        actions(&seen),
        [
            "GetUser",
            "CreateAccessKey",
            "GetCallerIdentity",
            "GetCallerIdentity",
            "GetCallerIdentity",
            "DeleteAccessKey"
        ]
    );
    let log = seen.lock().unwrap().clone();
    // IAM calls signed with the old key for IAM's global region; the check with the new key.
    for (action, by, arg) in &log {
        match action.as_str() {
            "GetCallerIdentity" => assert_eq!(by, NEW_ID),
            _ => {
                assert_eq!(by, KEY_ID, "{action}");
                assert!(
                    arg.ends_with("/us-east-1/iam/aws4_request"),
                    "{action} {arg}"
                );
            }
        }
    }
    assert!(log[1].2.starts_with("alice "), "{log:?}");
    assert!(log[5].2.starts_with(&format!("{KEY_ID} ")), "{log:?}");
    assert!(
        !old_session.exists(),
        "the old key's cached session was not dropped"
    );
    // The store holds the new key, sealed.
    assert_eq!(stored_id(&h), NEW_ID);
    let bytes = std::fs::read_to_string(h.join(".aws/sts-keys")).unwrap();
    assert!(
        !bytes.contains(NEW_SECRET) && !bytes.contains(NEW_ID),
        "{bytes}"
    );
}

#[test]
fn a_refused_create_changes_nothing() {
    let (f, seen) = fake(Script {
        create_fails: true,
        ..Script::default()
    });
    let h = home("rotate-create", CONFIG);
    add(&h, "dev", &[]);
    let before = std::fs::read(h.join(".aws/sts-keys")).unwrap();
    let o = rotate(&h, &f.url());
    assert_ne!(code(&o), 0);
    let err = stderr(&o);
    assert!(err.contains("LimitExceeded"), "{err}");
    assert!(
        err.contains("Nothing changed: the store keeps AKIA****RED1"),
        "{err}"
    );
    no_secret("the error", &err);
    assert_eq!(std::fs::read(h.join(".aws/sts-keys")).unwrap(), before);
    assert_eq!(actions(&seen), ["GetUser", "CreateAccessKey"]);
    assert_eq!(stored_id(&h), KEY_ID);
}

#[test]
fn a_new_key_that_never_works_is_deleted_and_the_old_one_kept() {
    let (f, seen) = fake(Script {
        new_key_fails: 1000,
        ..Script::default()
    });
    let h = home("rotate-never", CONFIG);
    add(&h, "dev", &[]);
    let before = std::fs::read(h.join(".aws/sts-keys")).unwrap();
    let o = rotate(&h, &f.url());
    assert_ne!(code(&o), 0);
    let err = stderr(&o);
    assert!(err.contains("does not work"), "{err}");
    assert!(
        err.contains("The new key AKIA****KEY1 was deleted again; the store keeps AKIA****RED1"),
        "{err}"
    );
    assert!(!err.contains(NEW_SECRET), "{err}");
    assert_eq!(std::fs::read(h.join(".aws/sts-keys")).unwrap(), before);
    let log = seen.lock().unwrap().clone();
    let (last, by, arg) = log.last().unwrap();
    assert_eq!((last.as_str(), by.as_str()), ("DeleteAccessKey", KEY_ID));
    assert!(
        arg.starts_with(NEW_ID),
        "the new key was deleted, not the old: {arg}"
    );
    assert_eq!(stored_id(&h), KEY_ID);
}

#[test]
fn an_old_key_that_cannot_be_deleted_is_named_and_the_new_one_kept() {
    let (f, _seen) = fake(Script {
        delete_old_fails: true,
        ..Script::default()
    });
    let h = home("rotate-delete", CONFIG);
    add(&h, "dev", &[]);
    let o = rotate(&h, &f.url());
    assert_ne!(code(&o), 0);
    let err = stderr(&o);
    assert!(
        err.contains(&format!(
            "the store now holds the new key AKIA****KEY1, and the old key {KEY_ID} could not be deleted"
        )),
        "{err}"
    );
    assert!(err.contains("AccessDenied"), "{err}");
    assert_eq!(stored_id(&h), NEW_ID);
}

#[test]
fn a_new_key_that_cannot_be_stored_is_deleted_and_the_old_one_kept() {
    let (f, seen) = fake(Script::default());
    let h = home("rotate-store", CONFIG);
    let (bin, items) = crate::backends::fakes(&h);
    let path = crate::backends::path_with(&bin);
    let store = items.display().to_string();
    let tools = [("PATH", path.as_str()), ("FAKE_STORE", store.as_str())];
    let mut with_keys = tools.to_vec();
    with_keys.extend([
        ("AWS_ACCESS_KEY_ID", KEY_ID),
        ("AWS_SECRET_ACCESS_KEY", SECRET),
    ]);
    let o = run(sts(
        &h,
        &with_keys,
        &["keys", "add", "dev", "--env", "--backend", "pass"],
    ));
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    // pass refuses every write from now on: the new key cannot be stored.
    let mut failing = tools.to_vec();
    failing.push(("FAKE_FAIL", "1"));
    let o = rotate_with(&h, &f.url(), &failing);
    assert_ne!(code(&o), 0);
    let err = stderr(&o);
    assert!(err.contains("the new key could not be stored"), "{err}");
    assert!(
        err.contains("was deleted again; the store keeps AKIA****RED1"),
        "{err}"
    );
    assert!(!err.contains(NEW_SECRET), "{err}");
    no_secret("the error", &err);
    let log = seen.lock().unwrap().clone();
    let (last, _, arg) = log.last().unwrap();
    assert_eq!(last, "DeleteAccessKey");
    assert!(arg.starts_with(NEW_ID), "{arg}");
    // pass still holds the old key.
    let o = run(sts(
        &h,
        &tools,
        &["export-credentials", "--profile", "dev", "--no-session"],
    ));
    assert!(stdout(&o).contains(KEY_ID), "{}", stdout(&o));
}

#[test]
fn only_stored_profiles_rotate() {
    let h = home("rotate-none", CONFIG);
    let o = run(sts(&h, &[], &["keys", "rotate", "dev"]));
    assert_ne!(code(&o), 0);
    assert!(
        stderr(&o).contains("not in the key store"),
        "{}",
        stderr(&o)
    );
}

/// The moto peer (`scripts/peer-test`): a user of its own, made with boto3 in the peer venv.
#[test]
fn peer_rotation_against_moto() {
    let Ok(endpoint) = std::env::var("STS_PEER_ENDPOINT") else {
        use std::io::Write;
        let _ = writeln!(
            std::io::stderr().lock(),
            "SKIPPED: keys peer_rotation_against_moto (STS_PEER_ENDPOINT is unset; run scripts/peer-test)"
        );
        return;
    };
    let python = std::env::var("PEER_VENV")
        .map(std::path::PathBuf::from)
        .unwrap_or_else(|_| {
            std::path::PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../target/peer-venv")
        })
        .join("bin/python");
    let var = |k: &str| std::env::var(k).unwrap_or_else(|_| panic!("{k} with STS_PEER_ENDPOINT"));
    let user = format!("rotate-{}", std::process::id());
    // A user with iam:* and sts:* and one key, made with the peer user's keys.
    let script = r#"
import boto3, json, sys
endpoint, user, key, secret, op = sys.argv[1:6]
iam = boto3.client("iam", endpoint_url=endpoint, region_name="us-east-1",
                   aws_access_key_id=key, aws_secret_access_key=secret)
if op == "make":
    iam.create_user(UserName=user)
    iam.put_user_policy(UserName=user, PolicyName="all", PolicyDocument=json.dumps(
        {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": ["iam:*", "sts:*"], "Resource": "*"}]}))
    k = iam.create_access_key(UserName=user)["AccessKey"]
    print(k["AccessKeyId"], k["SecretAccessKey"])
else:
    print(" ".join(sorted(k["AccessKeyId"] for k in iam.list_access_keys(UserName=user)["AccessKeyMetadata"])))
"#;
    let py = |op: &str| {
        let o = std::process::Command::new(&python)
            .args(["-c", script, &endpoint, &user])
            .args([
                var("STS_PEER_ACCESS_KEY_ID"),
                var("STS_PEER_SECRET_ACCESS_KEY"),
            ])
            .arg(op)
            .env("NO_PROXY", "127.0.0.1")
            .output()
            .unwrap();
        assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
        String::from_utf8(o.stdout).unwrap().trim().to_owned()
    };
    let made = py("make");
    let (old_id, old_secret) = made.split_once(' ').unwrap();
    let h = home("rotate-moto", CONFIG);
    let o = run(sts(
        &h,
        &[
            ("AWS_ACCESS_KEY_ID", old_id),
            ("AWS_SECRET_ACCESS_KEY", old_secret),
        ],
        &["keys", "add", "dev", "--env"],
    ));
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    let o = rotate(&h, &endpoint);
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    no_secret("rotate's output", &stderr(&o));
    // The old key is gone, the new one is the store's, and it works.
    let new_id = stored_id(&h);
    assert_ne!(new_id, old_id);
    assert_eq!(py("list"), new_id);
    let e = env(&endpoint);
    let e: Vec<(&str, &str)> = e.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let o = run(sts(&h, &e, &["get-caller-identity", "--profile", "dev"]));
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    assert!(
        stdout(&o).contains(&format!("user/{user}")),
        "{}",
        stdout(&o)
    );
    let _ = SECRET;
}

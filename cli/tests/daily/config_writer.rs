//! `config_writer::update` against the AWS CLI's own `ConfigFileWriter` (awscli 1.46.3 in the peer
//! venv; the same code as v2's): many generated config files, each updated by both, must come out
//! byte for byte the same. Skipped without the venv (`scripts/peer-test` installs awscli).

use std::io::Write;
use std::path::PathBuf;
use std::process::{Command, Stdio};
use sts_cli::config_writer::update;

/// A python that has the AWS CLI's writer.
fn python() -> Option<PathBuf> {
    let py = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../target/peer-venv/bin/python");
    Command::new(&py)
        .args(["-c", "import awscli.customizations.configure.writer"])
        .output()
        .is_ok_and(|o| o.status.success())
        .then_some(py)
}

const SCRIPT: &str = r#"
import json, os, sys, tempfile
from awscli.customizations.configure.writer import ConfigFileWriter
out = []
d = tempfile.mkdtemp()
for i, case in enumerate(json.load(sys.stdin)):
    path = os.path.join(d, "c%d" % i)
    if case["contents"] is not None:
        with open(path, "w", newline="") as f:
            f.write(case["contents"])
    values = {"__section__": case["section"]}
    values.update(dict(case["values"]))
    ConfigFileWriter().update_config(values, path)
    with open(path, newline="") as f:
        out.append(f.read())
json.dump(out, sys.stdout)
"#;

/// A small deterministic generator (xorshift).
struct Rng(u64);
impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
    fn pick<'a>(&mut self, items: &[&'a str]) -> &'a str {
        items[usize::try_from(self.next() % items.len() as u64).unwrap()]
    }
}

#[test]
fn updates_match_the_aws_cli_writer() {
    let Some(py) = python() else {
        crate::support::skip::skipped(
            "daily config writer vs the AWS CLI",
            "no awscli in target/peer-venv",
        );
        return;
    };
    let lines = [
        "[default]\n",
        "[profile dev]\n",
        "[profile \"dev\"]\n",
        "  [profile dev]\n",
        "[profile other]\n",
        "[sso-session s]\n",
        "# a comment\n",
        "; another = one\n",
        "#[profile dev]\n",
        "region = us-east-1\n",
        "login_session = arn:aws:iam::1:user/old\n",
        "login_session=old\n",
        "  nested = x\n",
        "s3 =\n",
        "key: value\n",
        "=odd\n",
        "just words\n",
        "\n",
        "\n",
    ];
    let mut rng = Rng(0x5eed_1234_abcd_0001);
    let mut cases = Vec::new();
    for i in 0..400 {
        let contents = if i % 50 == 0 {
            None
        } else {
            let n = rng.next() % 12;
            let mut s: String = (0..n).map(|_| rng.pick(&lines)).collect();
            if rng.next().is_multiple_of(4) {
                s.pop(); // no final newline
            }
            Some(s)
        };
        let section = rng.pick(&["default", "profile dev", "profile other"]);
        let values: Vec<(&str, &str)> = if rng.next().is_multiple_of(3) {
            vec![
                ("login_session", "arn:aws:sts::1:assumed-role/A/a"),
                ("region", "eu-west-1"),
            ]
        } else {
            vec![("login_session", "arn:aws:sts::1:assumed-role/A/a")]
        };
        cases.push((contents, section, values));
    }
    let input: Vec<serde_json::Value> = cases
        .iter()
        .map(|(c, s, v)| serde_json::json!({"contents": c, "section": s, "values": v}))
        .collect();
    let mut child = Command::new(py)
        .args(["-c", SCRIPT])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    child
        .stdin
        .take()
        .unwrap()
        .write_all(serde_json::to_string(&input).unwrap().as_bytes())
        .unwrap();
    let o = child.wait_with_output().unwrap();
    assert!(o.status.success());
    let theirs: Vec<String> = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(theirs.len(), cases.len());
    for ((contents, section, values), want) in cases.iter().zip(&theirs) {
        let ours = update(contents.as_deref(), section, values);
        assert_eq!(&ours, want, "{contents:?} [{section}] {values:?}");
    }
    eprintln!(
        "config writer vs the AWS CLI: {} cases identical",
        cases.len()
    );
}

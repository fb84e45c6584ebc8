//! `sts configure mfa-login` and `sts configure list-profiles`, as the AWS CLI v2's `aws configure
//! mfa-login` (2.30.3, `awscli/customizations/configure/mfalogin.py`) and `aws configure
//! list-profiles`.
//!
//! mfa-login: a `GetSessionToken` session with an MFA code, made with the profile's credentials
//! (or, when there are none, with keys typed in), written as `aws_access_key_id`,
//! `aws_secret_access_key` and `aws_session_token` into a profile of the shared credentials file,
//! the way the AWS CLI's `ConfigFileWriter` writes (the other profiles and comments kept; here
//! also atomically, and `0600` for a new file). The prompts and messages are the CLI's: prompts
//! on standard output, answers read from standard input, `An error occurred: ...` and status 1
//! when STS refuses the code (nothing is written then).

use crate::config_writer;
use crate::spec::{Command, Example, Globals, Kind, Run, Values, flag, operand, out, with_choices};
use std::io::{BufRead, Write};
use sts_blocking::credentials::{Env, FileLocations, Platform, ProfileSet};
use sts_blocking::ops::GetSessionToken;
use sts_blocking::{Credentials, Error, ProvideCredentials, SecretString, Sts};

/// The CLI's default `--duration-seconds` (its ARG_TABLE default, always sent).
const DEFAULT_DURATION: i32 = 43_200;

/// `sts configure`.
pub(crate) const CONFIGURE: Command = Command {
    name: "configure",
    action: "GetSessionToken",
    summary: "Writes an MFA session to a profile (aws configure mfa-login); lists the profiles.",
    description: "mfa-login: as `aws configure mfa-login` of the AWS CLI v2, calls \
        GetSessionToken with an MFA code and writes the temporary credentials \
        (aws_access_key_id, aws_secret_access_key, aws_session_token) to a profile of the shared \
        credentials file (AWS_SHARED_CREDENTIALS_FILE, else ~/.aws/credentials), so that \
        --profile NAME then works without a code until they expire. The session is made with \
        the credentials of --profile (or the default chain); when there are none, the access key \
        id and secret are asked for. The MFA device is --serial-number, else the profile's \
        mfa_serial, else asked for; the code is always asked for. Without --update-profile the \
        profile to write is asked for, with a default made of the device: ACCOUNT-DEVICE for an \
        ARN (123456789012-alice), session-SERIAL otherwise. Questions are written on standard \
        output and answered on standard input.\n\n\
        The file is changed as the AWS CLI changes it: the profile's keys are replaced in place \
        or added, a missing profile is appended, every other line (other profiles, comments) \
        stays; it is written to a temporary file first and renamed over the old one, and a new \
        file is created with mode 0600. When STS refuses the code, the error is printed \
        (An error occurred: ...), nothing is written and the exit status is 1, as the AWS \
        CLI's.\n\n\
        list-profiles: prints the names of the profiles of the shared config and credentials \
        files, one per line, sorted (the AWS CLI prints them in file order). The completion \
        scripts use it for --profile.",
    flags: &[
        with_choices(
            operand(
                "subcommand",
                true,
                "mfa-login (write an MFA session to a profile) or list-profiles.",
            ),
            &["list-profiles", "mfa-login"],
        ),
        flag(
            "--update-profile",
            "",
            Kind::Str,
            false,
            "mfa-login: the profile to write the temporary credentials to. Without it, the name \
             is asked for, with a default made of the MFA device.",
            "a profile name (no control characters)",
        ),
        flag(
            "--duration-seconds",
            "",
            Kind::Int,
            false,
            "mfa-login: how long the credentials remain valid. Default: 43200 (12 hours).",
            "900 to 129600 (3600 at most for the root user)",
        ),
        flag(
            "--serial-number",
            "",
            Kind::Str,
            false,
            "mfa-login: the ARN or serial number of the MFA device of the IAM user. Default: the \
             profile's mfa_serial.",
            "length 9..256",
        ),
    ],
    output: &[out(
        "(mfa-login)",
        "text",
        "Temporary credentials written to profile 'NAME', Credentials will expire at \
         YYYY-MM-DD HH:MM:SS UTC, and how to use them, on standard output.",
    )],
    examples: &[
        Example {
            title: "To write a 12-hour MFA session of the default profile's keys to the profile \
                    mfa",
            command: "sts configure mfa-login --update-profile mfa",
            output: "MFA token code: 123456\n\
                     Temporary credentials written to profile 'mfa'\n\
                     Credentials will expire at 2026-05-01 22:00:00 UTC\n\
                     To use these credentials, specify --profile mfa when running AWS CLI commands",
        },
        Example {
            title: "To list the profiles",
            command: "sts configure list-profiles",
            output: "",
        },
    ],
    credentials: false,
    signed: true,
    run: Run::Custom(run),
};

fn run(g: &Globals, v: &Values, _: &[String]) -> i32 {
    if v.req("subcommand") == "list-profiles" {
        for f in ["--update-profile", "--duration-seconds", "--serial-number"] {
            if v.str(f).is_some() || v.int(f).is_some() {
                return crate::errors::cli_error(crate::errors::CliError::Usage(format!(
                    "argument {f}: not allowed with list-profiles"
                )));
            }
        }
        return list_profiles();
    }
    match mfa_login(g, v, &mut std::io::stdin().lock(), &mut std::io::stdout()) {
        Ok(code) => code,
        Err(e) => crate::session::report(&CONFIGURE, &e, None),
    }
}

fn list_profiles() -> i32 {
    match ProfileSet::load(&Env::real()) {
        Ok(set) => {
            let names: String = set.profiles().keys().map(|p| format!("{p}\n")).collect();
            crate::session::emit(&names)
        }
        Err(e) => crate::session::report(&CONFIGURE, &e, None),
    }
}

/// Asks `question` on `out` and reads one line of `input` (`None` at the end of input).
fn ask(input: &mut dyn BufRead, out: &mut dyn Write, question: &str) -> Option<String> {
    let _ = write!(out, "{question}").and_then(|()| out.flush());
    let mut line = String::new();
    match input.read_line(&mut line) {
        Ok(0) | Err(_) => None,
        Ok(_) => Some(line.trim_end_matches(['\n', '\r']).to_owned()),
    }
}

/// The CLI's `get_credential_value`: the answer, `None` when empty.
fn ask_value(input: &mut dyn BufRead, out: &mut dyn Write, prompt: &str) -> Option<String> {
    ask(input, out, &format!("{prompt}: ")).filter(|a| !a.is_empty())
}

/// The CLI's default profile name for an MFA device (`_generate_profile_name_from_mfa`).
fn profile_for_device(serial: &str) -> String {
    if serial.starts_with("arn:aws:iam::") {
        let parts: Vec<&str> = serial.split(':').collect();
        if let (Some(account), Some(resource)) = (parts.get(4), parts.get(5)) {
            let device = resource.rsplit('/').next().unwrap_or(resource);
            return format!("{account}-{device}");
        }
    }
    format!("session-{serial}")
}

/// A line on standard error, the CLI's way (no blank line before it), and status 1.
fn fail(msg: &str) -> i32 {
    eprintln!("{msg}");
    1
}

fn mfa_login(
    g: &Globals,
    v: &Values,
    input: &mut dyn BufRead,
    out: &mut dyn Write,
) -> Result<i32, Error> {
    let duration = v.int("--duration-seconds").unwrap_or(DEFAULT_DURATION);
    let settings = crate::session::load_settings(g)?;
    let sts = crate::session::build_with(g, &settings)?;
    let found = settings
        .credentials_provider(Some(crate::session::mfa_prompt()))
        .provide_credentials();
    let (creds, serial) = match found {
        Ok(c) => {
            let configured = settings
                .profiles()
                .selected()
                .and_then(|p| p.get_nonempty("mfa_serial"))
                .map(str::to_owned);
            let Some(serial) = v
                .str("--serial-number")
                .or(configured)
                .or_else(|| ask_value(input, out, "MFA serial number or ARN"))
            else {
                return Ok(fail("MFA serial number or MFA device ARN is required"));
            };
            (c, serial)
        }
        // No profile and no credentials to name as the source: the keys are asked for.
        Err(e) if e.is_no_credentials() => {
            let _ = writeln!(out, "Please provide your AWS credentials:");
            let mut answer = |prompt: &str| {
                ask_value(input, out, prompt)
                    .filter(|a| a != "None")
                    .ok_or_else(|| fail(&format!("{prompt} is required")))
            };
            let key = match answer("AWS Access Key ID") {
                Ok(k) => k,
                Err(code) => return Ok(code),
            };
            let secret = match answer("AWS Secret Access Key") {
                Ok(s) => SecretString::new(s),
                Err(code) => return Ok(code),
            };
            let serial = match v.str("--serial-number") {
                Some(s) => s,
                None => match answer("MFA serial number or ARN") {
                    Ok(s) => s,
                    Err(code) => return Ok(code),
                },
            };
            // The code is asked for below, as the CLI asks it last.
            (Credentials::new(key, secret, None), serial)
        }
        Err(e) => return Err(e),
    };
    let Some(code) = ask_value(input, out, "MFA token code") else {
        return Ok(fail("MFA token code is required"));
    };
    let target = match v.str("--update-profile") {
        Some(p) => p,
        None => {
            let default = profile_for_device(&serial);
            match ask(input, out, &format!("Profile to update [{default}]: ")) {
                Some(a) if !a.is_empty() => a,
                _ => default,
            }
        }
    };
    let session = match session(&sts, &creds, duration, serial, code) {
        Ok(c) => c,
        Err(Error::Service(s)) => {
            return Ok(fail(&format!(
                "An error occurred: An error occurred ({}) when calling the GetSessionToken \
                 operation: {}",
                s.code.as_str(),
                s.message.as_deref().unwrap_or("Unknown")
            )));
        }
        Err(e) => return Err(e),
    };
    write_profile(&target, &session)?;
    let expires = session
        .expiration
        .map(|t| {
            format!(
                "{:04}-{:02}-{:02} {:02}:{:02}:{:02} UTC",
                t.year(),
                u8::from(t.month()),
                t.day(),
                t.hour(),
                t.minute(),
                t.second()
            )
        })
        .unwrap_or_else(|| "None".to_owned());
    let _ = write!(
        out,
        "Temporary credentials written to profile '{target}'\n\
         Credentials will expire at {expires}\n\
         To use these credentials, specify --profile {target} when running AWS CLI commands\n"
    );
    let _ = out.flush();
    Ok(0)
}

/// The `GetSessionToken` session of `creds` with the MFA `code`.
fn session(
    sts: &Sts,
    creds: &Credentials,
    duration: i32,
    serial: String,
    code: String,
) -> Result<Credentials, Error> {
    let mut op = GetSessionToken::new();
    op.duration_seconds = Some(duration);
    op.serial_number = Some(serial);
    op.token_code = Some(SecretString::new(code));
    sts.send_with_credentials(&op, creds)?.into_credentials()
}

/// Writes the session into `profile` of the shared credentials file.
fn write_profile(profile: &str, c: &Credentials) -> Result<(), Error> {
    let locations = FileLocations::resolve(&Env::real(), Platform::current())?;
    let Some(path) = locations.credentials else {
        return Err(Error::config(
            "no credentials file to write: set AWS_SHARED_CREDENTIALS_FILE or HOME",
        ));
    };
    let token = c.session_token.as_ref().map_or("", |t| t.expose());
    config_writer::update_file(
        &path,
        profile,
        &[
            ("aws_access_key_id", c.access_key_id.as_str()),
            ("aws_secret_access_key", c.secret_access_key.expose()),
            ("aws_session_token", token),
        ],
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn default_profile_names_of_devices() {
        assert_eq!(
            profile_for_device("arn:aws:iam::123456789012:mfa/alice"),
            "123456789012-alice"
        );
        assert_eq!(
            profile_for_device("arn:aws:iam::123456789012:mfa/path/bob"),
            "123456789012-bob"
        );
        assert_eq!(profile_for_device("GAHT12345678"), "session-GAHT12345678");
        // An ARN cut short: the CLI would fail on it; here it is a serial like any other.
        assert_eq!(
            profile_for_device("arn:aws:iam::1"),
            "session-arn:aws:iam::1"
        );
    }

    #[test]
    fn answers_are_lines_and_the_end_of_input_is_none() {
        let mut input: &[u8] = b"123456\r\n\nlast";
        let mut out = Vec::new();
        assert_eq!(
            ask_value(&mut input, &mut out, "MFA token code").as_deref(),
            Some("123456")
        );
        assert_eq!(ask_value(&mut input, &mut out, "X"), None);
        assert_eq!(ask(&mut input, &mut out, "Y: ").as_deref(), Some("last"));
        assert_eq!(ask(&mut input, &mut out, "Z: "), None);
        assert_eq!(String::from_utf8(out).unwrap(), "MFA token code: X: Y: Z: ");
    }
}

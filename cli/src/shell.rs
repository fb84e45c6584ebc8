//! `sts assume PROFILE [--unset]` and `sts shell-init SHELL`: a profile's credentials in the
//! current shell, as granted's `assume` puts them there.
//!
//! A program cannot change the variables of the shell that runs it, so `sts shell-init` prints a
//! small shell function named `sts` that the shell loads once (`eval "$(sts shell-init bash)"`):
//! for `sts assume ...` it runs `command sts assume --shell SHELL ...`, and only when that
//! succeeds and prints statements (they start with [`MARKER`]) does it evaluate them; every other
//! `sts` command line runs the program as it is. A failing assume prints its error and leaves the
//! shell's variables as they were.
//!
//! The statements are `sts export-credentials`' own (`--format env`, `fish` or `powershell`),
//! then the rest of what a shell with a profile in it needs: the region (`--region`, else the
//! profile's `region`), `AWS_ACCOUNT_ID` when known, [`PROFILE_VAR`] with the profile's name for
//! a prompt, and the variables that would compete with the keys removed.

use crate::spec::{Command, Example, Globals, Kind, Run, Values, flag, operand, with_choices};
use sts_blocking::{Credentials, ProvideCredentials};

/// The shells `sts shell-init` and `sts assume --shell` know.
const SHELLS: &[&str] = &["bash", "zsh", "fish", "powershell"];

/// The first line of `sts assume --shell` output: the function evaluates nothing else.
pub(crate) const MARKER: &str = "# sts assume";

/// The variable that names the profile in effect, for a prompt (granted's `AWS_PROFILE`,
/// aws-vault's `AWS_VAULT`).
pub(crate) const PROFILE_VAR: &str = "STS_PROFILE";

/// Removed by `sts assume`: they would compete with the keys it sets (a stale token, another
/// profile's name).
const COMPETING: &[&str] = &["AWS_PROFILE", "AWS_DEFAULT_PROFILE", "AWS_SECURITY_TOKEN"];

/// Every variable `sts assume` sets: `--unset` removes them.
const ASSUMED: &[&str] = &[
    "AWS_ACCESS_KEY_ID",
    "AWS_SECRET_ACCESS_KEY",
    "AWS_SESSION_TOKEN",
    "AWS_CREDENTIAL_EXPIRATION",
    "AWS_ACCOUNT_ID",
    "AWS_REGION",
    "AWS_DEFAULT_REGION",
    PROFILE_VAR,
];

/// `sts assume`.
pub(crate) const ASSUME: Command = Command {
    name: "assume",
    action: "",
    summary: "Puts a profile's credentials into the current shell (granted's assume).",
    description: "Resolves the credentials of PROFILE as every other command does (role \
        chains, MFA prompted on the terminal, the AWS CLI's cache ~/.aws/cli/cache, SSO, \
        credential_process, ...) and sets them in the shell it is typed in: AWS_ACCESS_KEY_ID, \
        AWS_SECRET_ACCESS_KEY, AWS_SESSION_TOKEN and AWS_CREDENTIAL_EXPIRATION (as sts \
        export-credentials prints them), AWS_REGION and AWS_DEFAULT_REGION (--region, else the \
        profile's region; without either, a region a previous sts assume set is removed and \
        one of your own is kept), AWS_ACCOUNT_ID when known, and STS_PROFILE, the profile's \
        name, for a prompt. AWS_PROFILE, AWS_DEFAULT_PROFILE and AWS_SECURITY_TOKEN are \
        removed. --unset removes every variable sts assume sets.\n\n\
        A program cannot change its shell's variables: sts assume works through the function \
        sts shell-init prints, loaded once by the shell (see sts shell-init help). The function \
        runs sts assume --shell SHELL and evaluates its output only when it succeeds: a profile \
        that fails prints the error and leaves the shell's variables as they were. Run without \
        the function (without --shell), sts assume says how to load it.\n\n\
        The credentials are not refreshed: run sts assume again when AWS_CREDENTIAL_EXPIRATION \
        is near, or use sts exec --server for long-running programs.",
    flags: &[
        operand(
            "profile",
            false,
            "The profile of the shared config files whose credentials to set (--profile also \
             names it).",
        ),
        flag(
            "--unset",
            "",
            Kind::Switch,
            false,
            "Remove the variables sts assume sets instead (no profile).",
            "",
        ),
        with_choices(
            flag(
                "--shell",
                "",
                Kind::Str,
                false,
                "The shell to print statements for; the function of sts shell-init gives it. \
                 Without it, sts assume prints how to load that function.",
                "bash, zsh, fish or powershell",
            ),
            SHELLS,
        ),
    ],
    output: &[],
    examples: &[
        Example {
            title: "To load the function in bash (once, in ~/.bashrc), then use a profile",
            command: "eval \"$(sts shell-init bash)\"; sts assume dev",
            output: "",
        },
        Example {
            title: "To leave it",
            command: "sts assume --unset",
            output: "",
        },
    ],
    credentials: false,
    signed: false,
    run: Run::Custom(run_assume),
};

/// `sts shell-init`.
pub(crate) const SHELL_INIT: Command = Command {
    name: "shell-init",
    action: "",
    summary: "Prints the shell function behind sts assume, for bash, zsh, fish or PowerShell.",
    description: "Prints a shell function named sts for the shell given: sts assume PROFILE \
        (and sts assume --unset) then change the variables of that shell, and every other sts \
        command line runs the program as before. Load it once per shell, from its startup \
        file:\n\n\
        bash (~/.bashrc): eval \"$(sts shell-init bash)\"\n\n\
        zsh (~/.zshrc): eval \"$(sts shell-init zsh)\"\n\n\
        fish (~/.config/fish/config.fish): sts shell-init fish | source\n\n\
        PowerShell ($PROFILE): sts shell-init powershell | Out-String | Invoke-Expression\n\n\
        The function evaluates the output of sts assume --shell only when it succeeds and starts \
        with the line # sts assume; anything else (an error, help) is printed as it is.",
    flags: &[with_choices(
        operand("shell", true, "The shell: bash, zsh, fish or powershell."),
        SHELLS,
    )],
    output: &[],
    examples: &[Example {
        title: "To load it in fish",
        command: "sts shell-init fish | source",
        output: "",
    }],
    credentials: false,
    signed: false,
    run: Run::Custom(run_shell_init),
};

fn usage(msg: &str) -> i32 {
    crate::errors::cli_error(crate::errors::CliError::Usage(msg.to_owned()))
}

fn run_shell_init(_: &Globals, v: &Values, _: &[String]) -> i32 {
    crate::session::emit(&function(&v.req("shell")))
}

fn run_assume(g: &Globals, v: &Values, _: &[String]) -> i32 {
    let Some(shell) = v.str("--shell") else {
        return crate::errors::param(
            "sts assume sets variables of the shell it is typed in, which a program cannot do \
             by itself: load the sts shell function first (once, in your shell's startup file), \
             for example eval \"$(sts shell-init bash)\" in ~/.bashrc or sts shell-init fish | \
             source in ~/.config/fish/config.fish, then run sts assume again. See 'sts \
             shell-init help'.",
        );
    };
    let previous = std::env::var_os(PROFILE_VAR).is_some_and(|p| !p.is_empty());
    if v.switch("--unset") {
        if v.str("profile").is_some() {
            return usage("argument --unset: not allowed with argument profile");
        }
        let mut ops: Vec<Op> = ASSUMED.iter().map(|k| Op::Unset(k)).collect();
        ops.insert(0, Op::Comment("--unset".into()));
        return crate::session::emit(&render(&shell, &ops, None));
    }
    let Some(profile) = v.str("profile").or_else(|| g.profile.clone()) else {
        return usage("the following arguments are required: profile");
    };
    let mut g = g.clone();
    g.profile = Some(profile.clone());
    let settings = match crate::session::load_settings(&g) {
        Ok(s) => s,
        Err(e) => return crate::session::report(&ASSUME, &e, None),
    };
    let creds = match settings
        .credentials_provider(Some(crate::session::mfa_prompt()))
        .provide_credentials()
    {
        Ok(c) => c,
        Err(e) => return crate::session::report(&ASSUME, &e, None),
    };
    let region = g.region.clone().or_else(|| {
        settings
            .profiles()
            .selected()
            .and_then(|p| p.get_nonempty("region"))
            .map(|r| r.trim().to_owned())
    });
    let credentials = match crate::identity::render(&creds, export_format(&shell)) {
        Ok(text) => text,
        Err(e) => return crate::session::report(&ASSUME, &e, None),
    };
    let ops = statements(&profile, &creds, region.as_deref(), previous);
    crate::session::emit(&render(&shell, &ops, Some(&credentials)))
}

/// One statement for the shell.
#[derive(Debug, PartialEq, Eq)]
enum Op {
    /// A comment (the marker line's text after [`MARKER`]).
    Comment(String),
    /// Set and export a variable (the account, the region, the profile: the secrets are in
    /// export-credentials' lines, never in an op).
    Set(&'static str, String),
    /// Remove a variable.
    Unset(&'static str),
}

/// What `sts assume` does besides the credentials export-credentials prints: `previous` says
/// whether [`PROFILE_VAR`] is set (a region then comes from the previous assume).
fn statements(profile: &str, c: &Credentials, region: Option<&str>, previous: bool) -> Vec<Op> {
    let mut ops = vec![Op::Comment(format!("profile {}", profile.escape_debug()))];
    // What export-credentials leaves out for these credentials, left over from before.
    if c.session_token.is_none() {
        ops.push(Op::Unset("AWS_SESSION_TOKEN"));
    }
    if c.expiration.is_none() {
        ops.push(Op::Unset("AWS_CREDENTIAL_EXPIRATION"));
    }
    match &c.account_id {
        Some(a) => ops.push(Op::Set("AWS_ACCOUNT_ID", a.clone())),
        None => ops.push(Op::Unset("AWS_ACCOUNT_ID")),
    }
    match region {
        Some(r) => {
            ops.push(Op::Set("AWS_REGION", r.to_owned()));
            ops.push(Op::Set("AWS_DEFAULT_REGION", r.to_owned()));
        }
        None if previous => {
            ops.push(Op::Unset("AWS_REGION"));
            ops.push(Op::Unset("AWS_DEFAULT_REGION"));
        }
        None => {}
    }
    ops.extend(COMPETING.iter().map(|k| Op::Unset(k)));
    ops.push(Op::Set(PROFILE_VAR, profile.to_owned()));
    ops
}

/// The `export-credentials --format` whose lines `shell` evaluates.
fn export_format(shell: &str) -> &'static str {
    match shell {
        "fish" => "fish",
        "powershell" => "powershell",
        _ => "env",
    }
}

/// The statements for `shell`: the marker (with the first op's comment), the credentials lines
/// of export-credentials, then the ops.
fn render(shell: &str, ops: &[Op], credentials: Option<&str>) -> String {
    let mut out = String::new();
    for op in ops {
        let line = match op {
            Op::Comment(text) => format!("{MARKER}: {text}"),
            Op::Set(k, v) => match shell {
                "fish" => format!("set -gx {k} {}", crate::identity::fish_quote(v)),
                "powershell" => format!("$Env:{k}={}", crate::identity::powershell_quote(v)),
                _ => format!("export {k}={}", crate::output::shell_quote(v)),
            },
            Op::Unset(k) => match shell {
                "fish" => format!("set -e -g {k}"),
                "powershell" => format!("Remove-Item Env:{k} -ErrorAction SilentlyContinue"),
                _ => format!("unset {k}"),
            },
        };
        out.push_str(&line);
        out.push('\n');
        // The credentials right after the marker.
        if let (Op::Comment(_), Some(text)) = (op, credentials) {
            out.push_str(text);
            out.push('\n');
        }
    }
    out
}

/// The function `sts shell-init SHELL` prints.
fn function(shell: &str) -> String {
    let head = format!(
        "# The sts shell function (generated by `sts shell-init {shell}`): `sts assume PROFILE` \
         sets the\n# profile's credentials in this shell, `sts assume --unset` removes them; any \
         other sts command\n# line runs the program.\n"
    );
    let body = match shell {
        "fish" => FISH.to_owned(),
        "powershell" => POWERSHELL.to_owned(),
        other => POSIX.replace("--shell bash", &format!("--shell {other}")),
    };
    format!("{head}{body}")
}

/// bash and zsh: the output is evaluated only when the command succeeded and it starts with the
/// marker.
const POSIX: &str = r#"sts() {
    if [ "${1-}" = assume ]; then
        shift
        local __sts_out
        __sts_out="$(command sts assume --shell bash "$@")" || return
        case "$__sts_out" in
            '# sts assume'*) eval "$__sts_out" ;;
            *) [ -z "$__sts_out" ] || printf '%s\n' "$__sts_out" ;;
        esac
    else
        command sts "$@"
    fi
}
"#;

const FISH: &str = r#"function sts --description 'sts, with sts assume for this shell'
    if test (count $argv) -gt 0; and test "$argv[1]" = assume
        set -e argv[1]
        set -l __sts_out (command sts assume --shell fish $argv)
        set -l __sts_status $status
        if test $__sts_status -ne 0
            return $__sts_status
        end
        if string match -q -- '# sts assume*' "$__sts_out[1]"
            string join \n -- $__sts_out | source
            # Erasing a variable that is not set leaves a status of 4 behind.
            return 0
        else if test (count $__sts_out) -gt 0
            printf '%s\n' $__sts_out
        end
    else
        command sts $argv
    end
end
"#;

const POWERSHELL: &str = r#"function sts {
    $exe = (Get-Command -Name sts -CommandType Application -ErrorAction Stop | Select-Object -First 1).Source
    if ($args.Count -gt 0 -and $args[0] -eq 'assume') {
        $rest = @($args | Select-Object -Skip 1)
        $out = & $exe assume --shell powershell @rest
        if ($LASTEXITCODE -ne 0) { return }
        $text = ($out | Out-String).TrimEnd()
        if ($text.StartsWith('# sts assume')) { Invoke-Expression $text } elseif ($text) { $text }
    } else {
        & $exe @args
    }
}
"#;

#[cfg(test)]
mod tests {
    use super::*;
    use sts_blocking::SecretString;

    fn creds() -> Credentials {
        let mut c = Credentials::new("ASIAX", "se'cret", Some(SecretString::new("tok")))
            .with_expiration(time::OffsetDateTime::UNIX_EPOCH);
        c.account_id = Some("123456789012".into());
        c
    }

    #[test]
    fn statements_for_each_shell() {
        let c = creds();
        let ops = statements("dev", &c, Some("eu-west-1"), false);
        let posix = render(
            "bash",
            &ops,
            Some(&crate::identity::render(&c, "env").unwrap()),
        );
        assert_eq!(
            posix,
            "# sts assume: profile dev\n\
             export AWS_ACCESS_KEY_ID=ASIAX\n\
             export AWS_SECRET_ACCESS_KEY='se'\\''cret'\n\
             export AWS_SESSION_TOKEN=tok\n\
             export AWS_CREDENTIAL_EXPIRATION=1970-01-01T00:00:00+00:00\n\
             export AWS_ACCOUNT_ID=123456789012\n\
             export AWS_REGION=eu-west-1\n\
             export AWS_DEFAULT_REGION=eu-west-1\n\
             unset AWS_PROFILE\n\
             unset AWS_DEFAULT_PROFILE\n\
             unset AWS_SECURITY_TOKEN\n\
             export STS_PROFILE=dev\n"
        );
        let fish = render(
            "fish",
            &ops,
            Some(&crate::identity::render(&c, "fish").unwrap()),
        );
        assert!(
            fish.starts_with("# sts assume: profile dev\nset -gx AWS_ACCESS_KEY_ID \"ASIAX\"\n")
        );
        assert!(fish.contains("\nset -e -g AWS_PROFILE\n"));
        assert!(fish.ends_with("set -gx STS_PROFILE \"dev\"\n"));
        let ps = render(
            "powershell",
            &ops,
            Some(&crate::identity::render(&c, "powershell").unwrap()),
        );
        assert!(
            ps.contains("\n$Env:AWS_SECRET_ACCESS_KEY='se''cret'\n"),
            "{ps}"
        );
        assert!(ps.contains("\nRemove-Item Env:AWS_PROFILE -ErrorAction SilentlyContinue\n"));
    }

    #[test]
    fn leftovers_are_removed_and_a_region_of_ones_own_is_kept() {
        let keys = Credentials::new("AKIAX", "s", None);
        let ops = statements("base", &keys, None, false);
        for gone in [
            "AWS_SESSION_TOKEN",
            "AWS_CREDENTIAL_EXPIRATION",
            "AWS_ACCOUNT_ID",
        ] {
            assert!(ops.contains(&Op::Unset(gone)), "{gone}");
        }
        assert!(
            !ops.iter()
                .any(|o| matches!(o, Op::Unset("AWS_REGION") | Op::Set("AWS_REGION", _)))
        );
        // After another assume, its region goes.
        let ops = statements("base", &keys, None, true);
        assert!(
            ops.contains(&Op::Unset("AWS_REGION"))
                && ops.contains(&Op::Unset("AWS_DEFAULT_REGION"))
        );
        // A profile name is a comment's text: a line break cannot end the comment.
        let ops = statements("a\nrm -rf x", &keys, None, false);
        assert_eq!(ops[0], Op::Comment("profile a\\nrm -rf x".into()));
        assert_eq!(
            render("bash", &ops[..1], None),
            "# sts assume: profile a\\nrm -rf x\n"
        );
        assert!(render("bash", &ops, None).contains("export STS_PROFILE='a\nrm -rf x'\n"));
    }

    #[test]
    fn functions_name_their_shell() {
        assert!(function("zsh").contains("command sts assume --shell zsh \"$@\""));
        assert!(function("bash").contains("command sts assume --shell bash \"$@\""));
        assert!(function("fish").contains("command sts assume --shell fish $argv"));
        assert!(function("powershell").contains("assume --shell powershell @rest"));
        for s in SHELLS {
            assert!(function(s).contains(MARKER), "{s}");
        }
    }
}

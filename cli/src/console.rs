//! `sts console`: a sign-in URL for the AWS Management Console with the credentials in effect,
//! built as a custom identity broker builds it (see [`crate::federation`]).

use crate::federation::{self, CallerKind};
use crate::spec::{Command, Example, Globals, Kind, Run, Values, flag, out};
use sts_blocking::credentials::Env;
use sts_blocking::error::escape_controls;
use sts_blocking::ops::{GetCallerIdentity, GetFederationToken};
use sts_blocking::settings::Settings;
use sts_blocking::{Credentials, Error, Sts};

/// `sts console`.
pub(crate) const CONSOLE: Command = Command {
    name: "console",
    action: "",
    summary: "Opens the AWS console signed in with a profile's credentials (aws-vault login).",
    description: "Builds a sign-in URL for the AWS Management Console from the credentials \
        every other command uses (--profile with role chains, SSO, login_session, ...) and \
        opens it in the browser (xdg-open, open, or rundll32 on Windows), or prints it with \
        --print. When the browser cannot be opened, the URL is printed instead. The URL is on \
        no command line (other users see those): the opener gets a page in a private directory \
        of the temporary directory (mode 0600, removed a minute later) that sends the browser \
        on to it.\n\n\
        Role sessions (AssumeRole, SSO, aws login) are exchanged as they are. Long-term access \
        keys of an IAM user first get a GetFederationToken session named after the user, with \
        the session policy {\"Version\":\"2012-10-17\",\"Statement\":[{\"Effect\":\"Allow\",\
        \"Action\":\"*\",\"Resource\":\"*\"}]}: the console then has exactly the user's own \
        permissions (a session policy can only narrow them; such a session can never call IAM). \
        Credentials from GetSessionToken cannot sign in to the console: sts says so.\n\n\
        The federation endpoint is the partition's (https://signin.aws.amazon.com/federation, \
        https://signin.amazonaws.cn/federation, \
        https://signin.amazonaws-us-gov.com/federation) for the configured region; \
        AWS_ENDPOINT_URL_SIGNIN (or the signin services section) replaces the host: the \
        endpoint is then that URL followed by /federation. The URL carries a sign-in token \
        that opens the console for the rest of the session: do not share it.",
    flags: &[
        flag(
            "--duration-seconds",
            "",
            Kind::Int,
            false,
            "For a role session: how long the console session lasts (SessionDuration; default: \
             one hour). For long-term keys: the duration of the GetFederationToken session, \
             which the console session then lasts. Not accepted for other credentials.",
            "900 to 43200 for a role session, 900 to 129600 for long-term keys",
        ),
        flag(
            "--destination",
            "",
            Kind::Str,
            false,
            "The console page to open: an https URL on the console of the configured \
             region's partition (console.aws.amazon.com, console.amazonaws.cn or \
             console.amazonaws-us-gov.com) or a host under it (eu-west-1.console.aws.amazon.com, \
             s3.console.aws.amazon.com). Default: the console home of the configured region.",
            "an https URL of the console",
        ),
        flag(
            "--service",
            "",
            Kind::Str,
            false,
            "The console of this service instead of the console home: on the region's console \
             host with the region in the URL for a regional service \
             (https://eu-west-1.console.aws.amazon.com/ec2/v2/home?region=eu-west-1), on the \
             partition's console without a region for a global one (iam, route53, \
             organizations, billing, ce, cloudfront, globalaccelerator, support, \
             trustedadvisor), as granted builds them. The names: acm, aos, apigateway, apigw, \
             appsync, athena, backup, bedrock, billing, c9, ce, cf, cfn, cloud9, \
             cloudformation, cloudfront, cloudmap, cloudshell, cloudtrail, cloudwatch, \
             codeartifact, codebuild, codecommit, codedeploy, codepipeline, codesuite, cognito, \
             config, controltower, cost-management, ct, cw, ddb, directconnect, dms, dx, \
             dynamodb, eb, ebs, ec2, ecr, ecs, eks, elasticache, elasticbeanstalk, eventbridge, \
             events, ga, gd, globalaccelerator, glue, grafana, guardduty, iam, kinesis, kms, l, \
             lambda, logs, mwaa, opensearch, organizations, orgs, param, r53, ram, rds, \
             redshift, route53, s3, sagemaker, scrh, scrm, secretsmanager, securityhub, \
             servicequotas, ses, sfn, sm, sns, sqs, ssm, sso, states, stepfn, stepfunctions, \
             support, tra, trustedadvisor, vpc, waf, wafv2. Not with --destination.",
            "one of the names above",
        ),
        flag(
            "--logout-first",
            "",
            Kind::Switch,
            false,
            "Sign out of the console first: the URL opens the partition's sign-out page, which \
             sends the browser on to the sign-in URL (aws-vault's --auto-logout). Off by \
             default: signing out ends every console session of the browser, which breaks the \
             console's multi-session mode.",
            "",
        ),
        flag(
            "--print",
            "",
            Kind::Switch,
            false,
            "Print the sign-in URL on standard output instead of opening it.",
            "",
        ),
    ],
    output: &[out(
        "URL",
        "string",
        "With --print, or when no browser could be opened: the sign-in URL, on one line.",
    )],
    examples: &[
        Example {
            title: "To open the console as the role of a profile",
            command: "sts console --profile dev",
            output: "",
        },
        Example {
            title: "To open the EC2 console of eu-west-1, signed out of any other session first",
            command: "sts console --profile dev --service ec2 --region eu-west-1 --logout-first",
            output: "",
        },
        Example {
            title: "To print a sign-in URL for the S3 console, valid for two hours",
            command: "sts console --profile dev --duration-seconds 7200 --print \
                      --destination https://console.aws.amazon.com/s3/home",
            output: "",
        },
    ],
    credentials: false,
    signed: true,
    run: Run::Custom(run),
};

fn usage(msg: &str) -> i32 {
    crate::errors::param(msg)
}

fn run(g: &Globals, v: &Values, _: &[String]) -> i32 {
    let duration = v.int("--duration-seconds").map(i64::from);
    let env = Env::real();
    let settings = match crate::session::load_settings(g) {
        Ok(s) => s,
        Err(e) => return crate::session::report(&CONSOLE, &e, None),
    };
    // The endpoints and the destination first: a wrong --destination is refused before any call.
    let region = settings.region.as_deref();
    let signin = settings.profiles().configured_endpoint_url(&env, "signin");
    let endpoints = match federation::endpoints_for(region, signin.as_deref()) {
        Ok(e) => e,
        Err(e) => return crate::session::report(&CONSOLE, &e, None),
    };
    let destination = match (v.str("--destination"), v.str("--service")) {
        (Some(_), Some(_)) => {
            return crate::errors::cli_error(crate::errors::CliError::Usage(
                "argument --service: not allowed with argument --destination".into(),
            ));
        }
        (Some(d), None) => match federation::check_destination(&d, &endpoints.console) {
            Ok(()) => d,
            Err(e) => return crate::session::report(&CONSOLE, &e, None),
        },
        (None, Some(name)) => {
            match crate::console_services::for_flag(&name, &endpoints.console, region) {
                Ok(d) => d,
                Err(code) => return code,
            }
        }
        (None, None) => federation::default_destination(&endpoints.console, region),
    };
    let sts = match crate::session::client(g, &settings) {
        Ok(s) => s,
        Err(e) => return crate::session::report(&CONSOLE, &e, None),
    };
    let session = match session(&sts, duration) {
        Ok(Ok(s)) => s,
        Ok(Err(code)) => return code,
        Err(e) => return crate::session::report(&CONSOLE, &e, Some(&sts)),
    };
    let url = match signin_url(&env, &settings, &endpoints, &destination, &session) {
        Ok(u) if v.switch("--logout-first") => {
            crate::console_services::logout_first(&endpoints.federation, &u)
        }
        Ok(u) => u,
        Err(e) => return crate::session::report(&CONSOLE, &e, Some(&sts)),
    };
    if v.switch("--print") {
        return crate::session::emit(&format!("{}\n", url.expose()));
    }
    // Not on the opener's command line: the URL is a credential (see `browser`).
    match crate::browser::open_private(url.expose()) {
        Ok(()) => {
            eprintln!("Opened the console sign-in URL in your browser.");
            0
        }
        Err(why) => {
            eprintln!("Could not open a browser ({why}); open this URL:");
            crate::session::emit(&format!("{}\n", url.expose()))
        }
    }
}

/// The credentials to sign in with and the `SessionDuration` to ask for, or an exit status.
fn session(
    sts: &Sts,
    duration: Option<i64>,
) -> Result<Result<(Credentials, Option<i64>), i32>, Error> {
    let creds = sts.resolve_credentials()?;
    let arn = sts
        .send_with_credentials(&GetCallerIdentity::new(), &creds)?
        .arn
        .unwrap_or_default();
    let kind = federation::classify_arn(&arn);
    // The service's text, for messages: control characters escaped.
    let shown = escape_controls(&arn);
    if creds.session_token.is_none() {
        if let Some(d) = duration
            && !federation::FEDERATION_DURATION.contains(&d)
        {
            return Ok(Err(usage(&format!(
                "Parameter validation failed:\nInvalid value for parameter --duration-seconds: \
                 a GetFederationToken session lasts 900 to 129600 seconds, got {d}"
            ))));
        }
        let mut op = GetFederationToken::new(federation::federated_name(&arn));
        op.policy = Some(federation::ALLOW_ALL_POLICY.to_owned());
        op.duration_seconds = duration.and_then(|d| i32::try_from(d).ok());
        let mut c = sts.send_with_credentials(&op, &creds)?.into_credentials()?;
        c.account_id = creds.account_id;
        return Ok(Ok((c, None)));
    }
    match kind {
        CallerKind::User | CallerKind::Root => Ok(Err(crate::errors::configuration(&format!(
            "These credentials are a GetSessionToken session of {shown}, which the console \
                 federation endpoint refuses. Use a role (a profile with role_arn, SSO or aws \
                 login), or the user's long-term keys (sts console then makes a \
                 GetFederationToken session)."
        )))),
        CallerKind::FederatedUser if duration.is_some() => Ok(Err(usage(
            "--duration-seconds cannot be used with GetFederationToken credentials: the console \
             session lasts as long as they do",
        ))),
        CallerKind::AssumedRole => {
            if let Some(d) = duration
                && let Err(e) = federation::check_session_duration(d)
            {
                return Err(e);
            }
            Ok(Ok((creds, duration)))
        }
        _ => {
            if duration.is_some() {
                return Ok(Err(usage(&format!(
                    "--duration-seconds can only be used with a role session, and {shown} is not \
                     one"
                ))));
            }
            Ok(Ok((creds, None)))
        }
    }
}

fn signin_url(
    env: &Env,
    settings: &Settings,
    endpoints: &federation::ConsoleEndpoints,
    destination: &str,
    (creds, duration): &(Credentials, Option<i64>),
) -> Result<sts_blocking::SecretString, Error> {
    let request = federation::signin_token_url(
        &endpoints.federation,
        &federation::session_json(creds),
        *duration,
    );
    let token = sts_blocking::presign::request_signin_token(
        &endpoints.federation,
        &request,
        env,
        settings.ca_bundle.clone(),
    )?;
    Ok(federation::login_url(
        &endpoints.federation,
        federation::ISSUER,
        destination,
        &token,
    ))
}

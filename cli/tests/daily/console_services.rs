//! `sts console --service`, `--region` and `--logout-first` end to end: the sign-in URL sends the
//! browser to the service's console of the region (the pages of every service are golden in
//! `console-services.txt`, checked by the program's unit tests), and bad names are usage errors
//! before any call.

use crate::console::{BASE_KEYS, ROLE_CONFIG, expected_url, fake_federation};
use crate::fake::FakeSts;
use crate::{code, home, run, stderr, stdout, sts};
use sts_blocking::sigv4::uri_encode_component;

#[test]
fn a_service_opens_on_its_regions_console() {
    let fake = FakeSts::start(3600, "arn:aws:sts::123456789012:assumed-role/dev/s");
    let fed = fake_federation();
    let h = home("console-service", ROLE_CONFIG, BASE_KEYS);
    let (sts_url, fed_url) = (fake.url(), fed.url());
    let federation = format!("{fed_url}/federation");
    let env = [
        ("AWS_ENDPOINT_URL_STS", sts_url.as_str()),
        ("AWS_ENDPOINT_URL_SIGNIN", fed_url.as_str()),
    ];
    let console = |extra: &[&str]| {
        let mut args = vec!["console", "--profile", "dev", "--print"];
        args.extend_from_slice(extra);
        run(sts(&h, &env, &args))
    };
    for (args, destination) in [
        // The profile's region.
        (
            &["--service", "ec2"][..],
            "https://eu-west-1.console.aws.amazon.com/ec2/v2/home?region=eu-west-1",
        ),
        // --region wins; a partition's first region is on the partition's own host.
        (
            &["--service", "lambda", "--region", "us-east-1"][..],
            "https://console.aws.amazon.com/lambda/home?region=us-east-1",
        ),
        (
            &["--service", "logs", "--region", "ap-south-1"][..],
            "https://ap-south-1.console.aws.amazon.com/cloudwatch/home?region=ap-south-1\
             #logsV2:log-groups",
        ),
        // Global services carry no region.
        (
            &["--service", "iam"][..],
            "https://console.aws.amazon.com/iamv2/home",
        ),
        // Another partition's console.
        (
            &["--service", "s3", "--region", "cn-northwest-1"][..],
            "https://cn-northwest-1.console.amazonaws.cn/s3/home?region=cn-northwest-1",
        ),
    ] {
        let o = console(args);
        assert_eq!(code(&o), 0, "{args:?}: {}", stderr(&o));
        assert_eq!(
            stdout(&o),
            format!("{}\n", expected_url(&federation, destination)),
            "{args:?}"
        );
    }
    // --logout-first: the sign-out page of the sign-in host, sending the browser on.
    let o = console(&["--service", "ec2", "--logout-first"]);
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    let login = expected_url(
        &federation,
        "https://eu-west-1.console.aws.amazon.com/ec2/v2/home?region=eu-west-1",
    );
    assert_eq!(
        stdout(&o),
        format!(
            "{fed_url}/oauth?Action=logout&redirect_uri={}\n",
            uri_encode_component(&login)
        )
    );
    // Without it (the default) no sign-out: checked above, every URL starts at /federation.
}

#[test]
fn an_unknown_service_is_a_usage_error_before_any_call() {
    let fake = FakeSts::start(3600, "arn:aws:sts::123456789012:assumed-role/dev/s");
    let fed = fake_federation();
    let h = home("console-service-bad", ROLE_CONFIG, BASE_KEYS);
    let (sts_url, fed_url) = (fake.url(), fed.url());
    let env = [
        ("AWS_ENDPOINT_URL_STS", sts_url.as_str()),
        ("AWS_ENDPOINT_URL_SIGNIN", fed_url.as_str()),
    ];
    // STS has no console; names are case-sensitive, as granted's.
    for name in ["sts", "EC2", ""] {
        let o = run(sts(
            &h,
            &env,
            &["console", "--profile", "dev", "--print", "--service", name],
        ));
        assert_eq!(code(&o), 252, "{name}: {}", stderr(&o));
        let err = stderr(&o);
        assert!(
            err.contains(&format!("argument --service: unknown service '{name}'"))
                && err.contains("'sts console help'"),
            "{err}"
        );
        assert_eq!(stdout(&o), "");
    }
    let o = run(sts(
        &h,
        &env,
        &[
            "console",
            "--profile",
            "dev",
            "--print",
            "--service",
            "s3",
            "--destination",
            "https://console.aws.amazon.com/",
        ],
    ));
    assert_eq!(code(&o), 252, "{}", stderr(&o));
    assert!(
        stderr(&o).contains("argument --service: not allowed with argument --destination"),
        "{}",
        stderr(&o)
    );
    // A region no URL can hold (from a config file): botocore's words, nothing called.
    let bad = home(
        "console-service-region",
        "[profile dev]\nrole_arn = arn:aws:iam::123456789012:role/dev\n\
         source_profile = base\nregion = evil.example/x\n",
        BASE_KEYS,
    );
    let o = run(sts(
        &bad,
        &env,
        &["console", "--profile", "dev", "--print", "--service", "ec2"],
    ));
    assert_eq!(code(&o), 255, "{}", stderr(&o));
    assert!(
        stderr(&o)
            .contains("Provided region_name 'evil.example/x' doesn't match a supported format."),
        "{}",
        stderr(&o)
    );
    assert!(fake.actions().is_empty(), "{:?}", fake.actions());
    assert!(fed.requests().is_empty());
}

#[test]
fn the_help_lists_the_services() {
    let h = home("console-service-help", "", "");
    let o = run(sts(&h, &[], &["console", "help"]));
    let help = stdout(&o).split_whitespace().collect::<Vec<_>>().join(" ");
    for name in ["cloudformation,", "stepfunctions,", "logs,", "wafv2."] {
        assert!(help.contains(name), "{name}");
    }
}

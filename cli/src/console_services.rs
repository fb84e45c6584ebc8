//! `sts console --service NAME` and `--logout-first`: the console page of a service, as granted
//! builds it (`pkg/console/aws.go` and `service_map.go`), and aws-vault's sign-out redirect
//! (`cli/login.go`). Pure: URLs in, URLs out.
//!
//! A regional service opens on the region's console host with the region in the query,
//! `https://eu-west-1.console.aws.amazon.com/ec2/v2/home?region=eu-west-1`; the first region of
//! each partition (us-east-1, cn-north-1, us-gov-west-1) and no region use the partition's own
//! host, as granted does. A global service (IAM, Route 53, Organizations, billing, ...) opens on
//! the partition's host without a region: `https://console.aws.amazon.com/iamv2/home`. (granted
//! checks its list of global services against the mapped path, so only two of them ever lose the
//! region there; here every service of the list does.)

use sts_blocking::SecretString;
use sts_blocking::sigv4::uri_encode_component;

/// A console service: the name `--service` takes, the console path before `/home`, whether it
/// is global (no region in its URL), and what follows the query (a page inside the console).
#[derive(Debug)]
pub(crate) struct Service {
    /// The name given to `--service`.
    pub name: &'static str,
    /// The path on the console host, before `/home`.
    pub path: &'static str,
    /// Global: the partition's host and no `region` parameter.
    pub global: bool,
    /// Appended after the query (`#logsV2:log-groups`).
    pub fragment: &'static str,
}

const fn regional(name: &'static str, path: &'static str) -> Service {
    Service {
        name,
        path,
        global: false,
        fragment: "",
    }
}

const fn global(name: &'static str, path: &'static str) -> Service {
    Service {
        name,
        path,
        global: true,
        fragment: "",
    }
}

/// Every service `--service` knows, in alphabetical order: granted's map (its short names
/// included) and a few more of the most used (logs, codebuild, glue, stepfunctions, ...).
pub(crate) static SERVICES: &[Service] = &[
    regional("acm", "acm"),
    regional("aos", "aos"),
    regional("apigateway", "apigateway"),
    regional("apigw", "apigateway"),
    regional("appsync", "appsync"),
    regional("athena", "athena"),
    regional("backup", "backup"),
    regional("bedrock", "bedrock"),
    global("billing", "billing"),
    regional("c9", "cloud9"),
    global("ce", "cost-management"),
    global("cf", "cloudfront"),
    regional("cfn", "cloudformation"),
    regional("cloud9", "cloud9"),
    regional("cloudformation", "cloudformation"),
    global("cloudfront", "cloudfront"),
    regional("cloudmap", "cloudmap"),
    regional("cloudshell", "cloudshell"),
    regional("cloudtrail", "cloudtrail"),
    regional("cloudwatch", "cloudwatch"),
    regional("codeartifact", "codesuite/codeartifact"),
    regional("codebuild", "codesuite/codebuild"),
    regional("codecommit", "codesuite/codecommit"),
    regional("codedeploy", "codedeploy"),
    regional("codepipeline", "codepipeline"),
    regional("codesuite", "codesuite"),
    regional("cognito", "cognito"),
    regional("config", "config"),
    regional("controltower", "controltower"),
    global("cost-management", "cost-management"),
    regional("ct", "cloudtrail"),
    regional("cw", "cloudwatch"),
    regional("ddb", "dynamodbv2"),
    regional("directconnect", "directconnect/v2"),
    regional("dms", "dms/v2"),
    regional("dx", "directconnect/v2"),
    regional("dynamodb", "dynamodbv2"),
    regional("eb", "elasticbeanstalk"),
    regional("ebs", "elasticbeanstalk"),
    regional("ec2", "ec2/v2"),
    regional("ecr", "ecr"),
    regional("ecs", "ecs"),
    regional("eks", "eks"),
    regional("elasticache", "elasticache"),
    regional("elasticbeanstalk", "elasticbeanstalk"),
    regional("eventbridge", "events"),
    regional("events", "events"),
    global("ga", "globalaccelerator"),
    regional("gd", "guardduty"),
    global("globalaccelerator", "globalaccelerator"),
    regional("glue", "glue"),
    regional("grafana", "grafana"),
    regional("guardduty", "guardduty"),
    global("iam", "iamv2"),
    regional("kinesis", "kinesis"),
    regional("kms", "kms"),
    regional("l", "lambda"),
    regional("lambda", "lambda"),
    Service {
        name: "logs",
        path: "cloudwatch",
        global: false,
        fragment: "#logsV2:log-groups",
    },
    regional("mwaa", "mwaa"),
    regional("opensearch", "aos"),
    global("organizations", "organizations/v2"),
    global("orgs", "organizations/v2"),
    regional("param", "systems-manager/parameters"),
    global("r53", "route53/v2"),
    regional("ram", "ram"),
    regional("rds", "rds"),
    regional("redshift", "redshiftv2"),
    global("route53", "route53/v2"),
    regional("s3", "s3"),
    regional("sagemaker", "sagemaker"),
    regional("scrh", "securityhub"),
    regional("scrm", "secretsmanager"),
    regional("secretsmanager", "secretsmanager"),
    regional("securityhub", "securityhub"),
    regional("servicequotas", "servicequotas"),
    regional("ses", "ses"),
    regional("sfn", "states"),
    regional("sm", "secretsmanager"),
    regional("sns", "sns"),
    regional("sqs", "sqs"),
    regional("ssm", "systems-manager"),
    regional("sso", "singlesignon"),
    regional("states", "states"),
    regional("stepfn", "states"),
    regional("stepfunctions", "states"),
    global("support", "support"),
    global("tra", "trustedadvisor"),
    global("trustedadvisor", "trustedadvisor"),
    regional("vpc", "vpc"),
    regional("waf", "wafv2"),
    regional("wafv2", "wafv2/homev2"),
];

/// The service called `name`.
pub(crate) fn find(name: &str) -> Option<&'static Service> {
    SERVICES.iter().find(|s| s.name == name)
}

/// Whether `region` can be a label of a host name (letters, digits and `-`), so that it may
/// prefix the console host.
fn host_label(region: &str) -> bool {
    !region.is_empty()
        && region.len() <= 63
        && region
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
}

/// The console page of `service` for `region`, on `console` (the partition's console,
/// `https://console.aws.amazon.com`). A region that is not a host label (it came from a config
/// file) is `Err` with the region, escaped for printing.
pub(crate) fn destination(
    console: &str,
    region: Option<&str>,
    service: &Service,
) -> Result<String, String> {
    let region = if service.global { None } else { region };
    let Some(region) = region else {
        return Ok(format!(
            "{console}/{}/home{}",
            service.path, service.fragment
        ));
    };
    if !host_label(region) {
        return Err(region.escape_debug().to_string());
    }
    // granted's RegionalConsoleHostString: no prefix for each partition's first region.
    let host = match region {
        "us-east-1" | "cn-north-1" | "us-gov-west-1" => console.to_owned(),
        _ => match console.strip_prefix("https://") {
            Some(rest) => format!("https://{region}.{rest}"),
            None => console.to_owned(),
        },
    };
    Ok(format!(
        "{host}/{}/home?region={}{}",
        service.path,
        uri_encode_component(region),
        service.fragment
    ))
}

/// The page of the service called `name` (`--service`), or the exit status after printing why
/// not: an unknown name is a usage error (252), a region that cannot be in a URL botocore's
/// `InvalidRegionError` (255).
pub(crate) fn for_flag(name: &str, console: &str, region: Option<&str>) -> Result<String, i32> {
    let Some(service) = find(name) else {
        return Err(crate::errors::cli_error(crate::errors::CliError::Usage(
            format!(
                "argument --service: unknown service {}; the known names are listed under \
             --service in 'sts console help'",
                crate::pystyle::repr(name)
            ),
        )));
    };
    destination(console, region, service).map_err(|region| {
        crate::errors::general(&format!(
            "Provided region_name '{region}' doesn't match a supported format."
        ))
    })
}

/// `--logout-first`: the partition's sign-out page, which then sends the browser on to `login`
/// (aws-vault's `--auto-logout`), so that the console session of another identity ends first.
/// `federation` is the federation endpoint (`https://signin.aws.amazon.com/federation`): the
/// sign-out page is on the same host. A secret, as `login` is.
pub(crate) fn logout_first(federation: &str, login: &SecretString) -> SecretString {
    let signin = federation.strip_suffix("/federation").unwrap_or(federation);
    SecretString::new(format!(
        "{signin}/oauth?Action=logout&redirect_uri={}",
        uri_encode_component(login.expose())
    ))
}

/// The names for help, comma-separated.
#[cfg(test)]
fn names() -> String {
    SERVICES
        .iter()
        .map(|s| s.name)
        .collect::<Vec<_>>()
        .join(", ")
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The partitions' consoles, as `federation::endpoints_for` gives them, with a region of
    /// each partition's first and of another.
    const CONSOLES: &[(&str, &[&str])] = &[
        (
            "https://console.aws.amazon.com",
            &["us-east-1", "eu-central-1"],
        ),
        (
            "https://console.amazonaws.cn",
            &["cn-north-1", "cn-northwest-1"],
        ),
        (
            "https://console.amazonaws-us-gov.com",
            &["us-gov-west-1", "us-gov-east-1"],
        ),
    ];

    /// Every service's page in every partition, with and without a region: the golden file
    /// `cli/tests/golden/console-services.txt` (`UPDATE_GOLDEN=1` rewrites it).
    #[test]
    fn every_service_url_matches_the_golden_file() {
        let mut out = String::new();
        for s in SERVICES {
            out.push_str(&format!("{}\n", s.name));
            for (console, regions) in CONSOLES {
                for region in regions.iter().map(|r| Some(*r)).chain([None]) {
                    let url = destination(console, region, s).unwrap();
                    out.push_str(&format!("  {:<14} {url}\n", region.unwrap_or("(none)")));
                }
            }
        }
        let path = concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/tests/golden/console-services.txt"
        );
        if std::env::var_os("UPDATE_GOLDEN").is_some() {
            std::fs::write(path, &out).unwrap();
            return;
        }
        let expected = std::fs::read_to_string(path)
            .unwrap_or_else(|_| panic!("{path} missing: run with UPDATE_GOLDEN=1"));
        assert_eq!(
            out, expected,
            "console-services.txt differs (UPDATE_GOLDEN=1 rewrites it)"
        );
    }

    #[test]
    fn regional_and_global_pages() {
        let aws = "https://console.aws.amazon.com";
        let at = |name: &str, region: Option<&str>| destination(aws, region, find(name).unwrap());
        assert_eq!(
            at("ec2", Some("eu-west-1")).unwrap(),
            "https://eu-west-1.console.aws.amazon.com/ec2/v2/home?region=eu-west-1"
        );
        assert_eq!(
            at("s3", Some("us-east-1")).unwrap(),
            "https://console.aws.amazon.com/s3/home?region=us-east-1"
        );
        assert_eq!(
            at("iam", Some("eu-west-1")).unwrap(),
            "https://console.aws.amazon.com/iamv2/home"
        );
        assert_eq!(
            at("logs", Some("ap-south-1")).unwrap(),
            "https://ap-south-1.console.aws.amazon.com/cloudwatch/home?region=ap-south-1\
             #logsV2:log-groups"
        );
        assert_eq!(at("lambda", None).unwrap(), format!("{aws}/lambda/home"));
        // A region from a config file that is no host label goes nowhere.
        assert_eq!(
            at("ec2", Some("evil.example/x")).unwrap_err(),
            "evil.example/x"
        );
        assert!(at("ec2", Some("a\nb")).unwrap_err().contains("\\n"));
        assert!(find("sts").is_none() && find("").is_none() && find("EC2").is_none());
    }

    #[test]
    fn the_table_is_sorted_unique_and_covers_the_most_used() {
        for w in SERVICES.windows(2) {
            assert!(w[0].name < w[1].name, "{} {}", w[0].name, w[1].name);
        }
        for name in [
            "s3",
            "ec2",
            "iam",
            "cloudformation",
            "lambda",
            "dynamodb",
            "rds",
            "cloudwatch",
            "logs",
            "ecs",
            "eks",
            "sqs",
            "sns",
            "route53",
            "vpc",
            "kms",
            "secretsmanager",
            "ssm",
            "cloudtrail",
            "billing",
            "organizations",
            "apigateway",
            "cloudfront",
            "ecr",
            "elasticbeanstalk",
            "glue",
            "athena",
            "sagemaker",
            "stepfunctions",
            "codebuild",
            "codepipeline",
        ] {
            assert!(find(name).is_some(), "{name}");
        }
    }

    /// The help of `--service` lists every name.
    #[test]
    fn help_lists_every_name() {
        let doc: String = crate::console::CONSOLE
            .flags
            .iter()
            .find(|f| f.name == "--service")
            .unwrap()
            .doc
            .split_whitespace()
            .collect::<Vec<_>>()
            .join(" ");
        assert!(doc.contains(&names()), "{doc}\n{}", names());
    }

    #[test]
    fn the_sign_out_page_sends_on_to_the_login_url() {
        let login = SecretString::new(
            "https://signin.aws.amazon.com/federation?Action=login&Issuer=sts-blocking\
             &Destination=https%3A%2F%2Fconsole.aws.amazon.com%2F&SigninToken=t%2Bk",
        );
        assert_eq!(
            logout_first("https://signin.aws.amazon.com/federation", &login).expose(),
            "https://signin.aws.amazon.com/oauth?Action=logout&redirect_uri=https%3A%2F%2Fsignin.\
             aws.amazon.com%2Ffederation%3FAction%3Dlogin%26Issuer%3Dsts-blocking%26Destination%3D\
             https%253A%252F%252Fconsole.aws.amazon.com%252F%26SigninToken%3Dt%252Bk"
        );
        assert!(
            logout_first("https://signin.amazonaws.cn/federation", &login)
                .expose()
                .starts_with("https://signin.amazonaws.cn/oauth?Action=logout&redirect_uri=")
        );
    }
}

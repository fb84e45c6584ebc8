//! STS endpoint resolution: a hand-written copy of the STS endpoint rule set (`smithy.rules#endpointRuleSet`)
//! and of the `aws.partition` table it calls.
//!
//! Pure code, no I/O. [`resolve`] follows the rules in their evaluation order and returns the same URLs,
//! signing regions and error messages as the rule set:
//!
//! 1. `UseGlobalEndpoint` without a custom endpoint, FIPS or dual-stack: the 16 [`LEGACY_GLOBAL_REGIONS`] use
//!    `https://sts.amazonaws.com` (signed for `us-east-1`), any other region its regional endpoint.
//! 2. A custom endpoint is used as given (an error with FIPS or dual-stack).
//! 3. With a region: FIPS and/or dual-stack variants, `aws-global`, or `https://sts.{Region}.{dnsSuffix}`.
//! 4. No region: an error.
//!
//! ```
//! use sts_blocking::endpoint::{resolve, EndpointParams};
//! let ep = resolve(&EndpointParams::for_region("eu-west-1")).unwrap();
//! assert_eq!(ep.url, "https://sts.eu-west-1.amazonaws.com");
//! assert_eq!(ep.signing_region, "eu-west-1");
//! ```
//!
//! Like the rule set, the region is not validated: it is interpolated into the host name as given. Callers
//! that take a region from users should reject anything that is not a plain host label first.
//!
//! A client adds defaults around the rules, as the AWS CLI does: [`for_client`] resolves the
//! endpoints of a client's settings (no region means `aws-global`; GetWebIdentityToken goes to the
//! regional endpoint). [`Sts`](crate::Sts) and a bring-your-own-HTTP driver of the call engine
//! ([`Engine::builder`](crate::engine::Engine::builder)) both take their endpoints from it.
//!
//! ```
//! use sts_blocking::endpoint::{for_client, EndpointParams};
//! // No region, no custom endpoint: the rules fail, a client uses aws-global.
//! let client = for_client(&EndpointParams::default()).unwrap();
//! assert_eq!(client.main.url, "https://sts.amazonaws.com");
//! assert_eq!(client.main.signing_region, "us-east-1");
//! ```

use crate::error::Error;

/// The signing name of every STS endpoint.
pub const SIGNING_NAME: &str = "sts";

/// The legacy global endpoint, `https://sts.amazonaws.com` (signed for `us-east-1`).
pub const GLOBAL_ENDPOINT: &str = "https://sts.amazonaws.com";

/// The pseudo-region of the global endpoint: what the AWS CLI uses when no region is configured.
pub const GLOBAL_REGION: &str = "aws-global";

/// The 16 regions that `UseGlobalEndpoint` (`sts_regional_endpoints = legacy`) sends to the global endpoint.
///
/// ```
/// assert!(sts_blocking::endpoint::LEGACY_GLOBAL_REGIONS.contains(&"aws-global"));
/// ```
pub const LEGACY_GLOBAL_REGIONS: &[&str] = &[
    "ap-northeast-1",
    "ap-south-1",
    "ap-southeast-1",
    "ap-southeast-2",
    "aws-global",
    "ca-central-1",
    "eu-central-1",
    "eu-north-1",
    "eu-west-1",
    "eu-west-2",
    "eu-west-3",
    "sa-east-1",
    "us-east-1",
    "us-east-2",
    "us-west-1",
    "us-west-2",
];

/// The inputs of the STS endpoint rule set.
///
/// ```
/// use sts_blocking::endpoint::EndpointParams;
/// let params = EndpointParams::for_region("us-east-1").use_fips(true);
/// assert!(params.use_fips && !params.use_dual_stack);
/// ```
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct EndpointParams<'a> {
    /// `Region` (`AWS::Region`). `Some("")` counts as set, as in the rule set; map empty input to `None`.
    pub region: Option<&'a str>,
    /// `UseFIPS` (`AWS::UseFIPS`).
    pub use_fips: bool,
    /// `UseDualStack` (`AWS::UseDualStack`).
    pub use_dual_stack: bool,
    /// `UseGlobalEndpoint` (`AWS::STS::UseGlobalEndpoint`, i.e. `sts_regional_endpoints = legacy`).
    pub use_global_endpoint: bool,
    /// `Endpoint` (`SDK::Endpoint`): a custom endpoint URL, used as given.
    pub endpoint: Option<&'a str>,
}

impl<'a> EndpointParams<'a> {
    /// Parameters with only a region set (all flags false, no custom endpoint).
    ///
    /// ```
    /// let p = sts_blocking::endpoint::EndpointParams::for_region("us-west-2");
    /// assert_eq!(p.region, Some("us-west-2"));
    /// ```
    #[must_use]
    pub fn for_region(region: &'a str) -> Self {
        Self {
            region: Some(region),
            ..Self::default()
        }
    }

    /// Sets `Region` (`None`: no region).
    #[must_use]
    pub fn region(mut self, region: Option<&'a str>) -> Self {
        self.region = region;
        self
    }

    /// Sets `UseFIPS`.
    #[must_use]
    pub fn use_fips(mut self, on: bool) -> Self {
        self.use_fips = on;
        self
    }

    /// Sets `UseDualStack`.
    #[must_use]
    pub fn use_dual_stack(mut self, on: bool) -> Self {
        self.use_dual_stack = on;
        self
    }

    /// Sets `UseGlobalEndpoint`.
    #[must_use]
    pub fn use_global_endpoint(mut self, on: bool) -> Self {
        self.use_global_endpoint = on;
        self
    }

    /// Sets `Endpoint`, a custom endpoint URL (`None`: resolved from the rules).
    #[must_use]
    pub fn endpoint(mut self, url: Option<&'a str>) -> Self {
        self.endpoint = url;
        self
    }
}

/// A resolved endpoint: where to send the request and how to sign it.
///
/// ```
/// use sts_blocking::endpoint::{resolve, EndpointParams};
/// let ep = resolve(&EndpointParams::for_region("us-west-1").use_global_endpoint(true)).unwrap();
/// assert_eq!((ep.url.as_str(), ep.signing_region.as_str()), ("https://sts.amazonaws.com", "us-east-1"));
/// assert_eq!(ep.signing_name, "sts");
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct ResolvedEndpoint {
    /// The endpoint URL (no trailing slash unless a custom endpoint had one).
    pub url: String,
    /// The SigV4 signing region.
    pub signing_region: String,
    /// The SigV4 signing name, always `sts`.
    pub signing_name: &'static str,
}

/// How a partition's `regionRegex` is matched, without a regex engine.
///
/// Every STS partition regex has the shape `^PREFIX\-\w+\-\d+$` where `PREFIX` is one or more fixed
/// `-`-separated labels (the `aws` partition allows one of several first labels).
#[derive(Debug)]
enum RegionPattern {
    /// `^(a|b|...)\-\w+\-\d+$`: one label out of the list.
    OneOf(&'static [&'static str]),
    /// `^a\-b\-\w+\-\d+$`: these labels in order.
    Labels(&'static [&'static str]),
}

/// `\w` as in the rule set's regexes: ASCII letters, digits and underscore.
fn is_word(s: &str) -> bool {
    !s.is_empty() && s.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_')
}

/// `\d+`: one or more ASCII digits.
fn is_digits(s: &str) -> bool {
    !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit())
}

impl RegionPattern {
    fn matches(&self, region: &str) -> bool {
        // `\w` cannot match `-`, so the regex splits exactly at the hyphens.
        let mut labels = region.split('-');
        let prefix_ok = match self {
            Self::OneOf(firsts) => labels.next().is_some_and(|l| firsts.contains(&l)),
            Self::Labels(fixed) => fixed.iter().all(|f| labels.next() == Some(*f)),
        };
        prefix_ok
            && labels.next().is_some_and(is_word)
            && labels.next().is_some_and(is_digits)
            && labels.next().is_none()
    }
}

/// One AWS partition, as `aws.partition` returns it (the `outputs` of `partitions.json`).
///
/// ```
/// let p = sts_blocking::endpoint::partition_for("cn-north-1");
/// assert_eq!((p.id, p.dns_suffix), ("aws-cn", "amazonaws.com.cn"));
/// ```
#[derive(Debug)]
#[non_exhaustive]
pub struct Partition {
    /// The partition id, also its `name` (`aws`, `aws-cn`, `aws-us-gov`, ...).
    pub id: &'static str,
    /// The `regionRegex` of `partitions.json`, for reference (matching is hand-written).
    pub region_regex: &'static str,
    /// The regions `partitions.json` lists explicitly (including the `*-global` pseudo-regions).
    pub regions: &'static [&'static str],
    /// The DNS suffix of ordinary endpoints.
    pub dns_suffix: &'static str,
    /// The DNS suffix of dual-stack endpoints.
    pub dual_stack_dns_suffix: &'static str,
    /// Whether the partition has FIPS endpoints.
    pub supports_fips: bool,
    /// Whether the partition has dual-stack endpoints.
    pub supports_dual_stack: bool,
    /// The region global services of the partition sign for.
    pub implicit_global_region: &'static str,
    pattern: RegionPattern,
}

impl Partition {
    /// Whether `region` matches the partition's `regionRegex` (the explicit region list is not consulted).
    ///
    /// ```
    /// let aws = sts_blocking::endpoint::partition_for("us-east-1");
    /// assert!(aws.matches_region_regex("us-east-9"));
    /// assert!(!aws.matches_region_regex("aws-global"));
    /// ```
    #[must_use]
    pub fn matches_region_regex(&self, region: &str) -> bool {
        self.pattern.matches(region)
    }
}

/// Every partition of `partitions.json`, in its order (a newer rule set may add some).
///
/// ```
/// let all = sts_blocking::endpoint::partitions();
/// assert_eq!(all[0].id, "aws");
/// assert!(all.iter().any(|p| p.id == "aws-cn"));
/// ```
#[must_use]
pub fn partitions() -> &'static [Partition] {
    &PARTITIONS
}

static PARTITIONS: [Partition; 8] = [
    Partition {
        id: "aws",
        region_regex: r"^(us|eu|ap|sa|ca|me|af|il|mx)\-\w+\-\d+$",
        regions: &[
            "af-south-1",
            "ap-east-1",
            "ap-east-2",
            "ap-northeast-1",
            "ap-northeast-2",
            "ap-northeast-3",
            "ap-south-1",
            "ap-south-2",
            "ap-southeast-1",
            "ap-southeast-2",
            "ap-southeast-3",
            "ap-southeast-4",
            "ap-southeast-5",
            "ap-southeast-6",
            "ap-southeast-7",
            "aws-global",
            "ca-central-1",
            "ca-west-1",
            "eu-central-1",
            "eu-central-2",
            "eu-north-1",
            "eu-south-1",
            "eu-south-2",
            "eu-west-1",
            "eu-west-2",
            "eu-west-3",
            "il-central-1",
            "me-central-1",
            "me-south-1",
            "me-west-1",
            "mx-central-1",
            "sa-east-1",
            "sa-west-1",
            "us-east-1",
            "us-east-2",
            "us-west-1",
            "us-west-2",
        ],
        dns_suffix: "amazonaws.com",
        dual_stack_dns_suffix: "api.aws",
        supports_fips: true,
        supports_dual_stack: true,
        implicit_global_region: "us-east-1",
        pattern: RegionPattern::OneOf(&["us", "eu", "ap", "sa", "ca", "me", "af", "il", "mx"]),
    },
    Partition {
        id: "aws-cn",
        region_regex: r"^cn\-\w+\-\d+$",
        regions: &["aws-cn-global", "cn-north-1", "cn-northwest-1"],
        dns_suffix: "amazonaws.com.cn",
        dual_stack_dns_suffix: "api.amazonwebservices.com.cn",
        supports_fips: true,
        supports_dual_stack: true,
        implicit_global_region: "cn-northwest-1",
        pattern: RegionPattern::Labels(&["cn"]),
    },
    Partition {
        id: "aws-eusc",
        region_regex: r"^eusc\-(de)\-\w+\-\d+$",
        regions: &["eusc-de-east-1"],
        dns_suffix: "amazonaws.eu",
        dual_stack_dns_suffix: "api.amazonwebservices.eu",
        supports_fips: true,
        supports_dual_stack: true,
        implicit_global_region: "eusc-de-east-1",
        pattern: RegionPattern::Labels(&["eusc", "de"]),
    },
    Partition {
        id: "aws-iso",
        region_regex: r"^us\-iso\-\w+\-\d+$",
        regions: &["aws-iso-global", "us-iso-east-1", "us-iso-west-1"],
        dns_suffix: "c2s.ic.gov",
        dual_stack_dns_suffix: "api.aws.ic.gov",
        supports_fips: true,
        supports_dual_stack: true,
        implicit_global_region: "us-iso-east-1",
        pattern: RegionPattern::Labels(&["us", "iso"]),
    },
    Partition {
        id: "aws-iso-b",
        region_regex: r"^us\-isob\-\w+\-\d+$",
        regions: &["aws-iso-b-global", "us-isob-east-1", "us-isob-west-1"],
        dns_suffix: "sc2s.sgov.gov",
        dual_stack_dns_suffix: "api.aws.scloud",
        supports_fips: true,
        supports_dual_stack: true,
        implicit_global_region: "us-isob-east-1",
        pattern: RegionPattern::Labels(&["us", "isob"]),
    },
    Partition {
        id: "aws-iso-e",
        region_regex: r"^eu\-isoe\-\w+\-\d+$",
        regions: &["aws-iso-e-global", "eu-isoe-west-1"],
        dns_suffix: "cloud.adc-e.uk",
        dual_stack_dns_suffix: "api.cloud-aws.adc-e.uk",
        supports_fips: true,
        supports_dual_stack: true,
        implicit_global_region: "eu-isoe-west-1",
        pattern: RegionPattern::Labels(&["eu", "isoe"]),
    },
    Partition {
        id: "aws-iso-f",
        region_regex: r"^us\-isof\-\w+\-\d+$",
        regions: &["aws-iso-f-global", "us-isof-east-1", "us-isof-south-1"],
        dns_suffix: "csp.hci.ic.gov",
        dual_stack_dns_suffix: "api.aws.hci.ic.gov",
        supports_fips: true,
        supports_dual_stack: true,
        implicit_global_region: "us-isof-south-1",
        pattern: RegionPattern::Labels(&["us", "isof"]),
    },
    Partition {
        id: "aws-us-gov",
        region_regex: r"^us\-gov\-\w+\-\d+$",
        regions: &["aws-us-gov-global", "us-gov-east-1", "us-gov-west-1"],
        dns_suffix: "amazonaws.com",
        dual_stack_dns_suffix: "api.aws",
        supports_fips: true,
        supports_dual_stack: true,
        implicit_global_region: "us-gov-west-1",
        pattern: RegionPattern::Labels(&["us", "gov"]),
    },
];

/// `aws.partition`: the partition of a region. Explicitly listed regions win, then the first partition
/// whose `regionRegex` matches, and anything else falls back to `aws`. Never fails, never panics.
///
/// ```
/// use sts_blocking::endpoint::partition_for;
/// assert_eq!(partition_for("us-gov-west-1").id, "aws-us-gov");
/// assert_eq!(partition_for("us-isob-east-7").id, "aws-iso-b");
/// assert_eq!(partition_for("not a region").id, "aws");
/// ```
#[must_use]
pub fn partition_for(region: &str) -> &'static Partition {
    PARTITIONS
        .iter()
        .find(|p| p.regions.contains(&region))
        .or_else(|| PARTITIONS.iter().find(|p| p.pattern.matches(region)))
        .unwrap_or(&PARTITIONS[0])
}

/// Checks that a region is a valid host label (letters, digits and `-`, not at either end, at most
/// 63 characters), as botocore does: it is spliced into host names (`sts.{region}.amazonaws.com`,
/// `portal.sso.{region}.amazonaws.com`), where anything else could name another host.
///
/// # Errors
/// [`Error::Config`] quoting the region (cut when long).
pub(crate) fn check_region(region: &str) -> Result<(), Error> {
    // botocore's rule: `^(?![0-9]+$)(?!-)[a-zA-Z0-9-]{,63}(?<!-)$` (and not empty here).
    let ok = (1..=63).contains(&region.len())
        && region
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-')
        && !region.bytes().all(|b| b.is_ascii_digit())
        && !region.starts_with('-')
        && !region.ends_with('-');
    if ok {
        return Ok(());
    }
    // botocore's words; the value quoted as botocore quotes it unless it is long or has control
    // characters (then escaped and cut).
    let shown = if region.chars().count() > 64 || region.chars().any(char::is_control) {
        crate::error::echo(region)
    } else {
        format!("'{region}'")
    };
    Err(Error::config(format!(
        "Provided region_name {shown} doesn't match a supported format."
    )))
}

fn endpoint_error(message: &str) -> Error {
    Error::Endpoint {
        message: message.to_owned(),
    }
}

fn endpoint(url: String, signing_region: &str) -> ResolvedEndpoint {
    ResolvedEndpoint {
        url,
        signing_region: signing_region.to_owned(),
        signing_name: SIGNING_NAME,
    }
}

/// Resolves the STS endpoint for `params`, following the STS endpoint rule set exactly.
///
/// A custom endpoint signs for the given region, or `us-east-1` without one. Errors are
/// [`Error::Endpoint`] with the rule set's message, e.g.
/// `Invalid Configuration: FIPS and custom endpoint are not supported` or
/// `Invalid Configuration: Missing Region`.
///
/// ```
/// use sts_blocking::endpoint::{resolve, EndpointParams};
/// let fips = EndpointParams::for_region("us-gov-east-1").use_fips(true);
/// assert_eq!(resolve(&fips).unwrap().url, "https://sts.us-gov-east-1.amazonaws.com");
/// assert!(resolve(&EndpointParams::default()).is_err());
/// ```
pub fn resolve(params: &EndpointParams<'_>) -> Result<ResolvedEndpoint, Error> {
    // Rule 1: the legacy global endpoint.
    if params.use_global_endpoint
        && params.endpoint.is_none()
        && !params.use_fips
        && !params.use_dual_stack
        && let Some(region) = params.region
    {
        let partition = partition_for(region);
        if LEGACY_GLOBAL_REGIONS.contains(&region) {
            return Ok(endpoint(GLOBAL_ENDPOINT.to_owned(), "us-east-1"));
        }
        return Ok(endpoint(
            format!("https://sts.{region}.{}", partition.dns_suffix),
            region,
        ));
    }

    // Rule 2: a custom endpoint.
    if let Some(url) = params.endpoint {
        if params.use_fips {
            return Err(endpoint_error(
                "Invalid Configuration: FIPS and custom endpoint are not supported",
            ));
        }
        if params.use_dual_stack {
            return Err(endpoint_error(
                "Invalid Configuration: Dualstack and custom endpoint are not supported",
            ));
        }
        return Ok(endpoint(
            url.to_owned(),
            params.region.unwrap_or("us-east-1"),
        ));
    }

    // Rule 3: a region.
    let Some(region) = params.region else {
        // Rule 4.
        return Err(endpoint_error("Invalid Configuration: Missing Region"));
    };
    let p = partition_for(region);
    let url = match (params.use_fips, params.use_dual_stack) {
        (true, true) => {
            if !(p.supports_fips && p.supports_dual_stack) {
                return Err(endpoint_error(
                    "FIPS and DualStack are enabled, but this partition does not support one or both",
                ));
            }
            format!("https://sts-fips.{region}.{}", p.dual_stack_dns_suffix)
        }
        (true, false) => {
            if !p.supports_fips {
                return Err(endpoint_error(
                    "FIPS is enabled but this partition does not support FIPS",
                ));
            }
            if p.id == "aws-us-gov" {
                format!("https://sts.{region}.amazonaws.com")
            } else {
                format!("https://sts-fips.{region}.{}", p.dns_suffix)
            }
        }
        (false, true) => {
            if !p.supports_dual_stack {
                return Err(endpoint_error(
                    "DualStack is enabled but this partition does not support DualStack",
                ));
            }
            format!("https://sts.{region}.{}", p.dual_stack_dns_suffix)
        }
        (false, false) if region == "aws-global" => {
            return Ok(endpoint(GLOBAL_ENDPOINT.to_owned(), "us-east-1"));
        }
        (false, false) => format!("https://sts.{region}.{}", p.dns_suffix),
    };
    Ok(endpoint(url, region))
}

/// The endpoints of a client with these settings: [`resolve`]'s rules plus the defaults the AWS CLI
/// adds around them. Built by [`for_client`] (or from one [`ResolvedEndpoint`], taken as it is).
///
/// ```
/// use sts_blocking::endpoint::{for_client, EndpointParams};
/// // The legacy global endpoint does not serve GetWebIdentityToken: it goes to the region's own.
/// let legacy = EndpointParams::for_region("eu-west-1").use_global_endpoint(true);
/// let client = for_client(&legacy).unwrap();
/// assert_eq!(client.main.url, "https://sts.amazonaws.com");
/// assert_eq!(client.for_action("GetWebIdentityToken").url, "https://sts.eu-west-1.amazonaws.com");
/// assert_eq!(client.for_action("AssumeRole").url, "https://sts.amazonaws.com");
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct ClientEndpoints {
    /// Where calls go.
    pub main: ResolvedEndpoint,
    /// Where GetWebIdentityToken goes instead (`None`: to `main`): the regional endpoint, when
    /// `main` is the legacy global one, which does not serve it.
    pub regional: Option<ResolvedEndpoint>,
    /// A custom endpoint and no region. `main` signs for `us-east-1` (the rules' default); a client
    /// configured as the AWS CLI configures itself refuses to sign instead ([`Error::NoRegion`], see
    /// [`EngineBuilder::require_region_to_sign`](crate::engine::EngineBuilder::require_region_to_sign)).
    pub no_region: bool,
}

impl ClientEndpoints {
    /// Where calls of the operation `action` go.
    #[must_use]
    pub fn for_action(&self, action: &str) -> &ResolvedEndpoint {
        match (&self.regional, action) {
            (Some(regional), "GetWebIdentityToken") => regional,
            _ => &self.main,
        }
    }
}

impl From<ResolvedEndpoint> for ClientEndpoints {
    /// Every call to this endpoint, as it is.
    fn from(main: ResolvedEndpoint) -> Self {
        Self {
            main,
            regional: None,
            no_region: false,
        }
    }
}

/// Resolves the endpoints of a client with these settings, as the AWS CLI (botocore) does:
///
/// - the region must be a host label ([`Error::Config`] otherwise), as botocore checks it;
/// - no region and no custom endpoint: the `aws-global` pseudo-region (botocore's partition endpoint
///   for STS), `https://sts.amazonaws.com`, where [`resolve`] says `Missing Region`;
/// - `aws-global` signs for `us-east-1`, its credential scope, with FIPS and dual-stack too;
/// - with `use_global_endpoint`, GetWebIdentityToken goes to the regional endpoint
///   ([`ClientEndpoints::regional`]);
/// - a custom endpoint without a region is marked ([`ClientEndpoints::no_region`]).
///
/// ```
/// use sts_blocking::endpoint::{for_client, EndpointParams};
/// let fips = for_client(&EndpointParams::default().use_fips(true)).unwrap();
/// assert_eq!(fips.main.url, "https://sts-fips.aws-global.amazonaws.com");
/// assert_eq!(fips.main.signing_region, "us-east-1");
/// let custom = for_client(&EndpointParams::default().endpoint(Some("http://127.0.0.1:5000"))).unwrap();
/// assert!(custom.no_region);
/// assert!(for_client(&EndpointParams::for_region("a.b")).is_err());
/// ```
///
/// # Errors
/// [`Error::Config`] for a region that is not a host label; [`Error::Endpoint`] when the rules
/// fail (FIPS with a custom endpoint, ...).
pub fn for_client(params: &EndpointParams<'_>) -> Result<ClientEndpoints, Error> {
    if let Some(region) = params.region {
        check_region(region)?;
    }
    // No region and no custom endpoint: botocore's partition endpoint for STS, `aws-global`.
    let region = match (params.region, params.endpoint) {
        (None, None) => Some(GLOBAL_REGION),
        (region, _) => region,
    };
    let params = EndpointParams { region, ..*params };
    let scoped = |params: &EndpointParams<'_>| {
        let mut resolved = resolve(params)?;
        if region == Some(GLOBAL_REGION) && params.endpoint.is_none() {
            // botocore signs every `aws-global` endpoint (FIPS and dual-stack variants included)
            // for the credential scope endpoints.json gives it, us-east-1.
            "us-east-1".clone_into(&mut resolved.signing_region);
        }
        Ok::<_, Error>(resolved)
    };
    let main = scoped(&params)?;
    let regional = if params.use_global_endpoint && params.endpoint.is_none() {
        let regional = scoped(&EndpointParams {
            use_global_endpoint: false,
            ..params
        })?;
        (regional != main).then_some(regional)
    } else {
        None
    };
    Ok(ClientEndpoints {
        main,
        regional,
        no_region: region.is_none(),
    })
}

/// Every host name the rules can produce for `region` (any combination of FIPS, dual-stack and the
/// legacy global endpoint), sorted and without duplicates. Useful to check that a presigned STS URL (for
/// example an EKS token) points at a genuine STS endpoint of the region's partition.
///
/// ```
/// let hosts = sts_blocking::endpoint::sts_hostnames("us-west-2");
/// assert!(hosts.iter().any(|h| h == "sts.amazonaws.com"));
/// assert!(hosts.iter().any(|h| h == "sts-fips.us-west-2.api.aws"));
/// ```
#[must_use]
pub fn sts_hostnames(region: &str) -> Vec<String> {
    let mut hosts: Vec<String> = Vec::new();
    for bits in 0u8..8 {
        let params = EndpointParams {
            region: Some(region),
            use_fips: bits & 1 != 0,
            use_dual_stack: bits & 2 != 0,
            use_global_endpoint: bits & 4 != 0,
            endpoint: None,
        };
        if let Ok(ep) = resolve(&params)
            && let Some(host) = ep.url.strip_prefix("https://")
        {
            hosts.push(host.to_owned());
        }
    }
    hosts.sort();
    hosts.dedup();
    hosts
}

#[cfg(test)]
mod tests {
    use super::*;

    fn p(region: Option<&str>) -> EndpointParams<'_> {
        EndpointParams {
            region,
            ..EndpointParams::default()
        }
    }

    /// (params, url, signing region) or (params, error message).
    #[test]
    fn table() {
        let r = Some;
        let ok: &[(EndpointParams<'_>, &str, &str)] = &[
            (
                p(r("eu-west-1")),
                "https://sts.eu-west-1.amazonaws.com",
                "eu-west-1",
            ),
            (
                p(r("us-east-1")),
                "https://sts.us-east-1.amazonaws.com",
                "us-east-1",
            ),
            (
                EndpointParams {
                    use_global_endpoint: true,
                    ..p(r("us-west-1"))
                },
                "https://sts.amazonaws.com",
                "us-east-1",
            ),
            (
                EndpointParams {
                    use_global_endpoint: true,
                    ..p(r("ap-east-1"))
                },
                "https://sts.ap-east-1.amazonaws.com",
                "ap-east-1",
            ),
            (
                EndpointParams {
                    use_global_endpoint: true,
                    ..p(r("cn-north-1"))
                },
                "https://sts.cn-north-1.amazonaws.com.cn",
                "cn-north-1",
            ),
            (
                EndpointParams {
                    use_global_endpoint: true,
                    use_fips: true,
                    ..p(r("us-west-1"))
                },
                "https://sts-fips.us-west-1.amazonaws.com",
                "us-west-1",
            ),
            (
                EndpointParams {
                    use_fips: true,
                    ..p(r("us-east-2"))
                },
                "https://sts-fips.us-east-2.amazonaws.com",
                "us-east-2",
            ),
            (
                EndpointParams {
                    use_fips: true,
                    ..p(r("us-gov-west-1"))
                },
                "https://sts.us-gov-west-1.amazonaws.com",
                "us-gov-west-1",
            ),
            (
                EndpointParams {
                    use_dual_stack: true,
                    ..p(r("eu-central-1"))
                },
                "https://sts.eu-central-1.api.aws",
                "eu-central-1",
            ),
            (
                EndpointParams {
                    use_fips: true,
                    use_dual_stack: true,
                    ..p(r("us-gov-east-1"))
                },
                "https://sts-fips.us-gov-east-1.api.aws",
                "us-gov-east-1",
            ),
            (
                p(r("cn-northwest-1")),
                "https://sts.cn-northwest-1.amazonaws.com.cn",
                "cn-northwest-1",
            ),
            (
                EndpointParams {
                    use_dual_stack: true,
                    ..p(r("cn-north-1"))
                },
                "https://sts.cn-north-1.api.amazonwebservices.com.cn",
                "cn-north-1",
            ),
            (
                p(r("us-iso-east-1")),
                "https://sts.us-iso-east-1.c2s.ic.gov",
                "us-iso-east-1",
            ),
            (
                EndpointParams {
                    use_fips: true,
                    ..p(r("us-isob-east-1"))
                },
                "https://sts-fips.us-isob-east-1.sc2s.sgov.gov",
                "us-isob-east-1",
            ),
            (
                p(r("eu-isoe-west-1")),
                "https://sts.eu-isoe-west-1.cloud.adc-e.uk",
                "eu-isoe-west-1",
            ),
            (
                p(r("us-isof-south-1")),
                "https://sts.us-isof-south-1.csp.hci.ic.gov",
                "us-isof-south-1",
            ),
            (
                p(r("eusc-de-east-1")),
                "https://sts.eusc-de-east-1.amazonaws.eu",
                "eusc-de-east-1",
            ),
            (
                EndpointParams {
                    use_dual_stack: true,
                    ..p(r("eusc-de-east-1"))
                },
                "https://sts.eusc-de-east-1.api.amazonwebservices.eu",
                "eusc-de-east-1",
            ),
            (p(r("aws-global")), "https://sts.amazonaws.com", "us-east-1"),
            (
                EndpointParams {
                    use_fips: true,
                    ..p(r("aws-global"))
                },
                "https://sts-fips.aws-global.amazonaws.com",
                "aws-global",
            ),
            (
                EndpointParams {
                    endpoint: Some("https://localhost:8080"),
                    ..p(r("eu-west-1"))
                },
                "https://localhost:8080",
                "eu-west-1",
            ),
            (
                EndpointParams {
                    endpoint: Some("https://example.com"),
                    use_global_endpoint: true,
                    ..p(None)
                },
                "https://example.com",
                "us-east-1",
            ),
        ];
        for (params, url, region) in ok {
            let ep = resolve(params).unwrap_or_else(|e| panic!("{params:?}: {e}"));
            assert_eq!(ep.url, *url, "{params:?}");
            assert_eq!(ep.signing_region, *region, "{params:?}");
            assert_eq!(ep.signing_name, "sts");
        }

        let err: &[(EndpointParams<'_>, &str)] = &[
            (
                EndpointParams {
                    endpoint: Some("https://example.com"),
                    use_fips: true,
                    ..p(r("us-east-1"))
                },
                "Invalid Configuration: FIPS and custom endpoint are not supported",
            ),
            (
                EndpointParams {
                    endpoint: Some("https://example.com"),
                    use_dual_stack: true,
                    ..p(r("us-east-1"))
                },
                "Invalid Configuration: Dualstack and custom endpoint are not supported",
            ),
            (p(None), "Invalid Configuration: Missing Region"),
            (
                EndpointParams {
                    use_global_endpoint: true,
                    ..p(None)
                },
                "Invalid Configuration: Missing Region",
            ),
        ];
        for (params, message) in err {
            match resolve(params) {
                Err(Error::Endpoint { message: m }) => assert_eq!(m, *message, "{params:?}"),
                other => panic!("{params:?}: expected an endpoint error, got {other:?}"),
            }
        }
    }

    #[test]
    fn partitions() {
        let cases = [
            ("us-east-1", "aws"),
            ("us-east-99", "aws"),
            ("mx-central-1", "aws"),
            ("aws-global", "aws"),
            ("cn-north-1", "aws-cn"),
            ("cn-south-3", "aws-cn"),
            ("aws-cn-global", "aws-cn"),
            ("us-gov-west-1", "aws-us-gov"),
            ("us-gov-north-12", "aws-us-gov"),
            ("aws-us-gov-global", "aws-us-gov"),
            ("us-iso-west-2", "aws-iso"),
            ("us-isob-west-2", "aws-iso-b"),
            ("eu-isoe-north-1", "aws-iso-e"),
            ("us-isof-north-1", "aws-iso-f"),
            ("eusc-de-west-2", "aws-eusc"),
            ("eusc-fr-east-1", "aws"),
            ("xx-east-1", "aws"),
            ("", "aws"),
            ("us-east-", "aws"),
            ("us-east-1a", "aws"),
            ("us--1", "aws"),
            ("us-gov-west-1-", "aws"),
        ];
        for (region, id) in cases {
            assert_eq!(partition_for(region).id, id, "{region:?}");
        }
        assert!(PARTITIONS[0].matches_region_regex("us-e_x1-2"));
        assert!(!PARTITIONS[0].matches_region_regex("us-ea st-1"));
        assert!(!PARTITIONS[0].matches_region_regex("us-east-١"));
    }

    #[test]
    fn legacy_regions_are_aws() {
        for r in LEGACY_GLOBAL_REGIONS {
            assert_eq!(partition_for(r).id, "aws");
        }
    }

    #[test]
    fn arbitrary_input_does_not_panic() {
        for region in [
            "",
            "-",
            "--",
            "ü-é-1",
            "\0",
            "a-b-c-d-e-f",
            "us-east-1\n",
            "🦀",
        ] {
            for bits in 0u8..16 {
                let _ = resolve(&EndpointParams {
                    region: Some(region),
                    use_fips: bits & 1 != 0,
                    use_dual_stack: bits & 2 != 0,
                    use_global_endpoint: bits & 4 != 0,
                    endpoint: (bits & 8 != 0).then_some(region),
                });
            }
            let _ = sts_hostnames(region);
        }
    }

    #[test]
    fn hostnames() {
        assert_eq!(
            sts_hostnames("us-gov-west-1"),
            [
                "sts-fips.us-gov-west-1.api.aws",
                "sts.us-gov-west-1.amazonaws.com",
                "sts.us-gov-west-1.api.aws",
            ]
        );
        assert_eq!(
            sts_hostnames("eu-west-1"),
            [
                "sts-fips.eu-west-1.amazonaws.com",
                "sts-fips.eu-west-1.api.aws",
                "sts.amazonaws.com",
                "sts.eu-west-1.amazonaws.com",
                "sts.eu-west-1.api.aws",
            ]
        );
    }

    /// A client's endpoints: (settings) -> (main URL, its signing region, where GetWebIdentityToken
    /// goes with its signing region, no_region).
    type ClientCase<'a> = (
        EndpointParams<'a>,
        &'a str,
        &'a str,
        (&'a str, &'a str),
        bool,
    );

    #[test]
    fn client_defaults() {
        let none = EndpointParams::default();
        let custom = Some("http://127.0.0.1:5000");
        let cases: &[ClientCase<'_>] = &[
            // No region: aws-global, signed for us-east-1 in every variant.
            (
                none,
                "https://sts.amazonaws.com",
                "us-east-1",
                ("https://sts.amazonaws.com", "us-east-1"),
                false,
            ),
            (
                none.use_fips(true),
                "https://sts-fips.aws-global.amazonaws.com",
                "us-east-1",
                ("https://sts-fips.aws-global.amazonaws.com", "us-east-1"),
                false,
            ),
            (
                none.use_dual_stack(true),
                "https://sts.aws-global.api.aws",
                "us-east-1",
                ("https://sts.aws-global.api.aws", "us-east-1"),
                false,
            ),
            (
                p(Some("aws-global")).use_fips(true),
                "https://sts-fips.aws-global.amazonaws.com",
                "us-east-1",
                ("https://sts-fips.aws-global.amazonaws.com", "us-east-1"),
                false,
            ),
            // The legacy global endpoint: GetWebIdentityToken stays regional.
            (
                p(Some("us-west-2")).use_global_endpoint(true),
                "https://sts.amazonaws.com",
                "us-east-1",
                ("https://sts.us-west-2.amazonaws.com", "us-west-2"),
                false,
            ),
            (
                none.use_global_endpoint(true),
                "https://sts.amazonaws.com",
                "us-east-1",
                ("https://sts.amazonaws.com", "us-east-1"),
                false,
            ),
            // aws-global's scope holds for GetWebIdentityToken too.
            (
                none.use_global_endpoint(true).use_fips(true),
                "https://sts-fips.aws-global.amazonaws.com",
                "us-east-1",
                ("https://sts-fips.aws-global.amazonaws.com", "us-east-1"),
                false,
            ),
            (
                none.use_global_endpoint(true).use_dual_stack(true),
                "https://sts.aws-global.api.aws",
                "us-east-1",
                ("https://sts.aws-global.api.aws", "us-east-1"),
                false,
            ),
            // A region is the rules' answer.
            (
                p(Some("eu-west-3")),
                "https://sts.eu-west-3.amazonaws.com",
                "eu-west-3",
                ("https://sts.eu-west-3.amazonaws.com", "eu-west-3"),
                false,
            ),
            // A custom endpoint: as given; without a region, marked.
            (
                none.endpoint(custom),
                "http://127.0.0.1:5000",
                "us-east-1",
                ("http://127.0.0.1:5000", "us-east-1"),
                true,
            ),
            (
                p(Some("eu-west-1"))
                    .endpoint(custom)
                    .use_global_endpoint(true),
                "http://127.0.0.1:5000",
                "eu-west-1",
                ("http://127.0.0.1:5000", "eu-west-1"),
                false,
            ),
        ];
        for (params, url, signing, (gwit_url, gwit_signing), no_region) in cases {
            let c = for_client(params).unwrap();
            assert_eq!(
                (c.main.url.as_str(), c.main.signing_region.as_str()),
                (*url, *signing),
                "{params:?}"
            );
            let gwit = c.for_action("GetWebIdentityToken");
            assert_eq!(
                (gwit.url.as_str(), gwit.signing_region.as_str()),
                (*gwit_url, *gwit_signing),
                "{params:?}"
            );
            assert_eq!(c.for_action("AssumeRole"), &c.main, "{params:?}");
            assert_eq!(c.no_region, *no_region, "{params:?}");
        }
    }

    #[test]
    fn client_errors() {
        for (params, want) in [
            (
                p(Some("evil.com/x")),
                "Provided region_name 'evil.com/x' doesn't match a supported format.",
            ),
            (
                p(Some("")),
                "Provided region_name '' doesn't match a supported format.",
            ),
            (
                EndpointParams::default()
                    .use_fips(true)
                    .endpoint(Some("https://example.com")),
                "Invalid Configuration: FIPS and custom endpoint are not supported",
            ),
        ] {
            let e = for_client(&params).unwrap_err();
            assert!(e.to_string().contains(want), "{params:?}: {e}");
        }
    }
}

//! The endpoint resolver on arbitrary regions and flags, `url::EndpointUrl::parse`, and
//! `clock::parse_http_date` (with the clock-skew offset it feeds).
//!
//! Input: byte 0 holds the four resolver flags and a selector; the rest (lossy UTF-8) is the region,
//! the custom endpoint URL (after the first NUL) and an HTTP date (after the second NUL).
#![no_main]

use libfuzzer_sys::fuzz_target;
use sts_blocking::__private::clock::{ClockOffset, parse_http_date};
use sts_blocking::__private::url::EndpointUrl;
use sts_blocking::endpoint::{
    EndpointParams, GLOBAL_ENDPOINT, LEGACY_GLOBAL_REGIONS, partition_for, resolve, sts_hostnames,
};
use time::OffsetDateTime;

fn check_resolve(params: &EndpointParams<'_>) {
    let result = resolve(params);
    let Some(region) = params.region else {
        if params.endpoint.is_none() {
            assert!(result.is_err(), "no region, no endpoint: an error");
        }
        return;
    };
    if params.endpoint.is_some() {
        if params.use_fips || params.use_dual_stack {
            assert!(result.is_err());
        } else {
            let ep = result.expect("a custom endpoint resolves");
            assert_eq!(Some(ep.url.as_str()), params.endpoint);
            assert_eq!(ep.signing_region, region);
        }
        return;
    }
    // Every partition supports FIPS and dual-stack, so a region always resolves.
    let ep = result.expect("a region always resolves");
    assert_eq!(ep.signing_name, "sts");
    assert!(ep.url.starts_with("https://sts"), "{}", ep.url);
    let p = partition_for(region);
    let host = ep.url.strip_prefix("https://").unwrap();
    let legacy = params.use_global_endpoint && !params.use_fips && !params.use_dual_stack;
    if legacy && LEGACY_GLOBAL_REGIONS.contains(&region) {
        assert_eq!(ep.url, GLOBAL_ENDPOINT);
        assert_eq!(ep.signing_region, "us-east-1");
        return;
    }
    if ep.url == GLOBAL_ENDPOINT {
        assert_eq!(region, "aws-global");
        assert_eq!(ep.signing_region, "us-east-1");
        return;
    }
    assert_eq!(ep.signing_region, region);
    assert!(host.contains(region), "{host} names {region}");
    if params.use_fips && (p.id != "aws-us-gov" || params.use_dual_stack) {
        assert!(host.starts_with("sts-fips."), "{host}");
    }
    if params.use_dual_stack {
        assert!(
            host.ends_with(&format!(".{}", p.dual_stack_dns_suffix)),
            "{host}"
        );
    } else {
        assert!(host.ends_with(&format!(".{}", p.dns_suffix)), "{host}");
    }
}

fn check_url(s: &str) {
    let Ok(u) = EndpointUrl::parse(s) else {
        return;
    };
    assert!(u.scheme == "http" || u.scheme == "https");
    assert!(!u.host.is_empty() && u.host != "[]");
    assert_eq!(u.host, u.host.to_ascii_lowercase());
    assert!(u.path.starts_with('/'), "{:?}", u.path);
    assert!(!u.query.contains('#'));
    let _ = u.is_loopback();
    let again = EndpointUrl::parse(&u.to_url())
        .unwrap_or_else(|e| panic!("{s:?} parsed to {u:?}, whose URL does not parse: {e}"));
    assert_eq!(again, u, "parse(to_url(parse(s))) == parse(s) for {s:?}");
}

fn check_date(s: &str, local_unix: i64) {
    let Some(server) = parse_http_date(s) else {
        return;
    };
    // The parsed date formats back to a date that parses to the same instant.
    let text = format!(
        "{:02} {} {} {:02}:{:02}:{:02} GMT",
        server.day(),
        &format!("{}", server.month())[..3],
        server.year(),
        server.hour(),
        server.minute(),
        server.second()
    );
    assert_eq!(parse_http_date(&text), Some(server), "{text}");
    // What the client does with a response's Date header: observe it, then sign a bit later.
    let local_unix = local_unix.rem_euclid(253_402_300_799);
    let local = OffsetDateTime::from_unix_timestamp(local_unix).unwrap();
    let offset = ClockOffset::default();
    offset.observe(server, local);
    let _ = offset.apply(local);
    if let Some(later) = local.checked_add(time::Duration::seconds(5)) {
        let _ = offset.apply(later);
    }
}

fuzz_target!(|data: &[u8]| {
    let Some((&flags, rest)) = data.split_first() else {
        return;
    };
    let text = String::from_utf8_lossy(rest);
    let mut parts = text.splitn(3, '\0');
    let region = parts.next().unwrap_or("");
    let custom = parts.next();
    let date = parts.next().unwrap_or("");

    let params = EndpointParams::default()
        .region((flags & 0x10 == 0).then_some(region))
        .use_fips(flags & 1 != 0)
        .use_dual_stack(flags & 2 != 0)
        .use_global_endpoint(flags & 4 != 0)
        .endpoint(if flags & 8 != 0 { custom } else { None });
    check_resolve(&params);

    let hosts = sts_hostnames(region);
    assert!(hosts.windows(2).all(|w| w[0] < w[1]), "sorted, unique");
    assert!(hosts.iter().all(|h| !h.starts_with("https://")));
    let p = partition_for(region);
    assert_eq!(
        p.matches_region_regex(region),
        p.matches_region_regex(region)
    );

    check_url(region);
    if let Some(c) = custom {
        check_url(c);
    }
    let local = i64::from_le_bytes(
        rest.iter()
            .copied()
            .chain(std::iter::repeat(0))
            .take(8)
            .collect::<Vec<u8>>()
            .try_into()
            .unwrap(),
    );
    check_date(date, local);
    check_date(region, local.wrapping_mul(31));
});

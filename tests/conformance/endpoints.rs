//! The 69 endpoint-resolution cases of `endpoint-tests.json`: URL, signing name and signing region
//! (from `properties.authSchemes[0]` when present), or the exact error message.

use serde_json::Value;
use sts_blocking::Error;
use sts_blocking::endpoint::{EndpointParams, resolve};

use crate::common;

fn check(case: &Value) -> Result<(), String> {
    let params = &case["params"];
    let flag = |name: &str| params[name].as_bool().unwrap_or(false);
    let input = EndpointParams::default()
        .region(params["Region"].as_str())
        .use_fips(flag("UseFIPS"))
        .use_dual_stack(flag("UseDualStack"))
        .use_global_endpoint(flag("UseGlobalEndpoint"))
        .endpoint(params["Endpoint"].as_str());
    let expect = &case["expect"];
    let got = resolve(&input);
    if let Some(message) = expect["error"].as_str() {
        return match got {
            Err(Error::Endpoint { message: m, .. }) if m == message => Ok(()),
            other => Err(format!("expected error {message:?}, got {other:?}")),
        };
    }
    let url = expect["url"]
        .as_str()
        .ok_or_else(|| "case has neither url nor error".to_owned())?;
    let ep = got.map_err(|e| format!("expected {url}, got error {e}"))?;
    if ep.url != url {
        return Err(format!("url: expected {url}, got {}", ep.url));
    }
    // Without auth properties the rules' defaults apply: sigv4 for `sts` in the given region.
    let scheme = &expect["properties"]["authSchemes"][0];
    let name = scheme["signingName"].as_str().unwrap_or("sts");
    let region = scheme["signingRegion"]
        .as_str()
        .or(input.region)
        .unwrap_or("us-east-1");
    if let Some(scheme_name) = scheme["name"].as_str()
        && scheme_name != "sigv4"
    {
        return Err(format!("unexpected auth scheme {scheme_name}"));
    }
    if ep.signing_name != name {
        return Err(format!(
            "signing name: expected {name}, got {}",
            ep.signing_name
        ));
    }
    if ep.signing_region != region {
        return Err(format!(
            "signing region: expected {region}, got {}",
            ep.signing_region
        ));
    }
    Ok(())
}

#[test]
fn endpoint_tests() {
    let Some(dir) = common::corpus("endpoints") else {
        return;
    };
    let cases = common::json(&dir.join("endpoint-tests.json"));
    let cases = cases.as_array().expect("endpoint-tests.json is an array");
    let mut failures = Vec::new();
    for (i, case) in cases.iter().enumerate() {
        if let Err(why) = check(case) {
            let doc = case["documentation"].as_str().unwrap_or("");
            failures.push(format!("#{i} {doc}: {why}"));
        }
    }
    common::report(
        "endpoints",
        cases.len() - failures.len(),
        cases.len(),
        &failures,
    );
}

//! The IAM Identity Center portal (`https://portal.sso.{region}.amazonaws.com`, or
//! `AWS_ENDPOINT_URL_SSO`) beyond `GetRoleCredentials`: the accounts and roles a token may use
//! (`GET /assignment/accounts`, `GET /assignment/roles`) and `POST /logout`. Every call carries
//! the token in `x-amz-sso_bearer_token`.
//!
//! Listing pages through `nextToken` with a cap on the number of pages (a portal that pages
//! forever is an error that says so), and waits and retries when throttled
//! (`TooManyRequestsException`, HTTP 429) on the schedule of [`PagingPolicy`].
//! Account ids and role names are checked before they are handed on: they end up in config
//! files.

use crate::credentials::providers::token_http::Timeouts;
use crate::error::CredentialsError;
use crate::json::{self, Value};
use crate::transport::{Endpoint, Method, PlainHttp, TransportConfig};
use crate::{Error, SecretString};
use std::path::PathBuf;
use std::time::Duration;

fn err(message: impl Into<String>) -> Error {
    CredentialsError::new("sso", message).into()
}

/// An account the token may use (`accountList` of ListAccounts).
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct SsoAccount {
    /// `accountId`: twelve digits.
    pub account_id: String,
    /// `accountName`, when given.
    pub account_name: Option<String>,
    /// `emailAddress`, when given.
    pub email_address: Option<String>,
}

/// A role of an account (`roleList` of ListAccountRoles).
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct SsoRole {
    /// `roleName`: an IAM role name (`[\w+=,.@-]`, 1 to 64 characters).
    pub role_name: String,
    /// `accountId`.
    pub account_id: String,
}

/// One answer of a listing call.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum PortalReply<T> {
    /// A page, and the token of the next one.
    Page {
        /// The items.
        items: Vec<T>,
        /// `nextToken`, when there are more.
        next_token: Option<String>,
    },
    /// `TooManyRequestsException`: wait, then ask again.
    Throttled,
}

/// How listing pages and backs off. `Default`: 100 items a page, at most 1000 pages, at most 8
/// retries of a throttled call, waiting 200 ms doubled each time up to 10 s.
#[derive(Debug, Clone, Copy)]
#[non_exhaustive]
pub struct PagingPolicy {
    /// `max_result` of each call.
    pub page_size: u32,
    /// The most pages one listing reads before it fails.
    pub max_pages: usize,
    /// The most retries of one throttled call.
    pub max_retries: u32,
    /// The first wait after a throttled call.
    pub base_delay: Duration,
    /// The longest wait.
    pub max_delay: Duration,
    /// How to wait (`std::thread::sleep`; tests pass one that records).
    pub sleep: fn(Duration),
}

impl Default for PagingPolicy {
    fn default() -> Self {
        Self {
            page_size: 100,
            max_pages: 1000,
            max_retries: 8,
            base_delay: Duration::from_millis(200),
            max_delay: Duration::from_secs(10),
            sleep: std::thread::sleep,
        }
    }
}

impl PagingPolicy {
    /// The wait before retry `retry` (0 for the first) of a throttled call: `base_delay`
    /// doubled each time, at most `max_delay` (pure; no overflow).
    ///
    /// ```
    /// use sts_blocking::credentials::PagingPolicy;
    /// use std::time::Duration;
    /// let p = PagingPolicy::default();
    /// assert_eq!(p.throttle_delay(0), Duration::from_millis(200));
    /// assert_eq!(p.throttle_delay(2), Duration::from_millis(800));
    /// assert_eq!(p.throttle_delay(60), Duration::from_secs(10));
    /// ```
    #[must_use]
    pub fn throttle_delay(&self, retry: u32) -> Duration {
        let factor = 1u32.checked_shl(retry).unwrap_or(u32::MAX);
        self.base_delay
            .checked_mul(factor)
            .unwrap_or(self.max_delay)
            .min(self.max_delay)
    }
}

fn is_account_id(s: &str) -> bool {
    s.len() == 12 && s.bytes().all(|b| b.is_ascii_digit())
}

fn is_role_name(s: &str) -> bool {
    (1..=64).contains(&s.len())
        && s.bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"_+=,.@-".contains(&b))
}

/// The items of a listing answer (`accountList` or `roleList`) and its `nextToken`.
fn page(body: &str, list: &str) -> Result<(Vec<Value>, Option<String>), Error> {
    let v = json::parse(body).map_err(|_| err(format!("the portal's {list} is not JSON")))?;
    let items = match v.get(list) {
        Some(Value::Array(items)) => items.clone(),
        None | Some(Value::Null) => Vec::new(),
        Some(_) => return Err(err(format!("the portal's {list} is not a list"))),
    };
    let next = v
        .get("nextToken")
        .and_then(Value::as_str)
        .filter(|t| !t.is_empty())
        .map(str::to_owned);
    Ok((items, next))
}

/// Parses a `ListAccounts` answer.
///
/// # Errors
/// [`Error::Credentials`] for a body that is not a listing, or an account id that is not twelve
/// digits.
pub fn parse_account_page(body: &str) -> Result<(Vec<SsoAccount>, Option<String>), Error> {
    let (items, next) = page(body, "accountList")?;
    let text = |v: &Value, k: &str| {
        v.get(k)
            .and_then(Value::as_str)
            .filter(|s| !s.is_empty())
            .map(str::to_owned)
    };
    let accounts = items
        .iter()
        .map(|a| {
            let id = text(a, "accountId")
                .filter(|id| is_account_id(id))
                .ok_or_else(|| err("the portal listed an account without a valid accountId"))?;
            Ok(SsoAccount {
                account_id: id,
                account_name: text(a, "accountName"),
                email_address: text(a, "emailAddress"),
            })
        })
        .collect::<Result<_, Error>>()?;
    Ok((accounts, next))
}

/// Parses a `ListAccountRoles` answer.
///
/// # Errors
/// [`Error::Credentials`] for a body that is not a listing, or a role name or account id that is
/// not valid.
pub fn parse_role_page(body: &str) -> Result<(Vec<SsoRole>, Option<String>), Error> {
    let (items, next) = page(body, "roleList")?;
    let roles = items
        .iter()
        .map(|r| {
            let s = |k: &str| r.get(k).and_then(Value::as_str);
            match (s("roleName"), s("accountId")) {
                (Some(name), Some(id)) if is_role_name(name) && is_account_id(id) => Ok(SsoRole {
                    role_name: name.to_owned(),
                    account_id: id.to_owned(),
                }),
                _ => Err(err(
                    "the portal listed a role without a valid roleName and accountId",
                )),
            }
        })
        .collect::<Result<_, Error>>()?;
    Ok((roles, next))
}

/// The portal of IAM Identity Center.
///
/// ```
/// use sts_blocking::credentials::SsoPortal;
/// assert_eq!(SsoPortal::new("eu-west-1")?.endpoint(), "https://portal.sso.eu-west-1.amazonaws.com");
/// assert!(SsoPortal::with_endpoint("http://portal.example.com").is_err());
/// # Ok::<(), sts_blocking::Error>(())
/// ```
#[derive(Debug, Clone)]
pub struct SsoPortal {
    base: String,
    transport: TransportConfig,
    timeouts: Timeouts,
}

impl SsoPortal {
    /// The portal of `region`.
    ///
    /// # Errors
    /// [`Error::Config`] for a region that is not a host label.
    pub fn new(region: &str) -> Result<Self, Error> {
        crate::endpoint::check_region(region)
            .map_err(|e| Error::config(format!("sso_region: {e}")))?;
        Self::with_endpoint(&format!("https://portal.sso.{region}.amazonaws.com"))
    }

    /// The portal at `endpoint` (`AWS_ENDPOINT_URL_SSO`, the `sso` services section, a fake).
    ///
    /// # Errors
    /// [`Error::Transport`] for an endpoint the policy refuses, [`Error::Config`] for one that
    /// is not a URL.
    pub fn with_endpoint(endpoint: &str) -> Result<Self, Error> {
        let base = endpoint.trim_end_matches('/').to_owned();
        Endpoint::new(&format!("{base}/logout"), PlainHttp::Loopback)?;
        Ok(Self {
            base,
            transport: crate::credentials::providers::token_http::default_transport(),
            timeouts: Timeouts::default(),
        })
    }

    /// Sends with proxies from `env` and, when given, only `ca_bundle`'s roots.
    #[must_use]
    pub fn transport(mut self, env: &crate::env::Env, ca_bundle: Option<PathBuf>) -> Self {
        self.transport = TransportConfig::for_provider(env, ca_bundle, self.timeouts.connect);
        self
    }

    /// The endpoint.
    #[must_use]
    pub fn endpoint(&self) -> &str {
        &self.base
    }

    /// One call: the status and body, or the error (the token never in it).
    fn call(
        &self,
        method: Method,
        path_and_query: &str,
        token: &SecretString,
        operation: &str,
    ) -> Result<(u16, Option<String>, SecretString), Error> {
        let endpoint = Endpoint::new(
            &format!("{}{path_and_query}", self.base),
            PlainHttp::Loopback,
        )?;
        crate::credentials::sso_login::oidc::send(
            &self.transport,
            self.timeouts,
            method,
            &endpoint,
            &[
                ("x-amz-sso_bearer_token", token.expose()),
                ("accept", "application/json"),
            ],
            b"",
        )
        .map_err(|e| crate::redact::clean_error(e, &[token.expose()]))
        .and_then(|(status, error_type, body)| match status {
            200 => Ok((status, error_type, body)),
            429 => Ok((status, error_type, body)),
            401 | 403 => Err(err(format!(
                "{operation} was refused (HTTP {status}): the SSO session has expired or is \
                 otherwise invalid; log in again (sts sso login)"
            ))),
            s => {
                let code = crate::credentials::sso_login::oidc::OidcErrorCode::of_response(
                    s,
                    error_type.as_deref(),
                    body.expose(),
                );
                Err(err(format!(
                    "{operation} failed: the portal answered HTTP {s} ({})",
                    code.name()
                )))
            }
        })
    }

    fn listing(
        &self,
        path: &str,
        query: &[(&str, &str)],
        token: &SecretString,
        operation: &str,
    ) -> Result<Option<SecretString>, Error> {
        let mut url = path.to_owned();
        for (i, (k, v)) in query.iter().enumerate() {
            url.push(if i == 0 { '?' } else { '&' });
            url.push_str(k);
            url.push('=');
            url.push_str(&crate::sigv4::uri_encode_component(v));
        }
        let (status, _, body) = self.call(Method::Get, &url, token, operation)?;
        Ok((status == 200).then_some(body))
    }

    /// One page of `ListAccounts` (`GET /assignment/accounts?max_result=..&next_token=..`).
    ///
    /// # Errors
    /// [`Error::Credentials`] for a refused token, another error status or an invalid answer;
    /// transport errors.
    pub fn list_accounts_page(
        &self,
        token: &SecretString,
        next_token: Option<&str>,
        page_size: u32,
    ) -> Result<PortalReply<SsoAccount>, Error> {
        let size = page_size.to_string();
        let mut q = vec![("max_result", size.as_str())];
        if let Some(t) = next_token {
            q.push(("next_token", t));
        }
        match self.listing("/assignment/accounts", &q, token, "ListAccounts")? {
            None => Ok(PortalReply::Throttled),
            Some(body) => {
                let (items, next_token) = parse_account_page(body.expose())?;
                Ok(PortalReply::Page { items, next_token })
            }
        }
    }

    /// One page of `ListAccountRoles` (`GET /assignment/roles?account_id=..&max_result=..`).
    ///
    /// # Errors
    /// As [`SsoPortal::list_accounts_page`].
    pub fn list_account_roles_page(
        &self,
        token: &SecretString,
        account_id: &str,
        next_token: Option<&str>,
        page_size: u32,
    ) -> Result<PortalReply<SsoRole>, Error> {
        let size = page_size.to_string();
        let mut q = vec![("account_id", account_id), ("max_result", size.as_str())];
        if let Some(t) = next_token {
            q.push(("next_token", t));
        }
        match self.listing("/assignment/roles", &q, token, "ListAccountRoles")? {
            None => Ok(PortalReply::Throttled),
            Some(body) => {
                let (items, next_token) = parse_role_page(body.expose())?;
                Ok(PortalReply::Page { items, next_token })
            }
        }
    }

    /// Every account the token may use, page after page.
    ///
    /// # Errors
    /// As [`SsoPortal::list_accounts_page`]; [`Error::Credentials`] when a call stays throttled
    /// past `policy.max_retries`, or the listing goes past `policy.max_pages` pages.
    pub fn accounts(
        &self,
        token: &SecretString,
        policy: &PagingPolicy,
    ) -> Result<Vec<SsoAccount>, Error> {
        paged(policy, "ListAccounts", |next| {
            self.list_accounts_page(token, next, policy.page_size)
        })
    }

    /// Every role of `account_id` the token may use, page after page.
    ///
    /// # Errors
    /// As [`SsoPortal::accounts`].
    pub fn account_roles(
        &self,
        token: &SecretString,
        account_id: &str,
        policy: &PagingPolicy,
    ) -> Result<Vec<SsoRole>, Error> {
        paged(policy, "ListAccountRoles", |next| {
            self.list_account_roles_page(token, account_id, next, policy.page_size)
        })
    }

    /// `POST /logout`: ends the portal session of `token` (the AWS CLI ignores its errors).
    ///
    /// # Errors
    /// As [`SsoPortal::list_accounts_page`].
    pub fn logout(&self, token: &SecretString) -> Result<(), Error> {
        self.call(Method::Post, "/logout", token, "Logout")
            .and_then(|(status, _, _)| {
                if status == 200 {
                    Ok(())
                } else {
                    Err(err("Logout was throttled"))
                }
            })
    }
}

/// Reads every page of a listing with `fetch`, retrying throttled calls and capping the pages.
fn paged<T>(
    policy: &PagingPolicy,
    operation: &str,
    mut fetch: impl FnMut(Option<&str>) -> Result<PortalReply<T>, Error>,
) -> Result<Vec<T>, Error> {
    let mut all = Vec::new();
    let mut next: Option<String> = None;
    let mut pages = 0usize;
    let mut retries = 0u32;
    loop {
        match fetch(next.as_deref())? {
            PortalReply::Throttled if retries < policy.max_retries => {
                (policy.sleep)(policy.throttle_delay(retries));
                retries += 1;
            }
            PortalReply::Throttled => {
                return Err(err(format!(
                    "{operation} was throttled (TooManyRequestsException) {} times in a row: \
                     try again later",
                    retries.saturating_add(1)
                )));
            }
            PortalReply::Page { items, next_token } => {
                retries = 0;
                pages += 1;
                all.extend(items);
                match next_token {
                    None => return Ok(all),
                    Some(_) if pages >= policy.max_pages => {
                        return Err(err(format!(
                            "{operation} returned more than {} pages: stopped there (a portal \
                             that pages forever?)",
                            policy.max_pages
                        )));
                    }
                    Some(t) => next = Some(t),
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::cell::RefCell;

    fn no_sleep(_: Duration) {}

    #[test]
    fn pages_are_parsed_and_checked() {
        let (a, next) = parse_account_page(
            r#"{"nextToken": "n", "accountList": [{"accountId": "123456789012",
                "accountName": "prod", "emailAddress": "a@b"}, {"accountId": "000000000001"}]}"#,
        )
        .unwrap();
        assert_eq!(next.as_deref(), Some("n"));
        assert_eq!(a[0].account_name.as_deref(), Some("prod"));
        assert_eq!(a[1].account_name, None);
        let (none, end) = parse_account_page(r#"{"accountList": [], "nextToken": ""}"#).unwrap();
        assert!(none.is_empty() && end.is_none());
        for bad in [
            r#"{"accountList": [{"accountId": "12345"}]}"#,
            r#"{"accountList": [{"accountId": "12345678901\n"}]}"#,
            r#"{"accountList": {}}"#,
            "nope",
        ] {
            assert!(parse_account_page(bad).is_err(), "{bad}");
        }
        let (r, _) = parse_role_page(
            r#"{"roleList": [{"roleName": "Admin+x@y.z", "accountId": "123456789012"}]}"#,
        )
        .unwrap();
        assert_eq!(r[0].role_name, "Admin+x@y.z");
        for bad in [
            r#"{"roleList": [{"roleName": "a b", "accountId": "123456789012"}]}"#,
            r#"{"roleList": [{"roleName": "a]\n[x", "accountId": "123456789012"}]}"#,
            r#"{"roleList": [{"roleName": "a"}]}"#,
        ] {
            assert!(parse_role_page(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn paging_retries_throttling_and_caps_the_pages() {
        thread_local! { static WAITS: RefCell<Vec<Duration>> = const { RefCell::new(Vec::new()) }; }
        fn record(d: Duration) {
            WAITS.with(|w| w.borrow_mut().push(d));
        }
        let policy = PagingPolicy {
            sleep: record,
            ..PagingPolicy::default()
        };
        // Throttled twice, then three pages.
        let mut script = vec![
            PortalReply::Throttled,
            PortalReply::Throttled,
            PortalReply::Page {
                items: vec![1],
                next_token: Some("a".into()),
            },
            PortalReply::Page {
                items: vec![2],
                next_token: Some("b".into()),
            },
            PortalReply::Page {
                items: vec![3],
                next_token: None,
            },
        ]
        .into_iter();
        let mut asked = Vec::new();
        let all = paged(&policy, "ListAccounts", |next| {
            asked.push(next.map(str::to_owned));
            Ok(script.next().unwrap())
        })
        .unwrap();
        assert_eq!(all, vec![1, 2, 3]);
        assert_eq!(
            asked,
            [None, None, None, Some("a".into()), Some("b".into())]
        );
        WAITS.with(|w| {
            assert_eq!(
                *w.borrow(),
                [Duration::from_millis(200), Duration::from_millis(400)]
            );
        });
        // Forever throttled: an error after max_retries waits.
        let e = paged::<u8>(
            &PagingPolicy {
                sleep: no_sleep,
                max_retries: 3,
                ..PagingPolicy::default()
            },
            "ListAccounts",
            |_| Ok(PortalReply::Throttled),
        )
        .unwrap_err();
        assert!(e.to_string().contains("throttled"), "{e}");
        // Forever paging: an error at the cap.
        let mut n = 0;
        let e = paged(
            &PagingPolicy {
                max_pages: 5,
                ..PagingPolicy::default()
            },
            "ListAccountRoles",
            |_| {
                n += 1;
                Ok(PortalReply::Page {
                    items: vec![n],
                    next_token: Some("again".into()),
                })
            },
        )
        .unwrap_err();
        assert_eq!(n, 5);
        assert!(e.to_string().contains("more than 5 pages"), "{e}");
    }
}

//! [`Iam`]: a blocking client for the IAM operations of [`crate::iam`], built from an
//! [`StsBuilder`] so that it has the same settings (credentials, retries, timeouts, hooks, CA
//! bundle, proxies) and goes through the same engine and transport policy.

use super::StsBuilder;
use super::{
    DEFAULT_ATTEMPT_TIMEOUT, DEFAULT_CONNECT_TIMEOUT, DEFAULT_MAX_BODY, DEFAULT_TOTAL_TIMEOUT,
};
use crate::credentials::Credentials;
use crate::engine::{Call, Engine, Next, Now, Response};
use crate::error::Error;
use crate::iam::{
    CreateAccessKey, CreateAccessKeyOutput, DeleteAccessKey, DeleteAccessKeyOutput, GetUser,
    GetUserOutput,
};
use crate::ops::Operation;
use crate::ops::decode::Decoded;
use crate::transport::{Endpoint, PlainHttp, Transport, TransportConfig};
use std::fmt;
use std::sync::Arc;

/// A blocking IAM client for [`crate::iam`]'s operations. Build it with
/// [`StsBuilder::build_iam`]; cheap to clone.
///
/// ```no_run
/// use sts_blocking::Sts;
/// use sts_blocking::iam::GetUser;
/// let iam = Sts::builder().region("eu-west-1").build_iam(None)?;
/// let me = iam.send(&GetUser::new())?;
/// println!("{}", me.user.map(|u| u.arn).unwrap_or_default());
/// # Ok::<(), sts_blocking::Error>(())
/// ```
#[derive(Clone)]
pub struct Iam {
    inner: Arc<Inner>,
}

struct Inner {
    engine: Engine,
    url: Endpoint,
    transport: Transport,
    credentials: Option<Arc<dyn crate::credentials::ProvideCredentials>>,
    fixed: Option<Arc<Credentials>>,
}

impl fmt::Debug for Iam {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Iam")
            .field("endpoint", &self.inner.engine.endpoint().url)
            .field(
                "signing_region",
                &self.inner.engine.endpoint().signing_region,
            )
            .finish_non_exhaustive()
    }
}

impl StsBuilder {
    /// An IAM client with this builder's credentials, retry and timeout settings, hooks, CA
    /// bundle and proxies. It sends to `endpoint_url` when given (`AWS_ENDPOINT_URL_IAM`,
    /// `--endpoint-url`; signed for the global region of the builder's region's partition),
    /// else to IAM's endpoint for the builder's region ([`crate::iam::endpoint`]: IAM is global,
    /// `https://iam.amazonaws.com` signed for `us-east-1` in the `aws` partition). The builder's
    /// own endpoint URL (STS's) is not used.
    ///
    /// # Errors
    /// As [`StsBuilder::build`]; [`Error::Endpoint`] for a partition without a known IAM
    /// endpoint.
    pub fn build_iam(self, endpoint_url: Option<&str>) -> Result<Iam, Error> {
        if let Some(message) = &self.invalid_setting {
            return Err(Error::config(message.clone()));
        }
        if let Some(r) = &self.region {
            crate::endpoint::check_region(r)?;
        }
        let resolved = match endpoint_url {
            Some(url) => {
                crate::iam::custom_endpoint(url, crate::iam::signing_region(self.region.as_deref()))
            }
            None => crate::iam::endpoint(self.region.as_deref(), self.use_fips)?,
        };
        let plain = if self.allow_http {
            PlainHttp::Anywhere
        } else {
            PlainHttp::Loopback
        };
        let url = Endpoint::new(&resolved.url, plain)?;
        let now = Now::system();
        // Only the low bits matter for a seed; the truncations are the point.
        let seed = now.wall().unix_timestamp_nanos() as u64 ^ (std::process::id() as u64) << 32;
        let mut engine = Engine::builder(resolved)
            .retry_config(self.retry.unwrap_or_default())
            .set_policy(self.policy)
            .set_hook(self.hook)
            .attempt_timeout(self.attempt_timeout.unwrap_or(DEFAULT_ATTEMPT_TIMEOUT))
            .total_timeout(self.total_timeout.unwrap_or(DEFAULT_TOTAL_TIMEOUT))
            .http_client("ureq#3")
            .seed(seed);
        if let Some(app) = self.app_id {
            engine = engine.app_id(app);
        }
        let engine = engine.build(now)?;
        let transport = Transport::new(&TransportConfig {
            connect_timeout: self.connect_timeout.unwrap_or(DEFAULT_CONNECT_TIMEOUT),
            max_body: self.max_body_size.unwrap_or(DEFAULT_MAX_BODY),
            roots: self.roots,
            proxy: self.proxy,
            user_agent: engine.user_agent().to_owned(),
            call_timeout: Some(engine.attempt_timeout()),
        })?;
        Ok(Iam {
            inner: Arc::new(Inner {
                engine,
                url,
                transport,
                credentials: self.credentials,
                fixed: self.fixed,
            }),
        })
    }
}

impl Iam {
    /// Sends an IAM operation of [`crate::iam`], signed with the client's credentials.
    ///
    /// # Errors
    /// [`Error::InvalidInput`] before sending; [`Error::Credentials`] without credentials;
    /// [`Error::Service`] for IAM's errors (`NoSuchEntity`, `LimitExceeded`, ...); transport,
    /// timeout and response errors after retries; [`Error::Config`] for an STS operation.
    pub fn send<O: Operation>(&self, op: &O) -> Result<O::Output, Error> {
        let credentials = match &self.inner.fixed {
            Some(c) => (**c).clone(),
            None => match &self.inner.credentials {
                Some(p) => p.provide_credentials()?,
                None => {
                    return Err(crate::error::CredentialsError::new(
                        "none",
                        "no credentials configured for the IAM client",
                    )
                    .into());
                }
            },
        };
        self.send_with_credentials(op, &credentials)
            .map(|d| d.output)
    }

    /// As [`Iam::send`], signed with `credentials`, with the request id.
    ///
    /// # Errors
    /// As [`Iam::send`].
    pub fn send_with_credentials<O: Operation>(
        &self,
        op: &O,
        credentials: &Credentials,
    ) -> Result<Decoded<O::Output>, Error> {
        let call = Call::new(&self.inner.engine, op, Some(credentials), Now::system())?;
        self.drive(call)
    }

    /// `GetUser`.
    ///
    /// # Errors
    /// As [`Iam::send`].
    pub fn get_user(&self, op: &GetUser) -> Result<GetUserOutput, Error> {
        self.send(op)
    }

    /// `CreateAccessKey`.
    ///
    /// # Errors
    /// As [`Iam::send`].
    pub fn create_access_key(&self, op: &CreateAccessKey) -> Result<CreateAccessKeyOutput, Error> {
        self.send(op)
    }

    /// `DeleteAccessKey`.
    ///
    /// # Errors
    /// As [`Iam::send`].
    pub fn delete_access_key(&self, op: &DeleteAccessKey) -> Result<DeleteAccessKeyOutput, Error> {
        self.send(op)
    }

    /// The endpoint calls go to.
    #[must_use]
    pub fn endpoint(&self) -> &crate::endpoint::ResolvedEndpoint {
        self.inner.engine.endpoint()
    }

    /// Drives a call with ureq, as `Sts` does.
    fn drive<O: Operation>(&self, mut call: Call<'_, O>) -> Result<Decoded<O::Output>, Error> {
        let inner = &*self.inner;
        loop {
            match call.poll(Now::system()) {
                Next::Send(request) => {
                    let result = inner.transport.post(
                        &inner.url,
                        request.headers(),
                        request.body(),
                        request.timeout(),
                    );
                    match result {
                        Ok(r) => {
                            let lookup = |name: &str| r.header(name);
                            let response = Response::with_header_lookup(r.status, &lookup, &r.body);
                            call.on_response(Ok(response), Now::system());
                        }
                        Err(e) => call.on_response(Err(e), Now::system()),
                    }
                }
                Next::Wait(pause) => std::thread::sleep(pause),
                Next::Done(decoded) => return Ok(decoded),
                Next::Failed(e) => return Err(e),
            }
        }
    }
}

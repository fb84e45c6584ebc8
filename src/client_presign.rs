//! Identity proofs on [`Sts`]: the client's endpoint, clock-skew correction and credentials fed to
//! the pure functions of [`crate::presign`]. Nothing here does I/O except what the credentials
//! provider does.

use crate::client::Sts;
use crate::endpoint::{self, EndpointParams};
use crate::error::Error;
use crate::presign::{self, EKS_TOKEN_LIFETIME, EksToken, PresignedRequest, SignedRequest};
use std::time::Duration;
use time::OffsetDateTime;

impl Sts {
    /// Presigns `GET /?Action=GetCallerIdentity&Version=2011-06-15` for the client's endpoint, valid
    /// for `expires` (whole seconds, 1 s to 7 days; STS itself accepts the URL for at most 15 minutes).
    /// Every extra header is signed and must be sent with the URL.
    ///
    /// ```
    /// # #[path = "../examples/common/mod.rs"] mod common;
    /// # let _fake = common::doc_fake(); // a loopback fake STS, never AWS
    /// use std::time::Duration;
    /// let sts = sts_blocking::Sts::from_env()?;
    /// let p = sts.presign_get_caller_identity(Duration::from_secs(60), &[("x-k8s-aws-id", "demo")])?;
    /// assert_eq!(p.method, "GET");
    /// # Ok::<(), sts_blocking::Error>(())
    /// ```
    ///
    /// # Errors
    /// [`Error::Credentials`] without credentials; [`Error::InvalidInput`] for a bad `expires` or
    /// extra header; [`Error::Config`] for an unparsable endpoint URL.
    pub fn presign_get_caller_identity(
        &self,
        expires: Duration,
        extra_signed_headers: &[(&str, &str)],
    ) -> Result<PresignedRequest, Error> {
        self.check_signing_region()?;
        let credentials = self.resolve_credentials()?;
        presign::presign_get_caller_identity(
            self.endpoint(),
            &credentials,
            self.signing_time(),
            expires,
            extra_signed_headers,
            self.signing_keys(),
        )
    }

    /// Signs `POST /` with body `Action=GetCallerIdentity&Version=2011-06-15` for the client's
    /// endpoint and signing region, to be replayed by someone else (e.g. a Vault server).
    ///
    /// ```
    /// # #[path = "../examples/common/mod.rs"] mod common;
    /// # let _fake = common::doc_fake(); // a loopback fake STS, never AWS
    /// let sts = sts_blocking::Sts::from_env()?;
    /// let s = sts.signed_get_caller_identity(&[])?;
    /// assert_eq!(s.body, "Action=GetCallerIdentity&Version=2011-06-15");
    /// # Ok::<(), sts_blocking::Error>(())
    /// ```
    ///
    /// # Errors
    /// [`Error::Credentials`] without credentials; [`Error::InvalidInput`] for a bad extra header;
    /// [`Error::Config`] for an unparsable endpoint URL.
    pub fn signed_get_caller_identity(
        &self,
        extra_signed_headers: &[(&str, &str)],
    ) -> Result<SignedRequest, Error> {
        self.check_signing_region()?;
        let credentials = self.resolve_credentials()?;
        presign::signed_get_caller_identity(
            self.endpoint(),
            &credentials,
            self.signing_time(),
            extra_signed_headers,
            self.signing_keys(),
        )
    }

    /// An EKS token for `cluster` (name or id), as `aws eks get-token` makes it.
    ///
    /// The URL always points at the plain regional STS endpoint of the client's region
    /// (`https://sts.{region}.{dnsSuffix}`, or `sts.amazonaws.com` for `aws-global`), whatever custom
    /// endpoint, FIPS, dual-stack or legacy-global setting the client has: the cluster only accepts
    /// STS hosts of its partition. The expiration is 14 minutes from now on the local clock, while the
    /// URL is signed with the skew-corrected time.
    ///
    /// ```
    /// # #[path = "../examples/common/mod.rs"] mod common;
    /// # let _fake = common::doc_fake(); // a loopback fake STS, never AWS
    /// let sts = sts_blocking::Sts::from_env()?;
    /// let token = sts.eks_token("my-cluster")?;
    /// println!("{}", token.exec_credential_json(sts_blocking::presign::DEFAULT_EXEC_API_VERSION));
    /// # Ok::<(), sts_blocking::Error>(())
    /// ```
    ///
    /// # Errors
    /// [`Error::Credentials`] without credentials;
    /// [`Error::InvalidInput`] for a cluster that cannot be a header value or a token over 4096 bytes.
    pub fn eks_token(&self, cluster: &str) -> Result<EksToken, Error> {
        // No region: the global endpoint, as `aws eks get-token` presigns it then.
        let regional = endpoint::resolve(&EndpointParams {
            region: Some(self.region().unwrap_or(endpoint::GLOBAL_REGION)),
            ..EndpointParams::default()
        })?;
        let credentials = self.resolve_credentials()?;
        let local = OffsetDateTime::now_utc();
        let signing = local + time::Duration::milliseconds(self.clock_offset_millis());
        let mut token = presign::eks_token(
            &regional,
            &credentials,
            signing,
            cluster,
            self.signing_keys(),
        )?;
        // kubectl compares the expiration with the local clock.
        token.expiration = local + EKS_TOKEN_LIFETIME;
        Ok(token)
    }

    /// The JSON body of Vault's `aws` IAM login (`POST /v1/auth/<mount>/login`): a signed
    /// `GetCallerIdentity` for the client's endpoint, with `X-Vault-AWS-IAM-Server-ID: <server_id>`
    /// signed when given, and `role` when given.
    ///
    /// The Vault server replays the request to its own `sts_endpoint` (global by default) with the
    /// `Host` of our URL, so configure the client with the region Vault's STS endpoint signs for
    /// (for Vault's defaults: region `aws-global`, or `us-east-1` with the legacy global endpoint).
    ///
    /// ```no_run
    /// let sts = sts_blocking::Sts::builder().region("aws-global").build()?;
    /// let body = sts.vault_login_data(Some("vault.example.com"), Some("dev-role"))?;
    /// assert!(body.starts_with(r#"{"iam_http_request_method":"POST""#));
    /// # Ok::<(), sts_blocking::Error>(())
    /// ```
    ///
    /// # Errors
    /// As [`Sts::signed_get_caller_identity`]; [`Error::InvalidInput`] for a server id that cannot be
    /// a header value.
    pub fn vault_login_data(
        &self,
        server_id: Option<&str>,
        role: Option<&str>,
    ) -> Result<String, Error> {
        let extra: Vec<(&str, &str)> = server_id
            .map(|id| (presign::VAULT_SERVER_ID_HEADER, id))
            .into_iter()
            .collect();
        let signed = self.signed_get_caller_identity(&extra)?;
        Ok(presign::vault_login_data(&signed, role))
    }
}

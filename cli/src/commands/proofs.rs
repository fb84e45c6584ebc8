//! Identity documents signed locally and printed as JSON whatever `--output` says: an EKS bearer
//! token for kubectl (`eks-token`) and the login data of Vault's AWS IAM auth method
//! (`vault-login-data`).

use super::sts_ops::ARN;
use crate::spec::{Command, Example, Kind, Out, Run, flag, out, with_alias};
use sts_blocking::ops::AssumeRole;
use sts_blocking::presign;

/// The session name of the role `eks-token --role-arn` assumes, as `aws eks get-token`.
pub const EKS_ROLE_SESSION_NAME: &str = "EKSGetTokenAuth";

pub(super) const EKS_TOKEN: Command = Command {
    name: "eks-token",
    action: "AssumeRole",
    summary: "Prints an EKS bearer token for kubectl (aws eks get-token).",
    description: "Prints an ExecCredential with a bearer token for an Amazon EKS cluster, as \
        `aws eks get-token` does: use it as the exec credential plugin of a kubeconfig user \
        (command: sts, args: [eks-token, --cluster-name, NAME]). The token is k8s-aws-v1. \
        followed by the unpadded base64url of a presigned GetCallerIdentity URL for the regional \
        STS endpoint (https://sts.REGION.amazonaws.com/, whatever --endpoint-url says), with \
        the cluster signed in the x-k8s-aws-id header and X-Amz-Expires=60. It is signed \
        locally: no request is sent to STS unless --role-arn is given. The cluster accepts it \
        for 15 minutes; expirationTimestamp says 14 minutes from now, so kubectl asks for a new \
        one in time.\n\n\
        With --role-arn, the role is first assumed (AssumeRole, session name EKSGetTokenAuth) \
        with the credentials from the environment, and the token is signed with the role's \
        temporary credentials.\n\n\
        The apiVersion is the one kubectl announces in KUBERNETES_EXEC_INFO \
        (client.authentication.k8s.io/v1 or v1beta1), else \
        client.authentication.k8s.io/v1beta1. The output is always one line of JSON: unlike \
        `aws eks get-token`, --output and AWS_DEFAULT_OUTPUT are ignored, because kubectl only \
        reads JSON. The token is a bearer credential until it expires: do not log it.",
    flags: &[
        with_alias(
            flag(
                "--cluster-name",
                "",
                Kind::Str,
                true,
                "The name of the cluster (or, for a local cluster on AWS Outposts, its id). It is \
                 signed in the x-k8s-aws-id header. --cluster-id is another name for this flag.",
                "not empty; no control characters or surrounding spaces",
            ),
            "--cluster-id",
        ),
        flag(
            "--role-arn",
            "",
            Kind::Str,
            false,
            "The ARN of a role to assume first (session name EKSGetTokenAuth): the token then \
             identifies the role session.",
            ARN,
        ),
    ],
    output: &[
        out("kind", "string", "Always ExecCredential."),
        out(
            "apiVersion",
            "string",
            "From KUBERNETES_EXEC_INFO, else client.authentication.k8s.io/v1beta1.",
        ),
        out("spec", "structure", "Always empty."),
        Out {
            name: "status",
            ty: "structure",
            doc: "The credential.",
            children: &[
                out(
                    "expirationTimestamp",
                    "string",
                    "Now + 14 minutes, RFC 3339 in UTC (2024-05-01T12:14:00Z).",
                ),
                out("token", "string", "The bearer token: k8s-aws-v1.BASE64URL."),
            ],
        },
    ],
    examples: &[
        Example {
            title: "To get a token for a cluster (the output is one line, wrapped here)",
            command: "sts eks-token --cluster-name my-cluster --region eu-west-1",
            output: "{\"kind\":\"ExecCredential\",\n \
                     \"apiVersion\":\"client.authentication.k8s.io/v1beta1\",\"spec\":{},\n \
                     \"status\":{\"expirationTimestamp\":\"2024-05-01T12:14:00Z\",\n \
                     \"token\":\"k8s-aws-v1.aHR0cHM6Ly9zdHMuZXUtd2VzdC0xLmFtYXpvbmF3cy5jb20v...\"}}",
        },
        Example {
            title: "To get a token as a role (it must be mapped in the cluster's access entries)",
            command: "sts eks-token --cluster-name my-cluster \
                      --role-arn arn:aws:iam::123456789012:role/eks-admins",
            output: "",
        },
    ],
    credentials: false,
    signed: true,
    run: Run::Document(|sts, v, builder| {
        let cluster = v.req("--cluster-name");
        let info = std::env::var("KUBERNETES_EXEC_INFO").ok();
        let api_version = presign::exec_api_version(info.as_deref());
        let token = match v.str("--role-arn") {
            Some(arn) => {
                let o = sts.assume_role(&AssumeRole::new(arn, EKS_ROLE_SESSION_NAME))?;
                let role = builder().credentials(o.into_credentials()?).build()?;
                role.eks_token(&cluster)?
            }
            None => sts.eks_token(&cluster)?,
        };
        Ok(token.exec_credential_json(&api_version))
    }),
};

pub(super) const VAULT_LOGIN_DATA: Command = Command {
    name: "vault-login-data",
    action: "GetCallerIdentity",
    summary: "Prints the login data of Vault's AWS IAM auth method (vault login -method=aws).",
    description: "Prints the JSON body of HashiCorp Vault's AWS IAM login (POST \
        /v1/auth/aws/login), as `vault login -method=aws` builds it: a GetCallerIdentity request \
        (POST, body Action=GetCallerIdentity&Version=2011-06-15) signed with the credentials \
        from the environment, for the Vault server to replay to STS. The request is signed \
        locally and not sent.\n\n\
        The Vault server sends the request to its own sts_endpoint (by default the global \
        https://sts.amazonaws.com/), so sign it for that endpoint's region: --region aws-global \
        (or us-east-1 with AWS_STS_REGIONAL_ENDPOINTS=legacy) for Vault's defaults, or the \
        region of the endpoint Vault is configured with.\n\n\
        The output is always one line of JSON, whatever --output says. It contains a signature \
        that is valid for 15 minutes: send it, do not log it.",
    flags: &[
        flag(
            "--server-id",
            "",
            Kind::Str,
            false,
            "The value of the X-Vault-AWS-IAM-Server-ID header, signed with the request: the \
             iam_server_id_header_value of the Vault auth method, when it is set.",
            "not empty; no control characters or surrounding spaces",
        ),
        flag(
            "--role",
            "",
            Kind::Str,
            false,
            "The Vault role to log in to. Without it, Vault uses the role named after the IAM \
             principal.",
            "none",
        ),
    ],
    output: &[
        out("iam_http_request_method", "string", "Always POST."),
        out(
            "iam_request_body",
            "string",
            "The request body, base64: Action=GetCallerIdentity&Version=2011-06-15.",
        ),
        out(
            "iam_request_headers",
            "string",
            "The signed headers, base64 of a JSON object of header name to list of values \
             (Authorization, Content-Type, X-Amz-Date, X-Amz-Security-Token with temporary \
             credentials, X-Vault-Aws-Iam-Server-Id with --server-id).",
        ),
        out(
            "iam_request_url",
            "string",
            "The STS URL, base64 (e.g. https://sts.amazonaws.com/).",
        ),
        out("role", "string", "The --role value, when given."),
    ],
    examples: &[Example {
        title: "To write the login data for a Vault server with the default sts_endpoint, then \
                log in with it: curl --data @login.json \
                https://vault.example.com:8200/v1/auth/aws/login",
        command: "sts vault-login-data --region aws-global --server-id vault.example.com \
                  --role dev-role > login.json",
        output: "",
    }],
    credentials: false,
    signed: true,
    run: Run::Document(|sts, v, _| {
        sts.vault_login_data(v.str("--server-id").as_deref(), v.str("--role").as_deref())
    }),
};

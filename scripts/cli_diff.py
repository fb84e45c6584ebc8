#!/usr/bin/env python3
"""cli-diff: the same command lines through `aws sts` (awscli 1.46.3, the installable oracle) and
through `sts`, against one moto server, compared as the AWS CLI v2 would print them.

Run by scripts/cli-diff (which starts moto through scripts/peer-test and installs awscli); see the
mapping and the allow-list below. Every byte of traffic stays on 127.0.0.1: endpoints are given
through AWS_ENDPOINT_URL_STS or config files, never as an argument starting with http(s)://
(awscli v1 would download it), and the cases that resolve a real AWS endpoint go through a local
proxy that records the CONNECT target and refuses it.

What is compared, per case:
  exit code   v1's code mapped to v2's (MAPPING below)
  stdout      byte for byte after per-call values (access key ids, secrets, session tokens,
              timestamps) are replaced by same-length placeholders; yaml output is compared as
              data with the AWS CLI's JSON
  error line  the first line of stderr that is not the usage banner or a Python warning
  CONNECT     the host:port the proxy was asked for (cases that use the recording proxy)

Usage: cli_diff.py --aws PATH --sts PATH [--only SUBSTRING] [--verbose]
"""

import argparse
import base64
import datetime
import json
import os
import re
import shutil
import socket
import ssl
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request

# ---- the v1 -> v2 mapping --------------------------------------------------------------------------

MAPPING = """\
v1 -> v2 mapping applied to the oracle (awscli 1.46.3 = botocore 1.44.8):
  exit 0                 unchanged
  exit 255 'An error occurred (...)'   254 (a service error: v1 exits 255 for it)
  exit 2 (argparse)      252
  exit 255               by the exception the message names, as v2's errorhandler.py maps them:
                         parameter errors (Parameter validation failed, Error parsing parameter,
                         Bad value for --..., Unknown options, Invalid JSON, argument ...) -> 252;
                         You must specify a region / Unable to locate credentials -> 253;
                         anything else (profile not found, partial credentials, connection,
                         timeouts, unparsable responses) -> 255
  timestamps             v1 runs with cli_timestamp_format = iso8601 (v2 prints isoformat only)
  AWS_REGION             v1 reads only AWS_DEFAULT_REGION: it gets AWS_REGION's value there
  retries                both run with AWS_RETRY_MODE=standard (v2's default; v1's is legacy)
                         and, unless a case says otherwise, AWS_MAX_ATTEMPTS=1
  v2-only options        --no-cli-pager, --no-cli-auto-prompt, --cli-binary-format, --color are
                         left off v1's command line; --cli-input-yaml is given to v1 as
                         --cli-input-json with the same document; --output yaml/yaml-stream runs
                         v1 with --output json and compares the data; --output off runs v1 with
                         json and expects nothing on stdout
  error lines            as AWS CLI v2 2.34+ prints them in its default error format
                         (--cli-error-format enhanced, errorhandler.py), the program named sts:
                         argparse's 'aws: error: X'      -> 'sts: [ERROR]: An error occurred
                                                            (ParamValidation): X'
                         parameter errors (as above)      -> the same ParamValidation line
                         'You must specify a region...'   -> '... An error occurred (NoRegion): ...'
                         'Unable to locate credentials...'-> '... An error occurred (NoCredentials):
                                                            ...' naming "sts login" (v2: "aws login")
                         'Unknown options', service errors and every other (general) error
                                                          -> 'sts: [ERROR]: ' + the line
                         v1's usage banner is skipped
  v2 goldens             what 1.46.3 lacks (--cli-error-format legacy/json/text, v2's argparse
                         words) is compared with AWS CLI 2.36.7's own output, recorded in
                         scripts/cli_diff_v2.json by scripts/cli-diff-v2-goldens: exit code and the
                         whole standard error, with 'aws: [ERROR]:' read as 'sts: [ERROR]:', v2's
                         usage banner as sts's and "aws login" as "sts login".
"""

V2_ONLY_SWITCHES = {"--no-cli-pager", "--no-cli-auto-prompt"}
V2_ONLY_WITH_VALUE = {"--cli-binary-format", "--color"}

PARAM_ERRORS = (
    "Parameter validation failed",
    "Error parsing parameter",
    "Bad value for --",
    "Unknown options:",
    "Invalid JSON",
    "argument ",
    "sts: error:",
    "Expected: ",
)
CONFIG_ERRORS = ("You must specify a region", "Unable to locate credentials")


def map_v1_code(rc, errline):
    if rc in (0, 254):
        return rc
    if rc == 2:
        return 252
    if rc == 255:
        if errline.startswith("An error occurred ("):
            return 254
        if errline.startswith(PARAM_ERRORS):
            return 252
        if errline.startswith(CONFIG_ERRORS):
            return 253
        return 255
    return rc


# ---- the allow-list: differences kept on purpose -----------------------------------------------------

ALLOW = {
    "version": "the version string names sts-blocking, not aws-cli/botocore",
    "op-get-scoped-credentials": "GetScopedCredentials is newer than awscli 1.46.3's STS model "
    "(botocore 1.44.8 has no such operation): v1 answers 'Invalid choice'",
    "err-pattern-session-name": "sts checks the model's pattern before sending (saves a round "
    "trip; STS would answer ValidationError); botocore leaves patterns to the service and moto "
    "does not check them",
    "err-max-duration": "sts checks the model's maximum before sending (STS would answer "
    "ValidationError); botocore checks minimums only and moto accepts the value",
    "in-cli-input-json-bad": "v2 says 'Invalid JSON received.' (customizations/cliinput.py); v1 "
    "quotes Python's JSON error; sts follows v2",
    "in-skeleton": "awscli 1.46.3's STS model predates MinimumSessionTokenSize; sts lists it",
    "in-skeleton-input": "as in-skeleton",
    "in-skeleton-output": "botocore's Stubber validates the member-name placeholders against the "
    "output shape ('Arn' is shorter than 20) and fails, in v2 too; sts prints the sample",
    "in-cli-input-json-missing": "botocore lists the structural errors (missing, unknown, type) "
    "together with the length errors of the other members; sts reports the structural ones "
    "alone, then (once fixed) the others; and awscli 1.46.3's model lacks MinimumSessionTokenSize",
    "in-cli-input-json-list": "v2 answers 'Invalid type: expecting map' (customizations/cliinput.py); "
    "v1 crashes with AttributeError; sts follows v2",
    "eks-token-endpoint-override": "sts presigns the EKS token for the region's STS host "
    "whatever the endpoint override (EKS only accepts STS hosts); `aws eks get-token` presigns "
    "for the override",
    "err-typo-command": "v1's argparse lists the choices ('Invalid choice, valid choices are:'); "
    "v2's CLIArgParser says 'Found invalid choice 'assume-rol'' and its close matches: sts "
    "follows v2 (checked against v2 itself by the v2-*-argparse-typo cases)",
    "out-bad-output": "as err-typo-command, for --output (v2-output-invalid-choice)",
    "glob-tls-untrusted": "the reason after 'SSL validation failed for URL' is the TLS library's: "
    "OpenSSL's words in Python, rustls' in sts",
}


# ---- cases -----------------------------------------------------------------------------------------


class Case:
    """One command line. `args` are sts's arguments; aws gets `sts` + the same (mapped)."""

    def __init__(self, name, args, env=None, files=None, config=None, credentials=None,
                 aws=None, creds="user", region="us-east-1", endpoint="moto", auth=True,
                 stdout=True, errline=True, proxy=False, yaml_data=False, expect=None,
                 v1_config_extra="", v2=False):
        self.name = name
        self.args = args
        self.env = env or {}
        self.files = files or {}
        self.config = config
        self.credentials = credentials
        self.aws = aws
        self.creds = creds
        self.region = region
        self.endpoint = endpoint
        self.auth = auth
        self.stdout = stdout
        self.errline = errline
        self.proxy = proxy
        self.yaml_data = yaml_data
        self.expect = expect
        self.v1_config_extra = v1_config_extra
        # Compared with AWS CLI v2's recorded output (scripts/cli_diff_v2.json), not with v1.
        self.v2 = v2


POLICY = ('{"Version":"2012-10-17","Statement":[{"Sid":"AllowAll - café","Effect":"Allow",'
          '"Action":"*","Resource":"*"}]}')
TAGS_JSON = '[{"Key":"project","Value":"peer"},{"Key":"team","Value":"cli"}]'


def cases():
    R1 = "{ROLE_ARN}"
    R2 = "{ROLE2_ARN}"
    XID = "{EXTERNAL_ID}"
    ar = ["assume-role", "--role-arn", R2, "--role-session-name", "diff"]
    c = []
    add = c.append

    # -- every subcommand, json -------------------------------------------------------------
    add(Case("op-get-caller-identity", ["get-caller-identity"]))
    add(Case("op-assume-role", ar))
    add(Case("op-assume-role-external-id", ["assume-role", "--role-arn", R1,
             "--role-session-name", "peer-x", "--external-id", XID]))
    add(Case("op-assume-role-all-members", ar + [
        "--policy", POLICY, "--duration-seconds", "1800", "--tags", "Key=project,Value=peer",
        "Key=team,Value=cli", "--transitive-tag-keys", "project", "team",
        "--policy-arns", "arn=arn:aws:iam::aws:policy/ReadOnlyAccess",
        "--source-identity", "diff-source", "--serial-number",
        "arn:aws:iam::123456789012:mfa/peer", "--token-code", "123456"]))
    add(Case("op-assume-role-with-web-identity", ["assume-role-with-web-identity",
             "--role-arn", R2, "--role-session-name", "web", "--web-identity-token",
             "eyJhbGciOiJSUzI1NiJ9.e30.c2ln"], creds=None))
    add(Case("op-assume-role-with-saml", ["assume-role-with-saml", "--role-arn", R2,
             "--principal-arn", "arn:aws:iam::123456789012:saml-provider/idp",
             "--saml-assertion", "{SAML}"], creds=None))
    add(Case("op-assume-root", ["assume-root", "--target-principal", "111122223333",
             "--task-policy-arn", "arn=arn:aws:iam::aws:policy/root-task/IAMAuditRootUserCredentials"]))
    add(Case("op-decode-authorization-message", ["decode-authorization-message",
             "--encoded-message", "abcd"]))
    add(Case("op-get-access-key-info", ["get-access-key-info", "--access-key-id",
             "AKIAIOSFODNN7EXAMPLE"]))
    add(Case("op-get-delegated-access-token", ["get-delegated-access-token",
             "--trade-in-token", "token-123"]))
    add(Case("op-get-federation-token", ["get-federation-token", "--name", "Bob"]))
    add(Case("op-get-federation-token-policy", ["get-federation-token", "--name", "Bob",
             "--policy", POLICY, "--duration-seconds", "3600", "--tags", TAGS_JSON]))
    add(Case("op-get-scoped-credentials", ["get-scoped-credentials"]))
    add(Case("op-get-session-token", ["get-session-token"]))
    add(Case("op-get-session-token-mfa", ["get-session-token", "--duration-seconds", "900",
             "--serial-number", "arn:aws:iam::123456789012:mfa/peer", "--token-code", "123456"]))
    add(Case("op-get-web-identity-token", ["get-web-identity-token", "--audience",
             "sts.example.com", "--signing-algorithm", "ES384"]))

    # -- output formats -------------------------------------------------------------------------
    for fmt in ("text", "table"):
        add(Case(f"out-{fmt}-get-caller-identity", ["get-caller-identity", "--output", fmt]))
        add(Case(f"out-{fmt}-assume-role", ar + ["--output", fmt]))
        add(Case(f"out-{fmt}-get-session-token", ["get-session-token", "--output", fmt]))
        add(Case(f"out-{fmt}-get-federation-token", ["get-federation-token", "--name", "Bob",
                 "--output", fmt]))
    for fmt in ("yaml", "yaml-stream"):
        add(Case(f"out-{fmt}-assume-role", ar + ["--output", fmt], yaml_data=True))
        add(Case(f"out-{fmt}-get-caller-identity", ["get-caller-identity", "--output", fmt],
                 yaml_data=True))
    add(Case("out-json-explicit", ["get-caller-identity", "--output", "json"]))
    add(Case("out-env-default-output-text", ["get-caller-identity"],
             env={"AWS_DEFAULT_OUTPUT": "text"}))
    add(Case("out-env-default-output-table", ar, env={"AWS_DEFAULT_OUTPUT": "table"}))
    add(Case("out-flag-beats-env", ["get-caller-identity", "--output", "json"],
             env={"AWS_DEFAULT_OUTPUT": "text"}))
    add(Case("out-profile-output-text", ["get-caller-identity"],
             config="[default]\noutput = text\n"))
    add(Case("out-profile-output-table", ["get-caller-identity", "--profile", "p"],
             config="[profile p]\noutput = table\n", credentials=USER_CREDS_P, creds=None))
    add(Case("out-env-beats-profile", ["get-caller-identity"],
             env={"AWS_DEFAULT_OUTPUT": "json"}, config="[default]\noutput = text\n"))
    add(Case("out-bad-output", ["get-caller-identity", "--output", "xml"]))
    add(Case("out-bad-default-output", ["get-caller-identity"],
             env={"AWS_DEFAULT_OUTPUT": "xml"}))
    add(Case("out-off", ["get-caller-identity", "--output", "off"]))
    add(Case("out-text-query-credentials", ar + ["--query", "Credentials.[AccessKeyId,Expiration]",
             "--output", "text"]))
    add(Case("out-table-query-scalar", ["get-caller-identity", "--query", "Account",
             "--output", "table"]))

    # -- --query --------------------------------------------------------------------------------
    add(Case("query-account-text", ["get-caller-identity", "--query", "Account",
             "--output", "text"]))
    add(Case("query-account-json", ["get-caller-identity", "--query", "Account"]))
    add(Case("query-list-text", ["get-caller-identity", "--query", "[Account, Arn]",
             "--output", "text"]))
    add(Case("query-keys-table", ar + ["--query", "Credentials.{Key: AccessKeyId, Exp: Expiration}",
             "--output", "table"]))
    add(Case("query-missing", ["get-caller-identity", "--query", "Nope"]))
    add(Case("query-missing-text", ["get-caller-identity", "--query", "Nope", "--output", "text"]))
    add(Case("query-bad", ["get-caller-identity", "--query", "[["]))

    # -- input forms ------------------------------------------------------------------------------
    add(Case("in-tags-json", ar + ["--tags", TAGS_JSON]))
    add(Case("in-tags-file", ar + ["--tags", "file://tags.json"],
             files={"tags.json": TAGS_JSON}))
    add(Case("in-policy-file", ar + ["--policy", "file://policy.json"],
             files={"policy.json": POLICY}))
    add(Case("in-policy-arns-json", ar + ["--policy-arns",
             '[{"arn":"arn:aws:iam::aws:policy/ReadOnlyAccess"}]']))
    add(Case("in-equals-form", ["assume-role", f"--role-arn={R2}", "--role-session-name=eq"]))
    add(Case("in-global-before-command", ["--output", "text", "get-caller-identity"]))
    add(Case("in-transitive-json", ar + ["--tags", "Key=a,Value=b", "--transitive-tag-keys",
             '["a"]']))
    add(Case("in-shorthand-quoted", ar + ["--tags", "Key=a,Value='x y=z'"]))
    add(Case("in-cli-input-json", ["assume-role", "--cli-input-json",
             json.dumps({"RoleArn": R2, "RoleSessionName": "from-json", "DurationSeconds": 900})]))
    add(Case("in-cli-input-json-file", ["assume-role", "--cli-input-json", "file://in.json"],
             files={"in.json": json.dumps({"RoleArn": R2, "RoleSessionName": "from-file"})}))
    add(Case("in-cli-input-json-override", ["assume-role", "--cli-input-json",
             json.dumps({"RoleArn": R2, "RoleSessionName": "from-json"}),
             "--role-session-name", "from-flag"]))
    add(Case("in-cli-input-yaml", ["assume-role", "--cli-input-yaml",
             f"RoleArn: {R2}\nRoleSessionName: from-yaml\nTags:\n  - Key: a\n    Value: b\n"]))
    add(Case("in-cli-input-json-unknown", ["get-caller-identity", "--cli-input-json",
             '{"Nope": 1}']))
    add(Case("in-cli-input-json-bad", ["get-caller-identity", "--cli-input-json", "{"]))
    add(Case("in-skeleton", ["assume-role", "--generate-cli-skeleton"]))
    add(Case("in-skeleton-input", ["get-federation-token", "--generate-cli-skeleton", "input"]))
    add(Case("in-skeleton-output", ["get-caller-identity", "--generate-cli-skeleton", "output"]))
    add(Case("in-skeleton-output-assume-role", ["assume-role", "--generate-cli-skeleton",
             "output"]))
    add(Case("in-skeleton-access-key-info", ["get-access-key-info", "--generate-cli-skeleton"]))
    add(Case("in-skeleton-output-access-key-info", ["get-access-key-info",
             "--access-key-id", "AKIAIOSFODNN7EXAMPLE", "--generate-cli-skeleton", "output"]))
    add(Case("in-skeleton-output-text", ["get-access-key-info", "--access-key-id",
             "AKIAIOSFODNN7EXAMPLE", "--generate-cli-skeleton", "output", "--output", "text"]))
    add(Case("in-cli-input-json-missing", ["assume-role", "--cli-input-json",
             '{"RoleSessionName": "s", "Bogus": 1, "DurationSeconds": "900"}']))
    add(Case("in-cli-input-json-list", ["get-caller-identity", "--cli-input-json", "[]"]))

    # -- profiles and environment -----------------------------------------------------------------
    add(Case("prof-static", ["get-caller-identity", "--profile", "p"], creds=None,
             credentials=USER_CREDS_P))
    add(Case("prof-aws-profile-env", ["get-caller-identity"], creds=None,
             credentials=USER_CREDS_P, env={"AWS_PROFILE": "p"}))
    add(Case("prof-region-from-profile", ["get-caller-identity", "--profile", "p"], creds=None,
             region=None, credentials=USER_CREDS_P, config="[profile p]\nregion = eu-west-1\n"))
    add(Case("prof-role", ["get-caller-identity", "--profile", "r"], creds=None,
             credentials=USER_CREDS_P,
             config=f"[profile r]\nrole_arn = {R1}\nsource_profile = p\nexternal_id = {XID}\n"
                    "role_session_name = prof-role\n"))
    add(Case("prof-role-duration", ["get-caller-identity", "--profile", "r"], creds=None,
             credentials=USER_CREDS_P,
             config=f"[profile r]\nrole_arn = {R2}\nsource_profile = p\nduration_seconds = 900\n"
                    "role_session_name = prof-dur\n"))
    add(Case("prof-credential-process", ["get-caller-identity", "--profile", "cp"], creds=None,
             config="[profile cp]\ncredential_process = sh -c 'cat \"$HOME/creds.json\"'\n",
             files={"creds.json": json.dumps({"Version": 1, "AccessKeyId": "{ACCESS_KEY_ID}",
                                              "SecretAccessKey": "{SECRET_ACCESS_KEY}"})}))
    add(Case("prof-credential-process-fails", ["get-caller-identity", "--profile", "cp"],
             creds=None,
             config="[profile cp]\ncredential_process = sh -c 'echo boom >&2; exit 3'\n"))
    add(Case("prof-creds-file-before-process", ["get-caller-identity", "--profile", "p"],
             creds=None, credentials=USER_CREDS_P,
             config="[profile p]\ncredential_process = sh -c 'echo boom >&2; exit 3'\n"))
    add(Case("prof-config-half-key", ["get-caller-identity", "--profile", "h"], creds=None,
             config="[profile h]\naws_access_key_id = AKIAEXAMPLEHALF\n"))
    add(Case("prof-not-found", ["get-caller-identity", "--profile", "nope"]))
    add(Case("prof-env-not-found", ["get-caller-identity"], env={"AWS_PROFILE": "nope"}))
    add(Case("prof-default-profile-env", ["get-caller-identity"], creds=None,
             credentials=USER_CREDS_P, env={"AWS_DEFAULT_PROFILE": "p"}))
    add(Case("prof-default-profile-env-not-found", ["get-caller-identity"],
             env={"AWS_DEFAULT_PROFILE": "nope"}))
    add(Case("prof-config-file-env", ["get-caller-identity", "--profile", "p"], creds=None,
             env={"AWS_SHARED_CREDENTIALS_FILE": "{HOME}/elsewhere"},
             files={"elsewhere": USER_CREDS_P}))
    add(Case("prof-services-endpoint", ["get-caller-identity", "--profile", "e"], creds=None,
             endpoint=None, credentials=USER_CREDS_E,
             config="[profile e]\nservices = local\n\n[services local]\nsts =\n"
                    "  endpoint_url = {ENDPOINT}\n"))
    add(Case("prof-endpoint-url-key", ["get-caller-identity", "--profile", "e"], creds=None,
             endpoint=None, credentials=USER_CREDS_E,
             config="[profile e]\nendpoint_url = {ENDPOINT}\n"))
    add(Case("env-endpoint-url-global", ["get-caller-identity"], endpoint=None,
             env={"AWS_ENDPOINT_URL": "{ENDPOINT}"}))
    add(Case("env-session-token", ["get-caller-identity"], creds="session"))
    add(Case("env-default-region-only", ["get-caller-identity"], region=None,
             env={"AWS_DEFAULT_REGION": "eu-central-1"}))

    # -- no region, global endpoint ------------------------------------------------------------
    add(Case("region-none-global-endpoint", ["get-caller-identity"], region=None,
             endpoint=None, proxy=True))
    add(Case("region-none-fips", ["get-caller-identity"], region=None, endpoint=None,
             proxy=True, env={"AWS_USE_FIPS_ENDPOINT": "true"}))
    add(Case("region-none-dualstack", ["get-caller-identity"], region=None, endpoint=None,
             proxy=True, env={"AWS_USE_DUALSTACK_ENDPOINT": "true"}))
    add(Case("region-set-regional-endpoint", ["get-caller-identity"], region="eu-west-3",
             endpoint=None, proxy=True))
    add(Case("region-none-with-endpoint", ["get-caller-identity"], region=None))
    add(Case("region-flag", ["get-caller-identity", "--region", "ap-south-1"], region=None))
    add(Case("region-invalid", ["get-caller-identity", "--region", "us east 1"], region=None))
    add(Case("export-static-no-region", ["export-credentials", "--profile", "p"], creds=None,
             region=None, endpoint=None, credentials=USER_CREDS_P, expect="export"))
    add(Case("export-bad-settings-ignored", ["export-credentials", "--profile", "p",
             "--format", "env"], creds=None, region=None, endpoint=None,
             credentials=USER_CREDS_P,
             config="[profile p]\nregion = not a region!\nretry_mode = sideways\n"
                    "max_attempts = many\n", expect="export"))
    add(Case("export-fish", ["export-credentials", "--profile", "p", "--format", "fish"],
             creds=None, region=None, credentials=USER_CREDS_P, expect="export"))
    add(Case("export-env-expiration", ["export-credentials", "--format", "env"], creds="session",
             env={"AWS_CREDENTIAL_EXPIRATION": "2030-01-01T00:00:00Z"}, expect="export"))

    # -- errors -----------------------------------------------------------------------------------
    add(Case("err-wrong-secret", ["get-caller-identity"], creds="wrong"))
    add(Case("err-no-credentials", ["get-caller-identity"], creds=None))
    add(Case("err-partial-credentials", ["get-caller-identity"], creds=None,
             env={"AWS_ACCESS_KEY_ID": "AKIAEXAMPLE"}))
    add(Case("err-endpoint-not-a-url", ["get-caller-identity", "--endpoint-url", "not-a-url"]))
    add(Case("err-duration-not-int", ["get-session-token", "--duration-seconds", "1h"]))
    add(Case("err-read-timeout-not-int", ["get-caller-identity", "--cli-read-timeout", "abc"]))
    add(Case("err-connect-timeout-not-int", ["get-caller-identity", "--cli-connect-timeout",
             "1.5x"]))
    add(Case("err-missing-file", ar + ["--policy", "file://nope.json"]))
    add(Case("err-typo-command", ["assume-rol"]))
    add(Case("err-unknown-option", ["get-caller-identity", "--bogus", "x"]))
    add(Case("err-missing-required", ["assume-role", "--role-arn", R2]))
    add(Case("err-missing-both-required", ["assume-role"]))
    add(Case("err-no-command", []))
    add(Case("err-expected-one-argument", ["get-caller-identity", "--region"]))
    add(Case("err-min-length", ["assume-role", "--role-arn", R2, "--role-session-name", "a"]))
    add(Case("err-several-violations", ["assume-role", "--role-arn", "arn:aws:iam::1:role/x",
             "--role-session-name", "a", "--duration-seconds", "60", "--external-id", "x"]))
    add(Case("err-pattern-session-name", ["assume-role", "--role-arn", R2,
             "--role-session-name", "a b"]))
    add(Case("err-max-duration", ["get-session-token", "--duration-seconds", "999999"]))
    add(Case("err-tags-missing-value", ar + ["--tags", "Key=a"]))
    add(Case("err-tags-unknown-member", ar + ["--tags", "Key=a,Valu=b"]))
    add(Case("err-tags-two-items-bad", ar + ["--tags", "Key=a", "Valu=b"]))
    add(Case("err-tags-json-number", ar + ["--tags", '[{"Key":"a","Value":1}]']))
    add(Case("err-tags-json-invalid", ar + ["--tags", '[{"Key":"a",]']))
    add(Case("err-shorthand-syntax", ar + ["--tags", "Key"]))
    add(Case("err-audience-empty-list", ["get-web-identity-token", "--audience", "[]",
             "--signing-algorithm", "ES384"]))
    add(Case("err-service-access-denied", ["assume-role", "--role-arn", R1,
             "--role-session-name", "no-external-id"]))
    add(Case("err-connection-refused", ["get-caller-identity"], endpoint="refused"))
    add(Case("err-read-timeout", ["get-caller-identity", "--cli-read-timeout", "1"],
             endpoint="silent"))
    add(Case("err-connect-timeout", ["get-caller-identity", "--cli-connect-timeout", "1"],
             endpoint="backlog"))
    add(Case("err-non-xml-500", ["get-caller-identity"], endpoint="oops500"))
    add(Case("err-html-502", ["get-caller-identity"], endpoint="html502"))
    add(Case("err-xml-500-retried", ["get-caller-identity"], endpoint="xml500",
             env={"AWS_MAX_ATTEMPTS": "3"}))
    add(Case("err-access-denied-three-attempts", ["assume-role", "--role-arn", R1,
             "--role-session-name", "no-external-id"], env={"AWS_MAX_ATTEMPTS": "3"}))
    add(Case("err-profile-partial-keys", ["get-caller-identity", "--profile", "half"],
             creds=None, credentials="[half]\naws_access_key_id = AKIAEXAMPLE\n"))
    add(Case("err-proxy-refuses", ["get-caller-identity"], endpoint=None, proxy=True))

    # -- global options ---------------------------------------------------------------------------
    add(Case("glob-no-paginate", ["get-caller-identity", "--no-paginate"]))
    add(Case("glob-no-cli-pager", ["get-caller-identity", "--no-cli-pager"]))
    add(Case("glob-no-cli-auto-prompt", ["get-caller-identity", "--no-cli-auto-prompt"]))
    add(Case("glob-color-off", ["get-caller-identity", "--color", "off", "--output", "table"]))
    add(Case("glob-binary-format", ["get-caller-identity", "--cli-binary-format",
             "raw-in-base64-out"]))
    add(Case("glob-read-timeout-ok", ["get-caller-identity", "--cli-read-timeout", "30",
             "--cli-connect-timeout", "5"]))
    add(Case("glob-debug", ["get-caller-identity", "--debug"], errline=False))
    add(Case("glob-no-sign-request", ["get-caller-identity", "--no-sign-request"]))
    add(Case("glob-no-sign-request-web-identity", ["assume-role-with-web-identity",
             "--role-arn", R2, "--role-session-name", "web", "--web-identity-token",
             "eyJhbGciOiJSUzI1NiJ9.e30.c2ln", "--no-sign-request"], creds=None))
    add(Case("glob-ca-bundle", ["get-caller-identity", "--ca-bundle", "{CA_FILE}"],
             endpoint="tls"))
    add(Case("glob-ca-bundle-env", ["get-caller-identity"], endpoint="tls",
             env={"AWS_CA_BUNDLE": "{CA_FILE}"}))
    add(Case("glob-tls-untrusted", ["get-caller-identity"], endpoint="tls"))
    # eks-token is `aws eks get-token`: the ExecCredential compared as data, the token by the URL
    # it encodes (host, path, query parameter names, signed headers, expiry).
    # Signed locally: no endpoint override, nothing is sent.
    add(Case("eks-token", ["eks-token", "--cluster-name", "c1"], endpoint=None,
             aws=["eks", "get-token", "--cluster-name", "c1"]))
    add(Case("eks-token-no-region", ["eks-token", "--cluster-name", "c1"], region=None,
             endpoint=None, aws=["eks", "get-token", "--cluster-name", "c1"]))
    add(Case("eks-token-session", ["eks-token", "--cluster-id", "c2"], creds="session",
             endpoint=None, region="eu-west-1", aws=["eks", "get-token", "--cluster-id", "c2"]))
    add(Case("eks-token-endpoint-override", ["eks-token", "--cluster-name", "c1"],
             aws=["eks", "get-token", "--cluster-name", "c1"]))
    add(Case("glob-no-verify-ssl", ["get-caller-identity", "--no-verify-ssl"], endpoint="tls"))
    add(Case("version", ["--version"]))

    # -- error formats, against AWS CLI 2.36.7's recorded output (v1 has no --cli-error-format) --
    for fmt in ("legacy", "enhanced", "json", "text"):
        f = ["--cli-error-format", fmt]
        add(Case(f"v2-{fmt}-param-validation", ["get-federation-token", "--name", "B"] + f,
                 v2=True))
        add(Case(f"v2-{fmt}-argparse-required", ["assume-role", "--role-arn", R2] + f, v2=True))
        add(Case(f"v2-{fmt}-argparse-typo", ["get-caler-identity"] + f, v2=True))
        add(Case(f"v2-{fmt}-unknown-options", ["get-caller-identity", "--bogus", "x"] + f,
                 v2=True))
        add(Case(f"v2-{fmt}-shorthand-list", ar + ["--tags", "Key=a,Value"] + f, v2=True))
        add(Case(f"v2-{fmt}-paramfile", ar + ["--policy", "file://nope.json"] + f, v2=True))
        add(Case(f"v2-{fmt}-service", ["get-caller-identity"] + f, creds="wrong", v2=True))
        add(Case(f"v2-{fmt}-no-credentials", ["get-caller-identity"] + f, creds=None, v2=True))
        add(Case(f"v2-{fmt}-no-region", ["get-caller-identity"] + f, region=None, v2=True))
        add(Case(f"v2-{fmt}-export-no-credentials", ["export-credentials"] + f, creds=None,
                 aws=["configure", "export-credentials"] + f, v2=True))
        add(Case(f"v2-{fmt}-profile-not-found", ["get-caller-identity", "--profile", "nope"] + f,
                 v2=True))
        add(Case(f"v2-{fmt}-read-timeout", ["get-caller-identity", "--cli-read-timeout", "abc"]
                 + f, v2=True))
    # Errors among the global options know neither the flag nor --profile; the environment's
    # profile is read; a missing profile falls back to legacy; a bad value is enhanced.
    add(Case("v2-top-level-ignores-flag", ["get-caller-identity", "--cli-error-format", "json",
             "--region"], v2=True))
    add(Case("v2-output-invalid-choice", ["get-caller-identity", "--output", "xml"], v2=True))
    add(Case("v2-flag-invalid-choice", ["get-caller-identity", "--cli-error-format", "jsn"],
             v2=True))
    add(Case("v2-env-format-text", ["assume-role", "--role-arn", R2], v2=True,
             env={"AWS_CLI_ERROR_FORMAT": "TEXT"}))
    add(Case("v2-env-format-unknown", ["assume-role", "--role-arn", R2], v2=True,
             env={"AWS_CLI_ERROR_FORMAT": "fancy"}))
    add(Case("v2-profile-format-json", ["assume-role", "--role-arn", R2, "--profile", "pj"],
             v2=True, config="[profile pj]\ncli_error_format = json\n"))
    add(Case("v2-profile-format-top-level", ["get-caller-identity", "--profile", "pj",
             "--region"], v2=True, config="[profile pj]\ncli_error_format = json\n"))
    add(Case("v2-profile-missing-legacy", ["assume-role", "--role-arn", R2, "--profile",
             "nope"], v2=True))
    add(Case("v2-config-unparsable", ["get-caller-identity"], v2=True,
             config="[default]\nfoo\n"))
    add(Case("v2-source-profile-loop", ["get-caller-identity", "--profile", "cyc1"], creds=None,
             v2=True, config=f"[profile cyc1]\nrole_arn = {R2}\nsource_profile = cyc2\n"
                             f"[profile cyc2]\nrole_arn = {R2}\nsource_profile = cyc1\n"))
    return c


USER_CREDS_P = ("[p]\naws_access_key_id = {ACCESS_KEY_ID}\n"
                "aws_secret_access_key = {SECRET_ACCESS_KEY}\n")
USER_CREDS_E = ("[e]\naws_access_key_id = {ACCESS_KEY_ID}\n"
                "aws_secret_access_key = {SECRET_ACCESS_KEY}\n")

# ---- local servers -------------------------------------------------------------------------------


def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


def serve(handler):
    """A TCP server on 127.0.0.1 calling handler(conn) per connection, in threads."""
    srv = socket.socket()
    srv.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    srv.bind(("127.0.0.1", 0))
    srv.listen(64)

    def loop():
        while True:
            try:
                conn, _ = srv.accept()
            except OSError:
                return
            threading.Thread(target=handler, args=(conn,), daemon=True).start()

    threading.Thread(target=loop, daemon=True).start()
    return srv.getsockname()[1]


def read_request(conn):
    data = b""
    conn.settimeout(10)
    try:
        while b"\r\n\r\n" not in data:
            chunk = conn.recv(65536)
            if not chunk:
                return data
            data += chunk
        head, _, body = data.partition(b"\r\n\r\n")
        m = re.search(rb"(?i)content-length:\s*(\d+)", head)
        need = int(m.group(1)) if m else 0
        while len(body) < need:
            chunk = conn.recv(65536)
            if not chunk:
                break
            body += chunk
    except OSError:
        pass
    return data


def silent(conn):
    read_request(conn)
    time.sleep(30)
    conn.close()


def html502(conn):
    read_request(conn)
    body = b"<html><body>Bad Gateway</body></html>"
    conn.sendall(b"HTTP/1.1 502 Bad Gateway\r\nContent-Type: text/html\r\n"
                 b"Content-Length: " + str(len(body)).encode() + b"\r\nConnection: close\r\n\r\n"
                 + body)
    conn.close()


def xml500(conn):
    read_request(conn)
    body = (b'<ErrorResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/"><Error>'
            b"<Type>Receiver</Type><Code>InternalFailure</Code><Message>try again</Message>"
            b"</Error><RequestId>r-500</RequestId></ErrorResponse>")
    conn.sendall(b"HTTP/1.1 500 Internal Server Error\r\nContent-Type: text/xml\r\n"
                 b"Content-Length: " + str(len(body)).encode() + b"\r\nConnection: close\r\n\r\n"
                 + body)
    conn.close()


def oops500(conn):
    read_request(conn)
    body = b"Internal oops, not XML"
    conn.sendall(b"HTTP/1.1 500 Internal Server Error\r\nContent-Type: text/plain\r\n"
                 b"Content-Length: " + str(len(body)).encode() + b"\r\nConnection: close\r\n\r\n"
                 + body)
    conn.close()


CONNECTS = []


def refusing_proxy(conn):
    data = read_request(conn)
    line = data.split(b"\r\n", 1)[0].decode("latin-1")
    # The target only: urllib3 speaks HTTP/1.0 to the proxy, ureq HTTP/1.1.
    CONNECTS.append(" ".join(line.split(" ")[:2]))
    conn.sendall(b"HTTP/1.1 403 Forbidden\r\nContent-Length: 0\r\nConnection: close\r\n\r\n")
    conn.close()


def backlog_server():
    """A listener whose accept queue is full: connects to it hang until the client gives up."""
    srv = socket.socket()
    srv.bind(("127.0.0.1", 0))
    srv.listen(0)
    port = srv.getsockname()[1]
    fillers = []
    for _ in range(8):
        s = socket.socket()
        s.setblocking(False)
        try:
            s.connect(("127.0.0.1", port))
        except BlockingIOError:
            pass
        fillers.append(s)
    time.sleep(0.2)
    return port, (srv, fillers)


def make_cert(directory):
    """A CA and a leaf for 127.0.0.1 signed by it; returns (ca file, leaf chain file, key file)."""
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID
    import ipaddress

    now = datetime.datetime.now(datetime.timezone.utc)
    ca_key = ec.generate_private_key(ec.SECP256R1())
    ca_name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "cli-diff test CA")])
    ca = (x509.CertificateBuilder().subject_name(ca_name).issuer_name(ca_name)
          .public_key(ca_key.public_key()).serial_number(x509.random_serial_number())
          .not_valid_before(now - datetime.timedelta(days=1))
          .not_valid_after(now + datetime.timedelta(days=2))
          .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
          .add_extension(x509.KeyUsage(digital_signature=True, key_cert_sign=True, crl_sign=True,
                                       content_commitment=False, key_encipherment=False,
                                       data_encipherment=False, key_agreement=False,
                                       encipher_only=False, decipher_only=False), critical=True)
          .sign(ca_key, hashes.SHA256()))
    key = ec.generate_private_key(ec.SECP256R1())
    leaf = (x509.CertificateBuilder()
            .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "127.0.0.1")]))
            .issuer_name(ca_name).public_key(key.public_key())
            .serial_number(x509.random_serial_number())
            .not_valid_before(now - datetime.timedelta(days=1))
            .not_valid_after(now + datetime.timedelta(days=2))
            .add_extension(x509.SubjectAlternativeName(
                [x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]), critical=False)
            .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
            .sign(ca_key, hashes.SHA256()))
    ca_file = os.path.join(directory, "ca.pem")
    chain_file = os.path.join(directory, "chain.pem")
    key_file = os.path.join(directory, "key.pem")
    pem = serialization.Encoding.PEM
    with open(ca_file, "wb") as f:
        f.write(ca.public_bytes(pem))
    with open(chain_file, "wb") as f:
        f.write(leaf.public_bytes(pem) + ca.public_bytes(pem))
    with open(key_file, "wb") as f:
        f.write(key.private_bytes(pem, serialization.PrivateFormat.PKCS8,
                                  serialization.NoEncryption()))
    return ca_file, chain_file, key_file


def tls_front(cert_file, key_file, moto_port):
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    ctx.load_cert_chain(cert_file, key_file)

    def pipe(a, b):
        try:
            while True:
                d = a.recv(65536)
                if not d:
                    break
                b.sendall(d)
        except OSError:
            pass
        finally:
            for s in (a, b):
                try:
                    s.shutdown(socket.SHUT_RDWR)
                except OSError:
                    pass

    def handle(conn):
        try:
            tls = ctx.wrap_socket(conn, server_side=True)
        except (ssl.SSLError, OSError):
            conn.close()
            return
        up = socket.create_connection(("127.0.0.1", moto_port))
        threading.Thread(target=pipe, args=(up, tls), daemon=True).start()
        pipe(tls, up)

    return serve(handle)


# ---- running ------------------------------------------------------------------------------------


def set_auth(api, on):
    req = urllib.request.Request(f"{api}/reset-auth", data=b"0" if on else b"inf",
                                 method="POST", headers={"Content-Type": "text/plain"})
    with urllib.request.urlopen(req, timeout=10) as r:
        r.read()


def subst(text, values):
    for k, v in values.items():
        text = text.replace("{" + k + "}", v)
    return text


def v1_config(config):
    """v1 prints timestamps as v2 does only with cli_timestamp_format = iso8601."""
    sections = re.findall(r"(?m)^\[(default|profile [^\]]+)\]", config or "")
    out = config or ""
    if "default" not in sections:
        out = "[default]\n" + out if out.strip() else "[default]\n"
    out = re.sub(r"(?m)^(\[(?:default|profile [^\]]+)\]\n)",
                 r"\1cli_timestamp_format = iso8601\n", out)
    return out


def aws_argv(args, aws_bin, service_args=None):
    out, i = [], 0
    yaml_input = None
    while i < len(args):
        a = args[i]
        if a in V2_ONLY_SWITCHES:
            i += 1
            continue
        if a in V2_ONLY_WITH_VALUE:
            i += 2
            continue
        if a == "--cli-input-yaml":
            yaml_input = args[i + 1]
            import yaml
            out += ["--cli-input-json", json.dumps(yaml.safe_load(yaml_input))]
            i += 2
            continue
        if a == "--output" and i + 1 < len(args) and args[i + 1] in ("yaml", "yaml-stream", "off"):
            out += ["--output", "json"]
            i += 2
            continue
        out.append(a)
        i += 1
    for a in out:
        if a.startswith(("http://", "https://")):
            raise SystemExit(f"cli-diff: refusing to pass {a!r} to awscli v1 (it would fetch it)")
    if service_args is not None:
        return [aws_bin] + service_args
    return [aws_bin, "sts"] + out


USAGE_LINES = ("usage:", "To see help text", "  aws ", "  sts ", "Note: AWS CLI version 2")


def error_line(stderr):
    """The first line of the error; for botocore's validation errors, every line (each names
    one violation)."""
    lines = stderr.splitlines()
    for n, line in enumerate(lines):
        s = line.rstrip()
        if not s or s.startswith(USAGE_LINES):
            continue
        if "Warning" in s and (".py:" in s or s.startswith("warnings.warn")):
            continue
        if s.startswith("  warnings.warn("):
            continue
        if s.endswith("Parameter validation failed:"):
            return " | ".join(x.rstrip() for x in lines[n:] if x.strip())
        return s
    return ""


PREFIX = "sts: [ERROR]: "


def v2_line(line):
    """v1's error line as AWS CLI v2 prints it in its default (enhanced) error format."""
    if not line:
        return line
    if line.startswith("aws: error: "):
        return f"{PREFIX}An error occurred (ParamValidation): {line[len('aws: error: '):]}"
    if line.startswith("Unknown options:"):
        return PREFIX + line
    if line.startswith(PARAM_ERRORS):
        return f"{PREFIX}An error occurred (ParamValidation): {line}"
    if line.startswith("You must specify a region"):
        return f"{PREFIX}An error occurred (NoRegion): {line}"
    if line.startswith("Unable to locate credentials"):
        line = line.replace('"aws configure"', '"sts login"')
        return f"{PREFIX}An error occurred (NoCredentials): {line}"
    return PREFIX + line


V2_USAGE = ("usage: aws [options] <command> <subcommand> [<subcommand> ...] [parameters]\n"
            "To see help text, you can run:\n\n  aws help\n  aws <command> help\n"
            "  aws <command> <subcommand> help\n")
STS_USAGE = ("usage: sts [options] <command> [parameters]\nTo see help text, you can run:\n\n"
             "  sts help\n  sts <command> help\n")


def v2_as_sts(text):
    """AWS CLI v2's standard error with the program named sts: the prefix, the usage banner
    (also inside a JSON string) and the command that signs in."""
    for a, b in ((V2_USAGE, STS_USAGE), ('"aws login"', '"sts login"')):
        text = text.replace(a, b)
        text = text.replace(json.dumps(a)[1:-1], json.dumps(b)[1:-1])
    return text.replace("aws: [ERROR]:", "sts: [ERROR]:")


V2_GOLDEN = os.path.join(os.path.dirname(os.path.abspath(__file__)), "cli_diff_v2.json")


TIMESTAMP = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(?:\.\d+)?(?:Z|[+-]\d\d:\d\d)")
VOLATILE = [
    re.compile(r"\b(?:ASIA|AKIA)[A-Z0-9]{16}\b"),
    re.compile(r"FQoGZXIvYXdzE[A-Za-z0-9/+=]+"),
    re.compile(r"(?<![A-Za-z0-9/+])[A-Za-z0-9/+]{40}(?![A-Za-z0-9/+=])"),
    re.compile(r"k8s-aws-v1\.[A-Za-z0-9_-]+"),
    re.compile(r"eyJ[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+"),
]


def shape(text):
    """Per-call values replaced by same-length placeholders (table widths survive); timestamps
    keep their form (digits become 9)."""
    text = TIMESTAMP.sub(lambda m: re.sub(r"\d", "9", m.group(0)), text)
    for rx in VOLATILE:
        text = rx.sub(lambda m: "x" * len(m.group(0)), text)
    return text


def data_shape(v):
    if isinstance(v, dict):
        return {k: data_shape(x) for k, x in v.items()}
    if isinstance(v, list):
        return [data_shape(x) for x in v]
    if isinstance(v, str):
        return shape(v)
    return v


class Result:
    def __init__(self, rc, out, err, connect=None):
        self.rc, self.out, self.err, self.connect = rc, out, err, connect


def run(argv, env, cwd, timeout=90):
    try:
        p = subprocess.run(argv, env=env, cwd=cwd, stdin=subprocess.DEVNULL,
                           capture_output=True, timeout=timeout)
        return Result(p.returncode, p.stdout.decode("utf-8", "replace"),
                      p.stderr.decode("utf-8", "replace"))
    except subprocess.TimeoutExpired:
        return Result(-1, "", f"cli-diff: timed out after {timeout}s")


def expected_export(case, values):
    """v2's `aws configure export-credentials` output (exportcreds.py), for the static keys used."""
    fmt = "process"
    if "--format" in case.args:
        fmt = case.args[case.args.index("--format") + 1]
    if case.creds == "session":
        keys = [("AWS_ACCESS_KEY_ID", values["SESSION_ACCESS_KEY_ID"]),
                ("AWS_SECRET_ACCESS_KEY", values["SESSION_SECRET"]),
                ("AWS_SESSION_TOKEN", values["SESSION_TOKEN"])]
    else:
        keys = [("AWS_ACCESS_KEY_ID", values["ACCESS_KEY_ID"]),
                ("AWS_SECRET_ACCESS_KEY", values["SECRET_ACCESS_KEY"])]
    exp = case.env.get("AWS_CREDENTIAL_EXPIRATION")
    if exp:
        keys.append(("AWS_CREDENTIAL_EXPIRATION", datetime.datetime.fromisoformat(
            exp.replace("Z", "+00:00")).isoformat()))
    if fmt == "process":
        out = {"Version": 1}
        names = {"AWS_ACCESS_KEY_ID": "AccessKeyId", "AWS_SECRET_ACCESS_KEY": "SecretAccessKey",
                 "AWS_SESSION_TOKEN": "SessionToken", "AWS_CREDENTIAL_EXPIRATION": "Expiration"}
        for k, v in keys:
            out[names[k]] = v
        return Result(0, json.dumps(out, indent=2, separators=(",", ": ")) + "\n", "")
    line = {"env": "export {k}={v}", "env-no-export": "{k}={v}",
            "powershell": '$Env:{k}="{v}"', "windows-cmd": "set {k}={v}",
            "fish": 'set -gx {k} "{v}"'}[fmt]
    return Result(0, "".join(line.format(k=k, v=v) + "\n" for k, v in keys), "")


def run_case(case, ctx):
    values = dict(ctx["values"])
    home = tempfile.mkdtemp(prefix="cli-diff-")
    values["HOME"] = home
    try:
        for name, text in case.files.items():
            with open(os.path.join(home, name), "w") as f:
                f.write(subst(text, values))
        os.makedirs(os.path.join(home, ".aws"))
        if case.credentials:
            with open(os.path.join(home, ".aws", "credentials"), "w") as f:
                f.write(subst(case.credentials, values))
        base = {"PATH": os.environ["PATH"], "HOME": home, "AWS_EC2_METADATA_DISABLED": "true",
                "AWS_MAX_ATTEMPTS": "1", "AWS_RETRY_MODE": "standard", "LC_ALL": "C.UTF-8"}
        if case.region:
            base["AWS_REGION"] = case.region
            base["AWS_DEFAULT_REGION"] = case.region
        endpoints = {"moto": values["ENDPOINT"], "refused": f"http://127.0.0.1:{ctx['refused']}",
                     "silent": f"http://127.0.0.1:{ctx['silent']}",
                     "backlog": f"http://127.0.0.1:{ctx['backlog']}",
                     "oops500": f"http://127.0.0.1:{ctx['oops500']}",
                     "html502": f"http://127.0.0.1:{ctx['html502']}",
                     "xml500": f"http://127.0.0.1:{ctx['xml500']}",
                     "tls": f"https://127.0.0.1:{ctx['tls']}"}
        if case.endpoint:
            base["AWS_ENDPOINT_URL_STS"] = endpoints[case.endpoint]
        if case.creds == "user":
            base["AWS_ACCESS_KEY_ID"] = values["ACCESS_KEY_ID"]
            base["AWS_SECRET_ACCESS_KEY"] = values["SECRET_ACCESS_KEY"]
        elif case.creds == "wrong":
            base["AWS_ACCESS_KEY_ID"] = values["ACCESS_KEY_ID"]
            base["AWS_SECRET_ACCESS_KEY"] = "wrong-secret-wrong-secret"
        elif case.creds == "session":
            base["AWS_ACCESS_KEY_ID"] = values["SESSION_ACCESS_KEY_ID"]
            base["AWS_SECRET_ACCESS_KEY"] = values["SESSION_SECRET"]
            base["AWS_SESSION_TOKEN"] = values["SESSION_TOKEN"]
        if case.proxy:
            base["HTTPS_PROXY"] = f"http://127.0.0.1:{ctx['proxy']}"
        for k, v in case.env.items():
            base[k] = subst(v, values)
            if k == "AWS_REGION" and "AWS_DEFAULT_REGION" not in case.env:
                base["AWS_DEFAULT_REGION"] = base[k]
        args = [subst(a, values) for a in case.args]
        config = subst(case.config, values) if case.config else None
        if not case.auth:
            set_auth(values["MOTO_API"], False)
        try:
            # sts
            if config:
                with open(os.path.join(home, ".aws", "config"), "w") as f:
                    f.write(config)
            CONNECTS.clear()
            s = run([ctx["sts"]] + args, base, home)
            s.connect = list(CONNECTS)
            if case.v2:
                s.err = s.err.replace(home, "{HOME}")
            # the oracle
            if case.expect == "export":
                a = expected_export(case, values)
            elif case.v2 and ctx.get("aws_v2"):
                # Recording AWS CLI v2's output (scripts/cli-diff-v2-goldens).
                with open(os.path.join(home, ".aws", "config"), "w") as f:
                    f.write(config or "")
                argv = ctx["aws_v2"] + (case.aws or ["sts"] + args)
                a = run(argv, base, home)
                a.err = a.err.replace(home, "{HOME}")
            elif case.v2:
                g = ctx["v2_golden"].get(case.name)
                a = Result(g["rc"], g["stdout"], g["stderr"]) if g else Result(
                    -2, "", f"no v2 golden for {case.name}: run scripts/cli-diff-v2-goldens")
            else:
                with open(os.path.join(home, ".aws", "config"), "w") as f:
                    f.write(v1_config(config))
                CONNECTS.clear()
                aws_args = [subst(x, values) for x in case.aws] if case.aws else None
                a = run(aws_argv(args, ctx["aws"], aws_args), base, home)
                a.connect = list(CONNECTS)
        finally:
            if not case.auth:
                set_auth(values["MOTO_API"], True)
        return a, s
    finally:
        shutil.rmtree(home, ignore_errors=True)


def exec_credential(text):
    """An ExecCredential with its token decoded into the parts that do not change per call."""
    import urllib.parse
    doc = json.loads(text)
    token = doc["status"].pop("token")
    assert token.startswith("k8s-aws-v1."), token
    raw = token[len("k8s-aws-v1."):]
    url = urllib.parse.urlsplit(base64.urlsafe_b64decode(raw + "=" * (-len(raw) % 4)).decode())
    query = urllib.parse.parse_qs(url.query)
    doc["status"]["token"] = {
        "host": url.netloc, "path": url.path, "params": sorted(query),
        "Action": query.get("Action"), "Expires": query.get("X-Amz-Expires"),
        "SignedHeaders": query.get("X-Amz-SignedHeaders"),
        "scope": query["X-Amz-Credential"][0].split("/", 2)[2],
    }
    doc["status"]["expirationTimestamp"] = shape(doc["status"]["expirationTimestamp"])
    return doc


def output_of(args):
    """The --output value of a command line, if any."""
    for i, a in enumerate(args[:-1]):
        if a == "--output":
            return args[i + 1]
    return None


def compare(case, a, s):
    """A list of (what, aws side, sts side) differences."""
    diffs = []
    if case.v2:
        if a.rc != s.rc:
            diffs.append(("exit", str(a.rc), str(s.rc)))
        if a.out != s.out:
            diffs.append(("stdout", a.out, s.out))
        if v2_as_sts(a.err) != s.err:
            diffs.append(("stderr", v2_as_sts(a.err), s.err))
        return diffs
    a_err, s_err = v2_line(error_line(a.err)), error_line(s.err)
    a_rc = map_v1_code(a.rc, error_line(a.err)) if case.expect is None else a.rc
    if a_rc != s.rc:
        diffs.append(("exit", str(a_rc) + (f" (v1 {a.rc})" if a_rc != a.rc else ""), str(s.rc)))
    if case.stdout and case.aws and case.aws[:2] == ["eks", "get-token"]:
        try:
            ea, es = exec_credential(a.out), exec_credential(s.out)
        except Exception as e:  # noqa: BLE001 - unreadable output is a difference
            ea, es = a.out, f"unreadable: {e}"
        if ea != es:
            diffs.append(("stdout", json.dumps(ea)[:400], json.dumps(es)[:400]))
    elif case.stdout:
        if output_of(case.args) == "off":
            # v2's --output off prints nothing; v1 ran with json.
            if s.out:
                diffs.append(("stdout", "", s.out))
        elif case.yaml_data:
            import yaml
            try:
                sa = data_shape(json.loads(a.out)) if a.out.strip() else None
                docs = [data_shape(d) for d in yaml.safe_load_all(s.out)] if s.out.strip() else []
                ss = docs[0] if len(docs) == 1 else (docs or None)
                if "yaml-stream" in case.args and sa is not None:
                    sa = [sa]
            except Exception as e:  # noqa: BLE001 - a parse failure is a difference
                sa, ss = a.out, f"unparsable: {e}"
            if sa != ss:
                diffs.append(("stdout", json.dumps(sa)[:300], json.dumps(ss)[:300]))
        elif shape(a.out) != shape(s.out):
            diffs.append(("stdout", shape(a.out), shape(s.out)))
    if case.errline and a_err != s_err:
        diffs.append(("error line", a_err, s_err))
    if case.proxy and a.connect != s.connect:
        diffs.append(("CONNECT", ";".join(a.connect), ";".join(s.connect)))
    return diffs


def record_v2(ctx, v2_cases):
    """Runs the v2 cases through AWS CLI v2 and writes what it printed (HOME as {HOME})."""
    golden = {}
    if os.path.exists(V2_GOLDEN):
        with open(V2_GOLDEN) as f:
            golden = json.load(f)["cases"]
    version = subprocess.run(ctx["aws_v2"] + ["--version"], capture_output=True,
                             text=True).stdout.strip()
    for case in v2_cases:
        a, _ = run_case(case, ctx)
        golden[case.name] = {"rc": a.rc, "stdout": a.out, "stderr": a.err}
        print(f"{case.name:<44} v2 {a.rc:>3}", flush=True)
    with open(V2_GOLDEN, "w") as f:
        json.dump({"recorded_with": version.split(" ")[0], "cases": golden}, f, indent=1,
                  sort_keys=True, ensure_ascii=False)
        f.write("\n")
    print(f"cli-diff: recorded {len(v2_cases)} v2 cases into {V2_GOLDEN}")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--aws", required=True)
    ap.add_argument("--sts", required=True)
    ap.add_argument("--only", default="")
    ap.add_argument("--verbose", action="store_true")
    ap.add_argument("--record-v2", metavar="CMD",
                    help="record the v2 cases' output of this AWS CLI v2 command (a shell "
                         "word list) into scripts/cli_diff_v2.json instead of comparing")
    opts = ap.parse_args()
    opts.aws, opts.sts = os.path.abspath(opts.aws), os.path.abspath(opts.sts)

    env = os.environ
    values = {
        "ENDPOINT": env["STS_PEER_ENDPOINT"],
        "MOTO_API": env["STS_PEER_MOTO_API"],
        "ACCESS_KEY_ID": env["STS_PEER_ACCESS_KEY_ID"],
        "SECRET_ACCESS_KEY": env["STS_PEER_SECRET_ACCESS_KEY"],
        "ROLE_ARN": env["STS_PEER_ROLE_ARN"],
        "ROLE2_ARN": env["STS_PEER_ROLE2_ARN"],
        "EXTERNAL_ID": env["STS_PEER_EXTERNAL_ID"],
        "SAML": base64.b64encode(b"<samlp:Response>not really</samlp:Response>").decode(),
    }
    # Temporary credentials of the peer user, for the session-token cases.
    tmp = subprocess.run(
        [opts.sts, "get-session-token", "--output", "json"],
        env={"PATH": env["PATH"], "HOME": tempfile.gettempdir(), "AWS_REGION": "us-east-1",
             "AWS_ENDPOINT_URL_STS": values["ENDPOINT"], "AWS_EC2_METADATA_DISABLED": "true",
             "AWS_ACCESS_KEY_ID": values["ACCESS_KEY_ID"],
             "AWS_SECRET_ACCESS_KEY": values["SECRET_ACCESS_KEY"]},
        capture_output=True, check=True)
    creds = json.loads(tmp.stdout)["Credentials"]
    values["SESSION_ACCESS_KEY_ID"] = creds["AccessKeyId"]
    values["SESSION_SECRET"] = creds["SecretAccessKey"]
    values["SESSION_TOKEN"] = creds["SessionToken"]

    workdir = tempfile.mkdtemp(prefix="cli-diff-tls-")
    ca_file, cert_file, key_file = make_cert(workdir)
    values["CA_FILE"] = ca_file
    moto_port = int(values["ENDPOINT"].rsplit(":", 1)[1])
    backlog_port, keep = backlog_server()
    ctx = {
        "values": values, "aws": opts.aws, "sts": opts.sts,
        "refused": free_port(), "silent": serve(silent), "oops500": serve(oops500),
        "html502": serve(html502), "xml500": serve(xml500),
        "proxy": serve(refusing_proxy), "backlog": backlog_port,
        "tls": tls_front(cert_file, key_file, moto_port), "keep": keep,
        "aws_v2": opts.record_v2.split() if opts.record_v2 else None,
        "v2_golden": {},
    }
    if not opts.record_v2 and os.path.exists(V2_GOLDEN):
        with open(V2_GOLDEN) as f:
            ctx["v2_golden"] = json.load(f)["cases"]
    if opts.record_v2:
        record_v2(ctx, [c for c in cases() if c.v2 and opts.only in c.name])
        return

    all_cases = [c for c in cases() if opts.only in c.name]
    rows, failed, allowed, matched, stale = [], [], [], 0, []
    for case in all_cases:
        a, s = run_case(case, ctx)
        diffs = compare(case, a, s)
        if not diffs:
            verdict = "match"
            matched += 1
            if case.name in ALLOW:
                stale.append(case.name)
        elif case.name in ALLOW:
            verdict = "ALLOWED"
            allowed.append((case, diffs))
        else:
            verdict = "DIFF"
            failed.append((case, diffs, a, s))
        a_rc = map_v1_code(a.rc, error_line(a.err)) if case.expect is None and not case.v2 \
            else a.rc
        rows.append((case.name, str(a_rc), str(s.rc), verdict))
        print(f"{case.name:<44} aws {a_rc:>3}  sts {s.rc:>3}  {verdict}", flush=True)
        if opts.verbose and diffs:
            for what, x, y in diffs:
                print(f"    {what}:\n      aws: {x!r}\n      sts: {y!r}")
    shutil.rmtree(workdir, ignore_errors=True)

    print()
    print(MAPPING)
    if allowed:
        print("\nallow-listed differences:")
        for case, diffs in allowed:
            print(f"  {case.name}: {ALLOW[case.name]}")
            for what, _, _ in diffs:
                print(f"      ({what})")
    if failed:
        print("\ndifferences:")
        for case, diffs, a, s in failed:
            print(f"  {case.name}: sts {' '.join(case.args)}")
            for what, x, y in diffs:
                print(f"    {what}:\n      aws: {x!r}\n      sts: {y!r}")
    if stale:
        print(f"\nallow-list entries that now match (remove them): {', '.join(stale)}")
    total = len(all_cases)
    print(f"\ncli-diff: {matched}/{total} matched, {len(allowed)} allow-listed, "
          f"{len(failed)} differ")
    sys.exit(1 if failed or stale else 0)


if __name__ == "__main__":
    main()

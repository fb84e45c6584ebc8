#!/usr/bin/env python3
"""Seed a fresh moto server with the identities the peer tests use.

Run by scripts/peer-test with the peer venv's python, while moto's auth is
still OFF (so any credentials work for these set-up calls):

    moto_bootstrap.py http://127.0.0.1:PORT

It creates, through ordinary signed IAM calls made with boto3:

  * IAM user  `peer-user`, with an inline policy allowing sts:* and iam:*,
    and one access key (the long-term credentials the tests sign with);
  * IAM role  `peer-role`, whose trust policy names the user's exact ARN
    and requires `sts:ExternalId` = `peer-external-id`;
  * IAM role  `peer-role-2`, trusting any principal (`*`), so that the
    temporary credentials from AssumeRole(peer-role) can assume it (role
    chaining). moto compares trust principals as plain strings, so a
    wildcard ARN pattern would not match; `*` is the supported way.

On success it prints `export NAME=value` lines on stdout (and nothing else),
for the caller to `eval`. Diagnostics go to stderr.
"""

import json
import shlex
import sys

import boto3

USER_NAME = "peer-user"
ROLE_NAME = "peer-role"
ROLE2_NAME = "peer-role-2"
EXTERNAL_ID = "peer-external-id"
REGION = "us-east-1"


def main() -> int:
    if len(sys.argv) != 2:
        print(f"usage: {sys.argv[0]} http://127.0.0.1:PORT", file=sys.stderr)
        return 2
    endpoint = sys.argv[1].rstrip("/")

    # Auth is off during the bootstrap: moto accepts any key. Pass dummy keys
    # explicitly so nothing is read from the environment or ~/.aws.
    iam = boto3.client(
        "iam",
        endpoint_url=endpoint,
        region_name=REGION,
        aws_access_key_id="bootstrap",
        aws_secret_access_key="bootstrap",
    )

    user = iam.create_user(UserName=USER_NAME)["User"]
    user_arn = user["Arn"]
    account_id = user_arn.split(":")[4]

    iam.put_user_policy(
        UserName=USER_NAME,
        PolicyName="peer-allow-sts-iam",
        PolicyDocument=json.dumps(
            {
                "Version": "2012-10-17",
                "Statement": [
                    {"Effect": "Allow", "Action": ["sts:*", "iam:*"], "Resource": "*"}
                ],
            }
        ),
    )

    key = iam.create_access_key(UserName=USER_NAME)["AccessKey"]

    role = iam.create_role(
        RoleName=ROLE_NAME,
        AssumeRolePolicyDocument=json.dumps(
            {
                "Version": "2012-10-17",
                "Statement": [
                    {
                        "Effect": "Allow",
                        "Principal": {"AWS": user_arn},
                        "Action": "sts:AssumeRole",
                        "Condition": {"StringEquals": {"sts:ExternalId": EXTERNAL_ID}},
                    }
                ],
            }
        ),
    )["Role"]

    # The role's own permissions: let sessions of peer-role call STS (for the
    # chain to peer-role-2) and IAM.
    iam.put_role_policy(
        RoleName=ROLE_NAME,
        PolicyName="peer-allow-sts-iam",
        PolicyDocument=json.dumps(
            {
                "Version": "2012-10-17",
                "Statement": [
                    {"Effect": "Allow", "Action": ["sts:*", "iam:*"], "Resource": "*"}
                ],
            }
        ),
    )

    role2 = iam.create_role(
        RoleName=ROLE2_NAME,
        AssumeRolePolicyDocument=json.dumps(
            {
                "Version": "2012-10-17",
                "Statement": [
                    {
                        "Effect": "Allow",
                        "Principal": {"AWS": "*"},
                        "Action": "sts:AssumeRole",
                    }
                ],
            }
        ),
    )["Role"]

    exports = {
        "STS_PEER_ENDPOINT": endpoint,
        "STS_PEER_MOTO_API": endpoint + "/moto-api",
        "STS_PEER_ACCESS_KEY_ID": key["AccessKeyId"],
        "STS_PEER_SECRET_ACCESS_KEY": key["SecretAccessKey"],
        "STS_PEER_USER_ARN": user_arn,
        "STS_PEER_ACCOUNT_ID": account_id,
        "STS_PEER_ROLE_ARN": role["Arn"],
        "STS_PEER_ROLE2_ARN": role2["Arn"],
        "STS_PEER_EXTERNAL_ID": EXTERNAL_ID,
        "STS_PEER_REGION": REGION,
    }
    for name, value in exports.items():
        print(f"export {name}={shlex.quote(value)}")
    print(f"moto_bootstrap: seeded {user_arn}, {role['Arn']}, {role2['Arn']}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())

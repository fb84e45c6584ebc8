#!/usr/bin/env python3
"""Regenerates cli/tests/golden/output/render.json: what the AWS CLI v2's formatters print for many
values, formats and --query expressions, byte for byte. `cargo test` checks `sts` against it
(cli/src/output.rs, test `matches_aws_cli_v2_goldens`).

The oracle is the AWS CLI v2's own formatter code (awscli/formatter.py, table.py, text.py from
its v2 branch, read at run time from a git checkout and never copied into this repository), run
with the libraries v2 pins: jmespath 1.0.1, ruamel.yaml 0.19.1 with ruamel.yaml.clib 0.2.15
(libyaml emitter), colorama 0.4.6, plus awscli 1.46.3 for the helper modules formatter.py imports
(compat, utils). Set it up once:

    python3 -m venv target/oracle-venv
    target/oracle-venv/bin/pip install awscli==1.46.3 jmespath==1.0.1 ruamel.yaml==0.19.1 \
        ruamel.yaml.clib==0.2.15 colorama==0.4.6
    target/oracle-venv/bin/python scripts/output-goldens.py PATH/TO/aws-cli/.git \
        > cli/tests/golden/output/render.json

Output through a pipe, as in scripts: 80 columns for tables, no colours.
"""
import argparse
import importlib.util
import io
import json
import random
import subprocess
import sys
import types

import jmespath


def load_v2(git_dir):
    """Imports v2's table.py, text.py and formatter.py as the awscli modules they expect."""
    import awscli
    import awscli.compat

    if not hasattr(awscli.compat, 'set_preferred_output_encoding'):
        awscli.compat.set_preferred_output_encoding = lambda stream: None
    modules = {}
    for name in ('table', 'text', 'formatter'):
        source = subprocess.run(
            ['git', '--git-dir', git_dir, 'show', 'v2:awscli/%s.py' % name],
            check=True, capture_output=True, text=True).stdout
        module = types.ModuleType('awscli.' + name)
        module.__file__ = 'v2:awscli/%s.py' % name
        sys.modules['awscli.' + name] = module
        setattr(awscli, name, module)
        exec(compile(source, module.__file__, 'exec'), module.__dict__)
        modules[name] = module
    # Not a terminal: 80 columns, as through a pipe.
    modules['table'].determine_terminal_width = lambda default_width=80: 80
    return modules['formatter']


def render(formatter, fmt, title, value, query):
    args = argparse.Namespace(
        query=jmespath.compile(query) if query is not None else None,
        color='off')
    stream = io.StringIO()
    formatter.get_formatter(fmt, args)(title, value, stream)
    return stream.getvalue()


TOKEN = 'IQoJb3JpZ2luX2VjEPr//////////wEaCXVzLWVhc3QtMSJHMEUCIQD' * 2
CREDS = {
    'AccessKeyId': 'ASIAIOSFODNN7EXAMPLE',
    'SecretAccessKey': 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYzEXAMPLEKEY',
    'SessionToken': TOKEN,
    'Expiration': '2030-01-01T00:00:00+00:00',
}
ROLE_USER = {
    'AssumedRoleId': 'AROA3XFRBF535PLBIFPI4:s3-access-example',
    'Arn': 'arn:aws:sts::123456789012:assumed-role/xaccounts3access/s3-access-example',
}

# Every STS output shape (as cli/src/commands.rs builds them, members in model order).
STS = [
    ('AssumeRole', {'Credentials': CREDS, 'AssumedRoleUser': ROLE_USER, 'PackedPolicySize': 8,
                    'SourceIdentity': 'alice', 'SessionTokenUtilization': 38,
                    'SessionTokenSize': 1024}),
    ('AssumeRoleWithSAML', {'Credentials': CREDS, 'AssumedRoleUser': ROLE_USER,
                            'PackedPolicySize': 6, 'Subject': 'SamlExample',
                            'SubjectType': 'transient',
                            'Issuer': 'https://integ.example.com/idp/shibboleth',
                            'Audience': 'https://signin.aws.amazon.com/saml',
                            'NameQualifier': 'SbdGOnUkh1i4+EXAMPLExL/jEvs='}),
    ('AssumeRoleWithWebIdentity', {'Credentials': CREDS, 'AssumedRoleUser': ROLE_USER,
                                   'PackedPolicySize': 123,
                                   'Provider': 'www.amazon.com',
                                   'Audience': 'client.5498841531868486423.1548@apps.example.com',
                                   'SubjectFromWebIdentityToken': 'amzn1.account.AF6RHO7KZU5XRVQJGXK6HEXAMPLE'}),
    ('AssumeRoot', {'Credentials': CREDS, 'SourceIdentity': 'Alice'}),
    ('DecodeAuthorizationMessage', {'DecodedMessage': '{"allowed": "false","explicitDeny": "false","matchedStatements": "","failures": "","context": {"principal": {"id": "AIDACKCEVSQ6C2EXAMPLE","name": "Bob","arn": "arn:aws:iam::123456789012:user/Bob"},"action": "ec2:StopInstances","resource": "arn:aws:ec2:us-east-1:123456789012:instance/i-dd01c9bd","conditions": [{"item": {"key": "ec2:Tenancy","values": ["default"]}}]}}'}),
    ('GetAccessKeyInfo', {'Account': '111122223333'}),
    ('GetAccessKeyInfo', {}),
    ('GetCallerIdentity', {'UserId': 'AIDASAMPLEUSERID', 'Account': '123456789012',
                           'Arn': 'arn:aws:iam::123456789012:user/DevAdmin'}),
    ('GetDelegatedAccessToken', {'Credentials': CREDS, 'PackedPolicySize': 10,
                                 'AssumedPrincipal': 'arn:aws:iam::123456789012:user/alice'}),
    ('GetFederationToken', {'Credentials': CREDS,
                            'FederatedUser': {'FederatedUserId': '111122223333:testFedUserSession',
                                              'Arn': 'arn:aws:sts::111122223333:federated-user/testFedUserSession'},
                            'PackedPolicySize': 36}),
    ('GetScopedCredentials', {'Credentials': CREDS,
                              'SessionInfo': {'ScopedSessionId': 'sess-1',
                                              'Arn': 'arn:aws:sts::123456789012:scoped/sess-1'},
                              'SessionTokenUtilization': 12, 'SessionTokenSize': 2048,
                              'ScopedPoliciesCount': 2, 'SourceIdentity': 'bob'}),
    ('GetSessionToken', {'Credentials': {'AccessKeyId': 'ASIA', 'SecretAccessKey': 's',
                                         'SessionToken': 't', 'Expiration': '2030-01-01T00:00:00.359000+00:00'}}),
    ('GetWebIdentityToken', {'WebIdentityToken': 'eyJraWQiOiJ' * 9,
                             'Expiration': '2030-01-01T00:00:00+00:00'}),
    ('AssumeRole', {'Credentials': CREDS, 'AssumedRoleUser': ROLE_USER,
                    'TrustedIdentityPropagationContext': {
                        'OriginIdentity': {'Subject': 's', 'SubjectType': 'user', 'Issuer': 'https://idp.example.com',
                                           'FederatedProviderArn': 'arn:aws:iam::123456789012:saml-provider/x'},
                        'TransactionContext': {'IdentityProvider': {'k1': 'v1', 'Käse': 'grün'}}}}),
]

QUERIES = [
    None, 'Account', 'Credentials', 'Credentials.AccessKeyId', 'Credentials.[AccessKeyId, Expiration]',
    '{id: Account, arn: Arn, n: `1`, f: `1.5`, t: `true`, z: `null`}', 'keys(@)', 'values(@)',
    'Missing', '`{}`', '`[]`', '`0`', '`""`', '`false`', '`1e16`', '`[1, 2.5, "x", null, true]`',
    '[Account, [Arn, [UserId]]]', '*', 'length(@)', 'to_string(@)', '`[[1, 2], [3, 4]]`',
    '`[{"a": 1}, {"a": 2, "b": {"c": 3}}]`', '`[{"a": 1}, {"b": 2}]`', '`[1, [2, 3], {"x": 1}]`',
]

FORMATS = ['json', 'text', 'table', 'yaml', 'yaml-stream', 'off']

# Strings that exercise YAML quoting and folding, text and table widths.
STRINGS = [
    '', ' ', 'plain', 'true', 'False', 'yes', 'no', 'on', 'null', 'Null', '~', '1', '-1', '+1', '1.5',
    '1e5', '1_000', '0x1F', '0o17', '0b101', '.5', '.inf', '-.Inf', '.NaN', '2019-11-09',
    '2019-11-09T13:34:41+00:00', '2019-11-09 13:34:41', '2019-1-9 1:02:03.5 Z', '12:30', '<<', '=',
    '- x', '-x', '? x', ':x', 'a: b', 'a:b', 'a #b', 'a#b', '#x', '@x', '`x', '%x', '!x', '&x', '*x',
    '[x]', '{x}', 'x,y', '---', '...', 'trailing ', ' leading', 'two  spaces', 'line1\nline2',
    'ends\n', '\nstarts', 'tab\there', 'quote\'s', 'dq"x', 'back\\slash', 'é', '日本語', 'Ｆｕｌｌ',
    'emoji 😀', 'nel\x85x', 'bell\x07', 'del\x7f', 'bom\ufeffx', 'nbsp\xa0x', 'ls\u2028x',
    'word ' * 30, 'a' * 130, ('x' * 78) + ' y z', 'It\'s a "test": yes # no',
    'multi\n\nline  \n text', '1\n', 'true\n',
]


def random_value(rng, depth=0):
    kind = rng.random()
    if depth >= 3 or kind < 0.45:
        pick = rng.random()
        if pick < 0.55:
            return rng.choice(STRINGS)
        if pick < 0.7:
            return rng.choice([0, 1, -7, 42, 123456789012, 2 ** 40])
        if pick < 0.8:
            return rng.choice([0.0, 1.5, -2.25, 1e16, 1e-05, 3.0])
        if pick < 0.9:
            return rng.choice([True, False])
        return None
    if kind < 0.7:
        return [random_value(rng, depth + 1) for _ in range(rng.randrange(0, 4))]
    keys = ['Name', 'Value', 'b', 'A', 'a', 'Key', 'é', 'x y', 'true', '1', 'Zeta', 'k' * 130]
    return {rng.choice(keys): random_value(rng, depth + 1) for _ in range(rng.randrange(0, 4))}


def main():
    git_dir = sys.argv[1]
    formatter = load_v2(git_dir)
    cases = []

    def add(title, value, query, fmt):
        text = json.dumps(value, ensure_ascii=False)
        try:
            out = render(formatter, fmt, title, json.loads(text), query)
            cases.append({'title': title, 'format': fmt, 'query': query, 'input': text, 'output': out})
        except Exception as e:  # the AWS CLI fails these (exit 255)
            cases.append({'title': title, 'format': fmt, 'query': query, 'input': text,
                          'error': '%s: %s' % (type(e).__name__, e)})

    for title, value in STS:
        for fmt in FORMATS:
            add(title, value, None, fmt)
    for query in QUERIES:
        for fmt in FORMATS:
            add('GetCallerIdentity', STS[7][1], query, fmt)
    for i, s in enumerate(STRINGS):
        for fmt in ('yaml', 'text', 'table') if i % 4 == 0 else ('yaml', 'text'):
            add('DecodeAuthorizationMessage', {'DecodedMessage': s, s or 'k': [s]}, None, fmt)
    # Random values, as a query result (any shape) and as a response (an object).
    rng = random.Random(20250101)
    for i in range(40):
        value = random_value(rng)
        response = {'R': value} if i % 2 == 0 else {'R': value, 'S': random_value(rng)}
        query = 'R' if i % 2 == 0 else None
        for fmt in ('json', 'text', 'table', 'yaml', 'yaml-stream'):
            add('Op', response, query, fmt)
    # One case per line.
    sys.stdout.write('[\n')
    sys.stdout.write(',\n'.join(json.dumps(c, ensure_ascii=False) for c in cases))
    sys.stdout.write('\n]\n')


if __name__ == '__main__':
    main()

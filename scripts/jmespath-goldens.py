#!/usr/bin/env python3
"""Regenerates cli/tests/golden/jmespath/differential.json: random expressions (well-formed ones from
a small grammar, and random token soup) evaluated by jmespath.py 1.0.1, the implementation the AWS
CLI uses, with the result (as json.dumps(separators=(',', ':'))) or the error kind and message.
`cargo test --test jmespath` checks `sts`'s evaluator against it.

    target/oracle-venv/bin/pip install jmespath==1.0.1
    target/oracle-venv/bin/python scripts/jmespath-goldens.py > cli/tests/golden/jmespath/differential.json
"""
import json
import random
import sys
import warnings

import jmespath
from jmespath import exceptions as E

warnings.simplefilter('ignore')

DOC = {
    'a': [1, 2.5, -3, 'x', None, True, {'b': 1}],
    'b': {'c': 'd', 'e': [1, 2, 3], 'f': {'g': [{'h': 1}, {'h': 'two'}]}},
    's': 'h\u00e9llo w\u00f6rld', 'n': 0, 'one': 1, 'f': 1.5, 't': True, 'no': False, 'z': None,
    'empty': '', 'arr': [], 'obj': {},
    'nums': [3, 1.5, -2, 10, 0], 'strs': ['b', 'a', 'C', '\u00e9', ''],
    'people': [{'name': 'ann', 'age': 31, 'tags': ['x']}, {'name': 'bob', 'age': 25.5},
               {'name': 'cy', 'age': 31, 'tags': []}, {'name': 'dee', 'age': None}],
    'nested': [[1, 2], [3, [4, [5]]], 6, [[]]],
    'mixed': [1, '1', True, None, [1], {'1': 1}],
}

FIELDS = ['a', 'b', 'c', 'e', 'f', 'g', 'h', 's', 'n', 'one', 't', 'no', 'z', 'empty', 'arr', 'obj',
          'nums', 'strs', 'people', 'name', 'age', 'tags', 'nested', 'mixed', 'missing', '"s"',
          '"with space"']
LITERALS = ['`1`', '`-1`', '`0`', '`1.5`', '`1e3`', '`"x"`', '`true`', '`false`', '`null`',
            '`[1, 2]`', '`[]`', '`{}`', '`{"a": 1}`', "'raw'", "''", "'it\\'s'", '`foo`',
            '`[1, "a"]`', '`9007199254740993`', '`0.1`']
FUNCS = {
    'abs': 1, 'avg': 1, 'ceil': 1, 'contains': 2, 'ends_with': 2, 'floor': 1, 'join': 2,
    'keys': 1, 'length': 1, 'map': 2, 'max': 1, 'max_by': 2, 'merge': 2, 'min': 1, 'min_by': 2,
    'not_null': 2, 'reverse': 1, 'sort': 1, 'sort_by': 2, 'starts_with': 2, 'sum': 1,
    'to_array': 1, 'to_number': 1, 'to_string': 1, 'type': 1, 'values': 1, 'nope': 1,
}
CMPS = ['==', '!=', '<', '<=', '>', '>=']


def expr(rng, depth=0):
    r = rng.random()
    if depth > 3 or r < 0.25:
        return rng.choice(FIELDS + LITERALS + ['@', '*'])
    choice = rng.randrange(14)
    e = lambda: expr(rng, depth + 1)
    if choice == 0:
        return '%s.%s' % (e(), rng.choice(FIELDS + ['*', '[a, b]', '{k: a}']))
    if choice == 1:
        return '%s[%d]' % (e(), rng.randrange(-4, 5))
    if choice == 2:
        parts = [rng.choice(['', str(rng.randrange(-5, 6))]) for _ in range(3)]
        if rng.random() < 0.5:
            return '%s[%s:%s]' % (e(), parts[0], parts[1])
        return '%s[%s:%s:%s]' % (e(), parts[0], parts[1], parts[2])
    if choice == 3:
        return '%s[*]' % e()
    if choice == 4:
        return '%s[]' % e()
    if choice == 5:
        return '%s[?%s]' % (e(), cond(rng, depth + 1))
    if choice == 6:
        name = rng.choice(list(FUNCS))
        n = FUNCS[name] + (1 if rng.random() < 0.1 else 0)
        args = []
        for i in range(n):
            if name in ('map', 'sort_by', 'max_by', 'min_by') and (i == (0 if name == 'map' else 1)):
                args.append('&' + e())
            else:
                args.append(e())
        return '%s(%s)' % (name, ', '.join(args))
    if choice == 7:
        return '[%s, %s]' % (e(), e())
    if choice == 8:
        return '{x: %s, y: %s}' % (e(), e())
    if choice == 9:
        return '%s %s %s' % (e(), rng.choice(['||', '&&', '|']), e())
    if choice == 10:
        return '!%s' % e()
    if choice == 11:
        return cond(rng, depth + 1)
    if choice == 12:
        return '(%s)' % e()
    return '%s.%s' % (e(), e())


def cond(rng, depth):
    return '%s %s %s' % (expr(rng, depth + 1), rng.choice(CMPS), expr(rng, depth + 1))


SOUP = ['a', 'b', '"q"', '@', '.', '*', '[', ']', '[]', '[?', '(', ')', '{', '}', ',', ':', '|',
        '||', '&&', '&', '!', '==', '!=', '<', '<=', '>', '>=', '0', '-1', '2', '`1`', '`[1,2]`',
        "'x'", '`', "'", '"', '\\', 'length(', 'sort_by(', 'max(', ' ', '\u00e9', '=', '-', '~']


def outcome(expression):
    try:
        value = jmespath.search(expression, DOC)
        return {'result': json.dumps(value, separators=(',', ':'))}
    except RecursionError:
        return None
    except Exception as e:
        if isinstance(e, E.ArityError):
            kind = 'invalid-arity'
        elif isinstance(e, E.UnknownFunctionError):
            kind = 'unknown-function'
        elif isinstance(e, (E.ParseError, E.EmptyExpressionError)):
            kind = 'syntax'
        elif isinstance(e, (E.JMESPathTypeError, TypeError)):
            kind = 'invalid-type'
        elif isinstance(e, ValueError):
            kind = 'invalid-value'
        else:
            raise
        return {'error': kind, 'message': str(e)}


def main():
    rng = random.Random(7)
    cases = []
    seen = set()
    while len(cases) < 700:
        if len(cases) % 4 == 3:
            expression = ''.join(rng.choice(SOUP) for _ in range(rng.randrange(1, 9)))
        else:
            expression = expr(rng)
        if expression in seen:
            continue
        seen.add(expression)
        o = outcome(expression)
        if o is None:
            continue
        o['expression'] = expression
        cases.append(o)
    sys.stdout.write('{"given": %s,\n"cases": [\n' % json.dumps(DOC))
    sys.stdout.write(',\n'.join(json.dumps(c) for c in cases))
    sys.stdout.write('\n]}\n')


if __name__ == '__main__':
    main()

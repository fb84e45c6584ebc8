//! Model constraints (lengths, ranges, patterns, list sizes), checked before anything is sent.
//!
//! A [`Checks`] collects every violation, in model member order, and reports them together as one
//! [`Error::InvalidInput`], as botocore's `ParamValidationError` does. Lengths count Unicode
//! characters, as the model does. Patterns are the model's Java regular expressions, written as
//! character predicates (`\w` is ASCII `[A-Za-z0-9_]`).

use crate::Error;
use crate::error::{Rule, Violation};

/// Collects every violation of an input, in the order checked (model member order), as botocore
/// does: [`Checks::finish`] reports them all at once.
#[derive(Debug, Default)]
pub(crate) struct Checks(Vec<Violation>);

impl Checks {
    fn push(&mut self, field: &str, rule: Rule) {
        self.0.push(Violation {
            field: field.to_owned(),
            rule,
        });
    }

    /// Checks that `value` has `min..=max` characters (`max` of `None`: no upper bound).
    pub(crate) fn length(&mut self, field: &str, value: &str, min: usize, max: Option<usize>) {
        // Fast path: an ASCII string has one character per byte.
        let n = if value.is_ascii() {
            value.len()
        } else {
            value.chars().count()
        };
        self.count(field, n, min, max);
    }

    /// Checks that a list has `min..=max` items.
    pub(crate) fn items<T>(&mut self, field: &str, list: &[T], min: usize, max: usize) {
        self.count(field, list.len(), min, Some(max));
    }

    fn count(&mut self, field: &str, actual: usize, min: usize, max: Option<usize>) {
        if actual < min {
            self.push(field, Rule::MinLength { min, actual });
        } else if let Some(max) = max.filter(|m| actual > *m) {
            self.push(field, Rule::MaxLength { max, actual });
        }
    }

    /// Checks that an integer is within `min..=max`.
    pub(crate) fn range(&mut self, field: &str, value: i64, min: i64, max: Option<i64>) {
        if value < min {
            self.push(field, Rule::MinValue { min, actual: value });
        } else if let Some(max) = max.filter(|m| value > *m) {
            self.push(field, Rule::MaxValue { max, actual: value });
        }
    }

    /// As [`Checks::range`] for an optional member.
    pub(crate) fn opt_range(
        &mut self,
        field: &str,
        value: Option<i32>,
        min: i64,
        max: Option<i64>,
    ) {
        if let Some(v) = value {
            self.range(field, i64::from(v), min, max);
        }
    }

    /// Checks every character of `value` against `pattern`.
    pub(crate) fn pattern(&mut self, field: &str, value: &str, pattern: Pattern) {
        if let Some(c) = value.chars().find(|c| !(pattern.allowed)(*c)) {
            self.push(
                field,
                Rule::Pattern {
                    pattern: pattern.regex,
                    found: Some(c),
                },
            );
        }
    }

    /// As [`Checks::pattern`] for a secret (an MFA code): the violation does not quote the
    /// character.
    pub(crate) fn secret_pattern(&mut self, field: &str, value: &str, pattern: Pattern) {
        if value.chars().any(|c| !(pattern.allowed)(c)) {
            self.push(
                field,
                Rule::Pattern {
                    pattern: pattern.regex,
                    found: None,
                },
            );
        }
    }

    /// A violation described in words.
    pub(crate) fn other(&mut self, field: &str, rule: impl Into<String>) {
        self.push(field, Rule::Other(rule.into()));
    }

    /// `Ok` when nothing was found, else every violation.
    pub(crate) fn finish(self) -> Result<(), Error> {
        if self.0.is_empty() {
            Ok(())
        } else {
            Err(Error::InvalidInput { violations: self.0 })
        }
    }
}

/// A model pattern: a name for messages and a per-character predicate.
#[derive(Clone, Copy)]
pub(crate) struct Pattern {
    pub(crate) regex: &'static str,
    pub(crate) allowed: fn(char) -> bool,
}

const fn word(c: char) -> bool {
    c.is_ascii_alphanumeric() || c == '_'
}

/// `[\u0009\u000A\u000D\u0020-\u007E\u0085\u00A0-\uD7FF\uE000-\uFFFD\u10000-\u10FFFF]+` (ARNs).
pub(crate) const ARN: Pattern = Pattern {
    regex: "[\\u0009\\u000A\\u000D\\u0020-\\u007E\\u0085\\u00A0-\\uD7FF\\uE000-\\uFFFD\\u10000-\\u10FFFF]+",
    allowed: |c| matches!(c, '\t' | '\n' | '\r' | ' '..='~' | '\u{85}' | '\u{A0}'..='\u{D7FF}' | '\u{E000}'..='\u{FFFD}' | '\u{10000}'..='\u{10FFFF}'),
};

/// `[\w+=,.@-]*` (session names, source identity, federation names).
pub(crate) const USER_NAME: Pattern = Pattern {
    regex: "[\\w+=,.@-]*",
    allowed: |c| word(c) || matches!(c, '+' | '=' | ',' | '.' | '@' | '-'),
};

/// `[\u0009\u000A\u000D\u0020-\u00FF]+` (session policies).
pub(crate) const POLICY: Pattern = Pattern {
    regex: "[\\u0009\\u000A\\u000D\\u0020-\\u00FF]+",
    allowed: |c| matches!(c, '\t' | '\n' | '\r' | ' '..='\u{FF}'),
};

/// `[\p{L}\p{Z}\p{N}_.:/=+\-@]+` (tag keys and values).
pub(crate) const TAG: Pattern = Pattern {
    regex: "[\\p{L}\\p{Z}\\p{N}_.:/=+\\-@]+",
    allowed: |c| {
        c.is_alphanumeric()
            || matches!(
                c,
                ' ' | '\u{A0}' | '\u{1680}' | '\u{2000}'
                    ..='\u{200A}' | '\u{2028}' | '\u{2029}' | '\u{202F}' | '\u{205F}' | '\u{3000}'
            )
            || matches!(c, '_' | '.' | ':' | '/' | '=' | '+' | '-' | '@')
    },
};

/// `[\w+=,.@:\/-]*` (external ids).
pub(crate) const EXTERNAL_ID: Pattern = Pattern {
    regex: "[\\w+=,.@:\\/-]*",
    allowed: |c| word(c) || matches!(c, '+' | '=' | ',' | '.' | '@' | ':' | '/' | '-'),
};

/// `[\w+=/:,.@-]*` (MFA serial numbers).
pub(crate) const SERIAL_NUMBER: Pattern = Pattern {
    regex: "[\\w+=/:,.@-]*",
    allowed: |c| word(c) || matches!(c, '+' | '=' | '/' | ':' | ',' | '.' | '@' | '-'),
};

/// `[\d]*` (MFA token codes).
pub(crate) const DIGITS: Pattern = Pattern {
    regex: "[\\d]*",
    allowed: |c| c.is_ascii_digit(),
};

/// `[\w]*` (access key ids).
pub(crate) const WORD: Pattern = Pattern {
    regex: "[\\w]*",
    allowed: word,
};

/// `[\u0009\u000A\u000D\u0020-\u007E\u00A1-\u00FF]*` (scoped session descriptions).
pub(crate) const DESCRIPTION: Pattern = Pattern {
    regex: "[\\u0009\\u000A\\u000D\\u0020-\\u007E\\u00A1-\\u00FF]*",
    allowed: |c| matches!(c, '\t' | '\n' | '\r' | ' '..='~' | '\u{A1}'..='\u{FF}'),
};

/// `[\x21\x23-\x2B\x2D-\x5B\x5D-\x7E]+( [\x21\x23-\x2B\x2D-\x5B\x5D-\x7E]+)*` (OAuth scopes): words of
/// visible ASCII other than `"`, `,` and `\`, separated by single spaces.
pub(crate) const SCOPE: &str =
    "[\\x21\\x23-\\x2B\\x2D-\\x5B\\x5D-\\x7E]+( [\\x21\\x23-\\x2B\\x2D-\\x5B\\x5D-\\x7E]+)*";

impl Checks {
    /// Checks an OAuth scope value against [`SCOPE`].
    pub(crate) fn scope(&mut self, field: &str, value: &str) {
        let word_ok = |w: &str| {
            !w.is_empty()
                && w.bytes()
                    .all(|b| matches!(b, 0x21 | 0x23..=0x2B | 0x2D..=0x5B | 0x5D..=0x7E))
        };
        if !value.split(' ').all(word_ok) {
            self.push(
                field,
                Rule::Pattern {
                    pattern: SCOPE,
                    found: None,
                },
            );
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn check(f: impl FnOnce(&mut Checks)) -> Result<(), Error> {
        let mut c = Checks::default();
        f(&mut c);
        c.finish()
    }

    #[test]
    fn lengths_count_characters() {
        assert!(check(|c| c.length("X", "ab", 2, Some(64))).is_ok());
        assert!(check(|c| c.length("X", "a", 2, Some(64))).is_err());
        assert!(check(|c| c.length("X", "東京", 2, Some(2))).is_ok());
        let e = check(|c| c.length("RoleSessionName", "a", 2, Some(64))).unwrap_err();
        assert_eq!(
            e.to_string(),
            "Parameter validation failed:\n\
             Invalid length for parameter RoleSessionName, value: 1, valid min length: 2"
        );
    }

    #[test]
    fn every_violation_is_listed_in_order() {
        let e = check(|c| {
            c.length("RoleSessionName", "a b c", 6, Some(64));
            c.pattern("RoleSessionName", "a b c", USER_NAME);
            c.range("DurationSeconds", 50_000, 900, Some(43_200));
            c.items("Tags", &[0; 51], 0, 50);
            c.range("MinimumSessionTokenSize", -1, 0, Some(4096));
        })
        .unwrap_err();
        assert_eq!(
            e.to_string(),
            "Parameter validation failed:\n\
             Invalid length for parameter RoleSessionName, value: 5, valid min length: 6\n\
             Invalid pattern for parameter RoleSessionName, character: ' ', valid pattern: [\\w+=,.@-]*\n\
             Invalid value for parameter DurationSeconds, value: 50000, valid max value: 43200\n\
             Invalid length for parameter Tags, value: 51, valid max length: 50\n\
             Invalid value for parameter MinimumSessionTokenSize, value: -1, valid min value: 0"
        );
        assert_eq!(e.violations().len(), 5);
        assert_eq!(
            e.violations()[2].rule,
            Rule::MaxValue {
                max: 43_200,
                actual: 50_000
            }
        );
    }

    #[test]
    fn patterns() {
        let ok = |v: &str, p: Pattern| check(|c| c.pattern("S", v, p)).is_ok();
        assert!(ok("a+b=c,d.e@f-g_1", USER_NAME));
        assert!(!ok("a b", USER_NAME));
        assert!(ok("Déjà vu", TAG));
        assert!(!ok("a#b", TAG));
        assert!(ok("{\"a\":\"é\"}", POLICY));
        assert!(!ok("東", POLICY));
        assert!(!ok("12a456", DIGITS));
        assert!(check(|c| c.scope("Scope", "read write:all")).is_ok());
        assert!(check(|c| c.scope("Scope", "read  write")).is_err());
        assert!(check(|c| c.scope("Scope", "a,b")).is_err());
        assert!(check(|c| c.range("D", 899, 900, Some(43200))).is_err());
        assert!(check(|c| c.items("L", &[1; 11], 0, 10)).is_err());
    }
}

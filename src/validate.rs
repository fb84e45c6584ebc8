//! Model constraints (lengths, ranges, patterns, list sizes), checked before anything is sent.
//!
//! Each check returns [`Error::InvalidInput`] naming the member and the rule. Lengths count Unicode
//! characters, as the model does. Patterns are the model's Java regular expressions, written as
//! character predicates (`\w` is ASCII `[A-Za-z0-9_]`).

use crate::Error;

/// Checks that `value` has `min..=max` characters (`max` of `None`: no upper bound).
pub(crate) fn length(field: &str, value: &str, min: usize, max: Option<usize>) -> Result<(), Error> {
    // Fast path: byte length bounds the character count from above.
    let n = if value.is_ascii() {
        value.len()
    } else {
        value.chars().count()
    };
    let ok = n >= min && max.is_none_or(|m| n <= m);
    if ok {
        return Ok(());
    }
    let rule = match max {
        Some(m) => format!("length must be {min}..={m}, got {n}"),
        None => format!("length must be at least {min}, got {n}"),
    };
    Err(Error::invalid_input(field, rule))
}

/// Checks that an integer is within `min..=max`.
pub(crate) fn range(field: &str, value: i64, min: i64, max: Option<i64>) -> Result<(), Error> {
    if value >= min && max.is_none_or(|m| value <= m) {
        return Ok(());
    }
    let rule = match max {
        Some(m) => format!("must be in {min}..={m}, got {value}"),
        None => format!("must be at least {min}, got {value}"),
    };
    Err(Error::invalid_input(field, rule))
}

/// Checks that a list has `min..=max` items.
pub(crate) fn items<T>(field: &str, list: &[T], min: usize, max: usize) -> Result<(), Error> {
    if (min..=max).contains(&list.len()) {
        return Ok(());
    }
    Err(Error::invalid_input(
        field,
        format!("must have {min}..={max} items, got {}", list.len()),
    ))
}

/// A model pattern: a name for messages and a per-character predicate.
#[derive(Clone, Copy)]
pub(crate) struct Pattern {
    pub(crate) regex: &'static str,
    pub(crate) allowed: fn(char) -> bool,
}

/// Checks every character of `value` against `pattern`.
pub(crate) fn pattern(field: &str, value: &str, pattern: Pattern) -> Result<(), Error> {
    match value.chars().find(|c| !(pattern.allowed)(*c)) {
        None => Ok(()),
        Some(c) => Err(Error::invalid_input(
            field,
            format!("must match {} (found {:?})", pattern.regex, c),
        )),
    }
}

const fn word(c: char) -> bool {
    c.is_ascii_alphanumeric() || c == '_'
}

/// `[\u0009\u000A\u000D\u0020-\u007E\u0085\u00A0-\uD7FF\uE000-\uFFFD\u10000-\u10FFFF]+` (ARNs).
pub(crate) const ARN: Pattern = Pattern {
    regex: "[\\u0009\\u000A\\u000D\\u0020-\\u007E\\u0085\\u00A0-\\uD7FF\\uE000-\\uFFFD\\u10000-\\u10FFFF]+",
    allowed: |c| {
        matches!(c, '\t' | '\n' | '\r' | ' '..='~' | '\u{85}' | '\u{A0}'..='\u{D7FF}' | '\u{E000}'..='\u{FFFD}' | '\u{10000}'..='\u{10FFFF}')
    },
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
            || matches!(c, ' ' | '\u{A0}' | '\u{1680}' | '\u{2000}'..='\u{200A}' | '\u{2028}' | '\u{2029}' | '\u{202F}' | '\u{205F}' | '\u{3000}')
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
pub(crate) fn scope(field: &str, value: &str) -> Result<(), Error> {
    let word_ok = |w: &str| {
        !w.is_empty()
            && w.bytes()
                .all(|b| matches!(b, 0x21 | 0x23..=0x2B | 0x2D..=0x5B | 0x5D..=0x7E))
    };
    if value.split(' ').all(word_ok) {
        return Ok(());
    }
    Err(Error::invalid_input(
        field,
        "must be space-separated words of visible ASCII other than '\"', ',' and '\\'",
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lengths_count_characters() {
        assert!(length("X", "ab", 2, Some(64)).is_ok());
        assert!(length("X", "a", 2, Some(64)).is_err());
        assert!(length("X", "東京", 2, Some(2)).is_ok());
        let e = length("RoleSessionName", "a", 2, Some(64)).unwrap_err();
        assert_eq!(
            e.to_string(),
            "invalid input: RoleSessionName: length must be 2..=64, got 1"
        );
    }

    #[test]
    fn patterns() {
        assert!(pattern("S", "a+b=c,d.e@f-g_1", USER_NAME).is_ok());
        assert!(pattern("S", "a b", USER_NAME).is_err());
        assert!(pattern("T", "Déjà vu", TAG).is_ok());
        assert!(pattern("T", "a#b", TAG).is_err());
        assert!(pattern("P", "{\"a\":\"é\"}", POLICY).is_ok());
        assert!(pattern("P", "東", POLICY).is_err());
        assert!(pattern("C", "12a456", DIGITS).is_err());
        assert!(scope("Scope", "read write:all").is_ok());
        assert!(scope("Scope", "read  write").is_err());
        assert!(scope("Scope", "a,b").is_err());
        assert!(range("D", 899, 900, Some(43200)).is_err());
        assert!(items("L", &[1; 11], 0, 10).is_err());
    }
}

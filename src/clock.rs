//! Time helpers: the `Date` header parser, the timestamps of credential documents and the
//! per-client clock-skew offset.

use std::sync::atomic::{AtomicI64, Ordering};
use time::{Date, Month, OffsetDateTime, PrimitiveDateTime, Time};

/// How far the server's clock may be from ours before the offset is corrected.
pub const SKEW_THRESHOLD_MS: i64 = 4 * 60 * 1000;

/// The month names of HTTP dates, January first.
const MONTHS: [&str; 12] = [
    "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
];

/// Parses an HTTP `Date` header (`Thu, 26 Nov 2026 08:02:57 GMT`).
#[must_use]
pub fn parse_http_date(s: &str) -> Option<OffsetDateTime> {
    let mut parts = s.split_whitespace();
    let first = parts.next()?;
    let day = if first.ends_with(',') {
        parts.next()?
    } else {
        first
    };
    let day: u8 = day.parse().ok()?;
    let name = parts.next()?;
    let number = MONTHS.iter().position(|m| m.eq_ignore_ascii_case(name))?;
    let month = Month::try_from(u8::try_from(number + 1).ok()?).ok()?;
    let year: i32 = parts.next()?.parse().ok()?;
    let mut hms = parts.next()?.split(':').map(|p| p.parse::<u8>().ok());
    let (h, m, sec) = (hms.next()??, hms.next()??, hms.next()??);
    if !matches!(parts.next(), Some("GMT" | "UTC" | "+0000")) {
        return None;
    }
    let date = Date::from_calendar_date(year, month, day).ok()?;
    let time = Time::from_hms(h, m, sec).ok()?;
    Some(PrimitiveDateTime::new(date, time).assume_utc())
}

/// The HTTP `Date` value of `t` (`Tue, 14 Nov 2023 22:13:20 GMT`), for the tests' servers.
#[cfg(test)]
pub(crate) fn format_http_date(t: OffsetDateTime) -> String {
    const DAYS: [&str; 7] = ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"];
    format!(
        "{}, {:02} {} {} {:02}:{:02}:{:02} GMT",
        DAYS[usize::from(t.weekday().number_days_from_monday())],
        t.day(),
        MONTHS[usize::from(u8::from(t.month())) - 1],
        t.year(),
        t.hour(),
        t.minute(),
        t.second()
    )
}

/// `2026-01-01T00:00:00` (whole seconds, UTC) followed by `suffix`: the expirations of the
/// credential documents the crate writes (the AWS CLI's caches, the IMDS and process documents).
#[must_use]
pub fn timestamp(t: OffsetDateTime, suffix: &str) -> String {
    let t = t.to_offset(time::UtcOffset::UTC);
    format!(
        "{:04}-{:02}-{:02}T{:02}:{:02}:{:02}{suffix}",
        t.year(),
        u8::from(t.month()),
        t.day(),
        t.hour(),
        t.minute(),
        t.second()
    )
}

/// Parses an RFC 3339 timestamp of a credential document; `what` names the field for the error
/// of `provider` (the value is not echoed).
pub(crate) fn parse_rfc3339(
    provider: &str,
    what: &str,
    v: &str,
) -> Result<OffsetDateTime, crate::Error> {
    OffsetDateTime::parse(v.trim(), &time::format_description::well_known::Rfc3339).map_err(|_| {
        crate::error::CredentialsError::new(
            provider,
            format!("{what} is not an RFC 3339 timestamp"),
        )
        .into()
    })
}

/// The offset to add to the local clock when signing, shared by every clone of a client.
#[derive(Debug, Default)]
pub struct ClockOffset(AtomicI64);

impl ClockOffset {
    /// The current offset in milliseconds.
    #[must_use]
    pub fn millis(&self) -> i64 {
        self.0.load(Ordering::Relaxed)
    }

    /// `now + offset`, or `now` when that is past the range of [`OffsetDateTime`] (a server `Date`
    /// near year 9999 or -9999 must not make signing panic).
    #[must_use]
    pub fn apply(&self, now: OffsetDateTime) -> OffsetDateTime {
        now.checked_add(time::Duration::milliseconds(self.millis()))
            .unwrap_or(now)
    }

    /// Given the server's time and our local time when the response arrived, stores a new offset if
    /// the skew (against the current offset) exceeds [`SKEW_THRESHOLD_MS`]. Returns whether it changed.
    pub fn observe(&self, server: OffsetDateTime, local: OffsetDateTime) -> bool {
        let target = (server - local).whole_milliseconds() as i64;
        if (target - self.millis()).abs() > SKEW_THRESHOLD_MS {
            self.0.store(target, Ordering::Relaxed);
            true
        } else {
            false
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formatted_dates_parse_back() {
        for secs in [0, 1_700_000_000, 1_798_761_600, 253_402_300_799] {
            let t = OffsetDateTime::from_unix_timestamp(secs).unwrap();
            assert_eq!(parse_http_date(&format_http_date(t)), Some(t), "{t}");
        }
        assert_eq!(
            format_http_date(OffsetDateTime::from_unix_timestamp(1_700_000_000).unwrap()),
            "Tue, 14 Nov 2023 22:13:20 GMT"
        );
        // Month names are matched without regard to case.
        assert!(parse_http_date("Thu, 26 NOV 2026 08:02:57 GMT").is_some());
        assert!(parse_http_date("Thu, 26 Nox 2026 08:02:57 GMT").is_none());
    }

    #[test]
    fn parses_imf_fixdate() {
        let t = parse_http_date("Thu, 26 Nov 2026 08:02:57 GMT").unwrap();
        assert_eq!(t.unix_timestamp(), 1_795_680_177);
        assert!(parse_http_date("Thu, 26 Nov 2026 08:02 GMT").is_none());
        assert!(parse_http_date("garbage").is_none());
        assert!(parse_http_date("Thu, 31 Feb 2026 08:02:57 GMT").is_none());
    }

    /// Found while writing the `endpoint` fuzz target (`check_date`), reproduced through it: a server
    /// `Date` at the end of year 9999 set an offset that made the next `apply` overflow and panic.
    #[test]
    fn apply_never_overflows() {
        let server = parse_http_date("Fri, 31 Dec 9999 23:59:59 GMT").unwrap();
        let local = OffsetDateTime::UNIX_EPOCH + time::Duration::days(20_000);
        let o = ClockOffset::default();
        assert!(o.observe(server, local));
        assert_eq!(o.apply(local), server);
        let later = local + time::Duration::seconds(5);
        assert_eq!(o.apply(later), later);
        let early = parse_http_date("Mon, 01 Jan -9999 00:00:00 GMT").unwrap();
        assert!(o.observe(early, local));
        let earlier = local - time::Duration::seconds(5);
        assert_eq!(o.apply(earlier), earlier);
    }

    #[test]
    fn offset_moves_only_past_threshold() {
        let o = ClockOffset::default();
        let local = OffsetDateTime::UNIX_EPOCH + time::Duration::days(20_000);
        assert!(!o.observe(local + time::Duration::minutes(3), local));
        assert_eq!(o.millis(), 0);
        assert!(o.observe(local + time::Duration::minutes(10), local));
        assert_eq!(o.millis(), 600_000);
        assert_eq!(o.apply(local), local + time::Duration::minutes(10));
    }
}

//! Instants and durations, in UTC microseconds since the Unix epoch.
//!
//! This is Arrow's `Timestamp(Microsecond, "UTC")` and a JS `BigInt64Array` element, so
//! columns pass between the adapters and the kernel without conversion.

use chrono::{DateTime, Datelike, TimeZone, Timelike, Utc};
use chrono_tz::Europe::London;

/// An instant (UTC, microseconds since 1970-01-01T00:00:00Z) or a duration in microseconds.
pub type Micros = i64;

/// Microseconds in one second.
pub const SECOND: Micros = 1_000_000;
/// Microseconds in one minute.
pub const MINUTE: Micros = 60 * SECOND;
/// Microseconds in one hour.
pub const HOUR: Micros = 3_600 * SECOND;
/// Microseconds in one day (24 hours; rules measure elapsed time, not calendar days).
pub const DAY: Micros = 24 * HOUR;
/// Microseconds in one week.
pub const WEEK: Micros = 7 * DAY;

/// The UTC date-time of an instant, or `None` when it is outside chrono's range.
pub fn to_utc(t: Micros) -> Option<DateTime<Utc>> {
    DateTime::<Utc>::from_timestamp_micros(t)
}

/// Hour of day (0..=23) and day of week (0 = Monday ..= 6 = Sunday) of an instant in UK
/// local time (Europe/London, so British Summer Time is applied).
pub fn london_hour_and_weekday(t: Micros) -> Option<(u8, u8)> {
    let local = London.from_utc_datetime(&to_utc(t)?.naive_utc());
    Some((
        local.hour() as u8,
        local.weekday().num_days_from_monday() as u8,
    ))
}

/// The UK local calendar date of an instant, as days since 1970-01-01 (Arrow's `Date32`).
pub fn london_date(t: Micros) -> Option<i32> {
    let local = London.from_utc_datetime(&to_utc(t)?.naive_utc());
    let epoch = chrono::NaiveDate::from_ymd_opt(1970, 1, 1)?;
    i32::try_from((local.date_naive() - epoch).num_days()).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn utc(s: &str) -> Micros {
        s.parse::<DateTime<Utc>>().unwrap().timestamp_micros()
    }

    #[test]
    fn summer_time_shifts_the_local_hour() {
        // 2024-07-01 is a Monday; 23:30 UTC is 00:30 BST on Tuesday.
        assert_eq!(
            london_hour_and_weekday(utc("2024-07-01T23:30:00Z")),
            Some((0, 1))
        );
        // In winter UK local time is UTC.
        assert_eq!(
            london_hour_and_weekday(utc("2024-01-01T23:30:00Z")),
            Some((23, 0))
        );
    }

    #[test]
    fn local_date_follows_summer_time() {
        let d = london_date(utc("2024-07-01T23:30:00Z")).unwrap();
        assert_eq!(d, london_date(utc("2024-07-02T12:00:00Z")).unwrap());
    }
}

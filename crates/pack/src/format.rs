//! Dates, times and numbers as the packs print them: UK local time (Europe/London), day
//! counts between UK local dates, thousands separators and shares.

use chrono::{Duration, NaiveDate, TimeZone};
use chrono_tz::Europe::London;
use engage_kernel::time::{Micros, london_date, to_utc};

/// Shown in place of a time that is missing or outside the calendar.
pub const NO_VALUE: &str = "—";

/// An instant as UK local date and time, e.g. `Mon 30 Nov 2026 07:05`.
pub fn local_datetime(t: Micros) -> String {
    match to_utc(t) {
        Some(u) => London
            .from_utc_datetime(&u.naive_utc())
            .format("%a %-d %b %Y %H:%M")
            .to_string(),
        None => NO_VALUE.to_string(),
    }
}

/// An optional instant as [`local_datetime`], or `—`.
pub fn local_datetime_opt(t: Option<Micros>) -> String {
    t.map_or_else(|| NO_VALUE.to_string(), local_datetime)
}

/// An instant's UK local date, e.g. `Mon 30 Nov 2026`.
pub fn local_date(t: Micros) -> String {
    match to_utc(t) {
        Some(u) => London
            .from_utc_datetime(&u.naive_utc())
            .format("%a %-d %b %Y")
            .to_string(),
        None => NO_VALUE.to_string(),
    }
}

/// UK local calendar days from `from` to `to` (positive when `to` is on a later date).
pub fn days_between(from: Micros, to: Micros) -> Option<i64> {
    Some(i64::from(london_date(to)?) - i64::from(london_date(from)?))
}

/// The UK local date `days_before` days before the instant `t`, short, e.g. `1 Sep`.
pub fn short_date_before(t: Micros, days_before: i64) -> String {
    let Some(days) = london_date(t) else {
        return NO_VALUE.to_string();
    };
    let epoch = NaiveDate::from_ymd_opt(1970, 1, 1).expect("valid date");
    match epoch.checked_add_signed(Duration::days(i64::from(days) - days_before)) {
        Some(d) => d.format("%-d %b").to_string(),
        None => NO_VALUE.to_string(),
    }
}

/// A whole number with thousands separators, e.g. `12,345`.
pub fn thousands(n: u64) -> String {
    let digits = n.to_string();
    let mut out = String::with_capacity(digits.len() + digits.len() / 3);
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

/// `part / whole` as a percentage with one decimal, e.g. `4.1%`; `—` when `whole` is 0.
pub fn percent(part: f64, whole: f64) -> String {
    if whole > 0.0 && part.is_finite() && whole.is_finite() {
        format!("{:.1}%", 100.0 * part / whole)
    } else {
        NO_VALUE.to_string()
    }
}

/// Hours with one decimal and thousands separators, e.g. `1,234.5`.
pub fn hours(h: f64) -> String {
    if !h.is_finite() || h < 0.0 {
        return NO_VALUE.to_string();
    }
    let tenths = (h * 10.0).round() as u64;
    format!("{}.{}", thousands(tenths / 10), tenths % 10)
}

/// `"YYYY-MM"` as `Nov 2026`; the text itself when it is not such a month.
pub fn month_long(month: &str) -> String {
    parse_month(month).map_or_else(|| month.to_string(), |d| d.format("%b %Y").to_string())
}

/// `"YYYY-MM"` as `Nov`, or `Jan 27` for January so a 12-month axis shows the year turn.
pub fn month_tick(month: &str) -> String {
    match parse_month(month) {
        Some(d) if d.format("%m").to_string() == "01" => d.format("%b %y").to_string(),
        Some(d) => d.format("%b").to_string(),
        None => month.to_string(),
    }
}

fn parse_month(month: &str) -> Option<NaiveDate> {
    NaiveDate::parse_from_str(&format!("{}-01", month.trim()), "%Y-%m-%d").ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn utc(s: &str) -> Micros {
        s.parse::<chrono::DateTime<chrono::Utc>>()
            .unwrap()
            .timestamp_micros()
    }

    #[test]
    fn times_are_uk_local() {
        // 23:30 UTC in July is 00:30 BST the next day.
        assert_eq!(
            local_datetime(utc("2026-07-01T23:30:00Z")),
            "Thu 2 Jul 2026 00:30"
        );
        assert_eq!(
            local_datetime(utc("2026-11-30T07:05:00Z")),
            "Mon 30 Nov 2026 07:05"
        );
        assert_eq!(local_date(utc("2026-11-30T07:05:00Z")), "Mon 30 Nov 2026");
        assert_eq!(local_datetime_opt(None), "—");
    }

    #[test]
    fn days_between_counts_local_dates() {
        let a = utc("2026-07-01T22:30:00Z"); // 23:30 BST, 1 July
        let b = utc("2026-07-01T23:30:00Z"); // 00:30 BST, 2 July
        assert_eq!(days_between(a, b), Some(1));
        assert_eq!(days_between(b, a), Some(-1));
        assert_eq!(days_between(a, utc("2026-07-11T12:00:00Z")), Some(10));
    }

    #[test]
    fn short_date_counts_back() {
        let t = utc("2026-11-28T09:00:00Z");
        assert_eq!(short_date_before(t, 0), "28 Nov");
        assert_eq!(short_date_before(t, 89), "31 Aug");
    }

    #[test]
    fn numbers() {
        assert_eq!(thousands(0), "0");
        assert_eq!(thousands(999), "999");
        assert_eq!(thousands(1000), "1,000");
        assert_eq!(thousands(1_234_567), "1,234,567");
        assert_eq!(percent(41.0, 1000.0), "4.1%");
        assert_eq!(percent(1.0, 0.0), "—");
        assert_eq!(hours(1234.56), "1,234.6");
        assert_eq!(hours(0.04), "0.0");
    }

    #[test]
    fn months() {
        assert_eq!(month_long("2026-11"), "Nov 2026");
        assert_eq!(month_tick("2026-11"), "Nov");
        assert_eq!(month_tick("2027-01"), "Jan 27");
        assert_eq!(month_long("autumn"), "autumn");
    }
}

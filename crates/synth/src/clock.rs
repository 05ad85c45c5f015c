//! UK local time for the exports: `dd/mm/yyyy HH:MM:SS` in Europe/London, written without
//! an offset, and which instants fall in the autumn hour that happens twice.
//!
//! Instants are whole seconds since the Unix epoch (UTC). London's clock changes at 01:00 UTC,
//! so the offset and whether a local time is ambiguous are the same for a whole UTC hour; both
//! are looked up with `chrono-tz` once per hour and cached.

use chrono::{DateTime, LocalResult, NaiveDate, Offset, TimeZone};
use chrono_tz::Europe::London;

/// Seconds in an hour.
pub(crate) const HOUR: i64 = 3_600;
/// Seconds in a day.
pub(crate) const DAY: i64 = 86_400;
/// Seconds in a week.
pub(crate) const WEEK: i64 = 7 * DAY;

/// Per UTC hour: its offset from UTC in London and whether its local times are ambiguous.
#[derive(Clone, Copy)]
struct HourInfo {
    hour: i64,
    offset: i64,
    ambiguous: bool,
}

/// A cache of London's offset per UTC hour (direct-mapped, 64 hours).
pub(crate) struct Clock {
    cache: [HourInfo; 64],
}

impl Clock {
    /// An empty cache.
    pub(crate) fn new() -> Self {
        Clock {
            cache: [HourInfo {
                hour: i64::MIN,
                offset: 0,
                ambiguous: false,
            }; 64],
        }
    }

    fn info(&mut self, t: i64) -> HourInfo {
        let hour = t.div_euclid(HOUR);
        let slot = (hour & 63) as usize;
        if self.cache[slot].hour != hour {
            self.cache[slot] = compute(hour);
        }
        self.cache[slot]
    }

    /// London's offset from UTC at `t`, in seconds (0 or 3600).
    pub(crate) fn offset(&mut self, t: i64) -> i64 {
        self.info(t).offset
    }

    /// Whether the local time of `t` happens twice (the autumn hour, 01:00–01:59 on the last
    /// Sunday of October).
    pub(crate) fn is_ambiguous(&mut self, t: i64) -> bool {
        self.info(t).ambiguous
    }

    /// Local seconds since the epoch (the local wall clock read as if it were UTC).
    pub(crate) fn local(&mut self, t: i64) -> i64 {
        t + self.offset(t)
    }

    /// Local hour of day (0–23) and weekday (0 = Monday) of `t`.
    pub(crate) fn hour_and_weekday(&mut self, t: i64) -> (u32, u32) {
        let local = self.local(t);
        let hour = (local.rem_euclid(DAY) / HOUR) as u32;
        // 1970-01-01 was a Thursday (weekday 3).
        let weekday = (local.div_euclid(DAY) + 3).rem_euclid(7) as u32;
        (hour, weekday)
    }

    /// Appends `t` as local `dd/mm/yyyy HH:MM:SS`; returns whether it is ambiguous.
    pub(crate) fn write(&mut self, t: i64, out: &mut String) -> bool {
        let info = self.info(t);
        write_local(t + info.offset, out);
        info.ambiguous
    }
}

fn compute(hour: i64) -> HourInfo {
    let utc = DateTime::from_timestamp(hour * HOUR, 0)
        .expect("generated instants are within chrono's range")
        .naive_utc();
    let offset = i64::from(
        London
            .offset_from_utc_datetime(&utc)
            .fix()
            .local_minus_utc(),
    );
    let local = utc + chrono::Duration::seconds(offset);
    let ambiguous = matches!(
        London.from_local_datetime(&local),
        LocalResult::Ambiguous(..)
    );
    HourInfo {
        hour,
        offset,
        ambiguous,
    }
}

/// The instant of local midnight at the start of `date` in London (never ambiguous: the
/// clock changes at 01:00 UTC).
pub(crate) fn london_midnight(date: NaiveDate) -> Option<i64> {
    let local = date.and_hms_opt(0, 0, 0)?;
    London
        .from_local_datetime(&local)
        .earliest()
        .map(|t| t.timestamp())
}

/// The civil date of a day count since 1970-01-01 (Howard Hinnant's algorithm).
pub(crate) fn civil_from_days(days: i64) -> (i64, u32, u32) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1_460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let month = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    let year = yoe + era * 400 + i64::from(month <= 2);
    (year, month, day)
}

fn push2(out: &mut String, v: u32) {
    out.push(char::from(b'0' + (v / 10 % 10) as u8));
    out.push(char::from(b'0' + (v % 10) as u8));
}

/// Appends local seconds since the epoch as `dd/mm/yyyy HH:MM:SS`.
pub(crate) fn write_local(local: i64, out: &mut String) {
    let (year, month, day) = civil_from_days(local.div_euclid(DAY));
    let secs = local.rem_euclid(DAY) as u32;
    push2(out, day);
    out.push('/');
    push2(out, month);
    out.push('/');
    let y = year.clamp(0, 9999) as u32;
    push2(out, y / 100);
    push2(out, y % 100);
    out.push(' ');
    push2(out, secs / 3_600);
    out.push(':');
    push2(out, secs / 60 % 60);
    out.push(':');
    push2(out, secs % 60);
}

/// Local `dd/mm/yyyy` of local seconds, for notes.
pub(crate) fn local_date_text(local: i64) -> String {
    let mut s = String::with_capacity(19);
    write_local(local, &mut s);
    s.truncate(10);
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formats_like_chrono() {
        let mut clock = Clock::new();
        let mut t = 1_700_000_000i64 - 400 * DAY;
        while t < 1_700_000_000 + 400 * DAY {
            let mut s = String::new();
            clock.write(t, &mut s);
            let want = London
                .timestamp_opt(t, 0)
                .unwrap()
                .format("%d/%m/%Y %H:%M:%S")
                .to_string();
            assert_eq!(s, want);
            t += 3 * HOUR + 17 * 60 + 13;
        }
    }

    #[test]
    fn autumn_hour_is_ambiguous_twice() {
        let mut clock = Clock::new();
        // 27 October 2024: 00:00–02:00 UTC are local 01:00–01:59 twice.
        let t = london_midnight(NaiveDate::from_ymd_opt(2024, 10, 27).unwrap()).unwrap();
        assert!(!clock.is_ambiguous(t + 59 * 60));
        assert!(clock.is_ambiguous(t + HOUR));
        assert!(clock.is_ambiguous(t + 2 * HOUR + 59 * 60));
        assert!(!clock.is_ambiguous(t + 3 * HOUR));
        let mut a = String::new();
        let mut b = String::new();
        clock.write(t + HOUR + 60, &mut a);
        clock.write(t + 2 * HOUR + 60, &mut b);
        assert_eq!(a, b);
        assert_eq!(a, "27/10/2024 01:01:00");
    }
}

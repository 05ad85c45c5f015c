//! UK local times without an offset, to UTC, with the clock changes made explicit.

use chrono::{DateTime, LocalResult, NaiveDate, NaiveDateTime, TimeZone};
use chrono_tz::Tz;
use engage_kernel::Micros;

/// A local time read from an export, before the clock change is resolved.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum LocalInstant {
    /// One instant.
    Single(Micros),
    /// The autumn hour that happens twice: the earlier and the later instant.
    Ambiguous(Micros, Micros),
}

impl LocalInstant {
    /// Resolves against the instant that must not be later than this one (the previous call
    /// in the source's own order, or the arrival of the same call): the earlier instant unless
    /// it falls before `not_before`.
    pub fn resolve(self, not_before: Option<Micros>) -> Micros {
        match self {
            LocalInstant::Single(t) => t,
            LocalInstant::Ambiguous(early, late) => match not_before {
                Some(floor) if early < floor => late,
                _ => early,
            },
        }
    }

    /// The instants it may be, earlier first.
    pub fn candidates(self) -> impl Iterator<Item = Micros> {
        let (first, second) = match self {
            LocalInstant::Single(t) => (t, None),
            LocalInstant::Ambiguous(early, late) => (early, Some(late)),
        };
        std::iter::once(first).chain(second)
    }

    /// True for a time in the repeated autumn hour.
    pub fn is_ambiguous(self) -> bool {
        matches!(self, LocalInstant::Ambiguous(..))
    }
}

/// Why a local time could not be read.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum TimeError {
    /// Not in the expected format.
    #[error("`{text}` is not a time in the form {format}")]
    Format {
        /// As given.
        text: String,
        /// The expected format, in the profile's notation.
        format: String,
    },
    /// In the spring hour that the clocks skip.
    #[error("`{text}` does not exist in {zone}: the clocks skip that hour (spring forward)")]
    Skipped {
        /// As given.
        text: String,
        /// The zone.
        zone: Tz,
    },
}

/// Reads `text` in `format` (chrono's strftime notation) as a local time in `zone`.
pub fn parse_local(text: &str, format: &str, zone: Tz) -> Result<LocalInstant, TimeError> {
    let trimmed = text.trim();
    let naive = NaiveDateTime::parse_from_str(trimmed, format).map_err(|_| TimeError::Format {
        text: text.to_string(),
        format: format.to_string(),
    })?;
    match zone.from_local_datetime(&naive) {
        LocalResult::Single(t) => Ok(LocalInstant::Single(t.timestamp_micros())),
        LocalResult::Ambiguous(a, b) => Ok(LocalInstant::Ambiguous(
            a.timestamp_micros().min(b.timestamp_micros()),
            a.timestamp_micros().max(b.timestamp_micros()),
        )),
        LocalResult::None => Err(TimeError::Skipped {
            text: text.to_string(),
            zone,
        }),
    }
}

/// The time format of the default exports, which [`LocalTimeReader`] reads from its bytes.
pub const DEFAULT_TIME_FORMAT: &str = "%d/%m/%Y %H:%M:%S";

/// Reads many local times in one format and zone with the results of [`parse_local`], faster:
/// a time in the form `dd/mm/yyyy HH:MM:SS` (when that is the format) is read from its bytes,
/// and the zone's offsets are looked up once per local hour. Anything else (another format,
/// another shape, a leap second, an hour in which the offsets change) goes to [`parse_local`].
#[derive(Clone, Debug)]
pub struct LocalTimeReader {
    format: String,
    zone: Tz,
    fixed_form: bool,
    /// The last local hour looked up (hours since 1970-01-01 00:00 local) and its offsets.
    hour: Option<(i64, HourOffsets)>,
}

/// The zone's offsets (seconds to subtract from local time) throughout one local hour.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum HourOffsets {
    Single(i64),
    Ambiguous(i64, i64),
    Skipped,
    /// The offsets change within the hour: every time in it is looked up on its own.
    Mixed,
}

impl LocalTimeReader {
    /// A reader of times in `format` (chrono's strftime notation) in `zone`.
    pub fn new(format: &str, zone: Tz) -> Self {
        LocalTimeReader {
            format: format.to_string(),
            zone,
            fixed_form: format == DEFAULT_TIME_FORMAT,
            hour: None,
        }
    }

    /// Reads `text`, as [`parse_local`] does.
    pub fn parse(&mut self, text: &str) -> Result<LocalInstant, TimeError> {
        if self.fixed_form
            && let Some(local) = fixed_form_seconds(text.trim().as_bytes())
            && let Some(instant) = self.at(local)
        {
            return Ok(instant);
        }
        parse_local(text, &self.format, self.zone)
    }

    /// The instant of a local time given in seconds since 1970-01-01 00:00 local, or `None` when
    /// the hour needs [`parse_local`] (skipped, or its offsets change).
    fn at(&mut self, local: i64) -> Option<LocalInstant> {
        let hour = local.div_euclid(3600);
        let offsets = match self.hour {
            Some((cached, offsets)) if cached == hour => offsets,
            _ => {
                let offsets = hour_offsets(self.zone, hour);
                self.hour = Some((hour, offsets));
                offsets
            }
        };
        const MICROS: i64 = 1_000_000;
        match offsets {
            HourOffsets::Single(offset) => Some(LocalInstant::Single((local - offset) * MICROS)),
            HourOffsets::Ambiguous(a, b) => {
                let (a, b) = ((local - a) * MICROS, (local - b) * MICROS);
                Some(LocalInstant::Ambiguous(a.min(b), a.max(b)))
            }
            HourOffsets::Skipped | HourOffsets::Mixed => None,
        }
    }
}

/// Seconds since 1970-01-01 00:00 of `dd/mm/yyyy HH:MM:SS` exactly (ASCII digits, a real date,
/// hours to 23, minutes and seconds to 59), else `None`.
fn fixed_form_seconds(text: &[u8]) -> Option<i64> {
    let &[
        d1,
        d2,
        b'/',
        m1,
        m2,
        b'/',
        y1,
        y2,
        y3,
        y4,
        b' ',
        h1,
        h2,
        b':',
        n1,
        n2,
        b':',
        s1,
        s2,
    ] = text
    else {
        return None;
    };
    let digits = [d1, d2, m1, m2, y1, y2, y3, y4, h1, h2, n1, n2, s1, s2];
    if !digits.iter().all(u8::is_ascii_digit) {
        return None;
    }
    let n = |a: u8, b: u8| u32::from(a - b'0') * 10 + u32::from(b - b'0');
    let year = (n(y1, y2) * 100 + n(y3, y4)) as i32;
    let (hour, minute, second) = (n(h1, h2), n(n1, n2), n(s1, s2));
    if hour > 23 || minute > 59 || second > 59 {
        return None;
    }
    let date = NaiveDate::from_ymd_opt(year, n(m1, m2), n(d1, d2))?;
    let time = date.and_hms_opt(hour, minute, second)?;
    Some(time.and_utc().timestamp())
}

/// The zone's offsets at a local time in seconds since 1970-01-01 00:00 local.
fn offsets_at(zone: Tz, local: i64) -> HourOffsets {
    let Some(naive) = DateTime::from_timestamp(local, 0).map(|t| t.naive_utc()) else {
        return HourOffsets::Mixed;
    };
    match zone.from_local_datetime(&naive) {
        LocalResult::Single(t) => HourOffsets::Single(local - t.timestamp()),
        LocalResult::Ambiguous(a, b) => {
            let (a, b) = (local - a.timestamp(), local - b.timestamp());
            HourOffsets::Ambiguous(a.min(b), a.max(b))
        }
        LocalResult::None => HourOffsets::Skipped,
    }
}

/// The offsets throughout a local hour: those of its first and last second when they agree
/// (a zone's offsets hold for intervals of time, and no zone changes them twice within an
/// hour), else [`HourOffsets::Mixed`].
fn hour_offsets(zone: Tz, hour: i64) -> HourOffsets {
    let first = offsets_at(zone, hour * 3600);
    if first == offsets_at(zone, hour * 3600 + 3599) {
        first
    } else {
        HourOffsets::Mixed
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono_tz::Europe::London;

    const FORMAT: &str = "%d/%m/%Y %H:%M:%S";

    #[test]
    fn summer_and_winter_times() {
        let LocalInstant::Single(summer) =
            parse_local("01/07/2024 12:00:00", FORMAT, London).unwrap()
        else {
            panic!()
        };
        assert_eq!(summer, 1_719_831_600_000_000); // 11:00 UTC
        let LocalInstant::Single(winter) =
            parse_local("01/01/2024 12:00:00", FORMAT, London).unwrap()
        else {
            panic!()
        };
        assert_eq!(winter, 1_704_110_400_000_000); // 12:00 UTC
    }

    #[test]
    fn the_autumn_hour_is_ambiguous_and_resolves_by_order() {
        let t = parse_local("27/10/2024 01:30:00", FORMAT, London).unwrap();
        let LocalInstant::Ambiguous(early, late) = t else {
            panic!("{t:?}")
        };
        assert_eq!(late - early, 3_600_000_000);
        assert_eq!(t.resolve(None), early);
        assert_eq!(t.resolve(Some(early - 1)), early);
        assert_eq!(t.resolve(Some(early + 1)), late);
    }

    #[test]
    fn the_spring_hour_does_not_exist() {
        let err = parse_local("31/03/2024 01:30:00", FORMAT, London).unwrap_err();
        assert!(err.to_string().contains("skip"), "{err}");
        let err = parse_local("2024-03-31 01:30", FORMAT, London).unwrap_err();
        assert!(err.to_string().contains("not a time in the form"), "{err}");
    }

    /// Reads `texts` one after the other with one reader (so its hour is reused), and each
    /// with [`parse_local`], and asserts they agree.
    fn agrees(texts: &[String], format: &str, zone: Tz) -> Result<(), TestCaseError> {
        let mut reader = LocalTimeReader::new(format, zone);
        for text in texts {
            prop_assert_eq!(
                reader.parse(text),
                parse_local(text, format, zone),
                "{} in {}",
                text,
                zone
            );
        }
        Ok(())
    }

    use proptest::prelude::*;

    fn zone() -> impl Strategy<Value = Tz> {
        prop::sample::select(vec![
            London,
            chrono_tz::Australia::Lord_Howe, // a half-hour clock change
            chrono_tz::America::St_Johns,    // a half-hour offset
            chrono_tz::Asia::Kolkata,
            chrono_tz::Europe::Dublin, // negative daylight saving in the tz database
            chrono_tz::UTC,
        ])
    }

    /// Times near the clock changes of the 2020s (the last Sundays of March and October, and
    /// of the southern spring and autumn), and anywhere from 1850 to 2100.
    fn fixed_form_text() -> impl Strategy<Value = String> {
        let near_change = (
            2020i32..2030,
            prop::sample::select(vec![3u32, 4, 9, 10, 11]),
            24u32..32,
            0u32..5,
            0u32..60,
            0u32..60,
        );
        let anywhere = (
            1850i32..2100,
            1u32..13,
            1u32..32,
            0u32..24,
            0u32..60,
            0u32..61,
        );
        prop_oneof![near_change, anywhere]
            .prop_map(|(y, m, d, h, n, s)| format!("{d:02}/{m:02}/{y:04} {h:02}:{n:02}:{s:02}"))
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(2000))]

        #[test]
        fn the_reader_agrees_with_parse_local(
            zone in zone(),
            texts in prop::collection::vec(fixed_form_text(), 1..40),
        ) {
            agrees(&texts, FORMAT, zone)?;
        }

        #[test]
        fn the_reader_agrees_with_parse_local_on_any_text(
            texts in prop::collection::vec("[0-9/: ]{15,21}|.{0,22}", 1..10),
        ) {
            agrees(&texts, FORMAT, London)?;
        }

        #[test]
        fn the_reader_agrees_with_parse_local_in_other_formats(
            texts in prop::collection::vec(fixed_form_text(), 1..10),
        ) {
            agrees(&texts, "%d/%m/%Y %H:%M", London)?;
        }
    }

    #[test]
    fn the_reader_keeps_the_clock_changes() {
        let mut reader = LocalTimeReader::new(FORMAT, London);
        for text in [
            "27/10/2024 00:59:59",
            "27/10/2024 01:00:00",
            "27/10/2024 01:30:00",
            "27/10/2024 01:59:59",
            "27/10/2024 02:00:00",
            "31/03/2024 00:59:59",
            "31/03/2024 01:00:00",
            "31/03/2024 01:59:59",
            "31/03/2024 02:00:00",
        ] {
            assert_eq!(
                reader.parse(text),
                parse_local(text, FORMAT, London),
                "{text}"
            );
        }
        assert!(reader.parse("27/10/2024 01:30:00").unwrap().is_ambiguous());
        assert!(matches!(
            reader.parse("31/03/2024 01:30:00"),
            Err(TimeError::Skipped { .. })
        ));
    }
}

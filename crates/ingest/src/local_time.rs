//! UK local times without an offset, to UTC, with the clock changes made explicit.

use chrono::{LocalResult, NaiveDateTime, TimeZone};
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
}

//! Rules (`10/7d`: ten contacts within seven days) and rule sets (`5/30d,12/90d`: either).
//!
//! The text form is an interface promise (`shared/spec/interfaces.md`): a rule is
//! `COUNT/LENGTH UNIT` with the unit `h` (hours), `d` (days of 24 hours) or `w` (weeks); a rule
//! set is one or more rules separated by commas, joined by OR. Spaces around the parts are
//! allowed. A month is written `30d` and three months `90d`: windows are elapsed time, never
//! calendar months.

use std::fmt;
use std::str::FromStr;

use crate::time::{DAY, HOUR, Micros, WEEK};

/// The most rules one rule set may hold. Per-rule figures are kept inline (no allocation per
/// contact), so the limit is fixed; real rule sets have one to three rules.
pub const MAX_RULES: usize = 8;

/// One rule: a contact qualifies when at least `min_contacts` of its caller's contacts fall in
/// the window of length `window` that ends at it (`(t - window, t]`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Rule {
    /// The threshold *k*: at least this many contacts in the window. Always at least 1.
    pub min_contacts: u32,
    /// The window length *W* in microseconds. Always positive.
    pub window: Micros,
}

impl Rule {
    /// A rule of `min_contacts` within `window` microseconds.
    pub fn new(min_contacts: u32, window: Micros) -> Result<Self, RuleError> {
        let rule = Rule {
            min_contacts,
            window,
        };
        if min_contacts == 0 {
            return Err(RuleError::new(
                rule.to_string(),
                "the count must be at least 1",
            ));
        }
        if window <= 0 {
            return Err(RuleError::new(
                rule.to_string(),
                "the window must be longer than zero",
            ));
        }
        Ok(rule)
    }

    /// The window as the canonical text form writes it: whole days when it is a whole number
    /// of days (`2w` is 14 days), else whole hours; `None` for a window that is not a whole
    /// number of hours (only [`Rule::new`] makes those, never the parser).
    pub fn window_in_units(&self) -> Option<(i64, WindowUnit)> {
        let w = self.window;
        if w % DAY == 0 {
            Some((w / DAY, WindowUnit::Days))
        } else if w % HOUR == 0 {
            Some((w / HOUR, WindowUnit::Hours))
        } else {
            None
        }
    }

    /// Kent Police's default: 10 contacts within 7 days.
    pub const fn kent() -> Self {
        Rule {
            min_contacts: 10,
            window: WEEK,
        }
    }
}

impl fmt::Display for Rule {
    /// The canonical text form: days when the window is whole days (`10/7d`, `3/2w` shows as
    /// `3/14d`), else hours (`5/36h`); a window that is not a whole number of hours is shown in
    /// hours with a fraction, which `parse` does not accept back.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.window_in_units() {
            Some((length, unit)) => write!(f, "{}/{}{}", self.min_contacts, length, unit.as_str()),
            None => write!(
                f,
                "{}/{}h",
                self.min_contacts,
                self.window as f64 / HOUR as f64
            ),
        }
    }
}

/// The unit a rule's window is written in by its canonical text form.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum WindowUnit {
    /// `h`: hours.
    Hours,
    /// `d`: days of 24 hours.
    Days,
}

impl WindowUnit {
    /// The unit's letter in a rule's text: `h` or `d`.
    pub fn as_str(self) -> &'static str {
        match self {
            WindowUnit::Hours => "h",
            WindowUnit::Days => "d",
        }
    }
}

impl FromStr for Rule {
    type Err = RuleError;

    fn from_str(text: &str) -> Result<Self, RuleError> {
        let err = |why: &str| RuleError::new(text, why);
        let trimmed = text.trim();
        if trimmed.is_empty() {
            return Err(err("a rule is empty; expected a rule like `10/7d`"));
        }
        let (count, window) = trimmed
            .split_once('/')
            .ok_or_else(|| err("expected COUNT/WINDOW with a `/`, like `10/7d`"))?;
        let count = count.trim();
        let min_contacts: u32 = count.parse().map_err(|e: std::num::ParseIntError| {
            err(&match e.kind() {
                std::num::IntErrorKind::PosOverflow => {
                    format!("the count `{count}` is too large; at most {}", u32::MAX)
                }
                _ => format!(
                    "the count `{count}` is not a whole number; expected a count like `10` before the `/`"
                ),
            })
        })?;
        let window = window.trim();
        let unit_at = window.find(|c: char| !c.is_ascii_digit()).ok_or_else(|| {
            err(&format!(
                "the window `{window}` has no unit; expected h, d or w, like `7d`"
            ))
        })?;
        let (length, unit) = window.split_at(unit_at);
        let unit_micros = match unit.trim() {
            "h" => HOUR,
            "d" => DAY,
            "w" => WEEK,
            other => {
                return Err(err(&format!(
                    "unknown unit `{other}` in `{window}`; expected h (hours), d (days) or w (weeks)"
                )));
            }
        };
        let length: i64 = length.parse().map_err(|e: std::num::ParseIntError| {
            err(&match e.kind() {
                std::num::IntErrorKind::PosOverflow => {
                    "the window is longer than a hundred years".to_string()
                }
                _ => format!(
                    "the window `{window}` does not start with a whole number; expected a window like `7d`"
                ),
            })
        })?;
        let window = length
            .checked_mul(unit_micros)
            .filter(|w| *w <= 100 * 366 * DAY)
            .ok_or_else(|| err("the window is longer than a hundred years"))?;
        Rule::new(min_contacts, window).map_err(|e| RuleError::new(text, &e.reason))
    }
}

/// One or more rules joined by OR (at most [`MAX_RULES`]). The default is Kent's `10/7d`.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct RuleSet {
    rules: Vec<Rule>,
}

impl RuleSet {
    /// A rule set of the given rules, in the order given (per-rule figures follow this order).
    pub fn new(rules: Vec<Rule>) -> Result<Self, RuleError> {
        let text = || {
            rules
                .iter()
                .map(Rule::to_string)
                .collect::<Vec<_>>()
                .join(",")
        };
        if rules.is_empty() {
            return Err(RuleError::new(
                "",
                "a rule set needs at least one rule, like `10/7d`",
            ));
        }
        if rules.len() > MAX_RULES {
            return Err(RuleError::new(
                text(),
                &format!("a rule set holds at most {MAX_RULES} rules"),
            ));
        }
        Ok(RuleSet { rules })
    }

    /// Kent Police's default rule set, `10/7d`.
    pub fn kent() -> Self {
        RuleSet {
            rules: vec![Rule::kent()],
        }
    }

    /// The rules, in order.
    pub fn rules(&self) -> &[Rule] {
        &self.rules
    }

    /// How many rules there are (1 to [`MAX_RULES`]).
    pub fn len(&self) -> usize {
        self.rules.len()
    }

    /// Always false: a rule set has at least one rule.
    pub fn is_empty(&self) -> bool {
        false
    }

    /// The longest window of any rule: the horizon a streaming detector must remember.
    pub fn longest_window(&self) -> Micros {
        self.rules.iter().map(|r| r.window).max().unwrap_or(0)
    }
}

impl Default for RuleSet {
    fn default() -> Self {
        RuleSet::kent()
    }
}

impl fmt::Display for RuleSet {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, rule) in self.rules.iter().enumerate() {
            if i > 0 {
                f.write_str(",")?;
            }
            write!(f, "{rule}")?;
        }
        Ok(())
    }
}

impl FromStr for RuleSet {
    type Err = RuleError;

    fn from_str(text: &str) -> Result<Self, RuleError> {
        if text.trim().is_empty() {
            return Err(RuleError::new(
                text,
                "the rule set is empty; expected rules like `10/7d` or `5/30d,12/90d`",
            ));
        }
        let rules = text
            .split(',')
            .map(|part| {
                part.parse::<Rule>().map_err(|e| {
                    if part.trim() == text.trim() {
                        e
                    } else {
                        RuleError::new(text, &format!("in `{}`: {}", part.trim(), e.reason))
                    }
                })
            })
            .collect::<Result<Vec<_>, _>>()?;
        RuleSet::new(rules).map_err(|e| RuleError::new(text, &e.reason))
    }
}

/// A rule or rule set that could not be read or is not allowed.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("invalid rule `{text}`: {reason}")]
pub struct RuleError {
    /// The text as given.
    pub text: String,
    /// What is wrong and what is expected.
    pub reason: String,
}

impl RuleError {
    fn new(text: impl Into<String>, reason: &str) -> Self {
        RuleError {
            text: text.into(),
            reason: reason.to_string(),
        }
    }
}

/// Figures kept per rule of a rule set (rolling counts, peaks), inline and `Copy`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Default)]
pub struct PerRule {
    values: [u32; MAX_RULES],
    len: u8,
}

impl PerRule {
    /// `len` zeros.
    pub fn zeros(len: usize) -> Self {
        debug_assert!(len <= MAX_RULES);
        PerRule {
            values: [0; MAX_RULES],
            len: len as u8,
        }
    }

    /// The figures, one per rule in the rule set's order.
    pub fn as_slice(&self) -> &[u32] {
        &self.values[..self.len as usize]
    }

    /// The figures, writable.
    pub fn as_mut_slice(&mut self) -> &mut [u32] {
        &mut self.values[..self.len as usize]
    }

    /// Raises each figure to the other's where the other's is higher.
    pub fn max_assign(&mut self, other: &PerRule) {
        for (a, b) in self.as_mut_slice().iter_mut().zip(other.as_slice()) {
            *a = (*a).max(*b);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn windows_in_the_units_of_the_text_form() {
        let units = |text: &str| text.parse::<Rule>().unwrap().window_in_units();
        assert_eq!(units("10/7d"), Some((7, WindowUnit::Days)));
        assert_eq!(units("3/2w"), Some((14, WindowUnit::Days)));
        assert_eq!(units("5/36h"), Some((36, WindowUnit::Hours)));
        assert_eq!(units("5/48h"), Some((2, WindowUnit::Days)));
        let odd = Rule::new(2, 90 * 60 * 1_000_000).unwrap();
        assert_eq!(odd.window_in_units(), None);
        assert_eq!(odd.to_string(), "2/1.5h");
    }

    #[test]
    fn parses_kent_and_ambulance_rules() {
        assert_eq!("10/7d".parse::<RuleSet>().unwrap(), RuleSet::kent());
        let ambulance: RuleSet = "5/30d,12/90d".parse().unwrap();
        assert_eq!(
            ambulance.rules(),
            &[
                Rule::new(5, 30 * DAY).unwrap(),
                Rule::new(12, 90 * DAY).unwrap()
            ]
        );
        assert_eq!(ambulance.longest_window(), 90 * DAY);
        assert_eq!(
            " 3 / 2w , 4/36h ".parse::<RuleSet>().unwrap().to_string(),
            "3/14d,4/36h"
        );
    }

    #[test]
    fn display_round_trips() {
        for text in ["10/7d", "5/30d,12/90d", "3/2w", "1/1h", "7/25h", "2/14d"] {
            let set: RuleSet = text.parse().unwrap();
            let shown = set.to_string();
            assert_eq!(shown.parse::<RuleSet>().unwrap(), set, "{text} -> {shown}");
        }
        assert_eq!("2/2w".parse::<RuleSet>().unwrap().to_string(), "2/14d");
        assert_eq!("10/7d".parse::<RuleSet>().unwrap().to_string(), "10/7d");
    }

    #[test]
    fn errors_quote_the_text_and_say_what_is_expected() {
        let cases = [
            ("", "empty"),
            ("10", "expected COUNT/WINDOW"),
            ("x/7d", "the count `x` is not a whole number"),
            ("10/7", "has no unit"),
            ("10/7m", "unknown unit `m`"),
            ("10/d", "does not start with a whole number"),
            ("0/7d", "at least 1"),
            ("10/0d", "longer than zero"),
            ("10/7d,", "a rule is empty"),
            ("10/99999999999w", "hundred years"),
            ("10/99999999999999999999d", "hundred years"),
            (
                "99999999999/7d",
                "the count `99999999999` is too large; at most 4294967295",
            ),
            (
                "1/1h,1/1h,1/1h,1/1h,1/1h,1/1h,1/1h,1/1h,1/1h",
                "at most 8 rules",
            ),
        ];
        for (text, expected) in cases {
            let err = text.parse::<RuleSet>().unwrap_err();
            let message = err.to_string();
            assert!(message.contains(expected), "{text:?}: {message}");
            assert!(
                message.contains(&format!("`{text}`")),
                "{text:?}: {message}"
            );
        }
        let err = "10/7d,5/3x".parse::<RuleSet>().unwrap_err().to_string();
        assert!(err.contains("in `5/3x`"), "{err}");
    }

    #[test]
    fn per_rule_max() {
        let mut a = PerRule::zeros(2);
        a.as_mut_slice().copy_from_slice(&[3, 9]);
        let mut b = PerRule::zeros(2);
        b.as_mut_slice().copy_from_slice(&[5, 1]);
        a.max_assign(&b);
        assert_eq!(a.as_slice(), &[5, 9]);
    }
}

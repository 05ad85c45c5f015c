//! Caller line identity (CLI): UK phone numbers as typed or as the network presented them,
//! normalised to E.164.
//!
//! A contact's caller key is its caller's number in E.164 (`+447700900123`), so every form of
//! one number has to come out the same. [`classify_cli`] reads one CLI field and says whether a
//! number was [present](Cli::Present), [withheld](Cli::Withheld) or
//! [unavailable](Cli::Unavailable), or that the text is not a caller line identity at all (a
//! [`PhoneError`] that quotes it). [`normalize_phone`] is the convenience behind the SQL
//! function of the same name: the E.164 number, or `None`.
//!
//! # What is accepted
//!
//! - UK numbers with the trunk `0`: `07700 900123`, `07700900123`, `(01632) 960123`,
//!   `01632-960-123`, `020 7946 0123`.
//! - UK numbers with the country code `44`, after `+`, `00` or nothing: `+44 7700 900123`,
//!   `0044 7700 900123`, `447700900123`, and with the trunk `0` kept in by mistake or in
//!   brackets: `+44 (0)7700 900123`.
//! - UK national significant numbers without the trunk `0`, as ISDN signalling with a
//!   "national" nature of address presents them and as spreadsheets leave them after
//!   dropping a leading zero: `7700900123`.
//! - Other countries' numbers given with `+` or `00` and a country code: `+33 1 23 45 67 89`,
//!   `0033 1 23 45 67 89`, when they have 8 to 15 digits in all (E.164's limit).
//!
//! White space, dots, dashes, slashes, parentheses and quote characters between the digits are
//! ignored, as is surrounding white space.
//!
//! A UK national significant number (the digits after the trunk `0` or the country code) has
//! 10 digits and starts with 1, 2, 3, 5, 7, 8 or 9; a few old numbers have 9 digits, and those
//! start with 1 (some geographic numbers), 5 or 8 (old freephone numbers such as 0800 xxxxxx).
//! Short codes (`999`, `112`, `101`, `111`, `116123`) are not caller line identities and are
//! errors.
//!
//! # Withheld and unavailable
//!
//! Compared case-insensitively after trimming, with runs of white space between words
//! counting as one space: the words in [`WITHHELD`] mean the caller withheld their number, and
//! the words in [`UNAVAILABLE`] (and an empty or blank field) mean the network did not present
//! one. Both lists are data: extend them when a force's systems use other words.
//!
//! # Cost
//!
//! This runs on every row of every export, so nothing is allocated except the returned
//! E.164 string (and the error's copy of the text, on bad rows).

use std::fmt;

/// Texts (compared case-insensitively, after trimming) that mean the caller withheld their
/// number.
pub const WITHHELD: &[&str] = &[
    "withheld",
    "number withheld",
    "withheld number",
    "private",
    "private number",
    "private caller",
    "anonymous",
    "anonymous caller",
    "restricted",
    "p",
];

/// Texts (compared case-insensitively, after trimming) that mean no number was presented. An
/// empty or blank field means the same.
pub const UNAVAILABLE: &[&str] = &[
    "unavailable",
    "number unavailable",
    "not available",
    "unknown",
    "n/a",
    "na",
    "u",
    "out of area",
    "none",
    "null",
    "-",
];

/// The characters trimmed from both ends of a field and ignored between digits: quotes that
/// exports and spreadsheets leave behind.
const QUOTES: &[char] = &[
    '"', '\'', '`', '\u{2018}', '\u{2019}', '\u{201C}', '\u{201D}',
];

/// Most digits a field may hold: 15 (E.164) plus an international prefix `00` and a stray
/// trunk `0`, with a little slack.
const MAX_DIGITS: usize = 20;

/// Fewest digits a number can have: anything shorter is a short code such as `999`.
const MIN_NUMBER_DIGITS: usize = 7;

/// Fewest and most digits, country code included, of a non-UK international number.
const INTERNATIONAL_DIGITS: std::ops::RangeInclusive<usize> = 8..=15;

/// The caller line identity of a contact: a number, or why there is none.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Cli {
    /// A number was presented: E.164, `+` then country code and number, digits only (for
    /// example `+447700900123`).
    Present(String),
    /// The caller withheld their number.
    Withheld,
    /// The network did not present a number (or the field was empty).
    Unavailable,
}

impl Cli {
    /// The snapshot's `cli_status` value: `present`, `withheld` or `unavailable`.
    pub fn status(&self) -> &'static str {
        match self {
            Cli::Present(_) => "present",
            Cli::Withheld => "withheld",
            Cli::Unavailable => "unavailable",
        }
    }

    /// The E.164 number, when one was presented.
    pub fn e164(&self) -> Option<&str> {
        match self {
            Cli::Present(number) => Some(number),
            Cli::Withheld | Cli::Unavailable => None,
        }
    }

    /// The E.164 number, when one was presented, without copying it.
    pub fn into_e164(self) -> Option<String> {
        match self {
            Cli::Present(number) => Some(number),
            Cli::Withheld | Cli::Unavailable => None,
        }
    }
}

impl fmt::Display for Cli {
    /// The E.164 number, or `withheld` / `unavailable`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Cli::Present(number) => f.write_str(number),
            other => f.write_str(other.status()),
        }
    }
}

/// Why a caller line identity field could not be read. Each message quotes the field.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PhoneError {
    /// The field holds characters that are not part of a phone number and is not one of the
    /// withheld or unavailable words.
    #[error(
        "{text:?} is not a phone number: expected digits (with optional +, spaces, dots, dashes \
         or brackets) such as 07700 900123 or +44 7700 900123, or a word meaning withheld \
         (e.g. Withheld, Private) or unavailable (e.g. Unavailable, blank)"
    )]
    NotANumber {
        /// The field as given.
        text: String,
    },
    /// The field is a short code such as `999` or `101`, not a caller's number.
    #[error(
        "{text:?} is a short code, not a caller's number: expected a full number such as \
         07700 900123 or +44 7700 900123"
    )]
    ShortCode {
        /// The field as given.
        text: String,
    },
    /// The field has more digits than any phone number.
    #[error(
        "{text:?} has {digits} digits, more than any phone number: expected at most 15 digits \
         after + or 00 (E.164), or a UK number such as 07700 900123"
    )]
    TooLong {
        /// The field as given.
        text: String,
        /// How many digits it holds (counting stops a little past the limit).
        digits: usize,
    },
    /// The field looks like a UK number but its national significant number has the wrong
    /// length or first digit.
    #[error(
        "{text:?} is not a valid UK number: its national number {national:?} should have 10 \
         digits starting with 1, 2, 3, 5, 7, 8 or 9 (or 9 digits starting with 1, 5 or 8), \
         as in 07700 900123 or 01632 960123"
    )]
    BadUkNumber {
        /// The field as given.
        text: String,
        /// The digits after the trunk `0` or the country code `44`.
        national: String,
    },
    /// The field starts with `+` or `00` but what follows is not an international number.
    #[error(
        "{text:?} is not a valid international number: expected + or 00, a country code not \
         starting with 0, and 8 to 15 digits in all, such as +33 1 23 45 67 89"
    )]
    BadInternational {
        /// The field as given.
        text: String,
    },
    /// The field is all digits but starts with neither a trunk `0`, an international prefix
    /// nor a UK country code, and is not a UK national significant number.
    #[error(
        "{text:?} is not a recognisable number: expected a UK number starting with 0 (such as \
         07700 900123) or 44, or an international number starting with + or 00"
    )]
    Unrecognised {
        /// The field as given.
        text: String,
    },
}

impl PhoneError {
    /// What is wrong, without quoting the field: for messages that must not show a number
    /// (the rejects of a pseudonymised snapshot).
    ///
    /// ```
    /// use engage_kernel::phone::classify_cli;
    /// let e = classify_cli("07700 9001").unwrap_err();
    /// assert_eq!(e.problem(), "is not a valid UK number (the value is withheld)");
    /// ```
    pub fn problem(&self) -> &'static str {
        match self {
            PhoneError::NotANumber { .. } => "is not a phone number (the value is withheld)",
            PhoneError::ShortCode { .. } => {
                "is a short code, not a caller's number (the value is withheld)"
            }
            PhoneError::TooLong { .. } => {
                "has more digits than any phone number (the value is withheld)"
            }
            PhoneError::BadUkNumber { .. } => "is not a valid UK number (the value is withheld)",
            PhoneError::BadInternational { .. } => {
                "is not a valid international number (the value is withheld)"
            }
            PhoneError::Unrecognised { .. } => {
                "is not a recognisable number (the value is withheld)"
            }
        }
    }
}

/// Reads one caller line identity field: a number (normalised to E.164), withheld, or
/// unavailable.
///
/// ```
/// use engage_kernel::phone::{classify_cli, Cli};
/// assert_eq!(classify_cli("07700 900123"), Ok(Cli::Present("+447700900123".into())));
/// assert_eq!(classify_cli("+44 (0)7700 900123"), Ok(Cli::Present("+447700900123".into())));
/// assert_eq!(classify_cli(" Withheld "), Ok(Cli::Withheld));
/// assert_eq!(classify_cli(""), Ok(Cli::Unavailable));
/// assert!(classify_cli("999").is_err());
/// ```
///
/// # Errors
///
/// A [`PhoneError`] quoting the text when it is neither a number nor a withheld or
/// unavailable word, or is a short code or a number of the wrong shape.
pub fn classify_cli(text: &str) -> Result<Cli, PhoneError> {
    // Most fields are a bare number: nothing to trim at either end, and no word to compare
    // (none of the words starts with a digit or `+`).
    let bytes = text.as_bytes();
    let bare = |b: Option<&u8>| b.is_some_and(u8::is_ascii_alphanumeric);
    let trimmed = if bare(bytes.first()) && bare(bytes.last()) {
        text
    } else {
        text.trim_matches(|c: char| c.is_whitespace() || QUOTES.contains(&c))
    };
    if trimmed.is_empty() {
        return Ok(Cli::Unavailable);
    }
    let number_like = trimmed.starts_with(|c: char| c.is_ascii_digit() || c == '+');
    if !number_like && is_one_of(trimmed, WITHHELD) {
        return Ok(Cli::Withheld);
    }
    if !number_like && is_one_of(trimmed, UNAVAILABLE) {
        return Ok(Cli::Unavailable);
    }
    number(text, trimmed)
}

/// The number of a field (`text`, `trimmed` of its ends) that is no word for a missing one.
fn number(text: &str, trimmed: &str) -> Result<Cli, PhoneError> {
    let digits = Digits::scan(trimmed).map_err(|e| e.into_error(text))?;
    digits
        .to_e164()
        .map(Cli::Present)
        .map_err(|e| e.into_error(text, &digits))
}

/// The E.164 form of a caller line identity, or `None` when it is withheld, unavailable or not
/// a number. This is the SQL function `normalize_phone`.
///
/// ```
/// use engage_kernel::phone::normalize_phone;
/// assert_eq!(normalize_phone("447700900123").as_deref(), Some("+447700900123"));
/// assert_eq!(normalize_phone("Private"), None);
/// assert_eq!(normalize_phone("call me"), None);
/// ```
pub fn normalize_phone(text: &str) -> Option<String> {
    classify_cli(text).ok()?.into_e164()
}

/// The longest text of [`WITHHELD`] and [`UNAVAILABLE`], in bytes.
const LONGEST_WORD: usize = {
    let mut longest = 0;
    let lists = [WITHHELD, UNAVAILABLE];
    let mut l = 0;
    while l < lists.len() {
        let mut i = 0;
        while i < lists[l].len() {
            if lists[l][i].len() > longest {
                longest = lists[l][i].len();
            }
            i += 1;
        }
        l += 1;
    }
    longest
};

/// Whether `text` is one of `words`, ignoring ASCII case and treating any run of white space
/// as one space. `text` is already trimmed.
///
/// The text is read once and only as far as the longest word: a field may be megabytes long
/// (splitting it at white space once per word took 21 passes over all of it).
fn is_one_of(text: &str, words: &[&str]) -> bool {
    let mut normal = [0u8; LONGEST_WORD];
    let mut len = 0;
    let mut space = false;
    for c in text.chars() {
        if c.is_whitespace() {
            space = len > 0;
            continue;
        }
        let need = usize::from(space) + c.len_utf8();
        if !c.is_ascii() || len + need > LONGEST_WORD {
            return false;
        }
        if space {
            normal[len] = b' ';
            len += 1;
            space = false;
        }
        normal[len] = c as u8;
        len += 1;
    }
    words
        .iter()
        .any(|word| word.as_bytes().eq_ignore_ascii_case(&normal[..len]))
}

/// The digits of a number field, on the stack.
struct Digits {
    /// Whether the field started with `+`.
    plus: bool,
    buf: [u8; MAX_DIGITS],
    len: usize,
}

/// What went wrong while scanning a field, before the field's text is copied into an error.
enum ScanError {
    NotANumber,
    TooLong(usize),
}

impl ScanError {
    fn into_error(self, text: &str) -> PhoneError {
        let text = text.to_owned();
        match self {
            ScanError::NotANumber => PhoneError::NotANumber { text },
            ScanError::TooLong(digits) => PhoneError::TooLong { text, digits },
        }
    }
}

/// What went wrong while interpreting the digits.
enum ShapeError {
    ShortCode,
    /// The national significant number starts at this index of the digits.
    BadUk(usize),
    BadInternational,
    Unrecognised,
}

impl ShapeError {
    fn into_error(self, text: &str, digits: &Digits) -> PhoneError {
        let text = text.to_owned();
        match self {
            ShapeError::ShortCode => PhoneError::ShortCode { text },
            ShapeError::BadUk(from) => PhoneError::BadUkNumber {
                text,
                national: digits.as_str()[from..].to_owned(),
            },
            ShapeError::BadInternational => PhoneError::BadInternational { text },
            ShapeError::Unrecognised => PhoneError::Unrecognised { text },
        }
    }
}

impl Digits {
    /// Collects the digits of a trimmed field, skipping separators. A `+` is allowed only
    /// before the first digit.
    fn scan(text: &str) -> Result<Self, ScanError> {
        let mut digits = Digits {
            plus: false,
            buf: [0; MAX_DIGITS],
            len: 0,
        };
        let mut count = 0usize;
        for c in text.chars() {
            match c {
                '0'..='9' => {
                    if digits.len < MAX_DIGITS {
                        digits.buf[digits.len] = c as u8;
                        digits.len += 1;
                    }
                    count += 1;
                }
                '+' if count == 0 && !digits.plus => digits.plus = true,
                '.' | '-' | '/' | '(' | ')' => {}
                c if c.is_whitespace() || QUOTES.contains(&c) => {}
                _ => return Err(ScanError::NotANumber),
            }
        }
        if count == 0 {
            return Err(ScanError::NotANumber);
        }
        if count > MAX_DIGITS {
            return Err(ScanError::TooLong(count));
        }
        Ok(digits)
    }

    fn as_str(&self) -> &str {
        // Only ASCII digits are ever stored.
        std::str::from_utf8(&self.buf[..self.len]).unwrap_or_default()
    }

    fn to_e164(&self) -> Result<String, ShapeError> {
        let d = &self.buf[..self.len];
        let international = if self.plus {
            Some(0)
        } else if d.starts_with(b"00") {
            Some(2)
        } else {
            None
        };
        if let Some(from) = international {
            let rest = &d[from..];
            if let Some(national) = rest.strip_prefix(b"44") {
                // `+44 (0)7700 900123`: a trunk 0 kept after the country code.
                let skip = usize::from(national.first() == Some(&b'0'));
                let start = from + 2 + skip;
                return uk(&d[start..]).ok_or(ShapeError::BadUk(start));
            }
            if rest.first().is_none_or(|&c| c == b'0')
                || !INTERNATIONAL_DIGITS.contains(&rest.len())
            {
                return Err(ShapeError::BadInternational);
            }
            let mut out = String::with_capacity(1 + rest.len());
            out.push('+');
            out.extend(rest.iter().map(|&c| char::from(c)));
            return Ok(out);
        }
        if d.len() < MIN_NUMBER_DIGITS {
            return Err(ShapeError::ShortCode);
        }
        if let Some(national) = d.strip_prefix(b"0") {
            return uk(national).ok_or(ShapeError::BadUk(1));
        }
        if let Some(national) = d.strip_prefix(b"44")
            && let Some(e164) = uk(national)
        {
            return Ok(e164);
        }
        // A national significant number without its trunk 0.
        uk(d).ok_or(ShapeError::Unrecognised)
    }
}

/// `+44` and a UK national significant number, when `national` is one.
fn uk(national: &[u8]) -> Option<String> {
    let first = *national.first()?;
    let valid = match national.len() {
        10 => matches!(first, b'1' | b'2' | b'3' | b'5' | b'7' | b'8' | b'9'),
        9 => matches!(first, b'1' | b'5' | b'8'),
        _ => false,
    };
    if !valid {
        return None;
    }
    let mut out = String::with_capacity(3 + national.len());
    out.push_str("+44");
    out.extend(national.iter().map(|&c| char::from(c)));
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn present(s: &str) -> Result<Cli, PhoneError> {
        Ok(Cli::Present(s.to_owned()))
    }

    #[test]
    fn uk_mobile_forms_all_normalise_to_one_number() {
        for text in [
            "07700 900123",
            "07700900123",
            "+44 7700 900123",
            "+447700900123",
            "447700900123",
            "0044 7700 900123",
            "+44 (0)7700 900123",
            "+44 (0) 7700 900123",
            "+4407700900123",
            "0044 (0)7700 900123",
            "(+44) 7700 900123",
            "07700.900.123",
            "07700-900-123",
            "077 00 90 01 23",
            "  07700 900123\t",
            "\"07700 900123\"",
            "'07700900123",
            "\u{201C}07700 900123\u{201D}",
            "07700\u{a0}900123",
            "7700900123",
        ] {
            assert_eq!(classify_cli(text), present("+447700900123"), "{text:?}");
            assert_eq!(
                normalize_phone(text).as_deref(),
                Some("+447700900123"),
                "{text:?}"
            );
        }
    }

    #[test]
    fn uk_geographic_forms() {
        for text in [
            "(01632) 960123",
            "01632 960123",
            "01632-960-123",
            "01632960123",
            "+44 1632 960123",
            "441632960123",
        ] {
            assert_eq!(classify_cli(text), present("+441632960123"), "{text:?}");
        }
        assert_eq!(classify_cli("020 7946 0123"), present("+442079460123"));
        assert_eq!(classify_cli("(020) 7946-0123"), present("+442079460123"));
        assert_eq!(classify_cli("0113 496 0123"), present("+441134960123"));
    }

    #[test]
    fn nine_digit_national_numbers() {
        // Old geographic numbers and old freephone numbers.
        assert_eq!(classify_cli("016977 3456"), present("+44169773456"));
        assert_eq!(classify_cli("0800 123456"), present("+44800123456"));
        assert_eq!(classify_cli("+44 800 123456"), present("+44800123456"));
        // A 9-digit mobile number is a typo, not a number.
        assert!(matches!(
            classify_cli("0770090012"),
            Err(PhoneError::BadUkNumber { .. })
        ));
    }

    #[test]
    fn other_uk_ranges() {
        assert_eq!(classify_cli("0300 123 4567"), present("+443001234567"));
        assert_eq!(classify_cli("0808 157 0000"), present("+448081570000"));
        assert_eq!(classify_cli("0909 879 0000"), present("+449098790000"));
        assert_eq!(classify_cli("0560 000 0000"), present("+445600000000"));
    }

    #[test]
    fn uk_numbers_with_wrong_first_digit_or_length_are_errors() {
        for text in [
            "04700 900123",
            "06700 900123",
            "+44 4700 900123",
            "077009001234",
            "0770 09001",
            "+44 7700 9001234",
        ] {
            let err = classify_cli(text).expect_err(text);
            assert!(
                matches!(
                    err,
                    PhoneError::BadUkNumber { .. } | PhoneError::BadInternational { .. }
                ),
                "{text:?}: {err:?}"
            );
        }
        assert_eq!(
            classify_cli("04700 900123"),
            Err(PhoneError::BadUkNumber {
                text: "04700 900123".into(),
                national: "4700900123".into()
            })
        );
        assert_eq!(
            classify_cli("+44 (0)4700 900123"),
            Err(PhoneError::BadUkNumber {
                text: "+44 (0)4700 900123".into(),
                national: "4700900123".into()
            })
        );
    }

    #[test]
    fn international_numbers() {
        assert_eq!(classify_cli("+33 1 23 45 67 89"), present("+33123456789"));
        assert_eq!(classify_cli("0033 1 23 45 67 89"), present("+33123456789"));
        assert_eq!(classify_cli("+1 (212) 555-0123"), present("+12125550123"));
        assert_eq!(classify_cli("+353 1 234 5678"), present("+35312345678"));
        // 8 and 15 digits are the limits.
        assert_eq!(classify_cli("+3531234567"), present("+3531234567"));
        assert_eq!(classify_cli("+12345678"), present("+12345678"));
        assert_eq!(
            classify_cli("+123456789012345"),
            present("+123456789012345")
        );
        for text in [
            "+1234567",
            "+1234567890123456",
            "+0123456789",
            "000123456789",
        ] {
            assert!(
                matches!(
                    classify_cli(text),
                    Err(PhoneError::BadInternational { .. }) | Err(PhoneError::TooLong { .. })
                ),
                "{text:?}: {:?}",
                classify_cli(text)
            );
        }
    }

    #[test]
    fn short_codes_are_errors() {
        for text in ["999", "112", "101", "111", "116123", "'999'", " 1 0 1 "] {
            assert_eq!(
                classify_cli(text),
                Err(PhoneError::ShortCode {
                    text: text.to_owned()
                }),
                "{text:?}"
            );
            assert_eq!(normalize_phone(text), None);
        }
    }

    #[test]
    fn withheld_words() {
        for text in [
            "withheld",
            "Withheld",
            "WITHHELD",
            "  Number Withheld ",
            "number   withheld",
            "private",
            "Private Number",
            "anonymous",
            "Restricted",
            "P",
            "p",
            "\"Withheld\"",
        ] {
            assert_eq!(classify_cli(text), Ok(Cli::Withheld), "{text:?}");
            assert_eq!(normalize_phone(text), None);
        }
    }

    #[test]
    fn unavailable_words() {
        for text in [
            "",
            "   ",
            "\"\"",
            "unavailable",
            "Unavailable",
            "unknown",
            "UNKNOWN",
            "n/a",
            "N/A",
            "na",
            "U",
            "out of area",
            "Out Of Area",
            "not available",
            "Not  Available",
        ] {
            assert_eq!(classify_cli(text), Ok(Cli::Unavailable), "{text:?}");
            assert_eq!(normalize_phone(text), None);
        }
    }

    #[test]
    fn junk_is_an_error_that_quotes_the_text() {
        for text in [
            "call me",
            "07700 900123 ext 4",
            "07700+900123",
            "++447700900123",
            "withheld number please",
            "unavail",
            "()",
            "+",
            "x",
        ] {
            let err = classify_cli(text).expect_err(text);
            assert_eq!(
                err,
                PhoneError::NotANumber {
                    text: text.to_owned()
                },
                "{text:?}"
            );
            assert!(err.to_string().contains(&format!("{text:?}")));
            assert_eq!(normalize_phone(text), None);
        }
    }

    #[test]
    fn all_digits_without_a_prefix_must_be_a_uk_national_number() {
        assert_eq!(
            classify_cli("4700900123"),
            Err(PhoneError::Unrecognised {
                text: "4700900123".into()
            })
        );
        assert_eq!(
            classify_cli("12345678901"),
            Err(PhoneError::Unrecognised {
                text: "12345678901".into()
            })
        );
        // `44` with a wrong national number is not silently taken as something else.
        assert!(classify_cli("4447009001234").is_err());
    }

    #[test]
    fn too_many_digits() {
        let text = "0770090012307700900123";
        assert_eq!(
            classify_cli(text),
            Err(PhoneError::TooLong {
                text: text.into(),
                digits: 22
            })
        );
    }

    #[test]
    fn error_messages_say_what_was_expected() {
        let msg = classify_cli("999").unwrap_err().to_string();
        assert!(msg.contains("\"999\""), "{msg}");
        assert!(msg.contains("short code"), "{msg}");
        assert!(msg.contains("07700 900123"), "{msg}");

        let msg = classify_cli("hello").unwrap_err().to_string();
        assert!(msg.starts_with("\"hello\" is not a phone number"), "{msg}");
        assert!(msg.contains("Withheld"), "{msg}");

        let msg = classify_cli("04700 900123").unwrap_err().to_string();
        assert!(msg.contains("\"04700 900123\""), "{msg}");
        assert!(msg.contains("10 digits"), "{msg}");

        let msg = classify_cli("+1234567").unwrap_err().to_string();
        assert!(msg.contains("\"+1234567\""), "{msg}");
        assert!(msg.contains("8 to 15 digits"), "{msg}");
    }

    /// `classify_cli` without its shortcuts: trim, then the words, then the digits.
    fn classify_plainly(text: &str) -> Result<Cli, PhoneError> {
        let trimmed = text.trim_matches(|c: char| c.is_whitespace() || QUOTES.contains(&c));
        if trimmed.is_empty() {
            return Ok(Cli::Unavailable);
        }
        if is_one_of(trimmed, WITHHELD) {
            return Ok(Cli::Withheld);
        }
        if is_one_of(trimmed, UNAVAILABLE) {
            return Ok(Cli::Unavailable);
        }
        number(text, trimmed)
    }

    proptest::proptest! {
        #[test]
        fn the_shortcuts_change_no_answer(text in "[ \"'+(0-9a-zP-]{0,3}(\\+44|0|44)?[0-9 ]{0,12}[ \"'a-z]{0,3}") {
            proptest::prop_assert_eq!(classify_cli(&text), classify_plainly(&text));
        }
    }

    #[test]
    fn no_word_for_a_missing_number_looks_like_a_number() {
        // `classify_cli` skips the words for a field that starts with a digit or `+`.
        for word in WITHHELD.iter().chain(UNAVAILABLE) {
            assert!(
                !word.starts_with(|c: char| c.is_ascii_digit() || c == '+'),
                "{word}"
            );
        }
    }

    #[test]
    fn status_and_accessors() {
        let present = Cli::Present("+447700900123".into());
        assert_eq!(present.status(), "present");
        assert_eq!(Cli::Withheld.status(), "withheld");
        assert_eq!(Cli::Unavailable.status(), "unavailable");
        assert_eq!(present.e164(), Some("+447700900123"));
        assert_eq!(Cli::Withheld.e164(), None);
        assert_eq!(present.to_string(), "+447700900123");
        assert_eq!(Cli::Unavailable.to_string(), "unavailable");
        assert_eq!(present.into_e164().as_deref(), Some("+447700900123"));
        assert_eq!(Cli::Unavailable.into_e164(), None);
    }

    #[test]
    fn word_lists_are_lowercase_and_single_spaced() {
        // `is_one_of` relies on this; an entry with capitals or double spaces never matches.
        for word in WITHHELD.iter().chain(UNAVAILABLE) {
            assert_eq!(*word, word.to_lowercase(), "{word:?}");
            assert!(!word.contains("  ") && word.trim() == *word, "{word:?}");
            assert!(classify_cli(word).is_ok(), "{word:?}");
        }
        for word in WITHHELD {
            assert!(!UNAVAILABLE.contains(word), "{word:?} is in both lists");
        }
    }

    #[test]
    fn output_is_always_e164() {
        for text in [
            "07700 900123",
            "+33 1 23 45 67 89",
            "0800 123456",
            "+44 (0)20 7946 0123",
        ] {
            let n = normalize_phone(text).unwrap();
            assert!(n.starts_with('+'));
            assert!(n[1..].bytes().all(|b| b.is_ascii_digit()));
            assert!((8..=16).contains(&n.len()));
            // Normalising is idempotent.
            assert_eq!(normalize_phone(&n).as_deref(), Some(n.as_str()));
        }
    }
}

//! Made-up UK phone numbers and the textual forms in which each system writes them.
//!
//! Every number is a UK national significant number (10 digits) with the length of its area
//! code, so it can be written `07700 900123`, `+44 7700 900123`, `(01632) 960123` and so on.
//!
//! # Number spaces
//!
//! - Ordinary callers have an id (a counter shared by everyone who contacts police or a
//!   partner); the id is mapped by a bijection `(id * A + B) mod M` (B from the seed) onto
//!   mobile numbers `074xx`, `075xx`, `077xx`, `078xx`, `079xx` (except `07700`) or, for about
//!   one caller in five, Kent landlines (`01622`, `01634`, …, local numbers starting 2–8). So
//!   two ordinary callers share a number only after ten million landline callers.
//! - Planted callers use numbers that no ordinary caller can have: the mobile numbers of the
//!   last million indexes of the same bijection (ordinary ids wrap before them), and Kent
//!   landlines whose local number starts with 9.
//! - With `drama_numbers_only`, everyone's number comes from Ofcom's drama ranges: planted
//!   callers from `07700 900500–900999` and `01632 960500–960999` (1,000 numbers), ordinary
//!   callers from the other 16,000 (`07700 900000–900499`, `01632 960000–960499`,
//!   `020 7946 0xxx`, `0113`…`0118`, `0121`, `0131`, `0141`, `0151`, `0161 496 0xxx`,
//!   `0191 498 0xxx`, `028 9649 6xxx`, `029 2018 0xxx`), reused in turn once 16,000 new
//!   callers have been seen.

use crate::rng::{Rand, mix};

/// A UK number: its national significant number and the length of its area code.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Phone {
    nsn: u64,
    area_len: u8,
}

/// The ways a number is written.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Form {
    /// `07700900123`
    Compact,
    /// `07700 900123`, `020 7946 0123`, `0113 496 0123`
    Spaced,
    /// `+447700900123`
    Plus,
    /// `+44 7700 900123`
    PlusSpaced,
    /// `447700900123`
    Bare44,
    /// `0044 7700 900123`
    Intl00,
    /// `+44 (0)7700 900123`
    PlusTrunk,
    /// `(07700) 900123`
    Brackets,
    /// `7700900123`, as a spreadsheet leaves it
    NoTrunk,
    /// `07700-900123`
    Dashed,
    /// `07700 900 123`
    Grouped,
}

/// Every form, for tests.
#[cfg(test)]
pub(crate) const ALL_FORMS: [Form; 11] = [
    Form::Compact,
    Form::Spaced,
    Form::Plus,
    Form::PlusSpaced,
    Form::Bare44,
    Form::Intl00,
    Form::PlusTrunk,
    Form::Brackets,
    Form::NoTrunk,
    Form::Dashed,
    Form::Grouped,
];

/// How the ACD presents a caller line identity.
const ACD_FORMS: &[(u32, Form)] = &[
    (50, Form::Compact),
    (25, Form::Plus),
    (15, Form::Bare44),
    (10, Form::NoTrunk),
];

/// How the recorder stores the remote number.
const RECORDING_FORMS: &[(u32, Form)] =
    &[(40, Form::Plus), (40, Form::Compact), (20, Form::Bare44)];

/// How a handler types a number into command and control.
const TYPED_FORMS: &[(u32, Form)] = &[
    (42, Form::Spaced),
    (22, Form::Compact),
    (8, Form::PlusSpaced),
    (7, Form::Brackets),
    (6, Form::Grouped),
    (5, Form::Dashed),
    (4, Form::PlusTrunk),
    (3, Form::Intl00),
    (3, Form::Plus),
];

/// Which system a number is written for.
#[derive(Debug, Clone, Copy)]
pub(crate) enum Writer {
    /// The ACD's CLI.
    Acd,
    /// The recorder's remote number.
    Recording,
    /// The handler's typing in C&C.
    Typed,
}

impl Writer {
    /// A form of `phone` drawn from this system's mix (brackets only round a landline's
    /// area code).
    pub(crate) fn form(self, rng: &mut Rand, phone: &Phone) -> Form {
        let table = match self {
            Writer::Acd => ACD_FORMS,
            Writer::Recording => RECORDING_FORMS,
            Writer::Typed => TYPED_FORMS,
        };
        let weights: [u32; 9] = std::array::from_fn(|i| table.get(i).map_or(0, |x| x.0));
        match table[rng.weighted(&weights[..table.len()])].1 {
            Form::Brackets if phone.is_mobile() => Form::Spaced,
            form => form,
        }
    }
}

impl Phone {
    fn new(nsn: u64, area_len: u8) -> Self {
        debug_assert!((1_000_000_000..10_000_000_000).contains(&nsn));
        Phone { nsn, area_len }
    }

    /// Whether this is a mobile number (`07…`).
    pub(crate) fn is_mobile(&self) -> bool {
        self.nsn / 1_000_000_000 == 7
    }

    /// E.164: `+44` and the national significant number.
    pub(crate) fn e164(&self) -> String {
        format!("+44{}", self.nsn)
    }

    /// Appends the number in `form`.
    pub(crate) fn write(&self, form: Form, out: &mut String) {
        let digits = self.nsn.to_string();
        let (area, rest) = digits.split_at(usize::from(self.area_len));
        let spaced_rest = |out: &mut String, sep: char| match rest.len() {
            7 => {
                out.push_str(&rest[..3]);
                out.push(sep);
                out.push_str(&rest[3..]);
            }
            8 => {
                out.push_str(&rest[..4]);
                out.push(sep);
                out.push_str(&rest[4..]);
            }
            _ => out.push_str(rest),
        };
        match form {
            Form::Compact => {
                out.push('0');
                out.push_str(&digits);
            }
            Form::Spaced => {
                out.push('0');
                out.push_str(area);
                out.push(' ');
                spaced_rest(out, ' ');
            }
            Form::Plus => {
                out.push_str("+44");
                out.push_str(&digits);
            }
            Form::PlusSpaced => {
                out.push_str("+44 ");
                out.push_str(area);
                out.push(' ');
                spaced_rest(out, ' ');
            }
            Form::Bare44 => {
                out.push_str("44");
                out.push_str(&digits);
            }
            Form::Intl00 => {
                out.push_str("0044 ");
                out.push_str(area);
                out.push(' ');
                spaced_rest(out, ' ');
            }
            Form::PlusTrunk => {
                out.push_str("+44 (0)");
                out.push_str(area);
                out.push(' ');
                spaced_rest(out, ' ');
            }
            Form::Brackets => {
                out.push_str("(0");
                out.push_str(area);
                out.push_str(") ");
                spaced_rest(out, ' ');
            }
            Form::NoTrunk => out.push_str(&digits),
            Form::Dashed => {
                out.push('0');
                out.push_str(area);
                out.push('-');
                spaced_rest(out, '-');
            }
            Form::Grouped => {
                out.push('0');
                out.push_str(area);
                out.push(' ');
                if rest.len() == 6 {
                    out.push_str(&rest[..3]);
                    out.push(' ');
                    out.push_str(&rest[3..]);
                } else {
                    spaced_rest(out, ' ');
                }
            }
        }
    }

    /// The number in `form`, as a new string.
    #[cfg(test)]
    pub(crate) fn text(&self, form: Form) -> String {
        let mut s = String::new();
        self.write(form, &mut s);
        s
    }
}

/// The multiplier of the number bijections: odd, and prime to 5, 7 and 499, so prime to
/// every modulus used here.
const MULTIPLIER: u64 = 387_420_489;

fn permute(i: u64, modulus: u64, offset: u64) -> u64 {
    ((i % modulus) * MULTIPLIER + offset % modulus) % modulus
}

/// Two-digit leads of the ordinary mobile prefixes (`07400`–`07999` without `076xx`).
const MOBILE_LEADS: [u64; 5] = [74, 75, 77, 78, 79];
/// Ordinary mobile prefixes: 500 four-digit prefixes less `7700`.
const MOBILE_SPACE: u64 = 499 * 1_000_000;
/// Kent area codes (after the trunk 0) for landlines.
const KENT_AREAS: [u64; 14] = [
    1622, 1634, 1227, 1233, 1303, 1304, 1843, 1892, 1732, 1474, 1322, 1795, 1580, 1959,
];
/// Local landline numbers starting 2–8 in each Kent area code.
const LANDLINE_SPACE: u64 = 14 * 700_000;
/// Mobile indexes kept for planted callers (the last ones of the mobile bijection).
const PLANTED_MOBILE_SPACE: u64 = 1_000_000;
/// Planted landlines: local numbers starting 9 in each Kent area code.
const PLANTED_LANDLINE_SPACE: u64 = 14 * 100_000;

/// Ofcom drama blocks: (first national significant number, area code length, size).
const DRAMA_ORDINARY: [(u64, u8, u64); 17] = [
    (7_700_900_000, 4, 500),
    (1_632_960_000, 4, 500),
    (2_079_460_000, 2, 1_000),
    (1_134_960_000, 3, 1_000),
    (1_144_960_000, 3, 1_000),
    (1_154_960_000, 3, 1_000),
    (1_164_960_000, 3, 1_000),
    (1_174_960_000, 3, 1_000),
    (1_184_960_000, 3, 1_000),
    (1_214_960_000, 3, 1_000),
    (1_314_960_000, 3, 1_000),
    (1_414_960_000, 3, 1_000),
    (1_514_960_000, 3, 1_000),
    (1_614_960_000, 3, 1_000),
    (1_914_980_000, 3, 1_000),
    (2_896_496_000, 2, 1_000),
    (2_920_180_000, 2, 1_000),
];
/// Ofcom drama blocks kept for planted callers.
const DRAMA_PLANTED: [(u64, u8, u64); 2] = [(7_700_900_500, 4, 500), (1_632_960_500, 4, 500)];

fn from_blocks(blocks: &[(u64, u8, u64)], mut i: u64) -> Phone {
    for &(base, area_len, size) in blocks {
        if i < size {
            return Phone::new(base + i, area_len);
        }
        i -= size;
    }
    unreachable!("index within the blocks' total size")
}

fn blocks_size(blocks: &[(u64, u8, u64)]) -> u64 {
    blocks.iter().map(|b| b.2).sum()
}

/// Whether an E.164 number is in one of Ofcom's drama ranges used here.
pub fn is_drama_e164(e164: &str) -> bool {
    let Some(nsn) = e164.strip_prefix("+44").and_then(|d| d.parse::<u64>().ok()) else {
        return false;
    };
    DRAMA_ORDINARY
        .iter()
        .chain(DRAMA_PLANTED.iter())
        .any(|&(base, _, size)| (base..base + size).contains(&nsn))
}

/// The number spaces of one run.
pub(crate) struct Numbers {
    drama: bool,
    seed: u64,
}

impl Numbers {
    /// The spaces for `seed`, drama ranges only or not.
    pub(crate) fn new(seed: u64, drama: bool) -> Self {
        Numbers {
            drama,
            seed: mix(seed ^ 0x6E75_6D62_6572_7321),
        }
    }

    /// How many planted callers can have numbers of their own.
    pub(crate) fn planted_capacity(&self) -> u64 {
        if self.drama {
            blocks_size(&DRAMA_PLANTED)
        } else {
            PLANTED_MOBILE_SPACE
        }
    }

    /// The number of ordinary caller `id`.
    pub(crate) fn ordinary(&self, id: u64) -> Phone {
        let h = mix(id ^ self.seed);
        if self.drama {
            let size = blocks_size(&DRAMA_ORDINARY);
            return from_blocks(&DRAMA_ORDINARY, permute(id, size, self.seed));
        }
        if h % 100 < 22 {
            let i = permute(id, LANDLINE_SPACE, self.seed >> 7);
            let area = KENT_AREAS[(i / 700_000) as usize];
            Phone::new(area * 1_000_000 + 200_000 + i % 700_000, 4)
        } else {
            self.mobile(id % (MOBILE_SPACE - PLANTED_MOBILE_SPACE))
        }
    }

    /// Mobile number `index` of the bijection onto the ordinary mobile prefixes.
    fn mobile(&self, index: u64) -> Phone {
        let i = permute(index, MOBILE_SPACE, self.seed >> 3);
        let p = i / 1_000_000;
        // Skip prefix 7700 (index 200 among the 500 prefixes).
        let q = if p >= 200 { p + 1 } else { p };
        let prefix = MOBILE_LEADS[(q / 100) as usize] * 100 + q % 100;
        Phone::new(prefix * 1_000_000 + i % 1_000_000, 4)
    }

    /// The number of planted caller `j` (each `j` below [`Self::planted_capacity`] gives a
    /// different number, never an ordinary caller's).
    pub(crate) fn planted(&self, j: u64, landline: bool) -> Phone {
        if self.drama {
            let size = blocks_size(&DRAMA_PLANTED);
            return from_blocks(&DRAMA_PLANTED, permute(j, size, self.seed >> 11));
        }
        if landline {
            let i = permute(j, PLANTED_LANDLINE_SPACE, self.seed >> 13);
            let area = KENT_AREAS[(i / 100_000) as usize];
            Phone::new(area * 1_000_000 + 900_000 + i % 100_000, 4)
        } else {
            self.mobile(MOBILE_SPACE - 1 - j % PLANTED_MOBILE_SPACE)
        }
    }
}

/// Texts in a phone field that are not a phone number (each is an error for
/// `engage_kernel::phone::classify_cli`).
pub(crate) const UNPARSEABLE: [&str; 10] = [
    "n/k 0770",
    "n/k",
    "see notes",
    "07700 9001",
    "999",
    "caller refused",
    "0770O 900123",
    "ask switchboard",
    "+44",
    "1234",
];

#[cfg(test)]
mod tests {
    use super::*;
    use engage_kernel::phone::classify_cli;

    fn check_forms(p: Phone) {
        let e164 = p.e164();
        for form in ALL_FORMS {
            let text = p.text(form);
            assert_eq!(
                classify_cli(&text)
                    .ok()
                    .and_then(|c| c.into_e164())
                    .as_deref(),
                Some(e164.as_str()),
                "{text:?} ({form:?})"
            );
        }
    }

    #[test]
    fn every_form_normalises_to_the_same_number() {
        for drama in [false, true] {
            let n = Numbers::new(5, drama);
            for id in 0..3_000 {
                check_forms(n.ordinary(id));
            }
            for j in 0..1_000 {
                check_forms(n.planted(j, j % 3 == 0));
            }
        }
        for &(base, area_len, size) in DRAMA_ORDINARY.iter().chain(DRAMA_PLANTED.iter()) {
            check_forms(Phone::new(base, area_len));
            check_forms(Phone::new(base + size - 1, area_len));
        }
    }

    #[test]
    fn spaced_forms_look_right() {
        assert_eq!(
            Phone::new(7_700_900_123, 4).text(Form::Spaced),
            "07700 900123"
        );
        assert_eq!(
            Phone::new(2_079_460_123, 2).text(Form::Spaced),
            "020 7946 0123"
        );
        assert_eq!(
            Phone::new(1_134_960_123, 3).text(Form::Brackets),
            "(0113) 496 0123"
        );
        assert_eq!(
            Phone::new(1_632_960_123, 4).text(Form::Brackets),
            "(01632) 960123"
        );
        assert_eq!(
            Phone::new(7_700_900_123, 4).text(Form::PlusTrunk),
            "+44 (0)7700 900123"
        );
    }

    #[test]
    fn planted_and_ordinary_numbers_never_meet() {
        for drama in [false, true] {
            let n = Numbers::new(9, drama);
            let planted: std::collections::HashSet<u64> =
                (0..1_000).map(|j| n.planted(j, j % 4 == 0).nsn).collect();
            assert_eq!(planted.len(), 1_000);
            let ordinary: std::collections::HashSet<u64> =
                (0..16_000).map(|id| n.ordinary(id).nsn).collect();
            assert_eq!(ordinary.len(), 16_000);
            assert!(planted.is_disjoint(&ordinary));
            if drama {
                assert!(
                    planted
                        .iter()
                        .chain(ordinary.iter())
                        .all(|nsn| is_drama_e164(&format!("+44{nsn}")))
                );
            }
        }
    }

    #[test]
    fn unparseable_texts_are_errors() {
        for text in UNPARSEABLE {
            assert!(classify_cli(text).is_err(), "{text:?}");
        }
    }
}

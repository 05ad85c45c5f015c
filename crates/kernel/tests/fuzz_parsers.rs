//! Fuzzing the kernel's parsers of outside input: rule sets, caller line identities,
//! postcodes, CSU tables, triage tables and pseudonymisation keys.
//!
//! Each parser gets arbitrary text (from arbitrary bytes, read as UTF-8 with replacement, as
//! a file would be) and near-valid text (a valid input with bytes flipped, inserted, deleted
//! or duplicated, truncated, or two fields swapped). Every case must return, quickly and
//! without a panic; an error must quote what was given or name the line and field; an
//! accepted input must satisfy the parser's invariant (a round trip, or agreement with a plain
//! reference). `PROPTEST_CASES` raises the case count (the defaults keep this file under a
//! few seconds in a debug build).

use std::time::{Duration, Instant};

use engage_kernel::phone::{Cli, PhoneError, classify_cli};
use engage_kernel::postcode::{
    CSU_HEADER, CsuTable, KENT_CSV, TableError as CsuError, normalize_postcode, postcode_district,
};
use engage_kernel::pseudonym::{MIN_KEY_LEN, PseudonymKey};
use engage_kernel::rule::{MAX_RULES, RuleSet};
use engage_kernel::triage::{TableError as TriageError, TriageTable};
use proptest::prelude::*;
use proptest::sample::Index;

/// The cases per property: `default`, or `PROPTEST_CASES` when set.
fn config(default: u32) -> ProptestConfig {
    let cases = std::env::var("PROPTEST_CASES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default);
    ProptestConfig {
        cases,
        // Failures are kept beside this file (fuzz_parsers.proptest-regressions).
        ..ProptestConfig::default()
    }
}

/// The longest any one parse may take (a debug build on a shared machine); every input here
/// is under a few kilobytes, so anything near this is a hang, not slowness.
const BOUND: Duration = Duration::from_secs(2);

fn timed<T>(what: &str, input: &str, f: impl FnOnce() -> T) -> T {
    let start = Instant::now();
    let out = f();
    let took = start.elapsed();
    assert!(took < BOUND, "{what} took {took:?} on {input:?}");
    out
}

/// One edit of a near-valid input.
#[derive(Clone, Debug)]
enum Edit {
    Flip(Index, u8),
    Insert(Index, u8),
    Delete(Index),
    Duplicate(Index, Index),
    Truncate(Index),
    /// Swap two of the fields separated by `sep` (`,` `/` or a space).
    SwapFields(Index, Index),
}

fn edit() -> impl Strategy<Value = Edit> {
    // Bytes that matter to these parsers, and any byte.
    let byte = prop_oneof![
        3 => prop::sample::select(b",/ \n\r\"'0123456789dhwAZaz+-.()\t".to_vec()),
        1 => any::<u8>(),
    ];
    prop_oneof![
        (any::<Index>(), 0u8..8).prop_map(|(i, bit)| Edit::Flip(i, bit)),
        (any::<Index>(), byte).prop_map(|(i, b)| Edit::Insert(i, b)),
        any::<Index>().prop_map(Edit::Delete),
        (any::<Index>(), any::<Index>()).prop_map(|(a, b)| Edit::Duplicate(a, b)),
        any::<Index>().prop_map(Edit::Truncate),
        (any::<Index>(), any::<Index>()).prop_map(|(a, b)| Edit::SwapFields(a, b)),
    ]
}

/// `valid` with `edits` applied, as text (invalid UTF-8 replaced, as the readers do).
fn mutate(valid: &str, edits: &[Edit], sep: u8) -> String {
    let mut b = valid.as_bytes().to_vec();
    for e in edits {
        let n = b.len();
        match e {
            Edit::Flip(i, bit) if n > 0 => b[i.index(n)] ^= 1 << bit,
            Edit::Insert(i, byte) => b.insert(i.index(n + 1), *byte),
            Edit::Delete(i) if n > 0 => {
                b.remove(i.index(n));
            }
            Edit::Duplicate(start, len) if n > 0 => {
                let s = start.index(n);
                let l = len.index(n - s) + 1;
                let copy = b[s..s + l].to_vec();
                b.splice(s..s, copy);
            }
            Edit::Truncate(i) => b.truncate(i.index(n + 1)),
            Edit::SwapFields(x, y) => {
                let mut fields: Vec<Vec<u8>> = b.split(|c| *c == sep).map(<[u8]>::to_vec).collect();
                let f = fields.len();
                fields.swap(x.index(f), y.index(f));
                b = fields.join(&sep);
            }
            _ => {}
        }
    }
    String::from_utf8_lossy(&b).into_owned()
}

fn edits() -> impl Strategy<Value = Vec<Edit>> {
    prop::collection::vec(edit(), 1..4)
}

/// Arbitrary bytes, read as a file would be.
fn bytes_text(max: usize) -> impl Strategy<Value = String> {
    prop::collection::vec(any::<u8>(), 0..max)
        .prop_map(|b| String::from_utf8_lossy(&b).into_owned())
}

// ---------------------------------------------------------------------------------------------
// Rule sets

/// A valid rule set's text, with the optional spaces the grammar allows.
fn rule_set_text() -> impl Strategy<Value = String> {
    let rule = (
        1u32..50,
        1i64..400,
        prop::sample::select(vec!["h", "d", "w"]),
        " ?",
        " ?",
    )
        .prop_map(|(k, n, unit, s1, s2)| format!("{s1}{k}/{n}{unit}{s2}"));
    prop::collection::vec(rule, 1..=3).prop_map(|rules| rules.join(","))
}

fn check_rule_set(text: &str) -> Result<(), TestCaseError> {
    match timed("RuleSet::from_str", text, || text.parse::<RuleSet>()) {
        Ok(set) => {
            prop_assert!(
                (1..=MAX_RULES).contains(&set.len()),
                "{text:?} gave {set:?}"
            );
            for rule in set.rules() {
                prop_assert!(
                    rule.min_contacts >= 1 && rule.window > 0,
                    "{text:?} gave {rule:?}"
                );
            }
            // Every accepted rule set reads back from its canonical form as itself.
            let canonical = set.to_string();
            let again = canonical.parse::<RuleSet>();
            prop_assert_eq!(again, Ok(set), "{:?}", text);
        }
        Err(e) => {
            // The message quotes the text as given, so the user sees what was refused.
            let message = e.to_string();
            prop_assert!(
                message.starts_with(&format!("invalid rule `{text}`: ")),
                "{message:?} does not quote {text:?}"
            );
            prop_assert!(!e.reason.is_empty());
            // No internal figure leaks out: the reason quotes only parts of what was written.
            prop_assert!(!message.contains("4294967295"), "{message}");
        }
    }
    Ok(())
}

proptest! {
    #![proptest_config(config(10000))]

    #[test]
    fn rule_sets_from_arbitrary_bytes(text in bytes_text(40)) {
        check_rule_set(&text)?;
    }

    #[test]
    fn rule_sets_near_valid(valid in rule_set_text(), edits in edits()) {
        check_rule_set(&valid)?;
        check_rule_set(&mutate(&valid, &edits, b','))?;
        check_rule_set(&mutate(&valid, &edits, b'/'))?;
    }
}

// ---------------------------------------------------------------------------------------------
// Caller line identities

/// A valid UK or international number in one of the forms `docs/exports.md` lists.
fn phone_text() -> impl Strategy<Value = String> {
    let nsn = (
        prop::sample::select(vec!['1', '2', '3', '7', '8']),
        "[0-9]{9}",
    )
        .prop_map(|(first, rest)| format!("{first}{rest}"));
    (nsn, 0usize..7).prop_map(|(nsn, form)| match form {
        0 => format!("0{nsn}"),
        1 => format!("0{} {}", &nsn[..4], &nsn[4..]),
        2 => format!("+44 {} {}", &nsn[..4], &nsn[4..]),
        3 => format!("0044 (0){nsn}"),
        4 => format!("44{nsn}"),
        5 => format!("\"+33 {}\"", &nsn[..9]),
        _ => format!("(0{}) {}-{}", &nsn[..4], &nsn[4..7], &nsn[7..]),
    })
}

fn check_phone(text: &str) -> Result<(), TestCaseError> {
    match timed("classify_cli", text, || classify_cli(text)) {
        Ok(Cli::Present(e164)) => {
            let digits = e164.strip_prefix('+');
            prop_assert!(
                digits.is_some_and(|d| (8..=15).contains(&d.len())
                    && d.bytes().all(|b| b.is_ascii_digit())
                    && !d.starts_with('0')),
                "{text:?} gave {e164:?}, not E.164"
            );
            // E.164 is a fixed point.
            prop_assert_eq!(classify_cli(&e164), Ok(Cli::Present(e164.clone())));
            // Every digit of the number was in the field.
            let field_digits: String = text.chars().filter(char::is_ascii_digit).collect();
            let all = &e164[1..];
            let national = all.strip_prefix("44").unwrap_or(all);
            prop_assert!(
                field_digits.ends_with(national),
                "{text:?} gave {e164:?}: digits not in the field"
            );
        }
        Ok(Cli::Withheld | Cli::Unavailable) => {
            prop_assert!(
                !text.chars().any(|c| c.is_ascii_digit()),
                "{text:?} has digits"
            );
        }
        Err(e) => {
            let quoted = format!("{text:?}");
            prop_assert!(
                e.to_string().starts_with(&quoted),
                "{e} does not quote {text:?}"
            );
            if let PhoneError::TooLong { digits, .. } = e {
                prop_assert!(digits > 15);
            }
        }
    }
    Ok(())
}

proptest! {
    #![proptest_config(config(10000))]

    #[test]
    fn phone_numbers_from_arbitrary_bytes(text in bytes_text(40)) {
        check_phone(&text)?;
    }

    #[test]
    fn phone_numbers_near_valid(valid in phone_text(), edits in edits()) {
        prop_assert!(matches!(classify_cli(&valid), Ok(Cli::Present(_))), "{valid:?}");
        check_phone(&mutate(&valid, &edits, b' '))?;
    }
}

proptest! {
    #![proptest_config(config(200))]

    #[test]
    fn a_field_of_digits_far_too_long_is_refused_quickly(n in 21usize..20_000) {
        let text = "7".repeat(n);
        let e = timed("classify_cli", &text[..16], || classify_cli(&text)).unwrap_err();
        prop_assert!(matches!(e, PhoneError::TooLong { .. }), "{e:?}");
    }
}

// ---------------------------------------------------------------------------------------------
// Postcodes

const QUOTES: &[char] = &['"', '\'', '\u{2018}', '\u{2019}', '\u{201C}', '\u{201D}'];

/// A plain reference for `normalize_postcode`: drop white space and the quotes at the ends,
/// upper-case, and match the letter/digit shape against the six outward forms and `9AA`.
fn reference_postcode(text: &str) -> Option<String> {
    let inner = text.trim_matches(|c: char| c.is_whitespace() || QUOTES.contains(&c));
    let compact: String = inner.chars().filter(|c| !c.is_whitespace()).collect();
    if !compact.chars().all(|c| c.is_ascii_alphanumeric()) || !(5..=7).contains(&compact.len()) {
        return None;
    }
    let upper = compact.to_ascii_uppercase();
    let shape: String = upper
        .chars()
        .map(|c| if c.is_ascii_digit() { '9' } else { 'A' })
        .collect();
    let (outward, inward) = shape.split_at(shape.len() - 3);
    let ok = ["A9", "A99", "AA9", "AA99", "A9A", "AA9A"].contains(&outward) && inward == "9AA";
    ok.then(|| {
        format!(
            "{} {}",
            &upper[..upper.len() - 3],
            &upper[upper.len() - 3..]
        )
    })
}

fn postcode_text() -> impl Strategy<Value = String> {
    (
        prop::sample::select(vec!["A9", "A99", "AA9", "AA99", "A9A", "AA9A"]),
        "[A-Za-z]{4}",
        "[0-9]{3}",
        prop::sample::select(vec!["", " ", "  ", "\t"]),
    )
        .prop_map(|(shape, letters, digits, space)| {
            let (mut l, mut d) = (letters.chars(), digits.chars());
            let outward: String = shape
                .chars()
                .map(|c| {
                    if c == 'A' {
                        l.next().unwrap()
                    } else {
                        d.next().unwrap()
                    }
                })
                .collect();
            format!(
                "{outward}{space}{}{}",
                d.next().unwrap(),
                l.collect::<String>().get(..2).unwrap_or("XX")
            )
        })
}

fn check_postcode(text: &str) -> Result<(), TestCaseError> {
    let got = timed("normalize_postcode", text, || normalize_postcode(text));
    prop_assert_eq!(&got, &reference_postcode(text), "{:?}", text);
    if let Some(p) = got {
        let again = normalize_postcode(&p);
        prop_assert_eq!(again.as_deref(), Some(p.as_str()));
        let outward = p.split(' ').next().unwrap();
        prop_assert_eq!(postcode_district(&p), Some(outward));
    }
    Ok(())
}

proptest! {
    #![proptest_config(config(10000))]

    #[test]
    fn postcodes_from_arbitrary_bytes(text in bytes_text(16)) {
        check_postcode(&text)?;
    }

    #[test]
    fn postcodes_near_valid(valid in postcode_text(), edits in edits()) {
        prop_assert!(normalize_postcode(&valid).is_some(), "{valid:?}");
        check_postcode(&valid)?;
        check_postcode(&mutate(&valid, &edits, b' '))?;
    }
}

// ---------------------------------------------------------------------------------------------
// CSU tables (a force's own `csu_districts.csv`)

/// The first `rows` rows of the shipped Kent table, a valid table.
fn kent_head(rows: usize) -> String {
    KENT_CSV
        .lines()
        .take(rows + 1)
        .map(|l| format!("{l}\n"))
        .collect()
}

fn check_csu_table(text: &str) -> Result<(), TestCaseError> {
    let lines: Vec<&str> = text
        .strip_prefix('\u{feff}')
        .unwrap_or(text)
        .lines()
        .collect();
    match timed("CsuTable::parse_csv", text, || CsuTable::parse_csv(text)) {
        Ok(table) => {
            prop_assert!(
                table.len() < lines.len(),
                "{} rows from {} lines",
                table.len(),
                lines.len()
            );
            for (district, place) in table.iter() {
                prop_assert_eq!(table.lookup(district), Some(place));
                prop_assert!(!place.district.is_empty() && !place.csu.is_empty());
            }
        }
        Err(e) => {
            let message = e.to_string();
            let line = match &e {
                CsuError::Empty | CsuError::NoRows => None,
                CsuError::BadHeader { line, .. }
                | CsuError::Unreadable { line, .. }
                | CsuError::FieldCount { line, .. }
                | CsuError::EmptyField { line, .. } => Some(*line),
                CsuError::BadPostcodeDistrict { line, value } => {
                    // The value is the field as parsed: quotes removed (`"a"b` reads as `ab`),
                    // and a quoted field may run over the lines after its first.
                    let bare = |s: &str| s.replace(['"', '\r', '\n'], "");
                    prop_assert!(
                        lines
                            .get(line.wrapping_sub(1)..)
                            .is_some_and(|rest| bare(&rest.join("\n")).contains(&bare(value))),
                        "{message}"
                    );
                    prop_assert!(message.contains("field postcode_district"), "{message}");
                    Some(*line)
                }
                CsuError::Duplicate {
                    line, first_line, ..
                } => {
                    prop_assert!(first_line < line, "{message}");
                    Some(*line)
                }
            };
            if let Some(line) = line {
                prop_assert!(
                    (1..=lines.len()).contains(&line),
                    "{message}: {} lines",
                    lines.len()
                );
                prop_assert!(message.starts_with(&format!("line {line}")), "{message}");
            }
        }
    }
    Ok(())
}

proptest! {
    #![proptest_config(config(3000))]

    #[test]
    fn csu_tables_from_arbitrary_bytes(text in bytes_text(200)) {
        check_csu_table(&text)?;
        check_csu_table(&format!("{CSU_HEADER}\n{text}"))?;
    }

    #[test]
    fn csu_tables_near_valid(rows in 1usize..12, edits in edits(), sep in prop::sample::select(vec![b',', b'\n'])) {
        let valid = kent_head(rows);
        prop_assert!(CsuTable::parse_csv(&valid).is_ok());
        check_csu_table(&mutate(&valid, &edits, sep))?;
    }
}

/// Found by CI: text after a field's closing quote is kept (`"a"b` reads as `ab`), so the
/// refused value is not a substring of its line as written.
#[test]
fn a_bad_district_after_a_closing_quote_is_named_as_parsed() {
    let text = format!("{CSU_HEADER}\n\"\u{e}\"\u{e},,\n");
    let err = CsuTable::parse_csv(&text).unwrap_err();
    assert!(
        matches!(&err, CsuError::BadPostcodeDistrict { line: 2, value } if value == "\u{e}\u{e}"),
        "{err:?}"
    );
    check_csu_table(&text).unwrap();
}

// ---------------------------------------------------------------------------------------------
// Triage tables (`category,group`)

fn check_triage_table(text: &str) -> Result<(), TestCaseError> {
    let lines: Vec<&str> = text
        .strip_prefix('\u{feff}')
        .unwrap_or(text)
        .lines()
        .collect();
    match timed("TriageTable::parse_csv", text, || {
        TriageTable::parse_csv(text)
    }) {
        Ok(table) => {
            // The table's own CSV reads back as the same table.
            let again = TriageTable::parse_csv(&table.to_csv());
            prop_assert_eq!(
                again.as_ref().map(|t| t.iter().collect::<Vec<_>>()).ok(),
                Some(table.iter().collect::<Vec<_>>())
            );
        }
        Err(e) => {
            let message = e.to_string();
            let line = match &e {
                TriageError::MissingHeader => 1,
                TriageError::BadHeader { line, .. }
                | TriageError::Unreadable { line, .. }
                | TriageError::FieldCount { line, .. }
                | TriageError::EmptyCategory { line }
                | TriageError::UnknownGroup { line, .. } => *line,
                TriageError::DuplicateCategory {
                    line, first_line, ..
                } => {
                    prop_assert!(first_line < line, "{message}");
                    *line
                }
            };
            prop_assert!(
                line == 1 || line <= lines.len(),
                "{message}: {} lines",
                lines.len()
            );
            prop_assert!(message.starts_with(&format!("line {line}")), "{message}");
        }
    }
    Ok(())
}

proptest! {
    #![proptest_config(config(3000))]

    #[test]
    fn triage_tables_from_arbitrary_bytes(text in bytes_text(200)) {
        check_triage_table(&text)?;
        check_triage_table(&format!("category,group\n{text}"))?;
    }

    #[test]
    fn triage_tables_near_valid(edits in edits(), sep in prop::sample::select(vec![b',', b'\n'])) {
        let valid = TriageTable::default_table().to_csv();
        check_triage_table(&valid)?;
        check_triage_table(&mutate(&valid, &edits, sep))?;
    }
}

// ---------------------------------------------------------------------------------------------
// Pseudonymisation keys (the text of a key file)

proptest! {
    #![proptest_config(config(3000))]

    #[test]
    fn keys_from_arbitrary_bytes(text in bytes_text(40)) {
        let result = timed("PseudonymKey::from_text", &text, || PseudonymKey::from_text(&text));
        prop_assert_eq!(result.is_ok(), text.trim_end().len() >= MIN_KEY_LEN, "{:?}", text);
    }

    #[test]
    fn a_refused_key_is_never_quoted(secret in "Zq[A-Za-z0-9]{6,13}", pad in " {0,3}\n?") {
        let text = format!("{secret}{pad}");
        let Err(e) = PseudonymKey::from_text(&text) else {
            return Err(TestCaseError::fail(format!("{text:?} is shorter than 16 bytes")));
        };
        let message = e.to_string();
        prop_assert!(!message.contains(&secret), "{message}");
        let expected_len = format!("{} bytes long", secret.len());
        prop_assert!(message.contains(&expected_len), "{message}");
    }
}

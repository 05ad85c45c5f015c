//! Fuzzing the ingest of each export (ACD, recordings, incidents, partners, referrals), the
//! UK local-time parser and source profiles (TOML), through the public API only.
//!
//! Each export gets arbitrary bytes after a valid header, and valid generated exports with
//! bytes flipped, inserted, deleted or duplicated, truncated, or fields swapped. Every ingest
//! must finish without a panic and quickly; every row read must be accounted for (read =
//! published + merged + duplicates + rejected, per source); every reject must name its source,
//! file and a line that exists, and a field of the header when it blames one; an export that
//! cannot be read at all must be refused with an error naming the file. `PROPTEST_CASES`
//! raises the case count.

use std::time::{Duration, Instant};

use engage_ingest::local_time::{LocalInstant, TimeError, parse_local};
use engage_ingest::profile::ProfileError;
use engage_ingest::{Ingest, IngestOptions, Ingested, Profiles, REFERRALS_HEADER, SourceKind};
use engage_kernel::postcode::CsuTable;
use engage_kernel::pseudonym::{PseudonymKey, is_pseudonym};
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
        ..ProptestConfig::default()
    }
}

/// The longest one ingest of these few-kilobyte exports may take in a debug build on a
/// shared machine: anything near it is a hang.
const BOUND: Duration = Duration::from_secs(5);

/// One edit of a near-valid input.
#[derive(Clone, Debug)]
enum Edit {
    Flip(Index, u8),
    Insert(Index, u8),
    Delete(Index),
    Duplicate(Index, Index),
    Truncate(Index),
    SwapFields(Index, Index),
}

fn edit() -> impl Strategy<Value = Edit> {
    let byte = prop_oneof![
        3 => prop::sample::select(b",;\n\r\"' 0123456789/:+-AZaz\t".to_vec()),
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

fn edits() -> impl Strategy<Value = Vec<Edit>> {
    prop::collection::vec(edit(), 1..5)
}

/// `valid` with `edits` applied; fields are separated by `sep`. Bytes, not text: an export
/// may hold invalid UTF-8.
fn mutate(valid: &[u8], edits: &[Edit], sep: u8) -> Vec<u8> {
    let mut b = valid.to_vec();
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
    b
}

// ---------------------------------------------------------------------------------------------
// Valid exports

/// One caller of a small pool, so generated rows link and repeat.
fn phone(i: u8) -> String {
    format!("07700 9001{:02}", i % 5)
}

fn time(day: u8, minute: u16) -> String {
    format!(
        "{:02}/03/2025 {:02}:{:02}:00",
        day % 28 + 1,
        minute / 60 % 24,
        minute % 60
    )
}

/// A valid export of each source with `rows` rows, built from `seed`.
fn exports(seed: &[(u8, u16)]) -> [Vec<u8>; 5] {
    let mut acd = String::from("call_id,line,cli,arrived,answered,ended,queue,outcome\n");
    let mut rec = String::from("recording_id,channel,direction,remote_number,started,ended\n");
    let mut inc = String::from(
        "incident_id,call_time,caller_phone,caller_name,location,postcode,opening_category,closing_category,grade\n",
    );
    let mut par = String::from("contact_id,agency,line,received,caller_key,outcome,category\n");
    let mut refs = format!("{REFERRALS_HEADER}\n");
    for (n, &(who, at)) in seed.iter().enumerate() {
        let (p, t, t2) = (phone(who), time(who, at), time(who, at.saturating_add(2)));
        let outcome = ["Answered", "Abandoned", "Transferred"][n % 3];
        acd.push_str(&format!(
            "A{n:04},999,{p},{t},{t},{t2},EMERGENCY,{outcome}\n"
        ));
        rec.push_str(&format!("R{n},phone,inbound,{p},{t},{t2}\n"));
        inc.push_str(&format!(
            "I{n},{t},{p},Pat Example,\"{n} High Street, Maidstone\",ME14 1AA,Concern For Welfare,Assault,{}\n",
            n % 9 + 1
        ));
        let agency = ["fire", "ambulance"][n % 2];
        par.push_str(&format!("P{n},{agency},111,{t},{p},{outcome},Medical\n"));
        refs.push_str(&format!(
            "C{:04},{p},{t},reviewed,vulnerable_caller,,,,,,a note\n",
            who % 3
        ));
    }
    [acd, rec, inc, par, refs].map(String::into_bytes)
}

fn seed() -> impl Strategy<Value = Vec<(u8, u16)>> {
    prop::collection::vec((any::<u8>(), 0u16..2000), 1..8)
}

const KINDS: [SourceKind; 5] = [
    SourceKind::Acd,
    SourceKind::Recordings,
    SourceKind::Incidents,
    SourceKind::Partners,
    SourceKind::Referrals,
];

// ---------------------------------------------------------------------------------------------
// The checks

/// Ingests the five exports with `profiles` and checks everything an ingest promises about
/// bad input.
fn check_ingest(
    files: &[Vec<u8>; 5],
    profiles: &Profiles,
    key: Option<&PseudonymKey>,
) -> Result<Option<Ingested>, TestCaseError> {
    check_ingest_within(files, profiles, key, BOUND)
}

fn check_ingest_within(
    files: &[Vec<u8>; 5],
    profiles: &Profiles,
    key: Option<&PseudonymKey>,
    bound: Duration,
) -> Result<Option<Ingested>, TestCaseError> {
    let start = Instant::now();
    let mut ingest = Ingest::new(IngestOptions {
        profiles,
        key,
        csu: CsuTable::kent(),
    });
    for (kind, bytes) in KINDS.iter().zip(files) {
        let file = &profiles.get(*kind).file;
        if let Err(e) = ingest.read(*kind, bytes.as_slice(), &mut |_| {}) {
            // An export that cannot be read at all is refused, naming the file.
            let message = e.to_string();
            prop_assert!(message.starts_with(&format!("{file}: ")), "{message}");
            return Ok(None);
        }
    }
    let out = ingest.finish();
    let took = start.elapsed();
    prop_assert!(took < bound, "the ingest took {took:?}");

    prop_assert!(out.report.balances(), "{:?}", out.report);
    prop_assert_eq!(out.report.rejects, out.rejects.len() as u64);
    prop_assert_eq!(out.report.contacts, out.contacts.len() as u64);
    let own = ["acd", "partners"]
        .iter()
        .map(|s| out.report.sources[*s].published)
        .sum::<u64>();
    prop_assert_eq!(own, out.contacts.len() as u64, "contacts of their own");
    for (kind, bytes) in KINDS.iter().zip(files) {
        let name = kind.name();
        let counts = &out.report.sources[name];
        let rejects: Vec<_> = out.rejects.iter().filter(|r| r.source == name).collect();
        prop_assert_eq!(counts.rejected, rejects.len() as u64, "{}", name);
        // Lines count from 1 (the header) at each `\n`; a row may span lines inside quotes.
        // A lone `\r` ends a record but not a line, so a row after a `\r` in the header's
        // line is on line 1 (found by this test; the reject's raw text shows the row).
        let lines = bytes.iter().filter(|b| **b == b'\n').count() as u64 + 1;
        let first = if bytes.split(|b| *b == b'\n').next().is_some_and(|l| {
            l.iter()
                .enumerate()
                .any(|(i, b)| *b == b'\r' && i + 1 < l.len())
        }) {
            1
        } else {
            2
        };
        // The header is the first line that is not blank (the reader skips blank lines).
        let header = bytes
            .split(|b| *b == b'\n')
            .find(|line| !line.iter().all(|b| *b == b'\r'))
            .map(|line| String::from_utf8_lossy(line).to_ascii_lowercase())
            .unwrap_or_default();
        for reject in rejects {
            prop_assert_eq!(&reject.file, &profiles.get(*kind).file);
            prop_assert!(
                (first..=lines).contains(&reject.line),
                "{name}: reject on line {} of {lines}: {}",
                reject.line,
                reject.reason
            );
            prop_assert!(
                !reject.reason.is_empty(),
                "{name} line {}: no reason",
                reject.line
            );
            // A reason that blames a field names a column of the header.
            if let Some(rest) = reject.reason.strip_prefix("field `") {
                let column = rest.split('`').next().unwrap_or("");
                prop_assert!(
                    header.contains(&column.to_ascii_lowercase()),
                    "{name} line {}: {} names no column of {header:?}",
                    reject.line,
                    reject.reason
                );
            }
        }
    }
    for c in &out.contacts {
        if let Some(k) = &c.caller_key {
            prop_assert!(
                is_pseudonym(k)
                    || (k.starts_with('+') && k[1..].bytes().all(|b| b.is_ascii_digit())),
                "caller key {k:?}"
            );
        }
        prop_assert!(
            ["police", "fire", "ambulance"].contains(&c.agency),
            "{}",
            c.agency
        );
    }
    // Sorted by caller key (keyless last), then time.
    let order: Vec<_> = out
        .contacts
        .iter()
        .map(|c| (c.caller_key.is_none(), c.caller_key, c.received_at))
        .collect();
    prop_assert!(
        order.windows(2).all(|w| w[0] <= w[1]),
        "contacts out of order"
    );
    Ok(Some(out))
}

proptest! {
    #![proptest_config(config(1500))]

    #[test]
    fn each_export_from_arbitrary_bytes_after_its_header(
        which in 0usize..5,
        body in prop::collection::vec(any::<u8>(), 0..400),
    ) {
        let mut files = exports(&[(1, 10), (2, 20)]);
        let header_end = files[which].iter().position(|b| *b == b'\n').unwrap() + 1;
        files[which].truncate(header_end);
        files[which].extend_from_slice(&body);
        check_ingest(&files, &Profiles::default(), None)?;
    }

    #[test]
    fn each_export_from_arbitrary_bytes(which in 0usize..5, body in prop::collection::vec(any::<u8>(), 0..200)) {
        let mut files = exports(&[(1, 10)]);
        files[which] = body;
        check_ingest(&files, &Profiles::default(), None)?;
    }

    #[test]
    fn each_export_near_valid(
        seed in seed(),
        which in 0usize..5,
        edits in edits(),
        sep in prop::sample::select(vec![b',', b'\n']),
        pseudonymise in any::<bool>(),
    ) {
        let valid = exports(&seed);
        let out = check_ingest(&valid, &Profiles::default(), None)?.expect("valid exports read");
        prop_assert_eq!(out.report.sources["acd"].rejected, 0, "{:?}", out.rejects);

        let mut files = valid.clone();
        files[which] = mutate(&files[which], &edits, sep);
        let key = PseudonymKey::new(b"engage-fuzz-key-0123456789").unwrap();
        check_ingest(&files, &Profiles::default(), pseudonymise.then_some(&key))?;
    }
}

/// A 10 MB field in an ACD row is one reject naming its line and field, not a crash.
#[test]
fn a_ten_megabyte_field_is_rejected_with_its_line_and_field() {
    let mut files = exports(&[(1, 10), (2, 20)]);
    let mut acd = String::from_utf8(files[0].clone()).unwrap();
    acd.push_str(&format!(
        "A9999,999,{},01/03/2025 10:00:00,,,EMERGENCY,Answered\n",
        "7".repeat(10 << 20)
    ));
    files[0] = acd.into_bytes();
    // Debug build: 11 s before `is_one_of` read a field once and only as far as the longest
    // withheld/unavailable word (it split the whole field at white space 21 times).
    let out = check_ingest_within(&files, &Profiles::default(), None, Duration::from_secs(10))
        .unwrap()
        .unwrap();
    let acd_rejects: Vec<_> = out.rejects.iter().filter(|r| r.source == "acd").collect();
    assert_eq!(acd_rejects.len(), 1);
    assert_eq!(acd_rejects[0].line, 4);
    let reason = &acd_rejects[0].reason;
    assert!(
        reason.starts_with("field `cli`: \"7777"),
        "{}",
        &reason[..200]
    );
    assert!(reason.ends_with("has 10485760 digits, more than any phone number: expected at most 15 digits after + or 00 (E.164), or a UK number such as 07700 900123"), "{}", &reason[reason.len() - 200..]);
}

// ---------------------------------------------------------------------------------------------
// UK local times

const FORMAT: &str = "%d/%m/%Y %H:%M:%S";

fn check_local_time(text: &str, format: &str) -> Result<(), TestCaseError> {
    let start = Instant::now();
    let got = parse_local(text, format, chrono_tz::Europe::London);
    prop_assert!(start.elapsed() < BOUND);
    match got {
        Ok(instant) => {
            // Each candidate is the same wall-clock time in London, and reading its text
            // back gives the same instant(s).
            for t in instant.candidates() {
                let local = chrono::DateTime::from_timestamp_micros(t)
                    .unwrap()
                    .with_timezone(&chrono_tz::Europe::London);
                let again = local.naive_local().format(FORMAT).to_string();
                if format == FORMAT {
                    prop_assert_eq!(
                        parse_local(&again, FORMAT, chrono_tz::Europe::London),
                        Ok(instant)
                    );
                }
            }
            if let LocalInstant::Ambiguous(early, late) = instant {
                prop_assert_eq!(late - early, 3_600_000_000);
            }
        }
        Err(e) => {
            let message = e.to_string();
            prop_assert!(message.starts_with(&format!("`{text}` ")), "{message}");
            match e {
                TimeError::Format { format: f, .. } => prop_assert_eq!(f, format),
                TimeError::Skipped { .. } => prop_assert!(message.contains("Europe/London")),
            }
        }
    }
    Ok(())
}

fn local_time_text() -> impl Strategy<Value = String> {
    (
        1u32..29,
        1u32..13,
        1990i32..2100,
        0u32..24,
        0u32..60,
        0u32..60,
    )
        .prop_map(|(d, m, y, h, mi, s)| format!("{d:02}/{m:02}/{y} {h:02}:{mi:02}:{s:02}"))
}

proptest! {
    #![proptest_config(config(10000))]

    #[test]
    fn local_times_from_arbitrary_bytes(bytes in prop::collection::vec(any::<u8>(), 0..30)) {
        check_local_time(&String::from_utf8_lossy(&bytes), FORMAT)?;
    }

    #[test]
    fn local_times_near_valid(valid in local_time_text(), edits in edits()) {
        prop_assert!(parse_local(&valid, FORMAT, chrono_tz::Europe::London).is_ok() || valid.contains(" 01:"));
        let text = String::from_utf8_lossy(&mutate(valid.as_bytes(), &edits, b' ')).into_owned();
        check_local_time(&text, FORMAT)?;
    }

    /// A profile's `time_format` is outside input too.
    #[test]
    fn local_times_in_arbitrary_formats(valid in local_time_text(), format in "(%[a-zA-Z%.:#+0-9-]|[ /:T]){0,8}") {
        check_local_time(&valid, &format)?;
    }
}

// ---------------------------------------------------------------------------------------------
// Source profiles (TOML)

const PROFILE: &str = r#"[acd]
file = "calls.csv"
delimiter = ";"
time_format = "%Y-%m-%d %H:%M:%S"
timezone = "Europe/London"
columns = { cli = "CLI", call_id = "Call Ref" }
outcomes = { "ANS" = "answered", "ABN" = "abandoned" }

[incidents]
delimiter = "tab"
columns = { postcode = "Post Code" }

[referrals]
date_format = "%Y-%m-%d"
optional = true
"#;

fn check_profile(text: &str) -> Result<Option<Profiles>, TestCaseError> {
    let start = Instant::now();
    let got = Profiles::from_toml(text);
    prop_assert!(start.elapsed() < BOUND);
    match got {
        Ok(profiles) => Ok(Some(profiles)),
        Err(e) => {
            let message = e.to_string();
            match &e {
                ProfileError::Toml(_) => {
                    // toml names the line and column of the fault.
                    prop_assert!(
                        message.starts_with("the source profile is not valid: ")
                            && message.contains("line "),
                        "{message}"
                    );
                }
                ProfileError::Value {
                    source_name, key, ..
                } => {
                    let prefix = format!("the source profile's [{source_name}] {key}: ");
                    prop_assert!(message.starts_with(&prefix), "{message}");
                    let section = format!("[{source_name}]");
                    prop_assert!(
                        text.contains(&section) || text.contains(source_name),
                        "{message}"
                    );
                }
            }
            Ok(None)
        }
    }
}

proptest! {
    #![proptest_config(config(3000))]

    #[test]
    fn profiles_from_arbitrary_bytes(bytes in prop::collection::vec(any::<u8>(), 0..200)) {
        check_profile(&String::from_utf8_lossy(&bytes))?;
    }

    #[test]
    fn profiles_near_valid(edits in edits(), sep in prop::sample::select(vec![b'\n', b'=', b'"'])) {
        prop_assert!(check_profile(PROFILE)?.is_some());
        let text = String::from_utf8_lossy(&mutate(PROFILE.as_bytes(), &edits, sep)).into_owned();
        check_profile(&text)?;
    }
}

proptest! {
    #![proptest_config(config(1000))]

    /// A mutated profile that is still accepted (another delimiter, time format, zone or
    /// column name) still ingests every row without a panic, and accounts for all of them.
    #[test]
    fn an_accepted_mutated_profile_still_accounts_for_every_row(
        seed in seed(),
        edits in edits(),
        sep in prop::sample::select(vec![b'\n', b'=', b'"']),
    ) {
        let text = String::from_utf8_lossy(&mutate(PROFILE.as_bytes(), &edits, sep)).into_owned();
        if let Some(profiles) = check_profile(&text)? {
            check_ingest(&exports(&seed), &profiles, None)?;
        }
    }
}

/// Found by `each_export_near_valid` at 20,000 cases: two exports joined with their headers
/// (the header repeated as a row) in a pseudonymised ingest. The row's `cli` reads `cli`, and
/// masking that personal value in the reason also masked the field's name
/// (``field `[withheld]`: is not a phone number``).
#[test]
fn regression_a_header_repeated_as_a_row_keeps_the_field_name_when_pseudonymised() {
    let mut files = exports(&[(1, 10)]);
    let acd = String::from_utf8(files[0].clone()).unwrap();
    let header = acd.lines().next().unwrap().to_string();
    files[0] = format!("{acd}{header}\n").into_bytes();
    let key = PseudonymKey::new(b"engage-fuzz-key-0123456789").unwrap();
    let out = check_ingest(&files, &Profiles::default(), Some(&key))
        .unwrap()
        .unwrap();
    let reasons: Vec<_> = out
        .rejects
        .iter()
        .filter(|r| r.source == "acd")
        .map(|r| (r.line, r.reason))
        .collect();
    assert_eq!(
        reasons,
        [(
            3,
            "field `cli`: is not a phone number (the value is withheld)"
        )]
    );
}

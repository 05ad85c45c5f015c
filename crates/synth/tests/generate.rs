//! End-to-end tests of the generator: determinism, formats, planted truth, dirt counts.

use std::collections::{HashMap, HashSet};

use chrono::{LocalResult, NaiveDate, NaiveDateTime, TimeZone};
use chrono_tz::Europe::London;
use engage_kernel::phone::{Cli, classify_cli};
use engage_kernel::postcode::{CsuTable, normalize_postcode};
use engage_kernel::{RuleSet, detect, encode_keys};
use engage_synth::{
    ACD_HEADER, Exports, GenerateOptions, GenerateSummary, INCIDENTS_HEADER, PARTNERS_HEADER,
    RECORDINGS_HEADER, TRUTH_HEADER, generate, generate_to_dir, is_drama_e164, partner_key,
};

/// The five files of one run.
struct Files {
    acd: Vec<u8>,
    recordings: Vec<u8>,
    incidents: Vec<u8>,
    partners: Vec<u8>,
    truth: Vec<u8>,
}

fn run(options: &GenerateOptions) -> (Files, GenerateSummary) {
    let (mut acd, mut recordings, mut incidents, mut partners, mut truth) =
        (Vec::new(), Vec::new(), Vec::new(), Vec::new(), Vec::new());
    let (mut referrals, mut planted_referrals) = (Vec::new(), Vec::new());
    let mut last = 0;
    let summary = generate(
        options,
        Exports {
            acd: &mut acd,
            recordings: &mut recordings,
            incidents: &mut incidents,
            partners: &mut partners,
            truth: &mut truth,
            referrals: &mut referrals,
            planted_referrals: &mut planted_referrals,
        },
        &mut |rows| {
            assert!(rows >= last, "progress never goes back");
            last = rows;
        },
    )
    .unwrap();
    assert_eq!(
        last, summary.acd.rows,
        "the last progress report is the total"
    );
    (
        Files {
            acd,
            recordings,
            incidents,
            partners,
            truth,
        },
        summary,
    )
}

fn options(contacts: u64, days: u32, start: (i32, u32, u32), seed: u64) -> GenerateOptions {
    GenerateOptions {
        contacts,
        days,
        start: NaiveDate::from_ymd_opt(start.0, start.1, start.2).unwrap(),
        seed,
        districts: None,
        drama_numbers_only: false,
        crisis_callers: None,
        referral_effect: 1.0,
    }
}

/// Data records (header excluded, blank lines skipped), each as its fields.
fn records(bytes: &[u8]) -> Vec<Vec<String>> {
    let mut reader = csv::ReaderBuilder::new()
        .flexible(true)
        .has_headers(true)
        .from_reader(bytes);
    reader
        .records()
        .map(|r| r.unwrap().iter().map(str::to_string).collect())
        .collect()
}

fn header(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes)
        .lines()
        .next()
        .unwrap()
        .to_string()
}

/// What a local time field is.
#[derive(Debug, PartialEq)]
enum Time {
    Bad,
    Gap,
    Ambiguous(i64),
    Single(i64),
}

fn time(text: &str) -> Time {
    let Ok(naive) = NaiveDateTime::parse_from_str(text, "%d/%m/%Y %H:%M:%S") else {
        return Time::Bad;
    };
    match London.from_local_datetime(&naive) {
        LocalResult::None => Time::Gap,
        LocalResult::Ambiguous(a, _) => Time::Ambiguous(a.timestamp_micros()),
        LocalResult::Single(t) => Time::Single(t.timestamp_micros()),
    }
}

fn micros(t: &Time) -> Option<i64> {
    match t {
        Time::Single(t) | Time::Ambiguous(t) => Some(*t),
        _ => None,
    }
}

/// The truth file's rows: (e164, kind, agencies, address).
fn truth(files: &Files) -> Vec<(String, String, String, String)> {
    records(&files.truth)
        .into_iter()
        .map(|r| (r[0].clone(), r[1].clone(), r[2].clone(), r[3].clone()))
        .collect()
}

/// Police contacts read as `publish` would: duplicates (same call id) and rows that cannot
/// be read dropped; (caller key, time).
fn police_contacts(files: &Files) -> Vec<(Option<String>, i64)> {
    let mut seen = HashSet::new();
    let mut out = Vec::new();
    for r in records(&files.acd) {
        if r.len() != ACD_HEADER.len() || !seen.insert(r[0].clone()) {
            continue;
        }
        let Some(at) = micros(&time(&r[3])) else {
            continue;
        };
        let Ok(cli) = classify_cli(&r[2]) else {
            continue;
        };
        out.push((cli.into_e164(), at));
    }
    out
}

/// Callers with at least one episode under Kent's rule.
fn repeat_callers(contacts: &[(Option<String>, i64)]) -> HashSet<String> {
    let codes = encode_keys(contacts.iter().map(|(k, _)| k.as_deref()));
    let times: Vec<i64> = contacts.iter().map(|c| c.1).collect();
    let detection = detect(&RuleSet::kent(), &codes.codes, &times).unwrap();
    detection
        .episodes()
        .iter()
        .map(|e| codes.keys[e.key as usize].to_string())
        .collect()
}

#[test]
fn same_seed_same_bytes_and_another_seed_other_bytes() {
    let o = options(6_000, 10, (2024, 3, 25), 42);
    let (a, sa) = run(&o);
    let (b, sb) = run(&o);
    assert_eq!(sa, sb);
    assert!(a.acd == b.acd && a.recordings == b.recordings && a.incidents == b.incidents);
    assert!(a.partners == b.partners && a.truth == b.truth);
    let (c, _) = run(&GenerateOptions { seed: 43, ..o });
    assert_ne!(a.acd, c.acd);
    assert_ne!(a.truth, c.truth);
}

#[test]
fn headers_are_as_documented() {
    let (f, _) = run(&options(500, 2, (2024, 6, 1), 1));
    assert_eq!(
        header(&f.acd),
        "call_id,line,cli,arrived,answered,ended,queue,outcome"
    );
    assert_eq!(
        header(&f.recordings),
        "recording_id,channel,direction,remote_number,started,ended"
    );
    assert_eq!(
        header(&f.incidents),
        "incident_id,call_time,caller_phone,caller_name,location,postcode,opening_category,closing_category,grade"
    );
    assert_eq!(
        header(&f.partners),
        "contact_id,agency,line,received,caller_key,outcome,category"
    );
    assert_eq!(
        header(&f.truth),
        "caller_number_e164,kind,agencies,address,note"
    );
    assert_eq!(ACD_HEADER.join(","), header(&f.acd));
    assert_eq!(RECORDINGS_HEADER.join(","), header(&f.recordings));
    assert_eq!(INCIDENTS_HEADER.join(","), header(&f.incidents));
    assert_eq!(PARTNERS_HEADER.join(","), header(&f.partners));
    assert_eq!(TRUTH_HEADER.join(","), header(&f.truth));
}

#[test]
fn planted_callers_are_exactly_the_repeat_callers() {
    let o = options(60_000, 28, (2024, 10, 10), 7);
    let (f, s) = run(&o);
    let truth = truth(&f);
    assert_eq!(s.planted.vulnerable_callers, 2);
    assert!(s.planted.near_threshold_callers >= 2 && s.planted.communal_addresses >= 2);
    let want: HashSet<String> = truth
        .iter()
        .filter(|t| t.1 == "vulnerable_caller" || t.1 == "repeat_victim")
        .map(|t| t.0.clone())
        .collect();
    let near: HashSet<String> = truth
        .iter()
        .filter(|t| t.1 == "near_threshold")
        .map(|t| t.0.clone())
        .collect();
    assert_eq!(
        want.len() as u64,
        s.planted.vulnerable_callers + s.planted.repeat_victims
    );
    assert_eq!(near.len() as u64, s.planted.near_threshold_callers);

    let police = police_contacts(&f);
    let found = repeat_callers(&police);
    assert_eq!(found, want, "police alone");
    for n in &near {
        let calls = police.iter().filter(|c| c.0.as_deref() == Some(n)).count();
        assert_eq!(calls, 9, "{n}");
    }

    // With the partners' contacts, under the agreed key.
    let key = partner_key();
    let mut all: Vec<(Option<String>, i64)> = police
        .iter()
        .map(|(k, t)| (k.as_ref().map(|k| key.pseudonymise(k)), *t))
        .collect();
    let mut seen = HashSet::new();
    for r in records(&f.partners) {
        if r.len() != PARTNERS_HEADER.len() || !seen.insert(r[0].clone()) {
            continue;
        }
        if let Some(t) = micros(&time(&r[3])) {
            all.push(((!r[4].is_empty()).then(|| r[4].clone()), t));
        }
    }
    let want_keyed: HashSet<String> = want.iter().map(|k| key.pseudonymise(k)).collect();
    assert_eq!(repeat_callers(&all), want_keyed, "police and partners");

    // Multi-agency vulnerable callers have partner rows under their own pseudonym.
    let partner_keys: HashSet<String> = records(&f.partners)
        .into_iter()
        .filter_map(|r| r.get(4).cloned())
        .collect();
    for t in truth
        .iter()
        .filter(|t| t.2.contains("ambulance") || t.2.contains("fire"))
    {
        assert!(partner_keys.contains(&key.pseudonymise(&t.0)), "{t:?}");
    }
    assert!(s.planted.multi_agency_vulnerable_callers >= 1);

    // Repeat victims' incidents are all at their one address, in victimisation categories.
    let table = engage_kernel::triage::TriageTable::default_table();
    for t in truth.iter().filter(|t| t.1 == "repeat_victim") {
        let rows: Vec<Vec<String>> = records(&f.incidents)
            .into_iter()
            .filter(|r| {
                r.len() == 9
                    && engage_kernel::phone::normalize_phone(&r[2]).as_deref() == Some(t.0.as_str())
            })
            .collect();
        assert!(rows.len() >= 3);
        for r in rows {
            assert_eq!(r[4], t.3);
            assert_eq!(
                table.group_of(&r[6]),
                engage_kernel::triage::TriageGroup::Victimisation
            );
        }
    }
    // Communal addresses: many different callers.
    for t in truth.iter().filter(|t| t.1 == "communal_address") {
        let callers: HashSet<String> = records(&f.incidents)
            .into_iter()
            .filter(|r| r.len() == 9 && r[4] == t.3)
            .filter_map(|r| engage_kernel::phone::normalize_phone(&r[2]))
            .collect();
        assert!(callers.len() >= 8, "{t:?}");
    }
}

/// Counts what each file really holds and compares with the summary.
fn check_dirt(f: &Files, s: &GenerateSummary) {
    struct Spec<'a> {
        bytes: &'a [u8],
        columns: usize,
        times: &'a [usize],
        main_time: usize,
        phone: Option<usize>,
        dirt: &'a engage_synth::DirtCounts,
        rows: u64,
    }
    let specs = [
        Spec {
            bytes: &f.acd,
            columns: 8,
            times: &[3, 4, 5],
            main_time: 3,
            phone: Some(2),
            dirt: &s.acd.dirt,
            rows: s.acd.rows,
        },
        Spec {
            bytes: &f.recordings,
            columns: 6,
            times: &[4, 5],
            main_time: 4,
            phone: Some(3),
            dirt: &s.recordings.dirt,
            rows: s.recordings.rows,
        },
        Spec {
            bytes: &f.incidents,
            columns: 9,
            times: &[1],
            main_time: 1,
            phone: Some(2),
            dirt: &s.incidents.dirt,
            rows: s.incidents.rows,
        },
        Spec {
            bytes: &f.partners,
            columns: 7,
            times: &[3],
            main_time: 3,
            phone: None,
            dirt: &s.partners.dirt,
            rows: s.partners.rows,
        },
    ];
    for spec in specs {
        let text = std::str::from_utf8(spec.bytes).unwrap();
        assert!(text.ends_with('\n'));
        let lines: Vec<&str> = text[..text.len() - 1].split('\n').collect();
        let blank = lines.iter().filter(|l| l.is_empty()).count() as u64;
        assert_eq!(blank, spec.dirt.blank_lines, "blank lines");
        let mut seen = HashSet::new();
        let mut repeats = 0;
        for l in lines.iter().skip(1).filter(|l| !l.is_empty()) {
            if !seen.insert(*l) {
                repeats += 1;
            }
        }
        assert_eq!(repeats, spec.dirt.duplicates, "duplicates");

        let recs = records(spec.bytes);
        assert_eq!(recs.len() as u64, spec.rows, "rows");
        let full: Vec<&Vec<String>> = recs.iter().filter(|r| r.len() == spec.columns).collect();
        assert!(recs.iter().all(|r| r.len() <= spec.columns));
        assert_eq!(
            (recs.len() - full.len()) as u64,
            spec.dirt.short_rows,
            "short rows"
        );
        let (mut bad, mut gap, mut amb_rows, mut amb_times) = (0, 0, 0, 0);
        for r in &full {
            match time(&r[spec.main_time]) {
                Time::Bad => bad += 1,
                Time::Gap => gap += 1,
                _ => {}
            }
            let a = spec
                .times
                .iter()
                .filter(|&&i| matches!(time(&r[i]), Time::Ambiguous(_)))
                .count() as u64;
            amb_times += a;
            amb_rows += u64::from(a > 0);
        }
        assert_eq!(bad, spec.dirt.bad_times, "bad times");
        assert_eq!(gap, spec.dirt.spring_gap_rows, "spring gap rows");
        assert_eq!(amb_rows, spec.dirt.autumn_ambiguous_rows, "ambiguous rows");
        assert_eq!(
            amb_times, spec.dirt.autumn_ambiguous_times,
            "ambiguous times"
        );
        if let Some(p) = spec.phone {
            let quoted = full
                .iter()
                .filter(|r| r[p].starts_with('"') || r[p].ends_with('"'))
                .count() as u64;
            assert_eq!(quoted, spec.dirt.stray_quotes, "stray quotes");
            let unparseable = full.iter().filter(|r| classify_cli(&r[p]).is_err()).count() as u64;
            assert_eq!(
                unparseable, spec.dirt.unparseable_phones,
                "unparseable phones"
            );
        } else {
            assert_eq!(spec.dirt.stray_quotes + spec.dirt.unparseable_phones, 0);
        }
    }
}

#[test]
fn dirt_counts_match_the_files_across_the_spring_change() {
    let (f, s) = run(&options(40_000, 14, (2024, 3, 24), 3));
    check_dirt(&f, &s);
    assert_eq!(s.acd.dirt.spring_gap_rows, 3);
    assert_eq!(s.recordings.dirt.spring_gap_rows, 2);
    assert_eq!(s.partners.dirt.spring_gap_rows, 1);
    assert_eq!(s.acd.dirt.autumn_ambiguous_rows, 0);
    for d in [
        &s.acd.dirt,
        &s.recordings.dirt,
        &s.incidents.dirt,
        &s.partners.dirt,
    ] {
        assert!(d.duplicates > 0 && d.blank_lines > 0, "{d:?}");
    }
    assert!(s.acd.dirt.stray_quotes > 0 && s.acd.dirt.short_rows > 0);
    assert!(s.acd.dirt.unparseable_phones > 0 && s.acd.dirt.bad_times > 0);
    assert!(s.incidents.dirt.unparseable_phones > 0);
}

#[test]
fn dirt_counts_match_the_files_across_the_autumn_change() {
    let (f, s) = run(&options(40_000, 14, (2024, 10, 20), 4));
    check_dirt(&f, &s);
    assert_eq!(s.acd.dirt.spring_gap_rows, 0);
    assert!(s.acd.dirt.autumn_ambiguous_rows > 0);
    assert!(s.recordings.dirt.autumn_ambiguous_rows > 0);
    assert!(s.acd.dirt.autumn_ambiguous_times >= s.acd.dirt.autumn_ambiguous_rows);
}

#[test]
fn drama_numbers_only_yields_only_drama_numbers() {
    let mut o = options(20_000, 14, (2024, 5, 1), 11);
    o.drama_numbers_only = true;
    let (f, s) = run(&o);
    let mut numbers = 0;
    for (bytes, col) in [
        (&f.acd, 2),
        (&f.recordings, 3),
        (&f.incidents, 2),
        (&f.truth, 0),
    ] {
        for r in records(bytes) {
            if let Some(Ok(Cli::Present(e164))) = r.get(col).map(|t| classify_cli(t)) {
                assert!(is_drama_e164(&e164), "{e164}");
                numbers += 1;
            }
        }
    }
    assert!(numbers > 20_000);
    // The planted truth still holds.
    let truth = truth(&f);
    let want: HashSet<String> = truth
        .iter()
        .filter(|t| t.1 == "vulnerable_caller" || t.1 == "repeat_victim")
        .map(|t| t.0.clone())
        .collect();
    assert_eq!(repeat_callers(&police_contacts(&f)), want);
    assert!(s.truth_rows >= 8);
}

#[test]
fn the_shape_of_the_data_is_plausible() {
    let (f, s) = run(&options(30_000, 14, (2024, 6, 3), 5));
    let share_999 = s.acd.line_999 as f64 / s.acd.calls as f64;
    assert!((0.33..0.42).contains(&share_999), "{share_999}");
    assert_eq!(s.acd.calls, s.acd.rows - s.acd.dirt.duplicates);
    assert!((30_000..30_100).contains(&s.acd.calls), "{}", s.acd.calls);
    assert_eq!(
        s.acd.answered + s.acd.abandoned + s.acd.transferred,
        s.acd.calls
    );
    let extra = (s.recordings.outbound_phone + s.recordings.radio) as f64
        / s.recordings.inbound_phone as f64;
    assert!((0.25..0.35).contains(&extra), "{extra}");
    assert_eq!(
        s.recordings.inbound_phone,
        s.acd.answered + s.acd.transferred
    );

    // Call ids: A and 10 digits, increasing in file order (repeats aside).
    let mut last = String::new();
    let mut by_hour = [0u64; 24];
    let mut seen = HashSet::new();
    let mut answered: HashMap<(String, i64), (i64, i64)> = HashMap::new();
    for r in records(&f.acd) {
        if r.len() != 8 || !seen.insert(r[0].clone()) {
            continue;
        }
        assert!(
            r[0].len() == 11
                && r[0].starts_with('A')
                && r[0][1..].bytes().all(|b| b.is_ascii_digit())
        );
        assert!(r[0] > last);
        last = r[0].clone();
        if micros(&time(&r[3])).is_some() {
            by_hour[r[3][11..13].parse::<usize>().unwrap()] += 1;
        }
        if let (Some(a), Some(e), Ok(Cli::Present(n))) = (
            micros(&time(&r[4])),
            micros(&time(&r[5])),
            classify_cli(&r[2]),
        ) {
            answered.insert((n, a / 1_000_000), (a, e));
        }
    }
    assert!(
        by_hour[4] * 3 < by_hour[19],
        "quiet small hours: {by_hour:?}"
    );

    // Every answered call with a number has its inbound recording 0–3 s after the answer.
    let mut recorded = HashSet::new();
    for r in records(&f.recordings) {
        if r.len() != 6 || r[2] != "inbound" {
            continue;
        }
        let (Some(start), Ok(Cli::Present(n))) = (micros(&time(&r[4])), classify_cli(&r[3])) else {
            continue;
        };
        let s = start / 1_000_000;
        if let Some(d) = (0..=3).find(|d| answered.contains_key(&(n.clone(), s - d))) {
            recorded.insert((n, s - d));
        }
    }
    assert_eq!(recorded.len(), answered.len());

    // Incidents: ids, grades, postcodes in Kent, call times within a call of that number.
    let table = CsuTable::kent();
    let mut incidents = HashSet::new();
    for r in records(&f.incidents) {
        assert!(r[0].starts_with('I'));
        incidents.insert(r[0].clone());
        if r.len() != 9 {
            continue;
        }
        assert!(("1"..="5").contains(&r[8].as_str()));
        if !r[5].is_empty() {
            let pc = normalize_postcode(&r[5]).unwrap();
            assert!(table.lookup(&pc).is_some(), "{pc}");
        }
    }
    assert_eq!(incidents.len() as u64, s.incidents.incidents);
    assert!(s.incidents.rows as f64 > 0.4 * s.acd.answered as f64);
    assert!(
        s.incidents.rows > s.incidents.incidents,
        "some incidents have several calls"
    );
}

#[test]
fn districts_restrict_the_postcodes() {
    let mut o = options(3_000, 7, (2024, 2, 1), 8);
    o.districts = Some(vec!["Maidstone".into()]);
    let (f, _) = run(&o);
    let table = CsuTable::kent();
    let mut n = 0;
    for r in records(&f.incidents) {
        if r.len() == 9 && !r[5].is_empty() {
            let place = table.lookup(&normalize_postcode(&r[5]).unwrap()).unwrap();
            assert_eq!(place.district, "Maidstone");
            n += 1;
        }
    }
    assert!(n > 100);
}

#[test]
fn bad_options_are_refused() {
    let mut o = options(100, 0, (2024, 1, 1), 1);
    let sink = || Exports {
        acd: std::io::sink(),
        recordings: std::io::sink(),
        incidents: std::io::sink(),
        partners: std::io::sink(),
        truth: std::io::sink(),
        referrals: std::io::sink(),
        planted_referrals: std::io::sink(),
    };
    assert!(generate(&o, sink(), &mut |_| {}).is_err());
    o.days = 1;
    o.districts = Some(vec!["Atlantis".into()]);
    let err = generate(&o, sink(), &mut |_| {}).unwrap_err().to_string();
    assert!(
        err.contains("Atlantis") && err.contains("Maidstone"),
        "{err}"
    );
    o.districts = None;
    assert!(
        generate(&o, sink(), &mut |_| {}).is_ok(),
        "a single day works"
    );
}

#[test]
fn generate_to_dir_writes_every_file() {
    let dir = std::env::temp_dir().join(format!("engage-synth-test-{}", std::process::id()));
    let o = options(2_000, 3, (2024, 4, 1), 9);
    let s = generate_to_dir(&o, &dir, &mut |_| {}).unwrap();
    for name in [
        "acd_calls.csv",
        "recordings.csv",
        "incident_calls.csv",
        "partner_contacts.csv",
        "planted_truth.csv",
    ] {
        assert!(dir.join(name).metadata().unwrap().len() > 100, "{name}");
    }
    let key = std::fs::read_to_string(dir.join("partner_key.txt")).unwrap();
    assert_eq!(key, format!("{}\n", engage_synth::PARTNER_KEY));
    assert_eq!(engage_synth::PARTNER_KEY.len(), 32);
    // Readable by its owner only, as --pseudonymise-key-file requires.
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = dir
            .join("partner_key.txt")
            .metadata()
            .unwrap()
            .permissions()
            .mode();
        assert_eq!(mode & 0o777, 0o600);
    }
    let json: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(dir.join("generate_summary.json")).unwrap())
            .unwrap();
    assert_eq!(json["synthetic"], true);
    assert_eq!(json["options"]["start"], "2024-04-01");
    assert_eq!(json["summary"]["acd"]["rows"], s.acd.rows);
    let (mem, _) = run(&o);
    assert_eq!(std::fs::read(dir.join("acd_calls.csv")).unwrap(), mem.acd);
    std::fs::remove_dir_all(&dir).unwrap();
}

/// Timing of a large run: `cargo test --release -p engage-synth -- --ignored --nocapture`.
#[test]
#[ignore = "slow in debug builds; run in release for a timing"]
fn five_million_contacts_timing() {
    let o = options(5_000_000, 30, (2024, 3, 15), 1);
    let sink = || Exports {
        acd: std::io::sink(),
        recordings: std::io::sink(),
        incidents: std::io::sink(),
        partners: std::io::sink(),
        truth: std::io::sink(),
        referrals: std::io::sink(),
        planted_referrals: std::io::sink(),
    };
    let started = std::time::Instant::now();
    let s = generate(&o, sink(), &mut |_| {}).unwrap();
    let took = started.elapsed();
    println!(
        "5M contacts: {} ACD, {} recording, {} incident, {} partner rows in {:.1} s",
        s.acd.rows,
        s.recordings.rows,
        s.incidents.rows,
        s.partners.rows,
        took.as_secs_f64()
    );
    println!("{}", serde_json::to_string_pretty(&s).unwrap());
}

//! End-to-end tests of the referrals export, its truth and the crisis world.

use std::collections::{HashMap, HashSet};

use chrono::{LocalResult, NaiveDate, NaiveDateTime, TimeZone};
use chrono_tz::Europe::London;
use engage_kernel::phone::normalize_phone;
use engage_kernel::postcode::CsuTable;
use engage_kernel::time::{SECOND, WEEK};
use engage_kernel::{RuleSet, detect, encode_keys};
use engage_synth::crisis::{CrisisOptions, simulate};
use engage_synth::{
    Exports, GenerateOptions, GenerateSummary, PLANTED_REFERRALS_HEADER, REFERRALS_HEADER, generate,
};

/// The seven files of one run.
#[derive(PartialEq)]
struct Files {
    acd: Vec<u8>,
    recordings: Vec<u8>,
    incidents: Vec<u8>,
    partners: Vec<u8>,
    truth: Vec<u8>,
    referrals: Vec<u8>,
    planted_referrals: Vec<u8>,
}

fn run(options: &GenerateOptions) -> (Files, GenerateSummary) {
    let mut f = Files {
        acd: Vec::new(),
        recordings: Vec::new(),
        incidents: Vec::new(),
        partners: Vec::new(),
        truth: Vec::new(),
        referrals: Vec::new(),
        planted_referrals: Vec::new(),
    };
    let summary = generate(
        options,
        Exports {
            acd: &mut f.acd,
            recordings: &mut f.recordings,
            incidents: &mut f.incidents,
            partners: &mut f.partners,
            truth: &mut f.truth,
            referrals: &mut f.referrals,
            planted_referrals: &mut f.planted_referrals,
        },
        &mut |_| {},
    )
    .unwrap();
    (f, summary)
}

fn options(contacts: u64, days: u32, start: (i32, u32, u32), seed: u64) -> GenerateOptions {
    GenerateOptions {
        contacts,
        days,
        start: NaiveDate::from_ymd_opt(start.0, start.1, start.2).unwrap(),
        seed,
        ..GenerateOptions::default()
    }
}

/// Data records (header excluded, blank lines skipped), each as its fields.
fn records(bytes: &[u8]) -> Vec<Vec<String>> {
    csv::ReaderBuilder::new()
        .flexible(true)
        .from_reader(bytes)
        .records()
        .map(|r| r.unwrap().iter().map(str::to_string).collect())
        .collect()
}

/// A local `dd/mm/yyyy HH:MM:SS` as UTC µs: `None` when unreadable or in the spring gap;
/// the earlier instant when ambiguous.
fn local_micros(text: &str) -> Option<i64> {
    let naive = NaiveDateTime::parse_from_str(text, "%d/%m/%Y %H:%M:%S").ok()?;
    match London.from_local_datetime(&naive) {
        LocalResult::None => None,
        LocalResult::Single(t) | LocalResult::Ambiguous(t, _) => Some(t.timestamp_micros()),
    }
}

fn rfc3339_micros(text: &str) -> Option<i64> {
    (!text.is_empty()).then(|| {
        chrono::DateTime::parse_from_rfc3339(text)
            .unwrap()
            .timestamp_micros()
    })
}

fn valid_date(text: &str) -> bool {
    text.is_empty() || NaiveDate::parse_from_str(text, "%d/%m/%Y").is_ok()
}

const DECISIONS: [&str; 6] = [
    "reviewed",
    "referred",
    "plan_agreed",
    "marker_set",
    "review",
    "closed",
];
const ASSESSMENTS: [&str; 4] = [
    "vulnerable_caller",
    "repeat_victim",
    "nuisance",
    "not_a_repeat_caller",
];

/// Why ingest drops or rejects a row, applying the brief's rules in the brief's order.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
enum Verdict {
    Published,
    Duplicate,
    Short,
    BadTime,
    UnknownDecision,
    UnknownCsu,
    BeforeOpened,
    Other,
}

/// Reads `referrals.csv` as ingest would: a verdict per data row, and the published rows.
fn ingest(bytes: &[u8]) -> (Vec<Verdict>, Vec<Vec<String>>) {
    let csus: HashSet<&str> = CsuTable::kent().iter().map(|(_, p)| p.csu).collect();
    let mut seen = HashSet::new();
    let mut opened: HashMap<String, (i64, String)> = HashMap::new();
    let mut verdicts = Vec::new();
    let mut published = Vec::new();
    for r in records(bytes) {
        let verdict = if !seen.insert(r.clone()) {
            Verdict::Duplicate
        } else if r.len() < REFERRALS_HEADER.len() {
            Verdict::Short
        } else if r[0].is_empty() || normalize_phone(&r[1]).is_none() {
            Verdict::Other
        } else if local_micros(&r[2]).is_none() {
            Verdict::BadTime
        } else if !DECISIONS.contains(&r[3].as_str()) {
            Verdict::UnknownDecision
        } else if !r[4].is_empty() && !ASSESSMENTS.contains(&r[4].as_str()) {
            Verdict::Other
        } else if !r[5].is_empty() && !csus.contains(r[5].as_str()) {
            Verdict::UnknownCsu
        } else if !valid_date(&r[7]) || !valid_date(&r[8]) {
            Verdict::Other
        } else {
            let at = local_micros(&r[2]).unwrap();
            let caller = normalize_phone(&r[1]).unwrap();
            match opened.get(&r[0]) {
                Some((first, _)) if at < *first => Verdict::BeforeOpened,
                Some((_, c)) if *c != caller => Verdict::Other,
                Some(_) => Verdict::Published,
                None => {
                    opened.insert(r[0].clone(), (at, caller));
                    Verdict::Published
                }
            }
        };
        if verdict == Verdict::Published {
            published.push(r);
        }
        verdicts.push(verdict);
    }
    (verdicts, published)
}

#[test]
fn referrals_balance_and_every_kind_of_dirt_is_counted() {
    // A year, so crisis callers and every kind of dirt are there.
    let (f, s) = run(&options(120_000, 365, (2024, 1, 1), 11));
    let header = String::from_utf8_lossy(&f.referrals)
        .lines()
        .next()
        .unwrap()
        .to_string();
    assert_eq!(header, REFERRALS_HEADER.join(","));
    let (verdicts, published) = ingest(&f.referrals);
    let count = |v: Verdict| verdicts.iter().filter(|&&x| x == v).count() as u64;
    let r = &s.referrals;
    assert_eq!(verdicts.len() as u64, r.rows);
    assert_eq!(count(Verdict::Published), r.published);
    assert_eq!(published.len() as u64, r.published);
    assert_eq!(count(Verdict::Duplicate), r.dirt.duplicates);
    assert_eq!(count(Verdict::Short), r.dirt.short_rows);
    assert_eq!(count(Verdict::BadTime), r.dirt.bad_times);
    assert_eq!(count(Verdict::UnknownDecision), r.dirt.unknown_decisions);
    assert_eq!(count(Verdict::UnknownCsu), r.dirt.unknown_csus);
    assert_eq!(count(Verdict::BeforeOpened), r.dirt.before_case_opened);
    assert_eq!(count(Verdict::Other), 0);
    // No `referred` row is dated before its case opened: back-dating is only on other rows.
    let mut opened_at: HashMap<String, i64> = HashMap::new();
    for row in records(&f.referrals) {
        // Short rows are dirt, counted above.
        if row.len() < 4 {
            continue;
        }
        let Some(at) = row.get(2).and_then(|t| local_micros(t)) else {
            continue;
        };
        if row[3] == "reviewed" {
            opened_at.entry(row[0].clone()).or_insert(at);
        }
        if row[3] == "referred" {
            assert!(at > opened_at[&row[0]], "{row:?}");
        }
    }
    let blank = f.referrals.windows(2).filter(|w| w == b"\n\n").count() as u64;
    assert_eq!(blank, r.dirt.blank_lines);
    assert_eq!(
        r.rows,
        r.published
            + r.dirt.duplicates
            + r.dirt.short_rows
            + r.dirt.bad_times
            + r.dirt.unknown_decisions
            + r.dirt.unknown_csus
            + r.dirt.before_case_opened
    );
    for (name, n) in [
        ("duplicates", r.dirt.duplicates),
        ("short_rows", r.dirt.short_rows),
        ("bad_times", r.dirt.bad_times),
        ("unknown_decisions", r.dirt.unknown_decisions),
        ("unknown_csus", r.dirt.unknown_csus),
        ("before_case_opened", r.dirt.before_case_opened),
        ("blank_lines", r.dirt.blank_lines),
    ] {
        assert!(n > 0, "some {name}");
    }

    // The published rows agree with the planted truth of each case.
    let truth = records(&f.planted_referrals);
    assert_eq!(truth.len() as u64, s.planted_referrals_rows);
    assert_eq!(truth.len() as u64, r.cases);
    let mut by_case: HashMap<&str, Vec<&Vec<String>>> = HashMap::new();
    for row in &published {
        by_case.entry(row[0].as_str()).or_default().push(row);
    }
    for t in &truth {
        let rows = &by_case[t[0].as_str()];
        assert_eq!(rows[0][3], "reviewed", "{t:?}");
        assert_eq!(local_micros(&rows[0][2]), rfc3339_micros(&t[4]));
        assert_eq!(rows[0][4], t[6]);
        assert!(
            rows.iter()
                .all(|row| normalize_phone(&row[1]).as_deref() == Some(&t[1]))
        );
        let referred: Vec<_> = rows.iter().filter(|row| row[3] == "referred").collect();
        match rfc3339_micros(&t[5]) {
            Some(at) => {
                assert_eq!(referred.len(), 1, "{t:?}");
                assert_eq!(local_micros(&referred[0][2]), Some(at));
                assert_eq!(referred[0][5], t[7]);
                assert!(at > rfc3339_micros(&t[4]).unwrap(), "referred after review");
                assert!(
                    rfc3339_micros(&t[4]).unwrap() > rfc3339_micros(&t[3]).unwrap(),
                    "reviewed after eligibility"
                );
            }
            None => assert!(referred.is_empty() && t[7].is_empty(), "{t:?}"),
        }
        let closed: Vec<_> = rows.iter().filter(|row| row[3] == "closed").collect();
        match rfc3339_micros(&t[8]) {
            Some(at) => {
                assert_eq!(closed.len(), 1, "{t:?}");
                assert_eq!(local_micros(&closed[0][2]), Some(at));
                assert_eq!(rows.last().unwrap()[3], "closed");
            }
            None => assert!(closed.is_empty()),
        }
        // Rows of a case are in time order in the file, apart from the counted dirt.
        let times: Vec<i64> = rows
            .iter()
            .map(|row| local_micros(&row[2]).unwrap())
            .collect();
        assert!(times.windows(2).all(|w| w[0] <= w[1]), "{t:?}");
        // Markers last 45 days from the day they are set.
        for row in rows.iter().filter(|row| row[3] == "marker_set") {
            let set = NaiveDate::parse_from_str(&row[2][..10], "%d/%m/%Y").unwrap();
            let expires = NaiveDate::parse_from_str(&row[8], "%d/%m/%Y").unwrap();
            assert_eq!((expires - set).num_days(), 45);
        }
    }
    assert_eq!(
        truth.iter().filter(|t| !t[5].is_empty()).count() as u64,
        s.planted.referred
    );
}

#[test]
fn every_eligible_planted_caller_has_a_case_and_places_run_out() {
    let o = options(120_000, 365, (2024, 1, 1), 5);
    let (f, s) = run(&o);
    let truth = records(&f.truth);
    let cases = records(&f.planted_referrals);
    assert_eq!(
        records(&f.planted_referrals)
            .first()
            .map(|r| r.len())
            .unwrap(),
        PLANTED_REFERRALS_HEADER.len()
    );
    let with_case: HashMap<&str, &Vec<String>> = cases.iter().map(|c| (c[1].as_str(), c)).collect();
    assert_eq!(with_case.len(), cases.len(), "one case per caller");
    let end = London
        .from_local_datetime(&NaiveDate::from_ymd_opt(2024, 12, 31).unwrap().into())
        .unwrap()
        .timestamp_micros();
    let mut eligible = 0;
    let mut unreferred = 0;
    for t in truth.iter().filter(|t| {
        ["vulnerable_caller", "repeat_victim", "crisis_caller"].contains(&t[1].as_str())
    }) {
        match with_case.get(t[0].as_str()) {
            Some(c) => {
                assert_eq!(c[2], t[1]);
                eligible += 1;
                let assessed_referable = c[6] == "vulnerable_caller" || c[6] == "repeat_victim";
                if assessed_referable && c[5].is_empty() {
                    unreferred += 1;
                }
            }
            // Only a caller who met the rule in the last days may still await review.
            None => {
                let crisis = simulate(&CrisisOptions::of(&o)).unwrap();
                let c = crisis.iter().find(|c| c.e164 == t[0]).expect("{t:?}");
                assert!(c.eligible_at.unwrap() > end - 5 * 24 * 3_600 * SECOND);
            }
        }
    }
    assert_eq!(eligible as u64, s.planted.reviewed);
    assert!(unreferred > 0, "the panel's places leave some unreferred");
    assert!(s.planted.referred > 0);
}

#[test]
fn the_generator_writes_exactly_the_simulated_calls() {
    let o = GenerateOptions {
        crisis_callers: Some(40),
        referral_effect: 0.7,
        ..options(30_000, 120, (2024, 9, 1), 3)
    };
    let crisis = simulate(&CrisisOptions::of(&o)).unwrap();
    assert_eq!(crisis.len(), 40);
    let (f, s) = run(&o);
    assert_eq!(s.planted.crisis_callers, 40);
    let mut acd: HashMap<String, Vec<(i64, bool, u32)>> = HashMap::new();
    for r in records(&f.acd) {
        if r.len() != 8 {
            continue;
        }
        let (Some(e164), Some(arrived)) = (normalize_phone(&r[2]), local_micros(&r[3])) else {
            continue;
        };
        let talk = match (local_micros(&r[4]), local_micros(&r[5])) {
            (Some(a), Some(e)) => ((e - a) / SECOND) as u32,
            _ => 0,
        };
        acd.entry(e164)
            .or_default()
            .push((arrived, r[1] == "999", talk));
    }
    let truth: HashSet<String> = records(&f.truth)
        .into_iter()
        .filter(|t| t[1] == "crisis_caller")
        .map(|t| t[0].clone())
        .collect();
    for c in &crisis {
        let want: Vec<(i64, bool, u32)> = c
            .calls
            .iter()
            .map(|k| (k.at, k.emergency, k.talk_s))
            .collect();
        assert_eq!(
            acd.get(&c.e164).cloned().unwrap_or_default(),
            want,
            "{}",
            c.e164
        );
        assert_eq!(truth.contains(&c.e164), c.eligible_at.is_some());
    }
    assert_eq!(truth.len() as u64, s.planted.crisis_callers_eligible);

    // Every caller who meets Kent's rule is in the truth file, crisis callers included.
    let mut keys = Vec::new();
    let mut times = Vec::new();
    for (e164, calls) in &acd {
        for c in calls {
            keys.push(Some(e164.as_str()));
            times.push(c.0);
        }
    }
    let codes = encode_keys(keys.iter().copied());
    let found: HashSet<String> = detect(&RuleSet::kent(), &codes.codes, &times)
        .unwrap()
        .episodes()
        .iter()
        .map(|e| codes.keys[e.key as usize].to_string())
        .collect();
    let want: HashSet<String> = records(&f.truth)
        .into_iter()
        .filter(|t| {
            ["vulnerable_caller", "repeat_victim", "crisis_caller"].contains(&t[1].as_str())
        })
        .map(|t| t[0].clone())
        .collect();
    assert!(truth.len() > 20);
    assert_eq!(found, want);
}

#[test]
fn a_naive_before_and_after_falls_even_without_an_effect() {
    let o = GenerateOptions {
        referral_effect: 1.0,
        ..options(900_000, 365, (2024, 1, 1), 1)
    };
    let crisis = simulate(&CrisisOptions::of(&o)).unwrap();
    let (mut before, mut after, mut referred) = (0usize, 0usize, 0);
    for c in crisis.iter() {
        let Some(r) = c.referred_at else {
            continue;
        };
        assert!(r > c.reviewed_at.unwrap() && c.reviewed_at.unwrap() > c.eligible_at.unwrap());
        referred += 1;
        before += c
            .calls
            .iter()
            .filter(|k| k.at >= r - 4 * WEEK && k.at < r)
            .count();
        after += c
            .calls
            .iter()
            .filter(|k| k.at >= r && k.at < r + 26 * WEEK)
            .count();
    }
    // Calls a week: 4 weeks before against 26 after (fewer where the period ends first,
    // which only makes the fall look smaller).
    let (before_rate, after_rate) = (before as f64 / 4.0, after as f64 / 26.0);
    let fall = 1.0 - after_rate / before_rate;
    println!(
        "{referred} referred: {before_rate:.0} calls a week before, {after_rate:.0} after: a fall of {:.0} %",
        fall * 100.0
    );
    assert!(referred > 100);
    assert!(
        fall > 0.3,
        "a naive fall of tens of percent at no effect: {fall}"
    );

    // The same world with a true effect: only calls after referral change, by about it.
    let o8 = GenerateOptions {
        referral_effect: 0.8,
        ..o
    };
    let crisis8 = simulate(&CrisisOptions::of(&o8)).unwrap();
    let (mut kept, mut all) = (0, 0);
    for (a, b) in crisis.iter().zip(&crisis8) {
        assert_eq!(a.referred_at, b.referred_at);
        let r = a.referred_at.unwrap_or(i64::MAX);
        let pre = |c: &engage_synth::crisis::CrisisCaller| {
            c.calls
                .iter()
                .filter(|k| k.at < r)
                .copied()
                .collect::<Vec<_>>()
        };
        assert_eq!(pre(a), pre(b));
        all += a.calls.len() - pre(a).len();
        kept += b.calls.len() - pre(b).len();
    }
    let ratio = kept as f64 / all as f64;
    assert!((0.76..0.84).contains(&ratio), "{ratio}");
}

#[test]
fn same_seed_same_bytes_with_crisis_callers() {
    let o = GenerateOptions {
        crisis_callers: Some(30),
        ..options(20_000, 100, (2024, 2, 1), 8)
    };
    let (a, sa) = run(&o);
    let (b, sb) = run(&o);
    assert_eq!(sa, sb);
    assert!(a == b);
    assert!(a.referrals.len() > 500 && a.planted_referrals.len() > 100);
    let (c, _) = run(&GenerateOptions { seed: 9, ..o });
    assert!(a.referrals != c.referrals);
}

#[test]
fn short_default_periods_keep_the_shipped_sample() {
    // The shipped sample (datasets/sample/raw) was made before crisis callers and referrals:
    // its files must come out byte for byte the same.
    let o = GenerateOptions {
        districts: Some(vec!["Maidstone".into()]),
        drama_numbers_only: true,
        ..options(6_000, 28, (2025, 10, 6), 2025)
    };
    let (f, s) = run(&o);
    assert_eq!(s.planted.crisis_callers, 0);
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../datasets/sample/raw");
    for (name, bytes) in [
        ("acd_calls.csv", &f.acd),
        ("recordings.csv", &f.recordings),
        ("incident_calls.csv", &f.incidents),
        ("partner_contacts.csv", &f.partners),
        ("planted_truth.csv", &f.truth),
    ] {
        assert!(std::fs::read(dir.join(name)).unwrap() == *bytes, "{name}");
    }
    assert!(
        s.referrals.cases > 0,
        "the planted callers still have cases"
    );
}

#[test]
fn simulate_is_quick_enough_for_many_seeds() {
    let o = options(900_000, 365, (2024, 1, 1), 4);
    let started = std::time::Instant::now();
    let crisis = simulate(&CrisisOptions::of(&o)).unwrap();
    let took = started.elapsed();
    println!(
        "{} crisis callers simulated in {:.3} s",
        crisis.len(),
        took.as_secs_f64()
    );
    assert_eq!(crisis.len(), 818);
    let eligible = crisis.iter().filter(|c| c.eligible_at.is_some()).count();
    let referred = crisis.iter().filter(|c| c.referred_at.is_some()).count();
    assert!(
        eligible > 650 && eligible < 818,
        "some cross the rule, some not: {eligible}"
    );
    assert!((90..200).contains(&referred), "{referred}");
}

#[test]
fn bad_crisis_options_are_refused() {
    let sink = || Exports {
        acd: std::io::sink(),
        recordings: std::io::sink(),
        incidents: std::io::sink(),
        partners: std::io::sink(),
        truth: std::io::sink(),
        referrals: std::io::sink(),
        planted_referrals: std::io::sink(),
    };
    let o = options(2_000, 7, (2024, 5, 1), 1);
    for effect in [1.5, -0.1, f64::NAN] {
        let bad = GenerateOptions {
            referral_effect: effect,
            ..o.clone()
        };
        let err = generate(&bad, sink(), &mut |_| {}).unwrap_err().to_string();
        assert!(err.contains("referral_effect"), "{err}");
        assert!(simulate(&CrisisOptions::of(&bad)).is_err());
    }
    // Drama numbers: 1,000 for planted callers, 6 taken by the other planted callers.
    let drama = GenerateOptions {
        drama_numbers_only: true,
        crisis_callers: Some(995),
        ..o.clone()
    };
    let err = generate(&drama, sink(), &mut |_| {})
        .unwrap_err()
        .to_string();
    assert!(err.contains("995 crisis callers"), "{err}");
    let fits = GenerateOptions {
        crisis_callers: Some(994),
        ..drama
    };
    let s = generate(&fits, sink(), &mut |_| {}).unwrap();
    assert_eq!(s.planted.crisis_callers, 994);
    let negative = CrisisOptions {
        referrals_per_week: -1.0,
        ..CrisisOptions::of(&o)
    };
    assert!(simulate(&negative).is_err());
    // A year with drama numbers only: the default is cut to the numbers left.
    let year = GenerateOptions {
        drama_numbers_only: true,
        ..options(2_000_000, 365, (2024, 1, 1), 1)
    };
    assert_eq!(CrisisOptions::of(&year).callers, 1_000 - 3 * 60);
}

//! The coordinator's loop end to end through the binary: referrals published with the other
//! exports, the views (`caseload`, `morning_list`, `outcomes`) against the generator's planted
//! truth, the packs, and `engage evaluate` against a known true effect.

use std::collections::BTreeMap;
use std::path::Path;

use engage_kernel::pseudonym::PseudonymKey;
use engage_snapshot::Manifest;
use engage_tests::{engage, engage_ok, scratch, workspace_root};

mod common;
use common::referrals_balance;

fn sample() -> String {
    workspace_root()
        .join("datasets/sample/snapshot")
        .to_string_lossy()
        .into_owned()
}

fn json_rows(stdout: &str) -> Vec<serde_json::Value> {
    stdout
        .lines()
        .map(|l| serde_json::from_str(l).expect("a JSON row"))
        .collect()
}

fn rows(data: &str, sql: &str) -> Vec<serde_json::Value> {
    json_rows(&engage_ok(&[
        "sql", "--data", data, "--format", "json", "-c", sql,
    ]))
}

fn micros(rfc3339: &str) -> Option<i64> {
    (!rfc3339.is_empty()).then(|| {
        chrono::DateTime::parse_from_rfc3339(rfc3339)
            .expect("an RFC 3339 time")
            .timestamp_micros()
    })
}

/// `planted_referrals.csv`: case id -> (caller, reviewed_at, referred_at, closed_at).
fn planted_referrals(raw: &Path) -> BTreeMap<String, (String, i64, Option<i64>, Option<i64>)> {
    let text = std::fs::read_to_string(raw.join("planted_referrals.csv")).unwrap();
    let mut lines = text.lines();
    let header: Vec<&str> = lines.next().unwrap().split(',').collect();
    let at = |name: &str| header.iter().position(|h| *h == name).unwrap();
    let (case, caller, reviewed, referred, closed) = (
        at("case_id"),
        at("caller_number_e164"),
        at("reviewed_at"),
        at("referred_at"),
        at("closed_at"),
    );
    lines
        .filter(|l| !l.is_empty())
        .map(|l| {
            let f: Vec<&str> = l.split(',').collect();
            (
                f[case].to_string(),
                (
                    f[caller].to_string(),
                    micros(f[reviewed]).expect("every planted case is reviewed"),
                    micros(f[referred]),
                    micros(f[closed]),
                ),
            )
        })
        .collect()
}

/// The sample is published pseudonymised with the partners' key.
fn sample_key() -> PseudonymKey {
    let text =
        std::fs::read_to_string(workspace_root().join("datasets/sample/raw/partner_key.txt"))
            .unwrap();
    PseudonymKey::from_text(&text).unwrap()
}

#[test]
fn caseload_follows_the_planted_referrals_of_the_sample() {
    let raw = workspace_root().join("datasets/sample/raw");
    let truth = planted_referrals(&raw);
    let key = sample_key();
    assert!(!truth.is_empty(), "the sample has planted cases");
    let data = sample();
    let as_of = rows(
        &data,
        "SELECT CAST(max(received_at) AS BIGINT) AS t FROM contacts",
    )[0]["t"]
        .as_i64()
        .unwrap();
    let caseload = rows(
        &data,
        "SELECT case_id, caller_key, CAST(referred_at AS BIGINT) AS referred, \
         CAST(closed_at AS BIGINT) AS closed, stage FROM caseload ORDER BY case_id",
    );
    let expected: Vec<(String, String, Option<i64>, Option<i64>)> = truth
        .iter()
        .filter(|(_, (_, reviewed, _, _))| *reviewed <= as_of)
        .map(|(case, (caller, _, referred, closed))| {
            let known = |t: &Option<i64>| t.filter(|t| *t <= as_of);
            (
                case.clone(),
                key.pseudonymise(caller),
                known(referred),
                known(closed),
            )
        })
        .collect();
    let actual: Vec<(String, String, Option<i64>, Option<i64>)> = caseload
        .iter()
        .map(|r| {
            (
                r["case_id"].as_str().unwrap().to_string(),
                r["caller_key"].as_str().unwrap().to_string(),
                r["referred"].as_i64(),
                r["closed"].as_i64(),
            )
        })
        .collect();
    assert_eq!(actual, expected);
    for r in &caseload {
        let stage = r["stage"].as_str().unwrap();
        assert_eq!(stage == "closed", r["closed"].is_i64(), "{r}");
    }
}

#[test]
fn the_morning_pack_shows_the_morning_list() {
    let dir = scratch("pack-morning");
    let data = sample();
    let out = dir.join("morning.html");
    // Monday 27 October 2025, 08:00: a morning of the sample with callers to discuss.
    let as_of = "2025-10-27T08:00:00Z";
    engage_ok(&[
        "pack",
        "morning",
        "--data",
        &data,
        "--as-of",
        as_of,
        "--out",
        out.to_str().unwrap(),
    ]);
    let html = std::fs::read_to_string(&out).unwrap();
    let list = json_rows(&engage_ok(&[
        "sql",
        "--data",
        &data,
        "--as-of",
        as_of,
        "--format",
        "json",
        "-c",
        "SELECT section, caller_key FROM morning_list ORDER BY section_order, caller_key",
    ]));
    assert!(
        !list.is_empty(),
        "the sample's morning of {as_of} has callers"
    );
    for heading in engage_pack::morning::SECTION_HEADINGS {
        assert!(html.contains(heading), "{heading}");
    }
    for r in &list {
        assert!(html.contains(r["caller_key"].as_str().unwrap()), "{r}");
    }
    assert!(!html.contains("<script"));
    assert!(!html.contains("http://") && !html.contains("https://"));
}

#[test]
fn the_monthly_pack_and_a_month_without_data() {
    let dir = scratch("pack-monthly");
    let data = sample();
    let out = dir.join("monthly.html");
    engage_ok(&[
        "pack",
        "monthly",
        "--data",
        &data,
        "--month",
        "2025-10",
        "--bootstrap",
        "50",
        "--out",
        out.to_str().unwrap(),
    ]);
    let html = std::fs::read_to_string(&out).unwrap();
    assert!(html.contains("Is it working?"));
    assert!(!html.contains("<script"));
    let identified = rows(
        &data,
        "SELECT count(*) AS n FROM repeat_callers WHERE to_char(uk_date(first_flagged_at), '%Y-%m') = '2025-10'",
    )[0]["n"]
        .as_i64()
        .unwrap();
    assert!(identified > 0);
    assert!(
        html.contains(&format!(">{identified}<")),
        "identified {identified}"
    );

    let empty = dir.join("empty.html");
    let failed = engage(&[
        "pack",
        "monthly",
        "--data",
        &data,
        "--month",
        "2019-01",
        "--out",
        empty.to_str().unwrap(),
    ]);
    assert!(!failed.status.success());
    let stderr = String::from_utf8_lossy(&failed.stderr);
    assert!(stderr.contains("no contacts in that month"), "{stderr}");
    assert!(!empty.exists());
}

/// Generates a year with crisis callers and a true referral effect, publishes it, and returns
/// the snapshot store.
fn world(name: &str, effect: &str) -> String {
    let dir = scratch(name);
    let raw = dir.join("raw");
    engage_ok(&[
        "generate",
        "--out",
        raw.to_str().unwrap(),
        "--contacts",
        "20000",
        "--days",
        "364",
        "--start",
        "2025-01-06",
        "--seed",
        "11",
        "--crisis-callers",
        "800",
        "--referral-effect",
        effect,
    ]);
    let snapshots = dir.join("snapshots");
    engage_ok(&[
        "publish",
        "--raw",
        raw.to_str().unwrap(),
        "--out",
        snapshots.to_str().unwrap(),
    ]);
    year_of_referrals_balances(&raw, &snapshots);
    snapshots.to_string_lossy().into_owned()
}

/// A year of referrals, dirt and all, balances against the generator's counts (read =
/// published + duplicates + rejected, each kind of dirt rejected), and carries some dirt.
fn year_of_referrals_balances(raw: &Path, snapshots: &Path) {
    let summary: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(raw.join("generate_summary.json")).unwrap())
            .unwrap();
    let manifest = std::fs::read_dir(snapshots)
        .unwrap()
        .map(|e| e.unwrap().path().join("manifest.json"))
        .find(|p| p.exists())
        .unwrap();
    let manifest: Manifest =
        serde_json::from_str(&std::fs::read_to_string(manifest).unwrap()).unwrap();
    referrals_balance(&summary, &manifest);
    assert!(
        manifest.counts["referrals"].rejected > 0,
        "a year of referrals carries dirt: {}",
        summary["summary"]["referrals"]
    );
}

/// (rate ratio, low, high, naive ratio) of `engage_impact` on `data`.
fn estimate(data: &str) -> (f64, f64, f64, f64) {
    let found = rows(
        data,
        "SELECT measure, estimate, low, high FROM engage_impact('contacts', 'referrals', '10/7d', 'bootstrap=400 seed=3') \
         WHERE measure IN ('rate_ratio', 'naive_ratio')",
    );
    let get = |m: &str| found.iter().find(|r| r["measure"] == m).unwrap().clone();
    let ratio = get("rate_ratio");
    (
        ratio["estimate"].as_f64().unwrap(),
        ratio["low"].as_f64().unwrap(),
        ratio["high"].as_f64().unwrap(),
        get("naive_ratio")["estimate"].as_f64().unwrap(),
    )
}

#[test]
fn evaluate_finds_a_true_effect_and_no_effect_where_there_is_none() {
    let effective = world("impact-0.7", "0.7");
    let (ratio, low, high, naive) = estimate(&effective);
    assert!(
        low <= 0.7 && 0.7 <= high,
        "0.7 not in {low}..{high} ({ratio})"
    );
    assert!(
        high < 1.0,
        "the interval {low}..{high} should exclude no effect"
    );
    assert!(
        naive < 0.7,
        "the naive before/after {naive} falls by tens of percent"
    );

    let null = world("impact-1.0", "1.0");
    let (ratio, low, high, naive) = estimate(&null);
    assert!(
        low <= 1.0 && 1.0 <= high,
        "1.0 not in {low}..{high} ({ratio})"
    );
    assert!(
        naive < 0.7,
        "the naive before/after {naive} falls by tens of percent"
    );

    let said = engage_ok(&["evaluate", "--data", &null, "--bootstrap", "200"]);
    assert!(said.contains("naive before/after"), "{said}");
    assert!(said.contains("rate ratio"), "{said}");
}

#[test]
fn evaluate_without_referrals_says_what_is_missing() {
    let dir = scratch("impact-no-referrals");
    let raw = dir.join("raw");
    engage_ok(&[
        "generate",
        "--out",
        raw.to_str().unwrap(),
        "--contacts",
        "3000",
        "--days",
        "28",
        "--seed",
        "5",
    ]);
    std::fs::remove_file(raw.join("referrals.csv")).unwrap();
    let snapshots = dir.join("snapshots");
    engage_ok(&[
        "publish",
        "--raw",
        raw.to_str().unwrap(),
        "--out",
        snapshots.to_str().unwrap(),
    ]);
    let failed = engage(&["evaluate", "--data", snapshots.to_str().unwrap()]);
    assert!(!failed.status.success());
    let stderr = String::from_utf8_lossy(&failed.stderr);
    assert!(stderr.contains("referr"), "{stderr}");
    assert_eq!(String::from_utf8_lossy(&failed.stdout), "");
}

/// `engage generate && engage publish && engage pack morning` on generated data: a morning
/// (Monday 21 July 2025, 08:00) whose every section has callers, each of them in the pack.
#[test]
fn a_generated_morning_fills_every_section_of_the_pack() {
    let dir = scratch("pack-generated");
    let raw = dir.join("raw");
    engage_ok(&[
        "generate",
        "--out",
        raw.to_str().unwrap(),
        "--contacts",
        "60000",
        "--days",
        "182",
        "--start",
        "2025-04-07",
        "--seed",
        "4",
        "--crisis-callers",
        "300",
    ]);
    let snapshots = dir.join("snapshots");
    engage_ok(&[
        "publish",
        "--raw",
        raw.to_str().unwrap(),
        "--out",
        snapshots.to_str().unwrap(),
    ]);
    let data = snapshots.to_str().unwrap();
    let as_of = "2025-07-21T08:00:00Z";
    let list = json_rows(&engage_ok(&[
        "sql",
        "--data",
        data,
        "--as-of",
        as_of,
        "--format",
        "json",
        "-c",
        "SELECT section, caller_key, case_id FROM morning_list",
    ]));
    let out = dir.join("morning.html");
    engage_ok(&[
        "pack",
        "morning",
        "--data",
        data,
        "--as-of",
        as_of,
        "--out",
        out.to_str().unwrap(),
    ]);
    let html = std::fs::read_to_string(&out).unwrap();
    for section in [
        "new_repeat_caller",
        "called_again",
        "marker_expiring",
        "review_overdue",
    ] {
        let rows: Vec<_> = list.iter().filter(|r| r["section"] == section).collect();
        assert!(!rows.is_empty(), "{section} is empty on {as_of}");
        for r in rows {
            assert!(html.contains(r["caller_key"].as_str().unwrap()), "{r}");
            if let Some(case) = r["case_id"].as_str() {
                assert!(html.contains(case), "{r}");
            }
        }
    }
}

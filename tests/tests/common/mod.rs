//! Steps and checks shared by the end-to-end test files (each includes this module and uses
//! some of it).

#![allow(dead_code)]

use std::path::Path;

use engage_snapshot::Manifest;
use engage_tests::engage_ok;

/// `engage generate` of `contacts` calls over 35 days from 1 October 2025 into `dir`.
pub fn generate(dir: &Path, seed: &str, contacts: &str) {
    engage_ok(&[
        "generate",
        "--out",
        dir.to_str().unwrap(),
        "--contacts",
        contacts,
        "--days",
        "35",
        "--start",
        "2025-10-01",
        "--seed",
        seed,
    ]);
}

/// The referrals source against the generator's count of its rows and dirt: every row read is
/// published, a duplicate, or rejected for the dirt planted in it.
pub fn referrals_balance(summary: &serde_json::Value, m: &Manifest) {
    let planted = &summary["summary"]["referrals"];
    let n = |k: &str| {
        planted["dirt"][k]
            .as_u64()
            .unwrap_or_else(|| panic!("referrals: no {k} in {planted}"))
    };
    let counts = &m.counts["referrals"];
    assert_eq!(counts.read, planted["rows"].as_u64().unwrap(), "{counts:?}");
    assert_eq!(
        counts.published,
        planted["published"].as_u64().unwrap(),
        "{counts:?}"
    );
    assert_eq!(counts.duplicates, n("duplicates"), "{counts:?}");
    assert_eq!(
        counts.rejected,
        n("unknown_decisions")
            + n("unknown_csus")
            + n("bad_times")
            + n("before_case_opened")
            + n("short_rows"),
        "{planted} vs {counts:?}"
    );
    assert_eq!(m.referrals, Some(counts.published));
}

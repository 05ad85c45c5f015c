//! The coordinator's products at scale: generates a year of synthetic exports with crisis
//! callers and their cases (cached in `target/bench-coordinator/`), publishes them once, then
//! times `engage pack monthly`, `engage pack morning` and `engage evaluate` as a coordinator
//! runs them (fresh processes, the snapshot read from disk), and prints the cases, the
//! eligible callers and the seconds each took.
//!
//! `cargo bench -p engage-cli --bench coordinator` (`ENGAGE_BENCH_CONTACTS`, default
//! 10,000,000, and `ENGAGE_BENCH_CRISIS_CALLERS`, default 2,000, change the size).

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Instant;

fn env_number(name: &str, default: u64) -> u64 {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

/// Runs the release `engage` with `args`; returns its stdout and the wall-clock seconds.
fn engage(args: &[&str]) -> (String, f64) {
    let started = Instant::now();
    let out = Command::new(env!("CARGO_BIN_EXE_engage"))
        .args(args)
        .output()
        .expect("engage runs");
    let seconds = started.elapsed().as_secs_f64();
    assert!(
        out.status.success(),
        "engage {args:?} failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    (String::from_utf8_lossy(&out.stdout).into_owned(), seconds)
}

fn path(p: &Path) -> &str {
    p.to_str().expect("a UTF-8 path")
}

fn main() {
    let contacts = env_number("ENGAGE_BENCH_CONTACTS", 10_000_000);
    let crisis = env_number("ENGAGE_BENCH_CRISIS_CALLERS", 2_000);
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../../target/bench-coordinator")
        .join(format!("{contacts}-{crisis}"));
    let raw = root.join("raw");
    let snapshots = root.join("snapshots");
    if !raw.join("generate_summary.json").exists() {
        let (_, s) = engage(&[
            "generate",
            "--out",
            path(&raw),
            "--contacts",
            &contacts.to_string(),
            "--days",
            "365",
            "--start",
            "2025-01-06",
            "--seed",
            "1",
            "--crisis-callers",
            &crisis.to_string(),
            "--referral-effect",
            "0.86",
        ]);
        println!("generated {contacts} contacts with {crisis} crisis callers in {s:.1} s");
    }
    if !snapshots.exists() {
        let (_, s) = engage(&["publish", "--raw", path(&raw), "--out", path(&snapshots)]);
        println!("published in {s:.1} s");
    }
    let data = path(&snapshots);
    let (counts, _) = engage(&[
        "sql",
        "--data",
        data,
        "--format",
        "csv",
        "-c",
        "SELECT (SELECT count(*) FROM contacts) AS contacts, (SELECT count(DISTINCT case_id) FROM referrals) AS cases, (SELECT count(*) FROM repeat_callers) AS eligible",
    ]);
    println!(
        "snapshot (contacts,cases,eligible callers): {}",
        counts.lines().nth(1).unwrap_or("")
    );
    let out = root.join("out");
    std::fs::create_dir_all(&out).expect("an output folder");
    let monthly = out.join("monthly.html");
    let morning = out.join("morning.html");
    let runs: [(&str, Vec<&str>); 3] = [
        (
            "engage pack monthly --month 2025-10",
            vec![
                "pack",
                "monthly",
                "--data",
                data,
                "--month",
                "2025-10",
                "--out",
                path(&monthly),
            ],
        ),
        (
            "engage pack morning",
            vec!["pack", "morning", "--data", data, "--out", path(&morning)],
        ),
        (
            "engage evaluate --bootstrap 1000",
            vec!["evaluate", "--data", data, "--bootstrap", "1000"],
        ),
    ];
    for (name, args) in runs {
        let times: Vec<f64> = (0..3).map(|_| engage(&args).1).collect();
        let mut sorted = times.clone();
        sorted.sort_by(f64::total_cmp);
        println!(
            "{name}: median {:.2} s (runs {})",
            sorted[1],
            times
                .iter()
                .map(|t| format!("{t:.2}"))
                .collect::<Vec<_>>()
                .join(", ")
        );
    }
}

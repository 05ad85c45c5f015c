//! Publish, stage by stage: generates synthetic exports (once, cached in
//! `$CARGO_TARGET_DIR/bench-publish/raw-N`), then times reading each source, finishing the
//! ingest (clock change, links, sort) and writing the snapshot, separately. The shape of
//! `crates/cli/benches/publish.rs`, without DataFusion, so it can run under `perf record`.
//!
//! `cargo run --release -p engage-snapshot --example publish_profile -- [CALLS]` (default
//! 1,000,000). `ENGAGE_DUMP=FILE` writes the report, every reject and a digest of the
//! contacts and referrals to FILE, to compare two builds byte for byte; `ENGAGE_KEY=1`
//! publishes pseudonymised with a fixed test key; `ENGAGE_NO_WRITE=1` skips the write;
//! `ENGAGE_THREADS=N` reads each file's rows on N threads (1: on this one; default one per
//! core); `ENGAGE_RAW=DIR` reads the exports in DIR instead (such as `datasets/sample/raw`).

use std::io::Write;
use std::path::PathBuf;
use std::time::Instant;

use engage_ingest::{Ingest, IngestOptions, Profiles, SourceKind};
use engage_kernel::postcode::CsuTable;
use engage_kernel::pseudonym::PseudonymKey;
use engage_snapshot::{SnapshotStore, write_snapshot};
use sha2::{Digest, Sha256};

fn main() {
    let calls: u64 = std::env::args()
        .nth(1)
        .and_then(|v| v.parse().ok())
        .unwrap_or(1_000_000);
    let target = std::env::var("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|_| PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../target"));
    let root = target.join("bench-publish");
    let raw = std::env::var("ENGAGE_RAW")
        .map(PathBuf::from)
        .unwrap_or_else(|_| root.join(format!("raw-{calls}")));
    if !raw.join("generate_summary.json").exists() {
        let options = engage_synth::GenerateOptions {
            contacts: calls,
            days: 365,
            start: chrono::NaiveDate::from_ymd_opt(2025, 1, 1).unwrap(),
            seed: 1,
            districts: None,
            drama_numbers_only: false,
            ..Default::default()
        };
        let started = Instant::now();
        engage_synth::generate_to_dir(&options, &raw, &mut |_| {}).expect("generate");
        println!(
            "generated {calls} calls in {:.1} s",
            started.elapsed().as_secs_f64()
        );
    }

    let key = std::env::var("ENGAGE_KEY")
        .is_ok()
        .then(|| PseudonymKey::new(b"engage-profile-key-0123456789").unwrap());
    let profiles = Profiles::default();
    let started = Instant::now();
    let cpu_started = cpu_seconds();
    let mut ingest = Ingest::new(IngestOptions {
        profiles: &profiles,
        key: key.as_ref(),
        csu: CsuTable::kent(),
    });
    if let Some(threads) = std::env::var("ENGAGE_THREADS")
        .ok()
        .and_then(|v| v.parse().ok())
    {
        ingest = ingest.parallelism(threads, 4096);
    }
    for kind in SourceKind::ALL {
        let source_started = Instant::now();
        let file = std::fs::File::open(raw.join(&profiles.get(kind).file)).expect("export");
        let bytes = file.metadata().map(|m| m.len()).unwrap_or(0);
        let mut rows_read = 0;
        ingest
            .read(
                kind,
                std::io::BufReader::with_capacity(1 << 20, file),
                &mut |rows| rows_read = rows,
            )
            .expect("read");
        println!(
            "  read {:<10} {:>6.1} MB {:>7.2} s; {:>9} rows; memory held {:>6.0} MB",
            kind.name(),
            bytes as f64 / 1e6,
            source_started.elapsed().as_secs_f64(),
            rows_read,
            rss_mb("VmRSS:"),
        );
    }
    let read_s = started.elapsed().as_secs_f64();
    let cpu_read = cpu_seconds();
    let peak_read = peak_rss_mb();
    let ingested = ingest.finish();
    let ingest_s = started.elapsed().as_secs_f64();
    let cpu_finish = cpu_seconds();
    let peak_finish = peak_rss_mb();
    let held_finish = rss_mb("VmRSS:");
    let rows: u64 = ingested.report.sources.values().map(|c| c.read).sum();
    let acd = ingested.report.sources["acd"].read;

    if let Ok(path) = std::env::var("ENGAGE_DUMP") {
        dump(&ingested, &path);
    }

    let write_s = if std::env::var("ENGAGE_NO_WRITE").is_ok() {
        0.0
    } else {
        let out = root.join("snapshots");
        let _ = std::fs::remove_dir_all(&out);
        let store = SnapshotStore::open(out.to_str().unwrap()).expect("store");
        let runtime = tokio::runtime::Runtime::new().unwrap();
        let write_started = Instant::now();
        runtime
            .block_on(write_snapshot(
                &store,
                &ingested,
                Default::default(),
                "profile",
                key.is_some(),
                true,
                &mut |_| {},
            ))
            .expect("write");
        write_started.elapsed().as_secs_f64()
    };
    let cpu_write = cpu_seconds();
    let total = ingest_s + write_s;
    println!(
        "rows read (all sources): {rows}; ACD rows: {acd}; contacts published: {}; rejects: {}",
        ingested.report.contacts, ingested.report.rejects
    );
    println!(
        "read+parse {read_s:.2} s; link+sort {:.2} s; write Parquet {write_s:.2} s; total {total:.2} s",
        ingest_s - read_s
    );
    println!(
        "CPU time (all threads): read+parse {:.2} s; link+sort {:.2} s; write Parquet (or the dump) {:.2} s",
        cpu_read - cpu_started,
        cpu_finish - cpu_read,
        cpu_write - cpu_finish
    );
    println!(
        "peak RSS so far (MB): after read+parse {peak_read:.0}; after link+sort {peak_finish:.0}; after write {:.0}",
        peak_rss_mb()
    );
    println!(
        "memory held after link+sort (the contacts, rejects and referrals): {held_finish:.0} MB"
    );
    println!(
        "throughput: {:.0} raw rows/s, {:.0} ACD rows/s",
        rows as f64 / total,
        acd as f64 / total,
    );
}

/// CPU seconds this process has used, user and system, all threads (Linux: `/proc/self/stat`,
/// in clock ticks of 1/100 s); 0 elsewhere. The machine is shared: the wall time of a stage
/// depends on what else runs, its CPU time much less.
fn cpu_seconds() -> f64 {
    let Ok(stat) = std::fs::read_to_string("/proc/self/stat") else {
        return 0.0;
    };
    // Fields after the command name (which is in parentheses and may hold spaces).
    let rest = stat.rsplit_once(')').map_or("", |(_, rest)| rest);
    let fields: Vec<&str> = rest.split_whitespace().collect();
    let ticks = |i: usize| {
        fields
            .get(i)
            .and_then(|f| f.parse::<f64>().ok())
            .unwrap_or(0.0)
    };
    // utime and stime are fields 14 and 15 of the line, 12 and 13 after the name.
    (ticks(11) + ticks(12)) / 100.0
}

/// The most memory this process has held so far, in MB (Linux: `VmHWM` of
/// `/proc/self/status`); 0 elsewhere.
fn peak_rss_mb() -> f64 {
    rss_mb("VmHWM:")
}

/// A memory figure of `/proc/self/status` (`VmRSS:` now, `VmHWM:` the peak), in MB; 0
/// elsewhere.
fn rss_mb(field: &str) -> f64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    status
        .lines()
        .find_map(|l| l.strip_prefix(field))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse::<f64>().ok())
        .map_or(0.0, |kb| kb / 1024.0)
}

/// The report, every reject, and digests of the contacts and referrals, as text.
fn dump(ingested: &engage_ingest::Ingested, path: &str) {
    let mut out = std::io::BufWriter::new(std::fs::File::create(path).expect("dump file"));
    writeln!(out, "{:#?}", ingested.report).unwrap();
    for reject in &ingested.rejects {
        writeln!(out, "{:?}", reject.to_reject()).unwrap();
    }
    let mut contacts = Sha256::new();
    for contact in &ingested.contacts {
        contacts.update(format!("{:?}\n", contact.to_contact()).as_bytes());
    }
    writeln!(out, "contacts sha256 {:x}", contacts.finalize()).unwrap();
    let mut referrals = Sha256::new();
    for referral in ingested.referrals.iter().flatten() {
        referrals.update(format!("{referral:?}\n").as_bytes());
    }
    writeln!(out, "referrals sha256 {:x}", referrals.finalize()).unwrap();
}

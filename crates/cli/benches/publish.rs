//! Publish throughput: generates synthetic exports of at least 5M ACD calls (once, cached in
//! `target/bench-publish/`), then times `ingest` (read, normalise, link, sort) and writing the
//! snapshot, and reports rows per second.
//!
//! `cargo bench -p engage-cli --bench publish` (`ENGAGE_BENCH_CALLS` changes the size).

use std::path::PathBuf;
use std::time::Instant;

use engage_ingest::{Ingest, IngestOptions, Profiles, SourceKind};
use engage_kernel::postcode::CsuTable;
use engage_snapshot::{SnapshotStore, write_snapshot};

fn main() {
    let calls: u64 = std::env::var("ENGAGE_BENCH_CALLS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(5_000_000);
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../target/bench-publish");
    let raw = root.join(format!("raw-{calls}"));
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

    let profiles = Profiles::default();
    let started = Instant::now();
    let mut ingest = Ingest::new(IngestOptions {
        profiles: &profiles,
        key: None,
        csu: CsuTable::kent(),
    });
    for kind in SourceKind::ALL {
        let file = std::fs::File::open(raw.join(&profiles.get(kind).file)).expect("export");
        ingest
            .read(
                kind,
                std::io::BufReader::with_capacity(1 << 20, file),
                &mut |_| {},
            )
            .expect("read");
    }
    let read_s = started.elapsed().as_secs_f64();
    let ingested = ingest.finish();
    let ingest_s = started.elapsed().as_secs_f64();
    let rows: u64 = ingested.report.sources.values().map(|c| c.read).sum();
    let acd = ingested.report.sources["acd"].read;

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
            "bench",
            false,
            true,
            &mut |_| {},
        ))
        .expect("write");
    let write_s = write_started.elapsed().as_secs_f64();
    let total = ingest_s + write_s;
    println!(
        "rows read (all sources): {rows}; ACD rows: {acd}; contacts published: {}",
        ingested.report.contacts
    );
    println!(
        "read+parse {read_s:.2} s; link+sort {:.2} s; write Parquet {write_s:.2} s; total {total:.2} s",
        ingest_s - read_s
    );
    println!(
        "throughput: {:.0} raw rows/s, {:.0} ACD rows/s, {:.0} contacts/s written",
        rows as f64 / total,
        acd as f64 / total,
        ingested.report.contacts as f64 / total
    );
}

//! `engage generate` then `engage publish`, end to end through the binary.

use std::path::{Path, PathBuf};
use std::process::Command;

use engage_snapshot::{Manifest, SnapshotStore};
use engage_tests::{engage, engage_ok, scratch, workspace_root};

mod common;
use common::{generate, referrals_balance};
use parquet::file::reader::{FileReader, SerializedFileReader};

fn committed(location: &str) -> Vec<Manifest> {
    let store = SnapshotStore::open(location).unwrap();
    tokio::runtime::Runtime::new()
        .unwrap()
        .block_on(store.committed())
        .unwrap()
}

fn parquet_rows(path: &Path) -> u64 {
    let reader = SerializedFileReader::new(std::fs::File::open(path).unwrap()).unwrap();
    reader.metadata().file_metadata().num_rows() as u64
}

fn summary(raw: &Path) -> serde_json::Value {
    serde_json::from_str(&std::fs::read_to_string(raw.join("generate_summary.json")).unwrap())
        .unwrap()
}

#[test]
fn every_row_is_accounted_for_and_the_snapshot_is_readable() {
    let dir = scratch("publish-accounting");
    let raw = dir.join("raw");
    generate(&raw, "7", "20000");
    let out = dir.join("snapshots");
    let stdout = engage_ok(&[
        "publish",
        "--raw",
        raw.to_str().unwrap(),
        "--out",
        out.to_str().unwrap(),
    ]);
    assert!(stdout.contains("committed snapshot"), "{stdout}");

    let manifests = committed(out.to_str().unwrap());
    assert_eq!(manifests.len(), 1);
    let m = &manifests[0];
    assert!(m.synthetic);
    assert!(!m.pseudonymised);
    for (name, c) in &m.counts {
        assert_eq!(
            c.read,
            c.published + c.merged + c.duplicates + c.rejected,
            "{name}: {c:?}"
        );
        assert!(c.read > 0, "{name} read nothing");
    }
    let snapshot = out.join(&m.snapshot_id);
    let rows: u64 = m.tables["contacts"]
        .iter()
        .map(|f| parquet_rows(&snapshot.join(f)))
        .sum();
    assert_eq!(rows, m.contacts);
    assert_eq!(
        parquet_rows(&snapshot.join(&m.tables["rejects"][0])),
        m.rejects
    );
    let total_rejected: u64 = m.counts.values().map(|c| c.rejected).sum();
    assert_eq!(total_rejected, m.rejects);

    // The generator's planted dirt, each with its exact count.
    let s = summary(&raw);
    for source in ["acd", "incidents", "partners", "recordings"] {
        let dirt = &s["summary"][source]["dirt"];
        let counts = &m.counts[source];
        let n = |k: &str| {
            dirt[k]
                .as_u64()
                .unwrap_or_else(|| panic!("{source}: no {k} in {dirt}"))
        };
        assert_eq!(counts.duplicates, n("duplicates"), "{source}");
        assert_eq!(
            counts.ambiguous_times,
            n("autumn_ambiguous_times"),
            "{source}"
        );
        let bad_rows =
            n("short_rows") + n("unparseable_phones") + n("spring_gap_rows") + n("bad_times");
        assert_eq!(
            counts.rejected - counts.not_a_contact - counts.unmatched,
            bad_rows,
            "{source}: {dirt} vs {counts:?}"
        );
    }
    assert_eq!(m.counts["incidents"].unmatched, 0);
    referrals_balance(&s, m);
}

#[test]
fn duckdb_and_pyarrow_open_the_snapshot_without_help() {
    let dir = scratch("publish-peers");
    let raw = dir.join("raw");
    generate(&raw, "3", "5000");
    let out = dir.join("snapshots");
    engage_ok(&[
        "publish",
        "--raw",
        raw.to_str().unwrap(),
        "--out",
        out.to_str().unwrap(),
    ]);
    let m = &committed(out.to_str().unwrap())[0];
    let script = workspace_root().join("tests/scripts/read_snapshot.py");
    let result = Command::new("python3")
        .arg(script)
        .arg(out.join(&m.snapshot_id))
        .output()
        .expect("python3 runs");
    assert!(
        result.status.success(),
        "{}",
        String::from_utf8_lossy(&result.stderr)
    );
    let seen: serde_json::Value = serde_json::from_slice(&result.stdout).unwrap();
    assert_eq!(seen["pyarrow_rows"].as_u64(), Some(m.contacts));
    assert_eq!(seen["duckdb_rows"].as_u64(), Some(m.contacts));
    assert_eq!(seen["pyarrow_rejects"].as_u64(), Some(m.rejects));
    assert_eq!(seen["pyarrow_received_at"], "timestamp[us, tz=UTC]");
}

#[test]
fn publishing_twice_gives_the_same_data_and_pseudonyms_hide_numbers() {
    let dir = scratch("publish-twice");
    let raw = dir.join("raw");
    generate(&raw, "5", "3000");
    let (a, b) = (dir.join("a"), dir.join("b"));
    for out in [&a, &b] {
        engage_ok(&[
            "publish",
            "--raw",
            raw.to_str().unwrap(),
            "--out",
            out.to_str().unwrap(),
        ]);
    }
    let (ma, mb) = (
        &committed(a.to_str().unwrap())[0],
        &committed(b.to_str().unwrap())[0],
    );
    assert_eq!(ma.snapshot_id, mb.snapshot_id);
    // Each publish writes into its own run folder; the files themselves are the same bytes.
    assert_eq!(ma.tables["contacts"].len(), mb.tables["contacts"].len());
    for (fa, fb) in ma.tables["contacts"].iter().zip(&mb.tables["contacts"]) {
        let bytes = |root: &PathBuf, file: &str| {
            std::fs::read(root.join(&ma.snapshot_id).join(file)).unwrap()
        };
        assert!(
            bytes(&a, fa) == bytes(&b, fb),
            "{fa} and {fb} differ between two publishes"
        );
    }

    let key = dir.join("key.txt");
    std::fs::write(&key, "a-synthetic-test-key-0123456789\n").unwrap();
    // publish refuses a key file others may read.
    #[cfg(unix)]
    std::fs::set_permissions(&key, std::os::unix::fs::PermissionsExt::from_mode(0o600)).unwrap();
    let hidden = dir.join("hidden");
    engage_ok(&[
        "publish",
        "--raw",
        raw.to_str().unwrap(),
        "--out",
        hidden.to_str().unwrap(),
        "--pseudonymise-key-file",
        key.to_str().unwrap(),
    ]);
    let m = &committed(hidden.to_str().unwrap())[0];
    assert!(m.pseudonymised);
    assert_ne!(m.snapshot_id, ma.snapshot_id);
    let contacts =
        std::fs::read(hidden.join(&m.snapshot_id).join(&m.tables["contacts"][0])).unwrap();
    let text = String::from_utf8_lossy(&contacts);
    assert!(
        !text.contains("+447"),
        "an E.164 number is left in a pseudonymised snapshot"
    );
}

#[test]
fn a_publish_killed_midway_leaves_no_half_snapshot() {
    let dir = scratch("publish-killed");
    let (first, second) = (dir.join("first"), dir.join("second"));
    generate(&first, "11", "2000");
    generate(&second, "12", "60000");
    let out = dir.join("snapshots");
    engage_ok(&[
        "publish",
        "--raw",
        first.to_str().unwrap(),
        "--out",
        out.to_str().unwrap(),
    ]);
    let before = committed(out.to_str().unwrap());
    assert_eq!(before.len(), 1);
    for delay_ms in [20u64, 80, 200, 400, 800, 1600] {
        let mut child = Command::new(engage_tests::engage_binary())
            .args([
                "publish",
                "--raw",
                second.to_str().unwrap(),
                "--out",
                out.to_str().unwrap(),
            ])
            .stdout(std::process::Stdio::null())
            .spawn()
            .unwrap();
        std::thread::sleep(std::time::Duration::from_millis(delay_ms));
        let _ = child.kill();
        let _ = child.wait();
        let after = committed(out.to_str().unwrap());
        assert!(
            after.iter().any(|m| m == &before[0]),
            "the earlier snapshot was touched"
        );
        for m in &after {
            let rows: u64 = m.tables["contacts"]
                .iter()
                .map(|f| parquet_rows(&out.join(&m.snapshot_id).join(f)))
                .sum();
            assert_eq!(
                rows, m.contacts,
                "a committed snapshot is incomplete after a kill at {delay_ms} ms"
            );
        }
    }
}

#[test]
fn errors_name_what_to_fix() {
    let dir = scratch("publish-errors");
    let out = engage(&[
        "publish",
        "--raw",
        dir.join("nowhere").to_str().unwrap(),
        "--out",
        dir.to_str().unwrap(),
    ]);
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("is not a folder"), "{err}");

    std::fs::create_dir_all(dir.join("raw")).unwrap();
    std::fs::write(dir.join("raw/acd_calls.csv"), "call_id,line\nA1,999\n").unwrap();
    let out = engage(&[
        "publish",
        "--raw",
        dir.join("raw").to_str().unwrap(),
        "--out",
        dir.join("s").to_str().unwrap(),
    ]);
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("acd_calls.csv") && err.contains("no column `cli`"),
        "{err}"
    );
    assert!(committed(dir.join("s").to_str().unwrap()).is_empty());
}

/// `engage snapshots clean`: a killed run's files are named with their reason (`--dry-run`),
/// then removed; the committed snapshot is untouched and reads as before; a second clean finds
/// nothing.
#[test]
fn snapshots_clean_names_and_removes_a_killed_runs_files() {
    let dir = scratch("snapshots-clean");
    let raw = dir.join("raw");
    generate(&raw, "11", "500");
    let store = dir.join("store");
    let location = store.to_str().unwrap();
    engage_ok(&["publish", "--raw", raw.to_str().unwrap(), "--out", location]);
    let manifest = &committed(location)[0];
    let killed = store
        .join(&manifest.snapshot_id)
        .join("run-killed")
        .join("contacts");
    std::fs::create_dir_all(&killed).unwrap();
    std::fs::write(killed.join("part-00000.parquet"), b"half a file").unwrap();
    let leftover = format!(
        "{}/run-killed/contacts/part-00000.parquet",
        manifest.snapshot_id
    );

    let listed = engage_ok(&["snapshots", "clean", location, "--dry-run"]);
    assert_eq!(
        listed,
        format!("leftover {leftover} (not listed by its snapshot's manifest)\nfound 1 file\n")
    );
    assert!(
        killed.join("part-00000.parquet").exists(),
        "--dry-run removed it"
    );
    let removed = engage_ok(&["snapshots", "clean", location]);
    assert!(
        removed.starts_with(&format!("removed {leftover} ")),
        "{removed}"
    );
    assert!(!killed.join("part-00000.parquet").exists());
    assert_eq!(
        engage_ok(&["snapshots", "clean", location]),
        "removed 0 files\n"
    );

    let count = engage_ok(&[
        "sql",
        "--data",
        location,
        "--format",
        "csv",
        "-c",
        "SELECT count(*) AS n FROM contacts",
    ]);
    assert_eq!(count, format!("n\n{}\n", manifest.contacts));
}

//! `engage sql` on the shipped sample snapshot: the views find exactly the callers that the
//! rule implies (checked against the kernel run directly on the snapshot's rows), and the
//! triage suggestion matches the generator's planted truth.

use std::collections::BTreeSet;

use arrow::array::AsArray;
use arrow::datatypes::TimestampMicrosecondType;
use engage_kernel::pseudonym::PseudonymKey;
use engage_kernel::{RuleSet, detect, encode_keys};
use engage_tests::{engage, engage_ok, scratch, workspace_root};
use parquet::arrow::arrow_reader::ParquetRecordBatchReaderBuilder;

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

/// The rows of `sql` on the sample snapshot, under `rule` (the default rule set if None).
fn sample_rows(rule: Option<&str>, sql: &str) -> Vec<serde_json::Value> {
    let sample = sample();
    let mut args = vec!["sql", "--data", &sample, "--format", "json", "-c", sql];
    if let Some(rule) = rule {
        args.extend(["--rule", rule]);
    }
    json_rows(&engage_ok(&args))
}

/// The callers with an episode, by the kernel on the snapshot's own rows.
fn kernel_repeat_callers(rules: &RuleSet) -> BTreeSet<String> {
    let dir = workspace_root().join("datasets/sample/snapshot");
    let snapshot = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .find(|p| p.join("manifest.json").exists())
        .unwrap();
    let mut keys: Vec<Option<String>> = Vec::new();
    let mut times: Vec<i64> = Vec::new();
    let manifest: engage_snapshot::Manifest =
        serde_json::from_str(&std::fs::read_to_string(snapshot.join("manifest.json")).unwrap())
            .unwrap();
    for file in manifest.table_files("contacts") {
        let reader = ParquetRecordBatchReaderBuilder::try_new(
            std::fs::File::open(snapshot.join(file)).unwrap(),
        )
        .unwrap()
        .build()
        .unwrap();
        for batch in reader {
            let batch = batch.unwrap();
            let k = batch
                .column_by_name("caller_key")
                .unwrap()
                .as_string::<i32>();
            keys.extend(k.iter().map(|v| v.map(str::to_string)));
            times.extend(
                batch
                    .column_by_name("received_at")
                    .unwrap()
                    .as_primitive::<TimestampMicrosecondType>()
                    .values()
                    .iter(),
            );
        }
    }
    let codes = encode_keys(keys.iter().map(|k| k.as_deref()));
    let found = detect(rules, &codes.codes, &times).unwrap();
    found
        .episodes()
        .iter()
        .map(|e| codes.keys[e.key as usize].to_string())
        .collect()
}

#[test]
fn the_views_find_exactly_the_callers_the_rule_implies() {
    for rule in ["10/7d", "5/30d,12/90d", "3/1d", "4/36h"] {
        let from_views: BTreeSet<String> =
            sample_rows(Some(rule), "SELECT caller_key FROM repeat_callers")
                .iter()
                .map(|r| r["caller_key"].as_str().unwrap().to_string())
                .collect();
        let expected = kernel_repeat_callers(&rule.parse().unwrap());
        assert!(
            !expected.is_empty(),
            "{rule}: the sample has no repeat caller"
        );
        assert_eq!(from_views, expected, "{rule}");
        let episodes = sample_rows(Some(rule), "SELECT DISTINCT caller_key FROM episodes");
        assert_eq!(episodes.len(), expected.len(), "{rule}");
    }
}

#[test]
fn triage_suggestions_match_the_planted_truth() {
    let truth =
        std::fs::read_to_string(workspace_root().join("datasets/sample/raw/planted_truth.csv"))
            .unwrap();
    let key_text =
        std::fs::read_to_string(workspace_root().join("datasets/sample/raw/partner_key.txt"))
            .unwrap();
    let key = PseudonymKey::from_text(&key_text).unwrap();
    let rows = sample_rows(
        None,
        "SELECT caller_key, suggested_type, agencies, csu FROM repeat_callers",
    );
    let find = |k: &str| rows.iter().find(|r| r["caller_key"] == k);
    let mut checked = 0;
    for line in truth.lines().skip(1) {
        let fields: Vec<&str> = line.splitn(3, ',').collect();
        let (number, kind) = (fields[0], fields[1]);
        if number.is_empty() {
            continue;
        }
        let row = find(&key.pseudonymise(number));
        match kind {
            "vulnerable_caller" | "repeat_victim" => {
                let row = row.unwrap_or_else(|| panic!("planted {kind} {number} not found"));
                assert_eq!(row["suggested_type"], kind, "{number}");
                assert_eq!(row["csu"], "Maidstone CSU");
                checked += 1;
            }
            "near_threshold" => assert!(row.is_none(), "{number} has 9 calls in a week, never 10"),
            _ => {}
        }
    }
    assert!(checked >= 4, "only {checked} planted callers checked");
    let multi = sample_rows(
        None,
        "SELECT caller_key, police, fire, ambulance, is_repeat_caller FROM multi_agency WHERE is_repeat_caller",
    );
    assert!(
        !multi.is_empty(),
        "the planted multi-agency caller is missing"
    );
}

#[test]
fn formats_files_tables_and_errors() {
    let dir = scratch("sql-cli");
    let script = dir.join("q.sql");
    std::fs::write(
        &script,
        "-- two statements\nSELECT 1 AS one;\nSELECT parse_rule_set('2/2w') AS r;\n",
    )
    .unwrap();
    let out = dir.join("out.csv");
    engage_ok(&[
        "sql",
        "-f",
        script.to_str().unwrap(),
        "--format",
        "csv",
        "--output",
        out.to_str().unwrap(),
    ]);
    assert_eq!(std::fs::read_to_string(&out).unwrap(), "one\n1\nr\n2/14d\n");

    let snapshot = std::fs::read_dir(workspace_root().join("datasets/sample/snapshot"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .find(|p| p.join("manifest.json").exists())
        .unwrap();
    let manifest: engage_snapshot::Manifest =
        serde_json::from_str(&std::fs::read_to_string(snapshot.join("manifest.json")).unwrap())
            .unwrap();
    let table = format!(
        "calls={}",
        snapshot
            .join(&manifest.table_files("contacts")[0])
            .display()
    );
    let counted = engage_ok(&[
        "sql",
        "--table",
        &table,
        "-c",
        "SELECT count(*) AS n FROM calls",
        "--format",
        "json",
    ]);
    assert_eq!(
        json_rows(&counted)[0]["n"].as_u64().unwrap(),
        manifest.contacts,
        "every contact the manifest counts, read through --table"
    );

    let bad = engage(&[
        "sql",
        "--data",
        &sample(),
        "--rule",
        "10/7x",
        "-c",
        "SELECT 1",
    ]);
    assert!(!bad.status.success());
    let err = String::from_utf8_lossy(&bad.stderr);
    assert!(err.contains("unknown unit `x`"), "{err}");
    let nowhere = engage(&[
        "sql",
        "--data",
        dir.join("none").to_str().unwrap(),
        "-c",
        "SELECT 1",
    ]);
    assert!(!nowhere.status.success());
}

/// `--memory-limit`: the whole-table window and the detection operator, which hold their
/// input, reserve it from the engine's pool, so a too-small limit ends the query with an error
/// naming the operator; on a snapshot, whose sorted rows stream one caller at a time, the same
/// queries fit the same limit.
#[test]
fn a_memory_limit_ends_a_query_that_holds_too_much_and_names_what_held_it() {
    let dir = scratch("memory-limit");
    let unsorted = dir.join("unsorted.parquet");
    engage_ok(&[
        "sql",
        "--data",
        &sample(),
        "-c",
        &format!(
            "COPY (SELECT * FROM contacts ORDER BY received_at) TO '{}' STORED AS PARQUET",
            unsorted.display()
        ),
    ]);
    let query = "SELECT count(e) AS n FROM (SELECT repeat_episode(received_at, '3/30d') \
                 OVER (PARTITION BY caller_key ORDER BY received_at) AS e FROM contacts \
                 WHERE caller_key IS NOT NULL)";
    let table = format!("contacts={}", unsorted.display());
    let unlimited = json_rows(&engage_ok(&[
        "sql", "--table", &table, "--format", "json", "-c", query,
    ]));
    // The contacts in an episode, as the detection table function counts them.
    let in_episodes = json_rows(&engage_ok(&[
        "sql",
        "--table",
        &table,
        "--format",
        "json",
        "-c",
        "SELECT sum(contacts) AS n FROM engage_episodes('contacts', '3/30d')",
    ]));
    assert_eq!(unlimited[0]["n"], in_episodes[0]["n"]);
    assert!(unlimited[0]["n"].as_i64().unwrap() > 0);

    let refused = engage(&[
        "sql",
        "--table",
        &table,
        "--memory-limit",
        "256K",
        "-c",
        query,
    ]);
    let message = String::from_utf8_lossy(&refused.stderr);
    assert!(!refused.status.success());
    assert!(
        message.contains("Failed to allocate") && message.contains("EngageWholeTableWindowExec"),
        "{message}"
    );

    let streamed = json_rows(&engage_ok(&[
        "sql",
        "--data",
        &sample(),
        "--memory-limit",
        "256K",
        "--format",
        "json",
        "-c",
        query,
    ]));
    assert_eq!(streamed, unlimited);

    // Detection holds every contact's time and code on unsorted input, one caller on a snapshot.
    let detection = "SELECT caller_key, episodes, first_flagged_at FROM \
                     engage_repeat_callers('contacts', '3/30d')";
    // No ORDER BY: a sort reserves 10 MB of its own. The rows are compared in key order.
    let by_key = |mut rows: Vec<serde_json::Value>| {
        rows.sort_by_key(|row| row["caller_key"].to_string());
        rows
    };
    let detected = by_key(json_rows(&engage_ok(&[
        "sql", "--table", &table, "--format", "json", "-c", detection,
    ])));
    assert!(!detected.is_empty());
    let refused = engage(&[
        "sql",
        "--table",
        &table,
        "--memory-limit",
        "256K",
        "-c",
        detection,
    ]);
    let message = String::from_utf8_lossy(&refused.stderr);
    assert!(!refused.status.success());
    assert!(
        message.contains("Failed to allocate") && message.contains("EngageDetectionExec"),
        "{message}"
    );
    let streamed = by_key(json_rows(&engage_ok(&[
        "sql",
        "--data",
        &sample(),
        "--memory-limit",
        "256K",
        "--format",
        "json",
        "-c",
        detection,
    ])));
    assert_eq!(streamed, detected);

    let bad = engage(&["sql", "--memory-limit", "2x", "-c", "SELECT 1"]);
    assert!(
        String::from_utf8_lossy(&bad.stderr)
            .contains("`2x` is not a size; write it like 512M or 2G")
    );
}

//! The bindings in a browser: `Archive`, `Replay` and `parseRules` on small inline CSV exports
//! and on the sample snapshot. The values they return are read back into `serde_json` values.
//!
//! Run headless in Chromium (`scripts/test-web` does this):
//!
//! ```sh
//! CARGO_TARGET_WASM32_UNKNOWN_UNKNOWN_RUNNER=wasm-bindgen-test-runner \
//!     cargo test -p engage-wasm --target wasm32-unknown-unknown
//! ```
//!
//! with `chromedriver` on `PATH`; `wasm/webdriver.json` points it at Debian's Chromium.
//! On other targets this file compiles to nothing (the bindings throw JS errors, which only
//! exist in a JS host).
#![cfg(target_arch = "wasm32")]

use std::collections::BTreeMap;

use arrow::array::{AsArray, RecordBatch};
use arrow::datatypes::TimestampMicrosecondType;
use engage_wasm::{Archive, Replay, parse_rules};
use parquet::arrow::ArrowWriter;
use parquet::arrow::arrow_reader::ParquetRecordBatchReaderBuilder;
use serde_json::Value;
use wasm_bindgen::prelude::*;
use wasm_bindgen_test::*;

wasm_bindgen_test_configure!(run_in_browser);

#[wasm_bindgen]
extern "C" {
    /// A JS `Error`, to read the message the bindings threw.
    #[wasm_bindgen(js_name = Error)]
    type JsErrorObject;
    #[wasm_bindgen(method, getter)]
    fn message(this: &JsErrorObject) -> String;
}

fn message(e: JsError) -> String {
    JsValue::from(e).unchecked_into::<JsErrorObject>().message()
}

/// 2025-03-03T00:00:00Z (a Monday; GMT, so UK local time is UTC) in microseconds.
const MONDAY_3_MARCH_2025: i64 = 1_740_960_000 * 1_000_000;
const HOUR: i64 = 3_600 * 1_000_000;
const MINUTE: i64 = 60 * 1_000_000;

const PLANTED: &str = "+447700900123";
const NINE_CALLS: &str = "+447700900456";

/// An ACD export (`docs/exports.md`): 12 calls an hour apart from 08:05 on 3 March 2025 from
/// one drama number, 9 from another, 3 withheld; interleaved in time as the ACD writes them.
fn acd_csv() -> String {
    let mut rows = vec!["call_id,line,cli,arrived,answered,ended,queue,outcome".to_string()];
    let mut id = 0;
    let mut call = |line: &str, cli: &str, hour: u32, minute: u32| {
        id += 1;
        let queue = if line == "999" {
            "EMERGENCY"
        } else {
            "NON-EMERGENCY"
        };
        rows.push(format!(
            "A{id:010},{line},{cli},03/03/2025 {hour:02}:{minute:02}:00,03/03/2025 {hour:02}:{minute:02}:07,03/03/2025 {hour:02}:{:02}:00,{queue},Answered",
            minute + 3
        ));
    };
    for h in 0..12 {
        call(
            if h % 3 == 0 { "999" } else { "101" },
            "+44 7700 900123",
            8 + h,
            5,
        );
        if h < 9 {
            call("101", "07700 900456", 8 + h, 20);
        }
        if h < 3 {
            call("999", "Withheld", 8 + h, 40);
        }
    }
    rows.join("\n") + "\n"
}

fn archive() -> Archive {
    let mut archive = Archive::new();
    archive
        .add_exports(acd_csv().as_bytes(), b"", b"", b"")
        .unwrap_or_else(|e| panic!("{}", message(e)));
    archive
}

/// A value the bindings returned, as `serde_json` sees it (what `JSON.parse` of it would give).
fn json(value: Result<JsValue, JsError>) -> Value {
    let value = value.unwrap_or_else(|e| panic!("{}", message(e)));
    serde_wasm_bindgen::from_value(value).expect("the bindings return plain JS values")
}

/// The rows of `analysis.episodes` of `key` (in the key column `column`).
fn episodes_of<'a>(analysis: &'a Value, column: &str, key: &str) -> Vec<&'a Value> {
    analysis["episodes"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e[column] == key)
        .collect()
}

/// The planted caller's n-th call (1-based), UTC microseconds.
fn planted_call(n: i64) -> i64 {
    MONDAY_3_MARCH_2025 + (8 + n - 1) * HOUR + 5 * MINUTE
}

#[wasm_bindgen_test]
fn exports_are_ingested_with_a_report() {
    let archive = archive();
    assert_eq!(archive.length(), 24);
    let report = json(archive.report());
    assert_eq!(report["contacts"], 24);
    assert_eq!(report["sources"]["acd"]["read"], 24);
    assert_eq!(report["sources"]["acd"]["published"], 24);
    assert_eq!(report["sources"]["acd"]["rejected"], 0);
}

#[wasm_bindgen_test]
fn analyse_finds_the_planted_caller() {
    let a = json(archive().analyse("10/7d", None));
    assert_eq!(a["rules"], "10/7d");
    assert_eq!(a["key_column"], "caller_key");
    assert_eq!(a["contacts"], 24);
    assert_eq!(a["keyed_contacts"], 21);
    let callers = a["flagged"].as_array().unwrap();
    assert_eq!(callers.len(), 1, "{callers:?}");
    let c = &callers[0];
    assert_eq!(c["caller_key"], PLANTED);
    assert_eq!(c["total_contacts"], 12);
    assert_eq!(c["calls_999"], 4);
    assert_eq!(c["calls_101"], 8);
    assert_eq!(c["agencies"], "police");
    assert_eq!(c["first_flagged_at"], planted_call(10));
    assert_eq!(c["episodes"], 1);
    let episodes = a["episodes"].as_array().unwrap();
    assert_eq!(episodes.len(), 1);
    assert_eq!(episodes[0]["caller_key"], PLANTED);
    assert_eq!(episodes[0]["episode_no"], 1);
    assert_eq!(episodes[0]["episode_start"], planted_call(1));
    assert_eq!(episodes[0]["episode_end"], planted_call(12));
    assert_eq!(episodes[0]["contacts"], 12);
    assert_eq!(episodes[0]["peak_counts"], serde_json::json!([12]));
    // The episode's own contacts: every call of the planted caller, 999 on calls 1, 4, 7, 10.
    assert_eq!(episodes[0]["calls_999"], 4);
    assert_eq!(episodes[0]["calls_101"], 8);
    // One UK day of demand: 24 contacts, the planted caller's 12 inside the episode.
    let demand = a["demand"].as_array().unwrap();
    assert_eq!(demand.len(), 1);
    assert_eq!(demand[0]["day"], MONDAY_3_MARCH_2025 / (24 * HOUR));
    assert_eq!(demand[0]["contacts"], 24);
    assert_eq!(demand[0]["in_episodes"], 12);
    // Thresholds 2..20 with the first rule's window: the 3 withheld calls never count.
    let by_threshold: Vec<(u64, u64)> = a["flagged_by_threshold"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| {
            (
                t["threshold"].as_u64().unwrap(),
                t["flagged"].as_u64().unwrap(),
            )
        })
        .collect();
    assert_eq!(by_threshold.len(), 19);
    assert_eq!(by_threshold[0], (2, 2));
    assert_eq!(by_threshold[7], (9, 2));
    assert_eq!(by_threshold[8], (10, 1));
    assert_eq!(by_threshold[10], (12, 1));
    assert_eq!(by_threshold[11], (13, 0));
}

#[wasm_bindgen_test]
fn a_rule_set_flags_either_rule() {
    let a = json(archive().analyse("5/30d,12/90d", None));
    assert_eq!(a["rules"], "5/30d,12/90d");
    let keys: Vec<&str> = a["flagged"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["caller_key"].as_str().unwrap())
        .collect();
    assert_eq!(keys, [PLANTED, NINE_CALLS]);
    // The nine-call caller is flagged at their 5th call (08:20 + 4 h).
    let nine = &a["flagged"][1];
    assert_eq!(
        nine["first_flagged_at"],
        MONDAY_3_MARCH_2025 + 12 * HOUR + 20 * MINUTE
    );
    assert_eq!(
        episodes_of(&a, "caller_key", NINE_CALLS)[0]["peak_counts"],
        serde_json::json!([9, 9])
    );
}

#[wasm_bindgen_test]
fn caller_gives_rolling_counts_and_the_hour_weekday_grid() {
    let c = json(archive().caller(PLANTED, "10/7d,3/2h", None));
    assert_eq!(c["key_column"], "caller_key");
    assert_eq!(c["key"], PLANTED);
    assert_eq!(c["thresholds"], serde_json::json!([10, 3]));
    let contacts = c["contacts"].as_array().unwrap();
    assert_eq!(contacts.len(), 12);
    for (i, contact) in contacts.iter().enumerate() {
        let n = i as u64 + 1;
        assert_eq!(contact["t"], planted_call(n as i64));
        // Under 10/7d the count grows by one a call; under 3/2h (calls an hour apart, the
        // window half-open) it is never more than 2.
        assert_eq!(contact["rolling_counts"], serde_json::json!([n, n.min(2)]));
        assert_eq!(contact["qualifies"], n >= 10, "call {n}");
        assert_eq!(contact["agency"], "police");
        assert_eq!(contact["line"], if i % 3 == 0 { "999" } else { "101" });
    }
    // The episode runs from the first call to the last qualifying one: every call is in it.
    assert!(contacts.iter().all(|c| c["episode"] == 1));
    // Monday first, UK local hours: Monday 08:00..19:00, one call each.
    let grid: Vec<u64> = c["by_hour_weekday"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_u64().unwrap())
        .collect();
    assert_eq!(grid.len(), 168);
    let expected: Vec<u64> = (0..168).map(|i| u64::from((8..20).contains(&i))).collect();
    assert_eq!(grid, expected);
}

#[wasm_bindgen_test]
fn a_caller_below_the_threshold_has_no_episode() {
    let c = json(archive().caller(NINE_CALLS, "10/7d", None));
    let contacts = c["contacts"].as_array().unwrap();
    assert_eq!(contacts.len(), 9);
    assert_eq!(contacts[8]["rolling_counts"], serde_json::json!([9]));
    assert!(
        contacts
            .iter()
            .all(|c| c["qualifies"] == false && c["episode"].is_null())
    );
}

#[wasm_bindgen_test]
fn bad_rule_text_throws_the_cli_message() {
    let archive = archive();
    let expected =
        "invalid rule `10/7x`: unknown unit `x` in `7x`; expected h (hours), d (days) or w (weeks)";
    assert_eq!(
        message(archive.analyse("10/7x", None).unwrap_err()),
        expected
    );
    assert_eq!(
        message(archive.caller(PLANTED, "10/7x", None).unwrap_err()),
        expected
    );
    assert_eq!(
        message(Replay::new(&archive, "10/7x", None).err().unwrap()),
        expected
    );
}

#[wasm_bindgen_test]
fn other_errors_say_what_is_wrong() {
    let archive = archive();
    assert_eq!(
        message(archive.caller("+447700900999", "10/7d", None).unwrap_err()),
        "no contacts from `+447700900999`"
    );
    let mut empty = Archive::new();
    assert_eq!(
        message(empty.add_exports(b"", b"", b"", b"").unwrap_err()),
        "acd_calls.csv is needed: it holds every contact"
    );
    let e = message(
        empty
            .add_parquet(b"not a parquet file".to_vec())
            .unwrap_err(),
    );
    assert!(e.starts_with("not a Parquet file"), "{e}");
    assert_eq!(empty.length(), 0);
    assert!(empty.report().unwrap().is_null());
}

#[wasm_bindgen_test]
fn replay_flags_at_the_tenth_call() {
    let archive = archive();
    let mut replay =
        Replay::new(&archive, "10/7d", None).unwrap_or_else(|e| panic!("{}", message(e)));
    // Keyed contacts only: 12 + 9.
    assert_eq!(replay.remaining(), 21);
    let mut verdicts = Vec::new();
    while replay.remaining() > 0 {
        let before = replay.remaining();
        let step = json(replay.step(4));
        let step = step.as_array().unwrap();
        assert_eq!(step.len(), before.min(4));
        assert_eq!(replay.remaining(), before - step.len());
        verdicts.extend(step.iter().cloned());
        assert!(replay.remembered() > 0);
    }
    assert_eq!(json(replay.step(10)), serde_json::json!([]));
    // In time order.
    let times: Vec<i64> = verdicts.iter().map(|v| v["t"].as_i64().unwrap()).collect();
    assert!(times.windows(2).all(|w| w[0] <= w[1]));
    let planted: Vec<&Value> = verdicts.iter().filter(|v| v["key"] == PLANTED).collect();
    assert_eq!(planted.len(), 12);
    for (i, v) in planted.iter().enumerate() {
        let n = i as u64 + 1;
        assert_eq!(v["t"], planted_call(n as i64));
        assert_eq!(v["rolling_counts"], serde_json::json!([n]));
        assert_eq!(v["qualifies"], n >= 10);
        assert_eq!(v["opens_episode"], n == 10, "call {n}");
    }
    let opened: Vec<&Value> = verdicts
        .iter()
        .filter(|v| v["opens_episode"] == true)
        .collect();
    assert_eq!(opened.len(), 1);
    // All 21 calls are within the 7-day window of the last one.
    assert_eq!(replay.remembered(), 21);
}

#[wasm_bindgen_test]
fn replay_agrees_with_analyse_under_a_rule_set() {
    let archive = archive();
    let rules = "5/30d,12/90d";
    let a = json(archive.analyse(rules, None));
    let mut replay =
        Replay::new(&archive, rules, None).unwrap_or_else(|e| panic!("{}", message(e)));
    let verdicts = json(replay.step(1000));
    let mut flagged: Vec<(String, i64)> = verdicts
        .as_array()
        .unwrap()
        .iter()
        .filter(|v| v["opens_episode"] == true)
        .map(|v| {
            (
                v["key"].as_str().unwrap().to_string(),
                v["t"].as_i64().unwrap(),
            )
        })
        .collect();
    flagged.sort();
    let mut expected: Vec<(String, i64)> = a["episodes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| {
            (
                e["caller_key"].as_str().unwrap().to_string(),
                e["first_flagged_at"].as_i64().unwrap(),
            )
        })
        .collect();
    expected.sort();
    assert_eq!(flagged, expected);
}

// ---------------------------------------------------------------------------- address keys

/// The shipped sample snapshot's contacts, as `scripts/build-web` (run first by
/// `scripts/test-web`) copies the file its manifest lists to the page. Republishing the sample
/// under a new snapshot id means updating this path.
const SAMPLE: &[u8] = include_bytes!("../../web-demo/data/fe04ddb5189065d5/part-00000.parquet");

fn sample() -> Archive {
    let mut archive = Archive::new();
    archive
        .add_parquet(SAMPLE.to_vec())
        .unwrap_or_else(|e| panic!("{}", message(e)));
    archive
}

fn batches(parquet: &[u8]) -> Vec<RecordBatch> {
    ParquetRecordBatchReaderBuilder::try_new(bytes::Bytes::copy_from_slice(parquet))
        .unwrap()
        .build()
        .unwrap()
        .map(Result::unwrap)
        .collect()
}

/// Each address's contact times, read straight from the sample's Parquet.
fn sample_times_by_address() -> BTreeMap<String, Vec<i64>> {
    let mut by_address: BTreeMap<String, Vec<i64>> = BTreeMap::new();
    for batch in batches(SAMPLE) {
        let addresses = batch.column_by_name("address_key").unwrap();
        let addresses = arrow::compute::cast(addresses, &arrow::datatypes::DataType::Utf8).unwrap();
        let times = batch.column_by_name("received_at").unwrap();
        let times = times.as_primitive::<TimestampMicrosecondType>();
        for (address, t) in addresses
            .as_string::<i32>()
            .iter()
            .zip(times.values().iter())
        {
            if let Some(address) = address {
                by_address.entry(address.to_string()).or_default().push(*t);
            }
        }
    }
    by_address
}

/// What a flagged key should show under the one rule `k` within `window`, by a plain count:
/// (first flagged at, contacts, highest rolling count), for the keys that reach `k`.
fn reference(
    times_by_key: &BTreeMap<String, Vec<i64>>,
    k: u32,
    window: i64,
) -> BTreeMap<String, (i64, u64, u64)> {
    let mut out = BTreeMap::new();
    for (key, times) in times_by_key {
        let mut times = times.clone();
        times.sort();
        let mut first = None;
        let mut peak = 0;
        for &t in &times {
            // Half-open window (t - W, t]: contacts at the same instant count each other.
            let n = times.iter().filter(|&&u| t - window < u && u <= t).count() as u64;
            if n >= u64::from(k) {
                first.get_or_insert(t);
                peak = peak.max(n);
            }
        }
        if let Some(first) = first {
            out.insert(key.clone(), (first, times.len() as u64, peak));
        }
    }
    out
}

fn shown(analysis: &Value) -> BTreeMap<String, (i64, u64, u64)> {
    let column = analysis["key_column"].as_str().unwrap();
    analysis["flagged"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| {
            let key = f[column].as_str().unwrap();
            let peak = episodes_of(analysis, column, key)
                .iter()
                .map(|e| e["peak_counts"][0].as_u64().unwrap())
                .max()
                .unwrap();
            (
                key.to_string(),
                (
                    f["first_flagged_at"].as_i64().unwrap(),
                    f["total_contacts"].as_u64().unwrap(),
                    peak,
                ),
            )
        })
        .collect()
}

const DAY: i64 = 24 * HOUR;

#[wasm_bindgen_test]
fn address_rules_on_the_sample_equal_a_plain_count() {
    let archive = sample();
    let by_address = sample_times_by_address();
    for (rules, k) in [("3/30d", 3), ("15/30d", 15)] {
        let a = json(archive.analyse(rules, Some("address_key".into())));
        assert_eq!(a["key_column"], "address_key");
        assert_eq!(a["contacts"], archive.length());
        let keyed: usize = by_address.values().map(Vec::len).sum();
        assert_eq!(a["keyed_contacts"], keyed);
        let expected = reference(&by_address, k, 30 * DAY);
        assert!(
            !expected.is_empty(),
            "the sample has addresses reaching {rules}"
        );
        assert_eq!(shown(&a), expected, "{rules}");
    }
    // Keyed on addresses, the answer is not the callers' one.
    let callers = json(archive.analyse("3/30d", None));
    assert_eq!(callers["key_column"], "caller_key");
    assert_ne!(
        shown(&callers),
        shown(&json(archive.analyse("3/30d", Some("address_key".into()))))
    );
}

#[wasm_bindgen_test]
fn an_address_in_depth_and_replayed() {
    let archive = sample();
    let address = Some("address_key".to_string());
    let a = json(archive.analyse("3/30d", address.clone()));
    let first = &a["flagged"][0];
    let key = first["address_key"].as_str().unwrap();
    let detail = json(archive.caller(key, "3/30d", address.clone()));
    assert_eq!(detail["key_column"], "address_key");
    assert_eq!(detail["key"], key);
    let contacts = detail["contacts"].as_array().unwrap();
    assert_eq!(
        contacts.len() as u64,
        first["total_contacts"].as_u64().unwrap()
    );
    let first_qualifying = contacts.iter().find(|c| c["qualifies"] == true).unwrap();
    assert_eq!(first_qualifying["t"], first["first_flagged_at"]);
    assert_eq!(
        message(
            archive
                .caller("1 NOWHERE LANE", "3/30d", address.clone())
                .unwrap_err()
        ),
        "no contacts about the address `1 NOWHERE LANE`"
    );

    // Replayed one contact at a time, the flags are the analysis' episodes.
    let mut replay =
        Replay::new(&archive, "3/30d", address).unwrap_or_else(|e| panic!("{}", message(e)));
    assert_eq!(replay.key_column(), "address_key");
    assert_eq!(
        replay.remaining() as u64,
        a["keyed_contacts"].as_u64().unwrap()
    );
    let verdicts = json(replay.step(usize::MAX));
    let mut flags: Vec<(String, i64)> = verdicts
        .as_array()
        .unwrap()
        .iter()
        .filter(|v| v["opens_episode"] == true)
        .map(|v| {
            (
                v["key"].as_str().unwrap().to_string(),
                v["t"].as_i64().unwrap(),
            )
        })
        .collect();
    flags.sort();
    let mut episodes: Vec<(String, i64)> = a["episodes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| {
            (
                e["address_key"].as_str().unwrap().to_string(),
                e["first_flagged_at"].as_i64().unwrap(),
            )
        })
        .collect();
    episodes.sort();
    assert_eq!(flags, episodes);
}

#[wasm_bindgen_test]
fn a_key_column_other_than_caller_or_address_is_an_error() {
    let archive = archive();
    let expected = "unknown key column `address`: expected `caller_key` or `address_key`";
    let address = || Some("address".to_string());
    assert_eq!(
        message(archive.analyse("10/7d", address()).unwrap_err()),
        expected
    );
    assert_eq!(
        message(archive.caller(PLANTED, "10/7d", address()).unwrap_err()),
        expected
    );
    assert_eq!(
        message(Replay::new(&archive, "10/7d", address()).err().unwrap()),
        expected
    );
    // Named in full, the caller key is the default's answer.
    assert_eq!(
        json(archive.analyse("10/7d", Some("caller_key".into()))),
        json(archive.analyse("10/7d", None))
    );
}

#[wasm_bindgen_test]
fn a_snapshot_without_address_keys_has_no_address_flags() {
    // The sample's contacts as an older snapshot wrote them: no address_key column.
    let without: Vec<RecordBatch> = batches(SAMPLE)
        .into_iter()
        .map(|mut batch| {
            let at = batch.schema().index_of("address_key").unwrap();
            batch.remove_column(at);
            batch
        })
        .collect();
    let mut older = Vec::new();
    let mut writer = ArrowWriter::try_new(&mut older, without[0].schema(), None).unwrap();
    for batch in &without {
        writer.write(batch).unwrap();
    }
    writer.close().unwrap();
    let mut archive = Archive::new();
    archive
        .add_parquet(older)
        .unwrap_or_else(|e| panic!("{}", message(e)));
    assert_eq!(archive.length(), sample().length());
    let a = json(archive.analyse("3/30d", Some("address_key".into())));
    assert_eq!(a["keyed_contacts"], 0);
    assert_eq!(a["flagged"], serde_json::json!([]));
    // The callers are found as before.
    assert_eq!(
        json(archive.analyse("10/7d", None)),
        json(sample().analyse("10/7d", None))
    );
}

/// An incident export (`docs/exports.md`) linking three contacts (two of the planted caller's,
/// one withheld) to one address, and one of the nine-call caller's to another.
fn incidents_csv() -> String {
    [
        "incident_id,call_time,caller_phone,caller_name,location,postcode,opening_category,closing_category,grade",
        "I1,03/03/2025 08:06:00,07700 900123,Pat Example,\"12 High Street, Maidstone\",ME14 1AA,Concern For Welfare,Concern For Welfare,2",
        "I2,03/03/2025 08:41:00,,Anon,\"12 High Street, Maidstone\",ME14 1AA,Silent Call,,3",
        "I3,03/03/2025 09:06:00,07700 900123,Pat Example,\"12  high street, MAIDSTONE\",ME14 1AA,Assault,Assault,1",
        "I4,03/03/2025 08:21:00,07700 900456,Sam Example,\"3 Other Road, Maidstone\",ME14 1AA,Assault,Assault,1",
    ]
    .join("\n")
        + "\n"
}

#[wasm_bindgen_test]
fn exports_give_address_keys_from_their_incidents() {
    let mut archive = Archive::new();
    archive
        .add_exports(acd_csv().as_bytes(), b"", incidents_csv().as_bytes(), b"")
        .unwrap_or_else(|e| panic!("{}", message(e)));
    let a = json(archive.analyse("3/1d", Some("address_key".into())));
    assert_eq!(a["keyed_contacts"], 4);
    let flagged = a["flagged"].as_array().unwrap();
    assert_eq!(flagged.len(), 1, "{flagged:?}");
    // 08:05 and 09:05 from the planted caller, 08:40 withheld: the address counts all three.
    assert_eq!(flagged[0]["address_key"], "12 HIGH STREET MAIDSTONE");
    assert_eq!(flagged[0]["total_contacts"], 3);
    assert_eq!(flagged[0]["first_flagged_at"], planted_call(2));
    assert_eq!(a["episodes"][0]["address_key"], "12 HIGH STREET MAIDSTONE");
    assert_eq!(a["episodes"][0]["episode_start"], planted_call(1));
    // The callers are unchanged by the incidents.
    assert_eq!(
        json(archive.analyse("10/7d", None))["flagged"][0]["caller_key"],
        PLANTED
    );
}

#[wasm_bindgen_test]
fn parse_rules_reads_with_the_kernels_parser() {
    let parsed = json(parse_rules("3/2w, 12/90d"));
    assert_eq!(parsed["text"], "3/14d,12/90d");
    assert_eq!(parsed["rules"][0]["min_contacts"], 3);
    assert_eq!(parsed["rules"][0]["window_length"], 14);
    assert_eq!(parsed["rules"][0]["window_unit"], "d");
    assert_eq!(parsed["rules"][1]["window"], 90 * DAY);
    // A part it cannot read is an error with the kernel's message, not dropped.
    assert_eq!(
        message(parse_rules("10/7d,abc").unwrap_err()),
        "invalid rule `10/7d,abc`: in `abc`: expected COUNT/WINDOW with a `/`, like `10/7d`"
    );
}

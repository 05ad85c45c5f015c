//! The bindings in a browser: `Archive` and `Replay` on small inline CSV exports.
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

use engage_wasm::{Archive, Replay};
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
        .add_exports(&acd_csv(), "", "", "")
        .unwrap_or_else(|e| panic!("{}", message(e)));
    archive
}

fn json(text: Result<String, JsError>) -> Value {
    let text = text.unwrap_or_else(|e| panic!("{}", message(e)));
    serde_json::from_str(&text).expect("the bindings return JSON")
}

/// The planted caller's n-th call (1-based), UTC microseconds.
fn planted_call(n: i64) -> i64 {
    MONDAY_3_MARCH_2025 + (8 + n - 1) * HOUR + 5 * MINUTE
}

#[wasm_bindgen_test]
fn exports_are_ingested_with_a_report() {
    let archive = archive();
    assert_eq!(archive.length(), 24);
    let report: Value =
        serde_json::from_str(&archive.report().expect("a report for exports")).unwrap();
    assert_eq!(report["contacts"], 24);
    assert_eq!(report["sources"]["acd"]["read"], 24);
    assert_eq!(report["sources"]["acd"]["published"], 24);
    assert_eq!(report["sources"]["acd"]["rejected"], 0);
}

#[wasm_bindgen_test]
fn analyse_finds_the_planted_caller() {
    let a = json(archive().analyse("10/7d"));
    assert_eq!(a["rules"], "10/7d");
    assert_eq!(a["contacts"], 24);
    assert_eq!(a["keyed_contacts"], 21);
    let callers = a["callers"].as_array().unwrap();
    assert_eq!(callers.len(), 1, "{callers:?}");
    let c = &callers[0];
    assert_eq!(c["caller_key"], PLANTED);
    assert_eq!(c["total_contacts"], 12);
    assert_eq!(c["calls_999"], 4);
    assert_eq!(c["calls_101"], 8);
    assert_eq!(c["agencies"], serde_json::json!(["police"]));
    assert_eq!(c["first_flagged_at"], planted_call(10));
    let episodes = c["episodes"].as_array().unwrap();
    assert_eq!(episodes.len(), 1);
    assert_eq!(episodes[0]["no"], 1);
    assert_eq!(episodes[0]["start"], planted_call(1));
    assert_eq!(episodes[0]["end"], planted_call(12));
    assert_eq!(episodes[0]["contacts"], 12);
    assert_eq!(episodes[0]["peak_counts"], serde_json::json!([12]));
    // One UK day of demand: 24 contacts, the planted caller's 12 inside the episode.
    let demand = a["demand"].as_array().unwrap();
    assert_eq!(demand.len(), 1);
    assert_eq!(demand[0]["day"], MONDAY_3_MARCH_2025 / (24 * HOUR));
    assert_eq!(demand[0]["contacts"], 24);
    assert_eq!(demand[0]["from_repeat_callers"], 12);
    // Thresholds 2..20 with the first rule's window: the 3 withheld calls never count.
    let by_threshold: Vec<(u64, u64)> = a["flagged_by_threshold"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| {
            (
                t["threshold"].as_u64().unwrap(),
                t["callers"].as_u64().unwrap(),
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
    let a = json(archive().analyse("5/30d,12/90d"));
    assert_eq!(a["rules"], "5/30d,12/90d");
    let keys: Vec<&str> = a["callers"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["caller_key"].as_str().unwrap())
        .collect();
    assert_eq!(keys, [PLANTED, NINE_CALLS]);
    // The nine-call caller is flagged at their 5th call (08:20 + 4 h).
    let nine = &a["callers"][1];
    assert_eq!(
        nine["first_flagged_at"],
        MONDAY_3_MARCH_2025 + 12 * HOUR + 20 * MINUTE
    );
    assert_eq!(
        nine["episodes"][0]["peak_counts"],
        serde_json::json!([9, 9])
    );
}

#[wasm_bindgen_test]
fn caller_gives_rolling_counts_and_the_hour_weekday_grid() {
    let c = json(archive().caller(PLANTED, "10/7d,3/2h"));
    assert_eq!(c["caller_key"], PLANTED);
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
    let c = json(archive().caller(NINE_CALLS, "10/7d"));
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
    assert_eq!(message(archive.analyse("10/7x").unwrap_err()), expected);
    assert_eq!(
        message(archive.caller(PLANTED, "10/7x").unwrap_err()),
        expected
    );
    assert_eq!(
        message(Replay::new(&archive, "10/7x").err().unwrap()),
        expected
    );
}

#[wasm_bindgen_test]
fn other_errors_say_what_is_wrong() {
    let archive = archive();
    assert_eq!(
        message(archive.caller("+447700900999", "10/7d").unwrap_err()),
        "no contacts from `+447700900999`"
    );
    let mut empty = Archive::new();
    assert_eq!(
        message(empty.add_exports("", "", "", "").unwrap_err()),
        "acd_calls.csv is needed: it holds every contact"
    );
    let e = message(
        empty
            .add_parquet(b"not a parquet file".to_vec())
            .unwrap_err(),
    );
    assert!(e.starts_with("not a Parquet file"), "{e}");
    assert_eq!(empty.length(), 0);
    assert!(empty.report().is_none());
}

#[wasm_bindgen_test]
fn replay_flags_at_the_tenth_call() {
    let archive = archive();
    let mut replay = Replay::new(&archive, "10/7d").unwrap_or_else(|e| panic!("{}", message(e)));
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
    let planted: Vec<&Value> = verdicts
        .iter()
        .filter(|v| v["caller_key"] == PLANTED)
        .collect();
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
    let a = json(archive.analyse(rules));
    let mut replay = Replay::new(&archive, rules).unwrap_or_else(|e| panic!("{}", message(e)));
    let verdicts = json(replay.step(1000));
    let mut flagged: Vec<(String, i64)> = verdicts
        .as_array()
        .unwrap()
        .iter()
        .filter(|v| v["opens_episode"] == true)
        .map(|v| {
            (
                v["caller_key"].as_str().unwrap().to_string(),
                v["t"].as_i64().unwrap(),
            )
        })
        .collect();
    flagged.sort();
    let mut expected: Vec<(String, i64)> = a["callers"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|c| {
            let key = c["caller_key"].as_str().unwrap().to_string();
            c["episodes"]
                .as_array()
                .unwrap()
                .iter()
                .map(move |e| (key.clone(), e["first_flagged_at"].as_i64().unwrap()))
        })
        .collect();
    expected.sort();
    assert_eq!(flagged, expected);
}

//! WASM bindings of the Engage kernel for the trainers' web demo.
//!
//! Translation only: bytes in (a snapshot's Parquet file, or the default CSV exports), the
//! kernel's answer out as typed JS values with TypeScript declarations. A caller's and an
//! episode's columns come from the kernel's one description of them
//! (`engage_kernel::summary`, translated in `summary.rs`); rule text is read by the kernel's
//! parser (`rules.rs`). Errors become JS errors with the messages the CLI prints. Nothing here leaves
//! the page: there is no network and no storage.
//!
//! | export | answer (TypeScript) |
//! | --- | --- |
//! | `parseRules(text)` | `ParsedRuleSet` |
//! | `new Archive()`, `addParquet`, `addExports`, `length`, `report` | `IngestReport \| null` |
//! | `Archive.analyse(rules, key_column?)` | `Analysis`: `CallerSummary` and `EpisodeSummary` rows |
//! | `Archive.caller(key, rules, key_column?)` | `CallerDetail` |
//! | `new Replay(archive, rules, key_column?)`, `step(n)`, `remaining`, `remembered` | `Verdict[]` |

mod archive;
mod js;
mod keys;
mod report;
mod rules;
mod summary;

use wasm_bindgen::prelude::*;

pub use archive::Archive;
pub use report::Replay;
pub use rules::parse_rules;

/// The shapes the page receives that are not summary rows (hand-written beside the Rust
/// structs they describe; `tests` checks their field names against those structs).
#[wasm_bindgen(typescript_custom_section)]
const API_TYPES: &str = include_str!("api.d.ts");

/// The caller and episode rows, generated from the kernel's description (`summary.rs`).
#[wasm_bindgen(typescript_custom_section)]
const SUMMARY_TYPES: &str = include_str!("summary.d.ts");

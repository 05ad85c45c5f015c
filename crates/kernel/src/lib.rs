//! Engage's detection kernel.
//!
//! This crate says what a repeat caller is, exactly as `shared/spec/detection.md` defines it,
//! and nothing else: no I/O, no Arrow, no DataFusion, no wasm-bindgen. The DataFusion plugin,
//! the `engage` CLI and the WASM module are adapters that feed it columns.
//!
//! - [`rule`]: rules such as `10/7d` and rule sets such as `5/30d,12/90d`.
//! - [`detect`](mod@detect): batch detection over columns of key codes and timestamps.
//! - [`stream`]: the same answer, one contact at a time, in time order.
//! - [`episode`]: what an episode is and how qualifying windows chain into one.
//! - [`profile`] and [`triage`]: who the caller is, and a suggestion for the coordinator.
//! - [`phone`], [`postcode`] and [`pseudonym`]: keys and places, normalised.
//! - [`summary`]: what Engage says about a repeat caller and an episode, and the one
//!   description of those columns every adapter derives its output from.
//! - [`keys`]: text keys as dense integer codes.
//! - [`cache`]: prefetching, for lookups that would wait on memory one at a time.
//! - [`contact_index`]: contacts gathered one at a time for batch detection of very large tables.
//! - [`impact`]: did referral change how often callers call? A difference-in-differences
//!   estimate with not-yet-referred controls, robust to regression to the mean.

pub mod cache;
pub mod contact_index;
pub mod detect;
pub mod episode;
pub mod impact;
pub mod keys;
pub mod phone;
pub mod postcode;
pub mod profile;
pub mod pseudonym;
mod reference_csv;
pub mod rule;
pub mod stream;
pub mod summary;
pub mod time;
pub mod triage;

pub use contact_index::ContactIndex;
pub use detect::{
    DetectError, Detection, Episodes, detect, detect_episodes, detect_run, detect_run_episodes,
};
pub use episode::{ChainEvent, Episode};
pub use impact::{
    CallerHistory, ControlGroup, ImpactError, ImpactEstimate, ImpactOptions, estimate_impact,
    summarise,
};
pub use keys::{KeyCodes, NO_KEY, encode_keys};
pub use rule::{PerRule, Rule, RuleError, RuleSet, WindowUnit};
pub use stream::{OutOfOrder, StreamingDetector, Verdict};
pub use time::Micros;

//! WASM bindings of the Engage kernel for the trainers' web demo.
//!
//! Translation only: bytes in (a snapshot's Parquet file, or the default CSV exports), the
//! kernel's answer out as JSON for the page. Errors become JS errors with the messages the CLI
//! prints. Nothing here leaves the page: there is no network and no storage.

mod archive;
mod keys;
mod report;

pub use archive::Archive;
pub use report::Replay;

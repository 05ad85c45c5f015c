//! Reads a control room's raw exports into Engage contacts.
//!
//! The formats are in `docs/exports.md`; the rules for linking the systems and for the clock
//! change are there too. Input is any [`std::io::Read`] (a file, or bytes in the browser);
//! nothing here touches the file system or the network.
//!
//! Every raw row is accounted for: for each source, rows read = published + merged into a
//! contact + duplicates dropped + rejected ([`SourceCounts::balances`]).
//!
//! Beside the four sources of contacts, the case system's decisions about repeat callers
//! (`referrals.csv`, optional) are read into [`Referral`]s ([`referral`]).

pub mod contact;
pub mod exports;
mod kept;
mod line_endings;
mod link;
pub mod local_time;
#[cfg(not(target_arch = "wasm32"))]
mod parallel;
mod parse;
pub mod profile;
pub mod read;
pub mod referral;
mod rejects;
pub mod report;
mod rows;
mod seen;
mod sources;
mod table;
mod threads;

pub use compact_str::CompactString;
pub use contact::{Contact, ContactRef, Reject};
pub use exports::{
    ACD_COLUMNS, Field, INCIDENTS_COLUMNS, PARTNERS_COLUMNS, RECORDINGS_COLUMNS, REFERRALS_COLUMNS,
    REFERRALS_HEADER,
};
pub use profile::{Profiles, SourceKind, SourceProfile};
pub use read::Disclosure;
pub use referral::Referral;
pub use rejects::{RejectRef, RejectRows, RejectTable};
pub use report::{IngestReport, SourceCounts};
pub use sources::{Ingest, IngestOptions, Ingested};
pub use table::{ContactTable, Rows};

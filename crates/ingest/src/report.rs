//! What happened to every raw row.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

/// The figures of one source.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct SourceCounts {
    /// The file read.
    pub file: String,
    /// Rows read (blank lines are not rows).
    pub read: u64,
    /// Rows published as contacts of their own (for referrals: as referrals).
    pub published: u64,
    /// Rows merged into a contact (a recording or an incident call linked to an ACD call).
    pub merged: u64,
    /// Exact repeats of a row already read, dropped.
    pub duplicates: u64,
    /// Rows rejected, each in the rejects table with its reason.
    pub rejected: u64,
    /// Of the rejected, rows that are not contacts (radio, outbound recordings).
    pub not_a_contact: u64,
    /// Of the rejected, rows that link to no ACD call.
    pub unmatched: u64,
    /// Times in the autumn hour that happens twice, resolved by the rule in `docs/exports.md`.
    pub ambiguous_times: u64,
    /// Postcodes that could not be read (the row is kept without one).
    pub unreadable_postcodes: u64,
}

impl SourceCounts {
    /// True when every row read is published, merged, a duplicate or rejected.
    pub fn balances(&self) -> bool {
        self.read == self.published + self.merged + self.duplicates + self.rejected
    }
}

/// The figures of one ingest, per source.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct IngestReport {
    /// Per source name (`acd`, `recordings`, `incidents`, `partners`, `referrals`); an absent
    /// optional source's file reads `… (absent)`.
    pub sources: BTreeMap<String, SourceCounts>,
    /// Contacts published.
    pub contacts: u64,
    /// Rows in the rejects table.
    pub rejects: u64,
}

impl IngestReport {
    /// True when every source balances.
    pub fn balances(&self) -> bool {
        self.sources.values().all(SourceCounts::balances)
    }
}

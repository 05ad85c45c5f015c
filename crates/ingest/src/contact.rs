//! One published contact, and one rejected raw row.

use compact_str::CompactString;
use engage_kernel::Micros;

/// A contact as the snapshot's `contacts` table holds it (`shared/spec/data-model.md`).
///
/// Its texts are [`CompactString`]s: one of up to 24 bytes (an id, a number, a category, a
/// postcode) is held in the field itself, not in an allocation of its own, so a contact is
/// one allocation in a vector rather than eleven.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Contact {
    /// The ACD call id, or the partner's contact id.
    pub contact_id: CompactString,
    /// `police`, `fire` or `ambulance`.
    pub agency: &'static str,
    /// `999`, `101`, or the partner's line.
    pub line: CompactString,
    /// When the call arrived, UTC.
    pub received_at: Micros,
    /// E.164 number or pseudonym; `None` when withheld or unavailable.
    pub caller_key: Option<CompactString>,
    /// `present`, `withheld` or `unavailable`.
    pub cli_status: &'static str,
    /// `answered`, `abandoned` or `transferred`.
    pub outcome: &'static str,
    /// Seconds queued before answer.
    pub wait_s: Option<i32>,
    /// Seconds from answer to end.
    pub talk_s: Option<i32>,
    /// The linked recording.
    pub recording_id: Option<CompactString>,
    /// The linked incident.
    pub incident_id: Option<CompactString>,
    /// The incident's opening category.
    pub category: Option<CompactString>,
    /// The incident's closing category.
    pub closing_category: Option<CompactString>,
    /// Response grade.
    pub grade: Option<i8>,
    /// Normalised postcode of the incident location.
    pub postcode: Option<CompactString>,
    /// Normalised incident address.
    pub address_key: Option<CompactString>,
    /// Community safety unit covering the location.
    pub csu: Option<CompactString>,
}

/// A raw row that was not published, with where it came from and why.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Reject {
    /// `acd`, `recordings`, `incidents`, `partners` or `referrals`.
    pub source: &'static str,
    /// The file name.
    pub file: String,
    /// The line number in the file (1 is the header).
    pub line: u64,
    /// The row as read (for referrals, with the note and unread columns withheld).
    pub raw: String,
    /// What is wrong, naming the field.
    pub reason: String,
}

//! The rows of the three linked sources as read, before the systems are linked: an ACD call,
//! a recording and an incident call, their times still local (the clock change is resolved
//! when the ingest finishes, `crate::sources`). `crate::link` joins them.

use engage_kernel::phone::Cli;

use crate::contact::Reject;
use crate::local_time::LocalInstant;

/// One ACD call as read.
pub(crate) struct AcdRow {
    pub call_id: String,
    pub phone_line: String,
    pub cli: Cli,
    pub arrived: LocalInstant,
    pub answered: Option<LocalInstant>,
    pub ended: Option<LocalInstant>,
    pub outcome: &'static str,
}

/// One inbound phone recording as read; `reject` is its reject should it link to no call.
pub(crate) struct RecordingRow {
    pub recording_id: String,
    pub remote: Cli,
    pub started: LocalInstant,
    pub reject: Reject,
}

/// One incident call as read; `reject` is its reject should it link to no call.
pub(crate) struct IncidentRow {
    pub incident_id: String,
    pub call_time: LocalInstant,
    pub caller: Option<String>,
    /// As published: pseudonymised when publishing with a key.
    pub address_key: Option<String>,
    /// As published: the postcode district when publishing with a key.
    pub postcode: Option<String>,
    /// Looked up with the full postcode.
    pub csu: Option<String>,
    pub category: Option<String>,
    pub closing_category: Option<String>,
    pub grade: Option<i8>,
    pub reject: Reject,
}

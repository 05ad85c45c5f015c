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

/// A contact of a [`ContactTable`](crate::ContactTable), its texts borrowed from the table:
/// what reading the table gives, with no text copied ([`ContactRef::to_contact`] copies them).
/// Its fields are [`Contact`]'s.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct ContactRef<'a> {
    /// The ACD call id, or the partner's contact id.
    pub contact_id: &'a str,
    /// `police`, `fire` or `ambulance`.
    pub agency: &'static str,
    /// `999`, `101`, or the partner's line.
    pub line: &'a str,
    /// When the call arrived, UTC.
    pub received_at: Micros,
    /// E.164 number or pseudonym; `None` when withheld or unavailable.
    pub caller_key: Option<&'a str>,
    /// `present`, `withheld` or `unavailable`.
    pub cli_status: &'static str,
    /// `answered`, `abandoned` or `transferred`.
    pub outcome: &'static str,
    /// Seconds queued before answer.
    pub wait_s: Option<i32>,
    /// Seconds from answer to end.
    pub talk_s: Option<i32>,
    /// The linked recording.
    pub recording_id: Option<&'a str>,
    /// The linked incident.
    pub incident_id: Option<&'a str>,
    /// The incident's opening category.
    pub category: Option<&'a str>,
    /// The incident's closing category.
    pub closing_category: Option<&'a str>,
    /// Response grade.
    pub grade: Option<i8>,
    /// Normalised postcode of the incident location.
    pub postcode: Option<&'a str>,
    /// Normalised incident address.
    pub address_key: Option<&'a str>,
    /// Community safety unit covering the location.
    pub csu: Option<&'a str>,
}

impl ContactRef<'_> {
    /// The contact with texts of its own.
    pub fn to_contact(self) -> Contact {
        let own = |text: Option<&str>| text.map(CompactString::from);
        Contact {
            contact_id: self.contact_id.into(),
            agency: self.agency,
            line: self.line.into(),
            received_at: self.received_at,
            caller_key: own(self.caller_key),
            cli_status: self.cli_status,
            outcome: self.outcome,
            wait_s: self.wait_s,
            talk_s: self.talk_s,
            recording_id: own(self.recording_id),
            incident_id: own(self.incident_id),
            category: own(self.category),
            closing_category: own(self.closing_category),
            grade: self.grade,
            postcode: own(self.postcode),
            address_key: own(self.address_key),
            csu: own(self.csu),
        }
    }
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

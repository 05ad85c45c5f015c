//! The default exports (`docs/exports.md`): each source's file name, its header in column
//! order, and the fields Engage reads from it. This is the one definition of both: ingest reads them
//! (a source profile may rename the columns) and `engage-synth` writes them. The columns of a
//! header that are not read fields (the incidents' `caller_name`, the referrals' `note`) are
//! never published.

/// One field Engage reads from a source.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Field {
    /// The field's name, also its default column name.
    pub name: &'static str,
    /// Whether its text identifies a person (a number, a name, an address, a postcode): in a
    /// pseudonymised snapshot a reject's raw text withholds it and a reject's reason never
    /// quotes it (`docs/exports.md`, "Pseudonymised snapshots").
    pub personal: bool,
}

impl Field {
    /// A field that is not personal.
    pub const fn new(name: &'static str) -> Self {
        Field {
            name,
            personal: false,
        }
    }

    /// A personal field.
    pub const fn personal(name: &'static str) -> Self {
        Field {
            name,
            personal: true,
        }
    }
}

/// The ACD export's file name.
pub const ACD_FILE: &str = "acd_calls.csv";
/// The call recording export's file name.
pub const RECORDINGS_FILE: &str = "recordings.csv";
/// The command and control export's file name.
pub const INCIDENTS_FILE: &str = "incident_calls.csv";
/// The partners' export's file name.
pub const PARTNERS_FILE: &str = "partner_contacts.csv";
/// The case system's referrals export's file name.
pub const REFERRALS_FILE: &str = "referrals.csv";

/// The header of `acd_calls.csv`.
pub const ACD_COLUMNS: [&str; 8] = [
    "call_id", "line", "cli", "arrived", "answered", "ended", "queue", "outcome",
];

/// The fields Engage reads from the ACD export: every column.
pub const ACD_FIELDS: [Field; 8] = [
    Field::new("call_id"),
    Field::new("line"),
    Field::personal("cli"),
    Field::new("arrived"),
    Field::new("answered"),
    Field::new("ended"),
    Field::new("queue"),
    Field::new("outcome"),
];

/// The header of `recordings.csv`.
pub const RECORDINGS_COLUMNS: [&str; 6] = [
    "recording_id",
    "channel",
    "direction",
    "remote_number",
    "started",
    "ended",
];

/// The fields Engage reads from the recordings export: every column.
pub const RECORDINGS_FIELDS: [Field; 6] = [
    Field::new("recording_id"),
    Field::new("channel"),
    Field::new("direction"),
    Field::personal("remote_number"),
    Field::new("started"),
    Field::new("ended"),
];

/// The header of `incident_calls.csv`.
pub const INCIDENTS_COLUMNS: [&str; 9] = [
    "incident_id",
    "call_time",
    "caller_phone",
    "caller_name",
    "location",
    "postcode",
    "opening_category",
    "closing_category",
    "grade",
];

/// The fields Engage reads from the incidents export: every column but `caller_name`.
pub const INCIDENTS_FIELDS: [Field; 8] = [
    Field::new("incident_id"),
    Field::new("call_time"),
    Field::personal("caller_phone"),
    Field::personal("location"),
    Field::personal("postcode"),
    Field::new("opening_category"),
    Field::new("closing_category"),
    Field::new("grade"),
];

/// The header of `partner_contacts.csv`.
pub const PARTNERS_COLUMNS: [&str; 7] = [
    "contact_id",
    "agency",
    "line",
    "received",
    "caller_key",
    "outcome",
    "category",
];

/// The fields Engage reads from the partners' export: every column.
pub const PARTNERS_FIELDS: [Field; 7] = [
    Field::new("contact_id"),
    Field::new("agency"),
    Field::new("line"),
    Field::new("received"),
    Field::personal("caller_key"),
    Field::new("outcome"),
    Field::new("category"),
];

/// The header of `referrals.csv`, as one line (no line end): [`REFERRALS_COLUMNS`] joined by
/// commas.
pub const REFERRALS_HEADER: &str = "case_id,caller,decided_at,decision,assessment,csu,plan,review_due,marker_expires,close_reason,note";

/// The header of `referrals.csv`.
pub const REFERRALS_COLUMNS: [&str; 11] = [
    "case_id",
    "caller",
    "decided_at",
    "decision",
    "assessment",
    "csu",
    "plan",
    "review_due",
    "marker_expires",
    "close_reason",
    "note",
];

/// The fields Engage reads from a referrals export: every column but the note; the caller is
/// personal.
pub const REFERRALS_FIELDS: [Field; 10] = [
    Field::new("case_id"),
    Field::personal("caller"),
    Field::new("decided_at"),
    Field::new("decision"),
    Field::new("assessment"),
    Field::new("csu"),
    Field::new("plan"),
    Field::new("review_due"),
    Field::new("marker_expires"),
    Field::new("close_reason"),
];

/// The referrals' columns whose text is never kept, not even in a reject's raw text.
pub const REFERRALS_WITHHELD: [&str; 1] = ["note"];

#[cfg(test)]
mod tests {
    use super::*;

    /// The header less the columns that are not read.
    fn read_columns(header: &[&'static str], unread: &[&str]) -> Vec<&'static str> {
        header
            .iter()
            .copied()
            .filter(|c| !unread.contains(c))
            .collect()
    }

    fn names(fields: &[Field]) -> Vec<&'static str> {
        fields.iter().map(|f| f.name).collect()
    }

    #[test]
    fn the_fields_are_the_header_in_order_less_the_unread_columns() {
        assert_eq!(names(&ACD_FIELDS), ACD_COLUMNS);
        assert_eq!(names(&RECORDINGS_FIELDS), RECORDINGS_COLUMNS);
        assert_eq!(
            names(&INCIDENTS_FIELDS),
            read_columns(&INCIDENTS_COLUMNS, &["caller_name"])
        );
        assert_eq!(names(&PARTNERS_FIELDS), PARTNERS_COLUMNS);
        assert_eq!(
            names(&REFERRALS_FIELDS),
            read_columns(&REFERRALS_COLUMNS, &REFERRALS_WITHHELD)
        );
    }

    #[test]
    fn the_referrals_header_line_is_its_columns_joined() {
        assert_eq!(REFERRALS_HEADER, REFERRALS_COLUMNS.join(","));
        assert_eq!(REFERRALS_COLUMNS.last(), REFERRALS_WITHHELD.last());
    }
}

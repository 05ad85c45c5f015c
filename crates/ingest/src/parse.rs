//! Reading one row of a source of contacts into what it becomes, touching nothing shared: the
//! rows of a file can be read on several threads and their results applied in file order
//! (`crate::sources`), with the same outcome as reading them one after the other.

use std::hash::{BuildHasher, Hash, Hasher};

use compact_str::CompactString;
use engage_kernel::contact_index::KeyHash;
use engage_kernel::phone::{Cli, classify_cli};
use engage_kernel::postcode::{CsuTable, normalize_postcode, postcode_district};
use engage_kernel::pseudonym::{PseudonymKey, is_pseudonym};

use crate::contact::Reject;
use crate::kept::{PackedBlock, TextArena, TextRef};
use crate::local_time::{LocalInstant, LocalTimeReader};
use crate::profile::{SourceKind, SourceProfile};
use crate::read::{RawRow, SourceLayout};
use crate::rows::{AcdRow, CallerText, HashedText, IncidentRow, PartnerRow, RecordingRow};

/// Field positions, in `SourceKind::fields` order.
mod field {
    pub mod acd {
        pub const CALL_ID: usize = 0;
        pub const LINE: usize = 1;
        pub const CLI: usize = 2;
        pub const ARRIVED: usize = 3;
        pub const ANSWERED: usize = 4;
        pub const ENDED: usize = 5;
        pub const OUTCOME: usize = 7;
    }
    pub mod recordings {
        pub const ID: usize = 0;
        pub const CHANNEL: usize = 1;
        pub const DIRECTION: usize = 2;
        pub const REMOTE: usize = 3;
        pub const STARTED: usize = 4;
        pub const ENDED: usize = 5;
    }
    pub mod incidents {
        pub const ID: usize = 0;
        pub const CALL_TIME: usize = 1;
        pub const PHONE: usize = 2;
        pub const LOCATION: usize = 3;
        pub const POSTCODE: usize = 4;
        pub const OPENING: usize = 5;
        pub const CLOSING: usize = 6;
        pub const GRADE: usize = 7;
    }
    pub mod partners {
        pub const ID: usize = 0;
        pub const AGENCY: usize = 1;
        pub const LINE: usize = 2;
        pub const RECEIVED: usize = 3;
        pub const KEY: usize = 4;
        pub const OUTCOME: usize = 5;
        pub const CATEGORY: usize = 6;
    }
}

/// The response grades an incident may have.
const GRADES: std::ops::RangeInclusive<i8> = 1..=9;

/// What a row read becomes once it is not a repeat.
pub(crate) enum Parsed {
    Acd(AcdRow),
    Recording(RecordingRow),
    Incident(IncidentRow),
    Partner(PartnerRow),
}

impl Parsed {
    /// The words it holds whose codes keeping it will look up among many (an incident call's
    /// address key and postcode; the few phone lines and categories stay in the cache).
    pub fn words(&self) -> [Option<HashedText>; 2] {
        match self {
            Parsed::Incident(row) => [row.address_key, row.postcode],
            Parsed::Acd(_) | Parsed::Recording(_) | Parsed::Partner(_) => [None; 2],
        }
    }

    /// A partner's caller key, whose code keeping it will look up among the partners' keys.
    pub fn partner_key(&self) -> Option<HashedText> {
        match self {
            Parsed::Partner(row) => row.caller_key,
            Parsed::Acd(_) | Parsed::Recording(_) | Parsed::Incident(_) => None,
        }
    }

    /// The caller number it holds, whose code keeping it will look up.
    pub fn number(&self) -> Option<HashedText> {
        match self {
            Parsed::Acd(row) => row.cli.number(),
            Parsed::Recording(row) => row.remote,
            Parsed::Incident(row) => row.caller,
            Parsed::Partner(_) => None,
        }
    }
}

/// Figures a row adds to its source's counts once it is not a repeat.
#[derive(Clone, Copy, Debug, Default)]
pub(crate) struct Tally {
    pub ambiguous_times: u64,
    pub not_a_contact: u64,
    pub unreadable_postcodes: u64,
}

/// One row of a file, read: what it becomes, and what tells repeats apart.
pub(crate) struct ParsedRow {
    /// The row as read (kept to reject it should it repeat a key with other values).
    pub row: RawRow,
    /// The row's id (incidents: id, call time and number).
    pub key: RowKey,
    /// A hash of all its fields, to tell an exact repeat from a conflict.
    pub print: u64,
    pub outcome: Result<Parsed, Reject>,
    pub tally: Tally,
}

/// A row's id with its hash, worked out on the thread that read the row, so the thread that
/// drops repeats (`crate::sources`) only looks it up; its text is in the batch's texts.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct RowKey {
    pub hash: KeyHash,
    pub text: TextRef,
}

/// What every row of one source is read with; shared by the threads reading it.
pub(crate) struct RowContext<'a> {
    pub kind: SourceKind,
    pub layout: &'a SourceLayout,
    pub profile: &'a SourceProfile,
    /// Publish pseudonymised with this key.
    pub key: Option<&'a PseudonymKey>,
    pub csu: &'a CsuTable,
}

/// Reads rows of one source; one per thread.
pub(crate) struct RowParser<'a> {
    context: &'a RowContext<'a>,
    times: LocalTimeReader,
    /// The texts of the rows read since the last batch.
    text: TextArena,
    /// The raw rows of recordings and incident calls read since the last batch, to be packed.
    raw: TextArena,
}

/// A batch of rows read: each row's outcome, their texts, and the raw rows of the recordings
/// and incident calls among them, packed.
pub(crate) struct ParsedBatch {
    pub rows: Vec<Result<ParsedRow, Reject>>,
    pub text: TextArena,
    pub raw: PackedBlock,
}

fn fingerprint<'r>(fields: impl Iterator<Item = &'r str>) -> u64 {
    let mut h = foldhash::quality::FixedState::with_seed(0x5eed).build_hasher();
    for f in fields {
        f.hash(&mut h);
    }
    h.finish()
}

/// Uppercase letters and digits, single spaces: `12 High St.,  Maidstone` → `12 HIGH ST MAIDSTONE`.
pub fn address_key(text: &str) -> Option<String> {
    if text.is_ascii() {
        // The same words, without a string per word.
        let mut key = String::with_capacity(text.len());
        for word in text
            .split(|c: char| !c.is_ascii_alphanumeric())
            .filter(|w| !w.is_empty())
        {
            if !key.is_empty() {
                key.push(' ');
            }
            key.extend(word.chars().map(|c| c.to_ascii_uppercase()));
        }
        return (!key.is_empty()).then_some(key);
    }
    let words: Vec<String> = text
        .split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
        .map(str::to_uppercase)
        .collect();
    (!words.is_empty()).then(|| words.join(" "))
}

/// The caller key as published of a number: its pseudonym when publishing with a key.
pub(crate) fn caller_key(key: Option<&PseudonymKey>, cli: &Cli) -> Option<CompactString> {
    Some(published_caller(key, cli.e164()?))
}

/// The caller key as published of an E.164 number: its pseudonym when publishing with a key.
pub(crate) fn published_caller(key: Option<&PseudonymKey>, number: &str) -> CompactString {
    match key {
        Some(key) => key.pseudonymise(number).into(),
        None => number.into(),
    }
}

impl<'a> RowParser<'a> {
    /// A parser of the rows of `context`'s source.
    pub fn new(context: &'a RowContext<'a>) -> Self {
        RowParser {
            context,
            times: LocalTimeReader::new(&context.profile.time_format, context.profile.timezone),
            text: TextArena::default(),
            raw: TextArena::default(),
        }
    }

    /// Reads a batch of rows (each as split, or why it could not be), packing the raw rows
    /// kept.
    pub fn parse_batch(&mut self, rows: Vec<Result<RawRow, Reject>>) -> ParsedBatch {
        let rows = rows
            .into_iter()
            .map(|row| row.map(|row| self.parse(row)))
            .collect();
        let raw = PackedBlock::pack(&self.raw);
        self.raw.clear();
        ParsedBatch {
            rows,
            text: std::mem::take(&mut self.text),
            raw,
        }
    }

    /// Reads one row.
    fn parse(&mut self, row: RawRow) -> ParsedRow {
        let layout = self.context.layout;
        // Exact repeats (overlapping export windows) are dropped; a key repeated with
        // other values is a conflict and rejected (`crate::sources`).
        let key = match self.context.kind {
            SourceKind::Incidents => {
                let [id, time, number] = [0, 1, 2].map(|f| layout.get(&row, f).trim());
                self.text.push_all(&[id, "\u{1f}", time, "\u{1f}", number])
            }
            _ => self.text.push(layout.get(&row, 0).trim()),
        };
        let key = RowKey {
            hash: KeyHash::of(self.text.get(key)),
            text: key,
        };
        let print = fingerprint(row.fields());
        let mut tally = Tally::default();
        let outcome = match self.context.kind {
            SourceKind::Acd => self.acd_row(&row).map(Parsed::Acd),
            SourceKind::Recordings => self.recording_row(&row, &mut tally),
            SourceKind::Incidents => self.incident_row(&row, &mut tally).map(Parsed::Incident),
            SourceKind::Partners => self.partner_row(&row, &mut tally).map(Parsed::Partner),
            SourceKind::Referrals => unreachable!("referrals are read apart (`crate::referral`)"),
        };
        ParsedRow {
            row,
            key,
            print,
            outcome,
            tally,
        }
    }

    fn time(&mut self, row: &RawRow, field: usize) -> Result<LocalInstant, Reject> {
        let layout = self.context.layout;
        self.times
            .parse(layout.get(row, field))
            .map_err(|e| layout.reject_field(row, field, e))
    }

    fn optional_time(
        &mut self,
        row: &RawRow,
        field: usize,
    ) -> Result<Option<LocalInstant>, Reject> {
        if self.context.layout.get(row, field).trim().is_empty() {
            return Ok(None);
        }
        self.time(row, field).map(Some)
    }

    /// A required field's text, trimmed, kept in the rows' texts.
    fn required_text(&mut self, row: &RawRow, field: usize) -> Result<TextRef, Reject> {
        let layout = self.context.layout;
        let text = layout.get(row, field).trim();
        if text.is_empty() {
            return Err(layout.reject_field(row, field, "is empty; a value is required"));
        }
        Ok(self.text.push(text))
    }

    /// An optional field's text, trimmed, kept in the rows' texts; `None` when blank.
    fn optional_text(&mut self, row: &RawRow, field: usize) -> Option<TextRef> {
        let text = self.context.layout.get(row, field).trim();
        (!text.is_empty()).then(|| self.text.push(text))
    }

    fn keep(&mut self, text: Option<String>) -> Option<TextRef> {
        text.map(|text| self.text.push(&text))
    }

    fn cli(&self, row: &RawRow, field: usize) -> Result<Cli, Reject> {
        let layout = self.context.layout;
        classify_cli(layout.get(row, field)).map_err(|e| layout.reject_phone(row, field, &e))
    }

    fn outcome(&self, row: &RawRow, field: usize) -> Result<&'static str, Reject> {
        let (layout, profile) = (self.context.layout, self.context.profile);
        let word = layout.get(row, field);
        profile.outcome(word).ok_or_else(|| {
            let known: Vec<&str> = profile.outcomes.keys().map(String::as_str).collect();
            layout.reject_field(
                row,
                field,
                format!(
                    "`{word}` is not an outcome; expected one of {}",
                    known.join(", ")
                ),
            )
        })
    }

    fn acd_row(&mut self, row: &RawRow) -> Result<AcdRow, Reject> {
        use field::acd::*;
        Ok(AcdRow {
            call_id: self.required_text(row, CALL_ID)?,
            phone_line: self.required_text(row, LINE)?,
            cli: CallerText::of(self.cli(row, CLI)?, &mut self.text),
            arrived: self.time(row, ARRIVED)?,
            answered: self.optional_time(row, ANSWERED)?,
            ended: self.optional_time(row, ENDED)?,
            outcome: self.outcome(row, OUTCOME)?,
        })
    }

    fn recording_row(&mut self, row: &RawRow, tally: &mut Tally) -> Result<Parsed, Reject> {
        use field::recordings::*;
        let layout = self.context.layout;
        let recording_id = self.required_text(row, ID)?;
        // Every row is checked whole, contact or not, so a bad value is never hidden.
        let started = self.time(row, STARTED)?;
        let ended = self.optional_time(row, ENDED)?;
        let remote = self.cli(row, REMOTE)?;
        let channel = layout.get(row, CHANNEL).trim();
        let direction = layout.get(row, DIRECTION).trim();
        tally.ambiguous_times += [Some(started), ended]
            .iter()
            .flatten()
            .filter(|t| t.is_ambiguous())
            .count() as u64;
        let phone = channel.eq_ignore_ascii_case("phone");
        if !phone || !direction.eq_ignore_ascii_case("inbound") {
            tally.not_a_contact += 1;
            let what = if phone {
                format!("a phone call, {}", direction.to_ascii_lowercase())
            } else {
                format!("the {} channel", channel.to_ascii_lowercase())
            };
            return Err(layout.reject(
                row,
                format!("not a contact: {what}, not an inbound phone call"),
            ));
        }
        Ok(Parsed::Recording(RecordingRow {
            recording_id,
            remote: CallerText::of(remote, &mut self.text).number(),
            started,
            line: row.line,
            raw: layout.keep_raw(row, &mut self.raw),
        }))
    }

    /// The address key as published: its pseudonym when publishing with a key.
    fn published_address(&self, location: &str) -> Option<String> {
        let address = address_key(location)?;
        Some(match self.context.key {
            Some(key) => key.pseudonymise_address(&address),
            None => address,
        })
    }

    /// A normalised postcode as published, and the CSU covering it (looked up with the whole
    /// postcode): when publishing with a key, only the postcode district (`ME14`) is
    /// published, all the CSU table and the profiles use.
    fn published_postcode(&self, postcode: Option<String>) -> (Option<String>, Option<String>) {
        let csu = postcode
            .as_deref()
            .and_then(|p| self.context.csu.lookup(p))
            .map(|place| place.csu.to_string());
        let postcode = match self.context.key {
            Some(_) => postcode.and_then(|p| postcode_district(&p).map(str::to_string)),
            None => postcode,
        };
        (postcode, csu)
    }

    fn incident_row(&mut self, row: &RawRow, tally: &mut Tally) -> Result<IncidentRow, Reject> {
        use field::incidents::*;
        let layout = self.context.layout;
        let incident_id = self.required_text(row, ID)?;
        let call_time = self.time(row, CALL_TIME)?;
        let caller = self.cli(row, PHONE)?.into_e164();
        let grade = match layout.get(row, GRADE).trim() {
            "" => None,
            g => Some(
                g.parse::<i8>()
                    .ok()
                    .filter(|g| GRADES.contains(g))
                    .ok_or_else(|| {
                        layout.reject_field(
                            row,
                            GRADE,
                            format!(
                                "`{g}` is not a response grade; expected a number from {} to {}",
                                GRADES.start(),
                                GRADES.end()
                            ),
                        )
                    })?,
            ),
        };
        let postcode_text = layout.get(row, POSTCODE).trim();
        let postcode = normalize_postcode(postcode_text);
        if postcode.is_none() && !postcode_text.is_empty() {
            tally.unreadable_postcodes += 1;
        }
        if call_time.is_ambiguous() {
            tally.ambiguous_times += 1;
        }
        let (postcode, csu) = self.published_postcode(postcode);
        let address_key = self.published_address(layout.get(row, LOCATION));
        Ok(IncidentRow {
            incident_id,
            call_time,
            caller: caller.map(|number| HashedText::keep(&number, &mut self.text)),
            address_key: address_key.map(|key| HashedText::keep(&key, &mut self.text)),
            postcode: postcode.map(|code| HashedText::keep(&code, &mut self.text)),
            csu: self.keep(csu),
            category: self.optional_text(row, OPENING),
            closing_category: self.optional_text(row, CLOSING),
            grade,
            line: row.line,
            raw: layout.keep_raw(row, &mut self.raw),
        })
    }

    fn partner_row(&mut self, row: &RawRow, tally: &mut Tally) -> Result<PartnerRow, Reject> {
        use field::partners::*;
        let layout = self.context.layout;
        let contact_id = self.required_text(row, ID)?;
        let agency_text = layout.get(row, AGENCY).trim();
        let is_one_of = |words: &[&str]| words.iter().any(|w| agency_text.eq_ignore_ascii_case(w));
        let agency = if is_one_of(&["fire", "fire and rescue", "frs"]) {
            "fire"
        } else if is_one_of(&["ambulance", "ambulance service", "nhs ambulance"]) {
            "ambulance"
        } else {
            let other = agency_text.to_ascii_lowercase();
            return Err(layout.reject_field(
                row,
                AGENCY,
                format!("`{other}` is not a partner agency; expected fire or ambulance"),
            ));
        };
        let received = self.time(row, RECEIVED)?;
        let key_text = layout.get(row, KEY).trim();
        let (caller_key, cli_status) = if is_pseudonym(key_text) {
            (Some(HashedText::keep(key_text, &mut self.text)), "present")
        } else {
            let cli = self.cli(row, KEY)?;
            let key = caller_key(self.context.key, &cli);
            let key = key.map(|key| HashedText::keep(&key, &mut self.text));
            (key, cli.status())
        };
        if received.is_ambiguous() {
            tally.ambiguous_times += 1;
        }
        Ok(PartnerRow {
            contact_id,
            agency,
            line: self.required_text(row, LINE)?,
            received_at: received.resolve(None),
            caller_key,
            cli_status,
            outcome: self.outcome(row, OUTCOME)?,
            category: self.optional_text(row, CATEGORY),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    /// The address key as it was made before the ASCII path: a string per word.
    fn reference(text: &str) -> Option<String> {
        let words: Vec<String> = text
            .split(|c: char| !c.is_alphanumeric())
            .filter(|w| !w.is_empty())
            .map(str::to_uppercase)
            .collect();
        (!words.is_empty()).then(|| words.join(" "))
    }

    proptest! {
        #[test]
        fn address_keys_are_as_before(text in "[a-zA-Z0-9 ,.'/-]{0,30}|.{0,30}") {
            prop_assert_eq!(address_key(&text), reference(&text));
        }
    }

    #[test]
    fn an_address_key_is_its_words_in_capitals() {
        assert_eq!(
            address_key("12 High St.,  Maidstone").as_deref(),
            Some("12 HIGH ST MAIDSTONE")
        );
        assert_eq!(address_key(" ,. ").as_deref(), None);
        assert_eq!(address_key("straße 5").as_deref(), Some("STRASSE 5"));
    }
}

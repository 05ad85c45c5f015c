//! Reading the sources and joining the four of contacts into contacts; referrals are read
//! beside them (`crate::referral`).

use std::hash::{BuildHasher, Hash, Hasher};
use std::io::Read;

use engage_kernel::Micros;
use engage_kernel::phone::{Cli, classify_cli};
use engage_kernel::postcode::{CsuTable, normalize_postcode, postcode_district};
use engage_kernel::pseudonym::{PseudonymKey, is_pseudonym};
use engage_kernel::time::SECOND;
use foldhash::HashMap;

use crate::contact::{Contact, Reject};
use crate::link::{self, AcdCall, AcdIndex};
use crate::local_time::{LocalInstant, parse_local};
use crate::profile::{Profiles, SourceKind, SourceProfile};
use crate::read::{Disclosure, RawRow, ReadError, SourceReader};
use crate::referral::{Referral, Referrals};
use crate::report::{IngestReport, SourceCounts};
use crate::rows::{AcdRow, IncidentRow, RecordingRow};

/// What an ingest needs besides the exports.
pub struct IngestOptions<'a> {
    /// How each source is exported.
    pub profiles: &'a Profiles,
    /// Publish pseudonymised with this key: caller keys and address keys become keyed
    /// pseudonyms (partners' caller keys are pseudonyms already), postcodes are cut to their
    /// district, and rejects show no personal field (`docs/exports.md`, "Pseudonymised
    /// snapshots"). `None`: everything as read, for the archive owner's own snapshot.
    pub key: Option<&'a PseudonymKey>,
    /// Postcode districts to community safety units.
    pub csu: &'a CsuTable,
}

/// The result of an ingest: contacts sorted by caller key (keyless last) then time, the
/// referrals (when read) sorted by case then time, the rejects in source and line order, and
/// the figures.
pub struct Ingested {
    /// The contacts table.
    pub contacts: Vec<Contact>,
    /// The referrals table; `None` when no referrals export was read.
    pub referrals: Option<Vec<Referral>>,
    /// The rejects table.
    pub rejects: Vec<Reject>,
    /// Every figure.
    pub report: IngestReport,
}

/// An ingest in progress: read each source with [`Ingest::read`], then [`Ingest::finish`].
pub struct Ingest<'a> {
    options: IngestOptions<'a>,
    counts: [SourceCounts; 5],
    rejects: Vec<Reject>,
    referrals: Option<Referrals>,
    referrals_absent: bool,
    acd: Vec<AcdRow>,
    recordings: Vec<RecordingRow>,
    incidents: Vec<IncidentRow>,
    partners: Vec<Contact>,
}

fn slot(kind: SourceKind) -> usize {
    SourceKind::ALL
        .iter()
        .position(|&k| k == kind)
        .expect("all kinds")
}

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

fn fingerprint<'r>(fields: impl Iterator<Item = &'r str>) -> u64 {
    let mut h = foldhash::quality::FixedState::with_seed(0x5eed).build_hasher();
    for f in fields {
        f.hash(&mut h);
    }
    h.finish()
}

fn optional(text: &str) -> Option<String> {
    let t = text.trim();
    (!t.is_empty()).then(|| t.to_string())
}

/// Uppercase letters and digits, single spaces: `12 High St.,  Maidstone` → `12 HIGH ST MAIDSTONE`.
pub fn address_key(text: &str) -> Option<String> {
    let words: Vec<String> = text
        .split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
        .map(str::to_uppercase)
        .collect();
    (!words.is_empty()).then(|| words.join(" "))
}

impl<'a> Ingest<'a> {
    /// An ingest with nothing read yet.
    pub fn new(options: IngestOptions<'a>) -> Self {
        let counts = SourceKind::ALL.map(|k| SourceCounts {
            file: options.profiles.get(k).file.clone(),
            ..SourceCounts::default()
        });
        Ingest {
            options,
            counts,
            rejects: Vec::new(),
            referrals: None,
            referrals_absent: false,
            acd: Vec::new(),
            recordings: Vec::new(),
            incidents: Vec::new(),
            partners: Vec::new(),
        }
    }

    /// Reads one source's export. `progress` is told the number of rows read so far, now and
    /// then.
    pub fn read(
        &mut self,
        kind: SourceKind,
        input: impl Read,
        progress: &mut dyn FnMut(u64),
    ) -> Result<(), ReadError> {
        let profile = self.options.profiles.get(kind).clone();
        let disclosure = match self.options.key {
            Some(_) => Disclosure::Pseudonymised,
            None => Disclosure::AsRead,
        };
        let mut reader = SourceReader::open(&profile, input, disclosure)?;
        if kind == SourceKind::Referrals {
            let csu = self.options.csu;
            self.referrals
                .get_or_insert_with(|| Referrals::new(csu))
                .read(
                    &mut reader,
                    &profile,
                    self.options.key,
                    &mut self.counts[slot(kind)],
                    &mut self.rejects,
                    progress,
                );
            return Ok(());
        }
        let mut seen: HashMap<String, (u64, u64)> = HashMap::default();
        while let Some(row) = reader.next_row() {
            let counts = &mut self.counts[slot(kind)];
            counts.read += 1;
            if counts.read.is_multiple_of(65_536) {
                progress(counts.read);
            }
            let row = match row {
                Ok(row) => row,
                Err(reject) => {
                    counts.rejected += 1;
                    self.rejects.push(reject);
                    continue;
                }
            };
            // Exact repeats (overlapping export windows) are dropped; a key repeated with
            // other values is a conflict and rejected.
            let key = match kind {
                SourceKind::Incidents => {
                    [0, 1, 2].map(|f| reader.get(&row, f).trim()).join("\u{1f}")
                }
                _ => reader.get(&row, 0).trim().to_string(),
            };
            let print = fingerprint(row.fields());
            if let Some(&(first_line, first_print)) = seen.get(&key) {
                if first_print == print {
                    counts.duplicates += 1;
                } else {
                    counts.rejected += 1;
                    let reject = reader.reject(
                        &row,
                        format!("conflicts with line {first_line}: same id `{key}`, other values"),
                    );
                    self.rejects.push(reject);
                }
                continue;
            }
            seen.insert(key, (row.line, print));
            let outcome = match kind {
                SourceKind::Acd => self.acd_row(&reader, &profile, &row),
                SourceKind::Recordings => self.recording_row(&reader, &profile, &row),
                SourceKind::Incidents => self.incident_row(&reader, &profile, &row),
                SourceKind::Partners => self.partner_row(&reader, &profile, &row),
                SourceKind::Referrals => unreachable!("referrals are read apart, above"),
            };
            if let Err(reject) = outcome {
                self.counts[slot(kind)].rejected += 1;
                self.rejects.push(reject);
            }
        }
        progress(self.counts[slot(kind)].read);
        Ok(())
    }

    /// Records that an optional source was absent.
    pub fn absent(&mut self, kind: SourceKind) {
        self.counts[slot(kind)].file = format!("{} (absent)", self.counts[slot(kind)].file);
        if kind == SourceKind::Referrals {
            self.referrals_absent = true;
        }
    }

    fn time(
        reader: &SourceReader<impl Read>,
        profile: &SourceProfile,
        row: &RawRow,
        field: usize,
    ) -> Result<LocalInstant, Reject> {
        parse_local(
            reader.get(row, field),
            &profile.time_format,
            profile.timezone,
        )
        .map_err(|e| reader.reject_field(row, field, e))
    }

    fn optional_time(
        reader: &SourceReader<impl Read>,
        profile: &SourceProfile,
        row: &RawRow,
        field: usize,
    ) -> Result<Option<LocalInstant>, Reject> {
        if reader.get(row, field).trim().is_empty() {
            return Ok(None);
        }
        Self::time(reader, profile, row, field).map(Some)
    }

    fn required(
        reader: &SourceReader<impl Read>,
        row: &RawRow,
        field: usize,
    ) -> Result<String, Reject> {
        optional(reader.get(row, field))
            .ok_or_else(|| reader.reject_field(row, field, "is empty; a value is required"))
    }

    fn cli(reader: &SourceReader<impl Read>, row: &RawRow, field: usize) -> Result<Cli, Reject> {
        classify_cli(reader.get(row, field)).map_err(|e| reader.reject_phone(row, field, &e))
    }

    fn outcome(
        reader: &SourceReader<impl Read>,
        profile: &SourceProfile,
        row: &RawRow,
        field: usize,
    ) -> Result<&'static str, Reject> {
        let word = reader.get(row, field);
        profile.outcome(word).ok_or_else(|| {
            let known: Vec<&str> = profile.outcomes.keys().map(String::as_str).collect();
            reader.reject_field(
                row,
                field,
                format!(
                    "`{word}` is not an outcome; expected one of {}",
                    known.join(", ")
                ),
            )
        })
    }

    fn acd_row(
        &mut self,
        reader: &SourceReader<impl Read>,
        profile: &SourceProfile,
        row: &RawRow,
    ) -> Result<(), Reject> {
        use field::acd::*;
        let acd = AcdRow {
            call_id: Self::required(reader, row, CALL_ID)?,
            phone_line: Self::required(reader, row, LINE)?,
            cli: Self::cli(reader, row, CLI)?,
            arrived: Self::time(reader, profile, row, ARRIVED)?,
            answered: Self::optional_time(reader, profile, row, ANSWERED)?,
            ended: Self::optional_time(reader, profile, row, ENDED)?,
            outcome: Self::outcome(reader, profile, row, OUTCOME)?,
        };
        self.acd.push(acd);
        Ok(())
    }

    fn recording_row(
        &mut self,
        reader: &SourceReader<impl Read>,
        profile: &SourceProfile,
        row: &RawRow,
    ) -> Result<(), Reject> {
        use field::recordings::*;
        let recording_id = Self::required(reader, row, ID)?;
        // Every row is checked whole, contact or not, so a bad value is never hidden.
        let started = Self::time(reader, profile, row, STARTED)?;
        let ended = Self::optional_time(reader, profile, row, ENDED)?;
        let remote = Self::cli(reader, row, REMOTE)?;
        let channel = reader.get(row, CHANNEL).trim().to_ascii_lowercase();
        let direction = reader.get(row, DIRECTION).trim().to_ascii_lowercase();
        let counts = &mut self.counts[slot(SourceKind::Recordings)];
        counts.ambiguous_times += [Some(started), ended]
            .iter()
            .flatten()
            .filter(|t| t.is_ambiguous())
            .count() as u64;
        if channel != "phone" || direction != "inbound" {
            counts.not_a_contact += 1;
            let what = if channel == "phone" {
                format!("a phone call, {direction}")
            } else {
                format!("the {channel} channel")
            };
            return Err(reader.reject(
                row,
                format!("not a contact: {what}, not an inbound phone call"),
            ));
        }
        self.recordings.push(RecordingRow {
            recording_id,
            remote,
            started,
            reject: reader.reject(row, String::new()),
        });
        Ok(())
    }

    fn caller_key(&self, cli: &Cli) -> Option<String> {
        let number = cli.e164()?;
        Some(match self.options.key {
            Some(key) => key.pseudonymise(number),
            None => number.to_string(),
        })
    }

    /// The address key as published: its pseudonym when publishing with a key.
    fn published_address(&self, location: &str) -> Option<String> {
        let address = address_key(location)?;
        Some(match self.options.key {
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
            .and_then(|p| self.options.csu.lookup(p))
            .map(|place| place.csu.to_string());
        let postcode = match self.options.key {
            Some(_) => postcode.and_then(|p| postcode_district(&p).map(str::to_string)),
            None => postcode,
        };
        (postcode, csu)
    }

    fn incident_row(
        &mut self,
        reader: &SourceReader<impl Read>,
        profile: &SourceProfile,
        row: &RawRow,
    ) -> Result<(), Reject> {
        use field::incidents::*;
        let incident_id = Self::required(reader, row, ID)?;
        let call_time = Self::time(reader, profile, row, CALL_TIME)?;
        let caller = Self::cli(reader, row, PHONE)?.into_e164();
        let grade = match reader.get(row, GRADE).trim() {
            "" => None,
            g => Some(
                g.parse::<i8>()
                    .ok()
                    .filter(|g| GRADES.contains(g))
                    .ok_or_else(|| {
                        reader.reject_field(
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
        let postcode_text = reader.get(row, POSTCODE).trim();
        let postcode = normalize_postcode(postcode_text);
        let counts = &mut self.counts[slot(SourceKind::Incidents)];
        if postcode.is_none() && !postcode_text.is_empty() {
            counts.unreadable_postcodes += 1;
        }
        if call_time.is_ambiguous() {
            counts.ambiguous_times += 1;
        }
        let (postcode, csu) = self.published_postcode(postcode);
        self.incidents.push(IncidentRow {
            incident_id,
            call_time,
            caller,
            address_key: self.published_address(reader.get(row, LOCATION)),
            postcode,
            csu,
            category: optional(reader.get(row, OPENING)),
            closing_category: optional(reader.get(row, CLOSING)),
            grade,
            reject: reader.reject(row, String::new()),
        });
        Ok(())
    }

    fn partner_row(
        &mut self,
        reader: &SourceReader<impl Read>,
        profile: &SourceProfile,
        row: &RawRow,
    ) -> Result<(), Reject> {
        use field::partners::*;
        let contact_id = Self::required(reader, row, ID)?;
        let agency = match reader.get(row, AGENCY).trim().to_ascii_lowercase().as_str() {
            "fire" | "fire and rescue" | "frs" => "fire",
            "ambulance" | "ambulance service" | "nhs ambulance" => "ambulance",
            other => {
                return Err(reader.reject_field(
                    row,
                    AGENCY,
                    format!("`{other}` is not a partner agency; expected fire or ambulance"),
                ));
            }
        };
        let received = Self::time(reader, profile, row, RECEIVED)?;
        let key_text = reader.get(row, KEY).trim();
        let (caller_key, cli_status) = if is_pseudonym(key_text) {
            (Some(key_text.to_string()), "present")
        } else {
            let cli = Self::cli(reader, row, KEY)?;
            (self.caller_key(&cli), cli.status())
        };
        if received.is_ambiguous() {
            self.counts[slot(SourceKind::Partners)].ambiguous_times += 1;
        }
        let contact = Contact {
            contact_id,
            agency,
            line: Self::required(reader, row, LINE)?,
            received_at: received.resolve(None),
            caller_key,
            cli_status,
            outcome: Self::outcome(reader, profile, row, OUTCOME)?,
            category: optional(reader.get(row, CATEGORY)),
            ..Contact::default()
        };
        self.partners.push(contact);
        Ok(())
    }

    /// Resolves the clock change, links the systems and sorts the contacts.
    pub fn finish(mut self) -> Ingested {
        let calls = self.resolve_clock();
        let index = AcdIndex::new(&self.acd, &calls);
        let mut contacts = self.acd_contacts(&calls);
        self.merge_recordings(&index, &mut contacts);
        self.merge_incidents(&index, &mut contacts);
        let referrals = self.finish_referrals();
        self.counts[slot(SourceKind::Partners)].published = self.partners.len() as u64;
        contacts.append(&mut self.partners);
        sort_contacts(&mut contacts);
        sort_rejects(&mut self.rejects);
        let report = report(self.counts, &contacts, &self.rejects);
        Ingested {
            contacts,
            referrals,
            rejects: self.rejects,
            report,
        }
    }

    /// The clock change: sorts the ACD calls into call id order and resolves each call's
    /// times, no call arriving before the one ahead of it and no answer or end before the
    /// arrival. Returns the resolved instants, parallel to the sorted calls, and counts the
    /// ambiguous times and the published calls.
    fn resolve_clock(&mut self) -> Vec<AcdCall> {
        let acd_counts = &mut self.counts[slot(SourceKind::Acd)];
        self.acd
            .sort_by(|a, b| (a.call_id.len(), &a.call_id).cmp(&(b.call_id.len(), &b.call_id)));
        let mut previous: Option<Micros> = None;
        let mut calls = Vec::with_capacity(self.acd.len());
        for row in &self.acd {
            let ambiguous = [Some(row.arrived), row.answered, row.ended]
                .iter()
                .flatten()
                .filter(|t| t.is_ambiguous())
                .count();
            acd_counts.ambiguous_times += ambiguous as u64;
            let arrived = row.arrived.resolve(previous);
            previous = Some(arrived);
            let answered = row.answered.map(|t| t.resolve(Some(arrived)));
            let ended = row
                .ended
                .map(|t| t.resolve(Some(answered.unwrap_or(arrived))));
            calls.push(AcdCall {
                arrived,
                answered,
                ended,
            });
        }
        acd_counts.published = self.acd.len() as u64;
        calls
    }

    /// One contact per ACD call (`calls` parallel to the calls), in call id order, before
    /// anything is merged into it.
    fn acd_contacts(&self, calls: &[AcdCall]) -> Vec<Contact> {
        self.acd
            .iter()
            .zip(calls)
            .map(|(row, call)| Contact {
                contact_id: row.call_id.clone(),
                agency: "police",
                line: row.phone_line.clone(),
                received_at: call.arrived,
                caller_key: self.caller_key(&row.cli),
                cli_status: row.cli.status(),
                outcome: row.outcome,
                wait_s: call.answered.map(|a| seconds(a - call.arrived)),
                talk_s: call.answered.zip(call.ended).map(|(a, e)| seconds(e - a)),
                ..Contact::default()
            })
            .collect()
    }

    /// Merges each recording into the contact of the ACD call it links to; a recording that
    /// links to none is rejected as unmatched.
    fn merge_recordings(&mut self, index: &AcdIndex, contacts: &mut [Contact]) {
        let linked = link::recordings(index, &mut self.recordings);
        let counts = &mut self.counts[slot(SourceKind::Recordings)];
        let unmatched = link::unmatched_recording();
        for (recording, call) in self.recordings.iter().zip(linked) {
            match call {
                Some(call) => {
                    counts.merged += 1;
                    contacts[call].recording_id = Some(recording.recording_id.clone());
                }
                None => {
                    counts.rejected += 1;
                    counts.unmatched += 1;
                    let mut reject = recording.reject.clone();
                    reject.reason = unmatched.clone();
                    self.rejects.push(reject);
                }
            }
        }
    }

    /// Merges each incident call into the contact of the ACD call it links to (the first
    /// incident linked to a call gives the contact its incident fields); an incident call that
    /// links to none is rejected as unmatched.
    fn merge_incidents(&mut self, index: &AcdIndex, contacts: &mut [Contact]) {
        let linked = link::incidents(index, &mut self.incidents);
        let counts = &mut self.counts[slot(SourceKind::Incidents)];
        let unmatched = link::unmatched_incident();
        for (incident, call) in self.incidents.iter().zip(linked) {
            match call {
                Some(call) => {
                    counts.merged += 1;
                    let contact = &mut contacts[call];
                    if contact.incident_id.is_none() {
                        contact.incident_id = Some(incident.incident_id.clone());
                        contact.category = incident.category.clone();
                        contact.closing_category = incident.closing_category.clone();
                        contact.grade = incident.grade;
                        contact.postcode = incident.postcode.clone();
                        contact.address_key = incident.address_key.clone();
                        contact.csu = incident.csu.clone();
                    }
                }
                None => {
                    counts.rejected += 1;
                    counts.unmatched += 1;
                    let mut reject = incident.reject.clone();
                    reject.reason = if incident.caller.is_none() {
                        link::UNMATCHED_KEYLESS_INCIDENT.to_string()
                    } else {
                        unmatched.clone()
                    };
                    self.rejects.push(reject);
                }
            }
        }
    }

    /// The referrals sorted, or `None` when no referrals export was read; a referrals export
    /// never read is reported absent, said or not (older archives have none).
    fn finish_referrals(&mut self) -> Option<Vec<Referral>> {
        if self.referrals.is_none() && !self.referrals_absent {
            self.absent(SourceKind::Referrals);
        }
        self.referrals.take().map(Referrals::finish)
    }
}

/// Contacts by caller key (keyless last), then time, then contact id.
fn sort_contacts(contacts: &mut [Contact]) {
    contacts.sort_by(|a, b| {
        (
            a.caller_key.is_none(),
            &a.caller_key,
            a.received_at,
            &a.contact_id,
        )
            .cmp(&(
                b.caller_key.is_none(),
                &b.caller_key,
                b.received_at,
                &b.contact_id,
            ))
    });
}

/// Rejects by source, then file, then line.
fn sort_rejects(rejects: &mut [Reject]) {
    rejects.sort_by(|a, b| (a.source, &a.file, a.line).cmp(&(b.source, &b.file, b.line)));
}

/// The figures: each source's counts under its name, and the sizes of the two tables.
fn report(counts: [SourceCounts; 5], contacts: &[Contact], rejects: &[Reject]) -> IngestReport {
    IngestReport {
        sources: SourceKind::ALL
            .iter()
            .zip(counts)
            .map(|(k, c)| (k.name().to_string(), c))
            .collect(),
        contacts: contacts.len() as u64,
        rejects: rejects.len() as u64,
    }
}

fn seconds(micros: Micros) -> i32 {
    (micros / SECOND).clamp(i32::MIN as i64, i32::MAX as i64) as i32
}

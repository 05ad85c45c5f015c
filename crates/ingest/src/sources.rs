//! Reading the sources and joining the four of contacts into contacts; referrals are read
//! beside them (`crate::referral`).

use std::io::Read;

use compact_str::CompactString;
use engage_kernel::Micros;
use engage_kernel::contact_index::{ContactIndex, KeyHash};
use engage_kernel::postcode::CsuTable;
use engage_kernel::pseudonym::PseudonymKey;
use engage_kernel::time::SECOND;
use foldhash::HashMap;

use crate::contact::{Contact, Reject};
use crate::kept::{Kept, TextArena};
use crate::link::{self, AcdCall, AcdIndex};
use crate::parse::{self, Parsed, ParsedRow, RowContext, RowParser};
use crate::profile::{Profiles, SourceKind};
use crate::read::{Disclosure, RawRow, ReadError, SourceLayout, SourceReader};
use crate::referral::{Referral, Referrals};
use crate::report::{IngestReport, SourceCounts};
use crate::rows::{permute, sort_rows};

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
    /// The ACD calls, recordings and incident calls read, until they are linked.
    kept: Kept,
    partners: Vec<Contact>,
    /// Threads to read a file's rows on.
    threads: usize,
    /// Rows handed to a thread at a time.
    batch_rows: usize,
}

/// Rows handed to a reading thread at a time, by default.
const BATCH_ROWS: usize = 4096;

/// Where the rows of one file go once read, in file order: the counts, the rejects and the
/// rows of each source. It drops repeats.
pub(crate) struct RowSink<'s> {
    layout: &'s SourceLayout,
    counts: &'s mut SourceCounts,
    rejects: &'s mut Vec<Reject>,
    kept: &'s mut Kept,
    partners: &'s mut Vec<Contact>,
    /// Each key read, with the line it was first read on and the fingerprint of that row.
    seen: SeenKeys,
    progress: &'s mut dyn FnMut(u64),
}

impl RowSink<'_> {
    /// Asks for the hash-table slots that applying `row` will look up to be brought into the
    /// cache: call it some rows ahead of applying it, and [`RowSink::prefetch_records`] a few
    /// rows later, so that the cache misses of several rows overlap.
    pub(crate) fn prefetch_slots(&self, row: &Result<ParsedRow, Reject>) {
        if let Ok(parsed) = row {
            self.seen.ids.prefetch_slot(parsed.key.hash);
            if let Some(number) = parsed.outcome.as_ref().ok().and_then(Parsed::number) {
                self.kept.numbers.prefetch_slot(number.hash);
            }
        }
    }

    /// Asks for the key records that applying `row` will compare to be brought into the
    /// cache (see [`RowSink::prefetch_slots`]).
    pub(crate) fn prefetch_records(&self, row: &Result<ParsedRow, Reject>) {
        if let Ok(parsed) = row {
            self.seen.ids.prefetch_record(parsed.key.hash);
            if let Some(number) = parsed.outcome.as_ref().ok().and_then(Parsed::number) {
                self.kept.numbers.prefetch_record(number.hash);
            }
        }
    }

    /// Counts one row read and keeps what it became; rows must come in file order, their
    /// texts in `text`. Gives back the row as read, when there was one, to be reused.
    pub(crate) fn apply(
        &mut self,
        row: Result<ParsedRow, Reject>,
        text: &TextArena,
    ) -> Option<RawRow> {
        let counts = &mut *self.counts;
        counts.read += 1;
        if counts.read.is_multiple_of(65_536) {
            (self.progress)(counts.read);
        }
        let parsed = match row {
            Ok(parsed) => parsed,
            Err(reject) => {
                counts.rejected += 1;
                self.rejects.push(reject);
                return None;
            }
        };
        // Exact repeats (overlapping export windows) are dropped; a key repeated with
        // other values is a conflict and rejected.
        let key = text.get(parsed.key.text);
        let this = (parsed.row.line, parsed.print);
        if let Some((first_line, first_print)) = self.seen.first(key, parsed.key.hash, this) {
            if first_print == parsed.print {
                counts.duplicates += 1;
            } else {
                counts.rejected += 1;
                self.rejects.push(self.layout.reject(
                    &parsed.row,
                    format!("conflicts with line {first_line}: same id `{key}`, other values"),
                ));
            }
            return Some(parsed.row);
        }
        counts.ambiguous_times += parsed.tally.ambiguous_times;
        counts.not_a_contact += parsed.tally.not_a_contact;
        counts.unreadable_postcodes += parsed.tally.unreadable_postcodes;
        match parsed.outcome {
            Ok(Parsed::Acd(row)) => self.kept.acd(row, text),
            Ok(Parsed::Recording(row)) => self.kept.recording(row, text),
            Ok(Parsed::Incident(row)) => self.kept.incident(row, text),
            Ok(Parsed::Partner(contact)) => self.partners.push(contact),
            Err(reject) => {
                counts.rejected += 1;
                self.rejects.push(reject);
            }
        }
        Some(parsed.row)
    }
}

/// The ids read from one file, each with the line it was first read on and the fingerprint
/// of that row: the ids interned, and those two figures by the id's code.
#[derive(Default)]
struct SeenKeys {
    ids: ContactIndex,
    first: Vec<(u64, u64)>,
}

impl SeenKeys {
    /// The (line, fingerprint) of the first row read with the id `key`; if there was none,
    /// `None`, and `this` row's are noted as the first.
    fn first(&mut self, key: &str, hash: KeyHash, this: (u64, u64)) -> Option<(u64, u64)> {
        let code = self.ids.code_hashed_key(key, hash) as usize;
        if code == self.first.len() {
            self.first.push(this);
            return None;
        }
        Some(self.first[code])
    }
}

fn slot(kind: SourceKind) -> usize {
    SourceKind::ALL
        .iter()
        .position(|&k| k == kind)
        .expect("all kinds")
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
            kept: Kept::default(),
            partners: Vec::new(),
            threads: default_threads(),
            batch_rows: BATCH_ROWS,
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
        let layout = reader.layout().clone();
        let context = RowContext {
            kind,
            layout: &layout,
            profile: &profile,
            key: self.options.key,
            csu: self.options.csu,
        };
        let mut sink = RowSink {
            layout: &layout,
            counts: &mut self.counts[slot(kind)],
            rejects: &mut self.rejects,
            kept: &mut self.kept,
            partners: &mut self.partners,
            seen: Default::default(),
            progress,
        };
        let threads = self.threads;
        let batch_rows = self.batch_rows;
        #[cfg(not(target_arch = "wasm32"))]
        if threads > 1 {
            crate::parallel::read_rows(&context, &mut reader, &mut sink, threads, batch_rows);
            let read = sink.counts.read;
            (sink.progress)(read);
            return Ok(());
        }
        let _ = (threads, batch_rows);
        let mut parser = RowParser::new(&context);
        while let Some(row) = reader.next_row() {
            let parsed = row.map(|row| parser.parse(row));
            if let Some(row) = sink.apply(parsed, parser.text()) {
                reader.recycle(row);
            }
            parser.clear_text();
        }
        let read = sink.counts.read;
        (sink.progress)(read);
        Ok(())
    }

    /// Reads each file's rows on up to `threads` threads (1: on the calling thread), handing
    /// them out `batch_rows` at a time. The outcome is the same for any values; the default is
    /// one thread per core. For tests and benchmarks; in WebAssembly rows are always read on
    /// the calling thread.
    pub fn parallelism(mut self, threads: usize, batch_rows: usize) -> Self {
        self.threads = threads.max(1);
        self.batch_rows = batch_rows.max(1);
        self
    }

    /// Records that an optional source was absent.
    pub fn absent(&mut self, kind: SourceKind) {
        self.counts[slot(kind)].file = format!("{} (absent)", self.counts[slot(kind)].file);
        if kind == SourceKind::Referrals {
            self.referrals_absent = true;
        }
    }

    /// Resolves the clock change, links the systems and sorts the contacts. Each source's kept
    /// rows are dropped as soon as they are merged.
    pub fn finish(mut self) -> Ingested {
        let calls = self.resolve_clock();
        let index = AcdIndex::new(&self.kept.acd.rows, &calls);
        // The recordings are linked, and dropped, before the contacts are made: they are not
        // held beside them.
        let recording_ids = self.link_recordings(&index, calls.len());
        let mut contacts = self.acd_contacts(&calls, recording_ids);
        drop(calls);
        self.merge_incidents(&index, &mut contacts);
        drop(index);
        self.kept = Kept::default();
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
        let acd = &mut self.kept.acd;
        sort_rows(
            &mut acd.rows,
            |row| i64::from(row.call_id.byte_len()),
            |row| acd.text.get(row.call_id),
        );
        let mut previous: Option<Micros> = None;
        let mut calls = Vec::with_capacity(acd.rows.len());
        for row in &acd.rows {
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
        acd_counts.published = acd.rows.len() as u64;
        calls
    }

    /// One contact per ACD call (`calls` and `recording_ids` parallel to the calls), in call id
    /// order, with the recording linked to it, before incidents are merged into it. The kept
    /// calls are dropped.
    fn acd_contacts(
        &mut self,
        calls: &[AcdCall],
        recording_ids: Vec<Option<CompactString>>,
    ) -> Vec<Contact> {
        let key = self.options.key;
        let acd = std::mem::take(&mut self.kept.acd);
        let (numbers, words) = (&self.kept.numbers, &self.kept.words);
        // Room for the partners' contacts too, appended later.
        let mut contacts = Vec::with_capacity(acd.rows.len() + self.partners.len());
        let calls = acd.rows.iter().zip(calls).zip(recording_ids);
        contacts.extend(calls.map(|((row, call), recording_id)| {
            Contact {
                caller_key: row
                    .caller
                    .number()
                    .map(|code| parse::published_caller(key, numbers.text(code))),
                cli_status: row.caller.status(),
                contact_id: acd.text.get(row.call_id).into(),
                agency: "police",
                line: words.text(row.phone_line).into(),
                received_at: call.arrived,
                outcome: row.outcome,
                wait_s: call.answered.map(|a| seconds(a - call.arrived)),
                talk_s: call.answered.zip(call.ended).map(|(a, e)| seconds(e - a)),
                recording_id,
                ..Contact::default()
            }
        }));
        contacts
    }

    /// Links each recording to an ACD call, and returns the id of the recording linked to each
    /// of the `calls` calls; a recording that links to none is rejected as unmatched. The kept
    /// recordings are dropped.
    fn link_recordings(&mut self, index: &AcdIndex, calls: usize) -> Vec<Option<CompactString>> {
        let mut ids = vec![None; calls];
        let mut recordings = std::mem::take(&mut self.kept.recordings);
        let linked = link::recordings(index, &mut recordings);
        let counts = &mut self.counts[slot(SourceKind::Recordings)];
        let unmatched = link::unmatched_recording();
        let text = &recordings.text;
        for (recording, call) in recordings.rows.iter().zip(linked) {
            match call {
                Some(call) => {
                    counts.merged += 1;
                    ids[call] = Some(text.get(recording.recording_id).into());
                }
                None => {
                    counts.rejected += 1;
                    counts.unmatched += 1;
                    self.rejects.push(Reject {
                        source: SourceKind::Recordings.name(),
                        file: self
                            .options
                            .profiles
                            .get(SourceKind::Recordings)
                            .file
                            .clone(),
                        line: recording.line,
                        raw: text.get(recording.raw).to_string(),
                        reason: unmatched.clone(),
                    });
                }
            }
        }
        ids
    }

    /// Merges each incident call into the contact of the ACD call it links to (the first
    /// incident linked to a call gives the contact its incident fields); an incident call that
    /// links to none is rejected as unmatched. The kept incident calls are dropped.
    fn merge_incidents(&mut self, index: &AcdIndex, contacts: &mut [Contact]) {
        let mut incidents = std::mem::take(&mut self.kept.incidents);
        let linked = link::incidents(index, &mut incidents);
        let counts = &mut self.counts[slot(SourceKind::Incidents)];
        let unmatched = link::unmatched_incident();
        let (text, words) = (&incidents.text, &self.kept.words);
        let word = |code: Option<u32>| code.map(|code| words.text(code).into());
        for (incident, call) in incidents.rows.iter().zip(linked) {
            match call {
                Some(call) => {
                    counts.merged += 1;
                    let contact = &mut contacts[call];
                    if contact.incident_id.is_none() {
                        contact.incident_id = Some(text.get(incident.incident_id).into());
                        contact.category = word(incident.category);
                        contact.closing_category = word(incident.closing_category);
                        contact.grade = incident.grade;
                        contact.postcode = word(incident.postcode);
                        contact.address_key = word(incident.address_key);
                        contact.csu = word(incident.csu);
                    }
                }
                None => {
                    counts.rejected += 1;
                    counts.unmatched += 1;
                    self.rejects.push(Reject {
                        source: SourceKind::Incidents.name(),
                        file: self
                            .options
                            .profiles
                            .get(SourceKind::Incidents)
                            .file
                            .clone(),
                        line: incident.line,
                        raw: text.get(incident.raw).to_string(),
                        reason: if incident.number.is_none() {
                            link::UNMATCHED_KEYLESS_INCIDENT.to_string()
                        } else {
                            unmatched.clone()
                        },
                    });
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

/// One thread per core; in WebAssembly, one.
fn default_threads() -> usize {
    #[cfg(not(target_arch = "wasm32"))]
    {
        std::thread::available_parallelism().map_or(1, |n| n.get().min(8))
    }
    #[cfg(target_arch = "wasm32")]
    {
        1
    }
}

/// Contacts by caller key (keyless last), then time, then contact id; contacts equal in all
/// three keep their order. The caller keys are ranked once (each distinct key compared as text
/// only while ranking) and the contacts sorted by rank and time, comparing contact ids only
/// between contacts of one caller at one instant, then put in that order in place.
fn sort_contacts(contacts: &mut [Contact]) {
    let mut codes: HashMap<&str, u32> = HashMap::default();
    codes.reserve(contacts.len() / 2);
    let code_of: Vec<Option<u32>> = contacts
        .iter()
        .map(|c| {
            let key = c.caller_key.as_deref()?;
            let next = codes.len() as u32;
            Some(*codes.entry(key).or_insert(next))
        })
        .collect();
    // Compared by their first 16 bytes as a number first (the whole of an E.164 number), the
    // text only when those are equal: the same order as the text's, without reaching each
    // key's text for every comparison.
    let mut keys: Vec<(u128, &str, u32)> = codes
        .into_iter()
        .map(|(key, code)| (text_prefix(key), key, code))
        .collect();
    keys.sort_unstable_by(|a, b| a.0.cmp(&b.0).then_with(|| a.1.cmp(b.1)));
    let mut rank = vec![0u32; keys.len()];
    for (r, &(_, _, code)) in keys.iter().enumerate() {
        rank[code as usize] = r as u32;
    }
    let keyless = keys.len() as u32;
    drop(keys);
    // (caller rank, position, time): 16 bytes a contact, the ranks and codes freed before the
    // sort.
    let mut order: Vec<(u32, u32, Micros)> = contacts
        .iter()
        .zip(code_of)
        .enumerate()
        .map(|(i, (c, code))| {
            let at = u32::try_from(i).expect("under 4 billion contacts");
            (
                code.map_or(keyless, |k| rank[k as usize]),
                at,
                c.received_at,
            )
        })
        .collect();
    drop(rank);
    order.sort_unstable_by(|a, b| {
        (a.0, a.2)
            .cmp(&(b.0, b.2))
            .then_with(|| {
                contacts[a.1 as usize]
                    .contact_id
                    .cmp(&contacts[b.1 as usize].contact_id)
            })
            .then(a.1.cmp(&b.1))
    });
    permute(contacts, |at| order[at].1 as usize);
}

/// The first 16 bytes of `text` (zeros after its end) as a big-endian number: two texts whose
/// numbers differ are in the order of their numbers.
fn text_prefix(text: &str) -> u128 {
    let mut bytes = [0u8; 16];
    let n = text.len().min(16);
    bytes[..n].copy_from_slice(&text.as_bytes()[..n]);
    u128::from_be_bytes(bytes)
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

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn an_id_is_seen_again_with_its_first_line_and_fingerprint() {
        let mut seen = SeenKeys::default();
        // An incident's id (id, time and number) is longer than a key kept inline.
        let long = "I240000001\u{1f}06/10/2025 00:25:09\u{1f}029 2018 0107";
        let mut first = |key: &str, this| seen.first(key, KeyHash::of(key), this);
        assert_eq!(first("A1", (2, 10)), None);
        assert_eq!(first("B2", (3, 11)), None);
        assert_eq!(first(long, (4, 12)), None);
        assert_eq!(first("A1", (5, 13)), Some((2, 10)));
        assert_eq!(first("B2", (6, 14)), Some((3, 11)));
        assert_eq!(first(long, (7, 15)), Some((4, 12)));
        assert_eq!(first("", (8, 16)), None);
        assert_eq!(first("", (9, 17)), Some((8, 16)));
        assert_eq!(first("A1 ", (10, 18)), None);
    }

    proptest! {
        #[test]
        fn text_prefixes_keep_the_order_of_the_texts(a in "[+0-9a-f\u{0}é]{0,20}", b in "[+0-9a-f\u{0}é]{0,20}") {
            let (pa, pb) = (text_prefix(&a), text_prefix(&b));
            if pa != pb {
                prop_assert_eq!(pa.cmp(&pb), a.cmp(&b));
            }
        }

        #[test]
        fn contacts_sort_by_caller_then_time_then_id_stably(
            rows in prop::collection::vec((prop::option::of("(\\+44|ps:)[0-9]{0,16}"), 0i64..4, "[AB]{1,2}", any::<u8>()), 0..80),
        ) {
            let mut contacts: Vec<Contact> = rows
                .iter()
                .map(|(key, at, id, line)| Contact {
                    caller_key: key.as_deref().map(Into::into),
                    received_at: *at,
                    contact_id: id.into(),
                    line: line.to_string().into(),
                    ..Contact::default()
                })
                .collect();
            let mut expected = contacts.clone();
            expected.sort_by(|a, b| {
                (a.caller_key.is_none(), &a.caller_key, a.received_at, &a.contact_id)
                    .cmp(&(b.caller_key.is_none(), &b.caller_key, b.received_at, &b.contact_id))
            });
            sort_contacts(&mut contacts);
            prop_assert_eq!(contacts, expected);
        }
    }
}

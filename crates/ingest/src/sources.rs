//! Reading the sources and joining the four of contacts into contacts; referrals are read
//! beside them (`crate::referral`).

use std::io::Read;

use engage_kernel::Micros;
use engage_kernel::contact_index::KeyHash;
use engage_kernel::postcode::CsuTable;
use engage_kernel::pseudonym::PseudonymKey;

use crate::contact::Reject;
use crate::kept::{
    Code, Kept, KeptIncident, KeptInstant, KeptRecording, KeptRows, TextArena, TextRef, Vocabulary,
};
use crate::link::{self, AcdCall, AcdIndex};
use crate::parse::{self, Parsed, ParsedBatch, ParsedRow, RowContext, RowParser};
use crate::profile::{Profiles, SourceKind};
use crate::read::{Disclosure, RawRow, ReadError, SourceLayout, SourceReader};
use crate::referral::{Referral, Referrals};
use crate::rejects::RejectTable;
use crate::report::{IngestReport, SourceCounts};
use crate::rows::sort_rows;
use crate::seen::SeenKeys;
use crate::table::{ContactTable, KeptPartners, LinkedCalls, LinkedIncident};
use crate::threads::both;

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
    pub contacts: ContactTable,
    /// The referrals table; `None` when no referrals export was read.
    pub referrals: Option<Vec<Referral>>,
    /// The rejects table.
    pub rejects: RejectTable,
    /// Every figure.
    pub report: IngestReport,
}

/// An ingest in progress: read each source with [`Ingest::read`], then [`Ingest::finish`].
pub struct Ingest<'a> {
    options: IngestOptions<'a>,
    counts: [SourceCounts; 5],
    rejects: RejectTable,
    referrals: Option<Referrals>,
    referrals_absent: bool,
    /// The rows of the four sources of contacts read, until they are linked.
    kept: Kept,
    /// Threads to read a file's rows on.
    threads: usize,
    /// Rows handed to a thread at a time.
    batch_rows: usize,
}

/// Rows handed to a reading thread at a time, by default.
const BATCH_ROWS: usize = 4096;

/// How many rows ahead of the one applied its lookups' hash-table slots are fetched, and how
/// many its key records are.
const SLOTS_AHEAD: usize = 16;
const RECORDS_AHEAD: usize = 8;

/// Which part of a hash-table lookup [`RowSink::prefetch`] asks for.
#[derive(Clone, Copy)]
enum Ahead {
    Slots,
    Records,
}

/// Where the rows of one file go once read, in file order: the counts, the rejects and the
/// rows of each source. It drops repeats.
pub(crate) struct RowSink<'s> {
    kind: SourceKind,
    layout: &'s SourceLayout,
    counts: &'s mut SourceCounts,
    rejects: &'s mut RejectTable,
    kept: &'s mut Kept,
    /// Each key read, with the line it was first read on and the fingerprint of that row.
    seen: SeenKeys,
}

/// Rows read between two reports of progress.
const PROGRESS_ROWS: u64 = 65_536;

/// Tells `progress` that `after` rows have been read, if another [`PROGRESS_ROWS`] have been
/// since `before`.
pub(crate) fn tell_progress(progress: &mut dyn FnMut(u64), before: u64, after: u64) {
    if after / PROGRESS_ROWS > before / PROGRESS_ROWS {
        progress(after);
    }
}

impl RowSink<'_> {
    /// Asks for what applying `row` will look up in the hash tables (its id, and its number,
    /// words or partner's key) to be brought into the cache: the slots ([`Ahead::Slots`]) some
    /// rows ahead of applying it, and the key records the slots point to ([`Ahead::Records`])
    /// a few rows later, so that the cache misses of several rows overlap.
    fn prefetch(&self, row: &Result<ParsedRow, Reject>, ahead: Ahead) {
        let Ok(parsed) = row else { return };
        let fetch = |table: &Vocabulary, hash: KeyHash| match ahead {
            Ahead::Slots => table.prefetch_slot(hash),
            Ahead::Records => table.prefetch_record(hash),
        };
        match ahead {
            Ahead::Slots => self.seen.prefetch_slot(parsed.key.hash),
            Ahead::Records => self.seen.prefetch_record(parsed.key.hash),
        }
        let Ok(outcome) = &parsed.outcome else { return };
        if let Some(number) = outcome.number() {
            fetch(&self.kept.numbers, number.hash);
        }
        for word in outcome.words().into_iter().flatten() {
            fetch(&self.kept.words, word.hash);
        }
        if let Some(key) = outcome.partner_key() {
            fetch(&self.kept.partner_keys, key.hash);
        }
    }

    /// Counts the rows of a batch read and keeps what they became; batches must come in file
    /// order. Each row as read, when there was one, goes to `recycle` to be reused.
    pub(crate) fn apply_batch(&mut self, batch: ParsedBatch, mut recycle: impl FnMut(RawRow)) {
        let raw_block = self.kept.raw(self.kind, batch.raw);
        // The lookups of rows a little ahead are started while this one is applied: the
        // tables are far larger than the cache.
        let mut rows = batch.rows.into_iter();
        while let Some(row) = rows.next() {
            let ahead = rows.as_slice();
            if let Some(ahead) = ahead.get(SLOTS_AHEAD) {
                self.prefetch(ahead, Ahead::Slots);
            }
            if let Some(ahead) = ahead.get(RECORDS_AHEAD) {
                self.prefetch(ahead, Ahead::Records);
            }
            if let Some(row) = self.apply(row, &batch.text, raw_block) {
                recycle(row);
            }
        }
    }

    /// Counts one row read and keeps what it became; rows must come in file order, their
    /// texts in `text`, their raw rows packed as `raw_block`. Gives back the row as read, when
    /// there was one, to be reused.
    fn apply(
        &mut self,
        row: Result<ParsedRow, Reject>,
        text: &TextArena,
        raw_block: u32,
    ) -> Option<RawRow> {
        let counts = &mut *self.counts;
        counts.read += 1;
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
            Ok(Parsed::Recording(row)) => self.kept.recording(row, text, raw_block),
            Ok(Parsed::Incident(row)) => self.kept.incident(row, text, raw_block),
            Ok(Parsed::Partner(row)) => self.kept.partner(row, text),
            Err(reject) => {
                counts.rejected += 1;
                self.rejects.push(reject);
            }
        }
        Some(parsed.row)
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
            rejects: RejectTable::default(),
            referrals: None,
            referrals_absent: false,
            kept: Kept::default(),
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
            kind,
            layout: &layout,
            counts: &mut self.counts[slot(kind)],
            rejects: &mut self.rejects,
            kept: &mut self.kept,
            seen: Default::default(),
        };
        let threads = self.threads;
        let batch_rows = self.batch_rows;
        #[cfg(not(target_arch = "wasm32"))]
        if threads > 1 {
            crate::parallel::read_rows(
                &context,
                &mut reader,
                &mut sink,
                threads,
                batch_rows,
                progress,
            );
            progress(sink.counts.read);
            return Ok(());
        }
        let _ = threads;
        let mut parser = RowParser::new(&context);
        loop {
            let rows: Vec<_> = std::iter::from_fn(|| reader.next_row())
                .take(batch_rows)
                .collect();
            if rows.is_empty() {
                break;
            }
            let before = sink.counts.read;
            sink.apply_batch(parser.parse_batch(rows), |row| reader.recycle(row));
            tell_progress(progress, before, sink.counts.read);
        }
        progress(sink.counts.read);
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
    /// rows are dropped as soon as they are linked; the calls' are kept, compactly, in the
    /// table.
    pub fn finish(mut self) -> Ingested {
        let calls = self.resolve_clock();
        let index = AcdIndex::new(&calls);
        // The calls' ids, with the linked recordings' and incidents' ids after them.
        let mut ids = std::mem::take(&mut self.kept.acd.text);
        let recordings = std::mem::take(&mut self.kept.recordings);
        let incidents = std::mem::take(&mut self.kept.incidents);
        let (recordings_linked, incidents_linked) = both(
            self.threads,
            || link::recordings(&index, &recordings),
            || link::incidents(&index, &incidents),
        );
        drop(index);
        let recordings = self.link_recordings(recordings, recordings_linked, calls.len(), &mut ids);
        let (linked, incidents) =
            self.link_incidents(incidents, incidents_linked, calls.len(), &mut ids);
        let kept = std::mem::take(&mut self.kept);
        let key = self.options.key;
        let caller_keys = kept
            .numbers
            .codes()
            .map(|code| parse::published_caller(key, kept.numbers.text(code)))
            .collect();
        drop(kept.numbers);
        let calls = LinkedCalls {
            rows: calls,
            recordings,
            linked,
            incidents,
            ids,
            caller_keys,
        };
        let partners = KeptPartners {
            rows: kept.partners.rows,
            ids: kept.partners.text,
            keys: kept.partner_keys,
        };
        let referrals = self.finish_referrals();
        self.counts[slot(SourceKind::Partners)].published = partners.rows.len() as u64;
        let contacts = ContactTable::new(calls, partners, kept.words, self.threads);
        self.rejects.sort();
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
    /// arrival. Returns the calls so resolved, in call id order, and counts the ambiguous times
    /// and the published calls; the kept calls are gone.
    fn resolve_clock(&mut self) -> Vec<AcdCall> {
        let acd_counts = &mut self.counts[slot(SourceKind::Acd)];
        let acd = &mut self.kept.acd;
        sort_rows(
            &mut acd.rows,
            |row| i64::from(row.call_id.byte_len()),
            |row| acd.text.get(row.call_id),
        );
        acd_counts.published = acd.rows.len() as u64;
        let mut previous: Option<Micros> = None;
        // Made in the kept calls' place (a resolved call is smaller): no second copy of them.
        let calls: Vec<AcdCall> = std::mem::take(&mut acd.rows)
            .into_iter()
            .map(|row| {
                let (arrived, answered, ended) = (
                    row.arrived.get(),
                    row.answered.map(KeptInstant::get),
                    row.ended.map(KeptInstant::get),
                );
                let ambiguous = [Some(arrived), answered, ended]
                    .iter()
                    .flatten()
                    .filter(|t| t.is_ambiguous())
                    .count();
                acd_counts.ambiguous_times += ambiguous as u64;
                let arrived = arrived.resolve(previous);
                previous = Some(arrived);
                let answered = answered.map(|t| t.resolve(Some(arrived)));
                let ended = ended.map(|t| t.resolve(Some(answered.unwrap_or(arrived))));
                AcdCall {
                    call_id: row.call_id,
                    caller: row.caller,
                    phone_line: row.phone_line,
                    outcome: row.outcome,
                    arrived,
                    answered,
                    ended,
                }
            })
            .collect();
        calls
    }

    /// Takes the links of the recordings (`calls_linked`, each recording's position and link,
    /// as [`link::recordings`] gives them), and returns the id (kept in `ids`) of the recording
    /// linked to each of the `calls` calls; a recording that links to none is rejected as
    /// unmatched. The kept recordings are dropped.
    fn link_recordings(
        &mut self,
        recordings: KeptRows<KeptRecording>,
        calls_linked: Vec<(u32, Option<Code>)>,
        calls: usize,
        ids: &mut TextArena,
    ) -> Vec<Option<TextRef>> {
        let mut linked = vec![None; calls];
        let counts = &mut self.counts[slot(SourceKind::Recordings)];
        let KeptRows { rows, text, raw } = recordings;
        let mut unmatched = Vec::new();
        for (row, call) in calls_linked {
            let recording = &rows[row as usize];
            match call {
                Some(call) => {
                    counts.merged += 1;
                    linked[call.index()] = Some(ids.push(text.get(recording.recording_id)));
                }
                None => {
                    counts.rejected += 1;
                    counts.unmatched += 1;
                    unmatched.push((recording.raw, recording.line));
                }
            }
        }
        // Dropped before the rejects are made: the rows are the larger.
        drop((rows, text));
        let reason = link::unmatched_recording();
        let file = &self.options.profiles.get(SourceKind::Recordings).file;
        let mut raw = raw.reader();
        // In the order they are packed, so that each block is unpacked once.
        unmatched.sort_unstable();
        for (at, line) in unmatched {
            self.rejects.push_parts(
                SourceKind::Recordings.name(),
                file,
                line,
                raw.get(at),
                &reason,
            );
        }
        linked
    }

    /// Takes the links of the incident calls (`calls_linked`, each one's position and link, in
    /// the order [`link::incidents`] gives them), and returns for each of the `calls` calls the incident
    /// whose fields its contact takes (the first linked to it), and those incidents, their ids
    /// kept in `ids`; an incident call that links to none is rejected as unmatched. The kept
    /// incident calls are dropped.
    fn link_incidents(
        &mut self,
        incidents: KeptRows<KeptIncident>,
        calls_linked: Vec<(u32, Option<Code>)>,
        calls: usize,
        ids: &mut TextArena,
    ) -> (Vec<Option<Code>>, Vec<LinkedIncident>) {
        let mut linked = vec![None; calls];
        let mut merged = Vec::new();
        let counts = &mut self.counts[slot(SourceKind::Incidents)];
        let KeptRows { rows, text, raw } = incidents;
        let mut unmatched = Vec::new();
        for (row, call) in calls_linked {
            let incident = &rows[row as usize];
            match call {
                Some(call) => {
                    counts.merged += 1;
                    let call = call.index();
                    if linked[call].is_none() {
                        linked[call] = Some(Code::of_position(merged.len()));
                        merged.push(LinkedIncident {
                            incident_id: ids.push(text.get(incident.incident_id)),
                            category: incident.category,
                            closing_category: incident.closing_category,
                            grade: incident.grade,
                            postcode: incident.postcode,
                            address_key: incident.address_key,
                            csu: incident.csu,
                        });
                    }
                }
                None => {
                    counts.rejected += 1;
                    counts.unmatched += 1;
                    unmatched.push((incident.raw, incident.line, incident.number.is_none()));
                }
            }
        }
        // Dropped before the rejects are made: the rows are the larger.
        drop((rows, text));
        let reason = link::unmatched_incident();
        let file = &self.options.profiles.get(SourceKind::Incidents).file;
        let mut raw = raw.reader();
        // In the order they are packed, so that each block is unpacked once.
        unmatched.sort_unstable();
        for (at, line, keyless) in unmatched {
            let reason = match keyless {
                true => link::UNMATCHED_KEYLESS_INCIDENT,
                false => &reason,
            };
            self.rejects.push_parts(
                SourceKind::Incidents.name(),
                file,
                line,
                raw.get(at),
                reason,
            );
        }
        (linked, merged)
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

/// The figures: each source's counts under its name, and the sizes of the two tables.
fn report(
    counts: [SourceCounts; 5],
    contacts: &ContactTable,
    rejects: &RejectTable,
) -> IngestReport {
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_resolved_call_fits_in_the_place_of_a_kept_call() {
        // So that resolving the clock makes the calls in place, with no second copy.
        use crate::kept::KeptAcd;
        assert!(size_of::<AcdCall>() <= size_of::<KeptAcd>());
        assert_eq!(align_of::<AcdCall>(), align_of::<KeptAcd>());
    }
}

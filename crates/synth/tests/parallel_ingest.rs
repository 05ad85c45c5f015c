//! Reading a file's rows on several threads (`Ingest::parallelism`) publishes exactly what
//! reading them on one thread does: the same contacts, referrals, rejects (line, raw text and
//! reason) and figures, on generated exports with their dirt and with more dirt edited in
//! (stray quotes and line ends that make quoted fields span lines and batches, cut rows,
//! repeated lines), with and without a pseudonymisation key.

use engage_ingest::{Ingest, IngestOptions, Ingested, Profiles, SourceKind};
use engage_kernel::postcode::CsuTable;
use engage_kernel::pseudonym::PseudonymKey;
use engage_synth::{Exports, GenerateOptions, generate};
use proptest::prelude::*;
use proptest::sample::Index;

/// The four exports of contacts and the referrals, in `SourceKind::ALL` order.
fn exports(seed: u64, contacts: u64, start_day: u32) -> [Vec<u8>; 5] {
    let mut files: [Vec<u8>; 7] = Default::default();
    let [
        acd,
        recordings,
        incidents,
        partners,
        referrals,
        truth,
        planted,
    ] = &mut files;
    let options = GenerateOptions {
        contacts,
        days: 14,
        // Across the autumn clock change, or away from it.
        start: chrono::NaiveDate::from_ymd_opt(2024, 10, 1).unwrap()
            + chrono::Days::new(u64::from(start_day)),
        seed,
        ..Default::default()
    };
    generate(
        &options,
        Exports {
            acd,
            recordings,
            incidents,
            partners,
            truth,
            referrals,
            planted_referrals: planted,
        },
        &mut |_| {},
    )
    .unwrap();
    let [acd, recordings, incidents, partners, referrals, _, _] = files;
    [acd, recordings, incidents, partners, referrals]
}

/// Dirt on top of the generator's: a byte inserted, a line repeated or a file cut.
#[derive(Clone, Debug)]
enum Edit {
    Insert(Index, u8),
    RepeatLine(Index),
    Cut(Index),
}

fn edit() -> impl Strategy<Value = Edit> {
    prop_oneof![
        (
            any::<Index>(),
            prop::sample::select(vec![b'"', b'\n', b'\r', b',', b'x', 0xff])
        )
            .prop_map(|(i, b)| Edit::Insert(i, b)),
        any::<Index>().prop_map(Edit::RepeatLine),
        any::<Index>().prop_map(Edit::Cut),
    ]
}

/// `edit` applied to the rows of `file`; the header stays as it is.
fn apply(file: &mut Vec<u8>, edit: &Edit) {
    let n = file.len();
    let body = file.iter().position(|&b| b == b'\n').map_or(n, |p| p + 1);
    let rows = n - body;
    match edit {
        Edit::Insert(i, b) => file.insert(body + i.index(rows + 1), *b),
        Edit::RepeatLine(i) if rows > 0 => {
            let at = body + i.index(rows);
            let start = file[..at]
                .iter()
                .rposition(|&b| b == b'\n')
                .map_or(0, |p| p + 1);
            let end = file[at..]
                .iter()
                .position(|&b| b == b'\n')
                .map_or(n, |p| at + p + 1);
            let line = file[start..end].to_vec();
            file.splice(end..end, line);
        }
        // Cut somewhere in the last tenth, so most rows stay.
        Edit::Cut(i) => file.truncate(n - i.index(rows / 10 + 1)),
        Edit::RepeatLine(_) => {}
    }
}

fn ingest(
    files: &[Vec<u8>; 5],
    key: Option<&PseudonymKey>,
    threads: usize,
    batch_rows: usize,
) -> Ingested {
    let profiles = Profiles::default();
    let mut ingest = Ingest::new(IngestOptions {
        profiles: &profiles,
        key,
        csu: CsuTable::kent(),
    })
    .parallelism(threads, batch_rows);
    for (kind, file) in SourceKind::ALL.into_iter().zip(files) {
        ingest.read(kind, file.as_slice(), &mut |_| {}).unwrap();
    }
    ingest.finish()
}

fn assert_same(serial: &Ingested, parallel: &Ingested) -> Result<(), TestCaseError> {
    prop_assert_eq!(&serial.report, &parallel.report);
    prop_assert_eq!(serial.rejects.len(), parallel.rejects.len());
    for (s, p) in serial.rejects.iter().zip(&parallel.rejects) {
        prop_assert_eq!(s, p);
    }
    prop_assert!(serial.contacts == parallel.contacts, "the contacts differ");
    prop_assert!(
        serial.referrals == parallel.referrals,
        "the referrals differ"
    );
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(
        std::env::var("PROPTEST_CASES").ok().and_then(|v| v.parse().ok()).unwrap_or(24)
    ))]

    #[test]
    fn rows_read_on_several_threads_publish_what_one_thread_does(
        seed in any::<u64>(),
        contacts in 200u64..3000,
        start_day in 0u32..40,
        edits in prop::collection::vec((0usize..5, edit()), 0..12),
        threads in 2usize..5,
        batch_rows in prop::sample::select(vec![1usize, 2, 7, 64, 1000, 4096]),
        keyed in any::<bool>(),
    ) {
        let mut files = exports(seed, contacts, start_day);
        for (file, edit) in &edits {
            apply(&mut files[*file], edit);
        }
        let key = keyed.then(|| PseudonymKey::new(b"engage-parallel-test-key").unwrap());
        let serial = ingest(&files, key.as_ref(), 1, 1);
        prop_assert!(serial.report.balances());
        prop_assert!(!serial.contacts.is_empty());
        let parallel = ingest(&files, key.as_ref(), threads, batch_rows);
        assert_same(&serial, &parallel)?;
    }
}

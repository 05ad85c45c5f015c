//! `engage publish`.

use std::collections::BTreeMap;
use std::io::Read;
use std::path::PathBuf;

use engage_ingest::{Ingest, IngestOptions, IngestReport, Profiles, SourceKind};
use engage_kernel::postcode::CsuTable;
use engage_snapshot::{SnapshotStore, SourceFile, load_key_file, write_snapshot};
use sha2::{Digest, Sha256};

/// Options of `engage publish`.
#[derive(clap::Args)]
pub struct Args {
    /// The folder holding the raw exports.
    #[arg(long)]
    raw: PathBuf,
    /// Where snapshots live: a folder, or file://, s3://BUCKET/PREFIX, memory:// (tests).
    #[arg(long)]
    out: String,
    /// A source profile (TOML) for exports whose columns or formats differ from the defaults.
    #[arg(long)]
    profile: Option<PathBuf>,
    /// Publish pseudonymised with the key in this file (never printed; the file must be
    /// readable by its owner only, `chmod 600`).
    #[arg(long)]
    pseudonymise_key_file: Option<PathBuf>,
}

/// A reader that hashes and counts what passes through it.
struct Hashing<R> {
    inner: R,
    hash: Sha256,
    bytes: u64,
}

impl<R: Read> Read for Hashing<R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.hash.update(&buf[..n]);
        self.bytes += n as u64;
        Ok(n)
    }
}

/// Runs `engage publish`.
pub fn run(args: Args) -> Result<(), Box<dyn std::error::Error>> {
    let profiles = match &args.profile {
        Some(path) => {
            let text = std::fs::read_to_string(path)
                .map_err(|e| format!("cannot read the source profile {}: {e}", path.display()))?;
            Profiles::from_toml(&text).map_err(|e| format!("{}: {e}", path.display()))?
        }
        None => Profiles::default(),
    };
    let key = match &args.pseudonymise_key_file {
        Some(path) => Some(load_key_file(path)?),
        None => None,
    };
    if !args.raw.is_dir() {
        return Err(format!(
            "{} is not a folder; give --raw the folder holding the exports",
            args.raw.display()
        )
        .into());
    }
    let store = SnapshotStore::open(&args.out)?;

    let mut ingest = Ingest::new(IngestOptions {
        profiles: &profiles,
        key: key.as_ref(),
        csu: CsuTable::kent(),
    });
    let mut sources = BTreeMap::new();
    for kind in SourceKind::ALL {
        let profile = profiles.get(kind);
        let path = args.raw.join(&profile.file);
        let file = match std::fs::File::open(&path) {
            Ok(file) => file,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound && profile.optional => {
                ingest.absent(kind);
                continue;
            }
            Err(e) => return Err(format!("cannot read {}: {e}", path.display()).into()),
        };
        let mut reader = Hashing {
            inner: std::io::BufReader::with_capacity(1 << 20, file),
            hash: Sha256::new(),
            bytes: 0,
        };
        let bar = crate::progress::rows(&format!("reading {}", profile.file));
        ingest.read(kind, &mut reader, &mut |n| bar.set_position(n))?;
        bar.finish_and_clear();
        let digest = reader.hash.finalize();
        sources.insert(
            kind.name().to_string(),
            SourceFile {
                file: profile.file.clone(),
                sha256: digest.iter().map(|b| format!("{b:02x}")).collect(),
                bytes: reader.bytes,
                rows: 0,
            },
        );
    }
    let ingested = ingest.finish();
    for (name, file) in sources.iter_mut() {
        file.rows = ingested.report.sources[name].read;
    }
    let synthetic = std::fs::read_to_string(args.raw.join("generate_summary.json"))
        .ok()
        .and_then(|t| serde_json::from_str::<serde_json::Value>(&t).ok())
        .is_some_and(|v| v["synthetic"] == true);
    let options = format!(
        "profile={profiles:?};pseudonymised={}",
        key.as_ref()
            .map(|k| k.pseudonymise("engage-key-fingerprint"))
            .unwrap_or_default()
    );

    let bar = crate::progress::rows("writing contacts");
    let runtime = tokio::runtime::Runtime::new()?;
    let manifest = runtime.block_on(write_snapshot(
        &store,
        &ingested,
        sources,
        &options,
        key.is_some(),
        synthetic,
        &mut |n| bar.set_position(n),
    ))?;
    bar.finish_and_clear();
    print_report(&ingested.report);
    println!(
        "committed snapshot {} to {} ({} contacts, {} rejects)",
        manifest.snapshot_id, args.out, manifest.contacts, manifest.rejects
    );
    Ok(())
}

fn print_report(report: &IngestReport) {
    println!(
        "{:<11} {:>10} {:>10} {:>10} {:>10} {:>10} {:>10} {:>10} {:>10}",
        "source",
        "read",
        "published",
        "merged",
        "duplicate",
        "rejected",
        "not call",
        "unmatched",
        "dst ambig"
    );
    for (name, c) in &report.sources {
        println!(
            "{:<11} {:>10} {:>10} {:>10} {:>10} {:>10} {:>10} {:>10} {:>10}",
            name,
            c.read,
            c.published,
            c.merged,
            c.duplicates,
            c.rejected,
            c.not_a_contact,
            c.unmatched,
            c.ambiguous_times
        );
    }
}

//! `engage snapshots`: look after a snapshot store. `clean` names and removes what killed or
//! failed publishes left behind (files no manifest lists, half-written files, stale locks),
//! never a committed snapshot's files and never those of a publish in progress.

use engage_snapshot::SnapshotStore;

use crate::Error;

/// Commands of `engage snapshots`.
#[derive(clap::Subcommand)]
pub enum Command {
    /// Remove the leftovers of killed or failed publishes (list them only with --dry-run).
    Clean(CleanArgs),
}

/// Options of `engage snapshots clean`.
#[derive(clap::Args)]
pub struct CleanArgs {
    /// The snapshot store: a folder, or a URL (file://, s3://bucket/prefix).
    location: String,
    /// List what would be removed, and remove nothing.
    #[arg(long)]
    dry_run: bool,
    /// First remove the publish lock of this snapshot id, when its holder is known to be gone
    /// (a lock taken on another machine is never broken on its own).
    #[arg(long, value_name = "SNAPSHOT_ID")]
    break_lock: Option<String>,
}

/// Runs `engage snapshots`.
pub fn run(command: Command) -> Result<(), Error> {
    let Command::Clean(args) = command;
    let store = SnapshotStore::open(&args.location)?;
    let runtime = tokio::runtime::Runtime::new()?;
    if let Some(id) = &args.break_lock {
        match runtime.block_on(store.break_lock(id))? {
            Some(holder) => println!("removed the publish lock of {id}, held by {holder}"),
            None => println!("{id} has no publish lock"),
        }
    }
    let found = if args.dry_run {
        runtime.block_on(store.leftovers())?
    } else {
        runtime.block_on(store.clean_leftovers())?
    };
    let verb = if args.dry_run { "leftover" } else { "removed" };
    for leftover in &found.files {
        println!("{verb} {} ({})", leftover.path, leftover.why);
    }
    for id in &found.busy {
        println!("{id}: being published now, skipped");
    }
    println!(
        "{} {} file{}",
        if args.dry_run { "found" } else { "removed" },
        found.files.len(),
        if found.files.len() == 1 { "" } else { "s" }
    );
    Ok(())
}

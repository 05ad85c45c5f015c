//! `engage`: find vulnerable repeat callers in control-room call archives.

mod evaluate;
mod flags;
mod generate;
mod pack;
mod progress;
mod publish;
mod session;
mod snapshots;
mod sql;

/// Errors of every command: shown to the user as they are.
pub(crate) type Error = Box<dyn std::error::Error>;

use clap::{Parser, Subcommand};

#[derive(Parser)]
#[command(
    name = "engage",
    version,
    about = "Find vulnerable repeat callers in control-room call archives"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Write synthetic raw exports of all sources, with the planted truth beside them.
    Generate(generate::Args),
    /// Turn one set of raw exports into a Parquet snapshot, in a folder or an object store.
    Publish(publish::Args),
    /// Query snapshots and Parquet files with SQL: a shell, or -c / -f.
    Sql(sql::Args),
    /// Estimate whether referral changed how often referred callers call, honestly (a
    /// comparison with eligible callers not yet or never referred, not a before/after).
    Evaluate(evaluate::Args),
    /// Write the coordinator's morning or monthly pack: one self-contained HTML file.
    #[command(subcommand)]
    Pack(pack::Command),
    /// Look after a snapshot store: remove what killed or failed publishes left behind.
    #[command(subcommand)]
    Snapshots(snapshots::Command),
}

fn main() -> std::process::ExitCode {
    let cli = Cli::parse();
    let result = match cli.command {
        Command::Generate(args) => generate::run(args),
        Command::Publish(args) => publish::run(args),
        Command::Sql(args) => sql::run(args),
        Command::Evaluate(args) => evaluate::run(args),
        Command::Pack(command) => pack::run(command),
        Command::Snapshots(command) => snapshots::run(command),
    };
    match result {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e}");
            std::process::ExitCode::FAILURE
        }
    }
}

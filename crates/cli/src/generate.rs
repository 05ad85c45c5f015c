//! `engage generate`.

use std::path::PathBuf;

use chrono::NaiveDate;

/// Options of `engage generate`.
#[derive(clap::Args)]
pub struct Args {
    /// The folder to write the exports to (created if missing).
    #[arg(long)]
    out: PathBuf,
    /// About how many ACD calls to generate.
    #[arg(long, default_value_t = 100_000, value_parser = crate::flags::calls)]
    contacts: u64,
    /// How many days the exports cover.
    #[arg(long, default_value_t = 28, value_parser = crate::flags::at_least_one)]
    days: u32,
    /// The first day (YYYY-MM-DD).
    #[arg(long, default_value = "2025-10-06")]
    start: NaiveDate,
    /// The seed: the same seed and options give the same bytes.
    #[arg(long, default_value_t = 1)]
    seed: u64,
    /// Only these districts (as in datasets/csu_districts.csv), comma-separated.
    #[arg(long, value_delimiter = ',')]
    districts: Option<Vec<String>>,
    /// Use only Ofcom's drama-range phone numbers (for shipped samples).
    #[arg(long)]
    drama_numbers: bool,
    /// Callers whose needs come in crises (a burst, then a decline with or without help);
    /// default: none for periods under 12 weeks, else about one per 1,100 contacts.
    #[arg(long)]
    crisis_callers: Option<u32>,
    /// The true effect of a referral on a crisis caller's later call rate: 0.8 is 20% fewer
    /// calls than without referral; 1.0 is no effect. Written to the planted truth.
    #[arg(long, default_value_t = 1.0, value_parser = crate::flags::factor)]
    referral_effect: f64,
}

/// Runs `engage generate`.
pub fn run(args: Args) -> Result<(), Box<dyn std::error::Error>> {
    let options = engage_synth::GenerateOptions {
        contacts: args.contacts,
        days: args.days,
        start: args.start,
        seed: args.seed,
        districts: args.districts,
        drama_numbers_only: args.drama_numbers,
        crisis_callers: args.crisis_callers,
        referral_effect: args.referral_effect,
    };
    let bar = crate::progress::rows("generating ACD calls");
    let summary = engage_synth::generate_to_dir(&options, &args.out, &mut |n| bar.set_position(n))?;
    bar.finish_and_clear();
    println!("wrote synthetic exports to {}", args.out.display());
    println!("{}", serde_json::to_string_pretty(&summary)?);
    Ok(())
}

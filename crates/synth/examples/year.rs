//! Generates a year (900,000 contacts) to a folder and prints the crisis world's figures:
//! `cargo run --release -p engage-synth --example year -- OUT_DIR [SEED] [EFFECT] [CRISIS_CALLERS]`.

fn main() {
    let mut args = std::env::args().skip(1);
    let dir = std::path::PathBuf::from(args.next().expect("an output folder"));
    let seed = args.next().map_or(1, |s| s.parse().expect("a seed"));
    let effect = args.next().map_or(1.0, |s| s.parse().expect("an effect"));
    let crisis_callers = args
        .next()
        .map(|s| s.parse().expect("a number of crisis callers"));
    let options = engage_synth::GenerateOptions {
        contacts: 900_000,
        days: 365,
        start: chrono::NaiveDate::from_ymd_opt(2024, 1, 1).expect("a date"),
        seed,
        referral_effect: effect,
        crisis_callers,
        ..engage_synth::GenerateOptions::default()
    };
    let started = std::time::Instant::now();
    let crisis = engage_synth::crisis::simulate(&engage_synth::crisis::CrisisOptions::of(&options))
        .expect("simulate");
    let simulated = started.elapsed();
    let eligible = crisis.iter().filter(|c| c.eligible_at.is_some()).count();
    let referred = crisis.iter().filter(|c| c.referred_at.is_some()).count();
    println!(
        "crisis world: {} callers, {eligible} eligible, {referred} referred, {} eligible not referred; {} calls; simulated in {:.3} s",
        crisis.len(),
        eligible - referred,
        crisis.iter().map(|c| c.calls.len()).sum::<usize>(),
        simulated.as_secs_f64()
    );
    let started = std::time::Instant::now();
    let s = engage_synth::generate_to_dir(&options, &dir, &mut |_| {}).expect("generate");
    println!(
        "generated {} ACD rows, {} referral rows ({} cases) in {:.1} s",
        s.acd.rows,
        s.referrals.rows,
        s.referrals.cases,
        started.elapsed().as_secs_f64()
    );
    println!(
        "{}",
        serde_json::to_string_pretty(&s.planted).expect("json")
    );
    println!(
        "{}",
        serde_json::to_string_pretty(&s.referrals).expect("json")
    );
}

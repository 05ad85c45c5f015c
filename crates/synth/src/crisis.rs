//! The crisis world: callers whose needs come in crises, some referred, with a known true
//! effect of referral and the regression to the mean that fools a naive before/after.
//!
//! Each crisis caller calls police at a low baseline rate `b` (0.2–1.5 calls a week) until
//! their crisis starts (on a day drawn uniformly in the first two thirds of the period). From
//! that day the rate is `b + (p - b) × d^n` on the `n`th day of the
//! crisis: a jump to the peak `p` (10–30 calls a week) that decays back towards the baseline
//! by the daily factor `d` (0.906–0.975, a half-life of one to four weeks), with or without
//! help. Many cross Kent's rule (10 calls within 7 days; found with the kernel's
//! [`engage_kernel::detect_run_episodes`]), some do not.
//!
//! Those who cross are reviewed 0–3 days later (in working hours) and assessed
//! (`vulnerable_caller` 75 %, `repeat_victim` 8 %, `nuisance` 12 %, `not_a_repeat_caller`
//! 5 %); the first two wait up to 8 weeks for a place at a weekly referral panel (10:00 on
//! every seventh day from the period's third day), which fills its places
//! ([`CrisisOptions::referrals_per_week`], by default enough for about one in five crisis
//! callers) at random from those waiting. So some are referred late or never, and no
//! referral depends on the caller's future. After referral the caller's whole rate (baseline
//! and crisis alike) is multiplied by the true effect `referral_effect`: each call after the referral is kept
//! with that probability, drawn per call whatever the effect, so runs that differ only in
//! the effect share every other call. At effect 1.0 nothing changes, yet the referred
//! callers' calls still fall after referral, because they were picked near their peak.
//!
//! Crises start from the period's first day, so by the time the impact estimate's cohort
//! begins (eligible after its 8 weeks of history) the panel's waiting list and the mix of
//! callers becoming eligible are steady. An earlier version started crises only a sixth of
//! the way in: callers eligible in the first two weeks after that could only be the fastest
//! to cross the rule (peak 20.9 against 20.4 calls a week, 3.6 against 3.9 days from crisis
//! to eligibility), and, meeting an empty waiting list, were referred more often and sooner
//! (31% against 13%; a third of them in the week of eligibility against a tenth). Time since
//! eligibility then no longer lined referred callers up with their comparisons, and the
//! impact estimate came out 1–2% high at every true effect (1.019 at no effect over 100
//! worlds, 2.7 standard errors; 1.003 when the callers eligible in those two weeks are left
//! out): calendar-time confounding made by the world's switch-on, not a feature of practice.
//!
//! Calls are drawn per 40-minute slot (a call in the slot's first 10 minutes, so one caller's
//! calls are at least 30 minutes apart), with probability `rate × weight / day's weights`,
//! the weight 5 at night (22:00–06:00), 2 in the evening and 1 by day; slots within two hours
//! of the autumn hour that happens twice are skipped. Each call is to 999 with probability
//! 0.55, abandoned with probability 0.12, and otherwise talks for one to fifteen minutes.
//!
//! `examples/crisis_check.rs` runs it over many seeds: at effect 1.0 the referred callers'
//! calls in the 26 weeks after referral are about a fifth of those in the 4 weeks before, while
//! against eligible callers not yet referred at the same time since eligibility the ratio is
//! 1.0 (and 0.8 at effect 0.8).
//!
//! [`simulate`] runs this world without writing anything; [`crate::generate`] writes the
//! same callers' calls (bit for bit the same times, lines and talk times) into the exports,
//! their referrals into `referrals.csv`, and lists those who cross the rule in
//! `planted_truth.csv` as `crisis_caller`.

use chrono::NaiveDate;
use engage_kernel::time::{Micros, SECOND};
use engage_kernel::{RuleSet, detect_run_episodes};

use crate::clock::{Clock, DAY, HOUR, london_midnight};
use crate::coordinator::{self, CRISIS_MIX, Decision};
use crate::phone::{Numbers, Phone};
use crate::plan::{SLOT, safe};
use crate::rng::Rand;
use crate::{GenerateError, GenerateOptions};

pub use crate::coordinator::Assessment;

/// Periods shorter than this many days have no crisis callers unless asked for.
pub const MIN_DAYS_BY_DEFAULT: u32 = 84;
/// By default one crisis caller per this many contacts (for periods of 12 weeks or more).
pub const CONTACTS_PER_CRISIS_CALLER: u64 = 1_100;
/// By default the weekly referral panel has places for this share of the crisis callers
/// spread over half the period and four more weeks (crises start over two thirds of it, so
/// about a fifth of the crisis callers are referred).
pub const DEFAULT_REFERRED_SHARE: f64 = 0.14;

/// Rand streams of the crisis world (the plan and rows use 1 and 2).
const DECISION_STREAM: u64 = 3;
/// Crisis caller `k` draws from stream `CALLER_STREAM + k`.
const CALLER_STREAM: u64 = 1 << 32;

/// Slots per day: 36 slots of 40 minutes.
const SLOTS_PER_DAY: i64 = DAY / SLOT;

/// The crisis world to simulate.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct CrisisOptions {
    /// The run's seed (as [`GenerateOptions::seed`]).
    pub seed: u64,
    /// First day of the period (UK local).
    #[serde(serialize_with = "crate::serialize_date")]
    pub start: NaiveDate,
    /// Length of the period in days.
    pub days: u32,
    /// How many crisis callers.
    pub callers: u32,
    /// The true effect of referral: the factor on a referred caller's rate of calls after
    /// the referral (0.8: 20 % fewer calls than without referral; 1.0: no effect). 0 to 1.
    pub referral_effect: f64,
    /// Places at the weekly referral panel, on average (fractions carry over a week).
    pub referrals_per_week: f64,
    /// Numbers from Ofcom's drama ranges only (as [`GenerateOptions::drama_numbers_only`]).
    pub drama_numbers_only: bool,
}

impl CrisisOptions {
    /// The crisis world that [`crate::generate`] writes for `options`.
    pub fn of(options: &GenerateOptions) -> CrisisOptions {
        let callers = options
            .crisis_callers
            .unwrap_or_else(|| default_crisis_callers(options));
        CrisisOptions {
            seed: options.seed,
            start: options.start,
            days: options.days,
            callers,
            referral_effect: options.referral_effect,
            referrals_per_week: default_referrals_per_week(callers, options.days),
            drama_numbers_only: options.drama_numbers_only,
        }
    }
}

/// The default number of crisis callers: none under [`MIN_DAYS_BY_DEFAULT`] days, else one
/// per [`CONTACTS_PER_CRISIS_CALLER`] contacts (rounded), at most the numbers left for
/// them with drama numbers only.
pub fn default_crisis_callers(options: &GenerateOptions) -> u32 {
    if options.days < MIN_DAYS_BY_DEFAULT {
        return 0;
    }
    let n = options
        .contacts
        .saturating_add(CONTACTS_PER_CRISIS_CALLER / 2)
        / CONTACTS_PER_CRISIS_CALLER;
    let n = if options.drama_numbers_only {
        let numbers = Numbers::new(options.seed, true);
        let planted = 3 * crate::plan::planted_per_kind(options);
        n.min(numbers.planted_capacity().saturating_sub(planted))
    } else {
        n
    };
    n.min(u64::from(u32::MAX)) as u32
}

/// The default places a week at the referral panel: [`DEFAULT_REFERRED_SHARE`] of the
/// callers over half the period and four more weeks.
pub fn default_referrals_per_week(callers: u32, days: u32) -> f64 {
    let weeks = f64::from(days) / 14.0 + 4.0;
    f64::from(callers) * DEFAULT_REFERRED_SHARE / weeks
}

/// One call of a crisis caller.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CrisisCall {
    /// When it arrived, UTC microseconds.
    pub at: Micros,
    /// To 999 (else 101).
    pub emergency: bool,
    /// Answered (else abandoned, with no recording and no incident).
    pub answered: bool,
    /// Seconds from answer to end (`ended - answered` in the ACD export); 0 when abandoned.
    pub talk_s: u32,
}

/// A crisis caller's history.
#[derive(Debug, Clone, PartialEq)]
pub struct CrisisCaller {
    /// Their number, E.164.
    pub e164: String,
    pub(crate) phone: Phone,
    /// Calls a week before and long after the crisis.
    pub baseline_per_week: f64,
    /// Calls a week when the crisis starts.
    pub peak_per_week: f64,
    /// The factor by which the excess over the baseline falls each day.
    pub daily_decay: f64,
    /// When the crisis starts (UTC µs): the period's start plus a whole number of 24-hour
    /// days.
    pub crisis_start: Micros,
    /// Their calls in time order, after any referral's effect.
    pub calls: Vec<CrisisCall>,
    /// When they first met Kent's rule (the `first_flagged_at` of their first episode).
    pub eligible_at: Option<Micros>,
    /// When the coordinator reviewed them (`None` when not eligible, or not before the end).
    pub reviewed_at: Option<Micros>,
    /// The coordinator's assessment at the review.
    pub assessment: Option<Assessment>,
    /// When the referral panel referred them, if it did.
    pub referred_at: Option<Micros>,
}

/// A call before any referral's effect, with the draw that decides whether it survives one.
struct Potential {
    call: CrisisCall,
    keep: f64,
}

/// The slots of the period and their weights.
struct Slots {
    start: i64,
    /// Per slot its weight (0 when no call may be made in it).
    weights: Vec<u8>,
    /// Per day (36 slots) the sum of its slots' weights.
    day_sums: Vec<u32>,
}

impl Slots {
    fn new(clock: &mut Clock, start: i64, end: i64) -> Slots {
        let n = ((end - HOUR - start) / SLOT).max(0) as usize;
        let weights: Vec<u8> = (0..n)
            .map(|s| {
                let t = start + s as i64 * SLOT;
                if !safe(clock, t) {
                    return 0;
                }
                match clock.hour_and_weekday(t).0 {
                    h if !(6..22).contains(&h) => 5,
                    h if h >= 17 => 2,
                    _ => 1,
                }
            })
            .collect();
        let day_sums = weights
            .chunks(SLOTS_PER_DAY as usize)
            .map(|day| day.iter().map(|&w| u32::from(w)).sum())
            .collect();
        Slots {
            start,
            weights,
            day_sums,
        }
    }
}

/// The period `[start, end)` of `days` days from local midnight of `start_date`.
pub(crate) fn period(start_date: NaiveDate, days: u32) -> Result<(i64, i64), GenerateError> {
    let end_date = start_date.checked_add_days(chrono::Days::new(u64::from(days)));
    match (
        london_midnight(start_date),
        end_date.and_then(london_midnight),
    ) {
        (Some(start), Some(end)) if days > 0 => Ok((start, end)),
        _ => Err(GenerateError::InvalidOptions(format!(
            "the period of {days} days from {start_date} is outside the calendar"
        ))),
    }
}

/// The index of crisis caller `k` among the numbers kept for planted callers: from the top,
/// so it never meets the other planted callers' (taken from 0 up).
pub(crate) fn number_index(numbers: &Numbers, k: u32) -> u64 {
    numbers.planted_capacity() - 1 - u64::from(k)
}

/// Simulates the crisis world: every crisis caller's calls, eligibility, review, assessment
/// and referral, exactly as [`crate::generate`] writes them, without writing anything.
///
/// # Errors
///
/// [`GenerateError::InvalidOptions`] for a period outside the calendar, an effect outside
/// 0–1, a negative or non-finite number of places, or more callers than numbers kept for
/// them (1,000,000; 1,000 with drama numbers only).
pub fn simulate(options: &CrisisOptions) -> Result<Vec<CrisisCaller>, GenerateError> {
    let mut clock = Clock::new();
    simulate_with(options, &mut clock)
}

pub(crate) fn simulate_with(
    options: &CrisisOptions,
    clock: &mut Clock,
) -> Result<Vec<CrisisCaller>, GenerateError> {
    let effect = options.referral_effect;
    if !(0.0..=1.0).contains(&effect) {
        return Err(GenerateError::InvalidOptions(format!(
            "referral_effect is {effect}; expected 0 to 1 (1 is no effect)"
        )));
    }
    let per_week = options.referrals_per_week;
    if !(0.0..1e9).contains(&per_week) {
        return Err(GenerateError::InvalidOptions(format!(
            "referrals_per_week is {per_week}; expected 0 or more"
        )));
    }
    let (start, end) = period(options.start, options.days)?;
    let numbers = Numbers::new(options.seed, options.drama_numbers_only);
    if u64::from(options.callers) > numbers.planted_capacity() {
        return Err(GenerateError::InvalidOptions(format!(
            "{} crisis callers are more than the {} numbers kept for planted callers",
            options.callers,
            numbers.planted_capacity()
        )));
    }
    if options.callers == 0 {
        return Ok(Vec::new());
    }
    let slots = Slots::new(clock, start, end);
    let rules = RuleSet::kent();
    let mut callers = Vec::with_capacity(options.callers as usize);
    let mut potentials = Vec::with_capacity(options.callers as usize);
    for k in 0..options.callers {
        let mut rng = Rand::new(options.seed, CALLER_STREAM + u64::from(k));
        let landline = rng.chance(0.3);
        let phone = numbers.planted(number_index(&numbers, k), landline);
        let (caller, potential) = caller_calls(&mut rng, &slots, phone);
        let times: Vec<Micros> = potential.iter().map(|p| p.call.at).collect();
        let eligible_at = detect_run_episodes(&rules, 0u32, &times)
            .expect("calls are generated in time order")
            .first()
            .map(|e| e.first_flagged_at);
        callers.push(CrisisCaller {
            eligible_at,
            ..caller
        });
        potentials.push(potential);
    }

    let eligible: Vec<(i64, &coordinator::AssessmentMix)> = callers
        .iter()
        .filter_map(|c| c.eligible_at.map(|t| (t / SECOND, &CRISIS_MIX)))
        .collect();
    let mut rng = Rand::new(options.seed, DECISION_STREAM);
    let decisions = coordinator::coordinate(&eligible, (start, end), per_week, clock, &mut rng);
    let mut decisions = decisions.into_iter();
    for (caller, potential) in callers.iter_mut().zip(potentials) {
        let Some(_) = caller.eligible_at else {
            caller.calls = potential.into_iter().map(|p| p.call).collect();
            continue;
        };
        let Decision {
            reviewed,
            assessment,
            referred,
        } = decisions.next().expect("one decision per eligible caller");
        caller.reviewed_at = reviewed.map(|t| t * SECOND);
        caller.assessment = reviewed.map(|_| assessment);
        caller.referred_at = referred.map(|t| t * SECOND);
        let after = caller.referred_at.unwrap_or(Micros::MAX);
        caller.calls = potential
            .into_iter()
            .filter(|p| p.call.at < after || p.keep < effect)
            .map(|p| p.call)
            .collect();
    }
    Ok(callers)
}

/// One caller's parameters and calls without any referral.
fn caller_calls(rng: &mut Rand, slots: &Slots, phone: Phone) -> (CrisisCaller, Vec<Potential>) {
    let baseline = 0.2 + 1.3 * rng.unit();
    let peak = 10.0 + 20.0 * rng.unit();
    let decay = 0.906 + 0.069 * rng.unit();
    let days = slots.day_sums.len() as i64;
    let last = days * 2 / 3;
    let crisis_day = rng.range_i(0, last);

    let mut calls = Vec::new();
    let mut excess = 0.0;
    for (day, &sum) in slots.day_sums.iter().enumerate() {
        let day = day as i64;
        if day == crisis_day {
            excess = peak - baseline;
        } else if day > crisis_day {
            excess *= decay;
        }
        if sum == 0 {
            continue;
        }
        let per_weight = (baseline + excess) / 7.0 / f64::from(sum);
        let from = (day * SLOTS_PER_DAY) as usize;
        let to = (from + SLOTS_PER_DAY as usize).min(slots.weights.len());
        for s in from..to {
            let w = slots.weights[s];
            if w == 0 || rng.unit() >= per_weight * f64::from(w) {
                continue;
            }
            let at = slots.start + s as i64 * SLOT + rng.range_i(0, 599);
            let emergency = rng.chance(0.55);
            let answered = !rng.chance(0.12);
            let talk = if !answered {
                0
            } else if emergency {
                rng.buckets(&[(15, 60, 120), (55, 120, 480), (30, 480, 1_500)])
            } else {
                rng.buckets(&[(20, 60, 180), (50, 180, 600), (30, 600, 1_800)])
            };
            calls.push(Potential {
                call: CrisisCall {
                    at: at * SECOND,
                    emergency,
                    answered,
                    talk_s: talk.min(900) as u32,
                },
                keep: rng.unit(),
            });
        }
    }
    let caller = CrisisCaller {
        e164: phone.e164(),
        phone,
        baseline_per_week: baseline,
        peak_per_week: peak,
        daily_decay: decay,
        crisis_start: (slots.start + crisis_day * DAY) * SECOND,
        calls: Vec::new(),
        eligible_at: None,
        reviewed_at: None,
        assessment: None,
        referred_at: None,
    };
    (caller, calls)
}

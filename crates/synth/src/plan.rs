//! The planted callers and addresses, decided before any row is written: who they are, when
//! they call police and partners, and the truth file's rows.

use crate::clock::{Clock, DAY, HOUR, local_date_text};
use crate::crisis::{CrisisCaller, CrisisOptions};
use crate::phone::{Numbers, Phone};
use crate::places::{Places, name_of};
use crate::pool::Pool;
use crate::rng::Rand;
use crate::{GenerateError, GenerateOptions, PlantedSummary};

/// Rand stream for the crisis callers' homes.
const CRISIS_HOME_STREAM: u64 = 4;

/// Planted callers of each kind (vulnerable, victim, near the threshold; and communal
/// addresses) for `options`.
pub(crate) fn planted_per_kind(options: &GenerateOptions) -> u64 {
    let per_kind =
        (options.contacts.saturating_add(CONTACTS_PER_PLANTED / 2) / CONTACTS_PER_PLANTED).max(2);
    if options.drama_numbers_only {
        per_kind.min(DRAMA_MAX_PER_KIND)
    } else {
        per_kind
    }
}

/// Planted callers of each kind per this many requested contacts (at least 2 of each kind).
pub(crate) const CONTACTS_PER_PLANTED: u64 = 25_000;
/// Most planted callers of each kind with drama numbers only (they need numbers of their own
/// from 1,000).
pub(crate) const DRAMA_MAX_PER_KIND: u64 = 60;
/// Gap between the slots in which one planted caller's (or one communal address's) calls
/// start; each call starts in the first 10 minutes of its slot, so calls of one planted
/// caller are at least 30 minutes apart and never confuse the linking of their recordings
/// and incidents.
pub(crate) const SLOT: i64 = 40 * 60;

/// What a planted caller is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Kind {
    /// 10 or more calls in a week, many at night, vulnerability categories.
    Vulnerable,
    /// 10 or more calls in a week, crimes against them, all at one address.
    Victim,
    /// Exactly 9 calls in a week and no others.
    NearThreshold,
    /// One of several callers about one communal address.
    Communal,
    /// A crisis caller ([`crate::crisis`]): calls decided by the crisis world.
    Crisis,
}

/// A planted caller.
pub(crate) struct PlantedCaller {
    pub(crate) kind: Kind,
    pub(crate) phone: Phone,
    pub(crate) name: String,
    /// Home (or the communal address) as written in C&C.
    pub(crate) location: String,
    /// Its postcode, normal form.
    pub(crate) postcode: String,
}

/// A planted ACD call.
#[derive(Debug, Clone, Copy)]
pub(crate) struct PlannedCall {
    pub(crate) at: i64,
    pub(crate) caller: u32,
    /// Line, outcome and talk time decided in advance (crisis callers), else drawn when the
    /// row is written.
    pub(crate) fixed: Option<FixedCall>,
}

/// A call's line, outcome and talk time decided in advance.
#[derive(Debug, Clone, Copy)]
pub(crate) struct FixedCall {
    pub(crate) emergency: bool,
    pub(crate) answered: bool,
    pub(crate) talk: i64,
}

/// A planted partner contact.
#[derive(Debug, Clone, Copy)]
pub(crate) struct PlannedPartner {
    pub(crate) at: i64,
    pub(crate) caller: u32,
    pub(crate) fire: bool,
}

/// A row of `planted_truth.csv`.
pub(crate) struct TruthRow {
    pub(crate) e164: String,
    pub(crate) kind: &'static str,
    pub(crate) agencies: String,
    pub(crate) address: String,
    pub(crate) note: String,
}

/// Everything planted in a run.
pub(crate) struct Plan {
    pub(crate) callers: Vec<PlantedCaller>,
    /// Sorted by time.
    pub(crate) calls: Vec<PlannedCall>,
    /// Sorted by time.
    pub(crate) partners: Vec<PlannedPartner>,
    pub(crate) truth: Vec<TruthRow>,
    pub(crate) summary: PlantedSummary,
    /// The crisis callers; crisis caller `k` is `callers[crisis_first + k]`.
    pub(crate) crisis: Vec<CrisisCaller>,
    pub(crate) crisis_first: usize,
}

/// Whether planted calls may be at `t`: not within two hours of the autumn hour that happens
/// twice, so that no planted row carries an ambiguous time.
pub(crate) fn safe(clock: &mut Clock, t: i64) -> bool {
    (-2..=3).all(|k| !clock.is_ambiguous(t + k * HOUR))
}

/// Up to `n` times in `[from, to)`, at least 30 minutes apart, in slots drawn without
/// replacement with weights from the local hour; sorted.
fn choose_times(
    rng: &mut Rand,
    clock: &mut Clock,
    from: i64,
    to: i64,
    n: usize,
    weight: fn(u32) -> u32,
) -> Vec<i64> {
    let mut slots = Vec::new();
    let mut weights = Vec::new();
    let mut s = from;
    while s + 600 <= to {
        if safe(clock, s) {
            slots.push(s);
            weights.push(weight(clock.hour_and_weekday(s).0));
        }
        s += SLOT;
    }
    let mut times = Vec::with_capacity(n);
    while times.len() < n && weights.iter().any(|&w| w > 0) {
        let k = rng.weighted(&weights);
        weights[k] = 0;
        times.push(slots[k] + rng.range_i(0, 599));
    }
    times.sort_unstable();
    times
}

fn is_night(hour: u32) -> bool {
    !(6..22).contains(&hour)
}

fn night_heavy(hour: u32) -> u32 {
    if is_night(hour) {
        5
    } else if hour >= 17 {
        2
    } else {
        1
    }
}

fn evening_heavy(hour: u32) -> u32 {
    if (17..23).contains(&hour) { 3 } else { 1 }
}

fn uniform(_: u32) -> u32 {
    1
}

/// Builds the plan for a run over the period `[start, end)`.
pub(crate) fn plan(
    options: &GenerateOptions,
    (start, end): (i64, i64),
    clock: &mut Clock,
    numbers: &Numbers,
    places: &Places,
    pool: &mut Pool,
    rng: &mut Rand,
) -> Result<Plan, GenerateError> {
    let per_kind = planted_per_kind(options);
    let crisis_options = CrisisOptions::of(options);
    if 3 * per_kind + u64::from(crisis_options.callers) > numbers.planted_capacity() {
        return Err(GenerateError::InvalidOptions(format!(
            "{} contacts would plant {per_kind} callers of each kind and {} crisis callers, \
             more than the {} numbers kept for planted callers; ask for fewer contacts or \
             crisis callers",
            options.contacts,
            crisis_options.callers,
            numbers.planted_capacity()
        )));
    }
    let period = end - start;
    let mut p = Plan {
        callers: Vec::new(),
        calls: Vec::new(),
        partners: Vec::new(),
        truth: Vec::new(),
        summary: PlantedSummary::default(),
        crisis: Vec::new(),
        crisis_first: 0,
    };
    let mut next_j = 0u64;
    let seed = options.seed;

    // A burst: `n` calls within a window of `min_len..=max_len` (at most the period less an
    // hour), placed at random in the period.
    let burst = |rng: &mut Rand,
                 clock: &mut Clock,
                 n: usize,
                 min_len: i64,
                 max_len: i64,
                 weight: fn(u32) -> u32|
     -> Result<(i64, i64, Vec<i64>), GenerateError> {
        for attempt in 0..8 {
            let len = if attempt < 4 {
                rng.range_i(min_len, max_len).min(period - HOUR)
            } else {
                (period - HOUR).min(max_len)
            };
            let from = start + rng.range_i(0, (period - len).max(0));
            let times = choose_times(rng, clock, from, from + len, n, weight);
            if times.len() == n {
                return Ok((from, from + len, times));
            }
        }
        Err(GenerateError::InvalidOptions(format!(
            "the period is too short to plant {n} calls at least 30 minutes apart; ask for \
             more days"
        )))
    };

    let mut new_caller = |p: &mut Plan, rng: &mut Rand, kind: Kind| {
        let landline = rng.chance(0.3);
        let phone = numbers.planted(next_j, landline);
        let name = name_of(u64::MAX - next_j, seed);
        next_j += 1;
        let home = places.random_address(rng);
        p.callers.push(PlantedCaller {
            kind,
            phone,
            name,
            location: places.location(&home),
            postcode: places.postcode(&home),
        });
        (p.callers.len() - 1) as u32
    };

    // Vulnerable callers.
    for i in 0..per_kind {
        let c = new_caller(&mut p, rng, Kind::Vulnerable);
        let n = rng.range(10, 22) as usize;
        let (from, to, times) = burst(rng, clock, n, 2 * DAY, 6 * DAY + 12 * HOUR, night_heavy)?;
        let night = times
            .iter()
            .filter(|&&t| is_night(clock.hour_and_weekday(t).0))
            .count();
        let mut all = times.clone();
        let mut follow_ups = 0;
        if rng.chance(0.5) {
            let mut t = to + 2 * DAY + rng.range_i(0, 2 * DAY);
            for _ in 0..rng.range(1, 4) {
                if t >= end - HOUR || !safe(clock, t) {
                    break;
                }
                all.push(t);
                follow_ups += 1;
                t += rng.range_i(DAY, 3 * DAY);
            }
        }
        for &at in &all {
            p.calls.push(PlannedCall {
                at,
                caller: c,
                fixed: None,
            });
        }
        let mut agencies = String::from("police");
        let (mut fire_n, mut amb_n) = (0, 0);
        if i % 2 == 0 {
            let which = rng.below(10);
            let (amb, fire) = (!(5..7).contains(&which), which >= 5);
            let m = rng.range(3, 8) as usize;
            let times = choose_times(
                rng,
                clock,
                (from - 2 * DAY).max(start),
                (to + 2 * DAY).min(end),
                m,
                uniform,
            );
            for (k, &at) in times.iter().enumerate() {
                let is_fire = if amb && fire { k % 3 == 1 } else { fire };
                if is_fire {
                    fire_n += 1;
                } else {
                    amb_n += 1;
                }
                p.partners.push(PlannedPartner {
                    at,
                    caller: c,
                    fire: is_fire,
                });
            }
            if amb_n > 0 {
                agencies.push_str(";ambulance");
            }
            if fire_n > 0 {
                agencies.push_str(";fire");
            }
            if amb_n + fire_n > 0 {
                p.summary.multi_agency_vulnerable_callers += 1;
            }
        }
        let caller = &p.callers[c as usize];
        let mut note = format!(
            "{n} calls from {} to {}, {night} of them at night (22:00-06:00)",
            local_date_text(clock.local(times[0])),
            local_date_text(clock.local(times[n - 1])),
        );
        let plural =
            |n: usize, one: &str, many: &str| format!("{n} {}", if n == 1 { one } else { many });
        if follow_ups > 0 {
            note.push_str(&format!(
                "; then {}",
                plural(follow_ups, "later call", "later calls")
            ));
        }
        match (amb_n, fire_n) {
            (0, 0) => {}
            (a, 0) => note.push_str(&format!(
                "; {}",
                plural(a, "ambulance contact", "ambulance contacts")
            )),
            (0, f) => note.push_str(&format!("; {}", plural(f, "fire contact", "fire contacts"))),
            (a, f) => note.push_str(&format!(
                "; {} and {}",
                plural(a, "ambulance contact", "ambulance contacts"),
                plural(f, "fire contact", "fire contacts")
            )),
        }
        p.truth.push(TruthRow {
            e164: caller.phone.e164(),
            kind: "vulnerable_caller",
            agencies,
            address: caller.location.clone(),
            note,
        });
        p.summary.vulnerable_callers += 1;
    }

    // Repeat victims.
    for _ in 0..per_kind {
        let c = new_caller(&mut p, rng, Kind::Victim);
        let n = rng.range(10, 16) as usize;
        let (_, _, times) = burst(rng, clock, n, DAY, 6 * DAY + 12 * HOUR, evening_heavy)?;
        for &at in &times {
            p.calls.push(PlannedCall {
                at,
                caller: c,
                fixed: None,
            });
        }
        let caller = &p.callers[c as usize];
        p.truth.push(TruthRow {
            e164: caller.phone.e164(),
            kind: "repeat_victim",
            agencies: "police".into(),
            address: caller.location.clone(),
            note: format!(
                "{n} calls from {} to {}, every incident at {}",
                local_date_text(clock.local(times[0])),
                local_date_text(clock.local(times[n - 1])),
                caller.postcode
            ),
        });
        p.summary.repeat_victims += 1;
    }

    // Near the threshold: exactly 9 calls in under 7 days, and nothing else.
    for _ in 0..per_kind {
        let c = new_caller(&mut p, rng, Kind::NearThreshold);
        let (_, _, times) = burst(rng, clock, 9, 2 * DAY, 6 * DAY + 12 * HOUR, uniform)?;
        for &at in &times {
            p.calls.push(PlannedCall {
                at,
                caller: c,
                fixed: None,
            });
        }
        let caller = &p.callers[c as usize];
        p.truth.push(TruthRow {
            e164: caller.phone.e164(),
            kind: "near_threshold",
            agencies: "police".into(),
            address: caller.location.clone(),
            note: format!(
                "exactly 9 calls from {} to {}, no other contact: never 10 within 7 days",
                local_date_text(clock.local(times[0])),
                local_date_text(clock.local(times[8])),
            ),
        });
        p.summary.near_threshold_callers += 1;
    }

    // Communal addresses: many different callers about one address.
    for k in 0..per_kind {
        let (location, postcode) = places.communal(k, rng);
        let m = rng.range(10, 18) as usize;
        let (_, _, times) = burst(rng, clock, m, 7 * DAY, 21 * DAY, uniform)?;
        let distinct = rng.range(8, m.min(12) as u64) as usize;
        let first = p.callers.len() as u32;
        for _ in 0..distinct {
            let id = pool.fresh();
            p.callers.push(PlantedCaller {
                kind: Kind::Communal,
                phone: numbers.ordinary(id),
                name: name_of(id, seed),
                location: location.clone(),
                postcode: postcode.clone(),
            });
        }
        // Each caller once, in random order, then the rest of the calls from any of them.
        let mut order: Vec<u32> = (0..distinct as u32).collect();
        for i in (1..order.len()).rev() {
            let j = rng.index(i + 1);
            order.swap(i, j);
        }
        for (i, &at) in times.iter().enumerate() {
            let who = if i < distinct {
                order[i]
            } else {
                rng.below(distinct as u64) as u32
            };
            p.calls.push(PlannedCall {
                at,
                caller: first + who,
                fixed: None,
            });
        }
        p.truth.push(TruthRow {
            e164: String::new(),
            kind: "communal_address",
            agencies: "police".into(),
            address: location,
            note: format!(
                "{m} calls from {distinct} different callers from {} to {}, postcode {postcode}",
                local_date_text(clock.local(times[0])),
                local_date_text(clock.local(times[m - 1])),
            ),
        });
        p.summary.communal_addresses += 1;
        p.summary.communal_callers += distinct as u64;
    }

    add_crisis_callers(&mut p, &crisis_options, clock, places, seed)?;

    p.calls.sort_by_key(|c| (c.at, c.caller));
    p.partners.sort_by_key(|c| (c.at, c.caller));
    p.summary.acd_calls = p.calls.len() as u64;
    p.summary.partner_contacts = p.partners.len() as u64;
    Ok(p)
}

/// Adds the crisis world's callers, their calls and (for those who meet Kent's rule) their
/// truth rows, from streams of their own so that nothing planted before them changes.
fn add_crisis_callers(
    p: &mut Plan,
    options: &CrisisOptions,
    clock: &mut Clock,
    places: &Places,
    seed: u64,
) -> Result<(), GenerateError> {
    let crisis = crate::crisis::simulate_with(options, clock)?;
    let mut rng = Rand::new(seed, CRISIS_HOME_STREAM);
    p.crisis_first = p.callers.len();
    for (k, c) in crisis.iter().enumerate() {
        let index = p.callers.len() as u32;
        let home = places.random_address(&mut rng);
        p.callers.push(PlantedCaller {
            kind: Kind::Crisis,
            phone: c.phone,
            name: name_of(u64::MAX - (1 << 40) - k as u64, seed),
            location: places.location(&home),
            postcode: places.postcode(&home),
        });
        for call in &c.calls {
            p.calls.push(PlannedCall {
                at: call.at / 1_000_000,
                caller: index,
                fixed: Some(FixedCall {
                    emergency: call.emergency,
                    answered: call.answered,
                    talk: i64::from(call.talk_s),
                }),
            });
        }
        p.summary.crisis_callers += 1;
        let Some(eligible) = c.eligible_at else {
            continue;
        };
        p.summary.crisis_callers_eligible += 1;
        let mut half_life = 0;
        let mut x = 1.0;
        while x > 0.5 {
            x *= c.daily_decay;
            half_life += 1;
        }
        let mut day = |t: i64| local_date_text(clock.local(t / 1_000_000));
        let mut note = format!(
            "{} calls; baseline {:.1} a week; crisis from {} peaking at {:.0} a week, \
             half-life about {half_life} days; met the rule {}",
            c.calls.len(),
            c.baseline_per_week,
            day(c.crisis_start),
            c.peak_per_week,
            day(eligible),
        );
        if let Some(r) = c.referred_at {
            note.push_str(&format!("; referred {}", day(r)));
        }
        p.truth.push(TruthRow {
            e164: c.e164.clone(),
            kind: "crisis_caller",
            agencies: "police".into(),
            address: places.location(&home),
            note,
        });
    }
    p.crisis = crisis;
    Ok(())
}

//! The generator proper: hour by hour through the period, writing each hour's rows as it goes.

use std::collections::VecDeque;
use std::io::Write;

use engage_kernel::pseudonym::PseudonymKey;

use crate::categories::{self, Categories};
use crate::clock::{Clock, HOUR, write_local};
use crate::phone::{Numbers, Phone, UNPARSEABLE, Writer};
use crate::places::{NO_NAME, Places, name_of, typed_postcode};
use crate::plan::{FixedCall, Kind, Plan};
use crate::pool::Pool;
use crate::rng::Rand;
use crate::sink::Sink;
use crate::{
    ACD_HEADER, AcdSummary, GenerateError, GenerateSummary, INCIDENTS_HEADER, IncidentsSummary,
    PARTNERS_HEADER, PartnersSummary, RECORDINGS_HEADER, RecordingsSummary,
};

/// Relative call volume by local hour of day: quiet 03:00–06:00, busiest in the evening.
const HOUR_WEIGHT: [f64; 24] = [
    3.2, 2.6, 2.0, 1.4, 1.1, 1.1, 1.5, 2.4, 3.4, 4.2, 4.6, 4.8, 4.8, 4.8, 4.9, 5.2, 5.5, 5.7, 5.8,
    5.7, 5.5, 5.2, 4.7, 4.0,
];
/// Relative call volume by weekday, Monday first.
const DAY_WEIGHT: [f64; 7] = [1.0, 0.97, 0.97, 1.0, 1.08, 1.12, 1.0];

/// Share of calls to 999 by day (06:00–22:00) and by night; with the hourly rhythm this gives
/// about 37.5 % to 999, Kent's 900 a day of 2,400 in 2017.
const P999_DAY: f64 = 0.35;
const P999_NIGHT: f64 = 0.47;

/// Chance that an ordinary call is from a recent caller (see [`crate::pool`]).
const REPEAT_P: f64 = 0.28;
/// Chance that a partner's contact is from someone who also calls police.
const PARTNER_SHARED_P: f64 = 0.12;
/// Partner contacts per ordinary police call: ambulance and fire.
const AMBULANCE_PER_CALL: f64 = 0.30;
const FIRE_PER_CALL: f64 = 0.06;

/// Dirt rates per eligible ordinary row.
const P_BLANK: f64 = 0.001;
const P_DUPLICATE: f64 = 0.004;
const P_QUOTE: f64 = 0.002;
/// Rows cut short, bad times and unparseable numbers, per abandoned ordinary ACD call.
const P_ACD_SHORT: f64 = 0.005;
const P_ACD_BAD_TIME: f64 = 0.005;
const P_ACD_UNPARSEABLE: f64 = 0.008;
/// Rows cut short and bad times per outbound or radio recording.
const P_REC_SHORT: f64 = 0.002;
const P_REC_BAD_TIME: f64 = 0.002;
/// Rows cut short, bad times and mistyped numbers per ordinary incident row.
const P_INC_SHORT: f64 = 0.001;
const P_INC_BAD_TIME: f64 = 0.001;
const P_INC_UNPARSEABLE: f64 = 0.002;
/// Rows cut short and bad times per ordinary partner row.
const P_PAR_SHORT: f64 = 0.001;
const P_PAR_BAD_TIME: f64 = 0.001;
/// Rows with a spring-gap time added in the hour after the spring clock change.
const SPRING_ACD: usize = 3;
const SPRING_RECORDINGS: usize = 2;
const SPRING_PARTNERS: usize = 1;

/// Relative volume of the UTC hour starting at `t0`.
fn hour_weight(clock: &mut Clock, t0: i64) -> f64 {
    let (hour, weekday) = clock.hour_and_weekday(t0);
    let mut w = HOUR_WEIGHT[hour as usize] * DAY_WEIGHT[weekday as usize];
    // Friday and Saturday evenings, and the small hours of Saturday and Sunday.
    if (weekday == 4 || weekday == 5) && hour >= 20 {
        w *= 1.3;
    }
    if (weekday == 5 || weekday == 6) && hour < 4 {
        w *= 1.5;
    }
    w
}

/// An ACD call's outcome.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Outcome {
    Answered,
    Abandoned,
    Transferred,
}

impl Outcome {
    fn acd(self) -> &'static str {
        match self {
            Outcome::Answered => "Answered",
            Outcome::Abandoned => "Abandoned",
            Outcome::Transferred => "Transferred",
        }
    }

    fn partner(self) -> &'static str {
        match self {
            Outcome::Answered => "answered",
            Outcome::Abandoned => "abandoned",
            Outcome::Transferred => "transferred",
        }
    }
}

/// Who made a contact.
#[derive(Debug, Clone, Copy)]
enum Caller {
    Ordinary(u64),
    Planted(u32),
    Withheld,
    Unavailable,
}

/// What kind of ACD call is being generated.
#[derive(Debug, Clone, Copy)]
enum Who {
    Ordinary,
    Planted(u32, Option<FixedCall>),
    /// An extra abandoned ordinary call written with a spring-gap time.
    SpringGap,
}

/// A recording row waiting for its hour to be written.
struct Recording {
    start: i64,
    end: i64,
    channel: &'static str,
    direction: &'static str,
    remote: String,
    /// The remote field holds a number (so a stray quote can go on it).
    has_number: bool,
    planted: bool,
    /// Outbound or radio: not a contact, so it may be cut short or get a bad time.
    not_a_contact: bool,
    spring_gap: bool,
}

/// An incident that further calls may attach to.
struct OpenIncident {
    no: u64,
    created: i64,
    location: String,
    postcode: String,
    opening: &'static str,
    closing: &'static str,
    grade: u8,
}

/// An incident-call row waiting for its hour to be written.
struct IncidentRow {
    call_time: i64,
    incident: u64,
    phone: String,
    has_number: bool,
    name: String,
    location: String,
    postcode: String,
    opening: &'static str,
    closing: &'static str,
    grade: u8,
    planted: bool,
}

/// A partner contact waiting for its hour to be written.
struct PartnerRow {
    received: i64,
    fire: bool,
    line: &'static str,
    key: String,
    outcome: Outcome,
    category: &'static str,
    planted: bool,
    spring_gap: bool,
}

/// The running generator.
pub(crate) struct Generator<W: Write> {
    rng: Rand,
    clock: Clock,
    numbers: Numbers,
    places: Places,
    cats: Categories,
    pool: Pool,
    plan: Plan,
    key: PseudonymKey,
    seed: u64,
    acd: Sink<W>,
    recordings: Sink<W>,
    incidents: Sink<W>,
    partners: Sink<W>,
    next_call: u64,
    next_recording: u64,
    next_incident: u64,
    next_fire: u64,
    next_ambulance: u64,
    recent: VecDeque<OpenIncident>,
    acd_summary: AcdSummary,
    rec_summary: RecordingsSummary,
    inc_summary: IncidentsSummary,
    par_summary: PartnersSummary,
    hour_recordings: Vec<Recording>,
    hour_incidents: Vec<IncidentRow>,
}

/// The parts a generator is built from.
pub(crate) struct Parts<W: Write> {
    pub(crate) rng: Rand,
    pub(crate) clock: Clock,
    pub(crate) numbers: Numbers,
    pub(crate) places: Places,
    pub(crate) pool: Pool,
    pub(crate) plan: Plan,
    pub(crate) seed: u64,
    pub(crate) acd: W,
    pub(crate) recordings: W,
    pub(crate) incidents: W,
    pub(crate) partners: W,
}

fn push_time(clock: &mut Clock, t: i64, out: &mut String) -> bool {
    clock.write(t, out)
}

/// A time that cannot be read, made from a real one (`dd/mm/yyyy HH:MM:SS` local).
pub(crate) fn bad_time(rng: &mut Rand, local: i64) -> String {
    let mut s = String::with_capacity(19);
    write_local(local, &mut s);
    match rng.below(6) {
        0 => s.replace_range(3..5, "13"),
        1 => s.replace_range(11..13, &format!("{}", rng.range(24, 29))),
        2 => s.replace_range(0..5, "31/02"),
        3 => s = "00/00/0000 00:00:00".into(),
        4 => s = "#VALUE!".into(),
        _ => s.replace_range(14..16, &format!("{}", rng.range(60, 99))),
    }
    s
}

/// Which dirt an eligible row gets (at most one kind per row).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Dirt {
    None,
    Duplicate,
    StrayQuote,
    Short,
    BadTime,
    Unparseable,
}

/// Draws one kind of dirt from `(probability, kind)` pairs.
fn draw_dirt(rng: &mut Rand, table: &[(f64, Dirt)]) -> Dirt {
    let u = rng.unit();
    let mut acc = 0.0;
    for &(p, d) in table {
        acc += p;
        if u < acc {
            return d;
        }
    }
    Dirt::None
}

fn with_stray_quote(rng: &mut Rand, text: &str) -> String {
    if rng.chance(0.5) {
        format!("\"{text}")
    } else {
        format!("{text}\"")
    }
}

impl<W: Write> Generator<W> {
    /// A generator whose four sinks have their headers written.
    pub(crate) fn new(parts: Parts<W>) -> Result<Self, GenerateError> {
        Ok(Generator {
            rng: parts.rng,
            clock: parts.clock,
            numbers: parts.numbers,
            places: parts.places,
            cats: Categories::new(),
            pool: parts.pool,
            plan: parts.plan,
            key: crate::partner_key(),
            seed: parts.seed,
            acd: Sink::new(parts.acd, &ACD_HEADER)?,
            recordings: Sink::new(parts.recordings, &RECORDINGS_HEADER)?,
            incidents: Sink::new(parts.incidents, &INCIDENTS_HEADER)?,
            partners: Sink::new(parts.partners, &PARTNERS_HEADER)?,
            next_call: 1_000_001,
            next_recording: 50_000_001,
            next_incident: 240_000_001,
            next_fire: 10_000_001,
            next_ambulance: 30_000_001,
            recent: VecDeque::with_capacity(65),
            acd_summary: AcdSummary::default(),
            rec_summary: RecordingsSummary::default(),
            inc_summary: IncidentsSummary::default(),
            par_summary: PartnersSummary::default(),
            hour_recordings: Vec::new(),
            hour_incidents: Vec::new(),
        })
    }

    /// Generates `[start, end)` hour by hour with `ordinary` ordinary ACD calls in all.
    pub(crate) fn run(
        mut self,
        start: i64,
        end: i64,
        ordinary: u64,
        progress: &mut dyn FnMut(u64),
    ) -> Result<GenerateSummary, GenerateError> {
        let hours = (end - start) / HOUR;
        let mut total_weight = 0.0;
        for h in 0..hours {
            total_weight += hour_weight(&mut self.clock, start + h * HOUR);
        }
        let partner_total = ordinary as f64 * (AMBULANCE_PER_CALL + FIRE_PER_CALL);
        let partner_total = (partner_total + 0.5) as u64;
        let fire_share = FIRE_PER_CALL / (AMBULANCE_PER_CALL + FIRE_PER_CALL);

        let mut running = 0.0;
        let (mut calls_done, mut partners_done) = (0u64, 0u64);
        let (mut next_planted, mut next_planted_partner) = (0usize, 0usize);
        let mut calls: Vec<(i64, Who)> = Vec::new();
        let mut partner_times: Vec<(i64, Option<u32>, bool)> = Vec::new();
        for h in 0..hours {
            let t0 = start + h * HOUR;
            running += hour_weight(&mut self.clock, t0);
            let (calls_target, partners_target) = if h + 1 == hours {
                (ordinary, partner_total)
            } else {
                let share = running / total_weight;
                (
                    ((ordinary as f64 * share) as u64).min(ordinary),
                    ((partner_total as f64 * share) as u64).min(partner_total),
                )
            };
            let spring = self.clock.offset(t0) > self.clock.offset(t0 - 1);

            // The hour's ACD calls, in arrival order.
            calls.clear();
            for _ in calls_done..calls_target {
                calls.push((t0 + self.rng.range_i(0, HOUR - 1), Who::Ordinary));
            }
            calls_done = calls_done.max(calls_target);
            if spring {
                for _ in 0..SPRING_ACD {
                    calls.push((t0 + self.rng.range_i(0, HOUR - 1), Who::SpringGap));
                }
            }
            while let Some(c) = self.plan.calls.get(next_planted).copied() {
                if c.at >= t0 + HOUR {
                    break;
                }
                calls.push((c.at, Who::Planted(c.caller, c.fixed)));
                next_planted += 1;
            }
            calls.sort_by_key(|c| c.0);
            for &(at, who) in &calls {
                self.acd_call(at, who)?;
            }

            // Recordings that are not contacts.
            let inbound = self.hour_recordings.len();
            for _ in 0..inbound {
                if self.rng.chance(0.18) {
                    let t = t0 + self.rng.range_i(0, HOUR - 1);
                    self.outbound(t);
                }
                if self.rng.chance(0.12) {
                    let t = t0 + self.rng.range_i(0, HOUR - 1);
                    self.radio(t, false);
                }
            }
            if spring {
                for _ in 0..SPRING_RECORDINGS {
                    let t = t0 + self.rng.range_i(0, HOUR - 1);
                    self.radio(t, true);
                }
            }
            self.write_recordings()?;
            self.write_incidents()?;

            // Partner contacts.
            partner_times.clear();
            for _ in partners_done..partners_target {
                let fire = self.rng.chance(fire_share);
                partner_times.push((t0 + self.rng.range_i(0, HOUR - 1), None, fire));
            }
            partners_done = partners_done.max(partners_target);
            while let Some(c) = self.plan.partners.get(next_planted_partner).copied() {
                if c.at >= t0 + HOUR {
                    break;
                }
                partner_times.push((c.at, Some(c.caller), c.fire));
                next_planted_partner += 1;
            }
            partner_times.sort_by_key(|c| c.0);
            let mut spring_partners = Vec::new();
            if spring {
                for _ in 0..SPRING_PARTNERS {
                    spring_partners.push(t0 + self.rng.range_i(0, HOUR - 1));
                }
            }
            self.write_partners(&partner_times, &spring_partners)?;

            progress(self.acd.rows);
        }

        let (acd_rows, acd_dirt) = self.acd.finish()?;
        self.acd_summary.rows = acd_rows;
        self.acd_summary.dirt = acd_dirt;
        let (rows, dirt) = self.recordings.finish()?;
        self.rec_summary.rows = rows;
        self.rec_summary.dirt = dirt;
        let (rows, dirt) = self.incidents.finish()?;
        self.inc_summary.rows = rows;
        self.inc_summary.dirt = dirt;
        let (rows, dirt) = self.partners.finish()?;
        self.par_summary.rows = rows;
        self.par_summary.dirt = dirt;
        progress(acd_rows);
        Ok(GenerateSummary {
            acd: self.acd_summary,
            recordings: self.rec_summary,
            incidents: self.inc_summary,
            partners: self.par_summary,
            truth_rows: self.plan.truth.len() as u64,
            planted: self.plan.summary.clone(),
            ..GenerateSummary::default()
        })
    }

    fn phone_of(&self, caller: Caller) -> Option<Phone> {
        match caller {
            Caller::Ordinary(id) => Some(self.numbers.ordinary(id)),
            Caller::Planted(i) => Some(self.plan.callers[i as usize].phone),
            Caller::Withheld | Caller::Unavailable => None,
        }
    }

    /// One ACD call, its inbound recording and its incident rows.
    fn acd_call(&mut self, arrived: i64, who: Who) -> Result<(), GenerateError> {
        let rng = &mut self.rng;
        let call_no = self.next_call;
        self.next_call += 1;
        let (hour, _) = self.clock.hour_and_weekday(arrived);
        let planted_kind = match who {
            Who::Planted(i, _) => Some(self.plan.callers[i as usize].kind),
            _ => None,
        };
        let fixed = match who {
            Who::Planted(_, fixed) => fixed,
            _ => None,
        };
        let p999 = match planted_kind {
            Some(Kind::Vulnerable) => 0.6,
            Some(Kind::Crisis) => 0.55,
            Some(Kind::Victim) => 0.55,
            Some(Kind::NearThreshold) => 0.4,
            Some(Kind::Communal) => 0.5,
            None if (6..22).contains(&hour) => P999_DAY,
            None => P999_NIGHT,
        };
        let emergency = match fixed {
            Some(f) => f.emergency,
            None => rng.chance(p999),
        };
        let caller = match who {
            Who::Planted(i, _) => Caller::Planted(i),
            Who::SpringGap => Caller::Ordinary(self.pool.fresh()),
            Who::Ordinary => match rng.below(1000) {
                0..60 => Caller::Withheld,
                60..85 => Caller::Unavailable,
                _ => Caller::Ordinary(self.pool.caller(rng, arrived, REPEAT_P)),
            },
        };
        let (p_abandon, p_transfer) = match (planted_kind, emergency) {
            (Some(Kind::Vulnerable), _) => (0.2, 0.0),
            (Some(Kind::Victim), _) => (0.05, 0.0),
            (Some(Kind::NearThreshold), _) => (0.1, 0.0),
            (Some(Kind::Communal), _) => (0.0, 0.0),
            (Some(Kind::Crisis), _) => (0.12, 0.0),
            (None, true) => (0.025, 0.02),
            (None, false) => (0.14, 0.04),
        };
        let outcome = if matches!(who, Who::SpringGap) {
            Outcome::Abandoned
        } else if let Some(f) = fixed {
            if f.answered {
                Outcome::Answered
            } else {
                Outcome::Abandoned
            }
        } else {
            let u = rng.unit();
            if u < p_abandon {
                Outcome::Abandoned
            } else if u < p_abandon + p_transfer {
                Outcome::Transferred
            } else {
                Outcome::Answered
            }
        };
        let planted = planted_kind.is_some();
        let (answered, ended) = match outcome {
            Outcome::Abandoned => {
                let gave_up = if emergency {
                    rng.buckets(&[(70, 2, 15), (30, 15, 45)])
                } else {
                    rng.buckets(&[(30, 10, 60), (40, 60, 300), (30, 300, 1_800)])
                };
                (None, arrived + gave_up)
            }
            _ => {
                let mut wait = if emergency {
                    rng.buckets(&[(70, 1, 10), (25, 10, 30), (5, 30, 120)])
                } else {
                    rng.buckets(&[(20, 5, 60), (35, 60, 300), (30, 300, 900), (15, 900, 2_400)])
                };
                let mut talk = if let Some(f) = fixed {
                    f.talk
                } else if outcome == Outcome::Transferred {
                    rng.range_i(30, 240)
                } else if emergency {
                    rng.buckets(&[(15, 60, 120), (55, 120, 480), (30, 480, 1_500)])
                } else {
                    rng.buckets(&[(20, 60, 180), (50, 180, 600), (30, 600, 1_800)])
                };
                if planted {
                    // Keep a planted caller's calls (at least 30 minutes apart) from overlapping.
                    wait = wait.min(300);
                    talk = talk.min(900);
                }
                (Some(arrived + wait), arrived + wait + talk)
            }
        };
        let queue = if emergency {
            if rng.chance(0.95) {
                "EMERGENCY"
            } else {
                "EMERGENCY-OVERFLOW"
            }
        } else {
            match rng.below(10) {
                0..7 => "NON-EMERGENCY",
                7..9 => "SWITCHBOARD",
                _ => "CRIME-REPORTING",
            }
        };

        // Summary of the call.
        let s = &mut self.acd_summary;
        s.calls += 1;
        match outcome {
            Outcome::Answered => s.answered += 1,
            Outcome::Abandoned => s.abandoned += 1,
            Outcome::Transferred => s.transferred += 1,
        }
        if emergency {
            s.line_999 += 1;
        } else {
            s.line_101 += 1;
        }
        match caller {
            Caller::Withheld => s.withheld += 1,
            Caller::Unavailable => s.unavailable += 1,
            _ => {}
        }

        // The row.
        let phone = self.phone_of(caller);
        let rng = &mut self.rng;
        let mut cli = String::with_capacity(16);
        match (phone, caller) {
            (Some(p), _) => p.write(Writer::Acd.form(rng, &p), &mut cli),
            (None, Caller::Withheld) => cli.push_str(match rng.below(20) {
                0..17 => "Withheld",
                17..19 => "Private",
                _ => "Anonymous",
            }),
            _ => cli.push_str(match rng.below(10) {
                0..5 => "Unavailable",
                5..9 => "",
                _ => "Unknown",
            }),
        }
        let spring_gap = matches!(who, Who::SpringGap);
        let mut arrived_text = String::with_capacity(19);
        let mut answered_text = String::with_capacity(19);
        let mut ended_text = String::with_capacity(19);
        let mut ambiguous = 0;
        if spring_gap {
            // A clock that missed the change: an hour behind, inside the spring gap.
            write_local(self.clock.local(arrived) - HOUR, &mut arrived_text);
            write_local(self.clock.local(ended) - HOUR, &mut ended_text);
        } else {
            ambiguous += u64::from(push_time(&mut self.clock, arrived, &mut arrived_text));
            if let Some(a) = answered {
                ambiguous += u64::from(push_time(&mut self.clock, a, &mut answered_text));
            }
            ambiguous += u64::from(push_time(&mut self.clock, ended, &mut ended_text));
        }
        let call_id = format!("A{call_no:010}");
        let line = if emergency { "999" } else { "101" };

        let rng = &mut self.rng;
        let dirt = if planted || ambiguous > 0 || spring_gap {
            Dirt::None
        } else {
            if rng.chance(P_BLANK) {
                self.acd.blank_line()?;
            }
            let abandoned = outcome == Outcome::Abandoned;
            let on = |yes: bool, p: f64| if yes { p } else { 0.0 };
            draw_dirt(
                rng,
                &[
                    (P_DUPLICATE, Dirt::Duplicate),
                    (on(phone.is_some(), P_QUOTE), Dirt::StrayQuote),
                    (on(abandoned, P_ACD_SHORT), Dirt::Short),
                    (on(abandoned, P_ACD_BAD_TIME), Dirt::BadTime),
                    (on(abandoned, P_ACD_UNPARSEABLE), Dirt::Unparseable),
                ],
            )
        };
        if ambiguous > 0 {
            self.acd.dirt.autumn_ambiguous_rows += 1;
            self.acd.dirt.autumn_ambiguous_times += ambiguous;
        }
        if spring_gap {
            self.acd.dirt.spring_gap_rows += 1;
        }
        match dirt {
            Dirt::StrayQuote => {
                cli = with_stray_quote(rng, &cli);
                self.acd.dirt.stray_quotes += 1;
            }
            Dirt::BadTime => {
                arrived_text = bad_time(rng, self.clock.local(arrived));
                self.acd.dirt.bad_times += 1;
            }
            Dirt::Unparseable => {
                cli = rng.pick(&UNPARSEABLE).to_string();
                self.acd.dirt.unparseable_phones += 1;
            }
            _ => {}
        }
        let fields = [
            call_id.as_str(),
            line,
            cli.as_str(),
            arrived_text.as_str(),
            answered_text.as_str(),
            ended_text.as_str(),
            queue,
            outcome.acd(),
        ];
        match dirt {
            Dirt::Short => {
                let keep = rng.range(1, fields.len() as u64 - 1) as usize;
                self.acd.short_row(&fields, keep)?;
            }
            Dirt::Duplicate => {
                let after = rng.range(0, 300);
                self.acd.record(&fields, Some(after))?;
            }
            _ => self.acd.record(&fields, None)?,
        }

        let Some(answered) = answered else {
            return Ok(());
        };

        // The inbound recording.
        let start = answered + rng.range_i(0, 3);
        let mut remote = String::with_capacity(16);
        match (phone, caller) {
            (Some(p), _) => p.write(Writer::Recording.form(rng, &p), &mut remote),
            (None, Caller::Withheld) => remote.push_str(if rng.chance(0.7) {
                "Withheld"
            } else {
                "Anonymous"
            }),
            _ => remote.push_str(if rng.chance(0.7) { "" } else { "Unknown" }),
        }
        self.hour_recordings.push(Recording {
            start,
            end: ended + rng.range_i(0, 2),
            channel: "phone",
            direction: "inbound",
            remote,
            has_number: phone.is_some(),
            planted,
            not_a_contact: false,
            spring_gap: false,
        });
        self.rec_summary.inbound_phone += 1;

        // The incident.
        if outcome != Outcome::Answered {
            return Ok(());
        }
        let p_incident = match planted_kind {
            Some(Kind::Vulnerable | Kind::Crisis) => 0.85,
            Some(Kind::Victim) => 0.95,
            Some(Kind::NearThreshold) => 0.7,
            Some(Kind::Communal) => 1.0,
            None if emergency => 0.72,
            None => 0.42,
        };
        if !rng.chance(p_incident) {
            return Ok(());
        }
        let talk = ended - answered;
        let call_time = answered + rng.range_i(30, (talk - 1).clamp(30, 300));
        self.incident_row(call_time, caller, phone, emergency, planted_kind)
    }

    /// The C&C row of a call attached to an incident (new or open).
    fn incident_row(
        &mut self,
        call_time: i64,
        caller: Caller,
        phone: Option<Phone>,
        emergency: bool,
        planted_kind: Option<Kind>,
    ) -> Result<(), GenerateError> {
        let rng = &mut self.rng;
        // An open incident this call belongs to: the same caller's recent one, or another
        // caller's about the same thing.
        let mut open: Option<usize> = None;
        if planted_kind.is_none() {
            if let Caller::Ordinary(id) = caller
                && let Some((no, created)) = self.pool.last_incident(id)
                && call_time - created <= 6 * HOUR
                && rng.chance(0.6)
            {
                open = self.recent.iter().position(|i| i.no == no);
            }
            if open.is_none() && rng.chance(0.1) {
                let fresh = self
                    .recent
                    .iter()
                    .rev()
                    .take_while(|i| i.created >= call_time - 45 * 60)
                    .count();
                if fresh > 0 {
                    open = Some(self.recent.len() - 1 - rng.index(fresh));
                }
            }
        }
        let incident = match open {
            Some(k) => k,
            None => {
                let no = self.next_incident;
                self.next_incident += 1;
                self.inc_summary.incidents += 1;
                let (location, postcode, opening, grade) = match (planted_kind, caller) {
                    (Some(kind), Caller::Planted(i)) => {
                        let c = &self.plan.callers[i as usize];
                        let away = match kind {
                            Kind::Vulnerable | Kind::Crisis => rng.chance(0.15),
                            Kind::NearThreshold => rng.chance(0.4),
                            Kind::Victim | Kind::Communal => false,
                        };
                        let (location, postcode) = if away {
                            let a = self.places.random_address(rng);
                            (self.places.location(&a), self.places.postcode(&a))
                        } else {
                            (c.location.clone(), c.postcode.clone())
                        };
                        let (opening, grade) = match kind {
                            Kind::Vulnerable | Kind::Crisis => (
                                if rng.chance(0.9) {
                                    self.cats.vulnerable.pick(rng)
                                } else {
                                    self.cats.neutral.pick(rng)
                                },
                                rng.range(2, 4) as u8,
                            ),
                            Kind::Victim => (self.cats.victim.pick(rng), rng.range(1, 3) as u8),
                            Kind::NearThreshold => (
                                match rng.below(3) {
                                    0 => self.cats.vulnerable.pick(rng),
                                    1 => self.cats.victim.pick(rng),
                                    _ => self.cats.neutral.pick(rng),
                                },
                                rng.range(2, 5) as u8,
                            ),
                            Kind::Communal => (self.cats.communal.pick(rng), rng.range(2, 4) as u8),
                        };
                        let mut typed = String::with_capacity(8);
                        typed_postcode(&postcode, rng, &mut typed);
                        (location, typed, opening, grade)
                    }
                    _ => {
                        let a = match caller {
                            Caller::Ordinary(id) if rng.chance(0.55) => self.places.home_of(id),
                            _ => self.places.random_address(rng),
                        };
                        let mut typed = String::with_capacity(8);
                        if rng.chance(0.98) {
                            typed_postcode(&self.places.postcode(&a), rng, &mut typed);
                        }
                        let grade = if emergency {
                            rng.weighted(&[40, 45, 15]) as u8 + 1
                        } else {
                            rng.weighted(&[10, 40, 35, 15]) as u8 + 2
                        };
                        (
                            self.places.location(&a),
                            typed,
                            self.cats.ordinary.pick(rng),
                            grade,
                        )
                    }
                };
                let closing = if matches!(planted_kind, Some(Kind::Vulnerable | Kind::Crisis))
                    && rng.chance(0.4)
                {
                    self.cats.no_police_action
                } else {
                    self.cats.closing(opening, rng)
                };
                let inc = OpenIncident {
                    no,
                    created: call_time,
                    location,
                    postcode,
                    opening,
                    closing,
                    grade,
                };
                if planted_kind.is_some() {
                    // Planted incidents are not offered to other callers.
                    self.push_incident_row(call_time, caller, phone, &inc, true);
                    return Ok(());
                }
                if self.recent.len() == 64 {
                    self.recent.pop_front();
                }
                self.recent.push_back(inc);
                self.recent.len() - 1
            }
        };
        if let Caller::Ordinary(id) = caller {
            let (no, created) = (self.recent[incident].no, self.recent[incident].created);
            self.pool.set_last_incident(id, no, created);
        }
        let inc = self.recent.remove(incident).expect("index within the ring");
        self.push_incident_row(call_time, caller, phone, &inc, false);
        self.recent.insert(incident, inc);
        Ok(())
    }

    fn push_incident_row(
        &mut self,
        call_time: i64,
        caller: Caller,
        phone: Option<Phone>,
        inc: &OpenIncident,
        planted: bool,
    ) {
        let rng = &mut self.rng;
        let mut text = String::with_capacity(18);
        match phone {
            Some(p) => p.write(Writer::Typed.form(rng, &p), &mut text),
            None => {
                if rng.chance(0.3) {
                    text.push_str("Withheld");
                }
                self.inc_summary.without_caller_phone += 1;
            }
        }
        let name = match caller {
            Caller::Planted(i) => self.plan.callers[i as usize].name.clone(),
            Caller::Ordinary(id) if rng.chance(0.85) => name_of(id, self.seed),
            _ => rng.pick(&NO_NAME).to_string(),
        };
        self.hour_incidents.push(IncidentRow {
            call_time,
            incident: inc.no,
            phone: text,
            has_number: phone.is_some(),
            name,
            location: inc.location.clone(),
            postcode: inc.postcode.clone(),
            opening: inc.opening,
            closing: inc.closing,
            grade: inc.grade,
            planted,
        });
    }

    /// An outbound phone recording at `t` (a handler calling someone back, or out).
    fn outbound(&mut self, t: i64) {
        let rng = &mut self.rng;
        let id = match self.pool.recent(rng) {
            Some(id) if rng.chance(0.7) => id,
            _ => self.pool.fresh(),
        };
        let mut remote = String::with_capacity(16);
        let phone = self.numbers.ordinary(id);
        phone.write(Writer::Recording.form(rng, &phone), &mut remote);
        let end = t + rng.buckets(&[(60, 20, 180), (40, 180, 900)]);
        self.hour_recordings.push(Recording {
            start: t,
            end,
            channel: "phone",
            direction: "outbound",
            remote,
            has_number: true,
            planted: false,
            not_a_contact: true,
            spring_gap: false,
        });
        self.rec_summary.outbound_phone += 1;
    }

    /// A radio recording at `t`.
    fn radio(&mut self, t: i64, spring_gap: bool) {
        let rng = &mut self.rng;
        let direction = if rng.chance(0.5) {
            "inbound"
        } else {
            "outbound"
        };
        let end = t + rng.range_i(3, 90);
        self.hour_recordings.push(Recording {
            start: t,
            end,
            channel: "radio",
            direction,
            remote: String::new(),
            has_number: false,
            planted: false,
            not_a_contact: true,
            spring_gap,
        });
        self.rec_summary.radio += 1;
    }

    fn write_recordings(&mut self) -> Result<(), GenerateError> {
        let mut rows = std::mem::take(&mut self.hour_recordings);
        rows.sort_by_key(|r| r.start);
        for r in rows.drain(..) {
            let id = format!("R{:010}", self.next_recording);
            self.next_recording += 1;
            let mut started = String::with_capacity(19);
            let mut ended = String::with_capacity(19);
            let mut ambiguous = 0u64;
            if r.spring_gap {
                write_local(self.clock.local(r.start) - HOUR, &mut started);
                write_local(self.clock.local(r.end) - HOUR, &mut ended);
                self.recordings.dirt.spring_gap_rows += 1;
            } else {
                ambiguous += u64::from(push_time(&mut self.clock, r.start, &mut started));
                ambiguous += u64::from(push_time(&mut self.clock, r.end, &mut ended));
            }
            if ambiguous > 0 {
                self.recordings.dirt.autumn_ambiguous_rows += 1;
                self.recordings.dirt.autumn_ambiguous_times += ambiguous;
            }
            let rng = &mut self.rng;
            let dirt = if r.planted || ambiguous > 0 || r.spring_gap {
                Dirt::None
            } else {
                if rng.chance(P_BLANK) {
                    self.recordings.blank_line()?;
                }
                let on = |yes: bool, p: f64| if yes { p } else { 0.0 };
                draw_dirt(
                    rng,
                    &[
                        (P_DUPLICATE, Dirt::Duplicate),
                        (on(r.has_number, P_QUOTE), Dirt::StrayQuote),
                        (on(r.not_a_contact, P_REC_SHORT), Dirt::Short),
                        (on(r.not_a_contact, P_REC_BAD_TIME), Dirt::BadTime),
                    ],
                )
            };
            let mut remote = r.remote;
            match dirt {
                Dirt::StrayQuote => {
                    remote = with_stray_quote(rng, &remote);
                    self.recordings.dirt.stray_quotes += 1;
                }
                Dirt::BadTime => {
                    started = bad_time(rng, self.clock.local(r.start));
                    self.recordings.dirt.bad_times += 1;
                }
                _ => {}
            }
            let fields = [
                id.as_str(),
                r.channel,
                r.direction,
                remote.as_str(),
                started.as_str(),
                ended.as_str(),
            ];
            match dirt {
                Dirt::Short => {
                    let keep = rng.range(1, fields.len() as u64 - 1) as usize;
                    self.recordings.short_row(&fields, keep)?;
                }
                Dirt::Duplicate => {
                    let after = rng.range(0, 300);
                    self.recordings.record(&fields, Some(after))?;
                }
                _ => self.recordings.record(&fields, None)?,
            }
        }
        self.hour_recordings = rows;
        Ok(())
    }

    fn write_incidents(&mut self) -> Result<(), GenerateError> {
        let mut rows = std::mem::take(&mut self.hour_incidents);
        rows.sort_by_key(|r| r.call_time);
        for r in rows.drain(..) {
            let id = format!("I{}", r.incident);
            let mut call_time = String::with_capacity(19);
            let ambiguous = push_time(&mut self.clock, r.call_time, &mut call_time);
            if ambiguous {
                self.incidents.dirt.autumn_ambiguous_rows += 1;
                self.incidents.dirt.autumn_ambiguous_times += 1;
            }
            let rng = &mut self.rng;
            let dirt = if r.planted || ambiguous {
                Dirt::None
            } else {
                if rng.chance(P_BLANK) {
                    self.incidents.blank_line()?;
                }
                let on = |yes: bool, p: f64| if yes { p } else { 0.0 };
                draw_dirt(
                    rng,
                    &[
                        (P_DUPLICATE, Dirt::Duplicate),
                        (P_INC_SHORT, Dirt::Short),
                        (P_INC_BAD_TIME, Dirt::BadTime),
                        (on(r.has_number, P_QUOTE), Dirt::StrayQuote),
                        (on(r.has_number, P_INC_UNPARSEABLE), Dirt::Unparseable),
                    ],
                )
            };
            let mut phone = r.phone;
            match dirt {
                Dirt::StrayQuote => {
                    phone = with_stray_quote(rng, &phone);
                    self.incidents.dirt.stray_quotes += 1;
                }
                Dirt::Unparseable => {
                    phone = rng.pick(&UNPARSEABLE).to_string();
                    self.incidents.dirt.unparseable_phones += 1;
                }
                Dirt::BadTime => {
                    call_time = bad_time(rng, self.clock.local(r.call_time));
                    self.incidents.dirt.bad_times += 1;
                }
                _ => {}
            }
            let grade = r.grade.to_string();
            let fields = [
                id.as_str(),
                call_time.as_str(),
                phone.as_str(),
                r.name.as_str(),
                r.location.as_str(),
                r.postcode.as_str(),
                r.opening,
                r.closing,
                grade.as_str(),
            ];
            match dirt {
                Dirt::Short => {
                    let keep = rng.range(1, fields.len() as u64 - 1) as usize;
                    self.incidents.short_row(&fields, keep)?;
                }
                Dirt::Duplicate => {
                    let after = rng.range(0, 300);
                    self.incidents.record(&fields, Some(after))?;
                }
                _ => self.incidents.record(&fields, None)?,
            }
        }
        self.hour_incidents = rows;
        Ok(())
    }

    /// The hour's partner contacts: `(time, planted caller, fire)` in time order, and the
    /// times of spring-gap rows to add.
    fn write_partners(
        &mut self,
        contacts: &[(i64, Option<u32>, bool)],
        spring_gap: &[i64],
    ) -> Result<(), GenerateError> {
        let mut rows = Vec::with_capacity(contacts.len() + 1);
        for &(received, planted, fire) in contacts {
            let rng = &mut self.rng;
            let row = match planted {
                Some(i) => {
                    let e164 = self.plan.callers[i as usize].phone.e164();
                    PartnerRow {
                        received,
                        fire,
                        line: "999",
                        key: self.key.pseudonymise(&e164),
                        outcome: Outcome::Answered,
                        category: if fire {
                            rng.pick(categories::FIRE_VULNERABLE)
                        } else {
                            rng.pick(categories::AMBULANCE_VULNERABLE)
                        },
                        planted: true,
                        spring_gap: false,
                    }
                }
                None => self.ordinary_partner(received, fire, false),
            };
            rows.push(row);
        }
        for &t in spring_gap {
            let fire = self.rng.chance(0.2);
            let row = self.ordinary_partner(t, fire, true);
            let at = rows.partition_point(|r| r.received <= t);
            rows.insert(at, row);
        }
        for r in rows {
            let id = if r.fire {
                self.next_fire += 1;
                format!("F{:08}", self.next_fire - 1)
            } else {
                self.next_ambulance += 1;
                format!("M{:08}", self.next_ambulance - 1)
            };
            if r.fire {
                self.par_summary.fire += 1;
            } else {
                self.par_summary.ambulance += 1;
            }
            if r.key.is_empty() {
                self.par_summary.without_caller_key += 1;
            }
            let mut received = String::with_capacity(19);
            let mut ambiguous = false;
            if r.spring_gap {
                write_local(self.clock.local(r.received) - HOUR, &mut received);
                self.partners.dirt.spring_gap_rows += 1;
            } else {
                ambiguous = push_time(&mut self.clock, r.received, &mut received);
            }
            if ambiguous {
                self.partners.dirt.autumn_ambiguous_rows += 1;
                self.partners.dirt.autumn_ambiguous_times += 1;
            }
            let rng = &mut self.rng;
            let dirt = if r.planted || ambiguous || r.spring_gap {
                Dirt::None
            } else {
                if rng.chance(P_BLANK) {
                    self.partners.blank_line()?;
                }
                draw_dirt(
                    rng,
                    &[
                        (P_DUPLICATE, Dirt::Duplicate),
                        (P_PAR_SHORT, Dirt::Short),
                        (P_PAR_BAD_TIME, Dirt::BadTime),
                    ],
                )
            };
            if dirt == Dirt::BadTime {
                received = bad_time(rng, self.clock.local(r.received));
                self.partners.dirt.bad_times += 1;
            }
            let fields = [
                id.as_str(),
                if r.fire { "fire" } else { "ambulance" },
                r.line,
                received.as_str(),
                r.key.as_str(),
                r.outcome.partner(),
                r.category,
            ];
            match dirt {
                Dirt::Short => {
                    let keep = rng.range(1, fields.len() as u64 - 1) as usize;
                    self.partners.short_row(&fields, keep)?;
                }
                Dirt::Duplicate => {
                    let after = rng.range(0, 300);
                    self.partners.record(&fields, Some(after))?;
                }
                _ => self.partners.record(&fields, None)?,
            }
        }
        Ok(())
    }

    fn ordinary_partner(&mut self, received: i64, fire: bool, spring_gap: bool) -> PartnerRow {
        let rng = &mut self.rng;
        let key = if rng.chance(0.04) {
            String::new()
        } else {
            let id = if spring_gap {
                self.pool.fresh()
            } else {
                self.pool.caller(rng, received, PARTNER_SHARED_P)
            };
            self.key.pseudonymise(&self.numbers.ordinary(id).e164())
        };
        let u = rng.unit();
        let outcome = if spring_gap || u < 0.05 {
            Outcome::Abandoned
        } else if u < 0.07 {
            Outcome::Transferred
        } else {
            Outcome::Answered
        };
        let line = if !fire && rng.chance(0.08) {
            "111"
        } else {
            "999"
        };
        PartnerRow {
            received,
            fire,
            line,
            key,
            outcome,
            category: if fire {
                rng.pick(categories::FIRE)
            } else {
                rng.pick(categories::AMBULANCE)
            },
            planted: false,
            spring_gap,
        }
    }
}

//! `referrals.csv`, the case system's export of the coordinator's decisions about callers who
//! met Kent's rule, and `planted_referrals.csv`, the truth of each case.
//!
//! Cases are the planted vulnerable callers and repeat victims (whose decisions are drawn
//! here, with a referral panel of their own: [`SCRIPTED_REFERRALS_PER_WEEK`] places a week)
//! and the crisis callers (whose decisions come from [`crate::crisis`]). Each reviewed caller
//! has one case: `reviewed` (assessment set), and for a referred one `referred` (csu set),
//! `plan_agreed` (plan and review date), `marker_set` (expiry 45 days on); then a `review`
//! every 28 days (with the marker renewed), until `closed`. A case waiting for a place at
//! the panel (up to 8 weeks) stays open; after that it closes `no longer coming to notice`
//! at the first review with at most one call in the 28 days before it, or now and then
//! `moved away` or `died`; a nuisance caller's case is sometimes `escalated to
//! enforcement` at the first review, and a caller assessed `not_a_repeat_caller` is closed
//! within two days. Decisions are made in working hours (08:00–17:59), so no time is in
//! the spring gap or the autumn hour that happens twice.

use std::io::Write;

use engage_kernel::postcode::CsuTable;
use engage_kernel::time::{Micros, SECOND};
use engage_kernel::{RuleSet, detect_run_episodes};

use crate::clock::{Clock, DAY, WEEK, civil_from_days, write_local};
use crate::coordinator::{
    self, Assessment, MAX_WAIT_WEEKS, VICTIM_MIX, VULNERABLE_MIX, local_day, working_time,
};
use crate::generate::bad_time;
use crate::phone::Writer;
use crate::plan::{Kind, Plan};
use crate::rng::Rand;
use crate::sink::Sink;
use crate::{
    GenerateError, PLANTED_REFERRALS_HEADER, REFERRALS_HEADER, ReferralDirtCounts, ReferralsSummary,
};

/// Places a week at the referral panel for the planted vulnerable callers and repeat victims.
pub(crate) const SCRIPTED_REFERRALS_PER_WEEK: f64 = 0.5;
/// Days between reviews.
const REVIEW_DAYS: i64 = 28;
/// Days a temporary marker lasts.
const MARKER_DAYS: i64 = 45;

/// Rand streams (the plan, rows and crisis world use 1 to 4).
const SCRIPTED_DECISION_STREAM: u64 = 5;
const CASE_STREAM: u64 = 6;

/// Dirt rates per row that does not carry the planted truth.
const P_BLANK: f64 = 0.01;
const P_DUPLICATE: f64 = 0.02;
const P_UNKNOWN_DECISION: f64 = 0.01;
const P_UNKNOWN_CSU: f64 = 0.01;
const P_BAD_TIME: f64 = 0.01;
const P_BEFORE_OPENED: f64 = 0.01;
const P_SHORT: f64 = 0.01;

/// Decisions that are not one of the six.
const UNKNOWN_DECISIONS: [&str; 6] = [
    "refered",
    "reveiw",
    "plan_agred",
    "marker",
    "escalated",
    "see notes",
];
/// CSUs that are not in the CSU table.
pub(crate) const UNKNOWN_CSUS: [&str; 5] = [
    "Maidstone",
    "Kent CSU",
    "CSU",
    "Medway Towns CSU",
    "Tunbridge Wells CS",
];

const PLANS: [&str; 4] = [
    "response plan",
    "acceptable behaviour agreement",
    "letters to caller and GP",
    "multi-agency plan",
];
const REVIEWED_NOTES: [&str; 5] = [
    "Threshold crossed; call history checked",
    "Reviewed at the morning meeting",
    "Calls mostly at night, welfare concerns",
    "Caller known to mental health services",
    "Previous incidents at the home address checked",
];
const PLAN_NOTES: [&str; 5] = [
    "Spoke to caller's GP",
    "Letter sent to caller",
    "Joint visit with mental health team booked",
    "Caller agreed to ring 101 first, not 999",
    "Housing officer informed",
];
const REVIEW_NOTES: [&str; 6] = [
    "Calls down since last review",
    "Still calling most nights",
    "No reply from CSU yet",
    "Spoke to caller's GP",
    "Discussed at multi-agency meeting",
    "Awaiting referral panel",
];

/// A reviewed caller's case, before its rows are written.
struct Case {
    e164: String,
    caller_text: String,
    kind: &'static str,
    eligible: i64,
    reviewed: i64,
    assessment: Assessment,
    referred: Option<i64>,
    csu: &'static str,
    /// The caller's calls (after any referral's effect), in time order.
    calls: Vec<i64>,
}

/// A row of `referrals.csv`.
struct Row {
    /// When it was entered (file order); `decided` unless back-dated dirt.
    entered: i64,
    case: u32,
    seq: u32,
    opened: i64,
    decision: &'static str,
    assessment: &'static str,
    csu: &'static str,
    plan: &'static str,
    review_due: Option<i64>,
    marker_expires: Option<i64>,
    close_reason: &'static str,
    note: String,
    /// `reviewed`, `referred` or `closed`: carries the planted truth, so never dirty.
    truth: bool,
}

/// What [`write`] wrote.
pub(crate) struct Written {
    pub(crate) summary: ReferralsSummary,
    pub(crate) cases: u64,
    pub(crate) referred: u64,
    pub(crate) crisis_referred: u64,
}

/// Local day as `dd/mm/yyyy`.
fn date_text(day: i64) -> String {
    let (y, m, d) = civil_from_days(day);
    format!("{d:02}/{m:02}/{y:04}")
}

/// UTC RFC 3339 (`2024-03-20T14:03:00Z`).
fn rfc3339(t: i64) -> String {
    chrono::DateTime::from_timestamp(t, 0)
        .expect("generated instants are within chrono's range")
        .format("%Y-%m-%dT%H:%M:%SZ")
        .to_string()
}

/// A working time `lo..=hi` days after `t` (and after `t` itself).
fn later(clock: &mut Clock, t: i64, lo: i64, hi: i64, rng: &mut Rand) -> i64 {
    let day = local_day(clock, t) + rng.range_i(lo, hi);
    let at = working_time(clock, day, rng);
    if at > t {
        at
    } else {
        t + rng.range_i(600, 3_600)
    }
}

/// The cases of the plan: planted vulnerable callers and repeat victims, and crisis callers,
/// each reviewed within the period; in order of review.
fn cases(plan: &Plan, period: (i64, i64), clock: &mut Clock, seed: u64) -> Vec<Case> {
    let table = CsuTable::kent();
    let rules = RuleSet::kent();
    let mut calls_of: Vec<Vec<i64>> = vec![Vec::new(); plan.crisis_first];
    for c in &plan.calls {
        if let Some(v) = calls_of.get_mut(c.caller as usize) {
            v.push(c.at);
        }
    }
    let mut scripted = Vec::new();
    for (i, caller) in plan.callers[..plan.crisis_first].iter().enumerate() {
        let (kind, mix) = match caller.kind {
            Kind::Vulnerable => ("vulnerable_caller", &VULNERABLE_MIX),
            Kind::Victim => ("repeat_victim", &VICTIM_MIX),
            _ => continue,
        };
        let times: Vec<Micros> = calls_of[i].iter().map(|&t| t * SECOND).collect();
        let eligible = detect_run_episodes(&rules, 0u32, &times)
            .expect("planned calls are in time order")
            .first()
            .map(|e| e.first_flagged_at / SECOND);
        if let Some(eligible) = eligible {
            scripted.push((i, kind, eligible, mix));
        }
    }
    let eligible: Vec<(i64, &coordinator::AssessmentMix)> =
        scripted.iter().map(|s| (s.2, s.3)).collect();
    let mut rng = Rand::new(seed, SCRIPTED_DECISION_STREAM);
    let decisions = coordinator::coordinate(
        &eligible,
        period,
        SCRIPTED_REFERRALS_PER_WEEK,
        clock,
        &mut rng,
    );

    let mut rng = Rand::new(seed, CASE_STREAM);
    let mut cases = Vec::new();
    let mut case = |index: usize, kind, eligible, reviewed, assessment, referred, calls| {
        let caller = &plan.callers[index];
        let mut caller_text = String::with_capacity(18);
        caller.phone.write(
            Writer::Typed.form(&mut rng, &caller.phone),
            &mut caller_text,
        );
        let csu = table
            .lookup(&caller.postcode)
            .expect("homes are in the CSU table")
            .csu;
        cases.push(Case {
            e164: caller.phone.e164(),
            caller_text,
            kind,
            eligible,
            reviewed,
            assessment,
            referred,
            csu,
            calls,
        });
    };
    for (s, d) in scripted.iter().zip(decisions) {
        if let Some(reviewed) = d.reviewed {
            let calls = std::mem::take(&mut calls_of[s.0]);
            case(s.0, s.1, s.2, reviewed, d.assessment, d.referred, calls);
        }
    }
    for (k, c) in plan.crisis.iter().enumerate() {
        if let (Some(eligible), Some(reviewed), Some(assessment)) =
            (c.eligible_at, c.reviewed_at, c.assessment)
        {
            let calls = c.calls.iter().map(|call| call.at / SECOND).collect();
            case(
                plan.crisis_first + k,
                "crisis_caller",
                eligible / SECOND,
                reviewed / SECOND,
                assessment,
                c.referred_at.map(|t| t / SECOND),
                calls,
            );
        }
    }
    cases.sort_by_key(|c| c.reviewed);
    cases
}

/// The rows of case `no`; returns when it closed, if it did within the period.
fn case_rows(
    no: u32,
    case: &Case,
    end: i64,
    clock: &mut Clock,
    rng: &mut Rand,
    rows: &mut Vec<Row>,
) -> Option<i64> {
    let assessment = case.assessment.as_str();
    let mut seq = 0;
    let mut csu = "";
    let mut push = |rows: &mut Vec<Row>, at: i64, decision, csu, extra: Extra| {
        rows.push(Row {
            entered: at,
            case: no,
            seq,
            opened: case.reviewed,
            decision,
            assessment,
            csu,
            plan: extra.plan,
            review_due: extra.review_due,
            marker_expires: extra.marker_expires,
            close_reason: extra.close_reason,
            note: extra.note,
            truth: matches!(decision, "reviewed" | "referred" | "closed"),
        });
        seq += 1;
    };
    let r = case.reviewed;
    let closes_at_once = case.assessment == Assessment::NotARepeatCaller;
    push(
        rows,
        r,
        "reviewed",
        "",
        Extra {
            review_due: (!closes_at_once).then(|| local_day(clock, r) + REVIEW_DAYS),
            note: rng.pick(&REVIEWED_NOTES).into(),
            ..Extra::default()
        },
    );
    if closes_at_once {
        let at = later(clock, r, 0, 2, rng);
        if at >= end {
            return None;
        }
        push(
            rows,
            at,
            "closed",
            "",
            Extra::closed(
                "not a repeat caller",
                "Not a repeat caller: calls explained",
            ),
        );
        return Some(at);
    }

    // Open while waiting for the panel (or until the referral).
    let waiting_until = match case.referred {
        Some(f) => f,
        None if case.assessment.referable() => r + MAX_WAIT_WEEKS * WEEK,
        None => r,
    };
    let mut referral = case.referred;
    let mut marker = false;
    let mut next_due = local_day(clock, r) + REVIEW_DAYS;
    let mut first_review = true;
    loop {
        let at = working_time(clock, next_due, rng);
        if let Some(f) = referral.filter(|&f| f < at) {
            referral = None;
            csu = case.csu;
            push(
                rows,
                f,
                "referred",
                csu,
                Extra {
                    note: format!("Referred to {csu}"),
                    ..Extra::default()
                },
            );
            let agreed = later(clock, f, 1, 10, rng);
            if agreed >= end {
                return None;
            }
            next_due = local_day(clock, agreed) + REVIEW_DAYS;
            push(
                rows,
                agreed,
                "plan_agreed",
                csu,
                Extra {
                    plan: rng.pick(&PLANS),
                    review_due: Some(next_due),
                    note: rng.pick(&PLAN_NOTES).into(),
                    ..Extra::default()
                },
            );
            let set = agreed + rng.range_i(300, 3_600);
            if set >= end {
                return None;
            }
            push(rows, set, "marker_set", csu, Extra::marker(clock, set));
            marker = true;
            continue;
        }
        if at >= end {
            return None;
        }
        if at > waiting_until {
            let recent = case
                .calls
                .iter()
                .filter(|&&t| t > at - REVIEW_DAYS * DAY && t <= at)
                .count();
            let reason = if recent <= 1 {
                Some((
                    "no longer coming to notice",
                    "No more than one call in four weeks",
                ))
            } else if first_review && case.assessment == Assessment::Nuisance && rng.chance(0.4) {
                Some((
                    "escalated to enforcement",
                    "Community protection notice warning issued",
                ))
            } else if rng.chance(0.02) {
                Some(("moved away", "Moved out of the force area"))
            } else if rng.chance(0.003) {
                Some(("died", "Informed by family"))
            } else {
                None
            };
            if let Some((reason, note)) = reason {
                push(rows, at, "closed", csu, Extra::closed(reason, note));
                return Some(at);
            }
        }
        next_due = local_day(clock, at) + REVIEW_DAYS;
        push(
            rows,
            at,
            "review",
            csu,
            Extra {
                review_due: Some(next_due),
                note: rng.pick(&REVIEW_NOTES).into(),
                ..Extra::default()
            },
        );
        if marker {
            let renewed = at + rng.range_i(300, 1_800);
            if renewed >= end {
                return None;
            }
            push(
                rows,
                renewed,
                "marker_set",
                csu,
                Extra::marker(clock, renewed),
            );
        }
        first_review = false;
    }
}

/// The fields of a row beyond its decision, assessment and CSU.
#[derive(Default)]
struct Extra {
    plan: &'static str,
    review_due: Option<i64>,
    marker_expires: Option<i64>,
    close_reason: &'static str,
    note: String,
}

impl Extra {
    fn closed(reason: &'static str, note: &str) -> Extra {
        Extra {
            close_reason: reason,
            note: note.into(),
            ..Extra::default()
        }
    }

    fn marker(clock: &mut Clock, at: i64) -> Extra {
        Extra {
            marker_expires: Some(local_day(clock, at) + MARKER_DAYS),
            note: "Temporary marker on the C&C record".into(),
            ..Extra::default()
        }
    }
}

/// Which dirt a row gets.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Dirt {
    None,
    Duplicate,
    UnknownDecision,
    UnknownCsu,
    BadTime,
    BeforeOpened,
    Short,
}

/// Writes `referrals.csv` to `out` and `planted_referrals.csv` to `truth_out`.
pub(crate) fn write<W: Write>(
    plan: &Plan,
    (start, end): (i64, i64),
    clock: &mut Clock,
    seed: u64,
    out: W,
    truth_out: W,
) -> Result<Written, GenerateError> {
    let cases = cases(plan, (start, end), clock, seed);
    let mut rng = Rand::new(seed, CASE_STREAM + 1);
    let mut rows = Vec::new();
    let mut truth = csv::WriterBuilder::new()
        .terminator(csv::Terminator::Any(b'\n'))
        .from_writer(truth_out);
    truth.write_record(PLANTED_REFERRALS_HEADER)?;
    let mut written = Written {
        summary: ReferralsSummary::default(),
        cases: cases.len() as u64,
        referred: 0,
        crisis_referred: 0,
    };
    for (no, case) in cases.iter().enumerate() {
        let no = no as u32 + 1;
        let closed = case_rows(no, case, end, clock, &mut rng, &mut rows);
        let opt = |t: Option<i64>| t.map(rfc3339).unwrap_or_default();
        truth.write_record([
            format!("C{no:07}").as_str(),
            case.e164.as_str(),
            case.kind,
            rfc3339(case.eligible).as_str(),
            rfc3339(case.reviewed).as_str(),
            opt(case.referred).as_str(),
            case.assessment.as_str(),
            if case.referred.is_some() {
                case.csu
            } else {
                ""
            },
            opt(closed).as_str(),
        ])?;
        if case.referred.is_some() {
            written.referred += 1;
            if case.kind == "crisis_caller" {
                written.crisis_referred += 1;
            }
        }
    }
    truth.flush()?;
    drop(truth);

    rows.sort_by_key(|r| (r.entered, r.case, r.seq));
    let mut sink = Sink::new(out, &REFERRALS_HEADER)?;
    let mut dirt = ReferralDirtCounts::default();
    let s = &mut written.summary;
    for row in &rows {
        match row.decision {
            "reviewed" => s.reviewed += 1,
            "referred" => s.referred += 1,
            "plan_agreed" => s.plans_agreed += 1,
            "marker_set" => s.markers_set += 1,
            "review" => s.reviews += 1,
            _ => s.closed += 1,
        }
        let kind = if row.truth {
            Dirt::None
        } else {
            if rng.chance(P_BLANK) {
                sink.blank_line()?;
            }
            let u = rng.unit();
            let csu = if row.csu.is_empty() {
                0.0
            } else {
                P_UNKNOWN_CSU
            };
            let table = [
                (P_DUPLICATE, Dirt::Duplicate),
                (P_UNKNOWN_DECISION, Dirt::UnknownDecision),
                (csu, Dirt::UnknownCsu),
                (P_BAD_TIME, Dirt::BadTime),
                (P_BEFORE_OPENED, Dirt::BeforeOpened),
                (P_SHORT, Dirt::Short),
            ];
            let mut acc = 0.0;
            let mut kind = Dirt::None;
            for (p, d) in table {
                acc += p;
                if u < acc {
                    kind = d;
                    break;
                }
            }
            kind
        };
        let mut decided = String::with_capacity(19);
        let mut decision = row.decision;
        let mut csu = row.csu;
        match kind {
            Dirt::BadTime => {
                decided = bad_time(&mut rng, clock.local(row.entered));
                dirt.bad_times += 1;
            }
            Dirt::BeforeOpened => {
                let day = local_day(clock, row.opened) - rng.range_i(1, 30);
                let at = working_time(clock, day, &mut rng);
                write_local(clock.local(at), &mut decided);
                dirt.before_case_opened += 1;
            }
            _ => write_local(clock.local(row.entered), &mut decided),
        }
        match kind {
            Dirt::UnknownDecision => {
                decision = rng.pick(&UNKNOWN_DECISIONS);
                dirt.unknown_decisions += 1;
            }
            Dirt::UnknownCsu => {
                csu = rng.pick(&UNKNOWN_CSUS);
                dirt.unknown_csus += 1;
            }
            _ => {}
        }
        let case_id = format!("C{:07}", row.case);
        let case = &cases[row.case as usize - 1];
        let review_due = row.review_due.map(date_text).unwrap_or_default();
        let marker = row.marker_expires.map(date_text).unwrap_or_default();
        let fields = [
            case_id.as_str(),
            case.caller_text.as_str(),
            decided.as_str(),
            decision,
            row.assessment,
            csu,
            row.plan,
            review_due.as_str(),
            marker.as_str(),
            row.close_reason,
            row.note.as_str(),
        ];
        match kind {
            Dirt::Short => {
                let keep = rng.range(1, fields.len() as u64 - 1) as usize;
                sink.short_row(&fields, keep)?;
            }
            Dirt::Duplicate => {
                let after = rng.range(0, 20);
                sink.record(&fields, Some(after))?;
            }
            _ => sink.record(&fields, None)?,
        }
    }
    let (rows_written, sink_dirt) = sink.finish()?;
    dirt.duplicates = sink_dirt.duplicates;
    dirt.short_rows = sink_dirt.short_rows;
    dirt.blank_lines = sink_dirt.blank_lines;
    let s = &mut written.summary;
    s.rows = rows_written;
    s.cases = cases.len() as u64;
    s.published = rows_written
        - dirt.duplicates
        - dirt.unknown_decisions
        - dirt.unknown_csus
        - dirt.bad_times
        - dirt.before_case_opened
        - dirt.short_rows;
    s.dirt = dirt;
    Ok(written)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unknown_csus_are_not_in_the_table() {
        let table = CsuTable::kent();
        let known: Vec<&str> = table.iter().map(|(_, p)| p.csu).collect();
        for csu in UNKNOWN_CSUS {
            assert!(!known.iter().any(|k| k.eq_ignore_ascii_case(csu)), "{csu}");
        }
        assert!(known.contains(&"Maidstone CSU"));
    }

    #[test]
    fn dates_and_instants_are_written_as_documented() {
        // 2024-03-20 is day 19,802 since 1970-01-01.
        assert_eq!(date_text(19_802), "20/03/2024");
        assert_eq!(
            rfc3339(19_802 * DAY + 14 * 3_600 + 180),
            "2024-03-20T14:03:00Z"
        );
    }
}

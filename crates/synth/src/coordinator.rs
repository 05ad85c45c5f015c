//! The coordinator's decisions about callers who crossed Kent's rule: when each is reviewed,
//! how they are assessed, and whether (and when) a weekly referral panel with limited places
//! refers them to their CSU.
//!
//! Nothing here looks at a caller's calls after they became eligible: the review comes 0–3
//! days after eligibility (in working hours), the assessment is drawn from a mix fixed by the
//! kind of caller, and the panel picks at random among those waiting. So whether and when a
//! caller is referred does not depend on their future, and eligible callers not yet (or
//! never) referred are a fair comparison for those referred.

use crate::clock::{Clock, DAY, HOUR, WEEK};
use crate::rng::Rand;

/// The coordinator's assessment of a caller, set at review.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Assessment {
    /// `vulnerable_caller`: referred to the CSU.
    VulnerableCaller,
    /// `repeat_victim`: referred to the CSU.
    RepeatVictim,
    /// `nuisance`: not referred; monitored, sometimes escalated to enforcement.
    Nuisance,
    /// `not_a_repeat_caller`: closed at once.
    NotARepeatCaller,
}

impl Assessment {
    /// The text written in `referrals.csv`.
    pub fn as_str(self) -> &'static str {
        match self {
            Assessment::VulnerableCaller => "vulnerable_caller",
            Assessment::RepeatVictim => "repeat_victim",
            Assessment::Nuisance => "nuisance",
            Assessment::NotARepeatCaller => "not_a_repeat_caller",
        }
    }

    /// Whether a caller so assessed waits for a referral.
    pub fn referable(self) -> bool {
        matches!(
            self,
            Assessment::VulnerableCaller | Assessment::RepeatVictim
        )
    }
}

/// Weights (in percent) of the assessments given to a kind of caller.
pub(crate) type AssessmentMix = [(u32, Assessment); 4];

/// Planted vulnerable callers: mostly vulnerable, a few judged a nuisance.
pub(crate) const VULNERABLE_MIX: AssessmentMix = [
    (85, Assessment::VulnerableCaller),
    (5, Assessment::RepeatVictim),
    (10, Assessment::Nuisance),
    (0, Assessment::NotARepeatCaller),
];
/// Planted repeat victims.
pub(crate) const VICTIM_MIX: AssessmentMix = [
    (5, Assessment::VulnerableCaller),
    (90, Assessment::RepeatVictim),
    (5, Assessment::Nuisance),
    (0, Assessment::NotARepeatCaller),
];
/// Crisis callers.
pub(crate) const CRISIS_MIX: AssessmentMix = [
    (75, Assessment::VulnerableCaller),
    (8, Assessment::RepeatVictim),
    (12, Assessment::Nuisance),
    (5, Assessment::NotARepeatCaller),
];

/// Weeks a referable caller waits for a place before the panel stops considering them.
pub(crate) const MAX_WAIT_WEEKS: i64 = 8;

/// What the coordinator decided about one eligible caller.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Decision {
    /// When the caller was reviewed (`None` when that would be after the period).
    pub(crate) reviewed: Option<i64>,
    pub(crate) assessment: Assessment,
    /// When the panel referred them, if it did within the period.
    pub(crate) referred: Option<i64>,
}

/// The UTC instant of local time `local` (seconds since the epoch read as local), for times
/// between 02:00 and 23:59 local, which are never in the spring gap nor ambiguous.
pub(crate) fn local_to_utc(clock: &mut Clock, local: i64) -> i64 {
    local - clock.offset(local - HOUR)
}

/// A time in working hours (08:00–17:59 local) on local day `day` (days since the epoch).
pub(crate) fn working_time(clock: &mut Clock, day: i64, rng: &mut Rand) -> i64 {
    local_to_utc(clock, day * DAY + 8 * HOUR + rng.range_i(0, 10 * HOUR - 1))
}

/// The local day (days since the epoch) of instant `t`.
pub(crate) fn local_day(clock: &mut Clock, t: i64) -> i64 {
    clock.local(t).div_euclid(DAY)
}

/// The times of the weekly referral panels in `[start, end)`: 10:00 local every seventh day
/// from the period's third day.
pub(crate) fn panel_times(clock: &mut Clock, (start, end): (i64, i64)) -> Vec<i64> {
    let mut times = Vec::new();
    let mut day = local_day(clock, start) + 2;
    loop {
        let panel = local_to_utc(clock, day * DAY + 10 * HOUR);
        if panel >= end {
            return times;
        }
        times.push(panel);
        day += 7;
    }
}

/// Decides review, assessment and referral for callers eligible at `eligible[i].0` (in any
/// order), with the assessment mix `eligible[i].1`, over the period `[start, end)`: a review
/// 0–3 days after eligibility; a weekly panel (10:00 local, from the period's third day)
/// with `per_week` places on average, which picks at random among the referable callers
/// reviewed before it and waiting for at most [`MAX_WAIT_WEEKS`] weeks.
pub(crate) fn coordinate(
    eligible: &[(i64, &AssessmentMix)],
    (start, end): (i64, i64),
    per_week: f64,
    clock: &mut Clock,
    rng: &mut Rand,
) -> Vec<Decision> {
    let mut decisions: Vec<Decision> = eligible
        .iter()
        .map(|&(at, mix)| {
            let day = local_day(clock, at) + rng.range_i(0, 3);
            let mut reviewed = working_time(clock, day, rng);
            if reviewed <= at {
                reviewed = working_time(clock, day + 1, rng);
            }
            let weights: [u32; 4] = std::array::from_fn(|i| mix[i].0);
            Decision {
                reviewed: (reviewed < end).then_some(reviewed),
                assessment: mix[rng.weighted(&weights)].1,
                referred: None,
            }
        })
        .collect();

    // Referable callers in order of review.
    let mut queue: Vec<usize> = (0..decisions.len())
        .filter(|&i| decisions[i].assessment.referable() && decisions[i].reviewed.is_some())
        .collect();
    queue.sort_by_key(|&i| (decisions[i].reviewed, i));

    let mut waiting: Vec<usize> = Vec::new();
    let mut next = 0;
    let mut credit = 0.0;
    for panel in panel_times(clock, (start, end)) {
        while let Some(&i) = queue.get(next) {
            if decisions[i].reviewed.is_some_and(|r| r >= panel) {
                break;
            }
            waiting.push(i);
            next += 1;
        }
        waiting.retain(|&i| {
            decisions[i]
                .reviewed
                .is_some_and(|r| r > panel - MAX_WAIT_WEEKS * WEEK)
        });
        // Unused whole places are lost; a fraction carries over to the next panel.
        if credit > 1.0 {
            credit = 1.0;
        }
        credit += per_week;
        let places = (credit as usize).min(waiting.len());
        for _ in 0..places {
            let i = waiting.remove(rng.index(waiting.len()));
            let at = panel + rng.range_i(0, 3 * HOUR);
            decisions[i].referred = (at < end).then_some(at);
        }
        credit -= places as f64;
    }
    decisions
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::NaiveDate;
    use proptest::prelude::*;

    const ALL_REFERABLE: AssessmentMix = [
        (1, Assessment::VulnerableCaller),
        (0, Assessment::RepeatVictim),
        (0, Assessment::Nuisance),
        (0, Assessment::NotARepeatCaller),
    ];

    proptest! {
        /// Against a plain account of the panel: each panel refers as many of those waiting
        /// (reviewed before it, within the last 8 weeks, referable, not yet referred) as its
        /// places allow, and only them.
        #[test]
        fn panels_fill_their_places_from_those_waiting(
            offsets in proptest::collection::vec(0i64..120 * DAY, 0..200),
            per_week in 0.0f64..6.0,
            seed in 0u64..1_000,
        ) {
            let mut clock = Clock::new();
            let start = crate::clock::london_midnight(NaiveDate::from_ymd_opt(2024, 2, 1).unwrap())
                .unwrap();
            let end = start + 120 * DAY;
            let eligible: Vec<(i64, &AssessmentMix)> = offsets
                .iter()
                .enumerate()
                .map(|(i, &o)| {
                    (start + o, if i % 4 == 3 { &CRISIS_MIX } else { &ALL_REFERABLE })
                })
                .collect();
            let mut rng = Rand::new(seed, 9);
            let d = coordinate(&eligible, (start, end), per_week, &mut clock, &mut rng);
            prop_assert_eq!(d.len(), eligible.len());
            let panels = panel_times(&mut clock, (start, end));
            let mut credit: f64 = 0.0;
            for (k, &panel) in panels.iter().enumerate() {
                let next = panels.get(k + 1).copied().unwrap_or(i64::MAX);
                let at_panel = |f: i64| f >= panel && f <= panel + 3 * HOUR;
                let waiting = d
                    .iter()
                    .filter(|x| {
                        x.assessment.referable()
                            && x.reviewed.is_some_and(|r| {
                                r < panel && r > panel - MAX_WAIT_WEEKS * WEEK
                            })
                            && x.referred.is_none_or(|f| f >= panel)
                    })
                    .count();
                let referred = d.iter().filter(|x| x.referred.is_some_and(at_panel)).count();
                credit = credit.min(1.0) + per_week;
                let places = (credit as usize).min(waiting);
                credit -= places as f64;
                // Referrals are dated up to 3 hours after the panel; those after the end
                // are not recorded.
                let late = panel + 3 * HOUR >= end;
                prop_assert!(referred == places || (late && referred <= places));
                prop_assert!(panel + 3 * HOUR < next);
            }
            for (x, e) in d.iter().zip(&eligible) {
                if let Some(f) = x.referred {
                    prop_assert!(x.assessment.referable());
                    prop_assert!(f > x.reviewed.unwrap() && x.reviewed.unwrap() > e.0);
                    prop_assert!(panels.iter().any(|&p| f >= p && f <= p + 3 * HOUR));
                }
            }
        }
    }

    #[test]
    fn reviews_follow_eligibility_and_places_are_limited() {
        let mut clock = Clock::new();
        let start =
            crate::clock::london_midnight(NaiveDate::from_ymd_opt(2024, 1, 1).unwrap()).unwrap();
        let end = start + 52 * WEEK;
        let mut rng = Rand::new(1, 1);
        // 20 eligible callers a week, all referable, 3 places a week.
        let all_referable: AssessmentMix = [
            (1, Assessment::VulnerableCaller),
            (0, Assessment::RepeatVictim),
            (0, Assessment::Nuisance),
            (0, Assessment::NotARepeatCaller),
        ];
        let eligible: Vec<(i64, &AssessmentMix)> = (0..1_000)
            .map(|i| (start + i * WEEK / 20 + 1234, &all_referable))
            .collect();
        let d = coordinate(&eligible, (start, end), 3.0, &mut clock, &mut rng);
        let mut referred = 0;
        for (e, d) in eligible.iter().zip(&d) {
            if let Some(r) = d.reviewed {
                assert!(r > e.0 && r < e.0 + 5 * DAY, "review within days");
                let (hour, _) = clock.hour_and_weekday(r);
                assert!((8..18).contains(&hour));
            }
            if let Some(f) = d.referred {
                referred += 1;
                let r = d.reviewed.unwrap();
                assert!(f > r && f <= r + MAX_WAIT_WEEKS * WEEK + 3 * HOUR);
            }
        }
        // 51 or 52 panels in the year, 3 places each.
        assert!((150..=156).contains(&referred), "{referred}");
    }
}

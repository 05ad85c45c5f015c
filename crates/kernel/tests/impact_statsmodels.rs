//! An independent check of the impact estimator's cell ratio: on one 2×2 group-time cell (four
//! base weeks and one whole week after the referral week, 40 referred and 60 never-referred
//! callers), the kernel's rate ratio equals `exp(τ)` from statsmodels' Poisson GLM with caller
//! and week fixed effects and a referred×after dummy τ.
//!
//! Needs `python3` with statsmodels (`pip install statsmodels`); without them the test says it
//! was skipped and passes.

use std::fmt::Write as _;
use std::process::Command;

use engage_kernel::impact::{CallerHistory, ImpactOptions, estimate_impact};
use engage_kernel::time::{DAY, WEEK};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

const FIT: &str = r#"
import sys
import numpy as np
import pandas as pd
import statsmodels.api as sm
import statsmodels.formula.api as smf
panel = pd.read_csv(sys.argv[1])
model = smf.glm("y ~ C(caller) + C(week) + d", data=panel, family=sm.families.Poisson())
fit = model.fit(tol=1e-13, maxiter=1000)
print(repr(float(np.exp(fit.params["d"]))))
"#;

fn statsmodels_available() -> bool {
    Command::new("python3")
        .args(["-c", "import statsmodels"])
        .output()
        .is_ok_and(|out| out.status.success())
}

#[test]
fn cell_ratio_equals_poisson_fixed_effects_glm() {
    if !statsmodels_available() {
        // scripts/test-all installs it, so under CI a missing statsmodels is a failure.
        assert!(
            std::env::var_os("CI").is_none(),
            "python3 with statsmodels is needed for this check (pip install statsmodels)"
        );
        eprintln!("skipped: python3 with statsmodels is not available (pip install statsmodels)");
        return;
    }
    // Everyone eligible at week 4 of a 6-week period: weeks −4..=−1 are the base, week 0 the
    // referral week (referred at eligibility, no anticipation; not in the estimate, so not in
    // the GLM's panel either) and week 1 the one post week.
    let mut rng = ChaCha8Rng::seed_from_u64(99);
    let mut histories = Vec::new();
    let mut csv = String::from("caller,week,y,d\n");
    for caller in 0..100 {
        let referred = caller < 40;
        let eligible_at = 4 * WEEK;
        let level = 1 + rng.next_u64() % 5;
        let mut outcomes = Vec::new();
        for week in -4i64..=1 {
            let trend = if week >= 0 { 2 } else { 0 };
            let effect = if referred && week >= 0 { 0 } else { 1 };
            // At least one contact per caller, so every caller fixed effect is finite.
            let y = u64::from(week == -4) + rng.next_u64() % (level + trend * effect + 1);
            for _ in 0..y {
                outcomes.push((eligible_at + week * WEEK + 3 * DAY, 1.0));
            }
            if week != 0 {
                let d = u8::from(referred && week == 1);
                writeln!(csv, "{caller},{week},{y},{d}").unwrap();
            }
        }
        histories.push(CallerHistory {
            eligible_at,
            referred_at: referred.then_some(eligible_at),
            outcomes,
        });
    }
    let options = ImpactOptions {
        anticipation_weeks: 0,
        base_weeks: 4,
        weeks_before: 4,
        weeks_after: 1,
        bootstrap: 10,
        ..ImpactOptions::default()
    };
    let estimate = estimate_impact(&histories, 0..6 * WEEK, &options).unwrap();
    assert_eq!(estimate.cohort.treated, 40);
    assert_eq!(estimate.cohort.never_referred, 60);

    let path = std::env::temp_dir().join(format!("engage-impact-{}.csv", std::process::id()));
    std::fs::write(&path, csv).unwrap();
    let out = Command::new("python3")
        .args(["-c", FIT])
        .arg(&path)
        .output()
        .unwrap();
    std::fs::remove_file(&path).ok();
    assert!(
        out.status.success(),
        "statsmodels failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let glm: f64 = String::from_utf8_lossy(&out.stdout).trim().parse().unwrap();
    let kernel = estimate.overall.ratio;
    assert!(
        (glm - kernel).abs() < 1e-6,
        "statsmodels exp(τ) = {glm}, kernel = {kernel}"
    );
    // Not a trivial agreement: the design makes the ratio well away from 1.
    assert!(kernel < 0.9, "{kernel}");
}

//! Incident categories (from the kernel's `datasets/triage_groups.csv`) and the partners' own
//! categories.

use engage_kernel::triage::{TriageGroup, TriageTable};

use crate::rng::Rand;

/// How common each category is among ordinary incidents, relative to 1 for any category not
/// listed.
const COMMON: &[(&str, u32)] = &[
    ("Anti-Social Behaviour", 24),
    ("Concern For Welfare", 20),
    ("Domestic Incident", 16),
    ("Suspicious Activity", 12),
    ("Road Traffic Collision", 12),
    ("Assault", 10),
    ("Theft", 10),
    ("Domestic Abuse", 9),
    ("Criminal Damage", 9),
    ("Information", 8),
    ("Shoplifting", 7),
    ("Harassment", 7),
    ("Noise Complaint", 7),
    ("Neighbour Dispute", 7),
    ("Abandoned Call", 7),
    ("Missing Person", 6),
    ("Advice Given", 6),
    ("Collapse Illness Injury", 6),
    ("Alarm Activation", 6),
    ("Silent Call", 5),
    ("Mental Health", 5),
    ("Burglary Dwelling", 5),
    ("Public Order", 5),
    ("Civil Dispute", 5),
    ("Highway Disruption", 5),
    ("Accidental Call", 5),
    ("Suspicious Vehicle", 4),
    ("Drugs", 4),
    ("Intoxicated Person", 4),
    ("Common Assault", 4),
    ("Threats Of Violence", 3),
    ("Malicious Communications", 3),
    ("Fraud", 3),
    ("Theft From Vehicle", 3),
    ("Animals", 3),
    ("Lost Property", 2),
    ("Found Property", 2),
    ("Vulnerable Adult", 2),
];

/// Vulnerability indicators of planted vulnerable callers, with weights.
const VULNERABLE: &[(&str, u32)] = &[
    ("Concern For Welfare", 14),
    ("Mental Health", 10),
    ("Mental Health Crisis", 6),
    ("Silent Call", 10),
    ("Abandoned Call", 8),
    ("Hoax Call", 6),
    ("Nuisance Call", 6),
    ("Threats Of Suicide", 5),
    ("Suicidal Person", 3),
    ("Repeat Call No Police Action", 8),
    ("Intoxicated Person", 4),
    ("Vulnerable Adult", 4),
    ("Self Harm", 3),
    ("Abusive Caller", 3),
];

/// Crimes against planted repeat victims, with weights.
const VICTIM: &[(&str, u32)] = &[
    ("Assault", 10),
    ("Common Assault", 5),
    ("Harassment", 12),
    ("Criminal Damage", 10),
    ("Domestic Abuse", 12),
    ("Domestic Incident", 6),
    ("Threats Of Violence", 6),
    ("Stalking", 4),
    ("Malicious Communications", 5),
    ("Breach Of Court Order", 4),
    ("Anti-Social Behaviour Personal", 4),
    ("Theft", 3),
];

/// What is reported about a communal address (a hostel, an HMO).
const COMMUNAL: &[(&str, u32)] = &[
    ("Anti-Social Behaviour", 10),
    ("Concern For Welfare", 8),
    ("Assault", 6),
    ("Noise Complaint", 6),
    ("Drugs", 6),
    ("Intoxicated Person", 5),
    ("Public Order", 5),
    ("Criminal Damage", 4),
    ("Theft", 4),
    ("Mental Health", 3),
    ("Missing Person", 3),
    ("Suspicious Activity", 3),
];

/// Closing categories that differ from the opening one.
const CLOSING: &[&str] = &[
    "Advice Given",
    "Civil Dispute",
    "Duplicate Incident",
    "Transferred To Other Agency",
    "Information",
    "Concern For Welfare",
    "Admin",
];

/// Ambulance categories (the partner's own).
pub(crate) const AMBULANCE: &[&str] = &[
    "Breathing Problems",
    "Chest Pain",
    "Falls",
    "Sick Person",
    "Unconscious / Fainting",
    "Haemorrhage / Lacerations",
    "Traumatic Injuries",
    "Convulsions / Fitting",
    "Overdose / Poisoning",
    "Psychiatric / Suicide Attempt",
    "Stroke",
    "Unknown Problem",
    "Road Traffic Collision",
    "Diabetic Problems",
    "Abdominal Pain",
];

/// Fire and rescue categories (the partner's own).
pub(crate) const FIRE: &[&str] = &[
    "Fire - Dwelling",
    "Fire - Vehicle",
    "Fire - Refuse",
    "Fire - Grass",
    "Automatic Fire Alarm",
    "False Alarm - Good Intent",
    "False Alarm - Malicious",
    "Road Traffic Collision",
    "Special Service - Flooding",
    "Special Service - Effecting Entry",
    "Special Service - Animal Rescue",
    "Assist Other Agency",
];

/// Ambulance categories of a planted vulnerable caller.
pub(crate) const AMBULANCE_VULNERABLE: &[&str] = &[
    "Psychiatric / Suicide Attempt",
    "Overdose / Poisoning",
    "Sick Person",
    "Falls",
    "Unknown Problem",
];

/// Fire categories of a planted vulnerable caller.
pub(crate) const FIRE_VULNERABLE: &[&str] = &[
    "False Alarm - Malicious",
    "False Alarm - Good Intent",
    "Assist Other Agency",
    "Special Service - Effecting Entry",
];

/// A weighted list of categories.
pub(crate) struct Weighted {
    names: Vec<&'static str>,
    weights: Vec<u32>,
}

impl Weighted {
    fn from_pairs(table: &'static TriageTable, pairs: &[(&str, u32)], group: TriageGroup) -> Self {
        let mut names = Vec::new();
        let mut weights = Vec::new();
        for (name, w) in pairs {
            if let Some((written, _)) = table.iter().find(|(c, _)| c.eq_ignore_ascii_case(name)) {
                names.push(written);
                weights.push(*w);
            }
        }
        if names.is_empty() {
            // A force's table without these categories: its own categories of the group.
            for (c, g) in table.iter() {
                if g == group {
                    names.push(c);
                    weights.push(1);
                }
            }
        }
        if names.is_empty() {
            names.push(match group {
                TriageGroup::Victimisation => "Assault",
                TriageGroup::Vulnerability => "Concern For Welfare",
                TriageGroup::Neutral => "Information",
            });
            weights.push(1);
        }
        Weighted { names, weights }
    }

    /// A category drawn by weight.
    pub(crate) fn pick(&self, rng: &mut Rand) -> &'static str {
        self.names[rng.weighted(&self.weights)]
    }
}

/// The category lists of a run.
pub(crate) struct Categories {
    /// Every category of the table, weighted by how common it is.
    pub(crate) ordinary: Weighted,
    /// Vulnerability indicators.
    pub(crate) vulnerable: Weighted,
    /// Crimes against a repeat victim.
    pub(crate) victim: Weighted,
    /// Neutral categories.
    pub(crate) neutral: Weighted,
    /// Reports about a communal address.
    pub(crate) communal: Weighted,
    /// Closing categories other than the opening one.
    closing: Vec<&'static str>,
    /// The closing category of a call that needed no police action.
    pub(crate) no_police_action: &'static str,
}

impl Categories {
    /// The lists from the shipped triage table.
    pub(crate) fn new() -> Self {
        let table = TriageTable::default_table();
        let mut names = Vec::new();
        let mut weights = Vec::new();
        for (c, _) in table.iter() {
            names.push(c);
            weights.push(
                COMMON
                    .iter()
                    .find(|(n, _)| n.eq_ignore_ascii_case(c))
                    .map_or(1, |x| x.1),
            );
        }
        if names.is_empty() {
            names.push("Information");
            weights.push(1);
        }
        let neutral_pairs: Vec<(&str, u32)> = table
            .iter()
            .filter(|(_, g)| *g == TriageGroup::Neutral)
            .map(|(c, _)| (c, 1))
            .collect();
        let closing: Vec<&'static str> = CLOSING
            .iter()
            .filter_map(|n| {
                table
                    .iter()
                    .find(|(c, _)| c.eq_ignore_ascii_case(n))
                    .map(|x| x.0)
            })
            .collect();
        Categories {
            ordinary: Weighted { names, weights },
            vulnerable: Weighted::from_pairs(table, VULNERABLE, TriageGroup::Vulnerability),
            victim: Weighted::from_pairs(table, VICTIM, TriageGroup::Victimisation),
            neutral: Weighted::from_pairs(table, &neutral_pairs, TriageGroup::Neutral),
            communal: Weighted::from_pairs(table, COMMUNAL, TriageGroup::Neutral),
            no_police_action: table
                .iter()
                .find(|(c, _)| c.eq_ignore_ascii_case("Repeat Call No Police Action"))
                .map_or("Repeat Call No Police Action", |x| x.0),
            closing: if closing.is_empty() {
                vec!["Advice Given"]
            } else {
                closing
            },
        }
    }

    /// A closing category: mostly the opening one.
    pub(crate) fn closing(&self, opening: &'static str, rng: &mut Rand) -> &'static str {
        if rng.chance(0.7) {
            opening
        } else {
            rng.pick(&self.closing)
        }
    }
}

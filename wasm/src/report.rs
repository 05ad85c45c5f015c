//! What the page shows, computed by the kernel and handed over as JSON.

use std::collections::BTreeMap;

use engage_kernel::profile::{CallerProfile, ContactFacts};
use engage_kernel::summary::ContactSummary;
use engage_kernel::time::london_date;
use engage_kernel::triage::TriageTable;
use engage_kernel::{Micros, NO_KEY, Rule, RuleSet, StreamingDetector, detect};
use serde::Serialize;
use wasm_bindgen::prelude::*;

use crate::archive::Archive;
use crate::keys::KeyColumn;

fn js_error(e: impl std::fmt::Display) -> JsError {
    JsError::new(&e.to_string())
}

fn rules(text: &str) -> Result<RuleSet, JsError> {
    text.parse::<RuleSet>().map_err(js_error)
}

fn parse_key_column(name: Option<String>) -> Result<KeyColumn, JsError> {
    KeyColumn::parse(name.as_deref()).map_err(js_error)
}

#[derive(Serialize)]
struct EpisodeOut {
    no: u32,
    start: Micros,
    end: Micros,
    first_flagged_at: Micros,
    contacts: u32,
    peak_counts: Vec<u32>,
}

/// One flagged key (a caller or an address) with its episodes and profile.
#[derive(Serialize)]
struct FlaggedOut {
    key: String,
    episodes: Vec<EpisodeOut>,
    total_contacts: u32,
    first_flagged_at: Micros,
    last_contact_at: Option<Micros>,
    calls_999: u32,
    calls_101: u32,
    calls_other: u32,
    agencies: Vec<&'static str>,
    night_share: f64,
    top_categories: Vec<(String, u32)>,
    suggested_type: &'static str,
    triage_evidence: String,
    csu: Option<String>,
}

#[derive(Serialize)]
struct DayOut {
    day: i32,
    contacts: u32,
    /// Contacts inside an episode of a flagged key.
    in_episodes: u32,
}

#[derive(Serialize)]
struct ThresholdOut {
    threshold: u32,
    flagged: usize,
}

#[derive(Serialize)]
struct AnalysisOut {
    rules: String,
    key_column: &'static str,
    contacts: usize,
    keyed_contacts: usize,
    flagged: Vec<FlaggedOut>,
    demand: Vec<DayOut>,
    flagged_by_threshold: Vec<ThresholdOut>,
}

fn facts<'a>(archive: &'a Archive, i: usize) -> ContactFacts<'a> {
    ContactFacts {
        received_at: archive.times[i],
        line: archive.text.name(archive.lines[i]).unwrap_or(""),
        agency: archive.text.name(archive.agencies[i]).unwrap_or(""),
        category: archive.text.name(archive.categories[i]),
    }
}

#[wasm_bindgen]
impl Archive {
    /// The keys flagged under a rule set (text like `10/7d` or `5/30d,12/90d`) keyed on
    /// `key_column` (`caller_key`, the default, or `address_key`), with their episodes,
    /// profiles, CSU and triage suggestion; demand per UK day; and how many keys each
    /// threshold from 2 to 20 would flag with the first rule's window. JSON.
    pub fn analyse(&self, rule_set: &str, key_column: Option<String>) -> Result<String, JsError> {
        let rule_set = rules(rule_set)?;
        let column = parse_key_column(key_column)?;
        let space = self.key_space(column);
        let found = detect(&rule_set, &space.codes, &self.times).map_err(js_error)?;
        let table = TriageTable::default_table();
        let mut by_key: Vec<Vec<usize>> = vec![Vec::new(); space.names.len()];
        for (i, &k) in space.codes.iter().enumerate() {
            if k != NO_KEY {
                by_key[k as usize].push(i);
            }
        }
        let mut episodes: BTreeMap<u32, Vec<EpisodeOut>> = BTreeMap::new();
        for (no, e) in found.numbered_episodes() {
            episodes.entry(e.key).or_default().push(EpisodeOut {
                no,
                start: e.start,
                end: e.end,
                first_flagged_at: e.first_flagged_at,
                contacts: e.contacts,
                peak_counts: e.peak_counts.as_slice().to_vec(),
            });
        }
        let mut flagged: Vec<FlaggedOut> = episodes
            .into_iter()
            .map(|(key, episodes)| {
                let mut contacts = ContactSummary::default();
                for &i in &by_key[key as usize] {
                    contacts.add(table, facts(self, i), self.text.name(self.csus[i]));
                }
                let profile = &contacts.profile;
                FlaggedOut {
                    key: space.name(key).to_string(),
                    first_flagged_at: episodes[0].first_flagged_at,
                    episodes,
                    total_contacts: profile.contacts,
                    last_contact_at: profile.last_contact,
                    calls_999: profile.by_line.emergency_999,
                    calls_101: profile.by_line.non_emergency_101,
                    calls_other: profile.by_line.other_line,
                    agencies: profile.by_agency.names_seen(),
                    night_share: profile.night_share(),
                    top_categories: profile
                        .top_categories(3)
                        .into_iter()
                        .map(|(c, n)| (c.to_string(), n))
                        .collect(),
                    suggested_type: profile.suggested_type().as_str(),
                    triage_evidence: profile.triage.summary(),
                    csu: contacts.csus.most_frequent().map(str::to_string),
                }
            })
            .collect();
        flagged.sort_by(|a, b| (a.first_flagged_at, &a.key).cmp(&(b.first_flagged_at, &b.key)));

        let mut demand: BTreeMap<i32, DayOut> = BTreeMap::new();
        let in_episode = found.episode_numbers_of_contacts();
        for (i, &t) in self.times.iter().enumerate() {
            let Some(day) = london_date(t) else { continue };
            let d = demand.entry(day).or_insert(DayOut {
                day,
                contacts: 0,
                in_episodes: 0,
            });
            d.contacts += 1;
            d.in_episodes += (in_episode[i] > 0) as u32;
        }

        let window = rule_set.rules()[0].window;
        let mut flagged_by_threshold = Vec::new();
        for threshold in 2..=20 {
            let single = RuleSet::new(vec![Rule::new(threshold, window).map_err(js_error)?])
                .map_err(js_error)?;
            let d = detect(&single, &space.codes, &self.times).map_err(js_error)?;
            let mut keys: Vec<u32> = d.episodes().iter().map(|e| e.key).collect();
            keys.dedup();
            flagged_by_threshold.push(ThresholdOut {
                threshold,
                flagged: keys.len(),
            });
        }

        let out = AnalysisOut {
            rules: rule_set.to_string(),
            key_column: column.as_str(),
            contacts: self.times.len(),
            keyed_contacts: space.keyed_contacts(),
            flagged,
            demand: demand.into_values().collect(),
            flagged_by_threshold,
        };
        serde_json::to_string(&out).map_err(js_error)
    }

    /// One key (a caller, or an address when `key_column` is `address_key`) in depth: every
    /// contact in time order with its rolling counts, whether it qualifies and its episode;
    /// the hour × weekday grid (UK local, Monday first); categories. JSON.
    pub fn caller(
        &self,
        key: &str,
        rule_set: &str,
        key_column: Option<String>,
    ) -> Result<String, JsError> {
        #[derive(Serialize)]
        struct ContactOut<'a> {
            t: Micros,
            line: &'a str,
            agency: &'a str,
            category: Option<&'a str>,
            rolling_counts: Vec<u32>,
            qualifies: bool,
            episode: Option<u32>,
        }
        #[derive(Serialize)]
        struct Out<'a> {
            key_column: &'static str,
            key: &'a str,
            thresholds: Vec<u32>,
            contacts: Vec<ContactOut<'a>>,
            by_hour_weekday: Vec<u32>,
            categories: Vec<(String, u32)>,
        }
        let rule_set = rules(rule_set)?;
        let column = parse_key_column(key_column)?;
        let space = self.key_space(column);
        let code = space.code(key).ok_or_else(|| {
            js_error(match column {
                KeyColumn::Caller => format!("no contacts from `{key}`"),
                KeyColumn::Address => format!("no contacts about the address `{key}`"),
            })
        })?;
        let mut rows: Vec<usize> = (0..space.codes.len())
            .filter(|&i| space.codes[i] == code)
            .collect();
        rows.sort_by_key(|&i| self.times[i]);
        let times: Vec<Micros> = rows.iter().map(|&i| self.times[i]).collect();
        let found = engage_kernel::detect_run(&rule_set, &times).map_err(js_error)?;
        let table = TriageTable::default_table();
        let mut profile = CallerProfile::default();
        for &i in &rows {
            profile.add(table, facts(self, i));
        }
        let contacts = rows
            .iter()
            .enumerate()
            .map(|(p, &i)| {
                let f = facts(self, i);
                ContactOut {
                    t: f.received_at,
                    line: f.line,
                    agency: f.agency,
                    category: f.category,
                    rolling_counts: (0..rule_set.len())
                        .map(|r| found.rolling_counts(r)[p])
                        .collect(),
                    qualifies: found.qualifies()[p],
                    episode: found.episode_of(p),
                }
            })
            .collect();
        let out = Out {
            key_column: column.as_str(),
            key,
            thresholds: rule_set.rules().iter().map(|r| r.min_contacts).collect(),
            contacts,
            by_hour_weekday: profile.hour_weekday_flat().to_vec(),
            categories: profile
                .top_categories(usize::MAX)
                .into_iter()
                .map(|(c, n)| (c.to_string(), n))
                .collect(),
        };
        serde_json::to_string(&out).map_err(js_error)
    }
}

/// Contacts replayed in time order through the streaming detector, as in a control room.
#[wasm_bindgen]
pub struct Replay {
    detector: StreamingDetector<u32>,
    order: Vec<usize>,
    column: KeyColumn,
    codes: Vec<u32>,
    times: Vec<Micros>,
    names: Vec<String>,
    next: usize,
}

#[wasm_bindgen]
impl Replay {
    /// A replay of an archive's keyed contacts under a rule set, keyed on `key_column`
    /// (`caller_key`, the default, or `address_key`).
    #[wasm_bindgen(constructor)]
    pub fn new(
        archive: &Archive,
        rule_set: &str,
        key_column: Option<String>,
    ) -> Result<Replay, JsError> {
        let detector = StreamingDetector::new(rules(rule_set)?);
        let column = parse_key_column(key_column)?;
        let space = archive.key_space(column);
        let mut order: Vec<usize> = (0..space.codes.len())
            .filter(|&i| space.codes[i] != NO_KEY)
            .collect();
        order.sort_by_key(|&i| (archive.times[i], i));
        Ok(Replay {
            detector,
            order,
            column,
            codes: space.codes.clone(),
            times: archive.times.clone(),
            names: space.names.clone(),
            next: 0,
        })
    }

    /// The key column replayed: `caller_key` or `address_key`.
    #[wasm_bindgen(getter, js_name = keyColumn)]
    pub fn key_column(&self) -> String {
        self.column.as_str().to_string()
    }

    /// Feeds the next `n` contacts; JSON: each one's time, key, rolling counts, whether it
    /// qualifies and whether it opens an episode (the moment the key is flagged).
    pub fn step(&mut self, n: usize) -> Result<String, JsError> {
        #[derive(Serialize)]
        struct VerdictOut<'a> {
            t: Micros,
            key: &'a str,
            rolling_counts: Vec<u32>,
            qualifies: bool,
            opens_episode: bool,
        }
        let end = self.next.saturating_add(n).min(self.order.len());
        let mut out = Vec::with_capacity(end - self.next);
        for &i in &self.order[self.next..end] {
            let v = self
                .detector
                .push(self.codes[i], self.times[i])
                .map_err(js_error)?;
            out.push(VerdictOut {
                t: self.times[i],
                key: &self.names[self.codes[i] as usize],
                rolling_counts: v.rolling_counts.as_slice().to_vec(),
                qualifies: v.qualifies,
                opens_episode: v.opens_episode(),
            });
        }
        self.next = end;
        serde_json::to_string(&out).map_err(js_error)
    }

    /// Contacts not yet replayed.
    #[wasm_bindgen(getter)]
    pub fn remaining(&self) -> usize {
        self.order.len() - self.next
    }

    /// Contacts the detector remembers now (all inside the longest window).
    #[wasm_bindgen(getter)]
    pub fn remembered(&self) -> usize {
        self.detector.remembered_contacts()
    }
}

//! What the page shows, computed by the kernel and handed over as typed JS values (the
//! TypeScript declarations in `api.d.ts` and `summary.d.ts`).

use std::collections::BTreeMap;

use engage_kernel::profile::{CallerProfile, ContactFacts};
use engage_kernel::summary::{CallerSummary, ContactSummary, EpisodeSummary};
use engage_kernel::time::london_date;
use engage_kernel::triage::TriageTable;
use engage_kernel::{Episode, Micros, NO_KEY, Rule, RuleSet, StreamingDetector, detect};
use serde::Serialize;
use wasm_bindgen::prelude::*;

use crate::archive::Archive;
use crate::js::{js_error, to_js, to_js_via_json};
use crate::keys::KeyColumn;
use crate::summary::{CallerRow, EpisodeRow};

fn rules(text: &str) -> Result<RuleSet, JsError> {
    text.parse::<RuleSet>().map_err(js_error)
}

fn parse_key_column(name: Option<String>) -> Result<KeyColumn, JsError> {
    KeyColumn::parse(name.as_deref()).map_err(js_error)
}

/// Contacts on one UK day (TypeScript `DayDemand`).
#[derive(Serialize)]
pub(crate) struct DayOut {
    day: i32,
    contacts: u32,
    /// Contacts inside an episode of a flagged key.
    in_episodes: u32,
}

/// How many keys one threshold flags (TypeScript `ThresholdCount`).
#[derive(Serialize)]
pub(crate) struct ThresholdOut {
    threshold: u32,
    flagged: usize,
}

/// `Archive.analyse`'s answer (TypeScript `Analysis`).
#[derive(Serialize)]
pub(crate) struct AnalysisOut {
    rules: String,
    key_column: &'static str,
    contacts: usize,
    keyed_contacts: usize,
    /// One row of `repeat_callers` per flagged key, by first flagged time then key.
    flagged: Vec<CallerRow>,
    /// One row of `episodes` per episode, in the order of `flagged`, then by number.
    episodes: Vec<EpisodeRow>,
    demand: Vec<DayOut>,
    flagged_by_threshold: Vec<ThresholdOut>,
}

/// One contact of a key in depth (TypeScript `CallerContact`).
#[derive(Serialize)]
pub(crate) struct ContactOut<'a> {
    t: Micros,
    line: &'a str,
    agency: &'a str,
    category: Option<&'a str>,
    rolling_counts: Vec<u32>,
    qualifies: bool,
    episode: Option<u32>,
}

/// `Archive.caller`'s answer (TypeScript `CallerDetail`).
#[derive(Serialize)]
pub(crate) struct CallerOut<'a> {
    key_column: &'static str,
    key: &'a str,
    thresholds: Vec<u32>,
    contacts: Vec<ContactOut<'a>>,
    by_hour_weekday: Vec<u32>,
    categories: Vec<(String, u32)>,
}

/// One contact replayed (TypeScript `Verdict`).
#[derive(Serialize)]
pub(crate) struct VerdictOut<'a> {
    t: Micros,
    key: &'a str,
    rolling_counts: Vec<u32>,
    qualifies: bool,
    opens_episode: bool,
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
    /// `key_column` (`caller_key`, the default, or `address_key`): one row of
    /// `repeat_callers` per key and one row of `episodes` per episode, with the columns of the
    /// SQL views; demand per UK day; and how many keys each threshold from 2 to 20 would flag
    /// with the first rule's window.
    #[wasm_bindgen(unchecked_return_type = "Analysis")]
    pub fn analyse(
        &self,
        rule_set: &str,
        #[wasm_bindgen(unchecked_optional_param_type = "KeyColumn | null")] key_column: Option<
            String,
        >,
    ) -> Result<JsValue, JsError> {
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
        // Per flagged key, its episodes in time order and their numbers.
        let mut episodes_of: BTreeMap<u32, (Vec<Episode>, Vec<u32>)> = BTreeMap::new();
        for (no, e) in found.numbered_episodes() {
            let (episodes, numbers) = episodes_of.entry(e.key).or_default();
            episodes.push(*e);
            numbers.push(no);
        }
        let mut keys: Vec<(Micros, &str, u32)> = episodes_of
            .iter()
            .map(|(&key, (episodes, _))| (episodes[0].first_flagged_at, space.name(key), key))
            .collect();
        keys.sort_unstable();
        let mut flagged = Vec::with_capacity(keys.len());
        let mut episode_rows = Vec::new();
        for (_, name, key) in keys {
            let (episodes, numbers) = &episodes_of[&key];
            let mut rows = by_key[key as usize].clone();
            rows.sort_by_key(|&i| self.times[i]);
            let mut contacts = ContactSummary::default();
            for &i in &rows {
                contacts.add(table, facts(self, i), self.text.name(self.csus[i]));
            }
            let caller = CallerSummary {
                caller_key: name,
                episodes,
                contacts: Some(&contacts),
            };
            flagged.push(CallerRow::new(column, &caller).map_err(js_error)?);
            for (&no, episode) in numbers.iter().zip(episodes) {
                // The key's contacts with episode_start <= received_at <= episode_end.
                let from = rows.partition_point(|&i| self.times[i] < episode.start);
                let to = rows.partition_point(|&i| self.times[i] <= episode.end);
                let mut in_episode = ContactSummary::default();
                for &i in &rows[from..to] {
                    in_episode.add(table, facts(self, i), self.text.name(self.csus[i]));
                }
                let summary = EpisodeSummary {
                    caller_key: name,
                    episode_no: no,
                    episode,
                    contacts: Some(&in_episode),
                };
                episode_rows.push(EpisodeRow::new(column, &summary).map_err(js_error)?);
            }
        }

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
            episodes: episode_rows,
            demand: demand.into_values().collect(),
            flagged_by_threshold,
        };
        to_js(&out)
    }

    /// One key (a caller, or an address when `key_column` is `address_key`) in depth: every
    /// contact in time order with its rolling counts, whether it qualifies and its episode;
    /// the hour × weekday grid (UK local, Monday first); categories.
    #[wasm_bindgen(unchecked_return_type = "CallerDetail")]
    pub fn caller(
        &self,
        key: &str,
        rule_set: &str,
        #[wasm_bindgen(unchecked_optional_param_type = "KeyColumn | null")] key_column: Option<
            String,
        >,
    ) -> Result<JsValue, JsError> {
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
        let out = CallerOut {
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
        to_js(&out)
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
        #[wasm_bindgen(unchecked_optional_param_type = "KeyColumn | null")] key_column: Option<
            String,
        >,
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
    #[wasm_bindgen(getter, js_name = keyColumn, unchecked_return_type = "KeyColumn")]
    pub fn key_column(&self) -> String {
        self.column.as_str().to_string()
    }

    /// Feeds the next `n` contacts: each one's time, key, rolling counts, whether it
    /// qualifies and whether it opens an episode (the moment the key is flagged).
    #[wasm_bindgen(unchecked_return_type = "Verdict[]")]
    pub fn step(&mut self, n: usize) -> Result<JsValue, JsError> {
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
        to_js_via_json(&out)
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rules::ParsedRuleSet;
    use engage_ingest::{IngestReport, SourceCounts};
    #[cfg(target_arch = "wasm32")]
    use wasm_bindgen_test::wasm_bindgen_test as test;

    /// The fields `api.d.ts` declares for the interface `name`.
    fn declared_fields(name: &str) -> Vec<String> {
        let text = include_str!("api.d.ts");
        let start = text
            .find(&format!("export interface {name} "))
            .or_else(|| text.find(&format!("export interface {name}<")))
            .unwrap_or_else(|| panic!("api.d.ts declares no interface {name}"));
        let body = &text[start..];
        let body = &body[..body.find("\n}").unwrap()];
        let mut fields: Vec<String> = body
            .lines()
            .skip(1)
            .filter_map(|line| {
                let line = line.strip_prefix("  ")?;
                let (field, _) = line.split_once(':')?;
                field
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || c == '_')
                    .then(|| field.to_string())
            })
            .collect();
        fields.sort();
        fields
    }

    fn fields(value: impl Serialize) -> Vec<String> {
        let json = serde_json::to_value(value).unwrap();
        let mut names: Vec<String> = json.as_object().unwrap().keys().cloned().collect();
        names.sort();
        names
    }

    #[test]
    fn the_declarations_name_every_field_of_what_is_handed_over() {
        let analysis = AnalysisOut {
            rules: "10/7d".into(),
            key_column: "caller_key",
            contacts: 0,
            keyed_contacts: 0,
            flagged: vec![],
            episodes: vec![],
            demand: vec![],
            flagged_by_threshold: vec![],
        };
        assert_eq!(fields(&analysis), declared_fields("AnalysisBy"));
        let day = DayOut {
            day: 0,
            contacts: 0,
            in_episodes: 0,
        };
        assert_eq!(fields(&day), declared_fields("DayDemand"));
        let threshold = ThresholdOut {
            threshold: 2,
            flagged: 0,
        };
        assert_eq!(fields(&threshold), declared_fields("ThresholdCount"));
        let contact = ContactOut {
            t: 0,
            line: "999",
            agency: "police",
            category: None,
            rolling_counts: vec![1],
            qualifies: false,
            episode: None,
        };
        assert_eq!(fields(&contact), declared_fields("CallerContact"));
        let caller = CallerOut {
            key_column: "caller_key",
            key: "k",
            thresholds: vec![10],
            contacts: vec![],
            by_hour_weekday: vec![],
            categories: vec![],
        };
        assert_eq!(fields(&caller), declared_fields("CallerDetail"));
        let verdict = VerdictOut {
            t: 0,
            key: "k",
            rolling_counts: vec![1],
            qualifies: false,
            opens_episode: false,
        };
        assert_eq!(fields(&verdict), declared_fields("Verdict"));
        let rules = ParsedRuleSet::parse("10/7d").unwrap();
        assert_eq!(fields(&rules), declared_fields("ParsedRuleSet"));
        let rule = serde_json::to_value(&rules).unwrap()["rules"][0].clone();
        assert_eq!(fields(&rule), declared_fields("ParsedRule"));
        assert_eq!(
            fields(IngestReport::default()),
            declared_fields("IngestReport")
        );
        assert_eq!(
            fields(SourceCounts::default()),
            declared_fields("SourceCounts")
        );
    }
}

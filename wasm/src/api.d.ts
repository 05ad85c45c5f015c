// The shapes the bindings hand to the page, beside the Rust structs that make them
// (wasm/src/report.rs, rules.rs, and engage_ingest's IngestReport). A test in report.rs checks
// each interface's fields against its struct. The caller and episode rows are in
// summary.d.ts, generated from the kernel's description of those columns.

/** The key column the rules count by: who called, or the incident address. */
export type KeyColumn = "caller_key" | "address_key";

/** One rule as the kernel's parser read it. */
export interface ParsedRule {
  /** The canonical text: `10/7d`; a window of whole days is written in days (`2w` is `14d`). */
  text: string;
  /** The threshold: at least this many contacts in the window. */
  min_contacts: number;
  /** The window in microseconds. */
  window: number;
  /** The window's length in `window_unit`s. */
  window_length: number;
  /** `d` (days of 24 hours) when the window is whole days, else `h` (hours). */
  window_unit: "h" | "d";
}

/** A rule set (rules joined by OR) as the kernel's parser read it. */
export interface ParsedRuleSet {
  /** The canonical text: `5/30d,12/90d`. */
  text: string;
  /** Its rules, in order. */
  rules: ParsedRule[];
}

/** Contacts on one UK day. */
export interface DayDemand {
  /** The UK date as days since 1970-01-01. */
  day: number;
  /** All contacts that day. */
  contacts: number;
  /** Of those, contacts inside an episode of a flagged key. */
  in_episodes: number;
}

/** How many keys one threshold flags with the first rule's window. */
export interface ThresholdCount {
  threshold: number;
  flagged: number;
}

/** `Archive.analyse` counting by the key column `K`. */
export interface AnalysisBy<K extends KeyColumn> {
  /** The rule set's canonical text. */
  rules: string;
  key_column: K;
  /** All contacts loaded. */
  contacts: number;
  /** Contacts with a key in `key_column`. */
  keyed_contacts: number;
  /** One row of `repeat_callers` per flagged key, by first flagged time then key. */
  flagged: CallerSummary<K>[];
  /** One row of `episodes` per episode, in the order of `flagged`, then by episode number. */
  episodes: EpisodeSummary<K>[];
  /** Contacts per UK day, in date order. */
  demand: DayDemand[];
  /** Thresholds 2 to 20. */
  flagged_by_threshold: ThresholdCount[];
}

/** `Archive.analyse`'s answer. */
export type Analysis = AnalysisBy<"caller_key"> | AnalysisBy<"address_key">;

/** One contact of a key in depth. */
export interface CallerContact {
  /** Received at, UTC microseconds. */
  t: number;
  line: string;
  agency: string;
  category: string | null;
  /** The rolling count under each rule, in the rule set's order. */
  rolling_counts: number[];
  /** Whether it qualifies under any rule. */
  qualifies: boolean;
  /** Its episode's number, if it is in one. */
  episode: number | null;
}

/** `Archive.caller`'s answer: one key in depth. */
export interface CallerDetail {
  key_column: KeyColumn;
  key: string;
  /** Each rule's threshold. */
  thresholds: number[];
  /** Every contact, in time order. */
  contacts: CallerContact[];
  /** Contacts per UK local hour × weekday: 7 rows of 24, Monday first. */
  by_hour_weekday: number[];
  /** Every category with its count, by count then name. */
  categories: [string, number][];
}

/** One contact fed to the streaming detector by `Replay.step`. */
export interface Verdict {
  /** Received at, UTC microseconds. */
  t: number;
  key: string;
  rolling_counts: number[];
  qualifies: boolean;
  /** It takes the key over the threshold: the moment the key is flagged. */
  opens_episode: boolean;
}

/** What happened to the rows of one source (`docs/exports.md`). */
export interface SourceCounts {
  file: string;
  read: number;
  published: number;
  merged: number;
  duplicates: number;
  rejected: number;
  not_a_contact: number;
  unmatched: number;
  ambiguous_times: number;
  unreadable_postcodes: number;
}

/** The ingest report of exports added with `addExports`. */
export interface IngestReport {
  /** Per source: `acd`, `recordings`, `incidents`, `partners`. */
  sources: Record<string, SourceCounts>;
  /** Contacts published. */
  contacts: number;
  /** Rows rejected. */
  rejects: number;
}

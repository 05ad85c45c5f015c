// Generated from engage_kernel::summary by wasm/src/summary.rs: do not edit.
// `ENGAGE_WRITE_TS=1 cargo test -p engage-wasm --lib` rewrites it.

/**
 * One flagged key: a row of `repeat_callers` (`engage_repeat_callers`), column for column.
 * The key column is named by the key column the rules count by: `caller_key` or
 * `address_key`. Times are UTC microseconds.
 */
export type CallerSummary<K extends KeyColumn = KeyColumn> = { [P in K]: string } & {
  /** how many episodes the caller has */
  episodes: number;
  /** the caller's first qualifying contact (first_flagged_at of episode 1) */
  first_flagged_at: number | null;
  /** the caller's latest contact, in an episode or not */
  last_contact_at: number | null;
  /** all the caller's contacts */
  total_contacts: number;
  /** contacts per UK local hour of day, 24 values from 00:00 */
  by_hour: number[];
  /** contacts per UK local day of week, 7 values from Monday */
  by_weekday: number[];
  /** contacts on 999 or 112 */
  calls_999: number;
  /** contacts on 101 */
  calls_101: number;
  /** contacts on any other line (a partner's line such as 111) */
  calls_other: number;
  /** share of contacts between 22:00 and 06:00 UK local time (0.0 to 1.0) */
  night_share: number;
  /** top 3 categories with counts, by count then name */
  top_categories: string | null;
  /** agencies seen, distinct, sorted, comma-separated */
  agencies: string | null;
  /** repeat_victim | vulnerable_caller | mixed | undetermined */
  suggested_type: string | null;
  /** counts per triage group and category behind suggested_type */
  triage_evidence: string | null;
  /** most frequent non-null csu of the caller's contacts (ties: first by name); NULL when none has one */
  csu: string | null;
};

/**
 * One episode: a row of `episodes` (`engage_episodes`), column for column.
 * The key column is named by the key column the rules count by: `caller_key` or
 * `address_key`. Times are UTC microseconds.
 */
export type EpisodeSummary<K extends KeyColumn = KeyColumn> = { [P in K]: string } & {
  /** 1, 2, ... per caller in time order */
  episode_no: number;
  /** earliest contact time of any qualifying window in the episode */
  episode_start: number | null;
  /** latest qualifying contact time in the episode */
  episode_end: number | null;
  /** time of the episode's first qualifying contact (when the caller would have been identified) */
  first_flagged_at: number | null;
  /** the caller's contacts with episode_start <= received_at <= episode_end */
  contacts: number;
  /** highest rolling count, under the FIRST rule of the set, of any contact of the episode that qualifies under any rule */
  peak_count: number;
  /** the same per rule, in the rule set's order (list of bigint) */
  peak_counts: number[];
  /** contacts in the episode on 999 or 112 */
  calls_999: number;
  /** contacts in the episode on 101 */
  calls_101: number;
  /** agencies seen in the episode, distinct, sorted, comma-separated */
  agencies: string | null;
  /** the episode's top 3 categories with counts, by count then name */
  categories: string | null;
  /** repeat_victim | vulnerable_caller | mixed | undetermined */
  suggested_type: string | null;
  /** counts per triage group and category behind suggested_type */
  triage_evidence: string | null;
  /** most frequent non-null csu of the episode's contacts (ties: first by name); NULL when none has one */
  csu: string | null;
};

-- episodes: when was each caller a repeat caller, and what did those contacts look like?
--
-- One row per episode (shared/spec/detection.md) of every caller with a key, under the
-- session's rule set (engage_rule_set(), `SET engage.rule_set = '5/30d,12/90d'`). Contacts
-- without a caller key (withheld, unavailable) are never in an episode.
--
-- Columns:
--   caller_key        the caller (E.164 number or pseudonym)
--   episode_no        1, 2, ... per caller in time order
--   episode_start     earliest contact time of any qualifying window in the episode
--   episode_end       latest qualifying contact time in the episode
--   first_flagged_at  time of the episode's first qualifying contact (when the caller would
--                     have been identified)
--   contacts          the caller's contacts with episode_start <= received_at <= episode_end
--   peak_count        highest rolling count, under the FIRST rule of the set, of any contact of
--                     the episode that qualifies under any rule
--   peak_counts       the same per rule, in the rule set's order (list of bigint)
--   calls_999         contacts in the episode on 999 or 112
--   calls_101         contacts in the episode on 101
--   agencies          agencies seen in the episode, distinct, sorted, comma-separated
--   categories        the episode's top 3 categories with counts, by count then name
--   suggested_type    repeat_victim | vulnerable_caller | mixed | undetermined
--   triage_evidence   counts per triage group and category behind suggested_type
--   csu               most frequent non-null csu of the episode's contacts (ties: first by
--                     name); NULL when none has one
--
-- The SELECT sorts by caller_key, episode_no, but a view does not keep its order once queried
-- (SQL semantics; DataFusion drops the sort): write ORDER BY caller_key, episode_no when order
-- matters.
WITH keyed AS (
    SELECT
        caller_key,
        received_at,
        line,
        agency,
        category,
        csu,
        repeat_episode(received_at, engage_rule_set())
            OVER (PARTITION BY caller_key ORDER BY received_at) AS episode_no,
        repeat_qualifies(received_at, engage_rule_set())
            OVER (PARTITION BY caller_key ORDER BY received_at) AS qualifies,
        repeat_rolling_counts(received_at, engage_rule_set())
            OVER (PARTITION BY caller_key ORDER BY received_at) AS rolling_counts
    FROM contacts
    WHERE caller_key IS NOT NULL
),
in_episode AS (
    SELECT *
    FROM keyed
    WHERE episode_no IS NOT NULL
),
csu_counts AS (
    SELECT caller_key, episode_no, csu, count(*) AS n
    FROM in_episode
    WHERE csu IS NOT NULL
    GROUP BY caller_key, episode_no, csu
),
csu_ranked AS (
    SELECT
        caller_key,
        episode_no,
        csu,
        row_number() OVER (PARTITION BY caller_key, episode_no ORDER BY n DESC, csu ASC) AS pos
    FROM csu_counts
),
summary AS (
    SELECT
        caller_key,
        episode_no,
        min(received_at) AS episode_start,
        max(received_at) AS episode_end,
        min(received_at) FILTER (WHERE qualifies) AS first_flagged_at,
        count(*) AS contacts,
        peak_counts(rolling_counts) FILTER (WHERE qualifies) AS peaks,
        caller_profile(received_at, line, agency, category) AS profile
    FROM in_episode
    GROUP BY caller_key, episode_no
)
SELECT
    s.caller_key,
    s.episode_no,
    s.episode_start,
    s.episode_end,
    s.first_flagged_at,
    s.contacts,
    s.peaks[1] AS peak_count,
    s.peaks AS peak_counts,
    s.profile['calls_999'] AS calls_999,
    s.profile['calls_101'] AS calls_101,
    s.profile['agencies'] AS agencies,
    s.profile['top_categories'] AS categories,
    s.profile['suggested_type'] AS suggested_type,
    s.profile['triage_evidence'] AS triage_evidence,
    c.csu
FROM summary AS s
LEFT JOIN csu_ranked AS c
    ON c.caller_key = s.caller_key AND c.episode_no = s.episode_no AND c.pos = 1
ORDER BY s.caller_key, s.episode_no

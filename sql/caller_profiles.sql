-- caller_profiles: what does each caller's contact with us look like, repeat caller or not?
--
-- One row per caller with a key (contacts without a caller key have no profile), with the
-- profile of repeat_callers over all the caller's contacts and the number of episodes under
-- the session's rule set (engage_rule_set()), 0 when the caller has none.
--
-- Columns:
--   caller_key        the caller (E.164 number or pseudonym)
--   episodes          how many episodes the caller has (0 when none)
--   first_contact_at  the caller's earliest contact
--   first_flagged_at  the caller's first qualifying contact; NULL when it has no episode
--   last_contact_at   the caller's latest contact
--   total_contacts    all the caller's contacts
--   by_hour           contacts per UK local hour of day, 24 values from 00:00
--   by_weekday        contacts per UK local day of week, 7 values from Monday
--   calls_999         contacts on 999 or 112
--   calls_101         contacts on 101
--   calls_other       contacts on any other line (a partner's line such as 111)
--   night_share       share of contacts between 22:00 and 06:00 UK local time (0.0 to 1.0)
--   top_categories    top 3 categories with counts, by count then name
--   agencies          agencies seen, distinct, sorted, comma-separated
--   suggested_type    repeat_victim | vulnerable_caller | mixed | undetermined
--   triage_evidence   counts per triage group and category behind suggested_type
--   csu               most frequent non-null csu of the caller's contacts (ties: first by
--                     name); NULL when none has one
--
-- The SELECT sorts by caller_key, but a view does not keep its order once queried (SQL
-- semantics; DataFusion drops the sort): write ORDER BY caller_key when order matters.
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
            OVER (PARTITION BY caller_key ORDER BY received_at) AS qualifies
    FROM contacts
    WHERE caller_key IS NOT NULL
),
csu_counts AS (
    SELECT caller_key, csu, count(*) AS n
    FROM keyed
    WHERE csu IS NOT NULL
    GROUP BY caller_key, csu
),
csu_ranked AS (
    SELECT
        caller_key,
        csu,
        row_number() OVER (PARTITION BY caller_key ORDER BY n DESC, csu ASC) AS pos
    FROM csu_counts
),
callers AS (
    SELECT
        caller_key,
        count(DISTINCT episode_no) AS episodes,
        min(received_at) AS first_contact_at,
        min(received_at) FILTER (WHERE qualifies) AS first_flagged_at,
        max(received_at) AS last_contact_at,
        count(*) AS total_contacts,
        caller_profile(received_at, line, agency, category) AS profile
    FROM keyed
    GROUP BY caller_key
)
SELECT
    p.caller_key,
    p.episodes,
    p.first_contact_at,
    p.first_flagged_at,
    p.last_contact_at,
    p.total_contacts,
    p.profile['by_hour'] AS by_hour,
    p.profile['by_weekday'] AS by_weekday,
    p.profile['calls_999'] AS calls_999,
    p.profile['calls_101'] AS calls_101,
    p.profile['calls_other'] AS calls_other,
    p.profile['night_share'] AS night_share,
    p.profile['top_categories'] AS top_categories,
    p.profile['agencies'] AS agencies,
    p.profile['suggested_type'] AS suggested_type,
    p.profile['triage_evidence'] AS triage_evidence,
    c.csu
FROM callers AS p
LEFT JOIN csu_ranked AS c
    ON c.caller_key = p.caller_key AND c.pos = 1
ORDER BY p.caller_key

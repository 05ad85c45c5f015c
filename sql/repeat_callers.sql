-- repeat_callers: who are the repeat callers, and what do their calls look like?
--
-- One row per caller with at least one episode under the session's rule set
-- (engage_rule_set()). The profile and the triage suggestion cover ALL the caller's contacts,
-- not only those inside episodes (episodes shows each episode on its own). Contacts without a
-- caller key are never here.
--
-- Columns:
--   caller_key        the caller (E.164 number or pseudonym)
--   episodes          how many episodes the caller has
--   first_flagged_at  the caller's first qualifying contact (first_flagged_at of episode 1)
--   last_contact_at   the caller's latest contact, in an episode or not
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
-- The SELECT sorts by first_flagged_at, caller_key, but a view does not keep its order once
-- queried (SQL semantics; DataFusion drops the sort): write ORDER BY first_flagged_at,
-- caller_key when order matters.
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
        min(received_at) FILTER (WHERE qualifies) AS first_flagged_at,
        max(received_at) AS last_contact_at,
        count(*) AS total_contacts,
        caller_profile(received_at, line, agency, category) AS profile
    FROM keyed
    GROUP BY caller_key
    HAVING count(episode_no) > 0
)
SELECT
    r.caller_key,
    r.episodes,
    r.first_flagged_at,
    r.last_contact_at,
    r.total_contacts,
    r.profile['by_hour'] AS by_hour,
    r.profile['by_weekday'] AS by_weekday,
    r.profile['calls_999'] AS calls_999,
    r.profile['calls_101'] AS calls_101,
    r.profile['calls_other'] AS calls_other,
    r.profile['night_share'] AS night_share,
    r.profile['top_categories'] AS top_categories,
    r.profile['agencies'] AS agencies,
    r.profile['suggested_type'] AS suggested_type,
    r.profile['triage_evidence'] AS triage_evidence,
    c.csu
FROM callers AS r
LEFT JOIN csu_ranked AS c
    ON c.caller_key = r.caller_key AND c.pos = 1
ORDER BY r.first_flagged_at, r.caller_key

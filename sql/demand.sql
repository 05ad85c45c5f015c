-- demand: how many contacts did we take each day, how long did they take, and how much of
-- it came from repeat callers?
--
-- One row per UK local calendar day (Europe/London, so a call at 23:30 UTC in summer counts on
-- the next day) with at least one contact. Every contact counts, with or without a caller key;
-- "from repeat callers" uses the session's rule set (engage_rule_set()).
--
-- Columns:
--   day                  the UK local date (uk_date(received_at))
--   contacts             all contacts that day, every agency and line
--   calls_999            contacts on 999 or 112 (any agency, as in the caller profiles)
--   calls_101            contacts on 101
--   partner_contacts     contacts to an agency other than the police (fire, ambulance)
--   handling_s           police handling time in seconds: the sum of wait_s + talk_s over the
--                        day's police contacts (a missing figure counts as 0)
--   from_repeat_callers  contacts whose caller is inside one of their episodes at that time
--                        (repeat_episode is not NULL); never a contact without a caller key
--   repeat_handling_s    the part of handling_s spent on police contacts from repeat callers
--   repeat_share         from_repeat_callers / contacts (double, 0.0 to 1.0)
--   withheld             contacts without a presented number (cli_status is not 'present':
--                        withheld or unavailable)
--
-- The SELECT sorts by day, but a view does not keep its order once queried (SQL semantics;
-- DataFusion drops the sort): write ORDER BY day when order matters.
WITH tagged AS (
    SELECT
        received_at,
        agency,
        line,
        cli_status,
        wait_s,
        talk_s,
        CASE
            WHEN caller_key IS NOT NULL THEN
                repeat_episode(received_at, engage_rule_set())
                    OVER (PARTITION BY caller_key ORDER BY received_at)
        END AS episode_no
    FROM contacts
)
SELECT
    uk_date(received_at) AS day,
    count(*) AS contacts,
    count(*) FILTER (WHERE line_kind(line) = '999') AS calls_999,
    count(*) FILTER (WHERE line_kind(line) = '101') AS calls_101,
    count(*) FILTER (WHERE lower(trim(agency)) <> 'police') AS partner_contacts,
    coalesce(
        sum(CAST(coalesce(wait_s, 0) AS BIGINT) + CAST(coalesce(talk_s, 0) AS BIGINT))
            FILTER (WHERE lower(trim(agency)) = 'police'),
        0
    ) AS handling_s,
    count(episode_no) AS from_repeat_callers,
    coalesce(
        sum(CAST(coalesce(wait_s, 0) AS BIGINT) + CAST(coalesce(talk_s, 0) AS BIGINT))
            FILTER (WHERE lower(trim(agency)) = 'police' AND episode_no IS NOT NULL),
        0
    ) AS repeat_handling_s,
    CAST(count(episode_no) AS DOUBLE) / CAST(count(*) AS DOUBLE) AS repeat_share,
    count(*) FILTER (WHERE cli_status <> 'present') AS withheld
FROM tagged
GROUP BY uk_date(received_at)
ORDER BY day

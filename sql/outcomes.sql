-- outcomes: are referred callers still coming to notice, and is that different from eligible
-- callers who were not referred?
--
-- One row per eligible caller: a caller whose first qualifying contact under the session's
-- rule set (repeat_callers.first_flagged_at) is at or before the as-of time (engage_as_of();
-- when not set, the latest contact). Referred: the caller has a `referred` decision in
-- `referrals` at or before the as-of time. Contacts count up to the as-of time.
--
-- A fall in a referred caller's contacts is not success on its own: callers are picked at
-- their peak, and calls fall afterwards anyway (regression to the mean). So each row carries
-- the same share for the comparison group: eligible callers NOT referred who first qualified
-- in the same week (UK local, Monday to Sunday). engage_impact gives the honest estimate.
--
-- Columns:
--   caller_key                  the caller (E.164 number or pseudonym)
--   csu                         the caller's CSU (repeat_callers.csu)
--   eligible_at                 the caller's first qualifying contact
--   eligible_week               the Monday (UK local date) of the week of eligible_at
--   referred                    whether the caller was referred by the as-of time
--   case_id                     the case of the first referral; NULL when not referred
--   referred_at                 the first `referred` decision; NULL when not referred
--   weekly_contacts             for a referred caller, contacts in each 7-day week from 12
--                               weeks before to 26 weeks after referred_at (38 values, week -12
--                               first; week 0 starts at referred_at); NULL for a week not yet
--                               complete at the as-of time; NULL for callers not referred
--   last_qualifying_at          the caller's latest qualifying contact up to the as-of time
--   weeks_since_qualifying      whole weeks from last_qualifying_at to the as-of time
--   no_longer_coming_to_notice  weeks_since_qualifying >= engage_quiet_weeks() (default 8)
--   comparison_callers          eligible callers not referred in the same eligible_week
--   comparison_share            the share of those no longer coming to notice (0.0 to 1.0);
--                               NULL when there are none
--   as_of                       the as-of time used
WITH as_of AS (
    SELECT coalesce(engage_as_of(), (SELECT max(received_at) FROM contacts)) AS t
),
eligible AS (
    SELECT
        p.caller_key,
        p.csu,
        p.first_flagged_at AS eligible_at,
        CAST(date_trunc('week', uk_date(p.first_flagged_at)) AS DATE) AS eligible_week
    FROM repeat_callers p CROSS JOIN as_of a
    WHERE p.first_flagged_at <= a.t
),
referred AS (
    SELECT
        r.caller_key,
        min(r.decided_at) AS referred_at,
        first_value(r.case_id ORDER BY r.decided_at, r.case_id) AS case_id
    FROM referrals r CROSS JOIN as_of a
    WHERE r.decision = 'referred' AND r.decided_at <= a.t
    GROUP BY r.caller_key
),
qualifying AS (
    SELECT
        caller_key,
        received_at,
        repeat_qualifies(received_at, engage_rule_set())
            OVER (PARTITION BY caller_key ORDER BY received_at) AS qualifies
    FROM contacts
    WHERE caller_key IN (SELECT caller_key FROM eligible)
      AND received_at <= (SELECT t FROM as_of)
),
last_qualifying AS (
    SELECT caller_key, max(received_at) FILTER (WHERE qualifies) AS last_qualifying_at
    FROM qualifying
    GROUP BY caller_key
),
weekly AS (
    SELECT
        k.caller_key,
        CAST(floor(
            CAST(CAST(k.received_at AS BIGINT) - CAST(f.referred_at AS BIGINT) AS DOUBLE)
                / 604800000000.0
        ) AS BIGINT) AS week,
        count(*) AS contacts
    FROM contacts k
    JOIN referred f ON f.caller_key = k.caller_key
    CROSS JOIN as_of a
    WHERE k.received_at <= a.t
      AND k.received_at >= f.referred_at - INTERVAL '84 days'
      AND k.received_at < f.referred_at + INTERVAL '182 days'
    GROUP BY 1, 2
),
weekly_lists AS (
    SELECT
        f.caller_key,
        array_agg(
            CASE
                WHEN CAST(f.referred_at AS BIGINT) + (w.week + 1) * 604800000000
                    <= CAST(a.t AS BIGINT)
                THEN coalesce(n.contacts, 0)
            END
            ORDER BY w.week
        ) AS weekly_contacts
    FROM referred f
    CROSS JOIN (SELECT unnest(range(-12, 26)) AS week) w
    CROSS JOIN as_of a
    LEFT JOIN weekly n ON n.caller_key = f.caller_key AND n.week = w.week
    GROUP BY f.caller_key
),
status AS (
    SELECT
        e.*,
        f.caller_key IS NOT NULL AS referred,
        f.case_id,
        f.referred_at,
        l.last_qualifying_at,
        CAST(floor(
            CAST(CAST(a.t AS BIGINT) - CAST(l.last_qualifying_at AS BIGINT) AS DOUBLE)
                / 604800000000.0
        ) AS BIGINT) AS weeks_since_qualifying,
        a.t AS as_of
    FROM eligible e
    CROSS JOIN as_of a
    LEFT JOIN referred f ON f.caller_key = e.caller_key
    LEFT JOIN last_qualifying l ON l.caller_key = e.caller_key
),
comparison AS (
    SELECT
        eligible_week,
        count(*) AS comparison_callers,
        avg(CASE WHEN weeks_since_qualifying >= engage_quiet_weeks() THEN 1.0 ELSE 0.0 END)
            AS comparison_share
    FROM status
    WHERE NOT referred
    GROUP BY eligible_week
)
SELECT
    s.caller_key,
    s.csu,
    s.eligible_at,
    s.eligible_week,
    s.referred,
    s.case_id,
    s.referred_at,
    w.weekly_contacts,
    s.last_qualifying_at,
    s.weeks_since_qualifying,
    s.weeks_since_qualifying >= engage_quiet_weeks() AS no_longer_coming_to_notice,
    coalesce(c.comparison_callers, 0) AS comparison_callers,
    c.comparison_share,
    s.as_of
FROM status s
LEFT JOIN weekly_lists w ON w.caller_key = s.caller_key
LEFT JOIN comparison c ON c.eligible_week = s.eligible_week

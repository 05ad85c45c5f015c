-- morning_list: what does the morning meeting need to look at today?
--
-- One row per caller per section, as of the session's as-of time (engage_as_of(); when not
-- set, the latest contact), under the session's rule set (engage_rule_set()). Sections:
--   new_repeat_caller  an episode whose first qualifying contact is at or after the start
--                      (UK local midnight) of the previous working day (Friday for a Monday,
--                      Saturday or Sunday meeting) and at or before the as-of time, of a caller
--                      with no open case: new to the list, or back after their case closed
--   called_again       a caller with an open case who called in the 24 hours up to the as-of
--                      time (contacts_24h says how often)
--   marker_expiring    an open case whose marker expires within 7 days (caseload.marker_expiring)
--   review_overdue     an open case whose review date has passed (caseload.review_overdue)
-- A caller may be in several sections. Open case: a case in `caseload` whose stage is not
-- closed.
--
-- Columns:
--   section          new_repeat_caller | called_again | marker_expiring | review_overdue
--   section_order    1 to 4, in the order above
--   caller_key       the caller (E.164 number or pseudonym)
--   case_id          the open case; NULL for new_repeat_caller
--   csu              the case's CSU, else (no referral yet) the caller's (repeat_callers.csu);
--                    for a new repeat caller the episode's csu
--   first_flagged_at the episode's first qualifying contact (new_repeat_caller), else the
--                    caller's first ever (repeat_callers.first_flagged_at)
--   contacts_24h     the caller's contacts in the 24 hours up to the as-of time
--   last_contact_at  the caller's latest contact up to the as-of time
--   review_due       the case's review date
--   marker_expires   the case's marker expiry
--   suggested_type   the triage suggestion (of the episode for new_repeat_caller, else of all
--                    the caller's contacts)
--   triage_evidence  the evidence behind suggested_type
--   top_categories   top 3 categories with counts
--   as_of            the as-of time used
WITH as_of AS (
    SELECT
        t,
        uk_date(t) - CASE uk_weekday(t)
            WHEN 0 THEN INTERVAL '3 days'
            WHEN 6 THEN INTERVAL '2 days'
            ELSE INTERVAL '1 day'
        END AS since_day
    FROM (SELECT coalesce(engage_as_of(), (SELECT max(received_at) FROM contacts)) AS t)
),
open_cases AS (
    SELECT * FROM caseload WHERE stage <> 'closed'
),
recent AS (
    SELECT
        k.caller_key,
        count(*) FILTER (WHERE k.received_at > a.t - INTERVAL '24 hours') AS contacts_24h,
        max(k.received_at) AS last_contact_at
    FROM contacts k
    CROSS JOIN as_of a
    WHERE k.caller_key IS NOT NULL
      AND k.received_at <= a.t
    GROUP BY k.caller_key
),
new_callers AS (
    SELECT
        'new_repeat_caller' AS section,
        1 AS section_order,
        e.caller_key,
        CAST(NULL AS VARCHAR) AS case_id,
        e.csu,
        e.first_flagged_at,
        e.suggested_type,
        e.triage_evidence,
        e.categories AS top_categories,
        CAST(NULL AS DATE) AS review_due,
        CAST(NULL AS DATE) AS marker_expires
    FROM episodes e
    CROSS JOIN as_of a
    WHERE e.first_flagged_at <= a.t
      AND uk_date(e.first_flagged_at) >= a.since_day
      AND e.caller_key NOT IN (SELECT caller_key FROM open_cases)
),
case_sections AS (
    SELECT 'called_again' AS section, 2 AS section_order, o.*
    FROM open_cases o JOIN recent r ON r.caller_key = o.caller_key
    WHERE r.contacts_24h > 0
    UNION ALL
    SELECT 'marker_expiring', 3, o.* FROM open_cases o WHERE o.marker_expiring
    UNION ALL
    SELECT 'review_overdue', 4, o.* FROM open_cases o WHERE o.review_overdue
),
case_rows AS (
    SELECT
        s.section,
        s.section_order,
        s.caller_key,
        s.case_id,
        coalesce(s.csu, p.csu) AS csu,
        p.first_flagged_at,
        p.suggested_type,
        p.triage_evidence,
        p.top_categories,
        s.review_due,
        s.marker_expires
    FROM case_sections s
    LEFT JOIN repeat_callers p ON p.caller_key = s.caller_key
)
SELECT
    x.section,
    x.section_order,
    x.caller_key,
    x.case_id,
    x.csu,
    x.first_flagged_at,
    coalesce(r.contacts_24h, 0) AS contacts_24h,
    r.last_contact_at,
    x.review_due,
    x.marker_expires,
    x.suggested_type,
    x.triage_evidence,
    x.top_categories,
    a.t AS as_of
FROM (SELECT * FROM new_callers UNION ALL SELECT * FROM case_rows) x
CROSS JOIN as_of a
LEFT JOIN recent r ON r.caller_key = x.caller_key

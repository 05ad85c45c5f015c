-- caseload: where does each case stand, and is its caller still calling?
--
-- One row per case in the table `referrals` (the case system's decisions, docs/exports.md)
-- with a decision at or before the session's as-of time (engage_as_of(), `SET engage.as_of =
-- '2025-11-03T08:00:00Z'`; when not set, the latest contact in `contacts`). Decisions after the
-- as-of time are not seen, so a caseload can be rebuilt for any past morning. Contacts count
-- up to the as-of time; "in an episode now" uses the session's rule set (engage_rule_set()).
--
-- Columns:
--   case_id                       the case
--   caller_key                    the caller (E.164 number or pseudonym), as in contacts
--   csu                           the CSU of the case's latest decision that names one
--   assessment                    the latest assessment: vulnerable_caller | repeat_victim |
--                                 nuisance | not_a_repeat_caller; NULL before any
--   stage                         reviewed | referred | plan | closed: the furthest stage
--                                 reached (plan: a plan agreed, a marker set or a review held)
--   opened_at                     the case's first decision
--   referred_at                   the case's first `referred` decision; NULL when not referred
--   plan                          the latest plan agreed (its kind, never free text)
--   review_due                    the latest review date set (a date)
--   review_overdue                review_due is before the as-of day (UK local) and the case is
--                                 not closed
--   marker_expires                the latest marker expiry set (a date)
--   marker_expiring               the case is not closed and marker_expires is between the
--                                 as-of day and 7 days after it, both included
--   closed_at                     the case's `closed` decision; NULL while open
--   close_reason                  why it closed
--   contacts_28d_before_referral  the caller's contacts in the 28 days before referred_at
--   contacts_last_28d             the caller's contacts in the 28 days up to the as-of time
--   last_contact_at               the caller's latest contact up to the as-of time
--   in_episode_now                whether the caller's latest contact up to the as-of time
--                                 qualifies under the rule set (false with no contact)
--   as_of                         the as-of time used
--
-- Ties: decisions of one case at the same instant are taken in the order of the stages
-- (reviewed, referred, plan_agreed, marker_set, review, closed).
WITH as_of AS (
    SELECT coalesce(engage_as_of(), (SELECT max(received_at) FROM contacts)) AS t
),
decided AS (
    SELECT
        r.*,
        CASE r.decision
            WHEN 'reviewed' THEN 1 WHEN 'referred' THEN 2 WHEN 'plan_agreed' THEN 3
            WHEN 'marker_set' THEN 4 WHEN 'review' THEN 5 WHEN 'closed' THEN 6 ELSE 7
        END AS stage_rank
    FROM referrals r CROSS JOIN as_of
    WHERE r.decided_at <= as_of.t
),
cases AS (
    SELECT
        case_id,
        first_value(caller_key ORDER BY decided_at, stage_rank) AS caller_key,
        last_value(csu ORDER BY decided_at, stage_rank) FILTER (WHERE csu IS NOT NULL) AS csu,
        last_value(assessment ORDER BY decided_at, stage_rank)
            FILTER (WHERE assessment IS NOT NULL) AS assessment,
        min(decided_at) AS opened_at,
        min(decided_at) FILTER (WHERE decision = 'referred') AS referred_at,
        bool_or(decision IN ('plan_agreed', 'marker_set', 'review')) AS planned,
        min(decided_at) FILTER (WHERE decision = 'closed') AS closed_at,
        last_value(close_reason ORDER BY decided_at, stage_rank)
            FILTER (WHERE close_reason IS NOT NULL) AS close_reason,
        last_value(plan ORDER BY decided_at, stage_rank) FILTER (WHERE plan IS NOT NULL) AS plan,
        last_value(review_due ORDER BY decided_at, stage_rank)
            FILTER (WHERE review_due IS NOT NULL) AS review_due,
        last_value(marker_expires ORDER BY decided_at, stage_rank)
            FILTER (WHERE marker_expires IS NOT NULL) AS marker_expires
    FROM decided
    GROUP BY case_id
),
case_contacts AS (
    SELECT
        c.case_id,
        count(*) FILTER (
            WHERE k.received_at >= c.referred_at - INTERVAL '28 days'
              AND k.received_at < c.referred_at
        ) AS contacts_28d_before_referral,
        count(*) FILTER (WHERE k.received_at > a.t - INTERVAL '28 days') AS contacts_last_28d,
        max(k.received_at) AS last_contact_at
    FROM cases c
    JOIN contacts k ON k.caller_key = c.caller_key
    CROSS JOIN as_of a
    WHERE k.received_at <= a.t
    GROUP BY c.case_id
),
qualifying AS (
    SELECT
        caller_key,
        received_at,
        repeat_qualifies(received_at, engage_rule_set())
            OVER (PARTITION BY caller_key ORDER BY received_at) AS qualifies
    FROM contacts
    WHERE caller_key IN (SELECT caller_key FROM cases)
      AND received_at <= (SELECT t FROM as_of)
),
latest AS (
    SELECT caller_key, last_value(qualifies ORDER BY received_at) AS in_episode_now
    FROM qualifying
    GROUP BY caller_key
)
SELECT
    c.case_id,
    c.caller_key,
    c.csu,
    c.assessment,
    CASE
        WHEN c.closed_at IS NOT NULL THEN 'closed'
        WHEN c.planned THEN 'plan'
        WHEN c.referred_at IS NOT NULL THEN 'referred'
        ELSE 'reviewed'
    END AS stage,
    c.opened_at,
    c.referred_at,
    c.plan,
    c.review_due,
    coalesce(c.closed_at IS NULL AND c.review_due < uk_date(a.t), false) AS review_overdue,
    c.marker_expires,
    coalesce(
        c.closed_at IS NULL
            AND c.marker_expires >= uk_date(a.t)
            AND c.marker_expires <= uk_date(a.t) + INTERVAL '7 days',
        false
    ) AS marker_expiring,
    c.closed_at,
    c.close_reason,
    coalesce(n.contacts_28d_before_referral, 0) AS contacts_28d_before_referral,
    coalesce(n.contacts_last_28d, 0) AS contacts_last_28d,
    n.last_contact_at,
    coalesce(l.in_episode_now, false) AS in_episode_now,
    a.t AS as_of
FROM cases c
CROSS JOIN as_of a
LEFT JOIN case_contacts n ON n.case_id = c.case_id
LEFT JOIN latest l ON l.caller_key = c.caller_key

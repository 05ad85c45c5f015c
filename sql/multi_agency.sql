-- multi_agency: which callers reach more than one agency (police, fire, ambulance), and are
-- they repeat callers?
--
-- One row per caller with a key whose contacts reach two or more distinct agencies (agency
-- compared ignoring case and surrounding spaces). Partner contacts link to police contacts
-- through the shared caller key (a pseudonym agreed between agencies).
--
-- Columns:
--   caller_key        the caller (E.164 number or pseudonym)
--   agencies          agencies seen, distinct, sorted, comma-separated (e.g. ambulance,police)
--   police            contacts to the police
--   fire              contacts to fire and rescue
--   ambulance         contacts to the ambulance service
--   total             all the caller's contacts
--   first_contact     the caller's earliest contact
--   last_contact      the caller's latest contact
--   is_repeat_caller  whether the caller has at least one episode under the session's rule set
--                     (engage_rule_set()): whether repeat_callers lists them
--
-- The SELECT sorts by caller_key, but a view does not keep its order once queried (SQL
-- semantics; DataFusion drops the sort): write ORDER BY caller_key when order matters.
WITH per_agency AS (
    SELECT
        caller_key,
        lower(trim(agency)) AS agency,
        count(*) AS contacts,
        min(received_at) AS first_contact,
        max(received_at) AS last_contact
    FROM contacts
    WHERE caller_key IS NOT NULL
    GROUP BY caller_key, lower(trim(agency))
),
multi AS (
    SELECT
        caller_key,
        array_to_string(array_sort(array_agg(agency)), ',') AS agencies,
        coalesce(sum(contacts) FILTER (WHERE agency = 'police'), 0) AS police,
        coalesce(sum(contacts) FILTER (WHERE agency = 'fire'), 0) AS fire,
        coalesce(sum(contacts) FILTER (WHERE agency = 'ambulance'), 0) AS ambulance,
        sum(contacts) AS total,
        min(first_contact) AS first_contact,
        max(last_contact) AS last_contact
    FROM per_agency
    GROUP BY caller_key
    HAVING count(*) > 1
)
SELECT
    m.caller_key,
    m.agencies,
    m.police,
    m.fire,
    m.ambulance,
    m.total,
    m.first_contact,
    m.last_contact,
    r.caller_key IS NOT NULL AS is_repeat_caller
FROM multi m
LEFT JOIN (SELECT caller_key FROM repeat_callers) r ON r.caller_key = m.caller_key
ORDER BY m.caller_key
